"""Moving a website to another server: the JSON lines export carries the website, and
`umami-lite import FILE` recreates it with the same uuid where it does not exist."""
import json

import pytest
from conftest import Api, add_website, snapshot_rows
from test_cli import env  # noqa: F401 - a fixture
from test_golden_v1 import CASES, golden  # noqa: F401 - golden is a fixture

from umami_lite.cli import main
from umami_lite.ops import export, retention
from umami_lite.storage import connection as db, sites

SHARE_ID = "golden-share"
DAYS = 36_500  # (the import skips rows older than the retention, counted from today)


@pytest.fixture(scope="module")
def dumps(golden, tmp_path_factory):  # noqa: F811
    """Returns {format: path} of the golden website's export, after giving it a share id
    and a retention to carry."""
    source_app, _, _, source_site, _ = golden
    path = source_app.extensions["umami_lite"].database
    conn = db.connect(path)
    try:
        with db.transaction(conn):
            sites.set_share_id(conn, source_site["website_id"], SHARE_ID)
            retention.set_days(conn, source_site["website_id"], DAYS)
    finally:
        conn.close()
    folder = tmp_path_factory.mktemp("dumps")
    found = {}
    for fmt in export.FORMATS:
        found[fmt] = str(folder / f"golden.{fmt}")
        conn = db.connect(path, readonly=True)
        try:
            with open(found[fmt], "w", encoding="utf-8", newline="") as out:
                export.export(conn, source_site["website_id"], out, fmt)
        finally:
            conn.close()
    return found


@pytest.fixture
def target(make_app, tmp_path, golden):  # noqa: F811
    """Returns (app, api) of a fresh database elsewhere, on the golden dataset's clock."""
    app = make_app(UMAMI_LITE_DATABASE=str(tmp_path / "elsewhere.db"),
                   UMAMI_LITE_CLOCK=golden[4])
    return app, Api(app.test_client())


def run_import(app, *args):
    main(["--database", app.extensions["umami_lite"].database, "import", *args])


def website_row(app, key):
    conn = db.connect(app.extensions["umami_lite"].database, readonly=True)
    try:
        row = sites.find(conn, key)
        return None if row is None else {name: row[name] for name in (
            "website_uuid", "name", "domain", "share_id", "retention_days", "username")}
    finally:
        conn.close()


def test_import_into_an_empty_database_recreates_the_website(
        env, golden, dumps, target, capsys):  # noqa: F811
    source_app, _, source_api, source_site, _ = golden
    uuid = source_site["website_uuid"]
    app, api = target
    run_import(app, dumps["jsonl"])
    out = capsys.readouterr().out
    assert out == (f"created website 1 (Golden) with uuid {uuid}, owned by admin\n"
                   f"{dumps['jsonl']} (umami-lite): read 17, imported 17, skipped 0\n")
    assert website_row(app, uuid) == {
        "website_uuid": uuid, "name": "Golden", "domain": "example.com",
        "share_id": SHARE_ID, "retention_days": DAYS, "username": "admin"}
    for route, params, expected in CASES:
        moved = api.get(f"/api/website/{uuid}/{route}", query_string=params).json
        assert moved == expected, (route, params)
    window = {"startAt": 0, "endAt": 2**42}
    for route, params in [("stats", {}), ("metrics", {"type": "url"}),
                          ("metrics", {"type": "country"}), ("sessions", {})]:
        r = source_api.get(f"/api/websites/{uuid}/{route}", query_string={**window, **params})
        assert r.status_code == 200, route
        original = r.json
        moved = api.get(f"/api/websites/{uuid}/{route}", query_string={**window, **params}).json
        if route == "sessions":  # session ids are new ones; all the rest is the same
            for row in original["data"] + moved["data"]:
                row.pop("id")
        assert moved == original, (route, params)
    shared = api.client.get(f"/api/share/{SHARE_ID}")
    assert shared.status_code == 200 and shared.json["websiteUuid"] == uuid
    # once there, the same file again goes in only when --website names the website
    with pytest.raises(SystemExit, match=f"website {uuid} already exists here: pass "
                                         f"--website {uuid} to merge"):
        run_import(app, dumps["jsonl"])
    run_import(app, dumps["jsonl"], "--website", uuid)
    assert "imported 0, skipped 17 (17 already imported)" in capsys.readouterr().out


def test_owner_names_who_owns_the_created_website(env, golden, dumps, target):  # noqa: F811
    app, api = target
    api.create_user("bob")
    run_import(app, dumps["jsonl"], "--owner", "bob")
    assert website_row(app, golden[3]["website_uuid"])["username"] == "bob"


def test_website_merges_the_file_into_another_website(
        env, golden, dumps, target, capsys):  # noqa: F811
    app, api = target
    other = api.create_website(name="Other", domain="other.example")
    run_import(app, dumps["jsonl"], "--website", other["website_uuid"])
    assert "imported 17" in capsys.readouterr().out
    assert website_row(app, golden[3]["website_uuid"]) is None
    stats = api.get(f"/api/website/{other['website_id']}/stats", query_string=CASES[0][1])
    assert stats.json == CASES[0][2]


def test_a_taken_share_id_gets_a_new_one(env, golden, dumps, target, capsys):  # noqa: F811
    app, api = target
    r = api.post("/api/websites", json={"name": "Holder", "domain": "holder.example",
                                        "shareId": SHARE_ID})
    assert r.status_code == 200 and r.json["shareId"] == SHARE_ID
    run_import(app, dumps["jsonl"])
    assert f"share id {SHARE_ID} is taken here" in capsys.readouterr().out
    moved = website_row(app, golden[3]["website_uuid"])
    assert moved["share_id"] not in (None, SHARE_ID)


def old_export(dumps, tmp_path):
    """Returns the path of the JSON lines export as written before it carried its website."""
    with open(dumps["jsonl"], encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    assert json.loads(lines[0])["kind"] == "website"
    path = tmp_path / "old.jsonl"
    path.write_text("".join(lines[1:]), encoding="utf-8")
    return str(path)


def header_file(dumps, tmp_path, **changes):
    """Returns the path of the JSON lines export with its website record changed."""
    with open(dumps["jsonl"], encoding="utf-8") as f:
        first, *rest = f.read().splitlines(keepends=True)
    path = tmp_path / "changed.jsonl"
    path.write_text(json.dumps({**json.loads(first), **changes}) + "\n" + "".join(rest),
                    encoding="utf-8")
    return str(path)


def retire(app, website_uuid):
    """Creates a website with website_uuid and deletes it: its uuid is retired."""
    row = add_website(app, website_uuid)
    api = Api(app.test_client())
    assert api.delete(f"/api/websites/{row['website_uuid']}").status_code == 200


ERRORS = [
    ("exists", lambda d, t, app, uuid: (add_website(app, uuid), [d["jsonl"]])[1],
     "website {uuid} already exists here: pass --website {uuid} to merge the file into it"),
    ("retired", lambda d, t, app, uuid: (retire(app, uuid), [d["jsonl"]])[1],
     "website {uuid} was deleted here, and a deleted website's uuid is never used again: "
     "pass --website ID to import into another website"),
    ("csv", lambda d, t, app, uuid: [d["csv"]],
     "{csv} carries no website (a CSV export, an older JSON lines export, or another tool's "
     "file): pass --website ID"),
    ("old export", lambda d, t, app, uuid: [old_export(d, t)], "old.jsonl carries no website"),
    ("unknown owner", lambda d, t, app, uuid: [d["jsonl"], "--owner", "nobody"],
     "no user named 'nobody'"),
    ("owner and website", lambda d, t, app, uuid: [d["jsonl"], "--owner", "admin",
                                                   "--website", "1"],
     "--owner names the owner of a website that import creates; with --website, the "
     "website exists already"),
    ("no such website", lambda d, t, app, uuid: [d["jsonl"], "--website", "7"],
     "no website '7'"),
    ("bad uuid", lambda d, t, app, uuid: [header_file(d, t, website_uuid="blog")],
     "changed.jsonl: its website_uuid is not a uuid"),
    ("empty name", lambda d, t, app, uuid: [header_file(d, t, name=" ")],
     "its website name must have 1 to 100 characters"),
    ("bad share id", lambda d, t, app, uuid: [header_file(d, t, share_id="a b")],
     "its share_id must be null or 1-50 letters"),
    ("bad retention", lambda d, t, app, uuid: [header_file(d, t, retention_days=0)],
     "its retention_days must be null (keep forever) or a whole number of days"),
    ("two websites", lambda d, t, app, uuid: [
        d["jsonl"], header_file(d, t, website_uuid="0d9a3b0e-6a53-4c38-9c0a-8f8d3b8b0c11")],
     "hold different websites"),
]


@pytest.mark.parametrize("make_args, message", [case[1:] for case in ERRORS],
                         ids=[case[0] for case in ERRORS])
def test_refused_import_is_one_line_and_stores_nothing(
        env, golden, dumps, target, tmp_path, make_args, message):  # noqa: F811
    app, _ = target
    uuid = golden[3]["website_uuid"]
    args = make_args(dumps, tmp_path, app, uuid)
    before = snapshot_rows(app)
    with pytest.raises(SystemExit) as exited:
        run_import(app, *args)
    assert isinstance(exited.value.code, str) and "\n" not in exited.value.code
    assert message.format(uuid=uuid, csv=dumps["csv"]) in exited.value.code
    assert snapshot_rows(app) == before


def test_old_exports_and_csv_still_import_with_website(
        env, golden, dumps, target, tmp_path, capsys):  # noqa: F811
    app, api = target
    site = api.create_website(name="Copy", domain="example.com")
    run_import(app, old_export(dumps, tmp_path), dumps["csv"], "--website", "1")
    out = capsys.readouterr().out
    assert "old.jsonl (umami-lite): read 17, imported 17, skipped 0" in out
    assert "golden.csv (umami-lite): read 17, imported 0, skipped 17 (17 already imported)" in out
    stats = api.get(f"/api/website/{site['website_id']}/stats", query_string=CASES[0][1])
    assert stats.json == CASES[0][2]
