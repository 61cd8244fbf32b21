"""What a share link's viewer can reach: every route of the app, walked from its URL map with
the share token as the only credential. The viewer reads its website's analytics, saved
reports and segments; it never changes anything and never learns who owns the website.

World: admin; the owner (an ordinary account) owns website W, shared, holding pageviews,
an event with properties, an identified session, a saved report, a segment and a link.
"""
import json
import re

import pytest
from conftest import ADMIN_PASSWORD, ENGINES, T0, Api, Clock, module_database, send, snapshot_rows

from umami_lite import create_app

OWNER = "owner-q7x"
START, END = "2026-05-28T00:00:00.000Z", "2026-05-29T00:00:00.000Z"
RANGE = {"startAt": T0 - 3_600_000, "endAt": T0 + 3_600_000, "start_at": T0 - 3_600_000,
         "end_at": T0 + 3_600_000, "unit": "hour", "tz": "UTC", "timezone": "UTC"}
# routes anyone may call without any token: they are no share token's power
PUBLIC = {
    "/api/auth/login", "/api/auth/logout", "/api/collect", "/api/send", "/api/batch",
    "/api/heartbeat", "/api/openapi.json", "/api/share/<share_id>", "/q/<slug>", "/p/<slug>",
    "/script.js", "/umami.js", "/static/<path:filename>", "/login", "/share/<share_id>", "/",
}
REPORTS = ("attribution", "breakdown", "funnel", "goal", "journey", "performance",
           "retention", "revenue", "utm")
# Everything the share token reaches (a 2xx answer): the GET routes of its website, its
# saved reports and segments, and running reports, which read only.
SHARE_READS = {
    *(("GET", f"/api/website/<website_key>{tail}") for tail in (
        "", "/active", "/events", "/metrics", "/pageviews", "/stats")),
    *(("GET", f"/api/websites/<website_key>{tail}") for tail in (
        "", "/active", "/daterange", "/event-data", "/event-data/<event_key>",
        "/event-data/events", "/event-data/fields", "/event-data/properties",
        "/event-data/stats", "/event-data/values", "/events", "/events/series", "/events/stats",
        "/export", "/metrics", "/metrics/expanded", "/pageviews", "/reports", "/segments",
        "/segments/<segment_key>", "/session-data/properties", "/session-data/values",
        "/sessions", "/sessions/<session_key>", "/sessions/<session_key>/activity",
        "/sessions/<session_key>/properties", "/sessions/stats", "/sessions/weekly", "/stats",
        "/values")),
    ("GET", "/api/realtime/<website_key>"), ("GET", "/api/reports"),
    ("GET", "/api/reports/<report_key>"),
    *(("POST", f"/api/reports/{kind}") for kind in REPORTS),
}
QUERY = {  # what a GET route needs besides RANGE and websiteId to answer 200
    "/api/website/<website_key>/metrics": {"type": "url"},
    "/api/websites/<website_key>/metrics": {"type": "path"},
    "/api/websites/<website_key>/metrics/expanded": {"type": "path"},
    "/api/websites/<website_key>/event-data/values": {"event": "signup",
                                                      "propertyName": "plan"},
    "/api/websites/<website_key>/session-data/values": {"propertyName": "tier"},
    "/api/websites/<website_key>/values": {"type": "path"},
    "/api/websites/<website_key>/segments": {"type": "segment"},
}
REPORT_PARAMETERS = {
    "funnel": {"window": 60, "steps": [{"type": "path", "value": "/a"},
                                       {"type": "path", "value": "/b"}]},
    "journey": {"steps": 3}, "goal": {"type": "path", "value": "/a"},
    "attribution": {"model": "first-click", "type": "path", "step": "/b"},
    "breakdown": {"fields": ["path"]}, "revenue": {"currency": "USD"},
}


class World:
    def __init__(self, database):
        self.app = create_app({
            "UMAMI_LITE_DATABASE": database,
            "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "UMAMI_LITE_CLOCK": Clock(), "TESTING": True})
        self.client = self.app.test_client(use_cookies=False)
        self.api = Api(self.client)
        self.owner = self.api.create_user(OWNER)
        self.w = self.api.post("/api/websites", as_user=OWNER, json={
            "name": "W", "domain": "example.com", "shareId": "w-share"}).json
        uuid = self.w["id"]
        for url in ("/a", "/b"):
            assert send(self.client, uuid, url=url, id="visitor-1").status_code == 200
        assert send(self.client, uuid, url="/b", name="signup", id="visitor-1",
                    data={"plan": "pro"}).status_code == 200
        assert send(self.client, uuid, kind="identify", id="visitor-1",
                    data={"tier": "gold"}).status_code == 200
        self.report = self.api.post("/api/reports", as_user=OWNER, json={
            "websiteId": uuid, "type": "funnel", "name": "Signup", "parameters": {
                "startDate": START, "endDate": END, **REPORT_PARAMETERS["funnel"]}}).json
        self.segment = self.api.post(f"/api/websites/{uuid}/segments", as_user=OWNER, json={
            "type": "segment", "name": "Chrome", "parameters": {"filters": [
                {"name": "browser", "operator": "eq", "value": "Chrome"}], "match": "all"}}).json
        self.link = self.api.post("/api/links", as_user=OWNER, json={
            "name": "News", "url": "https://example.com/x", "slug": "news-1"}).json
        headers = self.api.headers(OWNER, "user-password-1")
        sessions = self.client.get(f"/api/websites/{uuid}/sessions", headers=headers,
                                   query_string=RANGE).json["data"]
        events = self.client.get(f"/api/websites/{uuid}/events", headers=headers,
                                 query_string=RANGE).json["data"]
        self.args = {"website_key": uuid, "share_id": "w-share", "report_key":
                     self.report["id"], "segment_key": self.segment["id"], "key":
                     self.link["id"], "session_key": sessions[0]["id"],
                     "event_key": events[0]["id"], "user_id": self.owner["user_id"]}
        self.share_token = self.client.get("/api/share/w-share").json["token"]

    def snapshot(self):
        return snapshot_rows(self.app)

    def body(self, method, rule):
        """Returns a valid JSON body for a write route, so that only access can refuse it."""
        uuid = self.w["id"]
        kind = rule.rsplit("/", 1)[-1]
        if rule.startswith("/api/reports/") and kind in REPORTS:
            return {"websiteId": uuid, "type": kind, "filters": {}, "parameters": {
                "startDate": START, "endDate": END, **REPORT_PARAMETERS.get(kind, {})}}
        bodies = {
            "/api/account": {"user_id": self.owner["user_id"], "username": "renamed",
                             "password": "taken-over-1"},
            "/api/account/password": {"current_password": "user-password-1",
                                      "new_password": "taken-over-1"},
            "/api/website": {"website_id": uuid, "name": "Renamed"},
            "/api/websites": {"name": "New", "domain": "new.example"},
            "/api/websites/<website_key>": {"name": "Renamed", "shareId": None},
            "/api/reports": {"websiteId": uuid, "type": "goal", "name": "G",
                             "parameters": {"type": "path", "value": "/a"}},
            "/api/reports/<report_key>": {"websiteId": uuid, "type": "goal", "name": "G",
                                          "parameters": {"type": "path", "value": "/a"}},
            "/api/websites/<website_key>/segments": {"type": "segment", "name": "S",
                                                     "parameters": {"filters": []}},
            "/api/websites/<website_key>/segments/<segment_key>": {"name": "S"},
            "/api/links": {"name": "L", "url": "https://example.com/", "slug": "l-2"},
            "/api/links/<key>": {"name": "L"},
            "/api/pixels": {"name": "P", "slug": "p-2"}, "/api/pixels/<key>": {"name": "P"},
            "/api/auth/verify": {},
        }
        return bodies.get(rule)  # resets take no body


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    """One world: every request of these tests is refused or reads only (proven by a
    snapshot), so sharing it is safe."""
    return World(module_database(request, tmp_path_factory, "share"))


def routes(app):
    """Yields (method, rule, path) for every route of the app that is not public."""
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule


def call(world, method, rule, headers):
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(world.args[m.group(1)]), rule.rule)
    if method == "GET":
        return world.client.get(path, headers=headers,
                                query_string={**RANGE, "websiteId": world.w["id"],
                                              **QUERY.get(rule.rule, {})})
    return world.client.open(path, method=method, headers=headers,
                             json=world.body(method, rule.rule) if method == "POST" else None)


def owner_traces(value, path="$"):
    """Yields where a JSON answer names the website's owner (user id or username)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("user_id", "userId", "user", "username") and item is not None:
                yield f"{path}.{key}"
            yield from owner_traces(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from owner_traces(item, f"{path}[{index}]")


def reached(world, headers):
    """Returns {(method, rule)} of the routes answering 2xx to headers, checking on the way
    that no answer names the owner and that every refusal is a 401, 403, 404 or 405."""
    answers = {}
    for method, rule in routes(world.app):
        r = call(world, method, rule, headers)
        assert r.status_code in (200, 302, 401, 403, 404, 405), (
            method, rule.rule, r.status_code, r.get_data(as_text=True)[:300])
        assert OWNER not in r.get_data(as_text=True), (method, rule.rule)
        if r.status_code == 200:
            answers[(method, rule.rule)] = r
            if r.is_json:
                assert list(owner_traces(r.json)) == [], (method, rule.rule)
    return set(answers)


@pytest.mark.parametrize("header", ["x-umami-share-token", "x-umami-token"])
def test_share_token_reaches_only_its_websites_reads(world, header):
    before = world.snapshot()
    assert reached(world, {header: world.share_token}) == SHARE_READS
    assert world.snapshot() == before


@pytest.mark.parametrize("credentials", ["bearer", "cookie"])
def test_share_token_is_no_login(world, credentials):
    headers = {"bearer": {"Authorization": f"Bearer {world.share_token}"},
               "cookie": {"Cookie": f"umami.auth={world.share_token}"}}[credentials]
    before = world.snapshot()
    assert reached(world, headers) == set()
    assert world.snapshot() == before


def test_the_share_link_and_page_do_not_name_the_owner(world):
    r = world.client.get("/api/share/w-share")
    assert set(r.json) == {"websiteId", "websiteUuid", "token"}
    page = world.client.get("/share/w-share")
    assert page.status_code == 200 and OWNER not in page.get_data(as_text=True)
    # the token is signed, not encrypted: what it carries is readable, and names no account
    payload = json.loads(_b64(world.share_token.split(".")[0]))
    assert set(payload) == {"w", "s"}


def test_the_owner_still_sees_the_owner(world):
    headers = world.api.headers(OWNER, "user-password-1")
    site = world.client.get(f"/api/websites/{world.w['id']}", headers=headers).json
    assert (site["user_id"], site["user"]["username"]) == (world.owner["user_id"], OWNER)
    report = world.client.get(f"/api/reports/{world.report['id']}", headers=headers).json
    assert report["userId"] == str(world.owner["user_id"])


def _b64(text):
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
