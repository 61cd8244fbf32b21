"""/stats: the current API's summary over visits, i.e. (session_id, visit_id) groups."""
from . import rows


def query(db, q):
    """Returns {pageviews, visitors, visits, bounces, totaltime} as integers (0 when empty)."""
    return raw_query(db, q)


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
