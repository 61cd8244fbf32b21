"""UmamiLite: mounts umami-lite into a Flask app, its own or a host's.

Everything umami-lite keeps lives in app.extensions["umami_lite"]; its routes live in one
parent blueprint `umami_lite` whose error handlers apply to its own routes only. The only
app-wide hooks are a routing-error check limited to <prefix>/api/ and, when server-side
tracking is on, one after_request hook that queues a pageview.
"""
import os
import sys

from flask import Blueprint, current_app, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import MethodNotAllowed, NotFound

from .web import accounts, auth, collect, dashboard, openapi, security, stats, tracker, websites
from .ingest import replay as journal_store
from .ingest import visitor as clients, journal, limits, server_tracking as servertrack
from . import settings as config, errors
from .storage import connection as db
from .storage.dialect import is_postgres
from .storage.errors import DatabaseError
from .storage.migrations import TooNew
from .ops import presence
from .ops.schedule import RetentionSchedule
from .state import EXTENSION_KEY, State
from .web import analytics as v2_analytics
from .web import current_events as v2_events
from .web import links as v2_links
from .web import reports as v2_reports
from .web import segments as v2_segments
from .web import send as v2_send
from .web import current_sessions as v2_sessions
from .web import current_websites as v2_websites


def _apply_retention():
    """Lets the daily retention run start (in its own thread) when it is due."""
    umami = current_app.extensions[EXTENSION_KEY]
    umami.retention.tick(umami.now_ms())


# Routes that read no stored hit: they answer without storing the ingest journal first.
_WITHOUT_READS = ("umami_lite.collect", "umami_lite.v2_send", "umami_lite.tracker",
                  "umami_lite.openapi")


def _store_acknowledged():
    """Stores the hits the ingest journal acknowledged before a view reads, so that it sees
    every one of them (its own write, before the view's reads; reads write nothing)."""
    if request.blueprint in _WITHOUT_READS or request.endpoint == "umami_lite.dashboard.static":
        return
    journal_store.before_read(current_app.extensions[EXTENSION_KEY].database)


def build_blueprint():
    """Returns a fresh parent blueprint holding every umami-lite route."""
    parent = Blueprint("umami_lite", __name__)
    for child in (auth.bp, collect.bp, stats.bp, websites.bp, accounts.bp, v2_send.bp,
                  v2_websites.bp, v2_analytics.bp, v2_events.bp, v2_sessions.bp,
                  v2_segments.bp, v2_reports.bp, v2_links.bp, dashboard.bp, tracker.bp,
                  openapi.bp):
        parent.register_blueprint(child)
    errors.register(parent)
    security.register(parent)
    parent.before_request(_apply_retention)
    parent.before_request(_store_acknowledged)
    return parent


def normalize_prefix(prefix):
    """Returns prefix as "" (mounted at the root) or "/a/b" (leading slash, none trailing)."""
    prefix = (prefix or "").strip().strip("/")
    return f"/{prefix}" if prefix else ""


def api_routing_error():
    """Returns a JSON 404/405 for an unknown route or method under umami-lite's /api/.

    Routing errors happen before any blueprint is chosen, so blueprint error handlers never
    see them; an app-wide handler would replace the host's own 404 page. This before_request
    hook answers only for umami-lite's /api/ paths and lets everything else through.
    """
    exc = request.routing_exception
    if not isinstance(exc, (NotFound, MethodNotAllowed)):
        return None
    if not request.path.startswith(current_app.extensions[EXTENSION_KEY].url_prefix + "/api/"):
        return None
    response = errors.error_response(exc.code, exc.description or exc.name)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _database_problem(path, exc):
    """Returns why the database at path cannot be opened, in words: SQLite only says
    'unable to open database file' on a read-only filesystem."""
    if is_postgres(path) or isinstance(exc, TooNew):
        return str(exc)
    folder = os.path.dirname(os.path.abspath(path))
    if os.statvfs(folder).f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        return f"its folder {folder} is read-only (SQLite writes the file and a -wal beside it)"
    return str(exc)


def _build_state(app, settings, prefix):
    networks = config.parse_networks(settings["IGNORE_IP"])  # checked by config
    hash_method = app.config.get("UMAMI_LITE_PASSWORD_HASH_METHOD")
    path = settings["UMAMI_LITE_DATABASE"]
    try:
        secret, password = db.prepare(path, settings["UMAMI_LITE_ADMIN_PASSWORD"], hash_method)
        presence.announce(path)  # `restore` refuses while we run
        journal.sweep(path)  # a crashed server's journaled hits
    except (DatabaseError, OSError, TooNew) as exc:  # read-only, not a database, newer...
        raise config.SettingError("UMAMI_LITE_DATABASE", f"{path}: cannot use it: "
                                  f"{_database_problem(path, exc)}") from None
    if password:
        print(f"umami-lite: created account 'admin' with password: {password}\n"
              "umami-lite: this password is shown only once; change it after logging in.",
              file=sys.stderr, flush=True)
    return State(
        settings=settings,
        secret=settings["UMAMI_LITE_SECRET"] or secret,
        ignore_networks=networks,
        country_lookup=clients.CountryLookup(settings["UMAMI_LITE_GEOIP_DATABASE"]),
        clock=app.config.get("UMAMI_LITE_CLOCK"),
        hash_method=hash_method,
        url_prefix=prefix,
        cookie_name=settings["UMAMI_LITE_AUTH_COOKIE"],
        retention=RetentionSchedule(settings["UMAMI_LITE_DATABASE"]),
        hit_limits=limits.HitLimits(settings),
    )


class UmamiLite:
    """The Flask extension: `UmamiLite(app)` or `umami = UmamiLite(); umami.init_app(app)`.

    One instance may serve several apps (app factories); it keeps nothing per app itself.
    url_prefix defaults to the UMAMI_LITE_URL_PREFIX setting (`/analytics`); exclude adds
    path prefixes to UMAMI_LITE_TRACK_EXCLUDE for server-side tracking.
    """

    def __init__(self, app=None, url_prefix=None, exclude=()):
        self.app = app
        self.url_prefix = url_prefix
        self.exclude = tuple(exclude)
        if app is not None:
            self.init_app(app)

    def init_app(self, app, url_prefix=None, exclude=()):
        """Returns the app's State after mounting umami-lite into app."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("umami-lite is already set up on this app")
        settings = config.resolve(app.config)
        prefix = next(p for p in (url_prefix, self.url_prefix, settings["UMAMI_LITE_URL_PREFIX"])
                      if p is not None)
        umami = app.extensions[EXTENSION_KEY] = _build_state(app, settings,
                                                             normalize_prefix(prefix))
        app.teardown_appcontext(db.close_db)
        app.before_request(api_routing_error)
        app.register_blueprint(build_blueprint(), url_prefix=umami.url_prefix or None)
        if settings["UMAMI_LITE_TRACK_WEBSITE"]:
            umami.tracking = servertrack.install(app, umami, settings["UMAMI_LITE_TRACK_WEBSITE"],
                                                 (*self.exclude, *exclude))
        template_globals = {EXTENSION_KEY: self}
        app.context_processor(lambda: template_globals)
        return umami

    @property
    def state(self):
        """Returns the State of the app given to the constructor, else of the current app."""
        app = self.app if self.app is not None else current_app
        return app.extensions[EXTENSION_KEY]

    @property
    def settings(self):
        return self.state.settings

    def tracker_tag(self, website=None, **attributes):
        """Returns the <script> tag loading the tracker for website (default: the setting).

        The src is umami-lite's /umami.js as url_for builds it (prefix, script root and
        SERVER_NAME included). When server-side
        tracking already records this website's pages, the tag sets data-auto-track="false"
        so pages are not counted twice while the script's events still work. Keyword
        arguments become data-* attributes (domains="a.com" -> data-domains="a.com").
        """
        umami = self.state
        settings = umami.settings
        website = website or settings["UMAMI_LITE_WEBSITE"] or settings["UMAMI_LITE_TRACK_WEBSITE"]
        if not website:
            return Markup("<!-- umami-lite: set UMAMI_LITE_WEBSITE to emit the tracker -->")
        attrs = {"website-id": website}
        if umami.tracking is not None and website == settings["UMAMI_LITE_TRACK_WEBSITE"]:
            attrs["auto-track"] = "false"
        attrs.update((name.replace("_", "-"), value) for name, value in attributes.items())
        src = url_for("umami_lite.tracker.umami_js")
        data = "".join(f' data-{escape(name)}="{escape(value)}"' for name, value in attrs.items())
        return Markup(f'<script defer src="{escape(src)}"{data}></script>')
