"""Browser-facing protections: ?next= redirects stay on the site, cookie routes refuse
cross-site requests (login CSRF, logout), the login throttle counts atomically."""
import json
import threading
import urllib.error
import urllib.request

import pytest
from conftest import ADMIN_PASSWORD
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
