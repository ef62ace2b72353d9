"""`flaky`: tests that passed and failed on one commit, passed only after a retry, or flipped too often."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field

from ccdash_tests.forensics.common import VERDICTS, RunRefDoc, run_ref_doc
from ccdash_tests.models import BAD_CODES, DTO, Status, TestDefinitionDTO
from ccdash_tests.store import Store
from ccdash_tests.store.queries import forensics as q
from ccdash_tests.store.queries.forensics import Outcome, RunRef

DEFAULT_FLAKY_RUNS = 50
DEFAULT_FLIP_THRESHOLD = 2


FlakyReason = Literal["same_sha", "retry", "flips"]


class EvidenceDoc(DTO):
    """A run that shows the flakiness: its facts, the result and why it counts."""

    run_id: str
    timestamp: datetime
    git_sha: str | None = None
    status: Status
    attempts: int = 1
    flaky: bool = False
    reasons: list[FlakyReason] = Field(default_factory=list)


class FlakyTest(DTO):
    test_id: str
    name: str
    classname: str
    path: str | None = None
    nodeid: str = ""
    label: str  # the test in its framework's form (text.test_label)
    reasons: list[FlakyReason]
    flake_rate: float
    flips: int
    results: int
    passed: int
    failed: int
    retried: int
    shas: list[str] = Field(default_factory=list, description="commits on which it both passed and failed")
    evidence: list[EvidenceDoc] = Field(default_factory=list, description="oldest first")


class FlakyReport(DTO):
    runs: int
    threshold: int
    first_run: RunRefDoc | None = None
    last_run: RunRefDoc | None = None
    tests: list[FlakyTest] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FlakyAssessment:
    """Pure verdict on one test's results over a window of runs."""

    reasons: list[FlakyReason]
    flips: int
    counted: int
    passed: int
    failed: int
    retried: int
    unstable: int
    shas: list[str]
    evidence: dict[int, list[FlakyReason]]  # run key -> why that run is evidence

    @property
    def flake_rate(self) -> float:
        return self.unstable / self.counted if self.counted else 0.0


def assess_flaky(
    runs: Sequence[RunRef], results: Mapping[int, Outcome], threshold: int
) -> FlakyAssessment | None:
    """Whether one test is flaky over `runs` (oldest first); `results` maps run key -> its result."""
    evidence: dict[int, list[FlakyReason]] = {}
    by_sha: dict[str, set[bool]] = {}
    counted_runs: list[tuple[RunRef, bool]] = []
    previous: bool | None = None
    flips = retried = unstable = 0
    flip_runs: list[int] = []
    for run in runs:
        result = results.get(run.pk)
        if result is None:
            continue
        value = VERDICTS[result.status]
        if result.flaky and value:
            retried += 1
            unstable += 1
            evidence[run.pk] = ["retry"]
        if value is None:
            continue
        counted_runs.append((run, value))
        if run.git_sha:
            by_sha.setdefault(run.git_sha, set()).add(value)
        if previous is not None and value != previous:
            flips += 1
            unstable += not (result.flaky and value)  # a retried pass already counted once
            flip_runs.append(run.pk)
        previous = value
    shas = {sha for sha, seen in by_sha.items() if len(seen) == 2}
    reasons: list[FlakyReason] = []
    if shas:
        reasons.append("same_sha")
        for run, _ in counted_runs:
            if run.git_sha in shas:
                evidence.setdefault(run.pk, []).append("same_sha")
    if retried:
        reasons.append("retry")
    if flips > threshold:
        reasons.append("flips")
        for run_pk in flip_runs:
            evidence.setdefault(run_pk, []).append("flips")
    if not reasons:
        return None
    passed = sum(1 for _, value in counted_runs if value)
    return FlakyAssessment(
        reasons,
        flips,
        len(counted_runs),
        passed,
        len(counted_runs) - passed,
        retried,
        unstable,
        sorted(shas),
        evidence,
    )


def build_flaky(
    runs: Sequence[RunRef],
    outcomes: Iterable[Outcome],
    definitions: Mapping[int, TestDefinitionDTO],
    threshold: int,
) -> FlakyReport:
    """Pure: the flaky report from the window's runs (oldest first) and the candidates' results."""
    by_test: dict[int, dict[int, Outcome]] = {}
    for outcome in outcomes:
        by_test.setdefault(outcome.test_pk, {})[outcome.run_pk] = outcome
    tests: list[FlakyTest] = []
    for test_pk, results in by_test.items():
        verdict_ = assess_flaky(runs, results, threshold)
        if verdict_ is None:
            continue
        definition = definitions[test_pk]
        evidence = [
            EvidenceDoc(
                run_id=run.run_id,
                timestamp=run.timestamp,
                git_sha=run.git_sha,
                status=results[run.pk].status,
                attempts=results[run.pk].attempts,
                flaky=results[run.pk].flaky,
                reasons=list(dict.fromkeys(verdict_.evidence[run.pk])),
            )
            for run in runs
            if run.pk in verdict_.evidence
        ]
        tests.append(
            FlakyTest(
                test_id=definition.test_id,
                name=definition.name,
                classname=definition.classname,
                path=definition.path,
                nodeid=definition.nodeid,
                label=definition.label,
                reasons=verdict_.reasons,
                flake_rate=round(verdict_.flake_rate, 4),
                flips=verdict_.flips,
                results=verdict_.counted,
                passed=verdict_.passed,
                failed=verdict_.failed,
                retried=verdict_.retried,
                shas=verdict_.shas,
                evidence=evidence,
            )
        )
    tests.sort(key=lambda t: (-t.flake_rate, -len(t.reasons), t.classname, t.name))
    return FlakyReport(
        runs=len(runs),
        threshold=threshold,
        first_run=run_ref_doc(runs[0]) if runs else None,
        last_run=run_ref_doc(runs[-1]) if runs else None,
        tests=tests,
    )


def flaky_tests(
    store: Store, project: str, runs: int = DEFAULT_FLAKY_RUNS, threshold: int = DEFAULT_FLIP_THRESHOLD
) -> FlakyReport:
    """`flaky`: pick the latest runs, then only tests that failed or were retried in them.

    Runs whose stored counters (failed_tests, flaky_tests, recomputed from the results whenever a
    run is written) show no failure or no retry are not searched for one.
    """
    window = q.latest_runs(store.engine, project, runs)
    engine = store.engine
    failing_runs = [run.pk for run in window if run.failed_tests]
    retry_runs = [run.pk for run in window if run.flaky_tests]
    candidates = q.tests_with_status(engine, failing_runs, BAD_CODES) | q.retried_tests(engine, retry_runs)
    outcomes = q.outcomes(engine, sorted(candidates), window)
    return build_flaky(window, outcomes, q.definitions_by_pk(engine, candidates), threshold)
