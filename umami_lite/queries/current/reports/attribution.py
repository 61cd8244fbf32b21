"""attribution: where converting sessions came from, by their first or last touch."""
import json
from collections import defaultdict
from urllib.parse import parse_qsl

from .hits import UTM_COLUMNS, hits

LIMIT = 20
# click id in the touch's query -> the ad network's name, in this order of priority
CLICK_IDS = (("gclid", "Google Ads"), ("fbclid", "Facebook / Meta"),
             ("msclkid", "Microsoft Ads"), ("ttclid", "TikTok Ads"),
             ("li_fat_id", "LinkedIn Ads"), ("twclid", "Twitter Ads (X)"))
LISTS = ("referrer", "paidAds", *UTM_COLUMNS)


def _conversions(db, q, kinds, conversion_type, step):
    """Returns the conversion hits (session_id, visit_id, created_at): views of the path or
    custom events of the name, exact, in range, passing the filters."""
    kind, column = (1, "h.url_path") if conversion_type == "path" else (2, "h.name")
    if kind not in kinds:
        return []
    source, params = hits(q, (kind,))
    return db.execute(f"SELECT h.session_id, h.visit_id, h.created_at FROM ({source}) h"
                      f" WHERE {column} = ?", [*params, step]).fetchall()


def _touches(db, q, last_conversion, model):
    """Returns [(session, hit row)]: each converting session's touch hits in range (any kind,
    unfiltered): its earliest (first-click), or its latest strictly before its last
    conversion (last-click); every hit at that instant counts."""
    if not last_conversion:
        return []
    source, params = hits(q, filtered=False)
    # the converting sessions, bound through json_each: one parameter however many there are
    by_session = defaultdict(list)
    for row in db.execute(
            f"SELECT h.*, s.hostname FROM ({source}) h JOIN session s"
            " ON s.session_id = h.session_id WHERE h.session_id IN"
            " (SELECT value FROM json_each(?)) ORDER BY h.created_at",
            [*params, json.dumps(list(last_conversion))]):
        by_session[row["session_id"]].append(row)
    touches = []
    for session, rows in by_session.items():
        if model == "last-click":
            rows = [r for r in rows if r["created_at"] < last_conversion[session]]
        if not rows:
            continue
        at = rows[0]["created_at"] if model == "first-click" else rows[-1]["created_at"]
        touches += [(session, r) for r in rows if r["created_at"] == at]
    return touches


def _names(row):
    """Returns {list name: name} of one touch hit."""
    names = {}
    own_host = (row["hostname"] or "").removeprefix("www.")
    if row["referrer_domain"] and row["referrer_domain"] != own_host:
        names["referrer"] = row["referrer_domain"]
    query = dict(parse_qsl(row["url_query"] or "", keep_blank_values=True))
    names["paidAds"] = next((name for key, name in CLICK_IDS if query.get(key)), "")
    for column in UTM_COLUMNS:
        if row[column]:
            names[column] = row[column]
    return names


def query(db, q, kinds, model, conversion_type, step):
    """Returns {referrer, paidAds, utm_source, ..., utm_term: [{name, value}], total:
    {pageviews, visitors, visits}}: lists count distinct converting sessions per name of
    their touch (top 20, empty names left out); total counts the conversion hits."""
    conversions = _conversions(db, q, kinds, conversion_type, step)
    last_conversion = {}
    for session, _, at in conversions:
        last_conversion[session] = max(at, last_conversion.get(session, at))
    sessions = {name: defaultdict(set) for name in LISTS}
    for session, row in _touches(db, q, last_conversion, model):
        for name, value in _names(row).items():
            if value:
                sessions[name][value].add(session)
    answer = {}
    for name in LISTS:
        ranked = sorted(((value, len(found)) for value, found in sessions[name].items()),
                        key=lambda pair: (-pair[1], pair[0]))
        answer[name] = [{"name": value, "value": count} for value, count in ranked[:LIMIT]]
    answer["total"] = {"pageviews": len(conversions),
                       "visitors": len({c[0] for c in conversions}),
                       "visits": len({(c[0], c[1]) for c in conversions})}
    return answer
