"""/script.js with data-performance="true" in a real browser against a live umami-lite: the
web vitals it measures reach /api/send as `performance` hits, as in the capture of today's
Umami tracker (../shared/fixtures/v2.jsonl, scenario e8-performance), and are stored as
vitals samples.

A view's sample is sent when the view ends. When the page itself goes away (pagehide), the
headless browser sends that last request with its own user agent (HeadlessChrome), not the
context's, and the browser reports no answer to it; so this module's server stores hits of
bot user agents, and the samples sent at pagehide are awaited in the database.
"""
import pytest
from servers import LiveServer
# The fixtures among these are used by name only.
from tracking import (  # noqa: F401
    Recorder, context, fixture_shapes, page, read_db, run_steps, script_tag, site, umami)

FIXTURE = "v2.jsonl"
ENDPOINT = "/api/send"
PAGE = "<h1>Perf</h1><p>Some text, so that the page paints its content.</p>"
# Content put above the page's text: a layout shift of the view it happens in.
SHIFT = ("const block = document.createElement('div'); block.style.height = '200px';"
         " document.body.prepend(block)")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live") / "umami-lite.db",
                        env={"DISABLE_BOT_CHECK": "1"})
    yield server
    server.stop()


@pytest.fixture
def recorder(context):
    return Recorder(context, ENDPOINT)


def tag(live, uuid, **attrs):
    return script_tag(f"{live.url}/script.js", website_id=uuid, **attrs)


def numbers_named(shapes):
    """Returns shapes with each number of a performance payload replaced by its name: the
    values differ run by run, which metrics are sent does not."""
    for body, _, _ in shapes:
        if body["type"] == "performance":
            body["payload"] = {k: k if isinstance(v, (int, float)) else v
                               for k, v in body["payload"].items()}
    return shapes


def stored_vitals(live, uuid):
    """Returns [(path, title, lcp, inp, cls, fcp, ttfb, whether the sample has the session
    and visit of the website's first pageview)] of a website's samples, in arrival order."""
    return read_db(live, "SELECT v.url_path, v.page_title, v.lcp, v.inp, v.cls, v.fcp, v.ttfb,"
                         " (v.session_id, v.visit_id) = (SELECT session_id, visit_id FROM"
                         " pageview WHERE website_id = w.website_id ORDER BY pageview_id"
                         " LIMIT 1) FROM vitals v JOIN website w USING (website_id)"
                         " WHERE w.website_uuid = ? ORDER BY v.vitals_id", uuid)


def wait_for_vitals(page, live, uuid, count):
    """Returns the stored samples once there are count of them."""
    for _ in range(400):
        rows = stored_vitals(live, uuid)
        if len(rows) >= count:
            return rows
        page.wait_for_timeout(25)
    raise AssertionError(f"expected {count} vitals samples, got {rows}")


def painted(page):
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length")
    page.wait_for_timeout(300)   # the largest paint is reported a frame after it


def test_performance_matches_capture_and_is_stored(live, site, umami, page, recorder):
    """e8: the loaded page's ttfb, fcp and lcp with its duration when an in-page navigation
    ends it, before the next pageview; the next view's sample at pagehide."""
    uuid = umami.new_website("vitals")
    base = "/p/v2/e8-performance"
    page.goto(site.page(f"{base}/p.html", tag(live, uuid, performance="true"), PAGE,
                        title="Perf"))
    recorder.wait(page, 1)
    painted(page)
    run_steps(page, recorder, [("history.pushState({}, '', 'p2')", 2)])
    recorder.settle(page, 3)
    bodies = recorder.bodies()
    sent = bodies[1]["payload"]
    assert all(sent[k] > 0 for k in ("ttfb", "fcp", "lcp", "duration"))
    captured = numbers_named(fixture_shapes(FIXTURE, "e8-performance"))
    assert numbers_named(recorder.shapes(site.url, uuid)) == captured[:3]
    assert stored_vitals(live, uuid) == [(f"{base}/p.html", "Perf", round(sent["lcp"], 1),
                                          None, None, round(sent["fcp"], 1),
                                          round(sent["ttfb"], 1), 1)]
    # The capture's last sample carries only a duration (p2 measured nothing), which stores
    # no row; here p2's content shifts, so its sample sent at pagehide is stored.
    assert set(captured[3][0]["payload"]) - set(captured[2][0]["payload"]) == {"duration"}
    page.evaluate(SHIFT)
    page.wait_for_timeout(300)
    page.goto(site.page(f"{base}/away.html", ""))
    rows = wait_for_vitals(page, live, uuid, 2)
    assert rows[1][:4] == (f"{base}/p2", "Perf", None, None)
    assert 0 < rows[1][4] < 1 and rows[1][5:] == (None, None, 1)


SLOW_BUTTON = PAGE + """
<button id="slow" onclick="const t = performance.now(); while (performance.now() - t < 150);">
  slow</button>"""


def test_layout_shifts_and_slow_interactions_are_measured(live, site, umami, page, recorder):
    uuid = umami.new_website("vitals-cls-inp")
    page.goto(site.page("/p/v2/vitals/shift.html", tag(live, uuid, performance="true"),
                        SLOW_BUTTON, title="Shift"))
    recorder.wait(page, 1)
    painted(page)
    page.evaluate(SHIFT)
    page.wait_for_timeout(300)
    page.click("#slow")
    page.wait_for_timeout(300)
    run_steps(page, recorder, [("history.pushState({}, '', 'shift2')", 2)])
    sent = recorder.bodies()[1]["payload"]
    assert 0 < sent["cls"] < 1
    assert sent["inp"] >= 150   # the click's handler ran 150 ms before the next paint
    assert stored_vitals(live, uuid) == [
        ("/p/v2/vitals/shift.html", "Shift", round(sent["lcp"], 1), round(sent["inp"], 1),
         round(sent["cls"], 4), round(sent["fcp"], 1), round(sent["ttfb"], 1), 1)]


def test_without_data_performance_nothing_is_measured(live, site, umami, page, recorder):
    uuid = umami.new_website("no-vitals")
    page.goto(site.page("/p/v2/vitals/off.html", tag(live, uuid), PAGE))
    recorder.wait(page, 1)
    painted(page)
    run_steps(page, recorder, [("history.pushState({}, '', 'off2')", 1)])
    page.evaluate(SHIFT)
    page.goto(site.page("/p/v2/vitals/away.html", tag(live, uuid)))
    recorder.settle(page, 3)   # the pageview of away.html shows the pagehide has passed
    assert [b["type"] for b in recorder.bodies()] == ["event"] * 3
    assert stored_vitals(live, uuid) == []
