"""Operations throughput: export, import, prune and backup on a generated database.

    python bench/ops.py [--events 1000000] [--days 60] [--workdir bench/out/ops]
                        [--collectors 4] [--backup-db PATH]

Builds a database of about --events raw events (pageviews plus ~5% events) with
bench/generate.py, then prints: export rows/s (JSON lines and CSV), the wall time and
peak memory of the `umami-lite export` command, import rows/s into an empty database and
again (the idempotent skip path), prune rows/s, and the time of `umami-lite backup`
while a running server (`umami-lite serve`) answers collect requests from --collectors
threads (their count, failures and slowest answer during the backup are printed too).
Rates time the library functions in this process, so command startup is not in them.
Figures only; nothing here asserts a speed.
"""
import argparse
import json
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import generate  # noqa: E402

from umami_lite.storage import connection as db  # noqa: E402
from umami_lite.ops import export, importer, retention  # noqa: E402

RAW_ROWS = "SELECT (SELECT count(*) FROM pageview) + (SELECT count(*) FROM event)"
PASSWORD = "bench-password-1"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"


def cli(database, *args):
    """Runs `umami-lite --database DATABASE ARGS`; returns (seconds, stdout)."""
    env = {**os.environ, "UMAMI_LITE_ADMIN_PASSWORD": PASSWORD}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "umami_lite.cli", "--database", database,
                           *args], env=env, capture_output=True, text=True, check=True)
    return time.monotonic() - started, done.stdout + done.stderr


def peak_child_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def count(database, sql):
    conn = sqlite3.connect(database)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def line(label, rows, seconds, extra=""):
    print(f"{label:<34} {rows:>10,} rows {seconds:8.1f} s {rows / seconds:>10,.0f} rows/s {extra}",
          flush=True)


def timed(function, *args, **kwargs):
    """Returns (seconds, result) of one call."""
    started = time.monotonic()
    result = function(*args, **kwargs)
    return time.monotonic() - started, result


def website_row(conn):
    return conn.execute("SELECT * FROM website WHERE website_id = 1").fetchone()


def bench_export_import(source, workdir):
    """Times the library functions in this process (no command startup in the figures)."""
    files = {}
    for fmt in ("jsonl", "csv"):
        files[fmt] = os.path.join(workdir, f"export.{fmt}")
        conn = db.connect(source, readonly=True)
        with open(files[fmt], "w", encoding="utf-8", newline="") as out:
            seconds, written = timed(export.export, conn, 1, out, fmt)
        conn.close()
        line(f"export {fmt}", written, seconds,
             f"({os.path.getsize(files[fmt]) / 2**20:,.0f} MiB)")
    seconds, _ = cli(source, "export", "--website", "1", "--output",
                     os.path.join(workdir, "cli.jsonl"))
    print(f"{'`umami-lite export` (jsonl), whole':<34} {seconds:8.1f} s, peak RSS "
          f"{peak_child_mb():,.0f} MiB", flush=True)
    for fmt in ("jsonl", "csv"):
        target = os.path.join(workdir, f"import-{fmt}.db")
        cli(target, "add-website", "Imported", "--domain", generate.DOMAIN)
        conn = db.connect(target)
        for label in ("(empty database)", "again (all skipped)"):
            seconds, [report] = timed(importer.import_files, conn, website_row(conn),
                                      [files[fmt]])
            line(f"import {fmt} {label}", report.read, seconds,
                 f"[imported {report.imported}, skipped {sum(report.skipped.values())}]")
        conn.close()
    print(f"{'peak RSS of the export command':<34} {peak_child_mb():,.0f} MiB", flush=True)
    return os.path.join(workdir, "import-jsonl.db")


def bench_prune(database, days):
    keep = max(1, days // 2)
    conn = db.connect(database)
    with db.transaction(conn):
        retention.set_days(conn, 1, keep)
    before = count(database, RAW_ROWS)
    seconds, [report] = timed(retention.prune, conn, int(time.time() * 1000))
    conn.close()
    line(f"prune (keep {keep} of {days} days)", before - count(database, RAW_ROWS), seconds,
         f"[{report.batches} batches]")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_backup(database, workdir, collectors):
    """Returns after timing `umami-lite backup` of database while it receives collect load."""
    uuid = sqlite3.connect(database).execute(
        "SELECT website_uuid FROM website WHERE website_id = 1").fetchone()[0]
    port = free_port()
    env = {**os.environ, "UMAMI_LITE_ADMIN_PASSWORD": PASSWORD, "UMAMI_LITE_DATABASE": database}
    server = subprocess.Popen([sys.executable, "-m", "umami_lite.cli", "serve", "--port",
                               str(port), "--workers", "2", "--threads", "4"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/api/heartbeat", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        stop = threading.Event()
        results = []  # (ok, seconds, finished_at)

        def collect(index):
            body = json.dumps({"type": "pageview", "payload": {
                "website": uuid, "url": f"/load/{index}", "hostname": generate.DOMAIN,
                "screen": "1920x1080", "language": "en-US"}}).encode()
            sent = 0
            while not stop.is_set() and sent < 200_000:  # bounded even if stop never comes
                request = urllib.request.Request(url + "/api/collect", data=body, headers={
                    "Content-Type": "application/json", "User-Agent": UA,
                    "X-Forwarded-For": f"198.51.100.{index}"})
                started = time.monotonic()
                try:
                    urllib.request.urlopen(request, timeout=30).read()
                    ok = True
                except OSError:
                    ok = False
                results.append((ok, time.monotonic() - started, time.monotonic()))
                sent += 1

        threads = [threading.Thread(target=collect, args=(i,)) for i in range(collectors)]
        for thread in threads:
            thread.start()
        time.sleep(2)  # load running before the backup starts
        target = os.path.join(workdir, "backup.db")
        began = time.monotonic()
        seconds, out = cli(database, "backup", target)
        ended = time.monotonic()
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(30)
    during = [r for r in results if began <= r[2] <= ended]
    slowest = max((r[1] for r in during), default=0)
    size = os.path.getsize(database) / 2**20
    print(f"{'backup under collect load':<34} {size:>10,.0f} MiB {seconds:8.1f} s "
          f"{size / seconds:>10,.0f} MiB/s", flush=True)
    print(f"  collect during the backup: {len(during)} answered "
          f"({len(during) / max(ended - began, 1e-9):,.0f}/s), "
          f"{sum(1 for r in during if not r[0])} failed, slowest {slowest * 1000:,.0f} ms; "
          f"over the whole run {len(results)} requests", flush=True)
    print(f"  {out.strip()[:160]}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workdir", default=os.path.join(HERE, "out", "ops"))
    parser.add_argument("--collectors", type=int, default=4)
    parser.add_argument("--backup-db", help="back up this database instead of the generated one")
    args = parser.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    source = os.path.join(args.workdir, "source.db")
    started = time.monotonic()
    os.environ["UMAMI_LITE_ADMIN_PASSWORD"] = PASSWORD
    generate.generate(source, round(args.events / (1 + generate.EVENT_SHARE)), args.days)
    print(f"generated {source} ({os.path.getsize(source) / 2**20:,.0f} MiB) in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    imported = bench_export_import(source, args.workdir)
    bench_prune(imported, args.days)
    bench_backup(args.backup_db or source, args.workdir, args.collectors)


if __name__ == "__main__":
    main()
