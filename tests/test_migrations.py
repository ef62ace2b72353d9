"""Migrations: a blank store on each backend gets the full schema; the flag that forbids creating it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from ccdash_tests.store import StoreDisabledError, StoreError, open_store, resolve_location
from ccdash_tests.store.migrations import MIGRATIONS, migrate

EXPECTED_COLUMNS = {
    "test_runs": {
        "id", "project_id", "run_id", "timestamp", "git_sha", "branch", "agent_session_id", "env_fingerprint",
        "trigger", "status", "total_tests", "passed_tests", "failed_tests", "skipped_tests", "flaky_tests",
        "status_counts", "duration_ms", "ingest_count", "metadata", "created_at",
    },
    "test_run_sources": {"run_pk", "sha256", "name", "format", "cases"},
    "test_definitions": {
        "id", "project_id", "test_id", "suite", "classname", "name", "base_name", "path", "line", "framework",
        "tags", "owner", "first_seen",
    },
    "test_errors": {"id", "text_hash", "fingerprint", "error_type", "message", "details", "truncated"},
    "test_results": {"test_pk", "run_pk", "status", "duration_us", "error_pk"},
    "test_result_extras": {"run_pk", "test_pk", "attempts", "ingest_no", "artifacts"},
    "test_domains": {
        "id", "project_id", "domain_id", "name", "parent_id", "kind", "description", "created_at",
    },
    "test_feature_mappings": {
        "id", "project_id", "test_id", "feature", "domain_id", "provider", "confidence", "version",
        "snapshot_hash", "is_primary", "created_at",
    },
    "test_mapping_snapshots": {"id", "project_id", "version", "snapshot_hash", "mappings", "created_at"},
    "test_mapping_inputs": {"id", "project_id", "kind", "source", "position", "body", "created_at"},
    "test_integrity_signals": {
        "id", "signal_id", "project_id", "git_sha", "file_path", "test_id", "test_name", "signal_type",
        "severity", "details", "linked_run_ids", "agent_session_id", "state", "ack_reason", "created_at",
        "verdict", "resolved_sha", "resolved_at",
    },
    "test_run_causes": {"run_pk", "fingerprint", "results", "error_pk"},
    "test_cause_tests": {"test_pk", "fingerprint"},
    "test_features": {"id", "project_id", "feature"},
    "test_run_features": {
        "feature_pk", "run_pk", "results", "failed", "error", "skipped", "xfailed", "xpassed",
    },
    "ccdash_schema_migrations": {"seq", "name", "applied_at"},
}  # fmt: skip


def _columns(store_url: str, backend: str) -> dict[str, set[str]]:
    if backend == "sqlite":
        database = sqlite_utils.Database(store_url)
        return {table.name: {column.name for column in table.columns} for table in database.tables}
    with open_store(store_url) as store:
        rows = store.engine.query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


def test_blank_store_gets_the_full_schema(db_url: str, backend: str) -> None:
    with open_store(db_url) as store:
        assert store.schema_version() == (len(MIGRATIONS), MIGRATIONS[-1].name)
    assert _columns(db_url, backend) == EXPECTED_COLUMNS


def test_migrating_twice_applies_nothing(db_url: str) -> None:
    with open_store(db_url) as store:
        assert migrate(store.engine) == []
        assert store.schema_version()[0] == len(MIGRATIONS)


def test_sqlite_store_runs_in_wal_mode_with_busy_timeout(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "w.db")) as store:
        assert store.engine.query("PRAGMA journal_mode")[0][0] == "wal"
        assert store.engine.query("PRAGMA busy_timeout")[0][0] >= 10_000


def test_results_are_clustered_by_test_and_run(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "c.db")) as store:
        sql = store.engine.query("SELECT sql FROM sqlite_master WHERE name = 'test_results'")[0][0]
    assert "WITHOUT ROWID" in sql


def test_disabled_flag_refuses_to_create_tables(
    db_url: str, backend: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CCDASH_TEST_VISUALIZER_ENABLED", "0")
    with pytest.raises(StoreDisabledError, match="CCDASH_TEST_VISUALIZER_ENABLED=0"):
        open_store(db_url)
    monkeypatch.setenv("CCDASH_TEST_VISUALIZER_ENABLED", "1")
    open_store(db_url).close()
    # Once the tables exist, the flag does not stop the store from being used.
    monkeypatch.setenv("CCDASH_TEST_VISUALIZER_ENABLED", "0")
    with open_store(db_url) as store:
        assert store.schema_version()[0] == len(MIGRATIONS)


def test_location_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_location("sqlite:///relative.db").target == "relative.db"
    assert resolve_location("sqlite:////abs/olute.db").target == "/abs/olute.db"
    assert resolve_location("plain/file.db").backend == "sqlite"
    assert resolve_location("postgresql://u@h/db").backend == "postgresql"
    assert resolve_location("postgres://u@h/db").backend == "postgresql"
    assert resolve_location(None, cwd=tmp_path).target == str(tmp_path / "ccdash-tests.db")
    monkeypatch.setenv("CCDASH_TESTS_DB", "sqlite:///from-env.db")
    assert resolve_location(None).target == "from-env.db"
    with pytest.raises(StoreError, match="unsupported"):
        resolve_location("mysql://u@h/db")


def test_unreachable_postgres_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/none")


def test_password_never_printed() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://nobody:hunter2@127.0.0.1:1/none")
    assert "hunter2" not in str(caught.value)


def test_a_store_from_a_newer_version_is_refused(db_url: str) -> None:
    with open_store(db_url) as store:
        store.engine.execute(
            "INSERT INTO ccdash_schema_migrations (seq, name, applied_at) VALUES (?, ?, ?)",
            (999, "0999_from_the_future", "2030-01-01T00:00:00+00:00"),
        )
    with pytest.raises(StoreError, match="newer ccdash-tests"):
        open_store(db_url)
