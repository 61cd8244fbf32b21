"""Tells `restore` that a server has the database: every app process holds a shared flock.

SQLite's own locks cannot say this, since the server opens a connection per request and
holds none between requests. flock locks are separate from SQLite's fcntl locks on Linux
and vanish with the process, so a crashed server never leaves a stale marker.
"""
import fcntl
import os

from ..storage.dialect import is_postgres

_held = {}  # absolute path -> open file whose shared lock this process holds


def announce(path):
    """Holds a shared lock on the database file for the life of this process."""
    if is_postgres(path):
        return  # a server's database: no file to lock
    path = os.path.abspath(path)
    if path in _held or not os.path.exists(path):
        return
    handle = open(path, "rb")  # noqa: SIM115 - kept open on purpose: the lock lives with it
    fcntl.flock(handle, fcntl.LOCK_SH)
    _held[path] = handle


def others_present(path):
    """Returns True when another process (or app in this one) announced the database."""
    path = os.path.abspath(path)
    if not os.path.exists(path):
        return False
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
