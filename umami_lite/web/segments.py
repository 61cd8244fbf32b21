"""Saved segments and cohorts under /api/websites/<uuid>/segments: list (by type), create,
read, update, delete. Reading needs what the website's analytics need (owner, admin or its
share token); writing needs the owner or an admin. Parameters are checked on every write
(segments.checked_parameters), so `segment=<id>` can always apply a stored one.
"""
from flask import Blueprint, jsonify, request

from . import params
from ..queries import segments
from .auth import website_for_owner, website_for_read
from ..storage.connection import get_db, transaction
from ..errors import ApiError, bad_request
from .jsonbody import json_object
from .websites import text_field

bp = Blueprint("v2_segments", __name__)
PREFIX = "/api/websites/<website_key>/segments"
PAGE_SIZE = 20  # the current API answers one page of 20, whatever is asked


def _kind(value, name):
    if value not in segments.TYPES:
        raise bad_request(f"'{name}' must be segment or cohort.")
    return value


def _found(website, key):
    row = segments.find(get_db(), website["website_id"], key)
    if row is None:
        raise ApiError(404, "Segment not found.")
    return row


def _body():
    """Returns (type, name, parameters) of a create or update body, checked."""
    body = json_object()
    kind = _kind(body.get("type"), "type")
    name = text_field(body, "name", True, 200)
    return kind, name, segments.checked_parameters(kind, body.get("parameters"))


@bp.get(PREFIX)
def list_segments(website_key):
    website = website_for_read(website_key)
    kind = _kind(request.args.get("type"), "type")
    search = params.search_text(request.args)
    rows = segments.list_for(get_db(), website["website_id"], kind, search)
    answer = {"data": [segments.to_json(r) for r in rows[:PAGE_SIZE]], "count": len(rows),
              "page": 1, "pageSize": PAGE_SIZE}
    if search:
        answer["search"] = search
    return jsonify(answer)


@bp.post(PREFIX)
def create_segment(website_key):
    website = website_for_owner(website_key)
    kind, name, parameters = _body()
    db = get_db()
    with transaction(db):
        row = segments.create(db, website["website_id"], kind, name, parameters)
    return jsonify(segments.to_json(row))


@bp.get(f"{PREFIX}/<segment_key>")
def get_segment(website_key, segment_key):
    return jsonify(segments.to_json(_found(website_for_read(website_key), segment_key)))


@bp.post(f"{PREFIX}/<segment_key>")
def update_segment(website_key, segment_key):
    row = _found(website_for_owner(website_key), segment_key)
    kind, name, parameters = _body()
    db = get_db()
    with transaction(db):
        row = segments.update(db, row, kind, name, parameters)
    return jsonify(segments.to_json(row))


@bp.delete(f"{PREFIX}/<segment_key>")
def delete_segment(website_key, segment_key):
    row = _found(website_for_owner(website_key), segment_key)
    db = get_db()
    with transaction(db):
        segments.delete(db, row)
    return jsonify({"ok": True})
