"""Per-session tallies of summarized hours, days and weeks (rollup_pair kind 5), for the
current API's /stats and pageviews under filters on session columns.

Per span, one tally per session with pageviews in it: its pageviews there (every row of the
span), and the visits, bounces and totaltime of its visits the span claims whole
(visits.py). A filter on session columns passes a row exactly when it passes the row's
session, so under such filters a range's pageviews are the views of the selected sessions'
tallies (plus their raw rows), its visitors those sessions among the tallies, and its
visits, bounces and totaltime the whole visits of their tallies plus their merged pieces
(pieces.py), as the unfiltered totals are the spans' totals plus the merged pieces. An hour's
tallies come from its pieces, a day's (a week's) are its hours' (days') summed by session
with the visits it claims whole; written and rebuilt with the visit summaries.

Event tallies (rollup_pair kind 6), for events/series and the event metric under such
filters: per span, the events of each (event key, session), the key an interned `event`
key (type, name) as the hourly event counts use; an hour's from its raw rows, a day's
(a week's) its hours' (days') summed.
"""
import struct
import zlib

import numpy as np

from .format import HOUR_MS
from .keys import intern_keys
from .pairs import KINDS

KIND, EVENTS = KINDS["tally"], KINDS["event"]
TALLY = np.dtype([("session", "<i8"), ("views", "<i8"), ("visits", "<i8"),
                  ("bounces", "<i8"), ("seconds", "<i8")])
EMPTY = np.zeros(0, TALLY)
EVENT = np.dtype([("key", "<i8"), ("session", "<i8"), ("count", "<i8")])
NO_EVENTS = np.zeros(0, EVENT)
_COLUMNS = TALLY.names
_HEADER = struct.Struct("<IQ5B")   # tallies, lowest session, the columns' widths
_EVENT_HEADER = struct.Struct("<IQ3B")   # event tallies, lowest session, the widths
_TYPES = {1: "<u1", 2: "<u2", 4: "<u4", 8: "<u8"}


def of_pieces(every, whole, views=True):
    """Returns the tallies of pieces (one per visit): their rows as views (unless not views:
    rows a tally already counts), and the visits the mask whole claims."""
    if not len(every):
        return EMPTY
    out = np.zeros(len(every), TALLY)
    out["session"] = every["session"]
    if views:
        out["views"] = every["views"]
    out["visits"] = whole
    out["bounces"] = whole & (every["views"] == 1)
    out["seconds"] = np.where(whole, (every["last"] - every["first"]) // 1000, 0)
    return combined([out])


def combined(parts):
    """Returns one tally per session of tallies (each column summed), sessions ascending."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return EMPTY
    every = np.concatenate(parts)
    every = every[np.argsort(every["session"], kind="stable")]
    starts = np.flatnonzero(np.r_[True, every["session"][1:] != every["session"][:-1]])
    if len(starts) == len(every):
        return every
    out = np.zeros(len(starts), TALLY)
    out["session"] = every["session"][starts]
    for name in _COLUMNS[1:]:
        out[name] = np.add.reduceat(every[name], starts)
    return out


def _packed_columns(columns):
    """Returns (the width of each column: the narrowest unsigned integer holding its values,
    the columns in those widths one after another, compressed)."""
    widths = [next(w for w in (1, 2, 4, 8) if int(c.max()) < 1 << (8 * w)) for c in columns]
    data = b"".join(c.astype(_TYPES[w]).tobytes() for c, w in zip(columns, widths))
    return widths, zlib.compress(data, 6)


def _unpacked_columns(blob, header, dtype, names):
    """Returns (the array of dtype stored after header in blob by _packed_columns() with
    columns names, the header's second field)."""
    count, low, *widths = header.unpack_from(blob)
    data = zlib.decompress(blob[header.size:])
    out = np.zeros(count, dtype)
    offset = 0
    for name, width in zip(names, widths):
        out[name] = np.frombuffer(data, _TYPES[width], count, offset)
        offset += width * count
    return out, low


def pack(tallies):
    """Returns the bytes stored for tallies (sessions ascending, each once): the sessions'
    steps (the first from the lowest) and the counts, each in the narrowest unsigned
    integers that hold it, compressed."""
    low = int(tallies["session"][0])
    columns = [np.diff(tallies["session"], prepend=low)] + \
        [tallies[name] for name in _COLUMNS[1:]]
    widths, data = _packed_columns(columns)
    return _HEADER.pack(len(tallies), low, *widths) + data


def unpack(blob):
    """Returns the tallies stored by pack()."""
    out, low = _unpacked_columns(blob, _HEADER, TALLY, _COLUMNS)
    out["session"] = np.cumsum(out["session"]) + low
    return out


def of_events(db, website_id, hour):
    """Returns the event tallies of one hour from its raw rows (keys interned)."""
    rows = db.execute("SELECT event_type, event_value, session_id, count(*) FROM event"
                      " WHERE website_id = ? AND created_at BETWEEN ? AND ?"
                      " GROUP BY event_type, event_value, session_id",
                      (website_id, hour * HOUR_MS, (hour + 1) * HOUR_MS - 1)).fetchall()
    if not rows:
        return NO_EVENTS
    out = np.zeros(len(rows), EVENT)
    out["key"] = intern_keys(db, website_id, "event", [(t, v, "") for t, v, _, _ in rows])
    out["session"] = [row[2] for row in rows]
    out["count"] = [row[3] for row in rows]
    return events_combined([out])


def events_combined(parts):
    """Returns one event tally per (key, session) of event tallies (counts summed), sorted
    by key, then session."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return NO_EVENTS
    every = np.concatenate(parts)
    every = every[np.lexsort((every["session"], every["key"]))]
    starts = np.flatnonzero(np.r_[True, (every["key"][1:] != every["key"][:-1])
                                  | (every["session"][1:] != every["session"][:-1])])
    if len(starts) == len(every):
        return every
    out = every[starts].copy()
    out["count"] = np.add.reduceat(every["count"], starts)
    return out


def pack_events(found):
    """Returns the bytes stored for event tallies (as events_combined() gives them): the
    keys' steps, the sessions above the lowest, the counts, in the narrowest unsigned
    integers, compressed."""
    low = int(found["session"].min())
    columns = [np.diff(found["key"], prepend=0), found["session"] - low, found["count"]]
    widths, data = _packed_columns(columns)
    return _EVENT_HEADER.pack(len(found), low, *widths) + data


def unpack_events(blob):
    """Returns the event tallies stored by pack_events()."""
    out, low = _unpacked_columns(blob, _EVENT_HEADER, EVENT, EVENT.names)
    out["key"] = np.cumsum(out["key"])
    out["session"] += low
    return out


_CODECS = {KIND: (pack, unpack), EVENTS: (pack_events, unpack_events)}


def write(db, website_id, span, hour, found, kind=KIND):
    """Stores one span's tallies of a kind (KIND, EVENTS), replacing them; none is no row."""
    db.execute("DELETE FROM rollup_pair WHERE website_id = ? AND kind = ? AND span = ?"
               " AND hour = ?", (website_id, kind, span, hour))
    if len(found):
        db.execute("INSERT INTO rollup_pair (website_id, kind, span, hour, pairs)"
                   " VALUES (?, ?, ?, ?, ?)",
                   (website_id, kind, span, hour, _CODECS[kind][0](found)))


def one(db, website_id, span, hour, kind=KIND):
    """Returns one span's tallies of a kind (none when it has no row)."""
    row = db.execute("SELECT pairs FROM rollup_pair WHERE website_id = ? AND kind = ?"
                     " AND span = ? AND hour = ?", (website_id, kind, span, hour)).fetchone()
    return _CODECS[kind][1](row[0]) if row else (EMPTY if kind == KIND else NO_EVENTS)


def below(db, website_id, span, first, lower, kind=KIND):
    """Returns the tallies of a kind of the spans of size lower inside the span at first."""
    return [_CODECS[kind][1](blob) for blob, in db.execute(
        "SELECT pairs FROM rollup_pair WHERE website_id = ? AND kind = ? AND span = ?"
        " AND hour BETWEEN ? AND ?", (website_id, kind, lower, first, first + span - 1))]


def fetch(db, website_id, ranges, kind=KIND):
    """Returns {(span, hour): tallies} of a kind of the spans in ranges [(span, first,
    last first)] that have any."""
    found = {}
    for span, lo, hi in ranges:
        for hour, blob in db.execute(
                "SELECT hour, pairs FROM rollup_pair WHERE website_id = ? AND kind = ?"
                " AND span = ? AND hour BETWEEN ? AND ?", (website_id, kind, span, lo, hi)):
            found[(span, hour)] = _CODECS[kind][1](blob)
    return found


def picked(found, ranges, kind=KIND):
    """Returns the tallies of found ({(span, hour): tallies}) making up ranges,
    concatenated (a session once per span)."""
    parts = [found[(span, hour)] for span, lo, hi in ranges
             for hour in range(lo, hi + 1, span) if (span, hour) in found]
    if not parts:
        return EMPTY if kind == KIND else NO_EVENTS
    return np.concatenate(parts)


def lookup(sessions):
    """Returns the membership table of session ids (an int64 array): table[id] is True
    for the ids among them (ids are row ids: small, dense, never negative)."""
    table = np.zeros(int(sessions.max()) + 1 if len(sessions) else 0, bool)
    table[sessions] = True
    return table


def members(ids, table):
    """Returns a mask: which of ids (an int64 array) the lookup() table holds."""
    inside = ids < len(table)
    out = np.zeros(len(ids), bool)
    out[inside] = table[ids[inside]]
    return out


def of_sessions(tallies, table):
    """Returns the tallies of the sessions the lookup() table holds only."""
    return tallies[members(tallies["session"], table)]
