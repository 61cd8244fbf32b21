"""Typed API errors and the one JSON error shape for every /api/ route."""
import sqlite3

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 413: "payload-too-large", 429: "too-many-requests",
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


def error_response(status, message, headers=None):
    """Returns the JSON error response for status."""
    body = {"error": {"message": message, "code": CODES.get(status, "error"), "status": status}}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


# SQLite primary result codes that mean "the database cannot take this now", not "bug":
# BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
UNAVAILABLE_CODES = {5, 6, 8, 10, 13, 14, 15}
UNAVAILABLE = "The database is busy or unavailable; retry later."
UNAVAILABLE_MESSAGES = ("locked", "busy", "readonly", "read-only", "disk i/o", "disk is full",
                        "unable to open")


def is_unavailable(exc):
    """Returns True when an sqlite3 error is transient (lock, busy, full, read-only, I/O)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in UNAVAILABLE_CODES
    return any(text in str(exc).lower() for text in UNAVAILABLE_MESSAGES)


def http_error_response(exc):
    """Returns the JSON error for a werkzeug HTTPException, keeping its headers (Allow...)."""
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return error_response(exc.code, exc.description or exc.name, headers)


def _is_api():
    return "/api/" in request.path


def register(blueprint):
    """Registers the JSON error handlers on umami-lite's parent blueprint (its routes only)."""

    @blueprint.errorhandler(ApiError)
    def handle_api_error(exc):
        return error_response(exc.status, exc.message, exc.headers)

    @blueprint.errorhandler(HTTPException)
    def handle_http(exc):
        if not _is_api():
            return exc
        return http_error_response(exc)

    @blueprint.errorhandler(sqlite3.OperationalError)
    def handle_db_unavailable(exc):
        # Locked past busy_timeout, disk full, read-only file: the client may retry.
        # Any other OperationalError (bad SQL, missing column) is a bug: a logged 500.
        if not is_unavailable(exc):
            return handle_unexpected(exc)
        current_app.logger.warning("database unavailable: %s", exc)
        return error_response(503, UNAVAILABLE, {"Retry-After": "1"})

    @blueprint.errorhandler(Exception)
    def handle_unexpected(exc):
        current_app.logger.exception("unhandled error")
        if _is_api():
            return error_response(500, "Internal server error.")
        return "Internal server error", 500


def register_routing_errors(app):
    """Answers unknown /api/ routes and wrong methods (raised before any blueprint) as JSON."""

    @app.errorhandler(HTTPException)
    def handle_http(exc):
        if not _is_api():
            return exc
        return http_error_response(exc)
