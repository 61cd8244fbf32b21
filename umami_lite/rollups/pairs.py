"""Visitor sets per value of summarized hours, days and weeks (rollup_pair), for the current
API's metrics that count distinct sessions per value: path, entry, exit and referrer.

Per span and kind, one 64-bit roaring bitmap of (key << 32 | session_id) codes: key is the
interned id of the value (a path as a `url` key, a referrer domain as a `domain` key), so
a range's sessions per value are the union of its spans' bitmaps (plus the pairs of its
raw rows), counted by key. Written with the visit summaries (visits.py), which know which
visits a span claims whole:
- path: the (path, session) of every pageview of the span;
- referrer: the (referrer domain, session) of every pageview with a referrer domain that
  is not the session's own hostname (the referrer metric never counts those; the
  website's own domain, which can change, is left out when reading);
- entry / exit: the (first / last path, session) of every visit the span claims whole; a
  visit it does not claim keeps its first and last path in its piece (pieces.py), and a
  range takes them from the merged pieces.
Spans without such pairs have no row. Raw rows stay the truth: a span's bitmaps are
rebuilt whenever its visit summary is.
"""
import numpy as np
from pyroaring import BitMap64

KINDS = {"path": 1, "entry": 2, "exit": 3, "referrer": 4}
KEY_KINDS = {"path": "url", "entry": "url", "exit": "url", "referrer": "domain"}
SHIFT = np.uint64(32)
LOW = np.uint64((1 << 32) - 1)
# The session's hostname as the referrer metric compares it with a referrer domain: lower
# case, without port and `www.` (the same expression as the raw-row query's).
BARE_HOSTNAME = ("lower(CASE WHEN instr(s.hostname, ':') > 0"
                 " THEN substr(s.hostname, 1, instr(s.hostname, ':') - 1)"
                 " ELSE s.hostname END)")
HOSTNAME_DOMAIN = (f"CASE WHEN {BARE_HOSTNAME} LIKE 'www.%' THEN substr({BARE_HOSTNAME}, 5)"
                   f" ELSE {BARE_HOSTNAME} END")


def codes(keys, sessions):
    """Returns the uint64 codes of (key, session) pairs given as two integer sequences."""
    return (np.asarray(keys, np.int64).astype(np.uint64) << SHIFT) \
        | np.asarray(sessions, np.int64).astype(np.uint64)


def bitmap(keys, sessions):
    """Returns the BitMap64 of (key, session) pairs."""
    found = np.unique(codes(keys, sessions))
    return BitMap64(found) if len(found) else BitMap64()


def referrer_sql(where):
    """Returns SQL of the distinct (referrer domain, session) pairs the referrer metric
    counts among the pageviews p matching where (any self-referral by the session's
    hostname left out)."""
    return ("SELECT DISTINCT p.referrer_domain, p.session_id FROM pageview p"
            " JOIN session s ON s.session_id = p.session_id"
            f" WHERE {where} AND p.referrer_domain IS NOT NULL"
            f" AND (s.hostname IS NULL OR p.referrer_domain <> {HOSTNAME_DOMAIN})")


def write(db, website_id, span, hour, kind, found):
    """Stores one span's bitmap of a kind (replacing it); an empty one is no row."""
    db.execute("DELETE FROM rollup_pair WHERE website_id = ? AND kind = ? AND span = ?"
               " AND hour = ?", (website_id, KINDS[kind], span, hour))
    if len(found):
        found.run_optimize()
        db.execute("INSERT INTO rollup_pair (website_id, kind, span, hour, pairs)"
                   " VALUES (?, ?, ?, ?, ?)",
                   (website_id, KINDS[kind], span, hour, found.serialize()))


def delete(db, website_id, span, hour):
    """Drops every kind's bitmap of one span."""
    db.execute("DELETE FROM rollup_pair WHERE website_id = ? AND span = ? AND hour = ?",
               (website_id, span, hour))


def one(db, website_id, span, hour, kind):
    """Returns one span's bitmap of a kind (empty when it has none)."""
    row = db.execute("SELECT pairs FROM rollup_pair WHERE website_id = ? AND kind = ?"
                     " AND span = ? AND hour = ?",
                     (website_id, KINDS[kind], span, hour)).fetchone()
    return BitMap64.deserialize(row[0]) if row else BitMap64()


def below(db, website_id, span, first, lower, kind):
    """Returns the bitmaps of a kind of the spans of size lower inside the span at first."""
    return [BitMap64.deserialize(blob) for blob, in db.execute(
        "SELECT pairs FROM rollup_pair WHERE website_id = ? AND kind = ? AND span = ?"
        " AND hour BETWEEN ? AND ?", (website_id, KINDS[kind], lower, first,
                                      first + span - 1))]


def fetch(db, website_id, kind, ranges):
    """Returns the bitmaps of a kind of the spans in ranges [(span, first, last first)]."""
    found = []
    for span, lo, hi in ranges:
        found += [BitMap64.deserialize(blob) for blob, in db.execute(
            "SELECT pairs FROM rollup_pair WHERE website_id = ? AND kind = ? AND span = ?"
            " AND hour BETWEEN ? AND ?", (website_id, KINDS[kind], span, lo, hi))]
    return found


def union(bitmaps):
    """Returns the BitMap64 union of bitmaps."""
    if not bitmaps:
        return BitMap64()
    if len(bitmaps) == 1:
        return bitmaps[0]
    return BitMap64.union(*bitmaps)


def counted(found):
    """Returns (keys, sessions per key) as int64 arrays, keys ascending, of a BitMap64."""
    if not len(found):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = (found.to_array() >> SHIFT).astype(np.int64)   # sorted, as the codes are
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.diff(np.r_[starts, len(keys)])


def forget_before(db, website_id, hour):
    db.execute("DELETE FROM rollup_pair WHERE website_id = ? AND hour + span <= ?",
               (website_id, hour))

