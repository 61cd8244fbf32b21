"""Import of our own export: round trip through an empty database, idempotency, skips."""
import gzip
import json

import pytest
from conftest import T0, Api, count_rows, open_stored, send, snapshot_rows
from test_golden_v1 import CASES, golden, ms  # noqa: F401 - golden is a fixture
from test_export import FIREFOX_UA

from umami_lite import cli
from umami_lite.storage import connection as db
from umami_lite.ops import export, importer


def _export_file(app, website, path, fmt):
    conn = db.connect(app.extensions["umami_lite"].database, readonly=True)
    try:
        with open(path, "w", encoding="utf-8", newline="") as out:
            export.export(conn, website["website_id"], out, fmt)
    finally:
        conn.close()


def _import(app, website_id, paths, fmt=None, cutoff=None):
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        row = conn.execute("SELECT * FROM website WHERE website_id = ?", (website_id,)).fetchone()
        return importer.import_files(conn, row, [str(p) for p in paths], fmt, cutoff)
    finally:
        conn.close()


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_round_trip_gives_every_route_the_same_json(golden, make_app, tmp_path, fmt):  # noqa: F811
    source_app, _, source_api, source_site, clock = golden
    dump = tmp_path / f"golden.{fmt}"
    _export_file(source_app, source_site, dump, fmt)
    app = make_app(UMAMI_LITE_DATABASE=str(tmp_path / "empty.db"), UMAMI_LITE_CLOCK=clock)
    api = Api(app.test_client())
    site = api.create_website(name="Copy", domain="example.com")
    [report] = _import(app, site["website_id"], [dump])
    assert (report.format, report.read, report.imported, dict(report.skipped)) == (
        "umami-lite", 17, 17, {})
    for table in ("pageview", "event", "session", "event_data"):
        assert count_rows(app, table) == count_rows(source_app, table), table
    for route, params, expected in CASES:
        original = source_api.get(f"/api/website/{source_site['website_id']}/{route}",
                                  query_string=params).json
        copied = api.get(f"/api/website/{site['website_id']}/{route}", query_string=params).json
        assert copied == original == expected, (route, params)
    clock.now = ms("2026-11-02 12:04:59")
    assert api.get(f"/api/website/{site['website_id']}/active").json == [{"x": 1}]
    # A second export of the copy is the same file, but for the session numbers.
    again = tmp_path / f"again.{fmt}"
    _export_file(app, site, again, fmt)
    assert len(again.read_text().splitlines()) == len(dump.read_text().splitlines())


def test_importing_twice_stores_once_and_csv_equals_jsonl(golden, app, api, tmp_path):  # noqa: F811
    source_app, _, _, source_site, _ = golden
    _export_file(source_app, source_site, tmp_path / "a.jsonl", "jsonl")
    _export_file(source_app, source_site, tmp_path / "a.csv", "csv")
    site = api.create_website()
    first = _import(app, site["website_id"], [tmp_path / "a.jsonl"])[0]
    assert first.imported == 17
    again = _import(app, site["website_id"], [tmp_path / "a.jsonl", tmp_path / "a.csv"])
    assert [(r.imported, dict(r.skipped)) for r in again] == [
        (0, {"already imported": 17}), (0, {"already imported": 17})]
    assert count_rows(app, "pageview") == 12 and count_rows(app, "session") == 5


def test_csv_formula_guard_is_undone_on_import(app, api, client, make_app, tmp_path):
    from test_export import HYPERLINK, formula_dataset
    source = api.create_website(name="Source", domain="example.com")
    formula_dataset(client, source["website_uuid"])
    _export_file(app, source, tmp_path / "a.csv", "csv")
    _export_file(app, source, tmp_path / "a.jsonl", "jsonl")
    copy_app = make_app(UMAMI_LITE_DATABASE=str(tmp_path / "copy.db"))
    copy = Api(copy_app.test_client()).create_website(name="Copy", domain="example.com")
    [report] = _import(copy_app, copy["website_id"], [tmp_path / "a.csv"])
    assert (report.imported, dict(report.skipped)) == (4, {})
    _export_file(copy_app, copy, tmp_path / "b.jsonl", "jsonl")
    original, copied = ([json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
                        for name in ("a.jsonl", "b.jsonl"))
    assert (original[0]["name"], copied[0]["name"]) == ("Source", "Copy")  # their websites
    original, copied = original[1:], copied[1:]
    assert copied == original and original[0]["url"] == HYPERLINK
    assert original[2]["page_title"] == "'already quoted" and original[2]["tag"] == "\rx"
    # the CSV and the JSON lines are the same rows: importing one after the other adds none
    [again] = _import(copy_app, copy["website_id"], [tmp_path / "a.jsonl"])
    assert (again.imported, dict(again.skipped)) == (0, {"already imported": 4})


def test_bad_rows_are_skipped_with_reasons_and_retention_applies(app, api, tmp_path):
    site = api.create_website()
    good = {"kind": "pageview", "created_at": "2026-05-01T10:00:00.000Z", "session": 7,
            "visit_id": 1, "url": "/"}
    lines = [good, {**good, "url": "/old", "created_at": "2020-01-01T00:00:00Z"},
             {**good, "kind": "visit"}, {**good, "created_at": "yesterday"},
             {**good, "kind": "event", "event_value": "x"}, {**good, "url": ""}]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n\n[1]\n")
    [report] = _import(app, site["website_id"], [path], cutoff=ms("2026-01-01 00:00:00"))
    assert report.read == 8 and report.imported == 1
    assert dict(report.skipped) == {
        "older than the website's retention": 1, "unknown kind": 1,
        "bad created_at or visit_id": 1, "event without a type or name": 1, "no url": 1,
        "not a JSON object": 2}
    assert count_rows(app, "pageview") == 1


def test_unknown_or_mismatched_files_store_nothing(app, api, tmp_path):
    site = api.create_website()
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b,c\n1,2,3\n")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"kind": "pageview", "created_at": "2026-05-01T10:00:00Z",
                                "session": 1, "url": "/"}) + "\n")
    with pytest.raises(importer.ImportFailed, match="no known layout"):
        _import(app, site["website_id"], [good, odd])
    with pytest.raises(importer.ImportFailed, match="a umami-lite file, not goatcounter"):
        _import(app, site["website_id"], [good], fmt="goatcounter")
    assert count_rows(app, "pageview") == 0


@pytest.mark.parametrize("name, content, message", [
    ("binary.csv", bytes(range(128, 256)) * 4, "not UTF-8 text"),
    ("fake.csv.gz", b"kind,created_at,session\n", "cannot read it: Not a gzipped file"),
    ("cut.jsonl.gz", gzip.compress(b'{"kind": "pageview"}\n' * 100)[:40],
     "cannot read it after * rows: Compressed file ended before the end-of-stream marker "
     "was reached (the rows of the batches stored before stay"),
])
def test_unreadable_file_is_one_line_naming_it(app, api, tmp_path, name, content, message):
    api.create_website()
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot_rows(app)
    with pytest.raises(SystemExit) as exited:
        cli.main(["--database", app.extensions["umami_lite"].database, "import", str(path),
                  "--website", "1"])
    first, _, rest = message.partition("*")  # * stands for the number of rows read
    assert exited.value.code.startswith(f"umami-lite: import failed: {path}: {first}")
    assert rest in exited.value.code
    assert "\n" not in exited.value.code
    assert snapshot_rows(app) == before


def test_cli_import_reports(app, api, tmp_path, capsys):
    site = api.create_website()
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"kind": "event", "created_at": "2026-05-01T10:00:00Z",
                                "session": 1, "url": "/", "event_type": "click",
                                "event_value": "go", "data": {"n": 1}}) + "\n")
    database = app.extensions["umami_lite"].database
    cli.main(["--database", database, "import", str(path), "--website", site["website_uuid"]])
    assert capsys.readouterr().out == (
        f"{path} (umami-lite): read 1, imported 1, skipped 0\n")
    cli.main(["--database", database, "import", str(path), "--website", "1"])
    assert "imported 0, skipped 1 (1 already imported)" in capsys.readouterr().out
    assert count_rows(app, "event_data") == 1
    with pytest.raises(SystemExit, match="import failed"):
        cli.main(["--database", database, "import", str(tmp_path / "none.csv"),
                  "--website", "1"])


def _vitals(app):
    """Returns the vitals rows with their session's distinct id (ids differ between files)."""
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        return conn.execute(
            "SELECT v.created_at, v.url_path, v.page_title, v.lcp, v.inp, v.cls, v.fcp, v.ttfb,"
            " s.distinct_id IS NOT NULL FROM vitals v JOIN session s USING (session_id)"
            " ORDER BY v.created_at").fetchall()
    finally:
        conn.close()


def test_vitals_rows_import_checked_and_old_exports_keep_their_row_keys(app, api, tmp_path):
    from umami_lite.ops import import_own
    site = api.create_website()
    sample = {"kind": "performance", "created_at": "2026-05-01T10:00:00.000Z", "session": 7,
              "visit_id": 1, "url": "/a", "page_title": "A", "lcp": 900.04, "cls": "0.1"}
    lines = [sample, {**sample, "lcp": -1}, {**sample, "cls": "many"},
             {**sample, "lcp": None, "cls": None}, {**sample, "url": ""}]
    path = tmp_path / "vitals.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    [report] = _import(app, site["website_id"], [path])
    assert report.imported == 1
    assert dict(report.skipped) == {"bad vitals": 2, "a vitals sample without any metric": 1,
                                    "no url": 1}
    assert _vitals(app) == [(ms("2026-05-01 10:00:00"), "/a", "A", 900.0, None, 0.1, None,
                             None, 0)]
    # the key of a row exported before the vitals columns existed, as it was then
    old = {"kind": "pageview", "created_at": "2026-05-01T10:00:00.000Z", "session": 7,
           "visit_id": 1, "url": "/", "session_data": {"b": 1, "a": "x"}}
    assert import_own._canonical(old) == json.dumps(
        ["pageview", "2026-05-01T10:00:00.000Z", "7", "1", "/", *[None] * 20,
         '{"a": "x", "b": 1}'])


def _current_api_dataset(client, clock, uuid):
    """Hits of the current API: titles, UTM, a tag, typed event properties, identify."""
    hour = 3_600_000
    clock.now = T0 - 2 * hour
    r = send(client, uuid, url="/docs?utm_source=news&utm_medium=mail", title="Docs",
             referrer="https://news.example.org/a", tag="blue")
    cache = r.json["cache"]
    clock.now += 60_000
    send(client, uuid, url="/docs", name="signup", cache=cache,
         data={"plan": "pro", "seats": 3, "trial": False, "ends": "2026-06-01T00:00:00Z"})
    send(client, uuid, kind="identify", cache=cache, data={"company": "ACME", "tier": 2})
    clock.now += 45 * 60_000
    send(client, uuid, url="/pricing", title="Pricing", cache=cache)  # a second visit
    clock.now = T0 - hour
    send(client, uuid, url="/", remote_addr="198.51.100.20", ua=FIREFOX_UA, id="user-7",
         title="Home", referrer="https://search.example/?q=x")
    send(client, uuid, url="/", name="play", remote_addr="198.51.100.20", ua=FIREFOX_UA,
         id="user-7", data={"video": {"id": "v1", "seconds": 12.5}})
    send(client, uuid, kind="performance", url="/?x=1", title="Home",
         remote_addr="198.51.100.20", ua=FIREFOX_UA, id="user-7", inp=48)
    clock.now = T0 - 2 * hour + 30_000
    send(client, uuid, kind="performance", url="/docs", title="Docs", cache=cache,
         lcp=1234.5, fcp=800, ttfb=2.7000000001862645, cls=0.01234)
    clock.now = T0


def test_round_trip_of_current_api_data(app, api, client, clock, make_app, tmp_path):
    from umami_lite.queries.current.metrics import METRICS
    source = api.create_website(name="Source", domain="example.com")
    _current_api_dataset(client, clock, source["website_uuid"])
    assert count_rows(app, "session_data") == 2 and count_rows(app, "event_data") == 6
    stats = api.get(f"/api/websites/{source['website_uuid']}/stats",
                    query_string={"startAt": T0 - 3 * 3_600_000, "endAt": T0}).json
    assert (stats["pageviews"], stats["visitors"], stats["visits"]) == (3, 2, 3)
    for fmt in export.FORMATS:
        dump = tmp_path / f"v2.{fmt}"
        _export_file(app, source, dump, fmt)
        copy_app = make_app(UMAMI_LITE_DATABASE=str(tmp_path / f"copy-{fmt}.db"))
        copy_api = Api(copy_app.test_client())
        copy = copy_api.create_website(name="Copy", domain="example.com")
        [report] = _import(copy_app, copy["website_id"], [dump])
        assert (report.imported, dict(report.skipped)) == (7, {})  # identify is no row
        for table in ("pageview", "event", "session", "event_data", "session_data", "vitals"):
            assert count_rows(copy_app, table) == count_rows(app, table), (fmt, table)
        assert _vitals(copy_app) == _vitals(app) == [
            (T0 - 2 * 3_600_000 + 30_000, "/docs", "Docs", 1234.5, None, 0.0123, 800.0, 2.7,
             0),
            (T0 - 3_600_000, "/", "Home", None, 48.0, None, None, None, 1)]
        body = {"filters": {}, "parameters": {"startDate": T0 - 3 * 3_600_000, "endDate": T0,
                                              "metric": "inp", "unit": "hour"}}
        answers = [side.post("/api/reports/performance",
                             json={**body, "websiteId": site["website_uuid"]}).json
                   for side, site in ((api, source), (copy_api, copy))]
        assert answers[0] == answers[1] and answers[0]["summary"]["count"] == 2
        window = {"startAt": T0 - 3 * 3_600_000, "endAt": T0}
        routes = [("stats", {}), ("pageviews", {"unit": "hour", "timezone": "UTC"}),
                  ("events/series", {"unit": "hour", "timezone": "UTC"}), ("active", {}),
                  ("event-data/events", {}), ("event-data/properties", {}),
                  ("event-data/values", {"event": "signup", "propertyName": "plan"})]
        routes += [("metrics", {"type": kind}) for kind in METRICS]
        for route, params in routes:
            original = api.get(f"/api/websites/{source['website_uuid']}/{route}",
                               query_string={**window, **params})
            copied = copy_api.get(f"/api/websites/{copy['website_uuid']}/{route}",
                                  query_string={**window, **params})
            assert original.status_code == 200, (route, original.json)
            assert copied.json == original.json, (fmt, route, params)


@pytest.mark.single_engine("counts commits with sqlite3's trace callback")
def test_a_re_import_commits_in_batches_too(golden, app, api, tmp_path, monkeypatch):  # noqa: F811
    """Skipped rows count toward a batch: a re-import must not hold the write lock for the
    whole file."""
    from umami_lite.ops import importing
    source_app, _, _, source_site, _ = golden
    _export_file(source_app, source_site, tmp_path / "a.jsonl", "jsonl")
    site = api.create_website()
    monkeypatch.setattr(importing, "BATCH_ROWS", 5)
    commits = []
    conn = db.connect(app.extensions["umami_lite"].database)
    conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    row = conn.execute("SELECT * FROM website WHERE website_id = ?", (site["website_id"],)
                       ).fetchone()
    try:
        for expected in (17, 0):
            commits.clear()
            [report] = importer.import_files(conn, row, [str(tmp_path / "a.jsonl")])
            assert report.imported == expected
            assert len(commits) == 4  # 17 rows: three full batches of 5, then the rest
    finally:
        conn.close()
