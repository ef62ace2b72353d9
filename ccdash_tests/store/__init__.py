"""The store: where runs, definitions, results, domains, mappings and signals live (SQLite or PostgreSQL).

Everything under store/ is SQL and its codecs; it imports only models, identity, errors and text,
never a layer above it. Two kinds of access, and every statement is written once (shared texts and
column lists live in rows.py):

- **The six repositories** (contracts in base.py, SQL in repositories.py) are the per-entity API and
  match CCDash's own repository layer. The product reads and writes single entities through them:
  runs and results by run, definitions, signals, and the mapping and domain rows that a resolution
  writes (`MappingRepository.write_rows`, `DomainRepository.add_missing`, bulk forms over tuples).
  Methods the command line itself does not call (`runs.upsert`, `list_by_session`,
  `latest_for_feature`, `definitions.upsert/list/get_or_create`, `results.append/history/
  latest_status`) are kept on purpose: they are the CCDash-parity surface for library users and the
  push to a CCDash server, and the contract suite (tests/test_store_contract.py) runs each of them
  on both engines.
- **Set-oriented paths** that a repository call per row would make slow: the ingest's bulk write
  path (writer.py: one transaction, batches of 10,000 cases) and the feature queries in queries/
  (health, forensics, mapping, integrity, gate), which read across tables with the access paths
  their docstrings name. They are tested through the features that run them, on both engines.
"""

from __future__ import annotations

import os
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ccdash_tests.errors import StoreDisabledError, StoreError
from ccdash_tests.text import error_line

if TYPE_CHECKING:
    from ccdash_tests.store.base import (
        DefinitionRepository,
        DomainRepository,
        MappingRepository,
        ResultRepository,
        RunRepository,
        SignalRepository,
    )
    from ccdash_tests.store.engine import Engine

# The engines, migrations and repositories are imported when a store is opened, not with this package:
# every command names DEFAULT_DB_FILE in its --help, and `--version` opens nothing.

__all__ = [
    "DEFAULT_DB_FILE",
    "Store",
    "StoreDisabledError",
    "StoreError",
    "StoreLocation",
    "import_driver",
    "open_store",
    "resolve_location",
]

DEFAULT_DB_FILE = "ccdash-tests.db"
ENV_DB = "CCDASH_TESTS_DB"
ENV_ENABLED = "CCDASH_TEST_VISUALIZER_ENABLED"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class StoreLocation:
    """Where a store lives: backend "sqlite" with a file path, or "postgresql" with a URL."""

    backend: str
    target: str


def resolve_location(db: str | None, cwd: Path | None = None) -> StoreLocation:
    """--db, else $CCDASH_TESTS_DB, else ./ccdash-tests.db. Accepts paths and SQLAlchemy-style URLs."""
    value = (db or os.environ.get(ENV_DB) or "").strip()
    if not value:
        return StoreLocation("sqlite", str((cwd or Path.cwd()) / DEFAULT_DB_FILE))
    if value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return StoreLocation("postgresql", value.replace("postgresql+psycopg://", "postgresql://", 1))
    if value.startswith("sqlite:///"):
        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy spells them.
        return StoreLocation("sqlite", value[len("sqlite:///") :] or DEFAULT_DB_FILE)
    scheme = _SCHEME.match(value)
    if scheme:
        raise StoreError(
            f"{value}: unsupported store URL scheme {scheme.group(1)!r} "
            "(use a file path, sqlite:///file.db or postgresql://...)"
        )
    return StoreLocation("sqlite", value)


def import_driver(db: str | None) -> None:
    """Import the PostgreSQL driver now when --db names PostgreSQL (a bad --db is reported later,
    where the store opens, so the order of errors stays as it was)."""
    try:
        postgres = resolve_location(db).backend == "postgresql"
    except StoreError:
        return
    if postgres:
        # Why early: Ctrl-C inside psycopg's import of decimal leaves the C module half set up, and
        # the next import of it writes a libmpdec warning to stderr beside our one-line message.
        import psycopg  # noqa: F401


def visualizer_enabled() -> bool:
    """The CCDash flag: only an explicit 0 disables table creation."""
    return os.environ.get(ENV_ENABLED, "").strip() != "0"


class Store:
    """One open store: the repositories over one engine, and its transaction."""

    def __init__(self, engine: Engine, *, created: bool = False) -> None:
        from ccdash_tests.store.repositories import (
            SqlDefinitionRepository,
            SqlDomainRepository,
            SqlMappingRepository,
            SqlResultRepository,
            SqlRunRepository,
            SqlSignalRepository,
        )

        self.engine = engine
        self.created = created  # this open made the store: it was empty, with no schema, before
        self.runs: RunRepository = SqlRunRepository(engine)
        self.definitions: DefinitionRepository = SqlDefinitionRepository(engine)
        self.results: ResultRepository = SqlResultRepository(engine)
        self.domains: DomainRepository = SqlDomainRepository(engine)
        self.mappings: MappingRepository = SqlMappingRepository(engine)
        self.signals: SignalRepository = SqlSignalRepository(engine)

    @property
    def description(self) -> str:
        return self.engine.description

    def transaction(self, lock_key: str | None = None) -> AbstractContextManager[None]:
        return self.engine.transaction(lock_key)

    def schema_version(self) -> tuple[int, str | None]:
        from ccdash_tests.store.migrations import schema_version

        return schema_version(self.engine)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_engine(location: StoreLocation) -> Engine:
    from ccdash_tests.store.engine import PostgresEngine, SqliteEngine

    if location.backend == "postgresql":
        return PostgresEngine(location.target)
    path = Path(location.target)
    if not path.parent.exists():
        raise StoreError(f"{location.target}: the folder {str(path.parent)!r} does not exist")
    return SqliteEngine(location.target)


def open_store(db: str | None = None) -> Store:
    """Open (and migrate) the store named by --db / $CCDASH_TESTS_DB / the default file."""
    from ccdash_tests.store.migrations import created_everything, migrate

    location = resolve_location(db)
    engine = open_engine(location)
    try:
        applied = migrate(engine, enabled=visualizer_enabled())
    except StoreError:
        engine.close()
        raise
    except Exception as exc:
        engine.close()
        raise StoreError(f"{engine.description}: cannot prepare the schema: {error_line(exc)}") from exc
    return Store(engine, created=created_everything(applied))
