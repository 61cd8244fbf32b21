"""Body size, nesting and stored-length limits on every JSON route.

Bodies over 64 KiB (1 MiB for /api/batch) are 413, refused on the declared Content-Length
before the body is read; bodies nesting objects/arrays deeper than 16 levels (17 for a
batch: the array adds one) are 400; strings are cut to the documented sizes before they
are stored. /api/collect's v1 sizes are checked in test_collect.py.
"""
import json

import pytest
from conftest import CHROME_UA, nested, open_stored, snapshot_rows

from umami_lite.ingest.record import MAX_DATA_KEYS


def rows(app, sql):
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def snapshot(app):
    """Returns every row of every table (so any change shows)."""
    return snapshot_rows(app)


@pytest.fixture
def routes(api, website):
    """Returns [(path, body builder, byte limit, depth limit)] for every JSON body route."""
    uid, key = website["website_uuid"], website["id"]
    hit = {"type": "event", "payload": {"website": uid, "url": "/", "name": "n"}}
    return [
        ("/api/collect", lambda v: {"type": "event", "payload": {
            "website": uid, "url": "/", "event_name": "n", "event_data": v}}, 64, 16),
        ("/api/send", lambda v: {**hit, "payload": {**hit["payload"], "data": v}}, 64, 16),
        ("/api/batch", lambda v: [{**hit, "payload": {**hit["payload"], "data": v}}], 1024, 17),
        ("/api/auth/login", lambda v: {"username": "admin", "password": "x", "x": v}, 64, 16),
        ("/api/website", lambda v: {"name": "n", "x": v}, 64, 16),
        ("/api/websites", lambda v: {"name": "n", "domain": "d", "x": v}, 64, 16),
        (f"/api/websites/{key}", lambda v: {"name": "n", "x": v}, 64, 16),
        ("/api/account", lambda v: {"username": "u", "password": "long-enough", "x": v}, 64, 16),
        ("/api/account/password", lambda v: {"current_password": "x", "new_password": "y" * 8,
                                             "x": v}, 64, 16),
    ]


def post(api, path, raw):
    return api.client.post(path, data=raw, content_type="application/json",
                           headers={**api.headers(), "User-Agent": CHROME_UA})


def assert_error(r, status, words):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:200])
    assert r.json["error"]["status"] == status and words in r.json["error"]["message"]


def test_bodies_over_the_limit_are_413_and_change_nothing(app, api, routes):
    before = snapshot(app)
    for path, body, kib, _ in routes:
        raw = json.dumps(body("x" * (kib * 1024))).encode()
        assert_error(post(api, path, raw), 413, "larger than")
        # A declared Content-Length past the limit is refused before the body is read.
        r = api.client.post(path, data=b"{}", content_type="application/json",
                            headers=api.headers(),
                            environ_overrides={"CONTENT_LENGTH": str(kib * 1024 + 1)})
        assert_error(r, 413, "larger than")
    assert snapshot(app) == before


def test_bodies_nesting_past_the_limit_are_400_and_change_nothing(app, api, routes):
    before = snapshot(app)
    for path, body, _, depth in routes:
        # body() adds at least one level around v; 30,000 levels overflow the parser itself
        for raw in (json.dumps(body(nested(depth))), json.dumps(body(nested(900))),
                    json.dumps(body("V")).replace('"V"', "[" * 30_000 + "]" * 30_000)):
            assert_error(post(api, path, raw.encode()), 400, f"nests deeper than {depth} levels")
    assert snapshot(app) == before


def test_nesting_up_to_the_limit_is_accepted(app, api, website):
    uid = website["website_uuid"]
    data = nested(13)  # body, payload, data + 13 = 16 levels
    hit = {"type": "event", "payload": {"website": uid, "url": "/", "name": "n", "data": data}}
    assert post(api, "/api/send", json.dumps(hit).encode()).status_code == 200
    assert post(api, "/api/batch", json.dumps([hit]).encode()).json["processed"] == 1
    v1 = {"type": "event", "payload": {"website": uid, "url": "/", "event_name": "n",
                                       "event_data": data}}
    assert post(api, "/api/collect", json.dumps(v1).encode()).status_code == 200
    assert rows(app, "SELECT count(*) FROM event") == [(3,)]
    assert rows(app, "SELECT DISTINCT data_key FROM event_data") == [(".".join("a" * 13),)]


TEN_KB = 10 * 1024


def test_send_strings_are_cut_to_the_documented_sizes(app, api, website):
    long, five_kb = "x" * TEN_KB, 5 * 1024  # several 10 kB fields would pass 64 KiB
    view = {"website": website["website_uuid"], "url": "/" + long,
            "referrer": "https://r.example/" + long, "title": "t" * TEN_KB,
            "hostname": "h" * five_kb, "language": "l" * five_kb, "screen": "s" * five_kb,
            "tag": "g" * five_kb}
    named = {**view, "referrer": None, "hostname": "other", "name": "n" * TEN_KB,
             "id": "i" * TEN_KB}
    data = {"website": website["website_uuid"], "url": "/", "name": "d",
            "data": {"k" * TEN_KB: "v" * TEN_KB, "big": [long]}}
    for payload in (view, named, data):
        r = post(api, "/api/send", json.dumps({"type": "event", "payload": payload}).encode())
        assert r.status_code == 200, r.json
    assert rows(app, "SELECT length(url), length(referrer), length(page_title), length(tag)"
                     " FROM pageview") == [(500, 500, 500, 50)]
    assert rows(app, "SELECT length(url), event_type, length(event_value), length(page_title),"
                     " length(tag) FROM event ORDER BY event_id") == [
        (500, "custom", 50, 500, 50), (1, "custom", 1, None, None)]
    assert rows(app, "SELECT length(hostname), length(language), length(screen),"
                     " length(distinct_id) FROM session ORDER BY session_id")[:2] == [
        (100, 35, 11, None), (5, 35, 11, 50)]
    assert rows(app, "SELECT length(data_key), length(string_value) FROM event_data"
                     " ORDER BY data_key") == [(3, 500), (500, 500)]


def test_event_properties_are_limited_in_number(app, api, website):
    # more are refused (test_hit_limits.py): the most an event stores is MAX_DATA_KEYS
    data = {f"k{i:04d}": i for i in range(MAX_DATA_KEYS)}
    hit = {"type": "event", "payload": {"website": website["website_uuid"], "url": "/",
                                        "name": "n", "data": data}}
    assert post(api, "/api/send", json.dumps(hit).encode()).status_code == 200
    assert rows(app, "SELECT count(*) FROM event_data") == [(MAX_DATA_KEYS,)]


@pytest.mark.parametrize("path, body, field", [
    ("/api/website", {"name": "n" * TEN_KB}, "name"),
    ("/api/website", {"name": "n", "domain": "d" * TEN_KB}, "domain"),
    ("/api/websites", {"name": "n" * TEN_KB, "domain": "d"}, "name"),
    ("/api/websites", {"name": "n", "domain": "d" * TEN_KB}, "domain"),
    ("/api/account", {"username": "u" * TEN_KB, "password": "long-enough"}, "username"),
    ("/api/account", {"username": "u", "password": "p" * TEN_KB}, "password"),
    ("/api/account/password", {"current_password": "x", "new_password": "p" * TEN_KB},
     "new_password"),
])
def test_long_names_are_refused_not_stored(app, api, path, body, field):
    before = snapshot(app)
    assert_error(post(api, path, json.dumps(body).encode()), 400, f"'{field}'")
    assert snapshot(app) == before


LONG_DIGITS = "9" * 5000  # Python's int() refuses strings of more than 4,300 digits


def test_digit_strings_int_refuses_are_4xx_or_stored(app, api, website):
    """These answered 500: int() of 5,000 digits, or of "²" (which str.isdigit accepts)."""
    uid = website["website_uuid"]
    for timestamp in (LONG_DIGITS, "²", "١٢٣"):
        hit = {"type": "event", "payload": {"website": uid, "url": "/", "timestamp": timestamp}}
        assert_error(post(api, "/api/send", json.dumps(hit).encode()), 400, "timestamp")
    for path, hit in (("/api/collect", {"type": "pageview", "payload": {
            "website": uid, "url": "/", "screen": LONG_DIGITS + "x1080"}}),
            ("/api/send", {"type": "event", "payload": {
                "website": uid, "url": "/", "screen": LONG_DIGITS + "x1080"}})):
        assert post(api, path, json.dumps(hit).encode()).status_code == 200
    assert rows(app, "SELECT count(*) FROM pageview") == [(2,)]
    assert rows(app, "SELECT DISTINCT screen, device FROM session") == [("99999999999", "desktop")]
    for path in (f"/api/website/{LONG_DIGITS}", f"/api/websites/{LONG_DIGITS}",
                 f"/api/website/{LONG_DIGITS}/stats?start_at=0&end_at=1",
                 f"/api/realtime/{LONG_DIGITS}"):
        assert_error(api.get(path), 404, "")
    assert_error(post(api, "/api/website", json.dumps(
        {"website_id": LONG_DIGITS, "name": "n"}).encode()), 404, "")
