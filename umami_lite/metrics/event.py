"""Metric `event`: events per `event_type:event_value`."""


def query(db, q, website):
    """Returns [{x: "type:value", y: events}] by y desc, then x."""
    where, params = q.where("event", "e")
    rows = db.execute(
        f"SELECT e.event_type || ':' || e.event_value AS x, count(*) AS y FROM event e"
        f" WHERE {where} GROUP BY x ORDER BY y DESC, x", params)
    return [{"x": x, "y": y} for x, y in rows]
