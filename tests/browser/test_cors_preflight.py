"""A visit from a page on another origin costs the browser one CORS preflight, not two.

The page is served on http://localhost:A and umami-lite on http://127.0.0.1:B. The first hit
has no cache token; every later one sends x-umami-cache. The browser reuses its cached
preflight answer for them only if that answer already allowed x-umami-cache. The counts come
from the server's side: a WSGI wrapper counts the requests umami-lite receives.
"""
import collections
import threading

import pytest
from servers import AppServer
from tracking import Site, StaticSite, new_context, script_tag


class Counting:
    """WSGI middleware: counts (method, path) of every request before the app answers."""

    def __init__(self, app):
        self.app = app
        self.counts = collections.Counter()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.counts[environ["REQUEST_METHOD"], environ["PATH_INFO"]] += 1
        return self.app(environ, start_response)


@pytest.fixture
def counted(app):
    counting = Counting(app)
    server = AppServer(counting)
    yield server.url, counting.counts
    server.stop()


@pytest.fixture
def site(tmp_path):
    server = StaticSite(tmp_path)
    yield Site(str(tmp_path), server.url)
    server.stop()


def wait_for(page, counts, key, number):
    for _ in range(400):
        if counts[key] >= number:
            return
        page.wait_for_timeout(25)
    raise AssertionError(f"{key}: {counts[key]} of {number} requests arrived")


@pytest.mark.parametrize("script, endpoint, track", [
    ("script.js", "/api/send", "umami.track({!r})"),
    ("umami.js", "/api/collect", "umami.trackEvent({!r}, 'click')")], ids=["v2", "v1"])
def test_a_visit_with_events_sends_one_preflight(browser, api, counted, site, script,
                                                 endpoint, track):
    base_url, counts = counted
    uuid = api.create_website(domain="localhost")["id"]
    assert site.url.split(":")[1] != base_url.split(":")[1]  # two origins
    context = new_context(browser)
    page = context.new_page()
    page.goto(site.page("visit.html", script_tag(f"{base_url}/{script}", website_id=uuid)))
    wait_for(page, counts, ("POST", endpoint), 1)
    for number, name in enumerate(("signup", "download", "share"), start=2):
        page.evaluate(track.format(name))
        wait_for(page, counts, ("POST", endpoint), number)
    page.evaluate("history.pushState({}, '', '/second.html')")
    wait_for(page, counts, ("POST", endpoint), 5)
    page.wait_for_timeout(200)
    context.close()
    assert counts["POST", endpoint] == 5
    assert counts["OPTIONS", endpoint] == 1
