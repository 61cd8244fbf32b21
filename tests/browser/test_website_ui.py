"""The website page in a real browser against `umami-lite serve`: cards compared with the
previous period, the chart in the browser's time zone, every table, and filters.

The hits go through the real /api/send path with a moving clock, then the server starts
on that file. T is 20 minutes ago (moved so that its visits keep to one clock hour in UTC
and in Asia/Kolkata, the browser's zone here); each visitor has one visit.

This period (T + seconds):
  A  Chrome, Linux, DE, en-US, 1920x1080, blog.example:
     0 /?utm_source=newsletter&utm_medium=email&utm_campaign=spring "Home" (no referrer),
     60 /pricing "Pricing" (from blog.example, the site itself), 65 event signup,
     120 /about "About us", 125 event download                        3 views, 120 s
  B  Firefox, Windows, US, de-DE, 2560x1440: 5 /pricing?plan=pro "Pricing" from
     news.ycombinator.com, 70 event signup                            1 view, bounce
  C  iPhone, FR, fr-FR, 390x844: 10 /?utm_source=google&utm_medium=cpc "Home" from
     www.google.com, 70 /docs "Docs"                                  2 views, 60 s
  D  Chrome, Windows, GB, en-GB, 1920x1080, docs.blog.example: 15 /docs "Docs" from
     google.com                                                       1 view, bounce
  => views 7, visitors 4, visits 4, bounces 2 (50%), total 180 s (45 s a visit).
The previous period (T - 30 h): E Chrome/Linux DE en-US / (bounce); F Firefox US de-DE
/pricing, 60 s later /; G iPhone FR fr-FR /docs (bounce)
  => views 4, visitors 3, visits 3, bounces 2 (67%), total 60 s (20 s a visit).
"""
import re
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA, Api, Clock
from playwright.sync_api import expect
from servers import LiveServer
# The fixtures among these are used by name only.
from test_dashboard_ui import (DESKTOP, FIREFOX_UA, IPHONE_UA, PHONE, log_in,  # noqa: F401
                               shot)

from umami_lite import create_app

ZONE = "Asia/Kolkata"  # UTC+05:30: hour buckets that are not UTC's
WINDOWS_CHROME_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                     "(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36")
VISITORS = {  # name: (user agent, ip, country, language, screen, hostname)
    "A": (CHROME_UA, "203.0.113.1", "DE", "en-US", "1920x1080", "blog.example"),
    "B": (FIREFOX_UA, "203.0.113.2", "US", "de-DE", "2560x1440", "blog.example"),
    "C": (IPHONE_UA, "203.0.113.3", "FR", "fr-FR", "390x844", "blog.example"),
    "D": (WINDOWS_CHROME_UA, "203.0.113.4", "GB", "en-GB", "1920x1080", "docs.blog.example"),
    "E": (CHROME_UA, "203.0.113.5", "DE", "en-US", "1920x1080", "blog.example"),
    "F": (FIREFOX_UA, "203.0.113.6", "US", "de-DE", "2560x1440", "blog.example"),
    "G": (IPHONE_UA, "203.0.113.7", "FR", "fr-FR", "390x844", "blog.example"),
}
PREVIOUS_S = -30 * 3600
# (seconds after T, visitor, url, title, referrer, event name)
HITS = [
    (0, "A", "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring", "Home", "", None),
    (5, "B", "/pricing?plan=pro", "Pricing", "https://news.ycombinator.com/item?id=1", None),
    (10, "C", "/?utm_source=google&utm_medium=cpc", "Home", "https://www.google.com/search?q=x",
     None),
    (15, "D", "/docs", "Docs", "https://google.com/", None),
    (60, "A", "/pricing", "Pricing", "https://blog.example/", None),
    (65, "A", "/pricing", "Pricing", "", "signup"),
    (70, "B", "/pricing?plan=pro", "Pricing", "", "signup"),
    (70, "C", "/docs", "Docs", "https://blog.example/", None),
    (120, "A", "/about", "About us", "https://blog.example/pricing", None),
    (125, "A", "/about", "About us", "", "download"),
    (PREVIOUS_S, "E", "/", "Home", "", None),
    (PREVIOUS_S + 5, "F", "/pricing", "Pricing", "", None),
    (PREVIOUS_S + 10, "G", "/docs", "Docs", "", None),
    (PREVIOUS_S + 65, "F", "/", "Home", "", None),
]
CARDS = ("pageviews", "visitors", "visits", "bounce", "time")
EVERYTHING = {"pageviews": "7", "visitors": "4", "visits": "4", "bounce": "50%", "time": "45s"}
CHANGES = {"pageviews": "↑ 75%", "visitors": "↑ 33%", "visits": "↑ 33%", "bounce": "↓ 17 pts",
           "time": "↑ 125%"}
TABLES = {  # data-metric: (first column, counted, rows)
    "path": ("Page", "Visitors", [("/", "2"), ("/docs", "2"), ("/pricing", "2"),
                                  ("/about", "1")]),
    "entry": ("Entry page", "Visitors", [("/", "2"), ("/docs", "1"), ("/pricing", "1")]),
    "exit": ("Exit page", "Visitors", [("/docs", "2"), ("/about", "1"), ("/pricing", "1")]),
    "title": ("Title", "Visitors", [("Docs", "2"), ("Home", "2"), ("Pricing", "2"),
                                    ("About us", "1")]),
    "query": ("Query", "Visitors", [
        ("plan=pro", "1"), ("utm_source=google&utm_medium=cpc", "1"),
        ("utm_source=newsletter&utm_medium=email&utm_campaign=spring", "1")]),
    "hostname": ("Hostname", "Visitors", [("blog.example", "3"), ("docs.blog.example", "1")]),
    # blog.example, the site itself, is no referrer
    "referrer": ("Referrer", "Visitors", [("google.com", "2"), ("news.ycombinator.com", "1")]),
    "utm": ("UTM source", "Visitors", [("google", "1"), ("newsletter", "1")]),
    "browser": ("Browser", "Visitors", [("Chrome", "2"), ("Firefox", "1"),
                                        ("Mobile Safari", "1")]),
    "os": ("OS", "Visitors", [("Windows", "2"), ("Linux", "1"), ("iOS", "1")]),
    "device": ("Device", "Visitors", [("Desktop", "3"), ("Mobile", "1")]),
    "country": ("Country", "Visitors", [("Germany", "1"), ("France", "1"),
                                        ("United Kingdom", "1"), ("United States", "1")]),
    "language": ("Language", "Visitors", [("English", "2"), ("German", "1"), ("French", "1")]),
    "screen": ("Screen", "Visitors", [("1920x1080", "2"), ("2560x1440", "1"),
                                      ("390x844", "1")]),
    "event": ("Event", "Events", [("signup", "2"), ("download", "1")]),
}


def start_time(now):
    """Returns T in epoch ms: 20 minutes before now, its visits inside one UTC hour and one
    Asia/Kolkata hour (those turn at :30 UTC)."""
    t = now - 20 * 60_000
    minute = t // 60_000 % 60
    if minute in (27, 28, 29, 57, 58, 59):
        t -= 4 * 60_000
    return t


def seed(db_path, t):
    """Returns the website object after sending HITS through /api/send with a moving clock."""
    clock = Clock(t)
    app = create_app({"UMAMI_LITE_DATABASE": str(db_path),
                      "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                      "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "UMAMI_LITE_CLOCK": clock, "UMAMI_LITE_COUNTRY_HEADER": "X-Test-Country"})
    client = app.test_client()
    api = Api(client)
    site = api.post("/api/website", json={"name": "Filter blog", "domain": "blog.example",
                                          "enable_share_url": True}).json
    for seconds, who, url, title, referrer, name in sorted(HITS):
        ua, ip, country, language, screen, hostname = VISITORS[who]
        clock.now = t + seconds * 1000
        payload = {"website": site["website_uuid"], "url": url, "title": title,
                   "referrer": referrer, "hostname": hostname, "screen": screen,
                   "language": language, **({"name": name} if name else {})}
        r = client.post("/api/send", json={"type": "event", "payload": payload},
                        headers={"User-Agent": ua, "X-Test-Country": country},
                        environ_base={"REMOTE_ADDR": ip})
        assert r.status_code == 200, r.get_data(as_text=True)
    return site


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """Returns (live server, website, T) with HITS stored."""
    db_path = tmp_path_factory.mktemp("website-page") / "umami-lite.db"
    t = start_time(int(time.time() * 1000))
    site = seed(db_path, t)
    live = LiveServer(db_path)
    yield live, site, t
    live.stop()


@pytest.fixture
def new_page(browser):
    """Returns a factory of pages in the Asia/Kolkata zone that record their API requests."""
    contexts = []

    def make(viewport=DESKTOP, scheme="light"):
        context = browser.new_context(viewport=viewport, color_scheme=scheme, timezone_id=ZONE,
                                      locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.api_calls = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        page.on("request", lambda r: page.api_calls.append(r.url) if "/api/" in r.url else None)
        return page

    yield make
    for context in contexts:
        context.close()


def open_website(page, seeded, query=""):
    server, site, _ = seeded
    log_in(page, server, path=f"/websites/{site['website_uuid']}{query}")
    wait_loaded(page)


def wait_loaded(page):
    expect(page.locator("body[data-loaded]")).to_have_count(1)


def table_rows(page, metric):
    """Returns [(label, count)] of the visible rows of one metric table."""
    rows = page.locator(f'[data-metric="{metric}"] tbody tr:visible')
    return [(r.locator("td.label").inner_text().strip(), r.locator("td.num").inner_text())
            for r in rows.all()]


def click_row(page, metric, label):
    page.locator(f'[data-metric="{metric}"] tbody button.row-link', has_text=label).first.click()
    wait_loaded(page)


def expect_cards(page, values, changes=None):
    for key in CARDS:
        expect(page.locator(f'[data-stat="{key}"] .stat-value')).to_have_text(values[key])
        if changes:
            expect(page.locator(f'[data-stat="{key}"] .stat-change')).to_have_text(changes[key])


def chips(page):
    return [c.inner_text().replace("×", "").strip()
            for c in page.locator("#filter-list .chip").all()]


def test_cards_compare_with_the_previous_period_and_every_table(new_page, seeded):
    page = new_page()
    open_website(page, seeded)
    expect_cards(page, EVERYTHING, CHANGES)
    expect(page.locator('[data-stat="bounce"] .stat-change')).to_have_class(
        "stat-change down good")
    expect(page.locator('[data-stat="time"] .stat-change')).to_have_attribute(
        "title", "Previous period: 20s")
    for metric, (label, counted, rows) in TABLES.items():
        head = page.locator(f'[data-metric="{metric}"] thead th')
        expect(head.nth(0)).to_have_text(label)
        expect(head.nth(1)).to_have_text(counted)
        assert table_rows(page, metric) == rows, metric
    expect(page.locator("#active")).to_have_text("0 current visitors")
    # the UTM table's selector: mediums, campaigns; no visit had a term
    page.select_option("#utm-type", "utm_medium")
    wait_loaded(page)
    expect(page.locator('[data-metric="utm"] thead th').first).to_have_text("UTM medium")
    assert table_rows(page, "utm") == [("cpc", "1"), ("email", "1")]
    page.select_option("#utm-type", "utm_campaign")
    wait_loaded(page)
    assert table_rows(page, "utm") == [("spring", "1")]
    page.select_option("#utm-type", "utm_term")
    expect(page.locator('[data-metric="utm"] .empty')).to_contain_text("No data")
    assert page.js_errors == []


def test_the_page_reads_only_the_current_api(new_page, seeded):
    page = new_page()
    open_website(page, seeded)
    server, site, _ = seeded
    prefix = f"{server.url}/api/websites/{site['website_uuid']}/"
    routes = sorted({urlparse(url).path.removeprefix(urlparse(prefix).path)
                     for url in page.api_calls if url.startswith(prefix)})
    # (segments: the saved segments and cohorts of the selector)
    assert routes == ["active", "events/series", "metrics", "pageviews", "segments", "stats"]
    others = [url for url in page.api_calls if not url.startswith(prefix)
              and "/api/auth/" not in url]
    assert others == []
    # the chart asks for hours in the browser's zone
    chart = next(parse_qs(urlparse(url).query) for url in page.api_calls if "/pageviews?" in url)
    # (Chromium's ICU names the zone by its older alias)
    assert chart["unit"] == ["hour"] and chart["timezone"][0] in (ZONE, "Asia/Calcutta")


def test_the_chart_buckets_hours_in_the_browsers_time_zone(new_page, seeded):
    page = new_page()
    open_website(page, seeded)
    _, _, t = seeded
    bars = page.locator("#traffic-chart .bucket:has(.bar-views)")
    expect(bars).to_have_count(1)  # every view of this period in one local hour
    page.focus("#traffic-chart svg")  # the tooltip shows the latest bucket with data
    tooltip = page.locator("#traffic-chart .tooltip")
    expect(tooltip).to_contain_text("7 views")
    expect(tooltip).to_contain_text("4 visitors")
    # the bucket is T's local hour (ICU puts a narrow space before AM/PM)
    local = datetime.fromtimestamp(t / 1000, ZoneInfo(ZONE))
    title = tooltip.locator("b").inner_text().replace("\u202f", " ")
    assert title.endswith(local.strftime(" %-d, %-I:00 %p")), title
    expect(page.locator("#events-chart .bar-s0")).to_have_count(1)  # signup, in the same hour
    assert page.js_errors == []


def test_a_row_filters_everything_and_the_chips_remove_it(new_page, seeded, artifacts_dir):
    page = new_page()
    open_website(page, seeded)
    click_row(page, "country", "Germany")  # visitor A; E before
    assert chips(page) == ["Country is Germany"]
    expect(page).to_have_url(re.compile(r"\?country=DE$"))
    expect_cards(page, {"pageviews": "3", "visitors": "1", "visits": "1", "bounce": "0%",
                        "time": "2m 0s"},
                 {"pageviews": "↑ 200%", "visitors": "No change", "visits": "No change",
                  "bounce": "↓ 100 pts", "time": "–"})
    assert table_rows(page, "path") == [("/", "1"), ("/about", "1"), ("/pricing", "1")]
    assert table_rows(page, "entry") == [("/", "1")]
    assert table_rows(page, "exit") == [("/about", "1")]
    assert table_rows(page, "title") == [("About us", "1"), ("Home", "1"), ("Pricing", "1")]
    assert table_rows(page, "utm") == [("newsletter", "1")]
    assert table_rows(page, "country") == [("Germany", "1")]
    assert table_rows(page, "event") == [("download", "1"), ("signup", "1")]
    expect(page.locator('[data-metric="referrer"] .empty')).to_contain_text("No data")
    expect(page.locator("#traffic-chart .tooltip")).to_be_hidden()

    click_row(page, "path", "/pricing")  # a second filter: A's view of /pricing
    assert chips(page) == ["Country is Germany", "Page is /pricing"]
    expect(page).to_have_url(re.compile(r"\?country=DE&path=%2Fpricing$"))
    expect_cards(page, {"pageviews": "1", "visitors": "1", "visits": "1", "bounce": "100%",
                        "time": "0s"}, {key: "–" for key in CARDS})
    shot(page, artifacts_dir, "website-filtered")

    page.reload()  # the filters live in the URL
    wait_loaded(page)
    assert chips(page) == ["Country is Germany", "Page is /pricing"]
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("1")

    page.get_by_role("button", name="Remove the filter Country is Germany").click()
    wait_loaded(page)
    assert chips(page) == ["Page is /pricing"]
    expect(page).to_have_url(re.compile(r"\?path=%2Fpricing$"))
    expect_cards(page, {"pageviews": "2", "visitors": "2", "visits": "2", "bounce": "100%",
                        "time": "0s"},
                 {"pageviews": "↑ 100%", "visitors": "↑ 100%", "visits": "↑ 100%",
                  "bounce": "No change", "time": "No change"})
    assert table_rows(page, "browser") == [("Chrome", "1"), ("Firefox", "1")]
    page.get_by_role("button", name="Remove the filter Page is /pricing").click()
    wait_loaded(page)
    expect(page.locator("#filter-bar")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/websites/[0-9a-f-]+$"))
    expect_cards(page, EVERYTHING, CHANGES)
    assert page.js_errors == []


@pytest.mark.parametrize("metric, label, chip, cards", [
    # entry and exit rows filter by the page
    ("entry", "/docs", "Page is /docs", ("2", "2", "2", "100%", "0s")),
    ("exit", "/about", "Page is /about", ("1", "1", "1", "100%", "0s")),
    ("title", "Docs", "Title is Docs", ("2", "2", "2", "100%", "0s")),
    ("query", "plan=pro", "Query is plan=pro", ("1", "1", "1", "100%", "0s")),
    ("hostname", "docs.blog.example", "Hostname is docs.blog.example",
     ("1", "1", "1", "100%", "0s")),
    ("referrer", "google.com", "Referrer is google.com", ("2", "2", "2", "100%", "0s")),
    ("utm", "newsletter", "UTM source is newsletter", ("1", "1", "1", "100%", "0s")),
    ("browser", "Chrome", "Browser is Chrome", ("4", "2", "2", "50%", "1m 0s")),
    ("os", "iOS", "OS is iOS", ("2", "1", "1", "0%", "1m 0s")),
    ("device", "Mobile", "Device is Mobile", ("2", "1", "1", "0%", "1m 0s")),
    # A (en-US) and D (en-GB)
    ("language", "English", "Language is English", ("4", "2", "2", "50%", "1m 0s")),
    ("screen", "2560x1440", "Screen is 2560x1440", ("1", "1", "1", "100%", "0s")),
    # an event counts its occurrences: the first card says so
    ("event", "signup", "Event is signup", ("2", "2", "2", "100%", "0s")),
])
def test_every_table_filters(new_page, seeded, metric, label, chip, cards):
    page = new_page()
    open_website(page, seeded)
    click_row(page, metric, label)
    assert chips(page) == [chip]
    expect_cards(page, dict(zip(CARDS, cards)))
    page.reload()
    wait_loaded(page)
    assert chips(page) == [chip]
    expect_cards(page, dict(zip(CARDS, cards)))
    if metric == "event":
        expect(page.locator('[data-stat="pageviews"] .stat-label')).to_have_text("Events")
        assert table_rows(page, "path") == [("/pricing", "2")]
    page.locator("#filter-list .chip button").click()
    wait_loaded(page)
    expect_cards(page, EVERYTHING)
    expect(page.locator('[data-stat="pageviews"] .stat-label')).to_have_text("Views")
    assert page.js_errors == []


def test_a_value_holding_a_comma_filters_as_contains(new_page, seeded):
    """The API reads eq.a,b as a list; the page asks for the substring instead."""
    page = new_page()
    server, site, _ = seeded
    log_in(page, server, path=f"/websites/{site['website_uuid']}?title=Pricing%2C+plans")
    wait_loaded(page)
    assert chips(page) == ["Title contains Pricing, plans"]
    assert any("title=c.Pricing%2C+plans" in url or "title=c.Pricing%2C%20plans" in url
               for url in page.api_calls)
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("0")


def test_old_page_filter_addresses_still_filter(new_page, seeded):
    """`?url=` was the page filter's name before every dimension had one."""
    page = new_page()
    open_website(page, seeded, "?url=%2Fpricing&unknown=x")
    assert chips(page) == ["Page is /pricing"]
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("2")
    click_row(page, "browser", "Firefox")
    expect(page).to_have_url(re.compile(r"\?path=%2Fpricing&browser=Firefox$"))
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("1")


def period_start(preset, now):
    """Returns the first instant of a preset range in the browser's zone (now: aware)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "today": today, "24h": now.replace(minute=0, second=0, microsecond=0)
        - timedelta(hours=23),
        "week": today - timedelta(days=today.weekday()), "7d": today - timedelta(days=6),
        "30d": today - timedelta(days=29), "90d": today - timedelta(days=89),
        "month": today.replace(day=1), "year": today.replace(month=1, day=1),
    }[preset]


def test_date_ranges_and_empty_states(new_page, seeded):
    page = new_page()
    open_website(page, seeded)
    _, _, t = seeded
    for preset in ("today", "week", "7d", "30d", "90d", "month", "year", "24h"):
        page.select_option("#range", preset)
        wait_loaded(page)
        first = period_start(preset, datetime.now(ZoneInfo(ZONE))).timestamp() * 1000
        views = sum(1 for seconds, _, _, _, _, name in HITS
                    if not name and t + seconds * 1000 >= first)
        expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text(str(views))
    page.select_option("#range", "custom")
    page.fill("#custom-start", "2020-01-01")
    page.fill("#custom-end", "2020-01-31")
    page.click("#custom-range button[type=submit]")
    expect(page).to_have_url(re.compile(r"range=custom&start=2020-01-01&end=2020-01-31"))
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("0")
    expect(page.locator('[data-stat="pageviews"] .stat-change')).to_have_text("–")
    expect(page.locator('[data-metric="path"] .empty')).to_contain_text("No data")
    expect(page.locator("#traffic-chart .chart-empty")).to_have_text("No visits in this period")
    page.fill("#custom-end", "2019-01-01")
    page.click("#custom-range button[type=submit]")
    expect(page.locator("#range-error")).to_have_text("The end date is before the start date.")
    # more than 24 months: the API answers years, and the chart shows them
    page.fill("#custom-start", "2020-01-01")
    page.fill("#custom-end", datetime.now(ZoneInfo(ZONE)).strftime("%Y-%m-%d"))
    page.click("#custom-range button[type=submit]")
    wait_loaded(page)
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("11")
    expect(page.locator("#traffic-chart .bucket:has(.bar-views)")).to_have_count(
        1 if (datetime.fromtimestamp(t / 1000 + PREVIOUS_S, ZoneInfo(ZONE)).year
              == datetime.fromtimestamp(t / 1000, ZoneInfo(ZONE)).year) else 2)
    page.reload()
    wait_loaded(page)
    expect(page.locator("#range")).to_have_value("custom")
    assert page.js_errors == []


def test_share_page_shows_the_same_and_filters_without_login(new_page, seeded):
    server, site, _ = seeded
    page = new_page()
    page.goto(f"{server.url}/share/{site['share_id']}")
    wait_loaded(page)
    expect_cards(page, EVERYTHING, CHANGES)
    for metric in ("entry", "exit", "utm", "title", "language"):
        assert table_rows(page, metric) == TABLES[metric][2], metric
    expect(page.locator("[data-action=logout]")).to_have_count(0)
    expect(page.locator("text=Sessions →")).to_have_count(0)
    click_row(page, "country", "Germany")
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("3")
    page.reload()
    wait_loaded(page)
    assert chips(page) == ["Country is Germany"]
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(new_page, seeded, artifacts_dir, viewport, scheme):
    page = new_page(DESKTOP if viewport == "desktop" else PHONE, scheme)
    open_website(page, seeded, "?country=DE")
    expect(page.locator('[data-stat="pageviews"] .stat-value')).to_have_text("3")
    # Nothing sticks out sideways at this width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, artifacts_dir, f"website-{viewport}-{scheme}")
    assert page.js_errors == []
