"""The write path under threads: pooled connections, the writer lock, group commit.

Real SQLite files in tmp_path; batches are formed on purpose by holding the process's
writer lock while threads queue their writes.
"""
import os
import signal
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest

from umami_lite.storage import connection as db


@pytest.fixture
def conn(tmp_path):
    path = str(tmp_path / "writes.db")
    first = db.connect(path)
    first.execute("CREATE TABLE item (n INTEGER PRIMARY KEY)")
    yield first
    first.close()


def _insert(n):
    def work(conn):
        return conn.execute("INSERT INTO item (n) VALUES (?)", (n,)).lastrowid
    return work


@contextmanager
def _locked_elsewhere(path, busy_timeout_ms):
    """Yields while another process's writer holds the database, with a short busy timeout."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    db_timeout, db.BUSY_TIMEOUT_MS = db.BUSY_TIMEOUT_MS, busy_timeout_ms
    try:
        yield
    finally:
        db.BUSY_TIMEOUT_MS = db_timeout
        other.execute("ROLLBACK")
        other.close()


def _queued(conn, count):
    deadline = time.monotonic() + 10
    while len(db._queues.get(conn.path, [])) < count:
        assert time.monotonic() < deadline, "writes were not queued"
        time.sleep(0.005)


def _run_in_threads(conn, works):
    """Returns {index: result or exception} of write_grouped(works[i]) run in one batch."""
    outcomes = {}

    def call(index, work):
        try:
            outcomes[index] = db.write_grouped(conn.path, work)
        except Exception as exc:  # the test inspects each thread's own outcome
            outcomes[index] = exc

    lock = db.write_lock(conn)
    with lock:  # hold the writer lock so that every write queues for one batch
        threads = [threading.Thread(target=call, args=(i, w)) for i, w in enumerate(works)]
        for thread in threads:
            thread.start()
        _queued(conn, len(works))
    for thread in threads:
        thread.join(30)
    return outcomes


def test_queued_writes_commit_together_and_each_gets_its_own_result(conn):
    outcomes = _run_in_threads(conn, [_insert(n) for n in (1, 2, 3, 4, 5)])
    assert outcomes == {0: 1, 1: 2, 2: 3, 3: 4, 4: 5}
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 5
    assert not db._queues.get(conn.path)


def test_a_failing_write_raises_its_own_error_and_leaves_the_batch_in(conn):
    outcomes = _run_in_threads(conn, [_insert(1), _insert(1), _insert(2)])
    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], sqlite3.IntegrityError)
    assert sorted(o for o in outcomes.values() if not isinstance(o, Exception)) == [1, 2]
    assert [r[0] for r in conn.execute("SELECT n FROM item ORDER BY n")] == [1, 2]


def test_a_lone_write_that_fails_half_way_leaves_nothing_and_the_next_commits(conn):
    ran = []

    def half(batch_conn):  # a batch of one runs without a savepoint
        ran.append(batch_conn)
        batch_conn.execute("INSERT INTO item (n) VALUES (7)")
        batch_conn.execute("INSERT INTO item (n) VALUES (7)")

    with pytest.raises(sqlite3.IntegrityError):
        db.write_grouped(conn.path, half)
    assert not ran[0].in_transaction
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0
    assert db.write_grouped(conn.path, _insert(8)) == 8
    assert [r[0] for r in conn.execute("SELECT n FROM item")] == [8]


def test_a_commit_that_fails_leaves_no_open_transaction(conn):
    """A deferred foreign key fails at COMMIT, which leaves SQLite's transaction open: it
    is rolled back before the process's writer lock goes to the next writer."""
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE child (id INTEGER REFERENCES parent(id)"
                 " DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError), db.transaction(conn):
        conn.execute("INSERT INTO child VALUES (7)")
    assert not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == 0
    assert db.write_grouped(conn.path, _insert(9)) == 9


def test_a_transaction_works_on_a_plain_sqlite3_connection(conn):
    plain = sqlite3.connect(conn.path, isolation_level=None)
    try:
        with db.transaction(plain):
            plain.execute("INSERT INTO item (n) VALUES (4)")
    finally:
        plain.close()
    assert [r[0] for r in conn.execute("SELECT n FROM item")] == [4]


def test_a_failed_commit_fails_every_write_of_the_batch(conn):
    with _locked_elsewhere(conn.path, 300):
        outcomes = _run_in_threads(conn, [_insert(1), _insert(2)])
    assert all(isinstance(o, sqlite3.OperationalError) and "locked" in str(o)
               for o in outcomes.values()), outcomes
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0


def test_pooled_connections_are_reused_and_left_without_a_transaction(tmp_path):
    path = str(tmp_path / "pool.db")
    first = db.checkout(path)
    first.execute("CREATE TABLE t (x)")
    first.execute("BEGIN IMMEDIATE")
    first.execute("INSERT INTO t VALUES (1)")
    db.checkin(path, False, first)  # a request that failed mid-transaction
    again = db.checkout(path)
    assert again is first and not again.in_transaction
    assert again.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    reader = db.checkout(path, readonly=True)
    assert reader is not first
    with pytest.raises(sqlite3.OperationalError):
        reader.execute("INSERT INTO t VALUES (2)")
    db.checkin(path, True, reader)
    db.checkin(path, False, again)


def test_a_forked_child_opens_its_own_connections(tmp_path):
    """gunicorn forks its workers: a child must never get its parent's pooled connection
    (db keeps the process id it keys pools by up to date through a fork hook)."""
    path = str(tmp_path / "fork.db")
    parent = db.checkout(path)
    db.checkin(path, False, parent)
    pid = os.fork()
    if pid == 0:  # the child: answers through its exit status only
        code = 1
        try:
            child = db.checkout(path)
            code = 0 if child is not parent else 2
            child.close()
        finally:
            os._exit(code)
    for _ in range(300):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    assert os.waitstatus_to_exitcode(status) == 0
    assert db.checkout(path) is parent  # the parent's pool is its own still
    db.checkin(path, False, parent)


def _io_error(conn):
    raise sqlite3.OperationalError("disk I/O error")


def _batch_connection(conn):
    """Returns the pooled connection that ran a batch of write_grouped()."""
    return db.write_grouped(conn.path, lambda batch_conn: batch_conn)


def test_batches_run_on_one_pooled_connection(conn):
    first = _batch_connection(conn)
    assert _batch_connection(conn) is first
    assert first is not conn and first.batches
    assert first.execute("PRAGMA busy_timeout").fetchone()[0] == 0  # begin_immediate() waits


def test_pooling_resumes_after_a_failed_write_once_a_grouped_write_commits(conn):
    failing = _batch_connection(conn)
    with pytest.raises(sqlite3.OperationalError):
        db.write_grouped(conn.path, _io_error)  # a write failing in the database itself
    assert conn.path in db._failing  # connections opened now are not pooled ...
    healer = _batch_connection(conn)
    assert healer is not failing and healer.broken  # opened while failing: used once
    assert conn.path not in db._failing  # ... until a batch commits: then they are again
    pooled = _batch_connection(conn)
    assert pooled is not healer and _batch_connection(conn) is pooled
    assert db.write_grouped(conn.path, _insert(1)) == 1


def test_a_lock_wait_that_times_out_keeps_the_pool(conn):
    writer = _batch_connection(conn)
    with _locked_elsewhere(conn.path, 200), pytest.raises(sqlite3.OperationalError,
                                                          match="locked"):
        db.write_grouped(conn.path, _insert(1))
    assert conn.path not in db._failing and not writer.broken
    assert _batch_connection(conn) is writer


def test_a_stats_request_reads_one_snapshot_until_its_connection_returns(app):
    path = app.extensions["umami_lite"].database
    writer = db.connect(path)
    count = "SELECT count(*) FROM setting"
    with app.test_request_context():
        reader = db.get_read_snapshot()
        before = reader.execute(count).fetchone()[0]
        writer.execute("INSERT INTO setting (key, value) VALUES ('snapshot-test', '1')")
        assert db.get_read_snapshot().execute(count).fetchone()[0] == before  # e.g. a reset
    with app.test_request_context():
        assert db.get_read_snapshot().execute(count).fetchone()[0] == before + 1
    writer.close()


# The WAL bound: CHECKPOINT_EVERY and WAL_SIZE_LIMIT made small, so that a few hundred hits
# show what millions would. Ten ordinary hits grow the WAL by ~330 KB here (measured), so
# the limit is above that: the file stays under it between checkpoints.
SMALL_CHECKPOINT_EVERY = 10
SMALL_WAL_LIMIT = 512 * 1024


@pytest.fixture
def wal_app(make_app, monkeypatch):
    monkeypatch.setattr(db, "CHECKPOINT_EVERY", SMALL_CHECKPOINT_EVERY)
    monkeypatch.setattr(db, "WAL_SIZE_LIMIT", SMALL_WAL_LIMIT, raising=False)
    app = make_app(UMAMI_LITE_INGEST_JOURNAL=False)
    from conftest import Api
    return app, Api(app.test_client()).create_website()["id"]


def _wal_size(app):
    return os.path.getsize(app.extensions["umami_lite"].database + "-wal")


def _large_event(client, website_uuid, n):
    """Sends an event near every size limit: ~5 KB of url, title and properties."""
    from conftest import send
    data = {f"k{j}": f"{n}-{j}-" + "x" * 480 for j in range(8)}  # under 4,096 characters
    r = send(client, website_uuid, url=f"/large/{n}/" + "u" * 480, title="t" * 500,
             name="large", data=data, id=f"visitor-{n}")
    assert r.status_code == 200, r.json


def _burst_behind_a_reader(app, website_uuid, hits=200):
    """Returns the WAL's peak size over a burst of large events sent while another
    connection holds a read snapshot (a long export or backup): no checkpoint can copy
    past it, so the WAL grows with every write."""
    client = app.test_client()
    reader = sqlite3.connect(app.extensions["umami_lite"].database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM pageview").fetchone()
    peak = 0
    try:
        for n in range(hits):
            _large_event(client, website_uuid, n)
            peak = max(peak, _wal_size(app))
    finally:
        reader.close()
    return peak


@pytest.mark.single_engine("SQLite's write-ahead log")
def test_the_wal_shrinks_back_after_a_burst_of_large_writes(wal_app):
    app, website_uuid = wal_app
    peak = _burst_behind_a_reader(app, website_uuid)
    assert peak > 4 * SMALL_WAL_LIMIT  # ~11 MB measured
    from conftest import send
    client = app.test_client()
    sizes = []
    for n in range(3 * SMALL_CHECKPOINT_EVERY):
        assert send(client, website_uuid, url=f"/ordinary/{n}").status_code == 200
        sizes.append(_wal_size(app))
    assert max(sizes[-SMALL_CHECKPOINT_EVERY:]) <= SMALL_WAL_LIMIT, (peak, sizes)


@pytest.mark.single_engine("SQLite's write-ahead log")
def test_an_oversized_wal_is_emptied_by_the_checkpoint_itself(wal_app, monkeypatch):
    """journal_size_limit alone cuts the WAL only when a later writer starts it over, which
    a reader on it at that moment prevents: the checkpoint truncates it at once."""
    app, website_uuid = wal_app
    assert _burst_behind_a_reader(app, website_uuid) > 4 * SMALL_WAL_LIMIT
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        monkeypatch.setattr(db, "_commits", SMALL_CHECKPOINT_EVERY - 1)  # the next checkpoints
        db.checkpoint_now(conn)
        assert _wal_size(app) == 0
    finally:
        conn.close()


@pytest.mark.single_engine("SQLite's write-ahead log")
def test_a_reader_on_the_wal_makes_the_truncation_wait_for_a_later_checkpoint(
        wal_app, monkeypatch, caplog):
    app, website_uuid = wal_app
    peak = _burst_behind_a_reader(app, website_uuid)
    path = app.extensions["umami_lite"].database
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM pageview").fetchone()
    conn = db.connect(path)
    try:
        monkeypatch.setattr(db, "_commits", SMALL_CHECKPOINT_EVERY - 1)
        db.checkpoint_now(conn)  # busy: no error, no warning, the WAL as it was
        assert _wal_size(app) == peak and caplog.records == []
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
        reader.close()
        # the next writer starts the WAL over, and journal_size_limit cuts the file
        from conftest import send
        monkeypatch.setattr(db, "_commits", 0)  # (its commit is no checkpoint)
        assert send(app.test_client(), website_uuid, url="/after").status_code == 200
        assert _wal_size(app) <= SMALL_WAL_LIMIT
    finally:
        reader.close()
        conn.close()
