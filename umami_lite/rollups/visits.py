"""Visit summaries of summarized hours, days and weeks (rollup_visit, rollup_cross), for the
current API's /stats: visits, bounces and totaltime of (session_id, visit_id) groups.

Per span: the totals of the visits whose rows all lie inside it (claimed whole) and a
piece (pieces.py) of every other visit with rows in it. A claim must hold for every row
ever written, whatever order rows come in (late hits, imports of foreign visits), so:
- a visit is claimed only by its home spans, those holding its home hour (visit_id // 60,
  the minute ingest started it in), and only when no other hour holds rows of it: the
  writer lists in rollup_cross every visit with rows outside its home hour;
- a span whose next hour is not complete yet (the last summarized one) does not claim a
  visit whose last row is less than OPEN_MS before its end: ingest keeps a visit while
  hits are less than 30 minutes apart, so it may go on; once the next hour is complete,
  finalize() claims those that did not (a visit of ingest cannot skip an hour);
- a row written later outside its visit's home hour (a late or imported hit) that a span
  claims whole makes the writer rebuild that span (note_rows(), repair()).
Each summarized span with pageviews has a row, also without pieces, and its visitor sets
(pairs.py) and per-session tallies (tallies.py) are written with it, and its event
tallies (also for spans with events only). Raw rows stay the
truth: every span can be rebuilt from them (an hour) or from the spans below it.
"""
import numpy as np

from . import firsts, pairs
from . import pieces as vp
from . import tallies
from .format import DAY_HOURS, HOUR_MS, WEEK_HOURS
from .keys import intern_keys, known_keys

OPEN_MS = 30 * 60 * 1000  # ingest.record's visit timeout
# Paths are interned as urls: a path is the url of its rows without a query, most often a
# url already interned (a key without summaries counts nothing in the url metric).
PATH_KIND = "url"
STAND_IN = (1 << 32) - 1  # stand-in key ids count down from here (see path_ids())
SPANS = (1, DAY_HOURS, WEEK_HOURS)


def summarize_hour(db, website_id, hour, final):
    """Writes (replacing) the visit summary of one hour from its raw rows, and its visitor
    sets (pairs.py); final when the next hour is complete. Returns the spans whose claims
    its rows contradict."""
    return _claimed(db, website_id, _summarize_hour(db, website_id, hour, final))


def _summarize_hour(db, website_id, hour, final):
    """summarize_hour(), returning what _list_cross() returns for the hour's pieces."""
    old = _row(db, website_id, 1, hour)
    if old is not None:  # its cross rows, listed again below if still there
        foreign = old[3][old[3]["visit"] // 60 != hour]
        db.executemany("DELETE FROM rollup_cross WHERE website_id = ? AND home = ?"
                       " AND session_id = ? AND visit_id = ? AND hour = ?",
                       [(website_id, v // 60, s, v, hour) for s, v in
                        zip(foreign["session"].tolist(), foreign["visit"].tolist())])
        _delete(db, website_id, 1, hour)
    before = {kind: pairs.one(db, website_id, 1, hour, kind) if old is not None
              else pairs.EMPTY for kind in firsts.KINDS}
    if old is not None:   # entry: the claimed visits' set holds only some of the homed ones
        before["entry"] = pairs.union([before["entry"], _homed_entries(old[3], hour)])
    pairs.delete(db, website_id, 1, hour)
    tallies.write(db, website_id, 1, hour, tallies.of_events(db, website_id, hour),
                  tallies.EVENTS)
    found = rows_in(db, website_id, [(hour * HOUR_MS, (hour + 1) * HOUR_MS - 1)])
    if found is None:
        for kind, old_set in before.items():
            firsts.note_hour(db, website_id, hour, kind, old_set, pairs.EMPTY)
        return {}
    session, visit, at, path = found
    ids = path_ids(db, website_id, path)
    every = as_pieces(session, visit, at, ids)
    whole = _whole(db, website_id, every, hour, hour, final)
    kept = every[~whole]
    _write(db, website_id, 1, hour, vp.totals(every[whole]), kept)
    tallies.write(db, website_id, 1, hour, tallies.of_pieces(every, whole))
    _write_ends(db, website_id, 1, hour, every[whole])
    _check_homes(db, website_id, every, hour)
    now = {"path": pairs.pair_set(ids, session), "referrer": pairs.EMPTY}
    where = "p.website_id = ? AND p.created_at BETWEEN ? AND ?"
    domains = db.execute(pairs.referrer_sql(where), (website_id, hour * HOUR_MS,
                                                     (hour + 1) * HOUR_MS - 1)).fetchall()
    if domains:
        texts, sessions = zip(*domains)
        keys = intern_keys(db, website_id, pairs.KEY_KINDS["referrer"],
                           [(text, "", "") for text in texts])
        now["referrer"] = pairs.pair_set(keys, sessions)
    for kind, found_set in now.items():
        pairs.write(db, website_id, 1, hour, kind, found_set)
        firsts.note_hour(db, website_id, hour, kind, before[kind], found_set)
    firsts.note_hour(db, website_id, hour, "entry", before["entry"],
                     _homed_entries(every, hour))
    return _list_cross(db, website_id, kept["session"], kept["visit"], np.full(len(kept), hour))


def _homed_entries(every, hour):
    """Returns the (first path, session) set of the visits homed in hour among its pieces."""
    homed = every[every["visit"] // 60 == hour]
    return pairs.pair_set(homed["entry"], homed["session"])


def _check_homes(db, website_id, every, hour):
    """Makes entry's first-seen counts inexact up to the home hour of any visit of this
    hour that may not have its first row in its home hour: one with a row before it, or
    one going on from a home hour whose summary holds no piece of it."""
    home = every["visit"] // 60
    if (home > hour).any():
        firsts.inexact_before(db, website_id, "entry", int(home.max()) + 1)
    earlier = every[home < hour]
    unhomed = earlier[~in_home_hour(db, website_id, earlier)]
    if len(unhomed):
        firsts.inexact_before(db, website_id, "entry", int(unhomed["visit"].max()) // 60 + 1)


def in_home_hour(db, website_id, every):
    """Returns a mask of the pieces every whose visit has a row in its home hour: most
    have a piece in its summary; the others (claimed there until a repair, or in an hour
    not summarized) are looked up in its raw rows."""
    found = np.zeros(len(every), bool)
    homes = every["visit"] // 60
    for first in np.unique(homes).tolist():
        mine = homes == first
        row = _row(db, website_id, 1, first)
        if row is not None:
            found[mine] = _listed(every[mine], _pairs(row[3]))
        if not found[mine].all():
            seen = {(session, visit) for session, visit in db.execute(
                "SELECT DISTINCT session_id, visit_id FROM pageview WHERE website_id = ?"
                " AND created_at BETWEEN ? AND ?",
                (website_id, first * HOUR_MS, (first + 1) * HOUR_MS - 1))}
            found[mine] = _listed(every[mine], seen)
    return found


def rows_in(db, website_id, intervals):
    """Returns the pageviews in the [a, b] intervals as arrays (session, visit, created_at)
    and their paths, sorted by visit, then time and row id (the current API's order of a
    visit); None without rows."""
    where = " OR ".join("created_at BETWEEN ? AND ?" for _ in intervals)
    rows = db.execute("SELECT session_id, visit_id, created_at, pageview_id, url_path"
                      f" FROM pageview WHERE website_id = ? AND ({where})",
                      [website_id, *(bound for pair in intervals for bound in pair)]).fetchall()
    if not rows:
        return None
    session, visit, at, row_id, path = zip(*rows)
    session, visit = np.array(session, np.int64), np.array(visit, np.int64)
    at, row_id = np.array(at, np.int64), np.array(row_id, np.int64)
    order = np.lexsort((row_id, at, visit, session))
    return session[order], visit[order], at[order], [path[i] for i in order.tolist()]


def path_ids(db, website_id, paths, intern=True):
    """Returns the key ids of paths (an int64 array). Without intern, a path never
    interned gets a stand-in id from the top of the 32-bit range (for reads)."""
    texts = sorted(set(paths))
    if intern:
        ids = dict(zip(texts, intern_keys(db, website_id, PATH_KIND,
                                          [(t, "", "") for t in texts])))
    else:
        known = known_keys(db, website_id, PATH_KIND, [(t, "", "") for t in texts])
        ids = {t: known.get((t, "", ""), STAND_IN - i) for i, t in enumerate(texts)}
    return np.array([ids[p] for p in paths], np.int64)


def as_pieces(session, visit, at, ids):
    """Returns one piece per visit of rows sorted as rows_in() gives them (ids: the key id of
    each row's path)."""
    starts = np.flatnonzero(np.r_[True, (session[1:] != session[:-1])
                                  | (visit[1:] != visit[:-1])])
    ends = np.r_[starts[1:], len(session)] - 1
    every = np.zeros(len(starts), vp.PIECE)
    every["session"], every["visit"] = session[starts], visit[starts]
    every["views"] = ends - starts + 1
    every["first"], every["last"] = at[starts], at[ends]
    every["entry"], every["exit"] = ids[starts], ids[ends]
    return every


def _write_ends(db, website_id, span, first, whole, more=()):
    """Stores the entry and exit visitor sets of a span: of its visits claimed whole (merged
    pieces), with the sets in more ({kind: [codes]}, those of the spans below)."""
    for kind in ("entry", "exit"):
        found = pairs.union([pairs.pair_set(whole[kind], whole["session"]),
                             *dict(more).get(kind, [])])
        pairs.write(db, website_id, span, first, kind, found)


def _whole(db, website_id, every, first, last, final):
    """Returns a mask of the visits (merged pieces of the hours first..last) that the span
    claims whole: homed in it, with no rows in another hour, not possibly going on."""
    home = every["visit"] // 60
    whole = (home >= first) & (home <= last)
    if not final:
        whole &= every["last"] < (last + 1) * HOUR_MS - OPEN_MS
    crossed = {(s, v) for s, v in db.execute(
        "SELECT session_id, visit_id FROM rollup_cross WHERE website_id = ?"
        " AND home BETWEEN ? AND ? AND (hour < ? OR hour > ?)",
        (website_id, first, last, first, last))}
    return whole & ~_listed(every, crossed)


def finalize(db, website_id, span, first):
    """Claims the visits a span kept only because its next hour was not complete yet (it
    is now): homed in it, without rows in other hours."""
    row = _row(db, website_id, span, first)
    if row is None:
        return
    kept = row[3]
    whole = _whole(db, website_id, kept, first, first + span - 1, True)
    if whole.any():
        more = vp.totals(kept[whole])
        _delete(db, website_id, span, first)
        _write(db, website_id, span, first, [a + b for a, b in zip(row[:3], more)], kept[~whole])
        claimed = tallies.of_pieces(kept[whole], np.ones(int(whole.sum()), bool), views=False)
        tallies.write(db, website_id, span, first,
                      tallies.combined([tallies.one(db, website_id, span, first), claimed]))
        _write_ends(db, website_id, span, first, kept[whole],
                    {kind: [pairs.one(db, website_id, span, first, kind)]
                     for kind in ("entry", "exit")})


def summarize_span(db, website_id, span, first, final):
    """Writes (replacing) the visit summary and visitor sets of a day from its hours, a
    week from its days; final when the hour after it is complete."""
    below = SPANS[SPANS.index(span) - 1]
    last = first + span - 1
    _delete(db, website_id, span, first)
    pairs.delete(db, website_id, span, first)
    for kind in firsts.KINDS:
        firsts.note_span(db, website_id, span, first, below, kind)
    tallies.write(db, website_id, span, first, tallies.events_combined(
        tallies.below(db, website_id, span, first, below, tallies.EVENTS)), tallies.EVENTS)
    rows = list(db.execute("SELECT hour, visits, bounces, totaltime, pieces FROM rollup_visit"
                           " WHERE website_id = ? AND span = ? AND hour BETWEEN ? AND ?",
                           (website_id, below, first, last)))
    if not rows:
        return
    every = vp.merged([vp.unpack(row[4], row[0] * HOUR_MS) for row in rows])
    whole = _whole(db, website_id, every, first, last, final)
    more = vp.totals(every[whole])
    _write(db, website_id, span, first, [sum(row[index] for row in rows) + more[index - 1]
                                         for index in (1, 2, 3)], every[~whole])
    claimed = tallies.of_pieces(every[whole], np.ones(int(whole.sum()), bool), views=False)
    tallies.write(db, website_id, span, first, tallies.combined(
        [*tallies.below(db, website_id, span, first, below), claimed]))
    for kind in ("path", "referrer"):
        pairs.write(db, website_id, span, first, kind,
                    pairs.union(pairs.below(db, website_id, span, first, below, kind)))
    _write_ends(db, website_id, span, first, every[whole],
                {kind: pairs.below(db, website_id, span, first, below, kind)
                 for kind in ("entry", "exit")})


def _listed(every, pairs):
    """Returns a mask: which pieces' (session, visit) are in pairs."""
    if not pairs:
        return np.zeros(len(every), bool)
    return np.array([(s, v) in pairs for s, v in
                     zip(every["session"].tolist(), every["visit"].tolist())], bool)


def _pairs(kept):
    return set(zip(kept["session"].tolist(), kept["visit"].tolist()))


def _row(db, website_id, span, hour):
    row = db.execute("SELECT visits, bounces, totaltime, pieces FROM rollup_visit"
                     " WHERE website_id = ? AND span = ? AND hour = ?",
                     (website_id, span, hour)).fetchone()
    if row is None:
        return None
    return (*row[:3], vp.unpack(row[3], hour * HOUR_MS))


def _delete(db, website_id, span, hour):
    db.execute("DELETE FROM rollup_visit WHERE website_id = ? AND span = ? AND hour = ?",
               (website_id, span, hour))


def _write(db, website_id, span, hour, whole, kept):
    db.execute("INSERT INTO rollup_visit (website_id, span, hour, visits, bounces, totaltime,"
               " pieces) VALUES (?, ?, ?, ?, ?, ?, ?)",
               (website_id, span, hour, *whole, vp.pack(kept, hour * HOUR_MS)))


def note_rows(db, website_id, sessions, visits, hours):
    """Lists in rollup_cross the visits (sessions, visits: arrays) with rows in hours outside
    their home hour (summarized or not yet); returns the summarized spans {(span, first
    hour)} that claim one of them whole, for repair()."""
    return _claimed(db, website_id, _list_cross(db, website_id, sessions, visits, hours))


def _list_cross(db, website_id, sessions, visits, hours):
    """Lists in rollup_cross the visits with rows outside their home hour (see note_rows());
    returns {(span, first hour): {(session, visit)}}: the spans holding such a visit's home
    hour but not the row, which must not claim it."""
    visits, hours = np.asarray(visits, np.int64), np.asarray(hours, np.int64)
    homes = visits // 60
    outside = homes != hours
    sessions = np.asarray(sessions, np.int64)
    rows = list(zip(homes[outside].tolist(), sessions[outside].tolist(),
                    visits[outside].tolist(), hours[outside].tolist()))
    db.executemany("INSERT OR IGNORE INTO rollup_cross (website_id, home, session_id, visit_id,"
                   " hour) VALUES (?, ?, ?, ?, ?)", [(website_id, *row) for row in rows])
    wanted = {}
    for home, s, v, hour in rows:
        for span in SPANS:
            unit = home - home % span
            if not unit <= hour < unit + span:
                wanted.setdefault((span, unit), set()).add((s, v))
    return wanted


def _claimed(db, website_id, wanted):
    """Returns the units of wanted (see _list_cross()) whose summary claims one of their
    visits whole."""
    return {unit for unit, pairs in wanted.items() if _claims(db, website_id, *unit, pairs)}


def note_tail(db, website_id, after_hour, hours=None):
    """note_rows() for the rows after after_hour (not summarized): of the hours given, or
    all of them."""
    rows = db.execute("SELECT DISTINCT session_id, visit_id, created_at / ? FROM pageview"
                      " WHERE website_id = ? AND created_at >= ?",
                      (HOUR_MS, website_id, (after_hour + 1) * HOUR_MS)).fetchall()
    if hours is not None:
        rows = [row for row in rows if row[2] in hours]
    if not rows:
        return set()
    sessions, visits, row_hours = zip(*rows)
    return note_rows(db, website_id, sessions, visits, row_hours)


def _claims(db, website_id, span, first, pairs):
    """Returns whether a summarized span claims whole one of the visits in pairs (which have
    rows outside it): it holds rows of the visit and does not list it among its pieces."""
    row = _row(db, website_id, span, first)
    if row is None:
        return False
    missing = pairs - _pairs(row[3])
    return any(_has_rows(db, website_id, span, first, *pair) for pair in sorted(missing))


def _has_rows(db, website_id, span, first, session, visit):
    """Returns whether the visit has rows in the span: in its home hour (raw rows), or in
    another hour of the span, which lists it among its pieces (it is not that hour's)."""
    home = visit // 60
    if first <= home < first + span and db.execute(
            "SELECT 1 FROM pageview WHERE website_id = ? AND created_at BETWEEN ? AND ?"
            " AND session_id = ? AND visit_id = ? LIMIT 1",
            (website_id, home * HOUR_MS, (home + 1) * HOUR_MS - 1, session, visit)).fetchone():
        return True
    if span == 1:
        return False
    below = SPANS[SPANS.index(span) - 1]
    return any((session, visit) in _pairs(vp.unpack(blob, hour * HOUR_MS)) for hour, blob in
               db.execute("SELECT hour, pieces FROM rollup_visit WHERE website_id = ?"
                          " AND span = ? AND hour BETWEEN ? AND ?",
                          (website_id, below, first, first + span - 1)))


def repair(db, website_id, broken, done):
    """Rebuilds the spans in broken (see note_rows()) and the summarized days and weeks
    holding them, until no rebuilt span claims a visit it must not; done is the last
    summarized hour. A rebuilt span lists the visits with rows elsewhere (rollup_cross
    knows them now), so no claim is broken twice.

    The claims that a round's rebuilt hours contradict are checked after the round has
    rebuilt its days and weeks too: a day broken by the same write as one of its visits'
    other hours still claims that visit while the hour is rebuilt, and is right once
    rebuilt itself."""
    rebuilt = set()
    while broken:
        if broken & rebuilt:
            raise RuntimeError(f"visit summaries of {sorted(broken & rebuilt)} stay wrong")
        rebuilt |= broken
        spans, wanted = set(broken), {}
        for hour in sorted(unit for span, unit in broken if span == 1):
            for unit, found in _summarize_hour(db, website_id, hour, hour < done).items():
                wanted.setdefault(unit, set()).update(found)
            spans |= {(span, hour - hour % span) for span in SPANS[1:]}
        rebuild_spans(db, website_id, spans, done)
        broken = _claimed(db, website_id, wanted)


def rebuild_spans(db, website_id, spans, done):
    """Rebuilds the summarized days and weeks among spans {(span, first hour)}, days first,
    and the weeks holding a rebuilt day."""
    spans = set(spans)
    for span in SPANS[1:]:
        for first in sorted(unit for s, unit in spans if s == span):
            if _row(db, website_id, span, first) is not None:
                summarize_span(db, website_id, span, first, first + span - 1 < done)
                spans.add((WEEK_HOURS, first - first % WEEK_HOURS))


def forget_before(db, website_id, hour):
    """Drops the visit summaries of spans ending before hour, and the cross rows of the
    hours before it (their rows were deleted)."""
    db.execute("DELETE FROM rollup_visit WHERE website_id = ? AND hour + span <= ?",
               (website_id, hour))
    db.execute("DELETE FROM rollup_cross WHERE website_id = ? AND hour < ?", (website_id, hour))
    pairs.forget_before(db, website_id, hour)
    firsts.forget_before(db, website_id, hour)
