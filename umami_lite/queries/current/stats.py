"""/stats: the current API's summary over visits, i.e. (session_id, visit_id) groups."""
import numpy as np

from ...rollups import pieces, tallies
from ...rollups import read as rr
from ...rollups.read import done_hour
from . import rows


def query(db, q):
    """Returns {pageviews, visitors, visits, bounces, totaltime} as integers (0 when empty).

    Without filters: summaries for the summarized hours of the range (pageviews and the
    sessions from the hourly summaries, visits from the visit summaries: their totals,
    and the pieces of the visits that cross a span, merged by visit with the raw rows of
    the rest). With filters on session columns only, the same from the spans' per-session
    tallies and pieces of the sessions the filters select; with any other filter, raw rows.
    """
    done = done_hour(db, q.website_id)
    if done is None:
        return raw_query(db, q)
    if q.filters:
        within = rows.selected_sessions(db, q)
        return raw_query(db, q) if within is None else _selected(db, q, done, within)
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


def _selected(db, q, done, within):
    """Returns query()'s answer counting the sessions within (sorted ids) only: their
    tallies in the range's spans, their pieces merged with their raw rows."""
    part = rr.cover(done, q.start, q.end)
    within = tallies.lookup(within)
    found = tallies.of_sessions(tallies.picked(tallies.fetch(db, q.website_id, part.summaries),
                                               part.summaries), within)
    parts = [row[3] for row in rr.visit_rows(db, q.website_id, part.summaries)]
    views, extra = int(found["views"].sum()), np.zeros(0, np.int64)
    if part.raw:
        raw = _raw_pieces(db, q.website_id, part.raw)
        parts.append(raw)
        raw = raw[tallies.members(raw["session"], within)]
        views += int(raw["views"].sum())
        extra = raw["session"]
    more = pieces.totals(pieces.merged([p[tallies.members(p["session"], within)]
                                        for p in parts]))
    return {"pageviews": views,
            "visitors": len(np.unique(np.concatenate([found["session"], extra]))),
            "visits": int(found["visits"].sum()) + more[0],
            "bounces": int(found["bounces"].sum()) + more[1],
            "totaltime": int(found["seconds"].sum()) + more[2]}


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
