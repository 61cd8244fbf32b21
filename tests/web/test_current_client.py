"""The real PyPI client `umami-analytics` (pinned in setup.cfg) against a running umami-lite."""
import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from conftest import ADMIN_PASSWORD
from servers import LiveServer

umami = pytest.importorskip("umami")


@pytest.fixture
def live(tmp_path, monkeypatch):
    server = LiveServer(tmp_path / "live.db")
    # The client keeps its configuration in module globals: restore them afterwards.
    for name in ("url_base", "auth_token", "default_website_id", "default_hostname"):
        monkeypatch.setattr(umami.impl, name, getattr(umami.impl, name))
    yield server
    server.stop()


def call(server, method, path, token, body=None):
    request = urllib.request.Request(
        server.url + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def wait_out_the_hour_end():
    """Without a cache token a visit is the clock hour; keep all hits inside one hour."""
    now = time.time()
    left = 3600 - now % 3600
    if left < 30:
        time.sleep(left + 1)


def test_client_logs_in_tracks_and_reads_matching_numbers(live):
    umami.set_url_base(live.url)
    login = umami.login("admin", ADMIN_PASSWORD)
    assert login.user.username == "admin" and login.user.isAdmin and login.user.role == "admin"
    assert umami.verify_token() is True
    assert umami.heartbeat() is True

    site = call(live, "POST", "/api/websites", login.token,
                {"name": "Docs", "domain": "docs.example.com"})
    [listed] = umami.websites()
    assert (listed.id, listed.domain, listed.name) == (site["id"], "docs.example.com", "Docs")
    assert listed.user.username == "admin"

    umami.set_website_id(site["id"])
    umami.set_hostname("docs.example.com")
    wait_out_the_hour_end()
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    # ip_address (payload.ip) is ignored, so every hit has this process's IP and user
    # agent; a server-side sender tells its visitors apart by distinct id
    first = umami.new_page_view("Home", "/", ip_address="203.0.113.10", distinct_id="v10")
    assert set(first) == {"cache", "sessionId", "visitId"}
    second = umami.new_page_view("Pricing", "/pricing?plan=pro", ip_address="203.0.113.10",
                                 distinct_id="v10")
    assert second["sessionId"] == first["sessionId"] and second["visitId"] == first["visitId"]
    other = umami.new_page_view("Home", "/", ip_address="203.0.113.11", distinct_id="v11")
    assert other["sessionId"] != first["sessionId"]
    umami.new_event("signup", url="/pricing", ip_address="203.0.113.10", distinct_id="v10",
                    custom_data={"plan": "pro", "seats": 3})
    end = datetime.now(timezone.utc) + timedelta(minutes=1)

    stats = umami.website_stats(start, end)
    assert (stats.pageviews, stats.visitors, stats.visits, stats.bounces) == (3, 2, 2, 1)
    assert stats.totaltime >= 0 and stats.comparison.pageviews == 0
    home = umami.website_stats(start, end, url="/")
    assert (home.pageviews, home.visitors, home.visits, home.bounces) == (2, 2, 2, 2)
    chrome = umami.website_stats(start, end, browser="Chrome", host="docs.example.com")
    assert chrome.pageviews == 3
    assert umami.website_stats(start, end, browser="Firefox").pageviews == 0
    signups = umami.website_stats(start, end, event="signup")
    assert (signups.pageviews, signups.visitors) == (1, 1)
    assert umami.active_users() == 2

    window = f"startAt={int(start.timestamp() * 1000)}&endAt={int(end.timestamp() * 1000)}"
    values = call(live, "GET", f"/api/websites/{site['id']}/event-data/values?{window}"
                  "&event=signup&propertyName=seats", login.token)
    assert values == [{"value": "3", "total": 1}]
