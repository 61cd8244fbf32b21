"""/events: events per event value and local time bucket."""
from ..timezones import local_bucket_sql


def query(db, q, unit, tz):
    """Returns [{x: event_value, t, y}] ordered by t, then x."""
    bucket, bucket_params = local_bucket_sql("e.created_at", unit, tz, q.start, q.end)
    where, params = q.where("event", "e")
    rows = db.execute(
        f"SELECT e.event_value AS x, {bucket} AS t, count(*) FROM event e WHERE {where}"
        " GROUP BY x, t ORDER BY t, x", [*bucket_params, *params])
    return [{"x": x, "t": t, "y": y} for x, t, y in rows]
