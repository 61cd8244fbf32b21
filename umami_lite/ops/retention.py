"""Retention: deleting what is older than a website keeps, in small batches.

Each batch is its own short write transaction and a pause follows it, so collect
requests waiting for the lock get it between batches: the write lock is never held
for more than one batch.
"""
import time
from dataclasses import dataclass, field

from .. import rollups
from ..db import transaction

DAY_MS = 86_400_000
MAX_DAYS = 36_500
BATCH_ROWS = 1000
PAUSE_S = 0.005

# What one batch deletes, in dependency order: properties before their events, sessions
# last and only when no pageview or event of theirs is left.
BATCHES = (
    ("event_data", "DELETE FROM event_data WHERE event_id IN (SELECT event_id FROM event"
                   " WHERE website_id = :w AND created_at < :cut"
                   " AND EXISTS (SELECT 1 FROM event_data d WHERE d.event_id = event.event_id)"
                   " LIMIT :n)"),
    ("event", "DELETE FROM event WHERE event_id IN (SELECT event_id FROM event"
              " WHERE website_id = :w AND created_at < :cut LIMIT :n)"),
    ("pageview", "DELETE FROM pageview WHERE pageview_id IN (SELECT pageview_id FROM pageview"
                 " WHERE website_id = :w AND created_at < :cut LIMIT :n)"),
    ("session", "DELETE FROM session WHERE session_id IN (SELECT s.session_id FROM session s"
                " WHERE s.website_id = :w AND s.created_at < :cut"
                " AND NOT EXISTS (SELECT 1 FROM pageview p WHERE p.session_id = s.session_id)"
                " AND NOT EXISTS (SELECT 1 FROM event e WHERE e.session_id = s.session_id)"
                " LIMIT :n)"),
)


@dataclass
class PruneReport:
    website_id: int
    cutoff: int
    deleted: dict = field(default_factory=dict)  # table -> rows
    batches: int = 0

    def as_text(self):
        rows = ", ".join(f"{n} {table}" for table, n in self.deleted.items())
        return f"website {self.website_id}: deleted {rows} older than " \
               f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(self.cutoff / 1000))}"


def cutoff_for(days, now):
    """Returns the epoch ms before which a website keeping `days` days drops data, or None."""
    return None if days is None else now - days * DAY_MS


def validate_days(value):
    """Returns value as retention days (None = forever); raises ValueError when invalid."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValueError(f"must be null (keep forever) or a whole number of days from 1 to "
                         f"{MAX_DAYS}")
    return value


def set_days(db, website_id, days):
    """Stores the website's retention (None keeps data forever); call inside a transaction."""
    db.execute("UPDATE website SET retention_days = ? WHERE website_id = ?",
               (validate_days(days), website_id))
    # The server's daily run must look again, even if it already ran today.
    db.execute("DELETE FROM setting WHERE key = 'retention_last_run'")


def prune_website(db, website_id, cutoff, batch=BATCH_ROWS, pause=PAUSE_S):
    """Returns a PruneReport after deleting the website's rows created before cutoff."""
    report = PruneReport(website_id, cutoff, {table: 0 for table, _ in BATCHES})
    for table, sql in BATCHES:
        while True:
            with transaction(db):
                count = db.execute(sql, {"w": website_id, "cut": cutoff, "n": batch}).rowcount
            report.batches += 1
            report.deleted[table] += count
            if count < batch:
                break
            time.sleep(pause)  # let waiting writers take the lock
    with transaction(db):
        rollups.forget_before(db, website_id, cutoff)
    return report


def prune(db, now, batch=BATCH_ROWS, pause=PAUSE_S):
    """Returns a PruneReport per website with a retention, after pruning each of them."""
    websites = db.execute("SELECT website_id, retention_days FROM website"
                          " WHERE retention_days IS NOT NULL ORDER BY website_id").fetchall()
    return [prune_website(db, row[0], cutoff_for(row[1], now), batch, pause)
            for row in websites]
