"""SQL behind `domains`, `health` and the gate's feature rule: latest results, recent runs, open signals,
primary mappings, last good runs. Written once for both engines; reads only what the rollups need:

- recent results: the last N runs are picked first from the run index (project_id, timestamp), then
  their results through the (test_pk, run_pk) clustering, one key range per definition between the
  smallest and largest of those runs' keys (no index holds results by run), so the cost follows the
  number of tests, not the length of the history;
- latest result per test: taken from those recent runs; only tests that did not run in them (removed
  or long-skipped tests) are looked up further back, through the (test_pk, run_pk) clustering;
- last good run: only for features with no good run among the recent runs, again per test key.

ccdash_tests.health.report assembles these for the pure rollups in ccdash_tests.health.rollups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ccdash_tests.records import (
    BAD_CODES,
    LatestResult,
    RunResult,
    SignalSeverity,
    SignalState,
    SignalVerdict,
    Status,
)
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import (
    chunks,
    from_json,
    is_flaky,
    marks,
    py_time,
    required_time,
    status_in,
    status_of,
)

# Latest results are first sought in this many recent runs (or more when the caller reads more).
LATEST_WINDOW = 20

_RECENT_RUNS = """
    SELECT id, run_id, timestamp FROM test_runs WHERE project_id = ?
    ORDER BY timestamp DESC, id DESC LIMIT ?
"""


@dataclass(frozen=True, slots=True)
class PrimaryMapping:
    """A test's primary mapping as stored: the shape health.Assignment asks for."""

    test_id: str
    feature: str
    domain: str | None


def recent_results(engine: Engine, project: str, runs: int) -> list[RunResult]:
    """Every result of the project's last `runs` runs (by time, then id), in no particular order."""
    if runs <= 0:
        return []
    picked = engine.query(_RECENT_RUNS, (project, runs))
    recent = {pk: (run_id, required_time(at)) for pk, run_id, at in picked}
    if not recent:
        return []
    # Runs are usually the newest keys, so each test's range is its last few rows; a run stored late
    # with an old time widens the range, and the rows outside `recent` are dropped here.
    rows = engine.query(
        """
        SELECT x.run_pk, d.test_id, x.status
        FROM test_definitions d CROSS JOIN test_results x
        WHERE d.project_id = ? AND x.test_pk = d.id AND x.run_pk >= ? AND x.run_pk <= ?
        """,
        (project, min(recent), max(recent)),
    )
    return [
        RunResult(*recent[run_pk], test_id, status_of(stored), is_flaky(stored))
        for run_pk, test_id, stored in rows
        if run_pk in recent
    ]


def latest_from(history: Iterable[RunResult]) -> dict[str, LatestResult]:
    """Each test's newest result among `history` (ties in time broken by run id, as runs are ordered)."""
    best: dict[str, RunResult] = {}
    for row in history:
        held = best.get(row.test_id)
        if held is None or (row.run_at, row.run_id) > (held.run_at, held.run_id):
            best[row.test_id] = row
    return {
        test_id: LatestResult(test_id, row.status, row.flaky, row.run_id, row.run_at)
        for test_id, row in best.items()
    }


def latest_results(
    engine: Engine, project: str, recent: Sequence[RunResult] | None = None
) -> dict[str, LatestResult]:
    """test_id -> its latest result, for every test of the project that has one."""
    if recent is None:
        recent = recent_results(engine, project, LATEST_WINDOW)
    latest = latest_from(recent)
    keys = engine.query("SELECT id, test_id FROM test_definitions WHERE project_id = ?", (project,))
    missing = [str(pk) for pk, test_id in keys if test_id not in latest]
    for part in chunks(missing):
        rows = engine.query(
            f"""
            SELECT test_id, status, run_id, timestamp FROM (
                SELECT d.test_id, x.status, r.run_id, r.timestamp,
                       ROW_NUMBER() OVER (PARTITION BY x.test_pk ORDER BY r.timestamp DESC, r.id DESC) AS n
                FROM test_results x
                JOIN test_definitions d ON d.id = x.test_pk
                JOIN test_runs r ON r.id = x.run_pk
                WHERE x.test_pk IN ({marks(len(part))})
            ) ranked WHERE n = 1
            """,
            [int(pk) for pk in part],
        )
        for test_id, stored, run_id, at in rows:
            latest[test_id] = LatestResult(test_id, status_of(stored), is_flaky(stored), run_id, py_time(at))
    return latest


def open_signal_counts(
    engine: Engine, project: str, include_deliberate: bool = False
) -> dict[str, dict[SignalSeverity, int]]:
    """test_id -> severity -> open signals, a grouped signal once for each stored test it lists
    (`details.test_ids`, as `rollups.open_signal_counts` counts); signals not tied to a test are left
    out, and so are likely deliberate ones unless `include_deliberate`."""
    verdicts = [SignalVerdict.SUSPICIOUS.value]
    if include_deliberate:
        verdicts.append(SignalVerdict.LIKELY_DELIBERATE.value)
    where = f"project_id = ? AND state = ? AND test_id IS NOT NULL AND verdict IN ({marks(len(verdicts))})"
    params = (project, SignalState.OPEN.value, *verdicts)
    rows = engine.query(
        f"SELECT test_id, severity, COUNT(*) FROM test_integrity_signals WHERE {where}"
        " GROUP BY test_id, severity",
        params,
    )
    counts: dict[str, dict[SignalSeverity, int]] = {}
    for test_id, severity, count in rows:
        counts.setdefault(test_id, {})[SignalSeverity(severity)] = count
    # The other members of grouped signals (the row's test_id is the first of them), read only for
    # the rows that list them: most signals name one test.
    grouped = engine.query(
        f"SELECT test_id, severity, details FROM test_integrity_signals WHERE {where} AND details LIKE ?",
        (*params, '%"test_ids"%'),
    )
    for first, severity, details in grouped:
        for test_id in from_json(details, {}).get("test_ids") or []:
            if test_id != first:
                per_test = counts.setdefault(str(test_id), {})
                per_test[SignalSeverity(severity)] = per_test.get(SignalSeverity(severity), 0) + 1
    return counts


def primary_mappings(engine: Engine, project: str) -> list[PrimaryMapping]:
    rows = engine.query(
        "SELECT test_id, feature, domain_id FROM test_feature_mappings "
        "WHERE project_id = ? AND is_primary = 1 ORDER BY test_id",
        (project,),
    )
    return [PrimaryMapping(test_id, feature, domain) for test_id, feature, domain in rows]


def last_good_run(engine: Engine, project: str, test_ids: Sequence[str]) -> tuple[str, datetime] | None:
    """The latest run in which one of these tests passed and none failed or errored, over all history."""
    if not test_ids:
        return None
    pk_rows: list[tuple] = []
    for part in chunks(list(test_ids)):
        pk_rows += engine.query(
            f"SELECT id FROM test_definitions WHERE project_id = ? AND test_id IN ({marks(len(part))})",
            (project, *part),
        )
    pks = [pk for (pk,) in pk_rows]
    if not pks or len(pks) > 900:
        # A feature this large is better served by the recent window than by one very long IN list.
        return None
    rows = engine.query(
        f"""
        SELECT r.run_id, r.timestamp FROM test_results x JOIN test_runs r ON r.id = x.run_pk
        WHERE x.test_pk IN ({marks(len(pks))})
        GROUP BY r.id, r.run_id, r.timestamp
        HAVING SUM(CASE WHEN {status_in([Status.PASSED])} THEN 1 ELSE 0 END) > 0
           AND SUM(CASE WHEN {status_in(BAD_CODES)} THEN 1 ELSE 0 END) = 0
        ORDER BY r.timestamp DESC, r.id DESC LIMIT 1
        """,
        pks,
    )
    if not rows:
        return None
    at = py_time(rows[0][1])
    assert at is not None
    return rows[0][0], at


def definition_names(
    engine: Engine, project: str, test_ids: Sequence[str]
) -> list[tuple[str, str, str, str | None, str | None]]:
    """(test_id, name, classname, path, framework) of these tests, in no particular order."""
    rows: list[tuple[str, str, str, str | None, str | None]] = []
    for part in chunks(list(test_ids)):
        rows += engine.query(
            "SELECT test_id, name, classname, path, framework FROM test_definitions "
            f"WHERE project_id = ? AND test_id IN ({marks(len(part))})",
            (project, *part),
        )
    return rows
