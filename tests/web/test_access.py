"""Access control and parameter checks over every v1 route, table-driven.

World: admin; alice (user) owns website W (sharing on) holding one pageview and one event;
bob (user) owns nothing; admin owns website X. Every rejected request must leave the
database exactly as it was.
"""
import time
import uuid

import pytest
from conftest import (ADMIN_PASSWORD, ENGINES, T0, Api, Clock, event, module_database, pageview,
                      snapshot_rows)

from umami_lite import create_app

COOKIE_NAME = "umami.auth"

RANGE = {"start_at": T0 - 3_600_000, "end_at": T0 + 3_600_000}
SERIES = {**RANGE, "unit": "hour", "tz": "UTC"}


class World:
    def __init__(self, app):
        self.app = app
        # no cookie jar: a login must not leak into the next "anonymous" request
        self.client = app.test_client(use_cookies=False)
        self.api = Api(self.client)
        self.alice = self.api.create_user("alice")
        self.bob = self.api.create_user("bob")
        self.w = self.api.create_website("W", "w.example", as_user="alice",
                                         enable_share_url=True)
        self.x = self.api.create_website("X", "x.example")
        assert pageview(self.client, self.w["website_uuid"]).status_code == 200
        assert event(self.client, self.w["website_uuid"], "signup").status_code == 200
        share = self.client.get(f"/api/share/{self.w['share_id']}")
        self.share_token = share.json["token"]

    def snapshot(self):
        return snapshot_rows(self.app)


@pytest.fixture
def world(app):
    """A world for tests that change it."""
    return World(app)


@pytest.fixture(scope="module", params=ENGINES)
def still(request, tmp_path_factory):
    """One world shared by the tests whose requests are all refused: each of them proves
    with a snapshot that the database did not change, so sharing it is safe."""
    return World(create_app({
        "UMAMI_LITE_DATABASE": module_database(request, tmp_path_factory, "access"),
        "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "UMAMI_LITE_CLOCK": Clock(),
        "TESTING": True}))


# (method, path, body or query; "{w}" = the website key, "{u}" = bob's id), kind:
# user = any logged-in account; read = owner, admin or share token; owner = owner or admin;
# admin = admins only.
ROUTES = [
    ("GET", "/api/auth/verify", None, "user"),
    ("POST", "/api/auth/verify", None, "user"),
    ("GET", "/api/me", None, "user"),
    ("GET", "/api/websites", None, "user"),
    ("POST", "/api/website", {"name": "New", "domain": "new.example"}, "user"),
    ("POST", "/api/account/password",
     {"current_password": "user-password-1", "new_password": "new-password-1"}, "user"),
    ("GET", "/api/website/{w}", None, "read"),
    ("GET", "/api/website/{w}/stats", RANGE, "read"),
    ("GET", "/api/website/{w}/pageviews", SERIES, "read"),
    ("GET", "/api/website/{w}/events", SERIES, "read"),
    ("GET", "/api/website/{w}/metrics", {**RANGE, "type": "url"}, "read"),
    ("GET", "/api/website/{w}/active", None, "read"),
    ("POST", "/api/website", {"website_id": "{w}", "name": "Renamed"}, "owner"),
    ("POST", "/api/website/{w}/reset", None, "owner"),
    ("DELETE", "/api/website/{w}", None, "owner"),
    ("GET", "/api/accounts", None, "admin"),
    ("GET", "/api/account/{u}", None, "admin"),
    ("DELETE", "/api/account/{u}", None, "admin"),
    ("POST", "/api/account", {"username": "carol", "password": "carol-password"}, "admin"),
    ("POST", "/api/account", {"user_id": "{u}", "username": "robert"}, "admin"),
]
PROTECTED = [r for r in ROUTES]
OWNED = [r for r in ROUTES if r[3] in ("read", "owner")]
WRITES = [r for r in ROUTES if r[0] != "GET"]


def route_id(route):
    return f"{route[0]} {route[1]} {route[3]}"


def fill(value, key, user_id):
    """Returns value with "{w}" / "{u}" placeholders replaced (strings, dict values)."""
    if isinstance(value, dict):
        return {k: fill(v, key, user_id) for k, v in value.items()}
    if value == "{w}":
        return key
    if value == "{u}":
        return user_id
    if isinstance(value, str):
        return value.replace("{w}", str(key)).replace("{u}", str(user_id))
    return value


def send(world, route, key=None, headers=None, user_id=None):
    method, path, data, _ = route
    key = world.w["website_id"] if key is None else key
    user_id = world.bob["user_id"] if user_id is None else user_id
    path = fill(path, key, user_id)
    data = fill(data, key, user_id)
    kwargs = {"headers": headers or {}}
    if data is not None:
        kwargs["query_string" if method == "GET" else "json"] = data
    return world.client.open(path, method=method, **kwargs)


def bearer(world, username):
    return {"Authorization": f"Bearer {world.api.token(username, 'user-password-1')}"}


def assert_error(r, status):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    assert r.is_json and r.json["error"]["status"] == status, r.get_data(as_text=True)


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
@pytest.mark.parametrize("credentials", ["none", "forged", "garbage-cookie", "login-as-share"])
def test_without_valid_token_401_and_nothing_changes(still, route, credentials):
    alice_token = still.api.token("alice", "user-password-1")
    headers = {
        "none": {},
        "forged": {"Authorization": "Bearer " + alice_token[:-4] + "AAAA"},
        "garbage-cookie": {"Cookie": f"{COOKIE_NAME}=not-a-token"},
        # a share token is not a login token
        "login-as-share": {"Authorization": "Bearer " + still.share_token},
    }[credentials]
    before = still.snapshot()
    assert_error(send(still, route, headers=headers), 401)
    assert still.snapshot() == before


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_expired_token_401(still, route, monkeypatch):
    headers = bearer(still, "alice") if route[3] != "admin" else still.api.headers()
    before = still.snapshot()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 31 * 86400)  # itsdangerous reads it
    assert_error(send(still, route, headers=headers), 401)
    assert still.snapshot() == before


@pytest.mark.parametrize("route", OWNED, ids=route_id)
@pytest.mark.parametrize("which", ["id", "uuid"])
def test_other_users_website_404(still, route, which):
    key = still.w["website_id"] if which == "id" else still.w["website_uuid"]
    before = still.snapshot()
    assert_error(send(still, route, key=key, headers=bearer(still, "bob")), 404)
    assert still.snapshot() == before


@pytest.mark.parametrize("route", OWNED, ids=route_id)
@pytest.mark.parametrize("key", ["999999", str(uuid.uuid4()), "not-a-website", "0",
                                 "99999999999999999999999999", "\u0661\u0662"])
def test_unknown_website_404(still, route, key):
    before = still.snapshot()
    assert_error(send(still, route, key=key, headers=still.api.headers()), 404)
    assert still.snapshot() == before


@pytest.mark.parametrize("route", [r for r in ROUTES if r[3] == "admin"], ids=route_id)
def test_non_admin_on_admin_routes_403(still, route):
    before = still.snapshot()
    assert_error(send(still, route, headers=bearer(still, "alice")), 403)
    assert still.snapshot() == before


@pytest.mark.parametrize("route", WRITES, ids=route_id)
@pytest.mark.parametrize("header", ["x-umami-share-token", "x-umami-token"])
def test_share_token_never_writes(still, route, header):
    before = still.snapshot()
    r = send(still, route, headers={header: still.share_token})
    assert r.status_code in (401, 403), r.get_data(as_text=True)
    assert still.snapshot() == before


@pytest.mark.parametrize("route", [r for r in ROUTES if r[3] == "read"], ids=route_id)
@pytest.mark.parametrize("which", ["id", "uuid"])
def test_share_token_reads_its_website_only(still, route, which):
    key = "website_id" if which == "id" else "website_uuid"
    r = send(still, route, key=still.w[key], headers={"x-umami-share-token": still.share_token})
    assert r.status_code == 200, r.get_data(as_text=True)
    r = send(still, route, key=still.x[key], headers={"x-umami-share-token": still.share_token})
    assert_error(r, 401)
    r = send(still, route, key=still.w[key], headers={"x-umami-share-token": "forged"})
    assert_error(r, 401)


@pytest.mark.parametrize("route", [r for r in ROUTES if r[3] in ("read", "owner")],
                         ids=route_id)
@pytest.mark.parametrize("who", ["alice", "admin"])
@pytest.mark.parametrize("which", ["id", "uuid"])
def test_owner_and_admin_allowed_by_id_and_uuid(world, route, who, which):
    key = world.w["website_id"] if which == "id" else world.w["website_uuid"]
    headers = bearer(world, "alice") if who == "alice" else world.api.headers()
    r = send(world, route, key=key, headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)


@pytest.mark.parametrize("route", [r for r in ROUTES if r[3] in ("user", "admin")],
                         ids=route_id)
def test_allowed_routes_answer_200(world, route):
    headers = world.api.headers() if route[3] == "admin" else bearer(world, "alice")
    assert send(world, route, headers=headers).status_code == 200


def test_cookie_works_like_bearer(world):
    client = world.app.test_client()
    client.set_cookie(COOKIE_NAME, world.api.token("alice", "user-password-1"))
    r = client.get(f"/api/website/{world.w['website_id']}/stats", query_string=RANGE)
    assert r.json == {"pageviews": 1, "uniques": 1, "bounces": 1, "totaltime": 0}


def test_share_link_lifecycle(world):
    w, share_id = world.w, world.w["share_id"]
    r = world.client.get(f"/api/share/{share_id}")
    assert r.status_code == 200
    assert r.json["websiteId"] == w["website_id"] and r.json["token"] == world.share_token
    read = {"x-umami-share-token": world.share_token}
    stats = f"/api/website/{w['website_uuid']}/stats"
    assert world.client.get(stats, query_string=RANGE, headers=read).json["pageviews"] == 1
    # an update that does not mention sharing keeps the link
    r = world.api.post("/api/website", as_user="alice",
                       json={"website_id": w["website_id"], "name": "W2"})
    assert r.json["share_id"] == share_id
    assert world.client.get(stats, query_string=RANGE, headers=read).status_code == 200
    # disabling sharing invalidates the link and every token it gave
    r = world.api.post("/api/website", as_user="alice",
                       json={"website_id": w["website_id"], "enable_share_url": False})
    assert r.json["share_id"] is None and r.json["shareId"] is None
    assert_error(world.client.get(stats, query_string=RANGE, headers=read), 401)
    assert_error(world.client.get(f"/api/share/{share_id}"), 404)
    # enabling it again makes a new link; the old token stays dead
    r = world.api.post("/api/website", as_user="alice",
                       json={"website_id": w["website_uuid"], "enable_share_url": True})
    assert r.json["share_id"] and r.json["share_id"] != share_id
    assert_error(world.client.get(stats, query_string=RANGE, headers=read), 401)


STATS_ROUTES = ["stats", "pageviews", "events", "metrics"]
EXTRA = {"stats": {}, "pageviews": {"unit": "hour", "tz": "UTC"},
         "events": {"unit": "hour", "tz": "UTC"}, "metrics": {"type": "url"}}
BAD_PARAMS = [  # (routes, query overrides or None to drop, parameter named in the error)
    (STATS_ROUTES, {"start_at": None}, "start_at"),
    (STATS_ROUTES, {"start_at": "yesterday"}, "start_at"),
    (STATS_ROUTES, {"start_at": "1.5"}, "start_at"),
    (STATS_ROUTES, {"start_at": "-1"}, "start_at"),
    (STATS_ROUTES, {"end_at": None}, "end_at"),
    (STATS_ROUTES, {"end_at": "soon"}, "end_at"),
    (STATS_ROUTES, {"end_at": str(10**30)}, "end_at"),
    (STATS_ROUTES, {"end_at": str(RANGE["start_at"] - 1)}, "end_at"),
    (["pageviews", "events"], {"unit": "week"}, "unit"),
    (["pageviews", "events"], {"unit": None}, "unit"),
    (["pageviews", "events"], {"unit": "hour; DROP TABLE pageview"}, "unit"),
    (["pageviews", "events"], {"tz": "Mars/Olympus"}, "tz"),
    (["pageviews", "events"], {"tz": "+02:00"}, "tz"),
    (["pageviews", "events"], {"tz": None}, "tz"),
    (["metrics"], {"type": "pageviews"}, "type"),
    (["metrics"], {"type": None}, "type"),
]


@pytest.mark.parametrize("routes, overrides, name", BAD_PARAMS,
                         ids=[f"{n}={o}" for _, o, n in BAD_PARAMS])
def test_bad_parameters_400_naming_them(still, routes, overrides, name):
    for route in routes:
        query = {**RANGE, **EXTRA[route], **overrides}
        query = {k: v for k, v in query.items() if v is not None}
        r = still.api.get(f"/api/website/{still.w['website_id']}/{route}", as_user="admin",
                          query_string=query)
        assert_error(r, 400)
        assert f"'{name}'" in r.json["error"]["message"], (route, r.json)


ODD_KEYS = ["0", "-1", "1e3", "%00", "%E2%80%8F", "..", "99999999999999999999999999999999",
            "\u00b2", "1 OR 1=1", "' OR ''='"]


def keyed(route):
    """Returns True when the route names a website or account (so odd ids reach it)."""
    return any(mark in route[1] + repr(route[2]) for mark in ("{w}", "{u}"))


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_no_500_for_odd_ids_and_bodies(still, route):
    headers = still.api.headers()
    before = still.snapshot()
    for key in ODD_KEYS if keyed(route) else ():
        for user_id in (key, 10**30):
            r = send(still, route, key=key, user_id=user_id, headers=headers)
            assert r.status_code in (400, 404), (key, r.get_data(as_text=True))
    method, path, data, _ = route
    if method == "POST" and data is not None:  # the routes that read a JSON body
        path = fill(path, still.w["website_id"], still.bob["user_id"])
        for body in ("{", "[]", '"x"', "null", "{" * 5000, '{"name": ' * 3000, "\xff",
                     '{"name": "\\ud800", "username": "\\udfff", "current_password": "x",'
                     ' "new_password": "\\ud800\\ud800", "website_id": "\\ud800"}'):
            r = still.client.open(path, method=method, data=body, headers=headers,
                                  content_type="application/json")
            assert r.status_code == 400, (body[:20], r.get_data(as_text=True))
    assert still.snapshot() == before
