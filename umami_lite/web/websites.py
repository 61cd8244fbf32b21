"""Websites blueprint: list, create, update, read, delete, reset, share links (v1 routes)."""
from flask import Blueprint, jsonify, request

from . import params
from ..storage import sites
from .auth import is_shared, issue_share_token, require_user, website_for_owner, website_for_read
from ..storage.connection import get_db, transaction
from ..errors import ApiError, bad_request
from .jsonbody import json_object
from ..ops import retention
from ..state import state

bp = Blueprint("websites", __name__)


def text_field(body, name, required, maximum):
    """Returns body[name] as a stripped string (None when absent and optional)."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise bad_request(f"'{name}' is required.")
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"'{name}' must be a non-empty string.")
    if len(value) > maximum:
        raise bad_request(f"'{name}' must be at most {maximum} characters.")
    return value.strip()


def list_page(user_id):
    """Returns the paged list response for user_id's websites (None: all)."""
    page = params.positive_int(request.args, "page", 1, 1_000_000)
    size = params.positive_int(request.args, "pageSize", 100, 1000)
    search = params.search_text(request.args)
    rows, total = sites.list_for(get_db(), user_id, search, page, size)
    return {"data": [sites.to_json(r) for r in rows], "count": total, "page": page,
            "pageSize": size}


@bp.get("/api/websites")
def list_websites():
    user = require_user()
    user_id = user["user_id"]
    if request.args.get("user_id"):
        if not user["is_admin"]:
            raise ApiError(403, "Only admins may list another user's websites.")
        user_id = params.positive_int(request.args, "user_id", None, 2**62)
    return jsonify(list_page(user_id))


def retention_field(body):
    """Returns (given, days) for body's retention_days; days None keeps data forever."""
    if "retention_days" not in body:
        return False, None
    try:
        return True, retention.validate_days(body["retention_days"])
    except ValueError as exc:
        raise bad_request(f"'retention_days' {exc}.") from None


def _save_retention(db, website_id, given, days):
    if given:
        retention.set_days(db, website_id, days)
        state().retention.due_now()


@bp.post("/api/website")
def save_website():
    user = require_user()
    body = json_object()
    share = body.get("enable_share_url")
    if share is not None and not isinstance(share, bool):
        raise bad_request("'enable_share_url' must be true or false.")
    db = get_db()
    if body.get("website_id") is not None:
        key = body["website_id"]
        if not isinstance(key, (int, str)) or isinstance(key, bool):
            raise bad_request("'website_id' must be a website id or uuid.")
        website = website_for_owner(key)
        name = text_field(body, "name", False, sites.MAX_NAME)
        domain = text_field(body, "domain", False, sites.MAX_DOMAIN)
        given, days = retention_field(body)
        with transaction(db):
            sites.update(db, website["website_id"], name, domain, share)
            _save_retention(db, website["website_id"], given, days)
        return jsonify(sites.to_json(sites.get(db, website["website_id"])))
    name = text_field(body, "name", True, sites.MAX_NAME)
    domain = text_field(body, "domain", False, sites.MAX_DOMAIN)
    given, days = retention_field(body)
    with transaction(db):
        row = sites.create(db, user["user_id"], name, domain, bool(share))
        _save_retention(db, row["website_id"], given, days)
    return jsonify(sites.to_json(sites.get(db, row["website_id"])))


@bp.get("/api/website/<website_key>")
def get_website(website_key):
    website = website_for_read(website_key)
    return jsonify(sites.to_json(website, owner=not is_shared()))


@bp.delete("/api/website/<website_key>")
def delete_website(website_key):
    website = website_for_owner(website_key)
    db = get_db()
    with transaction(db):
        sites.delete(db, website["website_id"])
    return jsonify({"ok": True})


@bp.post("/api/website/<website_key>/reset")
def reset_website(website_key):
    website = website_for_owner(website_key)
    db = get_db()
    with transaction(db):
        sites.reset(db, website["website_id"])
    return jsonify({"ok": True})


@bp.get("/api/share/<share_id>")
def share(share_id):
    website = sites.by_share_id(get_db(), share_id)
    if website is None:
        raise ApiError(404, "Share link not found.")
    return jsonify({"websiteId": website["website_id"], "websiteUuid": website["website_uuid"],
                    "token": issue_share_token(website)})


