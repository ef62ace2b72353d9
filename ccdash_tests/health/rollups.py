"""Health rollups over plain inputs: the domain tree and per-feature health. Pure: no store, no I/O.

Definitions (the README quotes them):

- **pass rate** = passed / (passed + failed + error), over each test's *latest* result. skipped,
  xfailed and xpassed are left out of both sides: a skip proves nothing, an xfail is a known gap,
  and an xpass (a non-strict expected failure that passed) neither proves nor breaks the feature; a
  strict xpass already arrives as `failed`. None when the denominator is 0. In the DTOs, `failed`
  counts failed + error and `skipped` counts skipped + xfailed + xpassed, so a node's
  passed + failed + skipped is the number of its tests that have a result.
- **flaky count** = tests whose latest result is flaky (an earlier attempt in that run failed).
- **flake rate** = flaky results / results of the feature's tests in the last `flake_window` runs of
  the history (every status counts in the denominator); None when there are no such results.
- **trend** = the feature's pass rate in each of the last `trend_runs` runs of the project, oldest
  first; None for a run in which none of its tests counted (shown as a gap by `sparkline`).
- **integrity score** = max(0, 1 - Σ weight(severity) × open signals / tests), weights high 1.0,
  medium 0.5, low 0.2: one open high-severity signal per test means none of the feature's results
  can be trusted; low-severity hints (e.g. a renamed assertion) need five per test to get there.
  1.0 for a feature with no tests. Signals not tied to a test cannot be placed and are not counted,
  nor are signals the change explains (verdict `likely_deliberate`, integrity/deliberate.py).
- **last run** = the latest run in which any of the feature's tests has a result; **last good run** =
  the latest run in which at least one of its tests passed and none failed or errored (tests that
  did not run, or were skipped, do not spoil a run).
- **domain tree**: domain -> subdomain (deeper path segments nest further) -> feature. Every node's
  figures are computed from the set of tests below it, so each test counts once at every level and
  parents fold all of their children's figures, open signals included. `total_tests` also counts
  mapped tests that have no result yet. Tests without a primary mapping, or mapped to a feature
  without a domain, sit under the domain UNASSIGNED.

Node ids: a domain or subdomain node's id is its path ("billing/invoices"); a feature node's id is
"<domain path>::<feature>".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# UNASSIGNED (where a feature without a domain sits) is defined with the mapping, whose domain tree it is.
from ccdash_tests.mapping.base import UNASSIGNED as UNASSIGNED
from ccdash_tests.models import (  # the two result records are the rollups' inputs: re-exported
    DomainHealthRollupDTO,
    FeatureTestHealthDTO,
    LatestResult,
    RunResult,
    SignalSeverity,
    SignalState,
    SignalVerdict,
    Status,
    TestIntegritySignalDTO,
)

SEVERITY_WEIGHTS: dict[SignalSeverity, float] = {
    SignalSeverity.HIGH: 1.0,
    SignalSeverity.MEDIUM: 0.5,
    SignalSeverity.LOW: 0.2,
}
SPARK_BARS = "▁▂▃▄▅▆▇█"
SPARK_GAP = " "

# test_id -> severity -> number of open signals
SignalCounts = Mapping[str, Mapping[SignalSeverity, int]]


class Assignment(Protocol):
    """A test's primary mapping; resolver.ResolvedMapping fits, and so does any object with these fields."""

    @property
    def test_id(self) -> str: ...
    @property
    def feature(self) -> str: ...
    @property
    def domain(self) -> str | None: ...


def open_signal_counts(
    signals: Iterable[TestIntegritySignalDTO], include_deliberate: bool = False
) -> dict[str, dict[SignalSeverity, int]]:
    """Count open signals per test and severity (a grouped signal once for each test it lists: twelve
    tests skipped by one annotation are twelve tests that no longer run); acknowledged or resolved
    signals, signals without a test and, unless `include_deliberate`, likely deliberate signals drop
    out."""
    counts: dict[str, dict[SignalSeverity, int]] = {}
    for signal in signals:
        counted = include_deliberate or signal.verdict is SignalVerdict.SUSPICIOUS
        if signal.state is not SignalState.OPEN or not counted:
            continue
        for test_id in signal.linked_test_ids:
            per_test = counts.setdefault(test_id, {})
            per_test[signal.severity] = per_test.get(signal.severity, 0) + 1
    return counts


def pass_rate(passed: int, failed: int) -> float | None:
    """passed / (passed + failed), where failed already includes errors; None when nothing counted."""
    counted = passed + failed
    return passed / counted if counted else None


def integrity_score(tests: int, signal_weight: float) -> float:
    """max(0, 1 - weighted open signals / tests); 1.0 when there are no tests."""
    if tests <= 0:
        return 1.0
    return round(max(0.0, 1.0 - signal_weight / tests), 6)


@dataclass(slots=True)
class Tally:
    """The figures of one set of tests, from their latest results and open signals."""

    tests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    flaky: int = 0
    open_signals: int = 0
    signal_weight: float = 0.0
    last_run_at: datetime | None = None
    last_run_id: str | None = None

    @property
    def pass_rate(self) -> float | None:
        return pass_rate(self.passed, self.failed)


def tally(test_ids: Iterable[str], latest: Mapping[str, LatestResult], signals: SignalCounts) -> Tally:
    """Count each distinct test once."""
    result = Tally()
    for test_id in set(test_ids):
        result.tests += 1
        for severity, count in signals.get(test_id, {}).items():
            result.open_signals += count
            result.signal_weight += SEVERITY_WEIGHTS.get(SignalSeverity(severity), 0.0) * count
        outcome = latest.get(test_id)
        if outcome is None:
            continue
        if outcome.status is Status.PASSED:
            result.passed += 1
        elif outcome.status.is_bad:
            result.failed += 1
        else:
            result.skipped += 1
        result.flaky += outcome.flaky
        if outcome.run_at is not None and (result.last_run_at is None or outcome.run_at > result.last_run_at):
            result.last_run_at, result.last_run_id = outcome.run_at, outcome.run_id
    return result


def _primary_by_test(mappings: Iterable[Assignment]) -> dict[str, Assignment]:
    by_test: dict[str, Assignment] = {}
    for mapping in mappings:
        if not getattr(mapping, "is_primary", True):
            continue
        if mapping.test_id in by_test:
            raise ValueError(f"test {mapping.test_id} has more than one primary mapping")
        by_test[mapping.test_id] = mapping
    return by_test


def _latest_by_test(latest: Iterable[LatestResult]) -> dict[str, LatestResult]:
    return {result.test_id: result for result in latest}


@dataclass(slots=True)
class _Node:
    node_id: str
    name: str
    kind: str
    parent_id: str | None
    tests: set[str] = field(default_factory=set)
    children: dict[tuple[int, str], _Node] = field(default_factory=dict)

    def child(self, kind: str, name: str, node_id: str) -> _Node:
        order = 1 if kind == "feature" else 0
        key = (order, name)
        if key not in self.children:
            self.children[key] = _Node(node_id, name, kind, self.node_id)
        return self.children[key]


def _place(roots: dict[str, _Node], test_id: str, domain: str | None, feature: str | None) -> None:
    segments = [part for part in (domain or UNASSIGNED).split("/") if part] or [UNASSIGNED]
    node = roots.setdefault(segments[0], _Node(segments[0], segments[0], "domain", None))
    node.tests.add(test_id)
    for depth in range(1, len(segments)):
        path = "/".join(segments[: depth + 1])
        node = node.child("subdomain", segments[depth], path)
        node.tests.add(test_id)
    if feature is not None:
        node = node.child("feature", feature, f"{node.node_id}::{feature}")
        node.tests.add(test_id)


def _to_dto(node: _Node, latest: Mapping[str, LatestResult], signals: SignalCounts) -> DomainHealthRollupDTO:
    figures = tally(node.tests, latest, signals)
    return DomainHealthRollupDTO(
        domain_id=node.node_id,
        name=node.name,
        kind=node.kind,
        parent_id=node.parent_id,
        total_tests=figures.tests,
        passed=figures.passed,
        failed=figures.failed,
        skipped=figures.skipped,
        pass_rate=figures.pass_rate,
        flaky_count=figures.flaky,
        open_signals=figures.open_signals,
        last_run_at=figures.last_run_at,
        children=[_to_dto(node.children[key], latest, signals) for key in sorted(node.children)],
    )


def domain_tree(
    latest: Iterable[LatestResult],
    mappings: Iterable[Assignment],
    signals: SignalCounts | None = None,
) -> list[DomainHealthRollupDTO]:
    """Domain -> subdomain -> feature rollups, roots sorted by name, UNASSIGNED last."""
    latest_by_test = _latest_by_test(latest)
    primary = _primary_by_test(mappings)
    roots: dict[str, _Node] = {}
    for test_id, mapping in primary.items():
        _place(roots, test_id, mapping.domain, mapping.feature)
    for test_id in latest_by_test.keys() - primary.keys():
        _place(roots, test_id, None, None)
    order = sorted(roots, key=lambda name: (name == UNASSIGNED, name))
    return [_to_dto(roots[name], latest_by_test, signals or {}) for name in order]


def _runs_in_order(history: Sequence[RunResult]) -> tuple[list[str], dict[str, datetime]]:
    """Run ids oldest first (by time, then id) and each run's time."""
    at: dict[str, datetime] = {}
    for row in history:
        at.setdefault(row.run_id, row.run_at)
    return sorted(at, key=lambda run: (at[run], run)), at


@dataclass(slots=True)
class _RunFigures:
    passed: int = 0
    bad: int = 0
    flaky: int = 0
    results: int = 0


def _per_feature_runs(
    history: Iterable[RunResult], feature_of: Mapping[str, tuple[str, str]]
) -> dict[tuple[str, str], dict[str, _RunFigures]]:
    """(domain, feature) -> run_id -> that feature's figures in that run, in one pass over the history."""
    per: dict[tuple[str, str], dict[str, _RunFigures]] = {}
    for row in history:
        key = feature_of.get(row.test_id)
        if key is None:
            continue
        figures = per.setdefault(key, {}).setdefault(row.run_id, _RunFigures())
        figures.results += 1
        figures.passed += row.status is Status.PASSED
        figures.bad += row.status.is_bad
        figures.flaky += row.flaky
    return per


def feature_health(
    latest: Iterable[LatestResult],
    mappings: Iterable[Assignment],
    signals: SignalCounts | None = None,
    history: Iterable[RunResult] = (),
    *,
    trend_runs: int = 10,
    flake_window: int = 20,
) -> list[FeatureTestHealthDTO]:
    """One row per (domain, feature) of the primary mappings, sorted by domain then feature."""
    latest_by_test = _latest_by_test(latest)
    history = list(history)
    feature_of = {
        test_id: (mapping.domain or "", mapping.feature)
        for test_id, mapping in _primary_by_test(mappings).items()
    }
    features: dict[tuple[str, str], set[str]] = {}
    for test_id, key in feature_of.items():
        features.setdefault(key, set()).add(test_id)
    run_ids, run_at = _runs_in_order(history)
    per_feature = _per_feature_runs(history, feature_of)
    context = _History(run_ids, run_at, trend_runs, flake_window)
    return [
        _feature_row(key, tally(test_ids, latest_by_test, signals or {}), per_feature.get(key, {}), context)
        for key, test_ids in sorted(features.items())
    ]


@dataclass(frozen=True, slots=True)
class _History:
    run_ids: Sequence[str]
    run_at: Mapping[str, datetime]
    trend_runs: int
    flake_window: int


def _feature_row(
    key: tuple[str, str],
    figures: Tally,
    per_run: Mapping[str, _RunFigures],
    context: _History,
) -> FeatureTestHealthDTO:
    empty = _RunFigures()
    trend = [
        pass_rate(per_run.get(run, empty).passed, per_run.get(run, empty).bad)
        for run in _last(context.run_ids, context.trend_runs)
    ]
    window = [per_run[run] for run in _last(context.run_ids, context.flake_window) if run in per_run]
    window_results = sum(f.results for f in window)
    ran = [run for run in context.run_ids if run in per_run]
    good = [run for run in ran if per_run[run].passed and not per_run[run].bad]
    domain, feature = key
    return FeatureTestHealthDTO(
        feature=feature,
        domain_id=domain or None,
        total_tests=figures.tests,
        passed=figures.passed,
        failed=figures.failed,
        skipped=figures.skipped,
        pass_rate=figures.pass_rate,
        trend=trend,
        flake_rate=sum(f.flaky for f in window) / window_results if window_results else None,
        integrity_score=integrity_score(figures.tests, figures.signal_weight),
        open_signals=figures.open_signals,
        last_run_id=ran[-1] if ran else figures.last_run_id,
        last_run_at=context.run_at[ran[-1]] if ran else figures.last_run_at,
        last_good_run_id=good[-1] if good else None,
    )


def _last(run_ids: Sequence[str], count: int) -> Sequence[str]:
    return run_ids[-count:] if count > 0 else []


def below_fail_under(rows: Sequence[FeatureTestHealthDTO], fail_under: float) -> list[FeatureTestHealthDTO]:
    """The `--fail-under` rule of `health` and `gate`: features whose pass rate is below it, in the given
    order; a feature with no passed or failed result cannot pass it either."""
    return [row for row in rows if row.pass_rate is None or row.pass_rate < fail_under]


def filter_features(
    rows: Iterable[FeatureTestHealthDTO], feature: str | None = None, domain: str | None = None
) -> list[FeatureTestHealthDTO]:
    """Rows for one feature (case-insensitive) and/or a domain and everything below it."""
    wanted_domain = domain.strip("/").lower() if domain else None
    kept = []
    for row in rows:
        if feature is not None and row.feature.casefold() != feature.casefold():
            continue
        if wanted_domain is not None:
            have = (row.domain_id or "").lower()
            if have != wanted_domain and not have.startswith(wanted_domain + "/"):
                continue
        kept.append(row)
    return kept


def sparkline(values: Sequence[float | None], low: float = 0.0, high: float = 1.0) -> str:
    """One bar per value on a fixed scale (a pass rate of 1.0 is always a full bar); None is a gap.

    Only `high` itself is a full bar: 98% rounds to the next bar down, so any drop shows."""
    if high <= low:
        raise ValueError("sparkline needs high > low")
    top = len(SPARK_BARS) - 1
    bars = []
    for value in values:
        if value is None:
            bars.append(SPARK_GAP)
            continue
        share = min(1.0, max(0.0, (value - low) / (high - low)))
        bars.append(SPARK_BARS[round(share * top) if value >= high else min(top - 1, round(share * top))])
    return "".join(bars)
