"""UmamiLite: mounts umami-lite into a Flask app, its own or a host's.

Everything umami-lite keeps lives in app.extensions["umami_lite"]; its routes live in one
parent blueprint `umami_lite` whose error handlers apply to its own routes only.
"""
import sys

from flask import Blueprint

from . import accounts, auth, clients, collect, config, db, errors, ingest, stats, websites
from .state import EXTENSION_KEY, State


def build_blueprint():
    """Returns a fresh parent blueprint holding every umami-lite route."""
    parent = Blueprint("umami_lite", __name__)
    for child in (auth.bp, collect.bp, stats.bp, websites.bp, accounts.bp):
        parent.register_blueprint(child)
    errors.register(parent)
    return parent


class UmamiLite:
    """The Flask extension: `UmamiLite(app)` or `ext = UmamiLite(); ext.init_app(app)`."""

    def __init__(self, app=None, url_prefix=None):
        self.url_prefix = url_prefix
        if app is not None:
            self.init_app(app)

    def init_app(self, app, url_prefix=None):
        prefix = url_prefix if url_prefix is not None else self.url_prefix
        settings = config.resolve(app.config)
        if settings["SALT_ROTATION"] not in ingest.ROTATIONS:
            raise ValueError(f"SALT_ROTATION must be one of {', '.join(ingest.ROTATIONS)}")
        try:
            networks = clients.parse_networks(settings["IGNORE_IP"])
        except ValueError as exc:
            raise ValueError(f"IGNORE_IP: {exc}") from None
        hash_method = app.config.get("UMAMI_LITE_PASSWORD_HASH_METHOD")
        secret, password = db.prepare(settings["UMAMI_LITE_DATABASE"],
                                      settings["UMAMI_LITE_ADMIN_PASSWORD"], hash_method)
        app.extensions[EXTENSION_KEY] = State(
            settings=settings,
            secret=settings["UMAMI_LITE_SECRET"] or secret,
            ignore_networks=networks,
            country_lookup=clients.CountryLookup(settings["UMAMI_LITE_GEOIP_DATABASE"]),
            clock=app.config.get("UMAMI_LITE_CLOCK"),
            hash_method=hash_method,
        )
        if password:
            print(f"umami-lite: created account 'admin' with password: {password}\n"
                  "umami-lite: this password is shown only once; change it after logging in.",
                  file=sys.stderr, flush=True)
        app.teardown_appcontext(db.close_db)
        app.register_blueprint(build_blueprint(), url_prefix=prefix or None)
        self.state = app.extensions[EXTENSION_KEY]
        return self.state

    @property
    def settings(self):
        return self.state.settings
