"""/script.js in a real browser against a live umami-lite's POST /api/send.

As test_tracker_v1.py, for the current tracker: each scenario replays one from the captures of
today's Umami tracker (../shared/fixtures/v2.jsonl); the requests must equal the captured ones
(bodies with titles and absolute urls, x-umami-cache presence, content type), and the stats
API must then show exactly those pageviews and events.
"""
import os
import shutil

import pytest
from servers import free_port
# The fixtures among these are used by name only.
from tracking import (  # noqa: F401
    Recorder, context, fixture_shapes, live, other_origin, page, read_db, run_steps, script_tag,
    site, umami, watch_errors)

from umami_lite.web import tracker

FIXTURE = "v2.jsonl"
ENDPOINT = "/api/send"


@pytest.fixture
def recorder(context):
    return Recorder(context, ENDPOINT)


def tag(live, uuid, **attrs):
    return script_tag(f"{live.url}/script.js", website_id=uuid, **attrs)


def test_cross_origin_referrer_matches_capture(live, site, other_origin, umami, page, recorder):
    """a2: a link on another site's page leads to ours; the referrer is that site's origin."""
    uuid = umami.new_website("referrer")
    base = "/p/v2/a2-referrer-cross-origin"
    landing = site.page(f"{base}/landing.html", tag(live, uuid), title="Landing")
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
    base = "/p/v2/b-spa-history"
    page.goto(site.page(f"{base}/spa.html", tag(live, uuid), title="SPA one"))
    recorder.wait(page, 1)
    total = run_steps(page, recorder, [
        (f"document.title = 'SPA two'; history.pushState({{}}, '', '{base}/page2?q=1')", 1),
        (f"document.title = 'SPA three';"
         f" history.pushState({{}}, '', location.origin + '{base}/page3')", 1),
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
    shapes = recorder.shapes(site.url, uuid)
    # Umami sends rapid2 twice (its delayed send reads the url late); we send each url once.
    assert [(s[0]["payload"]["url"], s[0]["payload"]["referrer"]) for s in shapes[-2:]] == [
        (f"ORIGIN{base}/rapid1", f"ORIGIN{base}/relative5#only-hash"),
        (f"ORIGIN{base}/rapid2", f"ORIGIN{base}/rapid1")]
    # Stored as path + query, as /api/collect stores it; the hash is not part of the page.
    assert umami.metric(uuid, "url") == {
        f"{base}/spa.html": 1, f"{base}/page2?q=1": 1, f"{base}/page3": 1, f"{base}/page4": 1,
        f"{base}/relative5": 2, f"{base}/rapid1": 1, f"{base}/rapid2": 1}
    assert umami.metric(uuid, "referrer") == {}   # same-site referrers are not sources
    captured = fixture_shapes(FIXTURE, "b-spa-history")
    assert shapes[:-2] == captured[:-2]
    assert captured[-1][0]["payload"]["url"] == f"ORIGIN{base}/rapid2"


CLICK_BODY = """
<button id="signup" data-umami-event="signup-button" data-umami-event-plan="pro">
  <span id="inner">Sign up</span></button>
<div id="div" data-umami-event="div-click" data-umami-event-foo="bar"
  data-umami-event-multi-word="yes">a div</div>
<a><span id="plain">plain link, no event</span></a>
<button id="empty" data-umami-event="">an empty name: no event</button>
<p id="slot"></p>
<a id="out" data-umami-event="outbound-link" data-umami-event-dest="after" href="after.html">
  next page</a>
"""


def test_click_events_match_capture(live, site, umami, page, recorder):
    uuid = umami.new_website("clicks")
    base = "/p/v2/c-click-events"
    site.page(f"{base}/after.html", tag(live, uuid), title="After")
    page.goto(site.page(f"{base}/click.html", tag(live, uuid), CLICK_BODY, title="Click"))
    recorder.wait(page, 1)
    for selector, total in [("#signup", 2), ("#inner", 3), ("#div", 4), ("#plain", 4),
                            ("#empty", 4)]:
        page.click(selector)
        recorder.wait(page, total)
    page.evaluate("""() => { const b = document.createElement('button');
        b.id = 'dynamic'; b.dataset.umamiEvent = 'dynamic-button'; b.textContent = 'new';
        document.getElementById('slot').appendChild(b); }""")
    page.click("#dynamic")
    recorder.wait(page, 5)
    with page.expect_navigation():
        page.click("#out")   # the event must survive the page unloading
    recorder.settle(page, 7)
    assert umami.metric(uuid, "event") == {
        "custom:signup-button": 2, "custom:div-click": 1, "custom:dynamic-button": 1,
        "custom:outbound-link": 1}
    assert umami.metric(uuid, "url") == {f"{base}/click.html": 1, f"{base}/after.html": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "c-click-events")


def test_js_api_matches_capture(live, site, umami, page, recorder):
    uuid = umami.new_website("api")
    base = "/p/v2/d-programmatic"
    page.goto(site.page(f"{base}/prog.html", tag(live, uuid), title="Programmatic"))
    recorder.wait(page, 1)
    total = run_steps(page, recorder, [
        ("umami.track()", 1),
        ("umami.track('signup', {k: 'v'})", 1),
        ("umami.track('name-only')", 1),
        ("umami.track({url: '/custom-object', name: 'object-event', data: {x: 1}})", 1),
        ("umami.track(props => ({...props, url: '/fn-url', name: 'fn-event'}))", 1),
        ("umami.identify('user-123', {plan: 'pro'})", 1),
        ("umami.track('after-identify')", 1),
        ("umami.identify({email: 'x@example.com'})", 1),
    ])
    recorder.settle(page, total)
    session = page.evaluate("umami.getSession()")
    assert session == {"cache": recorder.sent[-1].response().json()["cache"], "website": uuid}
    assert umami.metric(uuid, "event") == {
        "custom:signup": 1, "custom:name-only": 1, "custom:object-event": 1,
        "custom:fn-event": 1, "custom:after-identify": 1}
    assert umami.metric(uuid, "url") == {f"{base}/prog.html": 2}
    # identify starts the identified visitor's own session; later events belong to it
    assert read_db(live, "SELECT e.event_value, s.distinct_id FROM event e"
                         " JOIN session s USING (session_id) JOIN website w ON"
                         " w.website_id = e.website_id WHERE w.website_uuid = ?"
                         " ORDER BY e.event_id", uuid) == [
        ("signup", None), ("name-only", None), ("object-event", None), ("fn-event", None),
        ("after-identify", "user-123")]
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "d-programmatic")


def test_options_tag_exclude_search_and_hash(live, site, umami, page, recorder):
    uuid = umami.new_website("options")
    base = "/p/v2/e6-v2-options"
    script = tag(live, uuid, tag="tag-a", exclude_search="true", exclude_hash="true")
    page.goto(site.page(f"{base}/p.html", script, title="Options") + "?a=1#h")
    recorder.wait(page, 1)
    total = run_steps(page, recorder, [("history.pushState({}, '', 'p2')", 1),
                                       ("umami.track('tagged-event', {a: 1})", 1)])
    recorder.settle(page, total)
    assert umami.metric(uuid, "url") == {f"{base}/p.html": 1, f"{base}/p2": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "e6-v2-options")


BEFORE_SEND = """<script>
function beforeSendHandler(type, payload) {
  if (payload.name === 'drop-me') return false;
  return {...payload, url: payload.url + '?rewritten=1', data: {...payload.data, type}};
}
</script>"""


def test_before_send_drops_and_rewrites(live, site, umami, page, recorder):
    uuid = umami.new_website("before-send")
    base = "/p/v2/e7-before-send"
    script = BEFORE_SEND + tag(live, uuid, before_send="beforeSendHandler")
    page.goto(site.page(f"{base}/p.html", script, title="Before send"))
    recorder.wait(page, 1)
    total = run_steps(page, recorder, [("umami.track('drop-me')", 0),
                                       ("umami.track('keep-me', {k: 1})", 1)])
    recorder.settle(page, total)
    assert umami.metric(uuid, "event") == {"custom:keep-me": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "e7-before-send")


def test_auto_track_off_sends_only_manual_calls(live, site, umami, page, recorder):
    uuid = umami.new_website("manual")
    base = "/p/v2/e3-auto-track-false"
    body = '<button id="b" data-umami-event="auto-event">x</button>'
    page.goto(site.page(f"{base}/p.html", tag(live, uuid, auto_track="false"), body,
                        title="No auto"))
    page.click("#b")
    page.evaluate("history.pushState({}, '', 'p2'); history.back()")
    page.wait_for_url(f"**{base}/p.html")
    total = run_steps(page, recorder, [("umami.track('manual-event')", 1),
                                       ("umami.track()", 1)])
    recorder.settle(page, total)
    assert umami.metric(uuid, "event") == {"custom:manual-event": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "e3-auto-track-false")


def test_cache_token_round_trip(live, site, umami, page, recorder):
    uuid = umami.new_website("cache")
    base = "/p/v2/e5-cache-roundtrip"
    site.page(f"{base}/p2.html", tag(live, uuid), title="Cache 2")
    page.goto(site.page(f"{base}/p.html", tag(live, uuid), '<a id="next" href="p2.html">2</a>',
                        title="Cache 1"))
    recorder.wait(page, 1)
    run_steps(page, recorder, [("umami.track('e1')", 1), ("umami.track('e2')", 1)])
    answers = [r.response().json()["cache"] for r in recorder.sent]
    with page.expect_navigation():
        page.click("#next")
    recorder.wait(page, 4)
    run_steps(page, recorder, [("umami.track('e3')", 1)])
    recorder.settle(page, 5)
    sent = [r.headers.get("x-umami-cache") for r in recorder.sent]
    # Each request carries the cache of the previous JSON answer; a new page starts without.
    assert sent[:3] == [None, answers[0], answers[1]]
    assert sent[3] is None
    assert sent[4] == recorder.sent[3].response().json()["cache"]
    assert umami.stats(uuid)["uniques"] == 1
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "e5-cache-roundtrip")


def test_data_host_url_with_script_served_elsewhere(live, site, umami, page, recorder):
    uuid = umami.new_website("host-url")
    base = "/p/v2/f1-cors-host-url"
    shutil.copy(os.path.join(tracker.STATIC, "script.js"), os.path.join(site.root, "script.js"))
    script = script_tag(f"{site.url}/script.js", website_id=uuid, host_url=live.url)
    site.page(f"{base}/after.html", script, title="Cross after")
    body = ('<button id="b" data-umami-event="cross-click">b</button>'
            '<a id="a" data-umami-event="cross-link" href="after.html">a</a>')
    page.goto(site.page(f"{base}/p.html", script, body, title="Cross"))
    recorder.wait(page, 1)
    run_steps(page, recorder, [("umami.track('cross-1')", 1),
                               ("umami.track('cross-2', {n: 2})", 1),
                               ("document.getElementById('b').click()", 1),
                               ("history.pushState({}, '', 'p2')", 1)])
    with page.expect_navigation():
        page.click("#a")
    recorder.settle(page, 7)
    assert umami.metric(uuid, "url") == {f"{base}/p.html": 1, f"{base}/p2": 1,
                                         f"{base}/after.html": 1}
    assert recorder.shapes(site.url, uuid) == fixture_shapes(FIXTURE, "f1-cors-host-url")


DNT_ON = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})"
OPTED_OUT = "localStorage.setItem('umami.disabled', '1')"


@pytest.mark.parametrize("attrs, init_script, expected", [
    ({"do_not_track": "true"}, DNT_ON, 0),
    ({"do_not_track": "false"}, DNT_ON, 1),   # current Umami: only "true" honours DNT
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
    body = '<button id="b" data-umami-event="opt">b</button>'
    page.goto(site.page("/p/v2/opt-out/p.html", tag(live, uuid, **attrs), body))
    page.wait_for_load_state("load")
    page.click("#b")
    page.evaluate("history.pushState({}, '', 'p2'); umami.track('manual');"
                  " umami.track(); umami.identify('someone')")
    recorder.settle(page, 6 * expected)
    assert umami.stats(uuid)["pageviews"] == 3 * expected


def test_server_down_raises_nothing_in_the_page(live, site, umami, page, recorder):
    uuid = umami.new_website("down")
    dead = f"http://127.0.0.1:{free_port()}"
    errors = watch_errors(page)
    body = '<button id="b" data-umami-event="x">b</button>'
    page.goto(site.page("/p/v2/down/p.html", tag(live, uuid, host_url=dead), body))
    page.click("#b")
    results = page.evaluate("""async () => {
        history.pushState({}, '', 'p2');
        return [await umami.track('x'), await umami.track(), await umami.identify('u')]; }""")
    recorder.settle(page, 6)
    assert len(recorder.failed) == 6
    assert results == [None, None, None]   # the promises resolve, never reject
    assert errors == []


def test_bad_answers_and_missing_website_raise_nothing(live, site, umami, page, recorder):
    errors = watch_errors(page)
    calls = "umami.track('x'); umami.track(); umami.identify('u', {a: 1})"
    page.goto(site.page("/p/v2/bad/no-id.html", script_tag(f"{live.url}/script.js")))
    page.wait_for_load_state("load")
    page.evaluate(calls)   # the API exists and does nothing without data-website-id
    recorder.settle(page, 0)
    unknown = "00000000-0000-4000-8000-000000000000"
    page.goto(site.page("/p/v2/bad/unknown.html", tag(live, unknown)))
    page.wait_for_load_state("load")
    recorder.wait(page, 1)
    page.evaluate(calls)
    recorder.settle(page, 4)
    assert {r.response().status for r in recorder.sent} == {400}
    assert errors == []
