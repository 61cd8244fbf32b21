"""Events per name of chosen sessions: from event tallies (rollups/tallies.py) and raw rows,
for events/series and the event metric under filters on session columns."""
import numpy as np

from ...rollups import read as rr
from ...rollups import tallies


def by_name(db, website_id, found, totals=None):
    """Returns {event name: count} of event tallies found, added to totals."""
    totals = {} if totals is None else totals
    if not len(found):
        return totals
    keys, inverse = np.unique(found["key"], return_inverse=True)
    counts = np.bincount(inverse, weights=found["count"]).astype(np.int64)
    texts = rr.key_texts(db, website_id, "event", keys.tolist())
    for key, count in zip(keys.tolist(), counts.tolist()):
        name = texts[key][1]
        totals[name] = totals.get(name, 0) + count
    return totals


def raw_counts(db, website_id, intervals, within):
    """Returns {event name: count} of the raw events in the [a, b] intervals of the
    sessions the tallies.lookup() table within holds."""
    totals = {}
    if not intervals:
        return totals
    where, params = rr.raw_where(intervals)
    rows = db.execute("SELECT event_value, session_id, count(*) FROM event WHERE website_id = ?"
                      f" AND {where} GROUP BY event_value, session_id",
                      [website_id, *params]).fetchall()
    if not rows:
        return totals
    kept = tallies.members(np.array([row[1] for row in rows], np.int64), within)
    for (name, _, count), keep in zip(rows, kept.tolist()):
        if keep:
            totals[name] = totals.get(name, 0) + count
    return totals
