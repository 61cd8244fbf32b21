"""Online backup under write load, its verification, and restore's refusals."""
import sqlite3
import threading

import pytest
from conftest import count_rows, pageview

from umami_lite import cli
from umami_lite.ops import backup
from umami_lite.storage import connection as db, files

pytestmark = pytest.mark.single_engine("backup and restore copy the SQLite file (pg_dump there)")


def _seed(client, uuid, n):
    for i in range(n):
        assert pageview(client, uuid, url=f"/p{i}", ip=f"198.51.100.{i % 50}").status_code == 200


def test_backup_while_collect_writes_is_a_verified_snapshot(app, client, website, tmp_path):
    _seed(client, website["website_uuid"], 20)
    stop, answered = threading.Event(), []

    def writer():
        c = app.test_client()
        i = 0
        while not stop.is_set() and i < 2000:
            answered.append(pageview(c, website["website_uuid"], url=f"/w{i}",
                                     ip=f"203.0.113.{i % 250}").status_code)  # under the IP rate
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(answered) < 5:  # the writer is really writing when the backup starts
            threading.Event().wait(0.01)
        before = count_rows(app, "pageview")
        report = backup.backup(app.extensions["umami_lite"].database, str(tmp_path / "b.db"))
        during = len(answered)
    finally:
        stop.set()
        thread.join()
    assert set(answered) == {200}, sorted(set(answered))
    assert during > 5
    copy = sqlite3.connect(tmp_path / "b.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = copy.execute("SELECT count(*) FROM pageview").fetchone()[0]
    assert rows == report["tables"]["pageview"]
    assert before <= rows <= count_rows(app, "pageview")
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not (tmp_path / "b.db.partial").exists()


def test_verify_rejects_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite" * 1000)
    with pytest.raises(backup.BackupError, match="not an SQLite database"):
        backup.verify(str(bad))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)")
    with pytest.raises(backup.BackupError, match="not an umami-lite database"):
        backup.verify(str(other))


def test_restore_refuses_a_database_in_use_then_force_restores(app, client, website, tmp_path):
    _seed(client, website["website_uuid"], 3)
    db_path = app.extensions["umami_lite"].database
    saved = str(tmp_path / "saved.db")
    backup.backup(db_path, saved)
    _seed(client, website["website_uuid"], 4)
    assert count_rows(app, "pageview") == 7
    # This process's app announced the database: restore must refuse it.
    with pytest.raises(backup.BackupError, match="in use"):
        backup.restore(saved, db_path)
    assert count_rows(app, "pageview") == 7
    report = backup.restore(saved, db_path, force=True)
    assert report["tables"]["pageview"] == 3
    assert count_rows(app, "pageview") == 3
    assert pageview(client, website["website_uuid"]).status_code == 200  # still serving
    assert count_rows(app, "pageview") == 4


def test_restore_refuses_an_open_connection_and_a_bad_backup(tmp_path):
    target = str(tmp_path / "live.db")
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE website (x)")
    saved = str(tmp_path / "saved.db")
    for table in ("website", "session", "pageview", "event"):
        sqlite3.connect(saved).execute(f"CREATE TABLE {table} (x)")
    with pytest.raises(backup.BackupError, match="in use"):
        backup.restore(saved, target)
    conn.close()
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\0" * 4096)
    with pytest.raises(backup.BackupError):
        backup.restore(str(bad), target, force=True)
    check = sqlite3.connect(target)
    assert check.execute("SELECT name FROM sqlite_master").fetchall() == [("website",)]
    check.close()
    assert backup.restore(saved, target)["tables"] == {
        "event": 0, "pageview": 0, "session": 0, "website": 0}


def test_cli_backup_and_restore(app, client, website, tmp_path, capsys):
    _seed(client, website["website_uuid"], 2)
    db_path = app.extensions["umami_lite"].database
    dest = str(tmp_path / "cli.db")
    cli.main(["--database", db_path, "backup", dest])
    out = capsys.readouterr().out
    assert f"backup written to {dest}" in out and "integrity ok" in out
    assert "pageview 2" in out
    with pytest.raises(SystemExit, match="restore refused"):
        cli.main(["--database", db_path, "restore", dest])
    fresh = str(tmp_path / "fresh.db")
    cli.main(["--database", fresh, "restore", dest])
    assert "pageview 2" in capsys.readouterr().out
    assert sqlite3.connect(fresh).execute("SELECT count(*) FROM pageview").fetchone()[0] == 2


def test_backup_and_restore_refuse_a_postgresql_url_and_make_no_file(tmp_path, monkeypatch):
    """A PostgreSQL URL opened as a SQLite path would create postgresql:/HOST/DB in the
    working directory once that folder exists: every path of backup and restore refuses a URL
    first (pg_dump backs up a PostgreSQL database)."""
    url = "postgresql://postgres@127.0.0.1:54329/umami_test_0123456789ab"
    saved = str(tmp_path / "saved.db")
    db.init_db(saved).close()
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "postgresql:" / "postgres@127.0.0.1:54329"
    folder.mkdir(parents=True)
    for call in (lambda: backup.backup(url, str(tmp_path / "copy.db")),
                 lambda: backup.backup(saved, url),
                 lambda: backup.restore(saved, url),
                 lambda: backup.restore(url, saved),
                 lambda: backup.verify(url)):
        with pytest.raises(backup.BackupError, match="pg_dump"):
            call()
    for call in (files.open_readonly, files.open_plain, files.in_use):
        with pytest.raises(ValueError, match="PostgreSQL"):
            call(url)
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["postgresql:", "saved.db"]
