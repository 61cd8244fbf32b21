"""The registry of /metrics types: one name each, used in the URL, here and in tests.

It doubles as the whitelist: a type that is not a key here is a 400.
"""
from . import event, referrer, sessions, url

METRICS = {
    "url": url.query,
    "referrer": referrer.query,
    "event": event.query,
    **{column: sessions.counter(column) for column in sessions.COLUMNS},
}
