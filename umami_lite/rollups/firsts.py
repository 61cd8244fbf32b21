"""Sessions per path (or referrer domain) over a range without a union of visitor sets.

A range's visitors of a value are its distinct (value, session) pairs. Per summarized span
and kind (path, referrer), rollup_first holds, for each pair the span's visitor set holds,
the last hour before the span in which the pair occurred ("prev"), counted per (key, prev);
a pair never seen before counts in `fresh` per key. A pair occurs in a range starting at
hour a for the first time in the span S of the range's cover where its prev is before a
(or it has none), so the range's sessions per key are the sum over the cover's spans of
fresh + the prevs before a: a sum of small arrays, where a union sorts every pair of the
range (about 9 M at 10 M pageviews a month).
- An hour's entries come from rollup_trail: per (kind, session), each key the session's
  pairs had in a summarized hour with its last such hour. A day's (week's) entries are
  the sum of its hours' (days') entries whose prev is before the day (week).
- The raw hours after the last summarized one count the pairs whose trail hour is before
  a (or that have none).
- A pair written into a summarized hour before its trail hour (an out-of-order import, a
  moved clock) or the rows retention deleted make the entries inexact for ranges starting
  before some hour: rollup_first_from keeps it, and such ranges take the union.

Kind entry counts the metrics entry page the same way. Its pairs in an hour are the
(first path, session) of the visits homed in it (visit_id // 60), claimed whole or not: a
visit of ingest has its first row in its home hour, so in a range starting at hour a and
reaching the last summarized hour, each visit homed from a on enters the range by its
first path. The range's other visits (homed before a with rows from a on, or homed in
the raw hours after the last summarized one) give their pairs from the merged pieces
and raw rows, counted when their trail hour is before a. A visit with a row before its
home hour, or none in it, makes ranges starting up to its home hour inexact.
"""
import struct
import zlib

import numpy as np

from . import pairs
from .format import HOUR_MS
from .read import span_rows
from ..storage.lists import in_batches

KINDS = {"path": 1, "referrer": 2, "entry": 3}
_NONE = -1                        # prev of a pair never seen before
_HEADER = struct.Struct("<III")   # fresh keys, repeat groups, widths code
_WIDTHS = (1, 2, 4, 8)
_TYPES = {1: "<u1", 2: "<u2", 4: "<u4", 8: "<u8"}
# A trail: its first hour, then (key, hours after the first) pairs, both uint16 when
# they fit (most sessions: keys under 65,536, a life under 7 years), else uint32.
_TRAIL_HEAD = struct.Struct("<BI")
_TRAIL_TYPES = (np.dtype([("key", "<u2"), ("hour", "<u2")]),
                np.dtype([("key", "<u4"), ("hour", "<u4")]))


class Entries:
    """One span's counts: fresh (keys, counts) and repeats (keys, prevs, counts)."""

    def __init__(self, keys=(), counts=(), rkeys=(), prevs=(), rcounts=()):
        self.keys, self.counts = np.asarray(keys, np.int64), np.asarray(counts, np.int64)
        self.rkeys, self.prevs = np.asarray(rkeys, np.int64), np.asarray(prevs, np.int64)
        self.rcounts = np.asarray(rcounts, np.int64)

    def __bool__(self):
        return bool(len(self.keys) or len(self.rkeys))


def _narrow(values):
    top = int(values.max()) if len(values) else 0
    width = next(w for w in _WIDTHS if top < 1 << (8 * w))
    return width, values.astype(_TYPES[width]).tobytes()


def pack(entries):
    """Returns the bytes stored for Entries (keys ascending; repeats by key, then prev)."""
    columns = [_narrow(column) for column in (
        np.diff(np.r_[0, entries.keys]), entries.counts, entries.rkeys, entries.prevs,
        entries.rcounts)]
    code = sum(_WIDTHS.index(width) << (2 * i) for i, (width, _) in enumerate(columns))
    return _HEADER.pack(len(entries.keys), len(entries.rkeys), code) + \
        zlib.compress(b"".join(data for _, data in columns), 1)


def unpack(blob):
    fresh, groups, code = _HEADER.unpack_from(blob)
    data = zlib.decompress(blob[_HEADER.size:])
    columns, at = [], 0
    for i, size in enumerate((fresh, fresh, groups, groups, groups)):
        width = _WIDTHS[(code >> (2 * i)) & 3]
        columns.append(np.frombuffer(data, _TYPES[width], size, at).astype(np.int64))
        at += size * width
    columns[0] = np.cumsum(columns[0])
    return Entries(*columns)


def combined(parts, before=None):
    """Returns the sum of Entries; with before, only the repeats whose prev is before it."""
    keys = np.concatenate([p.keys for p in parts] or [np.zeros(0, np.int64)])
    counts = np.concatenate([p.counts for p in parts] or [np.zeros(0, np.int64)])
    rkeys = np.concatenate([p.rkeys for p in parts] or [np.zeros(0, np.int64)])
    prevs = np.concatenate([p.prevs for p in parts] or [np.zeros(0, np.int64)])
    rcounts = np.concatenate([p.rcounts for p in parts] or [np.zeros(0, np.int64)])
    if before is not None:
        kept = prevs < before
        rkeys, prevs, rcounts = rkeys[kept], prevs[kept], rcounts[kept]
    keys, counts = _summed(keys, counts)
    groups, rcounts = _summed((rkeys << 32) | prevs, rcounts)
    return Entries(keys, counts, groups >> 32, groups & 0xFFFFFFFF, rcounts)


def _summed(keys, counts):
    """Returns (distinct keys ascending, the sum of counts per key)."""
    if not len(keys):
        return keys, counts
    top = int(keys.max())
    if top < 4 * len(keys) + (1 << 16):   # key ids are small: count in place of a sort
        totals = np.bincount(keys, weights=counts, minlength=top + 1).astype(np.int64)
        present = np.bincount(keys, minlength=top + 1) > 0
        return np.flatnonzero(present), totals[present]
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=counts, minlength=len(unique)).astype(np.int64)


def _read(db, website_id, kind, span, hour):
    row = db.execute("SELECT firsts FROM rollup_first WHERE website_id = ? AND kind = ?"
                     " AND span = ? AND hour = ?",
                     (website_id, KINDS[kind], span, hour)).fetchone()
    return unpack(row[0]) if row else Entries()


def _write(db, website_id, kind, span, hour, entries):
    db.execute("DELETE FROM rollup_first WHERE website_id = ? AND kind = ? AND span = ?"
               " AND hour = ?", (website_id, KINDS[kind], span, hour))
    if entries:
        db.execute("INSERT INTO rollup_first (website_id, kind, span, hour, firsts)"
                   " VALUES (?, ?, ?, ?, ?)", (website_id, KINDS[kind], span, hour,
                                               pack(entries)))


def exact_from(db, website_id, kind):
    """Returns the first hour a range may start at for the entries to be exact (0: any)."""
    row = db.execute("SELECT hour FROM rollup_first_from WHERE website_id = ? AND kind = ?",
                     (website_id, KINDS[kind])).fetchone()
    return row[0] if row else 0


def inexact_before(db, website_id, kind, hour):
    """Makes ranges of kind that start before hour take the union."""
    if hour > exact_from(db, website_id, kind):
        db.execute("INSERT INTO rollup_first_from (website_id, kind, hour) VALUES (?, ?, ?)"
                   " ON CONFLICT (website_id, kind) DO UPDATE SET hour = excluded.hour",
                   (website_id, KINDS[kind], hour))


# -- trails ------------------------------------------------------------------------------

def trails(db, website_id, kind, sessions):
    """Returns (codes sorted, last hours) of the trails of sessions: every (key, session)
    pair of a summarized hour with the last such hour."""
    found = []
    for among, params in in_batches(db, "session_id", sorted(set(sessions))):
        found += db.execute(f"SELECT session_id, trail FROM rollup_trail WHERE website_id = ?"
                            f" AND kind = ? AND {among}", [website_id, KINDS[kind], *params]
                            ).fetchall()
    codes, hours = [pairs.EMPTY], [np.zeros(0, np.int64)]
    for wide, layout in enumerate(_TRAIL_TYPES):
        heads = [(session, _TRAIL_HEAD.unpack_from(blob), bytes(blob)) for session, blob in found]
        mine = [(session, first, blob) for session, (flag, first), blob in heads if flag == wide]
        if not mine:
            continue
        every = np.frombuffer(b"".join(blob[_TRAIL_HEAD.size:] for _, _, blob in mine), layout)
        sizes = [(len(blob) - _TRAIL_HEAD.size) // layout.itemsize for _, _, blob in mine]
        codes.append(pairs.codes(every["key"], np.repeat([s for s, _, _ in mine], sizes)))
        hours.append(every["hour"] + np.repeat([first for _, first, _ in mine], sizes))
    codes, hours = np.concatenate(codes), np.concatenate(hours).astype(np.int64)
    order = np.argsort(codes, kind="stable")
    return codes[order], hours[order]


def _packed_trail(keys, hours):
    first = int(hours.min())
    wide = int(keys.max() >= 1 << 16 or hours.max() - first >= 1 << 16)
    every = np.zeros(len(keys), _TRAIL_TYPES[wide])
    every["key"], every["hour"] = keys, hours - first
    return _TRAIL_HEAD.pack(wide, first) + every.tobytes()


def _store_trails(db, website_id, kind, codes, hours):
    """Writes the trails of the sessions of codes with their hours, whole (a code given
    twice keeps its later hour)."""
    if not len(codes):
        return
    sessions = (codes & pairs.LOW).astype(np.int64)
    keys = (codes >> pairs.SHIFT).astype(np.int64)
    order = np.lexsort((-hours, keys, sessions))
    sessions, keys, hours = sessions[order], keys[order], hours[order]
    once = np.r_[True, (keys[1:] != keys[:-1]) | (sessions[1:] != sessions[:-1])]
    sessions, keys, hours = sessions[once], keys[once], hours[once]
    starts = np.flatnonzero(np.r_[True, sessions[1:] != sessions[:-1]])
    ends = np.r_[starts[1:], len(sessions)]
    db.executemany(
        "INSERT INTO rollup_trail (website_id, kind, session_id, last_hour, trail)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (website_id, kind, session_id) DO UPDATE"
        " SET last_hour = excluded.last_hour, trail = excluded.trail",
        [(website_id, KINDS[kind], int(sessions[a]), int(hours[a:b].max()),
          _packed_trail(keys[a:b], hours[a:b])) for a, b in zip(starts.tolist(), ends.tolist())])


def _last_hours(known, hours, codes):
    """Returns the trail hour of each of codes (_NONE where the trail has none)."""
    at = np.searchsorted(known, codes)
    found = at < len(known)
    found[found] = known[at[found]] == codes[found]
    out = np.full(len(codes), _NONE, np.int64)
    out[found] = hours[at[found]]
    return out


# -- writing -----------------------------------------------------------------------------

def note_hour(db, website_id, hour, kind, old, new):
    """Brings the entries and trails up to date with an hour whose visitor set of kind was
    old (codes; empty before its first summary) and is new now."""
    added = np.setdiff1d(new, old, assume_unique=True)
    if len(old) and len(np.setdiff1d(old, new, assume_unique=True)):
        inexact_before(db, website_id, kind, hour + 1)   # rows were deleted
    if not len(added):
        return
    known, hours = trails(db, website_id, kind, (added & pairs.LOW).astype(np.int64).tolist())
    last = _last_hours(known, hours, added)
    later = last > hour
    if later.any():   # the pair's later entries had an older prev
        inexact_before(db, website_id, kind, int(last[later].max()) + 1)
    fresh = last == _NONE
    repeat = ~fresh & (last < hour)
    keys = (added >> pairs.SHIFT).astype(np.int64)
    entries = combined([_read(db, website_id, kind, 1, hour), Entries(
        *_summed(keys[fresh | later], np.ones(int((fresh | later).sum()), np.int64)),
        keys[repeat], last[repeat], np.ones(int(repeat.sum()), np.int64))])
    _write(db, website_id, kind, 1, hour, entries)
    moved = fresh | repeat
    sessions = np.unique((added[moved] & pairs.LOW).astype(np.int64))
    mine = np.isin((known & pairs.LOW).astype(np.int64), sessions)
    codes = np.concatenate([known[mine], added[moved]])
    _store_trails(db, website_id, kind, codes, np.concatenate(
        [hours[mine], np.full(int(moved.sum()), hour, np.int64)]))


def note_span(db, website_id, span, first, below, kind):
    """Writes a day's (week's) entries from those of its hours (days)."""
    parts = [unpack(blob) for blob, in db.execute(
        "SELECT firsts FROM rollup_first WHERE website_id = ? AND kind = ? AND span = ?"
        " AND hour BETWEEN ? AND ?", (website_id, KINDS[kind], below, first,
                                      first + span - 1))]
    _write(db, website_id, kind, span, first, combined(parts, before=first))


def forget_before(db, website_id, hour):
    """Drops the entries of spans ending before hour and the trails last seen before it;
    ranges starting before hour + 1 (the hour holding the cutoff lost rows) are inexact."""
    db.execute("DELETE FROM rollup_first WHERE website_id = ? AND hour + span <= ?",
               (website_id, hour))
    db.execute("DELETE FROM rollup_trail WHERE website_id = ? AND last_hour < ?",
               (website_id, hour))
    for kind in KINDS:
        inexact_before(db, website_id, kind, hour + 1)


# -- reading -----------------------------------------------------------------------------

def usable(db, website_id, kind, part, start, done):
    """Returns whether the entries answer the cover part of a range starting at start
    exactly: it starts on an hour at or after exact_from() and its raw rows, if any, are
    those after the last summarized hour done."""
    if not part.summaries or start % HOUR_MS:
        return False
    last = max(hi + span - 1 for span, lo, hi in part.summaries)
    if (part.raw or kind == "entry") and last != done:
        return False   # entry checks its extra pairs against trails, which end at done
    return start // HOUR_MS >= exact_from(db, website_id, kind)


def counted(db, website_id, kind, part, start, raw_codes):
    """Returns (keys, sessions per key) over the cover part of a range starting at start,
    for which usable() holds. raw_codes: the (key, session) codes of its raw rows (each
    once), or None."""
    first = start // HOUR_MS
    found = [unpack(blob) for _, _, blob in span_rows(
        db, "hour, firsts FROM rollup_first WHERE website_id = ? AND kind = ?",
        (website_id, KINDS[kind]), part.summaries)]
    keys = [e.keys for e in found] + [e.rkeys[e.prevs < first] for e in found]
    counts = [e.counts for e in found] + [e.rcounts[e.prevs < first] for e in found]
    if raw_codes is not None and len(raw_codes):
        known, hours = trails(db, website_id, kind,
                              (raw_codes & pairs.LOW).astype(np.int64).tolist())
        new = raw_codes[_last_hours(known, hours, raw_codes) < first]
        keys.append((new >> pairs.SHIFT).astype(np.int64))
        counts.append(np.ones(len(new), np.int64))
    return _summed(np.concatenate([*keys, np.zeros(0, np.int64)]),
                   np.concatenate([*counts, np.zeros(0, np.int64)]))
