"""Current-API ids for umami-lite's integer rows."""
import uuid


def public_id(website_uuid, *parts):
    """Returns a stable uuid naming an integer id inside a website (sessionId, visitId)."""
    return str(uuid.uuid5(uuid.UUID(website_uuid), ":".join(str(p) for p in parts)))
