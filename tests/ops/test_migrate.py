"""`umami-lite migrate`: a whole installation moves from its SQLite file into PostgreSQL and
answers the same there; a target that holds data, or a wrong argument, is refused."""
import subprocess
import sys

import pytest
from conftest import ADMIN_PASSWORD, T0, Api, open_stored, pageview, send

from umami_lite import create_app
from umami_lite.ops.migrate import MigrateError, migrate

HOUR = 3_600_000
RANGE = {"startAt": T0 - 10 * 24 * HOUR, "endAt": T0 + HOUR}
READS = ("stats", "pageviews?unit=day&timezone=Europe/Berlin", "metrics?type=path",
         "metrics?type=referrer", "metrics?type=browser", "metrics?type=event",
         "sessions?page=1&pageSize=20", "events?page=1&pageSize=20", "sessions/stats")


def make(path, clock):
    return create_app({"UMAMI_LITE_DATABASE": path, "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                       "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                       "UMAMI_LITE_CLOCK": clock, "TESTING": True})


def answers(api, uuid):
    """Returns {route: JSON answer} of the current API's reads of one website."""
    query = "&".join(f"{k}={v}" for k, v in RANGE.items())
    out = {}
    for route in READS:
        sep = "&" if "?" in route else "?"
        r = api.get(f"/api/websites/{uuid}/{route}{sep}{query}")
        assert r.status_code == 200, (route, r.json)
        out[route] = r.json
    out["segments"] = api.get(f"/api/websites/{uuid}/segments").json
    out["websites"] = api.get("/api/websites").json
    return out


@pytest.fixture
def source(tmp_path, clock):
    """A SQLite installation with two days of hits, a second user, a segment and a share id,
    summarized (a day in the past) and partly still in the ingest journal."""
    path = str(tmp_path / "old.db")
    app = make(path, clock)
    api = Api(app.test_client())
    website = api.create_website(enable_share_url=True)
    uuid = website["website_uuid"]
    api.create_user("reader", "reader-password-1")
    for day in (2, 1):
        clock.now = T0 - day * 24 * HOUR
        for n in range(6):
            pageview(api.client, uuid, url=f"/page{n % 3}", ip=f"203.0.113.{n}",
                     referrer="https://news.example.org/a" if n % 2 else "")
        send(api.client, uuid, name="signup", data={"plan": "pro", "seats": 3},
             remote_addr="203.0.113.1")
    clock.now = T0
    pageview(api.client, uuid, url="/today")
    r = api.post(f"/api/websites/{uuid}/segments", json={
        "type": "segment", "name": "Pro", "parameters": {"filters": [
            {"name": "path", "operator": "eq", "value": "/page1"}]}})
    assert r.status_code == 200, r.json
    return path, app, api, uuid


def test_an_installation_moves_with_its_ids_and_answers_the_same(source, postgres_url, clock):
    path, app, api, uuid = source
    before = answers(api, uuid)
    token = api.token()
    messages = []
    copied = migrate(path, postgres_url, progress=messages.append)
    assert copied["pageview"] == 13 and copied["event"] == 2 and copied["account"] == 2
    assert any(m.startswith("summaries of website") for m in messages)

    moved = make(postgres_url, clock)
    api_pg = Api(moved.test_client())
    api_pg._tokens["admin"] = token  # the stored secret moved: a token of the file still works
    assert answers(api_pg, uuid) == before
    assert api_pg.token("reader", "reader-password-1")  # password hashes moved
    # new rows take ids after the copied ones
    assert pageview(api_pg.client, uuid, url="/after").status_code == 200
    assert api_pg.create_website(name="Second")["website_id"] == 2
    conn = open_stored(postgres_url)
    try:
        assert conn.execute("SELECT count(*) FROM pageview").fetchone()[0] == 14
        assert conn.execute("SELECT count(DISTINCT pageview_id) FROM pageview").fetchone()[0] == 14
    finally:
        conn.close()
    old = open_stored(path)  # the source keeps its rows
    try:
        assert old.execute("SELECT count(*) FROM pageview").fetchone()[0] == 13
    finally:
        old.close()


def test_a_target_that_holds_data_is_refused_and_keeps_it(source, postgres_url):
    path, *_ = source
    migrate(path, postgres_url, progress=lambda text: None)
    with pytest.raises(MigrateError, match="already holds data"):
        migrate(path, postgres_url, progress=lambda text: None)
    conn = open_stored(postgres_url)
    try:
        assert conn.execute("SELECT count(*) FROM pageview").fetchone()[0] == 13
    finally:
        conn.close()


def run(*args):
    return subprocess.run([sys.executable, "-m", "umami_lite.cli", "migrate", *args],
                          capture_output=True, text=True, timeout=120)


def test_the_command_reports_what_moved(source, postgres_url):
    path, *_ = source
    done = run("--from", path, "--to", postgres_url)
    assert done.returncode == 0, done.stderr
    assert "15 hits, 1 websites, 2 accounts" in done.stdout  # 13 pageviews, 2 events
    assert "pageview: 13 rows" in done.stderr


def test_wrong_arguments_are_one_line_errors(tmp_path, source):
    path, *_ = source
    for args, words in ((["--from", str(tmp_path / "none.db"), "--to", "postgresql://x/y"],
                         "no SQLite database file"),
                        (["--from", path, "--to", str(tmp_path / "other.db")],
                         "is not a postgresql:// URL"),
                        (["--from", path], "required")):
        done = run(*args)
        assert done.returncode != 0 and words in done.stderr, done.stderr
    assert not (tmp_path / "other.db").exists()
