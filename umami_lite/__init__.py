"""umami-lite: Umami-compatible web analytics on Flask and SQLite.

create_app() reads like a table of contents: settings, database, blueprints.
"""
import secrets
import sys

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import accounts, auth, collect, config, db, errors, stats, users, websites

BLUEPRINTS = (auth.bp, collect.bp, stats.bp, websites.bp, accounts.bp)
MAX_REQUEST_BYTES = 1024 * 1024


def create_app(test_config=None):
    """Returns the configured Flask app: defaults -> environment -> test_config."""
    app = Flask(__name__)
    app.config.update(config.from_environment())
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.sort_keys = False
    if test_config:
        app.config.update(test_config)
    prepare_database(app)
    if app.config["UMAMI_LITE_PROXY_COUNT"]:
        hops = app.config["UMAMI_LITE_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    collect.init_app(app)
    errors.init_app(app)
    app.teardown_appcontext(db.close_db)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def prepare_database(app):
    """Creates the database if needed, the first admin, and resolves the signing secret."""
    conn = db.init_db(app.config["UMAMI_LITE_DATABASE"])
    try:
        with db.transaction(conn):
            stored = db.set_setting_once(conn, "secret", secrets.token_hex(32))
            password = users.ensure_admin(conn, app.config["UMAMI_LITE_ADMIN_PASSWORD"],
                                          app.config.get("PASSWORD_HASH_METHOD"))
    finally:
        conn.close()
    app.config["SECRET"] = app.config["UMAMI_LITE_SECRET"] or stored
    if password:
        print(f"umami-lite: created account 'admin' with password: {password}\n"
              "umami-lite: this password is shown only once; change it after logging in.",
              file=sys.stderr, flush=True)
