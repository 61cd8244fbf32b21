"""Current-API hit-level routes under /api/websites/<uuid>/: the events list and its stats,
/metrics/expanded, /export, the filter editor's /values, /daterange, and /event-data (list),
/event-data/fields, /event-data/stats and /event-data/<eventId>. Access: owner, admin or
the share token.
"""
from flask import Blueprint, jsonify, request

from . import params
from .auth import website_for_read
from ..storage.connection import get_read_snapshot
from ..errors import bad_request
from . import current_params as args
from ..queries.current.ids import hit_from_uuid
from ..queries.current import expanded, export, hits
from ..queries.current.metrics import ALIASES, METRICS

bp = Blueprint("v2_events", __name__)
PREFIX = "/api/websites/<website_key>"


def _paging():
    return (params.positive_int(request.args, "page", 1, 1_000_000),
            params.positive_int(request.args, "pageSize", 20, 1000))


@bp.get(f"{PREFIX}/events")
def event_list(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    page, size = _paging()
    return jsonify(hits.listing(get_read_snapshot(), q, website, page, size,
                                params.search_text(request.args)))


@bp.get(f"{PREFIX}/events/stats")
def event_stats(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    mode = args.compare_mode(request.args, default="prev")
    db = get_read_snapshot()
    return jsonify({"data": {**hits.event_stats(db, q),
                             "comparison": hits.event_stats(db, args.compared(q, mode))}})


@bp.get(f"{PREFIX}/values")
def values(website_key):
    website = website_for_read(website_key)
    start, end = params.time_range(request.args, "startAt", "endAt")
    kind = request.args.get("type")
    kind = ALIASES.get(kind, kind)
    if kind not in hits.VALUE_TYPES:
        raise bad_request(f"'type' must be one of {', '.join(hits.VALUE_TYPES)}.")
    return jsonify(hits.values(get_read_snapshot(), website, start, end, kind,
                               params.search_text(request.args)))


@bp.get(f"{PREFIX}/metrics/expanded")
def expanded_metrics(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    kind = request.args.get("type")
    kind = ALIASES.get(kind, kind)
    if kind not in METRICS:
        raise bad_request(f"'type' must be one of {', '.join(METRICS)}.")
    limit, offset = args.limit_offset(request.args)
    return jsonify(expanded.query(get_read_snapshot(), q, website, kind, limit, offset,
                                  params.search_text(request.args)))


@bp.get(f"{PREFIX}/export")
def export_tables(website_key):
    website = website_for_read(website_key)
    start, end = params.time_range(request.args, "startAt", "endAt")
    q = args.Query(website["website_id"], start, end)  # filters do not apply, as in Umami
    return jsonify(export.query(get_read_snapshot(), q, website))


@bp.get(f"{PREFIX}/daterange")
def date_range(website_key):
    return jsonify(hits.date_range(get_read_snapshot(), website_for_read(website_key)))


@bp.get(f"{PREFIX}/event-data")
def event_data_list(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    page, size = _paging()
    return jsonify(hits.event_data_list(get_read_snapshot(), q, website, page, size))


@bp.get(f"{PREFIX}/event-data/fields")
def event_data_fields(website_key):
    website = website_for_read(website_key)
    return jsonify(hits.event_data_fields(get_read_snapshot(), args.query(request.args, website)))


@bp.get(f"{PREFIX}/event-data/stats")
def event_data_stats(website_key):
    website = website_for_read(website_key)
    return jsonify(hits.event_data_stats(get_read_snapshot(), args.query(request.args, website)))


@bp.get(f"{PREFIX}/event-data/<event_key>")
def event_data_of(website_key, event_key):
    website = website_for_read(website_key)
    found = hit_from_uuid(website["website_uuid"], event_key)
    if found is None or found[0] != "event":
        return jsonify([])  # as the current API answers an unknown event
    return jsonify(hits.event_data_of(get_read_snapshot(), website, found[1]))
