"""Start-up mistakes end in one line on stderr naming the problem, and a non-zero exit.

Each case runs the real `umami-lite` command in a subprocess."""
import os
import shutil
import socket
import sqlite3
import subprocess

import pytest
from conftest import ADMIN_PASSWORD
from test_cli import clean_env, run

from umami_lite.cli import main
from umami_lite.storage import migrations


def good_database(tmp_path):
    path = str(tmp_path / "good.db")
    env = clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD)
    assert run("--database", path, "init-db", env=env).returncode == 0
    return path


def database_with_website(tmp_path):
    path = good_database(tmp_path)
    env = clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD)
    assert run("--database", path, "add-website", "Blog", env=env).returncode == 0
    return path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def corrupt_database(tmp_path):
    """A real database cut short: its header is fine, its pages are missing."""
    path = good_database(tmp_path)
    with open(path, "rb") as f:
        head = f.read(100)
    with open(path, "wb") as f:
        f.write(head)
    return path


def newer_database(tmp_path):
    """A database that a newer umami-lite upgraded (its schema version is past ours)."""
    path = good_database(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.close()
    return path


def text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100)
    return str(path)


# (case, argv with {tmp} for tmp_path, environment, setup making {file}, expected in stderr)
CASES = [
    ("missing folder", ["--database", "{tmp}/no/such/folder/u.db", "init-db"], {}, None,
     "--database {tmp}/no/such/folder/u.db: the folder {tmp}/no/such/folder does not exist"),
    ("directory", ["--database", "{tmp}", "init-db"], {}, None,
     "--database {tmp} is a directory"),
    ("not a database", ["--database", "{file}", "init-db"], {}, text_file,
     "--database {file}: cannot use it: file is not a database"),
    ("corrupt", ["--database", "{file}", "init-db"], {}, corrupt_database,
     "--database {file}: cannot use it: database disk image is malformed"),
    ("newer database", ["--database", "{file}", "init-db"], {}, newer_database,
     f"--database {{file}}: cannot use it: the database has schema version "
     f"{migrations.LATEST + 1}; this umami-lite knows versions up to {migrations.LATEST}: "
     "upgrade umami-lite"),
    ("newer database in the variable", ["serve"], {"UMAMI_LITE_DATABASE": "{file}"},
     newer_database, "UMAMI_LITE_DATABASE {file}: cannot use it: the database has schema"),
    ("port too big", ["serve", "--port", "99999"], {}, None,
     "--port: must be from 1 to 65535, got 99999"),
    ("port negative", ["serve", "--port", "-1"], {}, None,
     "--port: must be from 1 to 65535, got -1"),
    ("no workers", ["serve", "--workers", "0"], {}, None,
     "--workers: must be from 1 to 256, got 0"),
    ("no threads", ["serve", "--threads", "0"], {}, None,
     "--threads: must be from 1 to 1024, got 0"),
    ("missing geoip file", ["init-db"], {"UMAMI_LITE_GEOIP_DATABASE": "{tmp}/GeoLite2.mmdb"},
     None, "UMAMI_LITE_GEOIP_DATABASE no such file: {tmp}/GeoLite2.mmdb"),
    ("geoip not mmdb", ["init-db"], {"UMAMI_LITE_GEOIP_DATABASE": "{file}"}, text_file,
     "UMAMI_LITE_GEOIP_DATABASE {file} is not a MaxMind database"),
    ("token days", ["init-db"], {"UMAMI_LITE_TOKEN_DAYS": "-5"}, None,
     "UMAMI_LITE_TOKEN_DAYS must be at least 1, got -5"),
    ("token days text", ["init-db"], {"UMAMI_LITE_TOKEN_DAYS": "soon"}, None,
     "UMAMI_LITE_TOKEN_DAYS must be an integer, got 'soon'"),
    ("journal maybe", ["init-db"], {"UMAMI_LITE_INGEST_JOURNAL": "maybe"}, None,
     "UMAMI_LITE_INGEST_JOURNAL must be 1 or 0 (true/false), got 'maybe'"),
    ("bot check", ["init-db"], {"DISABLE_BOT_CHECK": "sure"}, None,
     "DISABLE_BOT_CHECK must be 1 or 0"),
    ("short secret", ["init-db"], {"UMAMI_LITE_SECRET": "x"}, None,
     "UMAMI_LITE_SECRET must have at least 16 characters"),
    ("short alias secret", ["init-db"], {"APP_SECRET": "abc"}, None,
     "UMAMI_LITE_SECRET must have at least 16 characters"),
    ("short admin password", ["init-db"], {"UMAMI_LITE_ADMIN_PASSWORD": "pw"}, None,
     "UMAMI_LITE_ADMIN_PASSWORD must have at least 8 characters"),
    ("salt rotation", ["init-db"], {"SALT_ROTATION": "hourly"}, None,
     "SALT_ROTATION must be one of month, week, day, got 'hourly'"),
    ("ignore ip", ["init-db"], {"IGNORE_IP": "10.0.0.0/99"}, None, "IGNORE_IP"),
    ("proxy count", ["init-db"], {"UMAMI_LITE_PROXY_COUNT": "-1"}, None,
     "UMAMI_LITE_PROXY_COUNT must be at least 0, got -1"),
    ("login window", ["init-db"], {"UMAMI_LITE_LOGIN_WINDOW": "0"}, None,
     "UMAMI_LITE_LOGIN_WINDOW must be at least 1, got 0"),
    ("ip header", ["init-db"], {"CLIENT_IP_HEADER": "X Real IP"}, None,
     "CLIENT_IP_HEADER is not a header name: 'X Real IP'"),
    ("cookie name", ["init-db"], {"UMAMI_LITE_AUTH_COOKIE": "my cookie;"}, None,
     "UMAMI_LITE_AUTH_COOKIE is not a cookie name"),
    ("bad setting stops serve", ["serve"], {"UMAMI_LITE_TOKEN_DAYS": "0"}, None,
     "UMAMI_LITE_TOKEN_DAYS must be at least 1, got 0"),
    ("empty website name", ["add-website", ""], {}, None,
     "the website name must have 1 to 100 characters"),
    ("blank website name", ["add-website", "   "], {}, None,
     "the website name must have 1 to 100 characters"),
    ("backup to a directory", ["--database", "{file}", "backup", "{tmp}/out"], {},
     good_database, "{tmp}/out is a directory"),
    ("backup to a missing folder", ["--database", "{file}", "backup", "{tmp}/none/b.db"], {},
     good_database, "the folder {tmp}/none does not exist"),
    ("too many workers", ["serve", "--workers", "100000"], {}, None,
     "--workers: must be from 1 to 256, got 100000"),
    ("access log in a missing folder", ["serve", "--port", free_port(), "--access-log",
                                        "{tmp}/none/access.log"], {}, None,
     "cannot write the access log {tmp}/none/access.log: No such file or directory"),
    ("access log is a directory", ["serve", "--port", free_port(), "--access-log", "{tmp}/out"],
     {}, None, "cannot write the access log {tmp}/out: Is a directory"),
    ("export to a missing folder", ["--database", "{file}", "export", "--website", "1",
                                    "--output", "{tmp}/none/x.jsonl"], {}, database_with_website,
     "cannot write {tmp}/none/x.jsonl: No such file or directory"),
    ("export to a directory", ["--database", "{file}", "export", "--website", "1", "--output",
                               "{tmp}/out"], {}, database_with_website,
     "cannot write {tmp}/out: Is a directory"),
    ("export of no database", ["--database", "{tmp}/none.db", "export", "--website", "1"], {},
     None, "no database at {tmp}/none.db"),
    ("blank username", ["create-user", "  ", "--password", "a-password"], {}, None,
     "the username must have 1 to 255 characters, not only spaces"),
    ("long domain", ["add-website", "Blog", "--domain", "x" * 501], {}, None,
     "the domain must have at most 500 characters"),
    ("retention in words", ["--database", "{file}", "retention", "1", "soon"], {},
     database_with_website,
     "days must be 'forever' or a whole number from 1 to 36500, got 'soon'"),
]


@pytest.mark.parametrize("argv, environment, setup, expected",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_startup_mistake_is_one_line(tmp_path, argv, environment, setup, expected):
    (tmp_path / "out").mkdir()
    values = {"tmp": str(tmp_path), "file": setup(tmp_path) if setup else ""}
    env = clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD,
                    UMAMI_LITE_DATABASE=str(tmp_path / "u.db"))
    env.update({key: value.format(**values) for key, value in environment.items()})
    result = run(*(arg.format(**values) for arg in argv), cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("umami-lite")
    assert expected.format(**values) in result.stderr
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").iterdir())
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
    assert not os.path.exists(tmp_path / "none.db")  # a read creates no database


@pytest.fixture
def read_only_folder(tmp_path):
    """Yields a folder on a read-only tmpfs holding good.db, or skips (needs root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
            capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        env = clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD)
        assert run("--database", str(folder / "good.db"), "init-db", env=env).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.mark.parametrize("name", ["good.db", "new.db"])
def test_read_only_folder_is_one_line(read_only_folder, name):
    path = read_only_folder / name
    result = run("--database", str(path), "init-db",
                 env=clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD))
    assert result.returncode != 0
    assert result.stderr == (f"umami-lite: --database {path}: cannot use it: its folder "
                             f"{read_only_folder} is read-only (SQLite writes the file and a "
                             "-wal beside it)\n")


def test_embedded_settings_are_checked_too(tmp_path):
    """The same checks apply to app.config (UmamiLite(app) in a host app)."""
    from umami_lite import create_app
    with pytest.raises(ValueError, match="UMAMI_LITE_TOKEN_DAYS must be at least 1, got 0"):
        create_app({"UMAMI_LITE_DATABASE": str(tmp_path / "u.db"), "UMAMI_LITE_TOKEN_DAYS": 0})


def test_main_exits_with_the_line(tmp_path, monkeypatch):
    monkeypatch.setenv("UMAMI_LITE_TOKEN_DAYS", "-5")
    with pytest.raises(SystemExit) as exited:
        main(["--database", str(tmp_path / "u.db"), "init-db"])
    assert exited.value.code == "umami-lite: UMAMI_LITE_TOKEN_DAYS must be at least 1, got -5"


# (case, argv, UMAMI_LITE_DATABASE or None, setup in tmp_path, the line on stderr): a
# database problem names the flag when --database gave the value, else the variable
DIRECTORY = "{tmp}/dir is a directory, not a database file"
NO_FOLDER = "{tmp}/none/u.db: the folder {tmp}/none does not exist"
NOT_A_DATABASE = "{tmp}/notes.txt: cannot use it: file is not a database"
DATABASE_CASES = [
    ("init-db, flag", ["--database", "{tmp}/dir", "init-db"], "{tmp}/good.db",
     "--database " + DIRECTORY),
    ("init-db, variable", ["init-db"], "{tmp}/dir", "UMAMI_LITE_DATABASE " + DIRECTORY),
    ("serve, flag", ["--database", "{tmp}/notes.txt", "serve"], "{tmp}/good.db",
     "--database " + NOT_A_DATABASE),
    ("serve, variable", ["serve"], "{tmp}/notes.txt", "UMAMI_LITE_DATABASE " + NOT_A_DATABASE),
    ("backup, flag", ["--database", "{tmp}/dir", "backup", "{tmp}/b.db"], "{tmp}/good.db",
     "--database " + DIRECTORY),
    ("backup, variable", ["backup", "{tmp}/b.db"], "{tmp}/dir",
     "UMAMI_LITE_DATABASE " + DIRECTORY),
    ("export, flag", ["--database", "{tmp}/none/u.db", "export", "--website", "1"],
     "{tmp}/good.db", "--database " + NO_FOLDER),
    ("export, variable", ["export", "--website", "1"], "{tmp}/none/u.db",
     "UMAMI_LITE_DATABASE " + NO_FOLDER),
    ("import, flag", ["--database", "{tmp}/notes.txt", "import", "{tmp}/notes.txt",
                      "--website", "1"], None, "--database " + NOT_A_DATABASE),
    ("create-user, flag", ["--database", "{tmp}/dir", "create-user", "alice", "--password",
                           "alice-password"], "{tmp}/dir", "--database " + DIRECTORY),
    ("empty flag", ["--database", "", "init-db"], "{tmp}/good.db",
     "--database must be a file path"),
    ("empty flag, export", ["--database", "", "export", "--website", "1"], "{tmp}/good.db",
     "--database must be a file path"),
    ("the default", ["init-db"], None, "UMAMI_LITE_DATABASE umami-lite.db is a directory, "
     "not a database file"),
    ("PostgreSQL, flag", ["--database", "postgresql://nobody@127.0.0.1:1/none", "init-db"],
     "{tmp}/good.db", "--database postgresql://nobody@127.0.0.1:1/none: cannot use it: "
     "connection failed"),
]


@pytest.mark.parametrize("argv, variable, expected", [case[1:] for case in DATABASE_CASES],
                         ids=[case[0] for case in DATABASE_CASES])
def test_a_database_problem_names_the_flag_or_the_variable(tmp_path, argv, variable, expected):
    (tmp_path / "dir").mkdir()
    (tmp_path / "umami-lite.db").mkdir()  # the default, in the working directory
    text_file(tmp_path)
    values = {"tmp": str(tmp_path)}
    env = clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD)
    if variable is not None:
        env["UMAMI_LITE_DATABASE"] = variable.format(**values)
    result = run(*(arg.format(**values) for arg in argv), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"umami-lite: {expected.format(**values)}"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert sorted(os.listdir(tmp_path)) == ["dir", "notes.txt", "umami-lite.db"]


def test_the_flag_wins_over_a_bad_variable(tmp_path):
    (tmp_path / "dir").mkdir()
    result = run("--database", str(tmp_path / "good.db"), "init-db", cwd=tmp_path,
                 env=clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD,
                               UMAMI_LITE_DATABASE=str(tmp_path / "dir")))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"umami-lite: database ready at {tmp_path / 'good.db'}\n"


def test_main_names_the_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("UMAMI_LITE_DATABASE", str(tmp_path / "good.db"))
    with pytest.raises(SystemExit) as exited:
        main(["--database", str(tmp_path), "init-db"])
    assert exited.value.code == f"umami-lite: --database {tmp_path} is a directory, not a " \
                                "database file"
