"""Browser-facing protections: ?next= redirects stay on the site, cookie routes refuse
cross-site requests (login CSRF, logout), the login throttle counts atomically."""
import json
import threading
import urllib.error
import urllib.request

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA
from servers import LiveServer

# each is read by some browser as another host, or breaks the Location header
FOREIGN_TARGETS = [
    "//evil.example/", "https://evil.example/", "https:evil.example", "/\\evil.example",
    "\\\\evil.example", "\t//evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r\n/evil.example", "/%09/evil.example", "/%2F/evil.example", "/%5Cevil.example",
    " //evil.example", "\x00//evil.example", "/\x0b/evil.example", "/\x7f/evil.example",
    "javascript:alert(1)", "evil.example", "", "/login", "/login?next=//evil.example",
]
LOCAL_TARGETS = ["/settings", "/websites/1?period=7d", "/a/b//c", "/share/abc#x"]


def login(client):
    r = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_login_page_next_falls_back_to_dashboard_home(client, target):
    html = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'data-next="/"' in html


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_logged_in_login_redirect_falls_back_to_dashboard_home(client, target):
    login(client)
    r = client.get("/login", query_string={"next": target})
    assert r.status_code == 302 and r.headers["Location"] == "/"


@pytest.mark.parametrize("target", LOCAL_TARGETS)
def test_same_site_paths_are_kept(client, target):
    login(client)
    r = client.get("/login", query_string={"next": target})
    assert r.status_code == 302 and r.headers["Location"] == target


# --- login throttle: check and record are one step ---------------------------------------

def _guess_in_parallel(send, count=60):
    """Returns the status codes of `count` wrong-password logins sent at once."""
    barrier = threading.Barrier(count)
    codes = []

    def guess(index):
        barrier.wait()
        codes.append(send(index))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


def test_parallel_guesses_get_exactly_the_allowed_checks(make_app):
    # a slower hash widens the window between check and record, as a real one does
    app = make_app(UMAMI_LITE_PASSWORD_HASH_METHOD="pbkdf2:sha256:20000")
    body = {"username": "admin", "password": "wrong"}
    codes = _guess_in_parallel(
        lambda i: app.test_client().post("/api/auth/login", json=body).status_code)
    assert codes.count(401) == 10 and codes.count(429) == 50


def test_parallel_guesses_across_worker_processes_get_exactly_the_allowed_checks(tmp_path):
    server = LiveServer(tmp_path / "live.db", workers=2, threads=8)

    def send(index):
        request = urllib.request.Request(
            server.url + "/api/auth/login", method="POST",
            data=json.dumps({"username": "admin", "password": "wrong"}).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
    try:
        codes = _guess_in_parallel(send)
    finally:
        server.stop()
    assert codes.count(401) == 10 and codes.count(429) == 50


def test_a_successful_login_does_not_count_as_a_failure(make_app):
    client = make_app(UMAMI_LITE_LOGIN_FAILURES=2).test_client()
    for _ in range(5):
        login(client)


# --- cross-site requests on cookie routes ------------------------------------------------

LOGIN_BODY = '{"username": "admin", "password": "%s"}' % ADMIN_PASSWORD
CROSS_SITE = [{"Origin": "https://evil.example"}, {"Origin": "null"},
              {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
              {"Origin": "http://localhost.evil.example", "Sec-Fetch-Site": "cross-site"}]
FORM_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
              "text/plain; charset=utf-8"]


def assert_refused(r, status):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.json["error"]["status"] == status
    assert "umami.auth" not in r.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_site_login_is_refused(client, headers):
    r = client.post("/api/auth/login", data=LOGIN_BODY, content_type="application/json",
                    headers=headers)
    assert_refused(r, 403)


@pytest.mark.parametrize("content_type", FORM_TYPES)
def test_login_from_a_form_body_is_refused(client, content_type):
    # a cross-site <form enctype="text/plain"> can send a body that parses as JSON
    r = client.post("/api/auth/login", data=LOGIN_BODY, content_type=content_type)
    assert_refused(r, 415)


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_site_logout_is_refused_and_the_session_survives(client, headers):
    login(client)
    csrf = {"X-CSRF-Token": client.get_cookie("umami.csrf").value}
    assert client.post("/api/auth/logout", headers={**headers, **csrf}).status_code == 403
    assert client.get("/api/me").status_code == 200


def test_cross_site_cookie_write_is_refused_even_with_the_csrf_token(client):
    login(client)
    token = client.get_cookie("umami.csrf").value
    r = client.post("/api/website", json={"name": "x"},
                    headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert_refused(r, 403)


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost"},
                                     {"Sec-Fetch-Site": "same-origin"},
                                     {"Sec-Fetch-Site": "none"},
                                     {"Origin": "http://localhost",
                                      "Sec-Fetch-Site": "same-origin"}])
def test_same_site_login_and_logout_work(client, headers):
    r = client.post("/api/auth/login", data=LOGIN_BODY, content_type="application/json",
                    headers=headers)
    assert r.status_code == 200
    csrf = {"X-CSRF-Token": client.get_cookie("umami.csrf").value}
    assert client.post("/api/auth/logout", headers={**headers, **csrf}).status_code == 200
    assert client.get("/api/me").status_code == 401


def test_api_clients_with_bearer_tokens_work_unchanged(client):
    token = client.post("/api/auth/login", data=LOGIN_BODY,
                        content_type="application/json").json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/websites", json={"name": "n", "domain": "d.example"},
                       headers=bearer).status_code == 200
    # a Bearer token is no ambient credential: the Origin of a page that holds it is fine
    assert client.post("/api/websites", json={"name": "m", "domain": "m.example"},
                       headers={**bearer, "Origin": "https://app.example"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/collect", "/api/send"])
def test_tracker_routes_still_take_cross_site_hits(client, api, website, path):
    payload = {"website": website["website_uuid"], "url": "/", "hostname": "x.example"}
    body = {"type": "pageview" if path == "/api/collect" else "event", "payload": payload}
    r = client.post(path, data=json.dumps(body), content_type="text/plain",
                    headers={"Origin": "https://x.example", "Sec-Fetch-Site": "cross-site",
                             "User-Agent": CHROME_UA})
    assert r.status_code == 200, r.get_data(as_text=True)
