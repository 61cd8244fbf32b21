"""The body of `POST /api/reports/{type}`: websiteId, filters and the type's parameters.

Every failure is a 400 naming the field (`parameters.window`, `filters.browser`, ...).
The body is checked before the caller's access, as in Umami.
"""
import math
import re
from datetime import datetime, timezone

from werkzeug.datastructures import MultiDict

from . import params
from ..errors import ApiError, bad_request
from ..queries.filters import PARAM_FILTERS, Query, parse_filter, parse_filters
from ..storage.timezones import canonical_zone
from . import current_params as args
from .current_params import ISO_LABELS, LOCAL_LABELS, UNITS
from ..queries.current.reports import breakdown, performance
from ..queries.current.reports.funnel import STEP_OPERATORS
from ..queries.current.reports.hits import KINDS

TYPES = ("funnel", "retention", "journey", "attribution", "goal", "utm", "breakdown",
         "revenue", "performance")
# filters a report accepts but does not apply (Umami applies excludeBounce to no report)
IGNORED_FILTERS = ("excludeBounce",)
REPEAT = re.compile(r"[A-Za-z]+\d+")
MAX_WINDOW = 525_600 * 10  # minutes: ten years, far past any range a funnel can span


def _fail(field, rule):
    return bad_request(f"'{field}' {rule}.")


def field(body, name, prefix, kind, required=True):
    """Returns body[name] checked to be of kind (str, list, dict); None when absent and
    not required."""
    value = body.get(name)
    label = f"{prefix}{name}"
    if value is None:
        if required:
            raise _fail(label, "is required")
        return None
    words = {str: "a string", list: "an array", dict: "an object"}
    if not isinstance(value, kind):
        raise _fail(label, f"must be {words[kind]}")
    return value


def text(body, name, prefix="parameters.", required=True, max_length=None):
    value = field(body, name, prefix, str, required)
    if value is None:
        return None
    if not value or (max_length and len(value) > max_length) or "\x00" in value:
        rule = f"a non-empty string of at most {max_length} characters" if max_length \
            else "a non-empty string without NUL characters"
        raise _fail(prefix + name, f"must be {rule}")
    return value


def choice(body, name, allowed, prefix="parameters.", required=True, default=None):
    value = body.get(name)
    if value is None and not required:
        return default
    if value not in allowed:
        raise _fail(prefix + name, f"must be one of {', '.join(allowed)}")
    return value


def integer(body, name, low, high, prefix="parameters.", required=True):
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(prefix + name, f"must be an integer from {low} to {high}")
    return value


def _date(parameters, name):
    """Returns parameters[name] (an ISO-8601 date or epoch milliseconds) as epoch ms."""
    value = parameters.get(name)
    label = f"parameters.{name}"
    if isinstance(value, bool):
        value = None
    if isinstance(value, (int, float)) and math.isfinite(value):
        ms = math.floor(value)
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _fail(label, "must be an ISO-8601 date or epoch milliseconds") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        ms = math.floor(dt.timestamp() * 1000)
    else:
        raise _fail(label, "is required: an ISO-8601 date or epoch milliseconds")
    if not 0 <= ms <= params.MAX_MS:
        raise _fail(label, "is out of range")
    return ms


def zone(parameters):
    """Returns (IANA zone, label formats) for parameters.timezone (absent or `utc`: UTC with
    ISO labels, as on the GET routes)."""
    raw = parameters.get("timezone")
    if raw is None or raw == "utc":
        return "UTC", ISO_LABELS
    found = canonical_zone(raw)
    if found is None:
        raise _fail("parameters.timezone", "must be an IANA time zone name")
    return found, LOCAL_LABELS


def _filters(body):
    """Returns (Filters, kinds, saved): the report filters, the hit kinds eventType leaves,
    and the ids of a saved segment and cohort ({"segment": id, ...}), applied once the
    website is known (saved_filters)."""
    raw = field(body, "filters", "", dict, required=False) or {}
    filters, kinds, saved = [], KINDS, {}
    for name, value in raw.items():
        label = f"filters.{name}"
        if name in IGNORED_FILTERS:
            continue
        if name == "match":
            if value not in ("all", None):
                raise _fail(label, "must be all (umami-lite does not combine filters with OR)")
            continue
        if name == "eventType":
            if value is not None:
                wanted = integer(raw, name, 1, 2**31, prefix="filters.")
                kinds = tuple(k for k in KINDS if k == wanted)
            continue
        if name in ("segment", "cohort"):
            if value is not None:
                saved[name] = text(raw, name, prefix="filters.")
            continue
        if name not in PARAM_FILTERS:
            if REPEAT.fullmatch(name):
                continue  # browser1: repeats are for GET routes; a body drops them
            raise _fail(label, "is not a known filter")
        if value is None:
            continue
        if not isinstance(value, str):
            raise _fail(label, "must be a string like eq.value")
        if value.partition(".")[0] in ("re", "nre") and "." in value:
            raise _fail(label, "uses a regular-expression operator, which umami-lite lacks")
        try:
            filters.append(parse_filter(name, value))
        except ApiError as exc:
            raise bad_request(f"filters: {exc.message}") from None
    return tuple(filters), kinds, saved


def saved_filters(filters, saved, website):
    """Returns filters with a saved segment's in place of same-named ones, and a saved
    cohort's, as on the GET routes (args.with_segment, args.cohort); an id that names no
    segment or cohort of this website is a 400."""
    found = {}
    for name, apply in (("segment", args.with_segment), ("cohort", args.cohort)):
        try:
            found[name] = apply(MultiDict({name: saved.get(name)}), website)
        except ApiError as exc:
            raise bad_request(exc.message.replace(f"'{name}'", f"'filters.{name}'")) from None
    segment, cohort = found["segment"], found["cohort"]
    added = parse_filters(segment) if saved.get("segment") else ()
    replaced = {f.name for f in added}
    return tuple(f for f in filters if f.name not in replaced) + added + cohort


def read(body, report_type):
    """Returns (Query without its website, kinds, checked parameters, saved segment and
    cohort ids) of a checked body: the caller sets website_id and applies the saved ones
    (saved_filters) once it knows the caller may see the website."""
    parameters = field(body, "parameters", "", dict)
    start, end = _date(parameters, "startDate"), _date(parameters, "endDate")
    if end < start:
        raise _fail("parameters.endDate", "must not be before startDate")
    filters, kinds, saved = _filters(body)
    checked = CHECKS[report_type](parameters)
    if report_type == "journey" and checked["eventType"] is not None:
        kinds = tuple(k for k in kinds if k == checked["eventType"])
    return Query(0, start, end, filters), kinds, checked, saved


def check_envelope(body, report_type):
    """Raises 400 unless body has a string websiteId and a type equal to the path's."""
    text(body, "websiteId", prefix="")
    if body.get("type") is not None and body["type"] != report_type:
        raise _fail("type", f"must be {report_type}, the report this path runs")


def _step(step, number):
    prefix = f"parameters.steps[{number}]."
    if not isinstance(step, dict):
        raise _fail(prefix[:-1], "must be an object {type, value}")
    kind = choice(step, "type", ("path", "event"), prefix)
    value = text(step, "value", prefix, max_length=500)
    checked = {"type": kind, "value": value}
    step_filters = field(step, "filters", prefix, list, required=False)
    if step_filters is not None:
        checked["filters"] = []
        for i, flt in enumerate(step_filters):
            label = f"{prefix}filters[{i}]."
            if not isinstance(flt, dict):
                raise _fail(label[:-1], "must be an object {property, operator, value}")
            checked["filters"].append({
                "property": text(flt, "property", label, max_length=500),
                "operator": choice(flt, "operator", tuple(STEP_OPERATORS), label),
                "value": field(flt, "value", label, str)})
    return checked


def _funnel(parameters):
    window = parameters.get("window")
    if (isinstance(window, bool) or not isinstance(window, (int, float))
            or not math.isfinite(window) or not 0 < window <= MAX_WINDOW):
        raise _fail("parameters.window", f"must be a number of minutes above 0, at most "
                                         f"{MAX_WINDOW}")
    steps = field(parameters, "steps", "parameters.", list)
    if not 2 <= len(steps) <= 8:
        raise _fail("parameters.steps", "must hold 2 to 8 steps")
    return {"window": window, "steps": [_step(step, i) for i, step in enumerate(steps)]}


def _retention(parameters):
    return {"zone": zone(parameters)}


def _journey(parameters):
    return {"steps": integer(parameters, "steps", 2, 7),
            "startStep": text(parameters, "startStep", required=False, max_length=500),
            "endStep": text(parameters, "endStep", required=False, max_length=500),
            "eventType": integer(parameters, "eventType", 1, 2**31, required=False)}


def _attribution(parameters):
    field(parameters, "currency", "parameters.", str, required=False)  # accepted, unused
    return {"model": choice(parameters, "model", ("first-click", "last-click")),
            "type": choice(parameters, "type", ("path", "event")),
            "step": text(parameters, "step", max_length=500)}


def _goal(parameters):
    return {"type": choice(parameters, "type", ("path", "event")),
            "value": text(parameters, "value", max_length=500)}


def _breakdown(parameters):
    fields = field(parameters, "fields", "parameters.", list)
    if not fields:
        raise _fail("parameters.fields", "must name at least one field")
    for i, name in enumerate(fields):
        if not isinstance(name, str) or name not in breakdown.FIELDS:
            raise _fail(f"parameters.fields[{i}]",
                        f"must be one of {', '.join(breakdown.FIELDS)}")
    return {"fields": list(dict.fromkeys(fields))}


def _revenue(parameters):
    return {"currency": text(parameters, "currency", max_length=20),
            "unit": choice(parameters, "unit", UNITS, required=False, default="day"),
            "zone": zone(parameters),
            "compare": choice(parameters, "compare", ("prev", "yoy"), required=False,
                              default="prev")}


def _performance(parameters):
    return {"unit": choice(parameters, "unit", UNITS, required=False, default="day"),
            "zone": zone(parameters),
            "metric": choice(parameters, "metric", performance.METRICS, required=False,
                             default="lcp")}


CHECKS = {"funnel": _funnel, "retention": _retention, "journey": _journey,
          "attribution": _attribution, "goal": _goal, "utm": lambda parameters: {},
          "breakdown": _breakdown, "revenue": _revenue, "performance": _performance}
