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

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message):
    return ApiError(400, message)


def error_response(status, message):
    """Returns the JSON error response for status."""
    body = {"error": {"message": message, "code": CODES.get(status, "error"), "status": status}}
    response = jsonify(body)
    response.status_code = status
    return response


def _is_api():
    return "/api/" in request.path


def register(blueprint):
    """Registers the JSON error handlers on umami-lite's parent blueprint (its routes only)."""

    @blueprint.errorhandler(ApiError)
    def handle_api_error(exc):
        return error_response(exc.status, exc.message)

    @blueprint.errorhandler(HTTPException)
    def handle_http(exc):
        if not _is_api():
            return exc
        return error_response(exc.code, exc.description or exc.name)

    @blueprint.errorhandler(sqlite3.OperationalError)
    def handle_db_unavailable(exc):
        # Locked past busy_timeout, disk full, read-only file: the client may retry.
        current_app.logger.warning("database unavailable: %s", exc)
        return error_response(503, "The database is busy or unavailable; retry later.")

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
        return error_response(exc.code, exc.description or exc.name)
