"""Websites: storage and the JSON shape of a website."""
import re
import secrets
import string
import uuid

from ..clock import now_ms
from ..timefmt import iso

SHARE_ALPHABET = string.ascii_letters + string.digits
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER
MAX_NAME = 100  # characters of a website name
MAX_DOMAIN = 500
SHARE_ID = re.compile(r"[A-Za-z0-9_-]{1,50}")  # a share id its owner may choose


KINDS = {"website_uuid": "website_uuid", "share_id": "share_id"}  # kind -> column


class Taken(ValueError):
    """A website uuid or share id that a website holds or once held (retired_id)."""


def is_taken(db, kind, value):
    """Returns whether value ('website_uuid' or 'share_id' by kind) is held by a website
    or was given up by one: identifiers are never given out twice."""
    if db.execute(f"SELECT 1 FROM website WHERE {KINDS[kind]} = ?", (value,)).fetchone():
        return True
    return db.execute("SELECT 1 FROM retired_id WHERE kind = ? AND value = ?",
                      (kind, value)).fetchone() is not None


def retire(db, kind, value):
    """Records that value is given up, so that no website can take it again."""
    if value is not None:
        db.execute("INSERT OR IGNORE INTO retired_id (kind, value) VALUES (?, ?)",
                   (kind, value))


def new_share_id(db):
    """Returns a random share id that no website holds or held."""
    while True:
        share_id = "".join(secrets.choice(SHARE_ALPHABET) for _ in range(8))
        if not is_taken(db, "share_id", share_id):
            return share_id


def create(db, user_id, name, domain=None, share=False, website_uuid=None):
    """Returns the new website row; raises Taken if website_uuid is (or was) in use."""
    if website_uuid is not None and is_taken(db, "website_uuid", website_uuid):
        raise Taken("'id' is already taken by another website.")
    now = now_ms()
    cur = db.execute(
        "INSERT INTO website (website_uuid, user_id, name, domain, share_id, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (website_uuid or str(uuid.uuid4()), user_id, name, domain,
         new_share_id(db) if share else None, now, now))
    return get(db, cur.lastrowid)


_ROW = "SELECT w.*, a.username FROM website w JOIN account a USING (user_id) WHERE w."


def get(db, website_id):
    return db.execute(_ROW + "website_id = ?", (website_id,)).fetchone()


def find(db, key):
    """Returns the website whose integer id or uuid is key, or None."""
    key = str(key)
    if key.isascii() and key.isdigit():
        digits = key.lstrip("0") or "0"
        if len(digits) > len(str(MAX_ID)):  # and int() refuses more than 4,300 digits
            return None
        website_id = int(digits)
        return get(db, website_id) if website_id <= MAX_ID else None
    # one statement: every API request looks its website up
    return db.execute(_ROW + "website_uuid = ?", (key.lower(),)).fetchone()


def by_share_id(db, share_id):
    return db.execute(_ROW + "share_id = ?", (share_id,)).fetchone()


def list_for(db, user_id=None, search=None, page=1, page_size=100):
    """Returns (rows, total) for one page of websites, by name; user_id None means all."""
    # links and pixels own website rows of their own: they are listed at /api/links|pixels
    where = ["NOT EXISTS (SELECT 1 FROM link WHERE link.website_id = w.website_id)",
             "NOT EXISTS (SELECT 1 FROM pixel WHERE pixel.website_id = w.website_id)"]
    params = []
    if user_id is not None:
        where.append("w.user_id = ?")
        params.append(user_id)
    if search:
        where.append("(w.name LIKE ? ESCAPE '\\' OR w.domain LIKE ? ESCAPE '\\')")
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern, pattern]
    clause = "WHERE " + " AND ".join(where)
    total = db.execute(f"SELECT count(*) FROM website w {clause}", params).fetchone()[0]
    rows = db.execute(
        f"SELECT w.*, a.username FROM website w JOIN account a USING (user_id) {clause}"
        " ORDER BY w.name, w.website_id LIMIT ? OFFSET ?",
        [*params, page_size, (page - 1) * page_size]).fetchall()
    return rows, total


def update(db, website_id, name=None, domain=None, share=None):
    """Updates the given fields; share True keeps or makes a share id, False removes it."""
    row = get(db, website_id)
    share_id = row["share_id"]
    if share is True and not share_id:
        share_id = new_share_id(db)
    elif share is False:
        retire(db, "share_id", share_id)
        share_id = None
    db.execute(
        "UPDATE website SET name = ?, domain = ?, share_id = ?, updated_at = ?"
        " WHERE website_id = ?",
        (row["name"] if name is None else name, row["domain"] if domain is None else domain,
         share_id, now_ms(), website_id))
    return get(db, website_id)


def set_share_id(db, website_id, share_id):
    """Sets a chosen share id (None removes it); raises Taken if it is or was in use."""
    old = get(db, website_id)["share_id"]
    if share_id == old:
        return get(db, website_id)
    if share_id is not None and is_taken(db, "share_id", share_id):
        raise Taken("'shareId' is already taken.")
    retire(db, "share_id", old)
    db.execute("UPDATE website SET share_id = ?, updated_at = ? WHERE website_id = ?",
               (share_id, now_ms(), website_id))
    return get(db, website_id)


# The summaries of a website's rows (rollups/ builds and reads them).
ROLLUP_TABLES = ("rollup_time", "rollup_count", "rollup_key", "rollup_attr", "rollup_state",
                 "rollup_visit", "rollup_cross", "rollup_pair", "rollup_first",
                 "rollup_trail", "rollup_first_from")


def reset(db, website_id):
    """Deletes the website's sessions, pageviews, events, vitals and rollups; keeps the
    website."""
    for table in (*ROLLUP_TABLES, "event", "pageview", "vitals", "session", "import_ledger"):
        db.execute(f"DELETE FROM {table} WHERE website_id = ?", (website_id,))
    now = now_ms()
    db.execute("UPDATE website SET reset_at = ?, updated_at = ? WHERE website_id = ?",
               (now, now, website_id))


def delete(db, website_id):
    """Deletes the website and its data; its uuid and share id are retired, never given to
    another website (its id is not either: AUTOINCREMENT)."""
    row = get(db, website_id)
    reset(db, website_id)
    if row is not None:
        retire(db, "website_uuid", row["website_uuid"])
        retire(db, "share_id", row["share_id"])
    db.execute("DELETE FROM website WHERE website_id = ?", (website_id,))


def to_json(row, owner=True):
    """Returns the website object with the keys of both API generations; owner False (a
    share link's reader) nulls the owner's id and username (docs/security.md)."""
    return {
        "website_id": row["website_id"],
        "website_uuid": row["website_uuid"],
        "user_id": row["user_id"] if owner else None,
        "name": row["name"],
        "domain": row["domain"],
        "share_id": row["share_id"],
        "retention_days": row["retention_days"],  # null: kept forever
        "created_at": iso(row["created_at"]),
        "id": row["website_uuid"],
        "userId": str(row["user_id"]) if owner else None,
        "shareId": row["share_id"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
        "resetAt": iso(row["reset_at"]),
        "deletedAt": None,
        "teamId": None,
        "user": {"id": str(row["user_id"]), "username": row["username"]} if owner else None,
    }
