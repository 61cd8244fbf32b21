"""Dashboard page routes: login redirects, pages render with their scripts, no inline JS."""
import re

import pytest
from conftest import ADMIN_PASSWORD

PAGES = ["/", "/settings", "/websites/1", "/links"]


def login(client, username="admin", password=ADMIN_PASSWORD):
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200


def assert_no_inline_script(html):
    """Fails on inline <script> bodies and on-event attributes (a strict CSP blocks them)."""
    for match in re.finditer(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in match.group(1) and not match.group(2).strip(), match.group(0)
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_login_when_logged_out(client, path):
    r = client.get(path)
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=" + path


def test_forged_cookie_is_logged_out(client):
    client.set_cookie("umami.auth", "forged.token")
    assert client.get("/").status_code == 302


def test_login_page_renders_form_and_bases(client):
    r = client.get("/login?next=/settings")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="login-form"' in html
    assert 'data-next="/settings"' in html
    assert 'data-base=""' in html and 'data-api="/api"' in html
    assert_no_inline_script(html)


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil",
                                    "/login?next=/login"])
def test_login_next_never_leaves_the_site_or_loops(client, target):
    html = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'data-next="/"' in html


def test_logged_in_login_page_goes_to_next(client):
    login(client)
    r = client.get("/login?next=/settings")
    assert r.status_code == 302 and r.headers["Location"] == "/settings"


@pytest.mark.parametrize("path, marker", [("/", 'id="website-list"'),
                                          ("/settings", 'id="password-form"'),
                                          ("/links", 'data-list="pixel"')])
def test_pages_render_for_logged_in_user(client, path, marker):
    login(client)
    r = client.get(path)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and marker in html
    assert 'data-session="user"' in html and ">admin<" in html
    assert_no_inline_script(html)


def test_static_assets_are_served_with_versions(client):
    html = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {u.split("?")[0] for u in urls} >= {"/static/common.js", "/static/login.js",
                                               "/static/dashboard.css"}
    for url in urls:
        assert "?v=" in url
        assert client.get(url).status_code == 200


def test_accounts_panel_only_for_admins(client, api):
    api.create_user("bob", "bob-password-1")
    login(client, "bob", "bob-password-1")
    html = client.get("/settings").get_data(as_text=True)
    assert 'id="password-form"' in html and 'id="accounts"' not in html
    login(client)
    assert 'id="accounts"' in client.get("/settings").get_data(as_text=True)


def test_website_page_renders_for_owner_and_admin_only(client, api):
    api.create_user("bob", "bob-password-1")
    site = api.create_website("Bob's site", as_user="bob")
    login(client)  # admin sees every website
    r = client.get(f"/websites/{site['website_uuid']}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f'data-website-id="{site["website_uuid"]}"' in html and "Bob&#39;s site" in html
    assert 'data-share-id' not in html
    assert_no_inline_script(html)
    assert client.get(f"/websites/{site['website_id']}").status_code == 200  # integer id too

    mallory = api.create_user("mallory", "mallory-password-1")
    assert mallory["is_admin"] is False
    login(client, "mallory", "mallory-password-1")
    r = client.get(f"/websites/{site['website_uuid']}")
    assert r.status_code == 404 and "Not found" in r.get_data(as_text=True)


def test_website_page_unknown_id_is_404_and_logged_out_redirects(client):
    r = client.get("/websites/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=/websites/")
    login(client)
    assert client.get("/websites/00000000-0000-4000-8000-000000000000").status_code == 404


def test_share_page_renders_without_login(client, api):
    site = api.create_website("Shared site", enable_share_url=True)
    r = client.get(f"/share/{site['share_id']}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f'data-share-id="{site["share_id"]}"' in html and "Shared site" in html
    assert 'data-session="user"' not in html and "Log out" not in html
    assert '<span class="brand"' in html  # no way into the login-only pages from here
    assert_no_inline_script(html)


def test_share_page_404_for_unknown_or_disabled_share(client, api):
    assert client.get("/share/nosuchid").status_code == 404
    site = api.create_website("Was shared", enable_share_url=True)
    share_id = site["share_id"]
    assert client.get(f"/share/{share_id}").status_code == 200
    api.post("/api/website", json={"website_id": site["website_id"], "enable_share_url": False})
    r = client.get(f"/share/{share_id}")
    assert r.status_code == 404 and "sharing was turned off" in r.get_data(as_text=True)


def test_pages_follow_the_mount_prefix(tmp_path, clock):
    from embedhost import login as embedded_login
    from embedhost import make_host
    host, _ = make_host(tmp_path, clock=clock)
    client = host.test_client()
    r = client.get("/analytics/")
    assert r.status_code == 302 and r.headers["Location"] == "/analytics/login?next=/analytics/"
    html = client.get("/analytics/login").get_data(as_text=True)
    assert 'data-base="/analytics"' in html and 'data-api="/analytics/api"' in html
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert assets and all(a.startswith("/analytics/") for a in assets)
    assert all(client.get(a).status_code == 200 for a in assets if "/static/" in a)
    assert embedded_login(client).status_code == 200
    html = client.get("/analytics/settings").get_data(as_text=True)
    assert 'href="/analytics/"' in html and 'href="/analytics/settings"' in html


def test_sessions_pages_render_for_owner_and_admin_only(app, client, api):
    from umami_lite.queries.current.ids import session_uuid
    api.create_user("bob", "bob-password-1")
    site = api.create_website("Bob's site", as_user="bob")
    session_key = session_uuid(site["website_uuid"], 1)
    pages = {f"/websites/{site['website_uuid']}/sessions": 'id="session-list"',
             f"/websites/{site['website_uuid']}/sessions/{session_key}": 'id="session-activity"'}
    for path in pages:
        r = app.test_client().get(path)  # no login cookie
        assert r.status_code == 302 and r.headers["Location"] == "/login?next=" + path
    login(client, "bob", "bob-password-1")
    for path, marker in pages.items():
        html = client.get(path).get_data(as_text=True)
        assert marker in html and f'data-website-id="{site["website_uuid"]}"' in html
        assert_no_inline_script(html)
    assert f'data-session-id="{session_key}"' in client.get(path).get_data(as_text=True)
    # a session key of another website, or no uuid at all, names no session here
    other = session_uuid("00000000-0000-4000-8000-000000000000", 1)
    for key in (other, "1", "not-a-session"):
        r = client.get(f"/websites/{site['website_uuid']}/sessions/{key}")
        assert r.status_code == 404 and "Not found" in r.get_data(as_text=True)
    api.create_user("mallory", "mallory-password-1")
    login(client, "mallory", "mallory-password-1")
    for path in pages:
        assert client.get(path).status_code == 404
    login(client)  # admins see every website
    assert all(client.get(path).status_code == 200 for path in pages)


@pytest.mark.parametrize("page, marker", [("reports", 'id="report-form"'),
                                          ("segments", 'id="segment-form"')])
def test_reports_and_segments_pages_render_for_owner_and_admin_only(app, client, api, page,
                                                                     marker):
    api.create_user("bob", "bob-password-1")
    site = api.create_website("Bob's site", as_user="bob")
    path = f"/websites/{site['website_uuid']}/{page}"
    r = app.test_client().get(path)  # no login cookie
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=" + path
    login(client, "bob", "bob-password-1")
    html = client.get(path).get_data(as_text=True)
    assert marker in html and f'data-website-id="{site["website_uuid"]}"' in html
    assert_no_inline_script(html)
    website_page = client.get(f"/websites/{site['website_uuid']}").get_data(as_text=True)
    assert f'href="{path}"' in website_page and 'id="saved-filter"' in website_page
    assert client.get(f"/websites/00000000-0000-4000-8000-000000000000/{page}").status_code == 404
    api.create_user("mallory", "mallory-password-1")
    login(client, "mallory", "mallory-password-1")
    assert client.get(path).status_code == 404
    login(client)  # admins see every website
    assert client.get(path).status_code == 200


def test_the_share_page_has_no_segment_selector(client, api):
    site = api.create_website("Shared", enable_share_url=True)
    html = client.get(f"/share/{site['share_id']}").get_data(as_text=True)
    assert 'id="saved-filter"' not in html and "/reports" not in html


def test_realtime_page_renders_for_owner_and_admin_only(app, client, api):
    api.create_user("bob", "bob-password-1")
    site = api.create_website("Bob's site", as_user="bob")
    path = f"/websites/{site['website_uuid']}/realtime"
    r = app.test_client().get(path)  # no login cookie
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=" + path
    login(client, "bob", "bob-password-1")
    html = client.get(path).get_data(as_text=True)
    assert 'id="realtime-feed"' in html and f'data-website-id="{site["website_uuid"]}"' in html
    assert_no_inline_script(html)
    website_page = client.get(f"/websites/{site['website_uuid']}").get_data(as_text=True)
    assert f'href="{path}"' in website_page
    assert client.get("/websites/00000000-0000-4000-8000-000000000000/realtime").status_code == 404
    api.create_user("mallory", "mallory-password-1")
    login(client, "mallory", "mallory-password-1")
    assert client.get(path).status_code == 404
    login(client)  # admins see every website
    assert client.get(path).status_code == 200
