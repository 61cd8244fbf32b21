"""/sessions, /sessions/stats|{id}|{id}/activity|{id}/properties, /session-data/*.

A hit is a pageview or an event row. The list and the stats count the hits in range that
pass the filters; the detail, activity and properties of one session ignore filters. A
session's hostname is part of its identity here, so the list has one row per session.
"""
from ...storage.like import like_pattern
from ...timefmt import iso
from .ids import hit_uuid, public_id, session_uuid
from .event_data import DATA_TYPES, VALUE_SQL

ATTRIBUTES = ("hostname", "browser", "os", "device", "screen", "language", "country")
SEARCHED = ("distinct_id", "browser", "os", "device")  # city: umami-lite stores none
MAX_ACTIVITY = 500
HIT_KINDS = {1: "pageview", 2: "event"}  # the current API's eventType numbers
MAX_PROPERTIES = 500
MAX_VALUES = 100


def _hits(q):
    """Returns (sql, params) of the hits q selects: session_id, visit_id, created_at, view."""
    views, view_params = q.where("pageview", "p")
    events, event_params = q.where("event", "e")
    return (f"SELECT p.session_id, p.visit_id, p.created_at, 1 AS view FROM pageview p"
            f" WHERE {views} UNION ALL"
            f" SELECT e.session_id, e.visit_id, e.created_at, 0 FROM event e WHERE {events}",
            view_params + event_params)


def _per_session(q):
    hits, params = _hits(q)
    return (f"SELECT session_id, min(created_at) AS first_at, max(created_at) AS last_at,"
            f" count(DISTINCT visit_id) AS visits, sum(view) AS views,"
            f" sum(1 - view) AS events FROM ({hits}) GROUP BY session_id", params)


def _search(search):
    """Returns (sql, params): a case-insensitive contains on the searched session columns."""
    if not search:
        return "", []
    pattern = like_pattern(search)
    clause = " OR ".join(f"s.{column} LIKE ? ESCAPE '\\'" for column in SEARCHED)
    return f" WHERE ({clause})", [pattern] * len(SEARCHED)


def listing(db, q, website, page, page_size, search=None):
    """Returns {data, count, page, pageSize}: sessions newest last hit first."""
    grouped, params = _per_session(q)
    columns = (f"s.session_id, {', '.join('s.' + a for a in ATTRIBUTES)}, h.first_at,"
               " h.last_at, h.visits, h.views, h.events")
    order = " ORDER BY h.last_at DESC, h.session_id DESC"
    limits = [page_size, (page - 1) * page_size]
    if search:
        where, search_params = _search(search)
        source = f"FROM ({grouped}) h JOIN session s ON s.session_id = h.session_id{where}"
        params += search_params
        rows = db.execute(f"SELECT {columns}, count(*) OVER () AS total {source}{order}"
                          " LIMIT ? OFFSET ?", [*params, *limits]).fetchall()
    else:
        # only the page's sessions are looked up: every hit names a session of its website
        source = f"FROM ({grouped}) h"
        rows = db.execute(
            f"WITH g AS ({grouped}) SELECT {columns}, (SELECT count(*) FROM g) AS total"
            f" FROM (SELECT * FROM g h{order} LIMIT ? OFFSET ?) h"
            f" JOIN session s ON s.session_id = h.session_id{order}",
            [*params, *limits]).fetchall()
    if rows:
        count = rows[0]["total"]
    else:
        count = db.execute(f"SELECT count(*) {source}", params).fetchone()[0]
    uuid = website["website_uuid"]
    data = [{"id": session_uuid(uuid, r["session_id"]), "websiteId": uuid,
             **{a: r[a] for a in ATTRIBUTES}, "region": None, "city": None,
             "firstAt": iso(r["first_at"]), "lastAt": iso(r["last_at"]), "visits": r["visits"],
             "views": r["views"], "events": r["events"], "createdAt": iso(r["last_at"])}
            for r in rows]
    return {"data": data, "count": count, "page": page, "pageSize": page_size}


def stats(db, q):
    """Returns {pageviews, visitors, visits, countries, events}, each as {value}.

    pageviews counts every hit (events too), as the current API does on this route."""
    hits, params = _hits(q)
    # per visit first: grouping beats counting distinct (session, visit) pairs, and the
    # countries need only one session lookup per visitor
    row = db.execute(
        "WITH visit AS (SELECT session_id, count(*) AS hits, sum(1 - view) AS events"
        f" FROM ({hits}) GROUP BY session_id, visit_id)"
        " SELECT coalesce(sum(hits), 0), count(DISTINCT session_id), count(*),"
        " (SELECT count(DISTINCT country) FROM session WHERE session_id IN"
        " (SELECT session_id FROM visit)), coalesce(sum(events), 0) FROM visit",
        params).fetchone()
    names = ("pageviews", "visitors", "visits", "countries", "events")
    return {name: {"value": value} for name, value in zip(names, row)}


def _session_row(db, website, session_id):
    return db.execute("SELECT * FROM session WHERE session_id = ? AND website_id = ?",
                      (session_id, website["website_id"])).fetchone()


def _session_hits(session, start=None, end=None):
    """Returns (sql, params) of one session's hits: created_at, visit_id, kind, row id, url,
    referrer_domain, event name, page title. Its hits are never older than the session,
    which bounds the scan of the (website, created_at) index."""
    start = session["created_at"] if start is None else max(start, session["created_at"])
    bounds = "website_id = ? AND session_id = ? AND created_at >= ?" + (
        " AND created_at <= ?" if end is not None else "")
    params = [session["website_id"], session["session_id"], start] + (
        [end] if end is not None else [])
    return (f"SELECT created_at, visit_id, 1 AS kind, pageview_id AS id, url_path, url_query,"
            f" referrer_domain, NULL AS name FROM pageview WHERE {bounds} UNION ALL"
            f" SELECT created_at, visit_id, 2, event_id, url_path, url_query, NULL, event_value"
            f" FROM event WHERE {bounds}", params + params)


def detail(db, website, session_id):
    """Returns one session over all its hits, or None when it has none on this website."""
    session = _session_row(db, website, session_id)
    if session is None:
        return None
    hits, params = _session_hits(session)
    row = db.execute(
        "SELECT min(first), max(last), count(*), sum(views), sum(events), sum(span) FROM ("
        " SELECT min(created_at) AS first, max(created_at) AS last, sum(kind = 1) AS views,"
        " sum(kind = 2) AS events, (max(created_at) - min(created_at)) / 1000 AS span"
        f" FROM ({hits}) GROUP BY visit_id)", params).fetchone()
    if not row[2]:
        return None
    uuid = website["website_uuid"]
    return {"id": session_uuid(uuid, session_id), "distinctId": session["distinct_id"],
            "websiteId": uuid, **{a: session[a] for a in ATTRIBUTES if a != "hostname"},
            "region": None, "city": None, "firstAt": iso(row[0]), "lastAt": iso(row[1]),
            "visits": row[2], "views": row[3], "events": row[4], "totaltime": row[5]}


def activity(db, website, session_id, start, end):
    """Returns the session's hits in [start, end], newest first, at most 500; None when the
    session is not this website's."""
    session = _session_row(db, website, session_id)
    if session is None:
        return None
    hits, params = _session_hits(session, start, end)
    rows = db.execute(
        f"SELECT h.*, (h.kind = 2 AND EXISTS (SELECT 1 FROM event_data d"
        f" WHERE d.event_id = h.id)) AS has_data FROM ({hits}) h"
        " ORDER BY h.created_at DESC, h.kind DESC, h.id DESC LIMIT ?",
        [*params, MAX_ACTIVITY]).fetchall()
    uuid = website["website_uuid"]
    visits = {v: public_id(uuid, "visit", session_id, v) for v in {r["visit_id"] for r in rows}}
    return [{"createdAt": iso(r["created_at"]), "urlPath": r["url_path"],
             "urlQuery": r["url_query"], "referrerDomain": r["referrer_domain"],
             "eventId": hit_uuid(uuid, HIT_KINDS[r["kind"]], r["id"]),
             "eventType": r["kind"], "eventName": r["name"],
             "visitId": visits[r["visit_id"]],
             "hostname": session["hostname"], "hasData": bool(r["has_data"])} for r in rows]


def properties(db, website, session_id):
    """Returns the session's properties ordered by key; None when the session is not this
    website's."""
    if _session_row(db, website, session_id) is None:
        return None
    uuid = website["website_uuid"]
    rows = db.execute(
        f"SELECT d.data_key, d.data_type, {VALUE_SQL} AS text, d.number_value, d.date_value,"
        " d.created_at FROM session_data d WHERE d.session_id = ? ORDER BY d.data_key",
        (session_id,)).fetchall()
    return [{"websiteId": uuid, "sessionId": session_uuid(uuid, session_id),
             "dataKey": r["data_key"], "dataType": DATA_TYPES[r["data_type"]],
             "stringValue": r["text"], "numberValue": r["number_value"],
             "dateValue": iso(r["date_value"]), "createdAt": iso(r["created_at"])} for r in rows]


def _sessions_in(q):
    hits, params = _hits(q)
    return f"SELECT DISTINCT session_id FROM ({hits})", params


def property_names(db, q):
    """Returns [{propertyName, total}]: per key, the sessions in q holding it (top 500)."""
    sessions, params = _sessions_in(q)
    rows = db.execute(
        f"SELECT d.data_key, count(*) AS total FROM session_data d WHERE d.session_id IN"
        f" ({sessions}) GROUP BY d.data_key ORDER BY total DESC, d.data_key LIMIT ?",
        [*params, MAX_PROPERTIES])
    return [{"propertyName": key, "total": total} for key, total in rows]


def property_values(db, q, name):
    """Returns [{value, total}] of one session property over the sessions in q (top 100)."""
    sessions, params = _sessions_in(q)
    rows = db.execute(
        f"SELECT {VALUE_SQL} AS value, count(*) AS total FROM session_data d"
        f" WHERE d.data_key = ? AND d.session_id IN ({sessions})"
        " GROUP BY value ORDER BY total DESC, value LIMIT ?", [name, *params, MAX_VALUES])
    return [{"value": value, "total": total} for value, total in rows]
