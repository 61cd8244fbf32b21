"""The `umami-lite` command, the README settings table, and the wheel install."""
import configparser
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import uuid
from importlib import metadata

import pytest
from conftest import ADMIN_PASSWORD

from umami_lite import settings as config, create_app
from umami_lite import version as versions
from umami_lite.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(os.path.dirname(sys.executable), "umami-lite")


def clean_env(**extra):
    """Returns os.environ without any umami-lite setting, plus extra."""
    names = {s.name for s in config.SETTINGS} | {a for s in config.SETTINGS for a in s.aliases}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(extra)
    return env


@pytest.fixture
def env(monkeypatch):
    """Runs in-process commands with only the settings a test gives."""
    for key in set(os.environ) - set(clean_env()):
        monkeypatch.delenv(key)
    monkeypatch.setenv("UMAMI_LITE_ADMIN_PASSWORD", ADMIN_PASSWORD)
    return monkeypatch


def run(*args, cwd=None, env=None):
    """Returns the finished `umami-lite` process (console script of this venv)."""
    command = [SCRIPT] if os.path.exists(SCRIPT) else [sys.executable, "-m", "umami_lite.cli"]
    return subprocess.run([*command, *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=120)


def query(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def login(path, username, password):
    app = create_app({"UMAMI_LITE_DATABASE": path})
    return app.test_client().post("/api/auth/login",
                                  json={"username": username, "password": password})


def test_init_db_twice_keeps_data(env, tmp_path, capsys):
    path = str(tmp_path / "a.db")
    main(["--database", path, "init-db"])
    assert f"database ready at {path}" in capsys.readouterr().out
    main(["--database", path, "add-website", "Blog", "--domain", "blog.example"])
    main(["--database", path, "create-user", "alice", "--password", "alice-password"])
    main(["--database", path, "init-db"])
    assert query(path, "SELECT name FROM website") == [("Blog",)]
    assert query(path, "SELECT username FROM account ORDER BY user_id") == [("admin",),
                                                                            ("alice",)]


def test_create_user(env, tmp_path, capsys):
    path = str(tmp_path / "a.db")
    main(["--database", path, "create-user", "alice", "--password", "alice-password",
          "--admin"])
    assert "created user alice (id 2, admin)" in capsys.readouterr().out
    r = login(path, "alice", "alice-password")
    assert r.status_code == 200 and r.json["user"]["isAdmin"] is True
    with pytest.raises(SystemExit, match="already exists"):
        main(["--database", path, "create-user", "alice", "--password", "other-password"])
    with pytest.raises(SystemExit, match="must have 8 to 1024 characters"):
        main(["--database", path, "create-user", "bob", "--password", "short"])
    env.setenv("UMAMI_LITE_NEW_PASSWORD", "from-the-env")
    main(["--database", path, "create-user", "carol"])
    assert login(path, "carol", "from-the-env").status_code == 200


def test_add_website_prints_uuid_and_snippet(env, tmp_path, capsys):
    path = str(tmp_path / "a.db")
    main(["--database", path, "add-website", "My blog", "--domain", "blog.example",
          "--host", "https://stats.example/", "--share"])
    out = capsys.readouterr().out
    website_uuid = re.search(r"website uuid: +(\S+)", out).group(1)
    assert str(uuid.UUID(website_uuid)) == website_uuid
    assert (f'<script async defer data-website-id="{website_uuid}" '
            'src="https://stats.example/script.js"></script>') in out
    assert query(path, "SELECT website_uuid, name, domain, share_id IS NOT NULL FROM website") \
        == [(website_uuid, "My blog", "blog.example", 1)]
    with pytest.raises(SystemExit, match="no user named"):
        main(["--database", path, "add-website", "X", "--owner", "nobody"])


def test_version_prints_the_installed_distributions_version():
    r = run("--version")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == f"umami-lite {metadata.version('umami-lite')}\n"


def test_version_from_a_source_tree_reads_setup_cfg(monkeypatch, tmp_path):
    monkeypatch.setattr(versions, "DISTRIBUTION", "umami-lite-never-installed")
    parser = configparser.ConfigParser()
    parser.read(os.path.join(REPO, "setup.cfg"))
    assert versions.version() == parser["metadata"]["version"] + "+source"
    monkeypatch.setattr(versions, "SETUP_CFG", str(tmp_path / "setup.cfg"))
    assert versions.version() == "unknown"


def test_serve_help():
    r = run("serve", "--help")
    assert r.returncode == 0
    for option in ("--host", "--port", "--workers", "--threads"):
        assert option in r.stdout


def test_first_start_creates_the_database_and_prints_a_password_once(tmp_path):
    path = str(tmp_path / "new" / "first.db")
    os.makedirs(os.path.dirname(path))
    first = run("--database", path, "init-db")
    assert first.returncode == 0, first.stderr
    password = re.search(r"password: (\S+)", first.stderr).group(1)
    assert len(password) >= 12 and password not in first.stdout
    assert login(path, "admin", password).status_code == 200
    second = run("--database", path, "init-db")
    assert second.returncode == 0 and "password" not in second.stderr + second.stdout
    assert query(path, "SELECT count(*) FROM account") == [(1,)]


def test_bad_setting_is_a_clear_error(tmp_path):
    r = run("--database", str(tmp_path / "a.db"), "init-db",
            env=clean_env(SALT_ROTATION="hourly"))
    assert r.returncode != 0 and "SALT_ROTATION" in r.stderr and "Traceback" not in r.stderr


def readme_settings():
    """Returns [(name, default cell)] from README's settings table."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        text = f.read()
    table = text.split("<!-- settings -->")[1].split("<!-- /settings -->")[0]
    found = []
    for line in table.splitlines():
        match = re.match(r"\|\s*`([A-Z_]+)`\s*\|\s*([^|]*?)\s*\|", line)
        if match:
            found.append(match.groups())
    return found


def default_cell(setting):
    """Returns how README writes a setting's default."""
    if setting.default is None:
        return "unset"
    if setting.default == "":
        return "empty"
    if isinstance(setting.default, bool):
        return f"`{int(setting.default)}`"
    return f"`{setting.default}`"


def test_readme_settings_table_matches_config_exactly():
    documented = readme_settings()
    assert [name for name, _ in documented] == [s.name for s in config.SETTINGS], \
        "README's settings table must list config.SETTINGS, in the same order"
    assert dict(documented) == {s.name: default_cell(s) for s in config.SETTINGS}


def test_cli_help_names_every_setting():
    r = run("--help")
    for setting in config.SETTINGS:
        assert setting.name in r.stdout


def test_wheel_installs_and_runs_from_another_directory(tmp_path):
    """Builds a wheel from a copy of the source, installs it (not editable) into a fresh
    venv that borrows this venv's dependencies, and runs init-db elsewhere: schema.sql
    must have reached the package through the umami_lite/schema.sql symlink."""
    source = tmp_path / "src"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "artifacts",
        "*.db", "node_modules", ".pytest_cache", ".ruff_cache"))
    assert os.path.islink(source / "umami_lite" / "schema.sql")
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(wheels), str(source)], capture_output=True, text=True,
                           timeout=600)
    assert built.returncode == 0, built.stderr
    [wheel] = list(wheels.glob("umami_lite-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    # reuse this venv's dependencies: a .pth line adds the directory, not its .pth files,
    # so the editable umami_lite of this venv stays invisible there
    with open(os.path.join(site.stdout.strip(), "deps.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import umami_lite; print(umami_lite.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, env=clean_env())
    assert where.stdout.startswith(str(venv)), where
    schema = os.path.join(os.path.dirname(where.stdout.strip()), "schema.sql")
    assert os.path.isfile(schema) and not os.path.islink(schema)
    r = subprocess.run([str(venv / "bin" / "umami-lite"), "init-db"], cwd=elsewhere,
                       capture_output=True, text=True, env=clean_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    assert "password: " in r.stderr
    shown = subprocess.run([str(venv / "bin" / "umami-lite"), "--version"], cwd=elsewhere,
                           capture_output=True, text=True, env=clean_env(), timeout=120)
    assert shown.stdout == f"umami-lite {wheel.name.split('-')[1]}\n", shown
    db_file = elsewhere / "umami-lite.db"
    assert db_file.exists()
    assert ("pageview",) in query(str(db_file), "SELECT name FROM sqlite_master")
