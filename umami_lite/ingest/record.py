"""A validated hit -> visitor identity -> one short write transaction.

Both ingest routes (/api/collect and the current API's /api/send) end here, so a
pageview is the same row whichever tracker sent it.
"""
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from .. import settings as config
from . import journal, replay as journal_store
from ..storage.dialect import is_postgres
from ..rollups import build as rollups
from ..hosts import referrer_domain  # noqa: F401 (read as ingest.referrer_domain)
from ..storage.connection import checkin, checkout, is_failing, write_grouped
from .hmac256 import Hmac256
from .rows import (  # noqa: F401 (the row builders are also read as ingest's)
    EVENT_COLUMNS, INSERT_EVENT, INSERT_SESSION, INSERT_SESSION_WITH_ID, ISO_DATE, LIMITS,
    MAX_DATA_KEYS, PAGEVIEW_COLUMNS, PAGEVIEW_COLUMNS_SPLIT, REFERRER_PREFIXES, SESSION_COLUMNS,
    UTM_KEYS, VITALS, VITALS_MAX, bad_vital, clip, data_rows, event_properties, event_values,
    insert_event, insert_pageviews, insert_pageviews_at_once, insert_session, insert_vitals,
    next_ids, pageview_values, referrer_parts, session_values, splits_referrer, utm_values,
    vitals_values)

VISIT_TIMEOUT_MS = 30 * 60 * 1000
ROTATIONS = config.SALT_ROTATIONS


@dataclass
class Visitor:
    """Who sent a hit: only derived values are stored, never ip or user_agent."""
    ip: str
    user_agent: str
    hostname: str = None
    browser: str = None
    os: str = None
    device: str = None
    screen: str = None
    language: str = None
    country: str = None
    distinct_id: str = None


@dataclass
class Hit:
    # "pageview", "event", "identify" (session data only) or "performance" (web vitals)
    kind: str
    url: str
    created_at: int
    referrer: str = None
    event_type: str = None
    event_value: str = None
    page_title: str = None
    tag: str = None
    data: dict = field(default=None)
    received_at: int = None        # server time when created_at is a backfilled timestamp
    vitals: dict = None            # performance: metric name (rows.VITALS) -> number


def has_vitals(hit):
    """Returns whether hit is a performance hit with at least one metric (one without any
    stores no row: it measured nothing)."""
    return hit.kind == "performance" and any(
        (hit.vitals or {}).get(name) is not None for name in VITALS)


@dataclass
class Recorded:
    """What the cache token carries back to the next hit."""
    website_id: int
    session_id: int
    visit_id: int
    last_ms: int
    period: str


def salt_period(now_ms, rotation):
    """Returns the name of the salt period holding now_ms (UTC boundaries)."""
    return _day_period(now_ms // 86_400_000, rotation)


@lru_cache(maxsize=64)  # every hit asks; the answer changes once a day at most
def _day_period(day_number, rotation):
    day = datetime.fromtimestamp(day_number * 86_400, tz=timezone.utc).date()
    if rotation == "day":
        return f"day:{day.isoformat()}"
    if rotation == "week":
        monday = day - timedelta(days=day.weekday())
        return f"week:{monday.isoformat()}"
    return f"month:{day.year:04d}-{day.month:02d}"


def current_salt(db, period):
    """Returns the salt for period, creating it and deleting every other period's salt."""
    row = db.execute("SELECT salt FROM salt WHERE period = ?", (period,)).fetchone()
    if row:
        return row[0]
    db.execute("INSERT OR IGNORE INTO salt (period, salt) VALUES (?, ?)",
               (period, secrets.token_bytes(32)))
    db.execute("DELETE FROM salt WHERE period != ?", (period,))
    return db.execute("SELECT salt FROM salt WHERE period = ?", (period,)).fetchone()[0]


def session_hash(salt, website_uuid, visitor):
    """Returns the 16-byte visitor hash; fields are joined with a separator they cannot hold.

    A distinct id (current API `id`) names the session by itself, as in Umami: the same
    id is the same visitor on any device.
    """
    if visitor.distinct_id:
        message = "\x1f".join((website_uuid, "id", visitor.distinct_id))
    else:
        message = "\x1f".join((website_uuid, visitor.hostname or "", visitor.ip or "",
                               visitor.user_agent or ""))
    return _salt_mac(salt).digest(message.encode("utf-8", "replace"))[:16]


@lru_cache(maxsize=1)  # the current period's salt only: a rotated salt is not kept
def _salt_mac(salt):
    return Hmac256(salt)


def _find_or_create_session(db, website, visitor, salt, now):
    digest = session_hash(salt, website["website_uuid"], visitor)
    row = db.execute("SELECT session_id FROM session WHERE session_hash = ?", (digest,)).fetchone()
    if row:
        return row[0]
    return store_session(db, website["website_id"], digest, now, visitor)


def store_session(db, website_id, digest, created_at, visitor):
    """Returns the id of a new session row; imports pass their own digest and first time."""
    return insert_session(db, session_values(website_id, digest, created_at, visitor))


def _visit_id(cached, now):
    """Returns the visit: the cached one while it is active, else one starting now.

    Without a cache token a visit is the session's clock hour, as in Umami.
    """
    if cached is None:
        return (now // 3_600_000) * 60
    if 0 <= now - cached.last_ms < VISIT_TIMEOUT_MS:
        return cached.visit_id
    return now // 60_000


def _store_session_data(db, session_id, hit):
    rows = list(data_rows(hit.data or {}))[:MAX_DATA_KEYS]
    db.executemany(
        "INSERT OR REPLACE INTO session_data (session_id, data_key, data_type, string_value,"
        " number_value, date_value, created_at) VALUES (?,?,?,?,?,?,?)",
        [(session_id, *row, hit.created_at) for row in rows])


def _insert_hit(db, website_id, session_id, visit_id, hit, pageview=None):
    """Stores hit; pageview is its pageview_values() row made beforehand, if any."""
    if hit.kind == "identify":
        _store_session_data(db, session_id, hit)
        return
    if hit.kind == "performance":
        if has_vitals(hit):
            insert_vitals(db, [vitals_values(website_id, session_id, visit_id, hit)])
        return
    if hit.kind == "pageview":
        insert_pageviews(db, [(website_id, session_id, visit_id, *pageview[3:]) if pageview
                              else pageview_values(website_id, session_id, visit_id, hit)])
    else:
        insert_event(db, event_values(website_id, session_id, visit_id, hit),
                     event_properties(hit.data))


def store_hit(db, website_id, session_id, visit_id, hit):
    """Stores one hit of an already known session and visit; the caller holds the transaction.

    Imports use it so that an imported row is built exactly like a collected one.
    """
    _insert_hit(db, website_id, session_id, visit_id, hit)


# Everything a hit reads, in one statement (each statement is a round through sqlite3 and
# SQLite, and each round lets another thread take the GIL): the website (by uuid), its last
# summarized hour, the salt period's salt, whether the cache token's session is this
# website's, and the session of the visitor hash made with the salt this process read last
# (used only if that is still the period's salt).
WEBSITE_FOR_HIT = (
    "SELECT website_id, website_uuid,"
    " (SELECT done_hour FROM rollup_state r WHERE r.website_id = w.website_id) AS done_hour,"
    " (SELECT salt FROM salt WHERE period = ?) AS salt,"
    " (SELECT 1 FROM session s WHERE s.session_id = ? AND s.website_id = w.website_id)"
    " AS cached_session,"
    " (SELECT session_id FROM session WHERE session_hash = ?) AS hashed_session"
    " FROM website w WHERE website_uuid = ?")
_salts = {}  # database path -> (salt period, its salt) as a hit last read them


def record(path, website_uuid, visitor, hit, rotation, cached=None, journal_on=False):
    """Stores one hit for the website with this (lower-case) uuid in the database at path;
    returns the Recorded state for the next cache token once it is committed (or appended
    to the ingest journal, see journal_on), or None when no website has that uuid.

    Concurrent hits of one process share a transaction (db.write_grouped: group commit).
    cached is a Recorded from a verified cache token (or None); it is used only if it
    belongs to this website and to the current salt period.
    journal_on: a pageview or event is answered once appended to the ingest journal
    (journal.py) when its visitor hash and session can be known without a write.
    """
    # on PostgreSQL every acknowledged hit is committed in the database (several app
    # servers share it; a journal file is one machine's)
    journal_on = journal_on and not is_postgres(path)
    period = salt_period(hit.received_at or hit.created_at, rotation)
    last_period, last_salt = _salts.get(path, (None, None))
    guess = last_salt if last_period == period else None
    digest = session_hash(guess, website_uuid, visitor) if guess is not None else None
    # built before the write: the less Python runs inside it, the sooner its lock is free
    row = pageview_values(None, None, None, hit) if hit.kind == "pageview" else None

    if (journal_on and (hit.kind in JOURNALED or has_vitals(hit)) and not visitor.distinct_id
            and guess is not None):
        done = _journaled(path, website_uuid, visitor, hit, period, guess, digest, cached,
                          row or _row_of(hit))
        if done is not SYNC:
            return done

    def work(db):
        if journal_store.has_new(path):  # sessions and visits a journal holds must be found
            journal_store.apply_into(db, path)
        website = db.execute(WEBSITE_FOR_HIT, (
            period, cached.session_id if cached is not None else None, digest,
            website_uuid)).fetchone()
        if website is None:
            return None
        salt = website["salt"]
        if salt is not None and salt != guess:
            _salts[path] = (period, salt)  # (the current salt only: a rotated one is dropped)
        recorded = store(db, website, visitor, hit, rotation, cached, known=Known(
            salt, website["done_hour"], website["cached_session"] is not None,
            (digest, website["hashed_session"]) if salt is not None and salt == guess
            else None, row))
        if salt is None:  # store() made the period's salt: the next hit may use the journal
            _salts[path] = (period, current_salt(db, period))
        return recorded

    return write_grouped(path, work)


SYNC = object()  # _journaled(): this hit needs the write transaction
# and performance hits with a metric (has_vitals); identify writes session data: always
# the transaction
JOURNALED = ("pageview", "event")


def _row_of(hit):
    """Returns the event_values() or vitals_values() row of an event or performance hit."""
    if hit.kind == "performance":
        return vitals_values(None, None, None, hit)
    return event_values(None, None, None, hit)
# What a journaled hit reads: the website, the period's salt, whether the cache token's
# session is stored and the website's, and the session stored for the visitor hash.
WEBSITE_FOR_JOURNAL = (
    "SELECT website_id, (SELECT salt FROM salt WHERE period = ?) AS salt,"
    " (SELECT 1 FROM session s WHERE s.session_id = ? AND s.website_id = w.website_id)"
    " AS cached_session,"
    " (SELECT session_id FROM session WHERE session_hash = ?) AS hashed_session"
    " FROM website w WHERE website_uuid = ?")


def _journaled(path, website_uuid, visitor, hit, period, salt, digest, cached, row):
    """Returns the Recorded state after appending a pageview, event or vitals sample (row:
    its pageview_values(), event_values() or vitals_values(), ids left None) to the
    journal, None for an unknown
    website, or SYNC when only the write transaction can tell its session: a salt rotated
    since, or a cache token's session another process may still hold unstored."""
    writer = journal.writer_for(path)
    if writer is None or is_failing(path):
        return SYNC  # the transaction's error tells the client (503)
    pending = writer.pending_session(digest)  # asked first: stored once it leaves pending
    db = checkout(path, readonly=True)
    try:
        found = db.execute(WEBSITE_FOR_JOURNAL, (
            period, cached.session_id if cached is not None else None, digest,
            website_uuid)).fetchone()
    finally:
        checkin(path, True, db)
    if found is None:
        return None
    website_id = found["website_id"]
    if found["salt"] != salt:
        return SYNC
    if cached is not None and (cached.website_id != website_id or cached.period != period):
        cached = None
    if cached is not None and (found["cached_session"] or cached.session_id in writer.pending_ids):
        session_id = cached.session_id  # as store(): the token's session, whatever the hash
    elif cached is not None:
        return SYNC
    else:
        session_id = found["hashed_session"] or pending
    is_new = session_id is None
    if is_new:
        session_id = writer.session_id()
    session = (session_id, *session_values(website_id, digest, hit.created_at, visitor))
    visit_id = _visit_id(cached, hit.created_at)
    kind = "vitals" if hit.kind == "performance" else hit.kind
    if not writer.append(session, (website_id, session_id, visit_id, *row[3:]), is_new, digest,
                         kind, event_properties(hit.data) if kind == "event" else None):
        return SYNC
    return Recorded(website_id, session_id, visit_id, hit.created_at, period)


@dataclass
class Known:
    """What record() read for store() in its one statement: the period's salt (or None),
    the last summarized hour, whether the cache token's session is the website's, and
    (visitor hash, its session_id or None) if the hash was made with that salt."""
    salt: bytes
    done_hour: int
    cached_session: bool
    hashed: tuple = None
    pageview: tuple = None  # a pageview hit's pageview_values(), its three ids left None


def store(db, website, visitor, hit, rotation, cached=None, known=None):
    """Returns the Recorded state after storing one hit inside the caller's transaction.

    record() runs it inside a group-committed transaction (db.write_grouped); the
    server-side tracking writer calls this for each hit of a batch inside one transaction.
    known is a Known when record() read those already.
    """
    now = hit.created_at
    # The salt is always the current period's: a backfilled hit must not create (and so
    # rotate to) an old period's salt.
    period = salt_period(hit.received_at or now, rotation)
    if cached is not None and (cached.website_id != website["website_id"]
                               or cached.period != period):
        cached = None
    session_id = _cached_session(db, website, visitor, cached, known)
    if session_id is None:
        session_id = _hashed_session(db, website, visitor, period, now, known)
        if cached is not None and cached.session_id != session_id:
            cached = None  # the cached visit belongs to another session
    visit_id = _visit_id(cached, now)
    _insert_hit(db, website["website_id"], session_id, visit_id, hit,
                known.pageview if known is not None else None)
    if hit.kind != "performance":  # (no summary holds vitals)
        written = [clip(hit.url, LIMITS["url"])] if hit.kind in ("pageview", "event") else []
        rollups.catch_up(db, website["website_id"], now, urls=written,
                         done=known.done_hour if known is not None else rollups.UNREAD,
                         visits_of=[(session_id, visit_id)])
    return Recorded(website["website_id"], session_id, visit_id, now, period)


def _cached_session(db, website, visitor, cached, known):
    """Returns the cache token's session_id while the session is this website's (not for a
    distinct id, which names its own session), else None."""
    if cached is None or visitor.distinct_id:
        return None
    if known is not None:
        found = known.cached_session
    else:
        found = db.execute("SELECT 1 FROM session WHERE session_id = ? AND website_id = ?",
                           (cached.session_id, website["website_id"])).fetchone()
    return cached.session_id if found else None


def _hashed_session(db, website, visitor, period, now, known):
    """Returns the session of the visitor's hash under the period's salt, made now if new."""
    if known is not None and known.hashed is not None:
        digest, session_id = known.hashed
        if session_id is not None:
            return session_id
        return store_session(db, website["website_id"], digest, now, visitor)
    salt = known.salt if known is not None else None
    return _find_or_create_session(db, website, visitor, salt or current_salt(db, period), now)
