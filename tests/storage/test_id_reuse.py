"""Ids are never handed out twice: a deleted account's token, a deleted website's id, uuid
or share id never come back as something created later (docs/security.md)."""



def test_deleted_users_token_is_refused_after_a_new_admin_is_created(api, client):
    victim = api.create_user("alice", is_admin=True)
    old_token = api.token("alice", "user-password-1")
    assert api.delete(f"/api/account/{victim['user_id']}").status_code == 200
    newcomer = api.create_user("bob", is_admin=True)
    assert newcomer["user_id"] != victim["user_id"]
    stolen = {"Authorization": f"Bearer {old_token}"}
    for path in ("/api/me", "/api/accounts", "/api/auth/verify"):
        r = client.get(path, headers=stolen)
        assert r.status_code == 401, (path, r.json)


def test_account_and_website_ids_are_not_reused_after_a_delete(api):
    first = api.create_user("carol")
    assert api.delete(f"/api/account/{first['user_id']}").status_code == 200
    assert api.create_user("dave")["user_id"] > first["user_id"]
    site = api.create_website("One")
    assert api.delete(f"/api/website/{site['website_id']}").status_code == 200
    assert api.create_website("Two")["website_id"] > site["website_id"]


def test_deleted_websites_uuid_cannot_be_claimed(api):
    site = api.create_website("Owned", as_user="admin")
    assert api.delete(f"/api/website/{site['website_uuid']}").status_code == 200
    api.create_user("mallory")
    r = api.post("/api/websites", as_user="mallory",
                 json={"name": "Mine", "domain": "evil.example", "id": site["website_uuid"]})
    assert r.status_code == 400 and "'id'" in r.json["error"]["message"]


def test_deleted_websites_share_id_cannot_be_claimed(api, client):
    site = api.create_website("Shared", enable_share_url=True)
    share_id = site["share_id"]
    assert client.get(f"/api/share/{share_id}").status_code == 200
    assert api.delete(f"/api/website/{site['website_id']}").status_code == 200
    api.create_user("mallory")
    other = api.post("/api/websites", as_user="mallory",
                     json={"name": "Mine", "domain": "evil.example"}).json
    r = api.post(f"/api/websites/{other['id']}", as_user="mallory", json={"shareId": share_id})
    assert r.status_code == 400 and "'shareId'" in r.json["error"]["message"]
    assert client.get(f"/api/share/{share_id}").status_code == 404


def test_a_replaced_share_id_is_not_given_out_again(api):
    site = api.create_website("Shared", enable_share_url=True)
    old = site["share_id"]
    r = api.post(f"/api/websites/{site['id']}", json={"shareId": "fresh-one"})
    assert r.status_code == 200 and r.json["shareId"] == "fresh-one"
    r = api.post(f"/api/websites/{site['id']}", json={"shareId": old})
    assert r.status_code == 400 and "'shareId'" in r.json["error"]["message"]
