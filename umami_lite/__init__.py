"""umami-lite: Umami-compatible web analytics on Flask and SQLite."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import errors
from .web import security
from .extension import UmamiLite
from .web.fast_lane import IngestLane

__all__ = ["create_app", "UmamiLite"]


def create_app(test_config=None):
    """Returns the standalone app: settings from the environment, then test_config.

    test_config keys are the Flask config keys of the settings (UMAMI_LITE_...), plus
    UMAMI_LITE_CLOCK (a callable returning epoch ms) and UMAMI_LITE_PASSWORD_HASH_METHOD.
    """
    app = Flask(__name__)
    app.json.sort_keys = False
    if test_config:
        app.config.update(test_config)
    umami = UmamiLite(app, url_prefix="")
    app.wsgi_app = IngestLane(app, app.wsgi_app)
    hops = umami.settings["UMAMI_LITE_PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    errors.register_routing_errors(app)
    app.after_request(security.add_security_headers)  # also on 404s outside any route
    return app
