"""Reading rollups: a time range split into summarized hours, days and weeks plus raw-row edges.

A range [start, end] (epoch ms, inclusive) is served by week summaries for the weeks it
fully covers, day summaries for the other whole UTC days, hour summaries for the other
whole hours, and raw rows for the rest: the partial hours at its ends and the hours after
the website's last summarized hour. Per url, a day or week without a row of the url is
read from the level below instead, down to hours (see rollups.HOT_HOURS). Every part is
disjoint from the others, and stats are additive over UTC hours (Umami's groups are
(session, UTC hour)), so sums of parts are exact; distinct sessions are unions of
the parts' session sets.
"""
import json
import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from pyroaring import BitMap

from . import pieces
from .format import DAY_HOURS, HOUR_MS, KIND_CODES, SPANS, unpack
from ..storage.lists import in_batches
from ..storage.timezones import UNIT_FORMATS, offset_segments

EPOCH = datetime(1970, 1, 1)
# The last local ms a label can show (9999-12-31 23:59:59.999): end_at may be the last UTC
# ms of 9999, which is already year 10000 in zones ahead of UTC.
LAST_LOCAL_MS = (datetime.max - EPOCH) // timedelta(milliseconds=1)
STEP_MS = {"minute": 60_000, "hour": HOUR_MS, "day": DAY_HOURS * HOUR_MS}



def done_hour(db, website_id):
    """Returns the last summarized hour of the website, or None before its first summary."""
    row = db.execute("SELECT done_hour FROM rollup_state WHERE website_id = ?",
                     (website_id,)).fetchone()
    return row[0] if row else None


@dataclass
class Cover:
    """The parts of a range: (span, first_hour, last_hour) summary ranges and raw intervals."""
    summaries: list = field(default_factory=list)
    raw: list = field(default_factory=list)

    def extend(self, other):
        self.summaries += other.summaries
        self.raw += other.raw


def cover(done, start, end):
    """Returns the Cover of [start, end] given the last summarized hour done (or None)."""
    result = Cover()
    first = -(-start // HOUR_MS)                    # first hour starting at or after start
    last = min((end + 1) // HOUR_MS - 1, -1 if done is None else done)
    if first > last:
        result.raw.append((start, end))
        return result
    if start < first * HOUR_MS:
        result.raw.append((start, first * HOUR_MS - 1))
    if (last + 1) * HOUR_MS <= end:
        result.raw.append(((last + 1) * HOUR_MS, end))
    result.summaries = _split(first, last, SPANS)
    return result


def _split(first, last, spans):
    """Returns (span, first key hour, last key hour) ranges covering hours [first, last]:
    the widest span's whole units inside, the narrower spans at both edges.
    """
    span = spans[-1]
    if span == 1:
        return [(1, first, last)]
    lo = -(-first // span) * span                   # first whole unit's first hour
    hi = (last + 1) // span * span - 1              # last whole unit's last hour
    if lo > hi:
        return _split(first, last, spans[:-1])
    parts = _split(first, lo - 1, spans[:-1]) if first < lo else []
    parts.append((span, lo, hi - span + 1))
    if hi < last:
        parts += _split(hi + 1, last, spans[:-1])
    return parts


def raw_where(intervals, column="created_at"):
    """Returns (sql, params) matching column in any of the [a, b] intervals."""
    sql = " OR ".join(f"{column} BETWEEN ? AND ?" for _ in intervals)
    return f"({sql})", [bound for interval in intervals for bound in interval]


def _merged(ranges):
    """Returns (span, lo, hi) ranges sorted, with touching ranges of one span joined."""
    out = []
    for span, lo, hi in sorted(set(ranges)):
        if out and out[-1][0] == span and lo <= out[-1][2] + span:
            out[-1] = (span, out[-1][1], max(out[-1][2], hi))
        else:
            out.append((span, lo, hi))
    return out


def scope(db, q):
    """Returns (url_key, url) when summaries can answer q, else None.

    (0, None) without filters; with only the dashboard's url filter (one url, eq) the
    url's key (-1 when no summary holds it) and the url, for the raw parts.
    """
    if not q.filters:
        return 0, None
    flt = q.filters[0]
    if len(q.filters) > 1 or flt.name != "url" or flt.op != "eq" or len(flt.values) != 1:
        return None
    row = db.execute("SELECT key_id FROM rollup_key WHERE website_id = ? AND kind = 'url'"
                     " AND a = ? AND b = '' AND c = ''", (q.website_id, flt.values[0])).fetchone()
    return (row[0] if row else -1), flt.values[0]


def url_clause(url):
    """Returns (sql, params) adding the url filter to raw-row SQL (nothing without one)."""
    return (" AND url = ?", [url]) if url is not None else ("", [])


def time_rows(db, website_id, ranges, url_key=0):
    """Returns {(span, hour): [views, bounces, totaltime, sessions]} inside ranges (see
    _fetch); sessions is a roaring bitmap blob or one session id."""
    return _fetch(db, "hour, views, bounces, totaltime, sessions FROM rollup_time"
                  " WHERE website_id = ? AND url_key = ?", (website_id,), ranges, url_key)


def visit_rows(db, website_id, ranges):
    """Returns [(visits, bounces, totaltime, pieces)] of the visit summaries inside ranges
    (each span's own row: visits.py writes one for every summarized span with pageviews);
    pieces as a pieces.PIECE array."""
    return [(*totals, pieces.unpack(blob, hour * HOUR_MS))
            for _, hour, *totals, blob in span_rows(
                db, "hour, visits, bounces, totaltime, pieces FROM rollup_visit"
                " WHERE website_id = ?", (website_id,), _merged(ranges))]


def span_rows(db, select, params, ranges):
    """Returns the rows (span, *select's columns) of "SELECT {select} AND span = ? AND hour
    BETWEEN ? AND ?" for each (span, lo, hi) of ranges, in ranges' order and each range's
    in hour order (select's first column is hour). One statement for them all: on a
    server each statement is a round trip. select is the caller's own text, never input."""
    if len(ranges) < 2:   # (one range: its index gives the hour order, no sort needed)
        return [tuple(row) for span, lo, hi in ranges for row in db.execute(
            f"SELECT span, {select} AND span = ? AND hour BETWEEN ? AND ?",
            (*params, span, lo, hi))]
    one = f"SELECT ? AS part, span, {select} AND span = ? AND hour BETWEEN ? AND ?"
    sql = " UNION ALL ".join([one] * len(ranges)) + " ORDER BY part, hour"
    values = [v for n, (span, lo, hi) in enumerate(ranges) for v in (n, *params, span, lo, hi)]
    return [row[1:] for row in db.execute(sql, values)]


def count_rows(db, website_id, kind, ranges, url_key=0):
    """Returns {(span, hour): [keys, counts]} of one kind inside ranges (see _fetch), both as
    stored by rollups.pack()."""
    return _fetch(db, "hour, keys, counts FROM rollup_count WHERE website_id = ?"
                  " AND kind = ? AND url_key = ?", (website_id, KIND_CODES[kind]), ranges,
                  url_key)


def _fetch(db, select, params, ranges, url_key):
    """Returns {(span, hour): row values} of the summaries inside ranges (select as
    span_rows() takes it, ending in "url_key = ?"); per url (url_key not 0) also those of
    the level below for each day or week that has no row of the url, down to hours. (All
    urls' days and weeks always have a row when they have data.)
    """
    rows, ranges = {}, _merged(ranges)
    while ranges:
        for span, hour, *values in span_rows(db, select, (*params, url_key), ranges):
            rows[(span, hour)] = values
        ranges = _merged(_below(rows, ranges)) if url_key else []
    return rows


def _below(rows, ranges):
    """Returns the (span, lo, hi) ranges of the level below the units of ranges without a row."""
    found = []
    for span, lo, hi in ranges:
        if span > 1:
            child = SPANS[SPANS.index(span) - 1]
            found += [(child, hour, hour + span - child) for hour in range(lo, hi + 1, span)
                      if (span, hour) not in rows]
    return found


def pick(rows, ranges):
    """Returns the rows making up ranges: each unit's own row, else (a day or week without
    one) the rows of its units of the level below, and so on down to hours."""
    found = []
    for span, lo, hi in ranges:
        for hour in range(lo, hi + 1, span):
            row = rows.get((span, hour))
            if row is not None:
                found.append(row)
            elif span > 1:
                found += pick(rows, _below(rows, [(span, hour, hour)]))
    return found


def union(sessions, extra=()):
    """Returns the BitMap union of stored session sets (bitmap blobs or single session ids)
    and extra session ids."""
    blobs = [value for value in sessions if not isinstance(value, int)]
    result = BitMap.union(*(BitMap.deserialize(blob) for blob in blobs)) if blobs else BitMap()
    result.update(value for value in sessions if isinstance(value, int))
    result.update(extra)
    return result


def summary_pairs(db, website_id, kind, ranges, url_key=0):
    """Returns the stored (keys, counts) of one kind's summaries making up ranges."""
    return pick(count_rows(db, website_id, kind, ranges, url_key), ranges)


def sum_count_arrays(pairs):
    """Returns (key ids, totals) as int64 arrays, ids ascending, over stored (keys, counts)."""
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = np.concatenate([unpack(k) for k, _ in pairs])
    counts = np.concatenate([unpack(c) for _, c in pairs])
    if not len(keys):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if keys.max() <= 8 * len(keys) + 4096:   # dense enough: one pass, no sort
        totals = np.bincount(keys, weights=counts)  # float64: exact below 2**53
        ids = np.flatnonzero(totals)
        return ids, totals[ids].astype(np.int64)
    ids, inverse = np.unique(keys, return_inverse=True)
    return ids.astype(np.int64), np.bincount(inverse, weights=counts).astype(np.int64)


def sum_counts(pairs):
    """Returns {key_id: total} over stored (keys, counts) pairs."""
    ids, totals = sum_count_arrays(pairs)
    return dict(zip(ids.tolist(), totals.tolist()))


def urls_by_text(db, website_id):
    """Returns (key ids array, urls list) of every interned url of the website, urls ascending.

    One row of two JSON arrays costs far less than 20 k Python rows; SQLite's BINARY order
    is Python's str order, checked anyway since an aggregate's input order is not promised.
    """
    ids, urls = db.execute(
        "SELECT json_group_array(key_id), json_group_array(a) FROM (SELECT key_id, a"
        " FROM rollup_key WHERE website_id = ? AND kind = 'url' ORDER BY a)",
        (website_id,)).fetchone()
    ids, urls = json.loads(ids), json.loads(urls)
    if any(map(operator.gt, urls, urls[1:])):
        order = sorted(range(len(urls)), key=urls.__getitem__)
        ids, urls = [ids[i] for i in order], [urls[i] for i in order]
    return np.array(ids, dtype=np.int64), urls


def key_texts(db, website_id, kind, ids):
    """Returns {key_id: (a, b, c)} for the interned keys ids (of one kind)."""
    if not ids:  # "IN ()" is SQLite's extension, an error elsewhere
        return {}
    ids = list(ids)
    if len(ids) > 5000:  # most of them: one scan beats many lookups
        return {row[0]: tuple(row[1:]) for row in db.execute(
            "SELECT key_id, a, b, c FROM rollup_key WHERE website_id = ? AND kind = ?",
            (website_id, kind))}
    found = {}
    for among, params in in_batches(db, "key_id", ids):
        found.update((row[0], tuple(row[1:])) for row in db.execute(
            f"SELECT key_id, a, b, c FROM rollup_key WHERE {among}", params))
    return found


def _label(local_ms, unit, formats=UNIT_FORMATS):
    return (EPOCH + timedelta(milliseconds=local_ms)).strftime(formats[unit])


def _next_start(local_ms, unit):
    """Returns the local epoch ms where the bucket after the one holding local_ms starts."""
    if unit in STEP_MS:
        return (local_ms // STEP_MS[unit] + 1) * STEP_MS[unit]
    day = (EPOCH + timedelta(milliseconds=local_ms)).date()
    if day.year == datetime.max.year and (unit == "year" or day.month == 12):
        return LAST_LOCAL_MS + 1
    if unit == "month":
        nxt = datetime(day.year + (day.month == 12), day.month % 12 + 1, 1)
    else:
        nxt = datetime(day.year + 1, 1, 1)
    return (nxt - EPOCH) // timedelta(milliseconds=1)


def bucket_pieces(unit, tz_name, start, end, formats=UNIT_FORMATS):
    """Returns {label: [(a, b), ...]}: the UTC intervals of [start, end] in each local bucket.

    Offsets come from the same offset_segments() as the raw-row SQL, so labels agree; a
    label may own several intervals (the repeated hour when clocks go back).
    """
    segments = offset_segments(tz_name, start, end)
    pieces = {}
    for index, (seg_from, offset) in enumerate(segments):
        seg_to = segments[index + 1][0] - 1 if index + 1 < len(segments) else end
        a = max(seg_from, start)
        while a <= seg_to:
            local = a + offset
            if local > LAST_LOCAL_MS:
                break  # no label past year 9999 (and no hit is stored that far ahead)
            b = min(seg_to, _next_start(local, unit) - offset - 1)
            pieces.setdefault(_label(local, unit, formats), []).append((a, b))
            a = b + 1
    return pieces


def bucket_covers(done, unit, tz_name, start, end, formats=UNIT_FORMATS):
    """Returns {label: Cover} for the local buckets of [start, end], labelled by formats."""
    covers = {}
    for label, intervals in bucket_pieces(unit, tz_name, start, end, formats).items():
        covers[label] = Cover()
        for a, b in intervals:
            covers[label].extend(cover(done, a, b))
    return covers
