"""The ingest journal: a pageview, event or web vitals sample is answered once appended to
a file, stored within ~20 ms.

Why: under load a hit's own durable write transaction cost as much as all the rest of the
request (README, Ingest). Here a pageview's or event's row is appended to this process's
journal file with one write() and answered; a thread stores every process's new records
every INTERVAL seconds (journal_store.py). An appended record survives a crash of the process,
as a commit with `synchronous = NORMAL` does (neither survives losing the machine).

Files: DATABASE-ingest/PID.TOKEN.log, one per writing process, flock'ed by it while it
lives, replaced once ROTATE_BYTES long and stored; sweep() stores and removes the files of
processes that ended. New sessions get ids from blocks of id_counter's range that the
process took in their own transaction, so two processes never give out one id, and the
answer can carry the id.
"""
import atexit
import fcntl
import logging
import marshal
import os
import secrets
import threading
import time

from ..storage.connection import _abspath, pooled_transaction
from ..storage.dialect import is_postgres
from ..storage.errors import DatabaseError
from .rows import next_ids  # noqa: F401 (journal.next_ids: ids of reserved blocks)
from .replay import LENGTH, SUFFIX, directory, files, has_new, store_all, store_and_remove

INTERVAL = 0.02        # seconds between stores of this process's new records
SWEEP_EVERY = 50       # passes between looks for dead processes' files (~1 s)
ROTATE_BYTES = 4 << 20  # a stored file this long is replaced by a new one
ID_BLOCK = 512         # session ids a process takes at a time
IDLE_SECONDS = 60      # a writer without appends this long is closed
RETRY_SECONDS = 1      # after a failed append, hits are stored without the journal this long

_writers = {}          # absolute database path -> this process's Writer
_writers_lock = threading.Lock()
_failed = {}           # absolute database path -> when an append to its journal last failed
_log = logging.getLogger(__name__)


class Writer:
    """This process's journal file for one database, and the ids it gives new sessions."""

    def __init__(self, path):
        self.dir = directory(path)
        if self.dir is None:
            raise ValueError(f"{path}: a PostgreSQL database has no ingest journal")
        self.path = _abspath(path)
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

    def append(self, session, row, is_new, digest, kind="pageview", data=None):
        """Appends one record of kind pageview (session row, pageview row, whether the
        session is new), event (session row, event row, whether new, its
        ingest.event_properties() as data) or vitals (session row, vitals row, whether new,
        None, None: see replay.py); returns True once the operating system holds it, False
        when it could not (closed, or a write error such as a full disk: the caller stores
        the hit itself)."""
        shapes = {"pageview": (session, row, is_new), "event": (session, row, is_new, data),
                  "vitals": (session, row, is_new, None, None)}
        data = marshal.dumps(shapes[kind])
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
    with pooled_transaction(path) as conn:
        return next_ids(conn, count)


def writer_for(path):
    """Returns this process's Writer for the database at path, started if needed; None
    for a second after an append failed (hits are then stored by their own transaction),
    and always for a PostgreSQL database (no journal there)."""
    if is_postgres(path):
        return None
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


def sweep(path):
    """Stores and removes the files of processes that ended (their lock is free)."""
    folder = directory(path)
    mine = _writers.get(_abspath(path))
    ended = []
    for name in files(folder):
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
            store_and_remove(path, name, os.fstat(fd).st_size)
    finally:
        for fd, _ in ended:
            os.close(fd)


def _pass(writer, sweeping):
    """Stores the new records of the writer's database; replaces a long file; sweeps."""
    with writer.passing:
        _pass_held(writer, sweeping)


def _pass_held(writer, sweeping):
    stored = None
    if has_new(writer.path):
        stored = store_all(writer.path).get(writer.name)
        if stored is not None:
            writer.forget_stored(writer.name, stored)
    if writer.size >= ROTATE_BYTES and stored == writer.size:
        fd, name = writer.rotate()
        try:
            if store_and_remove(writer.path, name, os.fstat(fd).st_size):  # last appends
                writer.forget_stored(name, None)
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
            except (OSError, DatabaseError) as exc:
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
        store_and_remove(key, name, size)
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
        except (OSError, DatabaseError) as exc:
            _log.warning("storing the ingest journal of %s at exit failed: %s", key, exc)


def _forget_parents():
    """A forked child closes its parent's journal files, so their locks end with the parent."""
    global _thread
    for writer in _writers.values():
        os.close(writer.fd)
    _writers.clear()
    _thread = None


os.register_at_fork(after_in_child=_forget_parents)
