"""Parsing and validating query-string parameters; every failure is a 400 naming it.

Every integer parameter goes through integer(): ASCII decimal digits only (Python's int()
also takes "1_000", " 7 " and other scripts' digits) and a range, so that no value reaches
SQLite outside what it stores (past 2**63 binding a parameter raised an error, a 500).
"""
import re

from ..errors import bad_request
from ..storage.timezones import UNIT_FORMATS, canonical_zone

MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
MAX_OFFSET = 1_000_000_000  # rows to skip: more than any answer holds
DECIMAL = re.compile(r"-?[0-9]{1,20}")


def integer(args, name, default, minimum, maximum, what="an integer"):
    """Returns args[name] as an integer in [minimum, maximum], default when absent."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not DECIMAL.fullmatch(raw):
        raise bad_request(f"'{name}' must be {what}.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise bad_request(f"'{name}' must be between {minimum} and {maximum}.")
    return value


def epoch_ms(args, name, required=True):
    """Returns args[name] as epoch milliseconds (an integer)."""
    if required and args.get(name) in (None, ""):
        raise bad_request(f"'{name}' is required (epoch milliseconds).")
    return integer(args, name, None, 0, MAX_MS, "an integer (epoch milliseconds)")


def time_range(args, start_name="start_at", end_name="end_at"):
    """Returns (start, end), both inclusive; end before start is a 400."""
    start, end = epoch_ms(args, start_name), epoch_ms(args, end_name)
    if end < start:
        raise bad_request(f"'{end_name}' must not be before '{start_name}'.")
    return start, end


def unit(args, name="unit", default=None):
    value = args.get(name) or default
    if value not in UNIT_FORMATS:
        raise bad_request(f"'{name}' must be one of {', '.join(UNIT_FORMATS)}.")
    return value


def time_zone(args, name="tz", default=None):
    raw = args.get(name) or default
    zone = canonical_zone(raw)
    if zone is None:
        raise bad_request(f"'{name}' must be an IANA time zone name (e.g. Europe/Berlin).")
    return zone


def choice(args, name, allowed):
    value = args.get(name)
    if value not in allowed:
        raise bad_request(f"'{name}' must be one of {', '.join(allowed)}.")
    return value


def search_text(args, name="search"):
    """Returns args[name] for a substring (LIKE) search, None when absent or empty.

    SQLite's LIKE stops reading a pattern at a NUL character, so "a\\0b" would match like
    "a" and answer rows that do not hold the text: a NUL is refused instead.
    """
    value = args.get(name) or None
    if value is not None and "\x00" in value:
        raise bad_request(f"'{name}' must not contain a NUL character.")
    return value


def positive_int(args, name, default, maximum):
    return integer(args, name, default, 1, maximum)
