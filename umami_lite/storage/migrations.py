"""Numbered schema upgrades of existing database files, keyed on `PRAGMA user_version`.

schema.sql is always the newest full layout: a new file gets it whole and the latest
version. A file made before gets, in order, every step numbered above its user_version,
then schema.sql (which creates whatever tables are still missing), all in one transaction
at start-up (db.init_db), so a failed upgrade leaves the file as it was. Files made before
numbered steps existed carry user_version 0 or 1: both mean the layout of version 1.

Each step is a short list of SQL statements, frozen once released: a later change of the
layout is a new step, never an edit of an old one. Table rebuilds run with foreign keys
off (db.init_db turns them off), so dropping the old table cascades to nothing.
"""
import sqlite3

# 2: account ids are never reused (AUTOINCREMENT), and each account gets a random
# token_nonce that its login tokens carry: a token names one account for good, even one
# whose id an older file already handed out twice. Every token issued before is refused.
ACCOUNT_AUTOINCREMENT = [
    """CREATE TABLE account_new (
        user_id       INTEGER PRIMARY KEY AUTOINCREMENT,
        username      TEXT NOT NULL UNIQUE,
        password      TEXT NOT NULL,
        is_admin      INTEGER NOT NULL DEFAULT 0,
        token_version INTEGER NOT NULL DEFAULT 0,
        token_nonce   TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
    )""",
    """INSERT INTO account_new (user_id, username, password, is_admin, token_version,
           token_nonce, created_at, updated_at)
       SELECT user_id, username, password, is_admin, token_version,
              lower(hex(randomblob(16))), created_at, updated_at FROM account""",
    "DROP TABLE account",
    "ALTER TABLE account_new RENAME TO account",
]

# 3: website ids are never reused (AUTOINCREMENT).
WEBSITE_AUTOINCREMENT = [
    """CREATE TABLE website_new (
        website_id     INTEGER PRIMARY KEY AUTOINCREMENT,
        website_uuid   TEXT NOT NULL UNIQUE,
        user_id        INTEGER NOT NULL REFERENCES account(user_id) ON DELETE CASCADE,
        name           TEXT NOT NULL,
        domain         TEXT,
        share_id       TEXT UNIQUE,
        retention_days INTEGER,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        reset_at       INTEGER
    )""",
    """INSERT INTO website_new (website_id, website_uuid, user_id, name, domain, share_id,
           retention_days, created_at, updated_at, reset_at)
       SELECT website_id, website_uuid, user_id, name, domain, share_id, retention_days,
              created_at, updated_at, reset_at FROM website""",
    "DROP TABLE website",
    "ALTER TABLE website_new RENAME TO website",
    "CREATE INDEX IF NOT EXISTS website_user_id ON website(user_id)",
]

# 4: website uuids and share ids that were given up are kept, and never accepted again.
RETIRED_IDS = [
    """CREATE TABLE IF NOT EXISTS retired_id (
        kind  TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (kind, value)
    ) WITHOUT ROWID""",
]

# 5: the current API's visit summaries (rollups/visits.py); schema.sql's rollup_format 5
# drops the older summaries, which the next write rebuilds with them.
VISIT_SUMMARIES = [
    """CREATE TABLE IF NOT EXISTS rollup_visit (
        website_id INTEGER NOT NULL,
        span       INTEGER NOT NULL,
        hour       INTEGER NOT NULL,
        visits     INTEGER NOT NULL,
        bounces    INTEGER NOT NULL,
        totaltime  INTEGER NOT NULL,
        pieces     BLOB NOT NULL,
        PRIMARY KEY (website_id, span, hour)
    )""",
    """CREATE TABLE IF NOT EXISTS rollup_cross (
        website_id INTEGER NOT NULL,
        home       INTEGER NOT NULL,
        session_id INTEGER NOT NULL,
        visit_id   INTEGER NOT NULL,
        hour       INTEGER NOT NULL,
        PRIMARY KEY (website_id, home, session_id, visit_id, hour)
    ) WITHOUT ROWID""",
]

# 6: the current API's visitor sets per path, entry, exit and referrer (rollups/pairs.py);
# schema.sql's rollup_format 6 drops the older summaries, which the next write rebuilds.
VISITOR_SETS = [
    """CREATE TABLE IF NOT EXISTS rollup_pair (
        website_id INTEGER NOT NULL,
        kind       INTEGER NOT NULL,
        span       INTEGER NOT NULL,
        hour       INTEGER NOT NULL,
        pairs      BLOB NOT NULL,
        PRIMARY KEY (website_id, kind, span, hour)
    )""",
]

# 7: web vitals samples (`/api/send` type performance), read by the performance report.
VITALS = [
    """CREATE TABLE IF NOT EXISTS vitals (
        vitals_id  INTEGER PRIMARY KEY,
        website_id INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
        session_id INTEGER NOT NULL,
        visit_id   INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        url_path   TEXT NOT NULL,
        page_title TEXT,
        lcp        REAL,
        inp        REAL,
        cls        REAL,
        fcp        REAL,
        ttfb       REAL
    )""",
    "CREATE INDEX IF NOT EXISTS vitals_website_created ON vitals(website_id, created_at)",
]

STEPS = {2: ACCOUNT_AUTOINCREMENT, 3: WEBSITE_AUTOINCREMENT, 4: RETIRED_IDS,
         5: VISIT_SUMMARIES, 6: VISITOR_SETS, 7: VITALS}
LATEST = max(STEPS)


class TooNew(RuntimeError):
    """The file was upgraded by a newer umami-lite than this one."""


def statements(script):
    """Yields the SQL statements of script (schema.sql) one by one: executescript() would
    commit the upgrade's transaction first."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


def upgrade(db, schema):
    """Brings the file db is open on to LATEST inside the caller's write transaction;
    schema is the text of schema.sql. Returns the version the file had."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > LATEST:
        raise TooNew(f"the database has schema version {version}; this umami-lite knows "
                     f"versions up to {LATEST}: upgrade umami-lite")
    made_before = db.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'account'").fetchone()
    if made_before:
        for number in range(max(version, 1) + 1, LATEST + 1):
            for statement in STEPS[number]:
                db.execute(statement)
    for statement in statements(schema):
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {LATEST}")
    return version


def upgrade_postgres(db, layout):
    """Creates PostgreSQL's layout (layout: dialect.schema_sql() of schema.sql, statements)
    inside the caller's write transaction: every table still missing. Numbered steps are
    SQLite's upgrades of files made before them; a PostgreSQL database starts at the newest
    layout."""
    version = db.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'setting'"
    ).fetchone()
    if version:
        stored = db.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone()
        if stored and int(stored[0]) > LATEST:
            raise TooNew(f"the database has schema version {stored[0]}; this umami-lite knows "
                         f"versions up to {LATEST}: upgrade umami-lite")
    for statement in layout:
        db.execute(statement)
    db.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('schema_version', ?)",
               (str(LATEST),))
