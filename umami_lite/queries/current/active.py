"""/active and the totals of /realtime: who was seen lately."""
ACTIVE_WINDOW_MS = 5 * 60 * 1000


def visitors(db, website_id, now):
    """Returns the number of distinct sessions with a pageview or event in the last 5 minutes."""
    window = (website_id, now - ACTIVE_WINDOW_MS, now)
    return db.execute(
        "SELECT count(*) FROM (SELECT session_id FROM pageview"
        " WHERE website_id = ? AND created_at BETWEEN ? AND ?"
        " UNION SELECT session_id FROM event WHERE website_id = ? AND created_at BETWEEN ? AND ?)",
        window + window).fetchone()[0]
