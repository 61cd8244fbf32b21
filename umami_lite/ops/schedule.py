"""The server applies retention by itself, at most once a day per process, off the request.

A request to umami-lite calls tick(): when a day has passed since this process last
looked, a daemon thread starts and prunes; the request goes on at once. Several worker
processes share the work through the `retention_last_run` setting: the first to claim a
day prunes, the others see the claim and stop.
"""
import logging
import threading

from ..storage import connection as dbmod
from . import retention

log = logging.getLogger("umami_lite.retention")
CLAIM_KEY = "retention_last_run"


class RetentionSchedule:
    """Per-app schedule; `thread` is the last pruning thread (tests join it)."""

    def __init__(self, database):
        self.database = database
        self.next_check = 0
        self.thread = None
        self._lock = threading.Lock()

    def tick(self, now):
        """Starts a pruning thread when due (now: epoch ms); never blocks. Called by requests."""
        if now < self.next_check:
            return
        with self._lock:
            if now < self.next_check or (self.thread and self.thread.is_alive()):
                return
            self.next_check = now + retention.DAY_MS
            self.thread = threading.Thread(target=self._run, args=(now,), daemon=True,
                                           name="umami-lite-retention")
            self.thread.start()

    def due_now(self):
        """Makes the next request check again (a website's retention just changed)."""
        self.next_check = 0

    def _run(self, now):
        try:
            for report in run_once(self.database, now):
                log.info("retention: %s", report.as_text())
        except Exception:  # a failed prune must never reach a request; tried again tomorrow
            log.exception("retention: prune failed")


def run_once(database, now):
    """Returns the PruneReports of a run, or [] when no website has a retention or another
    process already pruned within the last day."""
    conn = dbmod.connect(database)
    try:
        if conn.execute("SELECT 1 FROM website WHERE retention_days IS NOT NULL LIMIT 1"
                        ).fetchone() is None:
            return []
        with dbmod.transaction(conn):
            last = dbmod.get_setting(conn, CLAIM_KEY)
            if last is not None and now - int(last) < retention.DAY_MS:
                return []
            conn.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key)"
                         " DO UPDATE SET value = excluded.value", (CLAIM_KEY, str(now)))
        return retention.prune(conn, now)
    finally:
        conn.close()
