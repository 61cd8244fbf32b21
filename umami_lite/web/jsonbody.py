"""Reading JSON request bodies with a size limit and clear 4xx errors."""
import json
import re

from flask import request

from ..errors import ApiError, bad_request

MAX_BODY = 64 * 1024
# Real trackers nest three levels (body, payload, data) plus the caller's data; deeper
# bodies are refused before any route walks them (ingest flattens data recursively).
MAX_DEPTH = 16
# A \uD800-\uDFFF escape decodes to a lone surrogate unless it is half of a pair; such a
# string cannot be encoded as UTF-8, so SQLite (and the JSON answer) would fail on it.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def read_body(limit=MAX_BODY):
    """Returns the raw body bytes of Flask's request; raises 413 past limit."""
    return read_stream(request.stream, request.content_length, limit)


def read_stream(stream, content_length, limit=MAX_BODY):
    """Returns the bytes of a request body stream; raises 413 past limit (declared or actual)."""
    if content_length is not None and content_length > limit:
        raise ApiError(413, f"Request body is larger than {limit} bytes.")
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, f"Request body is larger than {limit} bytes.")
    return data


def json_depth(value):
    """Returns how deeply value nests objects and arrays (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def too_deep(max_depth):
    return bad_request(f"Request body nests deeper than {max_depth} levels.")


def parse_json(data, max_depth=MAX_DEPTH):
    """Returns the decoded JSON value of data, or raises 400 (invalid, or nested too deep)."""
    try:
        text = data.decode("utf-8")
        value = json.loads(text)
        if SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except RecursionError:  # thousands of levels: the parser itself gives up
        raise too_deep(max_depth) from None
    except (UnicodeError, ValueError):
        raise bad_request("Request body is not valid JSON.") from None
    # a value cannot nest deeper than it has brackets: most bodies skip the walk
    if data.count(b"{") + data.count(b"[") > max_depth and json_depth(value) > max_depth:
        raise too_deep(max_depth)
    return value


def json_object(limit=MAX_BODY):
    """Returns the request body as a JSON object (any content type), or raises 400/413.

    Every JSON route reads its body here or through parse_json, so the size and nesting
    limits hold for all of them.
    """
    value = parse_json(read_body(limit))
    if not isinstance(value, dict):
        raise bad_request("Request body must be a JSON object.")
    return value
