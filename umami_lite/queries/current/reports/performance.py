"""performance: web vitals percentiles over the vitals samples (`/api/send` type performance).

The samples in range that pass the filters are read once; percentiles are computed here, so
the SQL is the same on every engine. A percentile is continuous (percentile_cont: linear
between the two nearest ranks) over a metric's non-null values.
"""
from collections import defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

# the vitals table's metric columns (ingest/rows.py VITALS, the write side's name for them)
METRICS = ("lcp", "inp", "cls", "fcp", "ttfb")
PERCENTILES = (("p50", 0.5), ("p75", 0.75), ("p95", 0.95))
# breakdown -> (column of the sample row, most groups answered; None: all)
BREAKDOWNS = {"pages": ("url_path", 500), "pageTitles": ("page_title", 500),
              "devices": ("device", None), "browsers": ("browser", 500)}
DECIMALS = 6  # of an answered percentile: interpolation adds float noise (0.30000000000000004)


def percentile(ordered, fraction):
    """Returns the continuous percentile of ordered (sorted numbers, not empty)."""
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), DECIMALS)


def percentiles(values):
    """Returns {p50, p75, p95} of the non-null values, each None when there are none."""
    ordered = sorted(v for v in values if v is not None)
    return {name: percentile(ordered, fraction) if ordered else None
            for name, fraction in PERCENTILES}


def samples(db, q):
    """Returns the vitals samples of q (range and filters) as rows with created_at,
    url_path, page_title, the session's device and browser, and the five metrics."""
    where, params = q.where("vitals", "v")
    return db.execute(
        "SELECT v.created_at, v.url_path, v.page_title, s.device, s.browser, "
        + ", ".join(f"v.{name}" for name in METRICS)
        + f" FROM vitals v JOIN session s ON s.session_id = v.session_id WHERE {where}",
        params).fetchall()


def _label(ms, zone, fmt):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).astimezone(zone).strftime(fmt)


def _ranked(rows, column, limit, metric):
    """Returns {name, p50, p75, p95, count} per value of column, by p75 (descending, a
    group without values last), then count (descending), then name."""
    groups = defaultdict(list)
    for row in rows:
        groups[row[column]].append(row[metric])
    answer = [{"name": name, **percentiles(values), "count": len(values)}
              for name, values in groups.items()]
    answer.sort(key=lambda g: (g["p75"] is None, -(g["p75"] or 0), -g["count"],
                               g["name"] is None, g["name"] or ""))
    return answer if limit is None else answer[:limit]


def query(db, q, unit, zone, labels, metric):
    """Returns {chart, summary, pages, pageTitles, devices, browsers} for metric.

    chart: per bucket of unit in zone (labels: its formats) with samples, by t, the
    metric's percentiles (None where all its values are null). summary: the five metrics'
    percentiles over the range, 0 where a metric has no value, and count, the samples.
    Breakdowns: by page path, page title, the session's device and browser.
    """
    rows = samples(db, q)
    tz = ZoneInfo(zone)
    buckets = defaultdict(list)
    for row in rows:
        buckets[_label(row["created_at"], tz, labels[unit])].append(row[metric])
    chart = [{"t": t, **percentiles(buckets[t])} for t in sorted(buckets)]
    summary = {name: {key: value if value is not None else 0
                      for key, value in percentiles(row[name] for row in rows).items()}
               for name in METRICS}
    summary["count"] = len(rows)
    return {"chart": chart, "summary": summary,
            **{key: _ranked(rows, column, limit, metric)
               for key, (column, limit) in BREAKDOWNS.items()}}
