"""POST /api/reports/performance over vitals samples sent through /api/send, every number
computed by hand (continuous percentiles: rank = p * (n - 1), linear between neighbours).

  #  time (UTC)    who                         page               lcp   inp  cls   fcp   ttfb
  1  03-01 10:00   A Chrome, Linux, desktop    /a     "A page"    1000  100  0.01  500   100
  2  03-01 10:30   B Firefox, Windows, desktop /a     "A page"    2000  -    0.05  900   300
  3  03-01 23:30   C Mobile Safari, iOS, mobile /b    "B page"    4000  300  0.3   2000  800
  4  03-02 08:00   A                           /a?x=1#h "A page"  3000  200  -     1000  200
  5  03-02 09:00   B                           /c     "C page"    -     -    -     -     50
  (a sixth, 03-02 09:30 by B with no metric at all, stores no sample)

Summary over 1-5 (count 5):
  lcp [1000 2000 3000 4000]: p50 r1.5 = 2500, p75 r2.25 = 3250, p95 r2.85 = 3850
  inp [100 200 300]: 200, r1.5 = 250, r1.9 = 290
  cls [0.01 0.05 0.3]: 0.05, 0.05 + 0.5 * 0.25 = 0.175, 0.05 + 0.9 * 0.25 = 0.275
  fcp [500 900 1000 2000]: 950, 1250, 1850
  ttfb [50 100 200 300 800]: r2 = 200, r3 = 300, r3.8 = 300 + 0.8 * 500 = 700
"""
from datetime import datetime, timezone

import pytest
from conftest import ADMIN_PASSWORD, Api, Clock, ENGINES, module_database

from umami_lite import create_app

UA = {"A": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/156.0.0.0 Safari/537.36",
      "B": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
      "C": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"}
VISITORS = {"A": ("198.51.100.1", "1920x1080"), "B": ("198.51.100.2", "1920x1080"),
            "C": ("198.51.100.3", "390x844")}
SAMPLES = [
    ("2026-03-01 10:00:00", "A", "/a", "A page",
     {"lcp": 1000, "inp": 100, "cls": 0.01, "fcp": 500, "ttfb": 100}),
    ("2026-03-01 10:30:00", "B", "/a", "A page",
     {"lcp": 2000, "cls": 0.05, "fcp": 900, "ttfb": 300}),
    ("2026-03-01 23:30:00", "C", "/b", "B page",
     {"lcp": 4000, "inp": 300, "cls": 0.3, "fcp": 2000, "ttfb": 800}),
    ("2026-03-02 08:00:00", "A", "https://example.com/a?x=1#h", "A page",
     {"lcp": 3000, "inp": 200, "fcp": 1000, "ttfb": 200}),
    ("2026-03-02 09:00:00", "B", "/c", "C page", {"ttfb": 50}),
    ("2026-03-02 09:30:00", "B", "/c", "C page", {"duration": 900}),
]
START, END = "2026-03-01T00:00:00.000Z", "2026-03-02T23:59:59.999Z"


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def p(p50, p75, p95, count=None):
    found = {"p50": p50, "p75": p75, "p95": p95}
    return found if count is None else {**found, "count": count}


@pytest.fixture(scope="module", params=ENGINES)
def fixture(request, tmp_path_factory):
    clock = Clock()
    app = create_app({
        "UMAMI_LITE_DATABASE": module_database(request, tmp_path_factory, "perf"),
        "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "UMAMI_LITE_CLOCK": clock,
        "TESTING": True})
    api = Api(app.test_client())
    website = api.post("/api/websites", json={"name": "W", "domain": "example.com"}).json
    for when, who, url, title, metrics in SAMPLES:
        clock.now = ms(when)
        ip, screen = VISITORS[who]
        r = api.client.post("/api/send", headers={"User-Agent": UA[who]},
                            environ_base={"REMOTE_ADDR": ip}, json={
                                "type": "performance", "payload": {
                                    "website": website["id"], "url": url, "title": title,
                                    "hostname": "example.com", "screen": screen,
                                    "language": "en-US", **metrics}})
        assert r.status_code == 200, r.json
    clock.now = ms("2026-03-03 00:00:00")
    return app, api, website["id"]


def run(fixture, parameters=None, filters=None, status=200):
    _, api, website = fixture
    r = api.post("/api/reports/performance", json={
        "websiteId": website, "type": "performance", "filters": filters or {},
        "parameters": {"startDate": START, "endDate": END, **(parameters or {})}})
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


def test_summary_holds_the_five_metrics_and_the_count(fixture):
    assert run(fixture)["summary"] == {
        "lcp": p(2500, 3250, 3850), "inp": p(200, 250, 290), "cls": p(0.05, 0.175, 0.275),
        "fcp": p(950, 1250, 1850), "ttfb": p(200, 300, 700), "count": 5}


def test_chart_per_utc_day_of_lcp(fixture):
    # 03-01 [1000 2000 4000]: 2000, r1.5 = 3000, r1.9 = 3800; 03-02 [3000, null]: 3000
    assert run(fixture)["chart"] == [{"t": "2026-03-01T00:00:00Z", **p(2000, 3000, 3800)},
                                     {"t": "2026-03-02T00:00:00Z", **p(3000, 3000, 3000)}]


def test_chart_per_day_in_tokyo(fixture):
    # +09:00: 1 and 2 on 03-01 [1000 2000]: 1500, 1750, 1950; 3, 4, 5 on 03-02 [3000 4000]
    answer = run(fixture, {"timezone": "Asia/Tokyo", "unit": "day"})
    assert answer["chart"] == [{"t": "2026-03-01 00:00:00", **p(1500, 1750, 1950)},
                               {"t": "2026-03-02 00:00:00", **p(3500, 3750, 3950)}]


def test_an_hour_whose_metric_is_all_null_has_null_percentiles(fixture):
    answer = run(fixture, {"metric": "inp", "unit": "hour"})
    assert answer["chart"] == [{"t": "2026-03-01T10:00:00Z", **p(100, 100, 100)},
                               {"t": "2026-03-01T23:00:00Z", **p(300, 300, 300)},
                               {"t": "2026-03-02T08:00:00Z", **p(200, 200, 200)},
                               {"t": "2026-03-02T09:00:00Z", **p(None, None, None)}]


def test_breakdowns_by_p75_with_null_groups_last_and_counts_with_nulls(fixture):
    answer = run(fixture)
    # /a [1000 2000 3000] (the query and hash of 4 are not the page): 2000, 2500, 2900
    assert answer["pages"] == [{"name": "/b", **p(4000, 4000, 4000, 1)},
                               {"name": "/a", **p(2000, 2500, 2900, 3)},
                               {"name": "/c", **p(None, None, None, 1)}]
    assert [g["name"] for g in answer["pageTitles"]] == ["B page", "A page", "C page"]
    assert answer["pageTitles"][1] == {"name": "A page", **p(2000, 2500, 2900, 3)}
    # desktop [1000 2000 3000 null]; Firefox [2000 null]
    assert answer["devices"] == [{"name": "mobile", **p(4000, 4000, 4000, 1)},
                                 {"name": "desktop", **p(2000, 2500, 2900, 4)}]
    assert answer["browsers"] == [{"name": "Mobile Safari", **p(4000, 4000, 4000, 1)},
                                  {"name": "Chrome", **p(2000, 2500, 2900, 2)},
                                  {"name": "Firefox", **p(2000, 2000, 2000, 2)}]


def test_cls_breakdown_keeps_its_decimals(fixture):
    answer = run(fixture, {"metric": "cls"})
    # desktop [0.01 0.05]: 0.03, 0.04, 0.048
    assert answer["devices"] == [{"name": "mobile", **p(0.3, 0.3, 0.3, 1)},
                                 {"name": "desktop", **p(0.03, 0.04, 0.048, 4)}]


def test_filters_apply_to_the_samples(fixture):
    firefox = run(fixture, filters={"browser": "eq.Firefox"})
    assert firefox["summary"]["count"] == 2
    assert firefox["summary"]["lcp"] == p(2000, 2000, 2000)
    assert firefox["summary"]["inp"] == p(0, 0, 0)  # no value: 0, as Umami answers
    page = run(fixture, filters={"path": "eq./a", "title": "eq.A page"})
    assert page["summary"]["count"] == 3 and page["summary"]["ttfb"] == p(200, 250, 290)
    # a sample stores no query, tag or referrer: filters on them keep none
    for name, value in (("query", "c.x"), ("tag", "eq.t"), ("referrer", "eq.x.org")):
        assert run(fixture, filters={name: value})["summary"]["count"] == 0, name


def test_range_is_inclusive_and_narrows(fixture):
    answer = run(fixture, {"startDate": "2026-03-01T23:30:00.000Z",
                           "endDate": "2026-03-02T08:00:00.000Z"})
    assert answer["summary"]["count"] == 2 and answer["summary"]["lcp"] == p(3500, 3750, 3950)


def test_a_segment_filters_the_samples(fixture):
    _, api, website = fixture
    r = api.post(f"/api/websites/{website}/segments", json={
        "type": "segment", "name": "Desktop", "parameters": {
            "filters": [{"name": "device", "operator": "eq", "value": "desktop"}]}})
    assert r.status_code == 200, r.json
    answer = run(fixture, filters={"segment": r.json["id"]})
    assert answer["summary"]["count"] == 4 and answer["summary"]["lcp"] == p(2000, 2500, 2900)


def test_access_needs_a_login_and_the_website(fixture):
    app, api, website = fixture
    body = {"websiteId": website, "filters": {}, "parameters": {"startDate": START,
                                                                "endDate": END}}
    assert app.test_client().post("/api/reports/performance", json=body).status_code == 401
    api.create_user("eve")
    r = api.post("/api/reports/performance", as_user="eve", json=body)
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"


@pytest.mark.parametrize("parameters, field", [
    ({"metric": "fid"}, "parameters.metric"), ({"unit": "week"}, "parameters.unit"),
    ({"timezone": "Mars/Olympus"}, "parameters.timezone"),
])
def test_bad_parameters_are_400_naming_the_field(fixture, parameters, field):
    assert field in run(fixture, parameters, status=400)["error"]["message"]
