"""The one source of "now", so tests can move time."""
import time

from flask import current_app, has_app_context

from .state import EXTENSION_KEY


def now_ms():
    """Returns the current UTC time in epoch milliseconds (the app's injected clock if any)."""
    if has_app_context():
        umami = current_app.extensions.get(EXTENSION_KEY)
        if umami is not None:
            return umami.now_ms()
    return int(time.time() * 1000)
