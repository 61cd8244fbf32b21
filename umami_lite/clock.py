"""The one source of "now", so tests can move time."""
import time

from flask import current_app, has_app_context


def now_ms():
    """Returns the current UTC time in epoch milliseconds (app.config['CLOCK'] if set)."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return int(clock())
    return int(time.time() * 1000)
