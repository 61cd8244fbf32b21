"""The bundled IP -> country table: memory, load time and lookup rate per data file.

    python bench/countries.py [--lookups 200000] [--loads 3]

For geoip2fast's IPv4 file and its IPv4 + IPv6 file (the one umami-lite loads), each
built --loads times in a fresh interpreter, prints: the median time to build
BundledCountries, the RSS it adds to the process once built, the same once the freed heap
is handed back to the kernel (cli.release_free_heap(), what `umami-lite serve` does before
it forks its workers, which start with that RSS), the peak RSS while building, the bytes of
the tables themselves, lookups per second of BundledCountries.country on random public
addresses inside the file's networks (IPv4, and IPv6 for the second file; the fastest of 3
passes), and for scale the RSS geoip2fast's own GeoIP2Fast adds for the same file. Then
the rate of what a hit asks, CountryLookup.lookup (the is_global check, then the table),
on addresses it has not cached. The budget is RSS <= 80 MB per server worker
(bench/ingest.py measures whole workers).
Figures only; nothing here asserts a speed.
"""
import argparse
import gc
import ipaddress
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from umami_lite.cli import release_free_heap  # noqa: E402
from umami_lite.ingest import countries  # noqa: E402
from umami_lite.ingest.visitor import CountryLookup  # noqa: E402

FILES = (countries.IPV4_FILE, countries.DATA_FILE)


def rss_mb(field="VmRSS"):
    """Returns this process's resident set (or, with VmHWM, its peak) in MiB."""
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{field}:\s+(\d+)", status.read(), re.M).group(1)) / 1024


def table_bytes(table):
    """Returns the bytes held by the arrays (and short lists) of a BundledCountries."""
    size = 0
    for networks in (table.ipv4, table.ipv6, table.ipv6_long):
        for column in (networks.starts, networks.ends, networks.label_ids):
            size += (column.itemsize * len(column) if hasattr(column, "itemsize")
                     else sys.getsizeof(column) + sum(map(sys.getsizeof, column)))
    return size


def sample(table, version, count, rng):
    """Returns count random addresses inside networks of table that have a country."""
    if version == 4:
        networks, bits, shift = table.ipv4, 32, 0
    else:
        networks, bits, shift = table.ipv6, 128, countries.HALF
    found = []
    while len(found) < count:
        index = rng.randrange(len(networks.starts))
        if table.codes[networks.label_ids[index]] is None:
            continue
        first, last = networks.starts[index], networks.ends[index]
        number = (rng.randint(first, last) << shift) | rng.getrandbits(shift)
        found.append(ipaddress.ip_address(number) if bits == 128
                     else ipaddress.IPv4Address(number))
    return found


def measure_load(data_file):
    """Runs in a fresh interpreter: returns the figures of building one table."""
    import geoip2fast  # noqa: F401 (its import is not the table's cost)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    table = countries.BundledCountries(data_file)
    seconds = time.perf_counter() - started
    gc.collect()
    built = rss_mb() - before
    release_free_heap()
    return {"seconds": seconds, "rss": built, "trimmed": rss_mb() - before,
            "peak": rss_mb("VmHWM") - before, "bytes": table_bytes(table)}


def measure_geoip2fast(data_file):
    """Runs in a fresh interpreter: returns the RSS geoip2fast's own reader adds."""
    from geoip2fast import GeoIP2Fast
    gc.collect()
    before = rss_mb()
    reader = GeoIP2Fast(geoip2fast_data_file=data_file, verbose=False)
    gc.collect()
    assert reader.lookup("8.8.8.8").country_code
    return {"rss": rss_mb() - before}


def in_child(function, data_file):
    """Returns function(data_file)'s figures, computed by a fresh interpreter."""
    done = subprocess.run([sys.executable, __file__, "--child", function, data_file],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def lookups_per_s(table, addresses, repeat=3):
    """Returns the lookups per second of the fastest of repeat passes (the machine's other
    work only ever slows a pass)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for ip in addresses:
            table.country(ip)
        best = min(best, time.perf_counter() - started)
    return len(addresses) / best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        function, data_file = args.child
        figures = {"load": measure_load, "geoip2fast": measure_geoip2fast}[function]
        print(json.dumps(figures(data_file)))
        return

    rng = random.Random(21)
    print(f"{'data file':<24} {'build s':>8} {'RSS MB':>7} {'trimmed':>8} {'peak MB':>8} "
          f"{'tables MB':>10} "
          f"{'IPv4 /s':>10} {'IPv6 /s':>10} {'geoip2fast MB':>14}")
    for data_file in FILES:
        loads = [in_child("load", data_file) for _ in range(args.loads)]
        table = countries.BundledCountries(data_file)
        rates = [f"{lookups_per_s(table, sample(table, 4, args.lookups, rng)):>10,.0f}"]
        rates.append(f"{lookups_per_s(table, sample(table, 6, args.lookups, rng)):>10,.0f}"
                     if len(table.ipv6.starts) else f"{'-':>10}")
        theirs = in_child("geoip2fast", data_file)
        print(f"{data_file:<24} {statistics.median(r['seconds'] for r in loads):8.2f} "
              f"{statistics.median(r['rss'] for r in loads):7.1f} "
              f"{statistics.median(r['trimmed'] for r in loads):8.1f} "
              f"{statistics.median(r['peak'] for r in loads):8.1f} "
              f"{loads[0]['bytes'] / 2**20:10.1f} {rates[0]} {rates[1]} "
              f"{theirs['rss']:14.1f}", flush=True)
    for version in (4, 6):
        addresses = sample(table, version, args.lookups, rng)
        started = time.perf_counter()
        lookup = CountryLookup().lookup  # a new cache: every address is a miss
        for ip in addresses:
            lookup(ip)
        rate = len(addresses) / (time.perf_counter() - started)
        print(f"CountryLookup.lookup, uncached IPv{version}: {rate:,.0f} /s")


if __name__ == "__main__":
    main()
