"""Retention: the per-website setting (API, CLI), prune in batches, the server's daily run."""
import threading

import pytest
from conftest import CHROME_UA, T0, Api, count_rows, event, pageview, send

from umami_lite import cli
from umami_lite.storage import connection as db
from umami_lite.ingest import record as ingest
from umami_lite.ops import retention

DAY = 86_400_000


def _seed_days(client, clock, uuid):
    """Visitor a: pageviews 20 and 5 days ago (one session: same month salt); visitor b: a
    pageview and an event with data 20 days ago (a session with nothing newer)."""
    clock.now = T0 - 20 * DAY
    pageview(client, uuid, url="/old-a", ip="198.51.100.1")
    pageview(client, uuid, url="/old-b", ip="198.51.100.2")
    client.post("/api/collect", environ_base={"REMOTE_ADDR": "198.51.100.2"},
                headers={"User-Agent": CHROME_UA},
                json={"type": "event", "payload": {
                    "website": uuid, "url": "/old-b", "hostname": "example.com",
                    "screen": "1920x1080", "language": "en-US", "event_name": "x",
                    "event_data": {"k": 1}}})
    clock.now = T0 - 5 * DAY
    pageview(client, uuid, url="/recent-a", ip="198.51.100.1")
    event(client, uuid, "click", ip="198.51.100.1")
    clock.now = T0


def test_website_json_carries_retention_settable_by_api(api, website):
    assert website["retention_days"] is None
    r = api.post("/api/website", json={"website_id": website["website_id"],
                                       "retention_days": 30})
    assert r.status_code == 200 and r.json["retention_days"] == 30
    assert r.json["name"] == "Example"
    assert api.get(f"/api/website/{website['website_uuid']}").json["retention_days"] == 30
    r = api.post("/api/website", json={"website_id": website["website_id"], "name": "Renamed"})
    assert r.json["retention_days"] == 30  # untouched when not sent
    r = api.post("/api/website", json={"website_id": website["website_id"],
                                       "retention_days": None})
    assert r.json["retention_days"] is None
    created = api.post("/api/website", json={"name": "New", "retention_days": 400}).json
    assert created["retention_days"] == 400


@pytest.mark.parametrize("value", [0, -1, 36_501, "30", 1.5, True, [30]])
def test_bad_retention_is_a_400_and_stores_nothing(api, website, value):
    r = api.post("/api/website", json={"website_id": website["website_id"], "name": "Changed",
                                       "retention_days": value})
    assert r.status_code == 400 and "retention_days" in r.json["error"]["message"]
    assert api.get(f"/api/website/{website['website_id']}").json["name"] == "Example"
    r = api.post("/api/website", json={"name": "Other", "retention_days": value})
    assert r.status_code == 400
    assert api.get("/api/websites").json["count"] == 1


def test_only_the_owner_or_an_admin_sets_retention(app, api, website):
    api.create_user("mallory")
    r = api.post("/api/website", as_user="mallory",
                 json={"website_id": website["website_id"], "retention_days": 1})
    assert r.status_code == 404
    assert api.get(f"/api/website/{website['website_id']}").json["retention_days"] is None
    anonymous = app.test_client()
    assert anonymous.post("/api/website", json={"website_id": website["website_id"],
                                                "retention_days": 1}).status_code == 401


def test_prune_deletes_old_rows_and_orphaned_sessions_only(app, client, clock, website):
    _seed_days(client, clock, website["website_uuid"])
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        report = retention.prune_website(conn, website["website_id"], T0 - 15 * DAY, batch=1)
    finally:
        conn.close()
    assert report.deleted == {"event_data": 1, "event": 1, "pageview": 2, "vitals": 0,
                              "session": 1}
    assert report.batches == 2 + 2 + 3 + 1 + 2  # batches of one row, plus the empty one each
    assert count_rows(app, "pageview") == 1 and count_rows(app, "event") == 1
    assert count_rows(app, "session") == 1  # a's session: created 20 days ago, still in use
    assert count_rows(app, "event_data") == 0
    assert "deleted 1 event_data, 1 event, 2 pageview, 0 vitals, 1 session older than" in \
        report.as_text()


def test_prune_deletes_orphaned_sessions_past_one_bound_list(app, client, clock, website):
    """1,200 orphaned sessions: more than one statement's list of bound ids on SQLite."""
    clock.now = T0 - 20 * DAY
    pageview(client, website["website_uuid"], url="/old", ip="198.51.100.1")
    clock.now = T0 - 5 * DAY
    pageview(client, website["website_uuid"], url="/recent", ip="198.51.100.1")
    clock.now = T0
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        with db.transaction(conn):
            conn.executemany("INSERT INTO session (session_id, website_id, created_at)"
                             " VALUES (?, ?, ?)", [(100_000 + n, website["website_id"],
                                                    T0 - 20 * DAY) for n in range(1200)])
        report = retention.prune_website(conn, website["website_id"], T0 - 15 * DAY)
    finally:
        conn.close()
    assert report.deleted["session"] == 1200
    assert count_rows(app, "session") == 1  # the visitor's, used 5 days ago


def test_prune_deletes_old_vitals_and_keeps_sessions_a_sample_uses(app, client, clock,
                                                                   website):
    """a: vitals 20 and 5 days ago; c: only vitals 20 days ago (its session goes); d: a
    pageview 20 days ago and vitals 5 days ago (its session stays for the sample)."""
    uuid = website["website_uuid"]
    clock.now = T0 - 20 * DAY
    for ip in ("198.51.100.1", "198.51.100.3"):
        send(client, uuid, kind="performance", url="/old", remote_addr=ip, lcp=100)
    pageview(client, uuid, url="/old-d", ip="198.51.100.4")
    clock.now = T0 - 5 * DAY
    for ip in ("198.51.100.1", "198.51.100.4"):
        send(client, uuid, kind="performance", url="/recent", remote_addr=ip, lcp=200)
    clock.now = T0
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        report = retention.prune_website(conn, website["website_id"], T0 - 15 * DAY)
    finally:
        conn.close()
    assert report.deleted == {"event_data": 0, "event": 0, "pageview": 1, "vitals": 2,
                              "session": 1}
    assert count_rows(app, "vitals") == 2 and count_rows(app, "session") == 2


def test_collect_keeps_answering_while_prune_runs(make_app):
    # one client sends as fast as it can: more than the per-IP rate limit allows
    app = make_app(UMAMI_LITE_RATE_IP=0)
    website = Api(app.test_client()).create_website()
    conn = db.connect(app.extensions["umami_lite"].database)
    row = conn.execute("SELECT * FROM website").fetchone()
    for i in range(3000):  # old rows, through the real ingest path
        who = ingest.Visitor(ip=f"10.0.{i // 250}.{i % 250}", user_agent="x", browser="B")
        ingest.record(conn.path, row["website_uuid"], who,
                      ingest.Hit("pageview", f"/{i}", T0 - 90 * DAY + i), "month")
    answered, stop = [], threading.Event()

    def collect():
        c = app.test_client()
        while not stop.is_set():
            answered.append(pageview(c, website["website_uuid"], url="/live").status_code)

    thread = threading.Thread(target=collect)
    thread.start()
    try:
        while not answered:
            threading.Event().wait(0.005)
        before = len(answered)
        report = retention.prune_website(conn, row["website_id"], T0 - DAY, batch=50)
        during = len(answered) - before
    finally:
        stop.set()
        thread.join()
        conn.close()
    assert report.deleted["pageview"] == 3000 and report.batches > 60
    assert during > 0 and set(answered) == {200}
    assert count_rows(app, "pageview") == len(answered)


def test_server_prunes_by_itself_once_a_day(app, api, client, clock, website):
    _seed_days(client, clock, website["website_uuid"])
    schedule = app.extensions["umami_lite"].retention
    schedule.thread.join()  # the first request of the day ran: no retention set, no change
    assert count_rows(app, "pageview") == 3
    api.post("/api/website", json={"website_id": website["website_id"], "retention_days": 15})
    pageview(client, website["website_uuid"])  # setting it made the next request due
    schedule.thread.join()
    assert count_rows(app, "pageview") == 2 and count_rows(app, "event") == 1
    first = schedule.thread
    clock.now = T0 + DAY - 1
    pageview(client, website["website_uuid"])
    assert schedule.thread is first  # not yet a day later
    clock.now = T0 + 11 * DAY  # now the pageview of 5 days before T0 is 16 days old
    pageview(client, website["website_uuid"])
    assert schedule.thread is not first
    schedule.thread.join()
    assert count_rows(app, "pageview") == 3  # the three pageviews sent at T0 and later


def test_cli_retention_and_prune(app, client, clock, website, capsys):
    _seed_days(client, clock, website["website_uuid"])
    database = app.extensions["umami_lite"].database
    cli.main(["--database", database, "prune"])
    assert "nothing to prune" in capsys.readouterr().out
    cli.main(["--database", database, "retention", "1"])
    assert capsys.readouterr().out == "website 1 (Example) keeps data forever\n"
    with pytest.raises(SystemExit, match="days must be"):
        cli.main(["--database", database, "retention", "1", "0"])
    with pytest.raises(SystemExit, match="keeps data forever"):
        cli.main(["--database", database, "prune", "--website", "1"])
    # The CLI runs on the wall clock: 3650 days keep everything seeded around T0 (2026).
    cli.main(["--database", database, "retention", "1", "3650"])
    assert capsys.readouterr().out == "website 1 (Example) keeps data 3650 days\n"
    cli.main(["--database", database, "prune", "--website", "1"])
    out = capsys.readouterr().out
    assert ("website 1: deleted 0 event_data, 0 event, 0 pageview, 0 vitals, 0 session older"
            in out)
    cli.main(["--database", database, "retention", "1", "forever"])
    assert "keeps data forever" in capsys.readouterr().out
