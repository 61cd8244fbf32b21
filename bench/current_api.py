"""Times the current API set that Umami 3's website page loads, against the raw-row answers.

    python bench/current_api.py DB_PATH [DB_PATH ...] [--period 30d|12m|7d|1h] [--tz ZONE]
                                [--repeat N] [--raw-repeat N] [--sets unfiltered,one,combined]
                                [--only NAME,...] [--limit N] [--no-raw]

The set, over HTTP through the app (Flask test client) under /api/websites/{uuid}/: stats
(with its comparison, the previous period), pageviews (unit day for 30d, month for 12m,
hour for 7d, minute for 1h) in a non-UTC zone, the metrics path, entry, exit, referrer,
browser, os, device, country and event, and events/series. The range is the dashboard's
(as bench/queries.py: local midnight 29 days ago, or the first of the month 11 months ago,
to the end of today in --tz; 7d: the last 7 local days; 1h: the last 60 minutes), taken
with "now" at the newest pageview of the file, so a file benched days after it was made
still has a full range and a current (not yet summarized) hour.

Sets: `unfiltered`; `one`: each filter of the current API alone, eq and neq of the most
frequent value of the last day of the range (a filter whose column is empty everywhere
gets the value `none`); `combined`: two or three filters together.

cold = first pass of a set after evicting the database file from the OS page cache;
warm = the next --repeat passes (p50, p95). raw = the raw-row functions the app keeps
beside its fast paths (stats.raw_query, series.raw_pageviews and raw_events,
metrics.raw_query), called on a read-only connection (no HTTP or JSON cost, which favours
them), --raw-repeat passes (median); the script stops if any answer differs from them.
The admin password comes from UMAMI_LITE_ADMIN_PASSWORD.
"""
import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from queries import evict, ms, pct  # noqa: E402

from umami_lite import create_app  # noqa: E402
from umami_lite.queries.current import metrics, series, stats  # noqa: E402
from umami_lite.queries.filters import Query, parse_filters  # noqa: E402
from umami_lite.storage import connection as db  # noqa: E402
from umami_lite.web.current_params import LOCAL_LABELS, compared  # noqa: E402

METRIC_TYPES = ("path", "entry", "exit", "referrer", "browser", "os", "device", "country",
                "event")
UNITS = {"30d": "day", "12m": "month", "7d": "hour", "1h": "minute"}
# filter parameter -> (table, column) its value is picked from
FILTER_COLUMNS = {
    "path": ("pageview", "url_path"), "referrer": ("pageview", "referrer_domain"),
    "title": ("pageview", "page_title"), "query": ("pageview", "url_query"),
    "hostname": ("session", "hostname"), "browser": ("session", "browser"),
    "os": ("session", "os"), "device": ("session", "device"),
    "country": ("session", "country"), "language": ("session", "language"),
    "screen": ("session", "screen"), "event": ("event", "event_value"),
    "tag": ("pageview", "tag"), "utmSource": ("pageview", "utm_source"),
    "utmMedium": ("pageview", "utm_medium"), "utmCampaign": ("pageview", "utm_campaign"),
    "utmContent": ("pageview", "utm_content"), "utmTerm": ("pageview", "utm_term"),
    "distinctId": ("session", "distinct_id"),
}
COMBINED = (("country", "browser"), ("path", "country"), ("country", "device", "path!"))


def dashboard_range(period, tz, now_ms):
    """Returns (start_ms, end_ms) of the dashboard's range ending today (or now, for 1h)."""
    if period == "1h":
        return now_ms - 3_600_000 + 1, now_ms
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now_ms / 1000, zone).date()
    if period == "12m":
        month = today.year * 12 + today.month - 1 - 11
        first = today.replace(year=month // 12, month=month % 12 + 1, day=1)
    else:
        first = today - timedelta(days=29 if period == "30d" else 6)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(today.year, today.month, today.day, tzinfo=zone) + timedelta(days=1)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000) - 1


def route_set(start, end, unit, tz, limit, filters):
    """Returns [(name, path suffix, params)] of one page load with filters (a dict)."""
    base = {"startAt": start, "endAt": end, **filters}
    timed = {**base, "unit": unit, "timezone": tz}
    items = [("stats", "stats", base), ("pageviews", "pageviews", timed)]
    items += [(f"metrics {kind}", "metrics", {**base, "type": kind, "limit": limit})
              for kind in METRIC_TYPES]
    items.append(("events/series", "events/series", timed))
    return items


def raw_answer(conn, website, name, params):
    """Returns the raw-row answer of one route, as the route would send it."""
    q = Query(website["website_id"], params["startAt"], params["endAt"],
              parse_filters(MultiDict(params)))
    if name == "stats":
        before = compared(q, "prev")
        return {**stats.raw_query(conn, q), "comparison": stats.raw_query(conn, before)}
    if name == "pageviews":
        return series.raw_pageviews(conn, q, params["unit"], params["timezone"], LOCAL_LABELS)
    if name == "events/series":
        return series.raw_events(conn, q, params["unit"], params["timezone"], LOCAL_LABELS)
    return metrics.raw_query(conn, q, website, params["type"], params["limit"], 0)


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
        wid = self.website["website_id"]
        self.pageviews = self.conn.execute("SELECT count(*) FROM pageview").fetchone()[0]
        self.newest = self.conn.execute(
            "SELECT max(created_at) FROM pageview WHERE website_id = ?", (wid,)).fetchone()[0]

    def http(self, suffix, params):
        started = time.perf_counter()
        r = self.client.get(f"/api/websites/{self.website['website_uuid']}/{suffix}",
                            query_string=params, headers=self.headers)
        elapsed = time.perf_counter() - started
        if r.status_code != 200:
            sys.exit(f"{suffix} {params}: {r.status_code} {r.get_data(as_text=True)[:300]}")
        return elapsed, r.json

    def run(self, items):
        """Returns {name: {cold, warm: [...], raw: [...]}}; exits when an answer differs."""
        results = {name: {"warm": [], "raw": []} for name, _, _ in items}
        evict(self.path)
        for name, suffix, params in items:
            results[name]["cold"], results[name]["answer"] = self.http(suffix, params)
        for _ in range(self.args.repeat):
            for name, suffix, params in items:
                results[name]["warm"].append(self.http(suffix, params)[0])
        if not self.args.no_raw:
            for _ in range(self.args.raw_repeat):
                for name, _, params in items:
                    started = time.perf_counter()
                    answer = raw_answer(self.conn, self.website, name, params)
                    results[name]["raw"].append(time.perf_counter() - started)
                    if json.loads(json.dumps(answer)) != results[name]["answer"]:
                        sys.exit(f"MISMATCH: {name} {params} differs from the raw-row answer")
        return results

    def top_value(self, param, start, end):
        """Returns the most frequent value of a filter's column over the range's last day."""
        table, column = FILTER_COLUMNS[param]
        wid = self.website["website_id"]
        since = max(start, end - 86_400_000)
        if table == "session":
            sql = (f"SELECT s.{column} FROM pageview p JOIN session s"
                   f" ON s.session_id = p.session_id WHERE p.website_id = ?"
                   f" AND p.created_at BETWEEN ? AND ? AND s.{column} IS NOT NULL"
                   f" AND s.{column} != '' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        else:
            sql = (f"SELECT {column} FROM {table} WHERE website_id = ?"
                   f" AND created_at BETWEEN ? AND ? AND {column} IS NOT NULL"
                   f" AND {column} != '' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        row = self.conn.execute(sql, (wid, since, end)).fetchone()
        return row[0] if row else "none"


def filter_sets(bench, args, start, end):
    """Returns [(set name, filter params)] of the sets asked for."""
    wanted = args.sets.split(",")
    out = [("unfiltered", {})] if "unfiltered" in wanted else []
    values = {}

    def value(param):
        if param not in values:
            values[param] = bench.top_value(param, start, end)
        return values[param]

    if "one" in wanted:
        for param in FILTER_COLUMNS:
            for op in ("eq", "neq"):
                out.append((f"{param}={op}", {param: f"{op}.{value(param)}"}))
    if "combined" in wanted:
        for combo in COMBINED:
            params = {}
            for name in combo:
                op = "neq" if name.endswith("!") else "eq"
                params[name.rstrip("!")] = f"{op}.{value(name.rstrip('!'))}"
            out.append(("+".join(f"{k}={v.split('.')[0]}" for k, v in params.items()), params))
    if args.only:
        names = args.only.split(",")
        out = [item for item in out if item[0] in names]
    return out


def summarize(results, raw_enabled):
    """Returns {cold, p50, p95, max_p95, raw} totals of one set."""
    totals = {"cold": 0, "p50": 0, "p95": 0, "max_p95": 0, "raw": 0}
    for r in results.values():
        p95 = pct(r["warm"], 95)
        totals["cold"] += r["cold"]
        totals["p50"] += pct(r["warm"], 50)
        totals["p95"] += p95
        totals["max_p95"] = max(totals["max_p95"], p95)
        if raw_enabled:
            totals["raw"] += statistics.median(r["raw"])
    return totals


def print_table(title, results, raw_enabled):
    print(f"\n{title}")
    head = f"{'route':<18} {'cold ms':>9} {'p50 ms':>9} {'p95 ms':>9}"
    if raw_enabled:
        head += f" {'raw ms':>10} {'ratio':>8}"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        p50 = pct(r["warm"], 50)
        line = f"{name:<18} {ms(r['cold']):>9} {ms(p50):>9} {ms(pct(r['warm'], 95)):>9}"
        if raw_enabled:
            base = statistics.median(r["raw"])
            line += f" {ms(base):>10} {base / p50:>7.1f}x"
        print(line)
    t = summarize(results, raw_enabled)
    line = f"{'TOTAL':<18} {ms(t['cold']):>9} {ms(t['p50']):>9} {ms(t['p95']):>9}"
    if raw_enabled:
        line += f" {ms(t['raw']):>10} {t['raw'] / t['p50']:>7.1f}x"
    print(line)
    return t


def bench_file(path, args):
    """Runs the sets on one file; returns (pageviews, {set name: totals})."""
    bench = Bench(path, args)
    start, end = dashboard_range(args.period, args.tz, bench.newest)
    unit = UNITS[args.period]
    size = sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))
    print(f"\n== {path}: {bench.pageviews:,} pageviews, {size / 1e6:,.1f} MB,"
          f" {size / max(bench.pageviews, 1):.1f} bytes/pageview; period {args.period}"
          f" ({unit}, tz {args.tz}), repeat {args.repeat}, limit {args.limit}")
    raw = not args.no_raw
    totals = {}
    for name, filters in filter_sets(bench, args, start, end):
        results = bench.run(route_set(start, end, unit, args.tz, args.limit, filters))
        if name == "unfiltered" or args.detail:
            totals[name] = print_table(f"{name} {filters or ''}", results, raw)
        else:
            totals[name] = summarize(results, raw)
        sys.stdout.flush()
    if len(totals) > 1:
        print(f"\n{'set':<34} {'cold ms':>9} {'p50 ms':>9} {'max p95':>9}"
              + (f" {'raw ms':>10} {'ratio':>8}" if raw else ""))
        for name, t in totals.items():
            line = f"{name:<34} {ms(t['cold']):>9} {ms(t['p50']):>9} {ms(t['max_p95']):>9}"
            if raw:
                line += f" {ms(t['raw']):>10} {t['raw'] / t['p50']:>7.1f}x"
            print(line)
        groups = {"one filter": [t for n, t in totals.items()
                                 if "+" not in n and n != "unfiltered"],
                  "combined": [t for n, t in totals.items() if "+" in n]}
        for label, group in groups.items():
            if group:
                print(f"{label}: slowest set {ms(max(t['p50'] for t in group))} ms p50,"
                      f" slowest route p95 {ms(max(t['max_p95'] for t in group))} ms")
    return bench.pageviews, totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db_paths", nargs="+")
    parser.add_argument("--period", choices=tuple(UNITS), default="30d")
    parser.add_argument("--tz", default="America/New_York")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--raw-repeat", type=int, default=1)
    parser.add_argument("--sets", default="unfiltered,one,combined",
                        help="comma-separated: unfiltered, one, combined")
    parser.add_argument("--only", help="comma-separated set names to run (e.g. country=eq)")
    parser.add_argument("--limit", type=int, default=500, help="metrics limit (the API default)")
    parser.add_argument("--detail", action="store_true", help="a route table for every set")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw-row reference")
    args = parser.parse_args(argv)
    curve = [(path, *bench_file(path, args)) for path in args.db_paths]
    if len(curve) > 1:
        print("\ncost curve (warm p50 totals, ms)")
        names = list(curve[0][2])
        print(f"{'pageviews':>12} " + " ".join(f"{n[:14]:>14}" for n in names))
        for _, pageviews, totals in curve:
            print(f"{pageviews:>12,} " + " ".join(f"{ms(totals[n]['p50']):>14}" for n in names
                                                  if n in totals))


if __name__ == "__main__":
    main()
