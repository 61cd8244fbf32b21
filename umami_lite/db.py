"""SQLite connections: one place configures them, one helper runs write transactions."""
import os
import secrets
import sqlite3
from collections import OrderedDict
from contextlib import contextmanager
from importlib import resources

from flask import g

from .state import state

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 5000
KEEPERS_MAX = 8  # databases one process keeps a connection open to (tests open many)
_keepers = OrderedDict()  # (pid, absolute path) -> idle connection, see keep_open()
_inherited = []           # keepers of a parent process, never used or closed here


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


def keep_open(path):
    """Holds one idle connection to path for the life of this process.

    Per-request connections are cheap only while another connection to the same database
    stays open: the last connection to close checkpoints the WAL and deletes it, and the
    next write recreates it, ~10 ms of fsyncs per request (bench/ingest.py measured 50
    collect requests/s without this). Keyed by pid, since gunicorn forks workers.
    """
    key = (os.getpid(), os.path.abspath(path))
    if key in _keepers:
        _keepers.move_to_end(key)
        return
    keeper = sqlite3.connect(path, check_same_thread=False)
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()  # joins the WAL index
    _keepers[key] = keeper
    while len(_keepers) > KEEPERS_MAX:
        (pid, _), old = _keepers.popitem(last=False)
        if pid == os.getpid():
            old.close()
        else:
            _inherited.append(old)  # a parent's: closing it here could touch its WAL


def get_db(readonly=False):
    """Returns this request's connection (read-only ones are separate), opened on first use."""
    key = "_umami_db_ro" if readonly else "_umami_db"
    db = g.get(key)
    if db is None:
        keep_open(state().database)
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
        # SQLite rolls back by itself on some errors (SQLITE_FULL, IOERR, NOMEM): a second
        # ROLLBACK would raise "no transaction is active" and hide the real error (a 500
        # instead of the 503 a full disk gets).
        if db.in_transaction:
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
