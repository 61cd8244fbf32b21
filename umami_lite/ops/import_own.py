"""Reading umami-lite's own export (export.py) back: JSON lines or CSV."""
import json
import uuid

from ..ingest import record as ingest
from ..storage import sites
from .export import COLUMNS, SESSION_FIELDS, WEBSITE_FIELDS, WEBSITE_KIND, csv_value
from .retention import validate_days
from .importing import HitRow, Skip, visitor
from .timeparse import iso_ms

FORMAT = "umami-lite"
KINDS = ("pageview", "event", "performance")


def detect(header):
    """Returns the role of a file with this header in this format, or None."""
    if header == "jsonl":
        return "events"
    if header[:3] == COLUMNS[:3]:
        return "events"
    return None


def is_website(record):
    """Returns whether record is the website record that opens a JSON lines export."""
    return isinstance(record, dict) and record.get("kind") == WEBSITE_KIND


def website(record):
    """Returns the website record's fields, checked as the API checks them; raises
    ValueError naming the first bad one."""
    fields = {name: record.get(name) for name in WEBSITE_FIELDS}
    try:
        fields["website_uuid"] = str(uuid.UUID(fields["website_uuid"]))
    except (AttributeError, TypeError, ValueError):
        raise ValueError("its website_uuid is not a uuid") from None
    name, domain = fields["name"], fields["domain"]
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= sites.MAX_NAME:
        raise ValueError(f"its website name must have 1 to {sites.MAX_NAME} characters")
    fields["name"] = name.strip()
    if domain is not None and not (isinstance(domain, str) and len(domain) <= sites.MAX_DOMAIN):
        raise ValueError(f"its domain must be null or at most {sites.MAX_DOMAIN} characters")
    fields["domain"] = domain and domain.strip() or None
    share_id = fields["share_id"]
    if share_id is not None and not (isinstance(share_id, str)
                                     and sites.SHARE_ID.fullmatch(share_id)):
        raise ValueError("its share_id must be null or 1-50 letters, digits, '-' or '_'")
    try:
        validate_days(fields["retention_days"])
    except ValueError as exc:
        raise ValueError(f"its retention_days {exc}") from None
    return fields


def _value(record, name):
    value = record.get(name)
    return None if value == "" else value


def _number(value):
    """Returns value as a number (CSV holds it as text) or None; raises ValueError."""
    if isinstance(value, str):
        return float(value)
    return value


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
    if kind not in KINDS:
        return Skip("unknown kind")
    try:
        created_at = iso_ms(record["created_at"])
        session_created_at = iso_ms(record.get("session_created_at") or record["created_at"])
        visit_id = int(record["visit_id"]) if _value(record, "visit_id") is not None else None
    except (KeyError, TypeError, ValueError):
        return Skip("bad created_at or visit_id")
    if not _value(record, "url") and kind != "event":
        return Skip("no url")
    vitals = None
    if kind == "performance":
        try:
            vitals = {name: _number(_value(record, name)) for name in ingest.VITALS}
        except ValueError:
            vitals = {}
        if not vitals or ingest.bad_vital(vitals) is not None:
            return Skip("bad vitals")
        if all(value is None for value in vitals.values()):
            return Skip("a vitals sample without any metric")
    try:
        data, session_data = (_object(record, name) for name in ("data", "session_data"))
    except ValueError:
        return Skip("bad data")
    hit = ingest.Hit(kind=kind, url=_value(record, "url") or "", created_at=created_at,
                     referrer=_value(record, "referrer"),
                     event_type=_value(record, "event_type"),
                     event_value=_value(record, "event_value"),
                     page_title=_value(record, "page_title"), tag=_value(record, "tag"),
                     data=data, vitals=vitals)
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
    # the vitals columns only when the record has one: a file exported before they existed
    # keeps its rows' keys, so importing it again still skips them
    present = [name for name in COLUMNS
               if name not in ingest.VITALS or _value(record, name) is not None]
    for name in present:
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
