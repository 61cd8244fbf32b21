"""Bench-only WSGI app: umami-lite itself plus POST /bench/ok, which only answers 200.

bench/ingest.py serves it with the same gunicorn setup as `umami-lite serve`, so the
difference between /bench/ok and /api/collect is the work of collecting a hit (parsing,
visitor hash, the SQLite write transaction), not the server or the framework.
"""
from umami_lite import create_app

app = create_app()


@app.post("/bench/ok")
def ok():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
