"""Browser-facing defences: security headers and CSRF protection for cookie logins.

CSRF is a double-submit check: login sets a random cookie `umami.csrf` that page scripts
can read; a cookie-authenticated POST/PUT/PATCH/DELETE to /api/ must echo it in the
`X-CSRF-Token` header. Another origin can make the browser send the cookies but cannot
read them, so it cannot forge the header. Bearer calls carry no ambient credential and
are exempt, as are the public ingest routes and login.
"""
import hmac
import re
import secrets
from urllib.parse import unquote

from flask import request

from .errors import ApiError
from .state import state

CSRF_COOKIE = "umami.csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Routes a cookie may reach without the header: public ingest (trackers on the same
# origin as a logged-in dashboard send the cookies too), login (no session yet) and
# verify (a read that Umami clients send as POST).
CSRF_EXEMPT = ("/api/collect", "/api/send", "/api/batch", "/api/auth/login",
               "/api/auth/verify")

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


def check_csrf():
    """Raises 403 for a cookie-authenticated unsafe /api/ request without the CSRF token."""
    if request.method not in UNSAFE_METHODS or _is_exempt() or _has_bearer():
        return
    if not request.cookies.get(state().cookie_name):
        return
    from .auth import current_user  # auth imports this module
    if current_user() is None:
        return  # the cookie logs nobody in: the route itself answers 401
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise ApiError(403, f"CSRF check failed: send the {CSRF_COOKIE} cookie's value in "
                            f"the {CSRF_HEADER} header (or authenticate with a Bearer token).")


def set_csrf_cookie(response, path, max_age):
    """Sets a fresh random CSRF cookie that page scripts can read, beside the login cookie."""
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), path=path, httponly=False,
                        samesite="Lax", secure=request.is_secure, max_age=max_age)


def clear_csrf_cookie(response, path):
    response.delete_cookie(CSRF_COOKIE, path=path, samesite="Lax", secure=request.is_secure)


def register(blueprint):
    """Installs the CSRF check and the headers on umami-lite's parent blueprint."""
    blueprint.before_request(check_csrf)
    blueprint.after_request(add_security_headers)
