"""Prints how long each current-API analytics route takes on a generated website.

    .venv/bin/python bench/v2_routes.py [--views 100000] [--visitors 5000]

Hits go through ingest.record (the real write path) with a moving injected clock over 30
days; each route is then timed (median of 5 calls) through the Flask test client.
"""
import argparse
import random
import statistics
import tempfile
import time

from umami_lite import create_app
from umami_lite.ingest import record as ingest
from umami_lite.storage.connection import get_db

DAY_MS = 86_400_000
START = 1_790_000_000_000
PATHS = [f"/docs/{i}" for i in range(200)] + ["/", "/pricing", "/blog"]
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge"]


def seed(app, website, views, visitors):
    rng = random.Random(7)
    path = app.extensions["umami_lite"].database
    with app.app_context():
        people = [ingest.Visitor(ip=f"10.0.{i // 256}.{i % 256}", user_agent=f"ua{i}",
                                 hostname="example.com", browser=rng.choice(BROWSERS),
                                 os="Linux", device="desktop", screen="1920x1080",
                                 language="en-US", country=rng.choice(["DE", "US", "FR"]))
                 for i in range(visitors)]
        caches = {}
        for n in range(views):
            who = rng.randrange(visitors)
            at = START + n * (30 * DAY_MS // views)
            kind = "event" if n % 10 == 0 else "pageview"
            hit = ingest.Hit(kind=kind, url=rng.choice(PATHS) + "?utm_source=x", created_at=at,
                             referrer="https://www.google.com/", page_title="Title",
                             event_type="custom", event_value="signup",
                             data={"plan": "pro"} if kind == "event" else None)
            caches[who] = ingest.record(path, website["website_uuid"], people[who], hit, "month",
                                        caches.get(who))


def timed(client, headers, url):
    samples = []
    for _ in range(5):
        began = time.perf_counter()
        r = client.get(url, headers=headers)
        samples.append(time.perf_counter() - began)
        assert r.status_code == 200, r.get_data(as_text=True)
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=100_000)
    parser.add_argument("--visitors", type=int, default=5_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    clock = [START]
    app = create_app({"UMAMI_LITE_DATABASE": f"{folder}/bench.db",
                      "UMAMI_LITE_ADMIN_PASSWORD": "bench-password",
                      "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "UMAMI_LITE_CLOCK": lambda: clock[0]})
    client = app.test_client()
    token = client.post("/api/auth/login", json={"username": "admin",
                                                 "password": "bench-password"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    site = client.post("/api/websites", headers=headers,
                       json={"name": "Bench", "domain": "example.com"}).json
    began = time.perf_counter()
    with app.app_context():
        website = dict(get_db().execute("SELECT * FROM website").fetchone())
    seed(app, website, args.views, args.visitors)
    seconds = time.perf_counter() - began
    print(f"seeded {args.views} hits ({args.visitors} visitors) through ingest.record in "
          f"{seconds:.1f} s ({args.views / seconds:.0f} hits/s)")
    clock[0] = START + 30 * DAY_MS
    r = f"startAt={START}&endAt={START + 30 * DAY_MS}"
    base = f"/api/websites/{site['id']}"
    routes = [f"stats?{r}", f"stats?{r}&path=/pricing", f"stats?{r}&browser=neq.Chrome",
              f"stats?{r}&event=signup", f"pageviews?{r}&unit=day",
              f"pageviews?{r}&unit=hour&timezone=Europe/Berlin",
              *(f"metrics?{r}&type={t}" for t in ("path", "entry", "exit", "referrer", "title",
                                                   "browser", "language", "event")),
              f"events/series?{r}&unit=day", "active", f"event-data/events?{r}",
              f"event-data/values?{r}&event=signup&propertyName=plan"]
    for route in routes:
        print(f"{timed(client, headers, f'{base}/{route}'):8.1f} ms  {route.replace(r, 'R')}")
    realtime = timed(client, headers, "/api/realtime/" + site["id"])
    print(f"{realtime:8.1f} ms  realtime")


if __name__ == "__main__":
    main()
