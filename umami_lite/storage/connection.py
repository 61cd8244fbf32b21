"""SQLite connections: one place configures them, one helper runs write transactions."""
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager, suppress
from importlib import resources

from flask import g

from . import dialect, migrations
from ..state import state

BUSY_TIMEOUT_MS = 5000
POOLS_MAX = 8  # databases one process keeps idle connections to (tests open many)
POOL_SIZE = 16  # idle connections kept per database and mode (one per server thread is enough)
_pools = OrderedDict()  # (pid, absolute path, readonly, batches) -> idle connections
_inherited = []         # pooled connections of a parent process, never used or closed here
_pools_lock = threading.Lock()
_write_locks = {}       # absolute path -> this process's lock for writers to that database
_write_locks_guard = threading.Lock()
CHECKPOINT_EVERY = 300  # commits of one process between WAL checkpoints
# Bytes the -wal file may keep after a checkpoint (see checkpoint_now()): above what the
# commits between two checkpoints write (300 single hits: ~10 MB; bench/ingest.py at
# 3,000 hits/s, in journal batches: ~40 MB), so it only cuts what a burst left (a reset, a
# purge, an import, writes while a long read ran); and how long cutting waits for readers.
WAL_SIZE_LIMIT = 64 * 1024 * 1024
TRUNCATE_WAIT_MS = 20
_commits = 0
_failing = set()         # absolute paths whose last write failed in the database, see failed()
_queues = {}            # absolute path -> writes waiting for write_grouped()'s next batch
_absolute = {}          # an absolute path as given -> os.path.abspath() of it
_pid = os.getpid()      # this process's id (os.getpid() is a system call, asked every write)
os.register_at_fork(after_in_child=_write_locks.clear)  # a parent's held lock is not ours
os.register_at_fork(after_in_child=_queues.clear)


def _set_pid():
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_set_pid)


def _abspath(path):
    """Returns os.path.abspath(path), remembered for absolute paths, which no change of the
    working directory can alter (each hit asks three times)."""
    found = _absolute.get(path)
    if found is None and dialect.is_postgres(path):
        return path
    if found is None:
        found = os.path.abspath(path)
        if os.path.isabs(path) and len(_absolute) < 64:
            _absolute[path] = found
    return found


class Connection(sqlite3.Connection):
    """A connection that knows its file, so that writers to one database queue on one lock."""
    path = None
    broken = False  # a write failed in the database itself: checkin() closes it, see failed()
    batches = False  # runs write_grouped()'s batches only: busy timeout 0, see checkout()


def failed(db, exc):
    """Returns whether a write's exc is a failure of the database itself (full, read-only,
    I/O: any DatabaseError but a constraint or a lock wait); if so, stops pooling
    connections to db's file until a write succeeds again.

    A connection opened while the file was read-only stays read-only after the file is
    writable again: the pool drops db, its idle connections, and those opened meanwhile.
    A lock wait that timed out leaves connections and file sound: nothing to drop.
    """
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return False
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.IntegrityError):
        return False
    db.broken = True
    if db.path is not None:
        _failing.add(db.path)
        close_idle(db.path)
    return True


def is_failing(path):
    """Returns whether the last write to the database at path failed in the database itself."""
    return bool(_failing) and _abspath(path) in _failing


def succeeded(db):
    """Pools connections to db's file again after a committed write (see failed())."""
    if _failing:
        _failing.discard(getattr(db, "path", None))  # (a plain sqlite3.Connection has none)


def connect(path, readonly=False):
    """Returns a configured connection; readonly ones cannot write (query_only).
    A PostgreSQL URL gives a postgres.Connection (the same interface)."""
    if dialect.is_postgres(path):
        from . import postgres
        return postgres.Connection(path, readonly)
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                         check_same_thread=False, factory=Connection)
    db.path = os.path.abspath(path)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute(f"PRAGMA journal_size_limit = {int(WAL_SIZE_LIMIT)}")
    if readonly:
        db.execute("PRAGMA query_only = ON")
    return db


def checkout(path, readonly=False, batches=False):
    """Returns an idle pooled connection to path, or a new one; give it back with checkin().

    A new connection costs ~0.25 ms (open, PRAGMAs, parsing the schema on its first
    statement), more than the whole write of a hit; bench/ingest.py measured it. Pooled
    connections also keep the WAL file alive between requests (the last connection to
    close would checkpoint and delete it). Keyed by pid, since gunicorn forks workers.
    batches: a connection that runs write_grouped()'s batches only; its busy timeout stays
    0, since begin_immediate() does the waiting (no PRAGMA pair per batch).
    """
    key = (_pid, _abspath(path), readonly, batches)
    with _pools_lock:
        idle = _pools.get(key)
        if idle:
            _pools.move_to_end(key)
            return idle.pop()
    db = connect(path, readonly)
    db.broken = db.path in _failing  # maybe opened read-only: used once, not pooled
    db.execute("PRAGMA wal_autocheckpoint = 0")  # see checkpoint_now(): never inside a write
    if batches:
        db.execute("PRAGMA busy_timeout = 0")
        db.batches = True
    return db


def checkin(path, readonly, db):
    """Puts db back into its pool (rolling back anything left open), or closes it if full
    or broken (see failed())."""
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        db.broken = True  # a connection that cannot roll back is not reused
    if getattr(db, "broken", False):
        db.close()
        return
    key = (_pid, _abspath(path), readonly, getattr(db, "batches", False))
    with _pools_lock:
        idle = _pools.setdefault(key, [])
        _pools.move_to_end(key)
        if len(idle) < POOL_SIZE:
            idle.append(db)
            db = None
        evicted = []
        while len(_pools) > POOLS_MAX:
            (pid, *_), old = _pools.popitem(last=False)
            (evicted if pid == _pid else _inherited).extend(old)
    for conn in evicted + ([db] if db is not None else []):
        conn.close()


def close_idle(path):
    """Closes this process's idle pooled connections to path; the next requests open new
    ones (after a restore, or when a test changes how connections are made)."""
    path = _abspath(path)
    with _pools_lock:
        idle = [conn for key in list(_pools) if key[:2] == (_pid, path)
                for conn in _pools.pop(key)]
    for conn in idle:
        conn.close()


def get_db(readonly=False):
    """Returns this request's connection (read-only ones are separate), from the pool.
    It writes nothing: the request stored the acknowledged hits before its view ran."""
    key = "_umami_db_ro" if readonly else "_umami_db"
    found = g.get(key)
    if found is None:
        found = (state().database, readonly, checkout(state().database, readonly))
        setattr(g, key, found)
    return found[2]


def get_read_snapshot():
    """Returns this request's read-only connection inside one read transaction, so that
    every query of a stats request sees one commit (summaries and the keys they count, raw
    rows and the hour summarized up to): a website reset between two reads cannot mix old
    and new rows. close_db() ends it."""
    db = get_db(readonly=True)
    if not db.in_transaction:
        db.execute("BEGIN")  # deferred: the first SELECT fixes the snapshot
    return db


def close_db(_exc=None):
    """Returns this request's connections to the pool."""
    for key in ("_umami_db", "_umami_db_ro"):
        found = g.pop(key, None)
        if found is not None:
            checkin(*found)


def checkpoint_now(db):
    """Copies the WAL into the database every CHECKPOINT_EVERY writes of this process.

    Called after a commit, with the write lock released. SQLite's automatic checkpoint
    runs inside the committing call, so its two fsyncs (5 to 15 ms each on the bench
    machine) held the write lock and stalled every other writer; pooled connections turn
    it off and checkpoint here instead (PASSIVE: it never blocks writers or readers).

    A PASSIVE checkpoint leaves the -wal file as large as it grew (a burst of large writes,
    or writes while a long read held its snapshot). journal_size_limit (connect()) cuts it
    back when the next writer starts the WAL over, but that needs no reader on it at that
    moment; so when every frame was copied and the file is still over WAL_SIZE_LIMIT, a
    TRUNCATE checkpoint waits up to TRUNCATE_WAIT_MS for readers and empties it. That
    happens only while the WAL is oversized (a stat per checkpoint otherwise); if readers
    stay, the next checkpoint tries again.
    """
    global _commits
    _commits += 1
    if _commits % CHECKPOINT_EVERY == 0 and getattr(db, "path", None) is not None \
            and not dialect.is_postgres(db.path):
        try:
            busy, frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            # not while a reader's older snapshot kept frames uncopied: that would wait
            # for nothing
            if not busy and copied == frames and _wal_size(db.path) > WAL_SIZE_LIMIT:
                _truncate_wal(db)
        except sqlite3.Error as exc:  # the write is committed: an error answer would be
            # resent by the tracker and counted twice; the next checkpoint tries again
            logging.getLogger(__name__).warning("WAL checkpoint failed: %s", exc)


def _wal_size(path):
    """Returns the size of path's -wal file in bytes (0 when there is none)."""
    try:
        return os.path.getsize(path + "-wal")
    except OSError:
        return 0


def _truncate_wal(db):
    """Checkpoints db's WAL and truncates it to 0 bytes, waiting TRUNCATE_WAIT_MS at most
    for readers and writers; when they stay, SQLite answers busy and nothing changes."""
    own_timeout = 0 if getattr(db, "batches", False) else BUSY_TIMEOUT_MS
    db.execute(f"PRAGMA busy_timeout = {int(TRUNCATE_WAIT_MS)}")
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        db.execute(f"PRAGMA busy_timeout = {own_timeout}")


def write_lock(db):
    """Returns this process's lock for writers to db's file (None for foreign connections).

    Threads of one process queue on it, so each gets the database as soon as the previous
    writer commits. Re-entrant, so a thread nesting two connections' transactions still
    gets SQLite's own busy error rather than waiting on itself.
    """
    if getattr(db, "path", None) is None:
        return None
    return _write_lock_for(db.path)


def _write_lock_for(path):
    lock = _write_locks.get(path)  # (every hit asks: no guard, no new RLock, when known)
    if lock is None:
        with _write_locks_guard:
            lock = _write_locks.setdefault(path, threading.RLock())
    return lock


def begin_immediate(db, deadline):
    """Takes SQLite's write lock for db, retrying every 0.05 to 1 ms until deadline.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries, so a writer of
    another process (gunicorn worker) slept up to 100 ms while the lock was free again
    after 0.2 ms, and with it every queued thread of its process; bench/ingest.py showed
    it as a p90 ten times the p50. Raises sqlite3.OperationalError (a 503 for the routes)
    when the database stays locked until deadline.
    """
    own_timeout = not getattr(db, "batches", False)  # (a plain sqlite3.Connection too)
    if own_timeout:
        db.execute("PRAGMA busy_timeout = 0")
    try:
        delay = 0.00005
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or \
                        time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.001)
    finally:
        if own_timeout:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


@contextmanager
def transaction(db, wait_ms=None):
    """Yields db inside BEGIN IMMEDIATE (the write lock taken up front); commits or rolls back.

    Raises sqlite3.OperationalError (a 503 for the routes) when the database stays locked
    for wait_ms (default BUSY_TIMEOUT_MS).
    """
    wait = (BUSY_TIMEOUT_MS if wait_ms is None else wait_ms) / 1000
    deadline = time.monotonic() + wait
    lock = write_lock(db)
    if lock is not None and not lock.acquire(timeout=wait):
        raise sqlite3.OperationalError("database is locked (by this process's other writers)")
    try:
        begin_immediate(db, deadline)
        try:
            yield db
        except BaseException as exc:
            failed(db, exc)
            # SQLite rolls back by itself on some errors (SQLITE_FULL, IOERR, NOMEM): a second
            # ROLLBACK would raise "no transaction is active" and hide the real error (a 500
            # instead of the 503 a full disk gets).
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except BaseException as exc:
        failed(db, exc)
        # a COMMIT that fails may leave the transaction open (a deferred foreign key): end it
        # before the lock goes to the next writer, who would wait on SQLite's lock instead
        if db.in_transaction:
            with suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
    else:
        succeeded(db)
    finally:
        if lock is not None:
            lock.release()
    checkpoint_now(db)


@contextmanager
def pooled_transaction(path, wait_ms=None):
    """Yields a pooled connection to path inside transaction(); gives it back after."""
    conn = checkout(path)
    try:
        with transaction(conn, wait_ms):
            yield conn
    finally:
        checkin(path, False, conn)


class _Pending:
    """One queued write of write_grouped(): its function, then its result or error."""
    __slots__ = ("work", "result", "error", "done")

    def __init__(self, work):
        self.work, self.result, self.error, self.done = work, None, None, False

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.result


def write_grouped(path, work):
    """Returns work(conn) once the transaction that ran it committed (group commit).

    Threads of one process queue their writes to the database at path; the first to get
    the process's write lock runs every queued write in one transaction, each in its own
    savepoint (a failing write raises its own error and leaves the others in), and commits
    once; the threads whose writes it ran find them done. No call returns before the
    commit holding its write, so an acknowledged hit is never lost; a commit that fails
    fails every write it held. bench/ingest.py: one COMMIT per batch instead of per hit.

    Batches run on a pooled connection of their own (checkout(batches=True)): the pool
    hands out the last one given back, so one connection runs batch after batch and its
    page cache is dropped only when another process wrote in between.
    """
    path = _abspath(path)
    lock = _write_lock_for(path)
    pending = _Pending(work)
    with _write_locks_guard:
        _queues.setdefault(path, []).append(pending)
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    if not lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        with _write_locks_guard:
            queued = _queues.get(path, [])
            if pending in queued:
                queued.remove(pending)
                raise sqlite3.OperationalError("database is locked (by this process's writers)")
        while not pending.done:  # a batch holding it is running: its outcome comes soon
            time.sleep(0.001)
        return pending.outcome()
    ran = None
    try:
        if not pending.done:
            ran = _run_batch(path, deadline)
    finally:
        lock.release()
    if ran is not None:
        conn, committed = ran
        if committed:
            checkpoint_now(conn)
        checkin(path, False, conn)
    return pending.outcome()


def _take_queue(path):
    """Returns the writes queued for path, leaving its queue empty."""
    with _write_locks_guard:
        return _queues.pop(path, [])


def _run_batch(path, deadline):
    """Runs every write queued for path in one transaction; sets each one's outcome, then
    done. The caller holds the process's write lock and has a write in the queue.

    The queue is taken once SQLite's write lock is held: writes that arrived while another
    process was writing join this batch (fewer, larger commits under load).
    Returns (the connection that ran them, whether it committed), or None when no
    connection could be opened (every queued write then fails with that error).
    """
    try:
        db = checkout(path, batches=True)
    except Exception as exc:
        for pending in _take_queue(path):
            pending.error, pending.done = exc, True
        return None
    # until COMMIT succeeds; "busy" makes it a 503 if the batch is interrupted
    failure = sqlite3.OperationalError("database is busy: the batch holding this write stopped")
    sound = True  # no write of the batch failed in the database itself
    batch = None
    try:
        begin_immediate(db, deadline)
        batch = _take_queue(path)
        alone = len(batch) == 1  # no savepoint needed: its error rolls back the transaction
        try:
            for pending in batch:
                if not alone:
                    db.execute("SAVEPOINT grouped")
                try:
                    pending.result = pending.work(db)
                except Exception as exc:
                    sound = sound and not failed(db, exc)
                    if not db.in_transaction:
                        raise  # SQLite rolled it all back (full disk, I/O): the batch fails
                    db.execute("ROLLBACK" if alone else "ROLLBACK TO grouped")
                    pending.error = exc
                if not alone:
                    db.execute("RELEASE grouped")
            if db.in_transaction:  # (not after a lone write's error)
                db.execute("COMMIT")
            failure = None
            if sound:  # (a read-only connection commits an empty batch too)
                succeeded(db)  # writes work again, even if db was opened while failing
        finally:
            if failure is not None and db.in_transaction:
                db.execute("ROLLBACK")
    except Exception as exc:
        failed(db, exc)
        failure = exc
    finally:
        for pending in _take_queue(path) if batch is None else batch:
            if failure is not None:
                pending.result, pending.error = None, failure
            pending.done = True
    return db, failure is None


def schema_sql():
    """Returns the text of schema.sql shipped inside the package."""
    return resources.files("umami_lite").joinpath("schema.sql").read_text(encoding="utf-8")


def init_db(path):
    """Returns a connection to path after creating every missing table and applying the
    numbered upgrades the file lacks (umami_lite/storage/migrations.py); never drops data."""
    db = connect(path)
    if dialect.is_postgres(path):
        with transaction(db):
            migrations.upgrade_postgres(db, dialect.schema_sql(schema_sql()))
        return db
    db.execute("PRAGMA foreign_keys = OFF")  # a table rebuild must not cascade its drop
    try:
        with transaction(db):
            migrations.upgrade(db, schema_sql())
    finally:
        db.execute("PRAGMA foreign_keys = ON")
    return db


def prepare(path, admin_password=None, hash_method=None):
    """Returns (stored secret, generated admin password or None) after creating the database.

    Creates missing tables, a random secret kept in the database, and the first admin.
    """
    from . import users  # users imports clock, which imports state; keep db importable alone
    conn = init_db(path)
    try:
        with transaction(conn):
            secret = set_setting_once(conn, "secret", secrets.token_hex(32))
            password = users.ensure_admin(conn, admin_password, hash_method)
    finally:
        conn.close()
    return secret, password


def get_setting(db, key):
    """Returns the stored value for key, or None."""
    row = db.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_setting_once(db, key, value):
    """Returns the stored value for key, storing value first if the key is new."""
    db.execute("INSERT OR IGNORE INTO setting (key, value) VALUES (?, ?)", (key, value))
    return get_setting(db, key)
