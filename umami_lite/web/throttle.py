"""Login throttling: too many failed logins per account or per client IP -> 429.

Failures live in SQLite (table login_failure) so that every server worker process sees
the same counts. Keys are HMACs of the account name and of the client IP under the
app secret, so no raw IP is ever stored.
"""
import hashlib
import hmac

from ..storage.connection import transaction
from ..errors import ApiError


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

    def attempt(self, db, keys, now):
        """Records this attempt as a failure of each key, or raises 429 (with Retry-After
        seconds) when a key has used up its failures; returns the rows to drop on success.

        Count and record share one BEGIN IMMEDIATE transaction (the write lock taken
        first), so parallel guesses, from threads or processes, get `limit` checks in all:
        checking, then recording after the password check let each guess in flight pass.
        """
        if self.limit <= 0:
            return []
        with transaction(db):
            db.execute("DELETE FROM login_failure WHERE at <= ?", (now - self.window_ms,))
            for key in keys:
                count, oldest = db.execute(
                    "SELECT count(*), min(at) FROM login_failure WHERE key = ?",
                    (key,)).fetchone()
                if count >= self.limit:
                    retry = max(1, (oldest + self.window_ms - now + 999) // 1000)
                    raise ApiError(429, "Too many failed logins; try again later.",
                                   headers={"Retry-After": str(retry)})
            # the account's row, then the client's at the next rowid: forget_account
            # pairs them
            return [db.execute("INSERT INTO login_failure (key, at) VALUES (?, ?)",
                               (key, now)).lastrowid for key in keys]

    def succeeded(self, db, account_key, attempt_rows):
        """Drops this attempt's rows and the account's failures; the client's earlier ones
        stay (an attacker's own account must not reset the count for the IP it guesses
        from)."""
        with transaction(db):
            db.execute("DELETE FROM login_failure WHERE key = ?", (account_key,))
            db.executemany("DELETE FROM login_failure WHERE rowid = ?",
                           [(row,) for row in attempt_rows])

    def forget_account(self, db, username):
        """Drops the failed logins on username from both counts, inside the caller's write
        transaction: its own, and those its failures added to their clients' (each the row
        after one of the account's, at the same time), so that its owner, who has just
        been given a new password (`umami-lite reset-password`), is not kept out by the
        guesses made from their own address. Other accounts' failures stay counted."""
        account_key = self._key("account", username.lower())
        db.execute(
            "DELETE FROM login_failure WHERE rowid IN (SELECT client.rowid FROM login_failure"
            " AS account JOIN login_failure AS client ON client.rowid = account.rowid + 1"
            " AND client.at = account.at AND client.key != account.key"
            " WHERE account.key = ?)", (account_key,))
        db.execute("DELETE FROM login_failure WHERE key = ?", (account_key,))
