"""Prints how long each Umami 3 report takes on a generated website (raw rows for now).

    UMAMI_LITE_ADMIN_PASSWORD=bench-password .venv/bin/python bench/reports.py \
        [--pageviews 200000] [--days 30] [--file DB_PATH]

bench/generate.py builds the file (its sessions, visits, urls and events), or --file names
one it built before (its first website; the admin password as above); each report
over the whole range is then timed (median of 3 calls) through the Flask test client,
unfiltered and with one filter (browser = Chrome). The answers are not checked here: the
tests compute them by hand on a small dataset.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from generate import generate  # noqa: E402

from umami_lite import create_app  # noqa: E402

PASSWORD = os.environ.setdefault("UMAMI_LITE_ADMIN_PASSWORD", "bench-password")


def reports(db_path):
    """Returns [(name, type, parameters)]: the issue's report shapes, on this file's paths
    and event names."""
    import sqlite3
    conn = sqlite3.connect(db_path)
    paths = [row[0] for row in conn.execute(
        "SELECT url_path, count(*) AS n FROM pageview GROUP BY url_path ORDER BY n DESC"
        " LIMIT 5")]
    event = conn.execute("SELECT event_value FROM event GROUP BY event_value"
                         " ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    conn.close()
    steps = [{"type": "path", "value": p} for p in paths]
    return [
        ("funnel 5 steps, 60 min", "funnel", {"window": 60, "steps": steps}),
        ("retention", "retention", {}),
        ("journey 5 steps", "journey", {"steps": 5}),
        ("attribution first-click", "attribution",
         {"model": "first-click", "type": "event", "step": event}),
        ("attribution last-click", "attribution",
         {"model": "last-click", "type": "event", "step": event}),
        ("goal", "goal", {"type": "path", "value": paths[0]}),
        ("utm", "utm", {}),
        ("breakdown path x browser", "breakdown", {"fields": ["path", "browser"]}),
        ("revenue", "revenue", {"currency": "USD"}),
    ]


def timed(client, headers, body, kind):
    samples = []
    for _ in range(3):
        began = time.perf_counter()
        r = client.post(f"/api/reports/{kind}", json=body, headers=headers)
        samples.append(time.perf_counter() - began)
        assert r.status_code == 200, r.get_data(as_text=True)
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pageviews", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--file", help="a bench/generate.py file to read instead of a new one")
    args = parser.parse_args()
    db_path, website = args.file, None
    if db_path is None:
        db_path = os.path.join(tempfile.mkdtemp(), "reports.db")
        began = time.perf_counter()
        website = generate(db_path, args.pageviews, args.days)
        print(f"generated {args.pageviews} pageviews over {args.days} days in "
              f"{time.perf_counter() - began:.1f} s")
    app = create_app({"UMAMI_LITE_DATABASE": db_path, "UMAMI_LITE_ADMIN_PASSWORD": PASSWORD})
    client = app.test_client()
    token = client.post("/api/auth/login", json={"username": "admin",
                                                 "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    if website is None:
        website = {"website_uuid": client.get("/api/websites", headers=headers)
                   .json["data"][0]["id"]}
    dates = {"startDate": 0, "endDate": int(time.time() * 1000) + 86_400_000}
    print(f"{'report':28} {'unfiltered':>12} {'browser=Chrome':>15}")
    for name, kind, parameters in reports(db_path):
        body = {"websiteId": website["website_uuid"], "filters": {},
                "parameters": {**dates, **parameters}}
        plain = timed(client, headers, body, kind)
        chrome = timed(client, headers, {**body, "filters": {"browser": "eq.Chrome"}}, kind)
        print(f"{name:28} {plain:9.1f} ms {chrome:12.1f} ms")


if __name__ == "__main__":
    main()
