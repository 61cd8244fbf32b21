"""Metric `url`: pageviews per stored url."""


def query(db, q, website):
    """Returns [{x: url, y: pageviews}] by y desc, then x."""
    where, params = q.where()
    rows = db.execute(
        f"SELECT p.url AS x, count(*) AS y FROM pageview p WHERE {where}"
        " GROUP BY p.url ORDER BY y DESC, x", params)
    return [{"x": x, "y": y} for x, y in rows]
