"""Hosts as the metrics compare them: lower case, no port, no `www.`.

Shared by ingest (the stored referrer_domain) and the read side (self-referrals), so
both reduce a host the same way.
"""
from urllib.parse import urlsplit


def referrer_domain(referrer):
    """Returns the lower-case host of an absolute referrer without www. and port, or None."""
    if not referrer:
        return None
    try:
        host = urlsplit(referrer).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def bare_host(value):
    """Returns the bare host of a domain or hostname ("www.x.com:80" -> "x.com"), or None."""
    if not value:
        return None
    return referrer_domain(value if "://" in value else f"//{value}")
