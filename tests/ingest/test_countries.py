"""The bundled IP -> country table against geoip2fast, whose data it reads."""
import ipaddress
import random

import pytest
from conftest import open_stored, send
from geoip2fast import GeoIP2Fast

from umami_lite.ingest import countries
from umami_lite.ingest import visitor as clients
from umami_lite.ingest.countries import BundledCountries
from umami_lite.ingest.visitor import CountryLookup


@pytest.fixture(scope="module")
def ours():
    return BundledCountries()


@pytest.fixture(scope="module")
def theirs():
    return GeoIP2Fast(geoip2fast_data_file=countries.DATA_FILE, verbose=False)


def agree(ours, theirs, ip):
    """Returns whether geoip2fast found a country for ip; asserts that ours is the same."""
    expected = theirs.lookup(str(ip)).country_code
    if expected == "--":  # not found, private, or Andorra (geoip2fast calls it private)
        assert ours.country(ip) in (None, "AD"), ip
        return False
    if expected == "ASIA":  # a few networks known by their continent only: no country
        assert ours.country(ip) is None, ip
        return False
    assert ours.country(ip) == expected, ip
    return True


def test_bundled_countries_agree_with_geoip2fast_on_ipv4(ours, theirs):
    rng = random.Random(5)
    found = sum(agree(ours, theirs, ipaddress.IPv4Address(rng.randrange(1 << 32)))
                for _ in range(5000))
    assert found > 3000


def test_bundled_countries_agree_with_geoip2fast_on_ipv6(ours, theirs):
    """Random addresses inside the file's IPv6 networks (most of the IPv6 space is in none)."""
    random.seed(6)  # geoip2fast draws from the random module
    found = sum(agree(ours, theirs, ipaddress.IPv6Address(theirs.generate_random_ipv6_address()))
                for _ in range(3000))
    assert found > 2900


def edges(start, end):
    """Returns the first and last address of a network and the two just outside it."""
    return [ipaddress.IPv6Address(n) for n in (start - 1, start, end, end + 1)]


def test_ipv6_networks_are_found_to_their_edges(ours, theirs):
    """Networks of a /64 or shorter are held by their first 64 bits; the ~700 narrower
    ones sit in a list of their own, asked first."""
    short, low = ours.ipv6, (1 << countries.HALF) - 1
    rng = random.Random(8)
    for index in rng.sample(range(len(short.starts)), 2000):
        start, end = short.starts[index] << countries.HALF, short.ends[index] << countries.HALF
        for ip in edges(start, end | low):
            agree(ours, theirs, ip)
    long = ours.ipv6_long
    assert 100 < len(long.starts) < 5000
    for start, end in zip(long.starts, long.ends):
        for ip in edges(start, end):
            agree(ours, theirs, ip)


# Well-known public IPv6 addresses and the country the bundled data file gives them.
PUBLIC_IPV6 = [
    ("2001:4860:4860::8888", "US"),                  # Google Public DNS
    ("2606:4700:4700::1111", "US"),                  # Cloudflare DNS
    ("2620:fe::fe", "CH"),                           # Quad9
    ("2001:7fd::1", "NL"),                           # k.root-servers.net (RIPE NCC)
    ("2001:67c:2e8:22::c100:68b", "NL"),             # www.ripe.net
    ("2a01:4f8:c17:b8f::2", "DE"),                   # Hetzner's 2a01:4f8::/32
    ("2001:718:1:101::141", "CZ"),                   # CESNET
    ("2001:200:dff:fff1:216:3eff:feb1:44d7", "JP"),  # WIDE project (www.kame.net)
    ("2001:da8:8000:1::1", "CN"),                    # CERNET (Tsinghua)
    ("2001:388:1::1", "AU"),                         # AARNet
    ("2001:12ff:0:4::22", "BR"),                     # NIC.br
    ("2001:43f8:110::10", "ZA"),                     # AFRINIC's 2001:43f8::/32
]
NO_COUNTRY = ["::1", "::", "fe80::1", "fe80::1c2d:3eff:fe4f:5a6b", "fd12:3456:789a::1",
              "fc00::1", "2001:db8::1", "ff02::1", "::ffff:10.0.0.7", "10.1.2.3",
              "127.0.0.1", "192.168.1.1"]


@pytest.mark.parametrize("text, country", [*PUBLIC_IPV6, ("8.8.8.8", "US"),
                                           ("81.2.69.160", "GB"), ("::ffff:8.8.8.8", "US")])
def test_lookup_answers_public_ipv4_and_ipv6(text, country):
    assert CountryLookup().lookup(clients.normalize_ip(text)) == country


@pytest.mark.parametrize("text", NO_COUNTRY)
def test_private_loopback_link_local_and_documentation_addresses_get_no_country(text):
    assert CountryLookup().lookup(clients.normalize_ip(text)) is None


def test_no_address_gets_no_country():
    assert CountryLookup().lookup(None) is None


def test_the_ipv4_only_file_still_loads_and_finds_no_ipv6(ours):
    ipv4_only = BundledCountries(countries.IPV4_FILE)
    assert len(ipv4_only.ipv6.starts) == len(ipv4_only.ipv6_long.starts) == 0
    assert ipv4_only.country(ipaddress.ip_address("2001:4860:4860::8888")) is None
    assert ipv4_only.ipv4.starts == ours.ipv4.starts  # the same IPv4 networks in both


@pytest.mark.parametrize("remote_addr, country", [("2001:7fd::1", "NL"), ("fe80::1", None)])
def test_a_hit_from_ipv6_stores_its_country(app, client, website, remote_addr, country):
    assert send(client, website["id"], remote_addr=remote_addr).status_code == 200
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        assert conn.execute("SELECT country FROM session").fetchall() == [(country,)]
    finally:
        conn.close()


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
