"""/umami.js in a real browser against a live umami-lite.

Test pages live on a second origin (http://localhost:B) and load the tracker from umami-lite
(http://127.0.0.1:A), as a real site would. Each scenario replays one from the Umami v1.40
captures (../shared/fixtures/v1.jsonl): the requests the browser sends must equal the captured
ones (bodies, x-umami-cache presence, content type), and the stats API must then show exactly
those pageviews and events.
"""
import os
import shutil

import pytest
from conftest import ADMIN_PASSWORD
from flask import Flask
from servers import AppServer, free_port
# The fixtures among these are used by name only.
from tracking import (  # noqa: F401
    Client, Recorder, context, fixture_shapes, live, other_origin, page, run_steps, script_tag,
    site, stored_pageviews, umami, watch_errors)

from umami_lite import UmamiLite
from umami_lite.web import tracker

FIXTURE = "v1.jsonl"
ENDPOINT = "/api/collect"


@pytest.fixture
def recorder(context):
    return Recorder(context, ENDPOINT)


def tag(live, uuid, **attrs):
    return script_tag(f"{live.url}/umami.js", website_id=uuid, **attrs)


def test_cross_origin_referrer_matches_capture(live, site, other_origin, umami, page, recorder):
    """a2: a link on another site's page leads to ours; the referrer is that site's origin."""
    uuid = umami.new_website("referrer")
    base = "/p/v1/a2-referrer-cross-origin"
    landing = site.page(f"{base}/landing.html", tag(live, uuid))
    site.page(f"{base}/start.html", "", f'<a id="go" href="{landing}?utm_source=test">go</a>')
    page.goto(f"{other_origin}{base}/start.html")
    with page.expect_navigation():
        page.click("#go")
    recorder.settle(page, 1)
    assert umami.metric(uuid, "referrer") == {f"{other_origin}/": 1}
    assert umami.metric(uuid, "url") == {f"{base}/landing.html?utm_source=test": 1}
    assert recorder.shapes(site.url, uuid, other_origin) == fixture_shapes(
        FIXTURE, "a2-referrer-cross-origin")


def test_spa_navigation_matches_capture(live, site, umami, page, recorder):
    uuid = umami.new_website("spa")
    base = "/p/v1/b-spa-history"
    page.goto(site.page(f"{base}/spa.html", tag(live, uuid)))
    recorder.wait(page, 1)
    total = run_steps(page, recorder, [
        (f"history.pushState({{}}, '', '{base}/page2?q=1')", 1),
        (f"history.pushState({{}}, '', location.origin + '{base}/page3')", 1),
        (f"history.replaceState({{}}, '', '{base}/page4#h')", 1),
        (f"history.pushState({{}}, '', '{base}/page4#h')", 0),   # same url: no pageview
        ("history.pushState({}, '')", 0),                       # no url: no pageview
        ("history.pushState({}, '', 'relative5')", 1),
        ("history.pushState({}, '', '#only-hash')", 1),
        ("new Promise(done => { addEventListener('popstate', done, {once: true});"
         " history.back(); })", 0),                             # Umami does not track back
        (f"history.pushState({{}}, '', '{base}/rapid1');"
         f" history.pushState({{}}, '', '{base}/rapid2')", 2),
    ])
    recorder.settle(page, total)
    # The two rapid requests are in flight together, so they may arrive in either order.
    assert sorted(stored_pageviews(live, uuid)) == sorted([
        (f"{base}/spa.html", ""),
        (f"{base}/page2?q=1", f"{base}/spa.html"),
        (f"{base}/page3", f"{base}/page2?q=1"),
        (f"{base}/page4#h", f"{base}/page3"),
        ("relative5", f"{base}/page4#h"),
        ("#only-hash", "relative5"),
        (f"{base}/rapid1", "#only-hash"),
        (f"{base}/rapid2", f"{base}/rapid1"),
    ])
    assert umami.stats(uuid)["pageviews"] == 8
    assert umami.metric(uuid, "referrer") == {}  # SPA referrers are paths, not sources
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "b-spa-history")


CLICK_BODY = """
<button id="signup" class="big umami--click--signup-button">Sign up</button>
<div id="div" class="umami--click--div-click">a div</div>
<div id="hover" class="umami--mouseover--hover-box" style="margin:40px">hover me</div>
<p id="slot"></p>
<a id="out" class="umami--click--outbound-link" href="after.html">next page</a>
"""


def test_class_events_match_capture(live, site, umami, page, recorder):
    uuid = umami.new_website("clicks")
    base = "/p/v1/c-click-events"
    site.page(f"{base}/after.html", tag(live, uuid))
    page.goto(site.page(f"{base}/click.html", tag(live, uuid), CLICK_BODY))
    recorder.wait(page, 1)
    page.click("#signup")
    recorder.wait(page, 2)
    page.click("#div")
    recorder.wait(page, 3)
    page.hover("#hover")
    recorder.wait(page, 4)
    page.evaluate("""() => { const b = document.createElement('button');
        b.id = 'dynamic'; b.className = 'umami--click--dynamic-button'; b.textContent = 'new';
        document.getElementById('slot').appendChild(b); }""")
    page.click("#dynamic")
    recorder.wait(page, 5)
    with page.expect_navigation():
        page.click("#out")   # the event must survive the page unloading
    recorder.settle(page, 7)
    assert umami.metric(uuid, "event") == {
        "custom:signup-button": 1, "custom:div-click": 1, "custom:hover-box": 1,
        "custom:dynamic-button": 1, "custom:outbound-link": 1}
    assert umami.metric(uuid, "url") == {f"{base}/click.html": 1, f"{base}/after.html": 1}
    assert stored_pageviews(live, uuid)[1] == (f"{base}/after.html", f"{site.url}{base}/click.html")
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "c-click-events")


def test_js_api_matches_capture(live, site, umami, page, recorder):
    uuid = umami.new_website("api")
    base = "/p/v1/d-programmatic"
    page.goto(site.page(f"{base}/prog.html", tag(live, uuid)))
    recorder.wait(page, 1)
    total = run_steps(page, recorder, [
        ("umami('custom-event')", 1),
        ("umami.trackView('/virtual', 'https://ref.example/')", 1),
        ("umami.trackEvent('value', 'type')", 1),
        ("umami.trackEvent('with-data', {plan: 'pro', n: 1})", 1),
    ])
    recorder.settle(page, total)
    assert umami.metric(uuid, "event") == {
        "custom:custom-event": 1, "custom:value": 1, "custom:with-data": 1}
    assert umami.metric(uuid, "url") == {f"{base}/prog.html": 1, "/virtual": 1}
    assert umami.metric(uuid, "referrer") == {"https://ref.example/": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "d-programmatic")


def test_auto_track_off_sends_only_manual_calls(live, site, umami, page, recorder):
    uuid = umami.new_website("manual")
    base = "/p/v1/e3-auto-track-false"
    body = '<button id="b" class="umami--click--auto-event">x</button>'
    page.goto(site.page(f"{base}/p.html", tag(live, uuid, auto_track="false"), body))
    page.click("#b")
    page.evaluate("history.pushState({}, '', 'p2')")
    total = run_steps(page, recorder, [("umami('manual-event')", 1),
                                       ("umami.trackView('/manual-view')", 1)])
    recorder.settle(page, total)
    assert umami.metric(uuid, "url") == {"/manual-view": 1}
    assert umami.metric(uuid, "event") == {"custom:manual-event": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "e3-auto-track-false")


def test_cache_token_round_trip(live, site, umami, page, recorder):
    uuid = umami.new_website("cache")
    base = "/p/v1/e5-cache-roundtrip"
    site.page(f"{base}/p2.html", tag(live, uuid))
    page.goto(site.page(f"{base}/p.html", tag(live, uuid), '<a id="next" href="p2.html">2</a>'))
    recorder.wait(page, 1)
    run_steps(page, recorder, [("umami('e1')", 1), ("umami('e2')", 1)])
    answers = [r.response().text() for r in recorder.sent]
    with page.expect_navigation():
        page.click("#next")
    recorder.wait(page, 4)
    run_steps(page, recorder, [("umami('e3')", 1)])
    recorder.settle(page, 5)
    sent = [r.headers.get("x-umami-cache") for r in recorder.sent]
    # Each request carries the previous answer; a new page load starts without one.
    assert sent[:3] == [None, answers[0], answers[1]]
    assert sent[3] is None
    assert sent[4] == recorder.sent[3].response().text()
    assert all(answers) and umami.stats(uuid)["uniques"] == 1
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "e5-cache-roundtrip")


def test_data_cache_keeps_token_across_page_loads(live, site, umami, page, recorder):
    uuid = umami.new_website("data-cache")
    base = "/p/v1/data-cache"
    site.page(f"{base}/p2.html", tag(live, uuid, cache="true"))
    page.goto(site.page(f"{base}/p.html", tag(live, uuid, cache="true"),
                        '<a id="next" href="p2.html">2</a>'))
    recorder.wait(page, 1)
    token = recorder.sent[0].response().text()
    with page.expect_navigation():
        page.click("#next")
    recorder.settle(page, 2)
    assert recorder.sent[1].headers.get("x-umami-cache") == token
    assert page.evaluate("sessionStorage.getItem('umami.cache')") == \
        recorder.sent[1].response().text()
    assert umami.stats(uuid)["pageviews"] == 2


def test_data_host_url_with_script_served_elsewhere(live, site, umami, page, recorder):
    """f1: the page and a copy of the script on one origin, the API named by data-host-url."""
    uuid = umami.new_website("host-url")
    base = "/p/v1/f1-cors-host-url"
    shutil.copy(os.path.join(tracker.STATIC, "umami.js"), os.path.join(site.root, "umami.js"))
    script = script_tag(f"{site.url}/umami.js", website_id=uuid, host_url=live.url + "/")
    site.page(f"{base}/after.html", script)
    body = ('<button id="b" class="umami--click--cross-click">b</button>'
            '<a id="a" class="umami--click--cross-link" href="after.html">a</a>')
    page.goto(site.page(f"{base}/p.html", script, body))
    recorder.wait(page, 1)
    run_steps(page, recorder, [("umami('cross-1')", 1),
                               ("umami.trackEvent('cross-2', {n: 2})", 1),
                               ("document.getElementById('b').click()", 1),
                               ("history.pushState({}, '', 'p2')", 1)])
    with page.expect_navigation():
        page.click("#a")
    recorder.settle(page, 7)
    assert umami.metric(uuid, "url") == {f"{base}/p.html": 1, "p2": 1, f"{base}/after.html": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "f1-cors-host-url")


DNT_ON = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})"
OPTED_OUT = "localStorage.setItem('umami.disabled', '1')"


@pytest.mark.parametrize("attrs, init_script, expected", [
    ({"do_not_track": "true"}, DNT_ON, 0),
    ({"do_not_track": "false"}, DNT_ON, 0),   # v1: the attribute's presence is what counts
    ({}, DNT_ON, 1),
    ({"domains": "example.com, www.example.com"}, None, 0),
    ({"domains": "example.com, localhost"}, None, 1),
    ({}, OPTED_OUT, 0),
], ids=["dnt-true", "dnt-false", "dnt-no-attr", "domains-mismatch", "domains-match",
        "localstorage-disabled"])
def test_opt_outs(live, site, umami, context, recorder, attrs, init_script, expected):
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    uuid = umami.new_website("opt-out")
    body = '<button id="b" class="umami--click--opt">b</button>'
    page.goto(site.page("/p/v1/opt-out/p.html", tag(live, uuid, **attrs), body))
    page.wait_for_load_state("load")
    page.click("#b")
    page.evaluate("history.pushState({}, '', 'p2'); umami('manual');"
                  " umami.trackView('/v'); umami.trackEvent('e', {a: 1})")
    recorder.settle(page, 6 * expected)
    assert umami.stats(uuid)["pageviews"] == 3 * expected


def test_server_down_raises_nothing_in_the_page(live, site, umami, page, recorder):
    uuid = umami.new_website("down")
    dead = f"http://127.0.0.1:{free_port()}"
    errors = watch_errors(page)
    body = ('<button id="b" class="umami--click--x">b</button>'
            '<script>window.addEventListener("load", () => { window.after = 1; });</script>')
    page.goto(site.page("/p/v1/down/p.html", tag(live, uuid, host_url=dead), body))
    page.click("#b")
    page.evaluate("history.pushState({}, '', 'p2'); umami('x'); umami.trackView('/v');"
                  " umami.trackEvent('e', 'f')")
    recorder.settle(page, 6)
    assert len(recorder.failed) == 6
    assert page.evaluate("window.after") == 1
    assert errors == []


def test_bad_answers_and_missing_website_raise_nothing(live, site, umami, page, recorder):
    errors = watch_errors(page)
    calls = "umami('x'); umami.trackView('/v'); umami.trackEvent('e', {a: 1})"
    page.goto(site.page("/p/v1/bad/no-id.html", script_tag(f"{live.url}/umami.js")))
    page.wait_for_load_state("load")
    page.evaluate(calls)   # the API exists and does nothing without data-website-id
    recorder.settle(page, 0)
    unknown = "00000000-0000-4000-8000-000000000000"
    page.goto(site.page("/p/v1/bad/unknown.html", tag(live, unknown)))
    page.wait_for_load_state("load")
    recorder.wait(page, 1)
    page.evaluate(calls)
    recorder.settle(page, 4)
    assert {r.response().status for r in recorder.sent} == {400}
    assert errors == []


@pytest.mark.parametrize("script, endpoint, call", [
    ("umami.js", "/api/collect", "umami('under-prefix')"),
    ("script.js", "/api/send", "umami.track('under-prefix')"),
])
def test_api_base_follows_the_script_path_prefix(tmp_path, site, context, script, endpoint,
                                                 call):
    """umami-lite mounted under /analytics in a host app: both trackers find /analytics/api."""
    app = Flask(__name__)
    app.config.update(UMAMI_LITE_DATABASE=str(tmp_path / "embedded.db"),
                      UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD,
                      UMAMI_LITE_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    UmamiLite(app, url_prefix="/analytics")
    server = AppServer(app)
    recorder = Recorder(context, endpoint)
    try:
        umami = Client(server.url + "/analytics")
        uuid = umami.new_website("embedded")
        page = context.new_page()
        tag = script_tag(f"{server.url}/analytics/{script}?v=1", website_id=uuid)
        page.goto(site.page("/p/prefix/p.html", tag))
        recorder.wait(page, 1)
        run_steps(page, recorder, [(call, 1)])
        recorder.settle(page, 2)
        assert recorder.sent[0].url == f"{server.url}/analytics{endpoint}"
        assert umami.metric(uuid, "url") == {"/p/prefix/p.html": 1}
        assert umami.metric(uuid, "event") == {"custom:under-prefix": 1}
    finally:
        server.stop()
