"""/pageviews: pageviews and distinct sessions per local time bucket."""
from .. import rollup_read as rr
from ..rollups import done_hour
from ..timezones import local_bucket_sql


def query(db, q, unit, tz):
    """Returns {pageviews: [{t, y}], sessions: [{t, y}]} ordered by t; empty buckets left out.

    Summarized hours come from rollups, the rest from raw rows; minute buckets and
    filters other than one url read raw rows only.
    """
    done, scope = done_hour(db, q.website_id), rr.scope(db, q)
    if scope is None or done is None or unit == "minute":
        return raw_query(db, q, unit, tz)
    url_key, url = scope
    covers = rr.bucket_covers(done, unit, tz, q.start, q.end, url_key == 0)
    rows = rr.time_rows(db, q.website_id, [r for c in covers.values() for r in c.summaries],
                        url_key)
    views, sessions = {}, {}
    for label, part in covers.items():
        found = [rows[key] for key in rr.keys_in(part.summaries) if key in rows]
        views[label] = sum(row[0] for row in found)
        sessions[label] = [row[3] for row in found]
    raw = _raw_buckets(db, q, unit, tz, [r for c in covers.values() for r in c.raw], url)
    result = {"pageviews": [], "sessions": []}
    for label in sorted(set(views) | set(raw)):
        count, extra = raw.get(label, (0, ()))
        total = views.get(label, 0) + count
        if total:
            result["pageviews"].append({"t": label, "y": total})
            result["sessions"].append(
                {"t": label, "y": len(rr.union(sessions.get(label, []), extra))})
    return result


def _raw_buckets(db, q, unit, tz, intervals, url):
    """Returns {label: (pageviews, session ids)} of the raw rows in intervals."""
    if not intervals:
        return {}
    bucket, bucket_params = local_bucket_sql("created_at", unit, tz, q.start, q.end)
    where, params = rr.raw_where(intervals)
    extra_sql, extra_params = rr.url_clause(url)
    found = {}
    for label, session_id, count in db.execute(
            f"SELECT {bucket} AS t, session_id, count(*) FROM pageview"
            f" WHERE website_id = ? AND {where}{extra_sql} GROUP BY t, session_id",
            [*bucket_params, q.website_id, *params, *extra_params]):
        total, ids = found.setdefault(label, [0, set()])
        found[label][0] = total + count
        ids.add(session_id)
    return {label: tuple(value) for label, value in found.items()}


def raw_query(db, q, unit, tz):
    """Returns the same as query(), computed from raw rows only (any filters)."""
    bucket, bucket_params = local_bucket_sql("p.created_at", unit, tz, q.start, q.end)
    where, params = q.where()
    rows = db.execute(
        f"SELECT {bucket} AS t, count(*), count(DISTINCT p.session_id) FROM pageview p"
        f" WHERE {where} GROUP BY t ORDER BY t", [*bucket_params, *params]).fetchall()
    return {"pageviews": [{"t": t, "y": views} for t, views, _ in rows],
            "sessions": [{"t": t, "y": sessions} for t, _, sessions in rows]}
