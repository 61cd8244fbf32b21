"""The rows every report reads: a hit is a pageview (eventType 1) or an event (eventType 2).

The two tables become one row shape: session_id, visit_id, created_at, kind (1 or 2),
event_id (events only), url_path, url_query, name (event name; NULL on views),
referrer_domain and utm_* (NULL on events, which store neither), page_title and tag.
"""
from dataclasses import replace

KINDS = (1, 2)
UTM_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
_VIEW_COLUMNS = ("p.session_id, p.visit_id, p.created_at, 1 AS kind, NULL AS event_id,"
                 " p.url_path, p.url_query, NULL AS name, p.referrer_domain, "
                 + ", ".join(f"p.{c}" for c in UTM_COLUMNS) + ", p.page_title, p.tag")
_EVENT_COLUMNS = ("e.session_id, e.visit_id, e.created_at, 2 AS kind, e.event_id, e.url_path,"
                  " e.url_query, e.event_value AS name, NULL AS referrer_domain, "
                  + ", ".join(f"NULL AS {c}" for c in UTM_COLUMNS) + ", e.page_title, e.tag")


def hits(q, kinds=KINDS, filtered=True):
    """Returns (sql, params) selecting the hits of q of the given kinds (1 views, 2 events);
    filtered=False keeps only q's website and range."""
    if not filtered:
        q = replace(q, filters=())
    parts, params = [], []
    if 1 in kinds:
        where, where_params = q.where("pageview", "p")
        parts.append(f"SELECT {_VIEW_COLUMNS} FROM pageview p WHERE {where}")
        params += where_params
    if 2 in kinds:
        where, where_params = q.where("event", "e")
        parts.append(f"SELECT {_EVENT_COLUMNS} FROM event e WHERE {where}")
        params += where_params
    if not parts:  # an eventType umami-lite does not store (links, pixels, vitals)
        return f"SELECT {_VIEW_COLUMNS} FROM pageview p WHERE 0", []
    return " UNION ALL ".join(parts), params


def span(db, q):
    """Returns q with its range cut to the hours its views and events lie in, so that a
    time zone is probed over the data's span, not over a caller's "all time"."""
    found = [n for n in (q.narrowed(db, "pageview"), q.narrowed(db, "event"))
             if n.end > n.start]  # narrowed() gives an empty table's range no length
    if not found:
        return replace(q, end=q.start)
    return replace(q, start=min(n.start for n in found), end=max(n.end for n in found))


def match_sql(column, value):
    """Returns (sql, params): column equals value, where a leading or trailing `*` stands for
    any characters. Compared case-sensitively and literally (`%` and `_` are no wildcards)."""
    head, tail = value.startswith("*"), value.endswith("*") and len(value) > 1
    core = value[1 if head else 0:len(value) - 1 if tail else len(value)]
    if (head or tail) and not core:
        return f"{column} IS NOT NULL", []
    if head and tail:
        return f"instr({column}, ?) > 0", [core]
    if head:  # (a negative start counts from the end in SQLite only)
        return (f"length({column}) >= ? AND substr({column}, length({column}) - ? + 1) = ?",
                [len(core), len(core), core])
    if tail:
        return f"substr({column}, 1, ?) = ?", [len(core), core]
    return f"{column} = ?", [value]
