"""Current-API sessions under /api/websites/<uuid>/: the list, stats, weekly grid, one
session's detail, activity and properties, and session-data properties and values.

Each view: access check (owner, admin or the website's share token) -> parameters -> one
query in queries/sessions.py -> JSON. A sessionId that names no session of the website
is a 404.
"""
from flask import Blueprint, jsonify, request

from . import params
from .auth import website_for_read
from ..storage.connection import get_read_snapshot
from ..errors import ApiError, bad_request
from . import current_params as args
from ..queries.current.ids import session_from_uuid
from ..queries.current import sessions, weekly

bp = Blueprint("v2_sessions", __name__)
PREFIX = "/api/websites/<website_key>"
MAX_PAGE_SIZE = 1000


def _session_id(website, text):
    session_id = session_from_uuid(website["website_uuid"], text)
    if session_id is None:
        raise ApiError(404, "Session not found.")
    return session_id


def _found(answer):
    if answer is None:
        raise ApiError(404, "Session not found.")
    return jsonify(answer)


@bp.get(f"{PREFIX}/sessions")
def session_list(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    page = params.positive_int(request.args, "page", 1, 1_000_000)
    page_size = params.positive_int(request.args, "pageSize", 20, MAX_PAGE_SIZE)
    return jsonify(sessions.listing(get_read_snapshot(), q, website, page, page_size,
                                    params.search_text(request.args)))


@bp.get(f"{PREFIX}/sessions/stats")
def session_stats(website_key):
    website = website_for_read(website_key)
    return jsonify(sessions.stats(get_read_snapshot(), args.query(request.args, website)))


@bp.get(f"{PREFIX}/sessions/weekly")
def session_weekly(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    if not request.args.get("timezone"):
        raise bad_request("'timezone' is required (an IANA time zone name).")
    zone, _ = args.zone_and_labels(request.args)
    db = get_read_snapshot()
    return jsonify(weekly.query(db, q.narrowed(db, "pageview"), zone))


@bp.get(f"{PREFIX}/sessions/<session_key>")
def session_detail(website_key, session_key):
    website = website_for_read(website_key)
    session_id = _session_id(website, session_key)
    return _found(sessions.detail(get_read_snapshot(), website, session_id))


@bp.get(f"{PREFIX}/sessions/<session_key>/activity")
def session_activity(website_key, session_key):
    website = website_for_read(website_key)
    start, end = params.time_range(request.args, "startAt", "endAt")
    session_id = _session_id(website, session_key)
    return _found(sessions.activity(get_read_snapshot(), website, session_id, start, end))


@bp.get(f"{PREFIX}/sessions/<session_key>/properties")
def session_properties(website_key, session_key):
    website = website_for_read(website_key)
    session_id = _session_id(website, session_key)
    return _found(sessions.properties(get_read_snapshot(), website, session_id))


@bp.get(f"{PREFIX}/session-data/properties")
def session_data_properties(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    return jsonify(sessions.property_names(get_read_snapshot(), q))


@bp.get(f"{PREFIX}/session-data/values")
def session_data_values(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    name = request.args.get("propertyName")
    if not name:
        return jsonify([])  # as in the current API: no property asked, no values
    return jsonify(sessions.property_values(get_read_snapshot(), q, name))
