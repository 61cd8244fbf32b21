"""Privacy at rest and in logs, and the Umami v1 security holes (umami-api.md section 8
item 14)."""
import glob
import http.client
import json
import os
import socket
import sqlite3

from conftest import CHROME_UA, T0, is_postgres, open_stored, pageview, snapshot_rows
from servers import LiveServer

from umami_lite.storage import connection as db, sites
from umami_lite.ingest import record as ingest, replay as journal_store

SECRET_IP = "198.51.100.77"
SECRET_UA = CHROME_UA + " PrivacyMarker/7f3k9"


def test_ips_and_user_agents_never_reach_the_database_files(app, client, website):
    r1 = pageview(client, website["id"], url="/a", ip=SECRET_IP, ua=SECRET_UA)
    r2 = client.post("/api/send", headers={"User-Agent": SECRET_UA},
                     environ_base={"REMOTE_ADDR": SECRET_IP},
                     json={"type": "event", "payload": {"website": website["id"],
                                                        "url": "https://example.com/b",
                                                        "hostname": "example.com"}})
    r3 = pageview(client, website["id"], url="/c", ip=SECRET_IP, ua=SECRET_UA)
    assert r1.status_code == r2.status_code == r3.status_code == 200
    path = app.extensions["umami_lite"].database
    if is_postgres(path):  # no files of its own: every row of every table is scanned
        everything = repr(snapshot_rows(app))
        assert "/a" in everything and "Chrome" in everything
        for needle in (SECRET_IP, "PrivacyMarker", SECRET_UA):
            assert needle not in everything, needle
        return
    files = [f for f in glob.glob(path + "*") + glob.glob(path + "-ingest/*") if os.path.isfile(f)]
    assert any(f.endswith("-wal") for f in files)  # the WAL is scanned too, not only the db
    assert any(f.endswith(".log") for f in files)  # and the ingest journal (journal.py)
    everything = b"".join(open(path, "rb").read() for path in files)
    assert b"/a" in everything and b"Chrome" in everything  # the scan does see stored values
    for path in files:
        data = open(path, "rb").read()
        for needle in (SECRET_IP, "PrivacyMarker", SECRET_UA):
            assert needle.encode() not in data, (needle, path)


LOG_IP = "198.51.100.91"      # X-Forwarded-For, trusted (UMAMI_LITE_PROXY_COUNT=1)
PAYLOAD_IP = "198.51.100.92"  # /api/send payload.ip (ignored, and never stored or logged)
SOCKET_IP = "127.0.0.2"       # the connection's own address: all of 127/8 is loopback
LOG_UA = CHROME_UA + " LogMarker/q8z2"


def _create_website(path):
    conn = db.init_db(path)
    with db.transaction(conn):
        conn.execute("INSERT OR IGNORE INTO account (user_id, username, password, is_admin,"
                     " token_nonce, created_at, updated_at) VALUES (1, 'admin', 'x', 1, 'n', 0, 0)")
        website = sites.create(conn, 1, "Logs", "example.com")
    conn.close()
    return website["website_uuid"]


def _post(server, path, body):
    """Returns the status of a POST sent from SOCKET_IP as a visitor behind a proxy."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30,
                                      source_address=(SOCKET_IP, 0))
    try:
        conn.request("POST", path, body=json.dumps(body), headers={
            "Content-Type": "application/json", "User-Agent": LOG_UA,
            "X-Forwarded-For": LOG_IP, "Referer": f"https://{LOG_IP}/"})
        return conn.getresponse().status
    finally:
        conn.close()


def _send_malformed(server):
    """Sends a request whose user-agent line lacks its colon: gunicorn rejects it and logs."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30,
                                  source_address=(SOCKET_IP, 0)) as sock:
        sock.sendall(f"GET /api/heartbeat HTTP/1.1\r\nHost: x\r\nUser-Agent {LOG_UA}\r\n"
                     f"X-Forwarded-For: {LOG_IP}\r\n\r\n".encode())
        assert sock.recv(1024).startswith(b"HTTP/1.1 400")


def test_logs_hold_no_ip_and_no_user_agent(tmp_path):
    path = str(tmp_path / "logs.db")
    website_uuid = _create_website(path)
    server = LiveServer(path, workers=2, env={"UMAMI_LITE_PROXY_COUNT": "1"},
                        args=["--access-log", "-"])
    pageview_body = {"type": "pageview", "payload": {
        "website": website_uuid, "url": "/logged", "hostname": "example.com"}}
    try:
        assert _post(server, "/api/collect", pageview_body) == 200
        assert _post(server, "/api/send", {"type": "event", "payload": {
            "website": website_uuid, "url": "/sent", "name": "signup", "ip": PAYLOAD_IP,
            "userAgent": LOG_UA}}) == 200
        assert _post(server, "/api/collect", {"type": "nonsense"}) == 400
        assert _post(server, "/api/no-such-route", {}) == 404
        _send_malformed(server)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # 503 after busy_timeout: the Flask logger warns
        try:  # (an identify: pageviews and events are answered from the ingest journal)
            assert _post(server, "/api/send", {"type": "identify", "payload": {
                "website": website_uuid, "url": "/e", "id": "locked"}}) == 503
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    finally:
        server.stop()
    log = open(server.log_path, "rb").read()
    # the three logs really are in the captured output (so the scan below can fail)
    assert b'"POST /api/collect" 200' in log  # gunicorn's access log
    assert b"Invalid request: Invalid HTTP Header" in log  # gunicorn's error log
    assert b"database unavailable" in log  # the Flask app's logger
    for needle in (LOG_IP, PAYLOAD_IP, SOCKET_IP, "LogMarker", "Mozilla"):
        assert needle.encode() not in log, (needle, log.decode(errors="replace"))


def test_expired_salts_are_deleted_and_the_old_hash_cannot_be_recomputed(app, client, website,
                                                                        clock):
    path = app.extensions["umami_lite"].database
    visitor = ingest.Visitor(ip="203.0.113.7", user_agent=CHROME_UA, hostname="example.com")
    assert pageview(client, website["id"], url="/may").status_code == 200
    conn = open_stored(path)
    try:
        [(old_period, old_salt)] = conn.execute("SELECT period, salt FROM salt").fetchall()
        [old_hash] = [r[0] for r in conn.execute("SELECT session_hash FROM session")]
        # with the salt, the hash is recomputable from (website, hostname, ip, user agent)
        assert ingest.session_hash(old_salt, website["id"], visitor) == old_hash
        clock.now = T0 + 5 * 86_400_000  # 28 May -> 2 June: the monthly salt has expired
        assert pageview(client, website["id"], url="/june").status_code == 200
        [(new_period, new_salt)] = conn.execute("SELECT period, salt FROM salt").fetchall()
        hashes = [r[0] for r in conn.execute("SELECT session_hash FROM session"
                                             " ORDER BY session_id")]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as when the server stops
    finally:
        conn.close()
    assert (old_period, new_period) == ("month:2026-05", "month:2026-06")
    assert new_salt != old_salt
    assert hashes == [old_hash, ingest.session_hash(new_salt, website["id"], visitor)]
    assert hashes[1] != old_hash  # the same visitor is a new, unlinkable session
    if is_postgres(path):
        return  # (a server's files are its own: the salt rows above are what it holds)
    names = glob.glob(path + "*")
    assert path in names
    for name in names:  # and the old salt's bytes are in no file
        assert old_salt not in open(name, "rb").read(), name


def test_a_hit_hashes_with_the_salt_in_the_file_not_the_one_its_process_remembers(
        app, client, website):
    """ingest.record() hashes the visitor with the salt its process read last, to look the
    session up in the hit's one statement; a salt changed in the file since (a restored
    backup) must win: the visitor gets the session of the new salt's hash."""
    path = app.extensions["umami_lite"].database
    visitor = ingest.Visitor(ip="203.0.113.7", user_agent=CHROME_UA, hostname="example.com")
    for url in ("/1", "/2"):  # the first makes the salt, the second remembers it
        assert pageview(client, website["id"], url=url).status_code == 200
    conn = open_stored(path)
    try:
        new_salt = bytes(range(32))
        with conn:
            conn.execute("UPDATE salt SET salt = ?", (new_salt,))
        for url in ("/3", "/4"):
            assert pageview(client, website["id"], url=url).status_code == 200
        journal_store.apply_pending(path)
        hashes = [r[0] for r in conn.execute("SELECT session_hash FROM session"
                                             " ORDER BY session_id")]
        sessions = [r[0] for r in conn.execute("SELECT session_id FROM pageview"
                                               " ORDER BY pageview_id")]
    finally:
        conn.close()
    assert hashes[1:] == [ingest.session_hash(new_salt, website["id"], visitor)]
    assert sessions[0] == sessions[1] != sessions[2] == sessions[3]


def test_non_admin_cannot_create_accounts(api):
    api.create_user("alice")
    r = api.post("/api/account", as_user="alice",
                 json={"username": "mallory", "password": "mallory-password"})
    assert r.status_code == 403
    assert "mallory" not in str(api.get("/api/accounts").json)


def test_no_response_carries_a_password_hash(api):
    user = api.create_user("bob")
    for path in ("/api/accounts", f"/api/account/{user['user_id']}", "/api/auth/verify",
                 "/api/me"):
        body = api.get(path).get_data(as_text=True)
        assert "pbkdf2" not in body and "scrypt" not in body and '"password"' not in body


def test_share_token_cannot_reset_or_delete(api, client, website):
    updated = api.post("/api/website", json={"website_id": website["website_id"],
                                             "enable_share_url": True}).json
    token = client.get(f"/api/share/{updated['share_id']}").json["token"]
    client.delete_cookie("umami.auth")
    headers = {"x-umami-share-token": token}
    for method, path in (("post", f"/api/website/{website['website_id']}/reset"),
                         ("delete", f"/api/website/{website['website_id']}"),
                         ("post", f"/api/websites/{website['id']}/reset"),
                         ("delete", f"/api/websites/{website['id']}")):
        r = getattr(client, method)(path, headers=headers)
        assert r.status_code in (401, 403), (method, path, r.status_code)
    assert api.get(f"/api/website/{website['website_id']}").status_code == 200


def test_admin_rights_are_read_from_the_database_not_the_token(api):
    carol = api.create_user("carol", is_admin=True)
    assert api.get("/api/accounts", as_user="carol").status_code == 200
    r = api.post("/api/account", json={"user_id": carol["user_id"], "is_admin": False})
    assert r.status_code == 200
    assert api.get("/api/accounts", as_user="carol").status_code == 403


def test_a_non_admin_can_change_their_own_password(api, client):
    api.create_user("dave", password="dave-password-1")
    r = api.post("/api/account/password", as_user="dave",
                 json={"current_password": "dave-password-1",
                       "new_password": "dave-password-2"})
    assert r.status_code == 200
    r = client.post("/api/auth/login", json={"username": "dave",
                                             "password": "dave-password-2"})
    assert r.status_code == 200
