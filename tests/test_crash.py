"""Load with worker kills: every hit acknowledged with 200 is stored, the file stays sound.

A short, bounded version of the hand-run load test: a real `umami-lite serve` with two
gunicorn workers, concurrent clients, and a kill -9 of a worker (then of the whole server)
in the middle of the load.
"""
import json
import os
import signal
import sqlite3
import threading
import time
import urllib.request

from conftest import CHROME_UA
from servers import LiveServer

from umami_lite import db, sites

CLIENTS = 6
HITS_PER_CLIENT = 100


def _create_website(path):
    conn = db.init_db(path)
    with db.transaction(conn):
        conn.execute("INSERT OR IGNORE INTO account (user_id, username, password, is_admin,"
                     " created_at, updated_at) VALUES (1, 'admin', 'x', 1, 0, 0)")
        website = sites.create(conn, 1, "Load", "example.com")
    conn.close()
    return website["website_uuid"]


def _client(url, website_uuid, number, acknowledged, lock):
    for i in range(HITS_PER_CLIENT):
        body = json.dumps({"type": "pageview", "payload": {
            "website": website_uuid, "url": f"/c{number}/{i}", "hostname": "example.com"}})
        request = urllib.request.Request(
            url + "/api/collect", data=body.encode(),
            headers={"Content-Type": "application/json", "User-Agent": CHROME_UA})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status == 200:
                    with lock:
                        acknowledged.add(f"/c{number}/{i}")
        except OSError:
            pass  # a killed worker's connection: not acknowledged, may or may not be stored


def _children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def _stored_urls(path):
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in conn.execute("SELECT url FROM pageview")}
    finally:
        conn.close()


def _wait_for(acknowledged, lock, count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) >= count:
                return
        time.sleep(0.005)
    raise AssertionError(f"only {len(acknowledged)} hits acknowledged, wanted {count}")


def test_acknowledged_hits_survive_worker_and_server_kills(tmp_path):
    path = str(tmp_path / "load.db")
    website_uuid = _create_website(path)
    server = LiveServer(path, workers=2, threads=4)
    total = CLIENTS * HITS_PER_CLIENT
    acknowledged, lock = set(), threading.Lock()
    threads = [threading.Thread(target=_client, args=(server.url, website_uuid, n,
                                                      acknowledged, lock))
               for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    _wait_for(acknowledged, lock, total // 4)
    workers = _children(server.process.pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)  # mid-load; gunicorn starts a new worker
    _wait_for(acknowledged, lock, total // 2)
    for pid in _children(server.process.pid) + [server.process.pid]:
        os.kill(pid, signal.SIGKILL)  # then the whole server, workers and master at once
    server.process.wait(10)
    server.stop()
    for thread in threads:
        thread.join(60)

    stored = _stored_urls(path)
    assert total // 2 <= len(acknowledged) < total  # the load really ran and was cut off
    assert acknowledged <= stored  # every 200 is on disk
    restarted = LiveServer(path, workers=1)  # and the file serves again after the crash
    restarted.stop()
    assert acknowledged <= _stored_urls(path)
    print(f"sent {total}, acknowledged {len(acknowledged)}, stored {len(stored)}")
