"""Smoke run of the three benchmark scripts at a tiny size (seconds), so they keep working.

No timing is asserted: the scripts print figures; this checks they run end to end, that
the fast answers equal the naive ones (queries.py exits on a mismatch) and that ingest
stores every acknowledged hit.
"""
import os
import subprocess
import sys

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


def test_ingest_against_bare_endpoint():
    out = run("bench/ingest.py", "--duration", "1", "--connections", "4", "--workers", "1",
              "--threads", "2", "--rounds", "1")
    for label in ("peak req/s", "CPU ms/request", "half p99 ms", "worker RSS MB", "hits stored"):
        assert label in out, out
