"""What a hit says about its visitor: IP, browser, OS, device, country, bot or not.

Everything here is an in-memory lookup; results are cached. Nothing here is stored raw.
"""
import ipaddress
import re
import socket
from functools import lru_cache

import user_agents

from .countries import bundled_countries
from .record import Visitor

DESKTOP_OS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Debian", "Fedora", "FreeBSD",
              "OpenBSD", "NetBSD", "Solaris", "Chrome OS", "ChromeOS", "macOS"}
MOBILE_OS = {"iOS", "Android", "BlackBerry OS", "Windows Phone", "Fire OS", "KaiOS"}
# user-agents misses headless browsers and most HTTP libraries.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|headless|phantomjs|lighthouse|curl/|wget/|python-requests|"
    r"python-urllib|httpx|aiohttp|go-http-client|okhttp|java/|libwww|scrapy|axios/|"
    r"node-fetch|facebookexternalhit|preview|monitor|pingdom|uptime", re.I)


@lru_cache(maxsize=4096)
def parse_user_agent(ua):
    """Returns (browser, os, is_bot) for a user agent string."""
    parsed = user_agents.parse(ua or "")
    is_bot = not ua or parsed.is_bot or bool(BOT_PATTERN.search(ua))
    browser = parsed.browser.family if parsed.browser.family != "Other" else None
    os_name = parsed.os.family if parsed.os.family != "Other" else None
    return browser, os_name, is_bot


@lru_cache(maxsize=1024)  # every hit asks; screens and OSes repeat
def device_for(os_name, screen):
    """Returns laptop/desktop/tablet/mobile from screen width and OS (Umami v1 thresholds)."""
    if not screen:
        return None
    # at most 9 digits: int() refuses more than 4,300, and no screen is wider anyway
    match = re.match(r"\s*(\d{1,9})", screen)
    if not match:
        return None
    width = int(match.group(1))
    if os_name in DESKTOP_OS:
        return "laptop" if os_name in ("Chrome OS", "ChromeOS") or width < 1920 else "desktop"
    if os_name in MOBILE_OS:
        return "tablet" if os_name == "Fire OS" or width > 479 else "mobile"
    if width >= 1920:
        return "desktop"
    if width >= 1024:
        return "laptop"
    if width >= 479:
        return "tablet"
    return "mobile"


def normalize_ip(value):
    """Returns an ip_address for value (IPv4-mapped IPv6 unwrapped), or None."""
    text = (value or "").strip().strip("[]")
    if not text:  # (no header, no address: "" would fail slowly, through two exceptions)
        return None
    try:  # a dotted quad, as ip_address() reads it, at a quarter of its cost (every hit)
        return ipaddress.IPv4Address(socket.inet_pton(socket.AF_INET, text))
    except (OSError, ValueError):
        pass
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def client_ip(request, header_name):
    """Returns the client IP: from header_name when configured, else the socket address."""
    header_value = request.headers.get(header_name) if header_name else None
    return pick_ip(header_value, request.remote_addr)


def pick_ip(header_value, remote_addr):
    """Returns the ip_address of the first entry of header_value, else of remote_addr."""
    return normalize_ip((header_value or "").split(",")[0]) or normalize_ip(remote_addr)


# Every IPv4 address that is not global (private, shared, loopback, link-local,
# documentation, reserved: IANA's special-purpose registry) starts with one of these bytes
# (multicast and up too, to be safe). ipaddress's is_global walks 15 networks per address
# (~30 k instructions, 6% of a hit not in the lookup's cache: callgrind), so it is asked
# only about these.
SPECIAL_FIRST_BYTES = frozenset({0, 10, 100, 127, 169, 172, 192, 198, 203, *range(224, 256)})


def is_global(ip):
    """Returns ip.is_global (an ip_address), asking ipaddress only where it can be False."""
    if ip.version == 4 and int(ip) >> 24 not in SPECIAL_FIRST_BYTES:
        return True
    return ip.is_global


def is_ignored(ip, networks):
    return ip is not None and any(ip.version == n.version and ip in n for n in networks)


class CountryLookup:
    """IP -> ISO country code from an .mmdb file if given, else geoip2fast's bundled data."""

    def __init__(self, mmdb_path=None):
        self.mmdb_path = mmdb_path
        self._reader = None

    def _load(self):
        if self._reader is None:
            if self.mmdb_path:
                import maxminddb
                self._reader = ("mmdb", maxminddb.open_database(self.mmdb_path))
            else:
                self._reader = ("bundled", bundled_countries())
        return self._reader

    def preload(self):
        """Loads the table now: a server calls it before forking, so that its workers
        share it and do not each build it among live requests (which left the
        intermediate lists' memory fragmented: 25 MB more RSS in one worker)."""
        self._load()

    @lru_cache(maxsize=8192)
    def lookup(self, ip):
        """Returns the two-letter country for a public ip_address, else None."""
        if ip is None or not is_global(ip):
            return None
        kind, reader = self._load()
        try:
            if kind == "mmdb":
                record = reader.get(str(ip)) or {}
                code = (record.get("country") or record.get("registered_country") or {}).get(
                    "iso_code")
            else:
                code = reader.country(ip)
        except Exception:  # a lookup failure must never fail a hit
            return None
        return code if code and re.fullmatch(r"[A-Z]{2}", code) else None


def country_from_header(request, header_name):
    return country_code(request.headers.get(header_name))


def country_code(value):
    """Returns a country header's value as a two-letter code, or None (missing, XX, junk)."""
    value = (value or "").strip().upper()
    return value if re.fullmatch(r"[A-Z]{2}", value) and value != "XX" else None


def make_visitor(umami, ip, ua, hostname, screen, language, header_country=None):
    """Returns (Visitor, reason) for umami's State; reason is 'bot', 'ip' or None.

    /api/collect calls it with the request's values and the server-side tracking writer off
    the request path, so a tracked page and a tracker hit of the same visitor get the same
    session identity.
    """
    settings = umami.settings
    browser, os_name, is_bot = parse_user_agent(ua)
    reason = None
    if is_bot and not settings["DISABLE_BOT_CHECK"]:
        reason = "bot"
    elif is_ignored(ip, umami.ignore_networks):
        reason = "ip"
    country = header_country if settings["UMAMI_LITE_COUNTRY_HEADER"] else (
        umami.country_lookup.lookup(ip))
    visitor = Visitor(
        ip=str(ip or ""), user_agent=ua, hostname=hostname, browser=browser, os=os_name,
        device=device_for(os_name, screen), screen=screen, language=language,
        country=country)
    return visitor, reason
