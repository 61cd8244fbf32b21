"""Real servers for end-to-end tests: umami-lite under gunicorn, and a plain static site."""
import functools
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from conftest import ADMIN_PASSWORD


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`umami-lite serve` in a subprocess on a free port, on its database; args are
    more `serve` options. stdout and stderr (gunicorn's and Flask's logs) go to log_path."""

    def __init__(self, db_path, workers=1, threads=4, env=None, args=(), log_path=None,
                 port=None):
        self.db_path = str(db_path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                       "UMAMI_LITE_DATABASE": self.db_path, **(env or {})}
        if log_path is None and "://" in self.db_path:  # a server's database: no folder
            log_path = tempfile.NamedTemporaryFile(suffix=".log", delete=False).name
        self.log_path = log_path or self.db_path + ".log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "umami_lite.cli", "serve", "--port", str(self.port),
             "--workers", str(workers), "--threads", str(threads), *args],
            env=environment, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"umami-lite exited: {open(self.log_path).read()}")
            try:
                with urllib.request.urlopen(self.url + "/api/heartbeat", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("umami-lite did not start within 30 s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class StaticSite:
    """Serves a folder over HTTP from a thread, as a second origin for tracker tests."""

    def __init__(self, root, host="localhost"):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class AppServer:
    """A Flask app object served by werkzeug from a thread: for apps the CLI cannot build,
    such as umami-lite mounted under a url prefix in a host application."""

    def __init__(self, app):
        from werkzeug.serving import make_server
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
