"""SQLite connections: one place configures them, one helper runs write transactions."""
import secrets
import sqlite3
from contextlib import contextmanager
from importlib import resources

from flask import g

from .state import state

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 5000


def connect(path, readonly=False):
    """Returns a configured connection; readonly ones cannot write (query_only)."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                         check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if readonly:
        db.execute("PRAGMA query_only = ON")
    return db


def get_db(readonly=False):
    """Returns this request's connection (read-only ones are separate), opened on first use."""
    key = "_umami_db_ro" if readonly else "_umami_db"
    db = g.get(key)
    if db is None:
        db = connect(state().database, readonly=readonly)
        setattr(g, key, db)
    return db


def close_db(_exc=None):
    for key in ("_umami_db", "_umami_db_ro"):
        db = g.pop(key, None)
        if db is not None:
            db.close()


@contextmanager
def transaction(db):
    """Yields db inside BEGIN IMMEDIATE (the write lock taken up front); commits or rolls back."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def schema_sql():
    """Returns the text of schema.sql shipped inside the package."""
    return resources.files("umami_lite").joinpath("schema.sql").read_text(encoding="utf-8")


def init_db(path):
    """Returns a connection to path after creating every missing table; never drops data."""
    db = connect(path)
    db.executescript(schema_sql())
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return db


def prepare(path, admin_password=None, hash_method=None):
    """Returns (stored secret, generated admin password or None) after creating the database.

    Creates missing tables, a random secret kept in the database, and the first admin.
    """
    from . import users  # users imports clock, which imports state; keep db importable alone
    conn = init_db(path)
    try:
        with transaction(conn):
            secret = set_setting_once(conn, "secret", secrets.token_hex(32))
            password = users.ensure_admin(conn, admin_password, hash_method)
    finally:
        conn.close()
    return secret, password


def get_setting(db, key):
    """Returns the stored value for key, or None."""
    row = db.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_setting_once(db, key, value):
    """Returns the stored value for key, storing value first if the key is new."""
    db.execute("INSERT OR IGNORE INTO setting (key, value) VALUES (?, ?)", (key, value))
    return get_setting(db, key)
