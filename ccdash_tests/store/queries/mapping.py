"""SQL of the mapping service: stored rules and overrides, the tests providers look at, snapshots.

Mapping rows and domains are written through their repositories (MappingRepository.write_rows,
DomainRepository.add_missing); this module holds what only the mapping service reads or writes:
`test_mapping_inputs` (rules and overrides), `test_mapping_snapshots`, and the definitions as
providers see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ccdash_tests.records import utcnow
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import db_time, from_json

# (test_id, suite, classname, name, path, framework, tags)
DefinitionRef = tuple[str, str, str, str, str | None, str | None, dict[str, str]]
RowKey = tuple[str, str, str]  # (test_id, feature, provider)
RowValue = tuple[str | None, float, bool]  # (domain, confidence, is_primary)


# ---- inputs: rules and overrides ---------------------------------------------------------------------


def delete_inputs(engine: Engine, project: str, kind: str, source: str) -> int:
    return engine.execute(
        "DELETE FROM test_mapping_inputs WHERE project_id = ? AND kind = ? AND source = ?",
        (project, kind, source),
    )


def insert_inputs(engine: Engine, project: str, kind: str, source: str, bodies: Sequence[str]) -> None:
    """Store `bodies` (canonical JSON) under (kind, source), in order."""
    now = db_time(utcnow())
    engine.executemany(
        "INSERT INTO test_mapping_inputs (project_id, kind, source, position, body, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(project, kind, source, index, body, now) for index, body in enumerate(bodies)],
    )


def input_bodies(engine: Engine, project: str, kind: str) -> list[tuple[str, Any]]:
    """(source, decoded body) of every input of a kind, by source then position."""
    rows = engine.query(
        "SELECT source, body FROM test_mapping_inputs WHERE project_id = ? AND kind = ? "
        "ORDER BY source, position",
        (project, kind),
    )
    return [(source, from_json(body, None)) for source, body in rows]


# ---- tests as providers see them ---------------------------------------------------------------------

_REF_SELECT = (
    "SELECT d.test_id, d.suite, d.classname, d.name, d.path, d.framework, d.tags FROM test_definitions d"
)
_UNMAPPED = (
    " AND NOT EXISTS (SELECT 1 FROM test_feature_mappings m"
    " WHERE m.project_id = d.project_id AND m.test_id = d.test_id)"
)


def definition_refs(engine: Engine, project: str, *, unmapped_only: bool = False) -> list[DefinitionRef]:
    """The project's definitions by test_id; with `unmapped_only`, those without any mapping row yet."""
    where = " WHERE d.project_id = ?" + (_UNMAPPED if unmapped_only else "")
    return [
        # Most tests carry no tags: skip the JSON parse for them.
        (row[0], row[1], row[2], row[3], row[4], row[5], {} if row[6] == "{}" else from_json(row[6], {}))
        for row in engine.query(_REF_SELECT + where + " ORDER BY d.test_id", (project,))
    ]


def count_unmapped(engine: Engine, project: str) -> int:
    return engine.query(
        "SELECT COUNT(*) FROM test_definitions d WHERE d.project_id = ?" + _UNMAPPED, (project,)
    )[0][0]


def count_primaries(engine: Engine, project: str) -> int:
    return engine.query(
        "SELECT COUNT(*) FROM test_feature_mappings WHERE project_id = ? AND is_primary = 1", (project,)
    )[0][0]


def mapping_rows(engine: Engine, project: str) -> dict[RowKey, RowValue]:
    """Every stored mapping row of the project, keyed as a resolution compares them."""
    rows = engine.query(
        "SELECT test_id, feature, provider, domain_id, confidence, is_primary FROM test_feature_mappings "
        "WHERE project_id = ?",
        (project,),
    )
    return {
        (test_id, feature, provider): (domain, float(confidence), bool(primary))
        for test_id, feature, provider, domain, confidence, primary in rows
    }


# ---- snapshots ---------------------------------------------------------------------------------------


def snapshot_row(engine: Engine, project: str, at: datetime | None = None) -> tuple[Any, ...] | None:
    """(version, hash, document JSON, created_at) of the snapshot in force at `at` (else the newest)."""
    sql = (
        "SELECT version, snapshot_hash, mappings, created_at FROM test_mapping_snapshots WHERE project_id = ?"
    )
    params: list[Any] = [project]
    if at is not None:
        sql += " AND created_at <= ?"
        params.append(db_time(at))
    rows = engine.query(sql + " ORDER BY version DESC LIMIT 1", params)
    return rows[0] if rows else None


def latest_version(engine: Engine, project: str) -> tuple[int, str] | None:
    """(version, hash) of the newest snapshot, without reading its document."""
    rows = engine.query(
        "SELECT version, snapshot_hash FROM test_mapping_snapshots WHERE project_id = ? "
        "ORDER BY version DESC LIMIT 1",
        (project,),
    )
    return (rows[0][0], rows[0][1]) if rows else None


def snapshot_versions(engine: Engine, project: str) -> list[tuple[int, str, str]]:
    """(version, hash, created_at text) of every stored snapshot, oldest first."""
    rows = engine.query(
        "SELECT version, snapshot_hash, created_at FROM test_mapping_snapshots WHERE project_id = ? "
        "ORDER BY version",
        (project,),
    )
    return [(version, digest, created) for version, digest, created in rows]


def insert_snapshot(engine: Engine, project: str, version: int, digest: str, document: str) -> None:
    engine.execute(
        "INSERT INTO test_mapping_snapshots (project_id, version, snapshot_hash, mappings, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (project, version, digest, document, db_time(utcnow())),
    )


def mapping_coverage(engine: Engine, project: str) -> tuple[int, int, int, int]:
    """(runs, tests, tests without a file path, tests with a mapping row but no primary one): what an
    empty `health` or `domains` explains itself with."""
    rows = engine.query(
        """
        SELECT
            (SELECT COUNT(*) FROM test_runs WHERE project_id = ?),
            (SELECT COUNT(*) FROM test_definitions WHERE project_id = ?),
            (SELECT COUNT(*) FROM test_definitions WHERE project_id = ? AND path IS NULL),
            (SELECT COUNT(DISTINCT test_id) FROM test_feature_mappings m WHERE m.project_id = ?
                AND NOT EXISTS (SELECT 1 FROM test_feature_mappings p
                                WHERE p.project_id = m.project_id AND p.test_id = m.test_id
                                AND p.is_primary = 1))
        """,
        (project, project, project, project),
    )
    runs, tests, without_path, guessed = rows[0]
    return int(runs), int(tests), int(without_path), int(guessed)
