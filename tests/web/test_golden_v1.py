"""Golden numbers: a small fixed dataset, seeded through POST /api/collect with the injected
clock, and the FULL JSON of every v1 analytics route, computed by hand.

Website: domain example.com. Settings: IGNORE_IP=192.0.2.0/24, country from CF-IPCountry,
SALT_ROTATION=month (default). Berlin leaves summer time on 2026-10-25 at 01:00Z (+2 -> +1);
Los Angeles on 2026-11-01 at 09:00Z (-7 -> -8).

Visitors (ip, user agent, hostname, screen, language, country header):
  a  198.51.100.1  Chrome/Linux         example.com         1920x1080  en-US  DE -> desktop
  b  198.51.100.2  Firefox/Windows      example.com         1366x768   de-DE  DE -> laptop
  c  198.51.100.3  Mobile Safari/iOS    mirror.example.net  390x844    fr-FR  fr -> mobile
  d  198.51.100.4  Edge/Windows         www.example.com     2560x1440  en-GB  XX -> desktop
  b2 = visitor b again in November: the month salt rotated, so a new session.

Pageviews (UTC)                   sess url           referrer                  in referrer metric?
  p1  10-24 10:05:00              a    /             GOOGLE                    yes
  p2  10-24 10:05:30              a    /docs         https://example.com/      no: website domain
  p5  10-24 10:30:00              b    /             HN                        yes
  p3  10-24 10:59:00              a    /pricing      /docs                     no: a path
  p4  10-24 11:01:00              a    /docs         https://example.com/pricing  no: domain
  p6  10-25 00:30:00 (02:30 CEST) c    /             https://t.co/abc          yes
  p7  10-25 00:40:20 (02:40 CEST) c    /blog         https://mirror.example.net/  no: hostname
  p9  10-25 01:10:00 (02:10 CET)  d    /             GOOGLE                    yes
  p10 10-25 01:20:00 (02:20 CET)  d    /pricing      https://WWW.Example.com:8443/x  no: www/port
  p8  10-25 01:30:00 (02:30 CET)  c    /blog         #top                      no: no host
  p11 10-26 09:00:00              a    /             relative5                 no: no host
  p12 11-02 12:00:00              b2   /docs?ref=nl  (empty)                   no: empty
  GOOGLE = https://www.google.com/search?q=x, HN = https://news.ycombinator.com/item?id=1
Not stored: a Googlebot pageview (10-24 10:10) and one from 192.0.2.55 (10-24 10:20).

Events (UTC)                    sess  form                      stored type:value
  e1  10-24 10:06:00            a     event_type/event_value    click:signup        url /docs
  e2  10-24 10:31:00            b     event_name + event_data   custom:download     url /
  e3  10-25 00:45:00            c     event_type/event_value    click:signup        url /blog
  e4  10-25 01:25:00            d     event_name                custom:download     url /pricing
  e5  10-26 09:00:30            a     event_type/event_value    click:pricing-cta   url /

/stats groups = (session, UTC clock hour):
  group            views  seconds first->last   bounce
  a  10-24 10h     3      3240 (10:05:00->10:59:00)
  a  10-24 11h     1      0                      yes   (the session crossed the hour)
  b  10-24 10h     1      0                      yes
  c  10-25 00h     2      620  (00:30:00->00:40:20)
  c  10-25 01h     1      0                      yes
  d  10-25 01h     2      600  (01:10:00->01:20:00)
  a  10-26 09h     1      0                      yes
  b2 11-02 12h     1      0                      yes
  total            12     4460                   5 bounces; uniques a,b,c,d,b2 = 5
Day 1 only: groups a10, a11, b10 -> 5 views, 2 uniques, 2 bounces, 3240 s.
url=/docs: p2 (group a10 alone) and p4 (a11) -> 2 views, 1 unique, 2 bounces, 0 s.

/pageviews hour Europe/Berlin: p6, p7 (CEST) and p8, p9, p10 (CET) all read 02:xx local, so
they share the bucket "2026-10-25 02:00:00" (5 views, sessions c, d). A fixed +2 would put p8-p10
at 03:00; a fixed +1 would put p6, p7 at 01:00.
/pageviews day America/Los_Angeles: p6-p10 happen on the evening of 10-24 local time.
"""
from datetime import datetime, timezone

import pytest
from conftest import ADMIN_PASSWORD, Api, Clock, ENGINES, count_rows, module_database

from umami_lite import create_app

UA = {
    "a": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/156.0.0.0 Safari/537.36",
    "b": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "c": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "d": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "bot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
}
VISITORS = {  # name: (ip, ua, hostname, screen, language, CF-IPCountry)
    "a": ("198.51.100.1", UA["a"], "example.com", "1920x1080", "en-US", "DE"),
    "b": ("198.51.100.2", UA["b"], "example.com", "1366x768", "de-DE", "DE"),
    "c": ("198.51.100.3", UA["c"], "mirror.example.net", "390x844", "fr-FR", "fr"),
    "d": ("198.51.100.4", UA["d"], "www.example.com", "2560x1440", "en-GB", "XX"),
    "bot": ("198.51.100.9", UA["bot"], "example.com", "1920x1080", "en-US", "US"),
    "ignored": ("192.0.2.55", UA["a"], "example.com", "1920x1080", "en-US", "US"),
}
GOOGLE = "https://www.google.com/search?q=x"
HN = "https://news.ycombinator.com/item?id=1"

# (UTC time, visitor, type, payload fields), in time order: the clock only moves forward.
HITS = [
    ("2026-10-24 10:05:00", "a", "pageview", {"url": "/", "referrer": GOOGLE}),
    ("2026-10-24 10:05:30", "a", "pageview", {"url": "/docs",
                                              "referrer": "https://example.com/"}),
    ("2026-10-24 10:06:00", "a", "event", {"url": "/docs", "event_type": "click",
                                           "event_value": "signup"}),
    ("2026-10-24 10:10:00", "bot", "pageview", {"url": "/", "referrer": GOOGLE}),
    ("2026-10-24 10:20:00", "ignored", "pageview", {"url": "/", "referrer": GOOGLE}),
    ("2026-10-24 10:30:00", "b", "pageview", {"url": "/", "referrer": HN}),
    ("2026-10-24 10:31:00", "b", "event", {"url": "/", "event_name": "download",
                                           "event_data": {"file": "a.pdf"}}),
    ("2026-10-24 10:59:00", "a", "pageview", {"url": "/pricing", "referrer": "/docs"}),
    ("2026-10-24 11:01:00", "a", "pageview", {"url": "/docs",
                                              "referrer": "https://example.com/pricing"}),
    ("2026-10-25 00:30:00", "c", "pageview", {"url": "/", "referrer": "https://t.co/abc"}),
    ("2026-10-25 00:40:20", "c", "pageview", {"url": "/blog",
                                              "referrer": "https://mirror.example.net/"}),
    ("2026-10-25 00:45:00", "c", "event", {"url": "/blog", "event_type": "click",
                                           "event_value": "signup"}),
    ("2026-10-25 01:10:00", "d", "pageview", {"url": "/", "referrer": GOOGLE}),
    ("2026-10-25 01:20:00", "d", "pageview", {"url": "/pricing",
                                              "referrer": "https://WWW.Example.com:8443/x"}),
    ("2026-10-25 01:25:00", "d", "event", {"url": "/pricing", "event_name": "download"}),
    ("2026-10-25 01:30:00", "c", "pageview", {"url": "/blog", "referrer": "#top"}),
    ("2026-10-26 09:00:00", "a", "pageview", {"url": "/", "referrer": "relative5"}),
    ("2026-10-26 09:00:30", "a", "event", {"url": "/", "event_type": "click",
                                           "event_value": "pricing-cta"}),
    ("2026-11-02 12:00:00", "b", "pageview", {"url": "/docs?ref=nl", "referrer": ""}),
]


def ms(text):
    """Returns epoch ms of a UTC 'YYYY-MM-DD HH:MM:SS[.fff]' string."""
    dt = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


ALL = {"start_at": ms("2026-10-24 00:00:00"), "end_at": ms("2026-11-30 23:59:59.999")}
DAY1 = {"start_at": ms("2026-10-24 00:00:00"), "end_at": ms("2026-10-24 23:59:59.999")}
DAY2 = {"start_at": ms("2026-10-25 00:00:00"), "end_at": ms("2026-10-25 23:59:59.999")}
EMPTY = {"start_at": ms("2027-01-01 00:00:00"), "end_at": ms("2027-01-02 00:00:00")}
# The widest range a caller may ask for: it must cost what the data costs.
WIDE = {"start_at": 0, "end_at": 253402300799999}
# Both ends inclusive: exactly p1's and p4's instants.
EDGES = {"start_at": ms("2026-10-24 10:05:00"), "end_at": ms("2026-10-24 11:01:00")}


@pytest.fixture(scope="module", params=ENGINES)
def golden(request, tmp_path_factory):
    """Returns (app, client, api, website, clock) after seeding HITS through /api/collect.

    Seeded once for the module: every test here only reads.
    """
    clock = Clock()
    app = create_app({
        "UMAMI_LITE_DATABASE": module_database(request, tmp_path_factory, "golden"),
        "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "UMAMI_LITE_CLOCK": clock,
        "UMAMI_LITE_IGNORE_IP": "192.0.2.0/24, 10.0.0.1",
        "UMAMI_LITE_COUNTRY_HEADER": "CF-IPCountry", "TESTING": True})
    client = app.test_client()
    api = Api(client)
    website = api.create_website(name="Golden", domain="example.com")
    for when, who, kind, fields in HITS:
        clock.now = ms(when)
        ip, ua, hostname, screen, language, country = VISITORS[who]
        payload = {"website": website["website_uuid"], "hostname": hostname, "screen": screen,
                   "language": language, **fields}
        r = client.post("/api/collect", json={"type": kind, "payload": payload},
                        headers={"User-Agent": ua, "CF-IPCountry": country},
                        environ_base={"REMOTE_ADDR": ip})
        assert r.status_code == 200, r.get_data(as_text=True)
        if who == "bot":
            assert r.json == {"ignored": "bot"}
        elif who == "ignored":
            assert r.json == {"ignored": "ip"}
        else:
            assert r.mimetype == "text/plain" and r.get_data(as_text=True)
    return app, client, api, website, clock


def test_dataset_rows(golden):
    app = golden[0]
    assert count_rows(app, "pageview") == 12  # bot and ignored ip not stored
    assert count_rows(app, "event") == 5
    assert count_rows(app, "session") == 5    # a, b, c, d, b2
    assert count_rows(app, "event_data") == 1
    assert count_rows(app, "salt") == 1       # October's salt deleted in November


def pv(*rows):
    """Returns the /pageviews body for (t, views, sessions) rows."""
    return {"pageviews": [{"t": t, "y": v} for t, v, _ in rows],
            "sessions": [{"t": t, "y": s} for t, _, s in rows]}


def xy(*rows):
    return [{"x": x, "y": y} for x, y in rows]


def xty(*rows):
    return [{"x": x, "t": t, "y": y} for x, t, y in rows]


CASES = [
    # /stats
    ("stats", ALL, {"pageviews": 12, "uniques": 5, "bounces": 5, "totaltime": 4460}),
    ("stats", DAY1, {"pageviews": 5, "uniques": 2, "bounces": 2, "totaltime": 3240}),
    ("stats", EDGES, {"pageviews": 5, "uniques": 2, "bounces": 2, "totaltime": 3240}),
    ("stats", DAY2, {"pageviews": 5, "uniques": 2, "bounces": 1, "totaltime": 1220}),
    ("stats", {**ALL, "url": "/docs"},
     {"pageviews": 2, "uniques": 1, "bounces": 2, "totaltime": 0}),
    ("stats", WIDE, {"pageviews": 12, "uniques": 5, "bounces": 5, "totaltime": 4460}),
    ("stats", EMPTY,
     {"pageviews": 0, "uniques": 0, "bounces": 0, "totaltime": 0}),
    # /pageviews, every unit
    ("pageviews", {**ALL, "unit": "hour", "tz": "UTC"}, pv(
        ("2026-10-24 10:00:00", 4, 2), ("2026-10-24 11:00:00", 1, 1),
        ("2026-10-25 00:00:00", 2, 1), ("2026-10-25 01:00:00", 3, 2),
        ("2026-10-26 09:00:00", 1, 1), ("2026-11-02 12:00:00", 1, 1))),
    ("pageviews", {**ALL, "unit": "hour", "tz": "Europe/Berlin"}, pv(
        ("2026-10-24 12:00:00", 4, 2), ("2026-10-24 13:00:00", 1, 1),
        ("2026-10-25 02:00:00", 5, 2),
        ("2026-10-26 10:00:00", 1, 1), ("2026-11-02 13:00:00", 1, 1))),
    ("pageviews", {**DAY2, "unit": "minute", "tz": "Europe/Berlin"}, pv(
        ("2026-10-25 02:10:00", 1, 1), ("2026-10-25 02:20:00", 1, 1),
        ("2026-10-25 02:30:00", 2, 1), ("2026-10-25 02:40:00", 1, 1))),
    ("pageviews", {**ALL, "unit": "day", "tz": "UTC"}, pv(
        ("2026-10-24", 5, 2), ("2026-10-25", 5, 2), ("2026-10-26", 1, 1),
        ("2026-11-02", 1, 1))),
    ("pageviews", {**ALL, "unit": "day", "tz": "America/Los_Angeles"}, pv(
        ("2026-10-24", 10, 4), ("2026-10-26", 1, 1), ("2026-11-02", 1, 1))),
    ("pageviews", {**ALL, "unit": "month", "tz": "UTC"}, pv(
        ("2026-10-01", 11, 4), ("2026-11-01", 1, 1))),
    ("pageviews", {**ALL, "unit": "year", "tz": "Europe/Berlin"}, pv(("2026-01-01", 12, 5))),
    ("pageviews", {**WIDE, "unit": "day", "tz": "Europe/Berlin"}, pv(
        ("2026-10-24", 5, 2), ("2026-10-25", 5, 2), ("2026-10-26", 1, 1),
        ("2026-11-02", 1, 1))),
    ("pageviews", {**ALL, "unit": "hour", "tz": "UTC", "url": "/docs"}, pv(
        ("2026-10-24 10:00:00", 1, 1), ("2026-10-24 11:00:00", 1, 1))),
    ("pageviews", {**EMPTY, "unit": "hour", "tz": "Europe/Berlin"}, pv()),
    # /events
    ("events", {**EMPTY, "unit": "hour", "tz": "Europe/Berlin"}, []),
    ("events", {**ALL, "unit": "hour", "tz": "Europe/Berlin"}, xty(
        ("download", "2026-10-24 12:00:00", 1), ("signup", "2026-10-24 12:00:00", 1),
        ("download", "2026-10-25 02:00:00", 1), ("signup", "2026-10-25 02:00:00", 1),
        ("pricing-cta", "2026-10-26 10:00:00", 1))),
    ("events", {**ALL, "unit": "day", "tz": "UTC"}, xty(
        ("download", "2026-10-24", 1), ("signup", "2026-10-24", 1),
        ("download", "2026-10-25", 1), ("signup", "2026-10-25", 1),
        ("pricing-cta", "2026-10-26", 1))),
    ("events", {**ALL, "unit": "month", "tz": "UTC"}, xty(
        ("download", "2026-10-01", 2), ("pricing-cta", "2026-10-01", 1),
        ("signup", "2026-10-01", 2))),
    ("events", {**WIDE, "unit": "month", "tz": "Pacific/Kiritimati"}, xty(
        ("download", "2026-10-01", 2), ("pricing-cta", "2026-10-01", 1),
        ("signup", "2026-10-01", 2))),
    ("events", {**ALL, "unit": "day", "tz": "UTC", "url": "/docs"},
     xty(("signup", "2026-10-24", 1))),
    # /metrics, every type
    ("metrics", {**ALL, "type": "url"}, xy(
        ("/", 5), ("/blog", 2), ("/docs", 2), ("/pricing", 2), ("/docs?ref=nl", 1))),
    ("metrics", {**ALL, "type": "referrer"}, xy(
        (GOOGLE, 2), (HN, 1), ("https://t.co/abc", 1))),
    ("metrics", {**ALL, "type": "event"}, xy(
        ("click:signup", 2), ("custom:download", 2), ("click:pricing-cta", 1))),
    ("metrics", {**ALL, "type": "browser"}, xy(
        ("Firefox", 2), ("Chrome", 1), ("Edge", 1), ("Mobile Safari", 1))),
    ("metrics", {**ALL, "type": "os"}, xy(("Windows", 3), ("Linux", 1), ("iOS", 1))),
    ("metrics", {**ALL, "type": "device"}, xy(("desktop", 2), ("laptop", 2), ("mobile", 1))),
    ("metrics", {**ALL, "type": "country"}, xy(("DE", 3), ("FR", 1))),
    ("metrics", {**ALL, "type": "language"}, xy(
        ("de-DE", 2), ("en-GB", 1), ("en-US", 1), ("fr-FR", 1))),
    ("metrics", {**ALL, "type": "screen"}, xy(
        ("1366x768", 2), ("1920x1080", 1), ("2560x1440", 1), ("390x844", 1))),
    ("metrics", {**DAY2, "type": "browser"}, xy(("Edge", 1), ("Mobile Safari", 1))),
    ("metrics", {**WIDE, "type": "referrer"}, xy(
        (GOOGLE, 2), (HN, 1), ("https://t.co/abc", 1))),
    ("metrics", {**WIDE, "type": "os"}, xy(("Windows", 3), ("Linux", 1), ("iOS", 1))),
    ("metrics", {**ALL, "type": "url", "url": "/docs"}, xy(("/docs", 2))),
    ("metrics", {**ALL, "type": "referrer", "url": "/docs"}, []),
    ("metrics", {**ALL, "type": "browser", "url": "/docs"}, xy(("Chrome", 1))),
    ("metrics", {**ALL, "type": "event", "url": "/docs"}, xy(("click:signup", 1))),
]


@pytest.mark.parametrize("route, params, expected", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_route_json(golden, route, params, expected):
    _, client, api, website, _ = golden
    for key in (website["website_id"], website["website_uuid"]):
        r = api.get(f"/api/website/{key}/{route}", query_string=params)
        assert r.status_code == 200, r.json
        assert r.json == expected


def test_active(golden):
    _, client, api, website, clock = golden
    path = f"/api/website/{website['website_id']}/active"
    clock.now = ms("2026-11-02 12:04:59")   # p12 was 4:59 ago
    assert api.get(path).json == [{"x": 1}]
    clock.now = ms("2026-11-02 12:05:01")   # more than five minutes ago
    assert api.get(path).json == [{"x": 0}]
