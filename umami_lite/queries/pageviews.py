"""/pageviews: pageviews and distinct sessions per local time bucket."""
import json

from ..rollups import read as rr
from ..rollups.read import done_hour
from ..storage.timezones import UNIT_FORMATS, local_bucket_sql


def query(db, q, unit, tz, formats=UNIT_FORMATS):
    """Returns {pageviews: [{t, y}], sessions: [{t, y}]} ordered by t; empty buckets left out.

    Summarized hours come from rollups, the rest from raw rows; minute buckets and
    filters other than one url read raw rows only.
    """
    done, scope = done_hour(db, q.website_id), rr.scope(db, q)
    if scope is None or done is None or unit == "minute":
        return raw_query(db, q, unit, tz, formats)
    url_key, url = scope
    covers = rr.bucket_covers(done, unit, tz, q.start, q.end, formats)
    rows = rr.time_rows(db, q.website_id, [r for c in covers.values() for r in c.summaries],
                        url_key)
    views, sessions = {}, {}
    for label, part in covers.items():
        found = rr.pick(rows, part.summaries)
        views[label] = sum(row[0] for row in found)
        sessions[label] = [row[3] for row in found]
    extra_sql, extra_params = rr.url_clause(url)
    result = {"pageviews": [], "sessions": []}
    for label in sorted(covers):
        total, extra = views[label], []
        for a, b in covers[label].raw:   # the interval is the bucket's: no local-time SQL
            count, ids = db.execute(
                "SELECT count(*), json_group_array(DISTINCT session_id) FROM pageview"
                f" WHERE website_id = ? AND created_at BETWEEN ? AND ?{extra_sql}",
                [q.website_id, a, b, *extra_params]).fetchone()
            total += count
            extra += json.loads(ids)
        if total:
            result["pageviews"].append({"t": label, "y": total})
            result["sessions"].append({"t": label, "y": len(rr.union(sessions[label], extra))})
    return result


def raw_query(db, q, unit, tz, formats=UNIT_FORMATS):
    """Returns the same as query(), computed from raw rows only (any filters)."""
    bucket, bucket_params = local_bucket_sql("p.created_at", unit, tz, q.start, q.end, formats)
    where, params = q.where()
    rows = db.execute(
        f"SELECT {bucket} AS t, count(*), count(DISTINCT p.session_id) FROM pageview p"
        f" WHERE {where} GROUP BY t ORDER BY t", [*bucket_params, *params]).fetchall()
    return {"pageviews": [{"t": t, "y": views} for t, views, _ in rows],
            "sessions": [{"t": t, "y": sessions} for t, _, sessions in rows]}
