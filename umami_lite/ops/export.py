"""Export: every raw pageview, event and web vitals sample of a website with its
session's attributes.

Streams in constant memory: three index-ordered cursors (pageviews, events, vitals) merged
by time
inside one read transaction, written row by row. No personal data exists to leak: the
session is our integer id, never a visitor hash, ip or user agent. JSON lines open with the
website itself (WEBSITE_FIELDS), so that `import` can recreate it elsewhere with its uuid;
a CSV file is one table of hits, for spreadsheets, and does not carry it.
"""
import csv
import heapq
import json

from ..ingest import replay as journal_store
from ..storage.connection import BUSY_TIMEOUT_MS
from ..ingest.record import UTM_KEYS, VITALS
from ..storage import sites
from ..timefmt import iso
from .progress import Progress

FORMATS = ("jsonl", "csv")
SESSION_FIELDS = ("hostname", "browser", "os", "device", "screen", "language", "country",
                  "distinct_id")
HIT_FIELDS = ("url", "referrer", "page_title", "tag", *UTM_KEYS, "event_type", "event_value")
# The first record of a JSON lines export: {"kind": "website", ...these fields}.
WEBSITE_KIND = "website"
WEBSITE_FIELDS = ("website_uuid", "name", "domain", "share_id", "retention_days")
# The export contract, in column order; `import` reads it back. The vitals columns came
# last (files exported before have none), and hold a number only on kind performance.
COLUMNS = ("kind", "created_at", "session", "visit_id", *HIT_FIELDS, "data",
           "session_created_at", *SESSION_FIELDS, "session_data", *VITALS)


def _properties(table, key):
    """Returns SQL giving one JSON object of a row's typed properties (event or session)."""
    # every branch a JSON value, so that each engine's CASE has one type
    return f"""(SELECT json_group_object(d.data_key, CASE d.data_type
                 WHEN 'number' THEN json(d.number_value)
                 WHEN 'boolean' THEN json(CASE d.string_value WHEN 'true' THEN 'true'
                                          ELSE 'false' END)
                 ELSE json_quote(d.string_value) END)
        FROM {table} d WHERE d.{key})"""


# Session properties (the current API's identify) ride along with every row of the session.
_SESSION_SELECT = (", ".join(f"s.{name}" for name in SESSION_FIELDS) + ", "
                   + _properties("session_data", "session_id = s.session_id"))
_UTM_SELECT = ", ".join(f"p.{key}" for key in UTM_KEYS)
_UTM_NULLS = ", ".join(f"NULL AS {key}" for key in UTM_KEYS)
_VITALS_NULLS = ", ".join(f"NULL AS {name}" for name in VITALS)
PAGEVIEWS = f"""
SELECT 'pageview' AS kind, p.created_at, p.session_id AS session, p.visit_id, p.url,
       p.referrer, p.page_title, p.tag, {_UTM_SELECT}, NULL AS event_type,
       NULL AS event_value, NULL AS data, s.created_at AS session_created_at, {_SESSION_SELECT},
       {_VITALS_NULLS}
FROM pageview p JOIN session s USING (session_id)
WHERE p.website_id = ? AND p.created_at BETWEEN ? AND ?
ORDER BY p.created_at, p.pageview_id"""
EVENTS = f"""
SELECT 'event' AS kind, e.created_at, e.session_id AS session, e.visit_id, e.url,
       NULL AS referrer, e.page_title, e.tag, {_UTM_NULLS}, e.event_type, e.event_value,
       {_properties("event_data", "event_id = e.event_id")} AS data,
       s.created_at AS session_created_at, {_SESSION_SELECT}, {_VITALS_NULLS}
FROM event e JOIN session s USING (session_id)
WHERE e.website_id = ? AND e.created_at BETWEEN ? AND ?
ORDER BY e.created_at, e.event_id"""
# kind performance: url is the sample's path (it stores no query)
VITALS_ROWS = f"""
SELECT 'performance' AS kind, v.created_at, v.session_id AS session, v.visit_id,
       v.url_path AS url, NULL AS referrer, v.page_title, NULL AS tag, {_UTM_NULLS},
       NULL AS event_type, NULL AS event_value, NULL AS data,
       s.created_at AS session_created_at, {_SESSION_SELECT},
       {", ".join(f"v.{name}" for name in VITALS)}
FROM vitals v JOIN session s USING (session_id)
WHERE v.website_id = ? AND v.created_at BETWEEN ? AND ?
ORDER BY v.created_at, v.vitals_id"""
COUNT = """
SELECT (SELECT count(*) FROM pageview WHERE website_id = :w AND created_at BETWEEN :a AND :b)
     + (SELECT count(*) FROM event WHERE website_id = :w AND created_at BETWEEN :a AND :b)
     + (SELECT count(*) FROM vitals WHERE website_id = :w AND created_at BETWEEN :a AND :b)"""
# A CSV cell starting with one of these is run as a formula by spreadsheets (OWASP's CSV
# injection list); urls, titles, event names come from visitors. Such a cell gets a leading
# apostrophe, and so does one already starting with an apostrophe, so that import strips
# exactly one and reads every value back as it was.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_QUOTE = "'"


def records(db, website_id, start, end):
    """Yields one dict per raw hit (COLUMNS keys) in time order; times as ISO strings.

    The caller holds db in a read transaction so that the cursors see one snapshot.
    """
    args = (website_id, start, end)
    cursors = [db.execute(sql, args) for sql in (PAGEVIEWS, EVENTS, VITALS_ROWS)]
    for row in heapq.merge(*cursors, key=lambda r: r["created_at"]):
        record = dict(zip(COLUMNS, row))
        record["created_at"] = iso(record["created_at"])
        record["session_created_at"] = iso(record["session_created_at"])
        for name in ("data", "session_data"):
            record[name] = json.loads(record[name] or "null") or None  # {} means none
        yield record


def csv_cell(value):
    """Returns value as a CSV cell no spreadsheet runs as a formula ("" for None)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith((*FORMULA_START, CSV_QUOTE)):
        return CSV_QUOTE + value
    return value


def csv_value(cell):
    """Returns the value csv_cell wrote as cell (the leading apostrophe dropped)."""
    return cell[1:] if cell.startswith(CSV_QUOTE) else cell


def website_record(website):
    """Returns the record that opens a JSON lines export: the website its rows belong to."""
    return {"kind": WEBSITE_KIND, **{name: website[name] for name in WEBSITE_FIELDS}}


def _write_jsonl(out, record):
    out.write(json.dumps({k: v for k, v in record.items() if v is not None},
                         ensure_ascii=False, separators=(",", ":")) + "\n")


def export(db, website_id, out, fmt="jsonl", start=0, end=2**62, progress=None):
    """Returns the number of rows written to the text stream out in fmt (jsonl or csv); JSON
    lines open with website_record(), which is not counted.

    db is a connection of its own: the export runs in one read transaction on it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if getattr(db, "path", None) is not None:
        journal_store.before_read(db.path, BUSY_TIMEOUT_MS)  # every acknowledged hit
    db.execute("BEGIN")
    try:
        total = db.execute(COUNT, {"w": website_id, "a": start, "b": end}).fetchone()[0]
        progress = progress or Progress("export", total)
        progress.total = total
        writer = None
        if fmt == "csv":
            # CRLF rows (RFC 4180): the csv module quotes a cell holding a character of its
            # line terminator only, and an unquoted CR would end the row early
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(COLUMNS)
        else:
            out.write(json.dumps(website_record(sites.get(db, website_id)),
                                 ensure_ascii=False, separators=(",", ":")) + "\n")
        count = 0
        for record in records(db, website_id, start, end):
            if writer:
                for name in ("data", "session_data"):
                    if record[name] is not None:
                        record[name] = json.dumps(record[name], ensure_ascii=False)
                writer.writerow([csv_cell(v) for v in record.values()])
            else:
                _write_jsonl(out, record)
            count += 1
            progress.advance()
        progress.finish()
    finally:
        db.execute("COMMIT")
    return count
