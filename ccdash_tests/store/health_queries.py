"""Store queries behind `domains` and `health`: latest results, recent runs, open signals, primary mappings.

Every query is written once for both engines and reads only what the rollups need:

- recent results: the last N runs are picked first from the run index (project_id, timestamp), then
  their results through the run index of test_results, so the cost follows N x tests, not the
  length of the history;
- latest result per test: taken from those recent runs; only tests that did not run in them (removed
  or long-skipped tests) are looked up further back, through the (test_pk, run_pk) clustering;
- last good run: only for features with no good run among the recent runs, again per test key.

`health_report` and `domain_report` assemble these for the pure rollups in ccdash_tests.health.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ccdash_tests.errors import UserError
from ccdash_tests.health import (
    LatestResult,
    RunResult,
    domain_tree,
    feature_health,
    filter_features,
)
from ccdash_tests.models import (
    BAD_CODES,
    STATUS_CODES,
    DomainHealthRollupDTO,
    FeatureTestHealthDTO,
    SignalSeverity,
    SignalState,
    Status,
)
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import chunks, py_time

# Latest results are first sought in this many recent runs (or more when the caller reads more).
LATEST_WINDOW = 20
FLAKE_WINDOW = 20
PASSED_CODE = STATUS_CODES[Status.PASSED]

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
    rows = engine.query(
        f"""
        SELECT r.run_id, r.timestamp, d.test_id, x.status, x.flaky
        FROM ({_RECENT_RUNS}) r
        JOIN test_results x ON x.run_pk = r.id
        JOIN test_definitions d ON d.id = x.test_pk
        """,
        (project, runs),
    )
    return [
        RunResult(run_id, py_time(at), test_id, Status.from_code(code), bool(flaky))  # type: ignore[arg-type]
        for run_id, at, test_id, code, flaky in rows
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
        marks = ", ".join("?" * len(part))
        rows = engine.query(
            f"""
            SELECT test_id, status, flaky, run_id, timestamp FROM (
                SELECT d.test_id, x.status, x.flaky, r.run_id, r.timestamp,
                       ROW_NUMBER() OVER (PARTITION BY x.test_pk ORDER BY r.timestamp DESC, r.id DESC) AS n
                FROM test_results x
                JOIN test_definitions d ON d.id = x.test_pk
                JOIN test_runs r ON r.id = x.run_pk
                WHERE x.test_pk IN ({marks})
            ) ranked WHERE n = 1
            """,
            [int(pk) for pk in part],
        )
        for test_id, code, flaky, run_id, at in rows:
            latest[test_id] = LatestResult(test_id, Status.from_code(code), bool(flaky), run_id, py_time(at))
    return latest


def open_signal_counts(engine: Engine, project: str) -> dict[str, dict[SignalSeverity, int]]:
    """test_id -> severity -> open signals; signals not tied to a test are left out."""
    rows = engine.query(
        """
        SELECT test_id, severity, COUNT(*) FROM test_integrity_signals
        WHERE project_id = ? AND state = ? AND test_id IS NOT NULL
        GROUP BY test_id, severity
        """,
        (project, SignalState.OPEN.value),
    )
    counts: dict[str, dict[SignalSeverity, int]] = {}
    for test_id, severity, count in rows:
        counts.setdefault(test_id, {})[SignalSeverity(severity)] = count
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
        marks = ", ".join("?" * len(part))
        pk_rows += engine.query(
            f"SELECT id FROM test_definitions WHERE project_id = ? AND test_id IN ({marks})", (project, *part)
        )
    pks = [pk for (pk,) in pk_rows]
    if not pks or len(pks) > 900:
        # A feature this large is better served by the recent window than by one very long IN list.
        return None
    marks = ", ".join("?" * len(pks))
    rows = engine.query(
        f"""
        SELECT r.run_id, r.timestamp FROM test_results x JOIN test_runs r ON r.id = x.run_pk
        WHERE x.test_pk IN ({marks})
        GROUP BY r.id, r.run_id, r.timestamp
        HAVING SUM(CASE WHEN x.status = ? THEN 1 ELSE 0 END) > 0
           AND SUM(CASE WHEN x.status IN (?, ?) THEN 1 ELSE 0 END) = 0
        ORDER BY r.timestamp DESC, r.id DESC LIMIT 1
        """,
        (*pks, PASSED_CODE, *BAD_CODES),
    )
    if not rows:
        return None
    at = py_time(rows[0][1])
    assert at is not None
    return rows[0][0], at


@dataclass(frozen=True, slots=True)
class FeatureTest:
    """One test behind a feature, with its latest result."""

    test_id: str
    name: str
    classname: str
    path: str | None
    status: Status | None
    flaky: bool
    run_id: str | None

    def to_json_dict(self) -> dict:
        return {
            "test_id": self.test_id,
            "name": self.name,
            "classname": self.classname,
            "path": self.path,
            "status": self.status.value if self.status else None,
            "flaky": self.flaky,
            "run_id": self.run_id,
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    features: list[FeatureTestHealthDTO]
    tests: list[FeatureTest]
    trend_runs: int


def domain_report(engine: Engine, project: str) -> list[DomainHealthRollupDTO]:
    """The domain tree with its rollups, from the store."""
    latest = latest_results(engine, project)
    return domain_tree(
        latest.values(), primary_mappings(engine, project), open_signal_counts(engine, project)
    )


def all_feature_health(
    engine: Engine, project: str, trend_runs: int = 10, flake_window: int = FLAKE_WINDOW
) -> list[FeatureTestHealthDTO]:
    """One row per feature of the primary mappings, with trend, flake rate and last good run."""
    return _feature_rows(engine, project, trend_runs, flake_window)[0]


def _feature_rows(
    engine: Engine, project: str, trend_runs: int, flake_window: int
) -> tuple[list[FeatureTestHealthDTO], dict[str, LatestResult], list[PrimaryMapping]]:
    window = max(trend_runs, flake_window)
    recent = recent_results(engine, project, max(window, LATEST_WINDOW))
    latest = latest_results(engine, project, recent)
    mappings = primary_mappings(engine, project)
    rows = feature_health(
        latest.values(),
        mappings,
        open_signal_counts(engine, project),
        _last_runs(recent, window),
        trend_runs=trend_runs,
        flake_window=flake_window,
    )
    return [_with_last_good(engine, project, row, mappings) for row in rows], latest, mappings


def _last_runs(recent: Sequence[RunResult], runs: int) -> list[RunResult]:
    order = sorted({(row.run_at, row.run_id) for row in recent})
    kept = {run_id for _, run_id in order[-runs:]} if runs > 0 else set()
    return [row for row in recent if row.run_id in kept]


def _with_last_good(
    engine: Engine, project: str, row: FeatureTestHealthDTO, mappings: Sequence[PrimaryMapping]
) -> FeatureTestHealthDTO:
    """Look further back for a last good run when the recent window has none."""
    if row.last_good_run_id is not None or row.last_run_id is None:
        return row
    found = last_good_run(engine, project, _tests_of(row, mappings))
    return row.model_copy(update={"last_good_run_id": found[0]}) if found else row


def _tests_of(row: FeatureTestHealthDTO, mappings: Sequence[PrimaryMapping]) -> list[str]:
    return [m.test_id for m in mappings if m.feature == row.feature and (m.domain or None) == row.domain_id]


def feature_tests(
    engine: Engine,
    project: str,
    row: FeatureTestHealthDTO,
    mappings: Sequence[PrimaryMapping],
    latest: dict[str, LatestResult],
) -> list[FeatureTest]:
    """The tests behind one feature row, with their latest results."""
    wanted = _tests_of(row, mappings)
    tests: list[FeatureTest] = []
    for part in chunks(wanted):
        marks = ", ".join("?" * len(part))
        rows = engine.query(
            f"SELECT test_id, name, classname, path FROM test_definitions "
            f"WHERE project_id = ? AND test_id IN ({marks})",
            (project, *part),
        )
        for test_id, name, classname, path in rows:
            outcome = latest.get(test_id)
            tests.append(
                FeatureTest(
                    test_id,
                    name,
                    classname,
                    path,
                    outcome.status if outcome else None,
                    outcome.flaky if outcome else False,
                    outcome.run_id if outcome else None,
                )
            )
    return sorted(tests, key=lambda t: (t.classname, t.name, t.test_id))


class UnknownFeatureError(UserError, LookupError):
    """--feature or --domain names nothing that is mapped."""


def health_report(
    engine: Engine,
    project: str,
    *,
    feature: str | None = None,
    domain: str | None = None,
    trend_runs: int = 10,
) -> HealthReport:
    """Feature rows (optionally one feature and/or one domain subtree) and, for one feature, its tests."""
    rows, latest, mappings = _feature_rows(engine, project, trend_runs, FLAKE_WINDOW)
    selected = filter_features(rows, feature=feature, domain=domain)
    if not selected and (feature is not None or domain is not None):
        known = sorted({row.feature for row in rows})
        what = f"feature {feature!r}" if feature is not None else f"domain {domain!r}"
        if feature is not None and domain is not None:
            what = f"feature {feature!r} in domain {domain!r}"
        hint = (
            f" (known features: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''})" if known else ""
        )
        raise UnknownFeatureError(f"no mapped tests for {what}{hint}")
    tests: list[FeatureTest] = []
    if feature is not None:
        for row in selected:
            tests += feature_tests(engine, project, row, mappings, latest)
    return HealthReport(selected, tests, trend_runs)
