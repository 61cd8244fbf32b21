"""GET /umami.js and /script.js: content, headers, conditional and gzipped answers, url prefix;
and the one collect payload only the real v1.40 tracker sends (a string event_data)."""
import gzip
import os

import pytest
from conftest import ADMIN_PASSWORD, CHROME_UA, count_rows
from flask import Flask

from umami_lite import UmamiLite
from umami_lite.web.tracker import STATIC

SCRIPTS = ["umami.js", "script.js"]


def source(name):
    with open(os.path.join(STATIC, name), "rb") as f:
        return f.read()


@pytest.mark.parametrize("name", SCRIPTS)
def test_serves_the_script_with_cors_and_caching_headers(client, name):
    r = client.get(f"/{name}")
    assert r.status_code == 200
    assert r.data == source(name)
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Cache-Control"] == "public, max-age=86400"
    assert r.headers["ETag"]
    assert "Content-Encoding" not in r.headers


@pytest.mark.parametrize("name", SCRIPTS)
def test_unchanged_script_answers_304(client, name):
    etag = client.get(f"/{name}").headers["ETag"]
    r = client.get(f"/{name}", headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.data == b""
    assert client.get(f"/{name}", headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("name", SCRIPTS)
def test_gzip_when_accepted(client, name):
    r = client.get(f"/{name}", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(r.data) == source(name)
    assert r.headers["ETag"] != client.get(f"/{name}").headers["ETag"]


def test_scripts_are_small():
    # The README states these sizes; a tracker that grows past them should be noticed.
    for name in SCRIPTS:
        assert len(gzip.compress(source(name), 9)) < 4000, name


def test_other_methods_are_refused(client):
    assert client.post("/umami.js").status_code == 405
    assert client.get("/umami.jsx").status_code == 404


def test_scripts_follow_the_url_prefix(db_path, clock):
    app = Flask(__name__)
    app.config.update(UMAMI_LITE_DATABASE=db_path, UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD,
                      UMAMI_LITE_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
                      UMAMI_LITE_CLOCK=clock)
    UmamiLite(app, url_prefix="/analytics")
    client = app.test_client()
    assert client.get("/analytics/umami.js").data == source("umami.js")
    assert client.get("/analytics/script.js").data == source("script.js")
    assert client.get("/umami.js").status_code == 404


@pytest.mark.parametrize("event_data, stored_keys", [("type", 0), (7, 0), ({"plan": "pro"}, 1)])
def test_v140_event_data_of_any_json_type_keeps_the_event(app, client, website, event_data,
                                                          stored_keys):
    # umami.trackEvent('value', 'type') in Umami v1.40 sends event_data: "type".
    r = client.post("/api/collect", json={"type": "event", "payload": {
        "website": website["id"], "url": "/", "event_name": "value",
        "event_data": event_data}}, headers={"User-Agent": CHROME_UA})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert count_rows(app, "event") == 1
    assert count_rows(app, "event_data") == stored_keys
