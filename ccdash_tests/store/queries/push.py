"""SQL of `push`: which runs to send, and one run's results with their definitions, a page at a time.

A run is read page by page so that pushing a run of a million tests holds one page of DTOs, not the run:
first the run's test keys (plain integers, in key order), then each page through the primary key
(test_pk, run_pk), which makes every page one index probe per result on both engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ccdash_tests.models import TestDefinitionDTO, TestResultDTO
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.queries.forensics import definitions_by_pk
from ccdash_tests.store.rows import RESULT_SELECT, chunks, db_time, marks, result_from_row

PAGE = 500


def run_ids(engine: Engine, project: str, since: datetime | None = None) -> list[str]:
    """The project's run ids, oldest first (a backfill replays history in order); only those at or
    after `since` when given."""
    where, params = "project_id = ?", [project]
    if since is not None:
        where += " AND timestamp >= ?"
        params.append(db_time(since))
    rows = engine.query(f"SELECT run_id FROM test_runs WHERE {where} ORDER BY timestamp, id", params)
    return [run_id for (run_id,) in rows]


def _run_pk(engine: Engine, project: str, run_id: str) -> int | None:
    rows = engine.query("SELECT id FROM test_runs WHERE project_id = ? AND run_id = ?", (project, run_id))
    return rows[0][0] if rows else None


def run_results(
    engine: Engine, project: str, run_id: str, page: int = PAGE
) -> Iterator[tuple[TestResultDTO, TestDefinitionDTO]]:
    """Every result of the run with its test's definition, in test key order, `page` rows per query."""
    run_pk = _run_pk(engine, project, run_id)
    if run_pk is None:
        return
    # Through the project's definitions and the (test_pk, run_pk) key: no index holds results by run.
    keys = engine.query(
        "SELECT x.test_pk FROM test_definitions d CROSS JOIN test_results x"
        " WHERE d.project_id = ? AND x.test_pk = d.id AND x.run_pk = ?",
        (project, run_pk),
    )
    test_pks = sorted(pk for (pk,) in keys)
    for part in chunks(test_pks, page):
        definitions = {d.test_id: d for d in definitions_by_pk(engine, part).values()}
        rows = engine.query(
            f"{RESULT_SELECT} WHERE x.run_pk = ? AND x.test_pk IN ({marks(len(part))}) ORDER BY x.test_pk",
            (run_pk, *part),
        )
        for row in rows:
            result = result_from_row(row)
            yield result, definitions[result.test_id]
