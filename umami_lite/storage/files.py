"""Whole database files: opening a copy or a backup, copying one into another, and
whether another connection has a file open (for backup and restore).

Each refuses a PostgreSQL URL: opened as a path, postgresql://HOST/DB names the file
postgresql:/HOST/DB in the working directory, which sqlite3 creates once that folder exists."""
import sqlite3

from .dialect import is_postgres


def _file(path):
    """Returns path, a SQLite file's; raises ValueError for a PostgreSQL URL."""
    if is_postgres(path):
        raise ValueError(f"{path} is a PostgreSQL database, not a SQLite file")
    return path


def open_readonly(path):
    """Returns a plain read-only connection to the file at path (it must exist)."""
    return sqlite3.connect(f"file:{_file(path)}?mode=ro", uri=True)


def open_plain(path):
    """Returns a plain autocommit connection to path, created if missing (a backup's copy)."""
    return sqlite3.connect(_file(path), isolation_level=None)


def copy_into(source, target):
    """Copies the whole database of connection source into connection target, in one step
    (pages=-1), so the copy is source's current snapshot."""
    source.backup(target)


def in_use(path):
    """Returns True when another connection has the database at path open."""
    conn = sqlite3.connect(_file(path), timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()
