"""Websites (v1 routes): create, list, read, update, reset, delete, with bad input."""
import pytest
from conftest import T0, count_rows, event, pageview, send

WEBSITE_KEYS = {"website_id", "website_uuid", "user_id", "name", "domain", "share_id",
                "created_at", "id", "userId", "shareId", "createdAt", "updatedAt", "resetAt",
                "deletedAt", "teamId", "user"}
RANGE = {"start_at": T0 - 3_600_000, "end_at": T0 + 3_600_000}


def test_create_returns_both_generations_keys(api):
    r = api.post("/api/website", json={"name": " Blog ", "domain": "blog.example"})
    assert r.status_code == 200
    w = r.json
    assert WEBSITE_KEYS <= set(w)
    assert w["name"] == "Blog" and w["domain"] == "blog.example"
    assert w["id"] == w["website_uuid"] and len(w["website_uuid"]) == 36
    assert w["userId"] == "1" and w["user_id"] == 1
    assert w["user"] == {"id": "1", "username": "admin"}
    assert w["share_id"] is None and w["shareId"] is None
    assert w["deletedAt"] is None and w["teamId"] is None and w["resetAt"] is None
    assert w["createdAt"] == "2026-05-28T20:26:40.000Z"
    shared = api.create_website("Shared", enable_share_url=True)
    assert len(shared["share_id"]) == 8 and shared["shareId"] == shared["share_id"]


def test_get_by_id_and_uuid(api, website):
    for key in (website["website_id"], website["website_uuid"],
                website["website_uuid"].upper()):
        r = api.get(f"/api/website/{key}")
        assert r.status_code == 200 and r.json["website_id"] == website["website_id"]


def test_list_is_paged_and_own_only(api):
    api.create_user("alice")
    for name in ("b-site", "a-site", "c-site"):
        api.create_website(name, f"{name}.example", as_user="alice")
    api.create_website("admin-site")
    r = api.get("/api/websites", as_user="alice")
    assert [w["name"] for w in r.json["data"]] == ["a-site", "b-site", "c-site"]
    assert (r.json["count"], r.json["page"], r.json["pageSize"]) == (3, 1, 100)
    r = api.get("/api/websites", as_user="alice", query_string={"page": 2, "pageSize": 2})
    assert [w["name"] for w in r.json["data"]] == ["c-site"] and r.json["count"] == 3
    r = api.get("/api/websites", as_user="alice", query_string={"search": "b-s"})
    assert [w["name"] for w in r.json["data"]] == ["b-site"]
    assert [w["name"] for w in api.get("/api/websites").json["data"]] == ["admin-site"]
    r = api.get("/api/websites", query_string={"user_id": 2})
    assert r.json["count"] == 3
    assert api.get("/api/websites", as_user="alice",
                   query_string={"user_id": 1}).status_code == 403


@pytest.mark.parametrize("query, name", [({"page": "0"}, "page"), ({"page": "x"}, "page"),
                                         ({"pageSize": "1001"}, "pageSize"),
                                         ({"user_id": "x"}, "user_id")])
def test_list_bad_parameters(api, query, name):
    r = api.get("/api/websites", query_string=query)
    assert r.status_code == 400 and f"'{name}'" in r.json["error"]["message"]


def test_update_by_id_and_uuid(api, website):
    r = api.post("/api/website", json={"website_id": website["website_id"], "name": "New",
                                       "domain": "new.example", "enable_share_url": True})
    assert r.status_code == 200
    assert (r.json["name"], r.json["domain"]) == ("New", "new.example") and r.json["share_id"]
    r = api.post("/api/website", json={"website_id": website["website_uuid"], "name": "Newer"})
    assert r.json["name"] == "Newer" and r.json["domain"] == "new.example"
    assert api.get(f"/api/website/{website['website_id']}").json["name"] == "Newer"


BAD_BODIES = [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": 5}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "ok", "domain": 5}, "domain"),
    ({"name": "ok", "domain": "d" * 501}, "domain"),
    ({"name": "ok", "enable_share_url": "yes"}, "enable_share_url"),
    ({"name": "ok", "website_id": True}, "website_id"),
    ({"name": "ok", "website_id": [1]}, "website_id"),
]


@pytest.mark.parametrize("body, name", BAD_BODIES, ids=[str(b) for b, _ in BAD_BODIES])
def test_bad_website_body_400_stores_nothing(app, api, body, name):
    r = api.post("/api/website", json=body)
    assert r.status_code == 400 and f"'{name}'" in r.json["error"]["message"], r.json
    assert count_rows(app, "website") == 0


def test_bad_update_changes_nothing(api, website):
    r = api.post("/api/website", json={"website_id": website["website_id"], "name": 5})
    assert r.status_code == 400
    assert api.get(f"/api/website/{website['website_id']}").json == website


def test_reset_deletes_data_and_keeps_the_website(app, api, clock, website):
    pageview(api.client, website["website_uuid"])
    event(api.client, website["website_uuid"], "signup")
    send(api.client, website["website_uuid"], kind="performance", lcp=100)
    assert count_rows(app, "vitals") == 1
    clock.now += 1000
    r = api.post(f"/api/website/{website['website_uuid']}/reset")
    assert r.status_code == 200 and r.json == {"ok": True}
    for table in ("session", "pageview", "event", "vitals"):
        assert count_rows(app, table) == 0
    w = api.get(f"/api/website/{website['website_id']}").json
    assert w["resetAt"] == "2026-05-28T20:26:41.000Z"
    stats = api.get(f"/api/website/{website['website_id']}/stats", query_string=RANGE).json
    assert stats == {"pageviews": 0, "uniques": 0, "bounces": 0, "totaltime": 0}


def test_delete_removes_website_and_data(app, api, website):
    pageview(api.client, website["website_uuid"])
    send(api.client, website["website_uuid"], kind="performance", lcp=100)
    r = api.delete(f"/api/website/{website['website_id']}")
    assert r.status_code == 200 and r.json == {"ok": True}
    assert api.get(f"/api/website/{website['website_id']}").status_code == 404
    for table in ("website", "session", "pageview", "vitals"):
        assert count_rows(app, table) == 0
    r = pageview(api.client, website["website_uuid"])
    assert r.status_code == 400 and "website" in r.json["error"]["message"]
