"""Every request the real current trackers sent (../shared/fixtures) is accepted and counted."""
import json
from pathlib import Path

import pytest
from conftest import CHROME_UA, T0, add_website, count_rows, open_stored

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
WEBSITE_UUID = "8f5b3d4e-2c1a-4b7e-9d3f-6a5c4b3a2f10"
FILES = ("v2.jsonl", "v2.20.jsonl")


def load(name):
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"{path} is not there (shared/ sits beside the repository)")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def replay(client, records):
    """Sends each recorded request; returns [(record, response)].

    Cache tokens in the recording are the imitation server's: each is mapped to the token
    umami-lite answered for the same request, so the round trip is ours end to end.
    """
    ours = {}
    results = []
    for record in records:
        headers = dict(record.get("headers") or [])
        if record["method"] == "OPTIONS":
            r = client.options(record["path"], headers=headers)
            results.append((record, r))
            continue
        send_headers = {"User-Agent": headers.get("User-Agent", CHROME_UA),
                        "Content-Type": headers.get("Content-Type", "application/json"),
                        "Origin": record.get("origin") or ""}
        if record.get("x_umami_cache"):
            send_headers["x-umami-cache"] = ours.get(record["x_umami_cache"], "")
        r = client.post(record["path"], data=record["body_raw"], headers=send_headers)
        results.append((record, r))
        recorded = record.get("response", {}).get("body")
        if recorded and r.status_code == 200 and "cache" in r.json:
            ours[json.loads(recorded)["cache"]] = r.json["cache"]
    return results


def is_bot(record):
    return "HeadlessChrome" in dict(record.get("headers") or []).get("User-Agent", "")


def expected_counts(records):
    """Returns (pageviews, custom events) the requests should leave behind."""
    bodies = [json.loads(r["body_raw"]) for r in records
              if r["method"] == "POST" and not is_bot(r)]
    views = sum(1 for b in bodies if b["type"] == "event" and not b["payload"].get("name"))
    events = sum(1 for b in bodies if b["type"] == "event" and b["payload"].get("name"))
    return views, events


@pytest.mark.parametrize("name", FILES)
def test_every_recorded_request_is_accepted_and_counted(app, client, api, name):
    records = load(name)
    add_website(app, WEBSITE_UUID, domain="127.0.0.1")
    results = replay(client, records)
    for record, r in results:
        where = f"{record['scenario']} seq {record.get('seq')}"
        if record["method"] == "OPTIONS":
            assert r.status_code == 204, where
            assert r.headers["Access-Control-Allow-Origin"] == "*", where
            continue
        assert r.status_code == 200, (where, r.get_data(as_text=True))
        if is_bot(record):
            assert r.json == {"beep": "boop"}
        else:
            assert set(r.json) == {"cache", "sessionId", "visitId"}, where
    views, events = expected_counts(records)
    assert (count_rows(app, "pageview"), count_rows(app, "event")) == (views, events)
    v1 = api.get(f"/api/website/{WEBSITE_UUID}/stats",
                 query_string={"start_at": T0 - 1000, "end_at": T0 + 1000}).json
    assert v1["pageviews"] == views
    assert count_rows(app, "session_data") == 2  # identify: {plan}, then {email}
    assert count_rows(app, "vitals") == (1 if name == "v2.jsonl" else 0)  # e8-performance


def test_fixture_counts_are_what_the_reports_show():
    """Counted in the reports, so a wrong parser cannot pass.

    v2.report.txt: 52 `type:"event"` bodies reached the recorder, 21 with a name, plus the
    2 that the browser blocked (credentials + `*`; replayed here too), one with a name.
    v2.20.report.txt: 50 event bodies, 21 with a name.
    """
    assert expected_counts(load("v2.jsonl")) == (31 + 1, 21 + 1)
    assert expected_counts(load("v2.20.jsonl")) == (29, 21)


def test_the_performance_scenario_stores_its_vitals_sample(app, client, api):
    """e8-performance: a pageview, a sample (ttfb with float noise, fcp, lcp; no inp or
    cls), the SPA's second pageview, then the pagehide beacon: sent with the HeadlessChrome
    user agent (dropped as a bot) and carrying no metric, only duration."""
    records = [r for r in load("v2.jsonl") if r["scenario"] == "e8-performance"]
    assert [json.loads(r["body_raw"])["type"] for r in records] == [
        "event", "performance", "event", "performance"]
    add_website(app, WEBSITE_UUID, domain="127.0.0.1")
    results = replay(client, records)
    assert [r.status_code for _, r in results] == [200] * 4
    assert results[3][1].json == {"beep": "boop"}
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        vitals = conn.execute("SELECT url_path, page_title, lcp, inp, cls, fcp, ttfb,"
                              " session_id, visit_id FROM vitals").fetchall()
        views = conn.execute("SELECT DISTINCT session_id, visit_id FROM pageview").fetchall()
    finally:
        conn.close()
    assert [row[:7] for row in vitals] == [
        ("/p/v2/e8-performance/p.html", "Perf", 92.0, None, None, 92.0, 2.7)]
    assert [row[7:] for row in vitals] == views  # the pageviews' session and visit
    assert results[1][1].json["visitId"] == results[0][1].json["visitId"]
