"""revenue: the `revenue` (number > 0) and `currency` properties of custom events."""
from collections import defaultdict

from ....storage.timezones import local_bucket_sql
from .channels import channel
from .hits import hits


def _revenue_rows(db, q, currency):
    """Returns the revenue events in range passing the filters: (event_id, session, name,
    created_at, revenue), their currency upper-cased equal to currency (upper-cased)."""
    events, params = hits(q, (2,))
    return (
        f"SELECT h.event_id, h.session_id, h.name, h.created_at, r.number_value AS revenue"
        f" FROM ({events}) h"
        " JOIN event_data r ON r.event_id = h.event_id AND r.data_key = 'revenue'"
        "  AND r.data_type = 'number' AND r.number_value > 0"
        " JOIN event_data c ON c.event_id = h.event_id AND c.data_key = 'currency'"
        "  AND c.data_type = 'string' AND upper(c.string_value) = upper(?)", [*params, currency])


def _total(db, q, currency):
    rows, params = _revenue_rows(db, q, currency)
    total, count, sessions = db.execute(
        f"SELECT sum(revenue), count(DISTINCT event_id), count(DISTINCT session_id)"
        f" FROM ({rows})", params).fetchone()
    every, every_params = hits(q, filtered=False)
    all_sessions = db.execute(f"SELECT count(DISTINCT session_id) FROM ({every})",
                              every_params).fetchone()[0]
    return {"sum": total, "count": count, "unique_count": sessions,
            "total_sessions": all_sessions, "average": total / count if count else 0,
            "arpu": (total or 0) / all_sessions if all_sessions else 0}


def _ranked(sums, key="name"):
    return [{key: name, "value": value}
            for name, value in sorted(sums.items(), key=lambda p: (-p[1], p[0] or ""))]


def _first_hits(db, q, revenue_rows):
    """Returns {session: (referrer_domain, channel)} of the first hit in range (any kind,
    unfiltered; a view before an event at the same instant) of each session with revenue;
    revenue_rows is (sql, params) of _revenue_rows()."""
    source, params = hits(q, filtered=False)
    rows_sql, rows_params = revenue_rows
    first = {}
    for row in db.execute(
            f"SELECT h.*, s.hostname FROM ({source}) h JOIN session s"
            f" ON s.session_id = h.session_id WHERE h.session_id IN"
            f" (SELECT session_id FROM ({rows_sql})) ORDER BY h.created_at, h.kind",
            [*params, *rows_params]):
        session = row["session_id"]
        if session not in first:
            first[session] = (row["referrer_domain"], channel(
                row["referrer_domain"], row["url_query"], row["utm_medium"],
                row["utm_source"], row["hostname"]))
    return first


def query(db, q, compared_q, currency, unit, zone, labels):
    """Returns {chart, total (with comparison), country, region, referrer, channel}."""
    rows, params = _revenue_rows(db, q, currency)
    span = q.narrowed(db, "event")  # the zone is probed over the events' span only
    bucket, bucket_params = local_bucket_sql("created_at", unit, zone, span.start, span.end,
                                             labels)
    chart = [{"x": x, "t": t, "y": y, "count": count} for x, t, y, count in db.execute(
        f"SELECT name AS x, {bucket} AS t, sum(revenue), count(*) FROM ({rows})"
        " GROUP BY x, t ORDER BY t, x", [*bucket_params, *params])]
    per_session = defaultdict(float)
    for session, value in db.execute(
            f"SELECT session_id, sum(revenue) FROM ({rows}) GROUP BY session_id", params):
        per_session[session] = value
    country, region = defaultdict(float), defaultdict(float)
    for session, code in db.execute(
            "SELECT session_id, country FROM session WHERE session_id IN"
            f" (SELECT session_id FROM ({rows}))", params):
        country[code] += per_session[session]
        region[code, None] += per_session[session]  # umami-lite stores no region
    referrer, channels = defaultdict(float), defaultdict(float)
    first_hits = _first_hits(db, q, (rows, params)) if per_session else {}
    for session, (domain, name) in first_hits.items():
        referrer[domain] += per_session[session]
        channels[name] += per_session[session]
    total = _total(db, q, currency)
    total["comparison"] = _total(db, compared_q, currency)
    return {"chart": chart, "total": total, "country": _ranked(country),
            "region": [{"country": c, "name": r, "value": v} for (c, r), v in
                       sorted(region.items(), key=lambda p: (-p[1], p[0][0] or ""))],
            "referrer": _ranked(referrer), "channel": _ranked(channels)}
