"""Auth blueprint (login, verify, logout) and the access checks every other view calls.

Login tokens are signed with itsdangerous, carry (user id, token nonce, token version) and
expire; bumping the account's token_version revokes them. The nonce is random per account:
a token never names an account created later, even one given a deleted account's id.
Admin rights are read from the database on each request. Share tokens are read-only and
bound to one website; answers to them name nothing of its owner.
"""
import secrets

from flask import Blueprint, g, jsonify, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from ..ingest import visitor as clients
from ..storage import sites, users
from ..clock import now_ms
from ..storage.connection import get_db, transaction
from ..errors import ApiError, bad_request
from .jsonbody import json_object
from ..state import state
from .throttle import Throttle

bp = Blueprint("auth", __name__)

# The CSRF cookie set beside the login cookie (web/security.py checks it).
CSRF_COOKIE = "umami.csrf"
SHARE_HEADERS = ("x-umami-share-token", "x-umami-token")


def _login_serializer():
    return URLSafeTimedSerializer(state().secret, salt="umami-lite.login")


def _share_serializer():
    return URLSafeSerializer(state().secret, salt="umami-lite.share")


def _hash_method():
    return state().hash_method


def issue_token(user):
    return _login_serializer().dumps({"u": user["user_id"], "n": user["token_nonce"],
                                      "v": user["token_version"]})


def issue_share_token(website):
    return _share_serializer().dumps({"w": website["website_id"], "s": website["share_id"]})


def _token_from_request():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(state().cookie_name)


def current_user():
    """Returns the logged-in account row for this request, or None."""
    if "_umami_user" in g:
        return g._umami_user
    user = None
    token = _token_from_request()
    if token:
        max_age = state().settings["UMAMI_LITE_TOKEN_DAYS"] * 86400
        try:
            data = _login_serializer().loads(token, max_age=max_age)
            row = users.get(get_db(), int(data["u"]))
            if (row is not None and row["token_nonce"] == data["n"]
                    and row["token_version"] == data["v"]):
                user = row
        except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
            user = None
    g._umami_user = user
    return user


def require_user():
    """Returns the logged-in account or raises 401."""
    user = current_user()
    if user is None:
        raise ApiError(401, "Login required: send a valid token as Bearer or umami.auth cookie.")
    return user


def require_admin():
    user = require_user()
    if not user["is_admin"]:
        raise ApiError(403, "Admin rights required.")
    return user


def _share_token():
    for name in SHARE_HEADERS:
        value = request.headers.get(name)
        if value and value != "undefined":
            return value
    return None


def website_for_read(key, posted_read=False):
    """Returns the website row if the caller may read it (owner, admin or its share token);
    a share token is honoured by reads only (GET, or a POST that computes an answer and
    stores nothing: posted_read), and marks the request as_shared()."""
    db = get_db()
    website = sites.find(db, key)
    reading = posted_read or request.method in ("GET", "HEAD")
    share = _share_token() if reading else None
    if share is not None:
        try:
            data = _share_serializer().loads(share)
        except BadSignature:
            data = None
        if (data and website is not None and data.get("w") == website["website_id"]
                and website["share_id"] and data.get("s") == website["share_id"]):
            g._umami_shared = True
            return website
        if current_user() is None:
            raise ApiError(401, "Invalid share token.")
    return website_for_owner(key, website)


def is_shared():
    """Returns whether this request reads a website by its share token: its answers then
    name nothing of the owner (sites.to_json(row, owner=False))."""
    return g.get("_umami_shared", False)


def website_for_owner(key, website=None):
    """Returns the website row if the logged-in caller owns it or is admin; else 401/404."""
    user = require_user()
    website = website if website is not None else sites.find(get_db(), key)
    if website is None or not (user["is_admin"] or website["user_id"] == user["user_id"]):
        raise ApiError(404, "Website not found.")
    return website


def _set_cookie(response, token):
    umami = state()
    max_age = umami.settings["UMAMI_LITE_TOKEN_DAYS"] * 86400
    path = umami.cookie_path(request.script_root)
    response.set_cookie(umami.cookie_name, token, path=path, httponly=True, samesite="Lax",
                        secure=request.is_secure, max_age=max_age)
    set_csrf_cookie(response, path, max_age)


def _throttle():
    settings = state().settings
    return Throttle(state().secret, settings["UMAMI_LITE_LOGIN_FAILURES"],
                    settings["UMAMI_LITE_LOGIN_WINDOW"])


def set_csrf_cookie(response, path, max_age):
    """Sets a fresh random CSRF cookie that page scripts can read, beside the login cookie."""
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), path=path, httponly=False,
                        samesite="Lax", secure=request.is_secure, max_age=max_age)


def clear_csrf_cookie(response, path):
    response.delete_cookie(CSRF_COOKIE, path=path, samesite="Lax", secure=request.is_secure)


@bp.post("/api/auth/login")
def login():
    body = json_object()
    username, password = body.get("username"), body.get("password")
    for name, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            raise bad_request(f"'{name}' is required (a non-empty string).")
    db, throttle, now = get_db(), _throttle(), now_ms()
    keys = throttle.keys(username, clients.client_ip(request,
                                                     state().settings["CLIENT_IP_HEADER"]))
    attempt = throttle.attempt(db, keys, now)  # counted as a failure until it succeeds
    user = users.check_credentials(db, username, password, _hash_method())
    if user is None:
        raise ApiError(401, "Incorrect username or password.")
    throttle.succeeded(db, keys[0], attempt)
    token = issue_token(user)
    response = jsonify({"token": token, "user": users.to_json(user)})
    _set_cookie(response, token)
    return response


@bp.route("/api/auth/verify", methods=["GET", "POST"])
def verify():
    return jsonify(users.to_json(require_user()))


@bp.get("/api/me")
def me():
    user = require_user()
    return jsonify({**users.to_json(user), "user": users.to_json(user)})


@bp.post("/api/auth/logout")
def logout():
    user = current_user()
    if user is not None:
        db = get_db()
        with transaction(db):
            users.revoke_tokens(db, user["user_id"])
    response = jsonify({"ok": True})
    umami = state()
    response.delete_cookie(umami.cookie_name, path=umami.cookie_path(request.script_root),
                           httponly=True, samesite="Lax")
    clear_csrf_cookie(response, umami.cookie_path(request.script_root))
    return response


@bp.get("/api/heartbeat")
def heartbeat():
    return jsonify({"ok": True})
