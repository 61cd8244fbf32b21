"""Raw tables in both layouts: files made by today's schema.sql (no session_id foreign key
or index on pageview and event) and files made before (tests/data/schema-with-session-fk.sql,
the schema.sql of 2026-11-26 before that change) work alike: ingest, stats, retention,
reset, website and account delete; today's files store the referrer split (prefix kind, rest)
and read it back exactly."""
import os
import sqlite3

import pytest
from conftest import T0, count_rows, event, open_stored, pageview
from hypothesis import given, settings
from hypothesis import strategies as st

from umami_lite.storage import connection as db
from umami_lite.ingest import record as ingest
from umami_lite.ops import retention

pytestmark = pytest.mark.single_engine("raw layouts of SQLite files made by earlier versions")

DAY = 86_400_000
OLD_SCHEMA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                          "schema-with-session-fk.sql")
RANGE = {"start_at": T0 - 30 * DAY, "end_at": T0}


@pytest.fixture(params=["new", "old"])
def layout(request, db_path):
    """Returns the layout name; "old" creates the file with the old schema first."""
    if request.param == "old":
        conn = sqlite3.connect(db_path)
        with open(OLD_SCHEMA, encoding="utf-8") as f:
            conn.executescript(f.read())
        conn.close()
    return request.param


def _session_links(path):
    """Returns (foreign keys of pageview and event to session, their session_id indexes)."""
    conn = sqlite3.connect(path)
    try:
        links = [table for table in ("pageview", "event")
                 for row in conn.execute(f"PRAGMA foreign_key_list({table})")
                 if row[2] == "session"]
        indexes = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index'"
            " AND name IN ('pageview_session', 'event_session')")]
    finally:
        conn.close()
    return links, sorted(indexes)


def _seed(client, clock, uuid):
    """a: pageviews 20 and 5 days ago (one session); b: a pageview and an event 20 days ago."""
    clock.now = T0 - 20 * DAY
    pageview(client, uuid, url="/old-a", ip="198.51.100.1")
    pageview(client, uuid, url="/old-b", ip="198.51.100.2")
    event(client, uuid, "x", ip="198.51.100.2")
    clock.now = T0 - 5 * DAY
    pageview(client, uuid, url="/recent-a", ip="198.51.100.1")
    clock.now = T0


def test_both_layouts_ingest_answer_and_prune(layout, app, api, clock, website):
    links, indexes = _session_links(app.extensions["umami_lite"].database)
    if layout == "old":  # schema.sql ran at start and kept what the file had
        assert links == ["pageview", "event"]
        assert indexes == ["event_session", "pageview_session"]
    else:
        assert links == [] and indexes == []
    _seed(api.client, clock, website["website_uuid"])
    stats = api.get(f"/api/website/{website['website_id']}/stats", query_string=RANGE).json
    assert stats["pageviews"] == 3 and stats["uniques"] == 2
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        report = retention.prune_website(conn, website["website_id"], T0 - 15 * DAY)
    finally:
        conn.close()
    assert report.deleted == {"event_data": 0, "event": 1, "pageview": 2, "vitals": 0,
                              "session": 1}
    assert count_rows(app, "pageview") == 1 and count_rows(app, "session") == 1
    stats = api.get(f"/api/website/{website['website_id']}/stats", query_string=RANGE).json
    assert stats["pageviews"] == 1 and stats["uniques"] == 1


def test_both_layouts_reset_and_delete_leave_no_rows(layout, app, api, clock, website):
    _seed(api.client, clock, website["website_uuid"])
    assert api.post(f"/api/website/{website['website_uuid']}/reset").status_code == 200
    for table in ("session", "pageview", "event"):
        assert count_rows(app, table) == 0
    _seed(api.client, clock, website["website_uuid"])
    assert api.delete(f"/api/website/{website['website_id']}").status_code == 200
    for table in ("website", "session", "pageview", "event"):
        assert count_rows(app, table) == 0


def test_both_layouts_account_delete_takes_its_rows(layout, app, api, clock):
    bob = api.create_user("bob")
    site = api.create_website(as_user="bob")
    _seed(api.client, clock, site["website_uuid"])
    assert api.delete(f"/api/account/{bob['user_id']}").status_code == 200
    for table in ("session", "pageview", "event"):
        assert count_rows(app, table) == 0


def test_prune_keeps_a_session_that_a_row_written_meanwhile_uses(app, client, clock, website):
    uuid, website_id = website["website_uuid"], website["website_id"]
    clock.now = T0 - 20 * DAY
    pageview(client, uuid, url="/b", ip="198.51.100.2")
    clock.now = T0 - 5 * DAY
    pageview(client, uuid, url="/a", ip="198.51.100.1")
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        with db.transaction(conn):
            conn.execute("DELETE FROM pageview WHERE url = '/b'")
        orphans, marks = retention.orphan_sessions(conn, website_id, T0 - 15 * DAY)
        assert len(orphans) == 1  # b's session: nothing uses it
        clock.now = T0 - 19 * DAY  # b again, same salt period: b's session, a newer row id
        pageview(client, uuid, url="/b-again", ip="198.51.100.2")
        with db.transaction(conn):
            assert retention.delete_sessions(conn, orphans, marks) == 0
        with db.transaction(conn):
            conn.execute("DELETE FROM pageview WHERE url = '/b-again'")
        orphans, marks = retention.orphan_sessions(conn, website_id, T0 - 15 * DAY)
        with db.transaction(conn):  # the marked last row is gone: ids may be reused
            conn.execute("DELETE FROM pageview WHERE url = '/a'")
            assert retention.delete_sessions(conn, orphans, marks) == 0
        orphans, marks = retention.orphan_sessions(conn, website_id, T0 - 15 * DAY)
        with db.transaction(conn):
            assert retention.delete_sessions(conn, orphans, marks) == 1
    finally:
        conn.close()
    assert count_rows(app, "session") == 1  # a's, created 5 days ago


REFERRERS = ["https://www.google.com/search?q=1", "https://news.ycombinator.com/",
             "http://www.example.org", "http://bing.com/x", "HTTPS://GitHub.com/a",
             "https://WWW.Example.com/", "android-app://com.google.android.gm/",
             "https://user@host.example:8080/p", "https://www./x", "/relative", "x" * 600]


def test_both_layouts_store_the_referrer_exactly(layout, app, client, website):
    for referrer in REFERRERS:
        assert pageview(client, website["website_uuid"], referrer=referrer).status_code == 200
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        stored = conn.execute("SELECT referrer, referrer_domain FROM pageview"
                              " ORDER BY pageview_id").fetchall()
        split = layout == "new" and conn.execute(
            "SELECT referrer_kind, referrer_rest FROM pageview ORDER BY pageview_id").fetchall()
    finally:
        conn.close()
    expected = [ingest.clip(r, ingest.LIMITS["referrer"]) for r in REFERRERS]
    assert stored == [(r, ingest.referrer_domain(r)) for r in expected]
    if split:  # the host is stored once: in referrer_domain
        assert split[:4] == [(1, "/search?q=1"), (2, "/"), (3, ""), (4, "/x")]
        assert split[4] == (None, "HTTPS://GitHub.com/a")


REFERRER_TEXT = st.one_of(
    st.none(), st.text(max_size=30),
    st.builds(lambda prefix, host, rest: prefix + host + rest,
              st.sampled_from(ingest.REFERRER_PREFIXES + ("HTTP://", "ftp://", "//", "")),
              st.text(alphabet="abW.w-:@[]/?#\x00é", max_size=12), st.text(max_size=12)))


@settings(max_examples=300, deadline=None)
@given(st.lists(REFERRER_TEXT, min_size=1, max_size=5))
def test_split_referrer_reads_back_as_sent(referrers):
    conn = sqlite3.connect(":memory:")  # a plain connection: the layout is asked each time
    try:
        conn.executescript(db.schema_sql())
        ingest.insert_pageviews(conn, [ingest.pageview_values(
            1, 1, 1, ingest.Hit("pageview", "/", T0, referrer=r)) for r in referrers])
        stored = conn.execute("SELECT referrer, referrer_domain FROM pageview"
                              " ORDER BY pageview_id").fetchall()
    finally:
        conn.close()
    assert stored == [(r, ingest.referrer_domain(r)) for r in referrers]


def test_layout_is_learnt_once_the_table_exists(db_path):
    conn = db.connect(db_path)  # before schema.sql: nothing to learn, nothing remembered
    try:
        assert ingest.splits_referrer(conn) is False
        conn.executescript(db.schema_sql())
        assert ingest.splits_referrer(conn) is True and conn.splits_referrer is True
    finally:
        conn.close()


HIT_FIELDS = st.fixed_dictionaries({
    "url": st.sampled_from(["/", "/a?utm_source=x", "/b?utm_medium=m&utm_term=t", "/c?q=1"]),
    "referrer": st.one_of(st.none(), st.sampled_from(REFERRERS)),
    "page_title": st.one_of(st.none(), st.text(max_size=5)),
    "tag": st.one_of(st.none(), st.just("beta"))})


@settings(max_examples=200, deadline=None)
@given(st.lists(HIT_FIELDS, min_size=1, max_size=6), st.sampled_from([OLD_SCHEMA, None]))
def test_pageviews_of_any_shape_are_stored_in_order_with_their_nulls(hits, schema):
    """insert_pageviews binds only a row's non-None values (runs of rows of one shape share
    a statement): every column still reads back as built, NULLs included, in order."""
    conn = sqlite3.connect(":memory:")
    try:
        if schema:
            with open(schema, encoding="utf-8") as f:
                conn.executescript(f.read())
        else:
            conn.executescript(db.schema_sql())
        rows = [ingest.pageview_values(1, 2, 3, ingest.Hit("pageview", created_at=T0 + n, **h))
                for n, h in enumerate(hits)]
        ingest.insert_pageviews(conn, rows)
        stored = conn.execute(f"SELECT {', '.join(ingest.PAGEVIEW_COLUMNS)} FROM pageview"
                              " ORDER BY pageview_id").fetchall()
    finally:
        conn.close()
    assert stored == rows
