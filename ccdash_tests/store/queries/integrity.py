"""SQL of the integrity service: the stored tests candidates link to, the runs a change is compared with."""

from __future__ import annotations

from typing import Any

from ccdash_tests.records import TestRunDTO
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import RUN_COLUMNS, RUN_RESULTS_ALL, db_time, run_from_row


def definition_links(engine: Engine, project: str) -> list[tuple[str, str, str, str | None]]:
    """(test_id, classname, name, path) of every definition of the project."""
    return [
        (row[0], row[1], row[2], row[3])
        for row in engine.query(
            "SELECT test_id, classname, name, path FROM test_definitions WHERE project_id = ?", (project,)
        )
    ]


def run_result_links(engine: Engine, project: str, run_id: str) -> list[tuple[Any, ...]]:
    """(test_id, classname, name, path, status code) of every result of one run."""
    return engine.query(
        "SELECT d.test_id, d.classname, d.name, d.path, x.status" + RUN_RESULTS_ALL, (project, run_id)
    )


def _run_position(engine: Engine, run: TestRunDTO) -> tuple[str, int]:
    rows = engine.query(
        "SELECT timestamp, id FROM test_runs WHERE project_id = ? AND run_id = ?",
        (run.project_id, run.run_id),
    )
    if not rows:
        # Not stored (an API caller's draft): it sorts after every stored run of its time.
        return db_time(run.timestamp), 2**62
    return rows[0][0], rows[0][1]


def earlier_runs(engine: Engine, run: TestRunDTO, same_branch: bool, limit: int) -> list[TestRunDTO]:
    """Runs before `run` in run order (timestamp, id), newest first, with a commit other than its own;
    with `same_branch`, only runs of its branch (or of no branch, when it has none)."""
    stamp, pk = _run_position(engine, run)
    where = "project_id = ? AND git_sha IS NOT NULL AND git_sha <> ?"
    params: list[Any] = [run.project_id, run.git_sha or ""]
    if same_branch and run.branch is None:
        where += " AND branch IS NULL"
    elif same_branch:
        where += " AND branch = ?"
        params.append(run.branch)
    where += " AND (timestamp < ? OR (timestamp = ? AND id < ?))"
    params += [stamp, stamp, pk, limit]
    rows = engine.query(
        f"SELECT {RUN_COLUMNS} FROM test_runs WHERE {where} ORDER BY timestamp DESC, id DESC LIMIT ?",
        params,
    )
    return [run_from_row(row) for row in rows]


def latest_run_at(engine: Engine, project: str, sha: str) -> TestRunDTO | None:
    """The latest run that tested commit `sha` (stored under its full SHA)."""
    rows = engine.query(
        f"SELECT {RUN_COLUMNS} FROM test_runs WHERE project_id = ? AND git_sha = ? "
        "ORDER BY timestamp DESC, id DESC LIMIT 1",
        (project, sha),
    )
    return run_from_row(rows[0]) if rows else None
