"""Golden numbers for the current API: a small fixed dataset, seeded through /api/send (with
and without the cache token) and /api/collect, and the FULL JSON of every current-API
analytics route, computed by hand.

Website: domain example.com. Country from CF-IPCountry. All of it in October 2026 (one salt).

Visitors (ip, user agent, hostname, screen, language, country), all distinct sessions:
  A  198.51.100.1  Chrome/Linux       example.com      1920x1080  en-US  DE  /api/send, cache
  B  198.51.100.2  Firefox/Windows    example.com      1366x768   de-DE  DE  /api/send, no cache
  C  198.51.100.3  Mobile Safari/iOS  www.example.com  390x844    fr-FR  FR  /api/collect (v1)

Hits (UTC)       who  what                                   visit (session, visit id)
  b0 10-23 09:00  B  view /                                  B0 (hour 09 of 10-23)
  a1 10-24 10:05  A  view /?utm_source=news  Home, ref www.google.com   A1 (starts 10:05)
  a2 10-24 10:06  A  view /docs  Docs, ref example.com (self)           A1 (cache)
  e1 10-24 10:06:30 A event signup {plan: pro, seats: 3}  url /docs     A1
  a3 10-24 10:20  A  view /pricing  Pricing, tag t1                     A1
  b1 10-24 10:30  B  view /  Home, ref news.ycombinator.com             B1 (hour 10)
  b2 10-24 10:45  B  view /docs  Docs                                   B1
  e2 10-24 10:46  B  event signup {plan: free, seats: 1}                B1
  e3 10-24 10:47  B  event download {file: a.pdf}                       B1
  a4 10-24 11:30  A  view /docs  Docs (cache, 70 min after a3)          A2 (new visit)
  c1 10-25 00:30  C  view /  ref t.co                                   C1 (hour 00)
  c2 10-25 00:40:20 C view /blog                                        C1
  ec 10-25 00:41  C  v1 event click/signup  url /blog                   C1
  c3 10-25 01:30  C  view /blog                                         C2 (hour 01)

RANGE = 10-24 00:00 .. 10-25 23:59:59.999 (both inclusive). Visits in it:
  A1 3 views 900 s (10:05 -> 10:20) | A2 1 view, bounce | B1 2 views 900 s (10:30 -> 10:45)
  C1 2 views 620 s | C2 1 view, bounce
  => pageviews 9, visitors 3, visits 5, bounces 2, totaltime 2420.
  compare=prev: 10-22 00:00 .. 10-23 23:59:59.999 holds b0 only -> 1, 1, 1, 1, 0.
"""
from datetime import datetime, timezone

import pytest
from conftest import ADMIN_PASSWORD, Api, Clock, ENGINES, module_database

from umami_lite import create_app

UA = {
    "A": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/156.0.0.0 Safari/537.36",
    "B": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "C": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
}
VISITORS = {  # name: (ip, hostname, screen, language, CF-IPCountry)
    "A": ("198.51.100.1", "example.com", "1920x1080", "en-US", "DE"),
    "B": ("198.51.100.2", "example.com", "1366x768", "de-DE", "DE"),
    "C": ("198.51.100.3", "www.example.com", "390x844", "fr-FR", "FR"),
}
# (UTC time, visitor, route, payload fields, use the cache token), in time order.
HITS = [
    ("2026-10-23 09:00:00", "B", "send", {"url": "https://example.com/"}, False),
    ("2026-10-24 10:05:00", "A", "send", {"url": "https://example.com/?utm_source=news#top",
                                          "title": "Home",
                                          "referrer": "https://www.google.com/search?q=x"}, True),
    ("2026-10-24 10:06:00", "A", "send", {"url": "https://example.com/docs", "title": "Docs",
                                          "referrer": "https://example.com/"}, True),
    ("2026-10-24 10:06:30", "A", "send", {"url": "/docs", "name": "signup",
                                          "data": {"plan": "pro", "seats": 3}}, True),
    ("2026-10-24 10:20:00", "A", "send", {"url": "/pricing", "title": "Pricing",
                                          "tag": "t1"}, True),
    ("2026-10-24 10:30:00", "B", "send", {"url": "/", "title": "Home",
                                          "referrer": "https://news.ycombinator.com/item"},
     False),
    ("2026-10-24 10:45:00", "B", "send", {"url": "/docs", "title": "Docs"}, False),
    ("2026-10-24 10:46:00", "B", "send", {"url": "/docs", "name": "signup",
                                          "data": {"plan": "free", "seats": 1}}, False),
    ("2026-10-24 10:47:00", "B", "send", {"url": "/docs", "name": "download",
                                          "data": {"file": "a.pdf"}}, False),
    ("2026-10-24 11:30:00", "A", "send", {"url": "/docs", "title": "Docs"}, True),
    ("2026-10-25 00:30:00", "C", "collect", {"url": "/", "referrer": "https://t.co/abc"}, False),
    ("2026-10-25 00:40:20", "C", "collect", {"url": "/blog", "referrer": ""}, False),
    ("2026-10-25 00:41:00", "C", "collect", {"url": "/blog", "event_type": "click",
                                             "event_value": "signup"}, False),
    ("2026-10-25 01:30:00", "C", "collect", {"url": "/blog"}, False),
]


def ms(text):
    """Returns epoch ms of a UTC 'YYYY-MM-DD HH:MM:SS[.fff]' string."""
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


RANGE = {"startAt": ms("2026-10-24 00:00:00"), "endAt": ms("2026-10-25 23:59:59.999")}


def _post(client, when, who, route, fields, cache):
    ip, hostname, screen, language, country = VISITORS[who]
    headers = {"User-Agent": UA[who], "CF-IPCountry": country}
    if cache:
        headers["x-umami-cache"] = cache
    payload = {"website": _post.website, "hostname": hostname, "screen": screen,
               "language": language, **fields}
    if route == "send":
        body = {"type": "event", "payload": payload}
    else:
        body = {"type": "event" if "event_type" in fields else "pageview", "payload": payload}
    r = client.post(f"/api/{route}", json=body, headers=headers,
                    environ_base={"REMOTE_ADDR": ip})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


@pytest.fixture(scope="module", params=ENGINES)
def golden(request, tmp_path_factory):
    """Returns (api, website uuid, clock) after seeding HITS; every test here only reads."""
    clock = Clock()
    app = create_app({
        "UMAMI_LITE_DATABASE": module_database(request, tmp_path_factory, "golden2"),
        "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "UMAMI_LITE_CLOCK": clock,
        "UMAMI_LITE_COUNTRY_HEADER": "CF-IPCountry", "TESTING": True})
    client = app.test_client()
    api = Api(client)
    website = api.post("/api/websites", json={"name": "Golden", "domain": "example.com"}).json
    _post.website = website["id"]
    caches = {}
    for when, who, route, fields, use_cache in HITS:
        clock.now = ms(when)
        r = _post(client, when, who, route, fields, caches.get(who) if use_cache else None)
        if route == "send":
            caches[who] = r.json["cache"]
    return api, website["id"], clock


def get(golden, route, **params):
    api, uuid, _ = golden
    r = api.get(f"/api/websites/{uuid}/{route}", query_string={**RANGE, **params})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


ZERO = {"pageviews": 0, "visitors": 0, "visits": 0, "bounces": 0, "totaltime": 0}


@pytest.mark.parametrize("params, expected", [
    ({}, {"pageviews": 9, "visitors": 3, "visits": 5, "bounces": 2, "totaltime": 2420,
          "comparison": {"pageviews": 1, "visitors": 1, "visits": 1, "bounces": 1,
                         "totaltime": 0}}),
    # yoy: October 2025 is empty.
    ({"compare": "yoy"}, {"pageviews": 9, "visitors": 3, "visits": 5, "bounces": 2,
                          "totaltime": 2420, "comparison": ZERO}),
    # a2, a4, b2: each alone in its visit.
    ({"path": "/docs"}, {"pageviews": 3, "visitors": 2, "visits": 3, "bounces": 3,
                         "totaltime": 0, "comparison": ZERO}),
    ({"url": "/docs"}, {"pageviews": 3, "visitors": 2, "visits": 3, "bounces": 3,
                        "totaltime": 0, "comparison": ZERO}),
    # B and C: visits B1 (900 s), C1 (620 s), C2 (bounce).
    ({"browser": "neq.Chrome"}, {"pageviews": 5, "visitors": 2, "visits": 3, "bounces": 1,
                                 "totaltime": 1520,
                                 "comparison": {**ZERO, "pageviews": 1, "visitors": 1,
                                                "visits": 1, "bounces": 1}}),
    # eq takes a list: / and /blog -> a1, b1, c1, c2, c3 (C1: 620 s; the rest alone).
    ({"path": "eq./,/blog"}, {"pageviews": 5, "visitors": 3, "visits": 4, "bounces": 3,
                              "totaltime": 620,
                              "comparison": {**ZERO, "pageviews": 1, "visitors": 1,
                                             "visits": 1, "bounces": 1}}),
    ({"referrer": "c.google"}, {"pageviews": 1, "visitors": 1, "visits": 1, "bounces": 1,
                                "totaltime": 0, "comparison": ZERO}),
    ({"title": "dnc.o"}, {"pageviews": 4, "visitors": 2, "visits": 3, "bounces": 2,
                          "totaltime": 620, "comparison": {**ZERO, "pageviews": 1,
                                                           "visitors": 1, "visits": 1,
                                                           "bounces": 1}}),
    ({"query": "utm_source=news"}, {"pageviews": 1, "visitors": 1, "visits": 1,
                                    "bounces": 1, "totaltime": 0, "comparison": ZERO}),
    # The event filter counts that event's occurrences: e1 (A1), e2 (B1), ec (C1, v1).
    ({"event": "signup"}, {"pageviews": 3, "visitors": 3, "visits": 3, "bounces": 3,
                           "totaltime": 0, "comparison": ZERO}),
    ({"hostname": "www.example.com", "country": "FR"}, {
        "pageviews": 3, "visitors": 1, "visits": 2, "bounces": 1, "totaltime": 620,
        "comparison": ZERO}),
    ({"host": "example.com", "os": "Linux"}, {"pageviews": 4, "visitors": 1, "visits": 2,
                                              "bounces": 1, "totaltime": 900,
                                              "comparison": ZERO}),
    ({"utmSource": "news"}, {"pageviews": 1, "visitors": 1, "visits": 1, "bounces": 1,
                             "totaltime": 0, "comparison": ZERO}),
    ({"tag": "t1"}, {"pageviews": 1, "visitors": 1, "visits": 1, "bounces": 1,
                     "totaltime": 0, "comparison": ZERO}),
    # A language matches whole (fr-FR) or by its primary subtag, as the metric shows it (fr).
    ({"language": "fr"}, {"pageviews": 3, "visitors": 1, "visits": 2, "bounces": 1,
                          "totaltime": 620, "comparison": ZERO}),
    ({"language": "fr-FR"}, {"pageviews": 3, "visitors": 1, "visits": 2, "bounces": 1,
                             "totaltime": 620, "comparison": ZERO}),
    ({"language": "eq.en-GB"}, {**ZERO, "comparison": ZERO}),
    ({"language": "neq.en"}, {"pageviews": 5, "visitors": 2, "visits": 3, "bounces": 1,
                              "totaltime": 1520,
                              "comparison": {**ZERO, "pageviews": 1, "visitors": 1,
                                             "visits": 1, "bounces": 1}}),
    # umami-lite stores no city: no session is in Paris, and every one is outside it.
    ({"city": "Paris"}, {**ZERO, "comparison": ZERO}),
    ({"city": "neq.Paris", "browser": "Firefox"}, {
        "pageviews": 2, "visitors": 1, "visits": 1, "bounces": 0, "totaltime": 900,
        "comparison": {**ZERO, "pageviews": 1, "visitors": 1, "visits": 1, "bounces": 1}}),
])
def test_stats(golden, params, expected):
    assert get(golden, "stats", **params) == expected


def test_title_dnc_counts_untitled_views(golden):
    """dnc keeps rows without the column: C's views have no title; 'o' is in Home, Docs."""
    # Left: a3 Pricing (A1), c1 c2 (C1), c3 (C2) -> 4 views, visitors A and C.
    assert get(golden, "stats", title="dnc.o")["pageviews"] == 4


def test_pageviews_hour_utc(golden):
    assert get(golden, "pageviews", unit="hour") == {
        "pageviews": [{"x": "2026-10-24T10:00:00Z", "y": 5}, {"x": "2026-10-24T11:00:00Z", "y": 1},
                      {"x": "2026-10-25T00:00:00Z", "y": 2}, {"x": "2026-10-25T01:00:00Z", "y": 1}],
        "sessions": [{"x": "2026-10-24T10:00:00Z", "y": 2}, {"x": "2026-10-24T11:00:00Z", "y": 1},
                     {"x": "2026-10-25T00:00:00Z", "y": 1}, {"x": "2026-10-25T01:00:00Z", "y": 1}],
    }


def test_pageviews_minute_on_two_days_is_raised_to_hour(golden):
    assert get(golden, "pageviews", unit="minute") == get(golden, "pageviews", unit="hour")
    assert get(golden, "pageviews") == get(golden, "pageviews", unit="hour")


def test_pageviews_upper_case_utc_gets_local_labels(golden):
    assert get(golden, "pageviews", unit="hour", timezone="UTC")["pageviews"][0] == {
        "x": "2026-10-24 10:00:00", "y": 5}


def test_pageviews_day_tokyo(golden):
    # +9: every 10-24 hit is on the 24th local; C's hits (00:30Z-01:30Z) on the 25th.
    assert get(golden, "pageviews", unit="day", timezone="Asia/Tokyo") == {
        "pageviews": [{"x": "2026-10-24 00:00:00", "y": 6}, {"x": "2026-10-25 00:00:00", "y": 3}],
        "sessions": [{"x": "2026-10-24 00:00:00", "y": 2}, {"x": "2026-10-25 00:00:00", "y": 1}],
    }


def test_pageviews_month_and_year(golden):
    assert get(golden, "pageviews", unit="month") == {
        "pageviews": [{"x": "2026-10-01T00:00:00Z", "y": 9}],
        "sessions": [{"x": "2026-10-01T00:00:00Z", "y": 3}]}
    assert get(golden, "pageviews", unit="year", timezone="Europe/Berlin") == {
        "pageviews": [{"x": "2026-01-01 00:00:00", "y": 9}],
        "sessions": [{"x": "2026-01-01 00:00:00", "y": 3}]}


def test_pageviews_compare_prev(golden):
    body = get(golden, "pageviews", unit="day", compare="prev")
    assert body == {
        "pageviews": [{"x": "2026-10-24T00:00:00Z", "y": 6}, {"x": "2026-10-25T00:00:00Z", "y": 3}],
        "sessions": [{"x": "2026-10-24T00:00:00Z", "y": 2}, {"x": "2026-10-25T00:00:00Z", "y": 1}],
        "startDate": "2026-10-24T00:00:00.000Z", "endDate": "2026-10-25T23:59:59.999Z",
        "compare": {"pageviews": [{"x": "2026-10-23T00:00:00Z", "y": 1}],
                    "sessions": [{"x": "2026-10-23T00:00:00Z", "y": 1}],
                    "startDate": "2026-10-22T00:00:00.000Z",
                    "endDate": "2026-10-23T23:59:59.999Z"},
    }


@pytest.mark.parametrize("timezone", [None, "Pacific/Chatham"])
def test_series_over_the_widest_range(golden, timezone):
    """0 .. year 9999 answers from the rows' span (the zone is not probed over 8000 years)."""
    widest = {"startAt": 0, "endAt": 253402300799999, "unit": "year"}
    if timezone:
        widest["timezone"] = timezone
    label = "2026-01-01T00:00:00Z" if timezone is None else "2026-01-01 00:00:00"
    assert get(golden, "pageviews", **widest)["pageviews"] == [{"x": label, "y": 10}]
    assert get(golden, "events/series", **widest) == [
        {"x": "download", "t": label, "y": 1}, {"x": "signup", "t": label, "y": 3}]


def test_series_over_an_empty_range(golden):
    empty = {"startAt": ms("2027-01-01 00:00:00"), "endAt": ms("2027-12-31 00:00:00")}
    assert get(golden, "pageviews", **empty) == {"pageviews": [], "sessions": []}
    assert get(golden, "events/series", **empty) == []


def test_pageviews_with_path_filter(golden):
    assert get(golden, "pageviews", unit="hour", path="/blog")["pageviews"] == [
        {"x": "2026-10-25T00:00:00Z", "y": 1}, {"x": "2026-10-25T01:00:00Z", "y": 1}]


METRICS = {
    "path": [{"x": "/", "y": 3}, {"x": "/docs", "y": 2}, {"x": "/blog", "y": 1},
             {"x": "/pricing", "y": 1}],
    # first view per visit: A1 /, A2 /docs, B1 /, C1 /, C2 /blog (distinct sessions)
    "entry": [{"x": "/", "y": 3}, {"x": "/blog", "y": 1}, {"x": "/docs", "y": 1}],
    # last view per visit: A1 /pricing, A2 /docs, B1 /docs, C1 /blog, C2 /blog
    "exit": [{"x": "/docs", "y": 2}, {"x": "/blog", "y": 1}, {"x": "/pricing", "y": 1}],
    # example.com (a2) is the website itself
    "referrer": [{"x": "google.com", "y": 1}, {"x": "news.ycombinator.com", "y": 1},
                 {"x": "t.co", "y": 1}],
    "domain": [{"x": "example.com", "y": 1}, {"x": "google.com", "y": 1},
               {"x": "news.ycombinator.com", "y": 1}, {"x": "t.co", "y": 1}],
    "title": [{"x": "Docs", "y": 2}, {"x": "Home", "y": 2}, {"x": "Pricing", "y": 1}],
    "query": [{"x": "utm_source=news", "y": 1}],
    "tag": [{"x": "t1", "y": 1}],
    "utm_source": [{"x": "news", "y": 1}],
    "utm_medium": [],
    # custom events of both generations, counted: e1, e2, ec signup; e3 download
    "event": [{"x": "signup", "y": 3}, {"x": "download", "y": 1}],
    "hostname": [{"x": "example.com", "y": 2}, {"x": "www.example.com", "y": 1}],
    "browser": [{"x": "Chrome", "y": 1}, {"x": "Firefox", "y": 1},
                {"x": "Mobile Safari", "y": 1}],
    "os": [{"x": "Linux", "y": 1}, {"x": "Windows", "y": 1}, {"x": "iOS", "y": 1}],
    "device": [{"x": "desktop", "y": 1}, {"x": "laptop", "y": 1}, {"x": "mobile", "y": 1}],
    "screen": [{"x": "1366x768", "y": 1}, {"x": "1920x1080", "y": 1}, {"x": "390x844", "y": 1}],
    "language": [{"x": "de", "y": 1}, {"x": "en", "y": 1}, {"x": "fr", "y": 1}],
    "country": [{"x": "DE", "y": 2}, {"x": "FR", "y": 1}],
    "distinctId": [],
}


@pytest.mark.parametrize("kind", METRICS)
def test_metrics(golden, kind):
    assert get(golden, "metrics", type=kind) == METRICS[kind]


@pytest.mark.parametrize("params, expected", [
    ({"type": "path", "limit": 2, "offset": 1}, [{"x": "/docs", "y": 2}, {"x": "/blog", "y": 1}]),
    ({"type": "path", "search": "doc"}, [{"x": "/docs", "y": 2}]),
    ({"type": "url"}, METRICS["path"]),
    ({"type": "utmSource"}, METRICS["utm_source"]),
    ({"type": "country", "browser": "Firefox"}, [{"x": "DE", "y": 1}]),
    ({"type": "browser", "language": "de"}, [{"x": "Firefox", "y": 1}]),
    # under an event filter the rows are that event's: sessions A, B (send) and C (v1)
    ({"type": "browser", "event": "signup"}, METRICS["browser"]),
    ({"type": "path", "event": "download"}, [{"x": "/docs", "y": 1}]),
    ({"type": "referrer", "event": "signup"}, []),  # events carry no referrer
    ({"type": "event", "path": "/docs"}, [{"x": "signup", "y": 2}, {"x": "download", "y": 1}]),
])
def test_metrics_paging_search_and_filters(golden, params, expected):
    assert get(golden, "metrics", **params) == expected


def test_events_series(golden):
    assert get(golden, "events/series", unit="hour") == [
        {"x": "download", "t": "2026-10-24T10:00:00Z", "y": 1},
        {"x": "signup", "t": "2026-10-24T10:00:00Z", "y": 2},
        {"x": "signup", "t": "2026-10-25T00:00:00Z", "y": 1},
    ]
    assert get(golden, "events/series", unit="day", timezone="Asia/Tokyo",
               event="signup") == [{"x": "signup", "t": "2026-10-24 00:00:00", "y": 2},
                                   {"x": "signup", "t": "2026-10-25 00:00:00", "y": 1}]


def test_event_data(golden):
    assert get(golden, "event-data/events") == [
        {"eventName": "signup", "propertyName": "plan", "dataType": 1, "total": 2},
        {"eventName": "signup", "propertyName": "seats", "dataType": 2, "total": 2},
        {"eventName": "download", "propertyName": "file", "dataType": 1, "total": 1},
    ]
    assert get(golden, "event-data/events", event="download") == [
        {"eventName": "download", "propertyName": "file", "dataType": 1, "total": 1}]
    assert get(golden, "event-data/properties") == [
        {"eventName": "signup", "propertyName": "plan", "total": 2},
        {"eventName": "signup", "propertyName": "seats", "total": 2},
        {"eventName": "download", "propertyName": "file", "total": 1},
    ]
    assert get(golden, "event-data/values", event="signup", propertyName="plan") == [
        {"value": "free", "total": 1}, {"value": "pro", "total": 1}]
    assert get(golden, "event-data/values", event="signup", propertyName="seats") == [
        {"value": "1", "total": 1}, {"value": "3", "total": 1}]
    assert get(golden, "event-data/values", event="signup", propertyName="seats",
               browser="Firefox") == [{"value": "1", "total": 1}]


def test_active(golden):
    api, uuid, clock = golden
    clock.now = ms("2026-10-25 01:32:00")  # c3 at 01:30 is inside the 5 minutes
    assert api.get(f"/api/websites/{uuid}/active").json == {"visitors": 1}
    clock.now = ms("2026-10-24 10:48:00")  # b2 10:45, e2, e3 (B); a3 10:20 is too old
    assert api.get(f"/api/websites/{uuid}/active").json == {"visitors": 1}
    clock.now = ms("2026-10-26 00:00:00")
    assert api.get(f"/api/websites/{uuid}/active").json == {"visitors": 0}


def test_realtime(golden):
    api, uuid, clock = golden
    clock.now = ms("2026-10-24 10:50:00")  # window 10:20:00 .. 10:50:00, both inclusive
    body = api.get(f"/api/realtime/{uuid}").json
    sessions = {item["sessionId"] for item in body["events"]}
    assert len(sessions) == 2  # A and B
    for item in body["events"]:
        del item["sessionId"]
    a = {"browser": "Chrome", "os": "Linux", "device": "desktop", "screen": "1920x1080",
         "language": "en-US", "country": "DE"}
    b = {"browser": "Firefox", "os": "Windows", "device": "laptop", "screen": "1366x768",
         "language": "de-DE", "country": "DE"}
    assert body == {
        "countries": {"DE": 2},
        "urls": {"/pricing": 1, "/": 1, "/docs": 1},
        "referrers": {"news.ycombinator.com": 1},
        "events": [
            {"__type": "event", "createdAt": "2026-10-24T10:47:00.000Z", **b,
             "urlPath": "/docs", "eventName": "download", "pageTitle": None},
            {"__type": "event", "createdAt": "2026-10-24T10:46:00.000Z", **b,
             "urlPath": "/docs", "eventName": "signup", "pageTitle": None},
            {"__type": "pageview", "createdAt": "2026-10-24T10:45:00.000Z", **b,
             "urlPath": "/docs", "referrerDomain": None, "pageTitle": "Docs"},
            {"__type": "pageview", "createdAt": "2026-10-24T10:30:00.000Z", **b,
             "urlPath": "/", "referrerDomain": "news.ycombinator.com", "pageTitle": "Home"},
            {"__type": "pageview", "createdAt": "2026-10-24T10:20:00.000Z", **a,
             "urlPath": "/pricing", "referrerDomain": None, "pageTitle": "Pricing"},
        ],
        "series": {"views": [{"x": "2026-10-24T10:20:00Z", "y": 1},
                             {"x": "2026-10-24T10:30:00Z", "y": 1},
                             {"x": "2026-10-24T10:45:00Z", "y": 1}],
                   "visitors": [{"x": "2026-10-24T10:20:00Z", "y": 1},
                                {"x": "2026-10-24T10:30:00Z", "y": 1},
                                {"x": "2026-10-24T10:45:00Z", "y": 1}]},
        "totals": {"views": 3, "visitors": 2, "events": 2, "countries": 1},
        "timestamp": ms("2026-10-24 10:50:00"),
    }


def test_v1_routes_count_the_same_hits(golden):
    """The v1 summary over (session, clock hour) sees /api/send's views too: here the
    hour groups equal the visits, so the numbers agree."""
    api, uuid, _ = golden
    r = api.get(f"/api/website/{uuid}/stats",
                query_string={"start_at": RANGE["startAt"], "end_at": RANGE["endAt"]})
    assert r.json == {"pageviews": 9, "uniques": 3, "bounces": 2, "totaltime": 2420}
    urls = api.get(f"/api/website/{uuid}/metrics", query_string={
        "start_at": RANGE["startAt"], "end_at": RANGE["endAt"], "type": "url"}).json
    # v1 counts views per stored url: /docs a2 a4 b2; / b1 c1; /blog c2 c3; a1 keeps its query
    assert urls == [{"x": "/docs", "y": 3}, {"x": "/", "y": 2}, {"x": "/blog", "y": 2},
                    {"x": "/?utm_source=news", "y": 1}, {"x": "/pricing", "y": 1}]


def test_stats_over_the_widest_range(golden):
    """0 .. year 9999: every visit (b0 too); prev lies before 1970 and is empty, while yoy
    (1969 .. 9998) still holds all of 2026."""
    everything = {"pageviews": 10, "visitors": 3, "visits": 6, "bounces": 3, "totaltime": 2420}
    widest = {"startAt": 0, "endAt": 253402300799999}
    assert get(golden, "stats", **widest) == {**everything, "comparison": ZERO}
    assert get(golden, "stats", **widest, compare="yoy") == {**everything,
                                                             "comparison": everything}
