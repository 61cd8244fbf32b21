"""Metric `referrer`: pageviews per external referrer.

Left out: empty referrers, anything without a host (SPA paths like `/prev`, `#x`,
`page2`), and self-referrals: the referrer's host equals the website's domain or the
session's hostname, ignoring `www.`, case and port.
"""
from collections import Counter

from ..ingest import referrer_domain


def _host(value):
    """Returns the bare host of a domain or hostname setting ("www.x.com:80" -> "x.com")."""
    if not value:
        return None
    return referrer_domain(value if "://" in value else f"//{value}")


def query(db, q, website):
    """Returns [{x: referrer, y: pageviews}] by y desc, then x."""
    where, params = q.where()
    rows = db.execute(
        f"SELECT p.referrer, p.referrer_domain, s.hostname, count(*) FROM pageview p"
        f" JOIN session s ON s.session_id = p.session_id"
        f" WHERE {where} AND p.referrer_domain IS NOT NULL"
        f" GROUP BY p.referrer, p.referrer_domain, s.hostname", params)
    site = _host(website["domain"])
    counts = Counter()
    for referrer, domain, hostname, count in rows:
        if domain != site and domain != _host(hostname):
            counts[referrer] += count
    return [{"x": x, "y": y} for x, y in sorted(counts.items(), key=lambda r: (-r[1], r[0]))]
