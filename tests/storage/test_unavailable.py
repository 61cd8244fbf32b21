"""A locked, full or read-only database: collect answers a JSON 503 and stores nothing,
stats keep answering, nothing is corrupt, and writes work again once the cause is gone.

The causes are SQLite's own: a write lock held by another connection past busy_timeout
(SQLITE_BUSY), PRAGMA max_page_count on the app's writer connections (SQLITE_FULL, as a
full disk), and the file opened with mode=ro (SQLITE_READONLY, as a read-only file or
mount). Tests run as root, so file permissions cannot make a file read-only. Where the
machine lets the tests mount a tmpfs (root with CAP_SYS_ADMIN), a real server also runs on
a really full filesystem (ENOSPC); elsewhere that one test is skipped.
"""
import json
import shutil
import sqlite3
import subprocess
import urllib.error
import urllib.request

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA, T0, count_rows, event, pageview, send
from servers import LiveServer

from umami_lite.storage import connection as db

HOUR = 3_600_000


@pytest.fixture
def app(make_app):
    """Hits answered after their own commit: what these tests check. test_journal.py has
    the same causes with the ingest journal on."""
    return make_app(UMAMI_LITE_INGEST_JOURNAL=False)


def stats(api, website):
    """Returns the v1 and current-API stats answers of website around T0, asserting 200s."""
    v1 = api.get(f"/api/website/{website['website_id']}/stats",
                 query_string={"start_at": T0 - HOUR, "end_at": T0 + HOUR})
    v2 = api.get(f"/api/websites/{website['id']}/stats",
                 query_string={"startAt": T0 - HOUR, "endAt": T0 + HOUR})
    assert v1.status_code == 200 and v2.status_code == 200, (v1.json, v2.json)
    return v1.json, v2.json


def assert_unavailable(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "unavailable"
    assert response.json["error"]["status"] == 503
    assert response.headers["Retry-After"] == "1"


def integrity(app):
    conn = sqlite3.connect(app.extensions["umami_lite"].database)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def all_hits(client, website, n):
    """Returns the answers of one v1 pageview, v1 event and /api/send pageview numbered n."""
    return [pageview(client, website["id"], url=f"/p{n}", ip=f"203.0.113.{n % 250}"),
            event(client, website["id"], f"e{n}", url=f"/e{n}"),
            send(client, website["id"], url=f"/s{n}")]


def batch_item(website, n):
    return {"type": "event", "payload": {"website": website["id"], "url": f"/b{n}",
                                         "hostname": "example.com", "id": f"visitor-{n}"}}


@pytest.mark.single_engine("SQLite's file: its lock, its disk, its permissions")
def test_a_write_lock_held_past_busy_timeout_answers_503(app, client, api, website,
                                                         monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)  # wait 0.2 s for the lock, not 5 s
    assert pageview(client, website["id"], url="/before").status_code == 200
    holder = sqlite3.connect(app.extensions["umami_lite"].database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for longer than the timeout
    try:
        for response in all_hits(client, website, 1):
            assert_unavailable(response)
        assert_unavailable(client.post("/api/batch", json=[batch_item(website, 1)] * 2))
        assert count_rows(app, "pageview") == 1 and count_rows(app, "event") == 0
        assert stats(api, website)[0]["pageviews"] == 1  # readers are not blocked by a writer
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert [r.status_code for r in all_hits(client, website, 2)] == [200, 200, 200]
    assert count_rows(app, "pageview") == 3 and count_rows(app, "event") == 1
    assert integrity(app) == "ok"


@pytest.mark.single_engine("SQLite's file: its lock, its disk, its permissions")
def test_a_full_disk_answers_503_and_stats_still_answer(app, client, api, website, monkeypatch):
    assert pageview(client, website["id"], url="/before").status_code == 200
    api.token()  # log in while the disk has room: the stats calls below only read
    real_connect = db.connect

    def connect_to_full_disk(path, readonly=False):
        conn = real_connect(path, readonly)
        # The file may not grow by one page: new rows fit only in free space already there
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(db, "connect", connect_to_full_disk)
    db.close_idle(app.extensions["umami_lite"].database)  # pooled ones were made before
    answers = []
    for n in range(300):  # ~40 pageviews fill a 4 KiB page: the file must grow soon
        answers.append(pageview(client, website["id"], url=f"/p{n}",
                                ip=f"198.51.100.{n % 250}"))
    statuses = {r.status_code for r in answers}
    assert statuses == {200, 503}, statuses  # never a 500, and the disk really filled up
    for response in answers:
        if response.status_code == 503:
            assert_unavailable(response)
    acknowledged = 1 + sum(r.status_code == 200 for r in answers)
    assert count_rows(app, "pageview") == acknowledged  # a 503 stored nothing
    v1, v2 = stats(api, website)
    assert v1["pageviews"] == acknowledged and v2["pageviews"] == acknowledged
    assert integrity(app) == "ok"

    batch = client.post("/api/batch", json=[batch_item(website, n) for n in range(300)])
    if batch.status_code == 200:  # some items fit: the rest are reported, not stored
        assert batch.json["errors"] > 0
        assert {d["response"]["error"]["status"] for d in batch.json["details"]} == {503}
        acknowledged += batch.json["processed"]
    else:  # not one fitted: nothing stored
        assert_unavailable(batch)
    assert count_rows(app, "pageview") == acknowledged

    monkeypatch.setattr(db, "connect", real_connect)  # space returns
    assert [r.status_code for r in all_hits(client, website, 1000)] == [200, 200, 200]
    assert count_rows(app, "pageview") == acknowledged + 2
    assert integrity(app) == "ok"


@pytest.mark.single_engine("SQLite's file: its lock, its disk, its permissions")
def test_a_read_only_database_answers_503_and_stats_still_answer(app, client, api, website,
                                                                 monkeypatch):
    assert [r.status_code for r in all_hits(client, website, 1)] == [200, 200, 200]
    api.token()
    real_connect = sqlite3.connect

    def connect_read_only(path, *args, **kwargs):
        return real_connect(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(db.sqlite3, "connect", connect_read_only)
    db.close_idle(app.extensions["umami_lite"].database)  # pooled ones were made before
    try:
        answers = all_hits(client, website, 2)
        v1, v2 = stats(api, website)
    finally:
        monkeypatch.undo()  # db.sqlite3 is the sqlite3 module: restore it before counting
    for response in answers:
        assert_unavailable(response)
    assert count_rows(app, "pageview") == 2 and count_rows(app, "event") == 1
    assert v1["pageviews"] == 2 and v2["pageviews"] == 2
    assert integrity(app) == "ok"
    assert [r.status_code for r in all_hits(client, website, 3)] == [200, 200, 200]
    assert count_rows(app, "pageview") == 4 and count_rows(app, "event") == 2


@pytest.fixture
def small_filesystem(tmp_path):
    """Yields a folder on a 1 MiB tmpfs (grow it with remount()), or skips the test."""
    folder = tmp_path / "fs"
    folder.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1024k", "tmpfs", str(folder)],
            capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def http(server, method, path, body=None, headers=None):
    """Returns (status, parsed JSON or text) of one request to the live server."""
    request = urllib.request.Request(
        server.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "User-Agent": CHROME_UA, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def test_a_really_full_filesystem_answers_503_until_space_returns(small_filesystem, tmp_path):
    path = small_filesystem / "full.db"
    server = LiveServer(path, workers=2, log_path=str(tmp_path / "server.log"),
                        env={"UMAMI_LITE_INGEST_JOURNAL": "0"})
    try:
        status, login = http(server, "POST", "/api/auth/login",
                             {"username": "admin", "password": ADMIN_PASSWORD})
        auth = {"Authorization": f"Bearer {login['token']}"}
        status, website = http(server, "POST", "/api/website",
                               {"name": "Full", "domain": "example.com"}, auth)
        assert status == 200
        statuses = []
        while statuses.count(503) < 20 and len(statuses) < 3000:
            n = len(statuses)
            status, body = http(server, "POST", "/api/collect", {"type": "pageview", "payload": {
                "website": website["id"], "url": f"/p{n}/" + "x" * 300,
                "hostname": "example.com"}}, {"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"})
            if status == 503:
                assert body["error"]["code"] == "unavailable", body
            statuses.append(status)
        assert set(statuses) == {200, 503}, set(statuses)  # the disk filled; never a 500
        acknowledged = statuses.count(200)
        status, stats = http(server, "GET", f"/api/website/{website['website_id']}/stats"
                             "?start_at=0&end_at=4102444800000", headers=auth)
        assert status == 200 and stats["pageviews"] == acknowledged  # reads still answer

        subprocess.run(["mount", "-o", "remount,size=8m", str(small_filesystem)], check=True)
        for n in range(5):  # space returns: no restart needed
            status, _ = http(server, "POST", "/api/collect", {"type": "pageview", "payload": {
                "website": website["id"], "url": f"/after{n}", "hostname": "example.com"}})
            assert status == 200
    finally:
        server.stop()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM pageview").fetchone()[0] == acknowledged + 5
    finally:
        conn.close()
