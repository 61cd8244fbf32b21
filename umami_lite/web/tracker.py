"""GET /umami.js (Umami v1 tracker) and /script.js (current tracker), from umami_lite/static.

Served by a route rather than a static folder so that they follow the extension's url prefix,
carry CORS and caching headers, and go out pre-gzipped to clients that accept it.
"""
import functools
import gzip
import hashlib
import os

from flask import Blueprint, Response, request

bp = Blueprint("tracker", __name__)

STATIC = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")
# A day: browsers revalidate with the ETag afterwards, so an upgrade reaches visitors within
# a day while a busy site does not fetch the script on every page view.
MAX_AGE = 86400


@functools.lru_cache(maxsize=None)
def load(name):
    """Returns (raw bytes, gzipped bytes, etag) of a tracker script, read once per process."""
    with open(os.path.join(STATIC, name), "rb") as f:
        raw = f.read()
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    return raw, packed, hashlib.sha256(raw).hexdigest()[:20]


def _accepts_gzip():
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def script_response(name):
    """Returns the script as a cacheable, CORS-open JavaScript response (304 when unchanged)."""
    raw, packed, etag = load(name)
    gzipped = _accepts_gzip()
    response = Response(packed if gzipped else raw, mimetype="text/javascript")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag + ("-gz" if gzipped else ""))
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response.make_conditional(request)


@bp.get("/umami.js")
def umami_js():
    return script_response("umami.js")


@bp.get("/script.js")
def script_js():
    return script_response("script.js")
