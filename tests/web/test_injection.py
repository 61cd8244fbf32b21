"""SQL injection attempts in every parameter: query parameters of every analytics route
(v1 and current API, every filter), path keys, the JSON fields of collect/send, login,
website and account bodies, and the website list.

Each attempt answers a 4xx JSON error or a normal answer with no extra data (the same
answer as a value that matches nothing); a value that is stored is stored literally; never
a 5xx. Afterwards the database is intact: the same tables, the expected row counts and
`PRAGMA integrity_check` ok.
"""
from urllib.parse import quote, urlencode

import pytest
from conftest import (CHROME_UA, T0, Api, as_stored, event, is_postgres, open_stored, pageview,
                      schema_objects)
from umami_lite.storage.dialect import ID_COLUMNS

from umami_lite.queries.filters import PARAM_FILTERS

PAYLOADS = [
    "' OR 1=1 --",
    "1; DROP TABLE pageview",
    "\" )",
    "') OR ('a'='a",
    "1' UNION SELECT username, password, 1 FROM account --",
    "0 UNION ALL SELECT sql FROM sqlite_master",
    "x'; DELETE FROM session; --",
    "%' OR '%'='",
    "\x00",
    "a\x00' OR 1=1 --",
    "1 OR 1=1",
    "\\'; ATTACH DATABASE '/tmp/pwn.db' AS pwn; --",
    "c.%' OR 1=1 --",  # the current API's "contains" operator: a LIKE pattern
    "c.\x00",           # SQLite's LIKE stops at a NUL: this matched everything
    "dnc.a\x00' --",
]
NO_MATCH = "zz-matches-nothing"
DAY = 86_400_000
RANGE_V1 = {"start_at": T0 - DAY, "end_at": T0 + DAY}
RANGE_V2 = {"startAt": T0 - DAY, "endAt": T0 + DAY}
# Parameters whose value is matched against stored data: an injection must answer exactly
# as a value that matches nothing. Every other parameter only accepts a fixed set -> 400.
V1_ROUTES = {
    "stats": ({}, {"url"}, {"start_at", "end_at"}),
    "pageviews": ({"unit": "day", "tz": "UTC"}, {"url"}, {"start_at", "end_at", "unit", "tz"}),
    "events": ({"unit": "day", "tz": "UTC"}, {"url"}, {"start_at", "end_at", "unit", "tz"}),
    "metrics": ({"type": "url"}, {"url"}, {"start_at", "end_at", "type"}),
}
V2_ROUTES = {
    "stats": ({}, set(), {"startAt", "endAt", "compare"}),
    "pageviews": ({"unit": "day"}, set(), {"startAt", "endAt", "unit", "timezone", "compare"}),
    "metrics": ({"type": "path"}, {"search"}, {"startAt", "endAt", "type", "limit", "offset"}),
    "events/series": ({}, set(), {"startAt", "endAt", "unit", "timezone"}),
    "event-data/events": ({}, set(), {"startAt", "endAt"}),
    "event-data/properties": ({}, set(), {"startAt", "endAt"}),
    "event-data/values": ({"event": "download", "propertyName": "file"}, {"propertyName"},
                          {"startAt", "endAt"}),
}


def snapshot(app):
    """Returns (schema objects, {table: rows}, SQLite's integrity_check) of the database."""
    path = app.extensions["umami_lite"].database
    conn = open_stored(path)
    try:
        schema = schema_objects(conn, path)
        tables = [name for kind, name in schema if kind == "table"]
        rows = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        check = "ok" if is_postgres(path) else conn.execute("PRAGMA integrity_check").fetchone()[0]
        return schema, rows, check
    finally:
        conn.close()


def last_hit_sql(table, column):
    """Returns the SELECT of column of the last hit's row in table; a session is the last
    pageview's (session ids are not in time order: the ingest journal takes them in blocks)."""
    if table == "session":
        return (f"SELECT {column} FROM session WHERE session_id ="
                " (SELECT session_id FROM pageview ORDER BY pageview_id DESC LIMIT 1)")
    return f"SELECT {column} FROM {table} ORDER BY {ID_COLUMNS[table]} DESC LIMIT 1"


def stored(app, sql, args=()):
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        return conn.execute(sql, args).fetchone()
    finally:
        conn.close()


def assert_json_error(r, statuses):
    assert r.status_code in statuses, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.json["error"]["status"] == r.status_code


@pytest.fixture
def seeded(make_app):
    """An app with a website, pageviews, events and event data; returns (app, api, website)."""
    app = make_app(UMAMI_LITE_LOGIN_FAILURES=100_000)
    client = app.test_client()
    api = Api(client)
    website = api.create_website()
    for i, url in enumerate(["/", "/a?utm_source=news", "/b"]):
        assert pageview(client, website["id"], url=url, ip=f"198.51.100.{i}",
                        referrer="https://news.example.org/x").status_code == 200
        assert event(client, website["id"], f"value-{i}", ip=f"198.51.100.{i}").status_code \
            == 200
    assert client.post("/api/send", headers={"User-Agent": CHROME_UA}, json={
        "type": "event", "payload": {"website": website["id"], "url": "/d", "name": "download",
                                     "data": {"file": "a.pdf"}}}).status_code == 200
    return app, api, website


ALL_FILTERS = tuple(sorted(PARAM_FILTERS))


def attempts(base, matched, fixed):
    """Yields (name, payload, query, baseline query or None when a 400 is due).

    name is one parameter, or ALL_FILTERS: every current-API filter set to the payload.
    """
    for name in sorted(matched | fixed, key=str):
        names = name if isinstance(name, tuple) else (name,)
        for payload in PAYLOADS:
            baseline = None if name in fixed else {**base, **dict.fromkeys(names, NO_MATCH)}
            yield name, payload, {**base, **dict.fromkeys(names, payload)}, baseline


def test_analytics_parameters(seeded):
    app, api, website = seeded
    before, failures, sent = snapshot(app), [], 0
    # Each filter alone on /stats; on the other routes all of them at once (the same
    # whitelisted column mapping builds every route's WHERE clause).
    routes = [(f"/api/website/{website['id']}/{route}", {**RANGE_V1, **extra}, matched, fixed)
              for route, (extra, matched, fixed) in V1_ROUTES.items()]
    routes += [(f"/api/websites/{website['id']}/{route}", {**RANGE_V2, **extra},
                matched | (set(ALL_FILTERS) if route == "stats" else {ALL_FILTERS}), fixed)
               for route, (extra, matched, fixed) in V2_ROUTES.items()]
    for path, base, matched, fixed in routes:
        answers = {}
        for name, payload, query, baseline in attempts(base, matched, fixed):
            sent += 1
            r = api.get(f"{path}?{urlencode(query)}")
            if baseline is None:
                if r.status_code != 400:
                    failures.append((path, name, payload, r.status_code))
                continue
            key = urlencode(baseline)
            if key not in answers:
                answers[key] = api.get(f"{path}?{key}")
                assert answers[key].status_code == 200, (path, name, answers[key].json)
            if r.status_code == 400 and "\x00" in payload:
                continue  # a NUL in a LIKE pattern is refused (params.search_text)
            if r.status_code != 200 or r.json != answers[key].json:
                failures.append((path, name, payload, r.status_code, r.get_data(as_text=True)))
    assert not failures, failures[:5]
    assert sent > 900
    assert snapshot(app) == before


@pytest.mark.parametrize("route", ["/api/website/{}/stats", "/api/websites/{}/stats",
                                   "/api/website/{}/active", "/api/websites/{}/active",
                                   "/api/realtime/{}", "/api/website/{}", "/api/websites/{}"])
def test_website_keys_in_paths(seeded, route):
    app, api, _ = seeded
    before = snapshot(app)
    for payload in PAYLOADS:
        r = api.get(route.format(quote(payload, safe="")) + "?" + urlencode(
            {**RANGE_V1, **RANGE_V2}))
        assert r.status_code == 404, (payload, r.status_code)
    assert snapshot(app) == before


COLLECT_FIELDS = {  # field -> (table, column, stored size)
    "url": ("pageview", "url", 500), "referrer": ("pageview", "referrer", 500),
    "hostname": ("session", "hostname", 100), "language": ("session", "language", 35),
    "screen": ("session", "screen", 11), "event_name": ("event", "event_value", 50),
    "event_value": ("event", "event_value", 50), "event_type": ("event", "event_type", 50),
}


def test_collect_fields_are_stored_literally(seeded):
    app, api, website = seeded
    client, uid = api.client, website["website_uuid"]
    before = snapshot(app)
    for n, (payload, field) in enumerate((p, f) for p in PAYLOADS for f in COLLECT_FIELDS):
        table, column, size = COLLECT_FIELDS[field]
        body = {"website": uid, "url": "/", field: payload}
        if table == "event":
            body = {"event_type": "click", "event_value": "v", "event_name": None, **body}
        r = client.post("/api/collect", environ_base={"REMOTE_ADDR": f"10.1.{n // 250}.{n % 250}"},
                        headers={"User-Agent": CHROME_UA},
                        json={"type": "event" if table == "event" else "pageview",
                              "payload": body})
        assert r.status_code == 200, (field, payload, r.get_data(as_text=True))
        assert stored(app, last_hit_sql(table, column)) == (
            as_stored(payload[:size], app.extensions["umami_lite"].database),), (field, payload)
    for field in ("website", "type"):
        for payload in PAYLOADS:
            body = {"type": "pageview", "payload": {"website": uid, "url": "/"}}
            if field == "type":
                body["type"] = payload
            else:
                body["payload"]["website"] = payload
            assert_json_error(client.post("/api/collect", json=body,
                                          headers={"User-Agent": CHROME_UA}), (400,))
    assert_intact(app, before, hits=len(PAYLOADS) * len(COLLECT_FIELDS))


def assert_intact(app, before, hits):
    """Asserts the same schema, integrity ok, and exactly `hits` more pageviews + events."""
    schema, rows, integrity = snapshot(app)
    assert (schema, integrity) == (before[0], "ok")
    assert rows["pageview"] + rows["event"] == before[1]["pageview"] + before[1]["event"] + hits
    assert rows["website"] == before[1]["website"] and rows["account"] == before[1]["account"]


SEND_FIELDS = {  # field -> (table, column, stored size); None: not stored verbatim
    "title": ("pageview", "page_title", 500), "tag": ("pageview", "tag", 50),
    "referrer": ("pageview", "referrer", 500), "name": ("event", "event_value", 50),
    "hostname": ("session", "hostname", 100), "language": ("session", "language", 35),
    "screen": ("session", "screen", 11), "browser": ("session", "browser", 20),
    "os": ("session", "os", 20), "device": ("session", "device", 20),
    "id": ("session", "distinct_id", 50), "url": None, "userAgent": None, "ip": None,
}


def test_send_fields_are_stored_literally(seeded):
    app, api, website = seeded
    client, uid = api.client, website["website_uuid"]
    before = snapshot(app)
    for n, (payload, field) in enumerate((p, f) for p in PAYLOADS for f in SEND_FIELDS):
        body = {"website": uid, "url": "/", field: payload}
        r = client.post("/api/send", environ_base={"REMOTE_ADDR": f"10.2.{n // 250}.{n % 250}"},
                        headers={"User-Agent": CHROME_UA}, json={"type": "event",
                                                                  "payload": body})
        assert r.status_code == 200, (field, payload, r.get_data(as_text=True))
        if SEND_FIELDS[field]:
            table, column, size = SEND_FIELDS[field]
            assert stored(app, last_hit_sql(table, column)) == (
                as_stored(payload[:size], app.extensions["umami_lite"].database),), (field, payload)
    data = {payload: payload for payload in PAYLOADS}
    r = client.post("/api/send", headers={"User-Agent": CHROME_UA}, json={
        "type": "event", "payload": {"website": uid, "url": "/", "name": "x", "data": data}})
    assert r.status_code == 200
    assert stored(app, "SELECT count(*) FROM event_data WHERE data_key = string_value "
                  "AND event_id = (SELECT max(event_id) FROM event)") == (len(PAYLOADS),)
    for field in ("website", "type", "timestamp"):
        for payload in PAYLOADS:
            body = {"type": "event", "payload": {"website": uid, "url": "/", field: payload}}
            if field == "type":
                body = {"type": payload, "payload": {"website": uid, "url": "/"}}
            assert_json_error(client.post("/api/send", json=body,
                                          headers={"User-Agent": CHROME_UA}), (400,))
    assert_intact(app, before, hits=len(PAYLOADS) * len(SEND_FIELDS) + 1)


def test_login_fields(seeded):
    app, api, _ = seeded
    before = snapshot(app)
    for payload in PAYLOADS:
        for body in ({"username": payload, "password": payload},
                     {"username": "admin", "password": payload},
                     {"username": "admin' --", "password": payload},
                     {"username": payload, "password": "admin-password-1"}):
            r = api.client.post("/api/auth/login", json=body)
            assert_json_error(r, (401,))
            assert "umami.auth=" not in r.headers.get("Set-Cookie", "")
    schema, rows, integrity = snapshot(app)
    assert (schema, integrity) == (before[0], "ok")
    assert {t: n for t, n in rows.items() if t != "login_failure"} == {
        t: n for t, n in before[1].items() if t != "login_failure"}


def test_website_and_account_bodies(seeded):
    app, api, website = seeded
    before = snapshot(app)
    created = 0
    for payload in PAYLOADS:
        name = payload if payload.strip() else "x" + payload
        for path in ("/api/website", "/api/websites"):
            r = api.post(path, json={"name": name, "domain": payload or "d"})
            assert r.status_code == 200, (path, payload, r.json)
            created += 1
            assert api.get(f"/api/websites/{r.json['id']}").json["name"] == as_stored(
                name.strip(), app.extensions["umami_lite"].database)
        r = api.post("/api/website", json={"website_id": website["website_id"], "name": name})
        assert r.status_code == 200 and r.json["name"] == as_stored(
            name.strip(), app.extensions["umami_lite"].database)
        r = api.post(f"/api/websites/{website['id']}", json={"domain": payload or "d"})
        assert r.status_code == 200
        for path, body, statuses in (
                ("/api/website", {"website_id": payload, "name": "n"}, (404,)),
                ("/api/website", {"name": "n", "enable_share_url": payload}, (400,)),
                ("/api/website", {"name": "n", "retention_days": payload}, (400,)),
                ("/api/websites", {"name": "n", "domain": "d", "shareId": payload}, (400,)),
                ("/api/websites", {"name": "n", "domain": "d", "id": payload}, (400,)),
                (f"/api/websites/{website['id']}", {"shareId": payload}, (400,)),
                ("/api/account", {"user_id": payload, "username": "u"}, (400,)),
                ("/api/account", {"username": "u", "password": "p" * 8, "is_admin": payload},
                 (400,)),
                ("/api/account/password", {"current_password": payload,
                                           "new_password": "new-password-1"}, (401, 400))):
            assert_json_error(api.post(path, json=body), statuses)
        username = f"user-{created}-{payload}"
        r = api.post("/api/account", json={"username": username,
                                           "password": (payload + "-padding")[:255]})
        assert r.status_code == 200 and r.json["username"] == as_stored(
            username, app.extensions["umami_lite"].database), (username, r.json)
    schema, rows, integrity = snapshot(app)
    assert (schema, integrity) == (before[0], "ok")
    assert rows["website"] == before[1]["website"] + created
    assert rows["account"] == before[1]["account"] + len(PAYLOADS)
    assert rows["pageview"] == before[1]["pageview"] and rows["event"] == before[1]["event"]


def test_website_list_parameters(seeded):
    app, api, _ = seeded
    before = snapshot(app)
    empty = api.get(f"/api/websites?search={NO_MATCH}").json
    for payload in PAYLOADS:
        r = api.get("/api/websites?" + urlencode({"search": payload}))
        if "\x00" in payload:  # a NUL in a LIKE pattern is refused (params.search_text)
            assert_json_error(r, (400,))
        else:
            assert r.json == empty
        for name in ("page", "pageSize"):
            assert_json_error(api.get("/api/websites?" + urlencode({name: payload})), (400,))
        r = api.get("/api/websites?" + urlencode({"user_id": payload}))
        assert_json_error(r, (400, 404))
    assert snapshot(app) == before
