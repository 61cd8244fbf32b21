"""Metric `referrer`: pageviews per external referrer.

Left out: empty referrers, anything without a host (SPA paths like `/prev`, `#x`,
`page2`), and self-referrals: the referrer's host equals the website's domain or the
session's hostname, ignoring `www.`, case and port.
"""
from ...hosts import bare_host
from .counts import key_counts, ranked, summarized


def _external(rows, website):
    """Returns {referrer: pageviews} from (referrer, domain, hostname, count) rows."""
    site = bare_host(website["domain"])
    counts = {}
    for referrer, domain, hostname, count in rows:
        if domain != site and domain != bare_host(hostname):
            counts[referrer] = counts.get(referrer, 0) + count
    return counts


def query(db, q, website):
    """Returns [{x: referrer, y: pageviews}] by y desc, then x (rollups where possible)."""
    found = summarized(db, q)
    if found is None:
        return raw_query(db, q, website)
    rows = ((*key, count) for key, count in key_counts(db, q, "referrer", *found).items())
    return ranked(_external(rows, website))


def raw_query(db, q, website):
    """Returns the same as query(), computed from raw rows only (any filters)."""
    where, params = q.where()
    rows = db.execute(
        f"SELECT p.referrer, p.referrer_domain, s.hostname, count(*) FROM pageview p"
        f" JOIN session s ON s.session_id = p.session_id"
        f" WHERE {where} AND p.referrer_domain IS NOT NULL"
        f" GROUP BY p.referrer, p.referrer_domain, s.hostname", params)
    return ranked(_external(rows, website))
