"""Ingest throughput of POST /api/collect under the production server, beside a bare endpoint.

    python bench/ingest.py [--workers 2] [--threads 4] [--duration 10] [--connections 16]
                           [--rounds 3]

Starts `umami-lite serve` (gunicorn, --workers x --threads) on a fresh database in a
temporary folder, and beside it bench/bare_app.py: the same app, under the same gunicorn
setup (cli.serve), plus POST /bench/ok that only answers 200. Both get the same requests:
a realistic hit mix of 20,000 visitors (public IPs in X-Real-IP, which the server is told
to trust, so the country lookup runs; a few user agents; 2,000 urls; 5% custom events).
Each round drives both, one after the other (the order alternates), from separate processes:
1. peak: wrk (Debian package `wrk`) with --connections keep-alive connections for
   --duration seconds;
2. half of that round's peak: an open-loop asyncio client sending at a fixed rate over
   --connections keep-alive connections taken in turn (a new one only when all are busy);
   latency counts from the planned send time, so it is not hidden by coordinated omission.
   The client's garbage collector is off meanwhile (its full collections stopped it for up
   to 143 ms, measured, and that counted as the server's latency), and the output shows how
   late it sent ("client lag"), so its own delays can be told from the server's.
With one shared listening socket gunicorn's workers raced to accept, and now and then one
worker took every connection a client opens at once while the other idled (the bare
endpoint then ran at half its speed too). cli.serve() now gives each worker its own socket;
a phase where it happens anyway (the connections each worker holds are read from /proc) is
run again, up to 3 times; the output says so and shows the split, and
a round still skewed after that is left out of the medians (its errors still count).
Rounds make the figures usable on a shared machine: the ratio is taken per round (both
sides under the same load) and the table shows the median round. Reports requests/s,
latency p50/p90/p99, errors (non-2xx and socket errors), and the largest RSS of each
gunicorn worker; then the rows stored against the hits acknowledged.
"""
import argparse
import asyncio
import collections
import gc
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from umami_lite.storage import connection as db, sites  # noqa: E402

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
]
VISITORS = 20_000
URLS = 2_000
EVENT_SHARE = 0.05
FIRST_OCTETS = (24, 73, 81, 89, 93, 98, 151, 185, 203, 217)  # public ranges only

WRK_SCRIPT = """
local uas = {%(uas)s}
local octets = {%(octets)s}
local uuid = "%(uuid)s"
math.randomseed(%(seed)d)
request = function()
  local n = math.random(0, %(visitors)d - 1)
  local ip = octets[n %% #octets + 1] .. "." .. math.floor(n / #octets) %% 256 .. "." ..
             math.floor(n / (#octets * 256)) %% 256 .. ".7"
  local url = '/page/' .. math.random(1, %(urls)d)
  local body
  if math.random() < %(event_share)f then
    body = '{"type":"event","payload":{"website":"' .. uuid .. '","url":"' .. url ..
      '","event_name":"signup","hostname":"example.com","screen":"1920x1080",' ..
      '"language":"en-US"}}'
  else
    body = '{"type":"pageview","payload":{"website":"' .. uuid .. '","url":"' .. url ..
      '","referrer":"https://www.google.com/","hostname":"example.com",' ..
      '"screen":"1920x1080","language":"en-US"}}'
  end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["User-Agent"] = uas[n %% #uas + 1]
  wrk.headers["X-Real-IP"] = ip
  return wrk.format("POST", "%(path)s", nil, body)
end
"""


def visitor_ip(n):
    """Returns the public IP of visitor n, as the wrk script builds it."""
    count = len(FIRST_OCTETS)
    return f"{FIRST_OCTETS[n % count]}.{n // count % 256}.{n // (count * 256) % 256}.7"


def hit_request(path, uuid, rng):
    """Returns the bytes of one keep-alive POST of the hit mix."""
    n = rng.randrange(VISITORS)
    url = f"/page/{rng.randrange(1, URLS + 1)}"
    payload = {"website": uuid, "url": url, "hostname": "example.com", "screen": "1920x1080",
               "language": "en-US"}
    if rng.random() < EVENT_SHARE:
        body = {"type": "event", "payload": {**payload, "event_name": "signup"}}
    else:
        body = {"type": "pageview", "payload": {**payload,
                                                "referrer": "https://www.google.com/"}}
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"User-Agent: {USER_AGENTS[n % len(USER_AGENTS)]}\r\nX-Real-IP: {visitor_ip(n)}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(command, env, port, log_path):
    """Returns the gunicorn master process once /api/heartbeat answers."""
    log = open(log_path, "wb")  # noqa: SIM115 - the server writes to it until it stops
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
    """Returns {pid: RSS in MB} of each child process of the gunicorn master."""
    sizes = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as status:
                text = status.read()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            sizes[pid] = int(re.search(r"^VmRSS:\s+(\d+)", text, re.M).group(1)) / 1024
    return sizes


def workers_cpu_s(master_pid):
    """Returns the CPU seconds (user + system) used so far by the gunicorn master's children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in worker_rss_mb(master_pid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


SKEW_TRIES = 3  # runs of a phase while every connection lands on one worker


def connections_per_worker(master_pid, port):
    """Returns how many established connections to port each gunicorn worker holds,
    largest first."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as source:
                lines = source.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    counts = []
    for pid in worker_rss_mb(master_pid):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        held = 0
        for fd in fds:
            try:
                held += os.readlink(f"/proc/{pid}/fd/{fd}") in inodes
            except OSError:
                continue
        counts.append(held)
    return sorted(counts, reverse=True)


def skewed(split):
    """Returns whether one worker holds every connection while another holds none.

    gunicorn's workers race to accept: now and then one of them takes every connection a
    load generator opens at once, and the other idles; that run measures the race (about
    half the throughput, for the bare endpoint too), not the server, so it is run again.
    """
    return len(split) > 1 and split[0] > 0 and split[-1] == 0


def run_wrk(port, path, uuid, args, workdir, master_pid):
    """Returns {rps, p50, p90, p99 (ms), errors, requests, split} of a wrk run; split is
    the connections each worker held one second in."""
    script = os.path.join(workdir, "hits.lua")
    with open(script, "w") as out:
        out.write(WRK_SCRIPT % {
            "uas": ", ".join(json.dumps(ua) for ua in USER_AGENTS),
            "octets": ", ".join(str(o) for o in FIRST_OCTETS), "uuid": uuid,
            "seed": args.seed, "path": path, "visitors": VISITORS, "urls": URLS,
            "event_share": EVENT_SHARE})
    process = subprocess.Popen(
        ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d",
         f"{args.duration}s", "--latency", "-s", script, f"http://127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(min(1.0, args.duration / 3))
    split = connections_per_worker(master_pid, port)
    text, errors = process.communicate()
    if process.returncode:
        sys.exit(f"wrk failed: {errors}")
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
             "requests": int(re.search(r"(\d+) requests in", text).group(1)),
             "errors": 0, "split": split}
    for label in ("50", "90", "99"):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        found[f"p{label}"] = _to_ms(*match.groups())
    kinds = {}
    for match in re.finditer(r"Non-2xx or 3xx responses: (\d+)", text):
        kinds["non-2xx"] = int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                      text)
    if match:
        kinds.update((f"socket {kind}", int(n)) for kind, n in
                     zip(("connect", "read", "write", "timeout"), match.groups()) if int(n))
    found["errors"] = sum(kinds.values())
    found["kinds"] = kinds
    return found


def _to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _exchange(port, request, idle):
    """Returns the status line of one request, on an idle keep-alive connection or a new one.

    A connection the server closed while idle (gunicorn's keep-alive timeout) is replaced.
    """
    while idle:
        reader, writer = idle.popleft()
        try:
            return await _exchange_on(reader, writer, request, idle)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            continue
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return await _exchange_on(reader, writer, request, idle)


async def _exchange_on(reader, writer, request, idle):
    try:
        writer.write(request)
        status = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        if not status:
            raise ValueError("connection closed")
    except BaseException:
        writer.close()
        raise
    if b"connection: close" in status.lower():
        writer.close()
    else:
        idle.append((reader, writer))
    return status


async def _one(port, request, planned, idle, latencies, errors, lags):
    lags.append(time.perf_counter() - planned)
    try:
        status = await asyncio.wait_for(_exchange(port, request, idle), 30)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(exc)
        return
    if b" 200 " not in status:
        errors.append(status)
        return
    latencies.append(time.perf_counter() - planned)


async def _spread_connections(port, connections, split_now):
    """Returns (idle connections, split): `connections` keep-alive connections, opened one
    by one (the workers race for each, not for a burst: one of them would take most),
    opened again (SKEW_TRIES at most) while every one lands on one worker."""
    for _ in range(SKEW_TRIES):
        idle = collections.deque()
        for _ in range(connections):
            idle.append(await asyncio.open_connection("127.0.0.1", port))
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # the workers accept them
        split = split_now()
        if not skewed(split):
            break
        for _, writer in idle:
            writer.close()
    return idle, split


async def _open_loop(port, path, uuid, rate, duration, seed, connections, split_now):
    rng = random.Random(seed)
    count = int(rate * duration)
    requests = [hit_request(path, uuid, rng) for _ in range(count)]
    latencies, errors, lags, tasks = [], [], [], []
    idle, split = await _spread_connections(port, connections, split_now)
    started = time.perf_counter()
    for index, request in enumerate(requests):
        planned = started + index / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(port, request, planned, idle, latencies,
                                              errors, lags)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    return latencies, errors, lags, count, split


def percentile_ms(values, p):
    """Returns the p-th percentile of sorted seconds, in ms."""
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000 \
        if values else float("nan")


def open_loop(port, path, uuid, rate, duration, seed, connections, split_now):
    """Returns {rate, p50, p90, p99, lag99 (ms), errors, requests, split} at a fixed request
    rate, sent over `connections` keep-alive connections taken in turn (more only when all
    are busy); lag99 is how late the client itself sent (p99); split_now() returns the
    connections each worker holds."""
    gc.collect()
    gc.freeze()  # what exists now is never walked again
    gc.disable()  # a run makes a bounded set of objects; a collection would stall the client
    try:
        latencies, errors, lags, count, split = asyncio.run(
            _open_loop(port, path, uuid, rate, duration, seed, connections, split_now))
    finally:
        gc.enable()
        gc.unfreeze()
    latencies.sort()
    lags.sort()
    kinds = {}
    for error in errors:
        kind = error.decode().strip() if isinstance(error, bytes) else type(error).__name__
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"rate": rate, "p50": percentile_ms(latencies, 50),
            "p90": percentile_ms(latencies, 90), "p99": percentile_ms(latencies, 99),
            "lag99": percentile_ms(lags, 99), "errors": len(errors), "kinds": kinds,
            "requests": count, "split": split}


def run_round(servers, uuid, args, workdir, number):
    """Returns {name: {"peak", "half"}} of one round; updates each server's largest RSS."""
    order = list(servers) if number % 2 == 0 else list(reversed(servers))
    found = {name: {} for name in servers}
    for stage in ("peak", "half"):
        for name in order:
            server = servers[name]
            master = server["process"].pid
            if stage == "peak":
                for _ in range(SKEW_TRIES):
                    cpu = workers_cpu_s(master)
                    result = run_wrk(server["port"], server["path"], uuid, args, workdir,
                                     master)
                    cpu = workers_cpu_s(master) - cpu
                    result["cpu_ms"] = cpu * 1000 / max(1, result["requests"])
                    if not skewed(result["split"]):
                        break
                    print(f"  round {number + 1} {name} peak: every connection on one worker"
                          f" {result['split']}, {result['rps']:,.0f} req/s: run again")
            else:
                rate = max(1.0, found[name]["peak"]["rps"] / 2)
                result = open_loop(server["port"], server["path"], uuid, rate, args.duration,
                                   args.seed + number, args.connections,
                                   lambda port=server["port"]: connections_per_worker(master,
                                                                                     port))
            found[name][stage] = result
            for pid, size in worker_rss_mb(server["process"].pid).items():
                server["rss"][pid] = max(size, server["rss"].get(pid, 0))
    return found


def median_of(rounds, name, stage, key):
    return statistics.median(r[name][stage][key] for r in rounds)


def still_skewed(found):
    """Returns whether a round's peak phase of either server kept every connection on one
    worker after SKEW_TRIES runs: its ratio measures the race, not the servers."""
    return any(skewed(found[name]["peak"]["split"]) for name in found)


def report(rounds, servers):
    """Prints each round's ratio, then the median round's figures side by side; rounds
    still skewed are left out of the medians (unless every round is), not of the errors."""
    for index, found in enumerate(rounds, 1):
        c, b = found["collect"]["peak"]["rps"], found["bare"]["peak"]["rps"]
        cpu = [found[name]["peak"]["cpu_ms"] for name in ("collect", "bare")]
        print(f"round {index}: collect {c:,.0f} req/s, bare {b:,.0f} req/s, ratio {c / b:.0%};"
              f" CPU ms/request {cpu[0]:.2f} vs {cpu[1]:.2f};"
              f" half-peak p99 collect {found['collect']['half']['p99']:.1f} ms,"
              f" bare {found['bare']['half']['p99']:.1f} ms (client lag p99"
              f" {found['collect']['half']['lag99']:.1f} and {found['bare']['half']['lag99']:.1f}"
              f" ms); connections per worker"
              + "".join(f" {name} {found[name][stage]['split']}" for name in ("collect", "bare")
                        for stage in ("peak", "half"))
              + (f" (left out: one worker held every connection {SKEW_TRIES} times)"
                 if still_skewed(found) else ""))
    kept = [found for found in rounds if not still_skewed(found)]
    if not kept:
        print("every round stayed skewed: the medians below measure the accept race")
        kept = rounds
    ratio = statistics.median(r["collect"]["peak"]["rps"] / r["bare"]["peak"]["rps"]
                              for r in kept)
    print(f"\nmedian of {len(kept)} round(s)   {'/api/collect':>14} {'/bench/ok':>14}"
          f" {'ratio':>8}")
    rows = [("peak", "peak req/s", "rps", "{:,.0f}"),
            ("peak", "worker CPU ms/request", "cpu_ms", "{:.2f}"),
            ("peak", "peak p50 ms", "p50", "{:.2f}"),
            ("peak", "peak p90 ms", "p90", "{:.2f}"), ("peak", "peak p99 ms", "p99", "{:.2f}"),
            ("half", "half-peak rate /s", "rate", "{:,.0f}"),
            ("half", "half p50 ms", "p50", "{:.2f}"), ("half", "half p90 ms", "p90", "{:.2f}"),
            ("half", "half p99 ms", "p99", "{:.2f}"),
            ("half", "half client lag p99 ms", "lag99", "{:.2f}")]
    for stage, label, key, fmt in rows:
        cells = [fmt.format(median_of(kept, name, stage, key)) for name in servers]
        extra = f"{ratio:.0%}" if key == "rps" else ""
        print(f"{label:<22} {cells[0]:>14} {cells[1]:>14} {extra:>8}")
    for stage in ("peak", "half"):
        cells = [str(sum(r[name][stage]["errors"] for r in rounds)) for name in servers]
        print(f"{stage + ' errors (all)':<22} {cells[0]:>14} {cells[1]:>14}")
    for name in servers:
        for stage in ("peak", "half"):
            kinds = {}
            for found in rounds:
                for kind, n in found[name][stage]["kinds"].items():
                    kinds[kind] = kinds.get(kind, 0) + n
            if kinds:
                print(f"  {name} {stage} errors: "
                      + ", ".join(f"{kind}: {n}" for kind, n in kinds.items()))
    cells = ["/".join(f"{mb:.0f}" for mb in sorted(servers[name]["rss"].values()))
             for name in servers]
    print(f"{'worker RSS MB (max)':<22} {cells[0]:>14} {cells[1]:>14}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
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
        uuid = sites.create(conn, 1, "Ingest", "example.com")["website_uuid"]
    conn.close()
    env = {**os.environ, "UMAMI_LITE_DATABASE": path, "CLIENT_IP_HEADER": "X-Real-IP",
           "PYTHONPATH": ROOT}
    setup = ["--workers", str(args.workers), "--threads", str(args.threads)]
    commands = {
        "collect": ([sys.executable, "-m", "umami_lite.cli", "serve"], "/api/collect"),
        "bare": ([sys.executable, os.path.join(ROOT, "bench", "bare_app.py")], "/bench/ok"),
    }
    print(f"server: gunicorn, {args.workers} workers x {args.threads} threads; wrk "
          f"{args.connections} connections, {args.duration} s per run, {args.rounds} round(s);"
          f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    servers = {}
    try:
        for name, (command, route) in commands.items():
            port = free_port()
            servers[name] = {"port": port, "path": route, "rss": {}, "process": start_server(
                [*command, "--port", str(port), *setup], env, port,
                os.path.join(workdir, f"{name}.log"))}
        rounds = [run_round(servers, uuid, args, workdir, n) for n in range(args.rounds)]
    finally:
        for server in servers.values():
            stop_server(server["process"])
    report(rounds, servers)
    stored = sqlite3.connect(path).execute(
        "SELECT (SELECT count(*) FROM pageview) + (SELECT count(*) FROM event)").fetchone()[0]
    sent = sum(r["collect"][stage]["requests"] - r["collect"][stage]["errors"]
               for r in rounds for stage in ("peak", "half"))
    print(f"\nhits stored: {stored:,}; acknowledged collect requests: {sent:,} (requests still"
          f" in flight when wrk stops are stored but not counted); load average"
          f" {os.getloadavg()[0]:.1f} at the end")
    if args.keep:
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir)
    if stored < sent:
        sys.exit("LOST: fewer rows stored than acknowledged requests")


if __name__ == "__main__":
    main()
