"""`umami-lite migrate --from FILE --to postgresql://...`: moves a whole installation from
its SQLite file into an empty PostgreSQL database.

Every stored row moves with its id: accounts (with their password hashes), websites (uuids
and share ids, so no snippet changes), sessions, pageviews, events, properties, vitals,
salts, reports, segments, links, pixels and the stored secret (so login tokens stay valid).
The summaries are derived from those rows, so the target rebuilds them rather than copying
their SQLite encoding. The source is first brought to this version's layout and its ingest
journal stored, as `serve` would on start; nothing else in it changes. The copy is one
transaction: a failure leaves the target as empty as it was.
"""
import os
import time

from ..ingest import replay as journal_store
from ..ingest.rows import referrer_parts, splits_referrer
from ..rollups import build as rollups
from ..storage import connection as db
from ..storage.dialect import is_postgres
from ..storage.errors import DatabaseError
from ..storage.sites import ROLLUP_TABLES

# Not copied: derived summaries (rebuilt), the names of SQLite's journal files, and the
# login throttle's short-lived failure counts.
SKIPPED = {*ROLLUP_TABLES, "ingest_journal", "login_failure"}
# Rows the target's own layout already made (schema.sql seeds them): the source's win.
REPLACED = {"setting", "id_counter"}
# A target holding any of these is not empty.
OCCUPIED = ("account", "website", "session", "pageview", "event")
SUMMARY_STEP_MS = 7 * 86_400_000  # the summaries are rebuilt a week of hits at a time


class MigrateError(Exception):
    """Why the installation cannot be moved, in words for the command line."""


def migrate(source, target, progress=print):
    """Copies the SQLite file source into the empty PostgreSQL database target; returns
    {table: rows copied}. progress(text) is told of each table."""
    if is_postgres(source) or not os.path.isfile(source):
        raise MigrateError(f"--from: no SQLite database file at {source}")
    if not is_postgres(target):
        raise MigrateError(f"--to: {target} is not a postgresql:// URL")
    try:
        journal_store.apply_pending(source)
        src = db.init_db(source)
    except DatabaseError as exc:
        raise MigrateError(f"--from: {source}: {exc}") from exc
    try:
        dst = db.init_db(target)
    except DatabaseError as exc:
        src.close()
        raise MigrateError(f"--to: {exc}") from exc
    try:
        _refuse_occupied(dst, target)
        src.execute("BEGIN")  # one snapshot of the source
        with db.transaction(dst):
            copied = {table: _copy_table(src, dst, table, progress)
                      for table in _tables_in_order(src)}
            dst.restart_identities()  # the next new row's id follows the copied ones
        src.execute("ROLLBACK")
        _rebuild_summaries(dst, progress)
        return copied
    finally:
        src.close()
        dst.close()


def _refuse_occupied(dst, target):
    for table in OCCUPIED:
        if dst.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise MigrateError(f"--to: {target} already holds data (table {table}); "
                               "migrate into an empty database")


def _tables_in_order(src):
    """Returns the source's tables to copy, each after the tables it references."""
    names = [r[0] for r in src.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name")]
    names = [n for n in names if n not in SKIPPED]
    parents = {n: {r[2] for r in src.execute(f'PRAGMA foreign_key_list("{n}")')} - {n}
               for n in names}
    ordered = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # (no cycle in schema.sql; a hand-made one must not loop forever)
            raise MigrateError(f"tables reference each other: {sorted(set(names) - set(ordered))}")
        ordered += ready
    return ordered


def _copy_table(src, dst, table, progress):
    """Copies every row of table; returns how many."""
    started = time.monotonic()
    columns = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]  # (no generated)
    wanted = dst.column_names(table)
    rows = src.execute(f'SELECT {", ".join(columns)} FROM "{table}"')
    if table == "pageview" and not splits_referrer(src):
        columns, rows = _split_referrers(columns, rows)
    keep = [i for i, c in enumerate(columns) if c in wanted]
    names = [columns[i] for i in keep]
    if table in REPLACED:
        marks = ", ".join("?" for _ in names)
        dst.executemany(f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({marks})",
                        [[row[i] for i in keep] for row in rows])
        count = dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    else:
        count = dst.copy_rows(table, names, ([row[i] for i in keep] for row in rows))
    progress(f"{table}: {count} rows in {time.monotonic() - started:.1f} s")
    return count


def _split_referrers(columns, rows):
    """Returns (columns, rows) of an older file's pageview rows, which store the referrer
    whole, in today's split layout."""
    at = columns.index("referrer")
    domain = columns.index("referrer_domain")
    names = [*columns[:at], "referrer_kind", "referrer_rest", *columns[at + 1:]]
    return names, ((*row[:at], *referrer_parts(row[at], row[domain]), *row[at + 1:])
                   for row in rows)


def _rebuild_summaries(dst, progress):
    """Summarizes every website's copied hits, a week at a time, one transaction each."""
    for (website_id,) in dst.execute("SELECT website_id FROM website ORDER BY 1").fetchall():
        first, last = dst.execute(
            "SELECT min(t), max(t) FROM (SELECT created_at AS t FROM pageview WHERE website_id"
            " = ? UNION ALL SELECT created_at FROM event WHERE website_id = ?) AS hits",
            (website_id, website_id)).fetchone()
        if first is None:
            continue
        started = time.monotonic()
        for at in [*range(first, last, SUMMARY_STEP_MS), last]:
            with db.transaction(dst):
                rollups.catch_up(dst, website_id, [at])
        progress(f"summaries of website {website_id}: {time.monotonic() - started:.1f} s")
