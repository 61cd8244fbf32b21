"""Current-API sessions routes on the golden dataset of test_golden_v2.py, numbers by hand.

In RANGE (10-24 .. 10-25), hits per session (pageviews + events):
  A  a1 10:05, a2 10:06, e1 10:06:30 {plan, seats}, a3 10:20, a4 11:30   visits A1, A2
  B  b1 10:30, b2 10:45, e2 10:46 {plan, seats}, e3 10:47 {file}         visit B1
     (and b0 on 10-23 09:00, before RANGE: visit B0)
  C  c1 00:30, c2 00:40:20, ec 00:41 (v1 event, no data), c3 01:30       visits C1, C2
=> 13 hits, 3 visitors, 5 visits, countries DE and FR, 4 events.
"""
import pytest
from conftest import send
from test_golden_v2 import RANGE, golden, ms  # noqa: F401 - golden is a fixture

from umami_lite.queries.current.ids import session_from_uuid, session_uuid

OUTSIDE = "00000000-0000-4000-8000-000000000000"


def get(golden, route, **params):
    api, uuid, _ = golden
    return api.get(f"/api/websites/{uuid}/{route}", query_string=params)


def ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


@pytest.fixture(scope="module")
def ids(golden):
    """Returns {visitor: sessionId}, read from the list by browser."""
    rows = ok(get(golden, "sessions", **RANGE))["data"]
    names = {"Chrome": "A", "Firefox": "B", "Mobile Safari": "C"}
    return {names[row["browser"]]: row["id"] for row in rows}


def test_list_is_newest_last_hit_first(golden, ids):
    body = ok(get(golden, "sessions", **RANGE))
    assert (body["count"], body["page"], body["pageSize"]) == (3, 1, 20)
    summary = [(r["id"], r["firstAt"], r["lastAt"], r["visits"], r["views"], r["events"])
               for r in body["data"]]
    assert summary == [
        (ids["C"], "2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z", 2, 3, 1),
        (ids["A"], "2026-10-24T10:05:00.000Z", "2026-10-24T11:30:00.000Z", 2, 4, 1),
        (ids["B"], "2026-10-24T10:30:00.000Z", "2026-10-24T10:47:00.000Z", 1, 2, 2)]
    c = body["data"][0]
    assert {k: c[k] for k in ("hostname", "browser", "os", "device", "screen", "language",
                              "country", "region", "city", "createdAt")} == {
        "hostname": "www.example.com", "browser": "Mobile Safari", "os": "iOS",
        "device": "mobile", "screen": "390x844", "language": "fr-FR", "country": "FR",
        "region": None, "city": None, "createdAt": c["lastAt"]}


@pytest.mark.parametrize("params, expected", [
    ({"pageSize": 2}, (["C", "A"], 3)),
    ({"pageSize": 2, "page": 2}, (["B"], 3)),
    ({"pageSize": 2, "page": 3}, ([], 3)),
    ({"search": "fire"}, (["B"], 1)),        # contains, case-insensitive, on the browser
    ({"search": "LINUX"}, (["A"], 1)),       # on the os
    ({"search": "%"}, ([], 0)),              # a LIKE wildcard is text
    ({"browser": "neq.Chrome"}, (["C", "B"], 2)),
    ({"path": "/pricing"}, (["A"], 1)),
    ({"event": "download"}, (["B"], 1)),
])
def test_list_pages_searches_and_filters(golden, ids, params, expected):
    body = ok(get(golden, "sessions", **RANGE, **params))
    assert ([next(k for k, v in ids.items() if v == r["id"]) for r in body["data"]],
            body["count"]) == expected


def test_list_counts_only_the_filtered_hits(golden, ids):
    [row] = ok(get(golden, "sessions", **RANGE, path="/docs", browser="Firefox"))["data"]
    assert (row["id"], row["views"], row["events"], row["visits"]) == (ids["B"], 1, 2, 1)


@pytest.mark.parametrize("params, expected", [
    ({}, (13, 3, 5, 2, 4)),
    ({"browser": "Firefox"}, (4, 1, 1, 1, 2)),
    ({"country": "FR"}, (4, 1, 2, 1, 1)),
    ({"event": "signup"}, (3, 3, 3, 2, 3)),
    ({"startAt": ms("2026-10-25 00:00:00")}, (4, 1, 2, 1, 1)),
])
def test_stats(golden, params, expected):
    body = ok(get(golden, "sessions/stats", **{**RANGE, **params}))
    names = ("pageviews", "visitors", "visits", "countries", "events")
    assert body == {name: {"value": value} for name, value in zip(names, expected)}


def cells(grid):
    return {(day, hour): n for day, row in enumerate(grid) for hour, n in enumerate(row) if n}


def test_weekly_in_utc(golden):
    grid = ok(get(golden, "sessions/weekly", **RANGE, timezone="UTC"))
    assert len(grid) == 7 and all(len(row) == 24 for row in grid)
    # 10-24 is a Saturday (6): A and B at 10, A at 11; Sunday (0): C at 00 and 01.
    assert cells(grid) == {(6, 10): 2, (6, 11): 1, (0, 0): 1, (0, 1): 1}


def test_weekly_across_the_dst_change(golden):
    # Berlin leaves CEST at 10-25 01:00 UTC: c1, c2 (00:30, 00:40 UTC) are 02:xx CEST and
    # c3 (01:30 UTC) is 02:30 CET, so C counts once in Sunday 02.
    grid = ok(get(golden, "sessions/weekly", **RANGE, timezone="Europe/Berlin"))
    assert cells(grid) == {(6, 12): 2, (6, 13): 1, (0, 2): 1}


def test_weekly_counts_pageviews_only(golden):
    # B's events at 10:46 and 10:47 fall in B's pageview hour anyway; an event filter
    # leaves no pageview to count.
    assert cells(ok(get(golden, "sessions/weekly", **RANGE, timezone="UTC",
                        event="signup"))) == {}


def test_detail_covers_every_hit_of_the_session(golden, ids):
    b = ok(get(golden, f"sessions/{ids['B']}"))
    # b0 (10-23, visit B0) is outside RANGE but part of the session; B1 spans 10:30 to the
    # event at 10:47 (1,020 s).
    assert {k: b[k] for k in ("id", "distinctId", "browser", "firstAt", "lastAt", "visits",
                              "views", "events", "totaltime")} == {
        "id": ids["B"], "distinctId": None, "browser": "Firefox",
        "firstAt": "2026-10-23T09:00:00.000Z", "lastAt": "2026-10-24T10:47:00.000Z",
        "visits": 2, "views": 3, "events": 2, "totaltime": 1020}
    a = ok(get(golden, f"sessions/{ids['A']}"))
    assert (a["visits"], a["views"], a["events"], a["totaltime"]) == (2, 4, 1, 900)


def test_activity_is_newest_first(golden, ids):
    rows = ok(get(golden, f"sessions/{ids['B']}/activity", **RANGE))
    assert [(r["createdAt"][11:19], r["eventType"], r["urlPath"], r["eventName"],
             r["hasData"]) for r in rows] == [
        ("10:47:00", 2, "/docs", "download", True), ("10:46:00", 2, "/docs", "signup", True),
        ("10:45:00", 1, "/docs", None, False), ("10:30:00", 1, "/", None, False)]
    assert rows[0]["referrerDomain"] is None and rows[3]["referrerDomain"] == \
        "news.ycombinator.com"
    assert len({r["visitId"] for r in rows}) == 1 and rows[0]["hostname"] == "example.com"
    assert len({r["eventId"] for r in rows}) == 4


def test_activity_keeps_to_the_range(golden, ids):
    rows = ok(get(golden, f"sessions/{ids['C']}/activity", startAt=ms("2026-10-25 00:40:00"),
                  endAt=ms("2026-10-25 00:59:59")))
    assert [(r["createdAt"][11:19], r["eventName"]) for r in rows] == [
        ("00:41:00", "signup"), ("00:40:20", None)]


def test_session_ids_round_trip_and_stay_apart_per_website():
    website = "9541c4e7-e320-4c06-8ffd-2c56f64f2491"
    for session_id in (1, 2, 12345, 2 ** 48 - 1):
        text = session_uuid(website, session_id)
        assert session_from_uuid(website, text) == session_id
        assert session_from_uuid(OUTSIDE, text) is None
    assert session_from_uuid(website, "not-a-uuid") is None


def test_properties_and_session_data(app, api, client, clock):
    site = api.post("/api/websites", json={"name": "P", "domain": "example.com"}).json
    first = send(client, site["id"], kind="identify", id="user-1",
                 data={"plan": "pro", "seats": 3, "beta": True}).json
    send(client, site["id"], url="/a", id="user-1")
    send(client, site["id"], kind="identify", id="user-2", data={"plan": "free"})
    send(client, site["id"], url="/b", id="user-2")
    send(client, site["id"], url="/c", remote_addr="198.51.100.9")   # no properties
    window = {"startAt": clock.now - 60_000, "endAt": clock.now + 60_000}
    base = f"/api/websites/{site['id']}"
    props = ok(api.get(f"{base}/sessions/{first['sessionId']}/properties"))
    assert [(p["dataKey"], p["dataType"], p["stringValue"], p["numberValue"]) for p in props] \
        == [("beta", 3, "true", None), ("plan", 1, "pro", None), ("seats", 2, "3", 3.0)]
    assert ok(api.get(f"{base}/session-data/properties", query_string=window)) == [
        {"propertyName": "plan", "total": 2}, {"propertyName": "beta", "total": 1},
        {"propertyName": "seats", "total": 1}]
    assert ok(api.get(f"{base}/session-data/values",
                      query_string={**window, "propertyName": "plan"})) == [
        {"value": "free", "total": 1}, {"value": "pro", "total": 1}]
    assert ok(api.get(f"{base}/session-data/values",
                      query_string={**window, "propertyName": "plan", "path": "/b"})) == [
        {"value": "free", "total": 1}]
    assert ok(api.get(f"{base}/session-data/values", query_string=window)) == []
    detail = ok(api.get(f"{base}/sessions/{first['sessionId']}"))
    assert (detail["distinctId"], detail["views"]) == ("user-1", 1)


@pytest.mark.parametrize("route, params, word", [
    ("sessions", {"startAt": "x"}, "startAt"),
    ("sessions", {"page": "0"}, "page"),
    ("sessions", {"pageSize": "1001"}, "pageSize"),
    ("sessions", {"pageSize": "9" * 30}, "pageSize"),
    ("sessions", {"search": "a\x00b"}, "search"),
    ("sessions/stats", {"endAt": "1"}, "endAt"),
    ("sessions/weekly", {}, "timezone"),
    ("sessions/weekly", {"timezone": "Mars/Olympus"}, "timezone"),
    ("session-data/properties", {"country": ""}, "country"),
])
def test_bad_parameters_are_400s_naming_them(golden, route, params, word):
    query = {**RANGE, **params}
    r = get(golden, route, **{k: v for k, v in query.items()})
    assert r.status_code == 400 and word in r.json["error"]["message"], r.json


def test_activity_needs_its_range(golden, ids):
    r = get(golden, f"sessions/{ids['A']}/activity")
    assert r.status_code == 400 and "startAt" in r.json["error"]["message"]


@pytest.mark.parametrize("suffix", ["", "/activity", "/properties"])
@pytest.mark.parametrize("key", ["not-a-uuid", OUTSIDE, "A-of-another-website"])
def test_unknown_sessions_are_404s(golden, ids, api, suffix, key):
    if key == "A-of-another-website":
        other = api.post("/api/websites", json={"name": "O", "domain": "o.example"}).json
        _, uuid, _ = golden
        key = session_uuid(other["id"], session_from_uuid(uuid, ids["A"]))
    r = get(golden, f"sessions/{key}{suffix}", **RANGE)
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"


@pytest.mark.parametrize("suffix", ["", "/activity", "/properties"])
def test_one_session_needs_access(golden, ids, suffix):
    api, uuid, _ = golden
    url = f"/api/websites/{uuid}/sessions/{ids['A']}{suffix}"
    anonymous = api.client.application.test_client()
    assert anonymous.get(url, query_string=RANGE).status_code == 401
    api.create_user(f"eve{len(suffix)}")
    r = api.get(url, as_user=f"eve{len(suffix)}", query_string=RANGE)
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"
