"""Umami 3 link (event_type 3) and pixel (event_type 4) views in a dump: their rows carry
the link's or pixel's id in website_id, and go into the link or pixel here with that id,
stored as a view collected at /q/<slug> or /p/<slug> is.

The hand-made dump (times on 2026-03-01, UTC), website W, link L (slug news-2026), pixel P,
and M, a link that is not here:
  sessions  s-w (W, firefox), s-l (L, chrome/DE), s-p (P, safari), s-m (M)
  e-1  s-w 09:00  pageview of W /pricing
  e-2  s-l 10:05  link view /q/news-2026?utm_source=mail, referrer mail.example.org/inbox
  e-3  s-l 10:40  link view /q/news-2026 (same clock hour: the same visit)
  e-4  s-l 11:02  link view /q/news-2026 (the next hour: a second visit)
  e-5  s-p 10:10  pixel view /p/feed.rss
  e-6  s-m 10:20  link view of M: skipped
  e-7  s-p 10:30  event_type 3 naming the pixel: no link has that id, skipped
  e-8  s-l 10:50  event_type 3 without website_id: skipped
So L has 3 views, 1 visitor, 2 visits (the current metrics count visitors); P 1 view;
W 1 pageview, and no session of L or P.
"""
import pytest
from conftest import CHROME_UA, Api, count_rows

from umami_lite import cli
from umami_lite.ops import importer, retention
from umami_lite.ops.timeparse import iso_ms
from umami_lite.storage import connection as db, links

W = "0c2d6ad8-4cde-4b7f-a1b0-7a3f5fb3d0aa"  # the website's id in Umami, not this one's
L = "1b6f3c10-5d2e-4a71-9c3b-2f0e8d4a6b01"
P = "2c7a4d21-6e3f-4b82-8d4c-3a1f9e5b7c02"
M = "3d8b5e32-7f40-4c93-9e5d-4b2a0f6c8d03"
SESSION_COLUMNS = "session_id,website_id,browser,os,device,screen,language,country,created_at\n"
EVENT_COLUMNS = ("event_id,website_id,session_id,visit_id,created_at,url_path,url_query,"
                 "referrer_path,referrer_query,referrer_domain,page_title,event_type,"
                 "event_name,tag,hostname\n")
SESSIONS = [
    f"s-w,{W},firefox,Windows 10,laptop,1366x768,fr-FR,FR,2026-03-01 09:00:00+00",
    f"s-l,{L},chrome,Linux,desktop,,,DE,2026-03-01 10:05:00+00",
    f"s-p,{P},safari,Mac OS,desktop,,,US,2026-03-01 10:10:00+00",
    f"s-m,{M},chrome,Linux,desktop,,,DE,2026-03-01 10:20:00+00",
]
EVENTS = [
    f"e-1,{W},s-w,v-1,2026-03-01 09:00:00+00,/pricing,,,,,Pricing,1,,,shop.example",
    f"e-2,{L},s-l,v-2,2026-03-01 10:05:00+00,/q/news-2026,utm_source=mail,/inbox,,"
    "mail.example.org,,3,,,umami.example",
    f"e-3,{L},s-l,v-2,2026-03-01 10:40:00+00,/q/news-2026,,,,,,3,,,umami.example",
    f"e-4,{L},s-l,v-3,2026-03-01 11:02:00+00,/q/news-2026,,,,,,3,,,umami.example",
    f"e-5,{P},s-p,v-4,2026-03-01 10:10:00+00,/p/feed.rss,,,,,,4,,,umami.example",
    f"e-6,{M},s-m,v-5,2026-03-01 10:20:00+00,/q/gone,,,,,,3,,,umami.example",
    f"e-7,{P},s-p,v-4,2026-03-01 10:30:00+00,/p/feed.rss,,,,,,3,,,umami.example",
    "e-8,,s-l,v-2,2026-03-01 10:50:00+00,/q/news-2026,,,,,,3,,,umami.example",
]
SKIPPED = {f"link {M} not found here": 1, f"link {P} not found here": 1,
           "link view without a website_id": 1}
RANGE = {"startAt": iso_ms("2026-03-01T00:00:00Z"), "endAt": iso_ms("2026-03-01T23:59:59Z")}


def make_beacons(api):
    """Returns the link and pixel, made here with the ids they had in Umami."""
    link = api.post("/api/links", json={"id": L, "name": "Newsletter", "slug": "news-2026",
                                        "url": "https://example.com/landing"})
    pixel = api.post("/api/pixels", json={"id": P, "name": "Feed", "slug": "feed.rss"})
    assert (link.status_code, pixel.status_code) == (200, 200), (link.json, pixel.json)
    return link.json, pixel.json


@pytest.fixture
def beacons(api):
    return make_beacons(api)


def dump(tmp_path, sessions=SESSIONS, events=EVENTS):
    (tmp_path / "session.csv").write_text(SESSION_COLUMNS + "".join(f"{r}\n" for r in sessions))
    (tmp_path / "website_event.csv").write_text(EVENT_COLUMNS + "".join(f"{r}\n" for r in events))
    return [tmp_path / "session.csv", tmp_path / "website_event.csv"]


def _import(app, key, paths):
    """Returns [(file name, read, imported, skipped)] after importing paths into website key,
    run in the app's context so that the app's clock is "now" for retention."""
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        with app.app_context():
            reports = importer.import_files(conn, conn.execute(
                "SELECT * FROM website WHERE website_uuid = ?", (key,)).fetchone(),
                [str(p) for p in paths])
    finally:
        conn.close()
    return [(r.path.rsplit("/", 1)[1], r.read, r.imported, dict(r.skipped)) for r in reports]


def _stored(app, sql, *params):
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def _get(api, key, route, **params):
    r = api.get(f"/api/websites/{key}/{route}", query_string={**RANGE, **params})
    assert r.status_code == 200, r.json
    return r.json


def test_link_and_pixel_views_go_into_the_link_and_pixel(app, api, website, beacons, tmp_path):
    paths = dump(tmp_path)
    assert _import(app, website["website_uuid"], paths) == [
        ("session.csv", 4, 4, {}), ("website_event.csv", 8, 5, SKIPPED)]
    link, pixel = beacons
    stats = _get(api, L, "stats")
    assert (stats["pageviews"], stats["visitors"], stats["visits"]) == (3, 1, 2)
    assert _get(api, L, "metrics", type="path") == [{"x": "/q/news-2026", "y": 1}]
    assert _get(api, L, "metrics", type="utm_source") == [{"x": "mail", "y": 1}]
    assert _get(api, L, "metrics", type="referrer") == [{"x": "mail.example.org", "y": 1}]
    assert _get(api, L, "metrics", type="hostname") == [{"x": "umami.example", "y": 1}]
    assert _get(api, L, "metrics", type="country") == [{"x": "DE", "y": 1}]
    assert _get(api, P, "metrics", type="path") == [{"x": "/p/feed.rss", "y": 1}]
    assert _get(api, P, "metrics", type="browser") == [{"x": "safari", "y": 1}]
    assert _get(api, website["website_uuid"], "metrics", type="path") == [
        {"x": "/pricing", "y": 1}]
    # each session went where Umami had it; M's stayed with the website, without views
    assert sorted(_stored(app, "SELECT w.website_uuid, s.browser FROM session s"
                               " JOIN website w USING (website_id)")) == sorted([
        (website["website_uuid"], "firefox"), (website["website_uuid"], "chrome"),
        (L, "chrome"), (P, "safari")])
    hour = iso_ms("2026-03-01T10:00:00Z") // 60_000
    assert _stored(app, "SELECT visit_id FROM pageview WHERE url_path = '/q/news-2026'"
                        " ORDER BY created_at") == [(hour,), (hour,), (hour + 60,)]
    assert _import(app, website["website_uuid"], paths) == [
        ("session.csv", 4, 0, {"already imported": 4}),
        ("website_event.csv", 8, 0, {"already imported": 5, **SKIPPED})]
    assert count_rows(app, "pageview") == 5 and count_rows(app, "session") == 4


def test_an_imported_view_is_stored_as_a_collected_one(app, api, client, website, beacons,
                                                       tmp_path):
    """The rows of e-2 and of the same view collected at /q/news-2026 differ only in their
    ids and times."""
    client.get("/q/news-2026?utm_source=mail", headers={
        "User-Agent": CHROME_UA, "Referer": "https://mail.example.org/inbox"},
               environ_base={"REMOTE_ADDR": "203.0.113.7"})
    dump(tmp_path, SESSIONS[1:2], EVENTS[1:2])
    assert _import(app, website["website_uuid"], [tmp_path / "website_event.csv",
                                                  tmp_path / "session.csv"]) == [
        ("session.csv", 1, 1, {}), ("website_event.csv", 1, 1, {})]
    rows = _stored(app, "SELECT website_id, url, referrer_domain, referrer_kind, referrer_rest,"
                        " page_title, tag, utm_source, utm_medium, utm_campaign, utm_content,"
                        " utm_term, url_path, url_query, referrer FROM pageview"
                        " ORDER BY pageview_id")
    assert len(rows) == 2 and rows[0] == rows[1]
    assert rows[0][1:3] == ("/q/news-2026?utm_source=mail", "mail.example.org")
    assert _stored(app, "SELECT count(*) FROM event") == [(0,)]


def test_the_link_itself_can_be_the_target(app, api, beacons, tmp_path):
    """A dump of the link's rows alone, imported with --website naming the link."""
    paths = dump(tmp_path, SESSIONS[1:2], EVENTS[1:4])
    assert _import(app, L, paths) == [("session.csv", 1, 1, {}), ("website_event.csv", 3, 3, {})]
    assert _get(api, L, "stats")["pageviews"] == 3


def test_a_link_keeps_its_own_retention(app, api, website, beacons, clock, tmp_path):
    """The app's clock is 2026-05-28: with 30 days the link keeps nothing of March, the
    website (kept forever) keeps its pageview."""
    conn = db.connect(app.extensions["umami_lite"].database)
    with db.transaction(conn):
        retention.set_days(conn, links.find(conn, "link", L)["website_id"], 30)
    conn.close()
    assert _import(app, website["website_uuid"], dump(tmp_path))[1] == (
        "website_event.csv", 8, 2, {**SKIPPED, "older than the website's retention": 3})
    assert _stored(app, "SELECT url FROM pageview ORDER BY url") == [
        ("/p/feed.rss",), ("/pricing",)]


def test_views_of_links_that_are_not_here_are_skipped_through_the_cli(app, website, tmp_path,
                                                                       capsys):
    """Without the link and pixel here every view is skipped with its id, and the command
    says so; the website's own rows are imported. Once they are made, the same command
    stores what was skipped."""
    paths = dump(tmp_path)
    cli.main(["--database", app.extensions["umami_lite"].database, "import", *map(str, paths),
              "--website", str(website["website_id"])])
    assert capsys.readouterr().out.splitlines() == [
        f"{paths[0]} (umami2): read 4, imported 4, skipped 0",
        f"{paths[1]} (umami2): read 8, imported 1, skipped 7 (3 link {L} not found here, "
        f"1 pixel {P} not found here, 1 link {M} not found here, 1 link {P} not found here, "
        "1 link view without a website_id)"]
    assert _stored(app, "SELECT url FROM pageview") == [("/pricing",)]
    make_beacons(Api(app.test_client()))
    cli.main(["--database", app.extensions["umami_lite"].database, "import", *map(str, paths),
              "--website", str(website["website_id"])])
    assert capsys.readouterr().out.splitlines() == [
        f"{paths[0]} (umami2): read 4, imported 2, skipped 2 (2 already imported)",
        f"{paths[1]} (umami2): read 8, imported 4, skipped 4 (1 already imported, "
        f"1 link {M} not found here, 1 link {P} not found here, "
        "1 link view without a website_id)"]
    assert _stored(app, "SELECT count(*) FROM pageview") == [(5,)]
