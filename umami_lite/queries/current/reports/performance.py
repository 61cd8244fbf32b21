"""performance: web vitals percentiles. umami-lite does not store vitals yet (`/api/send`
type performance is accepted and dropped), so the answer is always the one for no data."""
METRICS = ("lcp", "inp", "cls", "fcp", "ttfb")


def query():
    """Returns {chart, summary, pages, pageTitles, devices, browsers} for a range without
    vitals samples: empty lists, 0 percentiles (as a missing value becomes) and count 0."""
    summary = {name: {"p50": 0, "p75": 0, "p95": 0} for name in METRICS}
    return {"chart": [], "summary": {**summary, "count": 0}, "pages": [], "pageTitles": [],
            "devices": [], "browsers": []}
