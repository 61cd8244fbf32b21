"""Times the v1 dashboard query set over HTTP (Flask test client), against the naive baseline.

    python bench/queries.py DB_PATH [DB_PATH ...] [--period 30d|12m] [--tz ZONE]
                            [--repeat N] [--naive-repeat N] [--url URL] [--no-naive]

The set is what Umami v1's dashboard loads for one website: stats, pageviews (unit day for
30d, month for 12m) and events in a non-UTC zone, and the metrics url, referrer, browser,
os, device, country and event. Each set runs unfiltered and filtered by one url (the most
viewed one unless --url). The range is the dashboard's: local midnight 29 days ago (or the
first of the month 11 months ago) to the end of today in --tz.

cold = first pass after evicting the database file from the OS page cache
(posix_fadvise DONTNEED on this file only); warm = the next --repeat passes (p50, p95).
naive = bench/naive.py, the raw-row SQL, called directly on a read-only connection (no
HTTP or JSON cost, which favours the baseline), --naive-repeat passes (median).
With several DB_PATHs, a last table shows totals per size (the cost curve).
The admin password comes from UMAMI_LITE_ADMIN_PASSWORD.
"""
import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import naive  # noqa: E402

from umami_lite import create_app
from umami_lite.storage import connection as db  # noqa: E402
from umami_lite.queries.filters import Filter, Query  # noqa: E402

METRIC_TYPES = ("url", "referrer", "browser", "os", "device", "country", "event")


def dashboard_range(period, tz, now_ms):
    """Returns (start_ms, end_ms, unit) of Umami's 'last 30 days' / 'last 12 months'."""
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now_ms / 1000, zone).date()
    if period == "30d":
        first, unit = today - timedelta(days=29), "day"
    else:
        month = today.year * 12 + today.month - 1 - 11
        first, unit = today.replace(year=month // 12, month=month % 12 + 1, day=1), "month"
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(today.year, today.month, today.day, tzinfo=zone) + timedelta(days=1)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000) - 1, unit


def query_set(start, end, unit, tz, url=None):
    """Returns [(name, path suffix, params)] of one dashboard load."""
    base = {"start_at": start, "end_at": end}
    if url:
        base["url"] = url
    timed = {**base, "unit": unit, "tz": tz}
    items = [("stats", "stats", base), ("pageviews", "pageviews", timed)]
    items += [(f"metrics {kind}", "metrics", {**base, "type": kind}) for kind in METRIC_TYPES]
    items.append(("events", "events", timed))
    return items


def naive_call(conn, name, website, start, end, unit, tz, url):
    filters = (Filter("url", "eq", (url,)),) if url else ()
    q = Query(website["website_id"], start, end, filters)
    if name.startswith("metrics "):
        return naive.metric(name.split(" ", 1)[1])(conn, q, website)
    return naive.QUERIES[name](conn, q, website, unit, tz)


def evict(path):
    """Drops the database file's pages from the OS page cache (this file only)."""
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            fd = os.open(path + suffix, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Bench:
    def __init__(self, path, args):
        self.path, self.args = path, args
        self.app = create_app({"UMAMI_LITE_DATABASE": path})
        self.client = self.app.test_client()
        password = os.environ.get("UMAMI_LITE_ADMIN_PASSWORD")
        r = self.client.post("/api/auth/login", json={"username": "admin", "password": password})
        if r.status_code != 200:
            sys.exit(f"login failed ({r.status_code}); set UMAMI_LITE_ADMIN_PASSWORD")
        self.headers = {"Authorization": f"Bearer {r.json['token']}"}
        self.conn = db.connect(path, readonly=True)
        row = self.conn.execute("SELECT website_id FROM website ORDER BY website_id").fetchone()
        self.website = self.conn.execute(
            "SELECT * FROM website WHERE website_id = ?", (row[0],)).fetchone()
        self.pageviews = self.conn.execute("SELECT count(*) FROM pageview").fetchone()[0]

    def http(self, suffix, params):
        started = time.perf_counter()
        r = self.client.get(f"/api/website/{self.website['website_id']}/{suffix}",
                            query_string=params, headers=self.headers)
        elapsed = time.perf_counter() - started
        if r.status_code != 200:
            sys.exit(f"{suffix} {params}: {r.status_code} {r.get_data(as_text=True)[:300]}")
        return elapsed, r.json

    def run(self, items, start, end, unit, tz, url):
        """Returns {name: {cold, warm: [...], naive: [...]}} and checks fast == naive."""
        results = {name: {"warm": [], "naive": []} for name, _, _ in items}
        evict(self.path)
        for name, suffix, params in items:
            results[name]["cold"], results[name]["answer"] = self.http(suffix, params)
        for _ in range(self.args.repeat):
            for name, suffix, params in items:
                results[name]["warm"].append(self.http(suffix, params)[0])
        if not self.args.no_naive:
            for _ in range(self.args.naive_repeat):
                for name, _, _ in items:
                    started = time.perf_counter()
                    answer = naive_call(self.conn, name, self.website, start, end, unit, tz,
                                        url)
                    results[name]["naive"].append(time.perf_counter() - started)
                    if _normal(answer) != _normal(results[name]["answer"]):
                        sys.exit(f"MISMATCH: {name} differs from the naive answer")
        return results


def _normal(answer):
    """Returns an answer in a comparable form (JSON round trip turns tuples into lists)."""
    import json
    return json.loads(json.dumps(answer))


def ms(seconds):
    return f"{seconds * 1000:,.1f}"


def print_table(title, results, naive_enabled):
    print(f"\n{title}")
    head = f"{'query':<18} {'cold ms':>9} {'p50 ms':>9} {'p95 ms':>9}"
    if naive_enabled:
        head += f" {'naive ms':>10} {'ratio':>8}"
    print(head)
    print("-" * len(head))
    totals = {"cold": 0, "p50": 0, "p95": 0, "naive": 0}
    for name, r in results.items():
        p50, p95 = pct(r["warm"], 50), pct(r["warm"], 95)
        line = f"{name:<18} {ms(r['cold']):>9} {ms(p50):>9} {ms(p95):>9}"
        totals["cold"] += r["cold"]
        totals["p50"] += p50
        totals["p95"] += p95
        if naive_enabled:
            base = statistics.median(r["naive"])
            totals["naive"] += base
            line += f" {ms(base):>10} {base / p50:>7.1f}x"
        print(line)
    line = (f"{'TOTAL':<18} {ms(totals['cold']):>9} {ms(totals['p50']):>9}"
            f" {ms(totals['p95']):>9}")
    if naive_enabled:
        line += f" {ms(totals['naive']):>10} {totals['naive'] / totals['p50']:>7.1f}x"
    print(line)
    return totals


def top_url(bench, start, end):
    row = bench.conn.execute(
        "SELECT url FROM pageview WHERE website_id = ? AND created_at BETWEEN ? AND ?"
        " GROUP BY url ORDER BY count(*) DESC, url LIMIT 1",
        (bench.website["website_id"], start, end)).fetchone()
    return row[0] if row else "/"


def bench_file(path, args):
    """Runs both sets on one file; returns the totals per set."""
    bench = Bench(path, args)
    now = int(time.time() * 1000)
    start, end, unit = dashboard_range(args.period, args.tz, now)
    size = sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))
    print(f"\n== {path}: {bench.pageviews:,} pageviews, {size / 1e6:,.1f} MB,"
          f" {size / max(bench.pageviews, 1):.1f} bytes/pageview; period {args.period}"
          f" ({unit}, tz {args.tz}), repeat {args.repeat}")
    totals = {}
    results = bench.run(query_set(start, end, unit, args.tz), start, end, unit, args.tz, None)
    totals["all"] = print_table("unfiltered", results, not args.no_naive)
    url = args.url or top_url(bench, start, end)
    results = bench.run(query_set(start, end, unit, args.tz, url), start, end, unit, args.tz,
                        url)
    totals["url"] = print_table(f"url = {url}", results, not args.no_naive)
    return bench.pageviews, totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db_paths", nargs="+")
    parser.add_argument("--period", choices=("30d", "12m"), default="30d")
    parser.add_argument("--tz", default="America/New_York")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--naive-repeat", type=int, default=1)
    parser.add_argument("--url", help="url filter (default: the most viewed url)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    args = parser.parse_args(argv)
    curve = [(path, *bench_file(path, args)) for path in args.db_paths]
    if len(curve) > 1:
        print("\ncost curve (warm p50 totals, ms)")
        print(f"{'pageviews':>12} {'fast':>9} {'naive':>10} {'fast url':>9} {'naive url':>10}")
        def naive_ms(total):  # "-" when --no-naive skipped the baseline
            return "-" if args.no_naive else ms(total["naive"])

        for _, pageviews, totals in curve:
            print(f"{pageviews:>12,} {ms(totals['all']['p50']):>9} {naive_ms(totals['all']):>10}"
                  f" {ms(totals['url']['p50']):>9} {naive_ms(totals['url']):>10}")


if __name__ == "__main__":
    main()
