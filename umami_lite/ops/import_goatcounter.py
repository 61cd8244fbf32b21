"""Reading GoatCounter's CSV export (format version 2, and version 1 by column name).

Header: `2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,
Screen size,Location,FirstVisit,Date` (the first cell carries the format version).
"""
import re

from ..ingest import visitor as clients, record as ingest
from .importing import HitRow, Skip, visitor
from .timeparse import iso_ms

FORMAT = "goatcounter"
VERSIONED_PATH = re.compile(r"^(\d+),?Path$")
SCREEN = re.compile(r"^\s*(\d+)\s*[,x]\s*(\d+)")
VERSION = re.compile(r"\s+v?\d[\w.]*$")


def detect(header):
    """Returns the role of a GoatCounter export with this header, or None."""
    if header != "jsonl" and header and VERSIONED_PATH.match(header[0]) and "Date" in header:
        return "hits"
    return None


def _name(text):
    """Returns 'Chrome' for 'Chrome 120' (GoatCounter keeps versions; umami-lite does not)."""
    return VERSION.sub("", text.strip()) or None if text else None


def _referrer(text, scheme):
    """Returns an URL for an HTTP referrer; generated/campaign/other ones stay text."""
    if not text:
        return None
    if scheme == "h" and "://" not in text:
        return f"https://{text}"
    return text


def hit_row(record, path_column, row_key):
    if record.get("Bot", "0") not in ("", "0"):
        return Skip("bot")
    try:
        created_at = iso_ms(record["Date"])
    except (KeyError, ValueError):
        return Skip("bad Date")
    path = record.get(path_column) or ""
    if not path:
        return Skip("no path")
    is_event = record.get("Event", "").lower() == "true"
    screen_match = SCREEN.match(record.get("Screen size") or "")
    screen = f"{screen_match[1]}x{screen_match[2]}" if screen_match else None
    os_name = _name(record.get("System"))
    country = (record.get("Location") or "").split("-")[0].upper() or None
    who = visitor(browser=_name(record.get("Browser")), os=os_name, screen=screen,
                  device=clients.device_for(os_name, screen), country=country)
    title = record.get("Title") or None
    if is_event:  # GoatCounter records no page for an event: the path is its name
        hit = ingest.Hit(kind="event", url="", created_at=created_at, event_type="custom",
                         event_value=path, page_title=title)
    else:
        hit = ingest.Hit(kind="pageview", url=path, created_at=created_at, page_title=title,
                         referrer=_referrer(record.get("Referrer"),
                                            record.get("Referrer scheme")))
    # No session id (older exports): each hit is its own session.
    session_key = record.get("Session") or f"row\x1f{row_key}"
    return HitRow(row_key=row_key, session_key=session_key, hit=hit, visitor=who,
                  session_created_at=created_at)


def rows(fmt, role, header, records):
    """Yields a HitRow or Skip per exported pageview; the export has no row id, so a row's
    key is its content (and its place among identical neighbours)."""
    path_column = header[0]
    previous, repeat = None, 0
    for record in records:
        content = "\x1f".join(record.get(name, "") for name in header)
        repeat = repeat + 1 if content == previous else 0
        previous = content
        yield hit_row(record, path_column, f"{content}\x1f{repeat}")
