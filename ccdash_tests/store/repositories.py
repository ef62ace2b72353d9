"""The repositories, written once in the SQL both engines agree on; rows become DTOs before leaving."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ccdash_tests.records import SignalState, Status, TestResultDTO, TestRunDTO, utcnow
from ccdash_tests.store.base import DomainNode, HistoryEntry, MappingKey, MappingRow
from ccdash_tests.store.causes import refresh_run_causes
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.features import MappingChange, lock_project, refresh_run_features
from ccdash_tests.store.rows import (
    ATTEMPTS,
    DEFINITION_COLUMNS,
    DELETE_MAPPING,
    DOMAIN_COLUMNS,
    EXTRAS,
    INSERT_DEFINITION,
    INSERT_DOMAIN,
    MAPPING_COLUMNS,
    RESULT_COLUMNS_SQL,
    RUN_COLUMNS,
    SIGNAL_COLUMNS,
    UPSERT_MAPPING,
    ErrorText,
    db_time,
    definition_from_row,
    definition_params,
    domain_from_row,
    like_pattern,
    mapping_from_row,
    mapping_params,
    prefixed,
    result_from_row,
    run_from_row,
    run_results_filter,
    signal_from_row,
    status_of,
    stored_status,
    to_json,
)
from ccdash_tests.store.writer import error_ids

if TYPE_CHECKING:
    # Pydantic models, in annotations only: the ingest path imports no Pydantic (records.py).
    from ccdash_tests.models import (
        TestDefinitionDTO,
        TestDomainDTO,
        TestFeatureMappingDTO,
        TestIntegritySignalDTO,
    )


class SqlRunRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def upsert(self, run: TestRunDTO) -> TestRunDTO:
        counts = {status.value: count for status, count in run.status_counts.items()}
        self.engine.execute(
            """
            INSERT INTO test_runs (run_id, project_id, timestamp, git_sha, branch, agent_session_id,
                env_fingerprint, trigger, status, total_tests, passed_tests, failed_tests, skipped_tests,
                duration_ms, metadata, status_counts, flaky_tests, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (project_id, run_id) DO UPDATE SET
                timestamp = excluded.timestamp, git_sha = excluded.git_sha, branch = excluded.branch,
                agent_session_id = excluded.agent_session_id, env_fingerprint = excluded.env_fingerprint,
                trigger = excluded.trigger, status = excluded.status, total_tests = excluded.total_tests,
                passed_tests = excluded.passed_tests, failed_tests = excluded.failed_tests,
                skipped_tests = excluded.skipped_tests, duration_ms = excluded.duration_ms,
                metadata = excluded.metadata, status_counts = excluded.status_counts,
                flaky_tests = excluded.flaky_tests
            """,
            (
                run.run_id,
                run.project_id,
                db_time(run.timestamp),
                run.git_sha,
                run.branch,
                run.agent_session_id,
                run.env_fingerprint,
                run.trigger.value,
                run.status.value,
                run.total_tests,
                run.passed_tests,
                run.failed_tests,
                run.skipped_tests,
                run.duration_ms,
                to_json(run.metadata),
                to_json(counts),
                run.flaky_tests,
                db_time(utcnow()),
            ),
        )
        stored = self.get(run.project_id, run.run_id)
        assert stored is not None
        return stored

    def _select(self, where: str, params: Sequence[Any], tail: str = "") -> list[TestRunDTO]:
        rows = self.engine.query(f"SELECT {RUN_COLUMNS} FROM test_runs WHERE {where} {tail}", params)
        return [run_from_row(row) for row in rows]

    def get(self, project_id: str, run_id: str) -> TestRunDTO | None:
        runs = self._select("project_id = ? AND run_id = ?", (project_id, run_id))
        return runs[0] if runs else None

    def latest(self, project_id: str) -> TestRunDTO | None:
        runs = self.list_by_project(project_id, limit=1)
        return runs[0] if runs else None

    def list_by_project(self, project_id: str, limit: int = 20) -> list[TestRunDTO]:
        return self._select("project_id = ?", (project_id, limit), "ORDER BY timestamp DESC, id DESC LIMIT ?")

    def with_prefix(self, project_id: str, prefix: str, limit: int) -> list[TestRunDTO]:
        """Runs whose id starts with `prefix`, newest first, at most `limit` (the prefix is not a pattern)."""
        return self._select(
            "project_id = ? AND substr(run_id, 1, ?) = ?",
            (project_id, len(prefix), prefix, limit),
            "ORDER BY timestamp DESC, id DESC LIMIT ?",
        )

    def list_by_session(self, project_id: str, agent_session_id: str) -> list[TestRunDTO]:
        return self._select(
            "project_id = ? AND agent_session_id = ?",
            (project_id, agent_session_id),
            "ORDER BY timestamp DESC",
        )

    def latest_for_feature(self, project_id: str, feature: str) -> TestRunDTO | None:
        rows = self.engine.query(
            f"""
            SELECT {prefixed(RUN_COLUMNS, "r")} FROM test_runs r
            WHERE r.project_id = ? AND EXISTS (
                SELECT 1 FROM test_feature_mappings m
                CROSS JOIN test_definitions d
                CROSS JOIN test_results x
                WHERE m.project_id = r.project_id AND m.feature = ? AND m.is_primary = 1
                  AND d.project_id = m.project_id AND d.test_id = m.test_id
                  AND x.test_pk = d.id AND x.run_pk = r.id)
            ORDER BY r.timestamp DESC, r.id DESC LIMIT 1
            """,
            (project_id, feature),
        )
        return run_from_row(rows[0]) if rows else None


class SqlDefinitionRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def upsert(self, definition: TestDefinitionDTO) -> TestDefinitionDTO:
        # first_seen is kept from the first insert: it is history, not metadata.
        self.engine.execute(
            f"""
            INSERT INTO test_definitions ({DEFINITION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (project_id, test_id) DO UPDATE SET
                suite = excluded.suite, classname = excluded.classname, name = excluded.name,
                base_name = excluded.base_name, path = excluded.path, line = excluded.line,
                framework = excluded.framework, tags = excluded.tags, owner = excluded.owner
            """,
            definition_params(definition),
        )
        stored = self.get(definition.project_id, definition.test_id)
        assert stored is not None
        return stored

    def get(self, project_id: str, test_id: str) -> TestDefinitionDTO | None:
        rows = self.engine.query(
            f"SELECT {DEFINITION_COLUMNS} FROM test_definitions WHERE project_id = ? AND test_id = ?",
            (project_id, test_id),
        )
        return definition_from_row(rows[0]) if rows else None

    def all(self, project_id: str) -> list[TestDefinitionDTO]:
        rows = self.engine.query(
            f"SELECT {DEFINITION_COLUMNS} FROM test_definitions WHERE project_id = ? "
            "ORDER BY classname, name",
            (project_id,),
        )
        return [definition_from_row(row) for row in rows]

    def get_or_create(self, definition: TestDefinitionDTO) -> TestDefinitionDTO:
        self.engine.execute(INSERT_DEFINITION, definition_params(definition))
        stored = self.get(definition.project_id, definition.test_id)
        assert stored is not None
        return stored

    def search(self, project_id: str, text: str, limit: int = 50) -> list[TestDefinitionDTO]:
        """Definitions whose id, name or class.name contains `text` (exact matches first)."""
        pattern = like_pattern(text)
        rows = self.engine.query(
            f"""
            SELECT {DEFINITION_COLUMNS} FROM test_definitions
            WHERE project_id = ? AND (test_id = ? OR lower(name) LIKE lower(?) ESCAPE '!'
                                      OR lower(classname || '.' || name) LIKE lower(?) ESCAPE '!')
            ORDER BY CASE WHEN test_id = ? OR name = ? THEN 0 ELSE 1 END, classname, name
            LIMIT ?
            """,
            (project_id, text, pattern, pattern, text, text, limit),
        )
        return [definition_from_row(row) for row in rows]


class SqlResultRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(self, project_id: str, results: Sequence[TestResultDTO]) -> int:
        """Insert results whose run and definition exist; a stored (run, test) is never rewritten."""
        # One transaction: the results and their runs' cause and feature counts are written together.
        with self.engine.transaction():
            lock_project(self.engine, project_id)  # before the reads: the counts see every result
            inserted = 0
            runs: set[int] = set()
            for result in results:
                keys = self.engine.query(
                    """
                    SELECT r.id, d.id FROM test_runs r, test_definitions d
                    WHERE r.project_id = ? AND r.run_id = ? AND d.project_id = ? AND d.test_id = ?
                    """,
                    (project_id, result.run_id, project_id, result.test_id),
                )
                if not keys:
                    raise KeyError(f"unknown run {result.run_id!r} or test {result.test_id!r}")
                runs.add(keys[0][0])
                error_pk = None
                if result.error_message or result.error_details:
                    text = ErrorText(
                        result.error_fingerprint,
                        None,
                        result.error_message,
                        result.error_details,
                        result.error_truncated,
                    )
                    error_pk = error_ids(self.engine, [text])[text.text_hash]
                test_pk, run_pk = keys[0][1], keys[0][0]
                added = self.engine.execute(
                    """
                    INSERT INTO test_results (test_pk, run_pk, status, duration_us, error_pk)
                    VALUES (?, ?, ?, ?, ?) ON CONFLICT (test_pk, run_pk) DO NOTHING
                    """,
                    (
                        test_pk,
                        run_pk,
                        stored_status(result.status.code, result.flaky),
                        None if result.duration_ms is None else round(result.duration_ms * 1000),
                        error_pk,
                    ),
                )
                if added and (result.attempts != 1 or result.artifact_refs):
                    self.engine.execute(
                        "INSERT INTO test_result_extras (run_pk, test_pk, attempts, artifacts)"
                        " VALUES (?, ?, ?, ?)",
                        (
                            run_pk,
                            test_pk,
                            result.attempts,
                            to_json(result.artifact_refs) if result.artifact_refs else None,
                        ),
                    )
                inserted += added
            refresh_run_causes(self.engine, runs)
            refresh_run_features(self.engine, project_id, runs)
        return inserted

    def by_run(
        self,
        project_id: str,
        run_id: str,
        statuses: Sequence[Status] | None = None,
        limit: int | None = None,
        flaky_only: bool = False,
    ) -> list[TestResultDTO]:
        """A run's results ordered by class and name; optionally only some statuses or only flaky ones,
        at most `limit` (a summary of a million-test run must not load a million DTOs)."""
        where, params = run_results_filter(project_id, run_id, statuses, flaky_only)
        tail = " ORDER BY d.classname, d.name"
        if limit is not None:
            tail += " LIMIT ?"
            params.append(limit)
        return [result_from_row(row) for row in self.engine.query(RESULT_COLUMNS_SQL + where + tail, params)]

    def history(self, project_id: str, test_id: str, limit: int | None = None) -> list[HistoryEntry]:
        """Oldest first; with `limit`, the most recent `limit` runs."""
        rows = self.engine.query(
            f"""
            SELECT {prefixed(RUN_COLUMNS, "r")}, x.status, x.duration_us, {ATTEMPTS},
                   e.fingerprint, e.message, e.details, e.truncated, t.artifacts, d.name, d.classname, d.path,
                   d.framework
            FROM test_definitions d
            JOIN test_results x ON x.test_pk = d.id
            JOIN test_runs r ON r.id = x.run_pk
            LEFT JOIN test_errors e ON e.id = x.error_pk{EXTRAS}
            WHERE d.project_id = ? AND d.test_id = ?
            ORDER BY r.timestamp DESC, r.id DESC
            LIMIT ?
            """,
            (project_id, test_id, -1 if limit is None and self.engine.dialect == "sqlite" else limit),
        )
        entries = []
        for row in reversed(rows):
            run = run_from_row(row[:17])
            result = result_from_row((run.run_id, test_id, *row[17:]))
            entries.append(HistoryEntry(run=run, result=result))
        return entries

    def latest_status(self, project_id: str, test_id: str) -> Status | None:
        rows = self.engine.query(
            """
            SELECT x.status FROM test_definitions d
            JOIN test_results x ON x.test_pk = d.id
            JOIN test_runs r ON r.id = x.run_pk
            WHERE d.project_id = ? AND d.test_id = ?
            ORDER BY r.timestamp DESC, r.id DESC LIMIT 1
            """,
            (project_id, test_id),
        )
        return status_of(rows[0][0]) if rows else None


class SqlDomainRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def upsert(self, domain: TestDomainDTO) -> TestDomainDTO:
        self.engine.execute(
            f"""
            INSERT INTO test_domains ({DOMAIN_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (project_id, domain_id) DO UPDATE SET
                name = excluded.name, parent_id = excluded.parent_id, kind = excluded.kind,
                description = excluded.description
            """,
            (
                domain.domain_id,
                domain.project_id,
                domain.name,
                domain.parent_id,
                domain.kind,
                domain.description,
                db_time(utcnow()),
            ),
        )
        stored = self.get(domain.project_id, domain.domain_id)
        assert stored is not None
        return stored

    def get(self, project_id: str, domain_id: str) -> TestDomainDTO | None:
        rows = self.engine.query(
            f"SELECT {DOMAIN_COLUMNS} FROM test_domains WHERE project_id = ? AND domain_id = ?",
            (project_id, domain_id),
        )
        return domain_from_row(rows[0]) if rows else None

    def add_missing(self, project_id: str, nodes: Sequence[DomainNode]) -> int:
        """Insert the domain nodes the project lacks (domains are a catalogue: never rewritten or deleted)."""
        known = {
            row[0]
            for row in self.engine.query(
                "SELECT domain_id FROM test_domains WHERE project_id = ?", (project_id,)
            )
        }
        missing = {node[0]: node for node in nodes if node[0] not in known}
        now = db_time(utcnow())
        self.engine.executemany(
            INSERT_DOMAIN,
            [
                (node_id, project_id, name, parent, kind, None, now)
                for node_id, name, parent, kind in sorted(missing.values())
            ],
        )
        return len(missing)

    def tree(self, project_id: str) -> list[TestDomainDTO]:
        """Every domain of the project, parents before children (ids are slash paths)."""
        rows = self.engine.query(
            f"SELECT {DOMAIN_COLUMNS} FROM test_domains WHERE project_id = ? ORDER BY domain_id",
            (project_id,),
        )
        return [domain_from_row(row) for row in rows]

    def get_or_create(
        self, project_id: str, name: str, parent_id: str | None = None, kind: str = "domain"
    ) -> TestDomainDTO:
        domain_id = f"{parent_id}/{name}" if parent_id else name
        existing = self.get(project_id, domain_id)
        if existing is not None:
            return existing
        self.add_missing(project_id, [(domain_id, name, parent_id, kind)])
        stored = self.get(project_id, domain_id)
        assert stored is not None
        return stored


class SqlMappingRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def upsert(self, mapping: TestFeatureMappingDTO) -> TestFeatureMappingDTO:
        with self.engine.transaction():  # the mapping and the feature counts it moves, together
            change = MappingChange.begin(self.engine, mapping.project_id, [mapping.test_id])
            stored = self._upsert(mapping)
            change.apply(self.engine)
        return stored

    def _upsert(self, mapping: TestFeatureMappingDTO) -> TestFeatureMappingDTO:
        if mapping.is_primary:
            # At most one primary mapping per test.
            self.engine.execute(
                "UPDATE test_feature_mappings SET is_primary = 0 WHERE project_id = ? AND test_id = ? "
                "AND NOT (feature = ? AND provider = ?)",
                (mapping.project_id, mapping.test_id, mapping.feature, mapping.provider),
            )
        self.engine.execute(UPSERT_MAPPING, mapping_params(mapping))
        rows = self._select(
            "project_id = ? AND test_id = ? AND feature = ? AND provider = ?",
            (mapping.project_id, mapping.test_id, mapping.feature, mapping.provider),
        )
        return rows[0]

    def _select(self, where: str, params: Sequence[Any]) -> list[TestFeatureMappingDTO]:
        rows = self.engine.query(
            f"SELECT {MAPPING_COLUMNS} FROM test_feature_mappings WHERE {where} "
            "ORDER BY is_primary DESC, confidence DESC, test_id, feature, provider",
            params,
        )
        return [mapping_from_row(row) for row in rows]

    def by_test(self, project_id: str, test_id: str) -> list[TestFeatureMappingDTO]:
        return self._select("project_id = ? AND test_id = ?", (project_id, test_id))

    def by_feature(self, project_id: str, feature: str) -> list[TestFeatureMappingDTO]:
        return self._select("project_id = ? AND feature = ?", (project_id, feature))

    def by_domain(self, project_id: str, domain_id: str) -> list[TestFeatureMappingDTO]:
        """Mappings of the domain and of every subdomain below it."""
        return self._select(
            "project_id = ? AND (domain_id = ? OR substr(domain_id, 1, ?) = ?)",
            (project_id, domain_id, len(domain_id) + 1, domain_id + "/"),
        )

    def write_rows(self, upserts: Sequence[MappingRow], removals: Sequence[MappingKey]) -> None:
        """The bulk form of upsert/delete, for a resolution: rows as tuples, primaries already decided."""
        by_project: dict[str, set[str]] = {}
        for project, test_id, *_ in (*upserts, *removals):
            by_project.setdefault(str(project), set()).add(str(test_id))
        with self.engine.transaction():
            changes = [MappingChange.begin(self.engine, p, tests) for p, tests in sorted(by_project.items())]
            self.engine.executemany(DELETE_MAPPING, removals)
            self.engine.executemany(UPSERT_MAPPING, upserts)
            for change in changes:
                change.apply(self.engine)

    def primary_for(self, project_id: str, test_id: str) -> TestFeatureMappingDTO | None:
        rows = self._select("project_id = ? AND test_id = ? AND is_primary = 1", (project_id, test_id))
        return rows[0] if rows else None


class SqlSignalRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert(self, signal: TestIntegritySignalDTO) -> bool:
        """Append a signal; False when a signal with that id is already stored (it is not rewritten)."""
        return (
            self.engine.execute(
                f"""
                INSERT INTO test_integrity_signals ({SIGNAL_COLUMNS})
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (project_id, signal_id) DO NOTHING
                """,
                (
                    signal.signal_id,
                    signal.project_id,
                    signal.git_sha,
                    signal.file_path,
                    signal.test_id,
                    signal.test_name,
                    signal.signal_type,
                    signal.severity.value,
                    to_json(signal.details),
                    to_json(signal.linked_run_ids),
                    signal.agent_session_id,
                    signal.state.value,
                    signal.ack_reason,
                    db_time(signal.created_at or utcnow()),
                    signal.verdict.value,
                    signal.resolved_sha,
                    db_time(signal.resolved_at) if signal.resolved_at else None,
                ),
            )
            > 0
        )

    def _select(self, where: str, params: Sequence[Any]) -> list[TestIntegritySignalDTO]:
        rows = self.engine.query(
            f"SELECT {SIGNAL_COLUMNS} FROM test_integrity_signals WHERE {where} ORDER BY created_at, id",
            params,
        )
        return [signal_from_row(row) for row in rows]

    def by_project(self, project_id: str, state: str | None = None) -> list[TestIntegritySignalDTO]:
        if state is None:
            return self._select("project_id = ?", (project_id,))
        return self._select("project_id = ? AND state = ?", (project_id, state))

    def by_sha(self, project_id: str, git_sha: str) -> list[TestIntegritySignalDTO]:
        return self._select("project_id = ? AND git_sha = ?", (project_id, git_sha))

    def since(self, project_id: str, since: datetime) -> list[TestIntegritySignalDTO]:
        return self._select("project_id = ? AND created_at >= ?", (project_id, db_time(since)))

    def acknowledge(self, project_id: str, signal_id: str, reason: str) -> bool:
        return (
            self.engine.execute(
                "UPDATE test_integrity_signals SET state = ?, ack_reason = ? "
                "WHERE project_id = ? AND signal_id = ?",
                (SignalState.ACKNOWLEDGED.value, reason, project_id, signal_id),
            )
            > 0
        )

    def resolve(self, project_id: str, signal_id: str, resolved_sha: str, at: datetime) -> bool:
        """Mark an open signal resolved by commit `resolved_sha`; False when it is not open."""
        return (
            self.engine.execute(
                "UPDATE test_integrity_signals SET state = ?, resolved_sha = ?, resolved_at = ? "
                "WHERE project_id = ? AND signal_id = ? AND state = ?",
                (
                    SignalState.RESOLVED.value,
                    resolved_sha,
                    db_time(at),
                    project_id,
                    signal_id,
                    SignalState.OPEN.value,
                ),
            )
            > 0
        )
