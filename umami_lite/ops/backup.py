"""Online backup of the live database, its verification, and the way back (restore).

The copy is taken with SQLite's backup API in one step, inside one read transaction:
in WAL mode that snapshot never blocks the writers (collect keeps answering), and the
row counts read in the same transaction must equal the copy's, which is the check that
the copy is the consistent snapshot it claims to be.
"""
import os
import time

from ..storage import connection as dbmod, files
from ..storage.dialect import is_postgres
from ..storage.errors import DatabaseError, NotADatabase
from ..ingest import replay as journal_store
from . import presence


class BackupError(Exception):
    """A backup or restore that must not be trusted or must not proceed."""


def sqlite_files(*paths):
    """Refuses a PostgreSQL URL among paths, before anything is opened: backup and restore
    copy SQLite files (a URL taken as a path would name a file postgresql:/HOST/DB in the
    working directory)."""
    for path in paths:
        if is_postgres(path):
            raise BackupError(f"{path} is a PostgreSQL database; backup and restore copy SQLite"
                              " files (pg_dump and pg_restore do that job on PostgreSQL,"
                              " docs/postgresql.md)")


def table_counts(conn):
    """Returns {table: row count} for every table of conn's main database."""
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name")]
    # Names come from sqlite_master itself, never from input; quoted as identifiers.
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names}


def verify(path, expected=None):
    """Returns {table: rows} of the database at path after integrity_check passes.

    expected, when given, is the {table: rows} the file must hold exactly.
    """
    sqlite_files(path)
    if not os.path.isfile(path):
        raise BackupError(f"{path}: no such file")
    conn = files.open_readonly(path)
    try:
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except NotADatabase as exc:
            raise BackupError(f"{path}: not an SQLite database ({exc})") from None
        if result != ["ok"]:
            raise BackupError(f"{path}: integrity_check failed: {'; '.join(result[:5])}")
        counts = table_counts(conn)
    finally:
        conn.close()
    missing = {"website", "session", "pageview", "event"} - set(counts)
    if missing:
        raise BackupError(f"{path}: not an umami-lite database (no {', '.join(sorted(missing))})")
    if expected is not None and counts != expected:
        diff = {t: (expected.get(t), counts.get(t)) for t in set(expected) | set(counts)
                if expected.get(t) != counts.get(t)}
        raise BackupError(f"{path}: row counts differ from the source: {diff}")
    return counts


def backup(source, dest):
    """Returns {"path", "bytes", "seconds", "tables"} after copying source to dest and verifying.

    The copy is written next to dest and renamed into place only once verified, so dest
    is never a half-written file. An existing dest is replaced.
    """
    started = time.monotonic()
    sqlite_files(source, dest)
    check_destination(dest)
    # the copy holds every acknowledged hit
    journal_store.before_read(source, dbmod.BUSY_TIMEOUT_MS)
    partial = dest + ".partial"
    remove_partial(partial)
    try:
        expected = copy(source, partial)
        verify(partial, expected)
        os.replace(partial, dest)
    except (BackupError, DatabaseError, OSError) as exc:
        remove_partial(partial)
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"{dest}: {exc}") from None
    return {"path": dest, "bytes": os.path.getsize(dest),
            "seconds": round(time.monotonic() - started, 3), "tables": expected}


def check_destination(dest):
    """Refuses a backup path that is a directory or in a missing folder, before any work."""
    if os.path.isdir(dest):
        raise BackupError(f"{dest} is a directory; give a file path in it, e.g. "
                          f"{os.path.join(dest, 'umami.db')}")
    folder = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(folder):
        raise BackupError(f"{dest}: the folder {folder} does not exist")


def remove_partial(partial):
    for leftover in (partial, partial + "-wal", partial + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)


def copy(source, partial):
    """Returns the source's row counts after copying it into the file partial."""
    src = dbmod.connect(source, readonly=True)
    out = files.open_plain(partial)
    try:
        src.execute("BEGIN")
        expected = table_counts(src)
        files.copy_into(src, out)  # the copy is this transaction's snapshot
        src.execute("COMMIT")
        # A backup is one self-contained file: no -wal beside it to lose on the way.
        out.execute("PRAGMA journal_mode = DELETE")
    finally:
        out.close()
        src.close()
    return expected


def restore(backup_path, target, force=False):
    """Returns {"path", "tables"} after replacing target's content with the verified backup.

    Refuses when target is in use (an open connection, or an app process that announced
    it: see presence.py), unless force. The content is written through SQLite's
    backup API into target, so other connections see the restored data, never a torn file.
    """
    sqlite_files(backup_path, target)
    counts = verify(backup_path)
    if os.path.exists(target) and not force:
        if presence.others_present(target) or files.in_use(target):
            raise BackupError(f"{target} is in use (a server or another process has it open);"
                              " stop it first, or pass --force")
    src = files.open_readonly(backup_path)
    dst = dbmod.connect(target)
    try:
        handed_out = journal_store.next_session_id(dst)
        files.copy_into(src, dst)
        tables = verify(target, counts)
        journal_store.after_restore(dst, target, handed_out)
    finally:
        src.close()
        dst.close()
    return {"path": target, "tables": tables}
