"""Import: read files of any supported format and store their rows like collected ones.

A format module turns each source row into a SessionRow, a HitRow or a Skip; the Writer
stores them through ingest's own row builders, in short batches (the write lock is held
for one batch at a time, so collect keeps answering), and idempotently: each row leaves a
key in import_ledger, and a key already there is skipped. Nothing is held per row in
memory beyond bounded caches, so a file of any size streams.
"""
import csv
import gzip
import hashlib
import io
import itertools
import json
import os
from collections import Counter
from dataclasses import dataclass, field

from ..clock import now_ms
from ..ingest import record as ingest
from ..rollups import build as rollups
from ..storage import links
from .retention import cutoff_for

BATCH_ROWS = 2000
CACHE_LIMIT = 100_000
HOUR_MS = 3_600_000


@dataclass
class SessionRow:
    """A source session, stored ahead of its hits (the Umami dumps have a session file)."""
    key: str
    created_at: int
    visitor: ingest.Visitor
    website_key: str = None  # the source's website id: a link's or pixel's takes the session


@dataclass
class HitRow:
    """A source pageview or event. session_key names its session within the source;
    visitor (with session_created_at) creates that session when it is not known yet."""
    row_key: str
    session_key: str
    hit: ingest.Hit
    visitor: ingest.Visitor = None
    session_created_at: int = None
    visit_id: int = None     # given by our own export
    visit_key: str = None    # a foreign visit id: its first row's minute becomes the visit
    hostname: str = None     # Umami v3 keeps it per event: it fills the session's when empty
    session_data: dict = None  # our export: the session's properties (current API identify)
    # an Umami 3 link or pixel hit: ("link" or "pixel", its id), stored in the one here
    beacon: tuple = None


@dataclass
class Skip:
    reason: str


@dataclass
class Report:
    path: str
    format: str
    read: int = 0
    imported: int = 0
    skipped: Counter = field(default_factory=Counter)

    def as_text(self):
        """Returns the one-line summary printed by `umami-lite import`."""
        reasons = ", ".join(f"{n} {reason}" for reason, n in self.skipped.most_common())
        total = sum(self.skipped.values())
        return (f"{self.path} ({self.format}): read {self.read}, imported {self.imported}, "
                f"skipped {total}" + (f" ({reasons})" if reasons else ""))


def digest(*parts):
    """Returns a 16-byte key for the given text parts (unambiguously joined)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).digest()[:16]


def visitor(**attributes):
    """Returns an ingest.Visitor for imported data: there is never an ip or user agent."""
    return ingest.Visitor(ip="", user_agent="", **attributes)


class Batch:
    """The write transaction that the writers of one import share, committed every
    BATCH_ROWS rows with the summaries of each website it wrote to."""

    def __init__(self, db):
        self.db = db
        self.rows = 0
        self.written = {}  # website id -> (created_at of each hit, its (session_id, visit_id))

    def begin(self):
        if self.rows == 0:
            self.db.execute("BEGIN IMMEDIATE")
        self.rows += 1

    def wrote(self, website_id, created_at, visit):
        times, visits = self.written.setdefault(website_id, ([], []))
        times.append(created_at)
        visits.append(visit)

    def flush(self):
        """Commits the open batch, if any."""
        if self.rows:
            for website_id, (times, visits) in self.written.items():
                rollups.catch_up(self.db, website_id, times, visits_of=visits)
            self.db.execute("COMMIT")
            self.rows = 0
            self.written = {}

    def rollback(self):
        if self.rows:
            self.db.execute("ROLLBACK")
            self.rows = 0
            self.written = {}


class Writer:
    """Stores rows of one source into one website, in batches of BATCH_ROWS rows; the rows
    of an Umami 3 link or pixel go into the link or pixel here with the same id."""

    def __init__(self, db, website, source, cutoff=None, batch=None):
        self.db = db
        self.website_id = website["website_id"]
        self.website_uuid = website["website_uuid"]
        self.source = source
        self.namespace = f"{source}\x1f{website['website_uuid']}"
        self.cutoff = cutoff
        self.batch = batch or Batch(db)
        self._sessions = {}
        self._visits = {}
        self._hostnames = {}
        self._beacons = {}  # a source's website id -> _beacon()'s answer

    def flush(self):
        """Commits the open batch, if any."""
        self.batch.flush()

    def rollback(self):
        self.batch.rollback()

    def _ledger_add(self, key, value=None):
        """Returns True when key is new (and records it), False when already imported."""
        return self.db.execute(
            "INSERT OR IGNORE INTO import_ledger (website_id, row_key, value) VALUES (?,?,?)",
            (self.website_id, key, value)).rowcount == 1

    def _beacon(self, key):
        """Returns (kind, its Writer) of the link or pixel whose id is key, or None when
        there is none here; the Writer keeps that link's or pixel's retention."""
        if key in self._beacons:
            return self._beacons[key]
        found = None
        for kind in links.KINDS:
            row = links.find(self.db, kind, key)
            if row is not None:
                found = kind, self if row["website_id"] == self.website_id else Writer(
                    self.db, row, self.source, cutoff_for(row["retention_days"], now_ms()),
                    self.batch)
                break
        self._remember(self._beacons, key, found)
        return found

    def _find_session(self, key):
        session_id = self._sessions.get(key)
        if session_id is None:
            row = self.db.execute("SELECT session_id FROM session WHERE session_hash = ?",
                                  (digest(self.namespace, "session", key),)).fetchone()
            session_id = row[0] if row else None
            if session_id is not None:
                self._remember(self._sessions, key, session_id)
        return session_id

    def _create_session(self, key, created_at, who):
        session_id = ingest.store_session(self.db, self.website_id,
                                          digest(self.namespace, "session", key),
                                          created_at, who)
        self._remember(self._sessions, key, session_id)
        return session_id

    @staticmethod
    def _remember(cache, key, value):
        if len(cache) >= CACHE_LIMIT:
            cache.clear()  # bounded memory; the database still answers every lookup
        cache[key] = value

    def add_session(self, row):
        """Returns None when stored, else the reason it was skipped."""
        if row.website_key and row.website_key != self.website_uuid:
            found = self._beacon(row.website_key)
            if found is not None and found[1] is not self:
                return found[1].add_session(row)
        return self._in_batch(self._add_session, row)

    def add_hit(self, row):
        """Returns None when stored, else the reason it was skipped."""
        if row.beacon is not None:
            kind, key = row.beacon
            found = self._beacon(key)
            if found is None or found[0] != kind:
                return f"{kind} {key} not found here"
            if found[1] is not self:
                return found[1].add_hit(row)
        if self.cutoff is not None and row.hit.created_at < self.cutoff:
            return "older than the website's retention"
        return self._in_batch(self._add_hit, row)

    def _in_batch(self, add, row):
        """Returns add(row) run inside the open batch; a full batch is committed, whether
        its rows were stored or skipped (a re-import must not hold the lock throughout)."""
        self.batch.begin()
        reason = add(row)
        if self.batch.rows >= BATCH_ROWS:
            self.flush()
        return reason

    def _add_session(self, row):
        if self._find_session(row.key) is not None:
            return "already imported"
        self._create_session(row.key, row.created_at, row.visitor)
        return None

    def _add_hit(self, row):
        created_at = row.hit.created_at
        session_id = self._find_session(row.session_key)
        if session_id is None:
            if row.visitor is None:
                return "session not in the sessions file"
            session_id = self._create_session(
                row.session_key, row.session_created_at or created_at, row.visitor)
            if row.session_data:
                ingest.store_hit(self.db, self.website_id, session_id, 0, ingest.Hit(
                    kind="identify", url="", created_at=created_at, data=row.session_data))
        if not self._ledger_add(digest(self.namespace, "hit", row.row_key)):
            return "already imported"
        if row.hostname and session_id not in self._hostnames:
            self.db.execute("UPDATE session SET hostname = ? WHERE session_id = ?"
                            " AND hostname IS NULL",
                            (ingest.clip(row.hostname, ingest.LIMITS["hostname"]), session_id))
            self._remember(self._hostnames, session_id, True)
        visit_id = self._visit(row)
        ingest.store_hit(self.db, self.website_id, session_id, visit_id, row.hit)
        self.batch.wrote(self.website_id, created_at, (session_id, visit_id))
        return None

    def _visit(self, row):
        """Returns the visit id: given, the first minute of a foreign visit, or the
        session's clock hour (what collect does without a cache token)."""
        if row.visit_id is not None:
            return row.visit_id
        if row.visit_key is None:
            return (row.hit.created_at // HOUR_MS) * 60
        visit = self._visits.get(row.visit_key)
        if visit is None:
            key = digest(self.namespace, "visit", row.visit_key)
            minute = row.hit.created_at // 60_000
            if not self._ledger_add(key, minute):
                minute = self.db.execute(
                    "SELECT value FROM import_ledger WHERE website_id = ? AND row_key = ?",
                    (self.website_id, key)).fetchone()[0]
            visit = minute
            self._remember(self._visits, row.visit_key, visit)
        return visit


class Input:
    """A text file (plain or .gz) read as a stream, with its byte position for progress."""

    def __init__(self, path):
        self.path = path
        self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        stream = gzip.GzipFile(fileobj=self.raw) if path.endswith(".gz") else self.raw
        self.text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        self.size = os.path.getsize(path)

    def position(self):
        return self.raw.tell()

    def close(self):
        self.text.close()
        self.raw.close()


def read_rows(source):
    """Returns (header tuple, iterator of dicts) for a CSV file, or ("jsonl", iterator of
    parsed lines, None for a line that is not a JSON object) for JSON lines."""
    first = source.text.readline()
    if first.lstrip().startswith("{"):
        return "jsonl", _json_lines(first, source.text)
    header = tuple(next(csv.reader([first]), ()))
    reader = csv.reader(source.text)
    return header, (dict(zip(header, cells)) for cells in reader if cells)


def _json_lines(first, rest):
    for line in itertools.chain((first,), rest):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        yield value if isinstance(value, dict) else None

