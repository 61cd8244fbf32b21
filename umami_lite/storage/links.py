"""Links and pixels: storage and their JSON shape.

A link or pixel owns a website row (created and deleted with it) that holds its hits, so
its id is that website's uuid and every stats route reads its numbers. KINDS is the
whitelist of kinds, each with its table and columns.
"""
import sqlite3

from . import sites
from ..clock import now_ms
from .like import like_pattern
from ..timefmt import iso

KINDS = {"link": ("link", ("slug", "url")), "pixel": ("pixel", ("slug",))}


class SlugTaken(Exception):
    """Another link (or pixel) has this slug."""


def _select(kind):
    table, columns = KINDS[kind]
    extra = ", ".join(f"x.{c}" for c in columns)
    return (f"SELECT w.*, a.username, {extra} FROM {table} x"
            " JOIN website w ON w.website_id = x.website_id JOIN account a USING (user_id)")


def get(db, kind, website_id):
    return db.execute(f"{_select(kind)} WHERE x.website_id = ?", (website_id,)).fetchone()


def find(db, kind, key):
    """Returns the link or pixel whose id (website uuid) is key, or None."""
    return db.execute(f"{_select(kind)} WHERE w.website_uuid = ?",
                      (str(key).lower(),)).fetchone()


def by_slug(db, kind, slug):
    return db.execute(f"{_select(kind)} WHERE x.slug = ?", (slug,)).fetchone()


def create(db, kind, user_id, name, values, website_uuid=None):
    """Returns the new link or pixel; values holds its columns (slug, url); raises SlugTaken."""
    table, columns = KINDS[kind]
    website = sites.create(db, user_id, name, None, website_uuid=website_uuid)
    marks = ", ".join("?" for _ in columns)
    try:
        db.execute(f"INSERT INTO {table} (website_id, {', '.join(columns)}) VALUES (?, {marks})",
                   (website["website_id"], *(values[c] for c in columns)))
    except sqlite3.IntegrityError:
        raise SlugTaken() from None
    return get(db, kind, website["website_id"])


def update(db, kind, website_id, name=None, values=None):
    """Returns the link or pixel after changing the given fields; raises SlugTaken."""
    table, columns = KINDS[kind]
    changed = {c: v for c, v in (values or {}).items() if c in columns and v is not None}
    if changed:
        sets = ", ".join(f"{c} = ?" for c in changed)
        try:
            db.execute(f"UPDATE {table} SET {sets} WHERE website_id = ?",
                       (*changed.values(), website_id))
        except sqlite3.IntegrityError:
            raise SlugTaken() from None
    db.execute("UPDATE website SET name = coalesce(?, name), updated_at = ? WHERE website_id = ?",
               (name, now_ms(), website_id))
    return get(db, kind, website_id)


def list_for(db, kind, user_id, search=None, page=1, page_size=20):
    """Returns (rows, total) for one page of a user's links or pixels, newest first;
    search is a case-insensitive substring of the name, slug or url."""
    _, columns = KINDS[kind]
    where, params = "w.user_id = ?", [user_id]
    if search:
        searched = ["w.name", *(f"x.{c}" for c in columns)]
        where += " AND (" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in searched) + ")"
        params += [like_pattern(search)] * len(searched)
    select = _select(kind)
    total = db.execute(f"SELECT count(*) FROM ({select} WHERE {where})", params).fetchone()[0]
    rows = db.execute(f"{select} WHERE {where} ORDER BY w.created_at DESC, w.website_id DESC"
                      " LIMIT ? OFFSET ?", [*params, page_size, (page - 1) * page_size]).fetchall()
    return rows, total


def delete(db, website_id):
    """Deletes the link or pixel with its hits (its website row's data)."""
    sites.delete(db, website_id)


def to_json(kind, row):
    """Returns the link or pixel object of the current API."""
    _, columns = KINDS[kind]
    return {"id": row["website_uuid"], "name": row["name"],
            **{c: row[c] for c in columns},
            "userId": str(row["user_id"]), "teamId": None, "createdAt": iso(row["created_at"]),
            "updatedAt": iso(row["updated_at"]), "deletedAt": None}
