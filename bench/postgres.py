"""The same benchmarks on PostgreSQL beside SQLite: query sets, bytes per pageview, ingest
with one and two app servers.

    python bench/postgres.py SQLITE_FILE [SQLITE_FILE ...] --server postgresql://USER@HOST/DB
                             [--repeat N] [--period 30d|12m] [--tz ZONE] [--no-raw]
                             [--no-queries] [--no-ingest] [--duration 10] [--threads 4]
                             [--connections 8] [--keep]

For each SQLITE_FILE (a bench/generate.py file; the admin password in
UMAMI_LITE_ADMIN_PASSWORD), a new database is made on --server's cluster and filled with
`umami-lite migrate` (timed), then both files answer:
1. the v1 dashboard set (bench/queries.py) and the current API's website-page set
   (bench/current_api.py, unfiltered and with one filter), in process, warm p50 totals;
   every answer is checked against the raw-row reference on that engine (unless --no-raw);
2. bytes per pageview: the SQLite file (and its -wal) against pg_database_size().
Then ingest (unless --no-ingest): wrk (Debian package `wrk`) drives bench/ingest.py's hit mix
at one app server (`umami-lite serve`, 1 worker x --threads) on a fresh PostgreSQL database,
then at two such servers at once (one wrk each, the same connections in all); the table shows
hits/s, latency and the stored rows against the acknowledged hits. Ratios come from the
same run. Databases made here are dropped at the end unless --keep.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import current_api  # noqa: E402
import ingest  # noqa: E402
import psycopg  # noqa: E402
import queries  # noqa: E402

from umami_lite.ops.migrate import migrate  # noqa: E402
from umami_lite.storage import connection as db, sites  # noqa: E402


def database_url(server, name):
    """Returns server's URL with its database name replaced by name."""
    return urlunsplit(urlsplit(server)._replace(path="/" + name))


def create_database(server):
    name = f"umami_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return database_url(server, name)


def drop_database(server, url):
    db.close_idle(url)
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def postgres_bytes(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def sqlite_bytes(path):
    return sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))


def query_totals(path, args):
    """Returns {set: warm p50 total s} of the v1 and current-API sets on path."""
    v1 = SimpleNamespace(period=args.period, tz=args.tz, repeat=args.repeat, naive_repeat=1,
                         url=None, no_naive=args.no_raw)
    current = SimpleNamespace(period=args.period, tz=args.tz, repeat=args.repeat, raw_repeat=1,
                              sets="unfiltered,one", only=args.only, limit=500, detail=False,
                              no_raw=args.no_raw)
    _, v1_totals = queries.bench_file(path, v1)
    _, current_totals = current_api.bench_file(path, current)
    found = {"v1 set": v1_totals["all"]["p50"], "v1 set, url filter": v1_totals["url"]["p50"]}
    for name, totals in current_totals.items():
        found[f"current set {name}"] = totals["p50"]
    return found


def bench_file(path, args, made):
    print(f"\n##### {path}")
    url = create_database(args.server)
    made.append(url)
    started = time.monotonic()
    copied = migrate(path, url, progress=lambda text: None)
    took = time.monotonic() - started
    rows = sum(copied.values())
    print(f"migrate: {rows:,} rows in {took:.1f} s ({rows / took:,.0f} rows/s, summaries"
          " included)")
    pageviews = copied.get("pageview", 0)
    sizes = {"sqlite": sqlite_bytes(path), "postgres": postgres_bytes(url)}
    totals = {}
    if not args.no_queries:
        totals = {"sqlite": query_totals(path, args), "postgres": query_totals(url, args)}
    return pageviews, sizes, totals


def print_summary(results):
    print("\n=== summary (warm p50 totals, ms; in process, Flask test client)")
    for path, (pageviews, sizes, totals) in results.items():
        print(f"\n{os.path.basename(path)}: {pageviews:,} pageviews")
        print(f"  {'bytes/pageview':<36} {sizes['sqlite'] / max(pageviews, 1):>10.1f}"
              f" {sizes['postgres'] / max(pageviews, 1):>10.1f}")
        if not totals:
            continue
        print(f"  {'set':<36} {'sqlite':>10} {'postgres':>10} {'pg/sqlite':>10}")
        for name, sqlite_s in totals["sqlite"].items():
            pg_s = totals["postgres"].get(name)
            if pg_s is not None:
                print(f"  {name:<36} {sqlite_s * 1000:>10.1f} {pg_s * 1000:>10.1f}"
                      f" {pg_s / sqlite_s:>9.2f}x")


def serve(url, port, args, log_path):
    env = {**os.environ, "UMAMI_LITE_DATABASE": url, "CLIENT_IP_HEADER": "X-Real-IP",
           "UMAMI_LITE_RATE_IP": "0", "UMAMI_LITE_RATE_WEBSITE": "0",
           "UMAMI_LITE_ADMIN_PASSWORD": "bench-password-1"}
    return ingest.start_server(
        [sys.executable, "-m", "umami_lite.cli", "serve", "--port", str(port),
         "--workers", "1", "--threads", str(args.threads)], env, port, log_path)


def ingest_run(server_count, args, workdir, made):
    """Returns {rps, p50, p99, acknowledged, stored} with server_count app servers."""
    url = create_database(args.server)
    made.append(url)
    db.prepare(url, "bench-password-1")  # the layout and a first admin (user 1)
    conn = db.connect(url)
    with db.transaction(conn):
        website = sites.create(conn, 1, "Bench", "example.com")
    conn.close()
    ports = [ingest.free_port() for _ in range(server_count)]
    processes = [serve(url, port, args, os.path.join(workdir, f"server-{server_count}-{n}.log"))
                 for n, port in enumerate(ports)]
    per = SimpleNamespace(wrk_threads=1, connections=max(1, args.connections // server_count),
                          duration=args.duration, seed=1)
    try:
        runs = [None] * server_count

        def drive(n):  # (each wrk its own folder: run_wrk writes its script there)
            folder = os.path.join(workdir, f"wrk-{server_count}-{n}")
            os.makedirs(folder, exist_ok=True)
            runs[n] = ingest.run_wrk(ports[n], "/api/collect", website["website_uuid"], per,
                                     folder, processes[n].pid)
        threads = [threading.Thread(target=drive, args=(n,)) for n in range(server_count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for process in processes:
            ingest.stop_server(process)
    check = db.connect(url, readonly=True)
    stored = sum(check.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("pageview", "event"))
    check.close()
    return {"rps": sum(r["rps"] for r in runs), "p50": statistics.median(r["p50"] for r in runs),
            "p99": max(r["p99"] for r in runs), "errors": sum(r["errors"] for r in runs),
            "acknowledged": sum(r["requests"] for r in runs) - sum(r["errors"] for r in runs),
            "stored": stored}


def print_ingest(found):
    print("\n=== ingest on PostgreSQL: /api/collect, wrk, each server 1 worker"
          " (one machine: servers, PostgreSQL and wrk share its cores)")
    print(f"{'app servers':<12} {'hits/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
          f" {'acknowledged':>13} {'stored':>8}")
    for count, r in found.items():
        print(f"{count:<12} {r['rps']:>9,.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['errors']:>7}"
              f" {r['acknowledged']:>13,} {r['stored']:>8,}")
    if 1 in found and 2 in found:
        print(f"two servers / one: {found[2]['rps'] / found[1]['rps']:.2f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="bench/generate.py SQLite files")
    parser.add_argument("--server", required=True,
                        help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--period", choices=("30d", "12m"), default="30d")
    parser.add_argument("--tz", default="America/New_York")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", help="current-API filter sets to run (e.g. country=eq)")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw-row references")
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument("--no-ingest", action="store_true")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=4, help="threads per app server")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections in all")
    parser.add_argument("--keep", action="store_true", help="keep the databases made")
    args = parser.parse_args(argv)
    if not args.no_ingest and shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    made = []
    try:
        results = {path: bench_file(path, args, made) for path in args.files}
        print_summary(results)
        if not args.no_ingest:
            with tempfile.TemporaryDirectory() as workdir:
                found = {n: ingest_run(n, args, workdir, made) for n in (1, 2)}
            print_ingest(found)
    finally:
        if not args.keep:
            for url in made:
                drop_database(args.server, url)
        else:
            print("kept: " + ", ".join(made))


if __name__ == "__main__":
    main()
