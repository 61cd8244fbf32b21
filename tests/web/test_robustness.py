"""All-time ranges (0 to year 9999) that used to hang a worker or give a 500."""
import pytest
from conftest import pageview

FAR = 253402300799999  # 9999-12-31, the largest end_at accepted


@pytest.mark.parametrize("route", ["pageviews", "events"])
@pytest.mark.parametrize("unit, tz", [
    ("year", "Europe/Berlin"),         # walked into the year 10000 (ValueError, 500)
    ("month", "Australia/Lord_Howe"),  # half-hour DST: an SQL expression too deep (500)
    ("day", "Australia/Lord_Howe"),
    ("hour", "Asia/Kolkata"),          # millions of buckets: minutes of work
    ("minute", "UTC"),
])
def test_v1_series_over_all_time(api, website, route, unit, tz):
    assert pageview(api.client, website["id"]).status_code == 200
    r = api.get(f"/api/website/{website['id']}/{route}?start_at=0&end_at={FAR}"
                f"&unit={unit}&tz={tz}")
    assert r.status_code == 200, r.json
    if route == "pageviews":
        assert sum(row["y"] for row in r.json["pageviews"]) == 1


@pytest.mark.parametrize("path", ["pageviews?unit=minute&timezone=Europe/Berlin",
                                  "events/series?timezone=America/New_York", "stats",
                                  "metrics?type=path"])
def test_v2_routes_over_all_time(api, website, path):
    assert pageview(api.client, website["id"]).status_code == 200
    r = api.get(f"/api/websites/{website['id']}/{path}&startAt=0&endAt={FAR}"
                if "?" in path else f"/api/websites/{website['id']}/{path}?startAt=0&endAt={FAR}")
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("route", ["pageviews", "events"])
@pytest.mark.parametrize("unit, tz", [("year", "UTC"), ("month", "UTC"),
                                      ("hour", "Pacific/Kiritimati"), ("day", "Asia/Tokyo")])
def test_v1_series_at_the_last_instant(api, website, route, unit, tz):
    """end_at's maximum is year 10000 in zones ahead of UTC; the rollup labels gave a 500."""
    assert pageview(api.client, website["id"]).status_code == 200
    r = api.get(f"/api/website/{website['id']}/{route}?start_at={FAR}&end_at={FAR}"
                f"&unit={unit}&tz={tz}")
    assert r.status_code == 200, r.json
    assert r.json in ({"pageviews": [], "sessions": []}, [])


def test_v2_compare_prev_of_all_time(api, website):
    """The period before 0..9999 starts before year 1, which no date can show (was a 500)."""
    assert pageview(api.client, website["id"]).status_code == 200
    r = api.get(f"/api/websites/{website['id']}/pageviews?startAt=0&endAt={FAR}&compare=prev")
    assert r.status_code == 200, r.json
    assert r.json["compare"]["startDate"] == "0001-01-01T00:00:00.000Z"
    assert r.json["compare"]["endDate"] == "1969-12-31T23:59:59.999Z"
    assert sum(row["y"] for row in r.json["pageviews"]) == 1
