"""/metrics?type=: the registry of current-API metric types (it is the whitelist).

Page types count distinct sessions (visitors) per value over the counted rows, as the
current API does; `event` counts events per name; session types count sessions with a
counted row in the range. Empty values are left out; ordered by y desc, then x.
"""
from dataclasses import replace

from pyroaring import BitMap

from ...hosts import bare_host
from ...storage.dialect import ID_COLUMNS
from ...rollups import read as rr
from ...rollups import tallies
from ..metrics import sessions as v1_sessions
from ..metrics.counts import key_counts, ranked, summarized
from . import event_counts, rows, visitors

# Page columns per row table; a column a table lacks (events have no referrer) gives [].
PAGE_COLUMNS = {
    "path": {"pageview": "url_path", "event": "url_path"},
    "title": {"pageview": "page_title", "event": "page_title"},
    "query": {"pageview": "url_query", "event": "url_query"},
    "tag": {"pageview": "tag", "event": "tag"},
    "domain": {"pageview": "referrer_domain"},
    **{f"utm_{k}": {"pageview": f"utm_{k}"}
       for k in ("source", "medium", "campaign", "content", "term")},
}
SESSION_COLUMNS = {
    "browser": "s.browser", "os": "s.os", "device": "s.device", "screen": "s.screen",
    "country": "s.country", "hostname": "s.hostname", "distinctId": "s.distinct_id",
    "language": "lower(substr(s.language, 1, 2))",
}
# A session hostname reduced like a referrer domain: lower case, no port, no `www.`.
_BARE_HOSTNAME = ("lower(CASE WHEN instr(s.hostname, ':') > 0"
                  " THEN substr(s.hostname, 1, instr(s.hostname, ':') - 1)"
                  " ELSE s.hostname END)")


def _page(kind):
    def grouped(q, website):
        table, alias, where, params = rows.where(q)
        column = PAGE_COLUMNS[kind].get(table)
        if column is None:
            return None
        return (f"SELECT {alias}.{column} AS x, count(DISTINCT {alias}.session_id) AS y"
                f" FROM {table} {alias} WHERE {where} GROUP BY x", params)
    return grouped


def _entry_or_exit(order):
    def grouped(q, website):
        table, alias, where, params = rows.where(q)
        row_id = f"{alias}.{ID_COLUMNS[table]}"  # (insertion order on every engine)
        return (f"SELECT x, count(DISTINCT session_id) AS y FROM ("
                f" SELECT {alias}.session_id, {alias}.url_path AS x, row_number() OVER ("
                f"  PARTITION BY {alias}.session_id, {alias}.visit_id"
                f"  ORDER BY {alias}.created_at {order}, {row_id} {order}) AS n"
                f" FROM {table} {alias} WHERE {where}) WHERE n = 1 GROUP BY x", params)
    return grouped


def _referrer(q, website):
    """Referrer domains without self-referrals (website domain or the session's hostname)."""
    table, alias, where, params = rows.where(q)
    if table != "pageview":
        return None
    hostname = f"CASE WHEN {_BARE_HOSTNAME} LIKE 'www.%' THEN substr({_BARE_HOSTNAME}, 5)" \
               f" ELSE {_BARE_HOSTNAME} END"
    return (f"SELECT p.referrer_domain AS x, count(DISTINCT p.session_id) AS y FROM pageview p"
            f" JOIN session s ON s.session_id = p.session_id WHERE {where}"
            f" AND p.referrer_domain IS NOT ? AND p.referrer_domain IS NOT {hostname}"
            " GROUP BY x", [*params, bare_host(website["domain"])])


def _event(q, website):
    where, params = q.where("event", "e")
    return (f"SELECT e.event_value AS x, count(*) AS y FROM event e WHERE {where} GROUP BY x",
            params)


def _session(expression):
    def grouped(q, website):
        table, alias, where, params = rows.where(q)
        return (f"SELECT {expression} AS x, count(*) AS y FROM session s"
                f" WHERE s.session_id IN (SELECT {alias}.session_id FROM {table} {alias}"
                f" WHERE {where}) GROUP BY x", params)
    return grouped


METRICS = {
    **{kind: _page(kind) for kind in PAGE_COLUMNS},
    "entry": _entry_or_exit("ASC"),
    "exit": _entry_or_exit("DESC"),
    "referrer": _referrer,
    "event": _event,
    **{kind: _session(expression) for kind, expression in SESSION_COLUMNS.items()},
}
# Older spellings the current API's clients still send.
ALIASES = {"url": "path", "host": "hostname", "utmSource": "utm_source",
           "utmMedium": "utm_medium", "utmCampaign": "utm_campaign",
           "utmContent": "utm_content", "utmTerm": "utm_term"}


def _summarized_events(db, q, website):
    """Events per name from the hourly summaries (v1 keeps them per type and name)."""
    found = summarized(db, q)
    if found is None:
        return None
    totals = {}
    for (_, name, _), count in key_counts(db, q, "event", *found).items():
        totals[name] = totals.get(name, 0) + count
    return ranked(totals)


def _selected_events(db, q, within):
    """Events per name of the sessions within (sorted ids) only, from the event tallies
    (rollups/tallies.py) and raw rows; None before the first summary."""
    done = rr.done_hour(db, q.website_id)
    if done is None:
        return None
    part = rr.cover(done, q.start, q.end)
    within = tallies.lookup(within)
    found = tallies.of_sessions(tallies.picked(
        tallies.fetch(db, q.website_id, part.summaries, tallies.EVENTS), part.summaries,
        tallies.EVENTS), within)
    return ranked(event_counts.by_name(db, q.website_id, found, event_counts.raw_counts(
        db, q.website_id, part.raw, within)))


# Unfiltered kinds the summaries answer with the current API's counts: sessions with a
# pageview in the range per attribute (language differs: the current API cuts it to two
# letters), events per name; and sessions per path, entry, exit and referrer (visitors.py).
SUMMARIZED = {**{kind: v1_sessions.counter(kind) for kind in
                 ("browser", "os", "device", "country", "screen")},
              "event": _summarized_events}


def query(db, q, website, kind, limit, offset, search=None):
    """Returns [{x, y}] for metric kind (a key of METRICS), by y desc then x, paged.

    Without filters, or with filters on session columns only (browser, country, ...: a row
    passes them exactly when its session does, so the summaries' sessions are narrowed to
    the sessions passing them), the kinds the summaries hold read them (event: the event
    tallies under such filters)."""
    fast = not search and (kind in SUMMARIZED or kind in visitors.KINDS)
    plain, within = q, None
    if fast and q.filters:
        within = rows.selected_sessions(db, q)
        fast = within is not None
        if fast:
            plain = replace(q, filters=())
    if fast and kind in SUMMARIZED:
        if within is None:
            ranked_rows = SUMMARIZED[kind](db, plain, website)
        elif kind == "event":
            ranked_rows = _selected_events(db, plain, within)
        else:
            ranked_rows = SUMMARIZED[kind](db, plain, website, within=BitMap(within.tolist()))
        if ranked_rows is not None:
            kept = [row for row in ranked_rows if row["x"] != ""]
            return kept[offset:offset + limit]
    if fast and kind in visitors.KINDS:
        found = visitors.ranked(db, plain, website, kind, limit, offset, within)
        if found is not None:
            return found
    return raw_query(db, q, website, kind, limit, offset, search)


def raw_query(db, q, website, kind, limit, offset, search=None):
    """Returns the same as query() from raw rows only (any filters)."""
    grouped = METRICS[kind](q, website)
    if grouped is None:
        return []
    sql, params = grouped
    where = "x IS NOT NULL AND x != ''"
    if search:
        where += " AND x LIKE ? ESCAPE '\\'"
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params = [*params, f"%{escaped}%"]
    result = db.execute(f"SELECT x, y FROM ({sql}) WHERE {where} ORDER BY y DESC, x"
                        " LIMIT ? OFFSET ?", [*params, limit, offset])
    return [{"x": x, "y": y} for x, y in result]
