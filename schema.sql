-- umami-lite schema: the one source of the database layout.
-- Every statement is idempotent; `umami-lite init-db` and each start run it, after the
-- numbered upgrades of umami_lite/migrations.py brought an older file to this layout
-- (PRAGMA user_version holds the number; a change here needs a new step there).
-- Times are UTC epoch milliseconds (INTEGER). Text columns are truncated by the
-- ingest code to Umami v1's column sizes, since SQLite does not enforce them.

CREATE TABLE IF NOT EXISTS setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Account and website ids are AUTOINCREMENT: an id once given out is never given again,
-- so nothing that names a deleted one (a token, a share link, a bookmark) finds a newer one.
CREATE TABLE IF NOT EXISTS account (
    user_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password      TEXT NOT NULL,             -- werkzeug password hash, never returned
    is_admin      INTEGER NOT NULL DEFAULT 0,
    token_version INTEGER NOT NULL DEFAULT 0, -- bumped on logout / password change
    token_nonce   TEXT NOT NULL,             -- random, fixed at creation; tokens carry it
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS website (
    website_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    website_uuid   TEXT NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES account(user_id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    domain         TEXT,
    share_id       TEXT UNIQUE,
    retention_days INTEGER,                  -- NULL keeps data forever
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    reset_at       INTEGER
);
CREATE INDEX IF NOT EXISTS website_user_id ON website(user_id);

-- Links (GET /q/<slug> records a view, then redirects to url) and pixels (GET /p/<slug>
-- records a view and answers a 1x1 GIF), for places where no script runs. Each owns a
-- website row that holds its hits, so every stats route reads a link's or pixel's numbers
-- by its id (that website's uuid); website lists leave these rows out.
CREATE TABLE IF NOT EXISTS link (
    website_id INTEGER PRIMARY KEY REFERENCES website(website_id) ON DELETE CASCADE,
    slug       TEXT NOT NULL UNIQUE,
    url        TEXT NOT NULL                 -- absolute http(s) URL
);
CREATE TABLE IF NOT EXISTS pixel (
    website_id INTEGER PRIMARY KEY REFERENCES website(website_id) ON DELETE CASCADE,
    slug       TEXT NOT NULL UNIQUE
);

-- Saved segments (a named set of filters) and cohorts (the sessions that did an action in a
-- date range), per website; `segment=<id>` on a read route applies a segment's filters.
CREATE TABLE IF NOT EXISTS segment (
    segment_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    segment_uuid TEXT NOT NULL UNIQUE,
    website_id   INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
    type         TEXT NOT NULL,              -- 'segment' | 'cohort'
    name         TEXT NOT NULL,
    parameters   TEXT NOT NULL,              -- JSON object, checked on every write
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS segment_website ON segment(website_id);

-- Identifiers given up (kind 'website_uuid' of a deleted website, 'share_id' of a removed
-- or replaced share link): never accepted again, so a deleted website's tracking snippet or
-- an old share link cannot be claimed by another website.
CREATE TABLE IF NOT EXISTS retired_id (
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;

-- Secret keys for visitor hashes, one per rotation period; expired ones are deleted
-- so that old visitor hashes can never be recomputed.
CREATE TABLE IF NOT EXISTS salt (
    period TEXT PRIMARY KEY,                 -- e.g. month:2026-11
    salt   BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS session (
    session_id   INTEGER PRIMARY KEY,
    website_id   INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
    session_hash BLOB UNIQUE,                -- HMAC of (website, hostname, ip, ua) under a salt
    created_at   INTEGER NOT NULL,
    hostname     TEXT,
    browser      TEXT,
    os           TEXT,
    device       TEXT,
    screen       TEXT,
    language     TEXT,
    country      TEXT,
    distinct_id  TEXT
);
CREATE INDEX IF NOT EXISTS session_website_created ON session(website_id, created_at);

-- The next session id. Sessions never take SQLite's next rowid: the ingest journal
-- (umami_lite/journal.py) gives out ids of blocks it reserved here before their rows exist.
CREATE TABLE IF NOT EXISTS id_counter (
    name TEXT PRIMARY KEY,                   -- 'session'
    next INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO id_counter (name, next)
    SELECT 'session', coalesce(max(session_id), 0) + 1 FROM session;

-- Ingest journal files (DATABASE-ingest/*.log): how many bytes of each are stored. Updated
-- in the transaction that stores them, so every record is stored once, by any process.
CREATE TABLE IF NOT EXISTS ingest_journal (
    name    TEXT PRIMARY KEY,
    applied INTEGER NOT NULL
) WITHOUT ROWID;

-- A session the journal gave a visitor whom another process stored first (both saw the
-- visitor as new within the same few ms): its rows are stored under session_id.
CREATE TABLE IF NOT EXISTS session_alias (
    alias      INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL
);

-- pageview and event rows name their session without a foreign key, and nothing indexes
-- their session_id: a foreign key needs that index (a parent's delete searches the child
-- table), which cost 11 bytes a pageview. Sessions are deleted only after their rows (a
-- website reset deletes rows, then sessions; retention deletes only sessions no row uses:
-- umami_lite/ops/retention.py). Files made before keep their foreign key and index, which
-- hold the same rule.
CREATE TABLE IF NOT EXISTS pageview (
    pageview_id     INTEGER PRIMARY KEY,
    website_id      INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
    session_id      INTEGER NOT NULL,        -- session(session_id), see above
    visit_id        INTEGER NOT NULL,        -- epoch minute the visit started
    created_at      INTEGER NOT NULL,
    url             TEXT NOT NULL,           -- path + query, as the v1 tracker sends it
    referrer_domain TEXT,                    -- host of an absolute referrer, lower case, no www.
    -- The referrer is stored split, to not store its host twice (10 bytes a pageview):
    -- ingest.REFERRER_PREFIXES[referrer_kind - 1] || referrer_domain || referrer_rest, or
    -- referrer_rest alone when referrer_kind is NULL. Files made before store referrer.
    referrer_kind   INTEGER,
    referrer_rest   TEXT,
    page_title      TEXT,
    tag             TEXT,
    utm_source      TEXT,
    utm_medium      TEXT,
    utm_campaign    TEXT,
    utm_content     TEXT,
    utm_term        TEXT,
    referrer  TEXT GENERATED ALWAYS AS (CASE referrer_kind
        WHEN 1 THEN 'https://www.' || referrer_domain || referrer_rest
        WHEN 2 THEN 'https://' || referrer_domain || referrer_rest
        WHEN 3 THEN 'http://www.' || referrer_domain || referrer_rest
        WHEN 4 THEN 'http://' || referrer_domain || referrer_rest
        ELSE referrer_rest END) VIRTUAL,
    url_path  TEXT GENERATED ALWAYS AS (
        CASE WHEN instr(url, '?') > 0 THEN substr(url, 1, instr(url, '?') - 1) ELSE url END
    ) VIRTUAL,
    url_query TEXT GENERATED ALWAYS AS (
        CASE WHEN instr(url, '?') > 0 THEN substr(url, instr(url, '?') + 1) END
    ) VIRTUAL
);
CREATE INDEX IF NOT EXISTS pageview_website_created ON pageview(website_id, created_at);

CREATE TABLE IF NOT EXISTS event (
    event_id    INTEGER PRIMARY KEY,
    website_id  INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
    session_id  INTEGER NOT NULL,            -- session(session_id), as for pageview
    visit_id    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    url         TEXT NOT NULL,
    event_type  TEXT NOT NULL,               -- v1 event_type; 'custom' for named events
    event_value TEXT NOT NULL,               -- v1 event_value; the event name
    page_title  TEXT,
    tag         TEXT,
    url_path  TEXT GENERATED ALWAYS AS (
        CASE WHEN instr(url, '?') > 0 THEN substr(url, 1, instr(url, '?') - 1) ELSE url END
    ) VIRTUAL,
    url_query TEXT GENERATED ALWAYS AS (
        CASE WHEN instr(url, '?') > 0 THEN substr(url, instr(url, '?') + 1) END
    ) VIRTUAL
);
CREATE INDEX IF NOT EXISTS event_website_created ON event(website_id, created_at);

-- Web vitals samples: one row per current-API `/api/send` of type performance that carries
-- a metric (Umami's event_type 5). The page is its path (no query, no hash) and title; the
-- host is the session's. A metric the sample lacks is NULL. lcp, inp, fcp and ttfb are
-- milliseconds rounded to 1 decimal, cls rounded to 4 (ingest/rows.py vitals_values).
-- Sessions outlive their vitals rows as they do their pageviews and events.
CREATE TABLE IF NOT EXISTS vitals (
    vitals_id  INTEGER PRIMARY KEY,
    website_id INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL,             -- session(session_id), as for pageview
    visit_id   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    url_path   TEXT NOT NULL,
    page_title TEXT,
    lcp        REAL,
    inp        REAL,
    cls        REAL,
    fcp        REAL,
    ttfb       REAL
);
CREATE INDEX IF NOT EXISTS vitals_website_created ON vitals(website_id, created_at);

-- Typed properties of an event (v1.37+ event_data, current API `data`).
CREATE TABLE IF NOT EXISTS event_data (
    event_id     INTEGER NOT NULL REFERENCES event(event_id) ON DELETE CASCADE,
    data_key     TEXT NOT NULL,
    data_type    TEXT NOT NULL,              -- string | number | boolean | date
    string_value TEXT,
    number_value REAL,
    date_value   INTEGER,
    PRIMARY KEY (event_id, data_key)
) WITHOUT ROWID;

-- Typed properties of a session, set by the current API's `identify` (latest value wins).
CREATE TABLE IF NOT EXISTS session_data (
    session_id   INTEGER NOT NULL REFERENCES session(session_id) ON DELETE CASCADE,
    data_key     TEXT NOT NULL,
    data_type    TEXT NOT NULL,              -- string | number | boolean | date
    string_value TEXT,
    number_value REAL,
    date_value   INTEGER,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (session_id, data_key)
) WITHOUT ROWID;

-- Imports are idempotent: each imported source row leaves a 16-byte key here (a digest
-- of its source identity), and a row whose key is present is skipped. Visits of foreign
-- dumps keep their start minute here too (value). Kept after `prune`, so re-importing a
-- file never brings pruned rows back; cleared by a website reset.
CREATE TABLE IF NOT EXISTS import_ledger (
    website_id INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
    row_key    BLOB NOT NULL,
    value      INTEGER,
    PRIMARY KEY (website_id, row_key)
) WITHOUT ROWID;

-- Rollups (umami_lite/rollups/): summaries of completed UTC hours (span 1), UTC days
-- (span 24) and weeks of 168 hours since the epoch (span 168), keyed by their first hour,
-- computed from the raw rows above, which stay the
-- truth. `hour` is created_at // 3600000. Anything that deletes raw rows of a website must
-- delete its rollup rows too: all rows of every rollup_* table WHERE website_id = ? on reset
-- or delete (sites.reset does); after deleting only some raw rows (pruning), delete the
-- rollup_time and rollup_count rows whose hours they touched, and rollup_attr/rollup_state of
-- the website: the next write rebuilds summaries from the remaining raw rows.
CREATE TABLE IF NOT EXISTS rollup_state (
    website_id INTEGER PRIMARY KEY,
    done_hour  INTEGER NOT NULL              -- every hour <= this one is summarized
);

-- Per hour, day or week for all urls (url_key 0) and for each url (url_key = the url's
-- rollup_key id, for the url filter: every hour with its pageviews, a week only when the
-- url has pageviews in a third of its hours, rollups.HOT_HOURS, for the week's 500 busiest
-- urls at most; no days): Umami v1 /stats over (session, UTC hour) groups, and the sessions.
CREATE TABLE IF NOT EXISTS rollup_time (
    website_id INTEGER NOT NULL,
    url_key    INTEGER NOT NULL,             -- 0: every url; else rollup_key.key_id of a url
    span       INTEGER NOT NULL,             -- 1 (an hour), 24 (a UTC day) or 168 (a week)
    hour       INTEGER NOT NULL,             -- first hour covered
    views      INTEGER NOT NULL,
    bounces    INTEGER NOT NULL,
    totaltime  INTEGER NOT NULL,
    sessions   BLOB NOT NULL,                -- roaring bitmap of session_ids with a pageview,
                                             -- or the session_id (INTEGER) when only one
    PRIMARY KEY (website_id, url_key, span, hour)
) WITHOUT ROWID;

-- Per hour, day or week, kind (url | referrer | event) and url_key (as in rollup_time; kind
-- url only for url_key 0): counts per interned key; referrers without the self-referrals by
-- session hostname.
CREATE TABLE IF NOT EXISTS rollup_count (
    website_id INTEGER NOT NULL,
    kind       INTEGER NOT NULL,             -- 1 url, 2 referrer, 3 event (rollups.KIND_CODES)
    url_key    INTEGER NOT NULL,
    span       INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    keys       BLOB NOT NULL,                -- int32 array of rollup_key.key_id (one: INTEGER)
    counts     BLOB NOT NULL,                -- int32 array, same order (one: INTEGER)
    PRIMARY KEY (website_id, kind, url_key, span, hour)
) WITHOUT ROWID;

-- Interned keys: url (a = url, or a url path), referrer (a = referrer, b = referrer_domain,
-- c = session hostname or ''), event (a = event_type, b = event_value).
CREATE TABLE IF NOT EXISTS rollup_key (
    key_id     INTEGER PRIMARY KEY,
    website_id INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    a          TEXT NOT NULL,
    b          TEXT NOT NULL DEFAULT '',
    c          TEXT NOT NULL DEFAULT '',
    UNIQUE (website_id, kind, a, b, c)
);

-- Per session attribute value: roaring bitmap of the sessions created in summarized hours.
CREATE TABLE IF NOT EXISTS rollup_attr (
    website_id INTEGER NOT NULL,
    attr       TEXT NOT NULL,                -- browser | os | device | country | language | screen
    value      TEXT NOT NULL,
    sessions   BLOB NOT NULL,
    UNIQUE (website_id, attr, value)
);

-- Per hour, day or week (umami_lite/rollups/visits.py): the current API's visits, i.e.
-- (session_id, visit_id) groups. The totals of the visits whose rows all lie in the span,
-- and a piece of every other visit with rows in it (rows, first and last time, first and
-- last path: rollups/pieces.py), which a range of spans merges by visit. A rowid table:
-- its blobs of a few KB would go to overflow pages in a WITHOUT ROWID one (past ~1 KB).
CREATE TABLE IF NOT EXISTS rollup_visit (
    website_id INTEGER NOT NULL,
    span       INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    visits     INTEGER NOT NULL,
    bounces    INTEGER NOT NULL,
    totaltime  INTEGER NOT NULL,
    pieces     BLOB NOT NULL,
    PRIMARY KEY (website_id, span, hour)
);

-- The visits with rows in a summarized hour other than their home hour (visit_id / 60):
-- no span claims them whole (rollups/visits.py).
CREATE TABLE IF NOT EXISTS rollup_cross (
    website_id INTEGER NOT NULL,
    home       INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    visit_id   INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    PRIMARY KEY (website_id, home, session_id, visit_id, hour)
) WITHOUT ROWID;

-- Per hour, day or week and kind (1 path, 2 entry, 3 exit, 4 referrer): the visitors per
-- value as the set of (key id, session_id) pairs, compressed (umami_lite/rollups/pairs.py),
-- for the current API's metrics that count sessions per value; kind 5: per session, its
-- pageviews and the visits, bounces and totaltime of its visits the span claims whole
-- (umami_lite/rollups/tallies.py), for /stats and pageviews under session filters; kind 6:
-- the events per (event key, session), for events/series and the event metric under them.
CREATE TABLE IF NOT EXISTS rollup_pair (
    website_id INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    span       INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    pairs      BLOB NOT NULL,
    PRIMARY KEY (website_id, kind, span, hour)
);

-- Per hour, day or week and kind (1 path, 2 referrer): per (key id, prev), how many of the
-- span's (key, session) pairs last occurred in hour prev before the span, and per key those
-- never seen before (umami_lite/rollups/firsts.py): a range's sessions per value are their
-- sums, without a union of the visitor sets.
CREATE TABLE IF NOT EXISTS rollup_first (
    website_id INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    span       INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    firsts     BLOB NOT NULL,
    PRIMARY KEY (website_id, kind, span, hour)
);

-- Per session and kind: each key its pairs had in a summarized hour, with the last such
-- hour (packed by umami_lite/rollups/firsts.py), from which an hour's rollup_first entries
-- are made.
CREATE TABLE IF NOT EXISTS rollup_trail (
    website_id INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    last_hour  INTEGER NOT NULL,
    trail      BLOB NOT NULL,
    PRIMARY KEY (website_id, kind, session_id)
) WITHOUT ROWID;

-- Per website and kind: rollup_first answers ranges starting at this hour or later only (a
-- pair written before its trail hour, or rows deleted by retention, left older entries
-- inexact).
CREATE TABLE IF NOT EXISTS rollup_first_from (
    website_id INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    PRIMARY KEY (website_id, kind)
) WITHOUT ROWID;

-- Summaries written by an older rollups/ would answer wrongly (format 1: before week rows,
-- per-url day rows for every url; format 3: per-url day rows that later writes no longer
-- update; format 4: no visit summaries; format 5: no visitor sets per value;
-- format 6: visitor sets as roaring bitmaps, which this code cannot read; format 7: no
-- per-session tallies; format 8: no event tallies; format 9: no first-seen counts; format 10: none for entry) or are larger
-- and slow for a url over months (format 2: per-url hour rows only, bitmaps only): drop
-- them once, so that reads use raw
-- rows until the next write rebuilds them (one long write transaction on a big file). A
-- fresh file only records the format.
-- (website_id IN (...) reads nothing when the format is current: no scan at each start.)
DELETE FROM rollup_time WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_count WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_attr WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_visit WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_cross WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_pair WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_first WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_trail WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_first_from WHERE website_id IN (SELECT website_id FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11'));
DELETE FROM rollup_state
    WHERE NOT EXISTS (SELECT 1 FROM setting WHERE key = 'rollup_format' AND value = '11');
INSERT OR REPLACE INTO setting (key, value) VALUES ('rollup_format', '11');

-- Failed logins for throttling (umami_lite/throttle.py). key is an HMAC of the account
-- name or of the client IP, never the raw value; rows older than the window are deleted.
CREATE TABLE IF NOT EXISTS login_failure (
    key BLOB NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failure_key_at ON login_failure(key, at);

-- Saved reports (the current API's /api/reports): a report type and the parameters to run
-- it with, stored as sent. report_id is never reused; report_uuid is the public id.
CREATE TABLE IF NOT EXISTS report (
    report_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    report_uuid TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES account(user_id) ON DELETE CASCADE,
    website_id  INTEGER NOT NULL REFERENCES website(website_id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parameters  TEXT NOT NULL,               -- JSON object
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS report_website ON report(website_id);
