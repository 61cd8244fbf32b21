"""The stored rows of a hit: their columns, sizes, builders and inserts, and session ids.

Used by every writer of hits: the request's own transaction (record.py), the journal's
store (replay.py) and the importers (ops/importing.py), so a row is the same whoever
writes it.
"""
import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from itertools import compress, groupby, repeat
from operator import is_not
from urllib.parse import parse_qsl

from ..hosts import referrer_domain

# Umami v1 column sizes (the current API's for the columns v1 did not have).
LIMITS = {"url": 500, "referrer": 500, "event_type": 50, "event_value": 50, "hostname": 100,
          "browser": 20, "os": 20, "device": 20, "screen": 11, "language": 35, "country": 2,
          "page_title": 500, "tag": 50, "utm": 255, "distinct_id": 50,
          "data_key": 500, "data_value": 500}
MAX_DATA_KEYS = 50  # the ingest routes refuse more (limits.check_properties)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def clip(value, size):
    """Returns value cut to size characters; None and '' stay as they are."""
    if value is None:
        return None
    return value[:size]


@lru_cache(maxsize=4096)  # referrers repeat a lot; parsing one costs more than the insert
def utm_values(url):
    """Returns the utm_* parameters of url's query as a dict."""
    query = url.split("?", 1)[1] if "?" in url else ""
    values = {}
    for key, value in parse_qsl(query.split("#", 1)[0], keep_blank_values=False):
        if key in UTM_KEYS and key not in values:
            values[key] = clip(value, LIMITS["utm"])
    return values


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def data_rows(data, prefix=""):
    """Yields (key, type, string, number, date_ms) for each property, nested keys dotted."""
    for key, value in data.items():
        key = clip(f"{prefix}{key}", LIMITS["data_key"])
        if isinstance(value, dict):
            yield from data_rows(value, key + ".")
        elif isinstance(value, bool):
            yield key, "boolean", "true" if value else "false", None, None
        elif isinstance(value, (int, float)):
            yield key, "number", None, float(value), None
        elif isinstance(value, str) and ISO_DATE.match(value):
            yield key, "date", value, None, _date_ms(value)
        elif value is not None:
            text = value if isinstance(value, str) else json.dumps(value)
            yield key, "string", clip(text, LIMITS["data_value"]), None, None


def _date_ms(text):
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


def next_ids(db, count=1):
    """Returns the first of count new session ids, reserved inside db's transaction."""
    return db.execute("UPDATE id_counter SET next = next + ? WHERE name = 'session'"
                      " RETURNING next - ?", (count, count)).fetchone()[0]


SESSION_COLUMNS = ("website_id", "session_hash", "created_at", "hostname", "browser", "os",
                   "device", "screen", "language", "country", "distinct_id")
PAGEVIEW_COLUMNS = ("website_id", "session_id", "visit_id", "created_at", "url", "referrer",
                    "referrer_domain", "page_title", "tag", *UTM_KEYS)
EVENT_COLUMNS = ("website_id", "session_id", "visit_id", "created_at", "url", "event_type",
                 "event_value", "page_title", "tag")
# The web vitals a performance hit may carry, in the order of their columns.
VITALS = ("lcp", "inp", "cls", "fcp", "ttfb")
# Decimals each metric is stored with (Umami's columns: milliseconds to 0.1, cls to 0.0001);
# trackers send float noise such as ttfb 2.7000000001862645.
VITALS_DECIMALS = {"lcp": 1, "inp": 1, "cls": 4, "fcp": 1, "ttfb": 1}
# The largest value each may have: an hour in milliseconds (a page that took longer measured
# something else), and a layout shift score far past any real page's (Umami calls more
# than 0.25 poor).
VITALS_MAX = {"lcp": 3_600_000, "inp": 3_600_000, "cls": 100, "fcp": 3_600_000,
              "ttfb": 3_600_000}
VITALS_COLUMNS = ("website_id", "session_id", "visit_id", "created_at", "url_path",
                  "page_title", *VITALS)


def _insert_sql(table, columns):
    return (f"INSERT INTO {table} ({', '.join(columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})")


INSERT_SESSION = _insert_sql("session", ("session_id", *SESSION_COLUMNS))
# the journal's session rows: a second process may have stored the visitor meanwhile
INSERT_SESSION_WITH_ID = INSERT_SESSION.replace("INSERT", "INSERT OR IGNORE", 1)
# A file made by today's schema.sql stores the referrer as (referrer_kind, referrer_rest),
# and derives the column referrer from them and referrer_domain (see schema.sql).
REFERRER_PREFIXES = ("https://www.", "https://", "http://www.", "http://")
PAGEVIEW_COLUMNS_SPLIT = (*PAGEVIEW_COLUMNS[:5], "referrer_kind", "referrer_rest",
                          *PAGEVIEW_COLUMNS[6:])
INSERT_EVENT = _insert_sql("event", EVENT_COLUMNS)
INSERT_VITALS = _insert_sql("vitals", VITALS_COLUMNS)


def session_values(website_id, digest, now, visitor):
    """Returns the session row (SESSION_COLUMNS order) for a visitor first seen at now."""
    return (website_id, digest, now, clip(visitor.hostname, LIMITS["hostname"]),
            clip(visitor.browser, LIMITS["browser"]), clip(visitor.os, LIMITS["os"]),
            clip(visitor.device, LIMITS["device"]), clip(visitor.screen, LIMITS["screen"]),
            clip(visitor.language, LIMITS["language"]), clip(visitor.country, LIMITS["country"]),
            clip(visitor.distinct_id, LIMITS["distinct_id"]))


def insert_session(db, values):
    """Returns the session_id of a new session row built by session_values().

    Ids come from id_counter, never from SQLite's next rowid: the ingest journal gives out
    ids of blocks it reserved before their rows exist (see journal.py).
    """
    session_id = next_ids(db)
    db.execute(INSERT_SESSION, (session_id, *values))
    return session_id


def pageview_values(website_id, session_id, visit_id, hit):
    """Returns the pageview row (PAGEVIEW_COLUMNS order) for a pageview hit."""
    referrer = clip(hit.referrer, LIMITS["referrer"])
    utm = utm_values(hit.url) if "?" in hit.url else {}
    return (website_id, session_id, visit_id, hit.created_at, clip(hit.url, LIMITS["url"]),
            referrer, clip(referrer_domain(referrer), LIMITS["referrer"]),
            clip(hit.page_title, LIMITS["page_title"]), clip(hit.tag, LIMITS["tag"]),
            *(utm.get(key) for key in UTM_KEYS))


def event_values(website_id, session_id, visit_id, hit):
    """Returns the event row (EVENT_COLUMNS order) for an event hit."""
    return (website_id, session_id, visit_id, hit.created_at, clip(hit.url, LIMITS["url"]),
            clip(hit.event_type, LIMITS["event_type"]),
            clip(hit.event_value, LIMITS["event_value"]),
            clip(hit.page_title, LIMITS["page_title"]), clip(hit.tag, LIMITS["tag"]))


def vitals_values(website_id, session_id, visit_id, hit):
    """Returns the vitals row (VITALS_COLUMNS order) for a performance hit: its url's path
    (no query) and each metric rounded to VITALS_DECIMALS, None where the hit has none."""
    path = hit.url.split("?", 1)[0] or "/"
    metrics = hit.vitals or {}
    return (website_id, session_id, visit_id, hit.created_at, clip(path, LIMITS["url"]),
            clip(hit.page_title, LIMITS["page_title"]),
            *(None if metrics.get(name) is None else round(float(metrics[name]),
                                                           VITALS_DECIMALS[name])
              for name in VITALS))


def bad_vital(values):
    """Returns the name of the first metric in values (a mapping) that is present but not a
    number from 0 to its VITALS_MAX, or None when all are fine."""
    for name in VITALS:
        value = values.get(name)
        # (NaN and infinities fail the range test; a huge int is compared, not converted)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0 <= value <= VITALS_MAX[name]):
            return name
    return None


def insert_vitals(db, rows):
    """Stores vitals rows built by vitals_values(); call inside a transaction."""
    if len(rows) == 1:
        db.execute(INSERT_VITALS, rows[0])
    elif rows:
        db.executemany(INSERT_VITALS, rows)


def _in_layout(db, rows):
    """Returns (columns, rows) of pageview_values() rows as db's pageview table stores them."""
    if splits_referrer(db):
        return PAGEVIEW_COLUMNS_SPLIT, [(*row[:5], *referrer_parts(row[5], row[6]), *row[6:])
                                        for row in rows]
    return PAGEVIEW_COLUMNS, rows


def insert_pageviews(db, rows):
    """Stores pageview rows built by pageview_values(); call inside a transaction."""
    columns, rows = _in_layout(db, rows)
    for present, run in groupby(rows, key=_present):
        values = [tuple(compress(row, present)) for row in run]
        if len(values) == 1:  # a collect's one row: execute() sets up less than executemany()
            db.execute(_insert_present_sql("pageview", columns, present), values[0])
        else:
            db.executemany(_insert_present_sql("pageview", columns, present), values)


def insert_pageviews_at_once(db, rows):
    """Stores pageview rows built by pageview_values() with one statement (a JSON array of
    them); call inside a transaction.

    The journal stores a few hundred rows at a time while request threads run Python:
    sqlite3 lets go of the GIL at each step of a statement, and executemany() steps once
    per row, so each row waited for the GIL again (a test saw 0.5 ms a row).
    """
    if not rows:
        return
    columns, stored = _in_layout(db, rows)
    text = json.dumps(stored)
    # SQLite's JSON text ends at a NUL: such rows are bound instead; PostgreSQL's
    # json ->> gives text, which no integer column takes: bound too (executemany pipelines)
    if "\\u0000" in text or getattr(db, "engine", None) == "postgres":
        insert_pageviews(db, rows)
        return
    db.execute(_insert_json_sql("pageview", columns), (text,))


@lru_cache(maxsize=4)
def _insert_json_sql(table, columns):
    picks = ", ".join(f"value ->> {n}" for n in range(len(columns)))
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picks} FROM json_each(?)"


def _present(row):
    """Returns which values of row are not None, as a tuple of bools."""
    return tuple(map(is_not, row, repeat(None)))


@lru_cache(maxsize=256)
def _insert_present_sql(table, columns, present):
    """Returns the INSERT of the columns whose values are present (not None).

    The sqlite3 module looks an adapter up for each None it binds (~2 k instructions; a
    pageview has about 8), and a column left out is NULL all the same: the raw tables have
    no DEFAULTs. Consecutive rows of one shape share a statement, so ids keep their order.
    """
    return _insert_sql(table, [column for column, there in zip(columns, present) if there])


def splits_referrer(db):
    """Returns whether db's pageview table stores the referrer split (today's schema.sql);
    files made before store it whole. Remembered per connection."""
    known = getattr(db, "splits_referrer", None)
    if known is None:
        columns = {row[0] for row in db.execute("SELECT name FROM pragma_table_xinfo('pageview')")}
        known = "referrer_rest" in columns
        try:
            if columns:  # no table yet: ask again once schema.sql made it
                db.splits_referrer = known
        except AttributeError:
            pass  # a plain sqlite3.Connection takes no attributes: asked again next time
    return known


@lru_cache(maxsize=4096)
def referrer_parts(referrer, domain):
    """Returns (referrer_kind, referrer_rest): referrer is REFERRER_PREFIXES[kind - 1] +
    domain + rest, or (None, referrer) when it does not start that way."""
    if referrer is not None and domain is not None:
        for kind, prefix in enumerate(REFERRER_PREFIXES, 1):
            if referrer.startswith(prefix + domain):
                return kind, referrer[len(prefix) + len(domain):]
    return None, referrer


def event_properties(data):
    """Returns the event_data rows of an event's data object (or None), event id left out."""
    return list(data_rows(data))[:MAX_DATA_KEYS] if data else []


def insert_event(db, values, properties=()):
    """Stores one event row built by event_values() and its event_properties(); returns
    its id."""
    event_id = db.execute(INSERT_EVENT, values).lastrowid
    if properties:
        db.executemany(
            "INSERT OR REPLACE INTO event_data (event_id, data_key, data_type, string_value,"
            " number_value, date_value) VALUES (?,?,?,?,?,?)",
            [(event_id, *row) for row in properties])
    return event_id
