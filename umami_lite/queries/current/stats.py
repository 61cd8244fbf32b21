"""/stats: the current API's summary over visits, i.e. (session_id, visit_id) groups."""
from ...rollups import pieces
from ...rollups import read as rr
from ...rollups.read import done_hour
from . import rows


def query(db, q):
    """Returns {pageviews, visitors, visits, bounces, totaltime} as integers (0 when empty).

    Without filters: summaries for the summarized hours of the range (pageviews and the
    sessions from the hourly summaries, visits from the visit summaries: their totals,
    and the pieces of the visits that cross a span, merged by visit with the raw rows of
    the rest); with filters, raw rows only.
    """
    done = done_hour(db, q.website_id)
    if q.filters or done is None:
        return raw_query(db, q)
    part = rr.cover(done, q.start, q.end)
    found = rr.pick(rr.time_rows(db, q.website_id, part.summaries), part.summaries)
    views = sum(row[0] for row in found)
    summaries = rr.visit_rows(db, q.website_id, part.summaries)
    visits = sum(row[0] for row in summaries)
    bounces = sum(row[1] for row in summaries)
    totaltime = sum(row[2] for row in summaries)
    parts = [row[3] for row in summaries]
    extra = []
    if part.raw:
        raw = _raw_pieces(db, q.website_id, part.raw)
        views += int(raw["views"].sum())
        extra = raw["session"].tolist()
        parts.append(raw)
    more = pieces.totals(pieces.merged(parts))
    return {"pageviews": views, "visitors": len(rr.union([row[3] for row in found], extra)),
            "visits": visits + more[0], "bounces": bounces + more[1],
            "totaltime": totaltime + more[2]}


def _raw_pieces(db, website_id, intervals):
    """Returns the visits' rows inside the raw intervals as pieces (no paths)."""
    where, params = rr.raw_where(intervals)
    found = db.execute(
        "SELECT session_id, visit_id, count(*), min(created_at), max(created_at)"
        f" FROM pageview WHERE website_id = ? AND {where} GROUP BY session_id, visit_id",
        [website_id, *params]).fetchall()
    return pieces.from_rows(found)


def raw_query(db, q):
    """Returns the same as query(), computed from raw rows only (any filters).

    pageviews = rows, visitors = distinct sessions, visits = groups, bounces = groups of
    one row, totaltime = sum over groups of floor(seconds from first to last row).
    """
    table, alias, where, params = rows.where(q)
    row = db.execute(
        "SELECT coalesce(sum(c), 0), count(DISTINCT session_id), count(*),"
        " coalesce(sum(c = 1), 0), coalesce(sum(t), 0) FROM ("
        f" SELECT {alias}.session_id, count(*) AS c,"
        f"        (max({alias}.created_at) - min({alias}.created_at)) / 1000 AS t"
        f" FROM {table} {alias} WHERE {where}"
        f" GROUP BY {alias}.session_id, {alias}.visit_id)", params).fetchone()
    return {"pageviews": row[0], "visitors": row[1], "visits": row[2], "bounces": row[3],
            "totaltime": row[4]}
