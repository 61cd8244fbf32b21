"""Storing the ingest journal's records: any process, any file, each record exactly once.

journal.py appends pageviews and events to DATABASE-ingest/PID.TOKEN.log and answers them;
this module reads those files back and stores their records in one transaction per call:
the sessions, the pageviews (one statement for all), the events and the rollups. Table
ingest_journal holds each file's stored length, updated in that same transaction, so
whoever stores a file stores only what nobody did: the writing process's thread, a
request before it reads (db.get_db()), a write that must see the records, export, backup,
retention, and the sweep that finds a dead process's file.

A record is a 4-byte length and the marshal of (session row, pageview row, whether the
session is new), or of (session row, event row, whether new, its event_data rows) for
an event, or of (session row, vitals row, whether new, None, None) for a web vitals
sample (files written before vitals hold none, and read the same). Every record carries
its session row: a stored session stays as it is, and one that retention removed after the
hit read it comes back. Two processes can both
see a visitor as new (a hit each within the same ~20 ms): the second session row then
finds the visitor's hash taken, and session_alias sends that session's rows to the stored
one.
"""
import functools
import logging
import marshal
import os
import struct

from ..rollups import build as rollups
from ..storage.connection import _abspath, pooled_transaction, transaction
from ..storage.dialect import is_postgres
from ..storage.errors import DatabaseError, OperationalError
from ..storage.lists import in_batches
from .rows import INSERT_SESSION_WITH_ID, insert_event, insert_pageviews_at_once, insert_vitals

# Of one file per transaction (~1,400 pageviews of ~180 bytes): bounds a catch-up write's
# memory and how long it holds the write lock. Storing 8,000 backlogged pageviews grew the
# process by 15 MB with 1 MB reads, and by 6 MB with these (same time).
READ_BYTES = 256 << 10
READ_WAIT_MS = 500     # how long a read waits to store the journal before reading without it
SESSION_CHUNK = 64     # session rows per INSERT statement
LENGTH = struct.Struct("<I")
SUFFIX = ".log"
PAGEVIEW_RECORD, EVENT_RECORD, VITALS_RECORD = 3, 4, 5  # items of a record, by its kind

# (directory, file name) -> length read by this process's last committed store of it:
# has_new() skips a file of that length. Set only after a commit, so it is never more than
# the stored length plus a partial record a crash left at the end.
_seen = {}
_log = logging.getLogger(__name__)


def directory(path):
    """Returns the journal directory of the SQLite database at path; None for a PostgreSQL
    URL, which has no journal (each hit commits before its answer, record.py) and, taken
    as a relative path, would name a folder postgresql:/HOST/DB-ingest in the working
    directory."""
    if is_postgres(path):
        return None
    return _abspath(path) + "-ingest"


def files(folder):
    """Returns the names of the journal files in folder (none when it does not exist, nor
    for None: a PostgreSQL database's)."""
    if folder is None:
        return []
    try:
        return [name for name in os.listdir(folder) if name.endswith(SUFFIX)]
    except FileNotFoundError:
        return []


def has_new(path):
    """Returns whether a journal file of path holds records not known to be stored."""
    folder = directory(path)
    for name in files(folder):
        try:
            size = os.stat(os.path.join(folder, name)).st_size
        except FileNotFoundError:
            continue
        if size > _seen.get((folder, name), 0):
            return True
    return False


def apply_pending(path, wait_ms=None):
    """Stores every journaled record of every process not stored yet; cheap when none is."""
    for _ in range(64):  # (a backlog takes several transactions; appends may go on)
        if not has_new(path):
            return
        store_all(path, wait_ms)


def before_read(path, wait_ms=None):
    """Stores the journaled records before a request (or export, or backup) reads, so that
    it sees every hit acknowledged before it; if that cannot be done within wait_ms
    (the database is locked, full or read-only), it reads without them: reads never fail
    for the journal. wait_ms: READ_WAIT_MS when None."""
    try:
        apply_pending(path, READ_WAIT_MS if wait_ms is None else wait_ms)
    except (OSError, DatabaseError) as exc:
        _log.warning("storing the ingest journal before a read failed: %s", exc)


def apply_into(db, path):
    """Stores the journaled records not stored yet inside db's write transaction; returns
    {file name: (stored length, length read)}."""
    folder = directory(path)
    names = files(folder)
    if not names:
        return {}
    stored = dict(db.execute("SELECT name, applied FROM ingest_journal"))
    # rows of removed files: listed inside the transaction, so no file is newer than its row
    gone = [(name,) for name in stored if name not in names]
    if gone:
        db.executemany("DELETE FROM ingest_journal WHERE name = ?", gone)
    lengths = {}
    for name in names:
        start = stored.get(name, 0)
        try:
            with open(os.path.join(folder, name), "rb") as handle:
                handle.seek(start)
                data = handle.read(READ_BYTES)
        except FileNotFoundError:
            continue
        records, used = _parse(data)
        if records:
            _store(db, records)
            db.execute("INSERT INTO ingest_journal (name, applied) VALUES (?, ?) ON CONFLICT"
                       " (name) DO UPDATE SET applied = excluded.applied", (name, start + used))
        lengths[name] = (start + used, start + len(data))
    return lengths


def _parse(data):
    """Returns (records, bytes they take): a record still being written is left for later."""
    records, at = [], 0
    while at + LENGTH.size <= len(data):
        (size,) = LENGTH.unpack_from(data, at)
        end = at + LENGTH.size + size
        if end > len(data):
            break
        records.append(marshal.loads(data[at + LENGTH.size:end]))
        at = end
    return records, at


def _store(db, records):
    """Stores records' sessions, pageviews, events and vitals, rows of deleted websites
    left out.

    Every record carries its session row: a stored session stays as it is, and one that
    retention removed after the hit read it comes back (its row uses it again).
    """
    # (ingest imports journal, which imports us)
    websites = {record[1][0] for record in records}
    alive = {row[0] for among, params in in_batches(db, "website_id", websites)
             for row in db.execute(f"SELECT website_id FROM website WHERE {among}", params)}
    records = [record for record in records if record[1][0] in alive]
    new = [record[0] for record in records if record[2]]
    if new:
        before = db.total_changes
        _insert_sessions(db, new)
        if db.total_changes - before < len(new):
            _alias_taken(db, new)
    _insert_sessions(db, [record[0] for record in records if not record[2]])
    aliases = dict(db.execute("SELECT alias, session_id FROM session_alias"))
    rows = []  # (website, session, visit, created_at, url, ...) of pageviews and events
    for record in records:
        row = record[1]
        if row[1] in aliases:
            row = (row[0], aliases[row[1]], *row[2:])
        rows.append(row)
        if len(record) == EVENT_RECORD:
            insert_event(db, row, record[3])  # (a few a batch: 5% of the bench's hits)
    insert_pageviews_at_once(db, [row for record, row in zip(records, rows)
                                  if len(record) == PAGEVIEW_RECORD])
    insert_vitals(db, [row for record, row in zip(records, rows)
                       if len(record) == VITALS_RECORD])
    for website_id in alive:  # (no summary holds vitals)
        mine = [row for record, row in zip(records, rows)
                if row[0] == website_id and len(record) != VITALS_RECORD]
        rollups.catch_up(db, website_id, [row[3] for row in mine], urls=[row[4] for row in mine],
                         visits_of=[(row[1], row[2]) for row in mine])


def _insert_sessions(db, sessions, chunk=SESSION_CHUNK):
    """INSERT OR IGNOREs session rows, chunk rows a statement (one step each: see
    ingest.insert_pageviews_at_once(); a hash is bytes, which JSON cannot carry)."""
    for start in range(0, len(sessions), chunk):
        part = sessions[start:start + chunk]
        db.execute(_sessions_sql(len(part)), [value for session in part for value in session])


@functools.lru_cache(maxsize=SESSION_CHUNK)
def _sessions_sql(count):
    one = INSERT_SESSION_WITH_ID[INSERT_SESSION_WITH_ID.index(" VALUES ") + len(" VALUES "):]
    return INSERT_SESSION_WITH_ID + (", " + one) * (count - 1)


def _alias_taken(db, sessions):
    """Records an alias for each new session whose visitor hash another session has."""
    for session in sessions:
        found = db.execute("SELECT session_id FROM session WHERE session_hash = ?",
                           (session[2],)).fetchone()
        if found is not None and found[0] != session[0]:
            db.execute("INSERT OR IGNORE INTO session_alias (alias, session_id) VALUES (?, ?)",
                       (session[0], found[0]))


def next_session_id(db):
    """Returns the next session id of db's file, None before its schema exists."""
    try:
        found = db.execute("SELECT next FROM id_counter WHERE name = 'session'").fetchone()
    except OperationalError:
        return None
    return found[0] if found else None


def after_restore(db, path, handed_out):
    """Marks the journal files of path stored as they are, and keeps the next session id at
    least handed_out (the id the replaced content was at), after a restore replaced path's
    content: the files' records belong to the replaced content, and running processes may
    still hold ids of that content's blocks."""
    folder = directory(path)
    with transaction(db):
        if handed_out is not None:
            db.execute("UPDATE id_counter SET next = max(next, ?) WHERE name = 'session'",
                       (handed_out,))
        for name in files(folder):
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    _, size = _parse(handle.read())  # (not into a record still being written)
            except FileNotFoundError:
                continue
            db.execute("INSERT OR REPLACE INTO ingest_journal (name, applied) VALUES (?, ?)",
                       (name, size))
            _seen.pop((folder, name), None)


def store_all(path, wait_ms=None):
    """Stores every file's new records in one transaction; returns {name: stored length}."""
    with pooled_transaction(path, wait_ms) as conn:
        lengths = apply_into(conn, path)
    folder = directory(path)
    _seen.update(((folder, name), read) for name, (_, read) in lengths.items())
    return {name: stored for name, (stored, _) in lengths.items()}


def store_and_remove(path, name, size):
    """Returns whether file name is gone after storing its records up to size (the length
    of a file no process appends to any more; a partial record at its end was never
    answered). Other files' records are stored along the way; the file's ingest_journal row
    goes with the next store."""
    folder = directory(path)
    key = (folder, name)
    while _seen.get(key, 0) < size:
        before = _seen.get(key, 0)
        store_all(path)
        if _seen.get(key, 0) == before:
            return False  # (the file is gone, or was replaced under this name)
    os.unlink(os.path.join(folder, name))
    _seen.pop(key, None)
    return True
