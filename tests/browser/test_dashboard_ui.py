"""The dashboard in a real browser against `umami-lite serve`: login, websites, settings.
(The website page itself: test_website_ui.py.)"""
import json
import os
import re
import time
import urllib.request
from datetime import datetime, timezone

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA
from playwright.sync_api import expect
from servers import LiveServer

FIREFOX_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")
COUNTRY_HEADER = "X-Test-Country"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("dashboard") / "umami-lite.db",
                      env={"UMAMI_LITE_COUNTRY_HEADER": COUNTRY_HEADER})
    yield live
    live.stop()


@pytest.fixture
def new_page(browser):
    """Returns a factory of pages with their own cookies, viewport and colour scheme."""
    contexts = []

    def make(viewport=DESKTOP, scheme="light"):
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, server, username="admin", password=ADMIN_PASSWORD, path="/"):
    page.goto(server.url + path)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def shot(page, artifacts_dir, name):
    page.screenshot(path=os.path.join(artifacts_dir, name + ".png"), full_page=True)


def test_login_then_add_website_and_copy_its_snippet(new_page, server, artifacts_dir):
    page = new_page()
    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + "/login?next=/")
    page.fill("#username", "admin")
    page.fill("#password", "wrong password")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("Incorrect username or password.")
    page.fill("#password", ADMIN_PASSWORD)
    page.press("#password", "Enter")  # keyboard submits too
    expect(page).to_have_url(server.url + "/")
    expect(page.locator("#website-list")).to_contain_text("No websites yet")

    page.click("#add-website")
    page.click("#website-form button[type=submit]")  # no name: refused in the dialog
    expect(page.locator("#website-error")).to_have_text("Give the website a name.")
    page.fill("#website-name", "Snippet site")
    page.fill("#website-domain", "snippet.example")
    page.click("#website-form button[type=submit]")
    snippet = page.locator("#code-snippet")
    expect(snippet).to_be_visible()
    websites = page.request.get(server.url + "/api/websites").json()["data"]
    uuid = next(w["website_uuid"] for w in websites if w["name"] == "Snippet site")
    assert snippet.input_value() == (f'<script async defer data-website-id="{uuid}" '
                                     f'src="{server.url}/script.js"></script>')
    page.keyboard.press("Escape")
    row = page.locator(f'[data-website-id="{uuid}"]')
    expect(row).to_contain_text("snippet.example")
    expect(row.locator('[data-figure="pageviews"]')).to_have_text("0")
    assert page.js_errors == []


def test_edit_share_reset_and_delete_a_website(new_page, server):
    page = new_page()
    log_in(page, server)
    page.click("#add-website")
    page.fill("#website-name", "Old name")
    page.click("#website-form button[type=submit]")
    expect(page.locator("#code-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    row = page.locator(".website-row", has_text="Old name")
    row.get_by_role("button", name="Edit").click()
    page.fill("#website-name", "New name")
    page.check("#website-share")
    page.click("#website-form button[type=submit]")
    row = page.locator(".website-row", has_text="New name")
    expect(row.locator(".badge")).to_have_text("Shared")
    row.get_by_role("button", name="Tracking code").click()
    expect(page.locator("#code-dialog")).to_be_visible()
    share_id = next(w["share_id"] for w in page.request.get(server.url + "/api/websites")
                    .json()["data"] if w["name"] == "New name")
    expect(page.locator("#share-url")).to_have_value(f"{server.url}/share/{share_id}")
    page.keyboard.press("Escape")

    row.get_by_role("button", name="Reset").click()
    expect(page.locator("#confirm-title")).to_have_text("Reset New name?")
    page.click("#confirm-ok")
    expect(page.locator("#toast")).to_have_text("All data of New name was deleted")
    row.get_by_role("button", name="Delete").click()
    page.click("#confirm-ok")
    expect(page.locator(".website-row", has_text="New name")).to_have_count(0)
    names = [w["name"] for w in page.request.get(server.url + "/api/websites").json()["data"]]
    assert "New name" not in names
    assert page.js_errors == []


def test_retention_is_set_in_the_website_dialog(new_page, server, artifacts_dir):
    page = new_page()
    log_in(page, server)

    def retention(name):
        return next(w["retention_days"] for w in page.request.get(server.url + "/api/websites")
                    .json()["data"] if w["name"] == name)

    page.click("#add-website")
    page.fill("#website-name", "Short memory")
    page.fill("#website-retention", "400")
    page.screenshot(path=os.path.join(artifacts_dir, "website-dialog.png"))
    page.click("#website-form button[type=submit]")
    expect(page.locator("#code-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    assert retention("Short memory") == 400
    row = page.locator(".website-row", has_text="Short memory")
    expect(row.locator("[data-retention]")).to_have_text("Keeps 400 days")
    shot(page, artifacts_dir, "websites-retention")

    row.get_by_role("button", name="Edit").click()
    expect(page.locator("#website-retention")).to_have_value("400")
    page.fill("#website-retention", "0")  # the server's range check, shown in the dialog
    page.click("#website-form button[type=submit]")
    expect(page.locator("#website-error")).to_have_text(
        "'retention_days' must be null (keep forever) or a whole number of days from 1 to 36500.")
    page.fill("#website-retention", "2.5")
    page.click("#website-form button[type=submit]")
    expect(page.locator("#website-error")).to_have_text(
        "Keep data for a whole number of days, or leave it empty to keep it forever.")
    assert retention("Short memory") == 400  # neither was stored
    page.fill("#website-retention", "")  # empty: forever
    page.click("#website-form button[type=submit]")
    expect(page.locator("#website-dialog")).to_be_hidden()
    expect(row.locator("[data-retention]")).to_have_count(0)
    assert retention("Short memory") is None
    row.get_by_role("button", name="Edit").click()
    expect(page.locator("#website-retention")).to_have_value("")
    assert page.js_errors == []


def test_login_returns_to_the_page_asked_for_and_logout(new_page, server):
    page = new_page()
    log_in(page, server, path="/settings")
    expect(page).to_have_url(server.url + "/settings")
    page.click("[data-action=logout]")
    expect(page).to_have_url(server.url + "/login")
    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + "/login?next=/")


def test_change_password_keeps_you_logged_in(new_page, server):
    admin = new_page()
    log_in(admin, server, path="/settings")
    admin.click("#add-account")
    admin.fill("#account-username", "carol")
    admin.fill("#account-password", "carol-password-1")
    admin.click("#account-form button[type=submit]")
    expect(admin.locator("#account-list")).to_contain_text("carol")

    page = new_page()
    log_in(page, server, "carol", "carol-password-1", path="/settings")
    expect(page.locator("#accounts")).to_have_count(0)  # not an admin
    page.fill("#current-password", "not-my-password")
    page.fill("#new-password", "carol-password-2")
    page.fill("#confirm-password", "carol-password-2")
    page.click("#password-form button[type=submit]")
    expect(page.locator("#password-error")).to_have_text("Current password is incorrect")
    page.fill("#current-password", "carol-password-1")
    page.fill("#new-password", "carol-password-2")
    page.fill("#confirm-password", "carol-password-2")
    page.click("#password-form button[type=submit]")
    expect(page.locator("#password-ok")).to_have_text("Password changed.")
    page.reload()
    expect(page).to_have_url(server.url + "/settings")  # still logged in, with a new token

    fresh = new_page()
    fresh.goto(server.url + "/login")
    fresh.fill("#username", "carol")
    fresh.fill("#password", "carol-password-1")
    fresh.click("#login-form button[type=submit]")
    expect(fresh.locator("#login-error")).to_be_visible()
    log_in(fresh, server, "carol", "carol-password-2")
    assert page.js_errors == [] and admin.js_errors == []


@pytest.mark.parametrize("scheme, background", [("light", "rgb(246, 247, 249)"),
                                                ("dark", "rgb(15, 18, 22)")])
def test_colour_scheme_follows_the_system(new_page, server, scheme, background):
    page = new_page(scheme=scheme)
    page.goto(server.url + "/login")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background


def call(server, path, body, headers=None, token=None):
    """Returns the parsed JSON (or text) answer of a POST to the live server."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(server.url + path, data=json.dumps(body).encode(),
                                     headers=headers)
    with urllib.request.urlopen(request) as response:
        text = response.read().decode()
    return json.loads(text) if response.headers.get_content_type() == "application/json" else text


def admin_token(server):
    return call(server, "/api/auth/login",
                {"username": "admin", "password": ADMIN_PASSWORD})["token"]


def seed_site(server, name):
    """Returns a new shared website holding three visitors' hits, sent through /api/collect.

    Visitor A (Chrome, Linux, DE): /, /pricing, /about; events signup and download.
    Visitor B (Firefox, Windows, US): /pricing; event signup. Visitor C (iPhone, FR): /.
    """
    site = call(server, "/api/website", {"name": name, "domain": "blog.example",
                                         "enable_share_url": True}, token=admin_token(server))
    # Bounces count per (visitor, UTC clock hour): keep all hits inside one hour, with a
    # minute's margin for the seeding itself on a loaded machine.
    now = datetime.now(timezone.utc)
    if now.minute == 59:
        time.sleep(61 - now.second)

    def hit(ua, country, url, referrer="", screen="1920x1080", language="en-US"):
        call(server, "/api/collect", {"type": "pageview", "payload": {
            "website": site["website_uuid"], "url": url, "referrer": referrer,
            "hostname": "blog.example", "screen": screen, "language": language}},
            {"User-Agent": ua, COUNTRY_HEADER: country})

    def event(ua, country, value):
        time.sleep(0.01)  # a later millisecond than the hit before: the pages order by time
        call(server, "/api/collect", {"type": "event", "payload": {
            "website": site["website_uuid"], "url": "/", "event_type": "click",
            "event_value": value, "hostname": "blog.example"}},
            {"User-Agent": ua, COUNTRY_HEADER: country})

    hit(CHROME_UA, "DE", "/", "https://www.google.com/search?q=umami")
    hit(FIREFOX_UA, "US", "/pricing", "https://news.ycombinator.com/item?id=1",
        screen="2560x1440", language="de-DE")
    hit(IPHONE_UA, "FR", "/", "https://google.com/", screen="390x844", language="fr-FR")
    time.sleep(2.1)  # visitor A stays two seconds: a visit time above zero
    hit(CHROME_UA, "DE", "/pricing", "https://blog.example/")
    hit(CHROME_UA, "DE", "/about", "https://blog.example/pricing")
    event(CHROME_UA, "DE", "signup")
    event(FIREFOX_UA, "US", "signup")
    event(CHROME_UA, "DE", "download")
    return site


@pytest.fixture(scope="module")
def seeded(server):
    return seed_site(server, "Seeded blog")


def card(page, key):
    return page.locator(f'[data-stat="{key}"] .stat-value')


def wait_loaded(page):
    expect(page.locator("body[data-loaded]")).to_have_count(1)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(new_page, server, seeded, artifacts_dir, viewport, scheme):
    page = new_page(DESKTOP if viewport == "desktop" else PHONE, scheme)
    log_in(page, server)
    expect(page.locator(".website-row").first).to_be_visible()
    shot(page, artifacts_dir, f"dashboard-websites-{viewport}-{scheme}")
    page.goto(f"{server.url}/websites/{seeded['website_uuid']}")
    wait_loaded(page)
    expect(card(page, "pageviews")).to_have_text("5")
    # Nothing sticks out sideways at this width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, artifacts_dir, f"dashboard-website-{viewport}-{scheme}")
    page.goto(f"{server.url}/settings")
    expect(page.locator(".account-table")).to_be_visible()
    shot(page, artifacts_dir, f"dashboard-settings-{viewport}-{scheme}")
    assert page.js_errors == []
