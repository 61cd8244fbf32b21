"""Ingest throughput of POST /api/collect under the production server, beside a bare endpoint.

    python bench/ingest.py [--workers 2] [--threads 4] [--duration 10] [--connections 16]

Starts `umami-lite serve` (gunicorn, --workers x --threads) on a fresh database in a
temporary folder, and then, with the same gunicorn settings, bench/bare_app.py: the same
app plus POST /bench/ok that only answers 200. Each is driven from separate processes:
1. peak: wrk (Debian package `wrk`) with --connections keep-alive connections for
   --duration seconds, pageviews of random visitors (random X-Real-IP, which the server is
   told to trust, and a few user agents) over 2,000 urls;
2. half of that peak: an open-loop asyncio client sending at a fixed rate, which gives
   latency percentiles not hidden by coordinated omission.
Reports requests/s, latency p50/p90/p99, errors (non-2xx and socket errors), and the RSS of
each gunicorn worker at the end, side by side; then the rows stored.
"""
import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from umami_lite import db, sites  # noqa: E402

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
]

WRK_SCRIPT = """
local uas = {%(uas)s}
local uuid = "%(uuid)s"
math.randomseed(%(seed)d)
request = function()
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." ..
             math.random(1, 254)
  local body = '{"type":"pageview","payload":{"website":"' .. uuid .. '","url":"/page/' ..
    math.random(1, 2000) .. '","referrer":"https://www.google.com/","hostname":"example.com",' ..
    '"screen":"1920x1080","language":"en-US"}}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["User-Agent"] = uas[math.random(1, #uas)]
  wrk.headers["X-Real-IP"] = ip
  return wrk.format("POST", "%(path)s", nil, body)
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(command, env, port, log_path):
    """Returns the gunicorn master process once /api/heartbeat answers."""
    log = open(log_path, "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited: {open(log_path).read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/heartbeat", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("server did not start")


def stop_server(process):
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def worker_rss_mb(master_pid):
    """Returns the RSS (MB) of each child process of the gunicorn master."""
    sizes = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as status:
                text = status.read()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", text, re.M).group(1)) / 1024)
    return sorted(sizes)


def run_wrk(port, path, uuid, args, workdir):
    """Returns {rps, p50, p90, p99 (ms), errors, requests} of a wrk run."""
    script = os.path.join(workdir, "collect.lua")
    with open(script, "w") as out:
        out.write(WRK_SCRIPT % {"uas": ", ".join(json.dumps(ua) for ua in USER_AGENTS),
                                "uuid": uuid, "seed": args.seed, "path": path})
    result = subprocess.run(
        ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d",
         f"{args.duration}s", "--latency", "-s", script, f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True)
    text = result.stdout
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
             "requests": int(re.search(r"(\d+) requests in", text).group(1)),
             "errors": 0}
    for label in ("50", "90", "99"):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        found[f"p{label}"] = _to_ms(*match.groups())
    for match in re.finditer(r"Non-2xx or 3xx responses: (\d+)", text):
        found["errors"] += int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                      text)
    if match:
        found["errors"] += sum(int(n) for n in match.groups())
    return found


def _to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _one(port, path, body_for, latencies, errors, rng):
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    body = body_for(rng).encode()
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"User-Agent: {rng.choice(USER_AGENTS)}\r\nX-Real-IP: {ip}\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        status = await asyncio.wait_for(reader.readline(), 30)
        await reader.read()
        writer.close()
        if b" 200 " not in status:
            errors.append(status)
            return
    except (OSError, asyncio.TimeoutError) as exc:
        errors.append(exc)
        return
    latencies.append(time.perf_counter() - started)


async def _open_loop(port, path, uuid, rate, duration, seed):
    rng = random.Random(seed)

    def body_for(r):
        return json.dumps({"type": "pageview", "payload": {
            "website": uuid, "url": f"/page/{r.randrange(1, 2001)}",
            "referrer": "https://www.google.com/", "hostname": "example.com",
            "screen": "1920x1080", "language": "en-US"}})

    latencies, errors, tasks = [], [], []
    started = time.perf_counter()
    count = int(rate * duration)
    for index in range(count):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(port, path, body_for, latencies, errors, rng)))
    await asyncio.gather(*tasks)
    return latencies, errors, count


def open_loop(port, path, uuid, rate, duration, seed):
    """Returns {rate, p50, p90, p99 (ms), errors} at a fixed request rate (new connections)."""
    latencies, errors, count = asyncio.run(_open_loop(port, path, uuid, rate, duration, seed))
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 \
            if latencies else float("nan")
    return {"rate": rate, "p50": pct(50), "p90": pct(90), "p99": pct(99),
            "errors": len(errors), "requests": count}


def measure(name, command, env, port, path, uuid, args, workdir):
    """Returns the figures of one server: peak (wrk), half-peak latency, worker RSS."""
    server = start_server(command, env, port, os.path.join(workdir, f"{name}.log"))
    try:
        peak = run_wrk(port, path, uuid, args, workdir)
        rss = worker_rss_mb(server.pid)
        half = open_loop(port, path, uuid, max(1.0, peak["rps"] / 2), args.duration, args.seed)
        rss = [max(a, b) for a, b in zip(rss, worker_rss_mb(server.pid))] or rss
    finally:
        stop_server(server)
    return {"peak": peak, "half": half, "rss": rss}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    workdir = tempfile.mkdtemp(prefix="umami-lite-ingest-")
    path = os.path.join(workdir, "ingest.db")
    db.prepare(path, "bench-password-1")
    conn = db.connect(path)
    with db.transaction(conn):
        website = sites.create(conn, 1, "Ingest", "example.com")
    conn.close()
    env = {**os.environ, "UMAMI_LITE_DATABASE": path, "CLIENT_IP_HEADER": "X-Real-IP",
           "PYTHONPATH": ROOT}
    port = free_port()
    serve = [sys.executable, "-m", "umami_lite.cli", "serve", "--port", str(port),
             "--workers", str(args.workers), "--threads", str(args.threads)]
    bare = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers), "--threads", str(args.threads),
            "--chdir", os.path.join(ROOT, "bench"), "bare_app:app"]
    print(f"server: gunicorn, {args.workers} workers x {args.threads} threads; wrk "
          f"{args.connections} connections, {args.duration} s per run; {os.cpu_count()} CPUs")
    results = {
        "collect": measure("collect", serve, env, port, "/api/collect", website["website_uuid"],
                           args, workdir),
        "bare": measure("bare", bare, env, port, "/bench/ok", website["website_uuid"], args,
                        workdir),
    }
    c, b = results["collect"], results["bare"]
    rows = [("peak req/s", "rps", "{:,.0f}"), ("peak p50 ms", "p50", "{:.2f}"),
            ("peak p90 ms", "p90", "{:.2f}"), ("peak p99 ms", "p99", "{:.2f}"),
            ("peak errors", "errors", "{:d}")]
    print(f"\n{'':<22} {'/api/collect':>14} {'/bench/ok':>14} {'ratio':>8}")
    for label, key, fmt in rows:
        ratio = (f"{c['peak'][key] / b['peak'][key]:.0%}"
                 if key == "rps" and b["peak"][key] else "")
        print(f"{label:<22} {fmt.format(c['peak'][key]):>14} {fmt.format(b['peak'][key]):>14}"
              f" {ratio:>8}")
    for label, key, fmt in (("half-peak rate /s", "rate", "{:,.0f}"), ("half p50 ms", "p50",
                            "{:.2f}"), ("half p90 ms", "p90", "{:.2f}"),
                            ("half p99 ms", "p99", "{:.2f}"), ("half errors", "errors", "{:d}")):
        print(f"{label:<22} {fmt.format(c['half'][key]):>14} {fmt.format(b['half'][key]):>14}")
    print(f"{'worker RSS MB':<22} {'/'.join(f'{x:.0f}' for x in c['rss']):>14}"
          f" {'/'.join(f'{x:.0f}' for x in b['rss']):>14}")
    stored = sqlite3.connect(path).execute("SELECT count(*) FROM pageview").fetchone()[0]
    sent = c["peak"]["requests"] + c["half"]["requests"] - c["peak"]["errors"] \
        - c["half"]["errors"]
    print(f"\npageviews stored: {stored:,}; acknowledged collect requests: {sent:,} (requests"
          " still in flight when wrk stops are stored but not counted)")
    if args.keep:
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir)
    if stored < sent:
        sys.exit("LOST: fewer rows stored than acknowledged requests")


if __name__ == "__main__":
    main()
