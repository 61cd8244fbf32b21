"""/events: events per event value and local time bucket."""
from ..rollups import read as rr
from ..rollups.read import done_hour
from ..storage.timezones import UNIT_FORMATS, local_bucket_sql


def query(db, q, unit, tz, formats=UNIT_FORMATS):
    """Returns [{x: event_value, t, y}] ordered by t, then x.

    Summarized hours come from rollups, the rest from raw rows; minute buckets and
    filters other than one url read raw rows only.
    """
    done, scope = done_hour(db, q.website_id), rr.scope(db, q)
    if scope is None or done is None or unit == "minute":
        return raw_query(db, q, unit, tz, formats)
    url_key, url = scope
    covers = rr.bucket_covers(done, unit, tz, q.start, q.end, formats)
    rows = rr.count_rows(db, q.website_id, "event",
                         [r for c in covers.values() for r in c.summaries], url_key)
    texts, totals = {}, {}
    for label, part in covers.items():
        pairs = rr.pick(rows, part.summaries)
        summed = rr.sum_counts(pairs)
        missing = [key_id for key_id in summed if key_id not in texts]
        if missing:
            texts.update(rr.key_texts(db, q.website_id, "event", missing))
        for key_id, count in summed.items():
            cell = (texts[key_id][1], label)
            totals[cell] = totals.get(cell, 0) + count
    extra_sql, extra_params = rr.url_clause(url)
    for label, part in covers.items():
        for a, b in part.raw:   # the interval is the bucket's: no local-time SQL
            for value, count in db.execute(
                    "SELECT event_value, count(*) FROM event WHERE website_id = ?"
                    f" AND created_at BETWEEN ? AND ?{extra_sql} GROUP BY 1",
                    [q.website_id, a, b, *extra_params]):
                totals[(value, label)] = totals.get((value, label), 0) + count
    return [{"x": x, "t": t, "y": y}
            for (x, t), y in sorted(totals.items(), key=lambda item: (item[0][1], item[0][0]))]


def raw_query(db, q, unit, tz, formats=UNIT_FORMATS):
    """Returns the same as query(), computed from raw rows only (any filters)."""
    bucket, bucket_params = local_bucket_sql("e.created_at", unit, tz, q.start, q.end, formats)
    where, params = q.where("event", "e")
    rows = db.execute(
        f"SELECT e.event_value AS x, {bucket} AS t, count(*) FROM event e WHERE {where}"
        " GROUP BY x, t ORDER BY t, x", [*bucket_params, *params])
    return [{"x": x, "t": t, "y": y} for x, t, y in rows]
