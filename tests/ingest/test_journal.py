"""The ingest journal (umami_lite/ingest/journal.py, journal_store.py): a pageview is answered
once appended to its process's file, and stored exactly once, by any process, even after a
crash.

Holding the process's write lock (an RLock: this thread may still write) keeps the
journal's thread from storing, so a test can see a pageview answered and not yet stored.
"""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager

import pytest
from conftest import CHROME_UA, T0, Api, event, pageview, send

from umami_lite.storage import connection as db
from umami_lite.ingest import record as ingest, journal, replay as journal_store

# the ingest journal is a file beside the SQLite database; on PostgreSQL each hit commits
# before its answer
pytestmark = pytest.mark.single_engine("the ingest journal is SQLite's")

HOUR = 3_600_000
RANGE = {"start_at": T0 - HOUR, "end_at": T0 + HOUR}


def raw_count(path, sql, params=()):
    """Reads the file as it is, without storing the journal first."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


@contextmanager
def journal_held(path):
    """Keeps the journal's thread from storing while the block runs."""
    lock = db._write_lock_for(os.path.abspath(path))
    with lock:
        yield


def journal_files(path):
    folder = journal_store.directory(path)
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def journal_ready(app, api, website):
    """Returns (path, client) with the salt made and stored: the next hits are journaled."""
    path = app.extensions["umami_lite"].database
    assert pageview(api.client, website["id"], url="/first").status_code == 200
    journal_store.apply_pending(path)
    return path, api.client


def test_a_pageview_is_answered_from_the_journal_and_a_read_stores_it_first(app, api, website):
    path, client = journal_ready(app, api, website)
    with journal_held(path):
        for n in range(3):
            assert pageview(client, website["id"], url=f"/p{n}").status_code == 200
        assert raw_count(path, "SELECT count(*) FROM pageview") == 1  # answered, not stored
        assert len(journal_files(path)) == 1
        stats = api.get(f"/api/website/{website['website_id']}/stats", query_string=RANGE)
        assert stats.json["pageviews"] == 4  # the read stored them first
    assert raw_count(path, "SELECT count(*) FROM pageview") == 4
    journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM pageview") == 4  # stored once


def test_an_event_is_answered_from_the_journal_with_its_properties(app, api, website):
    path, client = journal_ready(app, api, website)
    with journal_held(path):
        r = send(client, website["id"], url="/buy", name="buy",
                 data={"plan": "pro", "amount": 12.5, "cart": {"items": 2}})
        assert r.status_code == 200
        assert raw_count(path, "SELECT count(*) FROM event") == 0  # answered, not stored
    journal_store.apply_pending(path)
    conn = sqlite3.connect(path)
    try:
        stored = conn.execute(
            "SELECT e.url, e.event_value, d.data_key, d.data_type, d.string_value,"
            " d.number_value FROM event e JOIN event_data d USING (event_id)"
            " ORDER BY d.data_key").fetchall()
        same_session = conn.execute("SELECT count(DISTINCT session_id) FROM (SELECT session_id"
                                    " FROM event UNION ALL SELECT session_id FROM pageview)")
        assert same_session.fetchone()[0] == 1
    finally:
        conn.close()
    assert stored == [("/buy", "buy", "amount", "number", None, 12.5),
                      ("/buy", "buy", "cart.items", "number", None, 2.0),
                      ("/buy", "buy", "plan", "string", "pro", None)]


def test_a_vitals_sample_is_answered_from_the_journal_and_stored_once(app, api, website):
    path, client = journal_ready(app, api, website)
    with journal_held(path):
        r = send(client, website["id"], kind="performance", url="/a?x=1", title="A",
                 lcp=2500.06, ttfb=2.7000000001862645)
        assert r.status_code == 200
        assert raw_count(path, "SELECT count(*) FROM vitals") == 0  # answered, not stored
        assert len(journal_files(path)) == 1
    journal_store.apply_pending(path)
    journal_store.apply_pending(path)
    conn = sqlite3.connect(path)
    try:
        stored = conn.execute("SELECT url_path, page_title, lcp, inp, cls, fcp, ttfb,"
                              " session_id IN (SELECT session_id FROM pageview) FROM vitals"
                              ).fetchall()
    finally:
        conn.close()
    assert stored == [("/a", "A", 2500.1, None, None, None, 2.7, 1)]


def test_the_journals_thread_stores_within_moments(app, client, website):
    path = app.extensions["umami_lite"].database
    for n in range(5):
        assert pageview(client, website["id"], url=f"/p{n}", ip=f"198.51.100.{n}").status_code \
            == 200
    for _ in range(200):
        if raw_count(path, "SELECT count(*) FROM pageview") == 5:
            break
        time.sleep(0.01)
    assert raw_count(path, "SELECT count(*) FROM pageview") == 5
    assert raw_count(path, "SELECT count(*) FROM session") == 5


def test_another_process_stores_a_file_once(app, client, website, tmp_path):
    """Offsets live in the database, not in a process: a second process storing the same
    file stores only what the first did not."""
    path = app.extensions["umami_lite"].database
    assert pageview(client, website["id"], url="/first").status_code == 200
    with journal_held(path):
        for n in range(4):
            assert pageview(client, website["id"], url=f"/p{n}").status_code == 200
        child = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
            from umami_lite.ingest import replay as journal_store
            journal_store.apply_pending({path!r})
        """)], capture_output=True, text=True, timeout=60)
        assert child.returncode == 0, child.stderr
        assert raw_count(path, "SELECT count(*) FROM pageview") == 5
    journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM pageview") == 5


CRASHING = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from conftest import pageview
from umami_lite import create_app
from umami_lite.storage import connection as db

app = create_app({{"UMAMI_LITE_DATABASE": {path!r}, "UMAMI_LITE_ADMIN_PASSWORD": "x" * 12,
                  "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                  "UMAMI_LITE_CLOCK": lambda: {now}, "TESTING": True}})
client = app.test_client()
db._write_lock_for(os.path.abspath({path!r})).acquire()  # the journal's thread never stores
for n in range(6):
    assert pageview(client, {website!r}, url=f"/p{{n}}", ip=f"10.9.0.{{n}}").status_code == 200
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_servers_pageviews_are_stored_by_the_next_start(make_app, db_path,
                                                                  monkeypatch):
    monkeypatch.setattr(journal_store, "READ_BYTES", 700)  # a few records a transaction
    app = make_app()
    website = Api(app.test_client()).create_website()
    child = subprocess.run([sys.executable, "-c", CRASHING.format(
        tests=os.path.dirname(os.path.dirname(__file__)), path=db_path, now=T0,
        website=website["id"])],
        capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert raw_count(db_path, "SELECT count(*) FROM pageview") == 1  # the salt's first hit
    assert len(journal_files(db_path)) == 1
    make_app()  # a restart sweeps the files of processes that ended
    assert raw_count(db_path, "SELECT count(*) FROM pageview") == 6
    assert raw_count(db_path, "SELECT count(*) FROM session") == 6
    assert journal_files(db_path) == []


def test_pageviews_of_a_website_deleted_before_they_were_stored_are_dropped(app, client,
                                                                            website):
    path = app.extensions["umami_lite"].database
    visitor = ingest.Visitor(ip="203.0.113.9", user_agent=CHROME_UA, hostname="example.com")
    assert pageview(client, website["id"], url="/first").status_code == 200
    journal_store.apply_pending(path)
    with journal_held(path):
        recorded = ingest.record(path, website["id"], visitor,
                                 ingest.Hit("pageview", "/late", T0), "month", journal_on=True)
        assert recorded is not None and raw_count(path, "SELECT count(*) FROM pageview") == 1
        conn = sqlite3.connect(path)
        with conn:  # deleted behind the app's back (the app's own delete stores them first)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("DELETE FROM website WHERE website_id = ?", (website["website_id"],))
        conn.close()
        journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM pageview") == 0
    assert raw_count(path, "SELECT count(*) FROM session") == 0


def test_a_visitor_two_processes_both_saw_as_new_gets_one_session(app, client, website):
    """Two processes can each give a new visitor a session id within the same ~20 ms;
    the second row finds the hash taken and its rows go to the stored session."""
    path = app.extensions["umami_lite"].database
    assert pageview(client, website["id"], url="/first", ip="198.51.100.1").status_code == 200
    journal_store.apply_pending(path)
    writer = journal.writer_for(path)
    with journal_held(path):
        first = pageview(client, website["id"], url="/a", ip="203.0.113.50")
        writer.pending.clear()  # as another process: it never saw the first one's session
        writer.pending_ids.clear()
        second = pageview(client, website["id"], url="/b", ip="203.0.113.50")
        assert first.status_code == second.status_code == 200
    journal_store.apply_pending(path)
    sessions = raw_count(path, "SELECT count(DISTINCT session_id) FROM pageview"
                               " WHERE url IN ('/a', '/b')")
    assert sessions == 1
    assert raw_count(path, "SELECT count(*) FROM session_alias") == 1
    assert raw_count(path, "SELECT count(*) FROM pageview p LEFT JOIN session s"
                           " USING (session_id) WHERE s.session_id IS NULL") == 0


def test_an_event_right_after_a_journaled_pageview_keeps_its_session_and_visit(app, client,
                                                                              website):
    path = app.extensions["umami_lite"].database
    assert pageview(client, website["id"], url="/first", ip="198.51.100.1").status_code == 200
    with journal_held(path):
        viewed = send(client, website["id"], url="/a", remote_addr="203.0.113.60")
        clicked = send(client, website["id"], url="/a", remote_addr="203.0.113.61",
                       cache=viewed.json["cache"], name="signup")
    assert viewed.status_code == clicked.status_code == 200
    assert clicked.json["sessionId"] == viewed.json["sessionId"]
    assert clicked.json["visitId"] == viewed.json["visitId"]
    journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM session") == 2


def test_ids_handed_out_by_the_journal_and_by_writes_never_meet(app, client, website):
    """The journal's session ids come from a block of id_counter; a write's new session
    takes the next id after every block, never SQLite's next rowid."""
    path = app.extensions["umami_lite"].database
    assert pageview(client, website["id"], url="/first", ip="198.51.100.1").status_code == 200
    with journal_held(path):
        for n in range(3):
            assert pageview(client, website["id"], ip=f"203.0.113.{n}").status_code == 200
            assert event(client, website["id"], "x", ip=f"192.0.2.{n}").status_code == 200
    journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM session") == 7
    assert raw_count(path, "SELECT count(*) FROM pageview p JOIN session s USING"
                           " (session_id)") == 4


def test_a_locked_database_still_acknowledges_pageviews_and_events_and_stats_answer(
        app, api, website, monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(journal_store, "READ_WAIT_MS", 100)
    path = app.extensions["umami_lite"].database
    client = api.client
    assert pageview(client, website["id"], url="/before").status_code == 200
    api.token()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for long
    try:
        assert pageview(client, website["id"], url="/during").status_code == 200  # journaled
        assert event(client, website["id"], "x").status_code == 200  # journaled
        identify = send(client, website["id"], kind="identify", id="user-1")
        assert identify.status_code == 503  # session data: its own write
        stats = api.get(f"/api/website/{website['website_id']}/stats", query_string=RANGE)
        assert stats.status_code == 200 and stats.json["pageviews"] == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    stats = api.get(f"/api/website/{website['website_id']}/stats", query_string=RANGE)
    assert stats.json["pageviews"] == 2
    events = api.get(f"/api/website/{website['website_id']}/events", query_string={
        **RANGE, "unit": "hour", "tz": "UTC"})
    assert sum(row["y"] for row in events.json) == 1


def test_a_full_database_stores_every_acknowledged_pageview_once_space_returns(
        app, client, api, website, monkeypatch):
    path = app.extensions["umami_lite"].database
    assert pageview(client, website["id"], url="/before").status_code == 200
    api.token()
    conn = sqlite3.connect(path)
    pages = [conn.execute("PRAGMA page_count").fetchone()[0]]  # the file may not grow
    conn.close()
    real_checkout = db.checkout

    def checkout_on_full_disk(*args, **kwargs):
        # every connection handed out, pooled ones too (the journal's thread may hold one)
        found = real_checkout(*args, **kwargs)
        found.execute(f"PRAGMA max_page_count = {pages[0]}")
        return found

    for module in (db, ingest):  # (the journal takes its connections through db)
        monkeypatch.setattr(module, "checkout", checkout_on_full_disk)
    statuses = []
    for n in range(400):
        statuses.append(pageview(client, website["id"], url=f"/p{n}/" + "x" * 200,
                                 ip=f"198.51.{n // 250}.{n % 250}").status_code)
    assert set(statuses) == {200, 503}, set(statuses)  # never a 500; the file filled up
    pages[0] = 1 << 30  # space returns
    assert pageview(client, website["id"], url="/after", ip="192.0.2.99").status_code == 200
    journal_store.apply_pending(path)
    acknowledged = 2 + statuses.count(200)
    assert raw_count(path, "SELECT count(*) FROM pageview") == acknowledged


def test_a_long_file_is_replaced_and_every_record_stored_once(app, client, website,
                                                             monkeypatch):
    monkeypatch.setattr(journal, "ROTATE_BYTES", 2000)
    path = app.extensions["umami_lite"].database
    assert pageview(client, website["id"], url="/first").status_code == 200
    names = set()
    for n in range(60):
        assert pageview(client, website["id"], url=f"/p{n}", ip=f"10.3.0.{n}").status_code == 200
        names.update(journal_files(path))
        if n % 10 == 9:
            writer = journal.writer_for(path)
            journal._pass(writer, sweeping=False)
    journal_store.apply_pending(path)
    assert len(names) > 1  # files were replaced
    assert len(journal_files(path)) == 1  # and the stored ones removed
    assert raw_count(path, "SELECT count(*) FROM pageview") == 61


@pytest.mark.parametrize("hits", [
    [("pageview", "/a", "203.0.113.1", None), ("pageview", "/b", "203.0.113.1", None),
     ("event", "/b", "203.0.113.1", "click"), ("pageview", "/c", "203.0.113.2", None),
     ("pageview", "/a", "203.0.113.3", None), ("event", "/a", "203.0.113.3", "buy"),
     ("performance", "/a", "203.0.113.3", None), ("performance", "/e", "203.0.113.4", None),
     ("pageview", "/d", "203.0.113.1", None)],
])
def test_the_journal_and_the_write_path_store_the_same_tables(make_app, tmp_path, clock,
                                                              hits):
    """The same hits, with cache tokens, through both paths: equal rows (session ids
    renumbered in order of first use) and equal stats."""
    results = []
    for journal_on in (False, True):
        path = str(tmp_path / f"journal-{journal_on}.db")
        app = make_app(UMAMI_LITE_DATABASE=path, UMAMI_LITE_INGEST_JOURNAL=journal_on,
                       UMAMI_LITE_SECRET="same-secret-for-both")
        api = Api(app.test_client())
        website = api.create_website()
        caches = {}
        for n, (kind, url, ip, name) in enumerate(hits):
            clock.now = T0 + n * 60_000
            extra = {"name": name, "data": {"n": n, "kind": name}} if name else {}
            if kind == "performance":
                extra = {"kind": kind, "lcp": 1000.04 + n, "cls": n / 7}
            r = send(api.client, website["id"], url=url, remote_addr=ip, cache=caches.get(ip),
                     **extra)
            assert r.status_code == 200, r.json
            caches[ip] = r.json["cache"]
        stats = api.get(f"/api/website/{website['website_id']}/stats",
                        query_string={"start_at": T0 - HOUR, "end_at": T0 + HOUR}).json
        conn = sqlite3.connect(path)
        order = {}
        rows = []
        for table, columns in (("pageview", "session_id, visit_id, created_at, url"),
                               ("event", "session_id, visit_id, created_at, url, event_value,"
                                " (SELECT group_concat(data_key || '=' || coalesce("
                                "string_value, number_value), ',') FROM event_data d"
                                " WHERE d.event_id = event.event_id)"),
                               ("vitals", "session_id, visit_id, created_at, url_path, lcp,"
                                " cls, ttfb")):
            for row in conn.execute(f"SELECT {columns} FROM {table} ORDER BY created_at"):
                rows.append((table, order.setdefault(row[0], len(order)), *row[1:]))
        conn.close()
        results.append((sorted(rows), stats))
    assert results[0] == results[1]
    assert results[0][1]["pageviews"] == 5
    assert all(row[-1] for row in results[0][0] if row[0] == "event")  # properties compared
    assert [row[4:] for row in results[0][0] if row[0] == "vitals"] == [
        ("/a", 1006.0, 0.8571, None), ("/e", 1007.0, 1.0, None)]


def test_a_restore_does_not_store_the_replaced_contents_journal(app, client, website,
                                                                tmp_path):
    from umami_lite.ops import backup
    path = app.extensions["umami_lite"].database
    assert pageview(client, website["id"], url="/first").status_code == 200
    saved = str(tmp_path / "saved.db")
    backup.backup(path, saved)
    with journal_held(path):
        for n in range(3):
            assert pageview(client, website["id"], url=f"/later{n}", ip=f"10.4.0.{n}") \
                .status_code == 200
        backup.restore(saved, path, force=True)
    journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM pageview") == 1
    assert pageview(client, website["id"], url="/after", ip="10.4.1.1").status_code == 200
    journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM pageview") == 2
    assert raw_count(path, "SELECT count(*) FROM pageview p LEFT JOIN session s"
                           " USING (session_id) WHERE s.session_id IS NULL") == 0


def test_the_journal_off_stores_every_hit_before_answering(make_app):
    app = make_app(UMAMI_LITE_INGEST_JOURNAL=False)
    api = Api(app.test_client())
    website = api.create_website()
    path = app.extensions["umami_lite"].database
    for n in range(3):
        assert pageview(api.client, website["id"], url=f"/p{n}").status_code == 200
        assert raw_count(path, "SELECT count(*) FROM pageview") == n + 1
    assert journal_files(path) == []


def test_a_forked_child_writes_its_own_file_which_a_sweep_stores(app, client, website):
    """gunicorn forks its workers: a child must not append to its parent's file (nor keep
    the parent's lock alive), and its own file is stored once it ended."""
    path = app.extensions["umami_lite"].database
    for url in ("/first", "/parent"):
        assert pageview(client, website["id"], url=url).status_code == 200
    parent_file = journal.writer_for(path).name
    visitor = ingest.Visitor(ip="203.0.113.77", user_agent=CHROME_UA, hostname="example.com")
    with journal_held(path):  # (a fork copies the held lock: the child must not need it)
        child = os.fork()
        if child == 0:
            try:
                mine = journal.writer_for(path).name
                ingest.record(path, website["id"], visitor, ingest.Hit("pageview", "/child", T0),
                              "month", journal_on=True)
                os._exit(0 if mine != parent_file else 3)
            except BaseException:
                os._exit(4)
        _, status = os.waitpid(child, 0)
        # checked while the lock holds off the journal's thread, whose sweep may store
        # the ended child's file as soon as the lock is free
        assert len(journal_files(path)) == 2  # the parent's and the ended child's
    assert os.waitstatus_to_exitcode(status) == 0
    journal.sweep(path)
    assert journal_files(path) == [parent_file]  # the parent's lock still holds its file
    journal_store.apply_pending(path)
    assert raw_count(path, "SELECT count(*) FROM pageview WHERE url = '/child'") == 1


def test_get_db_writes_nothing_the_request_stored_the_journal_before(app, api, website):
    """Reads never write: get_db() hands out a connection and stores nothing; the request
    stored the acknowledged hits before its view ran."""
    path, client = journal_ready(app, api, website)
    with journal_held(path):
        assert pageview(client, website["id"], url="/later").status_code == 200
        with app.test_request_context("/"):
            db.get_db(readonly=True).execute("SELECT count(*) FROM pageview").fetchone()
        assert journal_store.has_new(path)
        assert raw_count(path, "SELECT count(*) FROM pageview") == 1
        me = api.get("/api/websites")  # any reading route stores them before its view
        assert me.status_code == 200
        assert raw_count(path, "SELECT count(*) FROM pageview") == 2


URL = "postgresql://postgres@127.0.0.1:54329/umami_test_0123456789ab"


def test_a_postgresql_database_has_no_journal_folder(tmp_path, monkeypatch):
    """As a relative path, a PostgreSQL URL names postgresql:/HOST/DB-ingest in the working
    directory: the journal never makes that folder, nor reads one it finds there."""
    monkeypatch.chdir(tmp_path)
    assert journal_store.directory(URL) is None
    assert journal.writer_for(URL) is None  # each hit is stored by its own transaction
    with pytest.raises(ValueError, match="PostgreSQL"):
        journal.Writer(URL)
    assert list(tmp_path.iterdir()) == []
    stray = tmp_path / "postgresql:" / "postgres@127.0.0.1:54329" / "umami_test_0123456789ab-ingest"
    stray.mkdir(parents=True)
    (stray / "1.0a0b0c0d.log").write_bytes(journal_store.LENGTH.pack(3) + b"abc")
    assert not journal_store.has_new(URL)
    journal_store.apply_pending(URL)  # nothing to store: no connection is even opened
    journal.sweep(URL)  # the file is no dead process's journal of this database: left alone
    assert [p.name for p in stray.iterdir()] == ["1.0a0b0c0d.log"]
