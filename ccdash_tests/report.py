"""What `report --html` shows, read from the store once: the run, the domain tree, feature health, flaky
tests and open integrity signals (output/html.py renders it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ccdash_tests.forensics import FlakyTest, flaky_tests
from ccdash_tests.gate import RetriedTest, retried_tests
from ccdash_tests.health.report import all_feature_health, domain_report
from ccdash_tests.integrity.service import select_signals
from ccdash_tests.models import (
    BAD_STATUSES,
    DomainHealthRollupDTO,
    FeatureTestHealthDTO,
    SignalState,
    TestIntegritySignalDTO,
    TestResultDTO,
    TestRunDTO,
    failures_worst_first,
    utcnow,
)
from ccdash_tests.runs import definitions_of
from ccdash_tests.store import Store

# The report details this many failures (html.MAX_ROWS); their definitions are read for file and line.
SHOWN_FAILURES = 500


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read from the store once."""

    project: str
    generated_at: datetime
    run: TestRunDTO | None = None
    failures: list[TestResultDTO] = field(default_factory=list)
    retried: list[RetriedTest] = field(default_factory=list)
    runs: list[TestRunDTO] = field(default_factory=list)  # oldest first
    domains: list[DomainHealthRollupDTO] = field(default_factory=list)
    features: list[FeatureTestHealthDTO] = field(default_factory=list)
    flaky: list[FlakyTest] = field(default_factory=list)
    flaky_runs: int = 0
    signals: list[TestIntegritySignalDTO] = field(default_factory=list)
    trend_runs: int = 20
    # Where each shown failure is defined: test_id -> (file, line), either None when not known.
    locations: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)


def collect_report(
    store: Store, project: str, run: TestRunDTO | None, trend_runs: int = 20, flaky_runs: int = 50
) -> ReportData:
    """Read the report's data: `run` is the run shown in detail (None when the project has no runs)."""
    failures: list[TestResultDTO] = []
    retried: list[RetriedTest] = []
    if run is not None:
        bad = store.results.by_run(project, run.run_id, statuses=BAD_STATUSES)
        failures = failures_worst_first(bad)
        retried = retried_tests(store, run)[0]
    flaky = flaky_tests(store, project, runs=flaky_runs)
    shown = definitions_of(store, project, failures[:SHOWN_FAILURES])
    return ReportData(
        project=project,
        generated_at=utcnow(),
        run=run,
        failures=failures,
        retried=sorted(retried, key=lambda t: t.label),
        runs=list(reversed(store.runs.list_by_project(project, limit=trend_runs))),
        domains=domain_report(store.engine, project)[0],
        features=all_feature_health(store.engine, project, trend_runs=trend_runs),
        flaky=list(flaky.tests),
        flaky_runs=flaky.runs,
        signals=select_signals(store, project, state=SignalState.OPEN),
        trend_runs=trend_runs,
        locations={
            test_id: (d.path, d.line if d.line and d.line > 0 else None) for test_id, d in shown.items()
        },
    )
