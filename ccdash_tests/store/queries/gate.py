"""SQL of the gate: the base run a gated run is compared with, and which retried tests were retried before."""

from __future__ import annotations

from collections.abc import Sequence

from ccdash_tests.records import TestRunDTO
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.queries.forensics import CHUNK, RunRef
from ccdash_tests.store.rows import FLAKY_ONLY, RUN_COLUMNS, chunks, db_time, marks, run_from_row


def base_run_before(engine: Engine, project: str, run: TestRunDTO, branch: str) -> TestRunDTO | None:
    """The latest run on `branch` that comes before `run` in run order (timestamp, then key)."""
    stamp = db_time(run.timestamp)
    rows = engine.query(
        f"""
        SELECT {RUN_COLUMNS} FROM test_runs
        WHERE project_id = ? AND branch = ? AND run_id <> ?
          AND (timestamp < ? OR (timestamp = ? AND id < (
                SELECT c.id FROM test_runs c WHERE c.project_id = ? AND c.run_id = ?)))
        ORDER BY timestamp DESC, id DESC LIMIT 1
        """,
        (project, branch, run.run_id, stamp, stamp, project, run.run_id),
    )
    return run_from_row(rows[0]) if rows else None


def flaky_before(engine: Engine, test_pks: Sequence[int], run: RunRef) -> set[int]:
    """Which of these tests had a flaky result in a run before `run` (run order: timestamp, then key)."""
    stamp = db_time(run.timestamp)
    found: set[int] = set()
    for part in chunks(test_pks, CHUNK):
        rows = engine.query(
            f"""
            SELECT DISTINCT x.test_pk FROM test_results x JOIN test_runs r ON r.id = x.run_pk
            WHERE x.test_pk IN ({marks(len(part))}) AND {FLAKY_ONLY}
              AND (r.timestamp < ? OR (r.timestamp = ? AND r.id < ?))
            """,
            (*part, stamp, stamp, run.pk),
        )
        found.update(pk for (pk,) in rows)
    return found
