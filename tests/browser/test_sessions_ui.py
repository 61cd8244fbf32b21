"""The sessions pages in a real browser against `umami-lite serve`, on seed_site()'s hits.

Visitor A (Chrome, Linux, DE): views /, /pricing, /about; events signup, download (last).
Visitor B (Firefox, Windows, US): view /pricing; event signup. Visitor C (iPhone, FR): view /.
All hits lie in one UTC hour and carry no cache token, so each visitor has one visit.
"""
from playwright.sync_api import expect
# The fixtures among these are used by name only.
from test_dashboard_ui import log_in, new_page, seeded, server, shot  # noqa: F401


def rows(page):
    cells = page.locator("#session-list tbody tr")
    expect(cells).not_to_have_count(0)
    return [[td.inner_text() for td in row.locator("td").all()][1:] for row in cells.all()]


def test_sessions_list_and_one_session(new_page, server, seeded, artifacts_dir):
    page = new_page()
    log_in(page, server, path=f"/websites/{seeded['website_uuid']}")
    page.click("text=Sessions →")
    expect(page.locator("h1")).to_have_text("Sessions")
    expect(page.locator("#session-count")).to_have_text("3 sessions")  # the list is complete
    # newest last hit first: A's download, then B's signup, then C's only view
    assert rows(page) == [
        ["Chrome · Linux · desktop · Germany", "en-US", "1", "3", "2"],
        ["Firefox · Windows · desktop · United States", "de-DE", "1", "1", "1"],
        ["Mobile Safari · iOS · mobile · France", "fr-FR", "1", "1", "0"]]
    page.fill("#session-search", "firefox")
    expect(page.locator("#session-count")).to_have_text("1 session")
    assert rows(page) == [["Firefox · Windows · desktop · United States", "de-DE", "1", "1", "1"]]
    page.fill("#session-search", "")
    expect(page.locator("#session-count")).to_have_text("3 sessions")
    shot(page, artifacts_dir, "sessions-list")

    page.locator("#session-list tbody tr").first.locator("a").click()
    expect(page.locator("h1")).to_have_text("Session")
    expect(page.locator('[data-stat="views"] .stat-value')).to_have_text("3")
    expect(page.locator('[data-stat="events"] .stat-value')).to_have_text("2")
    expect(page.locator('[data-stat="visits"] .stat-value')).to_have_text("1")
    expect(page.locator("#session-who")).to_have_text("Chrome · Linux · desktop · Germany")
    hits = page.locator(".timeline .hit")
    expect(hits).to_have_count(5)
    assert [h.locator(".what").inner_text() for h in hits.all()] == [
        "download on /", "signup on /", "/about", "/pricing", "/ from google.com"]
    expect(page.locator(".timeline .visit-head")).to_have_count(1)
    expect(page.locator("#session-properties")).to_contain_text("No properties")
    shot(page, artifacts_dir, "session-activity")
    assert page.js_errors == []


def test_sessions_pages_need_the_owner(new_page, server, seeded):
    page = new_page()
    page.goto(f"{server.url}/websites/{seeded['website_uuid']}/sessions")
    expect(page).to_have_url(f"{server.url}/login?next=/websites/{seeded['website_uuid']}"
                             "/sessions")
    log_in(page, server, path=f"/websites/{seeded['website_uuid']}/sessions/not-a-session")
    expect(page.locator("h1")).to_have_text("Not found")
