"""Failure causes counted per run and per test at write time, so `failures --all` reads counts, not results.

A cause is the fingerprint of a failing result's failure text ('' when it has none). Two tables
(migration 0007): test_run_causes, one row per run and cause (failing results, smallest failure
text key), rewritten from the run's failing results whenever results are written into the run; and
test_cause_tests, one row per test and cause, only ever added to (a stored result is never rewritten
by a later ingest, so a test that failed with a cause always has). Both are written in the
transaction that writes the results, on both engines, so they never disagree with the results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ccdash_tests.records import BAD_CODES
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import UNUSUAL, chunks, marks, status_in

NO_CAUSE = ""  # the cause of failing results without a fingerprint (None outside the store)
_BAD = f"{status_in(BAD_CODES)} AND {UNUSUAL}"  # literal: the partial index


def refresh_run_causes(engine: Engine, run_pks: Iterable[int]) -> None:
    """Recount the causes of these runs from their stored failing results (the caller's transaction)."""
    for part in chunks(sorted(set(run_pks))):
        keys = marks(len(part))
        engine.execute(f"DELETE FROM test_run_causes WHERE run_pk IN ({keys})", part)
        engine.execute(
            f"""
            INSERT INTO test_run_causes (run_pk, fingerprint, results, error_pk)
            SELECT x.run_pk, COALESCE(e.fingerprint, '{NO_CAUSE}'), COUNT(*), MIN(x.error_pk)
            FROM test_results x LEFT JOIN test_errors e ON e.id = x.error_pk
            WHERE x.run_pk IN ({keys}) AND {_BAD}
            GROUP BY x.run_pk, COALESCE(e.fingerprint, '{NO_CAUSE}')
            """,
            part,
        )
        engine.execute(
            f"""
            INSERT INTO test_cause_tests (test_pk, fingerprint)
            SELECT DISTINCT x.test_pk, COALESCE(e.fingerprint, '{NO_CAUSE}')
            FROM test_results x LEFT JOIN test_errors e ON e.id = x.error_pk
            WHERE x.run_pk IN ({keys}) AND {_BAD}
            ON CONFLICT (test_pk, fingerprint) DO NOTHING
            """,
            part,
        )


@dataclass(frozen=True, slots=True)
class CauseTotals:
    """One cause over every run of a project: what a failure cluster shows, from the counts."""

    fingerprint: str | None
    results: int
    runs: int
    error_pk: int | None
    first_seen: str  # "timestamp run_id" of the earliest run (by time, then run id)
    last_run_pk: int  # the latest run in run order (time, then key)


def project_causes(engine: Engine, project: str) -> list[CauseTotals]:
    """Every cause of the project's failing results, with totals over all its runs.

    One pass over the counts in cause order gives the totals and each cause's earliest and latest
    run time; the runs at those times (usually one each) then settle ties as run order does.
    """
    rows = engine.query(
        """
        SELECT c.fingerprint, SUM(c.results), COUNT(*), MIN(c.error_pk), MIN(r.timestamp), MAX(r.timestamp)
        FROM test_run_causes c CROSS JOIN test_runs r
        WHERE r.id = c.run_pk AND r.project_id = ?
        GROUP BY c.fingerprint
        """,
        (project,),
    )
    ends: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for fp, stamp, run_id, pk in _runs_at(engine, project, {stamp for row in rows for stamp in row[4:6]}):
        ends.setdefault((fp, stamp), []).append((run_id, pk))
    totals = []
    for fingerprint, results, runs, error_pk, first, last in rows:
        at_first = ends[fingerprint, first]
        at_last = [pk for _, pk in ends[fingerprint, last]]
        totals.append(
            CauseTotals(
                None if fingerprint == NO_CAUSE else fingerprint,
                int(results),
                int(runs),
                error_pk,
                f"{first} {min(at_first)[0]}",
                max(at_last),
            )
        )
    return totals


def _runs_at(engine: Engine, project: str, stamps: set[str]) -> list[tuple[str, str, str, int]]:
    """(cause, timestamp, run_id, run key) of the project's runs at these times, for each of their causes."""
    found: list[tuple[str, str, str, int]] = []
    for part in chunks(sorted(stamps)):
        found += engine.query(
            f"""
            SELECT c.fingerprint, r.timestamp, r.run_id, r.id
            FROM test_runs r CROSS JOIN test_run_causes c
            WHERE r.project_id = ? AND r.timestamp IN ({marks(len(part))}) AND c.run_pk = r.id
            """,
            (project, *part),
        )
    return found


def project_cause_tests(engine: Engine, project: str) -> dict[str | None, list[int]]:
    """Cause -> keys of the project's tests that ever failed with it, in key order."""
    rows = engine.query(
        """
        SELECT t.fingerprint, t.test_pk FROM test_definitions d CROSS JOIN test_cause_tests t
        WHERE d.project_id = ? AND t.test_pk = d.id ORDER BY t.test_pk
        """,
        (project,),
    )
    found: dict[str | None, list[int]] = {}
    for fingerprint, test_pk in rows:
        found.setdefault(None if fingerprint == NO_CAUSE else fingerprint, []).append(test_pk)
    return found
