"""Login throttling: too many failed logins per account or per client IP -> 429.

Failures live in SQLite (table login_failure) so that every server worker process sees
the same counts. Keys are HMACs of the account name and of the client IP under the
app secret, so no raw IP is ever stored.
"""
import hashlib
import hmac

from .db import transaction
from .errors import ApiError


class Throttle:
    """Counts failed logins per key inside a sliding window."""

    def __init__(self, secret, limit, window_minutes):
        self.secret = secret.encode("utf-8")
        self.limit = limit
        self.window_ms = window_minutes * 60_000

    def keys(self, username, ip):
        """Returns the (account key, client key) of a login attempt."""
        return (self._key("account", username.lower()), self._key("ip", str(ip or "")))

    def _key(self, kind, value):
        return hmac.new(self.secret, f"{kind}\x1f{value}".encode("utf-8", "replace"),
                        hashlib.sha256).digest()[:16]

    def check(self, db, keys, now):
        """Raises 429 (with Retry-After seconds) when any key has used up its failures."""
        if self.limit <= 0:
            return
        for key in keys:
            count, oldest = db.execute(
                "SELECT count(*), min(at) FROM login_failure WHERE key = ? AND at > ?",
                (key, now - self.window_ms)).fetchone()
            if count >= self.limit:
                retry = max(1, (oldest + self.window_ms - now + 999) // 1000)
                raise ApiError(429, "Too many failed logins; try again later.",
                               headers={"Retry-After": str(retry)})

    def failed(self, db, keys, now):
        """Records one failure for each key and forgets failures older than the window."""
        if self.limit <= 0:
            return
        with transaction(db):
            db.execute("DELETE FROM login_failure WHERE at <= ?", (now - self.window_ms,))
            db.executemany("INSERT INTO login_failure (key, at) VALUES (?, ?)",
                           [(key, now) for key in keys])

    def succeeded(self, db, account_key):
        """Clears the account's failures; the client's stay (an attacker's own account must
        not reset the count for the IP it guesses from)."""
        with transaction(db):
            db.execute("DELETE FROM login_failure WHERE key = ?", (account_key,))
