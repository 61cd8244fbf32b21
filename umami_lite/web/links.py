"""Links and pixels: /api/links and /api/pixels (list, create, read, update, delete) and the
public hits GET /q/<slug> (records a view, redirects) and GET /p/<slug> (records a view,
answers a 1x1 GIF).

A hit is recorded as a pageview of the link's or pixel's own website row (url /q/<slug>
plus the query string, so utm_* tags count), from the visitor's own headers: the bot check,
IGNORE_IP, the rate limits and the country lookup apply as on collect. Whatever happens to
the hit, the visitor gets the redirect or the image.
"""
import base64
import json
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, request

from ..ingest import record as ingest, visitor as clients
from ..storage import links, sites
from . import params
from .auth import require_user
from .collect import visitor_for
from ..storage.connection import checkin, checkout, get_db, transaction
from ..errors import ApiError, bad_request, error_body
from .jsonbody import json_object
from ..state import state
from .websites import text_field

bp = Blueprint("v2_links", __name__)
SLUG = re.compile(r"[A-Za-z0-9._~-]{1,100}")  # URL-safe as it stands in /q/<slug>
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache",
            "Expires": "0"}
PLURAL = {"link": "links", "pixel": "pixels"}
TARGET_SECONDS = 5  # how long a process keeps a slug's lookup (another process's change)
TARGETS_MAX = 4096
_targets = {}  # (database, kind, slug) -> (expires, (website uuid, url) or None)


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
    forget()
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
    forget()
    return jsonify(links.to_json(kind, row))


def delete_view(kind, key):
    row = _owned(kind, key)
    db = get_db()
    with transaction(db):
        links.delete(db, row["website_id"])
    forget()
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


def _server_host(host):
    """Returns a Host header as a hit's hostname: lower case, no port, no leading www."""
    host = (host or "").lower()
    if host.startswith("["):  # an IPv6 literal, [::1]:3000
        host = host[1:host.index("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def _target(path, kind, slug):
    """Returns (website uuid, url or None) of the link or pixel with this slug, or None.
    Answers are kept a few seconds per process (a hit costs no lookup while its link is
    busy); a change made through this process forgets them at once (forget())."""
    key = (path, kind, slug)
    now = time.monotonic()
    found = _targets.get(key)
    if found is not None and found[0] > now:
        return found[1]
    db = checkout(path, readonly=True)
    try:
        row = links.by_slug(db, kind, slug)
    finally:
        checkin(path, True, db)
    target = (row["website_uuid"], row["url"] if kind == "link" else None) if row else None
    if len(_targets) >= TARGETS_MAX:
        _targets.clear()
    _targets[key] = (now + TARGET_SECONDS, target)
    return target


def forget():
    """Drops every remembered slug lookup (after a link or pixel changed)."""
    _targets.clear()


def _record(req, umami, website_uuid, url, host):
    """Records one view; a bot, an ignored IP, a hit past UMAMI_LITE_RATE_IP or
    UMAMI_LITE_RATE_WEBSITE, or a failure records nothing: the visitor gets the redirect or
    image all the same."""
    try:
        umami.hit_limits.admit(clients.client_ip(req, umami.settings["CLIENT_IP_HEADER"]),
                               website_uuid)
    except ApiError:  # the slug is public: without a bound anyone could flood the website
        return
    visitor, reason = visitor_for(umami, req, _server_host(host), None, None)
    if reason:
        return
    hit = ingest.Hit(kind="pageview", url=url, created_at=umami.now_ms(),
                     referrer=req.headers.get("Referer"))
    try:
        ingest.record(umami.database, website_uuid, visitor, hit,
                      umami.settings["SALT_ROTATION"], None,
                      umami.settings["UMAMI_LITE_INGEST_JOURNAL"])
    except Exception:  # noqa: BLE001 - the answer does not depend on the hit
        logging.getLogger("umami_lite").exception("could not record a hit of %s", url)


def hit_answer(req, umami, kind, slug, query, host):
    """Returns (status, headers, body) of GET /q/<slug> or /p/<slug> after recording the
    view: req gives the visitor's headers and address (Flask's request or the ingest
    lane's), query the raw query string, host the Host header."""
    target = _target(umami.database, kind, slug) if SLUG.fullmatch(slug) else None
    if target is None:
        body = json.dumps(error_body(404, f"{kind.capitalize()} not found.")).encode()
        return 404, [("Content-Type", "application/json")], body
    prefix = "/q" if kind == "link" else "/p"
    _record(req, umami, target[0], f"{prefix}/{slug}" + (f"?{query}" if query else ""), host)
    if kind == "link":
        return 307, [("Location", target[1]), ("Cache-Control", "no-store")], b""
    return 200, [("Content-Type", "image/gif"), *NO_CACHE.items()], GIF


def _flask_answer(kind, slug):
    status, headers, body = hit_answer(request, state(), kind, slug,
                                       request.query_string.decode("utf-8", "replace"),
                                       request.host)
    return Response(body, status, headers)


@bp.get("/q/<slug>")
def link_hit(slug):
    return _flask_answer("link", slug)


@bp.get("/p/<slug>")
def pixel_hit(slug):
    return _flask_answer("pixel", slug)
