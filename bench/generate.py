"""Builds a realistic umami-lite database of a given size, through the app's storage code.

    python bench/generate.py DB_PATH --pageviews N --days D [--seed S]

Creates a fresh database at DB_PATH (the admin password comes from
UMAMI_LITE_ADMIN_PASSWORD as usual) with one website whose pageviews end now, and prints
the website's id and uuid. Per 10 M pageviews: 500 k sessions (visits of ~4 pageviews,
about 5 visits per session), 20 k distinct urls and 2 k external referrers (Zipf-like
popularity), browser/os/device/country/language/screen mixes, an event on 5% of pageviews,
more traffic by day than by night. Rows are built by ingest's row builders and written in
one transaction per hour of data, each ending with rollups.catch_up, as /api/collect does.
"""
import argparse
import heapq
import itertools
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from umami_lite import clients, db, ingest, rollups, sites  # noqa: E402

HOUR_MS = 3_600_000
PAGES_PER_VISIT = 4
PAGES_PER_SESSION = 20
URLS_PER_10M = 20_000
REFERRERS = 2_000
EVENT_SHARE = 0.05
DOMAIN = "example.com"

BROWSERS = {"Chrome": 52, "Mobile Safari": 14, "Safari": 7, "Firefox": 7, "Edge": 8,
            "Samsung Internet": 4, "Opera": 2, "Chrome Mobile": 4, "Yandex Browser": 1,
            "Chromium": 1}
OSES = {"Windows": 36, "Mac OS X": 16, "Android": 26, "iOS": 16, "Linux": 5, "Chrome OS": 1}
SCREENS = {"desktop": ["1920x1080", "2560x1440", "1536x864", "1366x768", "1440x900",
                       "1280x720", "3840x2160", "1680x1050"],
           "mobile": ["390x844", "414x896", "375x667", "412x915", "360x800", "393x873",
                      "820x1180", "768x1024"]}
COUNTRIES = ["US", "DE", "GB", "IN", "FR", "CA", "BR", "NL", "JP", "ES", "IT", "PL", "AU",
             "SE", "CH", "RU", "MX", "TR", "KR", "ID", "BE", "AT", "CN", "UA", "DK", "NO",
             "FI", "IE", "PT", "CZ", "AR", "ZA", "SG", "IL", "RO", "HU", "GR", "NZ", "VN",
             "PH", "TH", "MY", "CO", "CL", "NG", "EG", "PK", "BD", "SK", "BG"]
LANGUAGES = ["en-US", "de-DE", "en-GB", "fr-FR", "es-ES", "hi-IN", "pt-BR", "nl-NL", "ja-JP",
             "it-IT", "pl-PL", "ru-RU", "sv-SE", "tr-TR", "ko-KR", "zh-CN", "en-CA", "en-AU",
             "de-AT", "de-CH", "da-DK", "fi-FI", "nb-NO", "cs-CZ", "pt-PT", "uk-UA", "ro-RO",
             "hu-HU", "el-GR", "id-ID", "vi-VN", "th-TH", "he-IL", "es-MX", "fr-CA", "en-IN"]
EVENTS = [("click", name) for name in ("signup-button", "buy-now", "menu", "share", "search",
                                        "subscribe", "download-pdf", "video-play")] + \
         [("custom", name) for name in ("newsletter", "checkout", "add-to-cart", "login")]
SECTIONS = ["blog", "docs", "products", "news", "help", "guides", "pricing", "careers",
            "events", "community"]


def zipf_weights(n, s=1.0):
    """Returns cumulative weights of ranks 1..n under a Zipf law (for random.choices)."""
    return list(itertools.accumulate(1 / (rank ** s) for rank in range(1, n + 1)))


def make_urls(n, rng):
    """Returns n distinct url paths (a tenth with a query string), most popular first."""
    urls = ["/"]
    for i in range(1, n):
        section = SECTIONS[i % len(SECTIONS)]
        url = f"/{section}/{rng.choice(['how', 'why', 'new', 'top', 'best'])}-item-{i}"
        if i % 10 == 0:
            url += rng.choice(["?utm_source=newsletter&utm_medium=email", "?page=2",
                               "?ref=twitter", "?utm_campaign=spring"])
        urls.append(url)
    return urls


def make_referrers(n):
    """Returns n external referrer urls, most popular first."""
    big = ["https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
           "https://t.co/", "https://www.facebook.com/", "https://news.ycombinator.com/",
           "https://www.reddit.com/", "https://www.linkedin.com/", "https://github.com/",
           "android-app://com.google.android.gm/"]
    rest = [f"https://{['blog', 'www', 'news', 'forum'][i % 4]}.site{i}.org/post/{i * 7}"
            for i in range(n - len(big))]
    return big + rest


class Mixes:
    """Weighted random visitor attributes, drawn from one seeded Random."""

    def __init__(self, rng):
        self.rng = rng
        self.browser_names, self.browser_weights = list(BROWSERS), list(BROWSERS.values())
        self.os_names, self.os_weights = list(OSES), list(OSES.values())
        self.country_cum = zipf_weights(len(COUNTRIES), 1.1)
        self.language_cum = zipf_weights(len(LANGUAGES), 1.2)

    def visitor(self):
        rng = self.rng
        os_name = rng.choices(self.os_names, self.os_weights)[0]
        screen = rng.choice(SCREENS["mobile" if os_name in ("Android", "iOS") else "desktop"])
        return ingest.Visitor(
            ip="", user_agent="", hostname=DOMAIN,
            browser=rng.choices(self.browser_names, self.browser_weights)[0], os=os_name,
            device=clients.device_for(os_name, screen), screen=screen,
            language=rng.choices(LANGUAGES, cum_weights=self.language_cum)[0],
            country=rng.choices(COUNTRIES, cum_weights=self.country_cum)[0])


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total, label):
        self.total, self.label, self.started = total, label, time.monotonic()

    def show(self, done, force=False):
        if not force and time.monotonic() - getattr(self, "shown", 0) < 1:
            return
        self.shown = time.monotonic()
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0
        eta = (self.total - done) / rate if rate else 0
        filled = int(30 * done / self.total) if self.total else 30
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {100 * done / self.total:5.1f}%"
                         f" {done:,}/{self.total:,} {self.label} {rate:,.0f}/s"
                         f" eta {eta:,.0f}s ")
        sys.stderr.flush()

    def finish(self):
        self.show(self.total, force=True)
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"\n{self.total:,} {self.label} in {elapsed:.1f}s\n")


def hourly_targets(total, hours, rng):
    """Returns pageviews per hour summing to total: a daily curve (peak 15:00) with noise."""
    weights = [(1 + 0.6 * math.cos(2 * math.pi * ((h % 24) - 15) / 24)) * rng.uniform(0.8, 1.2)
               for h in range(hours)]
    scale = total / sum(weights)
    bounds = [round(x * scale) for x in itertools.accumulate(weights)]
    bounds[-1] = total
    return [b - a for a, b in zip([0] + bounds[:-1], bounds)]


def generate(path, pageviews, days, seed=1, now=None):
    """Builds the database; returns the website row."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db.prepare(path, os.environ.get("UMAMI_LITE_ADMIN_PASSWORD"))
    conn = db.connect(path)
    conn.execute("PRAGMA synchronous = OFF")  # a fresh benchmark file: rerun if it crashes
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB: the session index takes random inserts
    with db.transaction(conn):
        admin = conn.execute("SELECT user_id FROM account WHERE username = 'admin'").fetchone()
        website = sites.create(conn, admin[0], "Benchmark", DOMAIN)
    rng = random.Random(seed)
    now = int(time.time() * 1000) if now is None else now
    start = now - days * 24 * HOUR_MS
    hours = days * 24
    url_count = min(URLS_PER_10M, max(10, pageviews // 10))
    urls, referrers = make_urls(url_count, rng), make_referrers(REFERRERS)
    url_cum, referrer_cum = zipf_weights(len(urls)), zipf_weights(len(referrers))
    mixes = Mixes(rng)
    new_session_share = PAGES_PER_VISIT / PAGES_PER_SESSION
    session_ids = []
    pending = []              # heap of (time, seq, kind, row fields)
    seq = itertools.count()
    progress = Progress(pageviews, "pageviews")
    written = 0
    website_id = website["website_id"]
    for hour, target in enumerate(hourly_targets(pageviews, hours, rng)):
        slot_end = start + (hour + 1) * HOUR_MS if hour < hours - 1 else now + 1
        with db.transaction(conn):
            planned = 0
            while planned < target:
                visit_start = start + hour * HOUR_MS + rng.randrange(HOUR_MS)
                if not session_ids or rng.random() < new_session_share:
                    values = ingest.session_values(website_id, rng.randbytes(16), visit_start,
                                                   mixes.visitor())
                    session_ids.append(ingest.insert_session(conn, values))
                    session_id = session_ids[-1]
                else:
                    session_id = session_ids[rng.randrange(len(session_ids))]
                size = min(target - planned, 1 + int(rng.expovariate(1 / (PAGES_PER_VISIT - 1))))
                planned += size
                _plan_visit(pending, seq, rng, session_id, visit_start, size, now,
                            urls, url_cum, referrers, referrer_cum)
            batch, events = [], []
            while pending and pending[0][0] < slot_end:
                created_at, _, kind, session_id, visit_id, url, extra = heapq.heappop(pending)
                if kind == "pageview":
                    hit = ingest.Hit("pageview", url, created_at, referrer=extra)
                    batch.append(ingest.pageview_values(website_id, session_id, visit_id, hit))
                else:
                    hit = ingest.Hit("event", url, created_at, event_type=extra[0],
                                     event_value=extra[1])
                    events.append(ingest.event_values(website_id, session_id, visit_id, hit))
            if batch or events:
                ingest.insert_pageviews(conn, batch)
                for values in events:
                    ingest.insert_event(conn, values)
                rollups.catch_up(conn, website_id,
                                 [row[3] for row in batch] + [row[3] for row in events])
            written += len(batch)
        progress.show(written)
    progress.finish()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    return website


def _plan_visit(pending, seq, rng, session_id, visit_start, size, now, urls, url_cum,
                referrers, referrer_cum):
    """Pushes one visit's pageviews (and some events) onto the pending heap."""
    visit_id = visit_start // 60_000
    at = visit_start
    previous = None
    picked = rng.choices(urls, cum_weights=url_cum, k=size)
    for index, url in enumerate(picked):
        if index == 0:
            referrer = (rng.choices(referrers, cum_weights=referrer_cum)[0]
                        if rng.random() < 0.6 else None)
        else:
            referrer = f"https://{DOMAIN}{previous}" if rng.random() < 0.5 else None
        at = min(now, at + (int(rng.expovariate(1 / 45_000)) if index else 0))
        heapq.heappush(pending, (at, next(seq), "pageview", session_id, visit_id, url, referrer))
        if rng.random() < EVENT_SHARE:
            event_at = min(now, at + rng.randrange(500, 8000))
            heapq.heappush(pending, (event_at, next(seq), "event", session_id, visit_id, url,
                                     rng.choice(EVENTS)))
        previous = url


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db_path")
    parser.add_argument("--pageviews", type=int, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    website = generate(args.db_path, args.pageviews, args.days, args.seed)
    print(f"website id:   {website['website_id']}")
    print(f"website uuid: {website['website_uuid']}")


if __name__ == "__main__":
    main()
