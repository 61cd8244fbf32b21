"""Reading Umami's own tables, dumped to CSV with `psql \\copy ... WITH CSV HEADER`.

Umami v2/v3 (`umami2`): `session` and `website_event`. Umami v1 (`umami1`): `session`,
`pageview` and `event`. Columns are found by name, so dumps of neighbouring versions
(with or without visit_id, tag, distinct_id, utm_* ...) read alike. The session file is
read first; hits then join their session by the source's session id.

Umami 3 records a view of a link (event_type 3) or pixel (4) under the link's or pixel's own
id in website_id, its session too: such rows go into the link or pixel here with that id,
stored as a collected /q/<slug> or /p/<slug> view is (a pageview of the path, with its query
and referrer, in the session's clock hour).
"""
from ..ingest import record as ingest
from .importing import HitRow, SessionRow, Skip, visitor
from .timeparse import iso_ms

# 5 is a web vitals sample (its lcp, inp, cls, fcp and ttfb columns); 3 and 4 are views of a
# link or pixel
V2_EVENT_TYPES = {"1": "pageview", "2": "event", "3": "link", "4": "pixel", "5": "performance"}
SESSION_ATTRS = ("hostname", "browser", "os", "device", "screen", "language", "country",
                 "distinct_id")


def detect(header):
    """Returns (format, role) for a dumped table with this header, or None."""
    columns = set(header) if header != "jsonl" else set()
    if {"event_id", "session_id", "url_path", "event_type", "created_at"} <= columns:
        return "umami2", "events"
    if {"view_id", "session_id", "url", "created_at"} <= columns:
        return "umami1", "pageviews"
    if {"event_id", "session_id", "url", "created_at"} <= columns and (
            {"event_type", "event_value"} <= columns or "event_name" in columns):
        return "umami1", "events"
    if {"session_id", "session_uuid", "created_at"} <= columns:
        return "umami1", "sessions"
    if {"session_id", "website_id", "created_at", "browser"} <= columns:
        return "umami2", "sessions"
    return None


def _blank(record, name):
    value = record.get(name)
    return value if value else None


def session_row(record):
    try:
        created_at = iso_ms(record["created_at"])
    except (KeyError, ValueError):
        return Skip("bad created_at")
    if not record.get("session_id"):
        return Skip("no session_id")
    who = visitor(**{name: _blank(record, name) for name in SESSION_ATTRS})
    return SessionRow(key=record["session_id"], created_at=created_at, visitor=who,
                      website_key=_blank(record, "website_id"))


def _referrer(record):
    """Returns the referrer as a URL again: v2 keeps domain, path and query apart and
    drops the scheme, so an external one comes back as https://."""
    domain, path = _blank(record, "referrer_domain"), _blank(record, "referrer_path") or ""
    query = _blank(record, "referrer_query")
    tail = path + (f"?{query}" if query else "")
    if domain:
        return f"https://{domain}{tail or '/'}"
    return tail or None


def _vitals(record):
    """Returns the metrics of a web vitals row (None where a column is empty or missing), or
    a Skip: a metric must be a number from 0 to its maximum, as /api/send checks it."""
    try:
        vitals = {name: float(record[name]) if _blank(record, name) else None
                  for name in ingest.VITALS}
    except ValueError:
        return Skip("bad vitals")
    if ingest.bad_vital(vitals) is not None:
        return Skip("bad vitals")
    if all(value is None for value in vitals.values()):
        return Skip("a vitals sample without any metric")
    return vitals


def v2_event(record):
    if not record.get("event_id"):
        return Skip("no event_id")
    kind = V2_EVENT_TYPES.get(record.get("event_type", ""))
    if kind is None:
        return Skip(f"event_type {record.get('event_type') or 'empty'} not supported")
    try:
        created_at = iso_ms(record["created_at"])
    except (KeyError, ValueError):
        return Skip("bad created_at")
    query = _blank(record, "url_query")
    url = (record.get("url_path") or "") + (f"?{query}" if query else "")
    if kind in ("link", "pixel"):
        return _beacon_hit(record, kind, url, created_at)
    hit = ingest.Hit(kind=kind, url=url or "/", created_at=created_at,
                     page_title=_blank(record, "page_title"), tag=_blank(record, "tag"))
    if kind == "pageview":
        hit.referrer = _referrer(record)
    elif kind == "performance":
        vitals = _vitals(record)
        if isinstance(vitals, Skip):
            return vitals
        # a sample keeps the page's path alone (Umami's url_path may hold the #hash)
        hit.url, hit.vitals = (record.get("url_path") or "").split("#", 1)[0] or "/", vitals
    else:
        if not record.get("event_name"):
            return Skip("event without a name")
        hit.event_type, hit.event_value = "custom", record["event_name"]
    return HitRow(row_key=record["event_id"], session_key=record.get("session_id"),
                  hit=hit, visit_key=_blank(record, "visit_id"),
                  hostname=_blank(record, "hostname"))


def _beacon_hit(record, kind, url, created_at):
    """Returns the HitRow of a link or pixel view: what /q/<slug> or /p/<slug> stores (the
    path the view came to, with its query; no title or tag; the visit is the session's clock
    hour, as Umami 3 counts it too)."""
    key = _blank(record, "website_id")
    if key is None:
        return Skip(f"{kind} view without a website_id")
    hit = ingest.Hit(kind="pageview", url=url or "/", created_at=created_at,
                     referrer=_referrer(record))
    return HitRow(row_key=record["event_id"], session_key=record.get("session_id"), hit=hit,
                  hostname=_blank(record, "hostname"), beacon=(kind, key))


def v1_hit(record, kind):
    try:
        created_at = iso_ms(record["created_at"])
    except (KeyError, ValueError):
        return Skip("bad created_at")
    if not record.get("url"):
        return Skip("no url")
    hit = ingest.Hit(kind=kind, url=record["url"], created_at=created_at)
    if kind == "pageview":
        hit.referrer = _blank(record, "referrer")
        source_id = record.get("view_id")
    else:
        source_id = record.get("event_id")
        if record.get("event_name"):  # v1.33+ named events
            hit.event_type, hit.event_value = "custom", record["event_name"]
        elif record.get("event_type") and record.get("event_value"):
            hit.event_type, hit.event_value = record["event_type"], record["event_value"]
        else:
            return Skip("event without a type or name")
    return HitRow(row_key=f"{kind}\x1f{source_id}\x1f{record['created_at']}",
                  session_key=record.get("session_id"), hit=hit)


def rows(fmt, role, header, records):
    """Yields a SessionRow, HitRow or Skip for each dumped row of one table."""
    for record in records:
        if role == "sessions":
            yield session_row(record)
        elif fmt == "umami2":
            yield v2_event(record)
        else:
            yield v1_hit(record, "pageview" if role == "pageviews" else "event")
