"""The health service: feature rows and the domain tree of a project, read from the store and rolled up.

`health_report` answers `health` (optionally one feature and its tests), `all_feature_health` the gate's
and the HTML report's feature rows, `domain_report` the `domains` tree. The SQL is in
store/queries/health.py, the rules in health/rollups.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ccdash_tests.errors import UserError
from ccdash_tests.health.rollups import domain_tree, feature_health, filter_features
from ccdash_tests.models import DomainHealthRollupDTO, FeatureTestHealthDTO, LatestResult, RunResult, Status
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.queries.health import (
    LATEST_WINDOW,
    PrimaryMapping,
    definition_names,
    last_good_run,
    latest_results,
    open_signal_counts,
    primary_mappings,
    recent_results,
)
from ccdash_tests.store.queries.mapping import mapping_coverage
from ccdash_tests.text import class_name_label, test_label

FLAKE_WINDOW = 20


@dataclass(frozen=True, slots=True)
class FeatureTest:
    """One test behind a feature, with its latest result."""

    test_id: str
    name: str
    classname: str
    path: str | None
    framework: str | None
    status: Status | None
    flaky: bool
    run_id: str | None

    @property
    def label(self) -> str:
        """The test in its framework's form (text.test_label)."""
        return test_label(self.classname, self.name, self.test_id, self.path, self.framework)

    def to_json_dict(self) -> dict:
        return {
            "test_id": self.test_id,
            "name": self.name,
            "classname": self.classname,
            "path": self.path,
            "framework": self.framework,
            "nodeid": class_name_label(self.classname, self.name, self.test_id, self.path),
            "label": self.label,
            "status": self.status.value if self.status else None,
            "flaky": self.flaky,
            "run_id": self.run_id,
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    """Why a project shows no features: its runs, tests, tests without a file path, and tests whose
    only mappings are below the primary bar (path guesses)."""

    runs: int
    tests: int
    without_path: int
    guesses_only: int


def coverage(engine: Engine, project: str) -> Coverage:
    return Coverage(*mapping_coverage(engine, project))


@dataclass(frozen=True, slots=True)
class HealthReport:
    features: list[FeatureTestHealthDTO]
    tests: list[FeatureTest]
    trend_runs: int
    # Read only when there are no features, so that the empty state can say why.
    coverage: Coverage | None = None


def domain_report(engine: Engine, project: str) -> tuple[list[DomainHealthRollupDTO], Coverage | None]:
    """The domain tree with its rollups, from the store; with the coverage when no test has a
    primary feature (the tree is then empty or all unassigned, and the view says why)."""
    latest = latest_results(engine, project)
    mappings = primary_mappings(engine, project)
    roots = domain_tree(latest.values(), mappings, open_signal_counts(engine, project))
    return roots, None if mappings else coverage(engine, project)


def all_feature_health(
    engine: Engine, project: str, trend_runs: int = 10, flake_window: int = FLAKE_WINDOW
) -> list[FeatureTestHealthDTO]:
    """One row per feature of the primary mappings, with trend, flake rate and last good run."""
    return _feature_rows(engine, project, trend_runs, flake_window)[0]


def _feature_rows(
    engine: Engine, project: str, trend_runs: int, flake_window: int, include_deliberate: bool = False
) -> tuple[list[FeatureTestHealthDTO], dict[str, LatestResult], list[PrimaryMapping]]:
    window = max(trend_runs, flake_window)
    recent = recent_results(engine, project, max(window, LATEST_WINDOW))
    latest = latest_results(engine, project, recent)
    mappings = primary_mappings(engine, project)
    rows = feature_health(
        latest.values(),
        mappings,
        open_signal_counts(engine, project, include_deliberate),
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
    tests: list[FeatureTest] = []
    for test_id, name, classname, path, framework in definition_names(
        engine, project, _tests_of(row, mappings)
    ):
        outcome = latest.get(test_id)
        tests.append(
            FeatureTest(
                test_id,
                name,
                classname,
                path,
                framework,
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
    include_deliberate: bool = False,
) -> HealthReport:
    """Feature rows (optionally one feature and/or one domain subtree) and, for one feature, its tests.
    The integrity score counts suspicious signals, and likely deliberate ones with `include_deliberate`."""
    rows, latest, mappings = _feature_rows(engine, project, trend_runs, FLAKE_WINDOW, include_deliberate)
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
    return HealthReport(selected, tests, trend_runs, None if selected else coverage(engine, project))
