"""The ingest lane (POST /api/collect and /api/send straight from WSGI) answers exactly as the
Flask routes it stands in front of: same status, body and headers, same rows stored."""
import sqlite3

import pytest
from conftest import CHROME_UA, add_website, count_rows

from umami_lite.web.fast_lane import IngestLane

UUID = "0f6c3a5e-8f0e-4d8e-9a55-5b8f4f3b2a10"
PAGEVIEW = {"type": "pageview", "payload": {"website": UUID, "url": "/a?utm_source=x",
                                            "referrer": "https://news.example/", "hostname":
                                            "example.com", "screen": "1920x1080",
                                            "language": "en-US"}}
EVENT = {"type": "event", "payload": {"website": UUID, "url": "/a", "event_name": "signup",
                                      "event_data": {"plan": "pro"}}}
SEND = {"type": "event", "payload": {"website": UUID, "url": "https://example.com/b",
                                     "hostname": "example.com", "title": "B"}}
# (path, body, extra headers): hits, then every kind of refusal
REQUESTS = [
    ("/api/collect", PAGEVIEW, {}),
    ("/api/collect", EVENT, {"Access-Control-Request-Headers": "content-type"}),
    ("/api/send", SEND, {}),
    ("/api/send", {**SEND, "type": "identify", "payload": {**SEND["payload"],
                                                           "data": {"plan": "pro"}}}, {}),
    ("/api/collect", PAGEVIEW, {"User-Agent": "Googlebot/2.1"}),
    ("/api/send", SEND, {"User-Agent": "curl/8.0"}),
    ("/api/collect", PAGEVIEW, {"X-Real-IP": "10.1.2.3"}),
    ("/api/send", SEND, {"X-Real-IP": "10.1.2.3"}),
    # the website's uuid in capitals and in braces (uuid.UUID's forms) is the same website
    ("/api/collect", {**PAGEVIEW, "payload": {**PAGEVIEW["payload"], "website": UUID.upper()}},
     {}),
    ("/api/collect", {**PAGEVIEW, "payload": {**PAGEVIEW["payload"], "website": f"{{{UUID}}}"}},
     {}),
    ("/api/collect", {"type": "pageview", "payload": {"website": "nope", "url": "/"}}, {}),
    ("/api/send", {"type": "event", "payload": {"website": UUID}}, {}),
    ("/api/collect", b"{not json", {}),
    ("/api/send", b"[" * 40 + b"]" * 40, {}),
    ("/api/collect", b"x" * (64 * 1024 + 1), {}),
]


def _app(make_app, db_path, lane):
    app = make_app(UMAMI_LITE_DATABASE=db_path, UMAMI_LITE_SECRET="s" * 32,
                   CLIENT_IP_HEADER="X-Real-IP", IGNORE_IP="10.0.0.0/8")
    assert isinstance(app.wsgi_app, IngestLane)
    if not lane:
        app.wsgi_app = app.wsgi_app.wsgi_app  # the Flask routes alone
    add_website(app, UUID)
    return app


def _answers(app):
    client = app.test_client()
    answers = []
    for path, body, headers in REQUESTS:
        data = body if isinstance(body, bytes) else None
        response = client.post(path, data=data, json=None if data else body,
                               headers={"User-Agent": CHROME_UA, "X-Real-IP": "203.0.113.9",
                                        **headers})
        kept = sorted((k, v) for k, v in response.headers.items() if k not in ("Date",))
        answers.append((path, response.status_code, response.get_data(), kept))
    return answers


def test_lane_answers_like_the_flask_routes(make_app, tmp_path):
    laned = _app(make_app, str(tmp_path / "lane.db"), lane=True)
    routed = _app(make_app, str(tmp_path / "flask.db"), lane=False)
    got, expected = _answers(laned), _answers(routed)
    assert [a[1] for a in got] == [200] * 10 + [400, 400, 400, 400, 413]
    assert got == expected
    for table in ("pageview", "event", "session", "session_data", "event_data"):
        assert count_rows(laned, table) == count_rows(routed, table) > 0


def test_lane_serves_only_post_to_its_two_paths(make_app, db_path):
    app = make_app()
    client = app.test_client()
    assert client.options("/api/collect").status_code == 204  # preflight: Flask
    assert client.get("/api/send").status_code == 405
    assert client.post("/api/collect/").status_code == 404
    assert client.post("/api/batch", json=[]).status_code == 200


def test_lane_answers_503_when_the_database_is_read_only(make_app, tmp_path, monkeypatch):
    app = _app(make_app, str(tmp_path / "ro.db"), lane=True)
    real_connect = sqlite3.connect

    def read_only(path, *args, **kwargs):  # every new connection refuses writes
        return real_connect(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    from umami_lite.storage import connection as db
    db.close_idle(str(tmp_path / "ro.db"))
    monkeypatch.setattr(db.sqlite3, "connect", read_only)
    response = app.test_client().post("/api/collect", json=PAGEVIEW,
                                      headers={"User-Agent": CHROME_UA})
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.json["error"]["code"] == "unavailable"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    monkeypatch.undo()
    db.close_idle(str(tmp_path / "ro.db"))
    assert count_rows(app, "pageview") == 0


@pytest.mark.parametrize("path", ["/api/collect", "/api/send"])
def test_lane_answers_a_bug_as_a_logged_json_500(make_app, db_path, monkeypatch, caplog, path):
    app = make_app()
    from umami_lite.ingest import record as ingest

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ingest, "record", broken)
    add_website(app, UUID)
    response = app.test_client().post(path, json=PAGEVIEW if "collect" in path else SEND,
                                      headers={"User-Agent": CHROME_UA})
    assert response.status_code == 500 and response.json["error"]["code"] == "server-error"
    assert "boom" in caplog.text
