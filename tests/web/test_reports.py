"""POST /api/reports/{type}: the fixture of umami-reports.md section 7, seeded through
/api/send with a movable clock, and every number it expects, plus hand-computed cases.

Website example.com, range 2026-01-01T00:00Z .. 2026-01-04T23:59:59.999Z. No cache token,
so a visit is (session, UTC hour).

  session  time (UTC)   hit                     other
  S1       01-01 10:00  view /a                 referrer google.com, ?utm_source=news&gclid=x
  S1       01-01 10:05  view /b                 referrer on its own host
  S1       01-01 10:20  event signup on /b      data {plan: pro, revenue: 30, currency: USD}
  S1       01-03 09:00  view /a
  S2       01-01 10:00  view /a
  S2       01-01 11:30  view /b
  S3       01-02 12:00  view /b
  S3       01-02 12:10  view /c
  S3       01-04 08:00  view /b
"""
from datetime import datetime, timezone

import pytest
from conftest import ADMIN_PASSWORD, ENGINES, Api, Clock, count_rows, module_database

from umami_lite import create_app

UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/156.0.0.0 Safari/537.36")
VISITORS = {"S1": ("198.51.100.1", "DE"), "S2": ("198.51.100.2", "FR"),
            "S3": ("198.51.100.3", "DE")}
HITS = [
    ("2026-01-01 10:00:00", "S1", {"url": "https://example.com/a?utm_source=news&gclid=x",
                                   "referrer": "https://www.google.com/search?q=x"}),
    ("2026-01-01 10:00:00", "S2", {"url": "/a"}),
    ("2026-01-01 10:05:00", "S1", {"url": "/b", "referrer": "https://example.com/a"}),
    ("2026-01-01 10:20:00", "S1", {"url": "/b", "name": "signup",
                                   "data": {"plan": "pro", "revenue": 30, "currency": "USD"}}),
    ("2026-01-01 11:30:00", "S2", {"url": "/b"}),
    ("2026-01-02 12:00:00", "S3", {"url": "/b"}),
    ("2026-01-02 12:10:00", "S3", {"url": "/c"}),
    ("2026-01-03 09:00:00", "S1", {"url": "/a"}),
    ("2026-01-04 08:00:00", "S3", {"url": "/b"}),
]
START, END = "2026-01-01T00:00:00.000Z", "2026-01-04T23:59:59.999Z"


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def make(database):
    clock = Clock()
    app = create_app({
        "UMAMI_LITE_DATABASE": database,
        "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "UMAMI_LITE_CLOCK": clock,
        "UMAMI_LITE_COUNTRY_HEADER": "CF-IPCountry", "TESTING": True})
    api = Api(app.test_client())
    website = api.post("/api/websites", json={"name": "W", "domain": "example.com",
                                              "shareId": "w-share"}).json
    return app, api, website["id"], clock


def send(api, clock, website, when, who, fields):
    ip, country = VISITORS[who]
    clock.now = ms(when)
    r = api.client.post("/api/send", headers={"User-Agent": UA, "CF-IPCountry": country},
                        environ_base={"REMOTE_ADDR": ip}, json={"type": "event", "payload": {
                            "website": website, "hostname": "example.com",
                            "screen": "1920x1080", "language": "en-US", **fields}})
    assert r.status_code == 200, r.get_data(as_text=True)


@pytest.fixture(scope="module", params=ENGINES)
def fixture(request, tmp_path_factory):
    """Returns (app, api, website uuid) after seeding HITS; the tests here only read."""
    app, api, website, clock = make(module_database(request, tmp_path_factory, "reports"))
    for when, who, fields in HITS:
        send(api, clock, website, when, who, fields)
    return app, api, website


def run(fixture, kind, parameters, filters=None, status=200, **extra):
    _, api, website = fixture
    body = {"websiteId": website, "type": kind, "filters": filters or {},
            "parameters": {"startDate": START, "endDate": END, **parameters}, **extra}
    r = api.post(f"/api/reports/{kind}", json=body)
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


STEPS = [{"type": "path", "value": "/a"}, {"type": "path", "value": "/b"},
         {"type": "event", "value": "signup"}]


def funnel_numbers(answer):
    return [(s["visitors"], s["previous"], s["dropped"], s["dropoff"], s["remaining"])
            for s in answer]


def test_funnel_window_60(fixture):
    answer = run(fixture, "funnel", {"window": 60, "steps": STEPS})
    assert answer == [
        {"type": "path", "value": "/a", "visitors": 2, "previous": 0, "dropped": 0,
         "dropoff": None, "remaining": 1.0},
        {"type": "path", "value": "/b", "visitors": 1, "previous": 2, "dropped": 1,
         "dropoff": 0.5, "remaining": 0.5},
        {"type": "event", "value": "signup", "visitors": 1, "previous": 1, "dropped": 0,
         "dropoff": 0.0, "remaining": 0.5}]


def test_funnel_window_120_lets_s2_reach_b_at_11_30(fixture):
    answer = run(fixture, "funnel", {"window": 120, "steps": STEPS})
    assert [s["visitors"] for s in answer] == [2, 2, 1]
    assert funnel_numbers(answer)[2] == (1, 2, 1, 0.5, 0.5)


@pytest.mark.parametrize("plan, expected", [
    ("pro", (1, 1, 0, 0.0, 0.5)),
    ("free", (0, 1, 1, 1.0, 0.0)),
])
def test_funnel_step_filter(fixture, plan, expected):
    steps = [*STEPS[:2], {**STEPS[2], "filters": [
        {"property": "plan", "operator": "eq", "value": plan}]}]
    answer = run(fixture, "funnel", {"window": 60, "steps": steps})
    assert funnel_numbers(answer)[2] == expected
    assert answer[2]["filters"] == steps[2]["filters"]  # the step's own keys are echoed


def test_funnel_step_filter_on_a_number_and_contains(fixture):
    steps = [STEPS[1], {**STEPS[2], "filters": [
        {"property": "revenue", "operator": "eq", "value": "30"},
        {"property": "currency", "operator": "c", "value": "us"}]}]
    assert [s["visitors"] for s in run(fixture, "funnel", {"window": 60, "steps": steps})] \
        == [3, 1]


def test_funnel_report_filters_narrow_step_one_only(fixture):
    # S2 is from FR: only S1 and S3 pass country=DE, and S3 never views /a
    answer = run(fixture, "funnel", {"window": 120, "steps": STEPS}, {"country": "eq.DE"})
    assert [s["visitors"] for s in answer] == [1, 1, 1]


def test_retention(fixture):
    assert run(fixture, "retention", {}) == [
        {"date": "2026-01-01T00:00:00Z", "day": 0, "visitors": 2, "returnVisitors": 2,
         "percentage": 100.0},
        {"date": "2026-01-01T00:00:00Z", "day": 2, "visitors": 2, "returnVisitors": 1,
         "percentage": 50.0},
        {"date": "2026-01-02T00:00:00Z", "day": 0, "visitors": 1, "returnVisitors": 1,
         "percentage": 100.0},
        {"date": "2026-01-02T00:00:00Z", "day": 2, "visitors": 1, "returnVisitors": 1,
         "percentage": 100.0}]


def test_retention_in_a_time_zone_shifts_days(fixture):
    # In Pacific/Kiritimati (UTC+14) S3's 01-02 12:00 is 01-03 02:00 and its 01-04 08:00 is
    # 01-04 22:00: one day later only; S1's 01-01 10:00 is 01-02 00:00, 01-03 09:00 is
    # 01-03 23:00.
    rows = run(fixture, "retention", {"timezone": "Pacific/Kiritimati"})
    assert [(r["date"], r["day"], r["returnVisitors"]) for r in rows] == [
        ("2026-01-02 00:00:00", 0, 2), ("2026-01-02 00:00:00", 1, 1),
        ("2026-01-03 00:00:00", 0, 1), ("2026-01-03 00:00:00", 1, 1)]


def test_retention_filters_pick_the_cohort_not_the_return(fixture):
    # path=/c: only S3 (01-02) enters; its return on 01-04 is a view of /b, still counted
    assert run(fixture, "retention", {}, {"path": "eq./c"}) == [
        {"date": "2026-01-02T00:00:00Z", "day": 0, "visitors": 1, "returnVisitors": 1,
         "percentage": 100.0},
        {"date": "2026-01-02T00:00:00Z", "day": 2, "visitors": 1, "returnVisitors": 1,
         "percentage": 100.0}]


@pytest.mark.parametrize("parameters, filters, expected", [
    ({"type": "path", "value": "/b"}, {}, {"num": 3, "total": 3}),
    ({"type": "event", "value": "signup"}, {}, {"num": 1, "total": 3}),
    ({"type": "path", "value": "/a"}, {"path": "eq./a"}, {"num": 2, "total": 2}),
    ({"type": "path", "value": "/*"}, {"country": "eq.DE"}, {"num": 2, "total": 2}),
    ({"type": "event", "value": "sign*"}, {}, {"num": 1, "total": 3}),
    ({"type": "event", "value": "*up"}, {}, {"num": 1, "total": 3}),
    ({"type": "path", "value": "/%"}, {}, {"num": 0, "total": 3}),  # % is no wildcard
    ({"type": "path", "value": "/B"}, {}, {"num": 0, "total": 3}),  # case matters
])
def test_goal(fixture, parameters, filters, expected):
    assert run(fixture, "goal", parameters, filters) == expected


def empty_lists():
    return {name: [] for name in ("referrer", "paidAds", "utm_source", "utm_medium",
                                  "utm_campaign", "utm_content", "utm_term")}


def test_attribution_first_click(fixture):
    answer = run(fixture, "attribution", {"model": "first-click", "type": "event",
                                          "step": "signup"})
    assert answer == {**empty_lists(), "referrer": [{"name": "google.com", "value": 1}],
                      "paidAds": [{"name": "Google Ads", "value": 1}],
                      "utm_source": [{"name": "news", "value": 1}],
                      "total": {"pageviews": 1, "visitors": 1, "visits": 1}}


def test_attribution_last_click_is_the_self_referral(fixture):
    answer = run(fixture, "attribution", {"model": "last-click", "type": "event",
                                          "step": "signup"})
    assert answer == {**empty_lists(), "total": {"pageviews": 1, "visitors": 1, "visits": 1}}


def test_attribution_by_path_counts_views(fixture):
    # conversions: views of /b by S1, S2, S3 (S3 twice, on 01-02 and 01-04)
    first = run(fixture, "attribution", {"model": "first-click", "type": "path", "step": "/b"})
    assert first["referrer"] == [{"name": "google.com", "value": 1}]
    assert first["total"] == {"pageviews": 4, "visitors": 3, "visits": 4}
    # last-click: S1's touch is 10:00 (before its /b at 10:05); S2's /a, S3's /c: no source
    last = run(fixture, "attribution", {"model": "last-click", "type": "path", "step": "/b"})
    assert last["utm_source"] == [{"name": "news", "value": 1}]


def test_journey_of_three_steps(fixture):
    rows = run(fixture, "journey", {"steps": 3})
    assert sorted((r["count"], r["items"]) for r in rows) == sorted([
        (1, ["/a", "/b", "signup", None]), (2, ["/a", None, None]),
        (2, ["/b", None, None]), (1, ["/b", "/c", None, None])])
    assert [r["count"] for r in rows] == [2, 2, 1, 1]


def test_journey_start_end_and_event_type(fixture):
    assert run(fixture, "journey", {"steps": 3, "startStep": "/b"}) == [
        {"items": ["/b", None, None], "count": 2}, {"items": ["/b", "/c", None, None],
                                                     "count": 1}]
    assert run(fixture, "journey", {"steps": 3, "endStep": "/c"}) == [
        {"items": ["/b", "/c", None, None], "count": 1}]
    # views only: S1's first visit is /a, /b
    views = run(fixture, "journey", {"steps": 2, "eventType": 1, "startStep": "/a"})
    assert views == [{"items": ["/a", None, None], "count": 2},
                     {"items": ["/a", "/b", None], "count": 1}]


def test_journey_of_seven_steps_has_no_trailing_null_when_full(db_path):
    app, api, website, clock = make(db_path)
    for minute, path in enumerate(["/1", "/2", "/2", "/3", "/4", "/5", "/6", "/7", "/8"]):
        send(api, clock, website, f"2026-01-01 10:{minute:02d}:00", "S1", {"url": path})
    r = api.post("/api/reports/journey", json={
        "websiteId": website, "filters": {},
        "parameters": {"startDate": START, "endDate": END, "steps": 7}})
    assert r.json == [{"items": ["/1", "/2", "/3", "/4", "/5", "/6"], "count": 1}]


def test_breakdown_by_path(fixture):
    assert run(fixture, "breakdown", {"fields": ["path"]}) == [
        {"path": "/b", "views": 4, "visitors": 3, "visits": 4, "bounces": 4, "totaltime": 0},
        {"path": "/a", "views": 3, "visitors": 2, "visits": 3, "bounces": 3, "totaltime": 0},
        {"path": "/c", "views": 1, "visitors": 1, "visits": 1, "bounces": 1, "totaltime": 0}]


def test_breakdown_by_country_and_referrer(fixture):
    # DE: S1 (4 hits... 3 views) and S3 (3 views); visits S1 10h, S1 01-03, S3 01-02, S3 01-04
    rows = run(fixture, "breakdown", {"fields": ["country", "referrer"]})
    assert rows == [
        {"country": "DE", "referrer": None, "views": 4, "visitors": 2, "visits": 3,
         "bounces": 2, "totaltime": 600},
        {"country": "FR", "referrer": None, "views": 2, "visitors": 1, "visits": 2,
         "bounces": 2, "totaltime": 0},
        {"country": "DE", "referrer": "example.com", "views": 1, "visitors": 1, "visits": 1,
         "bounces": 1, "totaltime": 0},
        {"country": "DE", "referrer": "google.com", "views": 1, "visitors": 1, "visits": 1,
         "bounces": 1, "totaltime": 0}]


def test_utm(fixture):
    assert run(fixture, "utm", {}) == {
        "utm_source": [{"utm": "news", "views": 1}], "utm_medium": [], "utm_campaign": [],
        "utm_term": [], "utm_content": []}


def test_revenue(fixture):
    answer = run(fixture, "revenue", {"currency": "USD"})
    assert answer == {
        "chart": [{"x": "signup", "t": "2026-01-01T00:00:00Z", "y": 30.0, "count": 1}],
        "total": {"sum": 30.0, "count": 1, "unique_count": 1, "total_sessions": 3,
                  "average": 30.0, "arpu": 10.0,
                  "comparison": {"sum": None, "count": 0, "unique_count": 0,
                                 "total_sessions": 0, "average": 0, "arpu": 0}},
        "country": [{"name": "DE", "value": 30.0}],
        "region": [{"country": "DE", "name": None, "value": 30.0}],
        "referrer": [{"name": "google.com", "value": 30.0}],
        "channel": [{"name": "paidAds", "value": 30.0}]}


def test_revenue_currency_case_and_other_currency(fixture):
    assert run(fixture, "revenue", {"currency": "usd"})["total"]["sum"] == 30.0
    other = run(fixture, "revenue", {"currency": "EUR"})
    assert other["chart"] == [] and other["total"]["sum"] is None
    assert other["total"]["total_sessions"] == 3 and other["total"]["arpu"] == 0


def test_revenue_compare_holds_the_earlier_period(fixture):
    # compare=prev is the same length just before: nothing there; yoy: 2025, nothing
    for mode in ("prev", "yoy"):
        answer = run(fixture, "revenue", {"currency": "USD", "compare": mode, "unit": "hour"})
        assert answer["chart"][0]["t"] == "2026-01-01T10:00:00Z"
        assert answer["total"]["comparison"]["count"] == 0


def test_performance_answers_no_data(fixture):
    answer = run(fixture, "performance", {"metric": "inp"})
    zero = {"p50": 0, "p75": 0, "p95": 0}
    assert answer == {"chart": [], "summary": {m: zero for m in ("lcp", "inp", "cls", "fcp",
                                                                  "ttfb")} | {"count": 0},
                      "pages": [], "pageTitles": [], "devices": [], "browsers": []}


def test_epoch_millisecond_dates_and_a_narrow_range(fixture):
    _, api, website = fixture
    r = api.post("/api/reports/goal", json={"websiteId": website, "filters": {}, "parameters": {
        "startDate": ms("2026-01-02 00:00:00"), "endDate": ms("2026-01-02 23:59:59.999"),
        "type": "path", "value": "/b"}})
    assert r.json == {"num": 1, "total": 1}


# Hand-computed windows: one visitor does A then B after `gap` minutes; window 30.
@pytest.mark.parametrize("gap, reached", [(10, 1), (30, 1), (31, 0)])
def test_funnel_counts_b_only_inside_the_window(db_path, gap, reached):
    app, api, website, clock = make(db_path)
    send(api, clock, website, "2026-01-01 10:00:00", "S1", {"url": "/a"})
    send(api, clock, website, f"2026-01-01 10:{gap:02d}:00", "S1", {"url": "/b"})
    send(api, clock, website, "2026-01-01 09:00:00", "S2", {"url": "/b"})  # B before A only
    send(api, clock, website, "2026-01-01 09:30:00", "S2", {"url": "/a"})
    r = api.post("/api/reports/funnel", json={"websiteId": website, "filters": {},
                 "parameters": {"startDate": START, "endDate": END, "window": 30,
                                "steps": [{"type": "path", "value": "/a"},
                                          {"type": "path", "value": "/b"}]}})
    assert [s["visitors"] for s in r.json] == [2, reached]


def test_first_and_last_click_differ_on_the_same_visitors(db_path):
    # S1 lands from news.example (utm_source=mail), comes back from search (utm_source=ads)
    # and buys; S2 lands from search and buys at once (no touch before its conversion).
    app, api, website, clock = make(db_path)
    send(api, clock, website, "2026-01-01 10:00:00", "S1", {
        "url": "/?utm_source=mail", "referrer": "https://news.example/"})
    send(api, clock, website, "2026-01-02 10:00:00", "S1", {
        "url": "/p?utm_source=ads", "referrer": "https://duckduckgo.com/"})
    send(api, clock, website, "2026-01-02 10:01:00", "S1", {"url": "/p", "name": "buy"})
    send(api, clock, website, "2026-01-03 10:00:00", "S2", {"url": "/p", "name": "buy"})

    def lists(model):
        r = api.post("/api/reports/attribution", json={"websiteId": website, "filters": {},
                     "parameters": {"startDate": START, "endDate": END, "model": model,
                                    "type": "event", "step": "buy"}})
        assert r.json["total"] == {"pageviews": 2, "visitors": 2, "visits": 2}
        return r.json["referrer"], r.json["utm_source"]

    assert lists("first-click") == ([{"name": "news.example", "value": 1}],
                                    [{"name": "mail", "value": 1}])
    assert lists("last-click") == ([{"name": "duckduckgo.com", "value": 1}],
                                   [{"name": "ads", "value": 1}])


def test_a_cohorts_day_three_return(db_path):
    app, api, website, clock = make(db_path)
    for when, who in (("2026-01-01 23:59:00", "S1"), ("2026-01-04 00:01:00", "S1"),
                      ("2026-01-01 12:00:00", "S2"), ("2026-01-05 12:00:00", "S2")):
        send(api, clock, website, when, who, {"url": "/"})
    r = api.post("/api/reports/retention", json={"websiteId": website, "filters": {},
                 "parameters": {"startDate": START, "endDate": "2026-01-31T00:00:00Z"}})
    assert [(x["day"], x["returnVisitors"], x["percentage"]) for x in r.json] == [
        (0, 2, 100.0), (3, 1, 50.0), (4, 1, 50.0)]


def test_revenue_channel_of_a_visitor_without_referrer_is_direct(db_path):
    app, api, website, clock = make(db_path)
    send(api, clock, website, "2026-01-01 10:00:00", "S1", {"url": "/"})
    send(api, clock, website, "2026-01-01 10:01:00", "S1", {
        "url": "/", "name": "buy", "data": {"revenue": 12.5, "currency": "eur"}})
    send(api, clock, website, "2026-01-01 10:02:00", "S1", {
        "url": "/", "name": "buy", "data": {"revenue": 0, "currency": "EUR"}})  # not > 0
    r = api.post("/api/reports/revenue", json={"websiteId": website, "filters": {},
                 "parameters": {"startDate": START, "endDate": END, "currency": "EUR"}})
    assert r.json["channel"] == [{"name": "direct", "value": 12.5}]
    assert r.json["referrer"] == [{"name": None, "value": 12.5}]
    assert r.json["total"]["count"] == 1


# Access: no token 401, another user's website 404, the share token runs reports.
def test_access(fixture):
    app, api, website = fixture
    body = {"websiteId": website, "filters": {},
            "parameters": {"startDate": START, "endDate": END, "type": "path", "value": "/a"}}
    anonymous = app.test_client()  # api.client holds the login cookie
    assert anonymous.post("/api/reports/goal", json=body).status_code == 401
    if "other" not in api._tokens:
        api.create_user("other")
    r = api.post("/api/reports/goal", as_user="other", json=body)
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"
    share = api.client.get("/api/share/w-share").json["token"]
    r = anonymous.post("/api/reports/goal", json=body, headers={"x-umami-share-token": share})
    assert r.status_code == 200 and r.json == {"num": 2, "total": 3}
    unknown = {**body, "websiteId": "00000000-0000-4000-8000-000000000000"}
    assert api.post("/api/reports/goal", json=unknown).status_code == 404


def _bad(**changes):
    parameters = {"startDate": START, "endDate": END, **changes.pop("parameters", {})}
    return {"filters": {}, **changes, "parameters": parameters}


@pytest.mark.parametrize("kind, body, field", [
    ("funnel", _bad(parameters={"window": 60, "steps": STEPS[:1]}), "parameters.steps"),
    ("funnel", _bad(parameters={"window": 60, "steps": STEPS * 3}), "parameters.steps"),
    ("funnel", _bad(parameters={"window": 0, "steps": STEPS}), "parameters.window"),
    ("funnel", _bad(parameters={"window": "60", "steps": STEPS}), "parameters.window"),
    ("funnel", _bad(parameters={"window": 60, "steps": [STEPS[0], {"type": "url",
                                                                   "value": "/b"}]}),
     "parameters.steps[1].type"),
    ("funnel", _bad(parameters={"window": 60, "steps": [STEPS[0], {
        "type": "event", "value": "x", "filters": [{"property": "p", "operator": "re",
                                                    "value": "v"}]}]}),
     "parameters.steps[1].filters[0].operator"),
    ("funnel", _bad(type="goal", parameters={"window": 60, "steps": STEPS}), "type"),
    ("journey", _bad(parameters={"steps": 8}), "parameters.steps"),
    ("journey", _bad(parameters={"steps": 1}), "parameters.steps"),
    ("goal", _bad(parameters={"type": "url", "value": "/a"}), "parameters.type"),
    ("goal", _bad(parameters={"type": "path"}), "parameters.value"),
    ("goal", _bad(parameters={"type": "path", "value": "/a", "startDate": "yesterday"}),
     "parameters.startDate"),
    ("goal", _bad(parameters={"type": "path", "value": "/a", "endDate": "2025-01-01"}),
     "parameters.endDate"),
    ("goal", _bad(parameters={"type": "path", "value": "/a", "startDate": None}),
     "parameters.startDate"),
    ("goal", {"filters": {}, "parameters": {"type": "path", "value": "/a"},
              "websiteId": "x"}, "parameters.startDate"),
    ("goal", _bad(filters={"browser": "re.Chr.*"}, parameters={"type": "path", "value": "/a"}),
     "filters.browser"),
    ("goal", _bad(filters={"brwser": "eq.Chrome"}, parameters={"type": "path", "value": "/a"}),
     "filters.brwser"),
    ("goal", _bad(filters={"browser": 3}, parameters={"type": "path", "value": "/a"}),
     "filters.browser"),
    ("goal", _bad(filters={"match": "any"}, parameters={"type": "path", "value": "/a"}),
     "filters.match"),
    ("goal", _bad(filters={"segment": "00000000-0000-4000-8000-000000000000"},
                  parameters={"type": "path", "value": "/a"}), "filters.segment"),
    ("goal", _bad(filters=[], parameters={"type": "path", "value": "/a"}), "filters"),
    ("attribution", _bad(parameters={"model": "linear", "type": "event", "step": "x"}),
     "parameters.model"),
    ("breakdown", _bad(parameters={"fields": []}), "parameters.fields"),
    ("breakdown", _bad(parameters={"fields": ["path", "screen"]}), "parameters.fields[1]"),
    ("breakdown", _bad(parameters={"fields": [{"name": "path"}]}), "parameters.fields[0]"),
    ("breakdown", _bad(parameters={"fields": "path"}), "parameters.fields"),
    ("funnel", _bad(parameters={"window": 60, "steps": [STEPS[0], ["/b"]]}),
     "parameters.steps[1]"),
    ("funnel", _bad(parameters={"window": 60, "steps": [STEPS[0], {**STEPS[1],
                                                                   "filters": [["p"]]}]}),
     "parameters.steps[1].filters[0]"),
    ("goal", _bad(parameters={"type": ["path"], "value": "/a"}), "parameters.type"),
    ("goal", _bad(parameters={"type": "path", "value": "/a", "startDate": float("nan")}),
     "parameters.startDate"),
    ("goal", _bad(parameters={"type": "path", "value": "/a", "startDate": 1e300}),
     "parameters.startDate"),
    ("goal", _bad(filters={"eventType": "x"}, parameters={"type": "path", "value": "/a"}),
     "filters.eventType"),
    ("revenue", _bad(parameters={}), "parameters.currency"),
    ("revenue", _bad(parameters={"currency": "USD", "unit": "week"}), "parameters.unit"),
    ("retention", _bad(parameters={"timezone": "Mars/Olympus"}), "parameters.timezone"),
    ("performance", _bad(parameters={"metric": "fid"}), "parameters.metric"),
])
def test_bad_input_is_a_400_naming_the_field(fixture, kind, body, field):
    app, api, website = fixture
    body = {"websiteId": website, **body}  # (a copy: the parameter is shared by both engines)
    before = count_rows(app, "report")
    r = api.post(f"/api/reports/{kind}", json=body)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.json["error"]["code"] == "bad-request"
    assert f"'{field}'" in r.json["error"]["message"] or field in r.json["error"]["message"]
    assert count_rows(app, "report") == before


def test_bad_body_is_checked_before_the_token(fixture):
    r = fixture[0].test_client().post("/api/reports/journey",
                                      json=_bad(websiteId="x", parameters={"steps": 8}))
    assert r.status_code == 400


def test_unknown_report_type_is_a_404(fixture):
    r = fixture[1].post("/api/reports/cohorts", json=_bad(websiteId=fixture[2]))
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"


def test_excluded_bounce_and_repeats_are_accepted_and_ignored(fixture):
    assert run(fixture, "goal", {"type": "path", "value": "/b"},
               {"excludeBounce": True, "browser1": "eq.Firefox", "match": "all"}) == \
        {"num": 3, "total": 3}


@pytest.mark.parametrize("kind, parameters, expected", [
    # S1 and S3 are the German visitors; both view /b
    ("segment", {"filters": [{"name": "country", "operator": "eq", "value": "DE"}],
                 "match": "all"}, {"num": 2, "total": 2}),
    # only S3 views /c: the cohort keeps its rows alone
    ("cohort", {"filters": [], "match": "all", "dateRange": "30day",
                "action": {"type": "path", "value": "/c"}}, {"num": 1, "total": 1}),
])
def test_a_saved_segment_or_cohort_narrows_a_report(fixture, kind, parameters, expected):
    app, api, website = fixture
    saved = api.post(f"/api/websites/{website}/segments",
                     json={"type": kind, "name": kind, "parameters": parameters})
    assert saved.status_code == 200, saved.json
    try:
        got = run(fixture, "goal", {"type": "path", "value": "/b"}, {kind: saved.json["id"]})
        assert got == expected
    finally:
        api.delete(f"/api/websites/{website}/segments/{saved.json['id']}")
