"""Links and pixels: management routes, the public /q/<slug> and /p/<slug> hits, and their
stats through the website routes by the link's or pixel's id."""
import pytest
from conftest import CHROME_UA, T0, Api, count_rows

BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
RANGE = {"startAt": T0 - 60_000, "endAt": T0 + 60_000}
LINK = {"name": "Newsletter", "url": "https://example.com/landing?x=1", "slug": "news-2026"}
PIXEL = {"name": "Feed", "slug": "feed.rss"}


@pytest.fixture
def link(api):
    r = api.post("/api/links", json=LINK)
    assert r.status_code == 200, r.json
    return r.json


@pytest.fixture
def pixel(api):
    r = api.post("/api/pixels", json=PIXEL)
    assert r.status_code == 200, r.json
    return r.json


def visit(client, path, ua=CHROME_UA, ip="203.0.113.7", **headers):
    return client.get(path, headers={"User-Agent": ua, **headers},
                      environ_base={"REMOTE_ADDR": ip})


def test_create_read_list_update_delete_a_link(api, link):
    assert {k: link[k] for k in ("name", "url", "slug", "userId", "teamId", "deletedAt")} == {
        **LINK, "userId": "1", "teamId": None, "deletedAt": None}
    assert api.get(f"/api/links/{link['id']}").json == link
    listed = api.get("/api/links").json
    assert (listed["count"], [x["id"] for x in listed["data"]]) == (1, [link["id"]])
    assert api.get("/api/links", query_string={"search": "LANDING"}).json["count"] == 1
    assert api.get("/api/links", query_string={"search": "nothing"}).json["count"] == 0
    r = api.post(f"/api/links/{link['id']}", json={"slug": "renamed", "name": "Mail"})
    assert (r.status_code, r.json["slug"], r.json["name"], r.json["url"]) == (
        200, "renamed", "Mail", LINK["url"])
    assert api.delete(f"/api/links/{link['id']}").json == {"ok": True}
    assert api.get(f"/api/links/{link['id']}").status_code == 404


def test_links_and_pixels_are_not_websites(api, link, pixel):
    api.create_website("Site")
    assert [w["name"] for w in api.get("/api/websites").json["data"]] == ["Site"]
    assert [p["id"] for p in api.get("/api/pixels").json["data"]] == [pixel["id"]]
    assert "url" not in pixel


def test_a_link_hit_is_a_view_then_a_redirect(app, api, client, link):
    r = visit(client, "/q/news-2026?utm_source=mail&utm_campaign=launch",
              Referer="https://mail.example.org/inbox")
    assert r.status_code == 307 and r.headers["Location"] == LINK["url"]
    stats = api.get(f"/api/websites/{link['id']}/stats", query_string=RANGE).json
    assert (stats["pageviews"], stats["visitors"]) == (1, 1)
    metric = api.get(f"/api/websites/{link['id']}/metrics",
                     query_string={**RANGE, "type": "utm_campaign"}).json
    assert metric == [{"x": "launch", "y": 1}]
    assert api.get(f"/api/websites/{link['id']}/metrics",
                   query_string={**RANGE, "type": "path"}).json == [{"x": "/q/news-2026", "y": 1}]
    assert api.get(f"/api/websites/{link['id']}/metrics",
                   query_string={**RANGE, "type": "referrer"}).json == [
        {"x": "mail.example.org", "y": 1}]
    assert api.get(f"/api/websites/{link['id']}/metrics",
                   query_string={**RANGE, "type": "hostname"}).json == [{"x": "localhost", "y": 1}]


def test_a_pixel_hit_is_a_view_and_a_gif(app, api, client, pixel):
    r = visit(client, "/p/feed.rss")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/gif"
    assert len(r.data) == 43 and r.data.startswith(b"GIF89a")
    assert r.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert (r.headers["Pragma"], r.headers["Expires"]) == ("no-cache", "0")
    visit(client, "/p/feed.rss", ip="198.51.100.20")
    stats = api.get(f"/api/websites/{pixel['id']}/stats", query_string=RANGE).json
    assert (stats["pageviews"], stats["visitors"]) == (2, 2)


@pytest.mark.parametrize("ua, ip, settings", [
    (BOT_UA, "203.0.113.7", {}),
    (CHROME_UA, "203.0.113.7", {"UMAMI_LITE_IGNORE_IP": "203.0.113.0/24"}),
])
def test_bots_and_ignored_ips_get_the_answer_and_store_nothing(make_app, ua, ip, settings):
    app = make_app(**settings)
    client = app.test_client()
    api = Api(client)
    api.post("/api/links", json=LINK)
    api.post("/api/pixels", json=PIXEL)
    assert visit(client, "/q/news-2026", ua=ua, ip=ip).status_code == 307
    assert visit(client, "/p/feed.rss", ua=ua, ip=ip).status_code == 200
    assert count_rows(app, "pageview") == 0 and count_rows(app, "session") == 0


@pytest.mark.parametrize("path", ["/q/unknown", "/p/unknown", "/q/feed.rss", "/p/news-2026"])
def test_unknown_slugs_are_404s_and_store_nothing(app, client, link, pixel, path):
    r = visit(client, path)
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"
    assert count_rows(app, "pageview") == 0


def test_a_slug_is_unique_within_its_kind(api, link, pixel):
    r = api.post("/api/links", json={**LINK, "name": "Again"})
    assert r.status_code == 400 and "slug is already taken" in r.json["error"]["message"]
    other = api.post("/api/links", json={**LINK, "slug": "other"}).json
    r = api.post(f"/api/links/{other['id']}", json={"slug": "news-2026"})
    assert r.status_code == 400 and "taken" in r.json["error"]["message"]
    assert api.post("/api/links", json={**LINK, "slug": "feed.rss"}).status_code == 200
    assert api.get("/api/links").json["count"] == 3


@pytest.mark.parametrize("kind, body, word", [
    ("links", {**LINK, "url": "javascript:alert(1)"}, "url"),
    ("links", {**LINK, "url": "/relative"}, "url"),
    ("links", {**LINK, "url": "https://"}, "url"),
    ("links", {**LINK, "url": "https://a.example/\nb"}, "url"),
    ("links", {**LINK, "url": "https://a.example/" + "x" * 500}, "url"),
    ("links", {k: v for k, v in LINK.items() if k != "url"}, "url"),
    ("links", {**LINK, "slug": "has space"}, "slug"),
    ("links", {**LINK, "slug": "a/b"}, "slug"),
    ("links", {**LINK, "slug": ""}, "slug"),
    ("links", {**LINK, "slug": "s" * 101}, "slug"),
    ("links", {**LINK, "slug": 7}, "slug"),
    ("links", {**LINK, "name": ""}, "name"),
    ("links", {**LINK, "name": "n" * 101}, "name"),
    ("links", {**LINK, "id": "not-a-uuid"}, "id"),
    ("links", {**LINK, "teamId": "t1"}, "teamId"),
    ("pixels", {"name": "P"}, "slug"),
    ("pixels", {"slug": "p"}, "name"),
])
def test_bad_bodies_are_400s_naming_the_field_and_store_nothing(app, api, kind, body, word):
    r = api.post(f"/api/{kind}", json=body)
    assert r.status_code == 400 and word in r.json["error"]["message"], r.json
    assert count_rows(app, "link") == 0 and count_rows(app, "pixel") == 0
    assert count_rows(app, "website") == 0


def test_bad_updates_change_nothing(api, link):
    for body in ({"url": "ftp://x.example/"}, {"slug": "a b"}, {"name": 5}):
        r = api.post(f"/api/links/{link['id']}", json=body)
        assert r.status_code == 400
    assert api.get(f"/api/links/{link['id']}").json == link


def test_a_chosen_id_must_be_free(api, link):
    chosen = "8f5b3d4e-2c1a-4b7e-9d3f-6a5c4b3a2f10"
    assert api.post("/api/pixels", json={**PIXEL, "id": chosen}).json["id"] == chosen
    r = api.post("/api/links", json={**LINK, "slug": "x", "id": link["id"]})
    assert r.status_code == 400 and "'id' is already taken" in r.json["error"]["message"]


def test_access(app, api, link):
    anon = app.test_client()
    for method, path in (("GET", "/api/links"), ("POST", "/api/links"),
                         ("GET", f"/api/links/{link['id']}"),
                         ("POST", f"/api/links/{link['id']}"),
                         ("DELETE", f"/api/links/{link['id']}")):
        assert anon.open(path, method=method, json={}).status_code == 401
    api.create_user("eve")
    assert api.get("/api/links", as_user="eve").json["count"] == 0
    for method in ("GET", "POST", "DELETE"):
        r = api.client.open(f"/api/links/{link['id']}", method=method, json={"name": "Mine"},
                            headers=api.headers("eve", "user-password-1"))
        assert r.status_code == 404 and r.json["error"]["code"] == "not-found"
    assert api.get(f"/api/websites/{link['id']}/stats", as_user="eve",
                   query_string=RANGE).status_code == 404
    assert api.get(f"/api/links/{link['id']}").json["name"] == LINK["name"]


def test_deleting_a_link_deletes_its_hits(app, api, client, link):
    visit(client, "/q/news-2026")
    assert count_rows(app, "pageview") == 1
    api.delete(f"/api/links/{link['id']}")
    assert count_rows(app, "pageview") == 0 and count_rows(app, "link") == 0
    assert visit(client, "/q/news-2026").status_code == 404


def test_embedded_links_answer_through_flask_under_the_prefix(tmp_path, clock):
    from embedhost import login, make_host
    host, _ = make_host(tmp_path, clock=clock)
    client = host.test_client()
    token = login(client).json["token"]
    made = client.post("/analytics/api/links", json=LINK,
                       headers={"Authorization": f"Bearer {token}"}).json
    r = visit(client, "/analytics/q/news-2026?utm_source=mail")
    assert r.status_code == 307 and r.headers["Location"] == LINK["url"]
    assert visit(client, "/analytics/q/missing").status_code == 404
    stats = client.get(f"/analytics/api/websites/{made['id']}/stats", query_string=RANGE,
                       headers={"Authorization": f"Bearer {token}"}).json
    assert stats["pageviews"] == 1


def test_a_changed_slug_is_followed_at_once(api, client, link):
    assert visit(client, "/q/news-2026").status_code == 307   # remembered by the lane
    api.post(f"/api/links/{link['id']}", json={"slug": "moved"})
    assert visit(client, "/q/news-2026").status_code == 404
    assert visit(client, "/q/moved").status_code == 307
