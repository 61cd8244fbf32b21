"""Visitor sets per value of summarized hours, days and weeks (rollup_pair), for the current
API's metrics that count distinct sessions per value: path, entry, exit and referrer.

Per span and kind, the set of (key << 32 | session_id) codes: key is the interned id of
the value (a path as a `url` key, a referrer domain as a `domain` key), so a range's
sessions per value are the union of its spans' sets (plus the pairs of its raw rows),
counted by key. Stored compressed (pack()): most of an hour's values have one or two
sessions, which a roaring bitmap stores in 12 to 15 bytes a pair, this in 2 to 3.
Written with the visit summaries (visits.py), which know which visits a span claims whole:
- path: the (path, session) of every pageview of the span;
- referrer: the (referrer domain, session) of every pageview with a referrer domain that
  is not the session's own hostname (the referrer metric never counts those; the
  website's own domain, which can change, is left out when reading);
- entry / exit: the (first / last path, session) of every visit the span claims whole; a
  visit it does not claim keeps its first and last path in its piece (pieces.py), and a
  range takes them from the merged pieces.
Spans without such pairs have no row. Raw rows stay the truth: a span's sets are
rebuilt whenever its visit summary is.
"""
import struct
import zlib

import numpy as np

from .read import span_rows

# rollup_pair.kind; kinds 5 and 6 hold per-session tallies and event tallies, packed by
# tallies.py, not pairs
KINDS = {"path": 1, "entry": 2, "exit": 3, "referrer": 4, "tally": 5, "event": 6}
KEY_KINDS = {"path": "url", "entry": "url", "exit": "url", "referrer": "domain"}
SHIFT = np.uint64(32)
LOW = np.uint64((1 << 32) - 1)
EMPTY = np.zeros(0, np.uint64)
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


def pair_set(keys, sessions):
    """Returns the set of (key, session) pairs: their codes, sorted, each once."""
    return np.unique(codes(keys, sessions))


_HEADER = struct.Struct("<IIQBBB")   # keys, pairs, lowest session, the columns' widths
_TYPES = {1: "<u1", 2: "<u2", 4: "<u4", 8: "<u8"}


def _narrow(values):
    top = int(values.max()) if len(values) else 0
    width = next(w for w in (1, 2, 4, 8) if top < 1 << (8 * w))
    return width, values.astype(_TYPES[width]).tobytes()


def pack(found):
    """Returns the bytes stored for a set of codes (sorted, each once): the keys' deltas,
    the pairs per key, the sessions' deltas within a key (the first of each from the
    lowest session), each in the narrowest unsigned integers that hold it, compressed."""
    keys = (found >> SHIFT).astype(np.int64)
    sessions = (found & LOW).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    low = int(sessions.min())
    steps = np.r_[0, np.diff(sessions)]
    steps[starts] = sessions[starts] - low
    columns = [_narrow(np.diff(np.r_[0, keys[starts]])),
               _narrow(np.diff(np.r_[starts, len(keys)])), _narrow(steps)]
    return _HEADER.pack(len(starts), len(keys), low, *(w for w, _ in columns)) + \
        zlib.compress(b"".join(data for _, data in columns), 6)


def unpack(blob):
    """Returns the codes stored by pack() (uint64, sorted)."""
    groups, count, low, *widths = _HEADER.unpack_from(blob)
    data = zlib.decompress(blob[_HEADER.size:])
    key_steps = np.frombuffer(data, _TYPES[widths[0]], groups)
    sizes = np.frombuffer(data, _TYPES[widths[1]], groups, groups * widths[0])
    steps = np.frombuffer(data, _TYPES[widths[2]], count,
                          groups * (widths[0] + widths[1])).astype(np.int64)
    keys = np.repeat(np.cumsum(key_steps, dtype=np.int64), sizes)
    total = np.cumsum(steps)
    starts = np.r_[0, np.cumsum(sizes[:-1], dtype=np.int64)]
    sessions = total - np.repeat(total[starts] - steps[starts], sizes) + low
    return codes(keys, sessions)


def referrer_sql(where):
    """Returns SQL of the distinct (referrer domain, session) pairs the referrer metric
    counts among the pageviews p matching where (any self-referral by the session's
    hostname left out)."""
    return ("SELECT DISTINCT p.referrer_domain, p.session_id FROM pageview p"
            " JOIN session s ON s.session_id = p.session_id"
            f" WHERE {where} AND p.referrer_domain IS NOT NULL"
            f" AND (s.hostname IS NULL OR p.referrer_domain <> {HOSTNAME_DOMAIN})")


def write(db, website_id, span, hour, kind, found):
    """Stores one span's set of a kind (replacing it); an empty one is no row."""
    db.execute("DELETE FROM rollup_pair WHERE website_id = ? AND kind = ? AND span = ?"
               " AND hour = ?", (website_id, KINDS[kind], span, hour))
    if len(found):
        db.execute("INSERT INTO rollup_pair (website_id, kind, span, hour, pairs)"
                   " VALUES (?, ?, ?, ?, ?)", (website_id, KINDS[kind], span, hour, pack(found)))


def delete(db, website_id, span, hour):
    """Drops every kind's set of one span."""
    db.execute("DELETE FROM rollup_pair WHERE website_id = ? AND span = ? AND hour = ?",
               (website_id, span, hour))


def one(db, website_id, span, hour, kind):
    """Returns one span's set of a kind (empty when it has none)."""
    row = db.execute("SELECT pairs FROM rollup_pair WHERE website_id = ? AND kind = ?"
                     " AND span = ? AND hour = ?",
                     (website_id, KINDS[kind], span, hour)).fetchone()
    return unpack(row[0]) if row else EMPTY


def below(db, website_id, span, first, lower, kind):
    """Returns the sets of a kind of the spans of size lower inside the span at first."""
    return [unpack(blob) for blob, in db.execute(
        "SELECT pairs FROM rollup_pair WHERE website_id = ? AND kind = ? AND span = ?"
        " AND hour BETWEEN ? AND ?", (website_id, KINDS[kind], lower, first,
                                      first + span - 1))]


def fetch(db, website_id, kind, ranges):
    """Returns the sets of a kind of the spans in ranges [(span, first, last first)]."""
    return [unpack(blob) for _, _, blob in span_rows(
        db, "hour, pairs FROM rollup_pair WHERE website_id = ? AND kind = ?",
        (website_id, KINDS[kind]), ranges)]


def union(sets):
    """Returns the union of sets of codes (sorted, each once)."""
    sets = [found for found in sets if len(found)]
    if not sets:
        return EMPTY
    if len(sets) == 1:
        return sets[0]
    # sorted runs: a stable sort (timsort) merges them in about n log(runs)
    every = np.sort(np.concatenate(sets), kind="stable")
    return every[np.r_[True, every[1:] != every[:-1]]]


def counted(found):
    """Returns (keys, sessions per key) as int64 arrays, keys ascending, of a set of codes."""
    if not len(found):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = (found >> SHIFT).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.diff(np.r_[starts, len(keys)])


def forget_before(db, website_id, hour):
    db.execute("DELETE FROM rollup_pair WHERE website_id = ? AND hour + span <= ?",
               (website_id, hour))

