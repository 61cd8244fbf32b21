"""`umami-lite reset-password`: a forgotten password replaced from the command line."""
import io

import pytest
from conftest import ADMIN_PASSWORD, snapshot_rows
from test_cli import clean_env, env, run  # noqa: F401 (env is a fixture)

from umami_lite import cli
from umami_lite.cli import main

NEW_PASSWORD = "a-new-password"


@pytest.fixture
def logged_in(app, client):
    """Returns the admin's login token, issued before any reset."""
    r = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200
    return r.json["token"]


def login(client, password, username="admin"):
    return client.post("/api/auth/login", json={"username": username, "password": password})


def verify(client, token):
    return client.get("/api/auth/verify", headers={"Authorization": f"Bearer {token}"})


def reset(monkeypatch, db_path, stdin=None, typed=None, username="admin"):
    """Runs reset-password in process, the password from stdin or typed at the prompts."""
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        main(["--database", db_path, "reset-password", username, "--password-stdin"])
    else:
        answers = iter(typed)
        monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(answers))
        main(["--database", db_path, "reset-password", username])


@pytest.mark.parametrize("how", ["stdin", "prompt"])
def test_reset_password_logs_out_and_lets_the_new_password_in(
        env, app, client, db_path, logged_in, capsys, how):
    assert verify(client, logged_in).status_code == 200
    if how == "stdin":
        reset(env, db_path, stdin=NEW_PASSWORD + "\n")
    else:
        reset(env, db_path, typed=[NEW_PASSWORD, NEW_PASSWORD])
    assert "password of admin reset" in capsys.readouterr().out
    assert verify(client, logged_in).status_code == 401
    assert login(client, ADMIN_PASSWORD).status_code == 401
    r = login(client, NEW_PASSWORD)
    assert r.status_code == 200
    assert verify(client, r.json["token"]).status_code == 200


def test_reset_password_forgets_the_accounts_failed_logins_only(
        env, api, app, client, db_path):
    api.create_user("bob")
    for _ in range(3):
        assert login(client, "wrong-guess", "bob").status_code == 401
    for _ in range(7):
        assert login(client, "wrong-guess").status_code == 401
    # 10 failures from this client: the limit, so the next try is refused whatever it is
    assert login(client, ADMIN_PASSWORD).status_code == 429
    assert len(snapshot_rows(app)["login_failure"]) == 2 * 10
    reset(env, db_path, stdin=NEW_PASSWORD)
    # bob's 3 failures still count, for bob and for this client (3 of its 10 allowed)
    assert len(snapshot_rows(app)["login_failure"]) == 2 * 3
    assert login(client, NEW_PASSWORD).status_code == 200


def test_reset_password_of_an_unknown_user_is_one_line(app, db_path, logged_in):
    before = snapshot_rows(app)
    r = run("--database", db_path, "reset-password", "nobody", "--password-stdin",
            env=clean_env(UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD))
    assert r.returncode != 0  # (the user is checked before any password is read)
    assert r.stderr == "umami-lite: no user named 'nobody'; nothing changed\n"
    assert snapshot_rows(app) == before


@pytest.mark.parametrize("stdin, typed, message", [
    ("short\n", None, "the password must have 8 to 1024 characters"),
    ("", None, "the password must have 8 to 1024 characters"),
    ("x" * 1025, None, "the password must have 8 to 1024 characters"),
    (None, ["short", "short"], "the password must have 8 to 1024 characters"),
    (None, [NEW_PASSWORD, NEW_PASSWORD + "!"], "the passwords do not match; nothing changed"),
])
def test_bad_new_password_changes_nothing(env, app, client, db_path, logged_in,
                                          stdin, typed, message):
    before = snapshot_rows(app)
    with pytest.raises(SystemExit) as exited:
        reset(env, db_path, stdin=stdin, typed=typed)
    assert exited.value.code == f"umami-lite: {message}"
    assert snapshot_rows(app) == before
    assert verify(client, logged_in).status_code == 200
    assert login(client, ADMIN_PASSWORD).status_code == 200


def test_reset_password_help_names_both_ways():
    r = run("reset-password", "--help")
    assert r.returncode == 0 and "--password-stdin" in r.stdout and "twice" in r.stdout
