"""Smoke run of the benchmark scripts at a tiny size (seconds), so they keep working.

No timing is asserted: the scripts print figures; this checks they run end to end, that
the fast answers equal the naive ones (queries.py exits on a mismatch) and that ingest
stores every acknowledged hit.
"""
import importlib.util
import os
import subprocess
import sys

from conftest import require_tool

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def run(*args, env=None):
    result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_generate_then_time_queries(tmp_path):
    env = {"UMAMI_LITE_ADMIN_PASSWORD": "bench-smoke-1"}
    path = str(tmp_path / "bench.db")
    out = run("bench/generate.py", path, "--pageviews", "3000", "--days", "2", "--seed", "5",
              env=env)
    assert "website id:   1" in out and "website uuid: " in out
    out = run("bench/queries.py", path, path, "--repeat", "2", env=env)
    for label in ("unfiltered", "url = ", "metrics referrer", "TOTAL", "cost curve"):
        assert label in out, out
    assert "3,000 pageviews" in out


def test_countries_prints_both_data_files():
    out = run("bench/countries.py", "--lookups", "1000", "--loads", "1")
    for label in ("geoip2fast.dat.gz", "geoip2fast-ipv6.dat.gz", "trimmed", "IPv6 /s",
                  "uncached IPv6"):
        assert label in out, out


def test_current_api_benchmark_checks_every_set(tmp_path):
    """The current-API benchmark runs each set and exits on an answer that differs from the
    raw-row one (here, every route of every set is compared)."""
    env = {"UMAMI_LITE_ADMIN_PASSWORD": "bench-smoke-1"}
    path = str(tmp_path / "bench.db")
    run("bench/generate.py", path, "--pageviews", "3000", "--days", "2", "--seed", "5", env=env)
    out = run("bench/current_api.py", path, path, "--repeat", "1", "--tz", "Asia/Kolkata",
              env=env)
    for label in ("unfiltered", "metrics entry", "events/series", "country=neq",
                  "utmSource=eq", "country=eq+browser=eq", "one filter: slowest set",
                  "combined: slowest set", "cost curve"):
        assert label in out, out
    assert "MISMATCH" not in out


def test_ingest_against_bare_endpoint():
    require_tool("wrk")
    out = run("bench/ingest.py", "--duration", "1", "--connections", "4", "--workers", "1",
              "--threads", "2", "--rounds", "1")
    for label in ("peak req/s", "CPU ms/request", "half p99 ms", "client lag p99 ms",
                  "worker RSS MB", "hits stored"):
        assert label in out, out


def _phase(rps, split, errors=0):
    return {"rps": rps, "rate": rps, "cpu_ms": 0.5, "p50": 1.0, "p90": 2.0, "p99": 3.0,
            "lag99": 0.5, "errors": errors, "kinds": {"non-2xx": errors} if errors else {},
            "split": split}


def _round(collect_rps, bare_rps, bare_split, errors=0):
    return {"collect": {"peak": _phase(collect_rps, [8, 8]), "half": _phase(1, [8, 8], errors)},
            "bare": {"peak": _phase(bare_rps, bare_split), "half": _phase(1, [8, 8])}}


def test_ingest_report_leaves_still_skewed_rounds_out_of_the_medians(capsys):
    spec = importlib.util.spec_from_file_location(
        "bench_ingest", os.path.join(ROOT, "bench", "ingest.py"))
    ingest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ingest)
    servers = {"collect": {"rss": {}}, "bare": {"rss": {}}}
    rounds = [_round(3000, 4000, [8, 8]), _round(2600, 1300, [16, 0], errors=2),
              _round(2800, 4000, [9, 7])]
    ingest.report(rounds, servers)
    out = capsys.readouterr().out
    assert "round 2: collect 2,600 req/s, bare 1,300 req/s, ratio 200%" in out
    assert "(left out: one worker held every connection" in out
    assert "median of 2 round(s)" in out
    assert "peak req/s                      2,900          4,000      72%" in out
    assert "half errors (all)                   2" in out  # the left-out round's errors count

    ingest.report([rounds[1]], servers)  # nothing else to show: shown, with a warning
    out = capsys.readouterr().out
    assert "every round stayed skewed" in out and "median of 1 round(s)" in out


def test_reports_benchmark_runs():
    out = run("bench/reports.py", "--pageviews", "2000", "--days", "2",
              env={"UMAMI_LITE_ADMIN_PASSWORD": "bench-smoke-1"})
    for label in ("funnel 5 steps", "retention", "journey", "attribution last-click", "goal",
                  "utm", "breakdown", "revenue", "browser=Chrome"):
        assert label in out, out
