"""Metric `url`: pageviews per stored url."""
from bisect import bisect_left

import numpy as np

from ...rollups import read as rr
from ...rollups.format import COUNT_SQL
from .counts import key_counts, ranked, summarized


def query(db, q, website):
    """Returns [{x: url, y: pageviews}] by y desc, then x (rollups where possible)."""
    found = summarized(db, q)
    if found is None:
        return raw_query(db, q, website)
    done, (_, url) = found
    if url is None:
        return _all_urls(db, q, done)
    return ranked({a: count for (a, _, _), count in key_counts(db, q, "url", *found).items()})


def _all_urls(db, q, done):
    """Returns query()'s answer without filters: summaries summed and ranked with numpy.

    Counts go into an array in url text order, so one lexsort ranks them (y desc, x);
    urls of the raw parts that were never summarized are merged in Python.
    """
    part = rr.cover(done, q.start, q.end)
    ids, totals = rr.sum_count_arrays(rr.summary_pairs(db, q.website_id, "url",
                                                       part.summaries))
    key_ids, urls = rr.urls_by_text(db, q.website_id)
    counts = np.zeros(len(urls), np.int64)
    if len(ids):
        position = np.zeros(int(key_ids.max()) + 1, np.int64)
        position[key_ids] = np.arange(len(key_ids))
        counts[position[ids]] = totals
    unknown = {}
    for a, b in part.raw:
        for url, _, _, count in db.execute(COUNT_SQL["url"].format(url=""), (q.website_id, a, b)):
            index = bisect_left(urls, url)
            if index < len(urls) and urls[index] == url:
                counts[index] += count
            else:
                unknown[url] = unknown.get(url, 0) + count
    found = np.flatnonzero(counts)
    order = found[np.lexsort((found, -counts[found]))]
    result = [{"x": urls[i], "y": y} for i, y in zip(order.tolist(), counts[order].tolist())]
    if unknown:
        unknown.update((row["x"], row["y"]) for row in result)
        return ranked(unknown)
    return result


def raw_query(db, q, website):
    """Returns the same as query(), computed from raw rows only (any filters)."""
    where, params = q.where()
    rows = db.execute(
        f"SELECT p.url AS x, count(*) AS y FROM pageview p WHERE {where}"
        " GROUP BY p.url ORDER BY y DESC, x", params)
    return [{"x": x, "y": y} for x, y in rows]
