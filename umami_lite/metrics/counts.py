"""Counts per key (url, referrer, event) over a range: rollups for summarized hours, raw rows
for the rest. Returns {(a, b, c): count} with the key parts of rollups.COUNT_SQL."""
from .. import rollup_read as rr
from ..rollups import COUNT_SQL


def key_counts(db, q, kind, done):
    """Returns {(a, b, c): count} for one kind over the unfiltered range of q."""
    part = rr.cover(done, q.start, q.end)
    rows = rr.count_rows(db, q.website_id, kind, part.summaries)
    pairs = [rows[key] for key in rr.keys_in(part.summaries) if key in rows]
    totals = {}
    if pairs:
        texts = rr.key_texts(db, q.website_id, kind)
        totals = {texts[key_id]: count for key_id, count in rr.sum_counts(pairs).items()}
    for a, b in part.raw:
        for *key, count in db.execute(COUNT_SQL[kind], (q.website_id, a, b)):
            key = tuple(key)
            totals[key] = totals.get(key, 0) + count
    return totals


def ranked(counts):
    """Returns [{x, y}] by y desc, then x, from {x: y}."""
    return [{"x": x, "y": y} for x, y in sorted(counts.items(), key=lambda r: (-r[1], r[0]))]
