"""Counts per key (url, referrer, event) over a range: rollups for summarized hours, raw rows
for the rest. Keys are the (a, b, c) parts of rollups.COUNT_SQL."""
from ...rollups import read as rr
from ...rollups.format import COUNT_SQL
from ...rollups.read import done_hour


def summarized(db, q):
    """Returns (done_hour, (url_key, url)) when rollups can answer q, else None."""
    done, scope = done_hour(db, q.website_id), rr.scope(db, q)
    if done is None or scope is None:
        return None
    return done, scope


def key_counts(db, q, kind, done, scope):
    """Returns {(a, b, c): count} for one kind over q's range (no filter or one url)."""
    url_key, url = scope
    part = rr.cover(done, q.start, q.end)
    totals = {}
    if kind == "url" and url is not None:   # one url: its pageviews
        rows = rr.time_rows(db, q.website_id, part.summaries, url_key)
        views = sum(row[0] for row in rr.pick(rows, part.summaries))
        if views:
            totals[(url, "", "")] = views
    else:
        pairs = rr.summary_pairs(db, q.website_id, kind, part.summaries, url_key)
        if pairs:
            summed = rr.sum_counts(pairs)
            texts = rr.key_texts(db, q.website_id, kind, list(summed))
            totals = {texts[key_id]: count for key_id, count in summed.items()}
    extra_sql, extra_params = rr.url_clause(url)
    for a, b in part.raw:
        for *key, count in db.execute(COUNT_SQL[kind].format(url=extra_sql),
                                      (q.website_id, a, b, *extra_params)):
            key = tuple(key)
            totals[key] = totals.get(key, 0) + count
    return totals


def ranked(counts):
    """Returns [{x, y}] by y desc, then x, from {x: y}."""
    return [{"x": x, "y": y} for x, y in sorted(counts.items(), key=lambda r: (-r[1], r[0]))]
