"""Load with crashes: every hit answered 200 is stored, whatever gets killed meanwhile.

    python bench/load.py [--duration 60] [--workers 3] [--threads 4] [--clients 8]
                         [--websites 4] [--kill-every 10] [--kill-server] [--database PATH]

Starts `umami-lite serve` (gunicorn, --workers processes) on a fresh database (in a
temporary folder unless --database), with --websites websites. --clients threads then send,
for --duration seconds, a mix of v1 /api/collect pageviews and events and current-API
/api/send pageviews and events, as visitors with realistic user agents and their own IPs
(X-Forwarded-For, trusted through UMAMI_LITE_PROXY_COUNT=1) who return the cache token as
the trackers do. Every hit carries a unique url, so each one can be found in the database.

--kill-every S kills one worker with SIGKILL every S seconds (gunicorn starts a new one);
--kill-server kills the whole server (master and workers, SIGKILL) once, half-way, and
starts it again on the same port and file. A kill waits until 20 more hits were
acknowledged since the previous one, and the run lasts until every planned kill is done
(at most three times --duration), so a slow machine still sees them all under load.
At the end the server is stopped and the file checked. Printed: requests sent,
acknowledged (200), errors by status, requests lost in flight (connection reset by a kill:
never answered, so not acknowledged and not an error of the server; such a hit may or may
not be stored), stored rows, kills survived, and PRAGMA integrity_check. Exits 1 unless
there are no errors, integrity_check is ok, every acknowledged hit is stored, and every
stored hit was acknowledged or lost in flight.
"""
import argparse
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from umami_lite.storage import connection as db, sites  # noqa: E402

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
]
SCREENS = ["1920x1080", "1366x768", "390x844", "2560x1440", "412x915"]
LANGUAGES = ["en-US", "de-DE", "fr-FR", "es-ES", "ja-JP"]
# (route, kind, weight): pageviews dominate real traffic
MIX = [("collect", "pageview", 45), ("collect", "event", 15), ("send", "pageview", 30),
       ("send", "event", 10)]
HITS_PER_VISITOR = 12
MIN_PROGRESS = 20  # hits acknowledged between two kills
TIMEOUT_S = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`umami-lite serve` in a subprocess on a fixed port; kill() and start() it again."""

    def __init__(self, database, workers, threads, log_path):
        self.database, self.workers, self.threads = database, workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = None

    def start_first(self, attempts=3):
        """Starts the server, on another free port if another process took this one."""
        for attempt in range(attempts):
            try:
                return self.start()
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        env = {**os.environ, "UMAMI_LITE_DATABASE": self.database,
               "UMAMI_LITE_PROXY_COUNT": "1",
               "UMAMI_LITE_ADMIN_PASSWORD": "load-admin-password"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "umami_lite.cli", "serve", "--port", str(self.port),
             "--workers", str(self.workers), "--threads", str(self.threads)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                with open(self.log_path, errors="replace") as log:
                    raise RuntimeError(f"umami-lite exited with {self.process.returncode}:\n"
                                       + log.read()[-3000:])
            try:
                with urllib.request.urlopen(self.url + "/api/heartbeat", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"umami-lite did not start within {timeout} s")

    def workers_pids(self):
        """Returns the pids of the gunicorn workers (children of the master)."""
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [int(p) for p in f.read().split()]
        except FileNotFoundError:
            return []

    def kill_worker(self):
        """Returns True after killing one worker with SIGKILL (False if none was up)."""
        pids = self.workers_pids()
        if not pids:
            return False
        os.kill(random.choice(pids), signal.SIGKILL)
        return True

    def kill(self):
        """Kills master and workers at once with SIGKILL, as a power cut would."""
        for pid in self.workers_pids() + [self.process.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@dataclass
class Tally:
    """What the clients saw; every hit is named by its unique url path."""
    sent: int = 0
    refused: int = 0                                  # server down (restart): never sent
    acknowledged: set = field(default_factory=set)
    errors: Counter = field(default_factory=Counter)  # status (or "timeout") -> count
    lost: set = field(default_factory=set)            # connection cut by a kill
    lock: threading.Lock = field(default_factory=threading.Lock)


class Visitor:
    """One browser: a fixed IP, user agent, screen and language, and its cache token."""

    def __init__(self, rng, websites):
        self.website = rng.choice(websites)
        self.ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}." \
                  f"{rng.randint(1, 254)}"
        self.ua = rng.choice(USER_AGENTS)
        self.screen, self.language = rng.choice(SCREENS), rng.choice(LANGUAGES)
        self.cache = None


def hit_request(base_url, visitor, route, kind, path):
    """Returns the urllib Request of one hit of visitor at path, as a tracker sends it."""
    uuid, hostname = visitor.website
    if route == "collect":
        payload = {"website": uuid, "url": path, "hostname": hostname, "referrer": "",
                   "screen": visitor.screen, "language": visitor.language}
        if kind == "event":
            payload.update(event_name="signup", event_data={"plan": "pro"})
        body = {"type": kind, "payload": payload}
    else:
        payload = {"website": uuid, "url": f"https://{hostname}{path}", "hostname": hostname,
                   "screen": visitor.screen, "language": visitor.language,
                   "title": "Load test page"}
        if kind == "event":
            payload.update(name="download", data={"file": "report.pdf"})
        body = {"type": "event", "payload": payload}
    headers = {"Content-Type": "application/json", "User-Agent": visitor.ua,
               "X-Forwarded-For": visitor.ip}
    if visitor.cache:
        headers["x-umami-cache"] = visitor.cache
    return urllib.request.Request(f"{base_url}/api/{route}", data=json.dumps(body).encode(),
                                  headers=headers)


def cache_token(route, body):
    """Returns the cache token of a 200 answer (v1: the text itself; send: JSON `cache`)."""
    if route == "collect":
        return body.decode()
    return json.loads(body).get("cache")


def client(number, base_url, websites, stop, tally, seed):
    """Sends hits until stop is set, recording each outcome in tally."""
    rng = random.Random(seed * 1000 + number)
    routes = [(route, kind) for route, kind, weight in MIX for _ in range(weight)]
    visitor, i = None, 0
    while not stop.is_set():
        if i % HITS_PER_VISITOR == 0:
            visitor = Visitor(rng, websites)
        route, kind = rng.choice(routes)
        path = f"/load/{'pv' if kind == 'pageview' else 'ev'}/c{number}-{i}"
        i += 1
        send_one(hit_request(base_url, visitor, route, kind, path), route, path, visitor, tally)


def send_one(request, route, path, visitor, tally):
    """Sends one hit and files its outcome under path."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:  # an answer, not a cut connection
        status = exc.code
        exc.close()
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            with tally.lock:
                tally.refused += 1
            time.sleep(0.05)  # the server is restarting: do not spin
            return
        if isinstance(exc.reason, socket.timeout):
            status = "timeout"
        else:
            status = None
    except socket.timeout:
        status = "timeout"
    except (OSError, http.client.HTTPException):
        status = None  # reset or closed by a killed worker while in flight
    with tally.lock:
        tally.sent += 1
        if status == 200:
            tally.acknowledged.add(path)
        elif status is None:
            tally.lost.add(path)
        else:
            tally.errors[status] += 1
    if status == 200:
        visitor.cache = cache_token(route, body)


def create_websites(path, count):
    """Returns [(uuid, hostname)] of count new websites in the database at path."""
    conn = db.init_db(path)
    made = []
    with db.transaction(conn):
        conn.execute("INSERT OR IGNORE INTO account (user_id, username, password, is_admin,"
                     " token_nonce, created_at, updated_at) VALUES (1, 'admin', 'x', 1, 'n', 0, 0)")
        for n in range(count):
            hostname = f"site{n}.example.com"
            row = sites.create(conn, 1, f"Load {n}", hostname)
            made.append((row["website_uuid"], hostname))
    conn.close()
    return made


def check_database(path):
    """Returns (integrity_check result, set of stored load urls)."""
    conn = sqlite3.connect(path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in conn.execute(
            "SELECT url FROM pageview WHERE url LIKE '/load/%'"
            " UNION ALL SELECT url FROM event WHERE url LIKE '/load/%'")}
        count = conn.execute(
            "SELECT (SELECT count(*) FROM pageview WHERE url LIKE '/load/%')"
            " + (SELECT count(*) FROM event WHERE url LIKE '/load/%')").fetchone()[0]
    finally:
        conn.close()
    if count != len(stored):
        raise AssertionError(f"{count - len(stored)} hits stored twice")
    return integrity, stored


class KillPlan:
    """When to kill: a worker every kill_every seconds, the server once half-way; each kill
    waits until MIN_PROGRESS more hits were acknowledged since the last one, so a slow
    machine still gets every planned kill with real load between them."""

    def __init__(self, args, start):
        self.start, self.end = start, start + args.duration
        self.every = args.kill_every
        # kills strictly inside the run: 60 s every 10 s -> 5
        self.workers_planned = math.ceil(args.duration / self.every) - 1 if self.every else 0
        self.servers_planned = 1 if args.kill_server else 0
        self.worker_kills = self.server_kills = 0
        self.acknowledged_at_last_kill = 0

    def done(self, now):
        """Returns True once the time is up and every planned kill happened (or, on a
        machine too slow for them, at three times the duration)."""
        if now < self.end:
            return False
        return (self.worker_kills >= self.workers_planned
                and self.server_kills >= self.servers_planned) or (
                now >= self.start + 3 * (self.end - self.start))

    def next_kill(self, now, acknowledged):
        """Returns "server", "worker" or None: what to kill now."""
        if acknowledged - self.acknowledged_at_last_kill < MIN_PROGRESS:
            return None
        half = self.start + (self.end - self.start) / 2
        if self.server_kills < self.servers_planned and now >= half:
            return "server"
        due = self.start + (self.worker_kills + 1) * self.every if self.every else None
        if self.worker_kills < self.workers_planned and now >= due:
            return "worker"
        return None


def drive(server, args, websites, tally):
    """Runs the clients for args.duration seconds (longer if planned kills are late);
    returns the KillPlan with the kills done."""
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(n, server.url, websites, stop, tally,
                                                     args.seed))
               for n in range(args.clients)]
    for thread in threads:
        thread.start()
    plan = KillPlan(args, time.monotonic())
    try:
        while not plan.done(now := time.monotonic()):
            with tally.lock:
                acknowledged = len(tally.acknowledged)
            kill = plan.next_kill(now, acknowledged)
            if kill == "server":
                server.kill()
                server.start()
                plan.server_kills += 1
            elif kill == "worker" and server.kill_worker():
                plan.worker_kills += 1
            if kill:
                plan.acknowledged_at_last_kill = acknowledged
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT_S + 5)
    return plan


@dataclass
class Result:
    sent: int
    refused: int
    acknowledged: int
    errors: dict
    lost: int
    lost_stored: int
    stored: int
    worker_kills: int
    server_kills: int
    integrity: str
    missing: int          # acknowledged but not stored: must be 0
    unexplained: int      # stored but neither acknowledged nor lost in flight: must be 0
    seconds: float

    @property
    def ok(self):
        return (not self.errors and self.integrity == "ok" and self.missing == 0
                and self.unexplained == 0)

    def report(self):
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items(), key=str)) or "0"
        return "\n".join([
            f"duration              {self.seconds:.1f} s",
            f"requests sent         {self.sent:,} ({self.sent / self.seconds:,.0f}/s)",
            f"acknowledged (200)    {self.acknowledged:,}",
            f"errors                {errors}",
            f"lost in flight        {self.lost:,} (cut by a kill, not acknowledged; "
            f"{self.lost_stored:,} of them stored)",
            f"refused while down    {self.refused:,} (server restarting, never sent)",
            f"stored rows           {self.stored:,}",
            f"acknowledged missing  {self.missing:,}",
            f"stored unexplained    {self.unexplained:,}",
            f"kills survived        {self.worker_kills} worker(s), {self.server_kills} "
            f"whole server",
            f"integrity_check       {self.integrity}",
            f"verdict               {'OK' if self.ok else 'FAILED'}",
        ])


def run(args):
    """Returns the Result of one load run described by args (see build_parser)."""
    folder = tempfile.mkdtemp(prefix="umami-lite-load-")
    try:
        database = args.database or os.path.join(folder, "load.db")
        websites = create_websites(database, args.websites)
        server = Server(database, args.workers, args.threads, os.path.join(folder, "server.log"))
        tally = Tally()
        started = time.monotonic()
        server.start_first()
        try:
            plan = drive(server, args, websites, tally)
        finally:
            server.stop()
        seconds = time.monotonic() - started
        integrity, stored = check_database(database)
        if args.verbose:
            print(open(os.path.join(folder, "server.log"), errors="replace").read()[-4000:])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Result(
        sent=tally.sent, refused=tally.refused, acknowledged=len(tally.acknowledged),
        errors=dict(tally.errors), lost=len(tally.lost), lost_stored=len(stored & tally.lost),
        stored=len(stored), worker_kills=plan.worker_kills, server_kills=plan.server_kills,
        integrity=integrity, missing=len(tally.acknowledged - stored),
        unexplained=len(stored - tally.acknowledged - tally.lost), seconds=seconds)


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--websites", type=int, default=4, help="websites hit (4)")
    parser.add_argument("--kill-every", type=float, default=0, metavar="S",
                        help="SIGKILL one worker every S seconds (default: never)")
    parser.add_argument("--kill-server", action="store_true",
                        help="SIGKILL the whole server once, half-way, and restart it")
    parser.add_argument("--database", help="SQLite file to use (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="print the server log's end")
    return parser


def main(argv=None):
    result = run(build_parser().parse_args(argv))
    print(result.report())
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
