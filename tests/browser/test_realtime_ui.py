"""The realtime page in a real browser against `umami-lite serve`, on seed_site()'s hits,
all sent within the last minutes: 5 views by 3 visitors (DE, US, FR), 3 events."""
from playwright.sync_api import expect
# The fixtures among these are used by name only.
from test_dashboard_ui import log_in, new_page, seeded, server, shot  # noqa: F401


def rows(page, key):
    body = page.locator(f'[data-realtime="{key}"] tbody tr')
    return [(r.locator("td.label").inner_text(), r.locator("td.num").inner_text())
            for r in body.all()]


def test_realtime_page_shows_the_last_minutes(new_page, server, seeded, artifacts_dir):
    page = new_page()
    log_in(page, server, path=f"/websites/{seeded['website_uuid']}")
    page.click("text=Realtime →")
    expect(page.locator("h1")).to_have_text("Realtime")
    expect(page.locator("body[data-loaded]")).to_have_count(1)
    for key, value in [("views", "5"), ("visitors", "3"), ("events", "3"), ("countries", "3")]:
        expect(page.locator(f'[data-stat="{key}"] .stat-value')).to_have_text(value)
    assert rows(page, "urls") == [("/", "2"), ("/pricing", "2"), ("/about", "1")]
    # the API counts every referrer host, the site's own pages (internal navigation) too
    assert rows(page, "referrers") == [("google.com", "2"), ("blog.example", "2"),
                                       ("news.ycombinator.com", "1")]
    assert sorted(rows(page, "countries")) == [("France", "1"), ("Germany", "1"),
                                               ("United States", "1")]
    expect(page.locator('[data-realtime="urls"] thead th.num')).to_have_text("Views")
    # newest first: 5 views, 3 events and 3 new visitors
    expect(page.locator("#realtime-feed .hit")).to_have_count(11)
    expect(page.locator("#realtime-feed .hit .what").first).to_have_text("download on /")
    shot(page, artifacts_dir, "realtime")
    assert page.js_errors == []
