"""The bundled IP -> country table against geoip2fast, whose data it reads."""
import ipaddress
import random

from geoip2fast import GeoIP2Fast

from umami_lite.clients import BundledCountries, CountryLookup


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
