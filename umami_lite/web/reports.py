"""Umami 3 reports: `POST /api/reports/{type}` runs one, and `/api/reports[/{id}]` and
`/api/websites/{id}/reports` keep saved ones.

Running a report: the body is checked first (400 naming the field), then access (the
website's owner, an admin or its share token; a website the caller may not see is a 404),
then one query module under queries/reports/ answers. Saved reports are read like the
website (share tokens too) and changed by its owner or an admin, or the report's creator.
"""
from dataclasses import replace

from flask import Blueprint, jsonify, request

from . import params
from ..storage import saved_reports
from .auth import (SHARE_HEADERS, current_user, is_shared, require_user, website_for_owner,
                   website_for_read)
from ..storage.connection import get_db, get_read_snapshot, transaction
from ..errors import ApiError, bad_request
from .jsonbody import json_object
from . import current_params as args, report_body
from ..queries.current.reports import (attribution, breakdown, funnel, goal, journey, performance,
                                       retention, revenue, utm)

bp = Blueprint("v2_reports", __name__)
MAX_PAGE_SIZE = 1000


def _run(report_type, db, q, kinds, p):
    """Returns the answer of one report type over q (its website set) and its parameters."""
    if report_type == "funnel":
        return funnel.query(db, q, kinds, p["steps"], p["window"])
    if report_type == "retention":
        zone, labels = p["zone"]
        return retention.query(db, q, kinds, zone, labels["day"])
    if report_type == "journey":
        return journey.query(db, q, kinds, p["steps"], p["startStep"], p["endStep"])
    if report_type == "attribution":
        return attribution.query(db, q, kinds, p["model"], p["type"], p["step"])
    if report_type == "goal":
        return goal.query(db, q, kinds, p["type"], p["value"])
    if report_type == "utm":
        return utm.query(db, q, kinds)
    if report_type == "breakdown":
        return breakdown.query(db, q, kinds, p["fields"])
    if report_type == "revenue":
        zone, labels = p["zone"]
        return revenue.query(db, q, args.compared(q, p["compare"]), p["currency"], p["unit"],
                             zone, labels)
    zone, labels = p["zone"]
    return performance.query(db, q, p["unit"], zone, labels, p["metric"])


def run_report(report_type):
    body = json_object()
    report_body.check_envelope(body, report_type)
    q, kinds, checked, saved = report_body.read(body, report_type)
    website = website_for_read(body["websiteId"], posted_read=True)
    q = replace(q, website_id=website["website_id"],
                filters=report_body.saved_filters(q.filters, saved, website))
    return jsonify(_run(report_type, get_read_snapshot(), q, kinds, checked))


for _type in report_body.TYPES:
    bp.add_url_rule(f"/api/reports/{_type}", endpoint=f"run_{_type}", methods=["POST"],
                    view_func=lambda _type=_type: run_report(_type))


def _paged(website):
    report_type = request.args.get("type")
    if report_type is not None and report_type not in report_body.TYPES:
        raise bad_request(f"'type' must be one of {', '.join(report_body.TYPES)}.")
    page = params.positive_int(request.args, "page", 1, 1_000_000)
    page_size = params.positive_int(request.args, "pageSize", 20, MAX_PAGE_SIZE)
    rows, total = saved_reports.page(get_read_snapshot(), website["website_id"], report_type,
                                     page, page_size)
    owner = not is_shared()
    return jsonify({"data": [saved_reports.to_json(r, owner) for r in rows], "count": total,
                    "page": page, "pageSize": page_size})


@bp.get("/api/reports")
def list_reports():
    website_key = request.args.get("websiteId")
    if not website_key:
        raise bad_request("'websiteId' is required (a website uuid).")
    return _paged(website_for_read(website_key))


@bp.get("/api/websites/<website_key>/reports")
def website_reports(website_key):
    return _paged(website_for_read(website_key))


def _fields(body):
    """Returns the checked create/update body: websiteId, type, name, description,
    parameters (stored as sent, not checked against the type)."""
    report_body.text(body, "websiteId", prefix="")
    fields = {"type": report_body.choice(body, "type", report_body.TYPES, prefix=""),
              "name": report_body.text(body, "name", prefix="", max_length=200),
              "parameters": report_body.field(body, "parameters", "", dict)}
    description = report_body.field(body, "description", "", str, required=False)
    if description is not None and len(description) > 500:
        raise bad_request("'description' must be at most 500 characters.")
    fields["description"] = description
    return fields


def _is_creator_or_admin(report):
    user = current_user()
    return user is not None and (user["is_admin"] or user["user_id"] == report["user_id"])


def _report(report_key, owner):
    """Returns the report if the caller may read it (owner=False) or change it (True)."""
    if owner or not any(request.headers.get(name) for name in SHARE_HEADERS):
        require_user()  # 401 before anything about the report is told
    report = saved_reports.get(get_db(), report_key)
    if report is None:
        raise ApiError(404, "Report not found.")
    if _is_creator_or_admin(report):
        return report
    try:
        if owner:
            website_for_owner(report["website_uuid"])
        else:
            website_for_read(report["website_uuid"])
    except ApiError as exc:
        if exc.status == 404:
            raise ApiError(404, "Report not found.") from None
        raise
    return report


@bp.post("/api/reports")
def create_report():
    body = json_object()
    fields = _fields(body)
    user = require_user()
    website = website_for_owner(body["websiteId"])
    db = get_db()
    with transaction(db):
        row = saved_reports.create(db, user["user_id"], website["website_id"], fields)
    return jsonify(saved_reports.to_json(row))


@bp.get("/api/reports/<report_key>")
def get_report(report_key):
    report = _report(report_key, owner=False)
    return jsonify(saved_reports.to_json(report, owner=not is_shared()))


@bp.post("/api/reports/<report_key>")
def update_report(report_key):
    report = _report(report_key, owner=True)
    body = json_object()
    fields = _fields(body)
    website = website_for_owner(body["websiteId"])  # moving a report needs the new site too
    db = get_db()
    with transaction(db):
        row = saved_reports.update(db, report, website["website_id"], fields)
    return jsonify(saved_reports.to_json(row))


@bp.delete("/api/reports/<report_key>")
def delete_report(report_key):
    report = _report(report_key, owner=True)
    db = get_db()
    with transaction(db):
        saved_reports.delete(db, report)
    return jsonify({"ok": True})
