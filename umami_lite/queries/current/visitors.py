"""The current API's metrics path, entry, exit and referrer without filters, from the
visitor sets of summarized spans (rollups/pairs.py) and the raw rows of the rest.

A range's visitors per path (referrer domain) are the union of its spans' (key, session)
sets and the pairs of its raw rows. Entry and exit: each visit with rows in the range
is either claimed whole by one of its spans, whose entry (exit) set holds it, or it
has a piece in every span it touches; those pieces, with the range's raw rows as pieces,
merged by visit give its first (last) path inside the range, as the raw-row query does.
"""
import numpy as np

from ...hosts import bare_host
from ...rollups import firsts, pairs, pieces, tallies
from ...rollups import read as rr
from ...rollups import visits
from ...rollups.keys import known_keys

KINDS = ("path", "entry", "exit", "referrer")


def ranked(db, q, website, kind, limit, offset, within=None):
    """Returns [{x, y}] of one kind (KINDS) as metrics.raw_query() does without search, or
    None when the website has no summaries yet. q's filters are left out: within (sorted
    session ids, or None for all) stands for them when they are all on session columns,
    since a row passes such filters exactly when its session does."""
    done = rr.done_hour(db, q.website_id)
    if done is None:
        return None
    part = rr.cover(done, q.start, q.end)
    texts = {}   # stand-in key id -> text, of values no summary has interned
    fast = within is None and kind in firsts.KINDS and \
        firsts.usable(db, q.website_id, kind, part, q.start, done)
    if fast and kind == "entry":
        extra = _entry_pairs(db, q.website_id, part, q.start, done, texts)
        fast = extra is not None
    elif fast:
        extra = _raw_pairs(db, q.website_id, kind, part.raw, texts)
    if fast:
        keys, counts = firsts.counted(db, q.website_id, kind, part, q.start, extra)
    else:
        keys, counts = _union_counts(db, q.website_id, kind, part, within, texts)
    left_out = [""] + ([bare_host(website["domain"])] if kind == "referrer" else [])
    key_kind = pairs.KEY_KINDS[kind]
    dropped = set(known_keys(db, q.website_id, key_kind,
                             [(text, "", "") for text in left_out if text is not None]).values())
    dropped |= {key for key, text in texts.items() if text in left_out}
    if dropped:
        keep = ~np.isin(keys, list(dropped))
        keys, counts = keys[keep], counts[keep]
    wanted = offset + limit
    if wanted <= 0 or not len(keys):
        return []
    if len(keys) > wanted:   # the values that can make the page: ties at its last count too
        least = np.partition(counts, len(counts) - wanted)[len(counts) - wanted]
        chosen = counts >= least
        keys, counts = keys[chosen], counts[chosen]
    named = {**_texts(db, q.website_id, key_kind, [k for k in keys.tolist() if k not in texts]),
             **texts}
    rows = sorted(zip(counts.tolist(), keys.tolist()), key=lambda r: (-r[0], named[r[1]]))
    return [{"x": named[key], "y": count} for count, key in rows[offset:wanted]]


def _union_counts(db, website_id, kind, part, within, texts):
    """Returns (keys, sessions per key) of the union of the cover's visitor sets and the
    pairs of its raw rows (of the sessions within only, unless None)."""
    found = pairs.fetch(db, website_id, kind, part.summaries)
    if kind in ("path", "referrer"):
        extra = _raw_pairs(db, website_id, kind, part.raw, texts)
    else:
        extra = _crossing(db, website_id, kind, part, texts)
    if extra is not None and len(extra):
        found.append(np.unique(extra))
    every = pairs.union(found)
    if within is not None:
        every = every[tallies.members((every & pairs.LOW).astype(np.int64),
                                      tallies.lookup(within))]
    return pairs.counted(every)


def _texts(db, website_id, key_kind, ids):
    return {key: texts[0] for key, texts in rr.key_texts(db, website_id, key_kind, ids).items()}


def _resolve(db, website_id, key_kind, values, texts):
    """Returns the key ids of value texts (an int64 array); a text never interned gets a
    stand-in id, kept in texts."""
    distinct = sorted(set(values))
    known = known_keys(db, website_id, key_kind, [(t, "", "") for t in distinct])
    ids = {}
    for text in distinct:
        key = known.get((text, "", ""))
        if key is None:
            key = visits.STAND_IN - len(texts)
            texts[key] = text
        ids[text] = key
    return np.array([ids[v] for v in values], np.int64)


def _raw_pairs(db, website_id, kind, intervals, texts):
    """Returns the codes of the (value, session) pairs of the raw rows in intervals."""
    if not intervals:
        return None
    where, params = rr.raw_where(intervals, "p.created_at")
    if kind == "path":
        sql = f"SELECT DISTINCT p.url_path, p.session_id FROM pageview p WHERE p.website_id = ?" \
              f" AND {where}"
    else:
        sql = pairs.referrer_sql(f"p.website_id = ? AND {where}")
    rows = db.execute(sql, [website_id, *params]).fetchall()
    if not rows:
        return None
    values, sessions = zip(*rows)
    return pairs.codes(_resolve(db, website_id, pairs.KEY_KINDS[kind], values, texts), sessions)


def _raw_pieces(db, website_id, part, texts):
    """Returns the pieces of the visits with rows in the raw intervals of part."""
    found = visits.rows_in(db, website_id, part.raw) if part.raw else None
    if found is None:
        return pieces.EMPTY
    session, visit, at, path = found
    ids = _resolve(db, website_id, visits.PATH_KIND, path, texts)
    return visits.as_pieces(session, visit, at, ids)


def _merged_pieces(db, website_id, part, texts, raw=None):
    """Returns the visits no span of the range claims whole, as pieces merged from the
    spans' pieces and the raw rows (raw: their pieces, when already read)."""
    raw = _raw_pieces(db, website_id, part, texts) if raw is None else raw
    return pieces.merged([*(row[3] for row in rr.visit_rows(db, website_id, part.summaries)),
                          raw])


def _crossing(db, website_id, kind, part, texts):
    """Returns the codes of the (first or last path, session) of the visits no span of the
    range claims whole."""
    merged = _merged_pieces(db, website_id, part, texts)
    return pairs.codes(merged[kind], merged["session"]) if len(merged) else None


def _entry_pairs(db, website_id, part, start, done, texts):
    """Returns the codes (each once) of the (entry path inside the range, session) of the
    range's visits that the first-seen counts leave out: those homed before its start
    hour or after the last summarized hour done. None when a raw row's visit homed in
    between has no row in its home hour (not summarized yet, so not known to the counts)."""
    first = start // rr.HOUR_MS
    raw = _raw_pieces(db, website_id, part, texts)
    home = raw["visit"] // 60
    between = raw[(home >= first) & (home <= done)]
    if not visits.in_home_hour(db, website_id, between).all():
        return None
    merged = _merged_pieces(db, website_id, part, texts, raw)
    home = merged["visit"] // 60
    kept = merged[(home < first) | (home > done)]
    return np.unique(pairs.codes(kept["entry"], kept["session"]))
