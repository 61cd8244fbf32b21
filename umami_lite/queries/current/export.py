"""/export: the website page's tables as CSV files in one ZIP, base64 in JSON.

Each file is /metrics of one type over the range (top 500 rows), with a header `x,y` and
CRLF line ends. A cell a spreadsheet would read as a formula (= + - @, tab, CR first) gets a
leading apostrophe: page paths and referrers come from visitors.
"""
import base64
import csv
import io
import zipfile

from . import metrics

FILES = (("events.csv", "event"), ("pages.csv", "path"), ("referrers.csv", "referrer"),
         ("browsers.csv", "browser"), ("os.csv", "os"), ("devices.csv", "device"),
         ("countries.csv", "country"))
MAX_ROWS = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(rows):
    out = io.StringIO()
    if rows:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["x", "y"])
        writer.writerows([_cell(r["x"]), r["y"]] for r in rows)
    return out.getvalue()


def query(db, q, website):
    """Returns {"zip": base64 of the ZIP of FILES}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, kind in FILES:
            archive.writestr(name, _csv(metrics.query(db, q, website, kind, MAX_ROWS, 0)))
    return {"zip": base64.b64encode(buffer.getvalue()).decode()}
