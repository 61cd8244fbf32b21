"""The sessions pages in a real browser against `umami-lite serve`, on seed_site()'s hits.

Visitor A (Chrome, Linux, DE): views /, /pricing, /about; events signup, download (last).
Visitor B (Firefox, Windows, US): view /pricing; event signup. Visitor C (iPhone, FR): view /.
All hits lie in one UTC hour and carry no cache token, so each visitor has one visit.
"""
import re

from playwright.sync_api import expect
# The fixtures among these are used by name only.
from test_dashboard_ui import (  # noqa: F401
    PHONE, admin_token, call, log_in, new_page, seed_site, seeded, server, shot)


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


def session_cards(page):
    return {key: page.locator(f'[data-stat="{key}"] .stat-value').inner_text()
            for key in ("visitors", "visits", "pageviews", "events", "countries")}


def chips(page):
    return [c.inner_text().replace("×", "").strip()
            for c in page.locator("#filter-list .chip").all()]


def loaded(page):
    expect(page.locator("body[data-loaded]")).to_have_count(1)


A = ["Chrome · Linux · desktop · Germany", "en-US", "1", "3", "2"]
B = ["Firefox · Windows · desktop · United States", "de-DE", "1", "1", "1"]
C = ["Mobile Safari · iOS · mobile · France", "fr-FR", "1", "1", "0"]


def test_segments_cohorts_and_filters_narrow_the_sessions(new_page, server, artifacts_dir):
    site = seed_site(server, "Filtered blog")
    uuid = site["website_uuid"]
    token = admin_token(server)
    segment = call(server, f"/api/websites/{uuid}/segments", {
        "type": "segment", "name": "From Germany", "parameters": {
            "filters": [{"name": "country", "operator": "eq", "value": "DE"}], "match": "all"}},
        token=token)
    cohort = call(server, f"/api/websites/{uuid}/segments", {
        "type": "cohort", "name": "Signed up", "parameters": {
            "filters": [], "match": "all", "dateRange": "30day",
            "action": {"type": "event", "value": "signup"}}}, token=token)
    page = new_page()
    log_in(page, server, path=f"/websites/{uuid}/sessions")
    loaded(page)
    expect(page.locator("#filter-bar")).to_be_hidden()
    assert rows(page) == [A, B, C]
    # hits: A's 3 views and 2 events, B's view and event, C's view
    assert session_cards(page) == {"visitors": "3", "visits": "3", "pageviews": "8",
                                   "events": "3", "countries": "3"}

    page.select_option("#saved-filter", label="From Germany")
    loaded(page)
    assert chips(page) == ["Segment From Germany"]
    expect(page).to_have_url(re.compile(rf"/sessions\?segment={segment['id']}$"))
    expect(page.locator("#session-count")).to_have_text("1 session")
    assert rows(page) == [A]
    assert session_cards(page) == {"visitors": "1", "visits": "1", "pageviews": "5",
                                   "events": "2", "countries": "1"}
    page.select_option("#saved-filter", label="Signed up")
    loaded(page)
    assert chips(page) == ["Segment From Germany", "Cohort Signed up"]
    assert rows(page) == [A]   # A is both from Germany and signed up
    page.get_by_role("button", name="Remove the segment From Germany").click()
    loaded(page)
    assert chips(page) == ["Cohort Signed up"]
    expect(page.locator("#session-count")).to_have_text("2 sessions")
    assert rows(page) == [A, B]
    assert session_cards(page) == {"visitors": "2", "visits": "2", "pageviews": "7",
                                   "events": "3", "countries": "2"}
    expect(page).to_have_url(re.compile(rf"/sessions\?cohort={cohort['id']}$"))
    page.reload()   # the selection lives in the address
    loaded(page)
    assert chips(page) == ["Cohort Signed up"]
    assert rows(page) == [A, B]

    # the website page and the sessions page hand their selection to each other
    page.click("#website-link")
    expect(page.locator("body[data-loaded]")).to_have_count(1)
    assert chips(page) == ["Cohort Signed up"]
    page.locator('[data-metric="browser"] tbody button.row-link', has_text="Firefox").click()
    loaded(page)
    assert chips(page) == ["Cohort Signed up", "Browser is Firefox"]
    page.click("#sessions-link")
    expect(page.locator("h1")).to_have_text("Sessions")
    loaded(page)
    assert chips(page) == ["Cohort Signed up", "Browser is Firefox"]
    expect(page.locator("#session-count")).to_have_text("1 session")
    assert rows(page) == [B]
    assert session_cards(page) == {"visitors": "1", "visits": "1", "pageviews": "2",
                                   "events": "1", "countries": "1"}
    shot(page, artifacts_dir, "sessions-filtered")
    phone = new_page(PHONE)
    log_in(phone, server, path=page.url.removeprefix(server.url))
    loaded(phone)
    assert rows(phone) == [B]
    shot(phone, artifacts_dir, "sessions-filtered-phone")
    page.fill("#session-search", "chrome")   # the search narrows the list, not the summary
    expect(page.locator("#session-count")).to_have_text("0 sessions")
    expect(page.locator("#session-list")).to_contain_text("matches the search and filters")
    assert session_cards(page)["visitors"] == "1"
    page.fill("#session-search", "")
    expect(page.locator("#session-count")).to_have_text("1 session")
    page.click("#clear-filters")
    loaded(page)
    expect(page.locator("#filter-bar")).to_be_hidden()
    expect(page).to_have_url(f"{server.url}/websites/{uuid}/sessions")
    assert rows(page) == [A, B, C]
    assert session_cards(page)["pageviews"] == "8"
    assert page.js_errors == []


def test_a_segment_that_no_longer_exists_is_dropped(new_page, server, seeded):
    page = new_page()
    unknown = "00000000-0000-4000-8000-000000000000"
    log_in(page, server, path=f"/websites/{seeded['website_uuid']}/sessions?segment={unknown}")
    loaded(page)
    expect(page.locator("#toast")).to_contain_text("segment in the address no longer exists")
    expect(page).to_have_url(f"{server.url}/websites/{seeded['website_uuid']}/sessions")
    expect(page.locator("#session-count")).to_have_text("3 sessions")
    assert page.js_errors == []
