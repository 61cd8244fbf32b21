"""Metrics over session attributes: sessions with a matching pageview in the range."""

COLUMNS = ("browser", "os", "device", "country", "language", "screen")


def counter(column):
    """Returns the query function for one session column (column from COLUMNS only)."""
    if column not in COLUMNS:
        raise ValueError(column)

    def query(db, q, website):
        """Returns [{x: value, y: sessions}] by y desc, then x; null values left out."""
        where, params = q.where()
        rows = db.execute(
            f"SELECT s.{column} AS x, count(*) AS y FROM session s"
            f" WHERE s.session_id IN (SELECT p.session_id FROM pageview p WHERE {where})"
            f" AND s.{column} IS NOT NULL GROUP BY x ORDER BY y DESC, x", params)
        return [{"x": x, "y": y} for x, y in rows]

    query.__name__ = f"{column}_query"
    return query
