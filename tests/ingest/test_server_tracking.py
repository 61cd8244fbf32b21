"""Server-side tracking of an embedding host's pages, and the tracker_tag() template helper."""
import sqlite3

import pytest
from conftest import CHROME_UA, T0
from embedhost import make_host, seed_website
from werkzeug.middleware.proxy_fix import ProxyFix

WEBSITE = "5a0f5d5e-6a43-4c38-9f3a-0d3c5c1e2b7a"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def tracked(tmp_path, clock):
    """Returns make(**config) -> host app with server-side tracking of WEBSITE; closes them."""
    made = []

    def make(name="host", extension_kwargs=None, **config):
        seed_website(tmp_path / f"{name}.db", WEBSITE)
        host, ext = make_host(tmp_path, name=name, clock=clock,
                              init_kwargs=extension_kwargs,
                              UMAMI_LITE_TRACK_WEBSITE=WEBSITE, **config)
        made.append(host)
        return host

    yield make
    for host in made:
        host.extensions["umami_lite"].tracking.close()


def visit(client, path, ip="203.0.113.7", ua=CHROME_UA, **headers):
    """Returns the response of a browser-like GET of path on the host."""
    return client.get(path, headers={"User-Agent": ua, "Accept-Language": "de-DE,de;q=0.9",
                                     **headers}, environ_base={"REMOTE_ADDR": ip})


def rows(host, sql):
    """Returns the rows of sql run on host's umami-lite database, after a flush."""
    umami = host.extensions["umami_lite"]
    umami.tracking.flush()
    conn = sqlite3.connect(umami.database)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def pageviews(host):
    return rows(host, "SELECT url, referrer, created_at FROM pageview ORDER BY pageview_id")


def test_tracking_is_off_by_default(tmp_path):
    host, _ = make_host(tmp_path)
    assert visit(host.test_client(), "/").status_code == 200
    assert host.extensions["umami_lite"].tracking is None
    assert None not in host.after_request_funcs  # no app-wide hook


def test_host_pages_are_recorded(tracked):
    host = tracked()
    client = host.test_client()
    assert visit(client, "/").status_code == 200
    visit(client, "/page/about?utm_source=news&x=1", Referer="https://search.test/q")
    assert pageviews(host) == [("/", None, T0),
                               ("/page/about?utm_source=news&x=1", "https://search.test/q", T0)]
    assert rows(host, "SELECT utm_source FROM pageview")[1] == ("news",)
    assert rows(host, "SELECT hostname, browser, os, language, device FROM session") == [
        ("localhost", "Chrome", "Linux", "de-DE", None)]
    assert host.extensions["umami_lite"].tracking.counts() == {
        "queued": 0, "stored": 2, "ignored": 0, "failed": 0, "dropped": 0}


def test_path_is_recorded_percent_encoded_like_location_pathname(tracked):
    host = tracked()
    visit(host.test_client(), "/page/caf%C3%A9")
    assert pageviews(host)[0][0] == "/page/caf%C3%A9"


def test_same_session_as_the_js_tracker(tracked):
    host = tracked()
    client = host.test_client()
    visit(client, "/")
    r = client.post("/analytics/api/collect", headers={"User-Agent": CHROME_UA},
                    environ_base={"REMOTE_ADDR": "203.0.113.7"},
                    json={"type": "pageview", "payload": {
                        "website": WEBSITE, "url": "/page/js", "hostname": "localhost",
                        "screen": "1920x1080", "language": "de-DE"}})
    assert r.status_code == 200
    assert rows(host, "SELECT count(*) FROM session") == [(1,)]
    assert rows(host, "SELECT count(DISTINCT session_id), count(*) FROM pageview") == [(1, 2)]


def test_different_visitors_get_different_sessions(tracked):
    host = tracked()
    client = host.test_client()
    visit(client, "/", ip="203.0.113.7")
    visit(client, "/", ip="203.0.113.8")
    visit(client, "/", ip="203.0.113.7", ua=CHROME_UA.replace("156", "155"))
    assert rows(host, "SELECT count(*) FROM session") == [(3,)]


@pytest.mark.parametrize("path, headers", [
    ("/static/page.html", {}),                       # static file, even an HTML one
    ("/old", {}),                                    # redirect
    ("/no-such-page", {}),                           # host 404
    ("/boom", {}),                                   # host 500
    ("/data", {}),                                   # JSON, not a page
    ("/", {"User-Agent": GOOGLEBOT}),                # bot
    ("/", {"Sec-Purpose": "prefetch"}),              # speculative loads
    ("/", {"Sec-Purpose": "prefetch;prerender"}),
    ("/", {"Purpose": "prefetch"}),
    ("/", {"X-Moz": "prefetch"}),
    ("/", {"HX-Request": "true"}),                   # HTML fragment for a script
    ("/", {"X-Requested-With": "XMLHttpRequest"}),
    ("/", {"Sec-Fetch-Dest": "empty"}),
    ("/page/secret", {}),                            # excluded by the setting
    ("/page/secret/deeper", {}),
    ("/private", {}),                                # excluded by the argument
    ("/analytics/api/heartbeat", {}),                # umami-lite's own routes
    ("/analytics/login", {}),                        # (an HTML page of the dashboard)
    ("/analytics/api/nope", {}),
])
def test_skipped_requests_are_not_recorded(tracked, path, headers):
    host = tracked(UMAMI_LITE_TRACK_EXCLUDE="/page/secret, /nothing/",
                   extension_kwargs={"exclude": ["/private"]})

    @host.get("/private")
    def private():
        return "<!doctype html><p>private"

    client = host.test_client()
    r = visit(client, path, **headers)
    assert r.status_code in (200, 302, 404, 500)
    visit(client, "/page/secretive")  # a control that is recorded: the prefix ends at a /
    assert pageviews(host) == [("/page/secretive", None, T0)]


def test_head_and_post_are_not_recorded(tracked):
    host = tracked()
    client = host.test_client()
    client.head("/", headers={"User-Agent": CHROME_UA})
    client.post("/", headers={"User-Agent": CHROME_UA})
    assert pageviews(host) == []


def test_ignored_ips_are_counted_not_recorded(tracked):
    host = tracked(UMAMI_LITE_IGNORE_IP="203.0.113.0/24")
    visit(host.test_client(), "/")
    assert pageviews(host) == []
    assert host.extensions["umami_lite"].tracking.counts()["ignored"] == 1


def test_unknown_website_fails_quietly(tmp_path, clock):
    other = "0b7e5c7e-0000-4000-8000-000000000000"
    seed_website(tmp_path / "host.db", WEBSITE)
    host, _ = make_host(tmp_path, clock=clock, UMAMI_LITE_TRACK_WEBSITE=other)
    tracking = host.extensions["umami_lite"].tracking
    try:
        assert visit(host.test_client(), "/").status_code == 200
        tracking.flush()
        assert tracking.counts()["failed"] == 1
    finally:
        tracking.close()


def test_invalid_track_website_is_refused_at_startup(tmp_path):
    with pytest.raises(ValueError, match="UMAMI_LITE_TRACK_WEBSITE"):
        make_host(tmp_path, UMAMI_LITE_TRACK_WEBSITE="not-a-uuid")


def test_close_flushes_what_is_queued(tracked):
    host = tracked()
    client = host.test_client()
    for n in range(5):
        visit(client, f"/page/{n}")
    host.extensions["umami_lite"].tracking.close()  # what atexit runs
    conn = sqlite3.connect(host.extensions["umami_lite"].database)
    assert conn.execute("SELECT count(*) FROM pageview").fetchone() == (5,)
    conn.close()


def test_two_tracked_hosts_write_their_own_databases(tracked):
    first, second = tracked("first"), tracked("second")
    visit(first.test_client(), "/page/one")
    visit(second.test_client(), "/page/two")
    visit(second.test_client(), "/page/three")
    assert [url for url, _, _ in pageviews(first)] == ["/page/one"]
    assert [url for url, _, _ in pageviews(second)] == ["/page/two", "/page/three"]


def test_behind_proxy_fix_visitor_ip_and_prefix_come_from_the_proxy(tracked):
    host = tracked()
    host.wsgi_app = ProxyFix(host.wsgi_app, x_for=1, x_host=1, x_prefix=1)
    client = host.test_client()
    for ip in ("198.51.100.1", "198.51.100.2"):
        visit(client, "/page/x", ip="10.0.0.1", **{
            "X-Forwarded-For": ip, "X-Forwarded-Host": "www.site.test",
            "X-Forwarded-Prefix": "/blog"})
    assert pageviews(host)[0][0] == "/blog/page/x"
    assert rows(host, "SELECT hostname FROM session") == [("www.site.test",)] * 2


def test_without_proxy_fix_forwarded_for_is_not_trusted(tracked):
    host = tracked()
    client = host.test_client()
    for ip in ("198.51.100.1", "198.51.100.2"):
        visit(client, "/", ip="10.0.0.1", **{"X-Forwarded-For": ip})
    assert rows(host, "SELECT count(*) FROM session") == [(1,)]


def test_host_server_name_and_script_root(tracked):
    host = tracked(SERVER_NAME="site.test:8080", APPLICATION_ROOT="/shop")
    client = host.test_client()
    r = client.get("/page/x", base_url="http://site.test:8080/shop",
                   headers={"User-Agent": CHROME_UA})
    assert r.status_code == 200
    assert pageviews(host)[0][0] == "/shop/page/x"
    assert rows(host, "SELECT hostname FROM session") == [("site.test",)]


def test_tracker_tag_with_server_side_tracking(tracked):
    host = tracked()
    html = host.test_client().get("/tagged").get_data(as_text=True)
    assert (f'<script defer src="/analytics/umami.js" data-website-id="{WEBSITE}" '
            'data-auto-track="false"></script>') in html


def test_tracker_tag_for_another_website_tracks_pages(tmp_path):
    host, _ = make_host(tmp_path, UMAMI_LITE_WEBSITE="web-site-uuid", APPLICATION_ROOT="/site")
    html = host.test_client().get("/tagged?domains=a.test&x=%22%3E", base_url=(
        "http://localhost/site")).get_data(as_text=True)
    assert ('<script defer src="/site/analytics/umami.js" data-website-id="web-site-uuid" '
            'data-domains="a.test" data-x="&#34;&gt;"></script>') in html


def test_tracker_tag_without_a_website_is_a_comment(tmp_path):
    host, _ = make_host(tmp_path)
    r = host.test_client().get("/tagged")
    assert r.status_code == 200
    assert "<!-- umami-lite: set UMAMI_LITE_WEBSITE" in r.get_data(as_text=True)


def test_client_ip_and_country_headers_are_honoured(tracked):
    host = tracked(UMAMI_LITE_CLIENT_IP_HEADER="X-Real-IP",
                   UMAMI_LITE_COUNTRY_HEADER="CF-IPCountry")
    client = host.test_client()
    for ip, country in (("198.51.100.1", "de"), ("198.51.100.2", "XX")):
        visit(client, "/", ip="10.0.0.1", **{"X-Real-IP": ip, "CF-IPCountry": country})
    assert rows(host, "SELECT country FROM session ORDER BY session_id") == [("DE",), (None,)]
