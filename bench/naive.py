"""The naive baseline: Umami v1's dashboard queries translated to SQLite over raw rows.

These are the `raw_query` functions the app keeps beside each fast query (they also serve
filtered queries and are the oracle of tests/rollups/test_rollups.py): one SQL statement over the
pageview / event / session rows of the range, as Umami v1 ran on PostgreSQL.
"""
from umami_lite.queries.metrics import METRICS, event, referrer, url
from umami_lite.queries import events, pageviews, summary


def metric(kind):
    """Returns the raw-row function of one /metrics type."""
    modules = {"url": url, "referrer": referrer, "event": event}
    if kind in modules:
        return modules[kind].raw_query
    return METRICS[kind].raw_query


QUERIES = {
    "stats": lambda db, q, website, unit, tz: summary.raw_query(db, q),
    "pageviews": lambda db, q, website, unit, tz: pageviews.raw_query(db, q, unit, tz),
    "events": lambda db, q, website, unit, tz: events.raw_query(db, q, unit, tz),
}
