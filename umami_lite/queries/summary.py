"""/stats: Umami v1's summary over (session, UTC clock hour) groups of pageviews."""
from ..rollups import read as rr
from ..rollups.read import done_hour


def query(db, q):
    """Returns {pageviews, uniques, bounces, totaltime} as integers (0 when empty).

    Summarized hours come from rollups, the rest from raw rows (see rollup_read); other
    filters than one url read raw rows only.
    """
    done, scope = done_hour(db, q.website_id), rr.scope(db, q)
    if scope is None or done is None:
        return raw_query(db, q)
    url_key, url = scope
    part = rr.cover(done, q.start, q.end)
    rows = rr.time_rows(db, q.website_id, part.summaries, url_key)
    found = rr.pick(rows, part.summaries)
    views = sum(row[0] for row in found)
    bounces = sum(row[1] for row in found)
    totaltime = sum(row[2] for row in found)
    extra = set()
    if part.raw:
        where, params = rr.raw_where(part.raw)
        extra_sql, extra_params = rr.url_clause(url)
        for session_id, count, seconds in db.execute(
                "SELECT session_id, count(*), (max(created_at) - min(created_at)) / 1000"
                f" FROM pageview WHERE website_id = ? AND {where}{extra_sql}"
                " GROUP BY session_id, created_at / 3600000",
                [q.website_id, *params, *extra_params]):
            views, bounces, totaltime = views + count, bounces + (count == 1), totaltime + seconds
            extra.add(session_id)
    uniques = len(rr.union([row[3] for row in found], extra))
    return {"pageviews": views, "uniques": uniques, "bounces": bounces, "totaltime": totaltime}


def raw_query(db, q):
    """Returns the same as query(), computed from raw rows only (any filters).

    A group is one session's pageviews inside one UTC clock hour of the range; a bounce
    is a group of one; totaltime sums floor(seconds from first to last view) per group.
    """
    where, params = q.where()
    row = db.execute(
        "SELECT coalesce(sum(c), 0), count(DISTINCT session_id), coalesce(sum(c = 1), 0),"
        " coalesce(sum(t), 0) FROM ("
        "  SELECT p.session_id, count(*) AS c,"
        "         (max(p.created_at) - min(p.created_at)) / 1000 AS t"
        f" FROM pageview p WHERE {where}"
        "  GROUP BY p.session_id, p.created_at / 3600000)", params).fetchone()
    return {"pageviews": row[0], "uniques": row[1], "bounces": row[2], "totaltime": row[3]}
