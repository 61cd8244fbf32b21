"""Browser-facing defences: security headers and CSRF protection for cookie logins.

CSRF is a double-submit check: login sets a random cookie `umami.csrf` that page scripts
can read; a cookie-authenticated POST/PUT/PATCH/DELETE to /api/ must echo it in the
`X-CSRF-Token` header. Another origin can make the browser send the cookies but cannot
read them, so it cannot forge the header. Bearer calls carry no ambient credential and
are exempt, as are the public ingest routes and login.

Before that, every unsafe /api/ request without a Bearer token (login and logout included:
they need no session cookie to be abused) must come from this site: a browser names a
cross-site sender in Sec-Fetch-Site and Origin, and a cross-site HTML form can only send a
form or text/plain body, which no JSON route accepts. API clients (Bearer, JSON, no Origin)
pass unchanged.
"""
import hmac
import re
from urllib.parse import unquote, urlsplit

from flask import request

from ..errors import ApiError
from ..state import state
from .auth import CSRF_COOKIE, current_user

CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Routes a cookie may reach without the header: public ingest (trackers on the same
# origin as a logged-in dashboard send the cookies too), login (no session yet) and
# verify (a read that Umami clients send as POST).
INGEST_ROUTES = ("/api/collect", "/api/send", "/api/batch")  # public, CORS *
CSRF_EXEMPT = (*INGEST_ROUTES, "/api/auth/login", "/api/auth/verify")

# The body types an HTML form can send without a CORS preflight: never JSON.
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
SAME_SITE_FETCH = {"same-origin", "none"}  # "none": typed in the address bar, a bookmark

# Inline styles are allowed (style attributes cannot run code); inline scripts are not.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; "
                           "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'self'; "
                           "form-action 'self'; frame-ancestors 'none'")
HTML_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# C0 controls, DEL and the C1 range: browsers drop tabs and newlines inside a URL and strip
# the others at its ends, so "/\t/evil" becomes "//evil"; a newline would also break the
# Location header.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def is_local_path(target):
    """Returns True when target is a path on this site that a browser cannot read as another
    host: one leading "/", then neither "/" nor "\\", no backslash, no control character,
    neither as sent nor once percent-decoded (a second decoding by a proxy or a script)."""
    for text in (target, unquote(target)):
        if (not text.startswith("/") or text[1:2] in ("/", "\\") or "\\" in text
                or CONTROL_CHARS.search(text)):
            return False
    return True


def add_security_headers(response):
    """Returns response with nosniff on everything and the page policies on HTML."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        for name, value in HTML_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


def _has_bearer():
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(value.strip())


def _is_exempt():
    path = request.path.rstrip("/")
    return "/api/" not in path or path.endswith(CSRF_EXEMPT)


def _is_cross_site():
    """Returns True when the browser says the request comes from another site."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in SAME_SITE_FETCH:
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False  # not a browser (API clients), or one that names no origin
    try:
        return urlsplit(origin).netloc.lower() != request.host.lower()
    except ValueError:
        return True


def check_same_site():
    """Raises 403 for a cross-site request and 415 for a form body (what a cross-site HTML
    form sends) on an unsafe /api/ route the browser's cookies could authenticate."""
    if _is_cross_site():
        raise ApiError(403, "Cross-site request refused: this route accepts requests from "
                            "the dashboard's own origin, or with a Bearer token.")
    if request.mimetype in FORM_TYPES:
        raise ApiError(415, "Request body must be JSON (Content-Type: application/json).")


def check_csrf():
    """Refuses a cross-site or form request on an unsafe /api/ route (check_same_site) and
    a cookie-authenticated one without the CSRF token (403)."""
    if request.method not in UNSAFE_METHODS or _has_bearer():
        return
    path = request.path.rstrip("/")
    if "/api/" not in path or path.endswith(INGEST_ROUTES):
        return
    check_same_site()
    if _is_exempt():
        return
    if not request.cookies.get(state().cookie_name):
        return
    if current_user() is None:
        return  # the cookie logs nobody in: the route itself answers 401
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise ApiError(403, f"CSRF check failed: send the {CSRF_COOKIE} cookie's value in "
                            f"the {CSRF_HEADER} header (or authenticate with a Bearer token).")


def register(blueprint):
    """Installs the CSRF check and the headers on umami-lite's parent blueprint."""
    blueprint.before_request(check_csrf)
    blueprint.after_request(add_security_headers)
