"""Saved reports: GET|POST /api/reports, GET|POST|DELETE /api/reports/{id},
GET /api/websites/{id}/reports. Owner or admin change them (and the report's creator);
reads also take the website's share token; a website or report the caller may not see is
a 404; bad input is a 400 naming the field and stores nothing."""
import pytest
from conftest import count_rows, open_stored

FUNNEL = {"window": 60, "steps": [{"type": "path", "value": "/a"},
                                  {"type": "path", "value": "/b"}]}


@pytest.fixture
def site(api):
    return api.post("/api/websites", json={"name": "W", "domain": "example.com",
                                           "shareId": "w-share"}).json["id"]


def save(api, site, as_user="admin", **changes):
    body = {"websiteId": site, "type": "funnel", "name": "Signup", "parameters": FUNNEL,
            **changes}
    return api.post("/api/reports", as_user=as_user, json=body)


def test_create_read_list_update_delete(api, site, clock):
    r = save(api, site)
    assert r.status_code == 200, r.json
    report = r.json
    assert report["websiteId"] == site and report["userId"] == "1"
    assert (report["type"], report["name"], report["description"]) == ("funnel", "Signup", "")
    assert report["parameters"] == FUNNEL
    assert report["createdAt"] == report["updatedAt"]
    assert api.get(f"/api/reports/{report['id']}").json == report
    clock.now += 1000
    second = save(api, site, type="goal", name="Goal", description="views of /b",
                  parameters={"type": "path", "value": "/b"}).json
    listed = api.get("/api/reports", query_string={"websiteId": site}).json
    assert listed == {"data": [second, report], "count": 2, "page": 1, "pageSize": 20}
    assert api.get(f"/api/websites/{site}/reports", query_string={"type": "goal"}).json == {
        "data": [second], "count": 1, "page": 1, "pageSize": 20}
    page2 = api.get(f"/api/websites/{site}/reports", query_string={"pageSize": 1, "page": 2})
    assert page2.json["data"] == [report] and page2.json["count"] == 2
    clock.now += 1000
    r = api.post(f"/api/reports/{second['id']}", json={
        "websiteId": site, "type": "goal", "name": "Goal 2", "parameters": {"x": 1}})
    assert r.status_code == 200
    assert r.json["description"] == "views of /b"  # left out: unchanged
    assert (r.json["name"], r.json["parameters"]) == ("Goal 2", {"x": 1})
    assert r.json["updatedAt"] > r.json["createdAt"]
    assert api.delete(f"/api/reports/{second['id']}").json == {"ok": True}
    assert api.get(f"/api/reports/{second['id']}").status_code == 404
    assert api.delete(f"/api/reports/{second['id']}").status_code == 404


def test_ids_are_never_reused(api, site, app):
    first = save(api, site).json
    api.delete(f"/api/reports/{first['id']}")
    save(api, site)
    conn = open_stored(app.extensions["umami_lite"].database)
    assert [r[0] for r in conn.execute("SELECT report_id FROM report")] == [2]


def test_access(api, site, app):
    report = save(api, site).json
    anonymous = app.test_client()  # api.client holds the login cookie
    assert anonymous.get(f"/api/reports/{report['id']}").status_code == 401
    assert anonymous.get(f"/api/websites/{site}/reports").status_code == 401
    assert anonymous.delete(f"/api/reports/{report['id']}").status_code == 401
    api.create_user("other")
    for r in (api.get(f"/api/reports/{report['id']}", as_user="other"),
              api.get("/api/reports", as_user="other", query_string={"websiteId": site}),
              api.get(f"/api/websites/{site}/reports", as_user="other"),
              api.delete(f"/api/reports/{report['id']}", as_user="other"),
              api.post(f"/api/reports/{report['id']}", as_user="other", json={
                  "websiteId": site, "type": "funnel", "name": "x", "parameters": {}}),
              save(api, site, as_user="other")):
        assert r.status_code == 404, r.json
    share = {"x-umami-share-token": anonymous.get("/api/share/w-share").json["token"]}
    # the share link's reader gets the report but not who made it
    assert anonymous.get(f"/api/reports/{report['id']}", headers=share).json == {
        **report, "userId": None}
    assert anonymous.get(f"/api/websites/{site}/reports", headers=share).json["count"] == 1
    # a share token never changes anything
    assert anonymous.delete(f"/api/reports/{report['id']}", headers=share).status_code == 401
    assert anonymous.post("/api/reports", headers=share, json={
        "websiteId": site, "type": "funnel", "name": "x", "parameters": {}}).status_code == 401
    assert count_rows(app, "report") == 1


def test_moving_a_report_needs_the_new_website_too(api, site, app):
    api.create_user("other")
    mine = api.post("/api/websites", as_user="other",
                    json={"name": "Mine", "domain": "mine.example"}).json["id"]
    report = save(api, mine, as_user="other").json
    r = api.post(f"/api/reports/{report['id']}", as_user="other", json={
        "websiteId": site, "type": "funnel", "name": "moved", "parameters": {}})
    assert r.status_code == 404
    assert api.get(f"/api/reports/{report['id']}").json["websiteId"] == mine
    # the admin may move it anywhere
    r = api.post(f"/api/reports/{report['id']}", json={
        "websiteId": site, "type": "funnel", "name": "moved", "parameters": {}})
    assert r.status_code == 200 and r.json["websiteId"] == site


def test_deleting_the_website_deletes_its_reports(api, site, app):
    save(api, site)
    assert api.delete(f"/api/websites/{site}").status_code == 200
    assert count_rows(app, "report") == 0


@pytest.mark.parametrize("changes, field", [
    ({"type": "cohort"}, "type"),
    ({"type": None}, "type"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"description": "x" * 501}, "description"),
    ({"description": 5}, "description"),
    ({"parameters": []}, "parameters"),
    ({"parameters": None}, "parameters"),
    ({"websiteId": 7}, "websiteId"),
])
def test_bad_input_stores_nothing(api, site, app, changes, field):
    r = save(api, site, **changes)
    assert r.status_code == 400, r.json
    assert f"'{field}'" in r.json["error"]["message"]
    assert count_rows(app, "report") == 0


def test_bad_list_parameters(api, site):
    assert api.get("/api/reports").status_code == 400
    assert api.get("/api/reports", query_string={"websiteId": site,
                                                 "type": "cohort"}).status_code == 400
    assert api.get(f"/api/websites/{site}/reports",
                   query_string={"pageSize": 0}).status_code == 400
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.get("/api/reports", query_string={"websiteId": missing}).status_code == 404
    assert api.get(f"/api/reports/{missing}").status_code == 404
    assert api.get("/api/reports/not-a-uuid").status_code == 404
