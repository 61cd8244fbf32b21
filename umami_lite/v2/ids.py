"""Current-API ids for umami-lite's integer rows."""
import uuid

SESSION_BITS = 48  # session ids come from a counter; 2^48 is far beyond any file's count
_SESSION_MASK = (1 << SESSION_BITS) - 1


def public_id(website_uuid, *parts):
    """Returns a stable uuid naming an integer id inside a website (visitId)."""
    return str(uuid.uuid5(uuid.UUID(website_uuid), ":".join(str(p) for p in parts)))


def _session_base(website_uuid):
    return uuid.uuid5(uuid.UUID(website_uuid), "session").int


def session_uuid(website_uuid, session_id):
    """Returns the sessionId of a session: the website's own uuid5 with the integer id in its
    low 48 bits, so /sessions/{sessionId} finds the row again without a lookup table (the
    version and variant bits lie above them and stay those of a uuid5)."""
    return str(uuid.UUID(int=_session_base(website_uuid) ^ session_id))


def session_from_uuid(website_uuid, text):
    """Returns the integer session id a sessionId of this website names, or None."""
    try:
        value = uuid.UUID(text).int ^ _session_base(website_uuid)
    except (ValueError, TypeError, AttributeError):
        return None
    if value >> SESSION_BITS or not value:
        return None
    return value
