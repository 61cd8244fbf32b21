"""Every integer query parameter is range-checked: a value past SQLite's 64 bits, a negative
or zero where none is allowed, or digits Python's int() would take but are not plain ASCII
decimal, are a 400 naming the parameter, never a 500."""
import pytest
from conftest import T0

V1 = {"start_at": "0", "end_at": str(T0)}
V2 = {"startAt": "0", "endAt": str(T0)}
# (route, the other parameters it needs, the integer parameter under test, its least value)
ROUTES = [
    ("/api/websites", {}, "page", 1),
    ("/api/websites", {}, "pageSize", 1),
    ("/api/websites", {}, "user_id", 1),
    ("/api/website/{id}/stats", V1, "start_at", 0),
    ("/api/website/{id}/stats", V1, "end_at", 0),
    ("/api/website/{id}/pageviews", {**V1, "unit": "day", "tz": "UTC"}, "start_at", 0),
    ("/api/website/{id}/events", {**V1, "unit": "day", "tz": "UTC"}, "end_at", 0),
    ("/api/website/{id}/metrics", {**V1, "type": "url"}, "start_at", 0),
    ("/api/websites/{uuid}/stats", V2, "startAt", 0),
    ("/api/websites/{uuid}/stats", V2, "endAt", 0),
    ("/api/websites/{uuid}/pageviews", {**V2, "unit": "day"}, "startAt", 0),
    ("/api/websites/{uuid}/events/series", {**V2, "unit": "day"}, "endAt", 0),
    ("/api/websites/{uuid}/metrics", {**V2, "type": "url"}, "limit", 1),
    ("/api/websites/{uuid}/metrics", {**V2, "type": "url"}, "offset", 0),
    ("/api/websites/{uuid}/event-data/events", V2, "startAt", 0),
]
BAD = ["9223372036854775808", "18446744073709551616", "1" * 30, "-9223372036854775809",
       "1_000", " 7", "１２", "1e3", "0x10", "abc"]


@pytest.mark.parametrize("path, needed, name, least", ROUTES)
@pytest.mark.parametrize("value", BAD)
def test_bad_integer_is_a_400_naming_it(api, website, path, needed, name, least, value):
    url = path.format(id=website["website_id"], uuid=website["website_uuid"])
    r = api.get(url, query_string={**needed, name: value})
    assert r.status_code == 400, (url, name, value, r.status_code, r.get_json())
    assert r.json["error"]["code"] == "bad-request"
    assert f"'{name}'" in r.json["error"]["message"]


@pytest.mark.parametrize("path, needed, name, least", ROUTES)
def test_below_the_least_value_is_a_400(api, website, path, needed, name, least):
    url = path.format(id=website["website_id"], uuid=website["website_uuid"])
    r = api.get(url, query_string={**needed, name: str(least - 1)})
    assert r.status_code == 400 and f"'{name}'" in r.json["error"]["message"]
    assert api.get(url, query_string={**needed, name: str(least)}).status_code == 200


def test_a_large_valid_offset_answers_nothing(api, website):
    r = api.get(f"/api/websites/{website['website_uuid']}/metrics",
                query_string={**V2, "type": "url", "offset": "1000000000"})
    assert r.status_code == 200 and r.json == []
