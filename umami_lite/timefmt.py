"""Timestamp formatting shared by every JSON response."""
from datetime import datetime, timezone


def iso(ms):
    """Returns epoch ms as an ISO-8601 UTC string with milliseconds, or None."""
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    # the year by hand: glibc's %Y does not pad years before 1000 to four digits
    return f"{dt.year:04d}-{dt:%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"
