"""The ingest journal: a pageview is answered once appended to a file, stored within ~20 ms.

Why: under load a hit's own durable write transaction cost as much as all the rest of the
request (README, Ingest). Here a pageview's row is appended to this process's journal file
with one write() and answered; a thread stores every process's new records every
INTERVAL seconds in one transaction. An appended record survives a crash of the process,
as a commit with `synchronous = NORMAL` does (neither survives losing the machine).

Files: DATABASE-ingest/PID.TOKEN.log, one per writing process, flock'ed by it while it
lives. A record is a 4-byte length and the marshal of (session row, pageview row, whether
the session is new). Table ingest_journal holds each file's stored length, updated in the
transaction that stores its records, so any process can store any file's records exactly
once: the writer's thread, a request before it reads (db.get_db()), a write that must see
them, and whoever finds the file of a process that died (sweep()).

New sessions get ids from blocks of id_counter's range that the process took in their own
transaction, so two processes never give out one id, and the answer can carry the id.
Two processes can both see a visitor as new (a hit each within the same ~20 ms); the
second session row then finds the visitor's hash taken, and session_alias sends that
session's rows to the stored one.
"""
import atexit
import fcntl
import functools
import logging
import marshal
import os
import secrets
import sqlite3
import struct
import threading
import time

from . import rollups
from .db import _abspath, checkin, checkout, transaction

INTERVAL = 0.02        # seconds between stores of this process's new records
SWEEP_EVERY = 50       # passes between looks for dead processes' files (~1 s)
ROTATE_BYTES = 4 << 20  # a stored file this long is replaced by a new one
READ_BYTES = 1 << 20    # of one file per transaction (~4,000 pageviews): bounds a write
SESSION_CHUNK = 64     # session rows per INSERT statement
ID_BLOCK = 512         # session ids a process takes at a time
IDLE_SECONDS = 60      # a writer without appends this long is closed
READ_WAIT_MS = 500     # how long a read waits to store the journal before reading without it
RETRY_SECONDS = 1      # after a failed append, hits are stored without the journal this long
LENGTH = struct.Struct("<I")
SUFFIX = ".log"

_writers = {}          # absolute database path -> this process's Writer
_writers_lock = threading.Lock()
_failed = {}           # absolute database path -> when an append to its journal last failed
# (directory, file name) -> length read by this process's last committed store of it:
# has_new() skips a file of that length. Set only after a commit, so it is never more than
# the stored length plus a partial record a crash left at the end.
_seen = {}
_log = logging.getLogger(__name__)


def directory(path):
    """Returns the journal directory of the database at path."""
    return _abspath(path) + "-ingest"


class Writer:
    """This process's journal file for one database, and the ids it gives new sessions."""

    def __init__(self, path):
        self.path = _abspath(path)
        self.dir = directory(path)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.lock = threading.Lock()   # appends, the file switch and the id block
        self.passing = threading.Lock()  # one _pass() at a time (it may replace the file)
        self.pending = {}              # visitor hash -> (session id, file, end of its record)
        self.pending_ids = set()       # the session ids of pending
        self.ids = iter(())
        self.last_append = time.monotonic()
        self.closed = False
        self._open_new()

    def _open_new(self):
        self.name = f"{os.getpid()}.{secrets.token_hex(4)}{SUFFIX}"
        fd = os.open(os.path.join(self.dir, self.name),
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # alive: sweep() leaves the file alone
        self.fd, self.size = fd, 0

    def session_id(self):
        """Returns a session id no other process or write can give out."""
        with self.lock:
            found = next(self.ids, None)
        if found is None:
            first = take_ids(self.path, ID_BLOCK)
            with self.lock:
                self.ids = iter(range(first + 1, first + ID_BLOCK))
            found = first
        return found

    def pending_session(self, digest):
        """Returns the id of a session this process appended and maybe not stored yet."""
        found = self.pending.get(digest)
        return found[0] if found is not None else None

    def append(self, session, row, is_new, digest):
        """Appends one record (session row, pageview row, whether the session is new);
        returns True once the operating system holds it, False when it could not (closed,
        or a write error such as a full disk: the caller stores the hit itself)."""
        data = marshal.dumps((session, row, is_new))
        with self.lock:
            if self.closed:
                return False
            record = LENGTH.pack(len(data)) + data
            try:
                written = os.write(self.fd, record)
            except OSError as exc:
                written = exc
            if written != len(record):  # (a full disk): appends go to a new file
                _log.warning("appending to the ingest journal failed: %s", written)
                self.closed = True  # a partial record ends the file: nothing follows it
                return False
            self.size += len(record)
            if is_new:
                self.pending[digest] = (session[0], self.name, self.size)
                self.pending_ids.add(session[0])
            self.last_append = time.monotonic()
        return True

    def forget_stored(self, name, stored):
        """Drops the pending sessions whose records in file name are stored (stored: the
        file's stored length, or None for all of it)."""
        with self.lock:
            done = [key for key, (_, file, end) in self.pending.items()
                    if file == name and (stored is None or end <= stored)]
            for key in done:
                self.pending_ids.discard(self.pending.pop(key)[0])

    def rotate(self):
        """Starts a new file; returns the old (fd, name), to remove once it is all stored."""
        with self.lock:
            old = (self.fd, self.name)
            self._open_new()
        return old

    def close(self):
        """Appends no more; returns the file's (fd, name, length)."""
        with self.lock:
            self.closed = True
            return self.fd, self.name, self.size


def take_ids(path, count):
    """Returns the first of count session ids reserved in their own committed transaction."""
    conn = checkout(path)
    try:
        with transaction(conn):
            return next_ids(conn, count)
    finally:
        checkin(path, False, conn)


def next_ids(db, count=1):
    """Returns the first of count new session ids, reserved inside db's transaction."""
    return db.execute("UPDATE id_counter SET next = next + ? WHERE name = 'session'"
                      " RETURNING next - ?", (count, count)).fetchone()[0]


def writer_for(path):
    """Returns this process's Writer for the database at path, started if needed; None
    for a second after an append failed (hits are then stored by their own transaction)."""
    key = _abspath(path)
    found = _writers.get(key)
    if found is None or found.closed:
        with _writers_lock:
            found = _writers.get(key)
            if found is not None and found.closed:  # its file is swept once closed
                os.close(_writers.pop(key).close()[0])
                _failed[key] = time.monotonic()
                found = None
            if found is None:
                if time.monotonic() - _failed.get(key, -RETRY_SECONDS) < RETRY_SECONDS:
                    return None
                try:
                    found = _writers[key] = Writer(key)
                except OSError as exc:
                    _log.warning("opening an ingest journal failed: %s", exc)
                    _failed[key] = time.monotonic()
                    return None
                _start_thread()
    return found


def _files(folder):
    try:
        return [name for name in os.listdir(folder) if name.endswith(SUFFIX)]
    except FileNotFoundError:
        return []


def has_new(path):
    """Returns whether a journal file of path holds records not known to be stored."""
    folder = directory(path)
    for name in _files(folder):
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
        _store_all(path, wait_ms)


def before_read(path, wait_ms=READ_WAIT_MS):
    """Stores the journaled records before a request (or export, or backup) reads, so that
    it sees every pageview acknowledged before it; if that cannot be done within wait_ms
    (the database is locked, full or read-only), it reads without them: reads never fail
    for the journal."""
    try:
        apply_pending(path, wait_ms)
    except (OSError, sqlite3.Error) as exc:
        _log.warning("storing the ingest journal before a read failed: %s", exc)


def apply_into(db, path):
    """Stores the journaled records not stored yet inside db's write transaction; returns
    {file name: (stored length, length read)}."""
    folder = directory(path)
    names = _files(folder)
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
    """Stores records' sessions and pageviews, rows of deleted websites left out.

    Every record carries its session row: a stored session stays as it is, and one that
    retention removed after the hit read it comes back (its row uses it again).
    """
    from .ingest import insert_pageviews_at_once
    websites = {row[0] for _, row, _ in records}
    alive = {row[0] for row in db.execute(
        f"SELECT website_id FROM website WHERE website_id IN ({','.join('?' * len(websites))})",
        tuple(websites))}
    records = [record for record in records if record[1][0] in alive]
    new = [session for session, _, is_new in records if is_new]
    if new:
        before = db.total_changes
        _insert_sessions(db, new)
        if db.total_changes - before < len(new):
            _alias_taken(db, new)
    _insert_sessions(db, [session for session, _, is_new in records if not is_new])
    aliases = dict(db.execute("SELECT alias, session_id FROM session_alias"))
    rows = [row if row[1] not in aliases else (row[0], aliases[row[1]], *row[2:])
            for _, row, _ in records]
    insert_pageviews_at_once(db, rows)
    for website_id in alive:
        mine = [row for row in rows if row[0] == website_id]
        rollups.catch_up(db, website_id, [row[3] for row in mine], urls=[row[4] for row in mine])


def _insert_sessions(db, sessions, chunk=SESSION_CHUNK):
    """INSERT OR IGNOREs session rows, chunk rows a statement (one step each: see
    ingest.insert_pageviews_at_once(); a hash is bytes, which JSON cannot carry)."""
    for start in range(0, len(sessions), chunk):
        part = sessions[start:start + chunk]
        db.execute(_sessions_sql(len(part)), [value for session in part for value in session])


@functools.lru_cache(maxsize=SESSION_CHUNK)
def _sessions_sql(count):
    from .ingest import INSERT_SESSION_WITH_ID
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


def sweep(path):
    """Stores and removes the files of processes that ended (their lock is free)."""
    folder = directory(path)
    mine = _writers.get(_abspath(path))
    ended = []
    for name in _files(folder):
        if mine is not None and name == mine.name:
            continue
        try:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # its process lives
            continue
        ended.append((fd, name))
    try:
        for fd, name in ended:
            if _store_file(path, name, os.fstat(fd).st_size):
                _remove(folder, name)
    finally:
        for fd, _ in ended:
            os.close(fd)


def next_session_id(db):
    """Returns the next session id of db's file, None before its schema exists."""
    try:
        found = db.execute("SELECT next FROM id_counter WHERE name = 'session'").fetchone()
    except sqlite3.OperationalError:
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
        for name in _files(folder):
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    _, size = _parse(handle.read())  # (not into a record still being written)
            except FileNotFoundError:
                continue
            db.execute("INSERT OR REPLACE INTO ingest_journal (name, applied) VALUES (?, ?)",
                       (name, size))
            _seen.pop((folder, name), None)


def _store_all(path, wait_ms=None):
    """Stores every file's new records in one transaction; returns {name: stored length}."""
    conn = checkout(path)
    try:
        with transaction(conn, wait_ms):
            lengths = apply_into(conn, path)
    finally:
        checkin(path, False, conn)
    folder = directory(path)
    _seen.update(((folder, name), read) for name, (_, read) in lengths.items())
    return {name: stored for name, (stored, _) in lengths.items()}


def _store_file(path, name, size):
    """Returns whether file name's records are all stored, storing them up to size (the
    length of a file no process appends to any more); a partial record at its end was
    never answered. Other files' records are stored along the way."""
    key = (directory(path), name)
    while _seen.get(key, 0) < size:
        before = _seen.get(key, 0)
        _store_all(path)
        if _seen.get(key, 0) == before:
            return False  # (the file is gone, or was replaced under this name)
    return True


def _remove(folder, name):
    """Removes a stored file (its ingest_journal row goes with the next store)."""
    os.unlink(os.path.join(folder, name))
    _seen.pop((folder, name), None)


def _pass(writer, sweeping):
    """Stores the new records of the writer's database; replaces a long file; sweeps."""
    with writer.passing:
        _pass_held(writer, sweeping)


def _pass_held(writer, sweeping):
    stored = None
    if has_new(writer.path):
        stored = _store_all(writer.path).get(writer.name)
        if stored is not None:
            writer.forget_stored(writer.name, stored)
    if writer.size >= ROTATE_BYTES and stored == writer.size:
        fd, name = writer.rotate()
        try:
            if _store_file(writer.path, name, os.fstat(fd).st_size):  # its last appends
                writer.forget_stored(name, None)
                _remove(writer.dir, name)
        finally:
            os.close(fd)  # (a file left behind is stored and removed by a sweep)
    if sweeping:
        sweep(writer.path)


def _run():
    passes = 0
    failing = set()  # databases whose last pass failed: logged once, not every 20 ms
    while True:
        time.sleep(INTERVAL)
        passes += 1
        for key, writer in list(_writers.items()):
            try:
                _pass(writer, passes % SWEEP_EVERY == 0)
                if time.monotonic() - writer.last_append > IDLE_SECONDS:
                    close(key)
                failing.discard(key)
            except (OSError, sqlite3.Error) as exc:
                # the records stay in the file: the next pass (or any reader) stores them
                if key not in failing:
                    _log.warning("storing the ingest journal of %s failed (retrying every"
                                 " %s s): %s", key, INTERVAL, exc)
                failing.add(key)
                if not os.path.exists(key):
                    _drop(key)  # the database is gone (a test's temporary folder)


_thread = None


def _start_thread():
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=_run, name="umami-lite journal", daemon=True)
        _thread.start()


def close(path):
    """Stores this process's records for path and removes its file (idle, or at exit)."""
    key = _abspath(path)
    with _writers_lock:
        writer = _writers.pop(key, None)
    if writer is None:
        return
    fd, name, size = writer.close()
    try:
        if _store_file(key, name, size):
            _remove(writer.dir, name)
    finally:
        os.close(fd)  # (a file left behind is stored and removed by a later sweep)


def _drop(key):
    with _writers_lock:
        writer = _writers.pop(key, None)
    if writer is not None:
        os.close(writer.close()[0])


@atexit.register
def close_all():
    """Stores every record this process appended before it exits."""
    for key in list(_writers):
        try:
            close(key)
        except (OSError, sqlite3.Error) as exc:
            _log.warning("storing the ingest journal of %s at exit failed: %s", key, exc)


def _forget_parents():
    """A forked child closes its parent's journal files, so their locks end with the parent."""
    global _thread
    for writer in _writers.values():
        os.close(writer.fd)
    _writers.clear()
    _thread = None


os.register_at_fork(after_in_child=_forget_parents)
