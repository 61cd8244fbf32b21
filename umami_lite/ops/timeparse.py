"""Parsing the times that operators and foreign dumps write: ISO 8601 or epoch ms."""
import re
from datetime import datetime, timedelta, timezone

DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}$")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SHORT_OFFSET = re.compile(r"([+-]\d{2})$")  # PostgreSQL writes "+00", Python wants "+00:00"


def parse_ms(text, end_of_day=False):
    """Returns epoch ms for epoch-ms digits or an ISO date/time (UTC when no offset).

    A bare date means its first millisecond, or its last with end_of_day. Raises ValueError.
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    if DATE_ONLY.match(text):
        day = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        if end_of_day:
            day += timedelta(days=1) - timedelta(milliseconds=1)
        return (day - EPOCH) // timedelta(milliseconds=1)
    return iso_ms(text)


def iso_ms(text):
    """Returns epoch ms of an ISO 8601 / PostgreSQL timestamp; naive ones are UTC."""
    text = text.strip().replace("Z", "+00:00")
    text = SHORT_OFFSET.sub(r"\1:00", text)
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - EPOCH) // timedelta(milliseconds=1)
