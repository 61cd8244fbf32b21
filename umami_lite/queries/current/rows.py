"""Which rows a current-API query counts: pageviews, or custom events under an `event` filter.

As in Umami, filtering by an event name switches the counted rows from page views to
that event's occurrences; every other filter applies to either kind of row.
"""
import numpy as np


def source(q):
    """Returns (table, alias) of the rows q counts."""
    if any(f.name == "event" for f in q.filters):
        return "event", "e"
    return "pageview", "p"


def where(q):
    """Returns (table, alias, where_sql, params) for q's rows."""
    table, alias = source(q)
    sql, params = q.where(table, alias)
    return table, alias, sql, params


def selected_sessions(db, q):
    """Returns the ids (a sorted int64 array) of the sessions q's filters select when every
    filter is on a session column: a row then passes them exactly when its session is one
    of these. None without filters or with any other filter."""
    selected = q.session_sql()
    if selected is None:
        return None
    return np.array(sorted(row[0] for row in db.execute(*selected)), np.int64)
