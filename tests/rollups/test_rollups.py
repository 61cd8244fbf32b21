"""Rollup-backed stats equal the raw-row (naive) answers, on a seeded random dataset.

The data is built by bench/generate.py (ingest's row builders + rollups.catch_up, in hour
transactions) and then extended through /api/collect with a moving clock: hits in already
summarized hours (late writes), in the current unsummarized hour, and after a gap. Every
stats route is compared with its raw_query twin over many ranges (hour-aligned or not),
time zones (whole-hour, DST, +5:30, +5:45, Lord Howe's 30-minute DST) and units.
"""
import importlib.util
import os
import random
import sqlite3

import pytest
from conftest import event, pageview

from umami_lite.storage import connection as db, sites
from umami_lite.ingest import replay as journal_store
from umami_lite.rollups import build as rollups
from umami_lite.queries.metrics import METRICS, referrer, url
from umami_lite.queries.metrics import event as event_metric
from umami_lite.queries import events, pageviews, summary
from umami_lite.queries.current import metrics as current_metrics
from umami_lite.queries.current import series as current_series
from umami_lite.queries.current import stats as current_stats
from umami_lite.queries.filters import Filter, Query

ROOT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "..")
HOUR = 3_600_000
# 2026-11-02T12:00:00Z: twelve days of data span the end of US daylight time (Nov 1) and
# cover the whole rollup week of hours 497,952 to 498,119 since the epoch.
END = 1_793_620_800_000
DAYS = 12
START = END - DAYS * 24 * HOUR
# urls busy in the generated data: with per-url week rows ("/" and "/help/how-item-4") and
# without (hour rows only)
HOT_URLS = ("/", "/help/how-item-4", "/events/new-item-8")
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
         "Europe/Berlin")


def _load_generate():
    spec = importlib.util.spec_from_file_location(
        "bench_generate", os.path.join(ROOT, "bench", "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Returns (path, website row) of a generated database extended through /api/collect."""
    from conftest import ADMIN_PASSWORD, Clock

    from umami_lite import create_app
    path = str(tmp_path_factory.mktemp("rollups") / "data.db")
    os.environ.setdefault("UMAMI_LITE_ADMIN_PASSWORD", ADMIN_PASSWORD)
    website = _load_generate().generate(path, 6000, DAYS, seed=7, now=END)
    clock = Clock(END)
    app = create_app({"UMAMI_LITE_DATABASE": path, "UMAMI_LITE_CLOCK": clock,
                      "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD, "TESTING": True})
    client = app.test_client()
    rng = random.Random(3)
    uuid = website["website_uuid"]
    # late writes into summarized hours, then the current hour, then a new hour after a gap
    moments = ([START + rng.randrange(DAYS * 24 * HOUR - 2 * HOUR) for _ in range(40)]
               + [END + rng.randrange(HOUR // 2) for _ in range(20)]
               + [END + 5 * HOUR + rng.randrange(HOUR) for _ in range(20)])
    for index, moment in enumerate(moments):
        clock.now = moment
        ip = f"198.51.100.{rng.randrange(1, 40)}"
        late_url = HOT_URLS[index % 3] if index % 4 == 0 else f"/late/{index % 7}"
        assert pageview(client, uuid, url=late_url, ip=ip,
                        referrer="https://late.example.org/x").status_code == 200
        if index % 3 == 0:
            assert event(client, uuid, f"late-{index % 4}", ip=ip).status_code == 200
    journal_store.apply_pending(path)  # the tests read the file itself
    return path, dict(website)


def _ranges(rng):
    """Returns (start, end) pairs: aligned, unaligned, tiny, empty, whole and partial."""
    ranges = [(START - HOUR, END + 7 * HOUR), (START, END - 1), (START + 1, END + 6 * HOUR),
              (END - HOUR, END + HOUR // 3), (END + 5 * HOUR, END + 5 * HOUR + 10),
              (START - 10 * HOUR, START - HOUR), (START + 25 * HOUR, START + 49 * HOUR - 1)]
    for _ in range(14):
        a = rng.randrange(START - 2 * HOUR, END + 7 * HOUR)
        b = rng.randrange(a, END + 8 * HOUR)
        if rng.random() < 0.4:
            a, b = a - a % HOUR, b - b % HOUR - 1 if b - b % HOUR > a else b
        ranges.append((a, b))
    return ranges


def _answers(conn, website, q, unit, tz):
    """Returns {name: (fast, raw)} for every stats query of q."""
    found = {
        "stats": (summary.query(conn, q), summary.raw_query(conn, q)),
        "pageviews": (pageviews.query(conn, q, unit, tz), pageviews.raw_query(conn, q, unit, tz)),
        "events": (events.query(conn, q, unit, tz), events.raw_query(conn, q, unit, tz)),
    }
    for module, name in ((url, "url"), (referrer, "referrer"), (event_metric, "event")):
        found[name] = (module.query(conn, q, website), module.raw_query(conn, q, website))
    for column in ("browser", "os", "device", "country", "language", "screen"):
        metric = METRICS[column]
        found[column] = (metric(conn, q, website), metric.raw_query(conn, q, website))
    return found


def test_rollups_were_built(dataset):
    path, website = dataset
    conn = db.connect(path, readonly=True)
    done = rollups.done_hour(conn, website["website_id"])
    assert done == (END + 5 * HOUR) // HOUR - 1
    assert conn.execute("SELECT count(*) FROM rollup_time WHERE span = 24").fetchone()[0] >= 2
    assert conn.execute("SELECT count(*) FROM rollup_time WHERE span = 168").fetchone()[0] >= 1
    assert conn.execute("SELECT count(*) FROM rollup_attr").fetchone()[0] > 10
    per_url = dict(conn.execute(
        "SELECT k.a || ' ' || t.span, count(*) FROM rollup_time t JOIN rollup_key k"
        " ON k.key_id = t.url_key WHERE t.span > 1 GROUP BY 1").fetchall())
    # the whole week of the data: a row for the urls with pageviews in a third of its hours
    assert per_url["/ 168"] == per_url["/help/how-item-4 168"] == 1, per_url
    assert "/events/new-item-8 168" not in per_url and "/late/3 168" not in per_url
    assert not any(key.endswith(" 24") for key in per_url)
    assert conn.execute("SELECT count(*) FROM rollup_count WHERE url_key != 0 AND span = 168"
                        " AND kind = ?", (rollups.KIND_CODES["referrer"],)).fetchone()[0] > 0
    single = "SELECT count(*) FROM rollup_time WHERE typeof(sessions) = 'integer'"
    assert conn.execute(single).fetchone()[0] > 100  # one session: its id, not a bitmap
    single = "SELECT count(*) FROM rollup_count WHERE typeof(keys) = 'integer'"
    assert conn.execute(single).fetchone()[0] > 100  # one key: its id and count, no arrays


@pytest.mark.parametrize("tz", ZONES)
def test_rollup_answers_equal_raw_rows(dataset, tz):
    path, website = dataset
    conn = db.connect(path, readonly=True)
    rng = random.Random(tz)
    units = ("hour", "day", "month", "year", "minute")
    compared = 0
    for index, (start, end) in enumerate(_ranges(rng)):
        unit = units[index % len(units)] if (end - start) < 20 * HOUR or index % 5 else "hour"
        if unit == "minute" and end - start > 6 * HOUR:
            unit = "day"
        q = Query(website["website_id"], start, end)
        for name, (fast, raw) in _answers(conn, website, q, unit, tz).items():
            assert fast == raw, (name, tz, unit, start, end)
            compared += bool(raw)
    assert compared > 100  # most comparisons have data


def _current_answers(conn, website, q, unit, tz):
    """Returns {name: (fast, raw)} for the current API's unfiltered queries of q."""
    answers = {"current stats": (current_stats.query(conn, q), current_stats.raw_query(conn, q))}
    for kind in ("path", "entry", "exit", "referrer"):
        for limit, offset in ((500, 0), (10, 5)):
            answers[f"current {kind} {limit} {offset}"] = (
                current_metrics.query(conn, q, website, kind, limit, offset),
                current_metrics.raw_query(conn, q, website, kind, limit, offset))
    return answers


@pytest.mark.parametrize("tz", ZONES)
def test_current_api_answers_equal_raw_rows(dataset, tz):
    path, website = dataset
    conn = db.connect(path, readonly=True)
    compared = 0
    for index, (start, end) in enumerate(_ranges(random.Random(tz))):
        q = Query(website["website_id"], start, end)
        for name, (fast, raw) in _current_answers(conn, website, q, "day", tz).items():
            assert fast == raw, (name, tz, start, end)
            compared += name == "current stats" and raw["pageviews"] > 0
    assert compared > 10


def _session_filters(conn):
    """Returns filter tuples on session columns only, from values the dataset has."""
    def top(column, rank=0):
        return conn.execute(f"SELECT {column} FROM session WHERE {column} IS NOT NULL"
                            f" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1 OFFSET ?",
                            (rank,)).fetchone()[0]
    country, browser, os_name = top("country"), top("browser"), top("os")
    return [
        (Filter("country", "eq", (country,)),),
        (Filter("country", "neq", (country,)),),
        (Filter("browser", "eq", (browser, top("browser", 1))),),
        (Filter("os", "neq", (os_name,)),),
        (Filter("device", "eq", (top("device"),)),),
        (Filter("screen", "eq", (top("screen"),)),),
        (Filter("language", "eq", (top("lower(substr(language, 1, 2))"),)),),
        (Filter("hostname", "eq", (top("hostname"),)),),
        (Filter("distinct_id", "neq", ("nobody",)),),
        (Filter("country", "c", (country[:1],)),),
        (Filter("country", "eq", ("ZZ",)),),      # no session
        (Filter("country", "eq", (country,)), Filter("browser", "neq", (browser,))),
        (Filter("country", "neq", (country,)), Filter("device", "eq", (top("device"),)),
         Filter("os", "eq", (os_name,))),
    ]


SESSION_FILTERED_KINDS = ("path", "entry", "exit", "referrer", "browser", "os", "device",
                          "country", "screen")


def test_session_filters_read_summaries_and_equal_raw_rows(dataset, monkeypatch):
    """Metrics of the visitor sets and session attributes under filters on session columns
    read the summaries (raw_query is not called) and give the raw-row answers."""
    path, website = dataset
    conn = db.connect(path, readonly=True)
    ranges = [(START - HOUR, END + 7 * HOUR), (START + 1234, END + 6 * HOUR),
              (START + 30 * HOUR, START + 9 * 24 * HOUR - 1), (END - HOUR, END + HOUR // 3)]
    expected, compared = {}, 0
    cases = [(filters, start, end, kind, limit, offset)
             for filters in _session_filters(conn) for start, end in ranges
             for kind in SESSION_FILTERED_KINDS for limit, offset in ((500, 0), (3, 2))]
    for case in cases:
        filters, start, end, kind, limit, offset = case
        q = Query(website["website_id"], start, end, filters)
        expected[case] = current_metrics.raw_query(conn, q, website, kind, limit, offset)
        compared += bool(expected[case])

    def refused(*args, **kwargs):
        raise AssertionError("raw rows read")
    monkeypatch.setattr(current_metrics, "raw_query", refused)
    for case in cases:
        filters, start, end, kind, limit, offset = case
        q = Query(website["website_id"], start, end, filters)
        assert current_metrics.query(conn, q, website, kind, limit, offset) == expected[case], \
            case
    assert compared > len(cases) // 2


LOCAL_LABELS = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d", "month": "%Y-%m-01"}


def _timed(conn, q, tz, fast=True):
    """Returns [(unit, pageviews answer, events/series answer)] of q in zone tz, from the
    routes' functions or from raw rows."""
    if fast:
        pageviews, events = current_series.pageviews, current_series.events
    else:
        pageviews, events = current_series.raw_pageviews, current_series.raw_events
    return [(unit, pageviews(conn, q, unit, tz, LOCAL_LABELS),
             events(conn, q, unit, tz, LOCAL_LABELS)) for unit in ("hour", "day", "month")]


@pytest.mark.parametrize("tz", ("America/New_York", "Asia/Kathmandu", "UTC"))
def test_session_filters_stats_pageviews_and_events_read_summaries(dataset, monkeypatch, tz):
    """/stats, pageviews, events/series and the event metric under filters on session
    columns read the summaries (the raw-row functions are not called) and give the raw-row
    answers."""
    path, website = dataset
    conn = db.connect(path, readonly=True)
    ranges = [(START - HOUR, END + 7 * HOUR), (START + 1234, END + 6 * HOUR),
              (START + 30 * HOUR, START + 9 * 24 * HOUR - 1), (END - HOUR, END + HOUR // 3),
              (START + 25 * HOUR + 17, START + 26 * HOUR + 5)]
    queries = [Query(website["website_id"], start, end, filters)
               for filters in _session_filters(conn) for start, end in ranges]
    def events(q, read):
        return [read(conn, q, website, "event", limit, offset) for limit, offset in
                ((500, 0), (2, 1))]
    expected = [(current_stats.raw_query(conn, q), _timed(conn, q, tz, False),
                 events(q, current_metrics.raw_query)) for q in queries]
    assert sum(stats["pageviews"] > 0 for stats, _, _ in expected) > len(queries) // 2
    assert sum(bool(found[0]) for _, _, found in expected) > len(queries) // 2

    def refused(*args, **kwargs):
        raise AssertionError("raw rows read")
    monkeypatch.setattr(current_stats, "raw_query", refused)
    monkeypatch.setattr(current_series, "raw_pageviews", refused)
    monkeypatch.setattr(current_series, "raw_events", refused)
    monkeypatch.setattr(current_metrics, "raw_query", refused)
    for q, answers in zip(queries, expected):
        assert (current_stats.query(conn, q), _timed(conn, q, tz),
                events(q, current_metrics.query)) == answers, (q.filters, q.start, q.end)


def test_other_filters_and_no_summaries_read_raw_rows(dataset, tmp_path):
    """A filter on a hit column beside a session one, an event filter, a search, minute
    buckets, and a website without summaries keep the raw-row answers."""
    path, website = dataset
    conn = db.connect(path, readonly=True)
    country = _session_filters(conn)[0]
    q = Query(website["website_id"], START, END + 6 * HOUR,
              (*country, Filter("path", "eq", ("/",))))
    for kind in ("path", "entry", "browser", "event"):
        assert current_metrics.query(conn, q, website, kind, 500, 0) == \
            current_metrics.raw_query(conn, q, website, kind, 500, 0)
    named = conn.execute("SELECT event_value FROM event LIMIT 1").fetchone()[0]
    q = Query(website["website_id"], START, END + 6 * HOUR,
              (*country, Filter("event", "eq", (named,))))
    for kind in ("event", "country"):
        assert current_metrics.query(conn, q, website, kind, 500, 0) == \
            current_metrics.raw_query(conn, q, website, kind, 500, 0)
    assert current_stats.query(conn, q) == current_stats.raw_query(conn, q)
    assert _timed(conn, q, "UTC") == _timed(conn, q, "UTC", False)
    q = Query(website["website_id"], START, END + 6 * HOUR, country)
    assert current_metrics.query(conn, q, website, "path", 500, 0, search="help") == \
        current_metrics.raw_query(conn, q, website, "path", 500, 0, search="help")
    mixed = Query(q.website_id, q.start, q.end, (*country, Filter("path", "eq", ("/",))))
    assert current_stats.query(conn, mixed) == current_stats.raw_query(conn, mixed)
    assert _timed(conn, mixed, "Asia/Kolkata") == _timed(conn, mixed, "Asia/Kolkata", False)
    for fast, raw in ((current_series.pageviews, current_series.raw_pageviews),
                      (current_series.events, current_series.raw_events)):
        assert fast(conn, q, "minute", "UTC", {"minute": "%H:%M"}) == \
            raw(conn, q, "minute", "UTC", {"minute": "%H:%M"})
    copy = _copy(path, tmp_path)
    bare = sqlite3.connect(copy)
    for table in ("rollup_state", "rollup_time", "rollup_attr", "rollup_pair"):
        bare.execute(f"DELETE FROM {table}")
    bare.commit()
    bare.close()
    conn = db.connect(copy, readonly=True)
    for kind in ("path", "exit", "country", "browser"):
        found = current_metrics.query(conn, q, website, kind, 500, 0)
        assert found == current_metrics.raw_query(conn, q, website, kind, 500, 0)
        assert found != current_metrics.raw_query(
            conn, Query(q.website_id, q.start, q.end), website, kind, 500, 0)
    everything = Query(q.website_id, q.start, q.end)
    found = current_stats.query(conn, q)
    assert found == current_stats.raw_query(conn, q) != current_stats.raw_query(conn, everything)
    found = _timed(conn, q, "Europe/Berlin")
    assert found == _timed(conn, q, "Europe/Berlin", False) != \
        _timed(conn, everything, "Europe/Berlin", False)


@pytest.mark.parametrize("tz", ("America/New_York", "Asia/Kolkata"))
def test_url_filter_answers_equal_raw_rows(dataset, tz):
    """Urls with week rows, hour rows only, and none at all."""
    path, website = dataset
    conn = db.connect(path, readonly=True)
    top = conn.execute("SELECT url FROM pageview GROUP BY url ORDER BY count(*) DESC"
                       " LIMIT 1").fetchone()[0]
    assert top == HOT_URLS[0]
    ranges = [(START + 1234, END + 6 * HOUR), (START - HOUR, END + 7 * HOUR),
              (START + 30 * HOUR, START + 9 * 24 * HOUR - 1),
              (START + 50 * HOUR + 5, START + 80 * HOUR)]
    for value in (*HOT_URLS, "/late/3", "/nowhere"):
        for index, (start, end) in enumerate(ranges):
            q = Query(website["website_id"], start, end, (Filter("url", "eq", (value,)),))
            unit = ("day", "hour", "month", "day")[index]
            for name, (fast, raw) in _answers(conn, website, q, unit, tz).items():
                assert fast == raw, (name, value, start, end)
    expected = sqlite3.connect(path).execute(
        "SELECT count(*) FROM pageview WHERE url = ?", (top,)).fetchone()[0]
    q = Query(website["website_id"], 0, END + 10 * HOUR, (Filter("url", "eq", (top,)),))
    assert summary.query(conn, q)["pageviews"] == expected


def test_url_filter_reads_the_urls_week_rows(dataset, tmp_path):
    """A url's own week row is read (the tests above check what it holds)."""
    path, website = dataset
    copy = _copy(path, tmp_path)
    q = Query(website["website_id"], START - HOUR, END + 7 * HOUR, (Filter("url", "eq", ("/",)),))
    before = summary.query(db.connect(copy, readonly=True), q)["pageviews"]
    conn = sqlite3.connect(copy)
    key = conn.execute("SELECT key_id FROM rollup_key WHERE kind = 'url' AND a = '/'").fetchone()[0]
    with conn:
        changed = conn.execute("UPDATE rollup_time SET views = views + 1000 WHERE url_key = ?"
                               " AND span > 1", (key,)).rowcount
    assert changed == 1
    assert summary.query(db.connect(copy, readonly=True), q)["pageviews"] == before + 1000


def test_summaries_match_a_fresh_rebuild(dataset, tmp_path):
    """Summaries kept up to date incrementally equal ones rebuilt from scratch."""
    path, website = dataset
    copy = str(tmp_path / "copy.db")
    source = sqlite3.connect(path)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.execute("DELETE FROM rollup_time")
    target.execute("DELETE FROM rollup_count")
    target.execute("DELETE FROM rollup_attr")
    target.execute("DELETE FROM rollup_state")
    target.execute("DELETE FROM rollup_visit")
    target.execute("DELETE FROM rollup_cross")
    target.execute("DELETE FROM rollup_pair")
    target.commit()
    target.close()
    conn = db.connect(copy)
    with db.transaction(conn):
        rollups.catch_up(conn, website["website_id"], END + 5 * HOUR)
    original = db.connect(path, readonly=True)
    for table, columns in (("rollup_time",
                            "url_key, span, hour, views, bounces, totaltime, sessions"),
                           ("rollup_count", "kind, url_key, span, hour, keys, counts"),
                           ("rollup_attr", "attr, value, sessions"),
                           ("rollup_visit", "span, hour, visits, bounces, totaltime, pieces"),
                           ("rollup_cross", "home, session_id, visit_id, hour"),
                           ("rollup_pair", "kind, span, hour, pairs")):
        sql = f"SELECT {columns} FROM {table} ORDER BY {columns.split(', sessions')[0]}"
        assert conn.execute(sql).fetchall() == original.execute(sql).fetchall(), table


def test_reset_deletes_rollups(dataset, tmp_path):
    path, website = dataset
    copy = str(tmp_path / "copy.db")
    source = sqlite3.connect(path)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    conn = db.connect(copy)
    with db.transaction(conn):
        sites.reset(conn, website["website_id"])
    for table in rollups.TABLES:
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_prune_keeps_rollups_equal_to_raw_rows(dataset, tmp_path):
    from umami_lite.ops import retention
    path, website = dataset
    copy = str(tmp_path / "copy.db")
    source = sqlite3.connect(path)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    conn = db.connect(copy)
    cutoff = START + 30 * HOUR + 1234
    retention.prune_website(conn, website["website_id"], cutoff, pause=0)
    assert conn.execute("SELECT count(*) FROM pageview WHERE created_at < ?",
                        (cutoff,)).fetchone()[0] == 0
    compared = 0
    for start, end in ((START - HOUR, END + 7 * HOUR), (cutoff - 5 * HOUR, cutoff + 30 * HOUR)):
        q = Query(website["website_id"], start, end)
        answers = {**_answers(conn, website, q, "day", "Asia/Kolkata"),
                   **_current_answers(conn, website, q, "day", "Asia/Kolkata")}
        for name, (fast, raw) in answers.items():
            assert fast == raw, name
            compared += bool(raw)
    assert compared > 10


def _copy(path, tmp_path):
    copy = str(tmp_path / "copy.db")
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    return copy


@pytest.mark.parametrize("older", [None, "6", "7", "8", "9", "10"])
def test_start_keeps_current_summaries_and_drops_older_ones(dataset, tmp_path, older):
    """Summaries of an older format (no rollup_format setting; format 6, whose visitor sets
    were roaring bitmaps; format 7, without per-session tallies; format 8, without event
    tallies; format 9, without first-seen counts; format 10, without them for entry) are
    dropped at start."""
    path, website = dataset
    copy = _copy(path, tmp_path)
    count = "SELECT count(*) FROM rollup_time"
    before = sqlite3.connect(copy).execute(count).fetchone()[0]
    db.init_db(copy).close()
    assert sqlite3.connect(copy).execute(count).fetchone()[0] == before > 0
    old = sqlite3.connect(copy)
    old.execute("DELETE FROM setting WHERE key = 'rollup_format'")
    if older:
        old.execute("INSERT INTO setting (key, value) VALUES ('rollup_format', ?)", (older,))
    old.commit()
    old.close()
    db.init_db(copy).close()
    conn = db.connect(copy, readonly=True)
    for table in ("rollup_time", "rollup_count", "rollup_attr", "rollup_visit", "rollup_cross",
                  "rollup_pair", "rollup_first", "rollup_trail", "rollup_state"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert db.get_setting(conn, "rollup_format") == "11"
    q = Query(website["website_id"], START - HOUR, END + 7 * HOUR)
    for name, (fast, raw) in _answers(conn, website, q, "day", "Europe/Berlin").items():
        assert fast == raw, name


def _week_url_rows(conn):
    return dict(conn.execute("SELECT url_key, views FROM rollup_time WHERE span = ?"
                             " AND url_key != 0", (rollups.WEEK_HOURS,)).fetchall())


def test_only_the_busiest_urls_get_week_rows(dataset, tmp_path, monkeypatch):
    """HOT_URLS_MAX bounds the write that completes a week; the other urls read hours."""
    path, website = dataset
    copy = _copy(path, tmp_path)
    conn = db.connect(copy)
    assert len(_week_url_rows(conn)) > 1
    for table in ("rollup_time", "rollup_count", "rollup_attr", "rollup_state"):
        conn.execute(f"DELETE FROM {table}")
    monkeypatch.setattr(rollups, "HOT_URLS_MAX", 1)
    with db.transaction(conn):
        rollups.catch_up(conn, website["website_id"], END + 5 * HOUR)
    top = conn.execute("SELECT key_id FROM rollup_key WHERE kind = 'url' AND a = ?",
                       (HOT_URLS[0],)).fetchone()[0]
    assert list(_week_url_rows(conn)) == [top]
    for value in HOT_URLS[:2]:
        q = Query(website["website_id"], START - HOUR, END + 7 * HOUR,
                  (Filter("url", "eq", (value,)),))
        for name, (fast, raw) in _answers(conn, website, q, "day", "UTC").items():
            assert fast == raw, (name, value)


def test_a_late_hit_rewrites_only_its_own_urls_week_row(dataset, tmp_path, make_app, clock):
    """A collect into a summarized week rewrites the week rows of its url, not of every
    busy url (at 10 M that was seconds under the write lock)."""
    path, website = dataset
    copy = _copy(path, tmp_path)
    conn = sqlite3.connect(copy)
    keys = dict(conn.execute("SELECT a, key_id FROM rollup_key WHERE kind = 'url'"
                             " AND a IN (?, ?)", HOT_URLS[:2]))
    with conn:  # mark both rows: a rewrite from the hours drops the mark
        conn.execute("UPDATE rollup_time SET views = views + 1000 WHERE span = ?"
                     " AND url_key != 0", (rollups.WEEK_HOURS,))
    before = _week_url_rows(conn)
    app = make_app(UMAMI_LITE_DATABASE=copy)
    clock.now = START + 3 * 24 * HOUR + 5  # inside the summarized week
    assert pageview(app.test_client(), website["website_uuid"], url=HOT_URLS[1]).status_code == 200
    after = _week_url_rows(conn)
    assert after[keys[HOT_URLS[0]]] == before[keys[HOT_URLS[0]]]            # untouched
    assert after[keys[HOT_URLS[1]]] == before[keys[HOT_URLS[1]]] - 1000 + 1  # rewritten
