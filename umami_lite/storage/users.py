"""Accounts: storage, password hashing and the JSON shape of a user."""
import secrets
from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from . import sites
from ..clock import now_ms
from ..timefmt import iso


MIN_PASSWORD = 8  # characters, wherever a password is chosen (API and command line)
MAX_PASSWORD = 1024
MAX_USERNAME = 255  # characters (the accounts API's limit)


def hash_password(password, method=None):
    """Returns a salted hash of password (werkzeug's scrypt unless method is given)."""
    return generate_password_hash(password, method=method or "scrypt")


@lru_cache(maxsize=8)
def _dummy_hash(method):
    """Returns a hash to check against when the username is unknown, so both failures take
    as long; one per method, as two apps in one process may hash differently."""
    return hash_password(secrets.token_hex(8), method)


def check_credentials(db, username, password, method=None):
    """Returns the account row when username and password match, else None, in even time."""
    row = db.execute("SELECT * FROM account WHERE username = ?", (username,)).fetchone()
    if row is None:
        check_password_hash(_dummy_hash(method), password)
        return None
    return row if check_password_hash(row["password"], password) else None


def create_user(db, username, password, is_admin=False, method=None):
    """Returns the new account row; raises ValueError if the username is taken."""
    now = now_ms()
    if get_by_name(db, username) is not None:
        raise ValueError("Account already exists")
    cur = db.execute(
        "INSERT INTO account (username, password, is_admin, token_nonce, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (username, hash_password(password, method), int(bool(is_admin)),
         secrets.token_hex(16), now, now))
    return get(db, cur.lastrowid)


MAX_ID = 2**63 - 1  # SQLite's largest INTEGER


def get(db, user_id):
    """Returns the account row with user_id, or None (ids past SQLite's range included)."""
    if not 0 <= user_id <= MAX_ID:
        return None
    return db.execute("SELECT * FROM account WHERE user_id = ?", (user_id,)).fetchone()


def get_by_name(db, username):
    return db.execute("SELECT * FROM account WHERE username = ?", (username,)).fetchone()


def list_all(db):
    """Returns every account, admins first, then by username."""
    return db.execute("SELECT * FROM account ORDER BY is_admin DESC, username").fetchall()


def set_password(db, user_id, password, method=None):
    """Stores a new password and invalidates every token issued before."""
    db.execute(
        "UPDATE account SET password = ?, token_version = token_version + 1, updated_at = ?"
        " WHERE user_id = ?", (hash_password(password, method), now_ms(), user_id))


def revoke_tokens(db, user_id):
    db.execute("UPDATE account SET token_version = token_version + 1 WHERE user_id = ?",
               (user_id,))


def delete(db, user_id):
    """Deletes the account and its websites with all their data, summaries included (a
    foreign key cascade alone would leave the summaries). Its id is never given out again
    (AUTOINCREMENT)."""
    for (website_id,) in db.execute("SELECT website_id FROM website WHERE user_id = ?",
                                    (user_id,)).fetchall():
        sites.delete(db, website_id)
    db.execute("DELETE FROM account WHERE user_id = ?", (user_id,))


def to_json(row):
    """Returns the user object with the keys of both API generations (never the hash)."""
    is_admin = bool(row["is_admin"])
    return {
        "user_id": row["user_id"],
        "id": str(row["user_id"]),
        "username": row["username"],
        "role": "admin" if is_admin else "user",
        "is_admin": is_admin,
        "isAdmin": is_admin,
        "created_at": iso(row["created_at"]),
        "createdAt": iso(row["created_at"]),
    }


def ensure_admin(db, password=None, method=None):
    """Returns the generated password when it creates the first admin; None otherwise."""
    if db.execute("SELECT 1 FROM account LIMIT 1").fetchone():
        return None
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    create_user(db, "admin", password, is_admin=True, method=method)
    return password if generated else None
