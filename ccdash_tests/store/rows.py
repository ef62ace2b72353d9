"""Row codecs shared by every store module: column lists, rows decoded by column name, time and JSON.

Both the repositories and the bulk ingest writer import from here (and nothing here imports them),
so each table's column list and each statement that two modules run is written once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ccdash_tests.identity import base_name, error_text_hash
from ccdash_tests.identity import canonical_json as to_json  # every JSON column holds canonical JSON
from ccdash_tests.records import (
    STATUS_CODES,
    SignalSeverity,
    SignalState,
    SignalVerdict,
    Status,
    TestResultDTO,
    TestRunDTO,
    Trigger,
    utcnow,
)
from ccdash_tests.store.engine import Row

if TYPE_CHECKING:
    # Pydantic models, in annotations only: the ingest path imports no Pydantic (records.py).
    from ccdash_tests.models import (
        TestDefinitionDTO,
        TestDomainDTO,
        TestFeatureMappingDTO,
        TestIntegritySignalDTO,
    )

# SQLite allows 32,766 bound variables per statement; stay well below it for IN (...) look-ups.
LOOKUP_CHUNK = 900


def db_time(value: datetime) -> str:
    """Fixed-width UTC text, so that string order is time order on both engines."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def py_time(value: str | None) -> datetime | None:
    """A stored time, or None for a column that may be empty."""
    return datetime.fromisoformat(value) if value else None


def required_time(value: str) -> datetime:
    """A stored time from a NOT NULL column."""
    return datetime.fromisoformat(value)


def from_json(value: str | None, default: Any) -> Any:
    return json.loads(value) if value else default


def chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items, for IN (...) lists and VALUES look-ups."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ingest_lock(project: str) -> str:
    """The key of a project's write lock (PostgreSQL advisory lock): one ingest of a project at a time."""
    return f"ccdash-tests:ingest:{project}"


def marks(count: int) -> str:
    """`?, ?, ...`: the placeholders of an IN list of `count` values."""
    return ", ".join("?" * count)


def prefixed(columns: str, alias: str) -> str:
    """A column list with every column qualified by a table alias."""
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


def like_pattern(text: str) -> str:
    """A LIKE pattern that matches `text` literally anywhere (wildcards travel as a parameter)."""
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _fields(columns: str) -> tuple[str, ...]:
    return tuple(column.strip() for column in columns.split(","))


def named(fields: Sequence[str], row: Row) -> dict[str, Any]:
    """A row as {column: value}, by the column list it was selected with."""
    return dict(zip(fields, row, strict=True))


# ---- test_runs --------------------------------------------------------------------------------------

RUN_COLUMNS = (
    "run_id, project_id, timestamp, git_sha, branch, agent_session_id, env_fingerprint, trigger, status, "
    "total_tests, passed_tests, failed_tests, skipped_tests, duration_ms, metadata, status_counts, "
    "flaky_tests"
)
RUN_FIELDS = _fields(RUN_COLUMNS)


def run_from_row(row: Row) -> TestRunDTO:
    """A run from a row selected with RUN_COLUMNS (extra trailing columns are the caller's)."""
    value = named(RUN_FIELDS, row[: len(RUN_FIELDS)])
    counts = from_json(value["status_counts"], {})
    return TestRunDTO(
        run_id=value["run_id"],
        project_id=value["project_id"],
        timestamp=required_time(value["timestamp"]),
        git_sha=value["git_sha"],
        branch=value["branch"],
        agent_session_id=value["agent_session_id"],
        env_fingerprint=value["env_fingerprint"],
        trigger=Trigger(value["trigger"]),
        status=value["status"],
        total_tests=value["total_tests"],
        passed_tests=value["passed_tests"],
        failed_tests=value["failed_tests"],
        skipped_tests=value["skipped_tests"],
        duration_ms=value["duration_ms"],
        metadata=from_json(value["metadata"], {}),
        status_counts={Status(key): count for key, count in counts.items()},
        flaky_tests=value["flaky_tests"],
    )


# ---- test_definitions -------------------------------------------------------------------------------

DEFINITION_COLUMNS = (
    "test_id, project_id, suite, classname, name, base_name, path, line, framework, tags, owner, first_seen"
)
DEFINITION_FIELDS = _fields(DEFINITION_COLUMNS)


def definition_from_row(row: Row) -> TestDefinitionDTO:
    from ccdash_tests.models import (
        TestDefinitionDTO,  # Pydantic, imported on first use: not on the ingest path
    )

    value = named(DEFINITION_FIELDS, row)
    return TestDefinitionDTO(
        **{key: value[key] for key in DEFINITION_FIELDS if key not in ("tags", "first_seen")},
        tags=from_json(value["tags"], {}),
        first_seen=py_time(value["first_seen"]),
    )


def definition_params(definition: TestDefinitionDTO) -> tuple[Any, ...]:
    """INSERT_DEFINITION's parameters for a DTO (the ingest builds the same tuple from a parsed case)."""
    return (
        definition.test_id,
        definition.project_id,
        definition.suite,
        definition.classname,
        definition.name,
        definition.base_name or base_name(definition.name),
        definition.path,
        definition.line,
        definition.framework,
        to_json(definition.tags),
        definition.owner,
        db_time(definition.first_seen or utcnow()),
    )


INSERT_DEFINITION = f"""
    INSERT INTO test_definitions ({DEFINITION_COLUMNS}) VALUES ({marks(len(DEFINITION_FIELDS))})
    ON CONFLICT (project_id, test_id) DO NOTHING
"""


# ---- test_results -----------------------------------------------------------------------------------

# A result's row is (test_pk, run_pk, status, duration_us, error_pk) (migration 0008). Its status
# column holds the status code plus FLAKY when the result is flaky, so a plain pass is 0 and a pass
# after a retry is 8; every query that picks statuses lists both forms (stored_codes), and every
# reader decodes with status_of / is_flaky. attempts, ingest_no and artifacts are in
# test_result_extras only for results that do not have their defaults (1, 1, none); EXTRAS joins it.
FLAKY = 8


def stored_status(code: int, flaky: bool | int) -> int:
    """The status column's value for a status code and a flaky flag."""
    return code + FLAKY if flaky else code


def status_of(stored: int) -> Status:
    return Status.from_code(stored - FLAKY if stored >= FLAKY else stored)


def is_flaky(stored: int) -> bool:
    return stored >= FLAKY


# stored value -> (status, flaky): one look-up, for readers that decode many rows at once.
DECODED: dict[int, tuple[Status, bool]] = {
    stored_status(status.code, flaky): (status, flaky) for status in Status for flaky in (False, True)
}


def stored_codes(statuses: Sequence[Status] | Sequence[int]) -> tuple[int, ...]:
    """Every status column value of these statuses (codes or Status members), flaky or not."""
    codes = [status.code if isinstance(status, Status) else status for status in statuses]
    return (*codes, *(code + FLAKY for code in codes))


def status_in(statuses: Sequence[Status] | Sequence[int], column: str = "x.status") -> str:
    """`x.status IN (...)` with literal codes, both forms of each status."""
    return f"{column} IN ({', '.join(map(str, stored_codes(statuses)))})"


PASSED_CODE = STATUS_CODES[Status.PASSED]
# The results of the tests that did not simply pass; also the condition of the partial index
# ix_test_results_unusual (see below).
UNUSUAL = f"x.status <> {PASSED_CODE}"
FLAKY_ONLY = f"x.status >= {FLAKY}"
# The extras of result x (alias t): LEFT JOIN, as almost every result has none. Read t.attempts through
# ATTEMPTS (1 when there is no extras row) and t.ingest_no through INGEST_NO.
EXTRAS = " LEFT JOIN test_result_extras t ON t.run_pk = x.run_pk AND t.test_pk = x.test_pk"
ATTEMPTS = "COALESCE(t.attempts, 1)"
INGEST_NO = "COALESCE(t.ingest_no, 1)"

RESULT_COLUMNS_SQL = f"""
    SELECT r.run_id, d.test_id, x.status, x.duration_us, {ATTEMPTS}, e.fingerprint, e.message,
           e.details, e.truncated, t.artifacts, d.name, d.classname, d.path, d.framework"""
RESULT_SELECT = (
    RESULT_COLUMNS_SQL
    + """
    FROM test_results x
    JOIN test_definitions d ON d.id = x.test_pk
    JOIN test_runs r ON r.id = x.run_pk
    LEFT JOIN test_errors e ON e.id = x.error_pk"""
    + EXTRAS
    + "\n"
)
RESULT_FIELDS = (
    "run_id", "test_id", "status", "duration_us", "attempts", "fingerprint", "message",
    "details", "truncated", "artifacts", "name", "classname", "path", "framework",
)  # fmt: skip

# No index holds every result by run: on a year of history (9 million results) one was a third of the
# file. The partial index ix_test_results_unusual (migrations 0006, 0008) holds the results that did not
# simply pass: failed, errored, skipped, xfailed, xpassed, and passes after a retry. A query reaches it
# only when its WHERE clause carries UNUSUAL word for word (SQLite matches a partial index's condition by
# its terms, it does not prove `status IN (1, 2)` implies `status <> 0`), so every query of unusual
# results of chosen runs adds it, with `x` the results table.

# One run's results, passes included: the run's project's definitions are walked and the clustered
# (test_pk, run_pk) key probed once per definition. CROSS JOIN fixes that order on SQLite (its planner
# must not start from a scan of every result); PostgreSQL plans it as an ordinary join.
RUN_RESULTS_ALL = (
    """
    FROM test_runs r
    CROSS JOIN test_definitions d
    CROSS JOIN test_results x
    LEFT JOIN test_errors e ON e.id = x.error_pk"""
    + EXTRAS
    + """
    WHERE r.project_id = ? AND r.run_id = ? AND d.project_id = r.project_id
      AND x.test_pk = d.id AND x.run_pk = r.id"""
)
# The same access path for the run with key ? (no error texts, no extras): the writer's totals and counts.
RUN_RESULTS_BY_KEY = """
    FROM test_runs r CROSS JOIN test_definitions d CROSS JOIN test_results x
    WHERE r.id = ? AND d.project_id = r.project_id AND x.test_pk = d.id AND x.run_pk = r.id"""
# One run's unusual results only (see UNUSUAL): through the partial index, no definition is walked.
RUN_RESULTS_UNUSUAL = (
    """
    FROM test_runs r
    CROSS JOIN test_results x
    CROSS JOIN test_definitions d
    LEFT JOIN test_errors e ON e.id = x.error_pk"""
    + EXTRAS
    + f"""
    WHERE r.project_id = ? AND r.run_id = ? AND x.run_pk = r.id AND {UNUSUAL} AND d.id = x.test_pk"""
)


def run_results_filter(
    project_id: str, run_id: str, statuses: Sequence[Status] | None, flaky_only: bool
) -> tuple[str, list[Any]]:
    """FROM and WHERE (and their parameters) that pick one run's results, some statuses, or flaky ones,
    to follow RESULT_COLUMNS_SQL (tables r, d, x, e, t); unusual results only go through the partial
    index."""
    unusual_only = flaky_only or bool(statuses and Status.PASSED not in statuses)
    where = RUN_RESULTS_UNUSUAL if unusual_only else RUN_RESULTS_ALL
    params: list[Any] = [project_id, run_id]
    if statuses:
        codes = stored_codes(statuses)
        where += f" AND x.status IN ({marks(len(codes))})"
        params.extend(codes)
    if flaky_only:
        where += f" AND {FLAKY_ONLY}"
    return where, params


def result_from_row(row: Row) -> TestResultDTO:
    """A result from a row shaped like RESULT_SELECT's."""
    value = named(RESULT_FIELDS, row)
    duration_us = value["duration_us"]
    return TestResultDTO(
        run_id=value["run_id"],
        test_id=value["test_id"],
        status=status_of(value["status"]),
        duration_ms=None if duration_us is None else duration_us / 1000,
        attempts=value["attempts"],
        flaky=is_flaky(value["status"]),
        error_fingerprint=value["fingerprint"],
        error_message=value["message"],
        error_details=value["details"],
        error_truncated=bool(value["truncated"]),
        artifact_refs=from_json(value["artifacts"], []),
        name=value["name"],
        classname=value["classname"],
        path=value["path"],
        framework=value["framework"],
    )


@dataclass(frozen=True, slots=True)
class ErrorText:
    """One distinct failure text; stored once in test_errors however many results share it."""

    fingerprint: str | None
    error_type: str | None
    message: str | None
    details: str | None
    truncated: bool

    @property
    def text_hash(self) -> str:
        return error_text_hash(self.error_type, self.message, self.details, self.truncated)


# ---- test_domains -----------------------------------------------------------------------------------

DOMAIN_COLUMNS = "domain_id, project_id, name, parent_id, kind, description"
DOMAIN_FIELDS = _fields(DOMAIN_COLUMNS)
INSERT_DOMAIN = f"""
    INSERT INTO test_domains ({DOMAIN_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (project_id, domain_id) DO NOTHING
"""


def domain_from_row(row: Row) -> TestDomainDTO:
    from ccdash_tests.models import TestDomainDTO  # Pydantic, imported on first use: not on the ingest path

    return TestDomainDTO(**named(DOMAIN_FIELDS, row))


# ---- test_feature_mappings --------------------------------------------------------------------------

MAPPING_COLUMNS = (
    "project_id, test_id, feature, domain_id, provider, confidence, version, snapshot_hash, is_primary, "
    "created_at"
)
MAPPING_FIELDS = _fields(MAPPING_COLUMNS)
UPSERT_MAPPING = f"""
    INSERT INTO test_feature_mappings ({MAPPING_COLUMNS}) VALUES ({marks(len(MAPPING_FIELDS))})
    ON CONFLICT (project_id, test_id, feature, provider) DO UPDATE SET
        domain_id = excluded.domain_id, confidence = excluded.confidence, version = excluded.version,
        snapshot_hash = excluded.snapshot_hash, is_primary = excluded.is_primary
"""
DELETE_MAPPING = (
    "DELETE FROM test_feature_mappings WHERE project_id = ? AND test_id = ? AND feature = ? AND provider = ?"
)


def mapping_from_row(row: Row) -> TestFeatureMappingDTO:
    from ccdash_tests.models import (
        TestFeatureMappingDTO,  # Pydantic, imported on first use: not on the ingest path
    )

    value = named(MAPPING_FIELDS, row)
    return TestFeatureMappingDTO(
        **{key: value[key] for key in MAPPING_FIELDS if key not in ("is_primary", "created_at")},
        is_primary=bool(value["is_primary"]),
        created_at=py_time(value["created_at"]),
    )


def mapping_params(mapping: TestFeatureMappingDTO) -> tuple[Any, ...]:
    return (
        mapping.project_id,
        mapping.test_id,
        mapping.feature,
        mapping.domain_id,
        mapping.provider,
        mapping.confidence,
        mapping.version,
        mapping.snapshot_hash,
        int(mapping.is_primary),
        db_time(mapping.created_at or utcnow()),
    )


# ---- test_integrity_signals -------------------------------------------------------------------------

SIGNAL_COLUMNS = (
    "signal_id, project_id, git_sha, file_path, test_id, test_name, signal_type, severity, details, "
    "linked_run_ids, agent_session_id, state, ack_reason, created_at, verdict, resolved_sha, resolved_at"
)
SIGNAL_FIELDS = _fields(SIGNAL_COLUMNS)


def signal_from_row(row: Row) -> TestIntegritySignalDTO:
    from ccdash_tests.models import (
        TestIntegritySignalDTO,  # Pydantic, imported on first use: not on the ingest path
    )

    value = named(SIGNAL_FIELDS, row)
    return TestIntegritySignalDTO(
        **{
            key: value[key]
            for key in SIGNAL_FIELDS
            if key
            not in ("severity", "details", "linked_run_ids", "state", "created_at", "verdict", "resolved_at")
        },
        severity=SignalSeverity(value["severity"]),
        details=from_json(value["details"], {}),
        linked_run_ids=from_json(value["linked_run_ids"], []),
        state=SignalState(value["state"]),
        created_at=py_time(value["created_at"]),
        verdict=SignalVerdict(value["verdict"]),
        resolved_at=py_time(value["resolved_at"]),
    )
