"""/pageviews: pageviews and distinct sessions per local time bucket."""
from ..timezones import local_bucket_sql


def query(db, q, unit, tz):
    """Returns {pageviews: [{t, y}], sessions: [{t, y}]} ordered by t; empty buckets left out."""
    bucket, bucket_params = local_bucket_sql("p.created_at", unit, tz, q.start, q.end)
    where, params = q.where()
    rows = db.execute(
        f"SELECT {bucket} AS t, count(*), count(DISTINCT p.session_id) FROM pageview p"
        f" WHERE {where} GROUP BY t ORDER BY t", [*bucket_params, *params]).fetchall()
    return {"pageviews": [{"t": t, "y": views} for t, views, _ in rows],
            "sessions": [{"t": t, "y": sessions} for t, _, sessions in rows]}
