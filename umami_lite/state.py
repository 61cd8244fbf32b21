"""The per-app state of umami-lite, kept in app.extensions so that host apps are untouched."""
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

    @property
    def database(self):
        return self.settings["UMAMI_LITE_DATABASE"]


def state():
    """Returns the State of the current app."""
    return current_app.extensions[EXTENSION_KEY]
