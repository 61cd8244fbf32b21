"""Visit pieces: the rows a visit has inside one summarized hour, day or week, when the visit
may have rows outside it too. Shared by the writer (visits.py) and the readers.

The current API counts visits as (session_id, visit_id) groups of the rows in a range. A
visit whose rows all lie in one summarized span is counted in that span's totals (visits,
bounces, totaltime); any other visit leaves a piece in each span holding some of its rows:
its session, visit, number of rows, first and last time, and the paths of its first and
last row. A range made of whole spans adds their totals and merges the pieces by visit,
which gives each crossing visit's rows inside the range exactly (spans are disjoint).
"""
import numpy as np

PIECE = np.dtype([("session", "<i8"), ("visit", "<i8"), ("views", "<i8"), ("first", "<i8"),
                  ("last", "<i8"), ("entry", "<i4"), ("exit", "<i4"), ("flags", "u1")])
EMPTY = np.zeros(0, PIECE)
# flags: the piece holds the visit's first row (of all its rows), or its last one
FIRST, LAST = 1, 2
# Stored: a byte per column giving its width (1, 2, 4 or 8 bytes: the narrowest signed
# integers that hold its values), then the columns one after the other, times as ms after
# the span's start.
_COLUMNS = ("session", "visit", "views", "first", "last", "entry", "exit", "flags")
_WIDTHS = {1: "<i1", 2: "<i2", 4: "<i4", 8: "<i8"}


def _width(values):
    if not len(values):
        return 1
    low, high = int(values.min()), int(values.max())
    return next(w for w in (1, 2, 4, 8) if -(1 << (8 * w - 1)) <= low and high < 1 << (8 * w - 1))


def pack(pieces, start):
    """Returns the bytes stored for pieces of a span starting at start (epoch ms)."""
    columns = [pieces[name] - start if name in ("first", "last") else pieces[name]
               for name in _COLUMNS]
    widths = [_width(np.asarray(values, np.int64)) for values in columns]
    return bytes(widths) + b"".join(np.asarray(values, _WIDTHS[width]).tobytes()
                                    for values, width in zip(columns, widths))


def unpack(blob, start):
    """Returns the pieces stored by pack() (as a PIECE array, absolute times)."""
    widths = blob[:len(_COLUMNS)]
    count = (len(blob) - len(_COLUMNS)) // sum(widths) if blob else 0
    out = np.zeros(count, PIECE)
    offset = len(_COLUMNS)
    for name, width in zip(_COLUMNS, widths):
        out[name] = np.frombuffer(blob, _WIDTHS[width], count, offset)
        offset += width * count
    out["first"] += start
    out["last"] += start
    return out


def from_rows(rows):
    """Returns pieces from (session, visit, rows, first ms, last ms) tuples (no paths)."""
    out = np.zeros(len(rows), PIECE)
    if rows:
        columns = list(zip(*rows))
        for name, values in zip(("session", "visit", "views", "first", "last"), columns):
            out[name] = values
    return out


def merged(parts):
    """Returns one piece per visit from pieces of disjoint row sets: views summed, first
    and last time the extremes, entry (exit) and the FIRST (LAST) flag from the part with
    the earliest first (latest last) row. Sorted by (session, visit)."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return EMPTY
    every = np.concatenate(parts)
    order = np.lexsort((every["first"], every["visit"], every["session"]))
    every = every[order]
    starts = np.flatnonzero(np.r_[True, (every["session"][1:] != every["session"][:-1])
                                  | (every["visit"][1:] != every["visit"][:-1])])
    if len(starts) == len(every):
        return every
    ends = np.r_[starts[1:], len(every)] - 1
    out = every[starts].copy()
    out["views"] = np.add.reduceat(every["views"], starts)
    out["last"] = np.maximum.reduceat(every["last"], starts)
    # a part need not end before the next one starts (the raw rows on both sides of a
    # summarized hour are one part), so the exit comes from the part with the latest row
    latest = every[np.lexsort((every["last"], every["visit"], every["session"]))][ends]
    out["exit"] = latest["exit"]
    out["flags"] = (every["flags"][starts] & FIRST) | (latest["flags"] & LAST)
    return out


def totals(pieces):
    """Returns (visits, bounces, totaltime) of whole visits given as merged pieces."""
    if not len(pieces):
        return 0, 0, 0
    seconds = (pieces["last"] - pieces["first"]) // 1000
    return len(pieces), int(np.count_nonzero(pieces["views"] == 1)), int(seconds.sum())
