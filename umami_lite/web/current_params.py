"""Query-string parameters of the current API's analytics routes; every failure is a 400.

startAt/endAt (epoch ms, inclusive), unit (raised to the smallest one the span allows),
timezone (IANA; its spelling picks the label style), compare, and the filters.
"""
from datetime import datetime, timezone

from werkzeug.datastructures import MultiDict

from . import params
from ..queries import segments
from ..clock import now_ms
from ..storage.connection import get_db
from ..errors import bad_request
from ..queries.filters import Query, parse_filters
from ..storage.timezones import canonical_zone

UNITS = ("minute", "hour", "day", "month", "year")
# Labels: UTC ISO style when no timezone or exactly `utc` is asked for, else local wall time.
ISO_LABELS = {"minute": "%Y-%m-%dT%H:%M:00Z", "hour": "%Y-%m-%dT%H:00:00Z",
              "day": "%Y-%m-%dT00:00:00Z", "month": "%Y-%m-01T00:00:00Z",
              "year": "%Y-01-01T00:00:00Z"}
LOCAL_LABELS = {"minute": "%Y-%m-%d %H:%M:00", "hour": "%Y-%m-%d %H:00:00",
                "day": "%Y-%m-%d 00:00:00", "month": "%Y-%m-01 00:00:00",
                "year": "%Y-01-01 00:00:00"}
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
EARLIEST_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z: no earlier date can be shown


def query(args, website):
    """Returns the Query for startAt/endAt and the filters in args (with a segment's and a
    cohort's)."""
    start, end = params.time_range(args, "startAt", "endAt")
    filters = parse_filters(with_segment(args, website)) + cohort(args, website)
    return Query(website["website_id"], start, end, filters)


def _saved(args, website, kind):
    """Returns the saved segment or cohort args[kind] names, None when absent; else 400."""
    key = args.get(kind)
    if not key:
        return None
    row = segments.find(get_db(readonly=True), website["website_id"], key)
    if row is None or row["type"] != kind:
        raise bad_request(f"'{kind}' names no {kind} of this website.")
    return row


def with_segment(args, website):
    """Returns args with the filters of `segment=<id>` in place of same-named ones, as the
    current API applies a saved segment."""
    row = _saved(args, website, "segment")
    if row is None:
        return args
    merged = MultiDict(args)
    for name, value in segments.as_params(row).items():
        merged.setlist(name, [value])
    return merged


def cohort(args, website):
    """Returns (the Filter keeping the rows of `cohort=<id>`'s sessions,) or ()."""
    row = _saved(args, website, "cohort")
    return (segments.cohort_filter(row, now_ms()),) if row is not None else ()


def _months_between(start, end):
    a = datetime.fromtimestamp(start / 1000, tz=timezone.utc)
    b = datetime.fromtimestamp(end / 1000, tz=timezone.utc)
    return (b.year - a.year) * 12 + b.month - a.month


def minimum_unit(start, end):
    """Returns the smallest unit allowed for the span, as the current API decides it."""
    span = end - start
    if span <= HOUR_MS:
        return "minute"
    if span <= 30 * DAY_MS:
        return "hour"
    months = _months_between(start, end)
    if months <= 7:
        return "day"
    return "month" if months <= 24 else "year"


def unit(args, start, end):
    """Returns the bucket unit: the one asked for, raised to the span's minimum."""
    smallest = minimum_unit(start, end)
    asked = args.get("unit")
    if not asked:
        return smallest
    if asked not in UNITS:
        raise bad_request(f"'unit' must be one of {', '.join(UNITS)}.")
    return max(asked, smallest, key=UNITS.index)


def zone_and_labels(args):
    """Returns (IANA zone, label formats) for the `timezone` parameter."""
    raw = args.get("timezone")
    if not raw or raw == "utc":  # case-sensitive like Umami: `UTC` gets local-style labels
        return "UTC", ISO_LABELS
    zone = canonical_zone(raw)
    if zone is None:
        raise bad_request("'timezone' must be an IANA time zone name (e.g. Europe/Berlin).")
    return zone, LOCAL_LABELS


def _year_before(ms):
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    day = min(dt.day, 28) if (dt.month, dt.day) == (2, 29) else dt.day
    return int(dt.replace(year=dt.year - 1, day=day).timestamp() * 1000)


def compared(q, mode):
    """Returns the Query of the period q is compared with.

    prev: the same length just before, [start - span - 1, start - 1], so no instant is in
    both periods (Umami's shifted range shares its end with the current start); it starts
    no earlier than year 1 (an all-time range would put it before, and answer a 500).
    yoy: the same instants one year earlier (29 February -> 28 February).
    """
    if mode == "yoy":
        return Query(q.website_id, _year_before(q.start), _year_before(q.end), q.filters)
    span = q.end - q.start
    return Query(q.website_id, max(q.start - span - 1, EARLIEST_MS), q.start - 1, q.filters)


def compare_mode(args, default=None):
    """Returns prev, yoy or default (when absent)."""
    value = args.get("compare") or default
    if value is not None and value not in ("prev", "yoy"):
        raise bad_request("'compare' must be prev or yoy.")
    return value


def limit_offset(args, default_limit=500):
    """Returns (limit, offset)."""
    return (params.positive_int(args, "limit", default_limit, 10_000),
            params.integer(args, "offset", 0, 0, params.MAX_OFFSET))
