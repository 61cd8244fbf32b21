"""retention: per cohort day, how many of its sessions came back N days later."""
from collections import defaultdict
from datetime import date

from ....storage.timezones import local_bucket_sql
from .hits import KINDS, hits, span

MAX_DAY = 31
DAY_LABEL = {"day": "%Y-%m-%d"}


def _days(db, q, kinds, filtered, zone):
    """Returns {session: set of local days (date)} of the hits in range."""
    source, params = hits(q, kinds, filtered)
    bounds = span(db, q)
    bucket, bucket_params = local_bucket_sql("h.created_at", "day", zone, bounds.start,
                                             bounds.end, DAY_LABEL)
    days = defaultdict(set)
    for session, day in db.execute(
            f"SELECT DISTINCT h.session_id, {bucket} FROM ({source}) h",
            [*bucket_params, *params]):
        days[session].add(date.fromisoformat(day))
    return days


def query(db, q, kinds, zone, label):
    """Returns [{date, day, visitors, returnVisitors, percentage}] by date, then day.

    A session's cohort is the first local day (in zone) of its hits in range that pass the
    filters; its activity is every day with any hit in range, unfiltered. Only (cohort,
    day <= 31) pairs with a returning session appear. label formats a cohort's day."""
    active = _days(db, q, KINDS, False, zone)
    # without filters the cohorts come from the same days: one pass over the rows, not two
    chosen = active if not q.filters and kinds == KINDS else _days(db, q, kinds, True, zone)
    cohort_of = {s: min(d) for s, d in chosen.items()}
    cohorts = defaultdict(int)
    returned = defaultdict(int)
    for session, first in cohort_of.items():
        cohorts[first] += 1
        for day in active[session]:
            offset = (day - first).days
            if 0 <= offset <= MAX_DAY:
                returned[first, offset] += 1
    return [{"date": first.strftime(label), "day": offset, "visitors": cohorts[first],
             "returnVisitors": count, "percentage": count * 100 / cohorts[first]}
            for (first, offset), count in sorted(returned.items())]
