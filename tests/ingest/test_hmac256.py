"""Hmac256 gives the bytes of the standard library's HMAC-SHA256, for every key length."""
import hmac

import pytest

from umami_lite.ingest.hmac256 import Hmac256


@pytest.mark.parametrize("key", [b"", b"k", b"s" * 32, b"\xff" * 64, b"x" * 65, bytes(range(200))])
@pytest.mark.parametrize("message", [b"", b"a\x1fb", "ünïcode".encode() * 300])
def test_hmac256_matches_hmac_digest(key, message):
    mac = Hmac256(key)
    assert mac.digest(message) == hmac.digest(key, message, "sha256")
    assert mac.digest(message) == mac.digest(message)  # the keyed states are not consumed


def test_hmac256_depends_on_the_key():
    assert Hmac256(b"a" * 32).digest(b"m") != Hmac256(b"b" * 32).digest(b"m")
