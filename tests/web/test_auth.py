"""Login, verify, logout, token transports and token revocation."""
import pytest
from conftest import ADMIN_PASSWORD


def test_login_returns_token_user_and_cookie(client):
    r = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200
    assert set(r.json) == {"token", "user"}
    user = r.json["user"]
    assert user["username"] == "admin" and user["isAdmin"] is True and user["role"] == "admin"
    assert user["id"] == "1" and user["user_id"] == 1
    assert "password" not in str(r.json)
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith(f"umami.auth={r.json['token']};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie


def test_cookie_is_secure_over_https(client):
    r = client.post("/api/auth/login", base_url="https://localhost",
                    json={"username": "admin", "password": ADMIN_PASSWORD})
    assert "Secure" in r.headers["Set-Cookie"]


@pytest.mark.parametrize("body, status", [
    ({"username": "admin", "password": "wrong"}, 401),
    ({"username": "nobody", "password": "wrong"}, 401),
    ({"username": "admin"}, 400),
    ({"password": "x"}, 400),
    ({"username": 5, "password": "x"}, 400),
])
def test_login_rejects_bad_credentials(client, body, status):
    r = client.post("/api/auth/login", json=body)
    assert r.status_code == status
    assert r.json["error"]["status"] == status
    assert "token" not in r.json


def test_login_rejects_malformed_json(client):
    r = client.post("/api/auth/login", data="{nope", content_type="application/json")
    assert r.status_code == 400 and r.json["error"]["code"] == "bad-request"


def test_verify_accepts_bearer_and_cookie(client, api):
    token = api.token()
    assert client.get("/api/auth/verify",
                      headers={"Authorization": f"Bearer {token}"}).json["username"] == "admin"
    client.set_cookie("umami.auth", token)
    assert client.post("/api/auth/verify").json["username"] == "admin"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer forged.token.value", "Basic abc"])
def test_verify_without_valid_token_is_401(client, header):
    r = client.get("/api/auth/verify", headers={"Authorization": header} if header else {})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_token_expires(make_app, clock):
    app = make_app(UMAMI_LITE_TOKEN_DAYS=1)
    client = app.test_client()
    token = client.post("/api/auth/login", json={"username": "admin",
                                                 "password": ADMIN_PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/verify", headers=headers).status_code == 200
    import time
    real = time.time
    try:  # itsdangerous reads time.time(); move it past the one-day lifetime
        time.time = lambda: real() + 86400 + 5
        assert client.get("/api/auth/verify", headers=headers).status_code == 401
    finally:
        time.time = real


def test_logout_revokes_token_and_clears_cookie(client, api):
    headers = api.headers()
    r = client.post("/api/auth/logout", headers=headers)
    assert r.status_code == 200 and r.json == {"ok": True}
    assert "umami.auth=;" in r.headers["Set-Cookie"]
    assert client.get("/api/auth/verify", headers=headers).status_code == 401


def test_heartbeat(client):
    assert client.get("/api/heartbeat").json == {"ok": True}
