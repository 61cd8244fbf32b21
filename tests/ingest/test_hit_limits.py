"""Bounds on what one unauthenticated client can cost: event properties (number, size) and
per-IP / per-website rates of hits, on every path a hit takes (the standalone ingest lane
with the journal on and off, and the Flask routes of an embedded app); a refused hit is a
4xx JSON error and stores nothing."""
import json

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA, open_stored
from embedhost import make_host

from umami_lite import create_app
from umami_lite.ingest.limits import MAX_PROPERTIES, MAX_PROPERTIES_CHARS, RateLimiter

TABLES = ("pageview", "event", "event_data", "session", "session_data")


class Target:
    """One way hits reach the database: a test client, its mount prefix, a website uuid."""

    def __init__(self, app, prefix):
        self.app, self.prefix, self.client = app, prefix, app.test_client()
        token = self.client.post(prefix + "/api/auth/login", json={
            "username": "admin", "password": ADMIN_PASSWORD}).json["token"]
        self.website = self.client.post(prefix + "/api/website", json={"name": "n"},
                                        headers={"Authorization": f"Bearer {token}"}).json["id"]

    def post(self, path, body, ip="203.0.113.9"):
        return self.client.post(self.prefix + path, data=json.dumps(body),
                                content_type="application/json",
                                headers={"User-Agent": CHROME_UA},
                                environ_base={"REMOTE_ADDR": ip})

    def counts(self):
        conn = open_stored(self.app.extensions["umami_lite"].database)
        try:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        finally:
            conn.close()


@pytest.fixture(params=["lane", "lane-no-journal", "embedded"])
def make_target(request, tmp_path, clock):
    def make(**config):
        base = {"UMAMI_LITE_DATABASE": str(tmp_path / "t.db"),
                "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "UMAMI_LITE_CLOCK": clock, "TESTING": True, **config}
        if request.param == "embedded":
            app, _ = make_host(tmp_path, **{k: v for k, v in base.items()
                                            if k != "UMAMI_LITE_DATABASE"})
            return Target(app, "/analytics")
        if request.param == "lane-no-journal":
            base["UMAMI_LITE_INGEST_JOURNAL"] = False
        return Target(create_app(base), "")
    return make


def v1_event(website, data):
    return {"type": "event", "payload": {"website": website, "url": "/", "event_name": "e",
                                         "event_data": data}}


def v1_old_event(website, data):  # v1.28: the data object sent as event_type
    return {"type": "event", "payload": {"website": website, "url": "/", "event_value": "e",
                                         "event_type": data}}


def v2_event(website, data):
    return {"type": "event", "payload": {"website": website, "url": "/", "name": "e",
                                         "data": data}}


def v2_identify(website, data):
    return {"type": "identify", "payload": {"website": website, "data": data}}


BODIES = [("/api/collect", v1_event), ("/api/collect", v1_old_event), ("/api/send", v2_event),
          ("/api/send", v2_identify)]
TOO_MANY = {f"k{i}": i for i in range(MAX_PROPERTIES + 1)}
NESTED_TOO_MANY = {"a": {f"k{i}": i for i in range(MAX_PROPERTIES)}, "b": 1}
TOO_LARGE = {f"k{i}": "v" * 500 for i in range(9)}  # 9 x 502 chars > 4096


def assert_refused(target, r, status, words):
    assert r.status_code == status, r.get_data(as_text=True)
    error = r.json["error"]
    assert error["status"] == status and words in error["message"]
    assert not any(target.counts()[t] for t in ("event", "event_data", "session_data"))


# --- event properties ---------------------------------------------------------------------

@pytest.mark.parametrize("path, build", BODIES)
@pytest.mark.parametrize("data, words", [(TOO_MANY, "more than 50 properties"),
                                         (NESTED_TOO_MANY, "more than 50 properties"),
                                         (TOO_LARGE, "larger than 4096 characters")])
def test_too_many_or_too_large_properties_are_refused(make_target, path, build, data, words):
    target = make_target()
    assert_refused(target, target.post(path, build(target.website, data)), 400, words)


@pytest.mark.parametrize("path, build", BODIES)
def test_properties_up_to_the_limits_are_stored(make_target, path, build):
    target = make_target()
    # 50 properties, 4,096 characters: 50 keys of 2 chars, values filling the rest
    width = (MAX_PROPERTIES_CHARS - MAX_PROPERTIES * 2) // MAX_PROPERTIES
    data = {f"k{i % 10}" if i < 10 else f"{i}": "v" * width for i in range(MAX_PROPERTIES)}
    assert sum(len(k) + len(v) for k, v in data.items()) <= MAX_PROPERTIES_CHARS
    assert target.post(path, build(target.website, data)).status_code == 200
    counts = target.counts()
    assert counts["event_data"] + counts["session_data"] == MAX_PROPERTIES


def test_a_batch_refuses_the_oversized_item_only(make_target):
    target = make_target()
    items = [v2_event(target.website, TOO_MANY), v2_event(target.website, {"a": 1})]
    r = target.post("/api/batch", items)
    assert r.status_code == 200 and r.json["errors"] == 1
    assert r.json["details"][0]["index"] == 0
    assert r.json["details"][0]["response"]["error"]["status"] == 400
    assert target.counts()["event_data"] == 1


# --- rates ------------------------------------------------------------------------------

def pageview(website):
    return {"type": "event", "payload": {"website": website, "url": "/"}}


def assert_429(r, retry_after):
    assert r.status_code == 429, r.get_data(as_text=True)
    assert r.json["error"] == {"message": r.json["error"]["message"],
                               "code": "too-many-requests", "status": 429}
    assert r.headers["Retry-After"] == str(retry_after)
    assert r.headers["Access-Control-Allow-Origin"] == "*"  # the tracker can read it


def test_per_ip_rate_limit_answers_429_and_stores_nothing(make_target):
    target = make_target(UMAMI_LITE_RATE_IP=6)
    for path in ("/api/send", "/api/collect", "/api/send"):
        body = pageview(target.website)
        if path == "/api/collect":
            body = {"type": "pageview", "payload": body["payload"]}
        assert target.post(path, body).status_code == 200
    assert target.post("/api/batch", [pageview(target.website)] * 3).json["errors"] == 0
    stored = target.counts()["pageview"]
    r = target.post("/api/send", pageview(target.website))
    assert_429(r, 10)  # 6 a minute: one every 10 s
    assert "this client" in r.json["error"]["message"]
    assert_429(target.post("/api/collect", {"type": "pageview", "payload": {
        "website": target.website, "url": "/"}}), 10)
    assert target.counts()["pageview"] == stored == 6
    assert target.post("/api/send", pageview(target.website), ip="198.51.100.1").status_code \
        == 200  # another client is not affected


def test_batch_items_past_the_rate_limit_are_reported_and_not_stored(make_target):
    target = make_target(UMAMI_LITE_RATE_IP=3)
    r = target.post("/api/batch", [pageview(target.website)] * 5)
    assert r.status_code == 200 and r.json["processed"] == 3 and r.json["errors"] == 2
    assert [d["response"]["error"]["status"] for d in r.json["details"]] == [429, 429]
    assert target.counts()["pageview"] == 3


def test_per_website_rate_limit_counts_every_client(make_target):
    target = make_target(UMAMI_LITE_RATE_WEBSITE=4)
    for i in range(4):
        assert target.post("/api/send", pageview(target.website),
                           ip=f"198.51.100.{i}").status_code == 200
    r = target.post("/api/send", pageview(target.website), ip="198.51.100.99")
    assert_429(r, 15)
    assert "this website" in r.json["error"]["message"]
    assert target.counts()["pageview"] == 4


def test_rate_limits_off_with_zero(make_target):
    target = make_target(UMAMI_LITE_RATE_IP=0, UMAMI_LITE_RATE_WEBSITE=0)
    r = target.post("/api/batch", [pageview(target.website)] * 1000)
    assert r.json["processed"] == 1000


def test_default_rates_let_a_busy_visitor_through(make_target):
    target = make_target()
    r = target.post("/api/batch", [pageview(target.website)] * 1000)
    assert r.json["processed"] == 1000


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_rate_limiter_refills_evenly_over_a_minute():
    clock = FakeClock()
    limiter = RateLimiter(60, clock)  # one a second
    assert [limiter.take("a") for _ in range(61)] == [0] * 60 + [1]
    clock.now += 0.5
    assert limiter.take("a") == 1
    clock.now += 0.5
    assert limiter.take("a") == 0 and limiter.take("a") == 1
    clock.now += 3600  # refills to the burst size, no more
    assert [limiter.take("a") for _ in range(61)] == [0] * 60 + [1]


def test_rate_limiter_memory_is_bounded(monkeypatch):
    monkeypatch.setattr("umami_lite.ingest.limits.MAX_BUCKETS", 100)
    clock = FakeClock()
    limiter = RateLimiter(10, clock)
    for i in range(1000):
        limiter.take(f"ip{i}")
    assert len(limiter.buckets) <= 100


@pytest.mark.parametrize("kind", ["link", "pixel"])
def test_link_and_pixel_views_count_against_the_rate_limits(make_target, kind):
    """A slug is public like a website uuid: past the limit the visitor still gets the
    redirect or the image, and nothing is stored."""
    target = make_target(UMAMI_LITE_RATE_IP=3)
    token = target.client.post(target.prefix + "/api/auth/login", json={
        "username": "admin", "password": ADMIN_PASSWORD}).json["token"]
    body = {"name": "n", "slug": f"{kind}-1"}
    if kind == "link":
        body["url"] = "https://example.com/landing"
    r = target.client.post(f"{target.prefix}/api/{kind}s", json=body,
                           headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.json
    path = f"{target.prefix}/{'q' if kind == 'link' else 'p'}/{kind}-1"
    statuses = [target.client.get(path, headers={"User-Agent": CHROME_UA},
                                  environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
                for _ in range(5)]
    assert statuses == [307 if kind == "link" else 200] * 5
    assert target.counts()["pageview"] == 3
