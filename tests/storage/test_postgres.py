"""Several app servers on one PostgreSQL database: every acknowledged hit stored once, one
session per visitor whichever server saw it, and nothing acknowledged lost when a server
is killed. These run only on PostgreSQL (UMAMI_LITE_TEST_POSTGRES); the rest of the suite
runs on both engines through the db_path fixture."""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import is_postgres, open_stored
from servers import LiveServer

# no rate limit (one test client sends everything); the visitor's IP from X-Forwarded-For
SERVER_ENV = {"UMAMI_LITE_RATE_IP": "0", "UMAMI_LITE_RATE_WEBSITE": "0",
              "UMAMI_LITE_PROXY_COUNT": "1"}
VISITORS = 40


@pytest.fixture
def pg_path(db_path):
    if not is_postgres(db_path):
        pytest.skip("about PostgreSQL: several app servers on one database")
    return db_path


def send(port, website_uuid, url, visitor):
    """Posts one pageview (an event without a name) to the server on port; returns its
    status, or None when the connection failed (no answer: it may or may not be stored)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = {"type": "event", "payload": {"website": website_uuid, "url": url,
                                            "hostname": "example.com"}}
    try:
        conn.request("POST", "/api/send", body=json.dumps(body), headers={
            "Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{visitor}",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                          "Gecko) Chrome/126.0.0.0 Safari/537.36"})
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def drive(ports, website_uuid, per_thread, threads_per_port=3, stop=None):
    """Sends pageviews from several threads per server; returns {url: status}."""
    answers, lock = {}, threading.Lock()

    def run(port, worker):
        for n in range(per_thread):
            if stop is not None and stop.is_set():
                return
            url = f"/p/{port}/{worker}/{n}"
            status = send(port, website_uuid, url, (worker * 7 + n) % VISITORS + 1)
            with lock:
                answers[url] = status

    threads = [threading.Thread(target=run, args=(port, w))
               for port in ports for w in range(threads_per_port)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def stored_urls(path):
    conn = open_stored(path)
    try:
        return [r[0] for r in conn.execute("SELECT url_path FROM pageview")], \
            conn.execute("SELECT count(*) FROM session").fetchone()[0]
    finally:
        conn.close()


def test_two_app_servers_store_every_hit_once_and_one_session_per_visitor(pg_path, website,
                                                                           tmp_path):
    servers = [LiveServer(pg_path, workers=1, threads=4, env=SERVER_ENV,
                          log_path=str(tmp_path / f"server{n}.log")) for n in range(2)]
    try:
        answers = drive([s.port for s in servers], website["website_uuid"], per_thread=60)
    finally:
        for s in servers:
            s.stop()
    assert set(answers.values()) == {200}, [open(s.log_path).read()[-2000:] for s in servers]
    urls, sessions = stored_urls(pg_path)
    assert len(answers) == 2 * 3 * 60
    assert sorted(urls) == sorted(answers)  # none lost, none doubled
    assert sessions == VISITORS  # each visitor was seen by both servers, at the same time


def _kill_all(process):
    """kill -9 of a server: its gunicorn master and every worker, with no warning."""
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                              text=True).stdout.split()
    for pid in [process.pid, *map(int, children)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def test_killing_one_app_server_loses_no_acknowledged_hit(pg_path, website, tmp_path):
    survivor = LiveServer(pg_path, workers=1, threads=4, env=SERVER_ENV,
                          log_path=str(tmp_path / "survivor.log"))
    victim = LiveServer(pg_path, workers=2, threads=4, env=SERVER_ENV,
                        log_path=str(tmp_path / "victim.log"))
    stop = threading.Event()
    result = {}
    driver = threading.Thread(target=lambda: result.update(drive(
        [survivor.port, victim.port], website["website_uuid"], per_thread=400, stop=stop)))
    try:
        driver.start()
        time.sleep(1.5)
        _kill_all(victim.process)
        time.sleep(1.0)
        stop.set()
        driver.join()
    finally:
        stop.set()
        survivor.stop()
        victim.stop()
    urls, _ = stored_urls(pg_path)
    acknowledged = [u for u, status in result.items() if status == 200]
    on_victim = [u for u in acknowledged if u.startswith(f"/p/{victim.port}/")]
    failed = [u for u, status in result.items() if status != 200]
    assert on_victim and failed, "the victim answered some hits and then none"
    assert all(u.startswith(f"/p/{victim.port}/") for u in failed)
    assert len(urls) == len(set(urls))  # nothing doubled
    assert set(acknowledged) <= set(urls)  # nothing acknowledged lost
    assert set(urls) <= set(result)


def test_backup_and_restore_point_to_pg_dump(pg_path, tmp_path):
    for command in (["backup", str(tmp_path / "b.db")], ["restore", str(tmp_path / "b.db")]):
        run = subprocess.run([sys.executable, "-m", "umami_lite.cli", "--database", pg_path,
                              *command], capture_output=True, text=True, timeout=60)
        assert run.returncode != 0 and "pg_dump" in run.stderr, run.stderr
    assert not (tmp_path / "b.db").exists()


def test_a_write_lock_held_past_the_timeout_answers_503_and_stores_nothing(
        pg_path, app, client, website, monkeypatch):
    import psycopg

    from umami_lite.storage import postgres
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_MS", 300)
    holder = psycopg.connect(pg_path, autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", (postgres.WRITE_LOCK_KEY,))
        r = pageview_hit(client, website["website_uuid"])
        assert r.status_code == 503 and r.headers.get("Retry-After"), r.get_data(as_text=True)
        assert r.json["error"]["code"]
    finally:
        holder.close()
    assert stored_urls(pg_path) == ([], 0)
    assert pageview_hit(client, website["website_uuid"]).status_code == 200
    assert stored_urls(pg_path) == (["/"], 1)


def pageview_hit(client, website_uuid):
    return client.post("/api/send", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"
                                             " AppleWebKit/537.36 Chrome/126.0 Safari/537.36"},
                       json={"type": "event", "payload": {"website": website_uuid, "url": "/",
                                                          "hostname": "example.com"}})


def test_a_database_of_a_newer_version_is_refused_and_a_second_start_changes_nothing(pg_path):
    from umami_lite.storage import connection, migrations
    connection.init_db(pg_path).close()  # a second start over the same layout
    conn = open_stored(pg_path)
    try:
        with conn:
            conn.execute("UPDATE setting SET value = ? WHERE key = 'schema_version'",
                         (str(migrations.LATEST + 1),))
    finally:
        conn.close()
    with pytest.raises(migrations.TooNew, match="upgrade umami-lite"):
        connection.init_db(pg_path)
