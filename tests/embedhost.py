"""A small host Flask app with its own session, JSON, error pages and static file, for
embedding tests: make_host() mounts umami-lite into it through UmamiLite."""
from conftest import ADMIN_PASSWORD
from flask import Flask, jsonify, redirect, render_template_string, request, session

from umami_lite import UmamiLite
from umami_lite.storage import connection as db, sites

PAGE = "<!doctype html><title>{{ title }}</title><p>{{ title }}</p>"


def make_host(tmp_path, name="host", clock=None, extension=None, init_kwargs=None, **config):
    """Returns (host app, UmamiLite) with umami-lite's SQLite file at tmp_path/<name>.db."""
    host = Flask(name, static_folder=str(tmp_path / "static"))
    (tmp_path / "static").mkdir(parents=True, exist_ok=True)
    (tmp_path / "static" / "page.html").write_text("<!doctype html><p>static")
    host.config.update(SECRET_KEY=f"{name}-secret-key",
                       UMAMI_LITE_DATABASE=str(tmp_path / f"{name}.db"),
                       UMAMI_LITE_ADMIN_PASSWORD=ADMIN_PASSWORD,
                       UMAMI_LITE_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
                       UMAMI_LITE_CLOCK=clock)
    host.config.update(config)

    @host.get("/")
    def home():
        session["visits"] = session.get("visits", 0) + 1
        return render_template_string(PAGE, title=f"{name} home")

    @host.get("/page/<slug>")
    def page(slug):
        return render_template_string(PAGE, title=slug)

    @host.get("/tagged")
    def tagged():
        return render_template_string(
            "<!doctype html>{{ umami_lite.tracker_tag(**request.args) }}<p>tagged")

    @host.get("/data")
    def data():
        return jsonify({"zeta": 1, "alpha": 2})

    @host.get("/cookies")
    def cookies():
        return jsonify(sorted(request.cookies))

    @host.get("/session")
    def show_session():
        return jsonify(dict(session))

    @host.get("/old")
    def old():
        return redirect("/")

    @host.get("/boom")
    def boom():
        raise RuntimeError("host failure")

    @host.errorhandler(404)
    def host_not_found(_exc):
        return "<!doctype html><p>host 404 page", 404

    @host.errorhandler(500)
    def host_error(_exc):
        return "<!doctype html><p>host 500 page", 500

    ext = extension or UmamiLite()
    ext.init_app(host, **(init_kwargs or {}))
    return host, ext


def seed_website(db_path, website_uuid, domain="localhost"):
    """Returns website_uuid after creating the database and that website, owned by admin."""
    db.prepare(str(db_path), ADMIN_PASSWORD, "pbkdf2:sha256:1000")
    conn = db.connect(str(db_path))
    try:
        with db.transaction(conn):
            sites.create(conn, 1, "Host site", domain, website_uuid=website_uuid)
    finally:
        conn.close()
    return website_uuid


def login(client, prefix="/analytics", **kwargs):
    """Returns the login response of admin through the embedded API."""
    return client.post(f"{prefix}/api/auth/login", **kwargs,
                       json={"username": "admin", "password": ADMIN_PASSWORD})
