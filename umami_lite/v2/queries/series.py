"""/pageviews and /events/series: counts per time bucket, labelled in the asked style."""
from ...timezones import local_bucket_sql
from . import rows


def pageviews(db, q, unit, zone, labels):
    """Returns {pageviews: [{x, y}], sessions: [{x, y}]} ordered by x; no empty buckets."""
    table, _ = rows.source(q)
    q = q.narrowed(db, table)  # the zone is probed over the rows' span, not 0..year 9999
    _, alias, where, params = rows.where(q)
    bucket, bucket_params = local_bucket_sql(f"{alias}.created_at", unit, zone, q.start, q.end,
                                             labels)
    result = db.execute(
        f"SELECT {bucket} AS x, count(*), count(DISTINCT {alias}.session_id)"
        f" FROM {table} {alias} WHERE {where} GROUP BY x ORDER BY x",
        [*bucket_params, *params]).fetchall()
    return {"pageviews": [{"x": x, "y": views} for x, views, _ in result],
            "sessions": [{"x": x, "y": sessions} for x, _, sessions in result]}


def events(db, q, unit, zone, labels):
    """Returns [{x: event name, t: bucket, y: count}] ordered by t, then x (v1 events too)."""
    q = q.narrowed(db, "event")
    bucket, bucket_params = local_bucket_sql("e.created_at", unit, zone, q.start, q.end, labels)
    where, params = q.where("event", "e")
    result = db.execute(
        f"SELECT e.event_value AS x, {bucket} AS t, count(*) FROM event e"
        f" WHERE {where} GROUP BY x, t ORDER BY t, x",
        [*bucket_params, *params])
    return [{"x": x, "t": t, "y": y} for x, t, y in result]
