"""The two database engines behind one small interface: SQLite (embedded) and PostgreSQL (shared).

Repositories write their SQL once, with `?` placeholders; an engine adapts the placeholders, owns
the connection and the transaction, and implements the few operations the engines really disagree
on (how a write transaction starts, how rows are bulk-loaded).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from ccdash_tests.errors import StoreError
from ccdash_tests.text import error_line, redact_secrets, url_secrets

Row = tuple[Any, ...]

# SQLite: a 64 MB page cache measured 30% faster than the default on large ingests (DESIGN.md §10);
# 56 MB with 2,000-case batches keeps a million-case ingest under 150 MB for the same CPU (40 MB cost
# 2% more CPU; bench/README.md, memory).
SQLITE_CACHE_KIB = 56 * 1024
DEFAULT_BUSY_TIMEOUT_MS = 60_000


@runtime_checkable
class Engine(Protocol):
    """What repositories need from a database connection."""

    dialect: str
    description: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """The rows one at a time as the database sends them, never all in memory."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def load(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Plain INSERT of rows that conflict with nothing (the caller knows): the cheapest bulk write."""
        ...

    def new_keys(self, table: str, count: int) -> list[int]:
        """`count` unused values of the table's integer key `id`, inside the caller's write transaction."""
        ...

    def script(self, sql: str) -> None: ...

    def transaction(self, lock_key: str | None = None) -> contextlib.AbstractContextManager[None]: ...

    def table_names(self) -> set[str]: ...

    def close(self) -> None: ...


class _Transactions:
    """Nested `transaction()` blocks join the outermost one: a run is written whole or not at all."""

    _depth = 0

    def _outermost(self, lock_key: str | None) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError  # each engine begins and ends a real transaction its own way

    @contextlib.contextmanager
    def transaction(self, lock_key: str | None = None) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with self._outermost(lock_key):
            self._depth = 1
            try:
                yield
            finally:
                self._depth = 0


class SqliteEngine(_Transactions):
    """One sqlite3 connection in WAL mode with a busy timeout, so a second process waits, not fails."""

    dialect = "sqlite"

    def __init__(self, path: str, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.path = path
        self.description = f"SQLite file {path}"
        try:
            # isolation_level=None: we issue BEGIN ourselves, so a write transaction can take the
            # write lock up front (BEGIN IMMEDIATE) instead of failing on a lock upgrade later.
            self.conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._enable_wal(busy_timeout_ms)
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            self.conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open SQLite store: {exc}") from exc

    def _enable_wal(self, busy_timeout_ms: int) -> None:
        """Switch to WAL, waiting out other processes doing the same to a new file.

        Changing the journal mode needs an exclusive lock that SQLite does not wait for through the busy
        handler, so several processes opening one new store at once can see "database is locked" here.
        """
        deadline = time.monotonic() + busy_timeout_ms / 1000
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        # An sqlite3 cursor steps the statement lazily. A plain loop, not `yield from`: a reader that stops
        # early (a closed pipe) must not close the cursor after its connection is gone, which raises.
        for row in self.conn.execute(sql, params):  # noqa: UP028
            yield row

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def load(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Bulk form of an `INSERT ... VALUES (?, ...) [ON CONFLICT ...]`: executemany is SQLite's fastest."""
        self.conn.executemany(sql, rows)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
            )

    def new_keys(self, table: str, count: int) -> list[int]:
        # One writer per file (BEGIN IMMEDIATE): nobody else can take keys above the current maximum.
        (top,) = self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()
        return list(range(top + 1, top + 1 + count))

    def script(self, sql: str) -> None:
        # executescript would COMMIT an open transaction; run statement by statement instead.
        for statement in split_statements(sql):
            self.conn.execute(statement)

    @contextlib.contextmanager
    def _outermost(self, lock_key: str | None) -> Iterator[None]:
        # SQLite has one writer per file: BEGIN IMMEDIATE takes the lock the key would ask for.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def table_names(self) -> set[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}

    def close(self) -> None:
        self.conn.close()


_PLACEHOLDER = re.compile(r"\?")
_INSERT_VALUES = re.compile(
    r"\s*INSERT INTO (\w+) \(([\w,\s]+)\)\s*VALUES \([?,\s]+\)(.*)", re.DOTALL | re.IGNORECASE
)


class PostgresEngine(_Transactions):
    """One psycopg 3 connection; psycopg is imported here only, as it costs ~120 ms of start-up."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a declared dependency
            raise StoreError("PostgreSQL support needs psycopg: pip install 'psycopg[binary]'") from exc
        # psycopg logs its own cleanup notices ("error ignored terminating Pipeline") when a connection
        # dies mid-write; the user gets our one-line message instead.
        psycopg_log = logging.getLogger("psycopg")
        psycopg_log.addHandler(logging.NullHandler())
        psycopg_log.propagate = False
        self.description = f"PostgreSQL {redact_url(url)}"
        self._column_types: dict[str, dict[str, str]] = {}
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
            # psycopg prepares a statement after a few runs and PostgreSQL may then keep one generic
            # plan. An ingest's look-ups are planned while the tables are still small (a sequential
            # scan looks best) and then run against tables that grow inside the same transaction:
            # measured here, 100,000 cases took 180 s with a kept plan instead of seconds.
            self.conn.execute("SET plan_cache_mode = force_custom_plan")
        except psycopg.Error as exc:
            # libpq's own message may repeat the URL, or pieces of a password it could not parse.
            reason = redact_secrets(error_line(exc), url_secrets(url))
            raise StoreError(f"{redact_url(url)}: cannot connect to PostgreSQL: {reason}") from exc

    @staticmethod
    def _sql(sql: str) -> str:
        # Repositories never put a literal '?' or '%' in SQL text: values travel as parameters.
        return _PLACEHOLDER.sub("%s", sql)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql), params)
            return cur.fetchall() if cur.description else []

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        # psycopg's stream() reads the result in single-row mode: no server-side cursor (which would
        # need a transaction), and the client holds one row at a time.
        with self.conn.cursor() as cur:
            yield from cur.stream(self._sql(sql), params)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql), params)
            return cur.rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.conn.cursor() as cur:
            cur.executemany(self._sql(sql), rows)

    def load(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Bulk form of an `INSERT ... VALUES (?, ...) [ON CONFLICT ...]`: COPY into a temporary table,
        then one INSERT ... SELECT with the same conflict clause (about 2x executemany, DESIGN.md §10).

        Rows must not repeat a conflict key when the clause is DO UPDATE (PostgreSQL refuses to update
        one row twice in one statement); callers fall back to executemany then.
        """
        if not rows:
            return
        match = _INSERT_VALUES.match(sql)
        if match is None:
            raise ValueError("load() takes INSERT INTO table (columns) VALUES (...) [ON CONFLICT ...]")
        table, columns, tail = match.group(1), match.group(2), match.group(3)
        names = [name.strip() for name in columns.split(",")]
        scratch = f"ccdash_load_{table}"
        # Inside a transaction even when called without one: ON COMMIT DROP would otherwise drop the
        # scratch table the moment it is created.
        with self.transaction(), self.conn.cursor() as cur:
            # Types come from the target table; ON COMMIT DROP keeps nothing past the transaction.
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {scratch} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            self._copy(cur, scratch, names, self._types(table, names), rows)
            cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {scratch} {tail}")
            # TRUNCATE, not DELETE: deleted rows stay until the transaction ends, and every later batch
            # would scan them again (quadratic on a million cases).
            cur.execute(f"TRUNCATE {scratch}")

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                self._copy(cur, table, columns, self._types(table, columns), rows)

    def new_keys(self, table: str, count: int) -> list[int]:
        # Drawn from the identity's own sequence, so concurrent writers and DEFAULT keys never collide.
        if count <= 0:
            return []
        rows = self.query(
            "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", (table, count)
        )
        return [key for (key,) in rows]

    @staticmethod
    def _copy(cur: Any, table: str, columns: Sequence[str], types: Sequence[str], rows: Iterable) -> None:
        # Binary COPY: the server reads integers as they are instead of parsing their text.
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def _types(self, table: str, columns: Sequence[str]) -> list[str]:
        """The PostgreSQL type of each column, as binary COPY must be told (read once per table)."""
        known = self._column_types.get(table)
        if known is None:
            rows = self.query(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
            known = self._column_types[table] = dict(rows)
        return [known[column] for column in columns]

    def script(self, sql: str) -> None:
        for statement in split_statements(sql):
            self.execute(statement)

    @contextlib.contextmanager
    def _outermost(self, lock_key: str | None) -> Iterator[None]:
        with self.conn.transaction():
            # Write transactions look rows up by key in tables they are growing; the statistics are
            # those of before the transaction (often "empty"), so the planner would scan a whole table
            # per batch (measured: O(n^2), 180 s for 100,000 new tests). Keyed look-ups it is.
            self.execute("SET LOCAL enable_seqscan = off")
            # That setting prices each unavoidable sequential scan (a scratch table, a count) at 10^10,
            # far above jit_above_cost, so PostgreSQL would JIT-compile those statements: 100-300 ms of
            # server CPU each (measured: 2 s of a 100,000-case ingest went to compiling 200-row inserts).
            self.execute("SET LOCAL jit = off")
            if lock_key is not None:
                # One writer per key (project) at a time, as SQLite's single writer gives us: ingests
                # of one project never race on get-or-create of the same definitions.
                self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (lock_key,))
            yield

    def table_names(self) -> set[str]:
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {name for (name,) in rows}

    def close(self) -> None:
        self.conn.close()


def split_statements(sql: str) -> list[str]:
    """Split a migration script on `;` line ends; migrations hold no semicolons inside literals."""
    return [part.strip() for part in sql.split(";\n") if part.strip().rstrip(";").strip()]


def redact_url(url: str) -> str:
    """A URL safe to print: its password and secret parameters replaced by ***."""
    return redact_secrets(url)
