"""Stats blueprint: the Umami v1 analytics routes under /api/website/<id>/.

Each view: access check -> parameters -> one query module -> JSON.
"""
from flask import Blueprint, jsonify, request

from . import params
from .auth import website_for_read
from ..clock import now_ms
from ..storage.connection import get_read_snapshot
from ..queries.metrics import METRICS
from ..queries import active, events, pageviews, summary
from ..queries.filters import Filter, Query

bp = Blueprint("stats", __name__, url_prefix="/api/website/<website_key>")


def _query(website):
    start, end = params.time_range(request.args)
    url = request.args.get("url")
    filters = (Filter("url", "eq", (url,)),) if url else ()
    return Query(website["website_id"], start, end, filters)


@bp.get("/stats")
def stats(website_key):
    website = website_for_read(website_key)
    return jsonify(summary.query(get_read_snapshot(), _query(website)))


@bp.get("/pageviews")
def pageview_series(website_key):
    website = website_for_read(website_key)
    q = _query(website)
    unit, tz = params.unit(request.args), params.time_zone(request.args)
    db = get_read_snapshot()
    return jsonify(pageviews.query(db, q.narrowed(db, "pageview"), unit, tz))


@bp.get("/events")
def event_series(website_key):
    website = website_for_read(website_key)
    q = _query(website)
    unit, tz = params.unit(request.args), params.time_zone(request.args)
    db = get_read_snapshot()
    return jsonify(events.query(db, q.narrowed(db, "event"), unit, tz))


@bp.get("/metrics")
def metrics(website_key):
    website = website_for_read(website_key)
    q = _query(website)
    metric = METRICS[params.choice(request.args, "type", tuple(METRICS))]
    return jsonify(metric(get_read_snapshot(), q, website))


@bp.get("/active")
def active_visitors(website_key):
    website = website_for_read(website_key)
    return jsonify([{"x": active.query(get_read_snapshot(), website["website_id"], now_ms())}])
