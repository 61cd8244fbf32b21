"""/api/realtime/{id}: the last 30 minutes at a glance."""
from collections import Counter

from ...timefmt import iso
from .ids import session_uuid

WINDOW_MS = 30 * 60 * 1000
MAX_EVENTS = 100
SESSION_KEYS = ("browser", "os", "device", "screen", "language", "country")


def _minute(ms):
    return iso(ms - ms % 60_000)[:17] + "00Z"


def _series(points):
    """Returns [{x: minute, y}] ordered by x from a Counter of minute labels."""
    return [{"x": x, "y": y} for x, y in sorted(points.items())]


def query(db, website, now):
    """Returns {countries, urls, referrers, events, series, totals, timestamp}."""
    window = (website["website_id"], now - WINDOW_MS, now)
    views = db.execute(
        "SELECT p.session_id, p.created_at, p.url_path, p.referrer_domain, p.page_title,"
        " s.browser, s.os, s.device, s.screen, s.language, s.country FROM pageview p"
        " JOIN session s ON s.session_id = p.session_id"
        " WHERE p.website_id = ? AND p.created_at BETWEEN ? AND ?"
        " ORDER BY p.created_at, p.pageview_id",
        window).fetchall()
    events = db.execute(
        "SELECT e.session_id, e.created_at, e.url_path, e.event_value, e.page_title,"
        " s.browser, s.os, s.device, s.screen, s.language, s.country FROM event e"
        " JOIN session s ON s.session_id = e.session_id"
        " WHERE e.website_id = ? AND e.created_at BETWEEN ? AND ?"
        " ORDER BY e.created_at, e.event_id",
        window).fetchall()
    sessions = db.execute(
        "SELECT session_id, created_at, browser, os, device, screen, language, country"
        " FROM session WHERE website_id = ? AND created_at BETWEEN ? AND ? ORDER BY created_at",
        window).fetchall()
    seen = {}  # session -> country, for every session with a view or event in the window
    for row in (*views, *events):
        seen[row["session_id"]] = row["country"]
    countries = Counter(c for c in seen.values() if c)
    view_minutes, visitor_minutes = Counter(), {}
    for row in views:
        view_minutes[_minute(row["created_at"])] += 1
        visitor_minutes.setdefault(_minute(row["created_at"]), set()).add(row["session_id"])
    uid = website["website_uuid"]
    feed = [_item(uid, "pageview", r, urlPath=r["url_path"], referrerDomain=r["referrer_domain"],
                  pageTitle=r["page_title"]) for r in views]
    feed += [_item(uid, "event", r, urlPath=r["url_path"], eventName=r["event_value"],
                   pageTitle=r["page_title"]) for r in events]
    feed += [_item(uid, "session", r) for r in sessions]
    feed.sort(key=lambda item: item["createdAt"], reverse=True)
    return {
        "countries": dict(countries.most_common()),
        "urls": dict(Counter(r["url_path"] for r in views).most_common()),
        "referrers": dict(Counter(r["referrer_domain"] for r in views
                                  if r["referrer_domain"]).most_common()),
        "events": feed[:MAX_EVENTS],
        "series": {"views": _series(view_minutes),
                   "visitors": _series(Counter({m: len(s) for m, s in visitor_minutes.items()}))},
        "totals": {"views": len(views), "visitors": len({r["session_id"] for r in views}),
                   "events": len(events), "countries": len(countries)},
        "timestamp": now,
    }


def _item(website_uuid, kind, row, **extra):
    item = {"__type": kind, "sessionId": session_uuid(website_uuid, row["session_id"]),
            "createdAt": iso(row["created_at"])}
    item.update({key: row[key] for key in SESSION_KEYS})
    item.update(extra)
    return item
