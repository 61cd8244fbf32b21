"""The bundled IP -> country table: geoip2fast's GeoLite2 country data in flat arrays.

geoip2fast itself keeps its networks as Python lists of ints: 27 MB in every server worker
for the IPv4 ones alone (bench/ingest.py measured 95 to 115 MB per worker with it, over
the 80 MB target). Here the networks are arrays of fixed-size numbers and a lookup is one
bisect, about half of geoip2fast's time (bench/countries.py prints the figures).
(geoip2fast also reports Andorra as a private range.)
"""
import gzip
import os
import pickle
import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from itertools import chain

DATA_FILE = "geoip2fast-ipv6.dat.gz"  # IPv4 and IPv6 networks
IPV4_FILE = "geoip2fast.dat.gz"       # the IPv4 ones only (bench/countries.py compares)
IPV4_END = 1 << 32                    # the file's IPv6 numbers all lie above IPv4's
HALF = 64                             # bits of an IPv6 network prefix (routing part)


class Networks:
    """Sorted, disjoint networks: their first and last numbers and their label ids."""

    def __init__(self, starts, ends, label_ids):
        self.starts, self.ends, self.label_ids = starts, ends, label_ids

    def label(self, number):
        """Returns the label id of the network holding number, or None."""
        index = bisect_right(self.starts, number) - 1
        if index < 0 or number > self.ends[index]:
            return None
        return self.label_ids[index]


class BundledCountries:
    """IPv4 and IPv6 -> country from one of geoip2fast's data files.

    IPv4 networks are 32-bit numbers. An IPv6 network of a /64 or shorter prefix (all but
    ~700 of ~295 k) is kept by its first 64 bits, which 64-bit arrays hold; the longer
    ones, each inside a /64 that no shorter network covers, are a short list asked first.
    """

    def __init__(self, data_file=DATA_FILE):
        import geoip2fast  # only for its data file
        path = os.path.join(os.path.dirname(geoip2fast.__file__), data_file)
        with gzip.open(path) as source:
            _version, info, _count, data = pickle.load(source)  # the package's own file
        if not info.get("country") or info.get("asn") or info.get("city"):
            raise ValueError(f"unexpected geoip2fast data: {info}")
        _index, labels, first_ips, label_ids, prefix_lengths = data
        starts = list(chain.from_iterable(first_ips))  # sorted: IPv4 first, then IPv6
        lengths = list(chain.from_iterable(prefix_lengths))
        ids = array("H", chain.from_iterable(label_ids))
        split = bisect_left(starts, IPV4_END)
        self.ipv4 = Networks(
            array("I", starts[:split]),
            array("I", (start + (1 << (32 - length)) - 1
                        for start, length in zip(starts[:split], lengths[:split]))),
            ids[:split])
        self.ipv6, self.ipv6_long = self._ipv6(starts, lengths, ids, split)
        # "DE:Germany"; private and reserved ranges have numbers ("02:Private Network ...")
        codes = (label.split(":")[0] for label in labels)
        self.codes = [code if re.fullmatch(r"[A-Z]{2}", code) else None for code in codes]

    @staticmethod
    def _ipv6(starts, lengths, ids, split):
        """Returns (the /64-or-shorter networks by their first 64 bits, the longer ones)."""
        short = Networks(array("Q"), array("Q"), array("H"))
        long = Networks([], [], array("H"))
        for index in range(split, len(starts)):
            start, length = starts[index], lengths[index]
            if length <= HALF:
                first = start >> HALF
                short.starts.append(first)
                short.ends.append(first + (1 << (HALF - length)) - 1)
                short.label_ids.append(ids[index])
            else:
                long.starts.append(start)
                long.ends.append(start + (1 << (128 - length)) - 1)
                long.label_ids.append(ids[index])
        return short, long

    def country(self, ip):
        """Returns the country of an ip_address, or None outside every known network."""
        number = int(ip)
        if ip.version == 4:
            label = self.ipv4.label(number)
        else:
            label = self.ipv6_long.label(number)
            if label is None:
                label = self.ipv6.label(number >> HALF)
        return None if label is None else self.codes[label]


_bundled = []
_bundled_lock = threading.Lock()


def bundled_countries():
    """Returns this process's BundledCountries, built on first use."""
    with _bundled_lock:
        if not _bundled:
            _bundled.append(BundledCountries())
        return _bundled[0]
