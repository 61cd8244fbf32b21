"""Helpers for the tracker browser tests: an HTTP client for the live server, test pages on
the second origin, a recorder of what the browser sends, and the captured Umami fixtures.

The fixtures below are imported by each test module (a conftest.py here would shadow
tests/conftest.py), so module-scoped servers are started once per module."""
import json
import os
import sqlite3
import time
import urllib.request

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA
from servers import LiveServer, StaticSite

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures")
FAR_FUTURE_MS = 253402300799999


class Client:
    """Talks to a live umami-lite over HTTP as the admin (Bearer token)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.token = None
        self.token = self.request("POST", "/api/auth/login",
                                  {"username": "admin", "password": ADMIN_PASSWORD})["token"]

    def request(self, method, path, body=None):
        """Returns the decoded JSON answer of one request (raises on a non-2xx status)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(req, timeout=10) as response:
            return json.loads(response.read())

    def new_website(self, name, domain="localhost"):
        """Returns the uuid of a new website (one per test keeps the numbers apart)."""
        return self.request("POST", "/api/website", {"name": name, "domain": domain})["id"]

    def metric(self, uuid, kind):
        """Returns {x: y} of /metrics?type=kind over all time."""
        rows = self.request("GET", f"/api/website/{uuid}/metrics?type={kind}"
                                   f"&start_at=0&end_at={FAR_FUTURE_MS}")
        return {row["x"]: row["y"] for row in rows}

    def stats(self, uuid):
        return self.request("GET", f"/api/website/{uuid}/stats?start_at=0"
                                   f"&end_at={FAR_FUTURE_MS}")


class Site:
    """Writes test pages into the folder a StaticSite serves."""

    def __init__(self, root, url):
        self.root = root
        self.url = url

    def page(self, path, script, body="", title="Test page"):
        """Writes an HTML page holding the script tag; returns its absolute URL."""
        full = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
                    f"{script}</head><body>{body}</body></html>")
        return self.url + "/" + path.lstrip("/")


def script_tag(src, **attrs):
    """Returns <script async defer data-...=... src=...>; attrs use _ for -."""
    parts = [f'data-{name.replace("_", "-")}="{value}"' for name, value in attrs.items()]
    return f'<script async defer {" ".join(parts)} src="{src}"></script>'


class Recorder:
    """Every POST the browser context sends to an endpoint, in order, with its answer."""

    def __init__(self, context, endpoint):
        self.endpoint = endpoint
        self.sent = []       # playwright Request objects, in the order they were sent
        self.finished = []   # those that got an answer
        self.failed = []
        context.on("request", self._on_request)
        context.on("requestfinished", self._on_finished)
        context.on("requestfailed", self._on_failed)

    def _ours(self, request):
        return request.method == "POST" and request.url.endswith(self.endpoint)

    def _on_request(self, request):
        if self._ours(request):
            self.sent.append(request)

    def _on_finished(self, request):
        if self._ours(request):
            self.finished.append(request)

    def _on_failed(self, request):
        if self._ours(request):
            self.failed.append(request)

    def wait(self, page, count, timeout=20):
        """Waits until count requests have been answered (or failed)."""
        deadline = time.monotonic() + timeout
        while len(self.finished) + len(self.failed) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests to {self.endpoint}, "
                                     f"got {len(self.finished)} answered, "
                                     f"{len(self.failed)} failed")
            page.wait_for_timeout(25)

    def settle(self, page, count):
        """Waits for count requests, then a little longer, and checks no more were sent."""
        self.wait(page, count)
        page.wait_for_timeout(300)
        assert len(self.sent) == count, [r.post_data for r in self.sent]

    def bodies(self):
        return [json.loads(r.post_data) for r in self.sent]

    def shapes(self, origin, uuid, *other_origins):
        """Returns [(normalized body, sends x-umami-cache, content type)] of what was sent."""
        return [(normalized(json.loads(r.post_data), (origin, *other_origins), uuid),
                 "x-umami-cache" in r.headers, r.headers.get("content-type"))
                for r in self.sent]


def normalized(body, origins, uuid):
    """Returns body with the site's origin, website uuid and hostname made neutral."""
    text = json.dumps(body)
    for origin in origins:
        text = text.replace(origin, "ORIGIN")
    body = json.loads(text.replace(uuid, "WEBSITE"))
    if isinstance(body.get("payload"), dict) and "hostname" in body["payload"]:
        body["payload"]["hostname"] = "HOST"
    return body


def fixture_shapes(name, scenario):
    """Returns the captured POSTs of a fixture scenario, in the form Recorder.shapes gives."""
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(path):
        # Tests call this last, so everything else they check has passed by then.
        pytest.skip(f"{path} is missing (shared/ sits beside the repository)")
    shapes = []
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("scenario") != scenario or record.get("method") != "POST":
                continue
            if record.get("source") != "server":
                continue
            uuid = record["body"]["payload"]["website"]
            shapes.append((normalized(record["body"], tuple(record["origins"].values()), uuid),
                           record["x_umami_cache"] is not None, record["content_type"]))
    return shapes


def new_context(browser, **options):
    """Returns a browser context that looks like the captures' browser (Chrome UA, en-US)."""
    return browser.new_context(user_agent=CHROME_UA, locale="en-US",
                               viewport={"width": 1280, "height": 720}, **options)


def watch_errors(page):
    """Returns a list that collects uncaught page errors and console errors of the page.

    Chromium itself logs "Failed to load resource" for any failed request; that line comes
    from the browser's network layer, not from a script, and is left out.
    """
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None)
    return errors


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live") / "umami-lite.db")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    server = StaticSite(root)
    yield Site(str(root), server.url)
    server.stop()


@pytest.fixture(scope="module")
def other_origin(site):
    """Returns the URL of the same folder served on a third origin (http://127.0.0.1:C)."""
    server = StaticSite(site.root, host="127.0.0.1")
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def umami(live):
    return Client(live.url)


@pytest.fixture
def context(browser):
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def read_db(live, sql, *params):
    """Returns all rows of a read-only query on the live server's SQLite file."""
    conn = sqlite3.connect(f"file:{live.db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def stored_pageviews(live, uuid):
    """Returns [(url, referrer)] of a website's stored pageviews, in arrival order."""
    return read_db(live, "SELECT p.url, p.referrer FROM pageview p JOIN website w"
                         " USING (website_id) WHERE w.website_uuid = ? ORDER BY p.pageview_id",
                   uuid)


def run_steps(page, recorder, steps):
    """Runs (javascript, requests it must cause) steps, each after the previous answers."""
    expected = len(recorder.sent)
    for script, count in steps:
        page.evaluate(script)
        expected += count
        recorder.wait(page, expected)
    return expected
