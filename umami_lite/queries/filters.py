"""The common part of every stats query: website, inclusive time range, filters.

Filter names map to columns through FILTERS, the whitelist; values are always bound.
"""
import re
from dataclasses import dataclass, replace

from ..errors import bad_request
from ..rollups.format import HOUR_MS
from ..storage.like import like_pattern

# filter name -> (where the column lives, column). "hit" columns exist on both pageview
# and event rows; "pageview" ones only on pageviews; "session" ones on the session row.
FILTERS = {
    "url": ("hit", "url"),
    "path": ("hit", "url_path"),
    "query": ("hit", "url_query"),
    "referrer": ("pageview", "referrer_domain"),
    "title": ("hit", "page_title"),
    "tag": ("hit", "tag"),
    "utm_source": ("pageview", "utm_source"),
    "utm_medium": ("pageview", "utm_medium"),
    "utm_campaign": ("pageview", "utm_campaign"),
    "utm_content": ("pageview", "utm_content"),
    "utm_term": ("pageview", "utm_term"),
    "event": ("event", "event_value"),
    "hostname": ("session", "hostname"),
    "browser": ("session", "browser"),
    "os": ("session", "os"),
    "device": ("session", "device"),
    "country": ("session", "country"),
    "language": ("session", "language"),
    "screen": ("session", "screen"),
    "distinct_id": ("session", "distinct_id"),
    # a saved cohort: its sessions (Cohort below)
    "cohort": ("cohort", None),
    # Umami knows these; umami-lite stores no region or city, so no session has one.
    "region": ("absent", None),
    "city": ("absent", None),
}
OPERATORS = ("eq", "neq", "c", "dnc")
# "hit" columns a table of hits does not have: a filter on one matches none of its rows. A
# vitals sample stores its page's path and title only.
HIT_COLUMNS_LACKING = {"vitals": ("url", "url_query", "tag")}

# Current API parameter name -> FILTERS key. `url` and `host` are the names the Python
# client used before it switched to `path` and `hostname`.
PARAM_FILTERS = {
    "path": "path", "url": "path", "referrer": "referrer", "title": "title", "query": "query",
    "browser": "browser", "os": "os", "device": "device", "country": "country",
    "region": "region", "city": "city", "hostname": "hostname", "host": "hostname",
    "event": "event", "tag": "tag", "language": "language", "screen": "screen",
    "distinctId": "distinct_id", "utmSource": "utm_source", "utmMedium": "utm_medium",
    "utmCampaign": "utm_campaign", "utmContent": "utm_content", "utmTerm": "utm_term",
}
_PARAM_NAME = re.compile(r"([A-Za-z]+?)(\d*)")


def parse_filter(name, raw):
    """Returns the Filter for a current-API parameter value like `neq.Chrome,Firefox`.

    The operator prefix is optional (default eq); eq/neq take comma-separated lists.
    """
    op, sep, rest = raw.partition(".")
    if not sep or op not in OPERATORS:
        op, rest = "eq", raw
    if op in ("eq", "neq"):
        values = tuple(v for v in rest.split(",") if v != "")
    else:
        values = (rest,) if rest else ()
    if not values:
        raise bad_request(f"'{name}' needs a value.")
    if op in ("c", "dnc") and "\x00" in rest:  # a LIKE pattern: see params.search_text
        raise bad_request(f"'{name}' must not contain a NUL character.")
    return Filter(PARAM_FILTERS[_PARAM_NAME.fullmatch(name).group(1)], op, values)


def parse_filters(args):
    """Returns the Filters in args; names may carry a digit suffix to repeat (browser1=...)."""
    filters = []
    for name in args:
        match = _PARAM_NAME.fullmatch(name)
        if match and match.group(1) in PARAM_FILTERS:
            for raw in args.getlist(name):
                filters.append(parse_filter(name, raw))
    return tuple(filters)


@dataclass(frozen=True)
class Filter:
    name: str       # a key of FILTERS
    op: str         # one of OPERATORS
    values: tuple   # eq/neq: any of; c/dnc: substring (first value)


def _condition(column, flt):
    """Returns (sql, params) testing column against one filter."""
    if flt.op in ("eq", "neq"):
        marks = ", ".join("?" for _ in flt.values)
        sql, values = f"{column} IN ({marks})", list(flt.values)
        if flt.name == "language":
            # The language metric groups by the primary subtag (`en` for en-US and
            # en-GB): a value matches it too, so a row of that metric filters to its sessions.
            sql = f"({sql} OR lower(substr({column}, 1, 2)) IN ({marks}))"
            values *= 2
        if flt.op == "neq":
            sql = f"({column} IS NULL OR NOT {sql})"
        return sql, values
    pattern = like_pattern(flt.values[0])
    if flt.op == "c":
        return f"{column} LIKE ? ESCAPE '\\'", [pattern]
    return f"({column} IS NULL OR {column} NOT LIKE ? ESCAPE '\\')", [pattern]


@dataclass(frozen=True)
class Cohort:
    """The sessions with a hit in [start, end] that passes filters and is the action (a
    Filter on path or event); a Filter named "cohort" holds one as its value."""
    start: int
    end: int
    filters: tuple
    action: Filter

    def sessions(self, website_id):
        """Returns (sql, params) selecting the cohort's session ids."""
        query = Query(website_id, self.start, self.end, (*self.filters, self.action))
        table, alias = ("event", "ce") if self.action.name == "event" else ("pageview", "cp")
        where, params = query.where(table, alias)
        return f"SELECT {alias}.session_id FROM {table} {alias} WHERE {where}", params


@dataclass(frozen=True)
class Query:
    website_id: int
    start: int                 # epoch ms, inclusive
    end: int                   # epoch ms, inclusive
    filters: tuple = ()        # Filter, ...

    def where(self, table="pageview", alias="p"):
        """Returns (sql, params) restricting alias (a pageview, event or vitals table) to this
        query.

        A filter on a column the table does not have matches no row: an event has no
        referrer, so "referrer = x" selects no events.
        """
        clauses = [f"{alias}.website_id = ?", f"{alias}.created_at BETWEEN ? AND ?"]
        params = [self.website_id, self.start, self.end]
        for flt in self.filters:
            place, column = FILTERS[flt.name]
            if place == "session":
                sql, values = _condition(f"s.{column}", flt)
                clauses.append(f"{alias}.session_id IN (SELECT s.session_id FROM session s"
                               f" WHERE s.website_id = ? AND {sql})")
                params += [self.website_id, *values]
            elif place == "cohort":
                sql, values = flt.values[0].sessions(self.website_id)
                clauses.append(f"{alias}.session_id IN ({sql})")
                params += values
            elif place == "absent":
                clauses.append("1 = 1" if flt.op in ("neq", "dnc") else "1 = 0")
            elif place == "hit" and column in HIT_COLUMNS_LACKING.get(table, ()):
                clauses.append("1 = 0")
            elif place == "hit" or place == table:
                sql, values = _condition(f"{alias}.{column}", flt)
                clauses.append(sql)
                params += values
            else:
                clauses.append("1 = 0")
        return " AND ".join(clauses), params

    def session_sql(self):
        """Returns (sql, params) selecting the ids of the sessions this query's filters
        leave when every filter is on a session column (then a row passes them exactly when
        its session is one of these); None without filters or with any other filter."""
        if not self.filters or any(FILTERS[f.name][0] != "session" for f in self.filters):
            return None
        clauses, params = ["s.website_id = ?"], [self.website_id]
        for flt in self.filters:
            sql, values = _condition(f"s.{FILTERS[flt.name][1]}", flt)
            clauses.append(sql)
            params += values
        return f"SELECT s.session_id FROM session s WHERE {' AND '.join(clauses)}", params

    def narrowed(self, db, table):
        """Returns this query with its range cut to the UTC hours of the first and last row in it.

        Time-zone bucketing probes the zone across the range and rollups split it, so a
        caller's "0 to year 9999" costs what the data costs. Without rows, the range shrinks
        to its first millisecond. table is "pageview" or "event", from code only. Filters are
        left out: two index seeks give a range that still holds every matching row.
        """
        # two subqueries: SQLite answers a lone min() or max() with one index seek, but
        # scans the whole range for both in one SELECT (seconds at 10 M rows)
        bounded = f"FROM {table} WHERE website_id = :w AND created_at BETWEEN :a AND :b"
        first, last = db.execute(
            f"SELECT (SELECT min(created_at) {bounded}), (SELECT max(created_at) {bounded})",
            {"w": self.website_id, "a": self.start, "b": self.end}).fetchone()
        if first is None:
            return replace(self, end=self.start)
        # widened to whole UTC hours inside the range (no rows there either), so rollups
        # serve the edge hours instead of raw rows
        return replace(self, start=max(self.start, first - first % HOUR_MS),
                       end=min(self.end, last - last % HOUR_MS + HOUR_MS - 1))
