"""Current-API website management and analytics routes: happy paths, access, bad input."""
import pytest
from conftest import T0, count_rows, send

RANGE = {"startAt": T0 - 3_600_000, "endAt": T0 + 60_000}
READ_ROUTES = ["stats", "pageviews", "metrics?type=path", "events/series", "active",
               "event-data/events", "event-data/properties",
               "event-data/values?event=signup&propertyName=plan", "sessions",
               "sessions/stats", "sessions/weekly?timezone=UTC", "session-data/properties",
               "session-data/values?propertyName=plan"]
WEBSITE_KEYS = {"website_id", "website_uuid", "user_id", "name", "domain", "share_id",
                "created_at", "id", "userId", "shareId", "createdAt", "updatedAt", "resetAt",
                "deletedAt", "teamId", "user"}


def read_url(uuid, route):
    if route == "realtime":
        return f"/api/realtime/{uuid}"
    path, _, query = route.partition("?")
    extra = f"&{query}" if query else ""
    return f"/api/websites/{uuid}/{path}?startAt={RANGE['startAt']}&endAt={RANGE['endAt']}{extra}"


@pytest.fixture
def site(api, client):
    """A website with a share id, one pageview and one event with a property."""
    r = api.post("/api/websites", json={"name": "Docs", "domain": "docs.example.com",
                                        "shareId": "docs-share"})
    assert r.status_code == 200, r.json
    send(client, r.json["id"], url="/a")
    send(client, r.json["id"], url="/a", name="signup", data={"plan": "pro"})
    return r.json


def test_create_returns_every_website_key(api, site):
    assert WEBSITE_KEYS <= set(site)
    assert (site["name"], site["domain"], site["shareId"]) == ("Docs", "docs.example.com",
                                                                "docs-share")
    assert site["user"] == {"id": "1", "username": "admin"} and site["deletedAt"] is None
    listed = api.get("/api/websites").json
    assert [w["id"] for w in listed["data"]] == [site["id"]] and listed["count"] == 1


def test_create_with_a_chosen_uuid(api):
    chosen = "8f5b3d4e-2c1a-4b7e-9d3f-6a5c4b3a2f10"
    r = api.post("/api/websites", json={"name": "F", "domain": "f.example", "id": chosen.upper()})
    assert r.status_code == 200 and r.json["id"] == chosen
    again = api.post("/api/websites", json={"name": "G", "domain": "g.example", "id": chosen})
    assert again.status_code == 400 and "taken" in again.json["error"]["message"]


def test_get_update_reset_delete(api, client, site, app):
    url = f"/api/websites/{site['id']}"
    assert api.get(url).json["id"] == site["id"]
    r = api.post(url, json={"name": "Docs 2", "shareId": None})
    assert r.status_code == 200
    assert (r.json["name"], r.json["domain"], r.json["shareId"]) == ("Docs 2",
                                                                     "docs.example.com", None)
    r = api.post(url, json={"domain": "new.example.com", "shareId": "again"})
    assert (r.json["domain"], r.json["shareId"]) == ("new.example.com", "again")
    assert api.post(f"{url}/reset").json == {"ok": True}
    assert count_rows(app, "pageview") == 0 and count_rows(app, "event_data") == 0
    kept = api.get(url).json
    assert kept["resetAt"] is not None and kept["name"] == "Docs 2"
    send(client, site["id"], url="/b")
    assert api.delete(url).json == {"ok": True}
    assert api.get(url).status_code == 404
    assert count_rows(app, "website") == 0 and count_rows(app, "session") == 0


@pytest.mark.parametrize("route", READ_ROUTES + ["realtime"])
def test_read_routes_answer_the_owner(api, site, route):
    r = api.get(read_url(site["id"], route))
    assert r.status_code == 200, r.json


@pytest.fixture
def anon(app):
    """A client without the login cookie that `api` leaves in the shared test client."""
    return app.test_client()


@pytest.mark.parametrize("route", READ_ROUTES + ["realtime"])
def test_read_access(api, anon, site, route):
    client = anon
    url = read_url(site["id"], route)
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer forged"}).status_code == 401
    api.create_user("eve")
    r = api.get(url, as_user="eve")
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"
    missing = read_url("00000000-0000-4000-8000-000000000000", route)
    assert api.get(missing).status_code == 404
    share = client.get("/api/share/docs-share").json["token"]
    assert client.get(url, headers={"x-umami-share-token": share}).status_code == 200
    other = api.post("/api/websites", json={"name": "O", "domain": "o.example",
                                            "shareId": "other-share"}).json
    foreign = client.get("/api/share/other-share").json["token"]
    assert client.get(url, headers={"x-umami-share-token": foreign}).status_code == 401
    assert other["id"] != site["id"]


def test_admin_reads_and_manages_other_users_websites(api, client):
    api.create_user("bob")
    mine = api.post("/api/websites", as_user="bob",
                    json={"name": "Bob", "domain": "bob.example"}).json
    assert mine["user"]["username"] == "bob"
    assert api.get(read_url(mine["id"], "stats")).status_code == 200
    assert api.post(f"/api/websites/{mine['id']}", json={"name": "B"}).status_code == 200


def write_requests(uuid):
    return [("post", f"/api/websites/{uuid}", {"name": "X"}),
            ("delete", f"/api/websites/{uuid}", None),
            ("post", f"/api/websites/{uuid}/reset", None)]


@pytest.mark.parametrize("index", range(3))
def test_write_access(api, anon, site, app, index):
    client = anon
    method, url, body = write_requests(site["id"])[index]
    share = client.get("/api/share/docs-share").json["token"]
    r = getattr(client, method)(url, json=body, headers={"x-umami-share-token": share})
    assert r.status_code == 401  # a share token never modifies anything
    api.create_user("eve")
    r = getattr(api, method)(url, as_user="eve", json=body)
    assert r.status_code == 404
    assert api.get(f"/api/websites/{site['id']}").json["name"] == "Docs"
    assert count_rows(app, "pageview") == 1 and count_rows(app, "event") == 1


def test_create_needs_a_login(anon, app):
    r = anon.post("/api/websites", json={"name": "X", "domain": "x.example"})
    assert r.status_code == 401 and count_rows(app, "website") == 0


@pytest.mark.parametrize("body", [
    {"domain": "x.example"}, {"name": "X"}, {"name": "", "domain": "x.example"},
    {"name": "X" * 101, "domain": "x.example"}, {"name": 5, "domain": "x.example"},
    {"name": "X", "domain": "x.example", "shareId": "no spaces"},
    {"name": "X", "domain": "x.example", "shareId": 7},
    {"name": "X", "domain": "x.example", "teamId": "team-1"},
    {"name": "X", "domain": "x.example", "id": "not-a-uuid"},
    {"name": "X", "domain": "x.example", "id": 42},
    [1, 2],
])
def test_create_rejects_bad_input(api, app, body):
    r = api.post("/api/websites", json=body)
    assert r.status_code == 400 and r.json["error"]["code"] == "bad-request", r.json
    assert count_rows(app, "website") == 0


@pytest.mark.parametrize("body", [
    {"name": 5}, {"domain": "d" * 501}, {"shareId": "bad id"}, {"shareId": "taken-id"}, "[]",
])
def test_update_rejects_bad_input(api, site, body):
    api.post("/api/websites", json={"name": "T", "domain": "t.example", "shareId": "taken-id"})
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) \
        else {"json": body}
    r = api.post(f"/api/websites/{site['id']}", **kwargs)
    assert r.status_code == 400, r.json
    after = api.get(f"/api/websites/{site['id']}").json
    assert (after["name"], after["domain"], after["shareId"]) == ("Docs", "docs.example.com",
                                                                  "docs-share")


BAD_PARAMS = [
    ("stats", {"endAt": 1}, "startAt"),
    ("stats", {"startAt": "soon", "endAt": 1}, "startAt"),
    ("stats", {"startAt": 10, "endAt": 5}, "endAt"),
    ("stats", {**RANGE, "compare": "last"}, "compare"),
    ("stats", {**RANGE, "browser": "eq."}, "browser"),
    ("stats", {**RANGE, "path": "neq.,"}, "path"),
    ("pageviews", {**RANGE, "unit": "week"}, "unit"),
    ("pageviews", {**RANGE, "timezone": "Mars/Base"}, "timezone"),
    ("pageviews", {**RANGE, "compare": "yesterday"}, "compare"),
    ("pageviews", {"startAt": RANGE["startAt"]}, "endAt"),
    ("metrics", RANGE, "type"),
    ("metrics", {**RANGE, "type": "planet"}, "type"),
    ("metrics", {**RANGE, "type": "path", "limit": 0}, "limit"),
    ("metrics", {**RANGE, "type": "path", "limit": "ten"}, "limit"),
    ("metrics", {**RANGE, "type": "path", "offset": -1}, "offset"),
    ("metrics", {"type": "path"}, "startAt"),
    ("events/series", {**RANGE, "unit": "fortnight"}, "unit"),
    ("events/series", {**RANGE, "timezone": "Nowhere"}, "timezone"),
    ("events/series", {}, "startAt"),
    ("event-data/events", {}, "startAt"),
    ("event-data/properties", {"startAt": 5, "endAt": "x"}, "endAt"),
    ("event-data/values", RANGE, "event"),
    ("event-data/values", {**RANGE, "event": "signup"}, "propertyName"),
]


@pytest.mark.parametrize("route, params, name", BAD_PARAMS)
def test_bad_parameters_are_400_naming_them(api, site, route, params, name):
    r = api.get(f"/api/websites/{site['id']}/{route}", query_string=params)
    assert r.status_code == 400, r.json
    assert r.json["error"]["code"] == "bad-request" and f"'{name}'" in r.json["error"]["message"]


def test_wrong_methods_are_405_json(api, site):
    assert api.delete(read_url(site["id"], "stats")).status_code == 405
    assert api.post(f"/api/realtime/{site['id']}").json["error"]["code"] == "method-not-allowed"
