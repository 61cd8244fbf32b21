"""Shared fixtures: a real database per test (a SQLite file; with UMAMI_LITE_TEST_POSTGRES
set to a PostgreSQL server's URL, every test using db_path also runs on a fresh database
of that server), a movable clock, logged-in helpers,
and a browser (Debian's chromium driven by Playwright; never `playwright install`).

This is the only conftest.py: test modules import its helpers with `from conftest import`,
so a second conftest.py in a subfolder would shadow it.
"""
import os
import shutil
import uuid

import pytest

from umami_lite import create_app

ADMIN_PASSWORD = "admin-password-1"
CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/156.0.0.0 Safari/537.36")
T0 = 1_780_000_000_000  # 2026-05-28T20:26:40Z, a fixed "now" for tests


class Clock:
    """A settable clock in epoch ms, injected as app.config['CLOCK']."""

    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


POSTGRES_SERVER = os.environ.get("UMAMI_LITE_TEST_POSTGRES", "").strip()
ENGINES = ["sqlite", "postgres"] if POSTGRES_SERVER else ["sqlite"]
_template = []  # the name of the template database with the layout, once made


def _server_url(database):
    """Returns POSTGRES_SERVER's URL with its database name replaced."""
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(POSTGRES_SERVER)
    return urlunsplit(parts._replace(path="/" + database))


def _admin():
    import psycopg
    return psycopg.connect(POSTGRES_SERVER, autocommit=True)


def _fresh_postgres():
    """Returns the URL of a new, empty database holding the layout (copied from a template
    database made once per run: CREATE DATABASE ... TEMPLATE takes a few ms)."""
    from umami_lite.storage import connection
    with _admin() as admin:
        if not _template:
            name = f"umami_tpl_{uuid.uuid4().hex[:12]}"
            admin.execute(f"CREATE DATABASE {name}")
            connection.init_db(_server_url(name)).close()
            _template.append(name)
        name = f"umami_test_{uuid.uuid4().hex[:12]}"
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {_template[0]}")
    return name


def _drop_postgres(name):
    from umami_lite.storage import connection
    connection.close_idle(_server_url(name))
    with _admin() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def is_postgres(path):
    return isinstance(path, str) and path.startswith("postgresql://")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "single_engine(reason): the test is about SQLite itself (its file, its "
        "WAL, its old layouts); it does not run on PostgreSQL")


def pytest_sessionfinish(session):
    if _template:
        with _admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {_template[0]} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def engine(request):
    """The database engine of this run of the test: "sqlite" or "postgres"."""
    marker = request.node.get_closest_marker("single_engine")
    if request.param == "postgres" and marker is not None:
        pytest.skip(f"SQLite only: {marker.args[0] if marker.args else ''}")
    return request.param


@pytest.fixture
def db_path(tmp_path, engine):
    """The database setting of the test: a SQLite file, or a fresh PostgreSQL database."""
    if engine == "sqlite":
        yield str(tmp_path / "umami-lite-test.db")
        return
    name = _fresh_postgres()
    yield _server_url(name)
    _drop_postgres(name)


def database_on(engine, folder, name, finalizer):
    """Returns a fresh database on engine for a fixture of wider scope than db_path's: the
    SQLite file folder/name.db, or a new PostgreSQL database that finalizer(drop) drops."""
    if engine == "sqlite":
        return str(folder / f"{name}.db")
    database = _fresh_postgres()
    finalizer(lambda: _drop_postgres(database))
    return _server_url(database)


def module_database(request, tmp_path_factory, name):
    """database_on() for a module-scoped fixture parametrized with params=ENGINES."""
    return database_on(request.param, tmp_path_factory.mktemp(name), name, request.addfinalizer)


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database whatever the test's engine (skips without a server)."""
    if not POSTGRES_SERVER:
        pytest.skip("needs a PostgreSQL server (UMAMI_LITE_TEST_POSTGRES)")
    name = _fresh_postgres()
    yield _server_url(name)
    _drop_postgres(name)


@pytest.fixture
def make_app(db_path, clock):
    def make(**overrides):
        config = {"UMAMI_LITE_DATABASE": db_path, "UMAMI_LITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                  "UMAMI_LITE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                  "UMAMI_LITE_CLOCK": clock, "TESTING": True}
        config.update(overrides)
        return create_app(config)
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """Logs in once and sends authenticated requests (Bearer) through the test client."""

    def __init__(self, client):
        self.client = client
        self._tokens = {}

    def token(self, username="admin", password=ADMIN_PASSWORD):
        if username not in self._tokens:
            r = self.client.post("/api/auth/login",
                                 json={"username": username, "password": password})
            assert r.status_code == 200, r.get_data(as_text=True)
            self._tokens[username] = r.json["token"]
        return self._tokens[username]

    def headers(self, username="admin", password=ADMIN_PASSWORD):
        return {"Authorization": f"Bearer {self.token(username, password)}"}

    def get(self, path, as_user="admin", **kwargs):
        return self.client.get(path, headers=self.headers(as_user), **kwargs)

    def post(self, path, as_user="admin", **kwargs):
        return self.client.post(path, headers=self.headers(as_user), **kwargs)

    def delete(self, path, as_user="admin", **kwargs):
        return self.client.delete(path, headers=self.headers(as_user), **kwargs)

    def create_user(self, username, password="user-password-1", is_admin=False):
        r = self.post("/api/account", json={"username": username, "password": password,
                                            "is_admin": is_admin})
        assert r.status_code == 200, r.json
        self.token(username, password)
        return r.json

    def create_website(self, name="Example", domain="example.com", as_user="admin", **extra):
        r = self.post("/api/website", as_user=as_user,
                      json={"name": name, "domain": domain, **extra})
        assert r.status_code == 200, r.json
        return r.json


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def website(api):
    return api.create_website()


def pageview(client, website_uuid, url="/", referrer="", ua=CHROME_UA, ip="203.0.113.7",
             hostname="example.com", screen="1920x1080", language="en-US", cache=None):
    """Sends one v1 pageview through /api/collect; returns the response."""
    headers = {"User-Agent": ua}
    if cache:
        headers["x-umami-cache"] = cache
    return client.post("/api/collect", headers=headers, environ_base={"REMOTE_ADDR": ip},
                       json={"type": "pageview", "payload": {
                           "website": website_uuid, "url": url, "referrer": referrer,
                           "hostname": hostname, "screen": screen, "language": language}})


def event(client, website_uuid, value, event_type="click", url="/", ua=CHROME_UA,
          ip="203.0.113.7", hostname="example.com", screen="1920x1080", language="en-US"):
    """Sends one v1 (v1.0 form) event through /api/collect; returns the response."""
    return client.post("/api/collect", headers={"User-Agent": ua},
                       environ_base={"REMOTE_ADDR": ip},
                       json={"type": "event", "payload": {
                           "website": website_uuid, "url": url, "event_type": event_type,
                           "event_value": value, "hostname": hostname, "screen": screen,
                           "language": language}})


def nested(depth):
    """Returns {"a": {"a": ... 1}}: a JSON object nesting depth levels."""
    value = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def open_stored(path):
    """Returns a plain sqlite3 connection to path once every journaled pageview is stored:
    what any program reading the file itself does (umami_lite.ingest.replay.apply_pending).
    On PostgreSQL: a connection of its own to the database (nothing is journaled)."""
    import sqlite3

    from umami_lite.ingest import replay as journal_store
    if is_postgres(path):
        from umami_lite.storage import postgres
        return postgres.Connection(path)
    journal_store.apply_pending(path)
    return sqlite3.connect(path)


def as_stored(text, path):
    """Returns text as the database at path stores it: PostgreSQL's text holds no NUL
    character, so umami-lite stores each as U+FFFD there (storage/postgres.py)."""
    return text.replace("\x00", "\ufffd") if is_postgres(path) else text


def schema_objects(conn, path):
    """Returns sorted [(type, name)] of the tables and indexes of the database at path
    (conn: open_stored(path))."""
    if is_postgres(path):
        return sorted(tuple(r) for r in conn.execute(
            "SELECT 'table', tablename FROM pg_tables WHERE schemaname = current_schema()"
            " UNION ALL SELECT 'index', indexname FROM pg_indexes"
            " WHERE schemaname = current_schema()"))
    return sorted(tuple(r) for r in conn.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index')"))


def snapshot_rows(app):
    """Returns every row of every table of app's database: the proof that nothing was stored."""
    path = app.extensions["umami_lite"].database
    conn = open_stored(path)
    try:
        tables = [name for kind, name in schema_objects(conn, path) if kind == "table"]
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}"))) for t in tables}
    finally:
        conn.close()


def count_rows(app, table):
    """Returns the number of rows in table (read straight from the SQLite file)."""
    conn = open_stored(app.extensions["umami_lite"].database)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def in_ci():
    """True when the CI variable says so (CI=true, as CI services set it; CI=false or unset: no)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def require_tool(name, path=None):
    """Skips the test when the external program `name` (or the file `path`) is missing, on a
    developer's machine; fails it in CI, where .ci/run installs .ci/apt-packages."""
    if (os.path.exists(path) if path else shutil.which(name)):
        return
    if in_ci():
        pytest.fail(f"{name} is not installed; .ci/run installs it from .ci/apt-packages")
    pytest.skip(f"{name} is not installed (apt-get install {name})")


# Browser fixtures. Without chromium the browser tests are skipped locally, but fail in CI
# (CI=true), where .ci/run installs it.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    require_tool("chromium", CHROMIUM)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


def send(client, website_uuid, url="/", ua=CHROME_UA, remote_addr="203.0.113.7", cache=None,
         kind="event", headers=None, **payload):
    """Sends one current-API hit through /api/send (a pageview unless `name` is given)."""
    all_headers = {"User-Agent": ua, **(headers or {})}
    if cache:
        all_headers["x-umami-cache"] = cache
    body = {"type": kind, "payload": {"website": website_uuid, "url": url,
                                      "hostname": "example.com", "screen": "1920x1080",
                                      "language": "en-US", **payload}}
    return client.post("/api/send", headers=all_headers,
                       environ_base={"REMOTE_ADDR": remote_addr}, json=body)


def add_website(app, website_uuid, name="Fixture", domain="example.com", user_id=1):
    """Creates a website with a chosen uuid straight through sites.create; returns its row."""
    from umami_lite.storage import sites
    from umami_lite.storage.connection import get_db, transaction
    with app.app_context():
        db = get_db()
        with transaction(db):
            return dict(sites.create(db, user_id, name, domain, website_uuid=website_uuid))
