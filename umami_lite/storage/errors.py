"""The engine's errors, and which of them mean "the database cannot take this now".

Code above storage/ catches these names, never the driver's own, so a second engine
maps its errors here.
"""
import sqlite3

DatabaseError = sqlite3.Error
OperationalError = sqlite3.OperationalError
IntegrityError = sqlite3.IntegrityError
NotADatabase = sqlite3.DatabaseError

# SQLite primary result codes that mean "the database cannot take this now", not "bug":
# BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
UNAVAILABLE_CODES = {5, 6, 8, 10, 13, 14, 15}
UNAVAILABLE_MESSAGES = ("locked", "busy", "readonly", "read-only", "disk i/o", "disk is full",
                        "unable to open")


def is_unavailable(exc):
    """Returns True when an engine error is transient (lock, busy, full, read-only, I/O)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in UNAVAILABLE_CODES
    return any(text in str(exc).lower() for text in UNAVAILABLE_MESSAGES)
