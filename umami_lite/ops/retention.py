"""Retention: deleting what is older than a website keeps, in small batches.

Each batch is its own short write transaction and a pause follows it, so collect
requests waiting for the lock get it between batches: the write lock is never held
for more than one batch.
"""
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..ingest import replay as journal_store
from ..rollups import build as rollups
from ..storage.connection import transaction
from ..storage.lists import in_batches

DAY_MS = 86_400_000
MAX_DAYS = 36_500
BATCH_ROWS = 1000
PAUSE_S = 0.005

# What one batch deletes, in dependency order: properties before their events. Sessions
# go last (orphan_sessions(), delete_sessions()): only those with no pageview, event or
# vitals sample left.
BATCHES = (
    ("event_data", "DELETE FROM event_data WHERE event_id IN (SELECT event_id FROM event"
                   " WHERE website_id = :w AND created_at < :cut"
                   " AND EXISTS (SELECT 1 FROM event_data d WHERE d.event_id = event.event_id)"
                   " LIMIT :n)"),
    ("event", "DELETE FROM event WHERE event_id IN (SELECT event_id FROM event"
              " WHERE website_id = :w AND created_at < :cut LIMIT :n)"),
    ("pageview", "DELETE FROM pageview WHERE pageview_id IN (SELECT pageview_id FROM pageview"
                 " WHERE website_id = :w AND created_at < :cut LIMIT :n)"),
    ("vitals", "DELETE FROM vitals WHERE vitals_id IN (SELECT vitals_id FROM vitals"
               " WHERE website_id = :w AND created_at < :cut LIMIT :n)"),
)
HIT_TABLES = (("pageview", "pageview_id"), ("event", "event_id"), ("vitals", "vitals_id"))


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
    if getattr(db, "path", None) is not None:
        journal_store.apply_pending(db.path)  # journaled rows are rows too, and use sessions
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
    orphans, marks = orphan_sessions(db, website_id, cutoff)
    report.deleted["session"] = 0
    for start in range(0, len(orphans) + 1, batch):
        with transaction(db):
            report.deleted["session"] += delete_sessions(db, orphans[start:start + batch], marks)
        report.batches += 1
        time.sleep(pause)
    with transaction(db):
        rollups.forget_before(db, website_id, cutoff)
    return report


@contextmanager
def _read_snapshot(db):
    """Yields db inside one read transaction (deferred: no write lock), then ends it."""
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("COMMIT")


def orphan_sessions(db, website_id, cutoff):
    """Returns (ids of the website's sessions created before cutoff that no pageview, event
    or vitals sample uses, the marks for delete_sessions()), read in one snapshot without
    the write lock.

    Files made by today's schema have no session_id index on pageview and event (it cost
    11 bytes a pageview): one pass over the website's rows finds the sessions in use.
    """
    with _read_snapshot(db):
        candidates = [row[0] for row in db.execute(
            "SELECT session_id FROM session WHERE website_id = ? AND created_at < ?",
            (website_id, cutoff))]
        if not candidates:
            return [], ()
        used = set()
        for table, _ in HIT_TABLES:
            # one sequential pass (+website_id: not a rowid lookup per row through the
            # (website_id, created_at) index); the cheap range test spares most rows the
            # set probe
            used.update(row[0] for row in db.execute(
                f"SELECT DISTINCT session_id FROM {table} WHERE +website_id = :w"
                " AND session_id BETWEEN :lo AND :hi AND session_id IN (SELECT session_id"
                " FROM session WHERE website_id = :w AND created_at < :cut)",
                {"w": website_id, "lo": min(candidates), "hi": max(candidates),
                 "cut": cutoff}))
        marks = tuple(_last_row(db, table, key) for table, key in HIT_TABLES)
    return [session for session in candidates if session not in used], marks


def _last_row(db, table, key):
    """Returns (table, key column, last id, that row's session and time) or the table's
    (table, key, 0, None, None) when empty."""
    row = db.execute(f"SELECT {key}, session_id, created_at FROM {table}"
                     f" ORDER BY {key} DESC LIMIT 1").fetchone()
    return (table, key, *(tuple(row) if row else (0, None, None)))


def delete_sessions(db, session_ids, marks):
    """Returns how many of session_ids it deleted; call inside a write transaction.

    Rows written since orphan_sessions() have ids above its marks (a new row's id is one
    more than the largest id, and the marked last row still exists): a session used by one
    of them is kept. If a marked row is gone, ids may have been reused: nothing is deleted
    (the next run retries).
    """
    if not session_ids:
        return 0
    if getattr(db, "path", None) is not None and journal_store.has_new(db.path):
        journal_store.apply_into(db, db.path)  # journaled rows are rows written since, too
    for table, key, last, session, created in marks:
        if last and db.execute(f"SELECT 1 FROM {table} WHERE {key} = ? AND session_id = ?"
                               " AND created_at = ?", (last, session, created)).fetchone() is None:
            return 0
    # table and key come from HIT_TABLES; the marks' ids are bound like every value
    newer = " ".join(f"AND NOT EXISTS (SELECT 1 FROM {table} WHERE {key} > ?"
                     f" AND session_id = session.session_id)"
                     for table, key, _, _, _ in marks)
    lasts = [last for _, _, last, _, _ in marks]
    return sum(db.execute(f"DELETE FROM session WHERE {among} {newer}", [*params, *lasts]).rowcount
               for among, params in in_batches(db, "session_id", session_ids))


def prune(db, now, batch=BATCH_ROWS, pause=PAUSE_S):
    """Returns a PruneReport per website with a retention, after pruning each of them."""
    websites = db.execute("SELECT website_id, retention_days FROM website"
                          " WHERE retention_days IS NOT NULL ORDER BY website_id").fetchall()
    return [prune_website(db, row[0], cutoff_for(row[1], now), batch, pause)
            for row in websites]
