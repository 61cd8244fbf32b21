"""The OpenAPI 3 document of every umami-lite route, served at GET /api/openapi.json.

tests/web/test_openapi.py checks PATHS against the app's URL map: a route without an entry
here (or an entry without a route) fails the suite. Paths are relative to where
umami-lite is mounted; the served document's `servers` carries the mount prefix.
Every response a route can give is listed, so schemathesis can flag anything else.
"""
from flask import Blueprint, jsonify, request

from ..queries.filters import PARAM_FILTERS

bp = Blueprint("openapi", __name__)

DOC_PATH = "/api/openapi.json"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TEXT = {"type": "string", "minLength": 1}
EPOCH_MS = {"type": "integer", "minimum": 0, "maximum": 253402300799999}
ID = {"type": "integer", "minimum": 1}
ISO = {"type": "string", "format": "date-time"}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["message", "code", "status"],
            "properties": {"message": STR, "code": STR, "status": INT}}}},
    "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}},
    "Segment": {
        "type": "object",
        "required": ["id", "websiteId", "type", "name", "parameters", "createdAt", "updatedAt"],
        "properties": {"id": {"type": "string", "format": "uuid"},
                       "type": {"enum": ["segment", "cohort"]}, "name": STR,
                       "parameters": {"type": "object"}, "createdAt": ISO, "updatedAt": ISO}},
    "SessionRow": {
        "type": "object",
        "required": ["id", "websiteId", "hostname", "browser", "os", "device", "screen",
                     "language", "country", "region", "city", "firstAt", "lastAt", "visits",
                     "views", "events", "createdAt"],
        "properties": {"id": {"type": "string", "format": "uuid"}, "visits": INT, "views": INT,
                       "events": INT, "firstAt": ISO, "lastAt": ISO, "createdAt": ISO}},
    "Session": {
        "type": "object",
        "required": ["id", "distinctId", "websiteId", "browser", "os", "device", "screen",
                     "language", "country", "region", "city", "firstAt", "lastAt", "visits",
                     "views", "events", "totaltime"],
        "properties": {"id": {"type": "string", "format": "uuid"}, "visits": INT, "views": INT,
                       "events": INT, "totaltime": INT, "firstAt": ISO, "lastAt": ISO}},
    "User": {
        "type": "object",
        "required": ["user_id", "id", "username", "role", "is_admin", "isAdmin", "created_at",
                     "createdAt"],
        "properties": {"user_id": INT, "id": STR, "username": STR,
                       "role": {"enum": ["admin", "user"]}, "is_admin": BOOL, "isAdmin": BOOL,
                       "created_at": ISO, "createdAt": ISO},
        "not": {"required": ["password"]}},
    "Website": {
        "type": "object",
        "required": ["website_id", "website_uuid", "user_id", "name", "domain", "share_id",
                     "created_at", "id", "userId", "shareId", "createdAt", "updatedAt",
                     "resetAt", "deletedAt", "teamId", "user"],
        "properties": {
            "website_id": INT, "website_uuid": {"type": "string", "format": "uuid"},
            # the owner's ids and user are null for a share token's reader
            "user_id": nullable(INT), "name": STR, "domain": nullable(STR),
            "share_id": nullable(STR), "created_at": ISO,
            "id": {"type": "string", "format": "uuid"}, "userId": nullable(STR),
            "shareId": nullable(STR), "createdAt": ISO, "updatedAt": nullable(ISO),
            "resetAt": nullable(ISO), "deletedAt": {"type": "null"}, "teamId": {"type": "null"},
            "user": nullable({"type": "object", "required": ["id", "username"],
                              "properties": {"id": STR, "username": STR}})}},
    "WebsitePage": {
        "type": "object", "required": ["data", "count", "page", "pageSize"],
        "properties": {"data": {"type": "array", "items": ref("Website")}, "count": INT,
                       "page": INT, "pageSize": INT}},
    "Stats": {
        "type": "object", "required": ["pageviews", "uniques", "bounces", "totaltime"],
        "properties": {k: {"type": "integer", "minimum": 0}
                       for k in ("pageviews", "uniques", "bounces", "totaltime")}},
    "Series": {"type": "array", "items": {
        "type": "object", "required": ["t", "y"], "properties": {"t": STR, "y": INT}}},
    "PageviewSeries": {
        "type": "object", "required": ["pageviews", "sessions"],
        "properties": {"pageviews": ref("Series"), "sessions": ref("Series")}},
    "EventSeries": {"type": "array", "items": {
        "type": "object", "required": ["x", "t", "y"],
        "properties": {"x": STR, "t": STR, "y": INT}}},
    "Metrics": {"type": "array", "items": {
        "type": "object", "required": ["x", "y"], "properties": {"x": STR, "y": INT}}},
    "Active": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
        "type": "object", "required": ["x"], "properties": {"x": INT}}},
    "StatsV2": {
        "type": "object",
        "required": ["pageviews", "visitors", "visits", "bounces", "totaltime", "comparison"],
        "properties": {
            **{k: {"type": "integer", "minimum": 0}
               for k in ("pageviews", "visitors", "visits", "bounces", "totaltime")},
            "comparison": {"type": "object", "required": ["pageviews", "visitors", "visits",
                                                          "bounces", "totaltime"]}}},
    "XY": {"type": "array", "items": {
        "type": "object", "required": ["x", "y"],
        "properties": {"x": nullable(STR), "y": INT}}},
    "PageviewSeriesV2": {
        "type": "object", "required": ["pageviews", "sessions"],
        "properties": {"pageviews": ref("XY"), "sessions": ref("XY"),
                       "startDate": ISO, "endDate": ISO, "compare": {"type": "object"}}},
    "Report": {
        "type": "object",
        "required": ["id", "userId", "websiteId", "type", "name", "description", "parameters",
                     "createdAt", "updatedAt"],
        "properties": {"id": {"type": "string", "format": "uuid"},
                       "userId": nullable(STR),  # null for a share token's reader
                       "websiteId": STR, "type": STR, "name": STR, "description": STR,
                       "parameters": {"type": "object"}, "createdAt": ISO, "updatedAt": ISO}},
    "Login": {"type": "object", "required": ["token", "user"],
              "properties": {"token": STR, "user": ref("User")}},
    "Share": {"type": "object", "required": ["websiteId", "websiteUuid", "token"],
              "properties": {"websiteId": INT, "websiteUuid": STR, "token": STR}},
    "CollectBody": {
        "type": "object", "required": ["type", "payload"],
        "properties": {
            "type": {"enum": ["pageview", "event"]},
            "payload": {
                "type": "object", "required": ["website", "url"],
                "properties": {
                    "website": {"type": "string", "format": "uuid"}, "url": TEXT,
                    "referrer": STR, "hostname": STR, "language": STR, "screen": STR,
                    "event_type": STR, "event_value": STR, "event_name": STR,
                    "event_data": {"type": "object"}, "cache": nullable(STR)}}}},
}

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "cookie": {"type": "apiKey", "in": "cookie", "name": "umami.auth",
               "description": "Cookie logins must also send X-CSRF-Token = cookie umami.csrf "
                              "on POST/PUT/DELETE."},
    "share": {"type": "apiKey", "in": "header", "name": "x-umami-share-token"},
}
LOGIN = [{"bearer": []}, {"cookie": []}]
READ = LOGIN + [{"share": []}]

MESSAGES = {200: "OK", 204: "No content", 302: "Redirect to the login page",
            304: "Not modified (ETag matched)", 400: "Bad request", 401: "Login required",
            403: "Forbidden (admin only, CSRF check failed, or a cross-site request)",
            404: "Not found", 413: "Request body too large",
            415: "A form or text/plain body (only JSON is accepted)",
            429: "Too many failed logins, or too many hits",
            503: "Database busy, full or read-only; retry later"}


def json_content(schema):
    return {"application/json": {"schema": schema}}


def op(summary, ok, errors=(), security=None, params=(), body=None):
    """Returns an operation object; ok is the 200 content, errors the other statuses."""
    responses = {"200": {"description": "OK", "content": ok}} if ok else {
        "204": {"description": MESSAGES[204]}}
    for status in (*errors, 503):
        responses[str(status)] = {"description": MESSAGES[status],
                                  "content": json_content(ref("Error"))}
    operation = {"summary": summary, "responses": responses}
    if security is not None:
        operation["security"] = security
    if params:
        operation["parameters"] = list(params)
    if body:
        operation["requestBody"] = {"required": True, "content": json_content(body)}
    return operation


def page(summary, can_miss=False):
    """Returns a dashboard page operation: HTML, or a redirect to the login page.

    can_miss: the page is about one website or share link and answers an HTML 404 when
    it does not exist or the caller may not see it.
    """
    operation = op(summary, {"text/html": {"schema": STR}}, (), [])
    operation["responses"]["302"] = {"description": MESSAGES[302]}
    if can_miss:
        operation["responses"]["404"] = {"description": MESSAGES[404],
                                         "content": {"text/html": {"schema": STR}}}
    return operation


def script(summary):
    """Returns a tracker script operation: cacheable JavaScript, 304 when unchanged."""
    return {"summary": summary, "security": [], "responses": {
        "200": {"description": "OK", "content": {"text/javascript": {"schema": STR}}},
        "304": {"description": MESSAGES[304]}}}


def query(name, schema, required=False, description=None):
    param = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


def path_param(name, schema=STR):
    return {"name": name, "in": "path", "required": True, "schema": schema}


WEBSITE_KEY = path_param("website_key")
RANGE = (query("start_at", EPOCH_MS, True, "epoch milliseconds, inclusive"),
         query("end_at", EPOCH_MS, True, "epoch milliseconds, inclusive; not before start_at"),
         query("url", STR, False, "exact stored url"))
SERIES = (*RANGE, query("unit", {"enum": ["year", "month", "day", "hour", "minute"]}, True),
          query("tz", STR, True, "IANA time zone name"))
METRIC_TYPES = ["url", "referrer", "event", "browser", "os", "device", "country", "language",
                "screen"]
V2_RANGE = (query("startAt", EPOCH_MS, True, "epoch milliseconds, inclusive"),
            query("endAt", EPOCH_MS, True, "epoch milliseconds, inclusive; not before startAt"),
            *(query(name, STR, False, "filter: [eq.|neq.|c.|dnc.]value")
              for name in PARAM_FILTERS),
            query("segment", STR, False, "a saved segment's id: its filters apply too"),
            query("cohort", STR, False, "a saved cohort's id: only its sessions count"))
V2_SERIES = (*V2_RANGE, query("unit", {"enum": ["minute", "hour", "day", "month", "year"]}),
             query("timezone", STR, False, "IANA time zone name"))
COMPARE = query("compare", {"enum": ["prev", "yoy"]})
V2_WEBSITE_BODY = {"type": "object", "properties": {
    "name": {"type": "string", "maxLength": 100, "pattern": r"\S"},
    "domain": {"type": "string", "maxLength": 500, "pattern": r"\S"},
    "shareId": nullable({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,50}$"}),
    "id": nullable({"type": "string", "format": "uuid"}), "teamId": {"type": "null"}}}
READ_ERRORS = (400, 401, 404)
BEACON_FIELDS = {"name": {"type": "string", "maxLength": 100, "pattern": r"\S"},
                 "slug": {"type": "string", "pattern": "^[A-Za-z0-9._~-]{1,100}$"},
                 "url": {"type": "string", "maxLength": 500, "pattern": "^https?://"}}


def beacon_paths(kind):
    """Returns the five management routes of links or pixels (a pixel has no url)."""
    fields = {k: v for k, v in BEACON_FIELDS.items() if kind == "link" or k != "url"}
    item = {"type": "object", "required": ["id", *fields, "userId", "createdAt"],
            "properties": {"id": {"type": "string", "format": "uuid"},
                           **{k: STR for k in fields}, "userId": STR, "createdAt": ISO}}
    body = {"type": "object", "properties": {**fields, "id": nullable(
        {"type": "string", "format": "uuid"}), "teamId": {"type": "null"}}}
    plural, key = f"/api/{kind}s", path_param("key", {"type": "string", "format": "uuid"})
    return {
        plural: {
            "get": op(f"The caller's {kind}s, paged", json_content({
                "type": "object", "required": ["data", "count", "page", "pageSize"],
                "properties": {"data": {"type": "array", "items": item}, "count": INT}}),
                (400, 401), LOGIN, (*PAGING, query("search", STR))),
            "post": op(f"Create a {kind}", json_content(item), (400, 401, 403, 413), LOGIN,
                       body={**body, "required": list(fields)})},
        f"{plural}/{{key}}": {
            "get": op(f"One {kind}", json_content(item), (401, 404), LOGIN, (key,)),
            "post": op(f"Update a {kind}", json_content(item), (400, 401, 403, 404, 413),
                       LOGIN, (key,), body=body),
            "delete": op(f"Delete a {kind} and its hits", json_content(ref("Ok")),
                         (401, 403, 404), LOGIN, (key,))}}


SEGMENT_KEY = path_param("segment_key", {"type": "string", "format": "uuid"})
SEGMENT_BODY = {"type": "object", "required": ["type", "name", "parameters"], "properties": {
    "type": {"enum": ["segment", "cohort"]}, "name": {"type": "string", "maxLength": 200,
                                                      "pattern": r"\S"},
    "parameters": {"type": "object"}}}
SESSION_KEY = path_param("session_key", {"type": "string", "format": "uuid"})
PAGING = (query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
          query("pageSize", {"type": "integer", "minimum": 1, "maximum": 1000}))
SESSION_TOTALS = ("pageviews", "visitors", "visits", "countries", "events")
OWNER_ERRORS = (401, 403, 404)
CREDENTIALS = {"type": "object", "required": ["username", "password"],
               "properties": {"username": TEXT, "password": TEXT}}
ACCOUNT_BODY = {"type": "object", "properties": {
    "user_id": nullable(ID),
    "username": nullable({"type": "string", "minLength": 1, "maxLength": 255}),
    "password": nullable({"type": "string", "minLength": 8, "maxLength": 255}),
    "is_admin": BOOL}}
WEBSITE_BODY = {"type": "object", "properties": {
    "website_id": {"anyOf": [ID, STR, {"type": "null"}]},
    "name": {"type": "string", "maxLength": 100, "pattern": r"\S"},
    "domain": nullable({"type": "string", "maxLength": 500}),
    "enable_share_url": nullable(BOOL)}}
PASSWORD_BODY = {"type": "object", "required": ["current_password", "new_password"],
                 "properties": {
                     "current_password": {"type": "string", "minLength": 1, "maxLength": 1024},
                     "new_password": {"type": "string", "minLength": 8, "maxLength": 1024}}}
SEND_BODY = {
    "type": "object", "required": ["type", "payload"],
    "properties": {
        "type": {"enum": ["event", "identify", "performance"]},
        "payload": {"type": "object", "required": ["website"], "properties": {
            "website": {"type": "string", "format": "uuid"}, "url": STR, "referrer": STR,
            "hostname": STR, "language": STR, "screen": STR, "title": STR, "name": STR,
            "tag": STR, "id": {"anyOf": [STR, INT]}, "data": {"type": "object"},
            "timestamp": {"anyOf": [INT, STR]}, "ip": STR, "userAgent": STR, "browser": STR,
            "os": STR, "device": STR}}}}
SEND_OK = json_content({"anyOf": [
    {"type": "object", "required": ["cache", "sessionId", "visitId"],
     "properties": {"cache": STR, "sessionId": STR, "visitId": STR}},
    {"type": "object", "required": ["beep"], "properties": {"beep": {"const": "boop"}}}]})
BATCH_OK = json_content({
    "type": "object", "required": ["size", "processed", "errors", "details", "cache"],
    "properties": {"size": INT, "processed": INT, "errors": INT, "cache": nullable(STR),
                   "details": {"type": "array", "items": {
                       "type": "object", "required": ["index", "response"],
                       "properties": {"index": INT, "response": ref("Error")}}}}})
COLLECT_OK = {"text/plain": {"schema": STR},
              "application/json": {"schema": {
                  "type": "object", "required": ["ignored"],
                  "properties": {"ignored": {"enum": ["bot", "ip"]}}}}}

REPORT_TYPES = ["funnel", "retention", "journey", "attribution", "goal", "utm", "breakdown",
                "revenue", "performance"]
REPORT_RUN_BODY = {
    "type": "object", "required": ["websiteId", "parameters"],
    "properties": {"websiteId": STR, "type": STR, "filters": {"type": "object"},
                   "parameters": {"type": "object"}}}
REPORT_BODY = {
    "type": "object", "required": ["websiteId", "type", "name", "parameters"],
    "properties": {"websiteId": STR, "type": {"enum": REPORT_TYPES},
                   "name": {"type": "string", "minLength": 1, "maxLength": 200},
                   "description": {"type": "string", "maxLength": 500},
                   "parameters": {"type": "object"}}}
REPORT_ANSWERS = {"funnel": {"type": "array"}, "retention": {"type": "array"},
                  "journey": {"type": "array"}, "attribution": {"type": "object"},
                  "goal": {"type": "object", "required": ["num", "total"]},
                  "utm": {"type": "object"}, "breakdown": {"type": "array"},
                  "revenue": {"type": "object", "required": ["chart", "total"]},
                  "performance": {"type": "object", "required": ["chart", "summary"]}}
REPORT_KEY = path_param("report_key")
REPORT_PAGE = {"type": "object", "required": ["data", "count", "page", "pageSize"],
               "properties": {"data": {"type": "array", "items": ref("Report")},
                              "count": INT, "page": INT, "pageSize": INT}}
REPORT_LIST_PARAMS = (query("type", {"enum": REPORT_TYPES}), *PAGING)

PATHS = {
    "/api/openapi.json": {
        "get": op("This document", json_content({"type": "object"}), security=[])},
    "/api/heartbeat": {"get": op("Liveness", json_content(ref("Ok")), security=[])},
    "/api/auth/login": {
        "post": op("Log in; sets cookies umami.auth (HttpOnly) and umami.csrf",
                   json_content(ref("Login")), (400, 401, 413, 429), [], body=CREDENTIALS)},
    "/api/auth/verify": {
        "get": op("The logged-in user", json_content(ref("User")), (401,), LOGIN),
        "post": op("The logged-in user", json_content(ref("User")), (401,), LOGIN)},
    "/api/me": {"get": op("The logged-in user", json_content(ref("User")), (401,), LOGIN)},
    "/api/auth/logout": {
        "post": op("Log out: revokes every token of the user, clears the cookies",
                   json_content(ref("Ok")), (403,), LOGIN + [{}])},
    "/api/collect": {
        "options": op("CORS preflight", None, (), []),
        "post": op("Record a v1 pageview or event (public); 200 body is the cache token",
                   COLLECT_OK, (400, 413, 429), [], body=ref("CollectBody"))},
    "/api/send": {
        "options": op("CORS preflight", None, (), []),
        "post": op("Record a current-API event, pageview, identify or performance hit",
                   SEND_OK, (400, 403, 413, 429), [], body=SEND_BODY)},
    "/api/batch": {
        "options": op("CORS preflight", None, (), []),
        "post": op("Up to 1000 /api/send bodies; bad items are reported, not stored",
                   BATCH_OK, (400, 413, 429), [],
                   # any item is accepted here: a bad one is answered in `details`
                   body={"type": "array", "maxItems": 1000, "items": {}})},
    "/": {"get": page("Dashboard: the website list")},
    "/login": {"get": page("Dashboard: login page")},
    "/websites/{website_key}": {"get": {**page("Dashboard: one website's stats", can_miss=True),
                                        "parameters": [WEBSITE_KEY]}},
    "/websites/{website_key}/realtime": {"get": {
        **page("Dashboard: a website's last 30 minutes", can_miss=True),
        "parameters": [WEBSITE_KEY]}},
    "/websites/{website_key}/reports": {"get": {
        **page("Dashboard: a website's reports", can_miss=True), "parameters": [WEBSITE_KEY]}},
    "/websites/{website_key}/segments": {"get": {
        **page("Dashboard: a website's segments and cohorts", can_miss=True),
        "parameters": [WEBSITE_KEY]}},
    "/websites/{website_key}/sessions": {"get": {
        **page("Dashboard: a website's sessions", can_miss=True), "parameters": [WEBSITE_KEY]}},
    "/websites/{website_key}/sessions/{session_key}": {"get": {
        **page("Dashboard: one session's activity", can_miss=True),
        "parameters": [WEBSITE_KEY, path_param("session_key")]}},
    "/share/{share_id}": {"get": {**page("Dashboard: a shared website's stats (public)",
                                            can_miss=True),
                                  "parameters": [path_param("share_id")]}},
    "/settings": {"get": page("Dashboard: password and accounts")},
    "/links": {"get": page("Dashboard: links and pixels")},
    "/umami.js": {"get": script("The v1 tracker script")},
    "/script.js": {"get": script("The current tracker script")},
    "/api/website/{website_key}/stats": {
        "get": op("Summary numbers", json_content(ref("Stats")), READ_ERRORS, READ,
                  (WEBSITE_KEY, *RANGE))},
    "/api/website/{website_key}/pageviews": {
        "get": op("Pageview and session series", json_content(ref("PageviewSeries")),
                  READ_ERRORS, READ, (WEBSITE_KEY, *SERIES))},
    "/api/website/{website_key}/events": {
        "get": op("Event series", json_content(ref("EventSeries")), READ_ERRORS, READ,
                  (WEBSITE_KEY, *SERIES))},
    "/api/website/{website_key}/metrics": {
        "get": op("Counts per value of one dimension", json_content(ref("Metrics")),
                  READ_ERRORS, READ,
                  (WEBSITE_KEY, query("type", {"enum": METRIC_TYPES}, True), *RANGE))},
    "/api/website/{website_key}/active": {
        "get": op("Visitors in the last 5 minutes", json_content(ref("Active")), READ_ERRORS,
                  READ, (WEBSITE_KEY,))},
    "/api/websites/{website_key}": {
        "get": op("One website", json_content(ref("Website")), (401, 404), READ, (WEBSITE_KEY,)),
        "post": op("Update a website", json_content(ref("Website")), (400, 401, 403, 404, 413),
                   LOGIN, (WEBSITE_KEY,), body=V2_WEBSITE_BODY),
        "delete": op("Delete a website and its data", json_content(ref("Ok")), OWNER_ERRORS,
                     LOGIN, (WEBSITE_KEY,))},
    "/api/websites/{website_key}/reset": {
        "post": op("Delete a website's data, keep the website", json_content(ref("Ok")),
                   OWNER_ERRORS, LOGIN, (WEBSITE_KEY,))},
    "/api/websites/{website_key}/stats": {
        "get": op("Summary over visits, with the compared period", json_content(ref("StatsV2")),
                  READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE, COMPARE))},
    "/api/websites/{website_key}/pageviews": {
        "get": op("Pageview and session series", json_content(ref("PageviewSeriesV2")),
                  READ_ERRORS, READ, (WEBSITE_KEY, *V2_SERIES, COMPARE))},
    "/api/websites/{website_key}/metrics": {
        "get": op("Counts per value of one dimension", json_content(ref("XY")), READ_ERRORS,
                  READ, (WEBSITE_KEY, query("type", STR, True), *V2_RANGE,
                         query("limit", {"type": "integer", "minimum": 1, "maximum": 10_000}),
                         query("offset", {"type": "integer", "minimum": 0}),
                         query("search", STR)))},
    "/api/websites/{website_key}/events/series": {
        "get": op("Custom event series", json_content(ref("EventSeries")), READ_ERRORS, READ,
                  (WEBSITE_KEY, *V2_SERIES))},
    "/api/websites/{website_key}/active": {
        "get": op("Visitors in the last 5 minutes", json_content({
            "type": "object", "required": ["visitors"], "properties": {"visitors": INT}}),
            READ_ERRORS, READ, (WEBSITE_KEY,))},
    "/api/websites/{website_key}/event-data/events": {
        "get": op("Event properties with their types", json_content({
            "type": "array", "items": {
                "type": "object", "required": ["eventName", "propertyName", "dataType", "total"],
                "properties": {"eventName": STR, "propertyName": STR,
                               "dataType": {"enum": [1, 2, 3, 4]}, "total": INT}}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE))},
    "/api/websites/{website_key}/event-data/properties": {
        "get": op("Event properties", json_content({
            "type": "array", "items": {
                "type": "object", "required": ["eventName", "propertyName", "total"],
                "properties": {"eventName": STR, "propertyName": STR, "total": INT}}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE))},
    "/api/websites/{website_key}/event-data/values": {
        "get": op("Values of one event property", json_content({
            "type": "array", "items": {
                "type": "object", "required": ["value", "total"],
                "properties": {"value": {}, "total": INT}}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE, query("propertyName", TEXT, True)))},
    "/api/websites/{website_key}/sessions": {
        "get": op("Sessions with a hit in range, newest last hit first", json_content({
            "type": "object", "required": ["data", "count", "page", "pageSize"],
            "properties": {"data": {"type": "array", "items": ref("SessionRow")},
                           "count": INT, "page": INT, "pageSize": INT}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE, *PAGING, query("search", STR)))},
    "/api/websites/{website_key}/sessions/stats": {
        "get": op("Hits, visitors, visits, countries and events in range", json_content({
            "type": "object", "required": list(SESSION_TOTALS),
            "properties": {name: {"type": "object", "required": ["value"],
                                  "properties": {"value": INT}} for name in SESSION_TOTALS}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE))},
    "/api/websites/{website_key}/sessions/weekly": {
        "get": op("Sessions per local weekday (0 = Sunday) and hour", json_content({
            "type": "array", "minItems": 7, "maxItems": 7, "items": {
                "type": "array", "minItems": 24, "maxItems": 24, "items": INT}}),
            READ_ERRORS, READ,
            (WEBSITE_KEY, *V2_RANGE, query("timezone", STR, True, "IANA time zone name")))},
    "/api/websites/{website_key}/sessions/{session_key}": {
        "get": op("One session over all its hits", json_content(ref("Session")), READ_ERRORS,
                  READ, (WEBSITE_KEY, SESSION_KEY))},
    "/api/websites/{website_key}/sessions/{session_key}/activity": {
        "get": op("A session's hits in range, newest first (at most 500)", json_content({
            "type": "array", "items": {"type": "object", "required": [
                "createdAt", "urlPath", "eventId", "eventType", "visitId", "hasData"]}}),
            READ_ERRORS, READ, (WEBSITE_KEY, SESSION_KEY, *V2_RANGE[:2]))},
    "/api/websites/{website_key}/sessions/{session_key}/properties": {
        "get": op("A session's properties (set by identify)", json_content({
            "type": "array", "items": {"type": "object", "required": [
                "dataKey", "dataType", "stringValue", "createdAt"]}}),
            READ_ERRORS, READ, (WEBSITE_KEY, SESSION_KEY))},
    "/api/websites/{website_key}/session-data/properties": {
        "get": op("Session property names by sessions holding them", json_content({
            "type": "array", "items": {"type": "object", "required": ["propertyName", "total"],
                                       "properties": {"propertyName": STR, "total": INT}}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE))},
    "/api/websites/{website_key}/session-data/values": {
        "get": op("Values of one session property by sessions holding them", json_content({
            "type": "array", "items": {"type": "object", "required": ["value", "total"],
                                       "properties": {"value": {}, "total": INT}}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE, query("propertyName", STR)))},
    **{path: item for kind in ("link", "pixel") for path, item in beacon_paths(kind).items()},
    "/api/websites/{website_key}/events": {
        "get": op("Hits in range, newest first, paged", json_content({
            "type": "object", "required": ["data", "count", "page", "pageSize"],
            "properties": {"data": {"type": "array", "items": {"type": "object", "required": [
                "id", "sessionId", "createdAt", "urlPath", "eventType", "hasData"]}},
                "count": INT}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE, *PAGING, query("search", STR)))},
    "/api/websites/{website_key}/events/stats": {
        "get": op("Custom events, visitors, visits and distinct names, with the compared "
                  "period", json_content({"type": "object", "required": ["data"]}),
                  READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE, COMPARE))},
    "/api/websites/{website_key}/metrics/expanded": {
        "get": op("Each value of one dimension with its views, visitors, visits, bounces and "
                  "time", json_content({"type": "array", "items": {"type": "object", "required": [
                      "name", "pageviews", "visitors", "visits", "bounces", "totaltime"]}}),
                  READ_ERRORS, READ, (WEBSITE_KEY, query("type", STR, True), *V2_RANGE,
                                      query("limit", {"type": "integer", "minimum": 1,
                                                      "maximum": 10_000}),
                                      query("offset", {"type": "integer", "minimum": 0}),
                                      query("search", STR)))},
    "/api/websites/{website_key}/export": {
        "get": op("The website's tables as CSV files in a ZIP (base64)", json_content({
            "type": "object", "required": ["zip"], "properties": {"zip": STR}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE[:2]))},
    "/api/websites/{website_key}/values": {
        "get": op("The ten commonest values of one column (filters ignored)", json_content({
            "type": "array", "items": {"type": "object", "required": ["value", "count"],
                                       "properties": {"value": {}, "count": INT}}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE[:2], query("type", STR, True),
                                query("search", STR)))},
    "/api/websites/{website_key}/daterange": {
        "get": op("The first and last hit", json_content({
            "type": "object", "required": ["startDate", "endDate"],
            "properties": {"startDate": nullable(ISO), "endDate": nullable(ISO)}}),
            READ_ERRORS, READ, (WEBSITE_KEY,))},
    "/api/websites/{website_key}/event-data": {
        "get": op("Events with properties, newest first, paged", json_content({
            "type": "object", "required": ["data", "count", "page", "pageSize"]}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE, *PAGING))},
    "/api/websites/{website_key}/event-data/fields": {
        "get": op("Property values with their types", json_content({
            "type": "array", "items": {"type": "object", "required": [
                "propertyName", "dataType", "value", "total"]}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE))},
    "/api/websites/{website_key}/event-data/stats": {
        "get": op("Events with properties, distinct keys, property rows", json_content({
            "type": "object", "required": ["events", "properties", "records"],
            "properties": {"events": INT, "properties": INT, "records": INT}}),
            READ_ERRORS, READ, (WEBSITE_KEY, *V2_RANGE))},
    "/api/websites/{website_key}/event-data/{event_key}": {
        "get": op("Every property of one event", json_content({"type": "array"}),
                  READ_ERRORS, READ, (WEBSITE_KEY, path_param("event_key")))},
    "/api/websites/{website_key}/segments": {
        "get": op("The website's segments or cohorts (one page of 20)", json_content({
            "type": "object", "required": ["data", "count", "page", "pageSize"],
            "properties": {"data": {"type": "array", "items": ref("Segment")}, "count": INT}}),
            READ_ERRORS, READ, (WEBSITE_KEY, query("type", {"enum": ["segment", "cohort"]}, True),
                                query("search", STR))),
        "post": op("Save a segment or cohort", json_content(ref("Segment")),
                   (400, 401, 403, 404, 413), LOGIN, (WEBSITE_KEY,), body=SEGMENT_BODY)},
    "/api/websites/{website_key}/segments/{segment_key}": {
        "get": op("One segment or cohort", json_content(ref("Segment")), READ_ERRORS, READ,
                  (WEBSITE_KEY, SEGMENT_KEY)),
        "post": op("Change a segment or cohort", json_content(ref("Segment")),
                   (400, 401, 403, 404, 413), LOGIN, (WEBSITE_KEY, SEGMENT_KEY),
                   body=SEGMENT_BODY),
        "delete": op("Delete a segment or cohort", json_content(ref("Ok")), OWNER_ERRORS,
                     LOGIN, (WEBSITE_KEY, SEGMENT_KEY))},
    "/q/{slug}": {"get": {
        "summary": "Record a view of a link and redirect to its url (public)", "security": [],
        "parameters": [path_param("slug")],
        "responses": {"307": {"description": "Redirect to the link's url"},
                      "404": {"description": MESSAGES[404],
                              "content": json_content(ref("Error"))}}}},
    "/p/{slug}": {"get": {
        "summary": "Record a view of a pixel; a 1x1 GIF (public)", "security": [],
        "parameters": [path_param("slug")],
        "responses": {"200": {"description": "OK", "content": {"image/gif": {"schema": STR}}},
                      "404": {"description": MESSAGES[404],
                              "content": json_content(ref("Error"))}}}},
    "/api/realtime/{website_key}": {
        "get": op("The last 30 minutes", json_content({
            "type": "object",
            "required": ["countries", "urls", "referrers", "events", "series", "totals",
                         "timestamp"],
            "properties": {"countries": {"type": "object"}, "urls": {"type": "object"},
                           "referrers": {"type": "object"}, "events": {"type": "array"},
                           "series": {"type": "object", "required": ["views", "visitors"]},
                           "totals": {"type": "object"}, "timestamp": INT}}),
            READ_ERRORS, READ, (WEBSITE_KEY,))},
    "/api/websites": {
        "post": op("Create a website", json_content(ref("Website")), (400, 401, 403, 413),
                   LOGIN, body={**V2_WEBSITE_BODY, "required": ["name", "domain"]}),
        "get": op("The caller's websites, paged", json_content(ref("WebsitePage")),
                  (400, 401, 403), LOGIN,
                  (query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
                   query("pageSize", {"type": "integer", "minimum": 1, "maximum": 1000}),
                   query("search", STR), query("user_id", ID, False, "admin only")))},
    "/api/website": {
        "post": op("Create a website, or update one when website_id is given",
                   json_content(ref("Website")), (400, 401, 403, 404, 413), LOGIN,
                   body=WEBSITE_BODY)},
    "/api/website/{website_key}": {
        "get": op("One website", json_content(ref("Website")), (401, 404), READ, (WEBSITE_KEY,)),
        "delete": op("Delete a website and its data", json_content(ref("Ok")), OWNER_ERRORS,
                     LOGIN, (WEBSITE_KEY,))},
    "/api/website/{website_key}/reset": {
        "post": op("Delete a website's data, keep the website", json_content(ref("Ok")),
                   OWNER_ERRORS, LOGIN, (WEBSITE_KEY,))},
    "/api/share/{share_id}": {
        "get": op("A read-only share token for a shared website", json_content(ref("Share")),
                  (404,), [], (path_param("share_id"),))},
    "/api/accounts": {
        "get": op("Every account (admin)", json_content({"type": "array", "items": ref("User")}),
                  (401, 403), LOGIN)},
    "/api/account/{user_id}": {
        "get": op("One account (admin)", json_content(ref("User")), (401, 403, 404), LOGIN,
                  (path_param("user_id", INT),)),
        "delete": op("Delete an account (admin)", json_content(ref("Ok")),
                     (400, 401, 403, 404), LOGIN, (path_param("user_id", INT),))},
    "/api/account": {
        "post": op("Create an account, or update one when user_id is given (admin)",
                   json_content(ref("User")), (400, 401, 403, 404, 413), LOGIN,
                   body=ACCOUNT_BODY)},
    "/api/account/password": {
        "post": op("Change the caller's password; revokes the caller's tokens",
                   json_content(ref("User")), (400, 401, 403, 413), LOGIN,
                   body=PASSWORD_BODY)},
    "/api/reports": {
        "get": op("A website's saved reports, paged", json_content(REPORT_PAGE), READ_ERRORS,
                  READ, (query("websiteId", STR, True), *REPORT_LIST_PARAMS)),
        "post": op("Save a report (owner or admin)", json_content(ref("Report")),
                   (400, 401, 403, 404, 413), LOGIN, body=REPORT_BODY)},
    "/api/reports/{report_key}": {
        "get": op("One saved report", json_content(ref("Report")), (401, 404), READ,
                  (REPORT_KEY,)),
        "post": op("Replace a saved report (creator, owner or admin)",
                   json_content(ref("Report")), (400, 401, 403, 404, 413), LOGIN, (REPORT_KEY,),
                   body=REPORT_BODY),
        "delete": op("Delete a saved report (creator, owner or admin)", json_content(ref("Ok")),
                     (401, 403, 404), LOGIN, (REPORT_KEY,))},
    "/api/websites/{website_key}/reports": {
        "get": op("A website's saved reports, paged", json_content(REPORT_PAGE), READ_ERRORS,
                  READ, (WEBSITE_KEY, *REPORT_LIST_PARAMS))},
    **{f"/api/reports/{kind}": {
        "post": op(f"Run a {kind} report", json_content(REPORT_ANSWERS[kind]),
                   (400, 401, 403, 404, 413), READ, body=REPORT_RUN_BODY)}
       for kind in REPORT_TYPES},
}
INGEST_PATHS = ("/api/collect", "/api/send", "/api/batch")


def _add_same_site_errors(paths):
    """Adds the 403 and 415 that security.check_same_site gives every unsafe /api/ route
    a browser could reach with its cookies (all but the public ingest routes)."""
    for path, operations in paths.items():
        if not path.startswith("/api/") or path in INGEST_PATHS:
            continue
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):
                for status in (403, 415):
                    operation["responses"].setdefault(str(status), {
                        "description": MESSAGES[status], "content": json_content(ref("Error"))})


_add_same_site_errors(PATHS)


def document(base_url=""):
    """Returns the OpenAPI document with base_url (the mount prefix) as its server."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "umami-lite", "version": "1",
                 "description": "Umami-compatible analytics API. Every /api/ error is "
                                "{\"error\": {\"message\", \"code\", \"status\"}}."},
        "servers": [{"url": base_url or "/"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }


@bp.get(DOC_PATH)
def openapi_json():
    prefix = request.url_rule.rule[:-len(DOC_PATH)]
    return jsonify(document(request.script_root + prefix))
