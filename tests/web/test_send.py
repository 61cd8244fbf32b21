"""POST /api/send and /api/batch: storage, visits, cache round trip, drops, bad input."""
import re
import sqlite3

import pytest
from conftest import CHROME_UA, T0, count_rows, open_stored, pageview, send

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HIT_TABLES = ("session", "pageview", "event", "event_data", "session_data")


def rows(app, sql, params=()):
    conn = open_stored(app.extensions["umami_lite"].database)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def stored(app):
    return {table: count_rows(app, table) for table in HIT_TABLES}


def test_pageview_is_stored_with_path_query_title_tag_and_referrer(app, client, website):
    r = send(client, website["id"], url="https://example.com/docs/a?utm_source=news&x=1#part",
             referrer="https://www.Other.org/page?q=1", title="Docs", tag="blue")
    assert r.status_code == 200
    assert set(r.json) == {"cache", "sessionId", "visitId"}
    assert UUID.match(r.json["sessionId"]) and UUID.match(r.json["visitId"])
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    [row] = rows(app, "SELECT * FROM pageview")
    assert row["url"] == "/docs/a?utm_source=news&x=1"
    assert (row["url_path"], row["url_query"]) == ("/docs/a", "utm_source=news&x=1")
    assert row["referrer"] == "https://www.Other.org/page?q=1"
    assert row["referrer_domain"] == "other.org"
    assert (row["page_title"], row["tag"], row["utm_source"]) == ("Docs", "blue", "news")
    assert row["created_at"] == T0
    [session] = rows(app, "SELECT * FROM session")
    assert (session["browser"], session["os"], session["device"]) == ("Chrome", "Linux",
                                                                      "desktop")
    assert (session["hostname"], session["language"]) == ("example.com", "en-US")


@pytest.mark.parametrize("url, stored_url", [
    ("/fn-url", "/fn-url"), ("page2", "/page2"), ("https://example.com", "/"),
    ("/p#only-hash", "/p"), ("https://example.com/a/?b=2#c", "/a/?b=2"),
])
def test_url_keeps_path_and_query_only(app, client, website, url, stored_url):
    assert send(client, website["id"], url=url).status_code == 200
    assert rows(app, "SELECT url FROM pageview") == [{"url": stored_url}]


def test_custom_event_stores_typed_properties(app, client, website):
    data = {"plan": "pro", "seats": 3, "trial": False, "ends": "2026-12-01T00:00:00Z",
            "nested": {"a": 1.5}, "list": [1, 2]}
    r = send(client, website["id"], url="/pricing", name="signup", data=data, title="Pricing")
    assert r.status_code == 200
    [event] = rows(app, "SELECT * FROM event")
    assert (event["event_type"], event["event_value"], event["url"], event["page_title"]) == (
        "custom", "signup", "/pricing", "Pricing")
    props = {r["data_key"]: (r["data_type"], r["string_value"], r["number_value"])
             for r in rows(app, "SELECT * FROM event_data")}
    assert props == {"plan": ("string", "pro", None), "seats": ("number", None, 3.0),
                     "trial": ("boolean", "false", None),
                     "ends": ("date", "2026-12-01T00:00:00Z", None),
                     "nested.a": ("number", None, 1.5), "list": ("string", "[1, 2]", None)}
    assert count_rows(app, "pageview") == 0


def test_cache_round_trip_keeps_session_and_visit(app, client, website, clock):
    first = send(client, website["id"], url="/a").json
    clock.now += 10 * 60 * 1000
    second = send(client, website["id"], url="/b", remote_addr="198.51.100.9",
                  cache=first["cache"]).json
    assert second["sessionId"] == first["sessionId"]  # the cache wins over the new IP
    assert second["visitId"] == first["visitId"]
    clock.now += 31 * 60 * 1000
    third = send(client, website["id"], url="/c", cache=second["cache"]).json
    assert third["sessionId"] == first["sessionId"] and third["visitId"] != first["visitId"]
    visits = rows(app, "SELECT DISTINCT session_id, visit_id FROM pageview")
    assert len(visits) == 2


def test_without_cache_a_visit_is_the_clock_hour(app, client, website, clock):
    clock.now = 1_780_002_000_000  # 21:00:00Z
    first = send(client, website["id"], url="/a").json
    clock.now += 59 * 60 * 1000
    assert send(client, website["id"], url="/b").json["visitId"] == first["visitId"]
    clock.now += 2 * 60 * 1000
    later = send(client, website["id"], url="/c").json
    assert later["visitId"] != first["visitId"] and later["sessionId"] == first["sessionId"]


def test_foreign_or_forged_cache_is_ignored(client, website, api):
    other = api.create_website(name="Other", domain="other.org")
    foreign = send(client, other["id"], url="/x").json["cache"]
    for cache in (foreign, "forged.token", '"quoted"'):
        assert send(client, website["id"], url="/a", cache=cache).status_code == 200


def test_timestamp_backfills_without_rotating_the_salt(app, client, website):
    ts = (T0 - 40 * 86400 * 1000) // 1000  # the month before
    r = send(client, website["id"], url="/old", timestamp=ts)
    assert r.status_code == 200
    assert rows(app, "SELECT created_at FROM pageview") == [{"created_at": ts * 1000}]
    assert [r["period"] for r in rows(app, "SELECT period FROM salt")] == ["month:2026-05"]


def test_identify_stores_session_data_and_distinct_id(app, client, website):
    r = send(client, website["id"], kind="identify", id="user-123", data={"plan": "pro"})
    assert r.status_code == 200
    after = send(client, website["id"], url="/x", remote_addr="198.51.100.1", id="user-123",
                 name="after-identify").json
    assert after["sessionId"] == r.json["sessionId"]  # the id names the session
    [session] = rows(app, "SELECT session_id, distinct_id FROM session")
    assert session["distinct_id"] == "user-123"
    assert rows(app, "SELECT data_key, string_value FROM session_data") == [
        {"data_key": "plan", "string_value": "pro"}]
    send(client, website["id"], kind="identify", id="user-123", data={"plan": "team"})
    assert rows(app, "SELECT string_value FROM session_data") == [{"string_value": "team"}]
    assert count_rows(app, "pageview") == 0 and count_rows(app, "event") == 1


VITALS_ROW = "SELECT url_path, page_title, lcp, inp, cls, fcp, ttfb FROM vitals"


def test_performance_stores_rounded_vitals_of_the_page(app, client, website):
    r = send(client, website["id"], kind="performance", title="Docs",
             url="https://example.com/docs/a?x=1#part", lcp=2512.449, inp=48,
             cls=0.123456, fcp=92, ttfb=2.7000000001862645, duration=1051)
    assert r.status_code == 200 and set(r.json) == {"cache", "sessionId", "visitId"}
    assert rows(app, VITALS_ROW) == [{"url_path": "/docs/a", "page_title": "Docs",
                                      "lcp": 2512.4, "inp": 48.0, "cls": 0.1235,
                                      "fcp": 92.0, "ttfb": 2.7}]
    [row] = rows(app, "SELECT v.created_at, v.session_id, v.visit_id, s.website_id FROM vitals v"
                      " JOIN session s USING (session_id)")
    assert row["created_at"] == T0 and row["website_id"] == website["website_id"]
    assert count_rows(app, "pageview") == 0 and count_rows(app, "event") == 0


def test_performance_keeps_the_visit_of_the_cache_token(app, client, website):
    first = send(client, website["id"], url="/a")
    r = send(client, website["id"], kind="performance", url="/a", cache=first.json["cache"],
             lcp=1200)
    assert r.json["visitId"] == first.json["visitId"]
    [view] = rows(app, "SELECT session_id, visit_id FROM pageview")
    assert rows(app, "SELECT session_id, visit_id FROM vitals") == [view]


def test_missing_metrics_are_null(app, client, website):
    assert send(client, website["id"], kind="performance", ttfb=12, fcp=None).status_code == 200
    assert rows(app, "SELECT lcp, inp, cls, fcp, ttfb FROM vitals") == [
        {"lcp": None, "inp": None, "cls": None, "fcp": None, "ttfb": 12.0}]


def test_performance_without_any_metric_stores_no_sample(app, client, website):
    r = send(client, website["id"], kind="performance", url="/p2", duration=1133)
    assert r.status_code == 200 and "cache" in r.json
    assert count_rows(app, "vitals") == 0


@pytest.mark.parametrize("field, value", [
    ("lcp", -1), ("lcp", 3_600_001), ("inp", "92"), ("cls", 100.5), ("fcp", True),
    ("ttfb", [1]), ("cls", 10 ** 400), ("lcp", {"v": 1}), ("ttfb", float("nan")),
    ("fcp", float("inf")),
])
def test_bad_vitals_are_400_naming_the_field_and_store_nothing(app, client, website, field,
                                                               value):
    r = send(client, website["id"], kind="performance", **{"lcp": 100, field: value})
    assert r.status_code == 400
    assert f"payload.{field}" in r.json["error"]["message"]
    assert stored(app) == {table: 0 for table in HIT_TABLES}
    assert count_rows(app, "vitals") == 0


def test_performance_needs_a_url(app, client, website):
    r = client.post("/api/send", headers={"User-Agent": CHROME_UA}, json={
        "type": "performance", "payload": {"website": website["id"], "lcp": 5}})
    assert r.status_code == 400 and "payload.url" in r.json["error"]["message"]
    assert count_rows(app, "vitals") == 0 and count_rows(app, "session") == 0


def test_performance_of_a_bot_is_not_stored(app, client, website):
    r = send(client, website["id"], kind="performance", lcp=5,
             ua="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36")
    assert r.json == {"beep": "boop"} and count_rows(app, "vitals") == 0


def test_batch_stores_vitals_and_reports_a_bad_item(app, client, website):
    item = {"type": "performance", "payload": {"website": website["id"], "url": "/b",
                                               "lcp": 10}}
    bad = {"type": "performance", "payload": {**item["payload"], "cls": -0.1}}
    r = client.post("/api/batch", headers={"User-Agent": CHROME_UA}, json=[item, bad, item])
    assert (r.json["processed"], r.json["errors"]) == (2, 1)
    assert "payload.cls" in r.json["details"][0]["response"]["error"]["message"]
    assert count_rows(app, "vitals") == 2


def test_authorization_header_is_ignored(app, client, website):
    r = send(client, website["id"], headers={"Authorization": "Bearer None"})
    assert r.status_code == 200 and count_rows(app, "pageview") == 1


def test_bot_gets_beep_boop_and_nothing_is_stored(app, client, website):
    r = send(client, website["id"], ua="Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert r.status_code == 200 and r.json == {"beep": "boop"}
    headless = send(client, website["id"], ua="Mozilla/5.0 HeadlessChrome/156.0.0.0")
    assert headless.json == {"beep": "boop"}
    assert stored(app) == dict.fromkeys(HIT_TABLES, 0)


MAC_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Chrome/120.0 Safari/537.36")


def _send_batch(client, website_uuid, payloads, ua=CHROME_UA, remote_addr="203.0.113.7"):
    body = [{"type": "event", "payload": {"website": website_uuid, "url": "/b",
                                          "hostname": "example.com", **extra}}
            for extra in payloads]
    return client.post("/api/batch", json=body, headers={"User-Agent": ua},
                       environ_base={"REMOTE_ADDR": remote_addr})


def test_payload_ip_and_user_agent_are_ignored(make_app):
    """A visitor cannot pick the IP or user agent its session, country and drops come from:
    the request's own are used (decisions.md, Collect: client IP)."""
    app = make_app(UMAMI_LITE_IGNORE_IP="10.0.0.0/8")
    client = app.test_client()
    from conftest import Api
    website = Api(client).create_website()
    plain = send(client, website["id"], url="/plain")
    # an IGNORE_IP address, a foreign country's address, another browser and a bot
    for extra in ({"ip": "10.9.9.9"}, {"ip": "8.8.8.8"}, {"userAgent": MAC_UA},
                  {"userAgent": "Googlebot/2.1"}, {"ip": "8.8.4.4", "userAgent": MAC_UA}):
        r = send(client, website["id"], url="/spoofed", **extra)
        assert r.status_code == 200 and r.json["sessionId"] == plain.json["sessionId"], extra
    assert rows(app, "SELECT os, country FROM session") == [{"os": "Linux", "country": None}]
    assert count_rows(app, "pageview") == 6
    # the other way round: a bot or an ignored IP gains nothing from a human-looking payload
    assert send(client, website["id"], ua="curl/8.0", userAgent=MAC_UA).json == {
        "beep": "boop"}
    assert send(client, website["id"], remote_addr="10.1.2.3",
                ip="203.0.113.7").status_code == 403
    assert count_rows(app, "pageview") == 6


def test_batch_ignores_payload_ip_and_user_agent(make_app):
    app = make_app(UMAMI_LITE_IGNORE_IP="10.0.0.0/8")
    client = app.test_client()
    from conftest import Api
    website = Api(client).create_website()
    r = _send_batch(client, website["id"], [{}, {"ip": "10.9.9.9"}, {"userAgent": MAC_UA},
                                            {"userAgent": "Googlebot/2.1", "ip": "8.8.8.8"}])
    assert r.status_code == 200 and (r.json["processed"], r.json["errors"]) == (4, 0)
    assert rows(app, "SELECT os, country FROM session") == [{"os": "Linux", "country": None}]
    bot = _send_batch(client, website["id"], [{"userAgent": MAC_UA}], ua="curl/8.0")
    ignored = _send_batch(client, website["id"], [{"ip": "203.0.113.7"}],
                          remote_addr="10.1.2.3")
    assert bot.json["processed"] == 1 and ignored.json["errors"] == 1
    assert count_rows(app, "pageview") == 4


def test_ignored_ip_is_403_and_nothing_is_stored(make_app):
    app = make_app(UMAMI_LITE_IGNORE_IP="10.0.0.0/8")
    client = app.test_client()
    from conftest import Api
    website = Api(client).create_website()
    r = send(client, website["id"], remote_addr="10.1.2.3")
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert stored(app) == dict.fromkeys(HIT_TABLES, 0)


def test_preflight_allows_the_tracker_headers(client):
    r = client.options("/api/send", headers={
        "Origin": "http://localhost:8000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-umami-cache"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-umami-cache" in r.headers["Access-Control-Allow-Headers"]
    assert "POST" in r.headers["Access-Control-Allow-Methods"]


def test_text_plain_body_is_accepted(app, client, website):
    body = ('{"type":"event","payload":{"website":"%s","url":"/t","hostname":"example.com"}}'
            % website["id"])
    r = client.post("/api/send", data=body, content_type="text/plain;charset=UTF-8",
                    headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"})
    assert r.status_code == 200 and count_rows(app, "pageview") == 1


def _bad_bodies(site):
    payload = {"website": site, "url": "/"}
    return [
        ("not-json", "{nope"),
        ("array", []),
        ("no-type", {"payload": payload}),
        ("bad-type", {"type": "pageview", "payload": payload}),
        ("no-payload", {"type": "event"}),
        ("payload-string", {"type": "event", "payload": "x"}),
        ("no-website", {"type": "event", "payload": {"url": "/"}}),
        ("bad-uuid", {"type": "event", "payload": {"website": "nope", "url": "/"}}),
        ("unknown-website", {"type": "event", "payload": {
            "website": "00000000-0000-4000-8000-000000000000", "url": "/"}}),
        ("no-url", {"type": "event", "payload": {"website": site}}),
        ("url-number", {"type": "event", "payload": {**payload, "url": 5}}),
        ("bad-url", {"type": "event", "payload": {**payload, "url": "http://[::1"}}),
        ("name-number", {"type": "event", "payload": {**payload, "name": 5}}),
        ("data-list", {"type": "event", "payload": {**payload, "name": "x", "data": [1]}}),
        ("id-object", {"type": "identify", "payload": {**payload, "id": {"a": 1}}}),
        ("timestamp-text", {"type": "event", "payload": {**payload, "timestamp": "soon"}}),
        ("timestamp-future", {"type": "event", "payload": {
            **payload, "timestamp": T0 // 1000 + 3600}}),
        ("timestamp-negative", {"type": "event", "payload": {**payload, "timestamp": -5}}),
        ("link", {"type": "event", "payload": {**payload, "link": site}}),
    ]


@pytest.mark.parametrize("case", [c for c, _ in _bad_bodies("x")])
def test_bad_input_is_400_and_stores_nothing(app, client, website, case):
    body = dict(_bad_bodies(website["id"]))[case]
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) \
        else {"json": body}
    r = client.post("/api/send", headers={"User-Agent": "Mozilla/5.0 Chrome/156.0"}, **kwargs)
    assert r.status_code == 400, r.json
    assert r.json["error"]["code"] == "bad-request" and r.json["error"]["status"] == 400
    assert stored(app) == dict.fromkeys(HIT_TABLES, 0)


def test_oversized_body_is_413(app, client, website):
    r = send(client, website["id"], title="x" * 70_000)
    assert r.status_code == 413 and count_rows(app, "pageview") == 0


def test_get_send_is_405_json(client):
    r = client.get("/api/send")
    assert r.status_code == 405 and r.json["error"]["code"] == "method-not-allowed"


def test_batch_stores_good_items_and_reports_bad_ones(app, client, website):
    good = {"type": "event", "payload": {"website": website["id"], "url": "/a",
                                         "hostname": "example.com"}}
    bad = {"type": "event", "payload": {"website": website["id"]}}
    event = {"type": "event", "payload": {"website": website["id"], "url": "/a",
                                          "name": "clicked", "hostname": "example.com"}}
    r = client.post("/api/batch", json=[good, bad, event],
                    headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"})
    assert r.status_code == 200
    body = r.json
    assert (body["size"], body["processed"], body["errors"]) == (3, 2, 1)
    assert body["details"][0]["index"] == 1
    assert body["details"][0]["response"]["error"]["status"] == 400
    assert body["cache"]
    assert count_rows(app, "pageview") == 1 and count_rows(app, "event") == 1
    assert count_rows(app, "session") == 1


@pytest.mark.parametrize("body", [{"type": "event"}, "nope", 5])
def test_batch_needs_an_array(app, client, body):
    r = client.post("/api/batch", json=body)
    assert r.status_code == 400 and r.json["error"]["code"] == "bad-request"
    assert count_rows(app, "pageview") == 0


def test_send_and_collect_write_the_same_rows(app, client, api, website):
    """A pageview from either tracker generation is counted by the v1 stats routes."""
    pageview(client, website["website_uuid"], url="/a")
    send(client, website["id"], url="https://example.com/b", remote_addr="198.51.100.20")
    r = api.get(f"/api/website/{website['website_id']}/stats",
                query_string={"start_at": T0 - 1000, "end_at": T0 + 1000})
    assert r.json["pageviews"] == 2 and r.json["uniques"] == 2
    urls = api.get(f"/api/website/{website['website_id']}/metrics",
                   query_string={"start_at": T0 - 1000, "end_at": T0 + 1000, "type": "url"})
    assert sorted(r["x"] for r in urls.json) == ["/a", "/b"]
