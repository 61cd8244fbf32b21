"""Parsing and validating query-string parameters; every failure is a 400 naming it."""
from .errors import bad_request
from .timezones import UNIT_FORMATS, canonical_zone

MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


def epoch_ms(args, name, required=True):
    """Returns args[name] as epoch milliseconds (an integer)."""
    raw = args.get(name)
    if raw is None or raw == "":
        if required:
            raise bad_request(f"'{name}' is required (epoch milliseconds).")
        return None
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"'{name}' must be an integer (epoch milliseconds).") from None
    if not 0 <= value <= MAX_MS:
        raise bad_request(f"'{name}' is out of range.")
    return value


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
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"'{name}' must be an integer.") from None
    if not 1 <= value <= maximum:
        raise bad_request(f"'{name}' must be between 1 and {maximum}.")
    return value
