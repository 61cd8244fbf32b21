"""Saved reports: storage and the JSON shape of a report (the current API's /api/reports)."""
import json
import uuid

from ..clock import now_ms
from ..timefmt import iso

COLUMNS = ("r.report_id, r.report_uuid, r.user_id, r.website_id, r.type, r.name,"
           " r.description, r.parameters, r.created_at, r.updated_at, w.website_uuid")


def get(db, report_uuid):
    """Returns the report row whose public id is report_uuid, or None."""
    return db.execute(f"SELECT {COLUMNS} FROM report r JOIN website w USING (website_id)"
                      " WHERE r.report_uuid = ?", (report_uuid.lower(),)).fetchone()


def page(db, website_id, report_type, page_number, page_size):
    """Returns (rows, total) of one page of a website's reports, newest first."""
    where, params = "r.website_id = ?", [website_id]
    if report_type is not None:
        where += " AND r.type = ?"
        params.append(report_type)
    total = db.execute(f"SELECT count(*) FROM report r WHERE {where}", params).fetchone()[0]
    rows = db.execute(
        f"SELECT {COLUMNS} FROM report r JOIN website w USING (website_id) WHERE {where}"
        " ORDER BY r.report_id DESC LIMIT ? OFFSET ?",
        [*params, page_size, (page_number - 1) * page_size]).fetchall()
    return rows, total


def create(db, user_id, website_id, fields):
    """Returns the new report row; fields holds type, name, description, parameters."""
    now, report_uuid = now_ms(), str(uuid.uuid4())
    db.execute(
        "INSERT INTO report (report_uuid, user_id, website_id, type, name, description,"
        " parameters, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (report_uuid, user_id, website_id, fields["type"], fields["name"],
         fields["description"] or "", json.dumps(fields["parameters"]), now, now))
    return get(db, report_uuid)


def update(db, report, website_id, fields):
    """Returns the updated report row; a description of None is left unchanged."""
    description = report["description"] if fields["description"] is None \
        else fields["description"]
    db.execute(
        "UPDATE report SET website_id = ?, type = ?, name = ?, description = ?,"
        " parameters = ?, updated_at = ? WHERE report_id = ?",
        (website_id, fields["type"], fields["name"], description,
         json.dumps(fields["parameters"]), now_ms(), report["report_id"]))
    return get(db, report["report_uuid"])


def delete(db, report):
    db.execute("DELETE FROM report WHERE report_id = ?", (report["report_id"],))


def to_json(row, owner=True):
    """Returns the current API's report object; owner False (a share link's reader) nulls
    userId, its creator (docs/security.md)."""
    return {"id": row["report_uuid"], "userId": str(row["user_id"]) if owner else None,
            "websiteId": row["website_uuid"], "type": row["type"], "name": row["name"],
            "description": row["description"], "parameters": json.loads(row["parameters"]),
            "createdAt": iso(row["created_at"]), "updatedAt": iso(row["updated_at"])}
