"""What server-side tracking costs a host's request: the same page with and without it.

Two copies of one small host app (one with UMAMI_LITE_TRACK_WEBSITE, one without), each
with its own SQLite file, answer the same GET through the WSGI callable (no socket, so
Flask's own cost is all that is compared). Rounds alternate between the two so drift hits
both equally. The writer thread runs during the timed loops, as in production, so its
share of the GIL counts against the tracked app. Two figures:

- paced: requests arrive at --rate per second (below the writer's capacity, like a real
  site); per-request latency, median and 99th percentile: what a visitor waits.
- hook: the tracking hook alone (checks, capture, enqueue) in one request context, with
  the writer stopped: the synchronous cost every tracked page pays.
- saturated: requests back to back; µs per request, median round: the CPU a tracked
  pageview costs the process in total (hook + the writer's work), i.e. lost throughput.

    .venv/bin/python bench/embed_overhead.py [--requests 5000] [--rounds 5] [--rate 200]
"""
import argparse
import io
import queue
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from flask import Flask, render_template
from jinja2 import DictLoader
from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from umami_lite import UmamiLite
from umami_lite.storage import connection as db, sites
from umami_lite.ingest import server_tracking as servertrack  # noqa: E402

UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/156.0.0.0 Safari/537.36")
PAGE = "<!doctype html><title>{{ title }}</title><h1>{{ title }}</h1><p>{{ body }}</p>"


def host_app(database, website_uuid=None):
    """Returns a host app with umami-lite embedded, tracking website_uuid if given."""
    app = Flask(f"host_{uuid.uuid4().hex}")
    app.config.update(SECRET_KEY="bench", UMAMI_LITE_DATABASE=database,
                      UMAMI_LITE_ADMIN_PASSWORD="bench-password",
                      UMAMI_LITE_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    if website_uuid:
        app.config["UMAMI_LITE_TRACK_WEBSITE"] = website_uuid
    app.jinja_loader = DictLoader({"page.html": PAGE})

    @app.get("/articles/<slug>")
    def article(slug):
        return render_template("page.html", title=slug, body="Lorem ipsum " * 20)

    UmamiLite(app)
    return app


def seed_website(database):
    """Returns the uuid of a new website in a new database."""
    db.prepare(database, "bench-password", "pbkdf2:sha256:1000")
    conn = db.connect(database)
    with db.transaction(conn):
        website_uuid = sites.create(conn, 1, "Bench", "bench.test")["website_uuid"]
    conn.close()
    return website_uuid


def environ_for(n):
    """Returns a WSGI environ for a page view by visitor n (distinct IPs, one user agent)."""
    environ = EnvironBuilder(path=f"/articles/post-{n % 50}", headers={
        "User-Agent": UA, "Accept-Language": "en-US,en;q=0.9",
        "Referer": "https://search.test/"}).get_environ()
    environ["REMOTE_ADDR"] = f"203.0.{(n >> 8) % 256}.{n % 256}"
    return environ


def start_response(status, headers, exc_info=None):
    assert status.startswith("200"), status


def answer(app, environ):
    """Returns seconds for app to answer environ through its WSGI callable."""
    started = time.perf_counter()
    body = app.wsgi_app(dict(environ, **{"wsgi.input": io.BytesIO()}), start_response)
    for _ in body:
        pass
    if hasattr(body, "close"):
        body.close()
    return time.perf_counter() - started


def saturated(app, environs):
    """Returns seconds to answer every environ back to back."""
    started = time.perf_counter()
    for environ in environs:
        answer(app, environ)
    return time.perf_counter() - started


def paced(app, environs, rate):
    """Returns the latency of each request when they arrive rate times per second."""
    interval = 1 / rate
    latencies = []
    next_at = time.perf_counter()
    for environ in environs:
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        latencies.append(answer(app, environ))
        next_at += interval
    return latencies


def hook_cost(app, environ, count):
    """Returns seconds per call of the tracking hook, enqueueing into an unread queue."""
    umami = app.extensions["umami_lite"]
    sink = queue.Queue()
    hook = servertrack.PageTracker(umami, (), SimpleNamespace(put=sink.put_nowait))
    with app.request_context(dict(environ, **{"wsgi.input": io.BytesIO()})):
        app.preprocess_request()
        response = app.make_response(app.dispatch_request())
        started = time.perf_counter()
        for _ in range(count):
            hook(response)
        elapsed = time.perf_counter() - started
    assert sink.qsize() == count
    return elapsed / count


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=200, help="paced requests per second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = host_app(str(Path(tmp) / "plain.db"))
        tracked_db = str(Path(tmp) / "tracked.db")
        tracked = host_app(tracked_db, seed_website(tracked_db))
        tracking = tracked.extensions["umami_lite"].tracking
        environs = [environ_for(n) for n in range(args.requests)]
        saturated(plain, environs[:500])  # warm-up: imports, templates, writer, geo data
        saturated(tracked, environs[:500])
        tracking.flush()
        paced_n = min(args.requests, int(args.rate * 5))
        latency = {"without": [], "with": []}
        for _ in range(2):
            latency["without"] += paced(plain, environs[:paced_n], args.rate)
            latency["with"] += paced(tracked, environs[:paced_n], args.rate)
        tracking.flush()
        hook = statistics.median(hook_cost(tracked, environs[0], 20000) for _ in range(5))
        times = {"without": [], "with": []}
        for _ in range(args.rounds):
            times["without"].append(saturated(plain, environs))
            times["with"].append(saturated(tracked, environs))
        started = time.perf_counter()
        tracking.flush()
        drain = time.perf_counter() - started
        counts = tracking.counts()
        tracking.close()
    print(f"paced, {args.rate:g} requests/s, {2 * paced_n} requests per app:")
    for name in ("without", "with"):
        values = latency[name]
        print(f"  {name + ' tracking:':18}median {statistics.median(values) * 1e6:7.1f} µs, "
              f"p99 {percentile(values, 0.99) * 1e6:7.1f} µs")
    ratio = statistics.median(latency["with"]) / statistics.median(latency["without"])
    extra = statistics.median(latency["with"]) - statistics.median(latency["without"])
    print(f"  overhead:         median {extra * 1e6:7.1f} µs/request, ratio {ratio:.3f}")
    print(f"hook alone (checks + capture + enqueue): {hook * 1e6:.1f} µs/request")
    per_request = {name: statistics.median(values) / args.requests * 1e6
                   for name, values in times.items()}
    print(f"saturated, {args.requests} requests x {args.rounds} rounds, median round:")
    print(f"  without tracking: {per_request['without']:7.1f} µs/request")
    print(f"  with tracking:    {per_request['with']:7.1f} µs/request")
    print(f"  overhead:         {per_request['with'] - per_request['without']:7.1f} µs/request, "
          f"ratio {per_request['with'] / per_request['without']:.3f}")
    print(f"writer: {counts['stored']} stored, {counts['dropped']} dropped (queue full), "
          f"{counts['failed']} failed; {drain * 1000:.0f} ms to drain after the last round")


if __name__ == "__main__":
    main()
