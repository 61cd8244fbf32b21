"""Saved segments and cohorts: CRUD, parameter checks, access, and `segment=<id>` on the read
routes, on the golden dataset of test_golden_v2.py (B is the only Firefox visitor: in RANGE,
views b1 / and b2 /docs in one visit of 900 s, events signup and download)."""
import pytest
from conftest import count_rows
from test_golden_v2 import RANGE, golden, ms  # noqa: F401 - golden is a fixture

from umami_lite.queries import segments

FIREFOX = {"filters": [{"name": "browser", "operator": "eq", "value": "Firefox"}],
           "match": "all"}
COHORT = {"filters": [], "match": "all", "dateRange": "30day",
          "action": {"type": "path", "value": "/docs"}}


def base(golden):
    return f"/api/websites/{golden[1]}/segments"


@pytest.fixture(scope="module")
def firefox(golden):
    api = golden[0]
    r = api.post(base(golden), json={"type": "segment", "name": "Firefox", "parameters": FIREFOX})
    assert r.status_code == 200, r.json
    return r.json


def stats(golden, **params):
    api, uuid, _ = golden
    r = api.get(f"/api/websites/{uuid}/stats", query_string={**RANGE, **params})
    assert r.status_code == 200, r.json
    return {k: r.json[k] for k in ("pageviews", "visitors", "visits", "bounces", "totaltime")}


def test_a_segment_is_saved_with_its_parameters(golden, firefox):
    assert {k: firefox[k] for k in ("websiteId", "type", "name", "parameters")} == {
        "websiteId": golden[1], "type": "segment", "name": "Firefox", "parameters": FIREFOX}
    api = golden[0]
    assert api.get(f"{base(golden)}/{firefox['id']}").json == firefox
    listed = api.get(base(golden), query_string={"type": "segment"}).json
    assert [s["id"] for s in listed["data"]] == [firefox["id"]] and listed["count"] == 1
    assert (listed["page"], listed["pageSize"]) == (1, 20)
    assert api.get(base(golden), query_string={"type": "cohort"}).json["count"] == 0
    found = api.get(base(golden), query_string={"type": "segment", "search": "FIRE"}).json
    assert found["count"] == 1 and found["search"] == "FIRE"


@pytest.mark.parametrize("params, expected", [
    ({}, (2, 1, 1, 0, 900)),
    ({"browser": "Chrome"}, (2, 1, 1, 0, 900)),        # the segment's browser replaces it
    ({"path": "/docs"}, (1, 1, 1, 1, 0)),               # other filters still apply
])
def test_segment_applies_its_filters(golden, firefox, params, expected):
    got = stats(golden, segment=firefox["id"], **params)
    assert tuple(got.values()) == expected


def test_segment_on_other_routes(golden, firefox):
    api, uuid, _ = golden
    r = api.get(f"/api/websites/{uuid}/metrics",
                query_string={**RANGE, "type": "path", "segment": firefox["id"]})
    assert r.json == [{"x": "/", "y": 1}, {"x": "/docs", "y": 1}]
    r = api.get(f"/api/websites/{uuid}/sessions", query_string={**RANGE,
                                                                "segment": firefox["id"]})
    assert [s["browser"] for s in r.json["data"]] == ["Firefox"]


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_segment_is_a_400(golden, value):
    api, uuid, _ = golden
    r = api.get(f"/api/websites/{uuid}/stats", query_string={**RANGE, "segment": value})
    assert r.status_code == 400 and "'segment'" in r.json["error"]["message"]


def cohort(golden, **parameters):
    api = golden[0]
    r = api.post(base(golden), json={"type": "cohort", "name": "C",
                                     "parameters": {**COHORT, **parameters}})
    assert r.status_code == 200, r.json
    return r.json


DAY_24 = f"range:{ms('2026-10-24 00:00:00')}:{ms('2026-10-24 23:59:59.999')}"


@pytest.mark.parametrize("parameters, expected", [
    # A viewed /pricing on 10-24: A's views in RANGE are a1..a4, visits A1 (900 s) and A2
    ({"dateRange": DAY_24, "action": {"type": "path", "value": "/pricing"}}, (4, 1, 2, 1, 900)),
    # /docs on 10-24: A and B; a comma gives alternatives
    ({"dateRange": DAY_24, "action": {"type": "path", "value": "/docs"}}, (6, 2, 3, 1, 1800)),
    ({"dateRange": DAY_24, "action": {"type": "path", "value": "/nothing,/pricing"}},
     (4, 1, 2, 1, 900)),
    # signups on 10-24 by Firefox users: B only (the cohort's filters test its own hits)
    ({"dateRange": DAY_24, "action": {"type": "event", "value": "signup"},
      "filters": [{"name": "browser", "operator": "eq", "value": "Firefox"}]},
     (2, 1, 1, 0, 900)),
    # C read /blog on 10-25 only, outside the cohort's range
    ({"dateRange": DAY_24, "action": {"type": "path", "value": "/blog"}}, (0, 0, 0, 0, 0)),
])
def test_cohort_keeps_the_rows_of_its_sessions(golden, parameters, expected):
    made = cohort(golden, **parameters)
    assert tuple(stats(golden, cohort=made["id"]).values()) == expected


def test_cohort_and_request_filters_combine(golden, firefox):
    made = cohort(golden, dateRange=DAY_24, action={"type": "path", "value": "/docs"})
    assert tuple(stats(golden, cohort=made["id"], browser="Chrome").values()) == (
        4, 1, 2, 1, 900)
    assert tuple(stats(golden, cohort=made["id"], segment=firefox["id"]).values()) == (
        2, 1, 1, 0, 900)


@pytest.mark.parametrize("text, now, expected", [
    ("0day", "2026-10-24 10:05:00", ("2026-10-24 00:00:00", "2026-10-24 23:59:59.999")),
    ("30day", "2026-10-24 10:05:00", ("2026-09-24 00:00:00", "2026-10-24 23:59:59.999")),
    ("2hour", "2026-10-24 10:05:00", ("2026-10-24 08:00:00", "2026-10-24 10:59:59.999")),
    ("1week", "2026-10-24 10:05:00", ("2026-10-12 00:00:00", "2026-10-25 23:59:59.999")),
    ("1month", "2026-01-15 00:00:00", ("2025-12-01 00:00:00", "2026-01-31 23:59:59.999")),
    ("1year", "2026-03-01 00:00:00", ("2025-01-01 00:00:00", "2026-12-31 23:59:59.999")),
    ("range:5:9", "2026-03-01 00:00:00", (5, 9)),
])
def test_cohort_date_ranges_in_utc(text, now, expected):
    want = tuple(ms(x) if isinstance(x, str) else x for x in expected)
    assert segments.date_range(text, ms(now)) == want


@pytest.mark.parametrize("key, value", [("cohort", "x"), ("segment", "x")])
def test_a_saved_id_of_the_other_kind_is_a_400(golden, firefox, key, value):
    made = cohort(golden, dateRange="30day", action={"type": "path", "value": "/"})
    api, uuid, _ = golden
    for kind, saved in (("segment", made["id"]), ("cohort", firefox["id"]), (key, value)):
        r = api.get(f"/api/websites/{uuid}/stats", query_string={**RANGE, kind: saved})
        assert r.status_code == 400 and f"'{kind}'" in r.json["error"]["message"]


def test_update_and_delete(app, api, website):
    url = f"/api/websites/{website['id']}/segments"
    made = api.post(url, json={"type": "segment", "name": "A", "parameters": FIREFOX}).json
    chrome = {"filters": [{"name": "browser", "operator": "neq", "value": "Chrome"},
                          {"name": "browser", "operator": "c", "value": "fox"}], "match": "all"}
    r = api.post(f"{url}/{made['id']}", json={"type": "segment", "name": "B",
                                               "parameters": chrome})
    assert (r.json["name"], r.json["parameters"]) == ("B", chrome)
    assert r.json["createdAt"] == made["createdAt"]
    assert api.delete(f"{url}/{made['id']}").json == {"ok": True}
    assert api.get(f"{url}/{made['id']}").status_code == 404
    assert count_rows(app, "segment") == 0


@pytest.mark.parametrize("body, word", [
    ({"type": "group", "name": "x", "parameters": FIREFOX}, "type"),
    ({"type": "segment", "parameters": FIREFOX}, "name"),
    ({"type": "segment", "name": "n" * 201, "parameters": FIREFOX}, "name"),
    ({"type": "segment", "name": "x"}, "parameters"),
    ({"type": "segment", "name": "x", "parameters": {"filters": "browser"}}, "filters"),
    ({"type": "segment", "name": "x", "parameters": {"filters": [
        {"name": "browser", "operator": "gt", "value": "1"}]}}, "operator"),
    ({"type": "segment", "name": "x", "parameters": {"filters": [
        {"name": "browser", "operator": "re", "value": "^F"}]}}, "operator"),
    ({"type": "segment", "name": "x", "parameters": {"filters": [
        {"name": "shoeSize", "operator": "eq", "value": "9"}]}}, "name"),
    ({"type": "segment", "name": "x", "parameters": {"filters": [
        {"name": "browser", "operator": "eq", "value": ""}]}}, "value"),
    ({"type": "segment", "name": "x", "parameters": {"filters": [
        {"name": "browser", "operator": "eq", "value": 3}]}}, "value"),
    ({"type": "segment", "name": "x", "parameters": {**FIREFOX, "match": "any"}}, "match"),
    ({"type": "segment", "name": "x", "parameters": {**FIREFOX, "match": "some"}}, "match"),
    ({"type": "cohort", "name": "x", "parameters": {**COHORT, "dateRange": "soon"}},
     "dateRange"),
    ({"type": "cohort", "name": "x", "parameters": {**COHORT, "action": {"type": "os"}}},
     "action"),
    ({"type": "cohort", "name": "x", "parameters": {**COHORT, "action": {"type": "path",
                                                                          "value": ""}}},
     "action"),
])
def test_bad_bodies_are_400s_naming_the_field_and_store_nothing(app, api, website, body, word):
    r = api.post(f"/api/websites/{website['id']}/segments", json=body)
    assert r.status_code == 400 and word in r.json["error"]["message"], r.json
    assert count_rows(app, "segment") == 0


def test_list_needs_a_type(api, website):
    r = api.get(f"/api/websites/{website['id']}/segments")
    assert r.status_code == 400 and "'type'" in r.json["error"]["message"]


def test_access(app, api, website):
    url = f"/api/websites/{website['id']}/segments"
    made = api.post(url, json={"type": "segment", "name": "A", "parameters": FIREFOX}).json
    anon = app.test_client()
    assert anon.get(url, query_string={"type": "segment"}).status_code == 401
    assert anon.post(url, json={}).status_code == 401
    api.create_user("eve")
    for method, path in (("GET", f"{url}/{made['id']}"), ("DELETE", f"{url}/{made['id']}"),
                         ("POST", url)):
        r = api.client.open(path, method=method, headers=api.headers("eve", "user-password-1"),
                            json={"type": "segment", "name": "E", "parameters": FIREFOX})
        assert r.status_code == 404, (method, path)
    other = api.create_website("Other")
    assert api.get(f"/api/websites/{other['id']}/segments/{made['id']}").status_code == 404
    assert count_rows(app, "segment") == 1


def test_a_share_token_reads_but_never_writes(app, api):
    site = api.post("/api/websites", json={"name": "S", "domain": "s.example",
                                           "shareId": "seg-share"}).json
    url = f"/api/websites/{site['id']}/segments"
    made = api.post(url, json={"type": "segment", "name": "A", "parameters": FIREFOX}).json
    anon = app.test_client()
    share = {"x-umami-share-token": anon.get("/api/share/seg-share").json["token"]}
    assert anon.get(f"{url}/{made['id']}", headers=share).status_code == 200
    assert anon.delete(f"{url}/{made['id']}", headers=share).status_code == 401
    assert anon.post(url, headers=share, json={"type": "segment", "name": "B",
                                               "parameters": FIREFOX}).status_code == 401
    assert count_rows(app, "segment") == 1
