"""Whole database files: opening a copy or a backup, copying one into another, and
whether another connection has a file open (for backup and restore)."""
import sqlite3


def open_readonly(path):
    """Returns a plain read-only connection to the file at path (it must exist)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def open_plain(path):
    """Returns a plain autocommit connection to path, created if missing (a backup's copy)."""
    return sqlite3.connect(path, isolation_level=None)


def copy_into(source, target):
    """Copies the whole database of connection source into connection target, in one step
    (pages=-1), so the copy is source's current snapshot."""
    source.backup(target)


def in_use(path):
    """Returns True when another connection has the database at path open."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()
