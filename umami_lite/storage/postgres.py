"""A PostgreSQL connection (psycopg 3) with the small interface the code uses of sqlite3's.

execute / executemany / fetchone / fetchall, rows readable by name and by index,
in_transaction, commit / rollback, lastrowid. Statements are SQLite's text, translated
once by dialect.translate(). Transactions keep SQLite's meaning:

- "BEGIN IMMEDIATE" (a write transaction) takes one transaction-level advisory lock, so
  writers of every app server run one after another as SQLite's single writer does; the
  statements run at READ COMMITTED, so each sees what the writer before committed.
  The wait for the lock is bounded (lock_timeout): a database that stays locked raises
  sqlite3.OperationalError("database is locked"), which the routes answer with a 503.
- "BEGIN" on a read-only connection is a REPEATABLE READ READ ONLY snapshot.
- PRAGMA statements are SQLite's own tuning: they do nothing here.

Errors are raised as the sqlite3 exception classes the code already handles
(IntegrityError for constraint violations, OperationalError for lock and connection
failures, DatabaseError otherwise), with PostgreSQL's message.
"""
import sqlite3
from decimal import Decimal
from functools import lru_cache

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Loader
from psycopg.pq import ExecStatus, Format, TransactionStatus
from psycopg.types.numeric import NumericBinaryLoader as DecimalBinaryLoader

from .dialect import translate

WRITE_LOCK_KEY = 0x756D616D  # "umam": the advisory lock every write transaction takes
LOCK_TIMEOUT_MS = 5000
ITER_BATCH = 512  # rows a Cursor's iteration loads at once


class NumericLoader(Loader):
    """Loads numeric (sum() and avg() of integers) as int when whole, else float, as
    SQLite gives them (a Decimal is not JSON)."""

    def load(self, data):
        text = bytes(data).decode()  # (PostgreSQL writes numeric without an exponent)
        return int(text) if "." not in text else float(Decimal(text))


class NumericBinaryLoader(Loader):
    """NumericLoader's twin for results in binary format: a numeric of scale 0 as int."""
    format = Format.BINARY

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._decimal = DecimalBinaryLoader(oid, context).load

    def load(self, data):
        value = self._decimal(data)
        return int(value) if value.is_finite() and value.as_tuple().exponent >= 0 \
            else float(value)


class Row(tuple):
    """A result row readable by index and by column name, like sqlite3.Row."""
    __slots__ = ()
    _names = ()

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self._names)


@lru_cache(maxsize=1024)
def _row_class(names):
    """Returns the Row class of the column names (a tuple): made once per shape, not per
    statement."""
    return type("Row", (Row,), {"__slots__": (), "_names": tuple(names),
                                "_index": {n: i for i, n in enumerate(names)}})


def _row_factory(cursor):
    # (the result's own names: psycopg's description builds a Column per column)
    result = cursor.pgresult
    if result is None or not result.nfields:
        return tuple
    return _row_class(tuple(result.fname(i).decode() for i in range(result.nfields)))


def _convert(exc):
    """Returns the sqlite3 exception matching psycopg's exc."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, (pg_errors.LockNotAvailable, pg_errors.QueryCanceled,
                        pg_errors.DeadlockDetected, pg_errors.SerializationFailure)):
        return sqlite3.OperationalError(f"database is locked: {message}")
    if isinstance(exc, psycopg.IntegrityError):
        return sqlite3.IntegrityError(message)
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return sqlite3.OperationalError(message)
    if isinstance(exc, psycopg.DataError):
        return sqlite3.DataError(message)
    if isinstance(exc, psycopg.ProgrammingError):
        return sqlite3.OperationalError(message)
    return sqlite3.DatabaseError(message)


def _value(p):
    """Returns p as PostgreSQL takes it: a boolean as 0 / 1 (the columns are integers, as
    in SQLite), and text without NUL characters, which PostgreSQL's text cannot hold
    (each becomes U+FFFD)."""
    if isinstance(p, bool):
        return int(p)
    if isinstance(p, str) and "\x00" in p:
        return p.replace("\x00", "\ufffd")
    return p


def _params(params):
    """Returns params (a sequence, or a mapping for :name parameters) with _value() applied."""
    if not params:
        return ()
    if isinstance(params, dict):
        return {k: _value(v) for k, v in params.items()}
    return tuple(_value(p) for p in params)


class Cursor:
    """The result of one execute(): rows, rowcount and lastrowid."""

    def __init__(self, cur, lastrowid=None):
        result = cur.pgresult if cur is not None else None
        has_rows = result is not None and result.status == ExecStatus.TUPLES_OK
        self._cur = cur if has_rows else None  # None: no rows
        self.rowcount = cur.rowcount if cur is not None else -1
        self.lastrowid = lastrowid

    @property
    def description(self):
        return None if self._cur is None else self._cur.description

    def fetchone(self):
        return None if self._cur is None else self._cur.fetchone()

    def fetchall(self):
        return [] if self._cur is None else self._cur.fetchall()

    def fetchmany(self, size=1):
        return [] if self._cur is None else self._cur.fetchmany(size)

    def __iter__(self):
        # Rows loaded a batch at a time: psycopg's own iteration makes several Python
        # calls per row, and one list of every row of a large result wakes the garbage
        # collector over and over.
        if self._cur is None:
            return
        while rows := self._cur.fetchmany(ITER_BATCH):
            yield from rows

    def close(self):
        if self._cur is not None:
            self._cur.close()


class Connection:
    """One PostgreSQL connection, used as the code uses a sqlite3 connection."""
    engine = "postgres"
    broken = False
    batches = False
    splits_referrer = True  # a PostgreSQL database starts at the newest layout

    def __init__(self, url, readonly=False):
        self.path = url
        self.readonly = readonly
        try:
            self._conn = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        except psycopg.Error as exc:
            raise _convert(exc) from exc
        self._conn.adapters.register_loader("numeric", NumericLoader)
        self._conn.adapters.register_loader("numeric", NumericBinaryLoader)
        self._literals = self._conn.cursor()  # a ClientCursor: merges values into text
        if readonly:
            self._conn.execute("SET default_transaction_read_only = on")
        self.row_factory = None

    # sqlite3.Connection's interface -------------------------------------------------

    @property
    def in_transaction(self):
        return self._conn.info.transaction_status != TransactionStatus.IDLE

    @property
    def total_changes(self):
        return 0

    def execute(self, sql, params=()):
        head = sql.lstrip()[:16].upper()
        if head.startswith("PRAGMA"):
            return Cursor(None)
        if head.startswith("BEGIN"):
            return self._begin(head)
        text, returning = translate(sql)
        try:
            if head.startswith(("SELECT", "WITH")):
                # The values merged into the text as literals, as a ClientCursor sends
                # them, but the rows asked for in binary format: bytea (the summaries'
                # blobs) then crosses as is, not as hex text twice its size.
                cur = psycopg.Cursor(self._conn, row_factory=_row_factory)
                cur.execute(self._literals.mogrify(text, _params(params)), None,
                            prepare=False, binary=True)
            else:
                cur = self._conn.cursor(row_factory=_row_factory)
                cur.execute(text, _params(params))
        except psycopg.Error as exc:
            raise _convert(exc) from exc
        lastrowid = None
        if returning is not None:
            row = cur.fetchone()
            lastrowid = row[0] if row else None
        return Cursor(cur, lastrowid)

    def executemany(self, sql, seq):
        text, returning = translate(sql)
        if returning is not None:
            text = text[:text.rindex(" RETURNING ")]
        rows = [_params(p) for p in seq]
        if not rows:
            return Cursor(None)
        cur = self._conn.cursor()
        try:
            cur.executemany(text, rows)
        except psycopg.Error as exc:
            raise _convert(exc) from exc
        return Cursor(cur)

    def executescript(self, script):
        from .migrations import statements
        for statement in statements(script):
            if statement.strip():
                self.execute(statement)

    # what moving a SQLite file in needs (ops/migrate.py) --------------------------------

    def column_names(self, table):
        """Returns the names of table's columns a row can be given (not generated ones)."""
        return {r[0] for r in self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = ? AND is_generated = 'NEVER'"
            " AND identity_generation IS DISTINCT FROM 'ALWAYS'", (table,))}

    def copy_rows(self, table, columns, rows):
        """Stores rows (sequences in columns' order) with COPY; returns how many.
        table and columns are the layout's own names, never input."""
        count = 0
        names = ", ".join(columns)
        try:
            with self._conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(_params(row))
                    count += 1
        except psycopg.Error as exc:
            raise _convert(exc) from exc
        return count

    def restart_identities(self):
        """Moves every identity column's next value past the largest id stored."""
        for table, column in self.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_identity = 'YES'").fetchall():
            self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                         f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")

    def _begin(self, head):
        try:
            if "IMMEDIATE" in head or "EXCLUSIVE" in head or not self.readonly:
                # one round trip (constants only: sent as one simple query)
                self._conn.execute(f"BEGIN; SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)};"
                                   f" SELECT pg_advisory_xact_lock({int(WRITE_LOCK_KEY)})")
            else:
                self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except psycopg.Error as exc:
            if self.in_transaction:
                self._conn.execute("ROLLBACK")
            raise _convert(exc) from exc
        return Cursor(None)

    def commit(self):
        if self.in_transaction:
            self.execute("COMMIT")

    def rollback(self):
        if self.in_transaction:
            self.execute("ROLLBACK")

    def close(self):
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        if kind is None:
            self.commit()
        else:
            self.rollback()
