"""Importers for Umami v2/v3, Umami v1 and GoatCounter, on small hand-made dumps in
tests/data/ (written from the published table layouts), with stats computed by hand.

Umami v2 (tests/data/umami2), sessions s1 chrome/DE, s2 firefox/FR, s3 ios/AT:
  e1 s1 03-01 10:00:00     pageview /          ref google.com/search?q=umami
  e2 s1 03-01 10:05:00     pageview /docs      ref example.com/ (self-referral)
  e3 s1 03-01 10:06:00     event signup (tag beta)
  e4 s2 03-01 10:30:00.25  pageview /?utm_source=news  ref news.ycombinator.com/item?id=1
  e5 s2 03-01 11:10:00     pageview /pricing   (same visit as e4)
  e6 s3 03-02 08:00:00.5   pageview /
  e7 s3                    event_type 3, a view of a link that is not here: skipped
  e8 unknown session       skipped
  groups (session, hour): s1@10 2 views 300 s; s2@10, s2@11, s3@08 bounces.
Umami v1 (tests/data/umami1): s1 pageviews 12:00:00 and 12:00:45, s2 12:10 and 13:00,
  events click:cta x2, a pageview of an unknown session skipped.
GoatCounter (tests/data/goatcounter): session a: / 09:00, /docs 09:02 twice (two hits in one
  second), event signup-click; session b: / 10:00 from "Hacker News" (a generated referrer,
  not a URL); a bot row and a bad date skipped; a row without session (its own session).
"""
from pathlib import Path

import pytest
from conftest import count_rows

from umami_lite import cli
from umami_lite.storage import connection as db
from umami_lite.ops import importer
from umami_lite.ops.timeparse import iso_ms

DATA = Path(__file__).parent.parent / "data"


def _import(app, paths, fmt=None):
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        website = conn.execute("SELECT * FROM website").fetchone()
        return importer.import_files(conn, website, [str(p) for p in paths], fmt)
    finally:
        conn.close()


def _summary(reports):
    return [(Path(r.path).name, r.format, r.read, r.imported, dict(r.skipped)) for r in reports]


def _get(api, website, route, start, end, **params):
    r = api.get(f"/api/website/{website['website_id']}/{route}",
                query_string={"start_at": iso_ms(start), "end_at": iso_ms(end), **params})
    assert r.status_code == 200, r.json
    return r.json


def xy(*rows):
    return [{"x": x, "y": y} for x, y in rows]


V2 = [DATA / "umami2" / "website_event.csv", DATA / "umami2" / "session.csv"]
LINK_NOT_HERE = "link 0c2d6ad8-4cde-4b7f-a1b0-7a3f5fb3d0aa not found here"


def test_umami_v2(app, api, website):
    reports = _import(app, V2)
    assert _summary(reports) == [
        ("session.csv", "umami2", 3, 3, {}),
        ("website_event.csv", "umami2", 8, 6, {LINK_NOT_HERE: 1,
                                               "session not in the sessions file": 1})]
    span = ("2024-03-01T00:00:00Z", "2024-03-02T23:59:59.999Z")
    assert _get(api, website, "stats", *span) == {
        "pageviews": 5, "uniques": 3, "bounces": 3, "totaltime": 300}
    assert _get(api, website, "metrics", *span, type="url") == xy(
        ("/", 2), ("/?utm_source=news", 1), ("/docs", 1), ("/pricing", 1))
    assert _get(api, website, "metrics", *span, type="referrer") == xy(
        ("https://google.com/search?q=umami", 1), ("https://news.ycombinator.com/item?id=1", 1))
    assert _get(api, website, "metrics", *span, type="event") == xy(("custom:signup", 1))
    assert _get(api, website, "metrics", *span, type="browser") == xy(
        ("chrome", 1), ("firefox", 1), ("ios", 1))
    assert _get(api, website, "metrics", *span, type="country") == xy(
        ("AT", 1), ("DE", 1), ("FR", 1))
    assert _get(api, website, "pageviews", *span, unit="day", tz="UTC") == {
        "pageviews": [{"t": "2024-03-01", "y": 4}, {"t": "2024-03-02", "y": 1}],
        "sessions": [{"t": "2024-03-01", "y": 2}, {"t": "2024-03-02", "y": 1}]}
    conn = db.connect(app.extensions["umami_lite"].database)
    visits = conn.execute("SELECT url, visit_id FROM pageview ORDER BY created_at").fetchall()
    tag = conn.execute("SELECT tag FROM event").fetchone()[0]
    s2 = conn.execute("SELECT created_at FROM session WHERE browser = 'firefox'").fetchone()[0]
    conn.close()
    minute = iso_ms("2024-03-01T10:30:00Z") // 60_000
    assert [v for _, v in visits][2:4] == [minute, minute]  # e4 and e5: one visit
    assert visits[0][1] == visits[1][1] != minute
    assert tag == "beta" and s2 == iso_ms("2024-03-01T10:30:00.250Z")
    again = _import(app, V2, fmt="umami2")
    assert _summary(again) == [
        ("session.csv", "umami2", 3, 0, {"already imported": 3}),
        ("website_event.csv", "umami2", 8, 0, {"already imported": 6,
                                               LINK_NOT_HERE: 1,
                                               "session not in the sessions file": 1})]
    assert count_rows(app, "pageview") == 5 and count_rows(app, "session") == 3


def test_umami_v3_hostname_comes_from_the_events(app, website, tmp_path):
    sessions = tmp_path / "session.csv"
    sessions.write_text("session_id,website_id,browser,os,device,screen,language,country,"
                        "region,city,distinct_id,created_at\n"
                        "s-1,w,chrome,Linux,desktop,1920x1080,en-US,DE,DE-BE,Berlin,,"
                        "2025-09-01 10:00:00.123456+00\n")
    events = tmp_path / "website_event.csv"
    events.write_text("event_id,website_id,session_id,visit_id,created_at,url_path,url_query,"
                      "utm_source,referrer_path,referrer_query,referrer_domain,page_title,"
                      "gclid,event_type,event_name,tag,hostname\n"
                      "e-1,w,s-1,v-1,2025-09-01 10:00:00.123456+00,/a,,,,,,A,,1,,,shop.example\n")
    assert _summary(_import(app, [sessions, events])) == [
        ("session.csv", "umami2", 1, 1, {}), ("website_event.csv", "umami2", 1, 1, {})]
    conn = db.connect(app.extensions["umami_lite"].database)
    assert tuple(conn.execute("SELECT hostname, created_at FROM session").fetchone()) == (
        "shop.example", iso_ms("2025-09-01T10:00:00.123Z"))
    conn.close()


V3_EVENT_COLUMNS = ("event_id,website_id,session_id,visit_id,created_at,url_path,url_query,"
                    "page_title,event_type,event_name,tag,hostname,lcp,inp,cls,fcp,ttfb\n")


def test_umami_v3_web_vitals_become_vitals_samples(app, api, website, tmp_path):
    """event_type 5 rows are web vitals samples: e-2 is stored (path without query or hash,
    its metrics rounded as /api/send rounds them), e-3 measured nothing, e-4 to e-7 hold a
    metric that is not a number from 0 to its maximum."""
    sessions = tmp_path / "session.csv"
    sessions.write_text("session_id,website_id,browser,os,device,screen,language,country,"
                        "distinct_id,created_at\n"
                        "s-1,w,chrome,Linux,desktop,1920x1080,en-US,DE,,2026-03-01 10:00:00+00\n")
    events = tmp_path / "website_event.csv"
    at = "2026-03-01 10:00:0{}+00"
    events.write_text(V3_EVENT_COLUMNS + "".join(
        f"e-{n},w,s-1,v-1,{at.format(n)},{rest}\n" for n, rest in (
            (1, "/a,x=1,A,1,,,shop.example,,,,,"),
            (2, "/a#top,x=1,A,5,,,shop.example,1200.56,,0.01234,800,2.7000000001862645"),
            (3, "/a,,A,5,,,shop.example,,,,,"),
            (4, "/a,,A,5,,,shop.example,-1,,,,"),
            (5, "/a,,A,5,,,shop.example,,fast,,,"),
            (6, "/a,,A,5,,,shop.example,,,101,,"),
            (7, "/a,,A,5,,,shop.example,,,,NaN,"))))
    assert _summary(_import(app, [sessions, events])) == [
        ("session.csv", "umami2", 1, 1, {}),
        ("website_event.csv", "umami2", 7, 2, {"a vitals sample without any metric": 1,
                                               "bad vitals": 4})]
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        sample = conn.execute("SELECT url_path, page_title, lcp, inp, cls, fcp, ttfb,"
                              " created_at, (session_id, visit_id) = (SELECT session_id,"
                              " visit_id FROM pageview) FROM vitals").fetchall()
    finally:
        conn.close()
    assert [tuple(row) for row in sample] == [
        ("/a", "A", 1200.6, None, 0.0123, 800.0, 2.7, iso_ms("2026-03-01T10:00:02Z"), 1)]
    r = api.post("/api/reports/performance", json={
        "websiteId": website["id"], "type": "performance", "filters": {},
        "parameters": {"startDate": "2026-03-01T00:00:00Z", "endDate": "2026-03-01T23:59:59Z"}})
    assert r.status_code == 200, r.json
    assert r.json["summary"]["count"] == 1
    assert r.json["summary"]["lcp"] == {"p50": 1200.6, "p75": 1200.6, "p95": 1200.6}
    again = _import(app, [sessions, events])
    assert _summary(again)[1] == ("website_event.csv", "umami2", 7, 0, {
        "already imported": 2, "a vitals sample without any metric": 1, "bad vitals": 4})
    assert count_rows(app, "vitals") == 1


def test_umami_v1(app, api, website):
    paths = [DATA / "umami1" / name for name in ("pageview.csv", "event.csv", "session.csv")]
    assert _summary(_import(app, paths)) == [
        ("session.csv", "umami1", 2, 2, {}),
        ("pageview.csv", "umami1", 5, 4, {"session not in the sessions file": 1}),
        ("event.csv", "umami1", 2, 2, {})]
    span = ("2021-06-01T00:00:00Z", "2021-06-01T23:59:59.999Z")
    assert _get(api, website, "stats", *span) == {
        "pageviews": 4, "uniques": 2, "bounces": 2, "totaltime": 45}
    assert _get(api, website, "metrics", *span, type="url") == xy(
        ("/", 2), ("/about", 1), ("/blog?page=2", 1))
    assert _get(api, website, "metrics", *span, type="referrer") == xy(
        ("https://duckduckgo.com/", 1), ("https://t.co/x", 1))
    assert _get(api, website, "metrics", *span, type="event") == xy(("click:cta", 2))
    assert _get(api, website, "metrics", *span, type="device") == xy(
        ("desktop", 1), ("mobile", 1))
    again = _import(app, paths)
    assert [r.imported for r in again] == [0, 0, 0]
    assert count_rows(app, "pageview") == 4 and count_rows(app, "event") == 2


def test_umami_v1_named_events(app, website, tmp_path):
    """v1.37+ rebuilt the event table with event_name instead of type and value."""
    sessions = tmp_path / "session.csv"
    sessions.write_text((DATA / "umami1" / "session.csv").read_text())
    events = tmp_path / "event.csv"
    events.write_text("event_id,website_id,session_id,created_at,url,event_name,event_uuid\n"
                      "7,1,2,2022-11-01 09:00:00+00,/shop,purchase,0b6c1f6a-1e0f-4c3c\n")
    assert _summary(_import(app, [events, sessions]))[1] == (
        "event.csv", "umami1", 1, 1, {})
    conn = db.connect(app.extensions["umami_lite"].database)
    assert tuple(conn.execute("SELECT event_type, event_value, url FROM event").fetchone()) == (
        "custom", "purchase", "/shop")
    conn.close()


GOAT = DATA / "goatcounter" / "export.csv"


def test_goatcounter(app, api, website):
    assert _summary(_import(app, [GOAT])) == [
        ("export.csv", "goatcounter", 8, 6, {"bot": 1, "bad Date": 1})]
    span = ("2024-05-01T00:00:00Z", "2024-05-02T23:59:59.999Z")
    assert _get(api, website, "stats", *span) == {
        "pageviews": 5, "uniques": 3, "bounces": 2, "totaltime": 120}
    assert _get(api, website, "metrics", *span, type="url") == xy(("/", 3), ("/docs", 2))
    assert _get(api, website, "metrics", *span, type="referrer") == xy(
        ("https://www.google.com/search", 1))
    assert _get(api, website, "metrics", *span, type="event") == xy(("custom:signup-click", 1))
    assert _get(api, website, "metrics", *span, type="browser") == xy(
        ("Chrome", 1), ("Firefox", 1), ("Safari", 1))
    assert _get(api, website, "metrics", *span, type="os") == xy(
        ("Linux", 1), ("Windows", 1), ("iOS", 1))
    assert _get(api, website, "metrics", *span, type="device") == xy(
        ("desktop", 1), ("laptop", 1), ("mobile", 1))
    assert _get(api, website, "metrics", *span, type="country") == xy(
        ("DE", 1), ("FR", 1), ("US", 1))
    assert _get(api, website, "metrics", *span, type="screen") == xy(
        ("1366x768", 1), ("1920x1080", 1), ("390x844", 1))
    assert _summary(_import(app, [GOAT])) == [
        ("export.csv", "goatcounter", 8, 0, {"already imported": 6, "bot": 1, "bad Date": 1})]
    assert count_rows(app, "pageview") == 5


def test_gzipped_file_and_cli(app, website, tmp_path, capsys):
    import gzip
    packed = tmp_path / "export.csv.gz"
    packed.write_bytes(gzip.compress(GOAT.read_bytes()))
    cli.main(["--database", app.extensions["umami_lite"].database, "import", str(packed),
              "--website", str(website["website_id"]), "--format", "goatcounter"])
    assert capsys.readouterr().out == (
        f"{packed} (goatcounter): read 8, imported 6, skipped 2 (1 bot, 1 bad Date)\n")
    with pytest.raises(SystemExit, match="a goatcounter file, not umami1"):
        cli.main(["--database", app.extensions["umami_lite"].database, "import", str(GOAT),
                  "--website", "1", "--format", "umami1"])
