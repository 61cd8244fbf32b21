"""Timestamp formatting shared by every JSON response."""
from datetime import datetime, timezone


def iso(ms):
    """Returns epoch ms as an ISO-8601 UTC string with milliseconds, or None."""
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
