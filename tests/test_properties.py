"""Property tests (hypothesis) of the public ingest routes and every analytics parameter.

Properties, each over generated inputs, through the real routes into a real SQLite file:
- POST /api/collect, /api/send, /api/batch: never a 5xx; a payload valid by the contract
  (../shared/spec/decisions.md, README "Current Umami API") stores exactly one pageview or
  one event (plus at most one new session), with strings cut to the documented sizes; an
  invalid one is a 4xx JSON error (413 past 64 KiB) and stores nothing; a bot is 200
  {"ignored": "bot"} / {"beep": "boop"} and stores nothing; random garbage is never a 5xx
  and, unless it is a 200, stores nothing.
- Every analytics route (v1 and current API; the parameters of umami_lite/web/openapi.py):
  never a 5xx; valid parameters answer 200 JSON; a parameter known to be bad answers 400
  JSON naming a parameter.
Runs are derandomized (the same cases in CI every time) and bounded by EXAMPLES.
"""
import json
from urllib.parse import quote, urlencode

import pytest
from conftest import CHROME_UA, T0, as_stored, event, open_stored, pageview
from hypothesis import HealthCheck, given, settings
from hypothesis import event as tally  # counts outcomes (--hypothesis-show-statistics)
from hypothesis import strategies as st

from umami_lite.storage.dialect import ID_COLUMNS
from umami_lite.queries.filters import PARAM_FILTERS
from umami_lite.queries.current.metrics import ALIASES, METRICS

# Each test runs EXAMPLES[name] cases; the total is printed by test_case_budget below.
EXAMPLES = {"collect_valid": 150, "collect_invalid": 150, "collect_garbage": 100,
            "send_valid": 150, "send_invalid": 150, "send_garbage": 60, "batch": 50,
            "v1_route": 80, "v2_route": 80, "websites_list": 40}
TABLES = ("session", "pageview", "event", "event_data", "session_data")
MAX_BODY = 64 * 1024
# Documented stored sizes (decisions.md "Collect"; title and tag from the current API).
SIZES = {"url": 500, "referrer": 500, "event_type": 50, "event_value": 50, "page_title": 500,
         "tag": 50}
BROWSERS = [CHROME_UA,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"]
BOTS = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0", "python-requests/2.32"]
NASTY = ["", " ", "\x00", "a\x00b", "' OR 1=1 --", "\" )", "😀🎉", "\u202eevil", "%00", "\\",
         "../../etc/passwd", "<script>alert(1)</script>", "x" * 10_000, "é" * 3000,
         "null", "[]", "{}", "NaN", "-1", "9" * 400, "9" * 5000, "²", "١٢٣"]


def settings_for(name, examples=None):
    return settings(max_examples=examples or EXAMPLES[name], deadline=None, derandomize=True,
                    database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                          HealthCheck.too_slow,
                                                          HealthCheck.data_too_large])


def counts(app):
    """Returns {table: row count} for the tables a hit may write."""
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def expected_row(app, *values):
    """Returns values as the app's database stores them (conftest.as_stored)."""
    path = app.extensions["umami_lite"].database
    return tuple(as_stored(v, path) if isinstance(v, str) else v for v in values)


def last_row(app, table, columns):
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        order = ID_COLUMNS[table]
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY {order} DESC LIMIT 1"
                            ).fetchone()
    finally:
        conn.close()


def delta(before, after):
    return {t: after[t] - before[t] for t in TABLES}


def assert_json_error(r, statuses=(400,)):
    assert r.status_code in statuses, (r.status_code, r.get_data(as_text=True)[:300])
    error = r.get_json(silent=True)
    assert error and error["error"]["status"] == r.status_code, r.get_data(as_text=True)[:300]
    assert isinstance(error["error"]["message"], str) and error["error"]["code"]


def post(client, path, body, ua=CHROME_UA, ip="203.0.113.7", content_type="application/json"):
    """Posts body (JSON-encoded unless bytes) and returns (response, raw body)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = client.post(path, data=raw, headers={"User-Agent": ua, "Content-Type": content_type},
                    environ_base={"REMOTE_ADDR": ip})
    return r, raw


def post_hit(app, client, path, body, ua, ip, content_type="application/json"):
    """Returns (response, {table: rows added}) of a posted hit, or None when the body was
    over MAX_BODY (after checking it got a 413 and stored nothing)."""
    before = counts(app)
    r, raw = post(client, path, body, ua, ip, content_type)
    change = delta(before, counts(app))
    if len(raw) > MAX_BODY:
        assert_json_error(r, (413,))
        assert change == dict.fromkeys(TABLES, 0)
        return None
    return r, change


# --- strategies ---------------------------------------------------------------------

text = st.one_of(st.text(max_size=40), st.sampled_from(NASTY))
nonempty = text.filter(bool)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                    st.floats(allow_nan=False, allow_infinity=False), text)
# Event properties: objects and lists of scalars, at most 4 levels (bodies may nest 16).
properties = st.dictionaries(st.text(max_size=12), st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=8), inner, max_size=3), max_leaves=8), max_size=6)
# Any JSON value, including nesting, NaN/Infinity (Python's json reads them) and huge ints.
garbage_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20)
wrong_string = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(),
                         st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
ips = st.ip_addresses().map(str)
# A url path whose stored form is predictable: no scheme, host, fragment or control chars.
segment = st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
                                          blacklist_characters="/?#\\"), min_size=1,
                            max_size=20),
                    st.just("x" * 10_000))
paths = st.lists(segment, max_size=4).map(lambda parts: "/" + "/".join(parts))
query_strings = st.one_of(st.just(""), st.text(st.characters(
    blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="#"),
    min_size=1, max_size=30).map(lambda q: "?" + q))
urls = st.builds(lambda p, q: p + q, paths, query_strings)


def website_forms(website_uuid):
    """Returns a strategy of spellings uuid.UUID reads as the website's uuid."""
    return st.sampled_from([website_uuid, website_uuid.upper(), "{" + website_uuid + "}",
                            "urn:uuid:" + website_uuid, website_uuid.replace("-", "")])


def optional_fields(names, values=text):
    """Returns a strategy of dicts holding some of names (each a value or null)."""
    return st.fixed_dictionaries({}, optional={n: st.one_of(st.none(), values) for n in names})


def collect_payloads(website_uuid):
    """Returns a strategy of (kind, payload) valid by the v1 collect contract."""
    base = st.fixed_dictionaries({"website": website_forms(website_uuid), "url": urls.filter(
        bool)}).flatmap(lambda p: optional_fields(
            ("referrer", "hostname", "language", "screen", "cache")).map(lambda o: {**p, **o}))
    pageviews = st.tuples(st.just("pageview"), base)
    by_type = st.fixed_dictionaries({"event_type": nonempty, "event_value": nonempty})
    by_name = st.fixed_dictionaries({"event_name": nonempty}, optional={
        "event_data": st.one_of(st.none(), properties, text)})
    # v1.28's trackEvent(value, data): the (non-empty) data object comes as event_type
    by_object = st.fixed_dictionaries({"event_type": properties.filter(bool),
                                       "event_value": nonempty})
    events = st.tuples(st.just("event"), st.builds(lambda p, e: {**p, **e}, base,
                                                   st.one_of(by_type, by_name, by_object)))
    return st.one_of(pageviews, events)


def send_payloads(website_uuid):
    """Returns a strategy of (type, payload) valid by the current API's /api/send."""
    base = st.fixed_dictionaries(
        {"website": website_forms(website_uuid), "url": urls.filter(bool)},
        optional={"timestamp": st.one_of(st.none(), st.integers(0, T0 // 1000),
                                         st.integers(0, T0 // 1000).map(str)),
                  "id": st.one_of(st.none(), text, st.integers()),
                  "data": st.one_of(st.none(), properties),
                  "userAgent": st.one_of(st.none(), st.sampled_from(BROWSERS)),
                  "ip": st.one_of(st.none(), ips, text)}).flatmap(
        lambda p: optional_fields(("referrer", "hostname", "language", "screen", "title",
                                   "tag", "browser", "os", "device", "name")).map(
            lambda o: {**p, **o}))
    return st.tuples(st.sampled_from(["event", "event", "event", "identify", "performance"]),
                     base)


def nested(depth):
    value = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def collect_mutations(website_uuid):
    """Returns a strategy of functions making a valid (kind, payload) into a bad body.

    Each returns (body, expected status).
    """
    strings = ("url", "referrer", "hostname", "language", "screen", "event_value",
               "event_name")
    unknown = st.uuids().map(str).filter(lambda u: u != website_uuid)
    return st.one_of(
        st.builds(lambda v: lambda k, p: (v, 400),
                  st.one_of(st.lists(scalars, max_size=3), scalars)),
        st.builds(lambda t: lambda k, p: ({"type": t, "payload": p}, 400),
                  garbage_json.filter(lambda t: t not in ("pageview", "event"))),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": v}, 400),
                  st.one_of(st.lists(scalars, max_size=2), scalars)),
        st.builds(lambda f, v: lambda k, p: ({"type": k, "payload": {**p, f: v}}, 400),
                  st.sampled_from(strings), wrong_string),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": {**p, "event_type": v}}, 400),
                  st.one_of(st.integers(), st.booleans(), st.lists(text, max_size=2))),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": {**p, "url": v}}, 400),
                  st.sampled_from(["", None, 0, False])),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": {**p, "website": v}}, 400),
                  st.one_of(st.none(), text, unknown, wrong_string)),
        st.just(lambda k, p: ({"type": "event", "payload": {
            f: v for f, v in p.items() if not f.startswith("event_")}}, 400)),
        st.just(lambda k, p: ({"type": k, "payload": {**p, "event_data": nested(17)}}, 400)),
        st.just(lambda k, p: ({"type": k, "payload": {**p, "url": "/" + "x" * MAX_BODY}},
                              413)),
    )


def send_mutations(website_uuid, whole_body=True):
    """Returns a strategy of functions making a valid (type, payload) into a bad body.

    whole_body=False leaves out the mutations a batch refuses as a whole (too deep, too big).
    """
    strings = ("hostname", "language", "screen", "title", "url", "referrer", "name", "tag",
               "ip", "userAgent", "browser", "os", "device")
    unknown = st.uuids().map(str).filter(lambda u: u != website_uuid)
    future = T0 // 1000 + 3600
    return st.one_of(
        st.builds(lambda v: lambda k, p: (v, 400),
                  st.one_of(st.lists(scalars, max_size=3), scalars)),
        st.builds(lambda t: lambda k, p: ({"type": t, "payload": p}, 400),
                  garbage_json.filter(lambda t: t not in ("event", "identify", "performance"))),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": v}, 400),
                  st.one_of(st.lists(scalars, max_size=2), scalars)),
        st.builds(lambda f, v: lambda k, p: ({"type": k, "payload": {**p, f: v}}, 400),
                  st.sampled_from(strings), wrong_string),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": {**p, "id": v}}, 400),
                  st.one_of(st.booleans(), st.floats(), st.lists(st.integers(), max_size=2))),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": {**p, "data": v}}, 400),
                  st.one_of(st.lists(scalars, max_size=2), text, st.integers())),
        st.builds(lambda v: lambda k, p: ({"type": "event", "payload": {**p, "url": v}}, 400),
                  st.sampled_from(["", None, "http://[::1", "//[x/"])),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": {**p, "website": v}}, 400),
                  st.one_of(st.none(), text, unknown, wrong_string)),
        st.builds(lambda v: lambda k, p: ({"type": k, "payload": {**p, "timestamp": v}}, 400),
                  st.one_of(st.integers(max_value=-1), st.integers(min_value=future),
                            st.floats(), st.booleans(), st.sampled_from(["9" * 25, "1.5", "-1"]),
                            nonempty.filter(lambda s: not (s.isascii() and s.isdigit())))),
        st.builds(lambda f: lambda k, p: ({"type": k, "payload": {**p, f: p["website"]}}, 400),
                  st.sampled_from(["link", "pixel"])),
    ) | (st.sampled_from([
        lambda k, p: ({"type": k, "payload": {**p, "data": nested(15)}}, 400),
        lambda k, p: ({"type": k, "payload": {**p, "title": "x" * MAX_BODY}}, 413),
    ]) if whole_body else st.nothing())


# --- /api/collect -------------------------------------------------------------------

def expected_event(payload):
    """Returns the (event_type, event_value) the contract stores for a v1 event payload."""
    if payload.get("event_name"):
        return "custom", payload["event_name"][:SIZES["event_value"]]
    if isinstance(payload["event_type"], dict):
        return "custom", payload["event_value"][:SIZES["event_value"]]
    return (payload["event_type"][:SIZES["event_type"]],
            payload["event_value"][:SIZES["event_value"]])


def clip(value, size):
    return None if value is None else value[:size]


def test_collect_valid_payloads_store_exactly_one_row(app, client, website):
    @settings_for("collect_valid")
    @given(hit=collect_payloads(website["website_uuid"]), ua=st.sampled_from(BROWSERS), ip=ips,
           content_type=st.sampled_from(["application/json", "text/plain",
                                         "text/plain;charset=UTF-8"]))
    def check(hit, ua, ip, content_type):
        kind, payload = hit
        posted = post_hit(app, client, "/api/collect", {"type": kind, "payload": payload}, ua,
                          ip, content_type)
        if posted is None:
            return
        r, change = posted
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        assert r.mimetype == "text/plain" and r.get_data(as_text=True)
        assert change["session"] in (0, 1) and change["session_data"] == 0
        if kind == "pageview":
            assert (change["pageview"], change["event"], change["event_data"]) == (1, 0, 0)
            assert last_row(app, "pageview", "url, referrer") == expected_row(
                app, payload["url"][:SIZES["url"]],
                clip(payload.get("referrer"), SIZES["referrer"]))
        else:
            assert (change["pageview"], change["event"]) == (0, 1)
            assert 0 <= change["event_data"] <= 100
            assert last_row(app, "event", "url, event_type, event_value") == expected_row(
                app, payload["url"][:SIZES["url"]], *expected_event(payload))
    check()


def test_collect_garbage_is_never_5xx(app, client, website):
    uid = website["website_uuid"]
    bodies = st.one_of(
        st.binary(max_size=200),
        garbage_json.map(lambda v: json.dumps(v).encode()),
        st.builds(lambda t, p: json.dumps({"type": t, "payload": p}).encode(),
                  st.sampled_from(["pageview", "event"]),
                  st.dictionaries(st.sampled_from(["website", "url", "referrer", "hostname",
                                                   "screen", "language", "event_type",
                                                   "event_value", "event_name", "event_data",
                                                   "cache"]),
                                  st.one_of(garbage_json, st.just(uid)), max_size=8)))

    @settings_for("collect_garbage")
    @given(raw=bodies, ua=st.sampled_from(BROWSERS + BOTS + ["", "\x00" * 3, "x" * 5000]),
           content_type=st.sampled_from(["application/json", "text/plain", "",
                                         "application/x-www-form-urlencoded"]))
    def check(raw, ua, content_type):
        before = counts(app)
        r, _ = post(client, "/api/collect", raw, ua, content_type=content_type)
        change = delta(before, counts(app))
        assert r.status_code < 500, r.get_data(as_text=True)[:300]
        if r.status_code != 200:
            assert_json_error(r, (400, 413))
        if r.status_code != 200 or r.is_json:  # an error, or {"ignored": ...}
            assert change == dict.fromkeys(TABLES, 0)
        else:  # a cache token: one hit stored
            assert change["pageview"] + change["event"] == 1
    check()


@pytest.mark.parametrize("ua", BOTS)
def test_collect_bots_are_ignored_and_store_nothing(app, client, website, ua):
    @settings_for("collect_valid", examples=10)
    @given(hit=collect_payloads(website["website_uuid"]))
    def check(hit):
        kind, payload = hit
        payload = {**payload, "url": payload["url"][:100]}
        before = counts(app)
        r, _ = post(client, "/api/collect", {"type": kind, "payload": payload}, ua)
        assert r.status_code == 200 and r.json == {"ignored": "bot"}
        assert counts(app) == before
    check()


# --- /api/send and /api/batch ---------------------------------------------------------

def stored_url(url):
    """Returns the url /api/send stores for a generated path[?query] (README: path + query)."""
    path, _, query = url.partition("?")
    return (f"{path}?{query}" if query else path)[:SIZES["url"]]


def expected_rows(kind, payload):
    """Returns {table: rows added} for a valid send hit, session and data tables aside."""
    hit = ("event" if payload.get("name") else "pageview") if kind == "event" else kind
    return {"pageview": int(hit == "pageview"), "event": int(hit == "event")}


def check_send_row(app, kind, payload):
    if kind != "event":
        return
    if payload.get("name"):
        assert last_row(app, "event", "url, event_type, event_value, page_title, tag") == \
            expected_row(app, stored_url(payload["url"]), "custom",
                         payload["name"][:SIZES["event_value"]],
                         clip(payload.get("title"), SIZES["page_title"]),
                         clip(payload.get("tag"), 50))
    else:
        assert last_row(app, "pageview", "url, referrer, page_title, tag") == expected_row(
            app, stored_url(payload["url"]), clip(payload.get("referrer"), SIZES["referrer"]),
            clip(payload.get("title"), SIZES["page_title"]), clip(payload.get("tag"), 50))


def test_send_valid_payloads_store_exactly_one_row(app, client, website):
    @settings_for("send_valid")
    @given(hit=send_payloads(website["website_uuid"]), ua=st.sampled_from(BROWSERS), ip=ips)
    def check(hit, ua, ip):
        kind, payload = hit
        posted = post_hit(app, client, "/api/send", {"type": kind, "payload": payload}, ua, ip)
        if posted is None:
            return
        r, change = posted
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        assert set(r.json) == {"cache", "sessionId", "visitId"}
        assert change["session"] in (0, 1)
        assert {t: change[t] for t in ("pageview", "event")} == expected_rows(kind, payload)
        assert 0 <= change["event_data"] <= 100 and 0 <= change["session_data"] <= 100
        if kind != "identify":
            assert change["session_data"] == 0
        check_send_row(app, kind, payload)
    check()


# route -> (valid payload strategy, mutation strategy), each taking the website uuid
INVALID = {"collect": (collect_payloads, collect_mutations),
           "send": (send_payloads, send_mutations)}


@pytest.mark.parametrize("route", INVALID)
def test_invalid_payloads_are_4xx_and_store_nothing(app, client, website, route):
    uid = website["website_uuid"]
    payloads, mutations = INVALID[route]

    @settings_for(f"{route}_invalid")
    @given(hit=payloads(uid), mutate=mutations(uid))
    def check(hit, mutate):
        body, status = mutate(*hit)
        before = counts(app)
        r, raw = post(client, f"/api/{route}", body)
        assert_json_error(r, (413,) if len(raw) > MAX_BODY else (status,))
        assert counts(app) == before
    check()


def test_send_garbage_is_never_5xx(app, client, website):
    uid = website["website_uuid"]
    payloads = st.dictionaries(
        st.sampled_from(["website", "url", "referrer", "hostname", "screen", "language",
                         "title", "name", "tag", "id", "data", "timestamp", "ip", "userAgent",
                         "browser", "os", "device", "link", "pixel"]),
        st.one_of(garbage_json, st.just(uid)), max_size=10)
    bodies = st.one_of(
        st.binary(max_size=200), garbage_json.map(lambda v: json.dumps(v).encode()),
        st.builds(lambda t, p: json.dumps({"type": t, "payload": p}).encode(),
                  st.sampled_from(["event", "identify", "performance"]), payloads))

    @settings_for("send_garbage")
    @given(raw=bodies, path=st.sampled_from(["/api/send", "/api/batch"]),
           ua=st.sampled_from(BROWSERS + BOTS))
    def check(raw, path, ua):
        if path == "/api/batch":
            raw = b"[" + raw + b"]"
        before = counts(app)
        r, _ = post(client, path, raw, ua)
        assert r.status_code < 500, r.get_data(as_text=True)[:300]
        assert r.is_json
        if r.status_code != 200:
            assert_json_error(r, (400, 403, 413))
            assert counts(app) == before
    check()


def test_batch_stores_the_valid_items_and_reports_the_invalid(app, client, website):
    uid = website["website_uuid"]
    small = send_payloads(uid).map(lambda h: (h[0], {**h[1], "url": h[1]["url"][:200],
                                                     "title": None}))
    mutations = send_mutations(uid, whole_body=False)
    items = st.lists(st.one_of(
        small.map(lambda h: (True, h)),
        st.tuples(small, mutations).map(lambda x: (False, x[1](*x[0])[0]))), max_size=6)

    @settings_for("batch")
    @given(items=items)
    def check(items):
        bodies = [{"type": item[0], "payload": item[1]} if ok else item for ok, item in items]
        before = counts(app)
        r, raw = post(client, "/api/batch", bodies)
        change = delta(before, counts(app))
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        bad = [i for i, (ok, _) in enumerate(items) if not ok]
        assert (r.json["size"], r.json["errors"]) == (len(items), len(bad))
        assert [d["index"] for d in r.json["details"]] == bad
        assert all(d["response"]["error"]["status"] == 400 for d in r.json["details"])
        wanted = [expected_rows(*item) for ok, item in items if ok]
        for table in ("pageview", "event"):
            assert change[table] == sum(w[table] for w in wanted)
        assert change["session"] <= len(wanted)
    check()


# --- analytics routes ---------------------------------------------------------------

DAY = 86_400_000
FAR = 253402300799999
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Chatham", "Etc/GMT+12"]
V1_UNITS = ["year", "month", "day", "hour", "minute"]
V1_TYPES = ["url", "referrer", "event", "browser", "os", "device", "country", "language",
            "screen"]


@pytest.fixture
def seeded(app, client, api, website):
    """A website with pageviews, events and event data around T0; returns api, website."""
    for i, url in enumerate(["/", "/a?utm_source=x", "/b"]):
        pageview(client, website["website_uuid"], url=url, ip=f"198.51.100.{i}",
                 referrer="https://news.example.org/x")
        event(client, website["website_uuid"], f"value-{i}", ip=f"198.51.100.{i}")
    client.post("/api/send", headers={"User-Agent": CHROME_UA}, json={
        "type": "event", "payload": {"website": website["website_uuid"], "url": "/d",
                                     "name": "download", "data": {"file": "a.pdf", "n": 2}}})
    return api, website


class Param:
    """One query parameter: a strategy of (value or None for absent, validity).

    validity: True (the contract accepts it), False (the contract refuses it: 400),
    None (either answer is right: garbage whose meaning the test does not model).
    """

    def __init__(self, valid, invalid=None, required=False, garbage=True):
        parts = [valid.map(lambda v: (v, True))]
        if garbage:
            parts.append(text.map(lambda v: (v, None)))
        if invalid is not None:
            parts.append(invalid.map(lambda v: (v, False)))
        parts.append(st.just((None, not required)))
        self.strategy = st.one_of(*parts)


def ms_pair():
    """Returns a strategy of valid (start, end) epoch ms pairs around the seeded data."""
    near = st.integers(T0 - 40 * DAY, T0 + 40 * DAY)
    edges = st.sampled_from([(0, T0), (0, FAR), (0, 0), (FAR, FAR), (FAR - DAY, FAR)])
    return st.one_of(st.tuples(near, near).map(sorted), edges)


bad_ms = st.one_of(st.integers(max_value=-1).map(str), st.integers(min_value=FAR + 1).map(str),
                   st.sampled_from(["", "abc", "1.5", "1e3", "0x10", "' OR 1=1 --"]))
OPERATORS = ("eq", "neq", "c", "dnc")


def filter_is_valid(raw):
    """Returns whether a current-API filter value has a value after its optional operator."""
    op, sep, rest = raw.partition(".")
    if sep and op in OPERATORS:
        raw = rest
    if op in ("c", "dnc") and sep:
        return bool(raw) and "\x00" not in raw  # a LIKE pattern cannot hold a NUL
    return any(raw.split(","))


v2_filter = st.tuples(st.sampled_from(["", "eq.", "neq.", "c.", "dnc."]), nonempty).map(
    "".join).filter(filter_is_valid)
v1_params = {
    "url": Param(st.one_of(text, st.just("/")), garbage=False),
    "unit": Param(st.sampled_from(V1_UNITS), text.filter(lambda v: v not in V1_UNITS), True),
    "tz": Param(st.sampled_from(ZONES), st.sampled_from(["Mars/Olympus", "UTC+1", "../etc",
                                                         "' OR 1=1 --"]), True),
    "type": Param(st.sampled_from(V1_TYPES), text.filter(lambda v: v not in V1_TYPES), True),
}
V1_ROUTES = {"stats": ("url",), "pageviews": ("url", "unit", "tz"),
             "events": ("url", "unit", "tz"), "metrics": ("url", "type"), "active": ()}
v2_params = {
    **{name: Param(v2_filter, st.sampled_from(["eq.", ",", "neq.,,"])) for name in PARAM_FILTERS},
    "unit": Param(st.sampled_from(["minute", "hour", "day", "month", "year"]),
                  st.sampled_from(["week", "' OR 1=1 --", "HOUR"])),
    "timezone": Param(st.sampled_from(ZONES + ["utc"]), st.sampled_from(["Mars/Olympus", "+01"])),
    "compare": Param(st.sampled_from(["prev", "yoy"]), st.sampled_from(["next", "1"])),
    "type": Param(st.sampled_from(sorted(METRICS) + sorted(ALIASES)),
                  st.sampled_from(["nope", "' OR 1=1 --", "url; DROP TABLE pageview"]), True),
    "limit": Param(st.integers(1, 10_000).map(str), st.sampled_from(["0", "-1", "10001", "x"])),
    "offset": Param(st.integers(0, 10**6).map(str), st.sampled_from(["-1", "x", "1.5"])),
    "search": Param(text.filter(lambda v: "\x00" not in v), st.just("a\x00b")),
    "event": Param(nonempty),
    "propertyName": Param(nonempty, required=True),
}
V2_FILTERS = tuple(PARAM_FILTERS)
V2_ROUTES = {
    "stats": (*V2_FILTERS, "compare"),
    "pageviews": (*V2_FILTERS, "unit", "timezone", "compare"),
    "metrics": (*V2_FILTERS, "type", "limit", "offset", "search"),
    "events/series": (*V2_FILTERS, "unit", "timezone"),
    "active": (),
    "event-data/events": V2_FILTERS,
    "event-data/properties": V2_FILTERS,
    "event-data/values": (*V2_FILTERS, "propertyName"),
    "realtime": (),
}


@st.composite
def route_query(draw, names, params, start_name, end_name, uses_range):
    """Returns (query dict, validity) for a route: True, False or None as in Param."""
    query, validity = {}, [True]
    if uses_range:
        start, end = draw(ms_pair())
        choice = draw(st.sampled_from(["ok", "ok", "ok", "bad-start", "bad-end", "missing",
                                       "reversed"]))
        query[start_name], query[end_name] = str(start), str(end)
        if choice == "bad-start":
            query[start_name] = draw(bad_ms)
        elif choice == "bad-end":
            query[end_name] = draw(bad_ms)
        elif choice == "missing":
            del query[draw(st.sampled_from([start_name, end_name]))]
        elif choice == "reversed" and start != end:
            query[start_name], query[end_name] = str(end), str(start)
        else:
            choice = "ok"
        validity.append(choice == "ok")
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=4)) if names else []
    for name in names:
        value, valid = draw(params[name].strategy) if name in chosen or name in REQUIRED \
            else (None, True)
        if value is not None:
            query[name] = value
        validity.append(valid)
    if draw(st.booleans()):
        # an unknown parameter is ignored ("_" keeps it from spelling a filter like os1)
        query["x_" + draw(st.text(max_size=8))] = draw(text)
    return query, (False if False in validity else None if None in validity else True)


REQUIRED = {"unit", "tz", "type", "propertyName"}


def check_answer(r, validity, query):
    tally(f"{r.status_code} (validity {validity})")
    body = r.get_data(as_text=True)[:300]
    assert r.status_code in (200, 400), (r.status_code, query, body)
    if validity is True:
        assert r.status_code == 200, (query, body)
    elif validity is False:
        assert r.status_code == 400, (query, body)
    if r.status_code == 400:
        assert_json_error(r)
        assert "'" in r.json["error"]["message"], body  # names the parameter
    else:
        assert isinstance(r.get_json(), (dict, list))


@pytest.mark.parametrize("route", sorted(V1_ROUTES))
def test_v1_analytics_parameters(seeded, route):
    api, website = seeded
    names = V1_ROUTES[route]
    queries = route_query(list(names), v1_params, "start_at", "end_at", route != "active")

    @settings_for("v1_route")
    @given(key=st.sampled_from([str(website["website_id"]), website["website_uuid"]]),
           drawn=queries)
    def check(key, drawn):
        query, validity = drawn
        r = api.get(f"/api/website/{key}/{route}?{urlencode(query)}")
        check_answer(r, validity, query)
    check()


@pytest.mark.parametrize("route", sorted(V2_ROUTES))
def test_v2_analytics_parameters(seeded, route):
    api, website = seeded
    uses_range = route not in ("active", "realtime")
    queries = route_query(list(V2_ROUTES[route]), v2_params, "startAt", "endAt", uses_range)
    prefix = "/api/realtime/{}" if route == "realtime" else f"/api/websites/{{}}/{route}"

    @settings_for("v2_route")
    @given(key=st.sampled_from([str(website["website_id"]), website["website_uuid"]]),
           drawn=queries)
    def check(key, drawn):
        query, validity = drawn
        if route == "event-data/values" and not query.get("event") and validity is not False:
            validity = None if validity is None else False  # event= is required here too
        r = api.get(prefix.format(key) + "?" + urlencode(query))
        check_answer(r, validity, query)
    check()


def test_unknown_website_keys_are_json_404(seeded):
    api, _ = seeded

    @settings_for("v1_route")
    # a "/" in a key makes another path (werkzeug redirects "//" with a 308)
    @given(key=text.filter(lambda k: k.strip() not in ("", ".", "..", "1") and "/" not in k),
           route=st.sampled_from([f"/api/website/{{}}/{r}" for r in V1_ROUTES]
                                 + [f"/api/websites/{{}}/{r}" for r in V2_ROUTES
                                    if r != "realtime"] + ["/api/realtime/{}"]))
    def check(key, route):
        r = api.get(route.format(quote(key, safe="")) + f"?start_at=0&end_at={T0}&startAt=0"
                    f"&endAt={T0}&unit=day&tz=UTC&type=url&propertyName=x&event=x")
        assert r.status_code in (400, 404), (key, r.status_code)
        assert_json_error(r, (400, 404))
    check()


def test_website_list_parameters(seeded):
    api, _ = seeded
    params = {"page": Param(st.integers(1, 10**6).map(str), st.sampled_from(["0", "-1", "x"])),
              "pageSize": Param(st.integers(1, 1000).map(str),
                                st.sampled_from(["0", "1001", "x", "1.5"])),
              "search": Param(text.filter(lambda v: "\x00" not in v), st.just("\x00"))}

    @settings_for("websites_list")
    @given(drawn=route_query(list(params), params, "", "", False),
           user_id=st.one_of(st.none(), st.just("1"), text))
    def check(drawn, user_id):
        query, validity = drawn
        if user_id is not None:
            query["user_id"] = user_id
            validity = validity if user_id == "1" else None
        r = api.get("/api/websites?" + urlencode(query))
        check_answer(r, validity, query)
    check()
