"""Metric `url`: pageviews per stored url."""
from .counts import key_counts, ranked, summarized


def query(db, q, website):
    """Returns [{x: url, y: pageviews}] by y desc, then x (rollups where possible)."""
    found = summarized(db, q)
    if found is None:
        return raw_query(db, q, website)
    return ranked({a: count for (a, _, _), count in key_counts(db, q, "url", *found).items()})


def raw_query(db, q, website):
    """Returns the same as query(), computed from raw rows only (any filters)."""
    where, params = q.where()
    rows = db.execute(
        f"SELECT p.url AS x, count(*) AS y FROM pageview p WHERE {where}"
        " GROUP BY p.url ORDER BY y DESC, x", params)
    return [{"x": x, "y": y} for x, y in rows]
