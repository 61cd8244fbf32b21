"""Numbered schema upgrades (umami_lite/storage/migrations.py): a file made by an older schema.sql
is brought to the newest layout at start, in one transaction, keeping every row; a new
file gets schema.sql whole. tests/data/schema-v1.sql is the layout of version 1 (before
numbered steps); tests/data/schema-with-session-fk.sql an older one (user_version 0)."""
import os
import sqlite3

import pytest
from conftest import ADMIN_PASSWORD, T0
from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from umami_lite.storage import connection as db, migrations

pytestmark = pytest.mark.single_engine("upgrades of SQLite files made by earlier versions")

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
SECRET = "s" * 64
HASH = generate_password_hash(ADMIN_PASSWORD, method="pbkdf2:sha256:1000")


def _old_file(path, schema, version):
    """Creates path with an old schema: admin (id 1), bob (id 2), carol (id 3, deleted
    later), a website of bob's with a session and a pageview."""
    conn = sqlite3.connect(path)
    with open(os.path.join(DATA, schema), encoding="utf-8") as f:
        conn.executescript(f.read())
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO setting VALUES ('secret', ?)", (SECRET,))
    for user_id, name in ((1, "admin"), (2, "bob"), (3, "carol")):
        conn.execute("INSERT INTO account (user_id, username, password, is_admin, created_at,"
                     " updated_at) VALUES (?, ?, ?, 1, ?, ?)", (user_id, name, HASH, T0, T0))
    conn.execute("INSERT INTO website (website_id, website_uuid, user_id, name, created_at,"
                 " updated_at) VALUES (7, '8d0d2bd2-8b56-4b7c-9c3c-3b1c7fbd9a11', 2, 'Bob', ?,"
                 " ?)", (T0, T0))
    conn.execute("INSERT INTO session (session_id, website_id, created_at) VALUES (1, 7, ?)",
                 (T0,))
    conn.execute("INSERT INTO pageview (website_id, session_id, visit_id, created_at, url)"
                 " VALUES (7, 1, 1, ?, '/old')", (T0,))
    conn.execute("DELETE FROM account WHERE user_id = 3")
    conn.commit()
    conn.close()


def _old_token(user_id):
    """Returns a login token as the code before version 2 made them (no nonce)."""
    return URLSafeTimedSerializer(SECRET, salt="umami-lite.login").dumps({"u": user_id, "v": 0})


def _layout(path, table):
    """Returns a table's columns, foreign keys, indexes and whether it is AUTOINCREMENT."""
    conn = sqlite3.connect(path)
    try:
        return ([tuple(r) for r in conn.execute(f"PRAGMA table_info({table})")],
                [tuple(r) for r in conn.execute(f"PRAGMA foreign_key_list({table})")],
                sorted(r[1] for r in conn.execute(f"PRAGMA index_list({table})")),
                "AUTOINCREMENT" in _table_sql(path, table))
    finally:
        conn.close()


def _columns(path, table):
    conn = sqlite3.connect(path)
    try:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    finally:
        conn.close()


def _table_sql(path, name):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (name,)).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("schema, version", [("schema-v1.sql", 1),
                                             ("schema-with-session-fk.sql", 0)])
def test_an_old_file_is_upgraded_keeping_its_rows(db_path, make_app, schema, version):
    _old_file(db_path, schema, version)
    assert "token_nonce" not in _columns(db_path, "account")
    app = make_app()
    client = app.test_client()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        assert conn.execute("SELECT user_id, username FROM account ORDER BY user_id").fetchall() \
            == [(1, "admin"), (2, "bob")]
        assert conn.execute("SELECT website_id, user_id FROM website").fetchall() == [(7, 2)]
        assert conn.execute("SELECT count(*) FROM pageview").fetchone()[0] == 1  # no cascade
        assert conn.execute("SELECT count(*) FROM session").fetchone()[0] == 1
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        nonces = [r[0] for r in conn.execute("SELECT token_nonce FROM account")]
    finally:
        conn.close()
    assert len(set(nonces)) == 2 and all(len(n) == 32 for n in nonces)
    assert "AUTOINCREMENT" in _table_sql(db_path, "account")
    assert "AUTOINCREMENT" in _table_sql(db_path, "website")
    # tokens made before the upgrade are refused: they cannot tell carol from a newcomer
    assert client.get("/api/me", headers={"Authorization": f"Bearer {_old_token(1)}"}) \
        .status_code == 401
    r = client.post("/api/auth/login", json={"username": "bob", "password": ADMIN_PASSWORD})
    assert r.status_code == 200
    bob = {"Authorization": f"Bearer {r.json['token']}"}
    assert client.get("/api/websites", headers=bob).json["count"] == 1
    newcomer = client.post("/api/account", headers=bob, json={
        "username": "dave", "password": "dave-password"}).json
    assert newcomer["user_id"] == 3  # carol's id went before the upgrade; from now on none
    assert client.delete("/api/account/3", headers=bob).status_code == 200
    again = client.post("/api/account", headers=bob, json={
        "username": "erin", "password": "erin-password"}).json
    assert again["user_id"] == 4


def test_the_upgrade_runs_once(db_path, make_app):
    _old_file(db_path, "schema-v1.sql", 1)
    make_app()
    conn = sqlite3.connect(db_path)
    nonce = conn.execute("SELECT token_nonce FROM account WHERE user_id = 1").fetchone()[0]
    conn.close()
    make_app()  # a second start applies no step again (nonces, and so tokens, stay)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT token_nonce FROM account WHERE user_id = 1").fetchone()[0] \
            == nonce
    finally:
        conn.close()


def test_a_new_file_gets_the_latest_layout_from_schema_sql(db_path):
    db.init_db(db_path).close()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
    finally:
        conn.close()
    upgraded = db_path + ".old"
    _old_file(upgraded, "schema-v1.sql", 1)
    db.init_db(upgraded).close()
    for table in ("account", "website", "retired_id", "vitals"):
        assert _layout(db_path, table) == _layout(upgraded, table), table
    assert _layout(db_path, "website")[3]  # AUTOINCREMENT: the check can tell


def test_a_failing_step_leaves_the_file_as_it_was(db_path, monkeypatch):
    _old_file(db_path, "schema-v1.sql", 1)
    monkeypatch.setitem(migrations.STEPS, migrations.LATEST,
                        [*migrations.STEPS[migrations.LATEST], "SELECT no_such_function()"])
    with pytest.raises(sqlite3.OperationalError):
        db.init_db(db_path)
    assert "token_nonce" not in _columns(db_path, "account")
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM pageview").fetchone()[0] == 1
    finally:
        conn.close()


def test_a_file_from_a_newer_version_is_refused(db_path):
    db.init_db(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.close()
    with pytest.raises(migrations.TooNew):
        db.init_db(db_path)
