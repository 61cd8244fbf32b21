"""The per-app state of umami-lite, kept in app.extensions so that host apps are untouched."""
import time
from dataclasses import dataclass

from flask import current_app

EXTENSION_KEY = "umami_lite"


@dataclass
class State:
    settings: dict            # name -> value for every config.SETTINGS entry
    secret: str               # signs login, share and cache tokens
    ignore_networks: tuple    # parsed IGNORE_IP
    country_lookup: object    # clients.CountryLookup
    clock: object = None      # callable returning epoch ms; tests inject one
    hash_method: str = None   # werkzeug password hash method; tests use a fast one
    url_prefix: str = ""      # where umami-lite is mounted inside the app ("" standalone)
    cookie_name: str = "umami.auth"
    tracking: object = None   # hitqueue.HitQueue when server-side tracking is on, else None
    retention: object = None  # ops.schedule.RetentionSchedule: the daily prune
    hit_limits: object = None  # limits.HitLimits: per-IP and per-website rates of hits

    @property
    def database(self):
        return self.settings["UMAMI_LITE_DATABASE"]

    def now_ms(self):
        """Returns the current UTC time in epoch milliseconds (the injected clock if any)."""
        return int(self.clock()) if self.clock is not None else int(time.time() * 1000)

    def cookie_path(self, script_root):
        """Returns the Path of umami-lite's cookies: its own mount point, "/" standalone.

        script_root is the request's (SCRIPT_NAME, e.g. from a proxy's X-Forwarded-Prefix),
        so an embedded login cookie never reaches the host's other routes.
        """
        return f"{script_root}{self.url_prefix}" or "/"


def state():
    """Returns the State of the current app."""
    return current_app.extensions[EXTENSION_KEY]
