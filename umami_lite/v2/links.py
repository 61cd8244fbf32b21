"""Links and pixels: /api/links and /api/pixels (list, create, read, update, delete) and the
public hits GET /q/<slug> (records a view, redirects) and GET /p/<slug> (records a view,
answers a 1x1 GIF).

A hit is recorded as a pageview of the link's or pixel's own website row (url /q/<slug>
plus the query string, so utm_* tags count), from the visitor's own headers: the bot check,
IGNORE_IP and the country lookup apply as on collect. Whatever happens to the hit, the
visitor gets the redirect or the image.
"""
import base64
import re
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request

from .. import ingest, links, params, sites
from ..auth import require_user
from ..collect import visitor_for
from ..db import get_db, transaction
from ..errors import ApiError, bad_request, error_response
from ..jsonbody import json_object
from ..state import state
from ..websites import text_field

bp = Blueprint("v2_links", __name__)
SLUG = re.compile(r"[A-Za-z0-9._~-]{1,100}")  # URL-safe as it stands in /q/<slug>
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache",
            "Expires": "0"}
PLURAL = {"link": "links", "pixel": "pixels"}


def _slug(body, required):
    value = body.get("slug")
    if value is None and not required:
        return None
    if not (isinstance(value, str) and SLUG.fullmatch(value)):
        raise bad_request("'slug' must be 1-100 letters, digits, '.', '_', '~' or '-'.")
    return value


def _url(body, required):
    """Returns body's url: an absolute http(s) URL (never javascript: or a relative path)."""
    value = text_field(body, "url", required, 500)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(
            ord(c) < 33 for c in value):
        raise bad_request("'url' must be an absolute http or https URL.")
    return value


def _values(kind, body, required):
    values = {"slug": _slug(body, required)}
    if kind == "link":
        values["url"] = _url(body, required)
    return values


def _new_uuid(db, body):
    """Returns the id the caller chose (a uuid no website has), or None to make one."""
    value = body.get("id")
    if value is None:
        return None
    try:
        key = str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        key = None
    if key is None:
        raise bad_request("'id' must be a uuid.")
    if sites.find(db, key) is not None:
        raise bad_request("'id' is already taken.")
    return key


def _owned(kind, key):
    """Returns the link or pixel if the logged-in caller owns it or is admin; else 404."""
    user = require_user()
    row = links.find(get_db(), kind, key)
    if row is None or not (user["is_admin"] or row["user_id"] == user["user_id"]):
        raise ApiError(404, f"{kind.capitalize()} not found.")
    return row


def _taken(kind):
    return bad_request(f"That slug is already taken by another {kind}.")


def list_view(kind):
    user = require_user()
    page = params.positive_int(request.args, "page", 1, 1_000_000)
    size = params.positive_int(request.args, "pageSize", 20, 1000)
    rows, total = links.list_for(get_db(), kind, user["user_id"],
                                 params.search_text(request.args), page, size)
    return jsonify({"data": [links.to_json(kind, r) for r in rows], "count": total,
                    "page": page, "pageSize": size})


def create_view(kind):
    user = require_user()
    body = json_object()
    name = text_field(body, "name", True, 100)
    values = _values(kind, body, True)
    if body.get("teamId") is not None:
        raise bad_request("Teams are not supported; leave 'teamId' out.")
    db = get_db()
    website_uuid = _new_uuid(db, body)
    try:
        with transaction(db):
            row = links.create(db, kind, user["user_id"], name, values, website_uuid)
    except links.SlugTaken:
        raise _taken(kind) from None
    return jsonify(links.to_json(kind, row))


def read_view(kind, key):
    return jsonify(links.to_json(kind, _owned(kind, key)))


def update_view(kind, key):
    row = _owned(kind, key)
    body = json_object()
    name = text_field(body, "name", False, 100)
    values = _values(kind, body, False)
    db = get_db()
    try:
        with transaction(db):
            row = links.update(db, kind, row["website_id"], name, values)
    except links.SlugTaken:
        raise _taken(kind) from None
    return jsonify(links.to_json(kind, row))


def delete_view(kind, key):
    row = _owned(kind, key)
    db = get_db()
    with transaction(db):
        links.delete(db, row["website_id"])
    return jsonify({"ok": True})


def _register(kind):
    """Adds the five management routes of one kind (endpoints named after it)."""
    base = f"/api/{PLURAL[kind]}"
    for rule, view, methods in ((base, list_view, ["GET"]), (base, create_view, ["POST"]),
                                (f"{base}/<key>", read_view, ["GET"]),
                                (f"{base}/<key>", update_view, ["POST"]),
                                (f"{base}/<key>", delete_view, ["DELETE"])):
        bp.add_url_rule(rule, endpoint=f"{view.__name__}_{kind}", view_func=view,
                        methods=methods, defaults={"kind": kind})


for _kind in links.KINDS:
    _register(_kind)


def _server_host():
    """Returns this server's host name as a hit's hostname: no port, no leading www."""
    host = request.host.lower()
    host = host[1:host.index("]")] if host.startswith("[") and "]" in host else (
        host.rsplit(":", 1)[0] if host.count(":") == 1 else host)
    return host[4:] if host.startswith("www.") else host


def _record(row, prefix):
    """Records one view of a link or pixel; a bot, an ignored IP or a failure records
    nothing and is not the visitor's problem."""
    umami = state()
    visitor, reason = visitor_for(umami, request, _server_host(), None, None)
    if reason:
        return
    query = request.query_string.decode("utf-8", "replace")
    hit = ingest.Hit(kind="pageview", url=f"{prefix}/{row['slug']}" + (f"?{query}" if query
                                                                       else ""),
                     created_at=umami.now_ms(), referrer=request.headers.get("Referer"))
    try:
        ingest.record(umami.database, row["website_uuid"], visitor, hit,
                      umami.settings["SALT_ROTATION"], None,
                      umami.settings["UMAMI_LITE_INGEST_JOURNAL"])
    except Exception:  # noqa: BLE001 - the redirect or image is answered whatever happens
        current_app.logger.exception("could not record a %s hit", prefix)


def _hit(kind, slug):
    row = links.by_slug(get_db(), kind, slug)
    if row is None:
        return None
    _record(row, "/q" if kind == "link" else "/p")
    return row


@bp.get("/q/<slug>")
def link_hit(slug):
    row = _hit("link", slug)
    if row is None:
        return error_response(404, "Link not found.")
    return redirect(row["url"], 307)


@bp.get("/p/<slug>")
def pixel_hit(slug):
    if _hit("pixel", slug) is None:
        return error_response(404, "Pixel not found.")
    return GIF, 200, {"Content-Type": "image/gif", **NO_CACHE}
