"""The Reports page and the Segments page in a real browser against `umami-lite serve`, and a
saved segment or cohort narrowing the website page.

The hits go through the real /api/send path with a moving clock (no cache token, so a visit is
session + UTC hour), in the week of 2026-03-02 .. 03-08. The browser runs in Asia/Kolkata
(UTC+05:30); every hit lies between 08:00 and 14:00 UTC, so its local day is its UTC day.

  A Chrome/Linux DE   03-02 10:00 / from www.google.com ?utm_source=google&utm_medium=cpc
                                   &utm_campaign=spring&gclid=g1
                      03-04 10:00 /pricing from news.ycombinator.com; 10:01 event signup
                                   {plan: pro, revenue: 49, currency: EUR}
  B Firefox US        03-02 11:00 /pricing from news.ycombinator.com; 11:01 signup (19 EUR)
  C Chrome/Windows GB 03-03 09:00 / from www.google.com ?utm_source=google&utm_medium=cpc
                                   &gclid=g2; 09:01 /pricing (from the site itself);
                                   09:02 signup (49 EUR)
  D iPhone FR         03-02 12:00 /; 12:05 /pricing (from the site itself); 03-05 08:00 /
  E Chrome/Linux DE   03-03 14:00 /docs from duckduckgo.com

By hand:
- funnel / -> /pricing -> event signup, window 60: step 1 A, C, D (3); step 2 C (1 min) and
  D (5 min): 2, A's /pricing is two days after its / (outside the window); step 3 C: 1.
  Dropped 1 (33%) and 1 (50%); 67% and 33% of step 1.
- retention: cohort 03-02 = A, B, D (3): day 0 3 (100%), day 2 A (33%), day 3 D (33%);
  cohort 03-03 = C, E (2): day 0 2 (100%).
- attribution of event signup (A, B, C): first click = A's and C's google.com views with a
  gclid and utm google/cpc (C without a campaign), B's news.ycombinator.com view: referrers
  google.com 2, news.ycombinator.com 1; Google Ads 2; utm_source google 2, utm_medium cpc 2,
  utm_campaign spring 1. Last click = the hit just before each last signup: A's and B's
  /pricing from news.ycombinator.com, C's /pricing from the site itself (no referrer): only
  news.ycombinator.com 2.
- journey (3 steps, per visit): [/pricing, signup] A 03-04 and B; [/] A 03-02 and D 03-05;
  then [/, /pricing] D, [/, /pricing, signup] C, [/docs] E, one each.
- goal: views of /pricing by A, B, C, D: 4 of 5 visitors.
- breakdown by page and browser (views): / Chrome A, C 2/2; /pricing Chrome A, C 2/2;
  / Mobile Safari D 2 views, 1 visitor; /docs Chrome, /pricing Firefox, /pricing Mobile
  Safari 1 each. Every visit of one page is a bounce.
- revenue EUR: 19 + 49 + 49 = 117 in 3 orders by 3 customers; 39 an order; 117 / 5 = 23.40
  per visitor.
- performance (VITALS: web vitals samples of A, B and D, which add no view): lcp [1800 2600
  3000 4200] p50 2800, p75 3000 + 0.25 * 1200 = 3300 (needs improvement: over 2500, not over
  4000), p95 3000 + 0.85 * 1200 = 4020; inp [80 120 250] 120, 185 (good), 237; cls [0.02 0.12
  0.3] 0.12, 0.21 (needs improvement), 0.282; fcp [900 1500 2100] 1500, 1800 (good: not over
  1800), 2040; ttfb [300 600 900] 600, 750 (good), 870; 4 samples. LCP by day: 03-02 [1800
  2600] 2200 2400 2560, 03-03 4200, 03-04 3000. Pages: / [1800 4200] 3000 3600 4080, /pricing
  [2600 3000] 2800 2900 2980. Devices: tablet (D's iPhone at 1920x1080) 4200, desktop [1800
  2600 3000] 2600 2800 2960.
- website page, the whole week: 9 views, 5 visitors, 7 visits. Segment "From Germany"
  (country is DE: A, E): 3 views, 2 visitors, 3 visits. Cohort "Signed up" (triggered
  signup in 03-01 .. 03-08: A, B, C): 5 views, 3 visitors, 4 visits. Both: A: 2, 1, 2.
"""
import json
import re
import urllib.request
from datetime import datetime, timezone

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA, Api, Clock
from playwright.sync_api import expect
from servers import LiveServer
# The fixtures among these are used by name only.
from test_dashboard_ui import DESKTOP, FIREFOX_UA, IPHONE_UA, PHONE, log_in, shot  # noqa: F401
from test_website_ui import WINDOWS_CHROME_UA, chips, click_row, table_rows

from umami_lite import create_app

ZONE = "Asia/Kolkata"
VISITORS = {  # name: (user agent, ip, country)
    "A": (CHROME_UA, "198.51.100.1", "DE"), "B": (FIREFOX_UA, "198.51.100.2", "US"),
    "C": (WINDOWS_CHROME_UA, "198.51.100.3", "GB"), "D": (IPHONE_UA, "198.51.100.4", "FR"),
    "E": (CHROME_UA, "198.51.100.5", "DE"),
}
GOOGLE = "https://www.google.com/search?q=shop"
HN = "https://news.ycombinator.com/item?id=1"
SELF = "https://shop.example/"
# (UTC time in 2026, visitor, url, referrer, revenue of a signup event or None for a view)
HITS = [
    ("03-02 10:00", "A", "/?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=g1",
     GOOGLE, None),
    ("03-02 11:00", "B", "/pricing", HN, None),
    ("03-02 11:01", "B", "/pricing", "", 19),
    ("03-02 12:00", "D", "/", "", None),
    ("03-02 12:05", "D", "/pricing", SELF, None),
    ("03-03 09:00", "C", "/?utm_source=google&utm_medium=cpc&gclid=g2", GOOGLE, None),
    ("03-03 09:01", "C", "/pricing", SELF, None),
    ("03-03 09:02", "C", "/pricing", "", 49),
    ("03-03 14:00", "E", "/docs", "https://duckduckgo.com/", None),
    ("03-04 10:00", "A", "/pricing", HN, None),
    ("03-04 10:01", "A", "/pricing", "", 49),
    ("03-05 08:00", "D", "/", "", None),
]
# (UTC time in 2026, visitor, url, title, metrics) sent as /api/send type performance
VITALS = [
    ("03-02 10:00", "A", "/", "Home", {"lcp": 1800, "inp": 120, "cls": 0.02, "fcp": 900,
                                       "ttfb": 300}),
    ("03-02 11:00", "B", "/pricing", "Pricing", {"lcp": 2600, "inp": 250, "cls": 0.12,
                                                 "fcp": 1500, "ttfb": 600}),
    ("03-03 12:00", "D", "/", "Home", {"lcp": 4200, "inp": 80, "cls": 0.3, "fcp": 2100,
                                       "ttfb": 900}),
    ("03-04 10:00", "A", "/pricing?plan=pro", "Pricing", {"lcp": 3000}),
]
WEEK = ("2026-03-02", "2026-03-08")


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def seed(db_path):
    """Returns the website after sending HITS through /api/send with a moving clock."""
    clock = Clock()
    app = create_app({"UMAMI_LITE_DATABASE": str(db_path),
                      "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                      "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "UMAMI_LITE_CLOCK": clock, "UMAMI_LITE_COUNTRY_HEADER": "X-Test-Country"})
    client = app.test_client()
    site = Api(client).post("/api/website", json={"name": "Shop", "domain": "shop.example"}).json
    for when, who, url, referrer, revenue in HITS:
        ua, ip, country = VISITORS[who]
        clock.now = ms(f"2026-{when}")
        payload = {"website": site["website_uuid"], "url": url, "referrer": referrer,
                   "hostname": "shop.example", "screen": "1920x1080", "language": "en-US",
                   "title": "Shop"}
        if revenue:
            payload.update(name="signup", data={"plan": "pro" if revenue > 19 else "free",
                                                "revenue": revenue, "currency": "EUR"})
        r = client.post("/api/send", json={"type": "event", "payload": payload},
                        headers={"User-Agent": ua, "X-Test-Country": country},
                        environ_base={"REMOTE_ADDR": ip})
        assert r.status_code == 200, r.get_data(as_text=True)
    for when, who, url, title, metrics in VITALS:
        ua, ip, country = VISITORS[who]
        clock.now = ms(f"2026-{when}")
        r = client.post("/api/send", json={"type": "performance", "payload": {
            "website": site["website_uuid"], "url": url, "title": title, "hostname": "shop.example",
            "screen": "1920x1080", "language": "en-US", **metrics}},
            headers={"User-Agent": ua, "X-Test-Country": country}, environ_base={"REMOTE_ADDR": ip})
        assert r.status_code == 200, r.get_data(as_text=True)
    return site


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Returns (live server, website) with HITS stored."""
    db_path = tmp_path_factory.mktemp("reports-page") / "umami-lite.db"
    site = seed(db_path)
    live = LiveServer(db_path)
    yield live, site
    live.stop()


@pytest.fixture
def new_page(browser):
    """Returns a factory of Asia/Kolkata pages that collect their script errors."""
    contexts = []

    def make(viewport=DESKTOP, scheme="light"):
        context = browser.new_context(viewport=viewport, color_scheme=scheme, timezone_id=ZONE,
                                      locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def api_call(server, method, path, body=None):
    """Returns the JSON answer of one API request as admin (for setting up and checking)."""
    login = urllib.request.Request(server.url + "/api/auth/login", method="POST",
                                   data=json.dumps({"username": "admin",
                                                    "password": ADMIN_PASSWORD}).encode(),
                                   headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(login) as r:
        token = json.load(r)["token"]
    request = urllib.request.Request(server.url + "/api" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as r:
        return json.load(r)


def open_reports(page, shop, query=""):
    server, site = shop
    log_in(page, server, path=f"/websites/{site['website_uuid']}/reports{query}")
    expect(page.locator("body[data-ready]")).to_have_count(1)


def choose(page, report_type, start=WEEK[0], end=WEEK[1]):
    """Shows the form of report_type over the custom range start..end."""
    page.click(f'.type-tab[data-type="{report_type}"]')
    page.select_option("#report-range", "custom")
    page.fill("#report-start", start)
    page.fill("#report-end", end)


def run(page):
    """Runs the shown report and waits for its answer (or its error)."""
    ran = page.evaluate("document.body.dataset.ran || ''")
    page.click("#run-report")
    expect(page.locator("body")).not_to_have_attribute("data-ran", ran)
    expect(page.locator("body[data-ran]")).to_have_count(1)


def fill_funnel(page, steps, window):
    """Sets the funnel's window and steps [(kind, value)], adding rows as needed."""
    page.fill('[data-field="parameters.window"]', str(window))
    rows = page.locator(".step-row:visible")
    while rows.count() < len(steps):
        page.get_by_role("button", name="Add step").click()
    for i, (kind, value) in enumerate(steps):
        rows.nth(i).locator('[data-part="type"]').select_option(kind)
        rows.nth(i).locator('[data-part="value"]').fill(value)


def funnel_steps(page):
    """Returns [(visitors, share of step 1, drop-off)] of the funnel shown."""
    return [(s.locator(".funnel-visitors b").inner_text(),
             s.locator(".funnel-remaining").inner_text(),
             s.locator(".funnel-drop").inner_text() if s.locator(".funnel-drop").count() else "")
            for s in page.locator(".funnel-step").all()]


def result_table(page, title):
    """Returns [(name, value)] of one titled table of the result, or "None" when empty."""
    table = page.locator(f'#report-result [data-table="{title}"]')
    if table.locator(".none").count():
        return "None"
    return [(r.locator(".label-text").inner_text(), r.locator("td.num").inner_text())
            for r in table.locator("tbody tr").all()]


def data_rows(page, selector):
    return [[c.inner_text() for c in row.locator("td, th").all()]
            for row in page.locator(f"{selector} tbody tr").all()]


def journeys(page):
    """Returns [(path items, visits)] of the journey table shown."""
    return [([i.inner_text() for i in row.locator(".path li").all()],
             row.locator("td.num").nth(1).inner_text())
            for row in page.locator(".journey-table tbody tr").all()]


STEPS = [("path", "/"), ("path", "/pricing"), ("event", "signup")]


def test_a_funnel_runs_saves_reopens_and_deletes(new_page, shop, artifacts_dir):
    page = new_page()
    open_reports(page, shop)
    server, site = shop
    expect(page.locator("#saved-list")).to_contain_text("No saved reports")
    expect(page).to_have_url(re.compile(r"/reports\?type=funnel$"))
    choose(page, "funnel")
    fill_funnel(page, STEPS, 60)
    run(page)
    assert funnel_steps(page) == [("3", "", ""), ("2", "67% of step 1", "−1 dropped (33%)"),
                                  ("1", "33% of step 1", "−1 dropped (50%)")]
    expect(page.locator(".result-summary")).to_have_text(
        "1 of 3 visitors went through every step (33%).")
    expect(page.locator(".funnel-step .step-value")).to_have_text(["/", "/pricing", "signup"])
    shot(page, artifacts_dir, "reports-funnel")
    # two minutes: D's /pricing came five minutes after its / and no longer counts
    page.fill('[data-field="parameters.window"]', "2")
    run(page)
    assert funnel_steps(page) == [("3", "", ""), ("1", "33% of step 1", "−2 dropped (67%)"),
                                  ("1", "33% of step 1", "no drop-off")]

    page.click("#save-report")
    page.fill("#save-name", "Signup funnel")
    page.fill("#save-description", "Home to signup")
    page.click("#save-ok")
    expect(page.locator("#save-dialog")).to_be_hidden()
    expect(page.locator(".saved-item")).to_have_count(1)
    expect(page.locator(".saved-item .saved-name")).to_have_text("Signup funnel")
    expect(page.locator(".saved-item .saved-meta")).to_contain_text("Funnel · ")
    expect(page.locator("#editor-title")).to_have_text("Signup funnel")
    expect(page).to_have_url(re.compile(r"\?report=[0-9a-f-]{36}$"))
    saved = api_call(server, "GET", f"/websites/{site['website_uuid']}/reports")["data"]
    assert len(saved) == 1 and saved[0]["type"] == "funnel"
    assert saved[0]["description"] == "Home to signup"
    parameters = saved[0]["parameters"]
    assert parameters["window"] == 2 and parameters["range"] == "custom"
    assert parameters["steps"] == [{"type": k, "value": v} for k, v in STEPS]
    # the custom days are the browser's: Kolkata midnight is 18:30 UTC the day before
    assert (parameters["startDate"], parameters["endDate"]) == (
        "2026-03-01T18:30:00.000Z", "2026-03-08T18:29:59.999Z")

    page.reload()  # the address opens the saved report and runs it
    expect(page.locator(".funnel-step")).to_have_count(3)
    assert funnel_steps(page)[1][0] == "1"
    expect(page.locator('[data-field="parameters.window"]')).to_have_value("2")
    expect(page.locator("#report-start")).to_have_value(WEEK[0])
    expect(page.locator(".saved-item[aria-current=true]")).to_have_count(1)

    page.click("#new-report")  # a new report: the saved one stays in the list
    expect(page).to_have_url(re.compile(r"\?type=funnel$"))
    expect(page.locator("#editor-title")).to_have_text("New report")
    page.click('.type-tab[data-type="goal"]')
    page.locator(".saved-open").click()  # opening brings its type, fields and answer back
    expect(page.locator('.type-tab[data-type="funnel"]')).to_have_attribute("aria-checked", "true")
    expect(page.locator(".funnel-step")).to_have_count(3)
    assert funnel_steps(page)[1][0] == "1"

    # saving again changes it; the list shows the new name
    page.fill('[data-field="parameters.window"]', "60")
    page.click("#save-report")
    expect(page.locator("#save-name")).to_have_value("Signup funnel")
    page.fill("#save-name", "Signup funnel, 1 hour")
    page.click("#save-ok")
    expect(page.locator(".saved-item .saved-name")).to_have_text("Signup funnel, 1 hour")
    saved = api_call(server, "GET", f"/websites/{site['website_uuid']}/reports")["data"]
    assert [(r["name"], r["parameters"]["window"]) for r in saved] == [
        ("Signup funnel, 1 hour", 60)]

    page.get_by_role("button", name="Delete Signup funnel, 1 hour").click()
    expect(page.locator("#confirm-title")).to_have_text("Delete Signup funnel, 1 hour?")
    page.click("#confirm-ok")
    expect(page.locator("#saved-list")).to_contain_text("No saved reports")
    expect(page).to_have_url(re.compile(r"\?type=funnel$"))
    assert api_call(server, "GET", f"/websites/{site['website_uuid']}/reports")["count"] == 0
    assert page.js_errors == []


def test_the_retention_grid(new_page, shop, artifacts_dir):
    page = new_page()
    open_reports(page, shop, "?type=retention")
    choose(page, "retention")
    run(page)
    assert data_rows(page, ".retention") == [
        ["Mar 2, 2026", "3", "100%", "0%", "33%", "33%", "0%", "0%", "0%"],
        # the range ends on Mar 8: Mar 3's cohort has no day 6 yet
        ["Mar 3, 2026", "2", "100%", "0%", "0%", "0%", "0%", "0%", ""]]
    expect(page.locator('tr[data-cohort="2026-03-02"] td[data-day="3"]')).to_have_attribute(
        "title", "1 of 3 visitors on day 3")
    expect(page.locator('tr[data-cohort="2026-03-03"] td[data-day="6"]')).to_have_class(
        "cell is-future")
    shot(page, artifacts_dir, "reports-retention")
    assert page.js_errors == []


def test_attribution_first_and_last_click(new_page, shop):
    page = new_page()
    open_reports(page, shop)
    choose(page, "attribution")
    page.fill('[data-field="parameters.step"]', "signup")
    run(page)
    expect(page.locator(".result-summary")).to_have_text(
        "3 conversions (signup) by 3 visitors in 3 visits, credited by first click.")
    assert result_table(page, "Referrers") == [("google.com", "2"), ("news.ycombinator.com", "1")]
    assert result_table(page, "Paid ads") == [("Google Ads", "2")]
    assert result_table(page, "UTM source") == [("google", "2")]
    assert result_table(page, "UTM medium") == [("cpc", "2")]
    assert result_table(page, "UTM campaign") == [("spring", "1")]
    assert result_table(page, "UTM term") == "None"
    page.select_option('[data-field="parameters.model"]', "last-click")
    run(page)
    assert result_table(page, "Referrers") == [("news.ycombinator.com", "2")]
    for title in ("Paid ads", "UTM source", "UTM medium", "UTM campaign", "UTM content"):
        assert result_table(page, title) == "None", title
    expect(page.locator(".result-summary")).to_contain_text("credited by last click.")
    assert page.js_errors == []


def test_journey_goal_utm_breakdown_and_revenue(new_page, shop, artifacts_dir):
    page = new_page()
    open_reports(page, shop)
    choose(page, "journey")
    page.fill('[data-field="parameters.steps"]', "3")
    run(page)
    assert journeys(page) == [(["/"], "2"), (["/pricing", "signup"], "2"),
                              (["/", "/pricing"], "1"), (["/", "/pricing", "signup"], "1"),
                              (["/docs"], "1")]
    page.select_option('[data-field="parameters.eventType"]', "1")  # views only
    run(page)
    # without the signups, C's visit is D's first one, and A's second is B's
    assert journeys(page) == [(["/"], "2"), (["/", "/pricing"], "2"), (["/pricing"], "2"),
                              (["/docs"], "1")]

    choose(page, "goal")
    page.fill('[data-field="parameters.value"]', "/pricing")
    run(page)
    expect(page.locator(".goal-big")).to_have_text("4 of 5 visitors reached the goal")
    expect(page.locator(".goal-pct")).to_have_text("80%")
    page.select_option('[data-field="parameters.type"]', "event")
    page.fill('[data-field="parameters.value"]', "sign*")
    run(page)
    expect(page.locator(".goal-big")).to_have_text("3 of 5 visitors reached the goal")

    choose(page, "utm")
    run(page)
    assert result_table(page, "UTM source") == [("google", "2")]
    assert result_table(page, "UTM campaign") == [("spring", "1")]
    assert result_table(page, "UTM term") == "None"

    choose(page, "breakdown")
    page.get_by_label("Browser", exact=True).check()
    run(page)
    expect(page.locator(".breakdown thead th")).to_have_text(
        ["Page", "Browser", "Views", "Visitors", "Visits", "Bounce rate", "Visit time"])
    assert data_rows(page, ".breakdown") == [
        ["/", "Chrome", "2", "2", "2", "100%", "0s"],
        ["/pricing", "Chrome", "2", "2", "2", "100%", "0s"],
        ["/", "Mobile Safari", "2", "1", "2", "100%", "0s"],
        ["/docs", "Chrome", "1", "1", "1", "100%", "0s"],
        ["/pricing", "Firefox", "1", "1", "1", "100%", "0s"],
        ["/pricing", "Mobile Safari", "1", "1", "1", "100%", "0s"]]
    shot(page, artifacts_dir, "reports-breakdown")

    choose(page, "revenue")
    page.fill('[data-field="parameters.currency"]', "eur")  # the API upper-cases it
    run(page)
    cards = {c.get_attribute("data-stat"): c.locator(".stat-value").inner_text()
             for c in page.locator(".revenue-cards .stat").all()}
    assert cards == {"sum": "€117.00", "count": "3", "unique_count": "3", "average": "€39.00",
                     "arpu": "€23.40"}
    assert result_table(page, "Countries") == [("Germany", "€49.00"), ("United Kingdom", "€49.00"),
                                               ("United States", "€19.00")]
    assert result_table(page, "Referrers") == [("google.com", "€98.00"),
                                               ("news.ycombinator.com", "€19.00")]
    assert result_table(page, "By day") == [("Mar 2, 2026 · signup", "€19.00"),
                                            ("Mar 3, 2026 · signup", "€49.00"),
                                            ("Mar 4, 2026 · signup", "€49.00")]
    shot(page, artifacts_dir, "reports-revenue")
    assert page.js_errors == []


def test_performance_cards_chart_and_tables(new_page, shop, artifacts_dir):
    page = new_page()
    open_reports(page, shop)
    choose(page, "performance")
    run(page)
    expect(page.locator(".result-summary")).to_have_text(
        "4 samples of web vitals; the cards show each metric's 75th percentile.")
    cards = {c.get_attribute("data-vital"): (c.get_attribute("data-rating"),
                                             c.locator(".stat-value").inner_text(),
                                             c.locator(".vital-more").inner_text())
             for c in page.locator(".vitals-cards .vital").all()}
    assert cards == {
        "lcp": ("needs-improvement", "3300 ms", "p50 2800 ms · p95 4020 ms"),
        "inp": ("good", "185 ms", "p50 120 ms · p95 237 ms"),
        "cls": ("needs-improvement", "0.21", "p50 0.12 · p95 0.282"),
        "fcp": ("good", "1800 ms", "p50 1500 ms · p95 2040 ms"),
        "ttfb": ("good", "750 ms", "p50 600 ms · p95 870 ms")}
    chart = page.locator('.vitals-chart[data-chart="lcp"]')
    expect(chart.locator(".bucket")).to_have_count(3)
    expect(chart.locator(".chart-legend span")).to_have_text(["p95", "p75", "p50"])
    expect(chart.locator(".axis text").last).to_have_text("Mar 4")
    chart.locator("svg").focus()  # the tooltip of the last bucket, then the first
    page.keyboard.press("Home")
    expect(chart.locator(".tooltip")).to_have_text("Mar 22560 ms p952400 ms p752200 ms p50")
    assert data_rows(page, '[data-table="Pages"]') == [
        ["/", "3000 ms", "3600 ms", "4080 ms", "2"],
        ["/pricing", "2800 ms", "2900 ms", "2980 ms", "2"]]
    assert data_rows(page, '[data-table="Devices"]') == [
        ["tablet", "4200 ms", "4200 ms", "4200 ms", "1"],
        ["desktop", "2600 ms", "2800 ms", "2960 ms", "3"]]
    assert data_rows(page, '[data-table="Browsers"]')[0][0] == "Mobile Safari"
    shot(page, artifacts_dir, "reports-performance")
    page.select_option('[data-field="parameters.metric"]', "cls")
    run(page)
    # cls: 03-02 [0.02 0.12] 0.07 0.095 0.115; pages / [0.02 0.3], /pricing [0.12]
    assert data_rows(page, '[data-table="Pages"]') == [
        ["/", "0.16", "0.23", "0.286", "2"], ["/pricing", "0.12", "0.12", "0.12", "2"]]
    expect(page.locator('.vitals-chart[data-chart="cls"] .bucket')).to_have_count(3)
    assert page.js_errors == []


def test_a_400_shows_beside_its_field(new_page, shop):
    page = new_page()
    open_reports(page, shop)
    choose(page, "funnel")
    fill_funnel(page, [("path", "/"), ("path", "/pricing")], 0)
    run(page)
    error = page.locator('[data-error-for="parameters.window"]')
    expect(error).to_have_text(
        "Window (minutes) must be a number of minutes above 0, at most 5256000.")
    expect(page.locator('[data-field="parameters.window"]')).to_have_attribute(
        "aria-invalid", "true")
    expect(page.locator('[data-field="parameters.window"]')).to_be_focused()
    expect(page.locator("#report-error")).to_be_hidden()
    expect(page.locator("#report-result")).to_contain_text("The report did not run")

    fill_funnel(page, [("path", "/"), ("path", "")], 60)  # the second step without a value
    run(page)
    expect(error).to_be_hidden()
    expect(page.locator(".step-row").nth(1).locator(".field-error")).to_have_text(
        "Step 2 value must be a non-empty string of at most 500 characters.")
    expect(page.locator(".step-row").nth(1).locator('[data-part="value"]')).to_be_focused()

    choose(page, "journey")
    page.fill('[data-field="parameters.steps"]', "8")
    run(page)
    expect(page.locator('[data-error-for="parameters.steps"]:visible')).to_have_text(
        "Steps must be an integer from 2 to 7.")

    choose(page, "breakdown")
    page.get_by_label("Page", exact=True).uncheck()
    run(page)
    expect(page.locator('[data-error-for="parameters.fields"]')).to_have_text(
        "Fields must name at least one field.")

    choose(page, "revenue", start="2026-03-08", end="2026-03-02")  # an end before the start
    run(page)
    expect(page.locator('[data-error-for="parameters.endDate"]')).to_have_text(
        "To must not be before startDate.")

    page.click("#save-report")  # saving without a name
    page.click("#save-ok")
    expect(page.locator('#save-dialog [data-error-for="name"]')).to_have_text(
        "Name must be a non-empty string of at most 200 characters.")
    expect(page.locator("#save-name")).to_be_focused()
    page.click("#save-dialog [data-close]")
    server, site = shop
    assert api_call(server, "GET", f"/websites/{site['website_uuid']}/reports")["count"] == 0
    assert page.js_errors == []


def open_website(page, shop, query=""):
    server, site = shop
    page.goto(f"{server.url}/websites/{site['website_uuid']}{query}")
    expect(page.locator("body[data-loaded]")).to_have_count(1)


def cards(page):
    return [page.locator(f'[data-stat="{key}"] .stat-value').inner_text()
            for key in ("pageviews", "visitors", "visits")]


def wait_loaded(page):
    expect(page.locator("body[data-loaded]")).to_have_count(1)


def segment_rows(page, kind, count=1):
    """Returns [name, summary] of each listed segment or cohort, once count are listed."""
    rows = page.locator(f'[data-list="{kind}"] tbody tr')
    expect(rows).to_have_count(count)
    return [[c.inner_text() for c in row.locator("td").all()][:2] for row in rows.all()]


def test_segments_and_cohorts_narrow_the_website_page(new_page, shop, artifacts_dir):
    server, site = shop
    page = new_page()
    log_in(page, server, path=f"/websites/{site['website_uuid']}/segments")
    expect(page.locator('[data-list="segment"]')).to_contain_text("No segments yet")

    page.click('[data-add="segment"]')
    page.fill("#segment-name", "From Germany")
    row = page.locator(".filter-row").first
    row.locator('[data-part="name"]').select_option("country")
    row.locator('[data-part="operator"]').select_option("neq")
    row.locator('[data-part="value"]').fill("")
    page.click("#segment-form button[type=submit]")  # no value: the API names the field
    expect(row.locator(".field-error")).to_have_text(
        "Filter 1 value must be a non-empty string of at most 500 characters.")
    expect(row.locator('[data-part="value"]')).to_be_focused()
    row.locator('[data-part="value"]').fill("DE")
    page.click("#segment-form button[type=submit]")
    expect(page.locator("#segment-dialog")).to_be_hidden()
    assert segment_rows(page, "segment") == [["From Germany", "Country is not DE"]]
    page.get_by_role("button", name="Edit From Germany").click()  # not: is
    expect(page.locator('.filter-row [data-part="value"]')).to_have_value("DE")
    page.locator('.filter-row [data-part="operator"]').select_option("eq")
    page.click("#segment-form button[type=submit]")
    expect(page.locator('[data-list="segment"] tbody tr td').nth(1)).to_have_text(
        "Country is DE")

    page.click('[data-add="cohort"]')
    expect(page.locator("#no-filters")).to_be_visible()
    page.fill("#segment-name", "Signed up")
    page.select_option("#cohort-action-type", "event")
    page.fill("#cohort-action-value", "signup")
    page.select_option("#cohort-range", "custom")
    page.fill("#cohort-start", "2026-03-01")
    page.fill("#cohort-end", "2026-03-08")
    shot(page, artifacts_dir, "segments-cohort-dialog")
    page.click("#segment-form button[type=submit]")
    assert segment_rows(page, "cohort") == [
        ["Signed up", "triggered signup in Mar 1, 2026 – Mar 8, 2026"]]
    stored = api_call(server, "GET", f"/websites/{site['website_uuid']}/segments?type=cohort")
    # the browser's days: Kolkata midnight of Mar 1 to the last millisecond of Mar 8
    assert stored["data"][0]["parameters"]["dateRange"] == (
        f"range:{ms('2026-02-28T18:30:00')}:{ms('2026-03-08T18:30:00') - 1}")
    assert stored["data"][0]["parameters"]["action"] == {"type": "event", "value": "signup"}
    shot(page, artifacts_dir, "segments")
    segment_id = api_call(server, "GET",
                          f"/websites/{site['website_uuid']}/segments?type=segment")["data"][0]["id"]
    cohort_id = stored["data"][0]["id"]

    week = f"?range=custom&start={WEEK[0]}&end={WEEK[1]}"
    calls = []
    page.on("request", lambda r: calls.append(r.url) if "/api/websites/" in r.url else None)
    open_website(page, shop, week)
    assert cards(page) == ["9", "5", "7"]
    page.select_option("#saved-filter", label="From Germany")
    wait_loaded(page)
    assert chips(page) == ["Segment From Germany"]
    expect(page).to_have_url(re.compile(rf"&segment={segment_id}$"))
    assert cards(page) == ["3", "2", "3"]  # A and E
    assert table_rows(page, "country") == [("Germany", "2")]
    calls.clear()
    page.select_option("#saved-filter", label="Signed up")
    wait_loaded(page)
    assert chips(page) == ["Segment From Germany", "Cohort Signed up"]
    assert cards(page) == ["2", "1", "2"]  # A alone
    for route in ("stats", "pageviews", "metrics", "events/series"):
        asked = [u for u in calls if f"/{route}?" in u]
        assert asked and all(f"segment={segment_id}" in u and f"cohort={cohort_id}" in u
                             for u in asked), route
    shot(page, artifacts_dir, "website-segment-cohort")
    page.reload()  # both live in the address
    wait_loaded(page)
    assert chips(page) == ["Segment From Germany", "Cohort Signed up"]
    page.get_by_role("button", name="Remove the segment From Germany").click()
    wait_loaded(page)
    assert chips(page) == ["Cohort Signed up"]
    assert cards(page) == ["5", "3", "4"]  # A, B and C
    click_row(page, "browser", "Chrome")  # a row filter beside the cohort: A and C
    assert chips(page) == ["Cohort Signed up", "Browser is Chrome"]
    assert cards(page) == ["4", "2", "3"]
    page.click("#clear-filters")
    wait_loaded(page)
    assert cards(page) == ["9", "5", "7"]
    expect(page).to_have_url(re.compile(rf"\{week}$"))

    # a report narrowed by the segment: A's /pricing of E's and A's two visitors
    page.goto(f"{server.url}/websites/{site['website_uuid']}/reports?type=goal")
    expect(page.locator("body[data-ready]")).to_have_count(1)
    choose(page, "goal")
    page.fill('[data-field="parameters.value"]', "/pricing")
    page.select_option("#report-segment", label="From Germany")
    run(page)
    expect(page.locator(".goal-big")).to_have_text("1 of 2 visitors reached the goal")

    # a deleted segment leaves the address it was in
    page.goto(f"{server.url}/websites/{site['website_uuid']}/segments")
    page.get_by_role("button", name="Delete From Germany").click()
    page.click("#confirm-ok")
    expect(page.locator('[data-list="segment"]')).to_contain_text("No segments yet")
    open_website(page, shop, week + f"&segment={segment_id}")
    expect(page.locator("#toast")).to_have_text("The segment in the address no longer exists.")
    expect(page.locator("#filter-bar")).to_be_hidden()
    assert cards(page) == ["9", "5", "7"]
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(new_page, shop, artifacts_dir, viewport, scheme):
    page = new_page(DESKTOP if viewport == "desktop" else PHONE, scheme)
    open_reports(page, shop)
    choose(page, "funnel")
    fill_funnel(page, STEPS, 60)
    run(page)
    assert funnel_steps(page)[2][0] == "1"
    # Nothing sticks out sideways at this width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, artifacts_dir, f"reports-{viewport}-{scheme}")
    choose(page, "retention")
    run(page)
    expect(page.locator(".retention tbody tr")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, artifacts_dir, f"reports-retention-{viewport}-{scheme}")
    server, site = shop
    page.goto(f"{server.url}/websites/{site['website_uuid']}/segments")
    page.click('[data-add="segment"]')
    page.get_by_role("button", name="Add filter").click()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, artifacts_dir, f"segments-dialog-{viewport}-{scheme}")
    assert page.js_errors == []


def test_a_preset_range_ends_today_in_the_browser(new_page, shop):
    """Last 7 days on 2026-03-08 (Kolkata) is the seeded week; a saved report keeps the preset,
    not its dates, nor the browser's time zone."""
    page = new_page()
    page.clock.set_fixed_time(datetime(2026, 3, 8, 9, 0, tzinfo=timezone.utc))
    open_reports(page, shop, "?type=retention")
    page.select_option("#report-range", "7d")
    run(page)
    expect(page.locator("#result-range")).to_have_text(
        re.compile(r"^Mar 2, 2026 – Mar 8, 2026 · Asia/(Kolkata|Calcutta)$"))
    assert data_rows(page, ".retention")[0] == [
        "Mar 2, 2026", "3", "100%", "0%", "33%", "33%", "0%", "0%", "0%"]
    page.select_option("#report-range", "30d")
    run(page)  # Feb 7 .. Mar 8: the same visitors, with more days to come back on after none
    assert data_rows(page, ".retention")[1][:3] == ["Mar 3, 2026", "2", "100%"]
    page.click('.type-tab[data-type="revenue"]')
    page.fill('[data-field="parameters.currency"]', "EUR")
    page.click("#save-report")
    page.fill("#save-name", "Revenue, 30 days")
    page.click("#save-ok")
    expect(page.locator(".saved-item")).to_have_count(1)
    server, site = shop
    saved = api_call(server, "GET", f"/websites/{site['website_uuid']}/reports")["data"][0]
    assert saved["parameters"] == {"currency": "EUR", "range": "30d"}
    api_call(server, "DELETE", f"/reports/{saved['id']}")
    assert page.js_errors == []


def test_the_type_tabs_are_a_radio_group(new_page, shop):
    page = new_page()
    open_reports(page, shop, "?type=goal")
    goal = page.locator('.type-tab[data-type="goal"]')
    expect(goal).to_have_attribute("aria-checked", "true")
    expect(goal).to_have_attribute("tabindex", "0")
    goal.focus()
    page.keyboard.press("ArrowRight")
    journey = page.locator('.type-tab[data-type="journey"]')
    expect(journey).to_be_focused()
    expect(journey).to_have_attribute("aria-checked", "true")
    expect(page.locator('[data-field="parameters.startStep"]')).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?type=journey$"))
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator('.type-tab[data-type="funnel"]')).to_have_attribute("aria-checked", "true")
    page.keyboard.press("ArrowLeft")  # round to the last
    expect(page.locator('.type-tab[data-type="performance"]')).to_be_focused()
    assert page.js_errors == []


def test_a_report_of_another_website_opens_on_its_own_page(new_page, shop):
    server, site = shop
    other = api_call(server, "POST", "/website", {"name": "Blog", "domain": "blog.example"})
    report = api_call(server, "POST", "/reports", {
        "websiteId": other["website_uuid"], "type": "goal", "name": "Blog goal",
        "parameters": {"type": "path", "value": "/", "range": "7d"}})
    page = new_page()
    open_reports(page, shop, f"?report={report['id']}")
    expect(page).to_have_url(re.compile(
        rf"/websites/{other['website_uuid']}/reports\?report={report['id']}$"))
    expect(page.locator("#editor-title")).to_have_text("Blog goal")
    expect(page.locator(".goal-big")).to_have_text("0 of 0 visitors reached the goal")
    expect(page.locator("h1")).to_have_text("Reports")
    expect(page.locator(".back-link")).to_have_text("← Blog")
    api_call(server, "DELETE", f"/reports/{report['id']}")
    assert page.js_errors == []
