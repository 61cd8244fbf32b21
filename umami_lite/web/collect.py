"""POST /api/collect: the Umami v1 tracker endpoint (public, CORS *, never a 500 by design).

Request -> validate payload -> visitor info -> ingest.record -> plain-text cache token.
"""
import base64
import hashlib
import hmac
import re
import uuid
from functools import lru_cache

from flask import Blueprint, jsonify, request

from ..ingest import visitor as clients, record as ingest, limits
from ..ingest.visitor import make_visitor
from ..errors import bad_request
from ..ingest.hmac256 import Hmac256
from .jsonbody import parse_json, read_body
from ..state import state

bp = Blueprint("collect", __name__)

TEXT_TYPE = "text/plain; charset=utf-8"
STRING_FIELDS = ("url", "referrer", "hostname", "language", "screen", "event_value",
                 "event_name")


# The request headers Umami's trackers send. A browser caches a preflight answer for the
# headers it allowed, so the answer names all of them (and "*", which today's browsers read
# as any header), not only those the first request asked for: echoing just "content-type"
# made the browser preflight again once the tracker sent x-umami-cache.
TRACKER_HEADERS = ("*", "Content-Type", "x-umami-cache")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


@lru_cache(maxsize=64)
def cors_headers(requested):
    """Returns the CORS headers of the public ingest routes (any site may send hits):
    the tracker's headers plus any well-formed header name the preflight asked for."""
    allowed = list(TRACKER_HEADERS)
    seen = {name.lower() for name in allowed}
    for name in (part.strip() for part in (requested or "").split(",")):
        if _HEADER_NAME.fullmatch(name) and name.lower() not in seen:
            allowed.append(name)
            seen.add(name.lower())
    return (("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
            ("Access-Control-Allow-Headers", ", ".join(allowed)),
            ("Access-Control-Max-Age", "86400"))


def cors(response):
    response.headers.update(cors_headers(request.headers.get("Access-Control-Request-Headers")))
    return response


@bp.after_request
def add_cors(response):
    return cors(response)


@bp.route("/api/collect", methods=["OPTIONS"])
def preflight():
    return "", 204


@lru_cache(maxsize=8)
def _cache_mac(secret):
    return Hmac256(hashlib.sha256(f"umami-lite.cache\x1f{secret}".encode()).digest())


def _cache_signature(value, secret):
    digest = _cache_mac(secret).digest(value.encode())[:18]
    return base64.urlsafe_b64encode(digest).decode()


def make_cache_token(recorded, secret):
    """Returns "website.session.visit.last_ms.period.signature", sent back by the tracker.

    A plain string and one HMAC: itsdangerous' serializer (JSON, zlib, key derivation
    per call) cost more than the hit's SQL write (bench/ingest.py profile).
    """
    value = ".".join(str(part) for part in (recorded.website_id, recorded.session_id,
                                            recorded.visit_id, recorded.last_ms,
                                            recorded.period))
    return f"{value}.{_cache_signature(value, secret)}"


def read_cache_token(token, secret):
    """Returns the ingest.Recorded a cache token carries, or None when it is not ours."""
    if not isinstance(token, str):
        return None
    token = token.strip().strip('"')
    if not token:
        return None
    value, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _cache_signature(value, secret).encode()):
        return None
    try:
        website_id, session_id, visit_id, last_ms, period = value.split(".")
        return ingest.Recorded(int(website_id), int(session_id), int(visit_id), int(last_ms),
                               period)
    except ValueError:
        return None


CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                            r"[0-9a-fA-F]{12}")


def website_key(value):
    """Returns a payload's website uuid as stored (lower case), or raises 400.

    Whether a website has it is asked inside the hit's write (ingest.record), which
    answers None when none has; known_website() turns that into the 400.
    """
    if not isinstance(value, str):
        raise bad_request("'payload.website' is required (a website uuid).")
    if CANONICAL_UUID.fullmatch(value):  # what trackers send: no need for uuid.UUID's parse
        return value.lower()
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad_request("'payload.website' is not a valid uuid.") from None


def known_website(recorded):
    """Returns ingest.record()'s answer, or raises 400 when it found no website."""
    if recorded is None:
        raise bad_request("'payload.website' is not a known website.")
    return recorded


def _validated(body):
    """Returns (type, payload) of a collect body, or raises 400 naming the field."""
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object.")
    kind = body.get("type")
    if kind not in ("pageview", "event"):
        raise bad_request("'type' must be 'pageview' or 'event'.")
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise bad_request("'payload' is required (a JSON object).")
    for name in STRING_FIELDS:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            raise bad_request(f"'payload.{name}' must be a string.")
    # v1.28's umami.trackEvent(value, data) sends the data object as event_type
    if payload.get("event_type") is not None and not isinstance(payload["event_type"],
                                                                (str, dict)):
        raise bad_request("'payload.event_type' must be a string.")
    if not payload.get("url"):
        raise bad_request("'payload.url' is required.")
    has_name = payload.get("event_name") or (payload.get("event_type")
                                            and payload.get("event_value"))
    if kind == "event" and not has_name:
        raise bad_request("An event needs 'payload.event_name' or 'payload.event_type' and "
                          "'payload.event_value'.")
    return kind, payload


def visitor_for(umami, request, hostname, screen, language):
    """Returns (Visitor, reason) where reason is 'bot', 'ip' or None; umami is the State."""
    header = umami.settings["UMAMI_LITE_COUNTRY_HEADER"]
    return make_visitor(umami, clients.client_ip(request, umami.settings["CLIENT_IP_HEADER"]),
                        request.headers.get("User-Agent", ""), hostname, screen, language,
                        clients.country_from_header(request, header) if header else None)


def hit_from_payload(kind, payload, now):
    """Returns the ingest.Hit received at now (epoch ms) for a v1 payload (both v1 event
    forms)."""
    hit = ingest.Hit(kind=kind, url=payload["url"], created_at=now,
                     referrer=payload.get("referrer"))
    if kind == "event":
        if payload.get("event_name"):
            hit.event_type, hit.event_value = "custom", payload["event_name"]
            # Umami v1.40's umami.trackEvent(name, "type") sends a string as event_data: the
            # event counts, only an object becomes its properties.
            data = payload.get("event_data")
            hit.data = data if isinstance(data, dict) else None
            limits.check_properties(hit.data)
        elif isinstance(payload["event_type"], dict):
            # v1.28's umami.trackEvent(value, data) sends the data object as event_type
            hit.event_type, hit.event_value = "custom", payload["event_value"]
            hit.data = payload["event_type"]
            limits.check_properties(hit.data)
        else:
            hit.event_type, hit.event_value = payload["event_type"], payload["event_value"]
    return hit


def handle(req, body, umami):
    """Returns the answer to one collect body: the cache token (text), or {"ignored": reason}
    for a bot or an ignored IP; raises ApiError for bad input.

    req is the request's headers and peer address: Flask's request, or the ingest lane
    (ingest_lane.py), which serves this route without Flask's request machinery; umami is
    the app's State, passed in so that the lane needs no app context.
    """
    kind, payload = _validated(parse_json(body))
    key = website_key(payload.get("website"))
    umami.hit_limits.admit(clients.client_ip(req, umami.settings["CLIENT_IP_HEADER"]), key)
    visitor, reason = visitor_for(umami, req, payload.get("hostname"), payload.get("screen"),
                                  payload.get("language"))
    if reason:
        return {"ignored": reason}
    cached = read_cache_token(req.headers.get("x-umami-cache") or payload.get("cache"),
                              umami.secret)
    hit = hit_from_payload(kind, payload, umami.now_ms())
    recorded = known_website(ingest.record(umami.database, key, visitor, hit,
                                           umami.settings["SALT_ROTATION"], cached,
                                           umami.settings["UMAMI_LITE_INGEST_JOURNAL"]))
    return make_cache_token(recorded, umami.secret)


@bp.post("/api/collect")
def collect():
    answer = handle(request, read_body(), state())
    if isinstance(answer, dict):
        return jsonify(answer)
    return answer, 200, {"Content-Type": TEXT_TYPE}
