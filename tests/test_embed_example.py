"""examples/flask_host: the example host app runs, keeps its own cookie, tracks its pages."""
import importlib.util
import pathlib
import sqlite3
import sys

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "flask_host" / "app.py"


@pytest.fixture
def example(tmp_path, monkeypatch):
    """Returns make() -> a fresh example app on tmp_path's instance folder; closes them."""
    spec = importlib.util.spec_from_file_location("example_flask_host", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # Flask finds templates through it
    spec.loader.exec_module(module)
    config = {"UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
              "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    apps = []

    def make():
        apps.append(module.create_app(config, instance_path=str(tmp_path / "instance")))
        return apps[-1]

    yield make
    for app in apps:
        if app.extensions["umami_lite"].tracking is not None:
            app.extensions["umami_lite"].tracking.close()


def test_example_runs_and_tracks_after_init_analytics(example):
    first = example()
    result = first.test_cli_runner().invoke(args=["init-analytics"])
    assert "created" in result.output, result.output
    assert first.extensions["umami_lite"].tracking is None  # until the restart
    app = example()
    client = app.test_client()
    headers = {"User-Agent": CHROME_UA}
    r = client.get("/", headers=headers)
    assert r.status_code == 200 and "example_session=" in r.headers["Set-Cookie"]
    assert b'src="/analytics/umami.js"' in r.data and b'data-auto-track="false"' in r.data
    assert client.get("/static/style.css", headers=headers).status_code == 200
    assert client.get("/health", headers=headers).status_code == 200
    assert b"own 404 page" in client.get("/missing", headers=headers).data
    r = client.post("/analytics/api/auth/login",
                    json={"username": "admin", "password": ADMIN_PASSWORD})
    assert "Path=/analytics" in r.headers["Set-Cookie"]
    assert client.get("/about", headers=headers).status_code == 200
    assert b"seen 2 page(s)" in client.get("/", headers=headers).data
    umami = app.extensions["umami_lite"]
    umami.tracking.flush()
    conn = sqlite3.connect(umami.database)
    urls = [row[0] for row in conn.execute("SELECT url FROM pageview ORDER BY pageview_id")]
    conn.close()
    assert urls == ["/", "/about", "/"]
    assert umami.database.endswith("instance/analytics.db")
