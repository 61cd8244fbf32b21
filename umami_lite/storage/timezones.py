"""Local-time bucketing in SQL that is exact across DST changes.

SQLite has no time zones, so for a query range we find every UTC offset change of the
zone inside it (zoneinfo) and build a CASE expression that adds the right offset per row.
Only the shape of the SQL depends on the zone; offsets and instants are bound values.
"""
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from ..clock import now_ms

# unit -> strftime format of the bucket label (local wall time, no offset)
UNIT_FORMATS = {
    "year": "%Y-01-01",
    "month": "%Y-%m-01",
    "day": "%Y-%m-%d",
    "hour": "%Y-%m-%d %H:00:00",
    "minute": "%Y-%m-%d %H:%M:00",
}
DAY_MS = 86_400_000
# datetime cannot hold local times past 9999-12-31; zones are probed at most two days before.
LATEST_PROBE_MS = 253402300799999 - 2 * DAY_MS


@lru_cache(maxsize=1)
def _zone_names():
    names = {name.lower(): name for name in available_timezones()}
    names["utc"] = "UTC"
    return names


def canonical_zone(name):
    """Returns the IANA name for name (case-insensitive), or None if unknown."""
    if not isinstance(name, str):
        return None
    return _zone_names().get(name.strip().lower())


def _offset_ms(zone, ms):
    ms = min(max(ms, 0), LATEST_PROBE_MS)
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone(zone)
    return int(dt.utcoffset().total_seconds() * 1000)


def offset_segments(tz_name, start_ms, end_ms):
    """Returns [(from_ms, offset_ms), ...]: the zone's UTC offset from each instant on.

    It probes the zone once a day, so callers pass the span their rows really cover
    (Query.span), not a caller's "all time" range.
    """
    zone = ZoneInfo(tz_name)
    # No hit is ever stored in the future, so offsets past tomorrow are never needed; without
    # this an end_at in the year 9999 costs millions of probes and a CASE too deep for SQLite.
    end_ms = min(end_ms, now_ms() + DAY_MS)
    segments = [(start_ms, _offset_ms(zone, start_ms))]
    probe = start_ms
    while probe < end_ms:
        step_end = min(probe + DAY_MS, end_ms)
        if _offset_ms(zone, step_end) != segments[-1][1]:
            low, high = probe, step_end  # offset(low) == current, offset(high) differs
            while high - low > 1000:
                mid = (low + high) // 2
                if _offset_ms(zone, mid) == segments[-1][1]:
                    low = mid
                else:
                    high = mid
            segments.append((high, _offset_ms(zone, high)))
        probe = step_end
    return segments


def local_bucket_sql(column, unit, tz_name, start_ms, end_ms, formats=UNIT_FORMATS):
    """Returns (sql, params): an expression giving column's local bucket label in tz.

    formats maps each unit to its strftime label (the current API labels differ from v1's).
    """
    segments = offset_segments(tz_name, start_ms, end_ms)
    params = []
    if len(segments) == 1:
        offset_sql = "?"
        params.append(segments[0][1])
    else:
        cases = []
        for (_, offset), (next_from, _) in zip(segments, segments[1:]):
            cases.append(f"WHEN {column} < ? THEN ?")
            params += [next_from, offset]
        offset_sql = f"CASE {' '.join(cases)} ELSE ? END"
        params.append(segments[-1][1])
    sql = f"strftime(?, ({column} + {offset_sql}) / 1000, 'unixepoch')"
    return sql, [formats[unit], *params]
