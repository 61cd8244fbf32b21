"""Attackers: login throttling, credential timing, cookies, CSRF, security headers."""
import os

import pytest
from conftest import ADMIN_PASSWORD, count_rows, is_postgres, snapshot_rows

from umami_lite.storage import users

LOGIN = "/api/auth/login"


def login(client, username="admin", password=ADMIN_PASSWORD, ip="198.51.100.1", **kwargs):
    return client.post(LOGIN, json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


# --- throttling -------------------------------------------------------------------------

def test_failed_logins_per_account_are_throttled_across_client_ips(make_app, clock):
    client = make_app(UMAMI_LITE_LOGIN_FAILURES=3, UMAMI_LITE_LOGIN_WINDOW=15).test_client()
    for i in range(3):
        assert login(client, password="wrong", ip=f"198.51.100.{i}").status_code == 401
    r = login(client, ip="198.51.100.9")  # right password, fresh IP: the account is locked
    assert r.status_code == 429 and r.json["error"]["code"] == "too-many-requests"
    assert 1 <= int(r.headers["Retry-After"]) <= 15 * 60
    assert "token" not in r.json and "Set-Cookie" not in r.headers
    clock.now += 15 * 60_000 + 1  # the window passes
    assert login(client, ip="198.51.100.9").status_code == 200


def test_failed_logins_per_client_ip_are_throttled_across_accounts(make_app, api):
    app = make_app(UMAMI_LITE_LOGIN_FAILURES=3)
    client = app.test_client()
    for name in ("nobody", "ghost", "admin"):
        assert login(client, username=name, password="wrong").status_code == 401
    assert login(client).status_code == 429  # same IP, right password
    assert login(client, ip="198.51.100.2").status_code == 200  # another client is fine


def test_success_clears_account_failures_but_not_the_client_count(make_app):
    client = make_app(UMAMI_LITE_LOGIN_FAILURES=3).test_client()
    login(client, password="wrong", ip="198.51.100.1")
    login(client, password="wrong", ip="198.51.100.2")
    assert login(client, ip="198.51.100.3").status_code == 200
    # the account starts over: two more failures from new IPs do not lock it
    login(client, password="wrong", ip="198.51.100.4")
    login(client, password="wrong", ip="198.51.100.5")
    assert login(client, ip="198.51.100.6").status_code == 200


def test_throttle_can_be_turned_off(make_app):
    client = make_app(UMAMI_LITE_LOGIN_FAILURES=0).test_client()
    for _ in range(20):
        assert login(client, password="wrong").status_code == 401
    assert login(client).status_code == 200


def test_throttle_keys_store_no_raw_ip_or_username(make_app, db_path):
    app = make_app(UMAMI_LITE_LOGIN_FAILURES=5)
    client = app.test_client()
    login(client, username="mallory-guess", password="wrong", ip="198.51.100.77")
    assert count_rows(app, "login_failure") > 0  # the failure is stored: the scan can fail
    if is_postgres(db_path):  # no file of its own: every row of every table is scanned
        raw = repr(snapshot_rows(app)).encode()
    else:
        raw = b"".join(open(p, "rb").read() for p in (db_path, db_path + "-wal")
                       if os.path.exists(p))
        assert raw.startswith(b"SQLite format 3\x00")  # the file itself was read
    assert b"198.51.100.77" not in raw and b"mallory-guess" not in raw


def test_throttle_uses_the_proxy_client_ip_only_when_trusted(make_app):
    client = make_app(UMAMI_LITE_LOGIN_FAILURES=2).test_client()
    for i in range(2):  # a forged X-Forwarded-For must not give each attempt a new identity
        login(client, password="wrong", headers={"X-Forwarded-For": f"203.0.113.{i}"})
    assert login(client, headers={"X-Forwarded-For": "203.0.113.50"}).status_code == 429


# --- credential checks --------------------------------------------------------------------

@pytest.mark.parametrize("username", ["admin", "no-such-user"])
def test_unknown_user_and_wrong_password_cost_the_same_hash_check(client, monkeypatch, username):
    calls = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash",
                        lambda stored, given: calls.append(stored) or real(stored, given))
    r = login(client, username=username, password="wrong-password")
    assert r.status_code == 401
    assert r.json["error"]["message"] == "Incorrect username or password."
    # exactly one check, against a hash of the same method and cost as a real account's
    assert len(calls) == 1
    assert calls[0].split("$")[0] == "pbkdf2:sha256:1000"


# --- cookies ------------------------------------------------------------------------------

def cookies_of(response):
    """Returns {name: raw Set-Cookie header} of a response."""
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_login_sets_httponly_auth_cookie_and_readable_csrf_cookie(client):
    cookies = cookies_of(login(client))
    auth, csrf = cookies["umami.auth"], cookies["umami.csrf"]
    assert "HttpOnly" in auth and "SameSite=Lax" in auth and "Secure" not in auth
    assert "HttpOnly" not in csrf and "SameSite=Lax" in csrf
    assert len(csrf.split(";")[0].split("=", 1)[1]) >= 32


@pytest.mark.parametrize("proxy_count, proto, secure", [
    (1, "https", True),    # trusted proxy says the visitor came over HTTPS
    (1, "http", False),
    (0, "https", False),   # untrusted header: ignored
])
def test_cookies_are_secure_behind_a_trusted_https_proxy(make_app, proxy_count, proto, secure):
    client = make_app(UMAMI_LITE_PROXY_COUNT=proxy_count).test_client()
    r = login(client, headers={"X-Forwarded-Proto": proto, "X-Forwarded-For": "203.0.113.1"})
    for name, header in cookies_of(r).items():
        assert ("Secure" in header) is secure, name


def test_logout_clears_both_cookies(client):
    login(client)
    csrf = client.get_cookie("umami.csrf").value
    r = client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    cleared = cookies_of(r)
    assert "Expires=Thu, 01 Jan 1970" in cleared["umami.auth"]
    assert "Expires=Thu, 01 Jan 1970" in cleared["umami.csrf"]


# --- CSRF ---------------------------------------------------------------------------------

def test_cookie_login_post_without_csrf_header_is_403_and_changes_nothing(client):
    login(client)
    r = client.post("/api/website", json={"name": "Forged"})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert "CSRF" in r.json["error"]["message"]
    r = client.post("/api/website", json={"name": "Forged"}, headers={"X-CSRF-Token": "guess"})
    assert r.status_code == 403
    assert client.get("/api/websites").json["count"] == 0  # GET needs no token


def test_cookie_login_post_with_csrf_header_works(client):
    login(client)
    token = client.get_cookie("umami.csrf").value
    r = client.post("/api/website", json={"name": "Mine"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    site = r.json["id"]
    assert client.delete(f"/api/website/{site}").status_code == 403
    assert client.delete(f"/api/website/{site}",
                         headers={"X-CSRF-Token": token}).status_code == 200


def test_bearer_calls_need_no_csrf_header_even_with_cookies_present(client, api):
    login(client)  # the browser also holds cookies; the Bearer header decides
    r = client.post("/api/website", json={"name": "Scripted"}, headers=api.headers())
    assert r.status_code == 200


@pytest.mark.parametrize("path", ["/api/collect", "/api/auth/login", "/api/auth/verify"])
def test_public_and_read_only_posts_are_exempt(client, path):
    login(client)
    r = client.post(path, json={})
    assert r.status_code != 403


def test_logout_by_cookie_needs_the_csrf_header(client):
    login(client)
    assert client.post("/api/auth/logout").status_code == 403
    assert client.get("/api/auth/verify").status_code == 200  # still logged in


# --- headers ------------------------------------------------------------------------------

def test_api_responses_are_nosniff_and_not_framed_as_html(client):
    for r in (client.get("/api/heartbeat"), client.get("/api/nope"), client.get("/api/websites")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.mimetype == "application/json"


def test_html_responses_carry_the_page_policies(app):
    from umami_lite.web.security import add_security_headers
    with app.test_request_context("/"):
        response = add_security_headers(app.make_response(("<p>hi</p>", 200)))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1]\
        .split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_method_not_allowed_names_the_allowed_methods(client):
    r = client.put("/api/heartbeat")
    assert r.status_code == 405 and r.json["error"]["code"] == "method-not-allowed"
    assert "GET" in r.headers["Allow"]
