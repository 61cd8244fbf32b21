"""UmamiLite embedded in a host Flask app: mounted under a prefix, the host left untouched."""
import pytest
from embedhost import login, make_host
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from umami_lite import UmamiLite


@pytest.fixture
def host(tmp_path, clock):
    app, _ = make_host(tmp_path, clock=clock)
    return app


@pytest.fixture
def client(host):
    return host.test_client()


def test_routes_are_under_the_default_prefix(client):
    assert client.get("/analytics/api/heartbeat").json == {"ok": True}
    r = client.get("/api/heartbeat")
    assert r.status_code == 404 and b"host 404 page" in r.data


def test_url_prefix_argument_and_setting(tmp_path):
    by_argument, _ = make_host(tmp_path / "a", init_kwargs={"url_prefix": "/stats/"})
    by_setting, _ = make_host(tmp_path / "b", UMAMI_LITE_URL_PREFIX="metrics")
    assert by_argument.test_client().get("/stats/api/heartbeat").status_code == 200
    assert by_setting.test_client().get("/metrics/api/heartbeat").status_code == 200
    assert by_setting.test_client().get("/analytics/api/heartbeat").status_code == 404


def test_unknown_api_route_under_prefix_is_json_404(client):
    r = client.get("/analytics/api/nothing/here")
    assert r.status_code == 404
    assert r.json["error"] == {"message": r.json["error"]["message"], "code": "not-found",
                               "status": 404}


def test_wrong_method_under_prefix_is_json_405(client):
    r = client.get("/analytics/api/auth/login")
    assert r.status_code == 405 and r.json["error"]["code"] == "method-not-allowed"
    assert "POST" in r.headers["Allow"]


def test_unknown_non_api_path_under_prefix_gets_the_host_404(client):
    r = client.get("/analytics/no-such-page")
    assert r.status_code == 404 and b"host 404 page" in r.data


def test_api_errors_of_umami_lite_are_json(client):
    r = client.get("/analytics/api/auth/verify")
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_host_error_handlers_keep_working_for_host_routes(client):
    r = client.get("/no-such-host-page")
    assert r.status_code == 404 and b"host 404 page" in r.data
    r = client.get("/boom")
    assert r.status_code == 500 and b"host 500 page" in r.data
    r = client.get("/api/something")  # a host path that merely contains /api/
    assert r.status_code == 404 and b"host 404 page" in r.data


def test_host_json_config_untouched(tmp_path):
    plain = Flask("plain")
    host, _ = make_host(tmp_path)
    assert host.json.sort_keys == plain.json.sort_keys
    assert type(host.json) is type(plain.json)
    assert host.test_client().get("/data").get_data(as_text=True).replace(" ", "").replace(
        "\n", "") == '{"alpha":2,"zeta":1}'


def test_login_cookie_is_scoped_to_the_prefix(client):
    r = login(client)
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("umami.auth=") and "Path=/analytics;" in cookie + ";"
    assert client.get("/analytics/api/auth/verify").json["username"] == "admin"
    assert client.get("/cookies").json == []  # the host's routes never receive it
    csrf = client.get_cookie("umami.csrf", path="/analytics").value  # cookie logins need it
    r = client.post("/analytics/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert "Path=/analytics" in r.headers["Set-Cookie"]
    assert client.get("/analytics/api/auth/verify").status_code == 401


def test_cookie_name_setting(tmp_path):
    host, _ = make_host(tmp_path, UMAMI_LITE_AUTH_COOKIE="site-stats")
    client = host.test_client()
    assert login(client).headers["Set-Cookie"].startswith("site-stats=")
    assert client.get("/analytics/api/auth/verify").status_code == 200


def test_host_session_cookie_unaffected_by_umami_login(client, host):
    r = client.get("/")
    assert r.status_code == 200 and "session=" in r.headers["Set-Cookie"]
    r = login(client)
    assert [c for c in r.headers.getlist("Set-Cookie") if c.startswith("session=")] == []
    assert client.get("/session").json == {"visits": 1}
    client.post("/analytics/api/auth/logout")
    assert client.get("/session").json == {"visits": 1}
    assert host.secret_key == "host-secret-key"
    assert host.extensions["umami_lite"].secret != host.secret_key


def test_two_hosts_in_one_process_are_isolated(tmp_path):
    shared = UmamiLite()  # one extension object, two apps: the factory pattern
    first, _ = make_host(tmp_path, name="first", extension=shared)
    second, _ = make_host(tmp_path, name="second", extension=shared)
    one, two = first.test_client(), second.test_client()
    token = login(one).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    r = one.post("/analytics/api/website", headers=bearer, json={"name": "A", "domain": "a.test"})
    assert r.status_code == 200
    assert two.get("/analytics/api/auth/verify", headers=bearer).status_code == 401
    other = {"Authorization": f"Bearer {login(two).json['token']}"}
    assert two.get("/analytics/api/websites", headers=other).json["count"] == 0
    assert one.get("/analytics/api/websites", headers=bearer).json["count"] == 1
    assert first.extensions["umami_lite"].database != second.extensions["umami_lite"].database
    with first.app_context():
        assert shared.state is first.extensions["umami_lite"]


def test_init_app_twice_on_one_app_is_refused(tmp_path):
    host, ext = make_host(tmp_path)
    with pytest.raises(RuntimeError):
        ext.init_app(host)


def test_host_server_name(tmp_path):
    host, _ = make_host(tmp_path, SERVER_NAME="site.test")
    client = host.test_client()
    assert client.get("/analytics/api/heartbeat", base_url="http://site.test").status_code == 200
    r = login(client, base_url="http://site.test")
    assert "Domain" not in r.headers["Set-Cookie"] and "Path=/analytics" in r.headers["Set-Cookie"]
    assert client.get("/analytics/api/auth/verify", base_url="http://site.test").status_code == 200


def test_host_mounted_under_a_script_root(tmp_path):
    host, _ = make_host(tmp_path, APPLICATION_ROOT="/site")
    client = host.test_client()
    base = "http://localhost/site"
    assert client.get("/analytics/api/heartbeat", base_url=base).status_code == 200
    r = login(client, base_url=base)
    assert "Path=/site/analytics" in r.headers["Set-Cookie"]
    assert client.get("/analytics/api/auth/verify", base_url=base).status_code == 200


def test_host_behind_proxy_fix(tmp_path):
    host, _ = make_host(tmp_path)
    host.wsgi_app = ProxyFix(host.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    client = host.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "www.site.test",
               "X-Forwarded-Prefix": "/blog", "X-Forwarded-For": "198.51.100.9"}
    r = login(client, headers=headers)
    cookie = r.headers["Set-Cookie"]
    assert "Path=/blog/analytics" in cookie and "Secure" in cookie



UMAMI_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                 "Referrer-Policy", "Access-Control-Allow-Origin", "Cross-Origin-Opener-Policy")


def test_host_responses_get_no_headers_from_umami_lite(tmp_path):
    """Security headers, CSP and CORS of umami-lite apply to its own responses only."""
    host, _ = make_host(tmp_path)
    bare = Flask("bare")

    @bare.get("/data")
    def data():
        return {"zeta": 1, "alpha": 2}

    client = host.test_client()
    assert sorted(client.get("/data").headers.keys()) == sorted(
        bare.test_client().get("/data").headers.keys())
    for path in ("/", "/no-such-host-page", "/boom", "/static/page.html"):
        headers = client.get(path).headers
        assert [name for name in UMAMI_HEADERS if name in headers] == [], path
