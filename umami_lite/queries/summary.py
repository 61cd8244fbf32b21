"""/stats: Umami v1's summary over (session, UTC clock hour) groups of pageviews."""


def query(db, q):
    """Returns {pageviews, uniques, bounces, totaltime} as integers (0 when empty).

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
