"""Load with worker kills: every hit acknowledged with 200 is stored, the file stays sound.

The short version of bench/load.py (run it by hand for 60 s, see README): a real
`umami-lite serve` with two gunicorn workers, concurrent v1 and current-API clients,
kill -9 of a worker every few seconds and once of the whole server (restarted on the
same file), then integrity_check and the stored == acknowledged check.
"""
import importlib.util
import os

LOAD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "load.py")


def load_module():
    """Returns bench/load.py imported as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_load", LOAD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_acknowledged_hits_survive_worker_and_server_kills():
    load = load_module()
    args = load.build_parser().parse_args(
        ["--duration", "8", "--workers", "2", "--clients", "6", "--websites", "3",
         "--kill-every", "2.5", "--kill-server"])
    result = load.run(args)
    print(result.report())
    # the kills really happened: at 2.5, 5 and 7.5 s (later on a slow machine), and half-way
    assert result.worker_kills == 3 and result.server_kills == 1
    assert result.acknowledged >= 4 * 20  # 20 hits answered before each kill
    assert result.errors == {}  # no 5xx or 4xx: only cut connections, counted apart
    assert result.integrity == "ok"
    assert result.missing == 0  # every 200 is on disk
    assert result.unexplained == 0  # and nothing stored that was refused or never sent
    assert result.stored == result.acknowledged + result.lost_stored
