"""Server-side tracking: each successful HTML page a host app serves becomes a pageview.

On the request path an after_request hook makes only cheap checks and queues a PageHit of
raw header values. The writer thread does the rest through the tracker's own code path
(visitor.make_visitor, ingest.store), so a page tracked here and a tracker hit from the
same browser share one session: same website uuid, hostname, IP and user agent.
"""
import uuid
from typing import NamedTuple
from urllib.parse import quote

from flask import request

from . import visitor as clients, record as ingest
from ..storage import sites
from ..clock import now_ms
from ..storage.connection import transaction
from .tracking_queue import HitQueue

# WSGI keys of headers that mark a request as no page view: speculative loads (prefetch,
# prerender, link previews) and HTML fragments fetched by scripts (htmx, jQuery).
SKIP_KEYS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ",
             "HTTP_HX_REQUEST", "HTTP_X_REQUESTED_WITH")
PAGE_DESTINATIONS = ("document", "iframe", "frame")
PATH_SAFE = "/:@!$&'()*+,;=-._~%"


class PageHit(NamedTuple):
    """What the request path captures: raw values only, parsed by the writer."""
    created_at: int
    script_root: str
    path: str
    query: bytes
    referrer: str
    host: str
    ip_header: str
    remote_addr: str
    user_agent: str
    accept_language: str
    country: str          # raw value of UMAMI_LITE_COUNTRY_HEADER, if configured


def parse_excludes(spec, extra=()):
    """Returns the excluded path prefixes from a comma-separated setting plus extra ones."""
    parts = (spec or "").split(",") + list(extra)
    return tuple(sorted({"/" + p.strip().strip("/") for p in parts if p.strip()}))


def is_excluded(path, prefixes):
    """Returns True when path is one of prefixes or lies below one."""
    return any(path == p or path.startswith(p if p == "/" else p + "/") for p in prefixes)


def environ_key(header_name):
    """Returns the WSGI environ key of a request header (X-Real-IP -> HTTP_X_REAL_IP)."""
    return "HTTP_" + header_name.upper().replace("-", "_") if header_name else None


def is_page_view(req, response):
    """Returns True when this request/response pair is a page a person loaded.

    Headers are read from the WSGI environ directly: this runs on every host request and
    Flask's header mapping costs several µs per lookup.
    """
    if req.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return False
    endpoint = req.endpoint
    if (endpoint is None or endpoint == "static" or endpoint.endswith(".static")
            or endpoint.startswith("umami_lite.")):
        return False
    environ = req.environ
    if any(key in environ for key in SKIP_KEYS):
        return False
    destination = environ.get("HTTP_SEC_FETCH_DEST")
    return destination is None or destination in PAGE_DESTINATIONS


class PageTracker:
    """The after_request hook: queues a PageHit for each page view; never alters response."""

    def __init__(self, umami, excludes, hits):
        self.ip_key = environ_key(umami.settings["CLIENT_IP_HEADER"])
        self.country_key = environ_key(umami.settings["UMAMI_LITE_COUNTRY_HEADER"])
        self.excludes = excludes
        self.hits = hits

    def __call__(self, response):
        req = request._get_current_object()
        if is_page_view(req, response) and not is_excluded(req.path, self.excludes):
            self.hits.put(self.capture(req))
        return response

    def capture(self, req):
        """Returns the PageHit of req: raw values, parsed later by the writer."""
        environ = req.environ
        return PageHit(
            now_ms(), req.script_root, req.path, req.query_string,
            environ.get("HTTP_REFERER"), req.host,
            environ.get(self.ip_key) if self.ip_key else None, req.remote_addr,
            environ.get("HTTP_USER_AGENT", ""), environ.get("HTTP_ACCEPT_LANGUAGE"),
            environ.get(self.country_key) if self.country_key else None)


def page_url(hit):
    """Returns the URL as the tracker sends it: location.pathname + location.search."""
    url = quote(hit.script_root + hit.path, safe=PATH_SAFE)
    if hit.query:
        url += "?" + hit.query.decode("utf-8", "replace")
    return url


def hostname(host):
    """Returns the host without its port, lower-case, as location.hostname gives it."""
    host = (host or "").lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def language(accept_language):
    """Returns the first language tag of an Accept-Language header (navigator.language)."""
    first = (accept_language or "").split(",", 1)[0].split(";", 1)[0].strip()
    return first or None


def batch_writer(umami, website_uuid):
    """Returns write_batch(db, hits) -> (stored, ignored), one transaction per batch."""
    rotation = umami.settings["SALT_ROTATION"]

    def write_batch(db, hits):
        stored = ignored = 0
        with transaction(db):
            website = sites.find(db, website_uuid)
            if website is None:
                raise LookupError(f"UMAMI_LITE_TRACK_WEBSITE {website_uuid} is not a website")
            for hit in hits:
                visitor, reason = clients.make_visitor(
                    umami, clients.pick_ip(hit.ip_header, hit.remote_addr), hit.user_agent,
                    hostname(hit.host), None, language(hit.accept_language),
                    clients.country_code(hit.country))
                if reason:
                    ignored += 1
                    continue
                ingest.store(db, website, visitor, ingest.Hit(
                    kind="pageview", url=page_url(hit), created_at=hit.created_at,
                    referrer=hit.referrer), rotation)
                stored += 1
        return stored, ignored

    return write_batch


def install(app, umami, website_uuid, exclude=()):
    """Returns the HitQueue after hooking server-side tracking of website_uuid into app."""
    try:
        website_uuid = str(uuid.UUID(website_uuid))
    except ValueError:
        raise ValueError(f"UMAMI_LITE_TRACK_WEBSITE is not a uuid: {website_uuid!r}") from None
    hits = HitQueue(umami.database, batch_writer(umami, website_uuid),
                    umami.settings["UMAMI_LITE_TRACK_QUEUE"])
    excludes = parse_excludes(umami.settings["UMAMI_LITE_TRACK_EXCLUDE"], exclude)
    app.after_request(PageTracker(umami, excludes, hits))
    return hits
