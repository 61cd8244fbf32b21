"""Reading JSON request bodies with a size limit and clear 4xx errors."""
import json
import re

from flask import request

from .errors import ApiError, bad_request

MAX_BODY = 64 * 1024
# A \uD800-\uDFFF escape decodes to a lone surrogate unless it is half of a pair; such a
# string cannot be encoded as UTF-8, so SQLite (and the JSON answer) would fail on it.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def read_body(limit=MAX_BODY):
    """Returns the raw body bytes; raises 413 past limit (declared or actual)."""
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"Request body is larger than {limit} bytes.")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, f"Request body is larger than {limit} bytes.")
    return data


def parse_json(data):
    """Returns the decoded JSON value of data, or raises 400."""
    try:
        text = data.decode("utf-8")
        value = json.loads(text)
        if SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        return value
    except (UnicodeError, ValueError, RecursionError):
        raise bad_request("Request body is not valid JSON.") from None


def json_object(limit=MAX_BODY):
    """Returns the request body as a JSON object (any content type), or raises 400/413."""
    value = parse_json(read_body(limit))
    if not isinstance(value, dict):
        raise bad_request("Request body must be a JSON object.")
    return value
