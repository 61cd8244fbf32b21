"""A tracked host app under gunicorn with pre-forked workers: each worker starts its own
writer after the fork, and a graceful stop flushes every worker's queue."""
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.request

from embedhost import seed_website
from servers import free_port

WEBSITE = "5a0f5d5e-6a43-4c38-9f3a-0d3c5c1e2b7a"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


def wait_ready(url, process, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, open(log_path).read()
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("host app did not start")


def test_preforked_workers_track_and_flush_on_graceful_stop(tmp_path):
    database = tmp_path / "host.db"
    seed_website(database, WEBSITE)
    (tmp_path / "hostapp.py").write_text(textwrap.dedent(f"""
        from flask import Flask
        from umami_lite import UmamiLite
        app = Flask(__name__)
        app.config.update(UMAMI_LITE_DATABASE={str(database)!r},
                          UMAMI_LITE_TRACK_WEBSITE={WEBSITE!r})
        app.get("/page/<int:n>", endpoint="page")(lambda n: "<!doctype html><p>page")
        app.get("/ready", endpoint="ready")(lambda: "ok")
        UmamiLite(app)
    """))
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2", "--threads", "4",
             "--bind", f"127.0.0.1:{port}", "--chdir", str(tmp_path), "hostapp:app"],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(f"http://127.0.0.1:{port}/ready", process, log_path)
        for n in range(60):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/page/{n}",
                                             headers={"User-Agent": UA})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    conn = sqlite3.connect(database)
    try:
        urls = {row[0] for row in conn.execute("SELECT url FROM pageview")}
    finally:
        conn.close()
    assert urls == {f"/page/{n}" for n in range(60)}, open(log_path).read()
