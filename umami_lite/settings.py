"""The settings table: every setting umami-lite reads, declared once.

README's settings table is checked against SETTINGS by a test. A value comes from the
Flask app's config (key `UMAMI_LITE_<NAME>`, or the name itself when it already starts
with `UMAMI_LITE_`), else from the environment (the name, then its aliases), else the
default.
"""
import ipaddress
import os
import re
from dataclasses import dataclass

from .storage.dialect import is_postgres


class SettingError(ValueError):
    """A setting's value is unusable; the message names the setting and the value.

    setting is the setting's name and problem the rest of the message, so that the command
    line can name its flag instead when the flag gave the value (named())."""

    def __init__(self, setting, problem):
        super().__init__(f"{setting} {problem}")
        self.setting = setting
        self.problem = problem

    def named(self, source):
        """Returns the message with source (a command-line flag) in place of the setting."""
        return f"{source} {self.problem}"


def at_least(minimum):
    """Returns a check refusing integers below minimum."""
    return lambda value: None if value >= minimum else f"must be at least {minimum}, got {value}"


def database_path(path):
    """Refuses a database path that can never be opened: empty, a directory, a missing folder.
    (Read-only, non-database and corrupt files are found when the file is opened.)"""
    if not path.strip():
        return "must be a file path"
    if is_postgres(path):
        return None  # a PostgreSQL server: found when connecting
    if os.path.isdir(path):
        return f"{path} is a directory, not a database file"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"{path}: the folder {folder} does not exist"
    return None


def min_length(minimum):
    return lambda value: (None if value is None or len(value) >= minimum
                          else f"must have at least {minimum} characters")


def one_of(*choices):
    return lambda value: None if value in choices else (
        f"must be one of {', '.join(choices)}, got {value!r}")


def parse_networks(spec):
    """Returns the IP networks in a comma-separated list of IPs and CIDR ranges."""
    networks = []
    for part in (spec or "").split(","):
        part = part.strip()
        if part:
            networks.append(ipaddress.ip_network(part, strict=False))
    return tuple(networks)


def ip_list(value):
    try:
        parse_networks(value)
    except ValueError as exc:
        return str(exc)
    return None


def header_name(value):
    return None if value is None or re.fullmatch(r"[A-Za-z0-9-]+", value) else (
        f"is not a header name: {value!r}")


def cookie_name(value):
    return None if re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", value) else (
        f"is not a cookie name: {value!r}")


def mmdb_file(path):
    """Refuses a GeoIP path that is not a readable .mmdb file."""
    if path is None:
        return None
    if not os.path.isfile(path):
        return f"no such file: {path}"
    import maxminddb
    try:
        maxminddb.open_database(path).close()
    except (OSError, ValueError, maxminddb.InvalidDatabaseError):
        return f"{path} is not a MaxMind database (.mmdb) file"
    return None


SALT_ROTATIONS = ("month", "week", "day")


@dataclass(frozen=True)
class Setting:
    name: str            # environment variable and app.config key
    default: object
    help: str
    aliases: tuple = ()  # older names read when `name` is unset, in order
    check: object = None  # value -> None, or what is wrong with it


SETTINGS = (
    Setting("UMAMI_LITE_DATABASE", "umami-lite.db",
            "SQLite file path, or a PostgreSQL URL (`postgresql://user@host/dbname`, "
            "docs/postgresql.md). The default is `umami-lite.db` in the current working "
            "directory; the file is created on first start.",
            check=database_path),
    Setting("UMAMI_LITE_SECRET", None,
            "Key for login, share and cache tokens and for visitor hashes. When unset: "
            "`APP_SECRET`, then `HASH_SALT`; when none is set, a random secret is generated "
            "once and kept in the database.", aliases=("APP_SECRET", "HASH_SALT"),
            check=min_length(16)),
    Setting("UMAMI_LITE_ADMIN_PASSWORD", None,
            "Password of the first admin account `admin`, used when the database is created. "
            "When unset, a random password is printed once.",
            check=min_length(8)),
    Setting("UMAMI_LITE_TOKEN_DAYS", 30,
            "Days a login token stays valid.",
            check=at_least(1)),
    Setting("UMAMI_LITE_LOGIN_FAILURES", 10,
            "Failed logins allowed per account and per client IP within "
            "`UMAMI_LITE_LOGIN_WINDOW` minutes; further attempts get 429 until the window "
            "passes. `0` turns throttling off.",
            check=at_least(0)),
    Setting("UMAMI_LITE_LOGIN_WINDOW", 15,
            "Minutes over which failed logins are counted for throttling.",
            check=at_least(1)),
    Setting("UMAMI_LITE_RATE_IP", 1200,
            "Hits (`/api/collect`, `/api/send`, each `/api/batch` item, link and pixel views) "
            "one client IP may send per minute, in bursts of as many; beyond that the hit gets "
            "429 with `Retry-After` (a link or pixel view its redirect or image) and is not "
            "stored. Counted per server process. `0` turns it off.",
            check=at_least(0)),
    Setting("UMAMI_LITE_RATE_WEBSITE", 60000,
            "Hits one website may receive per minute (all its visitors together), counted "
            "like `UMAMI_LITE_RATE_IP`. `0` turns it off.",
            check=at_least(0)),
    Setting("IGNORE_IP", "",
            "Comma-separated client IPs and CIDR ranges whose hits are dropped.",
            check=ip_list),
    Setting("DISABLE_BOT_CHECK", False,
            "`1` stores hits from bot user agents too."),
    Setting("UMAMI_LITE_INGEST_JOURNAL", True,
            "`1`: a pageview, event or web vitals sample without a distinct id is answered once "
            "appended to a journal "
            "file in `DATABASE-ingest/`, and stored within ~20 ms (a request that reads "
            "stores pending ones first); other hits are answered after their own commit, as "
            "every hit is with `0`. Either way an answered hit survives a crash of the server "
            "process, not of the machine."),
    Setting("SALT_ROTATION", "month",
            "How often the visitor-hash salt rotates on UTC boundaries: `month`, `week` or `day`.",
            check=one_of(*SALT_ROTATIONS)),
    Setting("CLIENT_IP_HEADER", None,
            "Read the client IP from this request header (e.g. `X-Real-IP`, "
            "`CF-Connecting-IP`). Only set it behind a proxy that always sets that header.",
            check=header_name),
    Setting("UMAMI_LITE_PROXY_COUNT", 0,
            "Number of reverse proxies in front of umami-lite whose `X-Forwarded-For`, "
            "`X-Forwarded-Proto` and `X-Forwarded-Host` are trusted.",
            check=at_least(0)),
    Setting("UMAMI_LITE_COUNTRY_HEADER", None,
            "Take the visitor's country from this header (e.g. `CF-IPCountry`) instead of "
            "the IP lookup.",
            check=header_name),
    Setting("UMAMI_LITE_GEOIP_DATABASE", None,
            "Path of a MaxMind or DB-IP country `.mmdb` file to use instead of the bundled "
            "IP-to-country data.",
            check=mmdb_file),
    Setting("UMAMI_LITE_URL_PREFIX", "/analytics",
            "Embedded only: the path `UmamiLite(app)` mounts umami-lite under in a host Flask "
            "app (an explicit `url_prefix` argument wins). The standalone server has no prefix."),
    Setting("UMAMI_LITE_AUTH_COOKIE", "umami.auth",
            "Name of the login cookie. Embedded, the cookie's path is the prefix, so it never "
            "reaches the host's own routes.",
            check=cookie_name),
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
            "beyond that they are dropped and counted, never blocking the host's request.",
            check=at_least(1)),
)

BOOLEAN_TRUE = {"1", "true", "yes", "on"}
BOOLEAN_FALSE = {"0", "false", "no", "off", ""}


def _coerce(setting, raw):
    """Returns the raw environment string converted to the default's type."""
    if isinstance(setting.default, bool):
        word = raw.strip().lower()
        if word not in BOOLEAN_TRUE | BOOLEAN_FALSE:
            raise SettingError(setting.name, f"must be 1 or 0 (true/false), got {raw!r}")
        return word in BOOLEAN_TRUE
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingError(setting.name, f"must be an integer, got {raw!r}") from None
    return raw


def _check(setting, value):
    """Returns value after setting.check, or raises SettingError naming the setting."""
    problem = setting.check(value) if setting.check and value is not None else None
    if problem:
        raise SettingError(setting.name, problem)
    return value


def checked(name, value):
    """Returns value after the check of the setting called name; raises SettingError."""
    return _check(next(s for s in SETTINGS if s.name == name), value)


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
        values[setting.name] = _check(setting, value)
    return values
