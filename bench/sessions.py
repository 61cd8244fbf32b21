"""Prints how long the current API's sessions routes take on a bench/generate.py file.

    UMAMI_LITE_ADMIN_PASSWORD=... .venv/bin/python bench/sessions.py FILE.db [--repeat 5]

Times, through the Flask test client (warm, median and p95 of --repeat calls): the first
page of the sessions list over the last day and over 30 days, sessions/stats and
sessions/weekly over 30 days, and one session's detail, activity and properties (the
session with the most recent hit). The ranges end at the file's last hit. Targets of the
analysis issue at 10 M pageviews: list <= 100 ms, activity <= 50 ms, weekly <= 250 ms.
"""
import argparse
import os
import statistics
import sys
import time

from umami_lite import create_app
from umami_lite.storage import connection as db

DAY_MS = 86_400_000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db_path")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tz", default="America/New_York")
    args = parser.parse_args(argv)
    app = create_app({"UMAMI_LITE_DATABASE": args.db_path})
    client = app.test_client()
    r = client.post("/api/auth/login", json={
        "username": "admin", "password": os.environ.get("UMAMI_LITE_ADMIN_PASSWORD")})
    if r.status_code != 200:
        sys.exit(f"login failed ({r.status_code}); set UMAMI_LITE_ADMIN_PASSWORD")
    headers = {"Authorization": f"Bearer {r.json['token']}"}
    conn = db.connect(args.db_path, readonly=True)
    uuid, website_id = conn.execute(
        "SELECT website_uuid, website_id FROM website ORDER BY website_id").fetchone()
    pageviews, last = conn.execute(
        "SELECT count(*), max(created_at) FROM pageview WHERE website_id = ?",
        (website_id,)).fetchone()
    base = f"/api/websites/{uuid}"

    def get(path, **params):
        began = time.perf_counter()
        r = client.get(base + path, query_string=params, headers=headers)
        if r.status_code != 200:
            sys.exit(f"{path}: {r.status_code} {r.get_data(as_text=True)[:300]}")
        return time.perf_counter() - began, r.json

    month = {"startAt": last - 30 * DAY_MS, "endAt": last}
    day = {"startAt": last - DAY_MS, "endAt": last}
    newest = get("/sessions", **day, pageSize=1)[1]["data"][0]["id"]
    routes = [
        ("sessions list, 1 day", "/sessions", day),
        ("sessions list, 30 days", "/sessions", month),
        ("sessions/stats, 30 days", "/sessions/stats", month),
        ("sessions/weekly, 30 days", "/sessions/weekly", {**month, "timezone": args.tz}),
        ("session detail", f"/sessions/{newest}", {}),
        ("session activity", f"/sessions/{newest}/activity", month),
        ("session properties", f"/sessions/{newest}/properties", {}),
    ]
    print(f"== {args.db_path}: {pageviews:,} pageviews; repeat {args.repeat}")
    print(f"{'route':28} {'cold ms':>9} {'p50 ms':>9} {'p95 ms':>9}")
    for name, path, params in routes:
        cold = get(path, **params)[0]
        warm = sorted(get(path, **params)[0] for _ in range(args.repeat))
        p95 = warm[min(len(warm) - 1, round(0.95 * (len(warm) - 1)))]
        print(f"{name:28} {cold * 1000:9.1f} {statistics.median(warm) * 1000:9.1f}"
              f" {p95 * 1000:9.1f}")


if __name__ == "__main__":
    main()
