"""Dashboard blueprint: the server-rendered pages; their scripts talk to the JSON API.

Pages carry the URL bases the scripts need as data attributes on <body> (`data-base`,
`data-api`), so every link and request works under any mount prefix. No page holds an
inline script or event handler: all behaviour lives in static/*.js.
"""
import hashlib
from functools import lru_cache
from importlib import resources

from flask import Blueprint, redirect, render_template, request, url_for

from . import security
from ..storage import sites
from .auth import current_user
from ..storage.connection import get_db
from ..queries.current.ids import session_from_uuid

bp = Blueprint("dashboard", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static")


@lru_cache(maxsize=None)
def _asset_version(filename):
    """Returns a short content hash of a static file, so browsers refetch it after changes."""
    data = resources.files("umami_lite").joinpath("static", filename).read_bytes()
    return hashlib.sha256(data).hexdigest()[:10]


@bp.app_template_global("umami_asset")
def asset(filename):
    """Returns the versioned URL of a dashboard static file."""
    return url_for("umami_lite.dashboard.static", filename=filename, v=_asset_version(filename))


@bp.context_processor
def page_bases():
    """Returns the URL bases every page hands to its scripts (no trailing slash)."""
    heartbeat = url_for("umami_lite.auth.heartbeat")
    return {"base_path": url_for("umami_lite.dashboard.index").rstrip("/"),
            "api_base": heartbeat[: -len("/heartbeat")]}


def _login_redirect():
    """Returns a redirect to the login page that comes back to this page afterwards."""
    here = request.script_root + request.full_path.rstrip("?")
    return redirect(url_for("umami_lite.dashboard.login", next=here))


def _not_found(message):
    """Returns the HTML 404 page (dashboard pages are not API routes: no JSON here)."""
    page = render_template("error.html", title="Not found", message=message, user=current_user())
    return page, 404


@bp.get("/login")
def login():
    if current_user() is not None:
        return redirect(_safe_next())
    return render_template("login.html", next=_safe_next())


def _safe_next():
    """Returns ?next= when it is a path on this site, else the website list (no open redirect)."""
    target = request.args.get("next", "")
    if security.is_local_path(target) and \
            not target.startswith(url_for("umami_lite.dashboard.login")):
        return target
    return url_for("umami_lite.dashboard.index")


@bp.get("/")
def index():
    user = current_user()
    if user is None:
        return _login_redirect()
    return render_template("websites.html", user=user)


def _website_page(website_key, template, **context):
    """Renders one website's page for its owner or an admin: without a login the login page,
    for a missing website or another account's a 404 page."""
    user = current_user()
    if user is None:
        return _login_redirect()
    row = _owned_website(user, website_key)
    if row is None:
        return _not_found("This website does not exist or belongs to another account.")
    return render_template(template, user=user, website=row, **context)


@bp.get("/websites/<website_key>")
def website(website_key):
    return _website_page(website_key, "website.html", share_id=None)


def _owned_website(user, website_key):
    """Returns the website row the logged-in user may read (owner or admin), or None."""
    row = sites.find(get_db(), website_key)
    if row is None or not (user["is_admin"] or row["user_id"] == user["user_id"]):
        return None
    return row


@bp.get("/websites/<website_key>/sessions")
def sessions(website_key):
    return _website_page(website_key, "sessions.html")


@bp.get("/websites/<website_key>/realtime")
def realtime(website_key):
    return _website_page(website_key, "realtime.html")


@bp.get("/websites/<website_key>/reports")
def reports(website_key):
    return _website_page(website_key, "reports.html")


@bp.get("/websites/<website_key>/segments")
def segments(website_key):
    return _website_page(website_key, "segments.html")


@bp.get("/websites/<website_key>/sessions/<session_key>")
def session(website_key, session_key):
    user = current_user()
    if user is None:
        return _login_redirect()
    row = _owned_website(user, website_key)
    if row is None or session_from_uuid(row["website_uuid"], session_key) is None:
        return _not_found("This session does not exist or belongs to another account.")
    return render_template("session.html", user=user, website=row, session_id=session_key)


@bp.get("/links")
def links():
    user = current_user()
    if user is None:
        return _login_redirect()
    return render_template("links.html", user=user)


@bp.get("/settings")
def settings():
    user = current_user()
    if user is None:
        return _login_redirect()
    return render_template("settings.html", user=user)


@bp.get("/share/<share_id>")
def share(share_id):
    row = sites.by_share_id(get_db(), share_id)
    if row is None:
        return _not_found("This share link does not exist or sharing was turned off.")
    return render_template("website.html", user=None, website=row, share_id=share_id)
