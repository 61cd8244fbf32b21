"""Accounts blueprint: admins manage accounts; everyone may change their own password."""
from flask import Blueprint, jsonify

from ..storage import users
from .auth import require_admin, require_user
from ..storage.connection import get_db, transaction
from ..errors import ApiError, bad_request
from .jsonbody import json_object
from ..state import state

bp = Blueprint("accounts", __name__)

MIN_PASSWORD, MAX_PASSWORD = users.MIN_PASSWORD, users.MAX_PASSWORD


def _hash_method():
    return state().hash_method


def _account(user_id):
    row = users.get(get_db(), user_id)
    if row is None:
        raise ApiError(404, "Account not found.")
    return row


def _string(body, name, required=True, minimum=1, maximum=255):
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not minimum <= len(value) <= maximum:
        raise bad_request(f"'{name}' must be a string of {minimum} to {maximum} characters.")
    return value


def _username(body, required=True):
    value = _string(body, "username", required, maximum=users.MAX_USERNAME)
    if value is not None and not value.strip():
        # A name of spaces could not be told apart from another on the login page.
        raise bad_request("'username' must not be blank.")
    return value


@bp.get("/api/accounts")
def list_accounts():
    require_admin()
    return jsonify([users.to_json(r) for r in users.list_all(get_db())])


@bp.get("/api/account/<int:user_id>")
def get_account(user_id):
    require_admin()
    return jsonify(users.to_json(_account(user_id)))


@bp.delete("/api/account/<int:user_id>")
def delete_account(user_id):
    admin = require_admin()
    _account(user_id)
    if user_id == admin["user_id"]:
        raise bad_request("You cannot delete your own account.")
    db = get_db()
    with transaction(db):
        users.delete(db, user_id)
    return jsonify({"ok": True})


@bp.post("/api/account")
def save_account():
    admin = require_admin()
    body = json_object()
    is_admin = body.get("is_admin", False)
    if not isinstance(is_admin, bool):
        raise bad_request("'is_admin' must be true or false.")
    db = get_db()
    if body.get("user_id") is not None:
        if not isinstance(body["user_id"], int) or isinstance(body["user_id"], bool):
            raise bad_request("'user_id' must be an integer.")
        row = _account(body["user_id"])
        if row["user_id"] == admin["user_id"] and body.get("is_admin") is False:
            # Otherwise the last admin could lock everyone out of account management.
            raise bad_request("You cannot remove your own admin rights.")
        username = _username(body, required=False) or row["username"]
        password = _string(body, "password", required=False, minimum=MIN_PASSWORD)
        other = users.get_by_name(db, username)
        if other is not None and other["user_id"] != row["user_id"]:
            raise bad_request("Account already exists")
        with transaction(db):
            db.execute("UPDATE account SET username = ?, is_admin = ? WHERE user_id = ?",
                       (username, int(body.get("is_admin", bool(row["is_admin"]))),
                        row["user_id"]))
            if password:
                users.set_password(db, row["user_id"], password, _hash_method())
        return jsonify(users.to_json(users.get(db, row["user_id"])))
    username = _username(body)
    password = _string(body, "password", minimum=MIN_PASSWORD)
    try:
        with transaction(db):
            row = users.create_user(db, username, password, is_admin, _hash_method())
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return jsonify(users.to_json(row))


@bp.post("/api/account/password")
def change_password():
    user = require_user()
    body = json_object()
    current = _string(body, "current_password", maximum=MAX_PASSWORD)
    new = _string(body, "new_password", minimum=MIN_PASSWORD, maximum=MAX_PASSWORD)
    db = get_db()
    if users.check_credentials(db, user["username"], current, _hash_method()) is None:
        raise bad_request("Current password is incorrect")
    with transaction(db):
        users.set_password(db, user["user_id"], new, _hash_method())
    return jsonify(users.to_json(users.get(db, user["user_id"])))
