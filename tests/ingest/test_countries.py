"""The bundled IP -> country table against geoip2fast, whose data it reads."""
import ipaddress
import random

from geoip2fast import GeoIP2Fast

from umami_lite.ingest import visitor as clients
from umami_lite.ingest.visitor import BundledCountries, CountryLookup


def test_bundled_countries_agree_with_geoip2fast():
    ours, theirs = BundledCountries(), GeoIP2Fast(verbose=False)
    rng = random.Random(5)
    found = 0
    for _ in range(5000):
        ip = ipaddress.IPv4Address(rng.randrange(1 << 32))
        expected = theirs.lookup(str(ip)).country_code
        if expected == "--":  # not found, private, or Andorra (geoip2fast calls it private)
            assert ours.country(ip) in (None, "AD"), ip
        else:
            assert ours.country(ip) == expected, ip
            found += 1
    assert found > 3000


def test_lookup_answers_public_ipv4_only():
    lookup = CountryLookup()
    assert lookup.lookup(ipaddress.ip_address("8.8.8.8")) == "US"
    assert lookup.lookup(ipaddress.ip_address("81.2.69.160")) == "GB"
    assert lookup.lookup(ipaddress.ip_address("10.1.2.3")) is None
    assert lookup.lookup(ipaddress.ip_address("2001:db8::1")) is None
    assert lookup.lookup(None) is None


def test_is_global_agrees_with_ipaddress_on_every_first_byte_and_special_network():
    """clients.is_global skips ipaddress outside SPECIAL_FIRST_BYTES: this checks, on the
    Python that runs the tests, that every address there is global, and that inside them
    the answer is ipaddress's own."""
    rng = random.Random(7)
    samples = [ipaddress.IPv4Address((first << 24) | rest) for first in range(256)
               for rest in (0, 1, 0xFFFFFF, rng.randrange(1 << 24), rng.randrange(1 << 24))]
    special = ["0.0.0.0", "10.9.8.7", "100.64.0.1", "100.127.255.255", "127.0.0.1",
               "169.254.1.1", "172.16.0.1", "172.31.255.255", "192.0.0.9", "192.0.0.170",
               "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.51.100.7",
               "203.0.113.9", "224.0.0.1", "240.0.0.1", "255.255.255.255", "8.8.8.8",
               "2001:db8::1", "::1", "2606:4700::1111", "fe80::1"]
    for ip in samples + [ipaddress.ip_address(text) for text in special]:
        assert clients.is_global(ip) == ip.is_global, ip
    assert not clients.is_global(ipaddress.ip_address("192.168.1.1"))
    assert clients.is_global(ipaddress.ip_address("81.2.69.160"))
