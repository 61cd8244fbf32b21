"""POST /api/send and POST /api/batch: the current tracker endpoint (public, CORS *).

Body {type: event|identify|performance, payload} -> visitor -> ingest.record, the same
write path as /api/collect. A pageview is an `event` without `name`. `Authorization` is
ignored (the Python client sends `Bearer None`). The answer is JSON {cache, sessionId,
visitId}; the tracker sends `cache` back in the `x-umami-cache` header.
"""
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, jsonify, request

from ..ingest import visitor as clients, record as ingest, limits
from .collect import cors, known_website, make_cache_token, read_cache_token, website_key
from ..errors import CODES, UNAVAILABLE, ApiError, bad_request, is_unavailable
from ..storage.errors import OperationalError
from .jsonbody import MAX_DEPTH, parse_json, read_body
from ..state import state
from ..queries.current.ids import public_id, session_uuid

bp = Blueprint("v2_send", __name__)

KINDS = ("event", "identify", "performance")
STRING_FIELDS = ("hostname", "language", "screen", "title", "url", "referrer", "name", "tag",
                 "ip", "userAgent", "browser", "os", "device")
MAX_BATCH_BODY = 1024 * 1024
MAX_BATCH_ITEMS = 1000
FUTURE_SLACK_MS = 60_000  # a sender's clock may run a little ahead


@bp.after_request
def add_cors(response):
    return cors(response)


@bp.route("/api/send", methods=["OPTIONS"])
@bp.route("/api/batch", methods=["OPTIONS"])
def preflight():
    return "", 204


def _validated(body):
    """Returns (type, payload) of a send body, or raises 400 naming the field."""
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object.")
    kind = body.get("type")
    if kind not in KINDS:
        raise bad_request("'type' must be one of event, identify, performance.")
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise bad_request("'payload' is required (a JSON object).")
    for name in STRING_FIELDS:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            raise bad_request(f"'payload.{name}' must be a string.")
    if payload.get("id") is not None and (not isinstance(payload["id"], (str, int))
                                          or isinstance(payload["id"], bool)):
        raise bad_request("'payload.id' must be a string.")
    if payload.get("data") is not None and not isinstance(payload["data"], dict):
        raise bad_request("'payload.data' must be a JSON object.")
    if kind in ("event", "performance") and not payload.get("url"):
        raise bad_request("'payload.url' is required.")
    bad = ingest.bad_vital(payload)
    if bad is not None:
        raise bad_request(f"'payload.{bad}' must be a number from 0 to {ingest.VITALS_MAX[bad]}.")
    if payload.get("link") is not None or payload.get("pixel") is not None:
        raise bad_request("Links and pixels are not supported; send 'payload.website'.")
    return kind, payload


def path_and_query(url):
    """Returns url reduced to path + query (no scheme, host or hash), as /api/collect stores.

    A relative url resolves against the site root, as the tracker's `new URL(url, base)`.
    """
    try:
        parts = urlsplit(urljoin("https://localhost/", url))
    except ValueError:
        raise bad_request("'payload.url' is not a valid URL.") from None
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _created_at(payload, now):
    """Returns the hit time: payload.timestamp (seconds) when given, else now."""
    raw = payload.get("timestamp")
    if raw is None:
        return now
    # ASCII digits only: "²".isdigit() is true but int() refuses it, and int() refuses
    # more than 4,300 digits; longer strings stay text and are refused below
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 20:
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise bad_request("'payload.timestamp' must be an integer (epoch seconds).")
    if not 0 <= raw * 1000 <= now + FUTURE_SLACK_MS:
        raise bad_request("'payload.timestamp' must not be in the future.")
    return raw * 1000


def _visitor(umami, req, payload):
    """Returns (Visitor, reason) where reason is 'bot', 'ip' or None.

    The IP and user agent are the request's own, as for /api/collect: payload.ip and
    payload.userAgent are ignored, or any visitor could pick the IP and user agent its
    session hash, country, bot check and IGNORE_IP test are made from.
    """
    settings = umami.settings
    ip = clients.client_ip(req, settings["CLIENT_IP_HEADER"])
    ua = req.headers.get("User-Agent", "")
    browser, os_name, is_bot = clients.parse_user_agent(ua)
    reason = None
    if is_bot and not settings["DISABLE_BOT_CHECK"]:
        reason = "bot"
    elif clients.is_ignored(ip, umami.ignore_networks):
        reason = "ip"
    if settings["UMAMI_LITE_COUNTRY_HEADER"]:
        country = clients.country_from_header(req, settings["UMAMI_LITE_COUNTRY_HEADER"])
    else:
        country = umami.country_lookup.lookup(ip)
    os_name = payload.get("os") or os_name
    screen = payload.get("screen")
    distinct_id = payload.get("id")
    visitor = ingest.Visitor(
        ip=str(ip or ""), user_agent=ua, hostname=payload.get("hostname"),
        browser=payload.get("browser") or browser, os=os_name,
        device=payload.get("device") or clients.device_for(os_name, screen), screen=screen,
        language=payload.get("language"), country=country,
        distinct_id=str(distinct_id) if distinct_id not in (None, "") else None)
    return visitor, reason


def _hit(kind, payload, created_at, now):
    """Returns the ingest.Hit for a send payload."""
    name = payload.get("name")
    if kind == "event":
        kind = "event" if name else "pageview"
    url = path_and_query(payload["url"]) if payload.get("url") else ""
    hit = ingest.Hit(kind=kind, url=url, created_at=created_at,
                     referrer=payload.get("referrer"), page_title=payload.get("title"),
                     tag=payload.get("tag"), received_at=now)
    if kind == "event":
        hit.event_type, hit.event_value, hit.data = "custom", name, payload.get("data")
    elif kind == "identify":
        hit.data = payload.get("data")
    else:  # performance: the vitals it carries (ingest.has_vitals: maybe none)
        hit.vitals = {name: payload.get(name) for name in ingest.VITALS}
    limits.check_properties(hit.data)
    return hit


def process(req, body, cache_token, umami):
    """Returns the JSON answer to one send body (decoded) from req (headers and peer
    address: Flask's request, or the ingest lane's, see ingest_lane.py) for the app whose
    State is umami; raises ApiError for bad input."""
    kind, payload = _validated(body)
    key = website_key(payload.get("website"))
    umami.hit_limits.admit(clients.client_ip(req, umami.settings["CLIENT_IP_HEADER"]), key)
    visitor, reason = _visitor(umami, req, payload)
    if reason == "bot":
        return {"beep": "boop"}
    if reason == "ip":
        raise ApiError(403, "Hits from this IP address are ignored.")
    now = umami.now_ms()
    hit = _hit(kind, payload, _created_at(payload, now), now)
    recorded = known_website(ingest.record(umami.database, key, visitor, hit,
                                           umami.settings["SALT_ROTATION"],
                                           read_cache_token(cache_token, umami.secret),
                                           umami.settings["UMAMI_LITE_INGEST_JOURNAL"]))
    return {"cache": make_cache_token(recorded, umami.secret),
            "sessionId": session_uuid(key, recorded.session_id),
            "visitId": public_id(key, "visit", recorded.session_id, recorded.visit_id)}


def handle(req, body, umami):
    """Returns the JSON answer to one /api/send body (bytes) for the app whose State is
    umami; raises ApiError for bad input."""
    return process(req, parse_json(body), req.headers.get("x-umami-cache"), umami)


@bp.post("/api/send")
def send():
    return jsonify(handle(request, read_body(), state()))


@bp.post("/api/batch")
def batch():
    """Returns {size, processed, errors, details: [{index, response}], cache}.

    Each item is handled as one /api/send; a bad item is reported in details and stores
    nothing, the others are stored. The cache token flows from item to item. When the
    database becomes unavailable (busy, full, read-only) after some items were stored, that
    item and the rest are reported as 503s: a 503 for the whole batch would make the client
    send the stored ones again. With nothing stored yet, the whole batch is a 503.
    """
    # the array adds one level: each item may nest as deep as one /api/send body
    items = parse_json(read_body(MAX_BATCH_BODY), MAX_DEPTH + 1)
    if not isinstance(items, list):
        raise bad_request("Request body must be a JSON array of send bodies.")
    if len(items) > MAX_BATCH_ITEMS:
        raise bad_request(f"A batch holds at most {MAX_BATCH_ITEMS} items.")
    cache = request.headers.get("x-umami-cache")
    details, accepted = [], 0
    for index, item in enumerate(items):
        try:
            result = process(request, item, cache, state())
        except ApiError as exc:
            details.append(_item_error(index, exc.status, exc.message))
            continue
        except OperationalError as exc:
            if not is_unavailable(exc) or accepted == 0:
                raise
            details.extend(_item_error(i, 503, UNAVAILABLE) for i in range(index, len(items)))
            break
        accepted += 1
        cache = result.get("cache", cache)
    return jsonify({"size": len(items), "processed": len(items) - len(details),
                    "errors": len(details), "details": details, "cache": cache})


def _item_error(index, status, message):
    """Returns the details entry of a batch item answered with an error."""
    return {"index": index, "response": {"error": {
        "message": message, "code": CODES[status], "status": status}}}
