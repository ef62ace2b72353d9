"""A store of an earlier schema holding what a store of today's holds: the start of every upgrade test.

Today's writer cannot write the results layout of before migration 0008 (nine columns: flaky and
attempts, ingest_no, artifacts in the row), nor a store without the tables it keeps counts in, so an
old store is made from a new one: the schema is migrated only up to the migration named, every table
it has is copied row by row, and the results are written back in the nine-column layout when it
predates 0008. Opening it with today's code then runs the upgrade under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from ccdash_tests.store import Store, migrations, open_store
from ccdash_tests.store.engine import Engine

# Parents before children (SQLite checks the foreign keys of what it copies).
TABLES = (
    "test_runs",
    "test_definitions",
    "test_errors",
    "test_run_sources",
    "test_domains",
    "test_feature_mappings",
    "test_mapping_snapshots",
    "test_mapping_inputs",
    "test_integrity_signals",
    "test_run_causes",
    "test_cause_tests",
    "test_result_extras",
    "test_features",
    "test_run_features",
)
NINE_COLUMNS = (
    "test_pk", "run_pk", "status", "duration_us", "attempts", "flaky", "error_pk", "ingest_no", "artifacts",
)  # fmt: skip


def columns(engine: Engine, table: str) -> list[str]:
    if engine.dialect == "sqlite":
        return [
            name for (name,) in engine.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", (table,))
        ]
    rows = engine.query(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    )
    return [name for (name,) in rows]


def nine_column_results(engine: Engine) -> list[tuple[Any, ...]]:
    """Today's results as the rows of the layout before 0008 (the status column then held no flag)."""
    rows = engine.query(
        "SELECT x.test_pk, x.run_pk, x.status, x.duration_us, t.attempts, x.error_pk, t.ingest_no,"
        " t.artifacts FROM test_results x LEFT JOIN test_result_extras t"
        " ON t.run_pk = x.run_pk AND t.test_pk = x.test_pk"
    )
    old = []
    for test_pk, run_pk, stored, duration, attempts, error_pk, ingest_no, artifacts in rows:
        flaky, code = divmod(stored, 8)
        old.append(
            (test_pk, run_pk, code, duration, attempts or 1, flaky, error_pk, ingest_no or 1, artifacts)
        )
    return old


def copy_to_schema_before(source: Store, url: str, migration: str) -> None:
    """Make the store at `url` one of the schema before `migration`, holding what `source` holds."""
    upto = [m.name for m in migrations.MIGRATIONS].index(migration)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:upto])
        target = open_store(url)
    try:
        engine = target.engine
        present = engine.table_names()
        with target.transaction():
            for table in (t for t in TABLES if t in present):
                names = columns(engine, table)
                rows = source.engine.query(f"SELECT {', '.join(names)} FROM {table}")
                engine.insert_rows(table, names, rows)
                if engine.dialect == "postgresql" and "id" in names:
                    # Keys were copied as they are: later inserts must draw above them.
                    engine.query(
                        f"SELECT setval(pg_get_serial_sequence(?, 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)",
                        (table,),
                    )
            if "flaky" in columns(engine, "test_results"):
                engine.insert_rows("test_results", NINE_COLUMNS, nine_column_results(source.engine))
            else:  # a schema since 0008: the results are copied as they are
                names = columns(engine, "test_results")
                rows = source.engine.query(f"SELECT {', '.join(names)} FROM test_results")
                engine.insert_rows("test_results", names, rows)
    finally:
        target.close()
