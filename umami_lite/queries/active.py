"""/active: visitors seen in the last five minutes."""
ACTIVE_WINDOW_MS = 5 * 60 * 1000


def query(db, website_id, now):
    """Returns the number of distinct sessions with a pageview in the last 5 minutes."""
    return db.execute(
        "SELECT count(DISTINCT session_id) FROM pageview"
        " WHERE website_id = ? AND created_at BETWEEN ? AND ?",
        (website_id, now - ACTIVE_WINDOW_MS, now)).fetchone()[0]
