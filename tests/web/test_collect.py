"""POST /api/collect: real tracker captures, cache tokens, limits, bad input, who is ignored,
client IP and country sources, salt rotation. Everything goes through the real endpoint
into a real SQLite file."""
import json
import os
from collections import Counter

import pytest
from conftest import CHROME_UA, T0, Api, count_rows, event, nested, open_stored, pageview

from umami_lite.storage import connection as db, sites

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "..", "..", "shared",
                        "fixtures")
FIXTURE_UUID = "8f5b3d4e-2c1a-4b7e-9d3f-6a5c4b3a2f10"
RANGE = {"start_at": T0 - 86_400_000, "end_at": T0 + 10 * 86_400_000}
STORED = ("session", "pageview", "event", "event_data", "salt")


def fixture_path(name):
    for base in (FIXTURES, "/work/shared/fixtures"):
        path = os.path.join(base, name)
        if os.path.exists(path):
            return path
    pytest.skip(f"{name} not found")


def load(name):
    with open(fixture_path(name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def create_site(app, website_uuid=None, domain="example.com"):
    """Returns the website row, created straight in the database (optionally with a uuid)."""
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        with db.transaction(conn):
            return dict(sites.create(conn, 1, "Site", domain, website_uuid=website_uuid))
    finally:
        conn.close()


def rows(app, sql, params=()):
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def counts(app):
    return {table: count_rows(app, table) for table in STORED}


def collect(client, body, ip="203.0.113.7", ua=CHROME_UA, **headers):
    """Posts body (a dict as JSON, or raw str/bytes as text/plain) to /api/collect."""
    kwargs = {"json": body} if isinstance(body, dict) else {
        "data": body, "content_type": headers.pop("content_type", "text/plain")}
    return client.post("/api/collect", headers={"User-Agent": ua, **headers},
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


def view(website_uuid, **payload):
    return {"type": "pageview", "payload": {"website": website_uuid, "url": "/",
                                            "hostname": "example.com", **payload}}


# --- real tracker captures -------------------------------------------------------------

@pytest.mark.parametrize("name", ["v1.jsonl", "v1-legacy.jsonl"])
def test_every_captured_v1_request_is_accepted_and_counted(app, client, clock, name):
    create_site(app, FIXTURE_UUID, domain="127.0.0.1")
    api = Api(app.test_client())
    captured = [r for r in load(name) if r["path"] == "/api/collect"]
    expected_urls, expected_events = Counter(), Counter()
    for r in captured:
        clock.now = T0 + r["seq"] * 1000
        headers = {k: v for k, v in r["headers"] if k.lower() in (
            "user-agent", "origin", "x-umami-cache", "access-control-request-method",
            "access-control-request-headers")}
        response = client.open("/api/collect", method=r["method"], data=r["body_raw"] or None,
                               content_type=r["content_type"], headers=headers)
        if r["method"] == "OPTIONS":
            assert response.status_code in (200, 204)
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            allowed = response.headers["Access-Control-Allow-Headers"].lower()
            for wanted in headers.get("Access-Control-Request-Headers", "").split(","):
                assert wanted.strip() in allowed
            continue
        assert response.status_code == 200, (r["scenario"], response.get_data(as_text=True))
        assert response.mimetype == "text/plain" and response.get_data(as_text=True)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        payload = r["body"]["payload"]
        if r["body"]["type"] == "pageview":
            expected_urls[payload["url"]] += 1
        elif payload.get("event_name"):
            expected_events[f"custom:{payload['event_name']}"] += 1
        elif isinstance(payload["event_type"], str):
            expected_events[f"{payload['event_type']}:{payload['event_value']}"] += 1
        else:  # v1.28 trackEvent(value, data) puts the data object in event_type
            expected_events[f"custom:{payload['event_value']}"] += 1
    key = FIXTURE_UUID
    stats = api.get(f"/api/website/{key}/stats", query_string=RANGE).json
    assert stats["pageviews"] == sum(expected_urls.values())
    urls = api.get(f"/api/website/{key}/metrics", query_string={**RANGE, "type": "url"}).json
    assert {m["x"]: m["y"] for m in urls} == dict(expected_urls)
    events = api.get(f"/api/website/{key}/metrics",
                     query_string={**RANGE, "type": "event"}).json
    assert {m["x"]: m["y"] for m in events} == dict(expected_events)
    # the data objects of both generations are kept as properties; a string is not data
    data = rows(app, "SELECT e.event_value, d.data_key, d.data_type, d.string_value,"
                     " d.number_value FROM event_data d JOIN event e USING (event_id)")
    assert ("with-data", "plan", "string", "pro", None) in data
    assert ("with-data", "n", "number", None, 1.0) in data
    assert not [d for d in data if d[0] == "value"]


# --- bodies and content types ----------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8",
                                          "application/json", "", None])
def test_any_content_type_holding_json(app, client, website, content_type):
    body = json.dumps(view(website["website_uuid"]))
    r = client.post("/api/collect", data=body, headers={"User-Agent": CHROME_UA},
                    content_type=content_type)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert count_rows(app, "pageview") == 1


def test_values_are_truncated_to_v1_column_sizes(app, client, website):
    w = website["website_uuid"]
    long = "x" * 700
    assert collect(client, view(w, url="/" + long, referrer="https://r.example/" + long,
                                hostname="h" * 150, screen="1920x1080x99999",
                                language="l" * 60)).status_code == 200
    assert collect(client, {"type": "event", "payload": {
        "website": w, "url": "/", "hostname": "h" * 150,
        "event_type": "t" * 80, "event_value": "v" * 80}}).status_code == 200
    assert collect(client, {"type": "event", "payload": {
        "website": w, "url": "/", "hostname": "h" * 150,
        "event_name": "n" * 80}}).status_code == 200
    assert rows(app, "SELECT length(url), length(referrer) FROM pageview") == [(500, 500)]
    assert rows(app, "SELECT length(hostname), screen, length(language) FROM session") == [
        (100, "1920x1080x9", 35)]
    assert rows(app, "SELECT event_type, length(event_value) FROM event ORDER BY event_id") == [
        ("t" * 50, 50), ("custom", 50)]


def test_escaped_surrogate_pairs_are_characters(app, client, website):
    body = '{"type":"pageview","payload":{"website":"%s","url":"/\\ud83d\\ude00"}}' % (
        website["website_uuid"])
    assert collect(client, body).status_code == 200
    assert rows(app, "SELECT url FROM pageview") == [("/\U0001F600",)]


def test_url_and_referrer_are_stored_as_sent(app, client, website):
    url, referrer = "/a%20b?q=%C3%A9&x=1#frag", "HTTPS://Ref.Example:8443/p?q=1"
    collect(client, view(website["website_uuid"], url=url, referrer=referrer))
    assert rows(app, "SELECT url, referrer, referrer_domain FROM pageview") == [
        (url, referrer, "ref.example")]


def test_cors_preflight_and_headers_on_every_answer(client, website):
    r = client.options("/api/collect", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-umami-cache"})
    assert r.status_code in (200, 204)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "x-umami-cache" in r.headers["Access-Control-Allow-Headers"].lower()
    for response in (collect(client, view(website["website_uuid"])),
                     collect(client, "{not json")):
        assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- cache tokens ----------------------------------------------------------------------

def sessions_of(app):
    return rows(app, "SELECT session_id FROM pageview ORDER BY pageview_id")


@pytest.mark.parametrize("transport", ["header", "payload", "quoted-header", "quoted-payload"])
def test_valid_cache_token_skips_the_session_lookup(app, client, website, transport):
    w = website["website_uuid"]
    token = collect(client, view(w)).get_data(as_text=True)
    value = f'"{token}"' if transport.startswith("quoted") else token
    if transport.endswith("header"):
        r = collect(client, view(w), ip="198.51.100.99", **{"x-umami-cache": value})
    else:
        r = collect(client, view(w, cache=value), ip="198.51.100.99")
    assert r.status_code == 200
    # another IP would be another visitor; the token says it is the same session
    assert count_rows(app, "session") == 1 and len(set(sessions_of(app))) == 1


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "null", '""',
                                   "eyJhbGciOiJIUzI1NiJ9.e30.x", "x" * 5000, "1.2.3.4.5.sïg",
                                   "1.1.0.0.month:2026-11.AAAAAAAAAAAAAAAAAAAAAAAA"])
@pytest.mark.parametrize("transport", ["header", "payload"])
def test_garbage_cache_token_is_ignored(app, client, website, token, transport):
    w = website["website_uuid"]
    if transport == "header":
        r = collect(client, view(w), **{"x-umami-cache": token})
    else:
        r = collect(client, view(w, cache=token))
    assert r.status_code == 200 and count_rows(app, "pageview") == 1


@pytest.mark.parametrize("cache", [None, 5, {"a": 1}, ["x"], True])
def test_non_string_payload_cache_is_ignored(app, client, website, cache):
    r = collect(client, view(website["website_uuid"], cache=cache))
    assert r.status_code == 200 and count_rows(app, "pageview") == 1


def test_cache_token_of_another_website_is_ignored(app, client, website):
    other = create_site(app)
    token = collect(client, view(other["website_uuid"])).get_data(as_text=True)
    r = collect(client, view(website["website_uuid"]), ip="198.51.100.99",
                **{"x-umami-cache": token})
    assert r.status_code == 200
    assert count_rows(app, "session") == 2
    assert rows(app, "SELECT count(*) FROM pageview p JOIN session s USING (session_id)"
                     " WHERE p.website_id != s.website_id") == [(0,)]


def test_cache_token_from_an_old_salt_period_is_ignored(make_app, clock):
    app = make_app(UMAMI_LITE_SALT_ROTATION="day")
    client = app.test_client()
    w = create_site(app)["website_uuid"]
    token = collect(client, view(w)).get_data(as_text=True)
    clock.now += 86_400_000
    collect(client, view(w), **{"x-umami-cache": token})
    assert count_rows(app, "session") == 2


# --- bad input: 4xx JSON, nothing stored -----------------------------------------------

W = "{website}"
BAD = [  # (id, raw body or dict, status, words the message must hold)
    ("invalid-json", "{nope", 400, "JSON"),
    ("empty-body", "", 400, "JSON"),
    ("not-utf8", b"\xff\xfe{}", 400, "JSON"),
    ("lone-surrogate", '{"type":"pageview","payload":{"website":"' + W + '","url":"/\\ud800"}}',
     400, "JSON"),
    ("array", "[]", 400, "object"),
    ("string", '"pageview"', 400, "object"),
    ("null", "null", 400, "object"),
    ("unknown-type", {"type": "click", "payload": {"website": W, "url": "/"}}, 400, "type"),
    ("missing-type", {"payload": {"website": W, "url": "/"}}, 400, "type"),
    ("missing-payload", {"type": "pageview"}, 400, "payload"),
    ("payload-not-object", {"type": "pageview", "payload": "x"}, 400, "payload"),
    ("missing-website", {"type": "pageview", "payload": {"url": "/"}}, 400, "website"),
    ("website-not-string", {"type": "pageview", "payload": {"website": 5, "url": "/"}}, 400,
     "website"),
    ("website-not-uuid", {"type": "pageview", "payload": {"website": "abc", "url": "/"}}, 400,
     "website"),
    ("unknown-website", {"type": "pageview", "payload": {
        "website": "00000000-0000-4000-8000-000000000000", "url": "/"}}, 400, "website"),
    ("missing-url", {"type": "pageview", "payload": {"website": W}}, 400, "url"),
    ("empty-url", {"type": "pageview", "payload": {"website": W, "url": ""}}, 400, "url"),
    ("url-not-string", {"type": "pageview", "payload": {"website": W, "url": 5}}, 400, "url"),
    ("referrer-not-string", {"type": "pageview", "payload": {
        "website": W, "url": "/", "referrer": ["x"]}}, 400, "referrer"),
    ("hostname-not-string", {"type": "pageview", "payload": {
        "website": W, "url": "/", "hostname": {"a": 1}}}, 400, "hostname"),
    ("language-not-string", {"type": "pageview", "payload": {
        "website": W, "url": "/", "language": 1}}, 400, "language"),
    ("screen-not-string", {"type": "pageview", "payload": {
        "website": W, "url": "/", "screen": 1920}}, 400, "screen"),
    ("event-without-value", {"type": "event", "payload": {
        "website": W, "url": "/", "event_type": "click"}}, 400, "event"),
    ("event-without-anything", {"type": "event", "payload": {"website": W, "url": "/"}}, 400,
     "event"),
    ("event-empty-name", {"type": "event", "payload": {
        "website": W, "url": "/", "event_name": ""}}, 400, "event"),
    ("event-name-not-string", {"type": "event", "payload": {
        "website": W, "url": "/", "event_name": 5}}, 400, "event_name"),
    ("event-value-not-string", {"type": "event", "payload": {
        "website": W, "url": "/", "event_type": "click", "event_value": 5}}, 400,
     "event_value"),
    ("event-type-list", {"type": "event", "payload": {
        "website": W, "url": "/", "event_type": ["a"], "event_value": "v"}}, 400,
     "event_type"),
    ("too-large", {"type": "pageview", "payload": {"website": W, "url": "/" + "x" * 70000}},
     413, "larger"),
    ("deeply-nested", '{"type":"event","payload":{"website":"' + W + '","url":"/",'
     '"event_name":"n","event_data":' + '{"a":' * 5000 + "1" + "}" * 5000 + "}}", 400, ""),
    ("nested-data", {"type": "event", "payload": {
        "website": W, "url": "/", "event_name": "n", "event_data": "NESTED"}}, 400, "deep"),
]


def fill(body, website_uuid):
    if isinstance(body, dict):
        return {k: fill(v, website_uuid) for k, v in body.items()}
    if body == W:
        return website_uuid
    if body == "NESTED":
        return nested(200)
    if isinstance(body, str):
        return body.replace(W, website_uuid)
    return body


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_4xx_json_and_stores_nothing(app, client, website, case):
    _, body, status, words = case
    before = counts(app)
    r = collect(client, fill(body, website["website_uuid"]))
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.json["error"]["status"] == status
    assert words.lower() in r.json["error"]["message"].lower()
    assert counts(app) == before


# --- dropped on purpose: 200 {"ignored": why}, nothing stored ---------------------------

BOTS = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0", "", "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.0.0 Safari/537.36"]


@pytest.mark.parametrize("ua", BOTS)
def test_bots_are_ignored(app, client, website, ua):
    for body in (view(website["website_uuid"]), {"type": "event", "payload": {
            "website": website["website_uuid"], "url": "/", "event_name": "x"}}):
        r = collect(client, body, ua=ua)
        assert r.status_code == 200 and r.json == {"ignored": "bot"}
    assert counts(app) == {t: 0 for t in STORED}


def test_a_bot_is_ignored_before_its_website_is_looked_up(app, client, website):
    """The website is looked up inside the hit's write, so a bot never gets that far (Umami
    checks bots first too); the same hit from a browser gets its 400."""
    unknown = view("00000000-0000-4000-8000-000000000000")
    assert collect(client, unknown, ua=BOTS[0]).json == {"ignored": "bot"}
    r = collect(client, unknown)
    assert r.status_code == 400 and "not a known website" in r.json["error"]["message"]
    assert counts(app) == {t: 0 for t in STORED}


def test_disable_bot_check_stores_bots(make_app):
    app = make_app(UMAMI_LITE_DISABLE_BOT_CHECK=True)
    w = create_site(app)["website_uuid"]
    r = collect(app.test_client(), view(w), ua=BOTS[0])
    assert r.status_code == 200 and count_rows(app, "pageview") == 1


@pytest.mark.parametrize("ip, ignored", [
    ("192.0.2.1", True), ("192.0.2.254", True), ("10.0.0.7", True), ("10.0.0.8", False),
    ("2001:db8::1", True), ("2001:db9::1", False), ("::ffff:10.0.0.7", True),
    ("198.51.100.1", False)])
def test_ignore_ip_with_cidr(make_app, ip, ignored):
    app = make_app(UMAMI_LITE_IGNORE_IP="192.0.2.0/24, 10.0.0.7,2001:db8::/32")
    w = create_site(app)["website_uuid"]
    r = collect(app.test_client(), view(w), ip=ip)
    assert r.status_code == 200
    if ignored:
        assert r.json == {"ignored": "ip"}
        assert counts(app) == {t: 0 for t in STORED}
    else:
        assert r.mimetype == "text/plain" and count_rows(app, "pageview") == 1


# --- client IP and country sources -----------------------------------------------------

IGNORED_NET = "192.0.2.0/24"


def test_spoofed_headers_are_ignored_when_not_configured(make_app):
    app = make_app(UMAMI_LITE_IGNORE_IP=IGNORED_NET)
    client, w = app.test_client(), create_site(app)["website_uuid"]
    for n, header in enumerate(("X-Forwarded-For", "X-Real-IP", "CF-Connecting-IP")):
        r = collect(client, view(w), ip="198.51.100.1", **{header: f"192.0.2.{n + 1}"})
        assert r.status_code == 200 and r.mimetype == "text/plain"
    # the headers changed nothing: one visitor, one session
    assert count_rows(app, "pageview") == 3 and count_rows(app, "session") == 1


def test_client_ip_header_is_honoured(make_app):
    app = make_app(UMAMI_LITE_IGNORE_IP=IGNORED_NET, UMAMI_LITE_CLIENT_IP_HEADER="X-Real-IP")
    client, w = app.test_client(), create_site(app)["website_uuid"]
    r = collect(client, view(w), ip="10.1.1.1", **{"X-Real-IP": "192.0.2.9"})
    assert r.json == {"ignored": "ip"}
    r = collect(client, view(w), ip="192.0.2.9", **{"X-Real-IP": "198.51.100.1"})
    assert r.mimetype == "text/plain"
    collect(client, view(w), ip="192.0.2.9", **{"X-Real-IP": "198.51.100.2"})
    assert count_rows(app, "pageview") == 2 and count_rows(app, "session") == 2


def test_proxy_count_trusts_that_many_forwarded_hops(make_app):
    app = make_app(UMAMI_LITE_IGNORE_IP=IGNORED_NET, UMAMI_LITE_PROXY_COUNT=1)
    client, w = app.test_client(), create_site(app)["website_uuid"]
    r = collect(client, view(w), ip="10.1.1.1", **{"X-Forwarded-For": "192.0.2.9"})
    assert r.json == {"ignored": "ip"}
    # a visitor-supplied first entry is not trusted: only the proxy's own (last) hop
    r = collect(client, view(w), ip="10.1.1.1",
                **{"X-Forwarded-For": "192.0.2.9, 198.51.100.7"})
    assert r.mimetype == "text/plain" and count_rows(app, "pageview") == 1


@pytest.mark.parametrize("sent, stored", [("NZ", "NZ"), ("nz", "NZ"), ("XX", None),
                                          ("T1", None), ("", None), ("NZL", None)])
def test_country_header(make_app, sent, stored):
    app = make_app(UMAMI_LITE_COUNTRY_HEADER="CF-IPCountry")
    w = create_site(app)["website_uuid"]
    collect(app.test_client(), view(w), ip="8.8.8.8", **{"CF-IPCountry": sent})
    assert rows(app, "SELECT country FROM session") == [(stored,)]


def test_country_header_is_ignored_when_not_configured(app, client, website):
    collect(client, view(website["website_uuid"]), ip="192.168.1.2", **{"CF-IPCountry": "NZ"})
    assert rows(app, "SELECT country FROM session") == [(None,)]


# --- visitor identity ------------------------------------------------------------------

def test_day_salt_rotation_gives_a_new_session_and_deletes_the_old_salt(make_app, clock):
    app = make_app(UMAMI_LITE_SALT_ROTATION="day")
    client, w = app.test_client(), create_site(app)["website_uuid"]
    clock.now = T0  # 2026-05-28T20:26:40Z
    collect(client, view(w))
    old_salt = rows(app, "SELECT period, salt FROM salt")
    assert [p for p, _ in old_salt] == ["day:2026-05-28"]
    clock.now = T0 + 3 * 3_600_000  # 23:26 the same day: same salt, same session
    collect(client, view(w))
    assert count_rows(app, "session") == 1
    clock.now = T0 + 4 * 3_600_000  # 00:26 the next day
    collect(client, view(w))
    assert count_rows(app, "session") == 2
    new_salt = rows(app, "SELECT period, salt FROM salt")
    assert [p for p, _ in new_salt] == ["day:2026-05-29"]
    assert new_salt[0][1] != old_salt[0][1]


def test_month_rotation_keeps_the_visitor_within_the_month(app, client, clock, website):
    w = website["website_uuid"]
    collect(client, view(w))
    clock.now += 2 * 86_400_000  # 2026-05-30
    collect(client, view(w))
    assert count_rows(app, "session") == 1
    clock.now += 3 * 86_400_000  # 2026-06-02
    collect(client, view(w))
    assert count_rows(app, "session") == 2


def test_no_raw_ip_or_user_agent_is_stored(app, client, website):
    ua = "Mozilla/5.0 (X11; Linux x86_64) UniqueMarkerBrowser/9.9 Chrome/120.0 Safari/537.36"
    collect(client, view(website["website_uuid"]), ip="198.51.100.213", ua=ua)
    assert count_rows(app, "pageview") == 1
    base = app.extensions["umami_lite"].database
    blob = b"".join(open(p, "rb").read() for p in (base, base + "-wal") if os.path.exists(p))
    assert b"198.51.100.213" not in blob and b"UniqueMarkerBrowser" not in blob


def test_event_forms_and_visits(app, client, clock, website):
    w = website["website_uuid"]
    assert event(client, w, "signup").status_code == 200
    r = collect(client, {"type": "event", "payload": {"website": w, "url": "/",
                                                      "event_name": "buy",
                                                      "event_data": {"n": 2, "ok": True}}})
    assert r.status_code == 200
    assert rows(app, "SELECT event_type, event_value FROM event ORDER BY event_id") == [
        ("click", "signup"), ("custom", "buy")]
    assert sorted(rows(app, "SELECT data_key, data_type FROM event_data")) == [
        ("n", "number"), ("ok", "boolean")]
    # without a cache token, a visit is the session's clock hour
    pageview(client, w)
    clock.now += 3_600_000
    pageview(client, w)
    assert len({v for (v,) in rows(app, "SELECT visit_id FROM pageview")}) == 2
