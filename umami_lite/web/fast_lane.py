"""POST /api/collect and /api/send (and GET /q/<slug>, /p/<slug>) answered straight from
WSGI, beside the Flask app.

Tracker hits are the one request a server gets thousands of times a second, and Flask's
per-request work (request context, URL matching, before/after hooks, a Response object,
header mappings) cost as much as storing the hit (bench/ingest.py profile). The standalone
app (create_app) wraps its WSGI callable in IngestLane: a POST to exactly these two paths
runs the routes' own handlers (collect.handle, v2.send.handle), with the app's State
passed in instead of an app context, and gets the same answer and headers the Flask
routes give; every other request goes on to Flask. An app that embeds umami-lite keeps
the Flask routes, so the host's own hooks still see every request.
"""
import json

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_input_stream

from . import collect
from ..errors import error_body, route_failure
from .jsonbody import MAX_BODY, read_stream
from ..state import EXTENSION_KEY
from . import links, send

JSON_TYPE = "application/json"
_ENVIRON_KEYS = {}  # header name -> its WSGI environ key


class Incoming:
    """What the ingest handlers read from a request: its headers and the peer address."""
    __slots__ = ("environ", "headers")

    def __init__(self, environ):
        self.environ = environ
        self.headers = self

    def get(self, name, default=None):
        """Returns the value of the header `name` (any case), or default."""
        key = _ENVIRON_KEYS.get(name)
        if key is None:
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            if len(_ENVIRON_KEYS) < 64:  # the few names the handlers ask, every hit
                _ENVIRON_KEYS[name] = key
        return self.environ.get(key, default)

    @property
    def remote_addr(self):
        return self.environ.get("REMOTE_ADDR")

    @property
    def content_length(self):
        value = self.environ.get("CONTENT_LENGTH", "")
        return int(value) if value.isascii() and value.isdigit() else None


class IngestLane:
    """WSGI middleware: answers POST <prefix>/api/collect and /api/send, passes the rest."""

    def __init__(self, app, wsgi_app, prefix=""):
        self.app = app
        self.wsgi_app = wsgi_app
        self.handlers = {f"{prefix}/api/collect": collect.handle, f"{prefix}/api/send": send.handle}
        self.beacons = {f"{prefix}/q/": "link", f"{prefix}/p/": "pixel"}
        self.beacon_start = len(prefix) + 3

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        handler = self.handlers.get(path)
        if handler is None or environ.get("REQUEST_METHOD") != "POST":
            kind = self.beacons.get(path[:self.beacon_start])
            if kind is not None and environ.get("REQUEST_METHOD") == "GET":
                return self._beacon(kind, path[self.beacon_start:], environ, start_response)
            return self.wsgi_app(environ, start_response)
        req = Incoming(environ)
        umami = self.app.extensions[EXTENSION_KEY]
        umami.retention.tick(umami.now_ms())
        status, content_type, body, extra = self._answer(handler, req, environ, umami)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   *extra, *collect.cors_headers(req.get("Access-Control-Request-Headers")),
                   ("X-Content-Type-Options", "nosniff")]
        start_response(f"{status} {HTTP_STATUS_CODES[status]}", headers)
        return [body]

    def _beacon(self, kind, slug, environ, start_response):
        """Answers GET /q/<slug> and /p/<slug> as links.hit_answer does for Flask."""
        umami = self.app.extensions[EXTENSION_KEY]
        umami.retention.tick(umami.now_ms())
        query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
        status, headers, body = links.hit_answer(Incoming(environ), umami, kind, slug, query,
                                                 environ.get("HTTP_HOST"))
        start_response(f"{status} {HTTP_STATUS_CODES[status]}",
                       [*headers, ("Content-Length", str(len(body))),
                        ("X-Content-Type-Options", "nosniff")])
        return [body]

    def _answer(self, handler, req, environ, umami):
        """Returns (status, content type, body bytes, extra headers) of one ingest request."""
        try:
            body = _body(environ, req.content_length)
            answer = handler(req, body, umami)
        except Exception as exc:  # noqa: BLE001 - every failure gets its JSON answer
            with self.app.app_context():  # route_failure logs through the app's logger
                status, message, headers = route_failure(exc)
            return status, JSON_TYPE, _json(error_body(status, message)), list(headers.items())
        if isinstance(answer, str):
            return 200, collect.TEXT_TYPE, answer.encode(), []
        return 200, JSON_TYPE, _json(answer), []


def _body(environ, content_length):
    """Returns the request body bytes, or raises 413. A body of declared length within
    the limit is read straight from the server's stream (WSGI lets an app read that
    much); werkzeug's wrapper costs as much as parsing the hit's JSON."""
    if content_length is None or content_length > MAX_BODY:
        return read_stream(get_input_stream(environ), content_length)
    return environ["wsgi.input"].read(content_length)


def _json(value):
    """Returns value as Flask's jsonify encodes it (compact, ASCII, newline-terminated)."""
    return (json.dumps(value, separators=(",", ":")) + "\n").encode()
