"""/metrics/expanded?type=: /metrics with the full stats of each value.

Per value: pageviews (rows), visitors (sessions), visits, bounces (visits with one row of
that value) and totaltime (whole seconds from first to last row, summed over visits),
from groups of (value, session, visit); ordered by visitors, then visits, descending.
The types are those of /metrics (metrics.METRICS is the whitelist).
"""
from . import rows
from ...hosts import bare_host
from .metrics import _BARE_HOSTNAME, PAGE_COLUMNS, SESSION_COLUMNS


def _source(q, website, kind):
    """Returns (table, alias, name SQL, extra where SQL, params) of one type, or None."""
    if kind == "event":
        where, params = q.where("event", "e")
        return "event", "e", "e.event_value", where, params
    table, alias, where, params = rows.where(q)
    if kind in SESSION_COLUMNS:
        return table, alias, SESSION_COLUMNS[kind], where, params
    if kind == "referrer":
        if table != "pageview":
            return None
        own = (f"CASE WHEN {_BARE_HOSTNAME} LIKE 'www.%' THEN substr({_BARE_HOSTNAME}, 5)"
               f" ELSE {_BARE_HOSTNAME} END")
        return (table, alias, "p.referrer_domain",
                f"{where} AND p.referrer_domain IS NOT ? AND p.referrer_domain IS NOT {own}",
                [*params, bare_host(website["domain"])])
    if kind in ("entry", "exit"):
        return table, alias, f"{alias}.url_path", where, params
    column = PAGE_COLUMNS[kind].get(table)
    return None if column is None else (table, alias, f"{alias}.{column}", where, params)


def query(db, q, website, kind, limit, offset, search=None):
    """Returns [{name, pageviews, visitors, visits, bounces, totaltime}] for one type."""
    source = _source(q, website, kind)
    if source is None:
        return []
    table, alias, name, where, params = source
    counted = (f"SELECT {name} AS name, {alias}.session_id AS session_id,"
               f" {alias}.visit_id AS visit_id, {alias}.created_at AS created_at"
               f" FROM {table} {alias} JOIN session s ON s.session_id = {alias}.session_id"
               f" WHERE {where}")
    if kind in ("entry", "exit"):  # each visit's first (last) row, ties included
        edge = "min" if kind == "entry" else "max"
        counted = (f"SELECT name, session_id, visit_id, created_at FROM (SELECT *,"
                   f" {edge}(created_at) OVER (PARTITION BY session_id, visit_id) AS edge"
                   f" FROM ({counted})) WHERE created_at = edge")
    keep = "name IS NOT NULL AND name != ''"
    if search:
        keep += " AND name LIKE ? ESCAPE '\\'"
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params = [*params, f"%{escaped}%"]
    result = db.execute(
        "SELECT name, sum(c), count(DISTINCT session_id), count(*), sum(c = 1), sum(t) FROM ("
        " SELECT name, session_id, count(*) AS c, (max(created_at) - min(created_at)) / 1000"
        f" AS t FROM ({counted}) WHERE {keep} GROUP BY name, session_id, visit_id)"
        " GROUP BY name ORDER BY 3 DESC, 4 DESC, name LIMIT ? OFFSET ?",
        [*params, limit, offset])
    return [{"name": n, "pageviews": views, "visitors": visitors, "visits": visits,
             "bounces": bounces, "totaltime": time}
            for n, views, visitors, visits, bounces, time in result]
