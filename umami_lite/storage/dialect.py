"""The few places where PostgreSQL's SQL differs from SQLite's, translated in one spot.

The code writes SQLite's SQL; a statement sent to PostgreSQL goes through translate()
once (the result is cached): `?` placeholders become `%s`, INSERT OR IGNORE / OR REPLACE
become ON CONFLICT clauses, json_group_array / json_group_object / json_each become their
PostgreSQL equivalents, LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case), and a
handful of scalar functions map to theirs. Functions PostgreSQL lacks under SQLite's name
(instr, strftime with 'unixepoch', round of a double) are created by COMPAT_SQL instead,
so most statements need no rewriting at all. schema_sql() turns schema.sql into
PostgreSQL's layout.
"""
import re
from functools import lru_cache

POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def is_postgres(database):
    """Returns whether the database setting names a PostgreSQL server (a URL)."""
    return isinstance(database, str) and database.startswith(POSTGRES_PREFIXES)


# The conflict target of each table an INSERT OR REPLACE writes (its primary key / unique key).
CONFLICT_KEYS = {
    "setting": ("key",),
    "ingest_journal": ("name",),
    "session_data": ("session_id", "data_key"),
    "event_data": ("event_id", "data_key"),
    "rollup_attr": ("website_id", "attr", "value"),
    "rollup_time": ("website_id", "url_key", "span", "hour"),
    "rollup_count": ("website_id", "kind", "url_key", "span", "hour"),
    "rollup_visit": ("website_id", "span", "hour"),
    "rollup_state": ("website_id",),
    "link": ("website_id",),
    "pixel": ("website_id",),
    "salt": ("period",),
    "id_counter": ("name",),
}

# The column an INSERT's lastrowid gives, per table (SQLite: the rowid).
ID_COLUMNS = {
    "account": "user_id", "website": "website_id", "segment": "segment_id",
    "report": "report_id", "login_failure": "rowid", "event": "event_id",
    "pageview": "pageview_id", "session": "session_id", "rollup_key": "key_id",
}

COMPAT_SQL = [
    # SQLite's json(x) and json_quote(x) as json values (ops/export.py's typed properties)
    """CREATE OR REPLACE FUNCTION json(value double precision) RETURNS json
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT to_json(value)'""",
    """CREATE OR REPLACE FUNCTION json(value text) RETURNS json
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT value::json'""",
    """CREATE OR REPLACE FUNCTION json_quote(value text) RETURNS json
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT to_json(value)'""",
    """CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT strpos(haystack, needle)'""",
    # (%w is SQLite's weekday 0-6 from Sunday; to_char's D counts 1-7: filled in after)
    """CREATE OR REPLACE FUNCTION strftime(fmt text, secs numeric, modifier text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT replace(to_char(to_timestamp(secs) AT TIME ZONE 'UTC',
           replace(replace(replace(replace(replace(replace(replace(replace(fmt,
               'T', '"T"'), '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD'), '%H', 'HH24'),
               '%M', 'MI'), '%S', 'SS'), '%w', '"~w~"')),
           '~w~', extract(dow FROM to_timestamp(secs) AT TIME ZONE 'UTC')::integer::text)$$""",
    """CREATE OR REPLACE FUNCTION round(value double precision, digits integer)
       RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
       'SELECT round(value::numeric, digits)::double precision'""",
    """CREATE OR REPLACE FUNCTION sum_true(total bigint, value boolean) RETURNS bigint
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
       'SELECT CASE WHEN value IS NULL THEN total ELSE coalesce(total, 0) + value::integer END'""",
    # sum(a = b): SQLite's comparisons are integers, PostgreSQL's booleans
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = sum_true, STYPE = bigint)",
    """CREATE OR REPLACE FUNCTION lower(value bytea) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT encode(value, ''hex'')'""",
]


def _split_literals(sql):
    """Yields (is_literal, text) pieces of sql: quoted strings / identifiers apart."""
    pieces, i, start = [], 0, 0
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            if start < i:
                pieces.append((False, sql[start:i]))
            j = i + 1
            while j < len(sql):
                if sql[j] == ch:
                    if j + 1 < len(sql) and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            pieces.append((True, sql[i:j + 1]))
            i = start = j + 1
            continue
        i += 1
    if start < len(sql):
        pieces.append((False, sql[start:]))
    return pieces


def _call_end(text, open_at):
    """Returns the index of the parenthesis closing the one at open_at."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced parentheses")


def _rewrite_calls(sql, name, make):
    """Replaces every call name(args) in sql by make(args)."""
    pattern = re.compile(r"\b" + name + r"\s*\(", re.IGNORECASE)
    while True:
        found = pattern.search(sql)
        if not found:
            return sql
        open_at = found.end() - 1
        close = _call_end(sql, open_at)
        sql = sql[:found.start()] + make(sql[open_at + 1:close]) + sql[close + 1:]


_FROM_SUBQUERY = re.compile(r"\b(FROM|JOIN)\s*\(\s*SELECT\b", re.IGNORECASE)
_AFTER_SUBQUERY = re.compile(r"\s*($|\)|,|WHERE\b|GROUP\b|ORDER\b|LIMIT\b|JOIN\b|UNION\b|"
                             r"LEFT\b|INNER\b|CROSS\b|ON\b|HAVING\b)", re.IGNORECASE)


def _alias_subqueries(sql):
    """Gives every subquery in FROM an alias: PostgreSQL (before 16) requires one."""
    at, n = 0, 0
    while True:
        found = _FROM_SUBQUERY.search(sql, at)
        if not found:
            return sql
        open_at = sql.index("(", found.start())
        close = _call_end(sql, open_at)
        if _AFTER_SUBQUERY.match(sql, close + 1):
            n += 1
            sql = sql[:close + 1] + f" AS _sub{n}" + sql[close + 1:]
        at = open_at + 1


_INSERT = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*(\(([^)]*)\))?",
                     re.IGNORECASE | re.DOTALL)
_PLAIN_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES", re.IGNORECASE)


def _conflict(sql):
    """Rewrites INSERT OR IGNORE / OR REPLACE into INSERT ... ON CONFLICT."""
    found = _INSERT.match(sql)
    if not found:
        return sql
    mode, table, columns = found.group(1).upper(), found.group(2), found.group(4)
    body = "INSERT INTO " + table + (f" ({columns})" if columns else "") + sql[found.end():]
    body = body.rstrip().rstrip(";")
    if mode == "IGNORE":
        return body + " ON CONFLICT DO NOTHING"
    keys = CONFLICT_KEYS[table.lower()]
    names = [c.strip() for c in columns.split(",")]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in keys)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return body + f" ON CONFLICT ({', '.join(keys)}) {action}"


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")  # sqlite3's :name parameter, not a ::cast

_SCALARS = [
    (re.compile(r"\bmax\(next, \?\)"), "greatest(next, ?)"),
    (re.compile(r"\bLIKE\b"), "ILIKE"),
    (re.compile(r"\bIS NOT (?!NULL\b)"), "IS DISTINCT FROM "),  # SQLite's IS NOT x
    (re.compile(r"SELECT value FROM json_each\(\?\)"),
     "SELECT value::bigint FROM json_array_elements_text(?::json) AS t(value)"),
    (re.compile(r"\bjson_each\(\?\)"), "json_array_elements(?::json)"),
    (re.compile(r"\bAS INTEGER\)"), "AS BIGINT)"),
]


@lru_cache(maxsize=2048)
def translate(sql):
    """Returns (PostgreSQL's text of the SQLite statement sql, the lastrowid column or None)."""
    sql = _conflict(sql)
    out = []
    for literal, text in _split_literals(sql):
        if literal:
            out.append(text.replace("%", "%%"))
            continue
        text = text.replace("%", "%%")
        for pattern, repl in _SCALARS:
            text = pattern.sub(repl, text)
        out.append(_NAMED.sub(r"%(\1)s", text.replace("?", "%s")))
    sql = "".join(out)
    sql = _alias_subqueries(sql)
    sql = _rewrite_calls(sql, "json_group_array",
                         lambda a: f"coalesce(json_agg({a})::text, '[]')")
    sql = _rewrite_calls(sql, "json_group_object",
                         lambda a: f"coalesce(json_object_agg({a})::text, '{{}}')")
    returning = None
    found = _PLAIN_INSERT.match(sql)
    if found and "RETURNING" not in sql.upper() and found.group(1).lower() in ID_COLUMNS \
            and "ON CONFLICT" not in sql:
        returning = ID_COLUMNS[found.group(1).lower()]
        sql = sql.rstrip().rstrip(";") + f" RETURNING {returning}"
    return sql, returning


def schema_sql(sqlite_schema):
    """Returns PostgreSQL's statements for the layout of schema.sql (SQLite's text)."""
    from .migrations import statements
    text = re.sub(r"--.*$", "", sqlite_schema, flags=re.MULTILINE)
    out = list(COMPAT_SQL)
    for statement in statements(text):
        s = statement.strip()
        if not s:
            continue
        s = re.sub(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b",
                   "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", s)
        s = re.sub(r"\bINTEGER PRIMARY KEY\b",
                   "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", s)
        s = re.sub(r"\bINTEGER\b", "BIGINT", s)
        s = re.sub(r"\bBLOB\b", "BYTEA", s)
        s = re.sub(r"\bREAL\b", "DOUBLE PRECISION", s)
        s = re.sub(r"\)\s*WITHOUT ROWID", ")", s)
        s = re.sub(r"\bVIRTUAL\b", "STORED", s)
        s = s.replace("CREATE TABLE IF NOT EXISTS login_failure (",
                      "CREATE TABLE IF NOT EXISTS login_failure (\n"
                      "    rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,")
        if re.match(r"INSERT OR", s):
            s = _conflict(s)
        out.append(s.rstrip().rstrip(";"))
    return out
