"""Current-API website management: POST /api/websites, GET|POST|DELETE
/api/websites/<uuid>, POST /api/websites/<uuid>/reset. (GET /api/websites, the paged
list both generations read, lives in umami_lite/web/websites.py.)
"""
import uuid

from flask import Blueprint, jsonify

from ..storage import sites
from . import websites as v1_websites
from .auth import is_shared, require_user, website_for_owner, website_for_read
from ..storage.connection import get_db, transaction
from ..errors import bad_request
from .jsonbody import json_object
from .websites import text_field

bp = Blueprint("v2_websites", __name__)
NO_CHANGE = object()


def _share_id(body):
    """Returns body's shareId (None removes sharing), or NO_CHANGE when absent."""
    if "shareId" not in body:
        return NO_CHANGE
    value = body["shareId"]
    if value is not None and not (isinstance(value, str) and sites.SHARE_ID.fullmatch(value)):
        raise bad_request("'shareId' must be null or 1-50 letters, digits, '-' or '_'.")
    return value


def _new_uuid(body):
    """Returns the website uuid the caller chose (`id`), or None to make one."""
    value = body.get("id")
    if value is None:
        return None
    try:
        key = str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        key = None
    if key is None:
        raise bad_request("'id' must be a uuid.")
    return key  # (sites.create refuses one that is or was in use)


def _with_share_id(db, row, share_id):
    if share_id is NO_CHANGE or share_id == row["share_id"]:
        return row
    try:
        return sites.set_share_id(db, row["website_id"], share_id)
    except sites.Taken as exc:
        raise bad_request(str(exc)) from None


@bp.post("/api/websites")
def create_website():
    user = require_user()
    body = json_object()
    name = text_field(body, "name", True, sites.MAX_NAME)
    domain = text_field(body, "domain", True, sites.MAX_DOMAIN)
    share_id = _share_id(body)
    if body.get("teamId") is not None:
        raise bad_request("Teams are not supported; leave 'teamId' out.")
    website_uuid = _new_uuid(body)
    db = get_db()
    try:
        with transaction(db):
            row = sites.create(db, user["user_id"], name, domain, website_uuid=website_uuid)
            row = _with_share_id(db, row, share_id)
    except sites.Taken as exc:
        raise bad_request(str(exc)) from None
    return jsonify(sites.to_json(row))


@bp.get("/api/websites/<website_key>")
def get_website(website_key):
    website = website_for_read(website_key)
    return jsonify(sites.to_json(website, owner=not is_shared()))


@bp.post("/api/websites/<website_key>")
def update_website(website_key):
    website = website_for_owner(website_key)
    body = json_object()
    name = text_field(body, "name", False, sites.MAX_NAME)
    domain = text_field(body, "domain", False, sites.MAX_DOMAIN)
    share_id = _share_id(body)
    db = get_db()
    with transaction(db):
        row = sites.update(db, website["website_id"], name, domain)
        row = _with_share_id(db, row, share_id)
    return jsonify(sites.to_json(row))


# Deleting and resetting answer the same in both API generations: one view each.
bp.add_url_rule("/api/websites/<website_key>", view_func=v1_websites.delete_website,
                methods=["DELETE"])
bp.add_url_rule("/api/websites/<website_key>/reset", view_func=v1_websites.reset_website,
                methods=["POST"])
