"""The current API's answers from summaries equal the raw-row answers, on random datasets.

Hypothesis draws rows of a few sessions over 30 hours: visits that cross hours and days
with any gaps, visit ids far from their rows (as imports may store them), and writes them
in a random order in batches, each followed by rollups.catch_up (so many are late writes
into summarized hours, and some visits get rows after their home hour was summarized), with
or without the visits of the rows. Every query (/stats; the metrics path, entry, exit and
referrer, whole and paged; /stats and pageviews under filters on session columns, which
must not read raw rows; sessions/weekly in whole-hour zones, also under those filters)
then runs from summaries and from raw rows over random ranges, hour-aligned or not.
"""
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from umami_lite.ingest import record as ingest
from umami_lite.ingest import rows as ingest_rows
from umami_lite.ops import retention
from umami_lite.queries.current import metrics, series, stats, weekly
from umami_lite.queries.filters import Filter, Query
from umami_lite.rollups import build as rollups
from umami_lite.rollups import firsts
from umami_lite.rollups import read as rollup_read
from umami_lite.storage import connection as db, sites

HOUR = 3_600_000
T = 1_790_208_000_000 - 2 * HOUR    # 22:00 UTC, two hours before a UTC day and a week end
SPAN = 30 * HOUR                     # and a whole day after them
PATHS = ("/", "/a", "/b?x=1", "/c/d", "/e", "/b", "?q=1")  # the last one's path is ''
# filters on session columns (see _visitor(): sessions 1 to 4 have rows)
SESSION_FILTERS = ((Filter("country", "eq", ("DE",)),), (Filter("browser", "neq", ("Chrome",)),),
                   (Filter("country", "neq", ("US",)), Filter("hostname", "eq", ("example.com",))))
LABELS = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d"}



def _visitor(index):
    return ingest.Visitor(ip="", user_agent="", hostname="example.com" if index % 3 else "b.org",
                          browser=("Chrome", "Firefox")[index % 2], os="Linux",
                          device="desktop", screen="1920x1080", language="en-US",
                          country=("DE", "US", "FR")[index % 3])


row_strategy = st.tuples(
    st.integers(1, 4),                          # session
    st.integers(0, 2),                          # which of the session's visits
    st.one_of(st.integers(0, 90), st.integers(-600, 1800)),  # minutes after the visit start
    st.integers(0, 59_999),                     # and ms
    st.integers(0, len(PATHS) - 1),
    st.integers(0, 3))                          # referrer
# each session's three visits start at these minutes after T; a visit's rows mostly come
# within 90 minutes, some far before or after (as imported visits may have them)
starts_strategy = st.lists(st.integers(-90, SPAN // 60_000), min_size=12, max_size=12)


def _build(path, rows, order_seed, batches, with_visits, starts=(0,) * 12, in_order=False):
    """Writes rows (session, visit, minutes, ms, path, referrer) in batches, shuffled (or in
    time order); returns the website row."""
    db.prepare(path, "pw-1234567890")
    conn = db.connect(path)
    with db.transaction(conn):
        admin = conn.execute("SELECT user_id FROM account").fetchone()[0]
        website = dict(sites.create(conn, admin, "Site", "example.com"))
        for index in range(1, 7):
            conn.execute(ingest_rows.INSERT_SESSION, (index, *ingest_rows.session_values(
                website["website_id"], bytes([index]) * 16, T, _visitor(index))))
    values = []
    for session, which, minutes, ms, page, referrer in rows:
        visit = T // 60_000 + starts[3 * (session - 1) + which]
        at = min(max(T, (visit + minutes) * 60_000 + ms), T + SPAN - 1)
        hit = ingest.Hit("pageview", PATHS[page], at, referrer=(
            None, "https://www.google.com/x", "https://example.com/y", "https://b.org/")[referrer])
        values.append(ingest_rows.pageview_values(website["website_id"], session, visit, hit))
    if in_order:
        values.sort(key=lambda row: row[3])
    else:
        random.Random(order_seed).shuffle(values)
    size = max(1, len(values) // batches)
    for start in range(0, len(values), size):
        _insert(conn, website, values[start:start + size], with_visits)
    conn.close()
    return website


def _insert(conn, website, values, with_visits):
    """Writes pageview rows and catches the summaries up, as one write transaction (with
    the rows' visits named, as ingest names them, or left for the writer to find)."""
    with db.transaction(conn):
        ingest_rows.insert_pageviews(conn, values)
        rollups.catch_up(conn, website["website_id"], [row[3] for row in values],
                         visits_of=[(row[1], row[2]) for row in values] if with_visits
                         else None)


def _ranges(rng):
    ranges = [(T, T + SPAN), (T - HOUR, T + 2 * SPAN), (T + 2 * HOUR, T + 5 * HOUR - 1),
              (T + 2 * HOUR + 1, T + 26 * HOUR)]
    for _ in range(12):
        a = rng.randrange(T - HOUR, T + SPAN)
        b = rng.randrange(a, T + SPAN + HOUR)
        if rng.random() < 0.5:
            a, b = a - a % HOUR, b - b % HOUR + HOUR - 1
        ranges.append((a, b))
    return ranges


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(row_strategy, min_size=1, max_size=120), starts=starts_strategy,
       order_seed=st.integers(0, 99), batches=st.integers(1, 12), with_visits=st.booleans())
def test_current_api_from_summaries_equals_raw_rows(tmp_path_factory, rows, starts, order_seed,
                                             batches, with_visits):
    path = str(tmp_path_factory.mktemp("current") / "data.db")
    website = _build(path, rows, order_seed, batches, with_visits, starts)
    conn = db.connect(path, readonly=True)
    rng = random.Random(order_seed)
    for start, end in _ranges(rng):
        q = Query(website["website_id"], start, end)
        assert stats.query(conn, q) == stats.raw_query(conn, q), (start - T, end - T)
        for kind in ("path", "entry", "exit", "referrer"):
            for limit, offset in ((500, 0), (2, 1)):
                assert metrics.query(conn, q, website, kind, limit, offset) == \
                    metrics.raw_query(conn, q, website, kind, limit, offset), \
                    (kind, limit, offset, start - T, end - T)
        for filters in ((), *SESSION_FILTERS):
            _assert_weekly_from_tallies(conn, Query(website["website_id"], start, end, filters))
        for filters in SESSION_FILTERS:
            _assert_filtered_from_summaries(conn, Query(website["website_id"], start, end,
                                                        filters))
    conn.close()


def _refused(*args, **kwargs):
    raise AssertionError("raw rows read")


def _assert_filtered_from_summaries(conn, q):
    """/stats and pageviews (hours in a +5:30 zone, days in New York) under q's session
    filters equal the raw-row answers without reading raw rows."""
    timed = (("hour", "Asia/Kolkata"), ("day", "America/New_York"))
    expected = [stats.raw_query(conn, q)] + \
        [series.raw_pageviews(conn, q, unit, zone, LABELS) for unit, zone in timed]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stats, "raw_query", _refused)
        patch.setattr(series, "raw_pageviews", _refused)
        found = [stats.query(conn, q)] + \
            [series.pageviews(conn, q, unit, zone, LABELS) for unit, zone in timed]
    assert found == expected, (q.filters, q.start - T, q.end - T)


def _assert_weekly_from_tallies(conn, q):
    """sessions/weekly in whole-hour zones (UTC, New York, Tokyo) equals the raw-row grid
    without raw_query() once an hour is summarized; a +5:30 zone is raw_query()'s."""
    if rollup_read.done_hour(conn, q.website_id) is None:
        return
    zones = ("UTC", "America/New_York", "Asia/Tokyo")
    expected = [weekly.raw_query(conn, q, zone) for zone in zones]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weekly, "raw_query", _refused)
        assert [weekly.query(conn, q, zone) for zone in zones] == expected, \
            (q.filters, q.start - T, q.end - T)
        with pytest.raises(AssertionError, match="raw rows read"):
            weekly.query(conn, q, "Asia/Kolkata")


def _first_seen_used(conn, q, kind):
    done = rollup_read.done_hour(conn, q.website_id)
    part = rollup_read.cover(done, q.start, q.end)
    return firsts.usable(conn, q.website_id, kind, part, q.start, done)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(row_strategy, min_size=1, max_size=120), starts=starts_strategy,
       batches=st.integers(1, 12), with_visits=st.booleans())
def test_path_and_referrer_written_in_order_read_first_seen_counts(tmp_path_factory, rows,
                                                                   starts, batches,
                                                                   with_visits):
    """Rows written in time order (as collect writes them): every range that starts and
    ends on an hour is answered from the first-seen counts (rollups/firsts.py), exactly."""
    path = str(tmp_path_factory.mktemp("ordered") / "data.db")
    website = _build(path, rows, 0, batches, with_visits, starts, in_order=True)
    conn = db.connect(path, readonly=True)
    done = rollup_read.done_hour(conn, website["website_id"])
    for a in range(-1, 31, 3):
        for b in (a + 1, a + 7, a + 24, a + 33):
            q = Query(website["website_id"], T + a * HOUR, T + b * HOUR - 1)
            for kind in ("path", "referrer"):
                if done is not None and a <= done - T // HOUR:
                    assert _first_seen_used(conn, q, kind), (kind, a, b)
                for limit, offset in ((500, 0), (2, 1)):
                    assert metrics.query(conn, q, website, kind, limit, offset) == \
                        metrics.raw_query(conn, q, website, kind, limit, offset), (kind, a, b)
    conn.close()


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.integers(1, 4), st.integers(0, 2), st.integers(0, 90),
                               st.integers(0, 59_999), st.integers(0, len(PATHS) - 1),
                               st.just(0)), min_size=1, max_size=120),
       starts=st.lists(st.integers(0, SPAN // 60_000 - 1), min_size=12, max_size=12),
       batches=st.integers(1, 12), with_visits=st.booleans())
def test_entry_of_visits_as_ingest_makes_them_reads_first_seen_counts(tmp_path_factory, rows,
                                                                      starts, batches,
                                                                      with_visits):
    """Visits as ingest writes them (the first row in the minute of visit_id, the others
    within 90 minutes, in time order): every range that starts on an hour and reaches the
    last summarized hour reads the entry page from the first-seen counts, exactly."""
    rows = rows + [(session, which, 0, 0, page, 0)
                   for session, which, _, _, page, _ in dict.fromkeys(rows)]
    path = str(tmp_path_factory.mktemp("entry") / "data.db")
    website = _build(path, rows, 0, batches, with_visits, starts, in_order=True)
    conn = db.connect(path, readonly=True)
    done = rollup_read.done_hour(conn, website["website_id"])
    assert firsts.exact_from(conn, website["website_id"], "entry") == 0
    for a in range(-2, 33, 2):
        for b in (34, 40):
            q = Query(website["website_id"], T + a * HOUR, T + b * HOUR - 1)
            if done is not None and a <= done - T // HOUR:
                assert _first_seen_used(conn, q, "entry"), (a, b)
            for limit, offset in ((500, 0), (2, 1)):
                assert metrics.query(conn, q, website, "entry", limit, offset) == \
                    metrics.raw_query(conn, q, website, "entry", limit, offset), (a, b)
    conn.close()


def _hit(website, session, at, url, referrer=None):
    hit = ingest.Hit("pageview", url, at, referrer=referrer)
    return ingest_rows.pageview_values(website["website_id"], session, at // HOUR * 60, hit)


def _write(path, website, values):
    conn = db.connect(path)
    _insert(conn, website, values, False)
    conn.close()


def _answers_equal(path, website, ranges):
    conn = db.connect(path, readonly=True)
    for a, b in ranges:
        q = Query(website["website_id"], T + a * HOUR, T + b * HOUR - 1)
        for kind in ("path", "referrer"):
            assert metrics.query(conn, q, website, kind, 500, 0) == \
                metrics.raw_query(conn, q, website, kind, 500, 0), (kind, a, b)
    return conn


def test_a_late_hit_into_the_last_summarized_hour_keeps_first_seen_counts(tmp_path):
    """A hit that lands after its hour was summarized (the common late write) adds its pair
    to that hour's counts: ranges still read them, exactly."""
    path = str(tmp_path / "data.db")
    website = _build(path, [(1, 0, 0, 0, 1, 1)], 0, 1, False)   # visitor 1: /a at T
    google = "https://www.google.com/x"
    _write(path, website, [_hit(website, 2, T + 2 * HOUR, "/a", google),
                           _hit(website, 1, T + 3 * HOUR + 5, "/e"),      # done: T + 2 h
                           _hit(website, 2, T + 3 * HOUR + 7, "/a", google)]) # raw, seen
    _write(path, website, [_hit(website, 1, T + 2 * HOUR + 9, "/a", google),
                           _hit(website, 3, T + 2 * HOUR + 9, "/b")])     # late, into T + 2 h
    ranges = [(0, 3), (1, 3), (2, 3), (0, 5), (2, 5), (1, 2)]
    conn = _answers_equal(path, website, ranges)
    assert firsts.exact_from(conn, website["website_id"], "path") == 0
    for a, b in ranges:
        assert _first_seen_used(conn, Query(website["website_id"], T + a * HOUR,
                                            T + b * HOUR - 1), "path"), (a, b)
    q = Query(website["website_id"], T + HOUR, T + 5 * HOUR - 1)
    assert metrics.query(conn, q, website, "path", 500, 0) == [
        {"x": "/a", "y": 2}, {"x": "/b", "y": 1}, {"x": "/e", "y": 1}]
    assert metrics.query(conn, q, website, "referrer", 500, 0) == [
        {"x": "google.com", "y": 2}]


def test_a_pair_written_before_its_trail_hour_sends_older_ranges_to_the_union(tmp_path):
    """A pair written into an hour before the last hour it was summarized in (an import out
    of order) leaves the later counts with an older prev: ranges starting before that hour
    take the union of visitor sets, newer ones the counts, both exact."""
    path = str(tmp_path / "data.db")
    website = _build(path, [(1, 0, 0, 0, 1, 0)], 0, 1, False)   # visitor 1: /a at T
    _write(path, website, [_hit(website, 1, T + 6 * HOUR, "/a"),
                           _hit(website, 1, T + 9 * HOUR, "/b")])       # done: T + 8 h
    _write(path, website, [_hit(website, 1, T + 3 * HOUR, "/a")])       # before T + 6 h
    conn = _answers_equal(path, website, [(0, 9), (2, 7), (4, 7), (6, 10), (7, 10)])
    assert firsts.exact_from(conn, website["website_id"], "path") == T // HOUR + 7
    assert not _first_seen_used(conn, Query(website["website_id"], T + 4 * HOUR,
                                            T + 10 * HOUR - 1), "path")
    assert _first_seen_used(conn, Query(website["website_id"], T + 7 * HOUR,
                                        T + 10 * HOUR - 1), "path")
    q = Query(website["website_id"], T + 2 * HOUR, T + 7 * HOUR - 1)
    assert metrics.query(conn, q, website, "path", 500, 0) == [{"x": "/a", "y": 1}]


def test_retention_sends_ranges_from_before_the_cutoff_to_the_union(tmp_path):
    """Rows deleted by retention leave the counts of later hours with prevs in the deleted
    part: ranges from the hour after the cutoff still read the counts, older ones the
    union, both as the raw rows say."""
    path = str(tmp_path / "data.db")
    rows = [(session, which, minutes, 0, (session + minutes) % len(PATHS), minutes % 4)
            for session in range(1, 5) for which in range(3) for minutes in range(0, 1500, 97)]
    website = _build(path, rows, 0, 6, True, [0, 300, 900] * 4, in_order=True)
    conn = db.connect(path)
    cutoff = T + 10 * HOUR + 30 * 60_000
    retention.prune_website(conn, website["website_id"], cutoff, pause=0)
    assert firsts.exact_from(conn, website["website_id"], "path") == cutoff // HOUR + 1
    conn.close()
    conn = _answers_equal(path, website, [(0, 20), (10, 20), (11, 20), (11, 30), (14, 26)])
    assert not _first_seen_used(conn, Query(website["website_id"], T + 10 * HOUR,
                                            T + 20 * HOUR - 1), "path")
    assert _first_seen_used(conn, Query(website["website_id"], T + 11 * HOUR,
                                        T + 20 * HOUR - 1), "path")


def test_a_visit_gone_quiet_in_its_home_hour_and_back_later_is_one_visit(tmp_path):
    """Its home hour cannot tell, when summarized, that the visit goes on two hours later:
    the later hour lists it in rollup_cross, and the home hour does not claim it whole."""
    rows = [(1, 0, 5, 0, 0, 0), (1, 0, 130, 0, 1, 0), (2, 1, 0, 0, 1, 0), (2, 1, 60, 0, 1, 0)]
    starts = (0, 0, 0, 0, 240, 0, *(0,) * 6)
    for batches in (1, 4):
        path = str(tmp_path / f"data-{batches}.db")
        website = _build(path, rows, 0, batches, False, starts)
        conn = db.connect(path, readonly=True)
        q = Query(website["website_id"], T, T + 10 * HOUR)
        assert stats.query(conn, q) == stats.raw_query(conn, q) == {
            "pageviews": 4, "visitors": 2, "visits": 2, "bounces": 0,
            "totaltime": (2 * HOUR + 5 * 60_000) // 1000 + 3600}
        assert conn.execute("SELECT count(*) FROM rollup_cross").fetchone()[0] == 2
        conn.close()


def _view(website, session, visit_at, at, url):
    """A pageview row of the visit started at visit_at (epoch ms)."""
    hit = ingest.Hit("pageview", url, at)
    return ingest_rows.pageview_values(website["website_id"], session, visit_at // 60_000, hit)


def _assert_stats_equal(path, website, ranges):
    conn = db.connect(path, readonly=True)
    for a, b in ranges:
        q = Query(website["website_id"], T + a * HOUR, T + b * HOUR - 1)
        assert stats.query(conn, q) == stats.raw_query(conn, q), (a, b)
        for kind in ("entry", "exit"):
            assert metrics.query(conn, q, website, kind, 500, 0) == \
                metrics.raw_query(conn, q, website, kind, 500, 0), (kind, a, b)
    conn.close()


def test_a_write_that_breaks_an_hour_and_a_day_of_other_visits_is_repaired(tmp_path):
    """One write adds a row of visit V (homed on day 1) into hour h of day 2, and a row of
    visit U (homed in h) into a later day: rebuilding h lists V again while V's home day,
    broken by the same write, waits for its rebuild in the same round. The day must be
    checked after that rebuild, not reported broken a second time."""
    path = str(tmp_path / "data.db")
    website = _build(path, [], 0, 1, False)
    v_at, u_at = T + 2 * HOUR, T + 28 * HOUR   # days 1 and 2 (T is on day 0)
    _write(path, website, [_view(website, 1, v_at, v_at, "/v"),
                           _view(website, 1, v_at, v_at + 300_000, "/v2"),
                           _view(website, 2, u_at, u_at, "/u"),
                           _view(website, 2, u_at, u_at + 300_000, "/u2"),
                           _view(website, 3, T + 60 * HOUR, T + 60 * HOUR, "/")])
    for with_visits in (False, True):
        write = [_view(website, 1, v_at, u_at + 600_000, "/v3"),
                 _view(website, 2, u_at, T + 52 * HOUR + with_visits, "/u3")]
        conn = db.connect(path)
        _insert(conn, website, write, with_visits)
        conn.close()
        _assert_stats_equal(path, website, [(0, 62), (2, 26), (2, 50), (26, 50), (28, 29),
                                            (26, 62), (50, 62), (-1, 200)])


def test_a_visit_with_raw_rows_on_both_sides_of_a_summarized_hour_exits_at_its_last_row(
        tmp_path):
    """A range starting inside an hour reads that hour's rows raw, and the hours after the
    last summarized one too: a visit with rows in both and in a summarized hour between them
    has one raw piece around that hour's piece, and its exit is its latest row."""
    path = str(tmp_path / "data.db")
    website = _build(path, [], 0, 1, False)
    at = T + HOUR + 10 * 60_000
    _write(path, website, [_view(website, 1, at, at, "/a"),
                           _view(website, 1, at, at + HOUR, "/b"),
                           _view(website, 2, T + 3 * HOUR, T + 3 * HOUR + 5, "/")])
    _write(path, website, [_view(website, 1, at, T + 5 * HOUR, "/c")])
    conn = db.connect(path, readonly=True)
    assert rollup_read.done_hour(conn, website["website_id"]) < T // HOUR + 5
    q = Query(website["website_id"], T + HOUR + 5 * 60_000, T + 10 * HOUR)
    for kind, first_or_last in (("entry", "/a"), ("exit", "/c")):
        assert metrics.query(conn, q, website, kind, 500, 0) == \
            metrics.raw_query(conn, q, website, kind, 500, 0) == \
            [{"x": "/", "y": 1}, {"x": first_or_last, "y": 1}]
    conn.close()
