"""goal: sessions that reached a page (views by path) or a custom event, out of all."""
from .hits import KINDS, hits, match_sql


def query(db, q, kinds, goal_type, value):
    """Returns {num, total}: num = distinct sessions with a view (goal_type path) or an event
    (any other goal_type) matching value in range and passing the filters; total = distinct
    sessions with any hit in range passing them. The eventType filter (kinds) applies to
    neither: the goal's type replaces it for num, and total counts every kind."""
    del kinds  # see the docstring: overridden by the goal's type, ignored for total
    kind, column = (1, "h.url_path") if goal_type == "path" else (2, "h.name")
    goal_hits, params = hits(q, (kind,))
    test, test_params = match_sql(column, value)
    num = db.execute(f"SELECT count(DISTINCT h.session_id) FROM ({goal_hits}) h WHERE {test}",
                     [*params, *test_params]).fetchone()[0]
    every, every_params = hits(q, KINDS)
    total = db.execute(f"SELECT count(DISTINCT session_id) FROM ({every})",
                       every_params).fetchone()[0]
    return {"num": num, "total": total}
