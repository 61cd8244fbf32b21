"""Privacy at rest, and the Umami v1 security holes (umami-api.md section 8 item 14)."""
import glob

from conftest import CHROME_UA, pageview

SECRET_IP = "198.51.100.77"
SECRET_UA = CHROME_UA + " PrivacyMarker/7f3k9"


def test_ips_and_user_agents_never_reach_the_database_files(app, client, website):
    r1 = pageview(client, website["id"], url="/a", ip=SECRET_IP, ua=SECRET_UA)
    r2 = client.post("/api/send", headers={"User-Agent": SECRET_UA},
                     environ_base={"REMOTE_ADDR": SECRET_IP},
                     json={"type": "event", "payload": {"website": website["id"],
                                                        "url": "https://example.com/b",
                                                        "hostname": "example.com"}})
    assert r1.status_code == 200 and r2.status_code == 200
    files = glob.glob(app.extensions["umami_lite"].database + "*")
    assert any(f.endswith("-wal") for f in files)  # the WAL is scanned too, not only the db
    everything = b"".join(open(path, "rb").read() for path in files)
    assert b"/a" in everything and b"Chrome" in everything  # the scan does see stored values
    for path in files:
        data = open(path, "rb").read()
        for needle in (SECRET_IP, "PrivacyMarker", SECRET_UA):
            assert needle.encode() not in data, (needle, path)


def test_non_admin_cannot_create_accounts(api):
    api.create_user("alice")
    r = api.post("/api/account", as_user="alice",
                 json={"username": "mallory", "password": "mallory-password"})
    assert r.status_code == 403
    assert "mallory" not in str(api.get("/api/accounts").json)


def test_no_response_carries_a_password_hash(api):
    user = api.create_user("bob")
    for path in ("/api/accounts", f"/api/account/{user['user_id']}", "/api/auth/verify",
                 "/api/me"):
        body = api.get(path).get_data(as_text=True)
        assert "pbkdf2" not in body and "scrypt" not in body and '"password"' not in body


def test_share_token_cannot_reset_or_delete(api, client, website):
    updated = api.post("/api/website", json={"website_id": website["website_id"],
                                             "enable_share_url": True}).json
    token = client.get(f"/api/share/{updated['share_id']}").json["token"]
    client.delete_cookie("umami.auth")
    headers = {"x-umami-share-token": token}
    for method, path in (("post", f"/api/website/{website['website_id']}/reset"),
                         ("delete", f"/api/website/{website['website_id']}"),
                         ("post", f"/api/websites/{website['id']}/reset"),
                         ("delete", f"/api/websites/{website['id']}")):
        r = getattr(client, method)(path, headers=headers)
        assert r.status_code in (401, 403), (method, path, r.status_code)
    assert api.get(f"/api/website/{website['website_id']}").status_code == 200


def test_admin_rights_are_read_from_the_database_not_the_token(api):
    carol = api.create_user("carol", is_admin=True)
    assert api.get("/api/accounts", as_user="carol").status_code == 200
    r = api.post("/api/account", json={"user_id": carol["user_id"], "is_admin": False})
    assert r.status_code == 200
    assert api.get("/api/accounts", as_user="carol").status_code == 403


def test_a_non_admin_can_change_their_own_password(api, client):
    api.create_user("dave", password="dave-password-1")
    r = api.post("/api/account/password", as_user="dave",
                 json={"current_password": "dave-password-1",
                       "new_password": "dave-password-2"})
    assert r.status_code == 200
    r = client.post("/api/auth/login", json={"username": "dave",
                                             "password": "dave-password-2"})
    assert r.status_code == 200
