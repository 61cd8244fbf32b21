"""Rollups: summaries of completed UTC hours, days and weeks, derived from the raw rows.

Raw rows stay the truth. When a write lands in a later hour than the website's last
summarized one, the same write transaction summarizes every completed hour since (from
its raw rows), every completed UTC day (from its 24 hour summaries) and every completed
week of 168 hours since the epoch (from its 7 day summaries). A write into an
already summarized hour (a request that started before the hour ended, a moved test
clock, a bulk load) re-summarizes that hour and its day in the same transaction, so a
summary always equals what its raw rows say. Stats read summaries for the completed
hours of a range and raw rows for the rest (see rollup_read.py).

Per website, hour (span 1), UTC day (span 24) or week (span 168; spans are keyed by their
first hour), and url_key (0 for all urls, else one url's rollup_key id, which serves the
dashboard's url filter). Per url, every hour with a row of that url has its summaries; a week
has its own per-url summaries only when the url has pageviews in at least HOT_HOURS[span]
of its hours, and days have none (rows for all 20 k urls cost more space than they save;
readers use the hours where a week has no row of the url):
- rollup_time: pageviews, bounces and totaltime of the (session, UTC hour) groups, and the
  sessions with a pageview: a roaring bitmap, or the session id itself (an integer, ~15 bytes
  less) when there is one session, as in most per-url hours.
- rollup_count: for kind url (url_key 0 only) | referrer | event, two int32 arrays:
  interned key ids (rollup_key) and their counts (see pack()). Self-referrals by the
  session's hostname (which the referrer metric always leaves out, whatever the website's
  settings) are not counted.
Per website: rollup_attr holds, per session attribute value, the bitmap of the sessions
created in summarized hours; rollup_state holds done_hour, the last summarized hour.
"""
from array import array

import numpy as np
from pyroaring import BitMap

from ..hosts import bare_host
from . import read as rr
from . import visits
from .format import (ATTRS, COUNT_KINDS, COUNT_SQL, DAY_HOURS, HOUR_MS, KIND_CODES,  # noqa: F401
                     SPANS, TABLES, WEEK_HOURS, pack, unpack)
from .keys import intern_keys, known_keys as _known_keys
from .read import done_hour  # noqa: F401 (callers read it here too)

# span -> hours with pageviews that give a url its own row of that span: 1/3 of a week's
# hours. Measured at 3 M pageviews / 30 days: such week rows cost 1.7 B/pageview; day rows
# (8 of 24 hours) cost 3.4 and saved no measurable time, as a range has few edge days.
HOT_HOURS = {WEEK_HOURS: 56}
# The busiest urls of a week that get its per-url rows: the write completing a week builds
# them while holding the write lock (at 10 M pageviews / 30 days, ~3,200 busy urls took 3.2 s
# of CPU, near the 5 s busy timeout; 500 take ~0.5 s). Other urls read their hours.
HOT_URLS_MAX = 500
# the same per url: (url, a, b, c, count)
COUNT_BY_URL_SQL = {
    "referrer": "SELECT p.url, p.referrer, p.referrer_domain, coalesce(s.hostname, ''),"
                " count(*) FROM pageview p JOIN session s ON s.session_id = p.session_id"
                " WHERE p.website_id = ? AND p.created_at BETWEEN ? AND ?"
                " AND p.referrer_domain IS NOT NULL GROUP BY 1, 2, 3, 4",
    "event": "SELECT url, event_type, event_value, '', count(*) FROM event"
             " WHERE website_id = ? AND created_at BETWEEN ? AND ? GROUP BY 1, 2, 3",
}


UNREAD = object()  # catch_up(done=): not read yet


def catch_up(db, website_id, written, urls=None, done=UNREAD, visits_of=None):
    """Brings the summaries up to date after rows were written at `written` (epoch ms, one
    or an iterable). Call inside the write transaction that stored those rows.

    urls, when known (a collect), are the urls of those rows: a write into an hour of an
    already summarized week then rewrites only their per-url week rows, not every busy url's.
    done is done_hour() when the caller read it in this transaction already. visits_of,
    when known, are the (session_id, visit_id) of the rows, in the order of written: a row
    outside its visit's home hour is then checked alone (see visits.py), else every row of
    the hours written after the last summarized one is.
    """
    times = [written] if isinstance(written, int) else list(written)
    hours = {ms // HOUR_MS for ms in times}
    if not hours:
        return
    if done is UNREAD:
        done = done_hour(db, website_id)
    now_hour = max(hours)
    broken = set()
    if done is not None:
        for hour in sorted(h for h in hours if h <= done):
            broken |= _resummarize(db, website_id, hour, done, urls=urls)
    if done is None or done < now_hour - 1:
        broken |= _summarize_until(db, website_id, done, now_hour - 1)
        done = now_hour - 1
    broken |= _tail_claims(db, website_id, done, times, visits_of)
    visits.repair(db, website_id, broken, done)


def _tail_claims(db, website_id, done, times, visits_of):
    """Returns the summarized spans that claim whole a visit with a row among those written
    after done (see visits.py)."""
    if done is None:
        return set()
    if visits_of is None:
        later = {ms // HOUR_MS for ms in times if ms // HOUR_MS > done}
        return visits.note_tail(db, website_id, done, later) if later else set()
    rows = [(s, v, ms // HOUR_MS) for (s, v), ms in zip(visits_of, times)
            if ms // HOUR_MS > done and v // 60 != ms // HOUR_MS]
    if not rows:
        return set()
    sessions, visit_ids, row_hours = zip(*rows)
    return visits.note_rows(db, website_id, sessions, visit_ids, row_hours)


def forget_before(db, website_id, cutoff):
    """Drops the summaries of rows deleted before cutoff (epoch ms) and re-summarizes the
    hour and day holding cutoff; rebuilds rollup_attr without the deleted sessions.
    Call inside the write transaction after (or with) the deletion.
    """
    hour = cutoff // HOUR_MS
    db.execute("DELETE FROM rollup_time WHERE website_id = ? AND hour + span <= ?",
               (website_id, hour))
    db.execute("DELETE FROM rollup_count WHERE website_id = ? AND hour + span <= ?",
               (website_id, hour))
    visits.forget_before(db, website_id, hour)
    done = done_hour(db, website_id)
    if done is None:
        return
    if hour <= done:
        # urls of the deleted rows may be gone from the hour: clear all of its summaries
        visits.repair(db, website_id, _resummarize(db, website_id, hour, done, scan=True),
                      done)
    db.execute("DELETE FROM rollup_attr WHERE website_id = ?", (website_id,))
    _add_new_sessions(db, website_id, 0, (done + 1) * HOUR_MS - 1)


def _summarize_until(db, website_id, done, target):
    """Summarizes every hour in (done, target] that has rows; moves done_hour to target.

    Those hours (and the days and weeks not yet complete at done) have no summary rows
    yet, so nothing is cleared; the sessions created in the whole range are added at once.
    Returns the spans whose visit claims the new hours broke (see visits.py).
    """
    broken = set()
    touched = set()   # (span, first hour) of the days and weeks holding summarized hours
    if done is not None:
        touched.update(_spans_of(done))   # not complete at done, so not summarized yet
    hour = -1 if done is None else done
    last = done   # the last hour summarized, whose visits wait for the next hour's rows
    while True:
        hour = _next_hour_with_rows(db, website_id, hour + 1, target)
        if hour is None:
            break
        summarize_hour(db, website_id, hour)
        broken |= visits.summarize_hour(db, website_id, hour, False)
        touched.update(_spans_of(hour))
        if last is not None:
            visits.finalize(db, website_id, 1, last)
        last = hour
    if last is not None and last < target:
        visits.finalize(db, website_id, 1, last)
    if done is not None:   # the days and weeks done completed: their last hour is final now
        visits.rebuild_spans(db, website_id, [(span, first) for span, first in _spans_of(done)
                                              if first + span - 1 == done], target)
    db.execute("INSERT INTO rollup_state (website_id, done_hour) VALUES (?, ?)"
               " ON CONFLICT (website_id) DO UPDATE SET done_hour = excluded.done_hour",
               (website_id, target))
    for span, first in sorted(touched):   # days before the weeks made of them
        if first + span - 1 <= target and (done is None or first + span - 1 > done):
            summarize_span(db, website_id, span, first, replace=False)
            visits.summarize_span(db, website_id, span, first, first + span - 1 < target)
    _add_new_sessions(db, website_id, 0 if done is None else (done + 1) * HOUR_MS,
                      (target + 1) * HOUR_MS - 1)
    return broken


def _next_hour_with_rows(db, website_id, from_hour, to_hour):
    """Returns the first hour in [from_hour, to_hour] holding a pageview or event, or None."""
    if from_hour > to_hour:
        return None
    bounds = (website_id, from_hour * HOUR_MS, (to_hour + 1) * HOUR_MS - 1)
    found = [db.execute(f"SELECT min(created_at) FROM {table}"
                        " WHERE website_id = ? AND created_at BETWEEN ? AND ?",
                        bounds).fetchone()[0] for table in ("pageview", "event")]
    found = [ms for ms in found if ms is not None]
    return min(found) // HOUR_MS if found else None


def _resummarize(db, website_id, hour, done, scan=False, urls=None):
    """Rewrites the summaries of one already summarized hour, and of its day and week if
    complete (of the week, per url: only those of urls when given, see catch_up()).

    Raw rows of a summarized hour only grow (except when pruning, which passes scan), so
    the old per-url rows are among the urls the hour holds now: they are deleted by key
    instead of scanning every summary of the website. Returns the spans whose visit
    claims the hour's rows broke (see visits.py).
    """
    start, end = hour * HOUR_MS, (hour + 1) * HOUR_MS - 1
    url_keys = None if scan else [0, *_hour_url_keys(db, website_id, start, end)]
    _clear(db, website_id, 1, hour, url_keys)
    summarize_hour(db, website_id, hour)
    broken = visits.summarize_hour(db, website_id, hour, hour < done)
    _add_new_sessions(db, website_id, start, end)
    changed = None if urls is None else list(
        _known_keys(db, website_id, "url", [(url, "", "") for url in urls]).values())
    for span, first in _spans_of(hour):   # the day, then the week
        if first + span - 1 <= done:
            if scan:   # urls may have lost hours, and their rows with them
                _clear(db, website_id, span, first)
            summarize_span(db, website_id, span, first, changed=changed)
            visits.summarize_span(db, website_id, span, first, first + span - 1 < done)
    return broken


def _spans_of(hour):
    """Returns [(span, first hour)] of the day and the week holding hour."""
    return [(span, hour - hour % span) for span in SPANS[1:]]


def _hour_url_keys(db, website_id, start, end):
    """Returns the key ids of the interned urls of the raw rows in [start, end]."""
    urls = [row[0] for row in db.execute(
        "SELECT url FROM pageview WHERE website_id = ? AND created_at BETWEEN ? AND ?"
        " UNION SELECT url FROM event WHERE website_id = ? AND created_at BETWEEN ? AND ?",
        (website_id, start, end, website_id, start, end))]
    return list(_known_keys(db, website_id, "url", [(url, "", "") for url in urls]).values())


def summarize_hour(db, website_id, hour):
    """Writes the summaries of one hour (which has none yet) from its raw rows: for all
    urls (url_key 0) and for each url (url_key = its rollup_key id), which serves the
    dashboard's url filter.
    """
    start, end = hour * HOUR_MS, (hour + 1) * HOUR_MS - 1
    out = _Rows()
    urls = {}      # url -> [views, bounces, totaltime, session ids]
    visits = {}    # session id -> [views, first ms, last ms], over every url
    # One pass, streamed: a busy hour has ~10^5 (url, session) groups, and holding them all
    # as tuples took ~70 MB (a summary runs in a server worker). The per-session totals come
    # from the same groups rather than a second GROUP BY (another sort of every row).
    for url, session_id, count, first, last in db.execute(
            "SELECT url, session_id, count(*), min(created_at), max(created_at) FROM pageview"
            " WHERE website_id = ? AND created_at BETWEEN ? AND ? GROUP BY url, session_id",
            (website_id, start, end)):
        cell = urls.get(url)
        if cell is None:
            cell = urls[url] = [0, 0, 0, array("I")]  # (the uint32 a BitMap takes)
        cell[0] += count
        cell[1] += count == 1
        cell[2] += (last - first) // 1000
        cell[3].append(session_id)
        visit = visits.get(session_id)
        if visit is None:
            visits[session_id] = [count, first, last]
        else:
            visit[0] += count
            visit[1] = min(visit[1], first)
            visit[2] = max(visit[2], last)
    everyone = (sum(v[0] for v in visits.values()), sum(v[0] == 1 for v in visits.values()),
                sum((v[2] - v[1]) // 1000 for v in visits.values()))
    by_kind = {kind: _counts_by_url(db, kind, website_id, start, end)
               for kind in ("referrer", "event")}
    all_urls = set(urls).union(*by_kind.values())
    url_ids = dict(zip(all_urls, intern_keys(db, website_id, "url",
                                             [(u, "", "") for u in all_urls])))
    out.time_row(website_id, 0, 1, hour, *everyone, BitMap(visits))
    for url, (views, bounces, totaltime, session_ids) in urls.items():
        out.time_row(website_id, url_ids[url], 1, hour, views, bounces, totaltime,
                     BitMap(session_ids))
    out.count_row(website_id, "url", 0, 1, hour, [url_ids[url] for url in urls],
                  [cell[0] for cell in urls.values()])
    for kind, by_url in by_kind.items():
        keys = list({key for counts in by_url.values() for key in counts})
        key_ids = dict(zip(keys, intern_keys(db, website_id, kind, keys)))
        totals = {}
        for url, counts in by_url.items():
            ids = [key_ids[key] for key in counts]
            out.count_row(website_id, kind, url_ids[url], 1, hour, ids, list(counts.values()))
            for key_id, count in zip(ids, counts.values()):
                totals[key_id] = totals.get(key_id, 0) + count
        out.count_row(website_id, kind, 0, 1, hour, list(totals), list(totals.values()))
    out.write(db)


def _counts_by_url(db, kind, website_id, start, end):
    """Returns {url: {(a, b, c): count}} of one kind (referrer | event) in [start, end]."""
    by_url, hosts = {}, {}
    for url, *key, count in db.execute(COUNT_BY_URL_SQL[kind], (website_id, start, end)):
        if kind == "referrer":
            if key[2] not in hosts:
                hosts[key[2]] = bare_host(key[2])
            if key[1] == hosts[key[2]]:
                continue  # a self-referral by hostname: never an external referrer
        by_url.setdefault(url, {})[tuple(key)] = count
    return by_url


def summarize_span(db, website_id, span, first, replace=True, changed=None):
    """Writes the summaries of one day or week from those of the level below (hours or
    days): for all urls, and for each of the (at most HOT_URLS_MAX) busiest urls with
    pageviews in HOT_HOURS[span] of its hours.

    With replace, it first deletes the rows it rewrites, and the per-url rows of every url
    of the span (the busiest may have changed), or only of the url key ids `changed` when
    the caller knows which urls' rows changed (the other urls' rows still hold). Without
    replace, the span must have no rows yet (pruning clears the span before).
    """
    below = SPANS[SPANS.index(span) - 1]
    ranges = [(below, first, first + span - below)]
    hot, present = _busy_urls(db, website_id, span, first)
    if changed is not None:
        hot = sorted(set(hot) & set(changed))
    url_keys = [0, *hot]
    if replace:
        _clear(db, website_id, span, first,
               [0, *(present if changed is None else changed)] if span in HOT_HOURS else [0])
    out = _Rows()
    for url_key in url_keys:   # a url's week reads its hours (its days have no rows)
        found = rr.pick(rr.time_rows(db, website_id, ranges, url_key), ranges)
        if found:
            out.time_row(website_id, url_key, span, first, sum(row[0] for row in found),
                         sum(row[1] for row in found), sum(row[2] for row in found),
                         rr.union([row[3] for row in found]))
        for kind in COUNT_KINDS if url_key == 0 else COUNT_KINDS[1:]:
            ids, totals = rr.sum_count_arrays(rr.summary_pairs(db, website_id, kind, ranges,
                                                               url_key))
            out.count_row(website_id, kind, url_key, span, first, ids.tolist(), totals.tolist())
    out.write(db)


def _busy_urls(db, website_id, span, first):
    """Returns (key ids of the HOT_URLS_MAX urls with pageviews in the most of the span's
    hours, at least HOT_HOURS[span]; key ids of every url with pageviews in the span);
    ([], []) for a span without per-url rows."""
    if span not in HOT_HOURS:
        return [], []
    keys = [unpack(value) for value, in db.execute(
        "SELECT keys FROM rollup_count WHERE website_id = ? AND kind = ? AND url_key = 0"
        " AND span = 1 AND hour BETWEEN ? AND ?",
        (website_id, KIND_CODES["url"], first, first + span - 1))]
    if not keys:
        return [], []
    ids, hours = np.unique(np.concatenate(keys), return_counts=True)
    busy = hours >= HOT_HOURS[span]
    busiest = np.lexsort((ids[busy], -hours[busy]))[:HOT_URLS_MAX]  # ties: lower id first
    return ids[busy][busiest].tolist(), ids.tolist()


def _clear(db, website_id, span, hour, url_keys=None):
    """Deletes the summaries of one hour, day or week: of url_keys, or all (a scan) when None."""
    for table in ("rollup_time", "rollup_count"):
        if url_keys is None:
            db.execute(f"DELETE FROM {table} WHERE website_id = ? AND span = ? AND hour = ?",
                       (website_id, span, hour))
        elif table == "rollup_time":
            db.executemany("DELETE FROM rollup_time WHERE website_id = ? AND url_key = ?"
                           " AND span = ? AND hour = ?",
                           [(website_id, key, span, hour) for key in url_keys])
        else:
            db.executemany("DELETE FROM rollup_count WHERE website_id = ? AND kind = ?"
                           " AND url_key = ? AND span = ? AND hour = ?",
                           [(website_id, code, key, span, hour) for key in url_keys
                            for code in KIND_CODES.values()])


class _Rows:
    """Summary rows of one hour or day, written with two executemany calls at the end."""

    def __init__(self):
        self.time, self.counts = [], []

    def time_row(self, website_id, url_key, span, hour, views, bounces, totaltime, sessions):
        if views:
            self.time.append((website_id, url_key, span, hour, views, bounces, totaltime,
                              sessions.serialize() if len(sessions) > 1 else sessions.min()))

    def count_row(self, website_id, kind, url_key, span, hour, ids, counts):
        if ids:
            self.counts.append((website_id, KIND_CODES[kind], url_key, span, hour, pack(ids),
                                pack(counts)))

    def write(self, db):
        if getattr(db, "engine", None) == "postgres":  # a bytea column holds no INTEGER
            self.time = [(*r[:7], BitMap([r[7]]).serialize() if isinstance(r[7], int) else r[7])
                         for r in self.time]
            self.counts = [(*r[:5], *(array("i", [v]).tobytes() if isinstance(v, int) else v
                                      for v in r[5:])) for r in self.counts]
        db.executemany("INSERT INTO rollup_time (website_id, url_key, span, hour, views,"
                       " bounces, totaltime, sessions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       self.time)
        db.executemany("INSERT INTO rollup_count (website_id, kind, url_key, span, hour, keys,"
                       " counts) VALUES (?, ?, ?, ?, ?, ?, ?)", self.counts)


def _add_new_sessions(db, website_id, start, end):
    """Adds the sessions created in [start, end] to the per-attribute-value bitmaps."""
    members = {}
    for row in db.execute(f"SELECT session_id, {', '.join(ATTRS)} FROM session"
                          " WHERE website_id = ? AND created_at BETWEEN ? AND ?",
                          (website_id, start, end)):
        for attr, value in zip(ATTRS, row[1:]):
            if value is not None:
                members.setdefault((attr, value), []).append(row[0])
    for (attr, value), session_ids in members.items():
        row = db.execute("SELECT sessions FROM rollup_attr WHERE website_id = ? AND attr = ?"
                         " AND value = ?", (website_id, attr, value)).fetchone()
        bitmap = BitMap.deserialize(row[0]) if row else BitMap()
        bitmap.update(session_ids)
        db.execute("INSERT OR REPLACE INTO rollup_attr (website_id, attr, value, sessions)"
                   " VALUES (?, ?, ?, ?)", (website_id, attr, value, bitmap.serialize()))
