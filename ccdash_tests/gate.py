"""The pipeline gate: explicit pass/fail rules over plain inputs, and the reads behind them.

Rules (each one only when asked for; the gate passes when every rule asked for passes):

- **max-new-failures N**: a *new failure* is a test that failed or errored in the gated run and did not
  fail or error in the base run (it passed there, was skipped, or did not run). The base run is the
  latest run on the base branch that comes before the gated run in run order (timestamp, then key),
  unless one is named. With no base run every failure of the gated run counts as new, so a branch
  cannot pass the gate merely because its base has no history. Fails when there are more than N.
- **fail-under RATE**: the features of `health` (the same computation, over each test's latest
  result in the project); fails for every feature whose pass rate is below RATE or that has no
  passed or failed result, exactly as `health --fail-under` does.
- **fail-on-integrity SEVERITY**: open integrity signals of that severity or higher, exactly as
  `integrity --fail-on` does: suspicious ones (likely deliberate ones too with `include_deliberate`);
  a signal a later commit on the branch resolved no longer counts.
- **no-flaky-new**: a test that passed only after a retry in the gated run (its `flaky` flag) and
  never did so in any earlier run of the project. Fails when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ccdash_tests.health.report import all_feature_health
from ccdash_tests.integrity.service import SEVERITY_RANK, gate_failures, select_signals
from ccdash_tests.models import (
    BAD_STATUSES,
    FeatureTestHealthDTO,
    SignalSeverity,
    SignalState,
    Status,
    TestIntegritySignalDTO,
    TestRunDTO,
)
from ccdash_tests.store import Store
from ccdash_tests.store.queries import forensics as fq
from ccdash_tests.store.queries import gate as gq
from ccdash_tests.text import first_line, format_rate, one_line, plural, signal_place

NEW_FAILURES = "max-new-failures"
FEATURES = "fail-under"
INTEGRITY = "fail-on-integrity"
FLAKY_NEW = "no-flaky-new"
MESSAGE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Finding:
    """One test, feature or signal that made a rule fail, with the reason in a few words."""

    id: str
    label: str
    detail: str

    def to_json_dict(self) -> dict[str, str]:
        return {"id": self.id, "label": self.label, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class RuleResult:
    """A rule's verdict: `findings` are what failed it (worst first), `summary` one line of why."""

    rule: str
    threshold: str
    passed: bool
    summary: str
    findings: tuple[Finding, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "threshold": self.threshold,
            "passed": self.passed,
            "summary": self.summary,
            "count": len(self.findings),
            "findings": [finding.to_json_dict() for finding in self.findings],
        }


@dataclass(frozen=True)
class GateReport:
    project: str
    run: TestRunDTO
    base_run: TestRunDTO | None
    rules: list[RuleResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(rule.passed for rule in self.rules)

    @property
    def failed_rules(self) -> list[RuleResult]:
        return [rule for rule in self.rules if not rule.passed]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "run_id": self.run.run_id,
            "base_run_id": self.base_run.run_id if self.base_run else None,
            "passed": self.passed,
            "failed_rules": [rule.rule for rule in self.failed_rules],
            "rules": [rule.to_json_dict() for rule in self.rules],
        }


@dataclass(frozen=True, slots=True)
class FailingTest:
    """A failed or errored result of the gated run."""

    test_id: str
    label: str
    status: Status
    message: str = ""


@dataclass(frozen=True, slots=True)
class RetriedTest:
    """A test that passed only after a retry in the gated run."""

    test_id: str
    label: str
    attempts: int = 1


# --- pure rules -------------------------------------------------------------------------------------


def new_failures_rule(
    failing: Sequence[FailingTest],
    base_failing: set[str] | None,
    limit: int,
    base_label: str,
) -> RuleResult:
    """`base_failing` holds the test ids that failed or errored in the base run; None: no base run."""
    new = [test for test in failing if base_failing is None or test.test_id not in base_failing]
    new.sort(key=lambda t: (t.status.rank, t.label, t.test_id))
    passed = len(new) <= limit
    against = f"not failing in {base_label}" if base_failing is not None else f"no {base_label}: all count"
    summary = f"{plural(len(new), 'new failure')} ({against}), at most {limit:,} allowed"
    findings = tuple(
        Finding(t.test_id, t.label, f"{t.status.value}: {t.message}" if t.message else t.status.value)
        for t in new
    )
    return RuleResult(NEW_FAILURES, str(limit), passed, summary, findings)


def features_rule(features: Sequence[FeatureTestHealthDTO], fail_under: float) -> RuleResult:
    """Features below `fail_under`, lowest pass rate first (no counted result counts as lowest)."""
    below = [row for row in features if row.pass_rate is None or row.pass_rate < fail_under]
    below.sort(
        key=lambda row: (
            -1.0 if row.pass_rate is None else row.pass_rate,
            row.label,
        )
    )
    summary = (
        f"{len(below):,} of {plural(len(features), 'feature')} below {format_rate(fail_under)}"
        if features
        else "no mapped features"
    )
    findings = tuple(
        Finding(
            row.label,
            row.label,
            f"pass rate {format_rate(row.pass_rate)} ({row.passed} passed, {row.failed} failed)"
            if row.pass_rate is not None
            else "no passed or failed result",
        )
        for row in below
    )
    return RuleResult(FEATURES, f"{fail_under:g}", not below, summary, findings)


def integrity_rule(
    signals: Iterable[TestIntegritySignalDTO], fail_on: SignalSeverity, include_deliberate: bool = False
) -> RuleResult:
    """Open (suspicious, unless `include_deliberate`) signals at or above `fail_on`, most severe and
    newest first."""
    failing = gate_failures(signals, fail_on, include_deliberate)
    failing.sort(
        key=lambda s: (-SEVERITY_RANK[s.severity], -(s.created_at.timestamp() if s.created_at else 0))
    )
    which = "open signal" if include_deliberate else "open suspicious signal"
    summary = f"{plural(len(failing), which)} of severity {fail_on.value} or higher"
    findings = tuple(
        Finding(
            s.signal_id,
            signal_place(s.file_path, s.test_name),
            f"{s.severity.value} {s.signal_type} in {s.git_sha[:10]} ({s.verdict.value})",
        )
        for s in failing
    )
    return RuleResult(INTEGRITY, fail_on.value, not failing, summary, findings)


def flaky_new_rule(retried: Sequence[RetriedTest], flaky_before: set[str]) -> RuleResult:
    """Tests retried into a pass in this run that were never retried into a pass before."""
    new = sorted((t for t in retried if t.test_id not in flaky_before), key=lambda t: (t.label, t.test_id))
    summary = (
        f"{plural(len(new), 'newly flaky test')} ({len(retried):,} flaky in this run, "
        f"{len(retried) - len(new):,} flaky before)"
    )
    findings = tuple(Finding(t.test_id, t.label, f"passed after {t.attempts} attempts") for t in new)
    return RuleResult(FLAKY_NEW, "on", not new, summary, findings)


# --- store reads ------------------------------------------------------------------------------------


def base_run_before(store: Store, project: str, run: TestRunDTO, branch: str) -> TestRunDTO | None:
    """The latest run on `branch` that comes before `run` in run order (timestamp, then key)."""
    return gq.base_run_before(store.engine, project, run, branch)


def failing_tests(store: Store, run: TestRunDTO) -> list[FailingTest]:
    bad = store.results.by_run(run.project_id, run.run_id, statuses=BAD_STATUSES)
    return [
        FailingTest(
            r.test_id,
            r.label,
            r.status,
            one_line(first_line(r.error_message or r.error_details), MESSAGE_LIMIT),
        )
        for r in bad
    ]


def retried_tests(store: Store, run: TestRunDTO) -> tuple[list[RetriedTest], set[str]]:
    """The tests retried into a pass in `run`, and those of them that were retried so before `run`."""
    ref = fq.run_by_id(store.engine, run.project_id, run.run_id)
    if ref is None or not ref.flaky_tests:
        return [], set()
    pks = sorted(fq.retried_tests(store.engine, [ref.pk]))
    definitions = fq.definitions_by_pk(store.engine, pks)
    attempts = {o.test_pk: o.attempts for o in fq.outcomes(store.engine, pks, [ref])}
    retried = [RetriedTest(d.test_id, d.label, attempts.get(pk, 1)) for pk, d in definitions.items()]
    before = {definitions[pk].test_id for pk in gq.flaky_before(store.engine, pks, ref)}
    return retried, before


@dataclass(frozen=True, slots=True)
class GateOptions:
    """The rules asked for; None (or False) leaves a rule out."""

    max_new_failures: int | None = None
    base_branch: str = "main"
    base_run: TestRunDTO | None = None
    fail_under: float | None = None
    fail_on_integrity: SignalSeverity | None = None
    include_deliberate: bool = False
    no_flaky_new: bool = False


def run_gate(store: Store, project: str, run: TestRunDTO, options: GateOptions) -> GateReport:
    """Read what the rules asked for need, then evaluate them in a fixed order."""
    rules: list[RuleResult] = []
    base: TestRunDTO | None = None
    if options.max_new_failures is not None:
        base = options.base_run or base_run_before(store, project, run, options.base_branch)
        label = f"base run {base.run_id}" if base else f"earlier run on branch {options.base_branch!r}"
        base_failing = {t.test_id for t in failing_tests(store, base)} if base else None
        rules.append(
            new_failures_rule(failing_tests(store, run), base_failing, options.max_new_failures, label)
        )
    if options.fail_under is not None:
        rules.append(features_rule(all_feature_health(store.engine, project), options.fail_under))
    if options.fail_on_integrity is not None:
        signals = select_signals(store, project, state=SignalState.OPEN)
        rules.append(integrity_rule(signals, options.fail_on_integrity, options.include_deliberate))
    if options.no_flaky_new:
        rules.append(flaky_new_rule(*retried_tests(store, run)))
    return GateReport(project, run, base, rules)
