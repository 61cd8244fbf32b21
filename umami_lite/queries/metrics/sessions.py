"""Metrics over session attributes: sessions with a matching pageview in the range."""
from ...rollups import read as rr
from ...rollups.format import ATTRS, HOUR_MS
from .counts import summarized

COLUMNS = ATTRS


def counter(column):
    """Returns the query function for one session column (column from COLUMNS only)."""
    if column not in COLUMNS:
        raise ValueError(column)

    def query(db, q, website, within=None):
        """Returns [{x: value, y: sessions}] by y desc, then x; null values left out.

        The range's sessions are a union of per-hour bitmaps (plus raw edges); each value's
        count is its intersection with the bitmap of sessions having that value. within (a
        BitMap of session ids), when given, narrows the range's sessions to its own.
        """
        found = summarized(db, q)
        if found is None:   # no summaries yet; with within, the caller has the filters
            return raw_query(db, q, website) if within is None else None
        done, scope = found
        sessions = _range_sessions(db, q, done, scope)
        if within is not None:
            sessions &= within
        counts = {}
        for value, blob in db.execute("SELECT value, sessions FROM rollup_attr"
                                      " WHERE website_id = ? AND attr = ?",
                                      (q.website_id, column)):
            count = sessions.intersection_cardinality(rr.BitMap.deserialize(blob))
            if count:
                counts[value] = count
        # sessions created after the last summarized hour are not in rollup_attr yet
        for session_id, value in db.execute(
                f"SELECT session_id, {column} FROM session WHERE website_id = ?"
                f" AND created_at >= ? AND {column} IS NOT NULL",
                (q.website_id, (done + 1) * HOUR_MS)):
            if session_id in sessions:
                counts[value] = counts.get(value, 0) + 1
        return [{"x": x, "y": y} for x, y in sorted(counts.items(), key=lambda r: (-r[1], r[0]))]

    def raw_query(db, q, website):
        """Returns the same as query(), computed from raw rows only (any filters)."""
        where, params = q.where()
        rows = db.execute(
            f"SELECT s.{column} AS x, count(*) AS y FROM session s"
            f" WHERE s.session_id IN (SELECT p.session_id FROM pageview p WHERE {where})"
            f" AND s.{column} IS NOT NULL GROUP BY x ORDER BY y DESC, x", params)
        return [{"x": x, "y": y} for x, y in rows]

    query.__name__ = f"{column}_query"
    query.raw_query = raw_query
    return query


def _range_sessions(db, q, done, scope):
    """Returns the BitMap of sessions with a pageview in q's range (and url, if any)."""
    url_key, url = scope
    part = rr.cover(done, q.start, q.end)
    rows = rr.time_rows(db, q.website_id, part.summaries, url_key)
    blobs = [row[3] for row in rr.pick(rows, part.summaries)]
    extra = []
    if part.raw:
        where, params = rr.raw_where(part.raw)
        extra_sql, extra_params = rr.url_clause(url)
        extra = [row[0] for row in db.execute(
            f"SELECT DISTINCT session_id FROM pageview WHERE website_id = ? AND {where}"
            f"{extra_sql}", [q.website_id, *params, *extra_params])]
    return rr.union(blobs, extra)
