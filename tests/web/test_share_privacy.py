"""A share link reveals nothing of the website's owner (no username, no user id: a
username is half a login, and enough to spend the account's login failures) and its token
reads that website's analytics only (docs/security.md)."""
import pytest
from conftest import T0, pageview

RANGE = {"start_at": 0, "end_at": T0, "startAt": 0, "endAt": T0}


@pytest.fixture
def viewer(app):
    """Returns a client holding no login cookie: the share link's visitor."""
    return app.test_client()


@pytest.fixture
def shared(api, viewer):
    """Returns (website of the account "ownername", headers holding its share token)."""
    api.create_user("ownername")
    site = api.create_website("Shared", as_user="ownername", enable_share_url=True)
    pageview(api.client, site["website_uuid"])
    r = viewer.get(f"/api/share/{site['share_id']}")
    assert r.status_code == 200
    assert "ownername" not in r.get_data(as_text=True)
    return site, {"x-umami-share-token": r.json["token"]}


def _mentions_owner(body, site):
    """Returns the owner data found in a JSON body (key, value) pairs, walked recursively."""
    found = []

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in ("user_id", "userId", "username") and value is not None:
            found.append((key, value))
        elif value == "ownername":
            found.append((key, value))
    walk(body)
    return found


@pytest.mark.parametrize("path", ["/api/website/{id}", "/api/websites/{uuid}",
                                  "/api/website/{id}/stats", "/api/websites/{uuid}/stats",
                                  "/api/websites/{uuid}/metrics",
                                  "/api/realtime/{uuid}"])
def test_share_token_answers_carry_no_owner(viewer, shared, path):
    site, headers = shared
    url = path.format(id=site["website_id"], uuid=site["website_uuid"])
    r = viewer.get(url, headers=headers, query_string={**RANGE, "type": "url"})
    assert r.status_code == 200, r.json
    assert "ownername" not in r.get_data(as_text=True)
    assert _mentions_owner(r.json, site) == []


def test_share_website_object_keeps_every_key_with_nulls(api, viewer, shared):
    site, headers = shared
    owner_view = api.get(f"/api/website/{site['website_id']}", as_user="ownername").json
    shared_view = viewer.get(f"/api/website/{site['website_id']}", headers=headers).json
    assert set(shared_view) == set(owner_view)  # every key always present (decisions.md)
    assert shared_view["user_id"] is None and shared_view["userId"] is None
    assert shared_view["user"] is None
    assert owner_view["user"]["username"] == "ownername"  # the owner still sees it
    assert shared_view["name"] == "Shared" and shared_view["id"] == site["website_uuid"]


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/me"), ("GET", "/api/auth/verify"), ("GET", "/api/websites"),
    ("GET", "/api/accounts"), ("POST", "/api/account/password"),
    ("POST", "/api/website/{id}/reset"), ("DELETE", "/api/website/{id}"),
    ("POST", "/api/websites/{uuid}"), ("POST", "/api/website")])
def test_share_token_does_nothing_else(api, viewer, shared, method, path):
    site, headers = shared
    url = path.format(id=site["website_id"], uuid=site["website_uuid"])
    body = {"website_id": site["website_id"], "name": "x", "current_password": "x",
            "new_password": "long-enough-1"}
    r = viewer.open(url, method=method, headers=headers, json=body)
    assert r.status_code == 401, (url, r.status_code, r.json)
    assert api.get(f"/api/website/{site['website_id']}", as_user="ownername").json["name"] \
        == "Shared"
