"""Current-API ids for umami-lite's integer rows."""
import uuid

ID_BITS = 48  # row ids carried in a uuid's low bits; 2^48 is far beyond any file's count


def public_id(website_uuid, *parts):
    """Returns a stable uuid naming an integer id inside a website (visitId)."""
    return str(uuid.uuid5(uuid.UUID(website_uuid), ":".join(str(p) for p in parts)))


def _base(website_uuid, name):
    return uuid.uuid5(uuid.UUID(website_uuid), name).int


def session_uuid(website_uuid, session_id):
    """Returns the sessionId of a session: the website's own uuid5 with the integer id in its
    low 48 bits, so /sessions/{sessionId} finds the row again without a lookup table (the
    version and variant bits lie above them and stay those of a uuid5)."""
    return str(uuid.UUID(int=_base(website_uuid, "session") ^ session_id))


def session_from_uuid(website_uuid, text):
    """Returns the integer session id a sessionId of this website names, or None."""
    try:
        value = uuid.UUID(text).int ^ _base(website_uuid, "session")
    except (ValueError, TypeError, AttributeError):
        return None
    if value >> ID_BITS or not value:
        return None
    return value


HIT_KINDS = ("pageview", "event")  # a hit's kind, as the low bit of its eventId


def hit_uuid(website_uuid, kind, row_id):
    """Returns the eventId of a pageview or event row: the website's uuid5 for hits with
    the row id and its kind in the low 48 bits, so /event-data/{eventId} finds the row."""
    return str(uuid.UUID(int=_base(website_uuid, "hit") ^ (row_id << 1 | HIT_KINDS.index(kind))))


def hit_from_uuid(website_uuid, text):
    """Returns (kind, row id) of an eventId of this website, or None."""
    try:
        value = uuid.UUID(text).int ^ _base(website_uuid, "hit")
    except (ValueError, TypeError, AttributeError):
        return None
    if value >> ID_BITS or value < 2:
        return None
    return HIT_KINDS[value & 1], value >> 1
