"""Builds a realistic umami-lite database of a given size, through the app's storage code.

    python bench/generate.py DB_PATH --pageviews N --days D [--seed S]

Creates a fresh database at DB_PATH (the admin password comes from
UMAMI_LITE_ADMIN_PASSWORD as usual) with one website whose pageviews end now, and prints
the website's id and uuid. Per 10 M pageviews: 500 k sessions (visits of ~4 pageviews,
about 5 visits per session), 20 k distinct urls and 2 k external referrers (Zipf-like
popularity), browser/os/device/country/language/screen mixes, an event on 5% of pageviews,
more traffic by day than by night. The visits are drawn at once with numpy (fixed seed);
rows are then built by ingest's row builders (session_values, pageview_values,
event_values), inserted with its INSERT statements (executemany) in one transaction per
day of data, each ending with rollups.catch_up, which summarizes the completed hours and
days as /api/collect does.
"""
import argparse
import itertools
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from umami_lite.ingest import visitor as clients, record as ingest, journal
from umami_lite.storage import connection as db, sites
from umami_lite.rollups import build as rollups  # noqa: E402

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
    """The weights of the visitor attribute mixes."""

    def __init__(self):
        self.browser_names, self.browser_weights = list(BROWSERS), list(BROWSERS.values())
        self.os_names, self.os_weights = list(OSES), list(OSES.values())
        self.country_cum = zipf_weights(len(COUNTRIES), 1.1)
        self.language_cum = zipf_weights(len(LANGUAGES), 1.2)


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


def hourly_weights(hours, rng):
    """Returns the share of traffic of each hour: a daily curve (peak 15:00) with noise."""
    hour = np.arange(hours)
    weights = (1 + 0.6 * np.cos(2 * np.pi * ((hour % 24) - 15) / 24)) * rng.uniform(0.8, 1.2,
                                                                                    hours)
    return weights / weights.sum()


def zipf_pick(rng, n, size, s=1.0):
    """Returns size indexes into 0..n-1 drawn under a Zipf law (rank 0 the most popular)."""
    cum = np.cumsum(1 / np.arange(1, n + 1) ** s)
    return np.searchsorted(cum, rng.random(size) * cum[-1], side="right").clip(0, n - 1)


def weighted_pick(rng, weights, size):
    """Returns size indexes drawn with the given (unnormalized) weights."""
    weights = np.asarray(weights, dtype=float)
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


class Plan:
    """Every session, pageview and event of the database as numpy arrays, times sorted."""

    def __init__(self, pageviews, days, now, seed):
        rng = np.random.default_rng(seed)
        start = now - days * 24 * HOUR_MS
        sizes = 1 + rng.exponential(PAGES_PER_VISIT - 1, pageviews + 10).astype(np.int64)
        sizes = sizes[:np.searchsorted(np.cumsum(sizes), pageviews) + 1]
        sizes[-1] -= sizes.sum() - pageviews
        visits = len(sizes)
        hours = days * 24
        visit_start = start + (rng.choice(hours, visits, p=hourly_weights(hours, rng)) * HOUR_MS
                               + rng.integers(0, HOUR_MS, visits))
        visit_start = np.minimum(visit_start, now)
        self.sessions = sessions = min(visits, max(1, pageviews // PAGES_PER_SESSION))
        # every session has a first visit; the other visits return to random sessions
        owner = np.concatenate([rng.permutation(sessions),
                                rng.integers(0, sessions, visits - sessions)])
        first = np.full(sessions, np.iinfo(np.int64).max)
        np.minimum.at(first, owner, visit_start)
        order = np.argsort(first, kind="stable")       # session ids grow with creation time
        rank = np.empty(sessions, dtype=np.int64)
        rank[order] = np.arange(sessions)
        self.session_created = first[order]
        self.session_attrs = rng.random((sessions, 5))  # os, browser, language, country, screen
        # pageviews: visit by visit, gaps of ~45 s
        visit_of = np.repeat(np.arange(visits), sizes)
        firsts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        gaps = rng.exponential(45_000, pageviews).astype(np.int64)
        gaps[firsts] = 0
        offset = np.cumsum(gaps)
        offset -= np.repeat(offset[firsts], sizes)
        at = np.minimum(visit_start[visit_of] + offset, now)
        url = zipf_pick(rng, self.url_count(pageviews), pageviews)
        external = zipf_pick(rng, REFERRERS, pageviews)
        is_first = np.zeros(pageviews, dtype=bool)
        is_first[firsts] = True
        roll = rng.random(pageviews)
        # referrer code: -1 none, 0..REFERRERS-1 external, REFERRERS + url index internal
        previous = np.concatenate(([0], url[:-1]))
        referrer = np.where(is_first, np.where(roll < 0.6, external, -1),
                            np.where(roll < 0.5, REFERRERS + previous, -1))
        session = rank[owner[visit_of]] + 1           # session ids are 1.. in creation order
        visit_id = visit_start[visit_of] // 60_000
        has_event = rng.random(pageviews) < EVENT_SHARE
        events = int(has_event.sum())
        event_at = np.minimum(at[has_event] + rng.integers(500, 8000, events), now)
        event_kind = rng.integers(0, len(EVENTS), events)
        by_time = np.argsort(at, kind="stable")
        self.pv = {"at": at[by_time], "url": url[by_time], "referrer": referrer[by_time],
                   "session": session[by_time], "visit": visit_id[by_time]}
        by_time = np.argsort(event_at, kind="stable")
        self.ev = {"at": event_at[by_time], "url": url[has_event][by_time],
                   "kind": event_kind[by_time], "session": session[has_event][by_time],
                   "visit": visit_id[has_event][by_time]}

    @staticmethod
    def url_count(pageviews):
        return min(URLS_PER_10M, max(10, pageviews // 10))


def _visitors(mixes, attrs):
    """Returns one ingest.Visitor per row of attribute picks (uniform numbers in [0, 1))."""
    os_cum = np.cumsum(mixes.os_weights) / sum(mixes.os_weights)
    browser_cum = np.cumsum(mixes.browser_weights) / sum(mixes.browser_weights)
    language_cum = np.array(mixes.language_cum) / mixes.language_cum[-1]
    country_cum = np.array(mixes.country_cum) / mixes.country_cum[-1]
    os_i = np.searchsorted(os_cum, attrs[:, 0], side="right").tolist()
    browser_i = np.searchsorted(browser_cum, attrs[:, 1], side="right").tolist()
    language_i = np.searchsorted(language_cum, attrs[:, 2], side="right").tolist()
    country_i = np.searchsorted(country_cum, attrs[:, 3], side="right").tolist()
    screen_i = (attrs[:, 4] * len(SCREENS["mobile"])).astype(int).tolist()
    visitors = []
    for o, b, la, co, sc in zip(os_i, browser_i, language_i, country_i, screen_i):
        os_name = mixes.os_names[min(o, len(mixes.os_names) - 1)]
        screen = SCREENS["mobile" if os_name in ("Android", "iOS") else "desktop"][sc]
        visitors.append(ingest.Visitor(
            ip="", user_agent="", hostname=DOMAIN,
            browser=mixes.browser_names[min(b, len(mixes.browser_names) - 1)], os=os_name,
            device=clients.device_for(os_name, screen), screen=screen,
            language=LANGUAGES[min(la, len(LANGUAGES) - 1)],
            country=COUNTRIES[min(co, len(COUNTRIES) - 1)]))
    return visitors


def generate(path, pageviews, days, seed=1, now=None):
    """Builds the database; returns the website row."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db.prepare(path, os.environ.get("UMAMI_LITE_ADMIN_PASSWORD"))
    conn = db.connect(path)
    conn.execute("PRAGMA synchronous = OFF")  # a fresh benchmark file: rerun if it crashes
    conn.execute("PRAGMA cache_size = -1048576")  # 1 GB
    with db.transaction(conn):
        admin = conn.execute("SELECT user_id FROM account WHERE username = 'admin'").fetchone()
        website = sites.create(conn, admin[0], "Benchmark", DOMAIN)
    website_id = website["website_id"]
    rng = random.Random(seed)
    now = int(time.time() * 1000) if now is None else now
    sys.stderr.write("planning visits...\n")
    plan = Plan(pageviews, days, now, seed)
    urls = make_urls(plan.url_count(pageviews), rng)
    referrers = make_referrers(REFERRERS) + [f"https://{DOMAIN}{url}" for url in urls]
    mixes = Mixes()
    parts = RowParts(website_id, urls, referrers)
    digests = rng.randbytes(16 * plan.sessions)
    progress = Progress(pageviews, "pageviews")
    day_ms = 24 * HOUR_MS
    first_day = (now - days * day_ms) // day_ms
    bounds = [d * day_ms for d in range(first_day + 1, now // day_ms + 1)] + [now + 1]
    cut = {name: np.searchsorted(arrays["at"], bounds).tolist()
           for name, arrays in (("pv", plan.pv), ("ev", plan.ev))}
    cut["session"] = np.searchsorted(plan.session_created, bounds).tolist()
    done = {"pv": 0, "ev": 0, "session": 0}
    for index in range(len(bounds)):
        with db.transaction(conn):
            _write_sessions(conn, website_id, plan, mixes, digests, done["session"],
                            cut["session"][index])
            last = _write_hits(conn, website_id, plan, parts, urls,
                               (done["pv"], cut["pv"][index]), (done["ev"], cut["ev"][index]))
            if last is not None:
                rollups.catch_up(conn, website_id, last)
        done = {name: cut[name][index] for name in done}
        progress.show(done["pv"])
    progress.finish()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    return website


def _write_sessions(conn, website_id, plan, mixes, digests, lo, hi):
    """Inserts sessions lo..hi-1 (ids lo+1..hi) through ingest's session row builder."""
    if lo == hi:
        return
    created = plan.session_created[lo:hi].tolist()
    first = journal.next_ids(conn, hi - lo)  # the ids every session writer takes them from
    assert first == lo + 1
    rows = [(first + i - lo, *ingest.session_values(website_id, digests[16 * i:16 * i + 16],
                                                    created[i - lo], visitor))
            for i, visitor in zip(range(lo, hi), _visitors(mixes, plan.session_attrs[lo:hi]))]
    conn.executemany(ingest.INSERT_SESSION, rows)
    assert conn.execute("SELECT max(session_id) FROM session").fetchone()[0] == hi


class RowParts:
    """The url and referrer columns of pageview rows, each built once by ingest's builder.

    pageview_values() clips the url, parses its utm_* parameters and derives the
    referrer's domain; those columns depend on the url or on the referrer alone, so they
    are built once per distinct url and referrer (20 k + 22 k calls instead of 10 M).
    """

    def __init__(self, website_id, urls, referrers):
        def build(url, referrer):
            return ingest.pageview_values(website_id, 0, 0,
                                          ingest.Hit("pageview", url, 0, referrer=referrer))
        url_index = ingest.PAGEVIEW_COLUMNS.index("url")
        ref_index = ingest.PAGEVIEW_COLUMNS.index("referrer")
        assert ingest.PAGEVIEW_COLUMNS[:url_index] == ("website_id", "session_id", "visit_id",
                                                       "created_at")
        self.urls = [build(url, None)[url_index:] for url in urls]
        self.referrers = [build("/", ref)[ref_index:ref_index + 2] for ref in referrers]
        self.no_referrer = build("/", None)[ref_index:ref_index + 2]
        self.split = ref_index - url_index

    def row(self, website_id, session, visit, at, url, ref):
        parts = self.urls[url]
        return (website_id, session, visit, at, *parts[:self.split],
                *(self.referrers[ref] if ref >= 0 else self.no_referrer),
                *parts[self.split + 2:])


def _write_hits(conn, website_id, plan, parts, urls, pv_range, ev_range):
    """Inserts the pageviews and events of two index ranges; returns the last time or None."""
    pv = {key: values[slice(*pv_range)].tolist() for key, values in plan.pv.items()}
    row = parts.row
    ingest.insert_pageviews(conn, [
        row(website_id, session, visit, at, url, ref)
        for at, url, ref, session, visit in zip(pv["at"], pv["url"], pv["referrer"],
                                                 pv["session"], pv["visit"])])
    ev = {key: values[slice(*ev_range)].tolist() for key, values in plan.ev.items()}
    rows = [ingest.event_values(website_id, session, visit, ingest.Hit(
                "event", urls[url], at, event_type=EVENTS[kind][0],
                event_value=EVENTS[kind][1]))
            for at, url, kind, session, visit in zip(ev["at"], ev["url"], ev["kind"],
                                                      ev["session"], ev["visit"])]
    conn.executemany(ingest.INSERT_EVENT, rows)
    times = pv["at"][-1:] + ev["at"][-1:]
    return max(times) if times else None


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
