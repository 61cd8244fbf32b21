"""/pageviews and /events/series: counts per time bucket, labelled in the asked style.

Without filters both read the hourly summaries through the v1 readers (same counts:
pageviews and distinct sessions per bucket, events per name and bucket), with the current
API's labels. Under filters on session columns only, both read the spans' per-session
tallies and event tallies (rollups/tallies.py) of the sessions the filters select; other
filtered queries read raw rows (raw_pageviews, raw_events).
"""
import numpy as np

from .. import events as v1_events
from .. import pageviews as v1_pageviews
from ...rollups import read as rr
from ...rollups import tallies
from ...storage.timezones import local_bucket_sql
from . import event_counts, rows


def pageviews(db, q, unit, zone, labels):
    """Returns {pageviews: [{x, y}], sessions: [{x, y}]} ordered by x; no empty buckets."""
    if q.filters:
        within = rows.selected_sessions(db, q)
        done = rr.done_hour(db, q.website_id)
        if within is None or done is None or unit == "minute":
            return raw_pageviews(db, q, unit, zone, labels)
        return _selected_pageviews(db, q.narrowed(db, "pageview"), unit, zone, labels, done,
                                   within)
    q = q.narrowed(db, "pageview")  # the zone is probed over the rows' span, not 0..year 9999
    body = v1_pageviews.query(db, q, unit, zone, labels)
    return {name: [{"x": p["t"], "y": p["y"]} for p in points] for name, points in body.items()}


def _selected_pageviews(db, q, unit, zone, labels, done, within):
    """Returns pageviews() counting the sessions within (sorted ids) only: per bucket, their
    tallies in its summarized spans and their raw rows in the rest."""
    covers = rr.bucket_covers(done, unit, zone, q.start, q.end, labels)
    within = tallies.lookup(within)
    found = tallies.fetch(db, q.website_id, [r for c in covers.values() for r in c.summaries])
    found = {span: tallies.of_sessions(every, within) for span, every in found.items()}
    result = {"pageviews": [], "sessions": []}
    seen = np.zeros(len(within), bool)   # a bucket's sessions, for their count
    for label in sorted(covers):
        chosen = tallies.picked(found, covers[label].summaries)
        views, sessions = int(chosen["views"].sum()), [chosen["session"]]
        for a, b in covers[label].raw:   # the interval is the bucket's: no local-time SQL
            counted = db.execute(
                "SELECT session_id, count(*) FROM pageview WHERE website_id = ?"
                " AND created_at BETWEEN ? AND ? GROUP BY session_id",
                (q.website_id, a, b)).fetchall()
            if counted:
                ids, counts = (np.array(c, np.int64) for c in zip(*counted))
                kept = tallies.members(ids, within)
                views += int(counts[kept].sum())
                sessions.append(ids[kept])
        if views:
            seen[:] = False
            for ids in sessions:
                seen[ids] = True
            result["pageviews"].append({"x": label, "y": views})
            result["sessions"].append({"x": label, "y": int(np.count_nonzero(seen))})
    return result


def raw_pageviews(db, q, unit, zone, labels):
    """Returns the same as pageviews() from raw rows only (any filters)."""
    table, _ = rows.source(q)
    q = q.narrowed(db, table)
    _, alias, where, params = rows.where(q)
    bucket, bucket_params = local_bucket_sql(f"{alias}.created_at", unit, zone, q.start, q.end,
                                             labels)
    result = db.execute(
        f"SELECT {bucket} AS x, count(*), count(DISTINCT {alias}.session_id)"
        f" FROM {table} {alias} WHERE {where} GROUP BY x ORDER BY x",
        [*bucket_params, *params]).fetchall()
    return {"pageviews": [{"x": x, "y": views} for x, views, _ in result],
            "sessions": [{"x": x, "y": sessions} for x, _, sessions in result]}


def events(db, q, unit, zone, labels):
    """Returns [{x: event name, t: bucket, y: count}] ordered by t, then x (v1 events too)."""
    if q.filters:
        within = rows.selected_sessions(db, q)
        done = rr.done_hour(db, q.website_id)
        if within is None or done is None or unit == "minute":
            return raw_events(db, q, unit, zone, labels)
        return _selected_events(db, q.narrowed(db, "event"), unit, zone, labels, done, within)
    return v1_events.query(db, q.narrowed(db, "event"), unit, zone, labels)


def _selected_events(db, q, unit, zone, labels, done, within):
    """Returns events() counting the sessions within (sorted ids) only: per bucket, their
    event tallies in its summarized spans and their raw events in the rest."""
    covers = rr.bucket_covers(done, unit, zone, q.start, q.end, labels)
    within = tallies.lookup(within)
    found = tallies.fetch(db, q.website_id, [r for c in covers.values() for r in c.summaries],
                          tallies.EVENTS)
    found = {span: tallies.of_sessions(every, within) for span, every in found.items()}
    cells = []
    for label, part in covers.items():
        totals = event_counts.raw_counts(db, q.website_id, part.raw, within)
        chosen = tallies.picked(found, part.summaries, tallies.EVENTS)
        for name, count in event_counts.by_name(db, q.website_id, chosen, totals).items():
            cells.append({"x": name, "t": label, "y": count})
    return sorted(cells, key=lambda cell: (cell["t"], cell["x"]))


def raw_events(db, q, unit, zone, labels):
    """Returns the same as events() from raw rows only (any filters)."""
    q = q.narrowed(db, "event")
    bucket, bucket_params = local_bucket_sql("e.created_at", unit, zone, q.start, q.end, labels)
    where, params = q.where("event", "e")
    result = db.execute(
        f"SELECT e.event_value AS x, {bucket} AS t, count(*) FROM event e"
        f" WHERE {where} GROUP BY x, t ORDER BY t, x",
        [*bucket_params, *params])
    return [{"x": x, "t": t, "y": y} for x, t, y in result]
