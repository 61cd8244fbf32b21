"""At interpreter exit the server-side tracking queue is flushed (atexit), not lost."""
import sqlite3
import subprocess
import sys
import textwrap

from embedhost import seed_website

WEBSITE = "5a0f5d5e-6a43-4c38-9f3a-0d3c5c1e2b7a"


def test_queued_pageviews_are_written_at_exit(tmp_path):
    database = tmp_path / "host.db"
    seed_website(database, WEBSITE)
    script = textwrap.dedent(f"""
        import sqlite3
        from flask import Flask
        from umami_lite import UmamiLite
        app = Flask("exiting_host")
        app.config.update(UMAMI_LITE_DATABASE={str(database)!r},
                          UMAMI_LITE_TRACK_WEBSITE={WEBSITE!r})
        app.get("/page/<int:n>")(lambda n: "<!doctype html><p>page")
        UmamiLite(app)
        client = app.test_client()
        # Another writer holds the database, so the pageviews are still queued at exit.
        blocker = sqlite3.connect({str(database)!r}, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        ua = {{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}}
        for n in range(300):
            assert client.get(f"/page/{{n}}", headers=ua).status_code == 200
        blocker.execute("COMMIT")
        assert app.extensions["umami_lite"].tracking.counts()["stored"] == 0
        # no flush: the process just ends
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("SELECT count(*) FROM pageview").fetchone() == (300,)
    finally:
        conn.close()
