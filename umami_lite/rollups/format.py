"""The rollup tables' format: spans, kinds, the count queries and how counts are packed.

Shared by the summaries' writer (build.py) and their reader (read.py).
"""
from array import array

import numpy as np

from ..storage.sites import ROLLUP_TABLES

HOUR_MS = 3_600_000
DAY_HOURS = 24
WEEK_HOURS = 7 * DAY_HOURS
SPANS = (1, DAY_HOURS, WEEK_HOURS)  # each level is summed from the one before
COUNT_KINDS = ("url", "referrer", "event")
KIND_CODES = {"url": 1, "referrer": 2, "event": 3}  # rollup_count.kind: an int is 1 byte
ATTRS = ("browser", "os", "device", "country", "language", "screen")
TABLES = ROLLUP_TABLES

# kind -> SQL giving (a, b, c, count) per key for one website and time range; {url} is
# "" or " AND url = ?" (the url filter; the session table has no url column)
COUNT_SQL = {
    "url": "SELECT url, '', '', count(*) FROM pageview"
           " WHERE website_id = ? AND created_at BETWEEN ? AND ?{url} GROUP BY url",
    "referrer": "SELECT p.referrer, p.referrer_domain, coalesce(s.hostname, ''), count(*)"
                " FROM pageview p JOIN session s ON s.session_id = p.session_id"
                " WHERE p.website_id = ? AND p.created_at BETWEEN ? AND ?{url}"
                " AND p.referrer_domain IS NOT NULL GROUP BY 1, 2, 3",
    "event": "SELECT event_type, event_value, '', count(*) FROM event"
             " WHERE website_id = ? AND created_at BETWEEN ? AND ?{url} GROUP BY 1, 2",
}


def pack(values):
    """Returns integers as rollup_count stores them: one value as itself (an INTEGER, a few
    bytes less than a blob; most per-url hours hold one key), more as an int32 array's bytes.
    """
    return values[0] if len(values) == 1 else array("i", values).tobytes()


def unpack(value):
    """Returns the int32 numpy array stored by pack()."""
    if isinstance(value, int):
        return np.array([value], dtype=np.int32)
    return np.frombuffer(value, dtype=np.int32)
