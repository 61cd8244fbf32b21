"""The settings table: every setting umami-lite reads, declared once.

README's settings table is checked against SETTINGS by a test. A value comes from the
Flask app's config (key `UMAMI_LITE_<NAME>`, or the name itself when it already starts
with `UMAMI_LITE_`), else from the environment (the name, then its aliases), else the
default.
"""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str            # environment variable and app.config key
    default: object
    help: str
    aliases: tuple = ()  # older names read when `name` is unset, in order


SETTINGS = (
    Setting("UMAMI_LITE_DATABASE", "umami-lite.db",
            "SQLite file path. The default is `umami-lite.db` in the current working "
            "directory; the file is created on first start."),
    Setting("UMAMI_LITE_SECRET", None,
            "Key for login, share and cache tokens and for visitor hashes. When unset: "
            "`APP_SECRET`, then `HASH_SALT`; when none is set, a random secret is generated "
            "once and kept in the database.", aliases=("APP_SECRET", "HASH_SALT")),
    Setting("UMAMI_LITE_ADMIN_PASSWORD", None,
            "Password of the first admin account `admin`, used when the database is created. "
            "When unset, a random password is printed once."),
    Setting("UMAMI_LITE_TOKEN_DAYS", 30,
            "Days a login token stays valid."),
    Setting("UMAMI_LITE_LOGIN_FAILURES", 10,
            "Failed logins allowed per account and per client IP within "
            "`UMAMI_LITE_LOGIN_WINDOW` minutes; further attempts get 429 until the window "
            "passes. `0` turns throttling off."),
    Setting("UMAMI_LITE_LOGIN_WINDOW", 15,
            "Minutes over which failed logins are counted for throttling."),
    Setting("UMAMI_LITE_RATE_IP", 1200,
            "Hits (`/api/collect`, `/api/send`, each `/api/batch` item) one client IP may send "
            "per minute, in bursts of as many; beyond that the hit gets 429 with `Retry-After` "
            "and is not stored. Counted per server process. `0` turns it off."),
    Setting("UMAMI_LITE_RATE_WEBSITE", 60000,
            "Hits one website may receive per minute (all its visitors together), counted "
            "like `UMAMI_LITE_RATE_IP`. `0` turns it off."),
    Setting("IGNORE_IP", "",
            "Comma-separated client IPs and CIDR ranges whose hits are dropped."),
    Setting("DISABLE_BOT_CHECK", False,
            "`1` stores hits from bot user agents too."),
    Setting("UMAMI_LITE_INGEST_JOURNAL", True,
            "`1`: a pageview or event without a distinct id is answered once appended to a journal "
            "file in `DATABASE-ingest/`, and stored within ~20 ms (a request that reads "
            "stores pending ones first); other hits are answered after their own commit, as "
            "every hit is with `0`. Either way an answered hit survives a crash of the server "
            "process, not of the machine."),
    Setting("SALT_ROTATION", "month",
            "How often the visitor-hash salt rotates on UTC boundaries: `month`, `week` or `day`."),
    Setting("CLIENT_IP_HEADER", None,
            "Read the client IP from this request header (e.g. `X-Real-IP`, "
            "`CF-Connecting-IP`). Only set it behind a proxy that always sets that header."),
    Setting("UMAMI_LITE_PROXY_COUNT", 0,
            "Number of reverse proxies in front of umami-lite whose `X-Forwarded-For`, "
            "`X-Forwarded-Proto` and `X-Forwarded-Host` are trusted."),
    Setting("UMAMI_LITE_COUNTRY_HEADER", None,
            "Take the visitor's country from this header (e.g. `CF-IPCountry`) instead of "
            "the IP lookup."),
    Setting("UMAMI_LITE_GEOIP_DATABASE", None,
            "Path of a MaxMind or DB-IP country `.mmdb` file to use instead of the bundled "
            "IP-to-country data."),
    Setting("UMAMI_LITE_URL_PREFIX", "/analytics",
            "Embedded only: the path `UmamiLite(app)` mounts umami-lite under in a host Flask "
            "app (an explicit `url_prefix` argument wins). The standalone server has no prefix."),
    Setting("UMAMI_LITE_AUTH_COOKIE", "umami.auth",
            "Name of the login cookie. Embedded, the cookie's path is the prefix, so it never "
            "reaches the host's own routes."),
    Setting("UMAMI_LITE_WEBSITE", None,
            "Embedded only: the website uuid that the `tracker_tag()` template helper emits; "
            "when unset, `UMAMI_LITE_TRACK_WEBSITE`."),
    Setting("UMAMI_LITE_TRACK_WEBSITE", None,
            "Embedded only: a website uuid; when set, every successful HTML page the host app "
            "serves is recorded as a pageview of that website, server-side (no script needed)."),
    Setting("UMAMI_LITE_TRACK_EXCLUDE", "",
            "Embedded only: comma-separated path prefixes (e.g. `/admin,/healthz`) that "
            "server-side tracking skips; `/admin` skips `/admin` and `/admin/...`."),
    Setting("UMAMI_LITE_TRACK_QUEUE", 10000,
            "Embedded only: how many server-side pageviews may wait for the writer thread; "
            "beyond that they are dropped and counted, never blocking the host's request."),
)

BOOLEAN_TRUE = {"1", "true", "yes", "on"}


def _coerce(setting, raw):
    """Returns the raw environment string converted to the default's type."""
    if isinstance(setting.default, bool):
        return raw.strip().lower() in BOOLEAN_TRUE
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{setting.name} must be an integer, got {raw!r}") from None
    return raw


def config_key(name):
    """Returns the Flask config key of a setting: UMAMI_LITE_ prefixed."""
    return name if name.startswith("UMAMI_LITE_") else f"UMAMI_LITE_{name}"


def resolve(app_config, environ=None):
    """Returns {name: value} for every setting: app config, then environment, then default."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        value = setting.default
        if config_key(setting.name) in app_config:
            value = app_config[config_key(setting.name)]
            if isinstance(value, str) and isinstance(setting.default, (bool, int)):
                value = _coerce(setting, value)
        else:
            for key in (setting.name, *setting.aliases):
                if environ.get(key):
                    value = _coerce(setting, environ[key])
                    break
        values[setting.name] = value
    return values
