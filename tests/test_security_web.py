"""Browser-facing protections: ?next= redirects stay on the site, cookie routes refuse
cross-site requests (login CSRF, logout), the login throttle counts atomically."""
import pytest
from conftest import ADMIN_PASSWORD

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
