"""A run's results streamed in the order `runs show` lists them (worst status first, then by name)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ccdash_tests.records import Status, TestResultDTO
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import (
    RESULT_COLUMNS_SQL,
    RUN_RESULTS_ALL,
    result_from_row,
    run_results_filter,
    status_of,
    stored_codes,
)
from ccdash_tests.text import test_label


def run_results(
    engine: Engine,
    project_id: str,
    run_id: str,
    statuses: Sequence[Status] | None = None,
    flaky_only: bool = False,
    limit: int | None = None,
) -> Iterator[TestResultDTO]:
    """The run's results one at a time, never all in memory: a 200,000-case run lists in constant space."""
    where, params = run_results_filter(project_id, run_id, statuses, flaky_only)
    rank = " ".join(f"WHEN {code} THEN {status.rank}" for status in Status for code in stored_codes([status]))
    tail = f" ORDER BY CASE x.status {rank} END, d.classname, d.name"
    if limit is not None:
        tail += " LIMIT ?"
        params.append(limit)
    for row in engine.stream(RESULT_COLUMNS_SQL + where + tail, params):
        yield result_from_row(row)


def count_results(
    engine: Engine, project_id: str, run_id: str, statuses: Sequence[Status] | None, flaky_only: bool
) -> int:
    """How many results `run_results` would give without a limit."""
    where, params = run_results_filter(project_id, run_id, statuses, flaky_only)
    sql = "SELECT COUNT(*)" + where
    return int(engine.query(sql, params)[0][0])


def run_statuses(engine: Engine, project_id: str, run_id: str) -> dict[str, tuple[str, Status]]:
    """Every test of the run: test_id -> (its label, its status). Two runs' worth fit in memory easily
    (a 200,000-case run is tens of MB), and comparing them is then plain set work."""
    rows = engine.stream(
        "SELECT d.test_id, d.classname, d.name, d.path, d.framework, x.status" + RUN_RESULTS_ALL,
        (project_id, run_id),
    )
    return {
        test_id: (test_label(classname, name, path=path, framework=framework), status_of(stored))
        for test_id, classname, name, path, framework, stored in rows
    }


def project_names(engine: Engine) -> list[str]:
    """Every project the store holds runs of, by name (a misspelt --project names them)."""
    return [name for (name,) in engine.query("SELECT DISTINCT project_id FROM test_runs ORDER BY project_id")]
