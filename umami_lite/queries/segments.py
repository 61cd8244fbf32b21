"""Saved segments and cohorts: storage, the check of their parameters, and their JSON shape.

A segment's `parameters` holds `filters` ([{name, operator, value}]) and `match`; a
cohort's also `dateRange` and `action`. Every write checks them, so a stored one can
always be applied: a filter name from query.PARAM_FILTERS, an operator umami-lite applies.
"""
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

from ..clock import now_ms
from ..errors import bad_request
from ..storage.like import like_pattern
from .filters import OPERATORS, PARAM_FILTERS, Cohort, Filter, parse_filter
from ..timefmt import iso

TYPES = ("segment", "cohort")
DATE_RANGE = re.compile(r"(\d{1,4})(hour|day|week|month|year)|range:(\d{1,15}):(\d{1,15})")
ACTIONS = ("path", "event")
MAX_FILTERS = 20


def _filter(index, item):
    where = f"'parameters.filters[{index}]'"
    if not isinstance(item, dict):
        raise bad_request(f"{where} must be an object with name, operator and value.")
    name, operator, value = item.get("name"), item.get("operator"), item.get("value")
    if name not in PARAM_FILTERS:
        raise bad_request(f"{where}.name must be one of {', '.join(PARAM_FILTERS)}.")
    if operator in ("re", "nre"):
        raise bad_request(f"{where}.operator '{operator}' (regular expressions) is not "
                          "supported; use eq, neq, c or dnc.")
    if operator not in OPERATORS:
        raise bad_request(f"{where}.operator must be one of {', '.join(OPERATORS)}.")
    if not isinstance(value, str) or not value or len(value) > 500 or "\x00" in value:
        raise bad_request(f"{where}.value must be a non-empty string of at most 500 "
                          "characters.")
    return {"name": name, "operator": operator, "value": value}


def checked_parameters(kind, parameters):
    """Returns the parameters of a segment or cohort as stored, or raises 400 naming the
    field."""
    if not isinstance(parameters, dict):
        raise bad_request("'parameters' must be an object.")
    filters = parameters.get("filters", [])
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        raise bad_request(f"'parameters.filters' must be a list of at most {MAX_FILTERS}.")
    checked = {"filters": [_filter(i, item) for i, item in enumerate(filters)]}
    match = parameters.get("match", "all")
    if match == "any":
        raise bad_request("'parameters.match' any is not supported: filters always combine "
                          "with AND.")
    if match != "all":
        raise bad_request("'parameters.match' must be all.")
    checked["match"] = match
    if kind == "cohort":
        date_range = parameters.get("dateRange")
        if not (isinstance(date_range, str) and DATE_RANGE.fullmatch(date_range)):
            raise bad_request("'parameters.dateRange' must be like 30day or "
                              "range:<startMs>:<endMs>.")
        action = parameters.get("action")
        if not (isinstance(action, dict) and action.get("type") in ACTIONS
                and isinstance(action.get("value"), str) and action["value"].strip(",")
                and len(action["value"]) <= 500 and "\x00" not in action["value"]):
            raise bad_request("'parameters.action' must be {type: path|event, value} with a "
                              "value of 1 to 500 characters.")
        checked.update(dateRange=date_range,
                       action={"type": action["type"], "value": action["value"]})
    return checked


def as_params(row):
    """Returns a segment's filters as read-route parameters: the first filter of a name is
    `name`, the next `name1`, and so on; each value is `operator.value`."""
    seen, params = {}, {}
    for item in json.loads(row["parameters"])["filters"]:
        count = seen.get(item["name"], 0)
        seen[item["name"]] = count + 1
        params[item["name"] + (str(count) if count else "")] = (
            f"{item['operator']}.{item['value']}")
    return params


def _unit_start(now, unit, back):
    """Returns the UTC start of the unit holding now, moved back units earlier, and the start
    of the unit after now's."""
    if unit in ("hour", "day", "week"):
        step = {"hour": timedelta(hours=1), "day": timedelta(days=1),
                "week": timedelta(weeks=1)}[unit]
        start = now.replace(minute=0, second=0, microsecond=0)
        if unit != "hour":
            start = start.replace(hour=0)
        if unit == "week":  # weeks start on Monday, as ISO 8601 counts them
            start -= timedelta(days=start.weekday())
        return start - back * step, start + step
    months = now.year * 12 + now.month - 1
    size = 12 if unit == "year" else 1
    first = months - months % size
    start_months, next_months = first - back * size, first + size
    return (datetime(start_months // 12, start_months % 12 + 1, 1, tzinfo=timezone.utc),
            datetime(next_months // 12, next_months % 12 + 1, 1, tzinfo=timezone.utc))


def date_range(text, now_ms):
    """Returns (start, end) epoch ms of a cohort's dateRange, in UTC: `range:<a>:<b>` as given;
    `<n><unit>` from the start of the current unit less n units to the end of the current one
    (0day is today)."""
    match = DATE_RANGE.fullmatch(text)
    if match.group(3) is not None:
        return int(match.group(3)), int(match.group(4))
    now = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    start, after = _unit_start(now, match.group(2), int(match.group(1)))
    return int(start.timestamp() * 1000), int(after.timestamp() * 1000) - 1


def cohort_filter(row, now_ms):
    """Returns the Filter that keeps the rows of a cohort's sessions."""
    parameters = json.loads(row["parameters"])
    start, end = date_range(parameters["dateRange"], now_ms)
    filters = tuple(parse_filter(name, value) for name, value in as_params(row).items())
    action = parameters["action"]
    return Filter("cohort", "eq", (Cohort(start, end, filters,
                                          parse_filter(action["type"], "eq." + action["value"])),))


def create(db, website_id, kind, name, parameters):
    now = now_ms()
    key = str(uuid.uuid4())
    db.execute("INSERT INTO segment (segment_uuid, website_id, type, name, parameters,"
               " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
               (key, website_id, kind, name, json.dumps(parameters), now, now))
    return find(db, website_id, key)


def find(db, website_id, key):
    """Returns the segment or cohort of this website whose id is key, or None."""
    try:
        key = str(uuid.UUID(str(key)))
    except ValueError:
        return None
    return db.execute(
        "SELECT s.*, w.website_uuid FROM segment s JOIN website w USING (website_id)"
        " WHERE s.segment_uuid = ? AND s.website_id = ?", (key, website_id)).fetchone()


def list_for(db, website_id, kind, search=None):
    """Returns the website's segments (or cohorts) by name; search: substring of the name."""
    sql = ("SELECT s.*, w.website_uuid FROM segment s JOIN website w USING (website_id)"
           " WHERE s.website_id = ? AND s.type = ?")
    params = [website_id, kind]
    if search:
        sql += " AND s.name LIKE ? ESCAPE '\\'"
        params.append(like_pattern(search))
    return db.execute(sql + " ORDER BY s.name, s.segment_id", params).fetchall()


def update(db, row, kind, name, parameters):
    db.execute("UPDATE segment SET type = ?, name = ?, parameters = ?, updated_at = ?"
               " WHERE segment_id = ?",
               (kind, name, json.dumps(parameters), now_ms(), row["segment_id"]))
    return find(db, row["website_id"], row["segment_uuid"])


def delete(db, row):
    db.execute("DELETE FROM segment WHERE segment_id = ?", (row["segment_id"],))


def to_json(row):
    return {"id": row["segment_uuid"], "websiteId": row["website_uuid"], "type": row["type"],
            "name": row["name"], "parameters": json.loads(row["parameters"]),
            "createdAt": iso(row["created_at"]), "updatedAt": iso(row["updated_at"])}
