"""CORS on the public ingest routes: one preflight answer covers every header a tracker sends.

A browser caches a preflight answer per URL for the headers it allowed; an answer that allows
only what the first request asked for (content-type) sends the browser back for a second
preflight once the tracker adds x-umami-cache. tests/browser/test_cors_preflight.py counts the
preflights of a whole visit in Chromium.
"""
import pytest

ROUTES = ("/api/collect", "/api/send", "/api/batch")


def preflight(client, path, requested):
    headers = {"Origin": "https://site.example", "Access-Control-Request-Method": "POST"}
    if requested is not None:
        headers["Access-Control-Request-Headers"] = requested
    return client.options(path, headers=headers)


def allowed(response):
    return [name.strip().lower()
            for name in response.headers["Access-Control-Allow-Headers"].split(",")]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("requested", [None, "content-type", "content-type,x-umami-cache"])
def test_preflight_allows_every_tracker_header(client, path, requested):
    r = preflight(client, path, requested)
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Max-Age"] == "86400"
    assert {"*", "content-type", "x-umami-cache"} <= set(allowed(r))


@pytest.mark.parametrize("path", ROUTES)
def test_preflight_adds_other_requested_headers_once(client, path):
    r = preflight(client, path, "Content-Type, X-Client-Version, x-client-version")
    assert allowed(r) == ["*", "content-type", "x-umami-cache", "x-client-version"]


@pytest.mark.parametrize("requested", ["bad header", "x-a\x7f", "(x)", "a:b"])
def test_preflight_leaves_out_malformed_header_names(client, requested):
    r = preflight(client, "/api/send", requested)
    assert r.status_code == 204
    assert allowed(r) == ["*", "content-type", "x-umami-cache"]


def test_answers_to_hits_carry_the_same_headers(client, website):
    """The fast lane answers POSTs; its CORS headers must match the preflight's."""
    r = client.post("/api/send", json={"type": "event", "payload": {
        "website": website["id"], "url": "/", "hostname": "example.com"}},
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-umami-cache" in allowed(r)
