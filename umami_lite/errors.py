"""Typed API errors and the one JSON error shape for every /api/ route."""
from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from .storage.errors import OperationalError, is_unavailable  # noqa: F401 (read as errors')

CODES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 413: "payload-too-large",
    415: "unsupported-media-type", 429: "too-many-requests",
    500: "server-error", 503: "unavailable",
}


class ApiError(Exception):
    """An error answered as {"error": {"message", "code", "status"}}."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(message):
    return ApiError(400, message)


def error_body(status, message):
    """Returns the JSON error object of every /api/ error."""
    return {"error": {"message": message, "code": CODES.get(status, "error"), "status": status}}


def error_response(status, message, headers=None):
    """Returns the JSON error response for status."""
    response = jsonify(error_body(status, message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


UNAVAILABLE = "The database is busy or unavailable; retry later."


def route_failure(exc):
    """Returns (status, message, headers) for an exception an /api/ route raised; logs the
    503s and 500s. Call it inside the `except` block (500s log the traceback).

    Locked past busy_timeout, disk full, read-only file: a 503 the client may retry. Any
    other error (bad SQL, a missing column, a bug) is a logged 500.
    """
    if isinstance(exc, ApiError):
        return exc.status, exc.message, exc.headers
    if isinstance(exc, OperationalError) and is_unavailable(exc):
        current_app.logger.warning("database unavailable: %s", exc)
        return 503, UNAVAILABLE, {"Retry-After": "1"}
    current_app.logger.exception("unhandled error")
    return 500, "Internal server error.", {}


def http_error_response(exc):
    """Returns the JSON error for a werkzeug HTTPException, keeping its headers (Allow...)."""
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return error_response(exc.code, exc.description or exc.name, headers)


def _is_api():
    return "/api/" in request.path


def register(blueprint):
    """Registers the JSON error handlers on umami-lite's parent blueprint (its routes only)."""

    @blueprint.errorhandler(HTTPException)
    def handle_http(exc):
        if not _is_api():
            return exc
        return http_error_response(exc)

    @blueprint.errorhandler(Exception)  # ApiError, sqlite3 errors, bugs
    def handle_route_failure(exc):
        status, message, headers = route_failure(exc)
        if status == 500 and not _is_api():
            return "Internal server error", 500
        return error_response(status, message, headers)


def register_routing_errors(app):
    """Answers unknown /api/ routes and wrong methods (raised before any blueprint) as JSON."""

    @app.errorhandler(HTTPException)
    def handle_http(exc):
        if not _is_api():
            return exc
        return http_error_response(exc)
