"""Hit-level reads of the current API: /events (the paged list), /events/stats, /values,
/daterange, and /event-data (list), /event-data/fields, /event-data/stats and
/event-data/{eventId}. A hit is a pageview (eventType 1) or an event row (eventType 2).
"""
from ...storage.like import like_pattern
from ...timefmt import iso
from .ids import hit_uuid, session_uuid
from .event_data import DATA_TYPES, VALUE_SQL
from .metrics import PAGE_COLUMNS, SESSION_COLUMNS

MAX_VALUES = 10
MAX_FIELDS = 100
# /values types: the metric columns, plus `event` (event names) and `referrer`.
VALUE_TYPES = (*PAGE_COLUMNS, *SESSION_COLUMNS, "event", "referrer")


def _hits(q, search=None):
    """Returns (sql, params) of the hits q selects, with their session's attributes."""
    views, view_params = q.where("pageview", "p")
    events, event_params = q.where("event", "e")
    if search:  # views by path, events by name: a case-insensitive contains
        pattern = like_pattern(search)
        views += " AND p.url_path LIKE ? ESCAPE '\\'"
        events += " AND e.event_value LIKE ? ESCAPE '\\'"
        view_params, event_params = [*view_params, pattern], [*event_params, pattern]
    return (f"SELECT 1 AS kind, p.pageview_id AS id, p.session_id, p.visit_id, p.created_at,"
            f" p.url_path, p.url_query, p.referrer_domain, p.referrer, p.page_title,"
            f" NULL AS name FROM pageview p WHERE {views} UNION ALL"
            f" SELECT 2, e.event_id, e.session_id, e.visit_id, e.created_at, e.url_path,"
            f" e.url_query, NULL, NULL, e.page_title, e.event_value FROM event e"
            f" WHERE {events}", view_params + event_params)


def _referrer_parts(referrer):
    """Returns (path, query) of an absolute referrer, or (None, None)."""
    if not referrer or "//" not in referrer:
        return None, None
    rest = referrer.split("//", 1)[1]
    path = "/" + rest.split("/", 1)[1] if "/" in rest else ""
    path, _, query = path.partition("?")
    return path or None, query or None


def listing(db, q, website, page, page_size, search=None):
    """Returns {data, count, page, pageSize}: hits newest first, with their session."""
    hits, params = _hits(q, search)
    source = f"FROM ({hits}) h JOIN session s ON s.session_id = h.session_id"
    rows = db.execute(
        f"SELECT h.*, s.hostname, s.country, s.device, s.os, s.browser,"
        f" (h.kind = 2 AND EXISTS (SELECT 1 FROM event_data d WHERE d.event_id = h.id))"
        f" AS has_data, count(*) OVER () AS total {source}"
        " ORDER BY h.created_at DESC, h.kind DESC, h.id DESC LIMIT ? OFFSET ?",
        [*params, page_size, (page - 1) * page_size]).fetchall()
    count = rows[0]["total"] if rows else db.execute(f"SELECT count(*) {source}",
                                                     params).fetchone()[0]
    uuid = website["website_uuid"]
    data = []
    for r in rows:
        referrer_path, referrer_query = _referrer_parts(r["referrer"])
        data.append({
            "id": hit_uuid(uuid, "pageview" if r["kind"] == 1 else "event", r["id"]),
            "websiteId": uuid, "sessionId": session_uuid(uuid, r["session_id"]),
            "createdAt": iso(r["created_at"]), "hostname": r["hostname"],
            "urlPath": r["url_path"], "urlQuery": r["url_query"],
            "referrerPath": referrer_path, "referrerQuery": referrer_query,
            "referrerDomain": r["referrer_domain"], "country": r["country"], "city": None,
            "device": r["device"], "os": r["os"], "browser": r["browser"],
            "pageTitle": r["page_title"], "eventType": r["kind"], "eventName": r["name"],
            "hasData": bool(r["has_data"])})
    return {"data": data, "count": count, "page": page, "pageSize": page_size}


def event_stats(db, q):
    """Returns {events, visitors, visits, uniqueEvents} over the custom events of q."""
    where, params = q.where("event", "e")
    row = db.execute(
        "SELECT coalesce(sum(c), 0), count(DISTINCT session_id), count(*),"
        " (SELECT count(DISTINCT e.event_value) FROM event e"
        f" WHERE {where}) FROM (SELECT e.session_id, count(*) AS c FROM event e"
        f" WHERE {where} GROUP BY e.session_id, e.visit_id)", params + params).fetchone()
    return dict(zip(("events", "visitors", "visits", "uniqueEvents"), row))


def _value_column(kind, table):
    """Returns the SQL of a /values type's column on table (alias x), or None."""
    if kind in SESSION_COLUMNS:
        return SESSION_COLUMNS[kind]
    if kind == "event":
        return "x.event_value" if table == "event" else None
    if kind == "referrer":
        return "x.referrer_domain" if table == "pageview" else None
    column = PAGE_COLUMNS[kind].get(table)
    return f"x.{column}" if column else None


def values(db, website, start, end, kind, search=None):
    """Returns up to 10 [{value, count}] of one column over the hits in [start, end], by
    count desc; the request's filters do not apply (this feeds the filter editor)."""
    parts, params = [], []
    for table in ("pageview", "event"):
        column = _value_column(kind, table)
        if column is None:
            continue
        where = "x.website_id = ? AND x.created_at BETWEEN ? AND ?"
        if kind == "referrer":  # neither empty nor the site itself
            where += " AND x.referrer_domain != '' AND x.referrer_domain IS NOT lower(" \
                     "CASE WHEN s.hostname LIKE 'www.%' THEN substr(s.hostname, 5)" \
                     " ELSE s.hostname END)"
        parts.append(f"SELECT {column} AS value FROM {table} x JOIN session s"
                     f" ON s.session_id = x.session_id WHERE {where}")
        params += [website["website_id"], start, end]
    sql = f"SELECT value, count(*) AS n FROM ({' UNION ALL '.join(parts)})"
    if search and "," in search:
        alternatives = [p.strip().lower() for p in search.split(",")[:5]]
        sql += f" WHERE lower(value) IN ({', '.join('?' for _ in alternatives)})"
        params += alternatives
    elif search:
        sql += " WHERE value LIKE ? ESCAPE '\\'"
        params.append(like_pattern(search))
    rows = db.execute(sql + " GROUP BY value ORDER BY n DESC, value LIMIT ?",
                      [*params, MAX_VALUES])
    return [{"value": value, "count": n} for value, n in rows]


def date_range(db, website):
    """Returns {startDate, endDate}: the first and last hit of the website, or nulls."""
    ends = [db.execute(f"SELECT (SELECT min(created_at) FROM {t} WHERE website_id = :w),"
                       f" (SELECT max(created_at) FROM {t} WHERE website_id = :w)",
                       {"w": website["website_id"]}).fetchone() for t in ("pageview", "event")]
    firsts = [e[0] for e in ends if e[0] is not None]
    lasts = [e[1] for e in ends if e[1] is not None]
    return {"startDate": iso(min(firsts)) if firsts else None,
            "endDate": iso(max(lasts)) if lasts else None}


def _property(row):
    return {"dataKey": row["data_key"], "stringValue": row["text"],
            "numberValue": row["number_value"], "dateValue": iso(row["date_value"]),
            "dataType": DATA_TYPES[row["data_type"]], "createdAt": iso(row["created_at"])}


PROPERTY_COLUMNS = (f"d.data_key, d.data_type, {VALUE_SQL} AS text, d.number_value,"
                    " d.date_value, e.created_at")


def event_data_list(db, q, website, page, page_size):
    """Returns {data, count, page, pageSize}: events with properties, newest first."""
    where, params = q.where("event", "e")
    source = (f"FROM event e WHERE {where}"
              " AND EXISTS (SELECT 1 FROM event_data d WHERE d.event_id = e.event_id)")
    count = db.execute(f"SELECT count(*) {source}", params).fetchone()[0]
    events = db.execute(f"SELECT e.event_id, e.event_value {source}"
                        " ORDER BY e.created_at DESC, e.event_id DESC LIMIT ? OFFSET ?",
                        [*params, page_size, (page - 1) * page_size]).fetchall()
    uuid = website["website_uuid"]
    data = []
    for event in events:
        rows = db.execute(f"SELECT {PROPERTY_COLUMNS} FROM event_data d JOIN event e"
                          " USING (event_id) WHERE d.event_id = ? ORDER BY d.data_key",
                          (event["event_id"],)).fetchall()
        data.append({"websiteId": uuid, "eventId": hit_uuid(uuid, "event", event["event_id"]),
                     "eventName": event["event_value"],
                     "eventProperties": [_property(r) for r in rows]})
    return {"data": data, "count": count, "page": page, "pageSize": page_size}


def event_data_fields(db, q):
    """Returns up to 100 [{propertyName, dataType, value, total}], by data type desc, then
    total desc (property rows per key, type and value)."""
    where, params = q.where("event", "e")
    rows = db.execute(
        f"SELECT d.data_key, d.data_type, {VALUE_SQL} AS value, count(*) AS total"
        f" FROM event e JOIN event_data d ON d.event_id = e.event_id WHERE {where}"
        " GROUP BY d.data_key, d.data_type, value", params).fetchall()
    fields = [{"propertyName": r["data_key"], "dataType": DATA_TYPES[r["data_type"]],
               "value": r["value"], "total": r["total"]} for r in rows]
    fields.sort(key=lambda f: (-f["dataType"], -f["total"], f["propertyName"],
                               f["value"] or ""))
    return fields[:MAX_FIELDS]


def event_data_stats(db, q):
    """Returns {events, properties, records}: events with properties, distinct keys, rows."""
    where, params = q.where("event", "e")
    row = db.execute(
        "SELECT count(DISTINCT d.event_id), count(DISTINCT d.data_key), count(*)"
        f" FROM event e JOIN event_data d ON d.event_id = e.event_id WHERE {where}",
        params).fetchone()
    return dict(zip(("events", "properties", "records"), row))


def event_data_of(db, website, event_id):
    """Returns every property row of one event of this website (no range); [] when none."""
    rows = db.execute(
        f"SELECT e.event_value, {PROPERTY_COLUMNS} FROM event e JOIN event_data d"
        " ON d.event_id = e.event_id WHERE e.event_id = ? AND e.website_id = ?"
        " ORDER BY d.data_key", (event_id, website["website_id"])).fetchall()
    uuid = website["website_uuid"]
    return [{"websiteId": uuid, "eventId": hit_uuid(uuid, "event", event_id),
             "eventName": r["event_value"], **_property(r)} for r in rows]
