"""Current-API analytics under /api/websites/<uuid>/ and /api/realtime/<uuid>.

Each view: access check (owner, admin or the website's share token) -> parameters ->
one query module -> JSON. Unknown parameter values are 400s naming the parameter.
"""
from flask import Blueprint, jsonify, request

from . import params
from .auth import website_for_read
from ..clock import now_ms
from ..storage.connection import get_read_snapshot
from ..errors import bad_request
from ..timefmt import iso
from . import current_params as args
from ..queries.current import active, event_data, metrics, realtime, series, stats

bp = Blueprint("v2_analytics", __name__)
PREFIX = "/api/websites/<website_key>"


@bp.get(f"{PREFIX}/stats")
def website_stats(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    mode = args.compare_mode(request.args, default="prev")
    db = get_read_snapshot()
    return jsonify({**stats.query(db, q), "comparison": stats.query(db, args.compared(q, mode))})


@bp.get(f"{PREFIX}/pageviews")
def pageview_series(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    unit = args.unit(request.args, q.start, q.end)
    zone, labels = args.zone_and_labels(request.args)
    mode = args.compare_mode(request.args)
    db = get_read_snapshot()
    body = series.pageviews(db, q, unit, zone, labels)
    if mode:
        before = args.compared(q, mode)
        body.update(startDate=iso(q.start), endDate=iso(q.end), compare={
            **series.pageviews(db, before, unit, zone, labels),
            "startDate": iso(before.start), "endDate": iso(before.end)})
    return jsonify(body)


@bp.get(f"{PREFIX}/metrics")
def website_metrics(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    kind = request.args.get("type")
    kind = metrics.ALIASES.get(kind, kind)
    if kind not in metrics.METRICS:
        raise bad_request(f"'type' must be one of {', '.join(metrics.METRICS)}.")
    limit, offset = args.limit_offset(request.args)
    return jsonify(metrics.query(get_read_snapshot(), q, website, kind, limit, offset,
                                 params.search_text(request.args)))


@bp.get(f"{PREFIX}/events/series")
def event_series(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    unit = args.unit(request.args, q.start, q.end)
    zone, labels = args.zone_and_labels(request.args)
    return jsonify(series.events(get_read_snapshot(), q, unit, zone, labels))


@bp.get(f"{PREFIX}/active")
def active_visitors(website_key):
    website = website_for_read(website_key)
    visitors = active.visitors(get_read_snapshot(), website["website_id"], now_ms())
    return jsonify({"visitors": visitors})


@bp.get(f"{PREFIX}/event-data/events")
def event_data_events(website_key):
    website = website_for_read(website_key)
    return jsonify(event_data.events(get_read_snapshot(), args.query(request.args, website)))


@bp.get(f"{PREFIX}/event-data/properties")
def event_data_properties(website_key):
    website = website_for_read(website_key)
    return jsonify(event_data.properties(get_read_snapshot(), args.query(request.args, website)))


@bp.get(f"{PREFIX}/event-data/values")
def event_data_values(website_key):
    website = website_for_read(website_key)
    q = args.query(request.args, website)
    names = [request.args.get(n) for n in ("event", "propertyName")]
    for name, value in zip(("event", "propertyName"), names):
        if not value:
            raise bad_request(f"'{name}' is required.")
    return jsonify(event_data.values(get_read_snapshot(), q, *names))


@bp.get("/api/realtime/<website_key>")
def realtime_view(website_key):
    website = website_for_read(website_key)
    return jsonify(realtime.query(get_read_snapshot(), website, now_ms()))
