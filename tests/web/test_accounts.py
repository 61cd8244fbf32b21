"""Accounts: admins manage them, everyone changes their own password; no hash ever leaves."""
import pytest
from conftest import ADMIN_PASSWORD, count_rows, pageview

USER_KEYS = {"user_id", "id", "username", "role", "is_admin", "isAdmin", "created_at",
             "createdAt"}


def assert_no_secret(response):
    text = response.get_data(as_text=True)
    for needle in ("pbkdf2", "scrypt", "password\"", "token_version"):
        assert needle not in text, text


def test_create_list_get_update_delete(app, api):
    r = api.post("/api/account", json={"username": "alice", "password": "alice-password"})
    assert r.status_code == 200, r.json
    alice = r.json
    assert set(alice) == USER_KEYS
    assert alice["username"] == "alice" and alice["role"] == "user" and alice["isAdmin"] is False
    assert alice["id"] == str(alice["user_id"])
    assert_no_secret(r)

    r = api.get("/api/accounts")
    assert [u["username"] for u in r.json] == ["admin", "alice"]
    assert all(set(u) == USER_KEYS for u in r.json)
    assert_no_secret(r)

    r = api.get(f"/api/account/{alice['user_id']}")
    assert r.json == alice
    assert_no_secret(r)

    r = api.post("/api/account", json={"user_id": alice["user_id"], "username": "alicia",
                                       "is_admin": True})
    assert r.status_code == 200 and r.json["username"] == "alicia" and r.json["isAdmin"]
    assert_no_secret(r)

    assert api.delete(f"/api/account/{alice['user_id']}").json == {"ok": True}
    assert api.get(f"/api/account/{alice['user_id']}").status_code == 404
    assert count_rows(app, "account") == 1


def test_deleting_an_account_deletes_its_websites_and_data(app, api, clock):
    api.create_user("alice")
    w = api.create_website(as_user="alice")
    pageview(api.client, w["website_uuid"])
    clock.now += 3_600_000
    pageview(api.client, w["website_uuid"], url="/later")  # summarizes the first hour
    assert count_rows(app, "rollup_time") > 0
    assert api.delete(f"/api/account/{w['user_id']}").status_code == 200
    for table in ("website", "session", "pageview", "rollup_time", "rollup_count",
                  "rollup_key", "rollup_attr", "rollup_state"):
        assert count_rows(app, table) == 0, table
    # a new website never gets the deleted one's id (tests/storage/test_id_reuse.py);
    # it starts empty
    fresh = api.create_website()
    assert fresh["website_id"] > w["website_id"]
    stats = api.get(f"/api/website/{fresh['website_id']}/stats",
                    query_string={"start_at": 0, "end_at": clock.now}).json
    assert stats["pageviews"] == 0 and stats["uniques"] == 0


def test_admin_cannot_delete_or_demote_self(app, api):
    r = api.delete("/api/account/1")
    assert r.status_code == 400 and "own account" in r.json["error"]["message"]
    r = api.post("/api/account", json={"user_id": 1, "is_admin": False})
    assert r.status_code == 400 and "admin" in r.json["error"]["message"]
    assert api.get("/api/auth/verify").json["isAdmin"] is True
    assert count_rows(app, "account") == 1


def test_non_admin_cannot_manage_accounts(app, api):
    api.create_user("alice")
    before = count_rows(app, "account")
    for method, path, body in [("post", "/api/account", {"username": "x", "password": "x" * 8}),
                               ("get", "/api/accounts", None), ("get", "/api/account/1", None),
                               ("delete", "/api/account/1", None),
                               ("post", "/api/account", {"user_id": 2, "is_admin": True})]:
        kwargs = {"json": body} if body else {}
        r = getattr(api, method)(path, as_user="alice", **kwargs)
        assert r.status_code == 403, (path, r.json)
    assert count_rows(app, "account") == before
    assert api.get("/api/auth/verify", as_user="alice").json["isAdmin"] is False


BAD_CREATE = [
    ({"password": "long-enough"}, "username"),
    ({"username": "", "password": "long-enough"}, "username"),
    ({"username": 5, "password": "long-enough"}, "username"),
    ({"username": "u" * 256, "password": "long-enough"}, "username"),
    ({"username": " \t ", "password": "long-enough"}, "blank"),
    ({"username": "bob"}, "password"),
    ({"username": "bob", "password": "short"}, "password"),
    ({"username": "bob", "password": ["long-enough"]}, "password"),
    ({"username": "bob", "password": "long-enough", "is_admin": "yes"}, "is_admin"),
    ({"username": "admin", "password": "long-enough"}, "exists"),
    ({"user_id": "2", "username": "bob"}, "user_id"),
    ({"user_id": True, "username": "bob"}, "user_id"),
]


@pytest.mark.parametrize("body, word", BAD_CREATE, ids=[w for _, w in BAD_CREATE])
def test_bad_account_input_400_stores_nothing(app, api, body, word):
    r = api.post("/api/account", json=body)
    assert r.status_code == 400, r.json
    assert word in r.json["error"]["message"]
    assert count_rows(app, "account") == 1


def test_update_unknown_account_404_and_duplicate_name_400(app, api):
    api.create_user("alice")
    assert api.post("/api/account", json={"user_id": 99, "username": "x"}).status_code == 404
    r = api.post("/api/account", json={"user_id": 2, "username": "admin"})
    assert r.status_code == 400 and "exists" in r.json["error"]["message"]
    r = api.post("/api/account", json={"user_id": 2, "username": "  "})
    assert r.status_code == 400 and "blank" in r.json["error"]["message"]
    assert api.get("/api/account/2").json["username"] == "alice"


def test_password_change_revokes_old_tokens(client, api):
    api.create_user("alice", password="old-password-1")
    old = api.headers("alice")
    r = client.post("/api/account/password", headers=old,
                    json={"current_password": "old-password-1", "new_password": "new-password-1"})
    assert r.status_code == 200 and r.json["username"] == "alice"
    assert_no_secret(r)
    assert client.get("/api/auth/verify", headers=old).status_code == 401
    login = client.post("/api/auth/login", json={"username": "alice",
                                                 "password": "old-password-1"})
    assert login.status_code == 401
    login = client.post("/api/auth/login", json={"username": "alice",
                                                 "password": "new-password-1"})
    assert login.status_code == 200
    assert_no_secret(login)


def test_admin_setting_a_password_revokes_that_users_tokens(client, api):
    api.create_user("alice")
    old = api.headers("alice")
    r = api.post("/api/account", json={"user_id": 2, "password": "reset-password-1"})
    assert r.status_code == 200
    assert client.get("/api/auth/verify", headers=old).status_code == 401
    assert api.get("/api/auth/verify").status_code == 200  # the admin's own token lives on


@pytest.mark.parametrize("body, word", [
    ({"current_password": "wrong-password", "new_password": "new-password-1"}, "incorrect"),
    ({"current_password": ADMIN_PASSWORD, "new_password": "short"}, "new_password"),
    ({"new_password": "new-password-1"}, "current_password"),
    ({"current_password": ADMIN_PASSWORD}, "new_password"),
    ({"current_password": ADMIN_PASSWORD, "new_password": 12345678}, "new_password"),
])
def test_bad_password_change_400_keeps_the_password(client, api, body, word):
    headers = api.headers()
    r = client.post("/api/account/password", headers=headers, json=body)
    assert r.status_code == 400 and word in r.json["error"]["message"].lower()
    assert client.get("/api/auth/verify", headers=headers).status_code == 200
    assert client.post("/api/auth/login", json={"username": "admin",
                                                "password": ADMIN_PASSWORD}).status_code == 200
