"""Metric `event`: events per `event_type:event_value`."""
from .counts import key_counts, ranked, summarized


def query(db, q, website):
    """Returns [{x: "type:value", y: events}] by y desc, then x (rollups where possible)."""
    found = summarized(db, q)
    if found is None:
        return raw_query(db, q, website)
    totals = {}
    for (event_type, value, _), count in key_counts(db, q, "event", *found).items():
        x = f"{event_type}:{value}"
        totals[x] = totals.get(x, 0) + count
    return ranked(totals)


def raw_query(db, q, website):
    """Returns the same as query(), computed from raw rows only (any filters)."""
    where, params = q.where("event", "e")
    rows = db.execute(
        f"SELECT e.event_type || ':' || e.event_value AS x, count(*) AS y FROM event e"
        f" WHERE {where} GROUP BY x ORDER BY y DESC, x", params)
    return [{"x": x, "y": y} for x, y in rows]
