"""Bounds on what one unauthenticated client can cost on the public ingest routes.

Anyone who knows a website uuid (it is in every tracked page) may send hits, so each hit's
properties are bounded in number and size, and hits are rate limited per client IP and per
website: beyond the limit the answer is a 429 with Retry-After, and nothing is stored.
Rates are counted in this process's memory (one hit costs a lock and a dict lookup; a count
in SQLite would cost a write per hit): with N worker processes a client gets up to N times
the setting. IPs live here only as dictionary keys, never written anywhere.
"""
import math
import threading
import time

from . import record as ingest
from ..errors import ApiError, bad_request

MAX_PROPERTIES = ingest.MAX_DATA_KEYS  # of one event (each nested key counts one)
MAX_PROPERTIES_CHARS = 4096  # their keys and values together, as stored (after clipping)
MAX_BUCKETS = 100_000        # keys a RateLimiter remembers (about 15 MB at most)


def check_properties(data):
    """Raises 400 when an event's (or identify's) data has too many properties or is too
    large as stored; returns nothing. None and {} pass."""
    if not data:
        return
    count = chars = 0
    for key, _kind, text, _number, _date in ingest.data_rows(data):
        count += 1
        chars += len(key) + len(text or "")
        if count > MAX_PROPERTIES:
            raise bad_request(f"Event data holds more than {MAX_PROPERTIES} properties.")
    if chars > MAX_PROPERTIES_CHARS:
        raise bad_request(f"Event data is larger than {MAX_PROPERTIES_CHARS} characters "
                          "(keys and values together).")


class RateLimiter:
    """Token buckets: each key may spend `per_minute` hits at once, refilled evenly over a
    minute. per_minute 0 turns it off."""

    def __init__(self, per_minute, clock=time.monotonic):
        self.capacity = per_minute
        self.rate = per_minute / 60  # hits per second
        self.clock = clock
        self.buckets = {}  # key -> [tokens, time of the last refill]
        self.lock = threading.Lock()

    def take(self, key):
        """Spends one hit of key; returns 0, or the seconds until it could be spent."""
        if self.capacity <= 0:
            return 0
        now = self.clock()
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                if len(self.buckets) >= MAX_BUCKETS:
                    self._forget_full(now)
                bucket = self.buckets[key] = [self.capacity, now]
            else:
                bucket[0] = min(self.capacity, bucket[0] + (now - bucket[1]) * self.rate)
                bucket[1] = now
            if bucket[0] >= 1:
                bucket[0] -= 1
                return 0
            return max(1, math.ceil((1 - bucket[0]) / self.rate))

    def _forget_full(self, now):
        """Drops the buckets that have refilled (they hold nothing a new one would not);
        when all are in use, drops them all rather than grow without bound."""
        full = [key for key, (tokens, at) in self.buckets.items()
                if tokens + (now - at) * self.rate >= self.capacity]
        for key in full:
            del self.buckets[key]
        if len(self.buckets) >= MAX_BUCKETS:
            self.buckets.clear()


class HitLimits:
    """The per-IP and per-website rate limits of one app (State.hit_limits)."""

    def __init__(self, settings, clock=time.monotonic):
        self.per_ip = RateLimiter(settings["UMAMI_LITE_RATE_IP"], clock)
        self.per_website = RateLimiter(settings["UMAMI_LITE_RATE_WEBSITE"], clock)

    def admit(self, ip, website_key):
        """Counts one hit of this client IP to this website (uuid); raises 429 past either
        limit. A hit refused per IP does not count against the website."""
        wait = self.per_ip.take(ip)
        if wait:
            raise too_many("this client", wait)
        wait = self.per_website.take(website_key)
        if wait:
            raise too_many("this website", wait)


def too_many(whom, seconds):
    return ApiError(429, f"Too many hits from {whom}; retry after {seconds} s.",
                    headers={"Retry-After": str(seconds)})
