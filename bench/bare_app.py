"""Bench-only server: umami-lite itself plus POST /bench/ok, which only answers 200.

    python bench/bare_app.py --port 3000 --workers 2 --threads 4

bench/ingest.py starts it beside `umami-lite serve`; both run through cli.serve(), the same
gunicorn setup, so the difference between /bench/ok and /api/collect is the work of
collecting a hit (parsing, visitor hash, the SQLite write transaction), not the server or
the framework.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from umami_lite import cli, create_app  # noqa: E402

app = create_app()


@app.post("/bench/ok")
def ok():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    cli.serve(app, "127.0.0.1", args.port, args.workers, args.threads)
