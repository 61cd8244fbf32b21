"""Makes docs/screenshot-dashboard.png: two weeks of made-up visits (so the last 7 days
compare with 7 full days before), sent through the real /api/send path with a moving clock,
then the website page of `umami-lite serve` in Debian's chromium.

    .venv/bin/python docs/make_screenshot.py
"""
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from conftest import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from servers import LiveServer  # noqa: E402

from umami_lite import create_app  # noqa: E402
from umami_lite.ingest import journal  # noqa: E402

AGENTS = [  # (user agent, screen), weighted by repetition
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36", "1920x1080"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36", "1536x864"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.0 Safari/605.1.15", "1440x900"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "390x844"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "430x932"),
    ("Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Mobile Safari/537.36", "412x915"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", "2560x1440"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0", "1920x1080"),
]
COUNTRIES = ["US"] * 6 + ["DE"] * 4 + ["GB"] * 3 + ["FR"] * 2 + ["NL", "IN", "BR", "JP", "CA"]
LANGUAGES = {"US": "en-US", "DE": "de-DE", "GB": "en-GB", "FR": "fr-FR", "NL": "nl-NL",
             "IN": "en-IN", "BR": "pt-BR", "JP": "ja-JP", "CA": "en-CA"}
PAGES = ["/"] * 5 + ["/blog/sqlite-is-enough"] * 3 + ["/pricing"] * 2 + [
    "/docs/getting-started", "/docs/api", "/about", "/blog/privacy-by-default"]
TITLES = {"/": "Example blog", "/blog/sqlite-is-enough": "SQLite is enough",
          "/pricing": "Pricing", "/docs/getting-started": "Getting started",
          "/docs/api": "API reference", "/about": "About", "/blog/privacy-by-default":
          "Privacy by default"}
CAMPAIGNS = [""] * 12 + ["?utm_source=newsletter&utm_medium=email&utm_campaign=launch"] * 2 + [
    "?utm_source=mastodon&utm_medium=social", "?utm_source=github&utm_medium=readme"]
REFERRERS = [""] * 8 + ["https://www.google.com/"] * 5 + [
    "https://news.ycombinator.com/item?id=4242", "https://duckduckgo.com/",
    "https://github.com/umami-lite", "https://www.reddit.com/r/selfhosted/",
    "https://t.co/abc123", "https://www.bing.com/search?q=umami+lite"]
EVENTS = ["signup-button"] * 3 + ["download"] * 2 + ["newsletter"]


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def send(client, headers, ip, payload):
    """Sends one view (or, with a name, one event) through /api/send."""
    client.post("/api/send", headers=headers, environ_base={"REMOTE_ADDR": ip},
                json={"type": "event", "payload": payload})


def seed(db_path):
    """Returns the website uuid after sending two weeks of visits through /api/send, all
    stored (none left in this process's ingest journal)."""
    now = int(time.time() * 1000)
    clock = Clock(now - 14 * 86_400_000)
    app = create_app({"UMAMI_LITE_DATABASE": db_path, "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                      "UMAMI_LITE_CLOCK": clock, "UMAMI_LITE_COUNTRY_HEADER": "X-Country"})
    client = app.test_client()
    token = client.post("/api/auth/login", json={"username": "admin",
                                                 "password": ADMIN_PASSWORD}).json["token"]
    site = client.post("/api/website", headers={"Authorization": f"Bearer {token}"},
                       json={"name": "Example blog", "domain": "blog.example.com"}).json
    rng = random.Random(7)
    visitor = 0
    while clock.now < now - 60_000:
        hour = time.gmtime(clock.now / 1000).tm_hour
        busy = 0.35 + 0.65 * (1 - abs(hour - 14) / 12)  # busiest in the afternoon (UTC)
        clock.now += int(rng.expovariate(busy / 240_000))  # about 15 visitors an hour at peak
        visitor += 1
        ua, screen = rng.choice(AGENTS)
        country = rng.choice(COUNTRIES)
        headers = {"User-Agent": ua, "X-Country": country}
        ip = f"198.51.{visitor // 250 % 250}.{visitor % 250 + 1}"
        start = clock.now
        referrer = rng.choice(REFERRERS)
        campaign = rng.choice(CAMPAIGNS)
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            path = rng.choice(PAGES)
            page = {"website": site["website_uuid"], "url": path + campaign,
                    "title": TITLES[path], "hostname": "blog.example.com", "screen": screen,
                    "language": LANGUAGES[country]}
            send(client, headers, ip, {**page, "referrer": referrer})
            referrer, campaign = "https://blog.example.com" + path, ""
            if rng.random() < 0.12:
                send(client, headers, ip, {**page, "url": path, "name": rng.choice(EVENTS)})
            clock.now += rng.randint(20_000, 240_000)
        clock.now = start
    journal.close(db_path)
    return site["website_uuid"]


def main():
    from playwright.sync_api import sync_playwright
    out = os.path.join(HERE, "screenshot-dashboard.png")
    with tempfile.TemporaryDirectory() as tmp:
        db_path = os.path.join(tmp, "screenshot.db")
        uuid = seed(db_path)
        server = LiveServer(db_path)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800},
                                        color_scheme="light", timezone_id="Europe/Berlin")
                page.goto(server.url + "/login")
                page.fill("#username", "admin")
                page.fill("#password", ADMIN_PASSWORD)
                page.click("#login-form button[type=submit]")
                page.wait_for_url(server.url + "/")
                page.goto(f"{server.url}/websites/{uuid}?range=7d")
                page.wait_for_selector("body[data-loaded]")
                page.screenshot(path=out, full_page=True)
                browser.close()
        finally:
            server.stop()
    print(f"{out}: {os.path.getsize(out) // 1024} KB")


if __name__ == "__main__":
    main()
