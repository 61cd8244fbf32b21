"""A small Flask site with umami-lite embedded under /analytics.

    flask --app examples/flask_host/app init-analytics   # once: creates the website
    flask --app examples/flask_host/app run

The site keeps its own session cookie, templates, static files and error pages; umami-lite
keeps its own SQLite file in the instance folder, its login cookie under /analytics, and
records each page server-side (and the script's events) for the website init-analytics made.
"""
import os
import uuid

import click
from flask import Flask, current_app, render_template, session
from flask.cli import with_appcontext

from umami_lite import UmamiLite
from umami_lite.storage import connection as db, sites

umami = UmamiLite()


def website_file(app):
    return os.path.join(app.instance_path, "analytics-website")


def create_app(test_config=None, instance_path=None):
    """Returns the example site with umami-lite embedded."""
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("EXAMPLE_SECRET_KEY", "dev-only-example-secret"),
        SESSION_COOKIE_NAME="example_session",
        UMAMI_LITE_DATABASE=os.path.join(app.instance_path, "analytics.db"),
        UMAMI_LITE_TRACK_EXCLUDE="/health",
    )
    if os.path.exists(website_file(app)):
        with open(website_file(app)) as handle:
            app.config["UMAMI_LITE_TRACK_WEBSITE"] = handle.read().strip()
    if test_config:
        app.config.update(test_config)
    umami.init_app(app)
    register_pages(app)
    app.cli.add_command(init_analytics)
    return app


def register_pages(app):
    @app.get("/")
    def index():
        session["pages_seen"] = session.get("pages_seen", 0) + 1
        return render_template("index.html", pages_seen=session["pages_seen"])

    @app.get("/about")
    def about():
        return render_template("about.html")

    @app.get("/health")
    def health():
        return "<!doctype html><p>ok"

    @app.errorhandler(404)
    def not_found(_exc):
        return render_template("404.html"), 404


@click.command("init-analytics")
@with_appcontext
@click.option("--domain", default="localhost", help="The site's domain, for the dashboard.")
def init_analytics(domain):
    """Creates the site's analytics website (once) and remembers its uuid."""
    path = website_file(current_app)
    if os.path.exists(path):
        click.echo(f"already set up: website {open(path).read().strip()}")
        return
    website_uuid = str(uuid.uuid4())
    conn = db.connect(current_app.extensions["umami_lite"].database)
    try:
        with db.transaction(conn):
            sites.create(conn, 1, "Example host", domain, website_uuid=website_uuid)
    finally:
        conn.close()
    with open(path, "w") as handle:
        handle.write(website_uuid)
    click.echo(f"website {website_uuid} created; restart the app to track it; "
               "log in at /analytics/ as admin")
