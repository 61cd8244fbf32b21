"""Hit-level current-API routes on the golden dataset of test_golden_v2.py, by hand.

In RANGE: views a1 a2 a3 a4 (A, Chrome), b1 b2 (B, Firefox), c1 c2 c3 (C, Mobile Safari);
events e1 signup {plan: pro, seats: 3} (A), e2 signup {plan: free, seats: 1} and e3
download {file: a.pdf} (B), ec signup (C, v1, no data). b0 (10-23) is before RANGE.
"""
import base64
import io
import zipfile

import pytest
from conftest import T0, send
from test_golden_v2 import RANGE, golden, ms  # noqa: F401 - golden is a fixture

from umami_lite.queries.current.ids import hit_from_uuid, hit_uuid


def get(golden, route, **params):
    api, uuid, _ = golden
    return api.get(f"/api/websites/{uuid}/{route}", query_string=params)


def ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_events_list_is_every_hit_newest_first(golden):
    body = ok(get(golden, "events", **RANGE))
    assert body["count"] == 13 and body["pageSize"] == 20
    rows = body["data"]
    assert [(r["createdAt"][5:16], r["eventType"], r["urlPath"], r["eventName"]) for r in
            rows[:4]] == [("10-25T01:30", 1, "/blog", None), ("10-25T00:41", 2, "/blog", "signup"),
                          ("10-25T00:40", 1, "/blog", None), ("10-25T00:30", 1, "/", None)]
    c1 = rows[3]
    assert (c1["referrerDomain"], c1["referrerPath"], c1["browser"], c1["country"],
            c1["hostname"], c1["hasData"]) == ("t.co", "/abc", "Mobile Safari", "FR",
                                               "www.example.com", False)
    a1 = next(r for r in rows if r["urlQuery"] == "utm_source=news")
    assert (a1["referrerDomain"], a1["referrerPath"], a1["referrerQuery"], a1["pageTitle"]) == (
        "google.com", "/search", "q=x", "Home")
    assert len({r["id"] for r in rows}) == 13


@pytest.mark.parametrize("params, names", [
    ({"search": "SIGN"}, ["signup", "signup", "signup"]),   # events by name, contains
    ({"search": "blo"}, [None, None]),                      # views by path: c3, c2
    ({"browser": "Firefox", "pageSize": 2}, ["download", "signup"]),
    ({"event": "download"}, ["download"]),
])
def test_events_list_search_filters_and_pages(golden, params, names):
    rows = ok(get(golden, "events", **RANGE, **params))["data"]
    assert [r["eventName"] for r in rows] == names


def test_events_list_pages(golden):
    first = ok(get(golden, "events", **RANGE, pageSize=5))
    second = ok(get(golden, "events", **RANGE, pageSize=5, page=3))
    assert (first["count"], len(first["data"]), len(second["data"])) == (13, 5, 3)


@pytest.mark.parametrize("params, expected", [
    ({}, {"events": 4, "visitors": 3, "visits": 3, "uniqueEvents": 2}),
    ({"event": "signup"}, {"events": 3, "visitors": 3, "visits": 3, "uniqueEvents": 1}),
    ({"browser": "Firefox"}, {"events": 2, "visitors": 1, "visits": 1, "uniqueEvents": 2}),
])
def test_event_stats(golden, params, expected):
    body = ok(get(golden, "events/stats", **RANGE, **params))
    assert body == {"data": {**expected, "comparison": {
        "events": 0, "visitors": 0, "visits": 0, "uniqueEvents": 0}}}


@pytest.mark.parametrize("params, expected", [
    ({"type": "browser"}, [("Chrome", 5), ("Firefox", 4), ("Mobile Safari", 4)]),
    ({"type": "referrer"}, [("google.com", 1), ("news.ycombinator.com", 1), ("t.co", 1)]),
    ({"type": "path", "search": "/docs,/BLOG"}, [("/docs", 6), ("/blog", 3)]),
    ({"type": "path", "search": "ric"}, [("/pricing", 1)]),
    ({"type": "event"}, [("signup", 3), ("download", 1)]),
    ({"type": "utmSource"}, [(None, 8), ("news", 1)]),      # a null value is a row too
    ({"type": "country", "browser": "Chrome"}, [("DE", 9), ("FR", 4)]),  # filters ignored
])
def test_values(golden, params, expected):
    assert [(v["value"], v["count"]) for v in ok(get(golden, "values", **RANGE, **params))
            ][:len(expected)] == expected


def test_date_range_spans_every_hit(golden):
    assert ok(get(golden, "daterange")) == {"startDate": "2026-10-23T09:00:00.000Z",
                                            "endDate": "2026-10-25T01:30:00.000Z"}


def test_date_range_of_an_empty_website(api, website):
    assert api.get(f"/api/websites/{website['id']}/daterange").json == {
        "startDate": None, "endDate": None}


def test_event_data_list_stats_fields_and_one_event(golden):
    body = ok(get(golden, "event-data", **RANGE))
    assert body["count"] == 3
    assert [(e["eventName"], [(p["dataKey"], p["stringValue"], p["dataType"])
                              for p in e["eventProperties"]]) for e in body["data"]] == [
        ("download", [("file", "a.pdf", 1)]),
        ("signup", [("plan", "free", 1), ("seats", "1", 2)]),
        ("signup", [("plan", "pro", 1), ("seats", "3", 2)])]
    assert ok(get(golden, "event-data/stats", **RANGE)) == {
        "events": 3, "properties": 3, "records": 5}
    assert ok(get(golden, "event-data/stats", **RANGE, browser="Chrome")) == {
        "events": 1, "properties": 2, "records": 2}
    fields = ok(get(golden, "event-data/fields", **RANGE))
    assert [(f["propertyName"], f["dataType"], f["value"], f["total"]) for f in fields] == [
        ("seats", 2, "1", 1), ("seats", 2, "3", 1), ("file", 1, "a.pdf", 1),
        ("plan", 1, "free", 1), ("plan", 1, "pro", 1)]
    event_id = body["data"][0]["eventId"]
    one = ok(get(golden, f"event-data/{event_id}"))
    assert [(p["eventName"], p["dataKey"], p["stringValue"]) for p in one] == [
        ("download", "file", "a.pdf")]


@pytest.mark.parametrize("key", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_event_has_no_data(golden, key):
    assert ok(get(golden, f"event-data/{key}")) == []


def test_hit_ids_round_trip():
    website = "9541c4e7-e320-4c06-8ffd-2c56f64f2491"
    for kind in ("pageview", "event"):
        for row_id in (1, 77, 2 ** 47 - 1):
            assert hit_from_uuid(website, hit_uuid(website, kind, row_id)) == (kind, row_id)
    assert hit_from_uuid("00000000-0000-4000-8000-000000000000",
                         hit_uuid(website, "event", 5)) is None


@pytest.mark.parametrize("route, params, word", [
    ("events", {"page": "0"}, "page"),
    ("events", {"pageSize": "x"}, "pageSize"),
    ("events", {"search": "a\x00"}, "search"),
    ("events/stats", {"compare": "never"}, "compare"),
    ("values", {}, "type"),
    ("values", {"type": "shoeSize"}, "type"),
    ("event-data", {"startAt": ""}, "startAt"),
    ("event-data/fields", {"endAt": "-1"}, "endAt"),
])
def test_bad_parameters_are_400s(golden, route, params, word):
    r = get(golden, route, **{**RANGE, **params})
    assert r.status_code == 400 and word in r.json["error"]["message"], r.json


@pytest.mark.parametrize("route", ["events", "events/stats", "values?type=path", "daterange",
                                   "event-data", "event-data/fields", "event-data/stats"])
def test_access(golden, route):
    api, uuid, _ = golden
    path, _, extra = route.partition("?")
    query = {**RANGE, **dict([extra.split("=")] if extra else [])}
    url = f"/api/websites/{uuid}/{path}"
    assert api.client.application.test_client().get(url, query_string=query).status_code == 401
    api.create_user(f"eve-{path.replace('/', '-')}")
    r = api.get(url, as_user=f"eve-{path.replace('/', '-')}", query_string=query)
    assert r.status_code == 404


def expanded(golden, kind, **params):
    rows = ok(get(golden, "metrics/expanded", **RANGE, type=kind, **params))
    return [(r["name"], r["pageviews"], r["visitors"], r["visits"], r["bounces"],
             r["totaltime"]) for r in rows]


@pytest.mark.parametrize("kind, params, expected", [
    # (value, session, visit) groups: every path alone in its visit group
    ("path", {}, [("/", 3, 3, 3, 3, 0), ("/docs", 3, 2, 3, 3, 0), ("/blog", 2, 1, 2, 2, 0),
                  ("/pricing", 1, 1, 1, 1, 0)]),
    # first views: A1 /, A2 /docs, B1 /, C1 /, C2 /blog
    ("entry", {}, [("/", 3, 3, 3, 3, 0), ("/blog", 1, 1, 1, 1, 0), ("/docs", 1, 1, 1, 1, 0)]),
    # last views: A1 /pricing, A2 /docs, B1 /docs, C1 /blog, C2 /blog
    ("exit", {}, [("/docs", 2, 2, 2, 2, 0), ("/blog", 2, 1, 2, 2, 0),
                  ("/pricing", 1, 1, 1, 1, 0)]),
    ("browser", {}, [("Chrome", 4, 1, 2, 1, 900), ("Mobile Safari", 3, 1, 2, 1, 620),
                     ("Firefox", 2, 1, 1, 0, 900)]),
    ("referrer", {}, [("google.com", 1, 1, 1, 1, 0), ("news.ycombinator.com", 1, 1, 1, 1, 0),
                      ("t.co", 1, 1, 1, 1, 0)]),
    ("event", {}, [("signup", 3, 3, 3, 3, 0), ("download", 1, 1, 1, 1, 0)]),
    ("utmSource", {}, [("news", 1, 1, 1, 1, 0)]),
    ("path", {"search": "O", "limit": 1}, [("/docs", 3, 2, 3, 3, 0)]),
    ("path", {"browser": "Firefox"}, [("/", 1, 1, 1, 1, 0), ("/docs", 1, 1, 1, 1, 0)]),
])
def test_expanded_metrics(golden, kind, params, expected):
    assert expanded(golden, kind, **params) == expected


def test_expanded_metrics_need_a_known_type(golden):
    r = get(golden, "metrics/expanded", **RANGE, type="shoeSize")
    assert r.status_code == 400 and "'type'" in r.json["error"]["message"]


def unzip(body):
    return zipfile.ZipFile(io.BytesIO(base64.b64decode(body["zip"])))


def test_export_zips_the_tables_as_csv(golden):
    archive = unzip(ok(get(golden, "export", **RANGE, browser="Chrome")))  # no filters here
    assert archive.namelist() == ["events.csv", "pages.csv", "referrers.csv", "browsers.csv",
                                  "os.csv", "devices.csv", "countries.csv"]
    assert archive.read("events.csv").decode() == "x,y\r\nsignup,3\r\ndownload,1\r\n"
    assert archive.read("countries.csv").decode() == "x,y\r\nDE,2\r\nFR,1\r\n"
    assert archive.read("pages.csv").decode().startswith("x,y\r\n/,3\r\n")


def test_export_of_nothing_gives_empty_files(api, website):
    archive = unzip(api.get(f"/api/websites/{website['id']}/export", query_string=RANGE).json)
    assert all(archive.read(name) == b"" for name in archive.namelist())


def test_export_cells_never_start_a_formula(api, client, website):
    send(client, website["id"], url="/a", name="=cmd|' /C calc'!A0")
    send(client, website["id"], url="/a", name="@SUM(1)")
    r = api.get(f"/api/websites/{website['id']}/export",
                query_string={"startAt": T0 - 1000, "endAt": T0 + 1000})
    assert unzip(r.json).read("events.csv").decode() == (
        "x,y\r\n'=cmd|' /C calc'!A0,1\r\n'@SUM(1),1\r\n")
