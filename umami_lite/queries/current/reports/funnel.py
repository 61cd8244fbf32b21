"""funnel: visitors reaching each step, each step within `window` minutes of the previous."""
from bisect import bisect_left
from collections import defaultdict

from ..event_data import VALUE_SQL
from .hits import KINDS, hits, match_sql

MINUTE_MS = 60_000
# step filter operator -> SQL test of the property's display value (v) against ?
STEP_OPERATORS = {"eq": "v = ?", "neq": "v <> ?",
                  "c": "instr(lower(v), lower(?)) > 0", "dnc": "instr(lower(v), lower(?)) = 0"}


def _step_sql(step):
    """Returns (sql, params) testing a hit row h against one step."""
    if step["type"] == "path":
        return match_sql("h.url_path", step["value"])
    sql, params = match_sql("h.name", step["value"])
    for flt in step.get("filters") or ():
        sql += (f" AND EXISTS (SELECT 1 FROM (SELECT {VALUE_SQL} AS v FROM event_data d"
                f" WHERE d.event_id = h.event_id AND d.data_key = ?)"
                f" WHERE {STEP_OPERATORS[flt['operator']]})")
        params += [flt["property"], flt["value"]]
    return sql, params


def _step_hits(db, q, step, kinds, filtered):
    """Returns {session: sorted times} of the hits in range that meet step."""
    source, params = hits(q, kinds, filtered)
    test, test_params = _step_sql(step)
    times = defaultdict(list)
    for session, at in db.execute(
            f"SELECT h.session_id, h.created_at FROM ({source}) h WHERE {test}"
            " ORDER BY h.created_at", [*params, *test_params]):
        times[session].append(at)
    return times


def query(db, q, kinds, steps, window):
    """Returns one {type, value, [filters,] visitors, previous, dropped, dropoff, remaining}
    per step; kinds are the hit kinds the eventType filter leaves (hits.KINDS without it).

    Level 1 is every hit meeting step 1 that passes q's filters; a hit meeting step k+1 is
    at level k+1 when the same session has a level-k hit at t with t <= time <= t + window
    (both ends inclusive). Filters apply to step 1 only."""
    window_ms = window * MINUTE_MS
    level, answer, first = None, [], 0
    for number, step in enumerate(steps):
        if number == 0:
            level = _step_hits(db, q, step, kinds, filtered=True)
        else:
            level = _next_level(level, _step_hits(db, q, step, KINDS, False), window_ms)
        visitors = len(level)
        previous = answer[-1]["visitors"] if answer else 0
        first = visitors if number == 0 else first
        answer.append({**step, "visitors": visitors, "previous": previous,
                       "dropped": previous - visitors if previous > 0 else 0,
                       "dropoff": 1 - visitors / previous if previous > 0 else None,
                       "remaining": visitors / first if first > 0 else None})
    return answer


def _next_level(level, found, window_ms):
    """Returns {session: times} of found hits within window_ms after a time of level."""
    reached = {}
    for session, times in found.items():
        earlier = level.get(session)
        if not earlier:
            continue
        kept = [t for t in times if _after_one_of(earlier, t, window_ms)]
        if kept:
            reached[session] = kept
    return reached


def _after_one_of(earlier, at, window_ms):
    """Returns True when some t of the sorted list earlier has t <= at <= t + window_ms."""
    i = bisect_left(earlier, at - window_ms)
    return i < len(earlier) and earlier[i] <= at
