"""Reading umami-lite's own export (export.py) back: JSON lines or CSV."""
import json

from ..ingest import record as ingest
from .export import COLUMNS, SESSION_FIELDS, csv_value
from .importing import HitRow, Skip, visitor
from .timeparse import iso_ms

FORMAT = "umami-lite"


def detect(header):
    """Returns the role of a file with this header in this format, or None."""
    if header == "jsonl":
        return "events"
    if header[:3] == COLUMNS[:3]:
        return "events"
    return None


def _value(record, name):
    value = record.get(name)
    return None if value == "" else value


def _object(record, name):
    """Returns the JSON object in record[name] (CSV holds it as text), or None."""
    value = _value(record, name)
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else None


def hit_row(record, row_key):
    """Returns the HitRow of one exported record, or a Skip naming what is wrong."""
    if record is None:
        return Skip("not a JSON object")
    kind = record.get("kind")
    if kind not in ("pageview", "event"):
        return Skip("unknown kind")
    try:
        created_at = iso_ms(record["created_at"])
        session_created_at = iso_ms(record.get("session_created_at") or record["created_at"])
        visit_id = int(record["visit_id"]) if _value(record, "visit_id") is not None else None
    except (KeyError, TypeError, ValueError):
        return Skip("bad created_at or visit_id")
    if not _value(record, "url") and kind == "pageview":
        return Skip("no url")
    try:
        data, session_data = (_object(record, name) for name in ("data", "session_data"))
    except ValueError:
        return Skip("bad data")
    hit = ingest.Hit(kind=kind, url=_value(record, "url") or "", created_at=created_at,
                     referrer=_value(record, "referrer"),
                     event_type=_value(record, "event_type"),
                     event_value=_value(record, "event_value"),
                     page_title=_value(record, "page_title"), tag=_value(record, "tag"),
                     data=data)
    if kind == "event" and not (hit.event_type and hit.event_value):
        return Skip("event without a type or name")
    who = visitor(**{name: _value(record, name) for name in SESSION_FIELDS})
    session_key = f"{record.get('session')}\x1f{session_created_at}"
    return HitRow(row_key=row_key, session_key=session_key, hit=hit, visitor=who,
                  session_created_at=session_created_at, visit_id=visit_id,
                  session_data=session_data)


def _canonical(record):
    """Returns the record as text that is the same whether it was read from CSV or JSON."""
    if record is None:
        return ""
    values = []
    for name in COLUMNS:
        value = _value(record, name)
        if name in ("data", "session_data") and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        if isinstance(value, dict):
            value = json.dumps(value, sort_keys=True)
        values.append(None if value is None else str(value))
    return json.dumps(values)


def rows(fmt, role, header, records):
    """Yields a HitRow or Skip per exported record; identical consecutive records (two hits
    in one millisecond) get distinct keys by their place in the run."""
    previous, repeat = None, 0
    for record in records:
        if header != "jsonl":  # a CSV cell may carry export's formula guard
            record = {name: csv_value(cell) for name, cell in record.items()}
        content = _canonical(record)
        repeat = repeat + 1 if content == previous else 0
        previous = content
        yield hit_row(record, f"{content}\x1f{repeat}")
