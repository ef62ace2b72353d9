"""Forensics: one test's history, flaky tests, failure clusters and a feature's timeline.

Definitions (the README may quote them):

- **good / bad / neutral**: a `passed` result is good, `failed` and `error` are bad; `skipped`,
  `xfailed` and `xpassed` are neutral: they neither start nor end a failing streak.
- **current failing streak**: when the latest non-neutral result is bad, the bad results back to
  the previous good one. **first bad run** = the earliest run of that streak; **last good run** =
  the run of the good result just before it. When the latest non-neutral result is good there is no
  streak: first bad is None and last good is that latest good run.
- **flaky** (over the latest N runs of the project): a test is flaky when it both passed and failed
  on one commit (`same_sha`), passed only after a retry in a run (`retry`), or flipped between good
  and bad more than `threshold` times (`flips`). Its **flake rate** = unstable results / results
  that counted (good or bad), where a result is unstable when it passed after a retry or its
  outcome differs from the test's previous counted outcome in the window.
- **failure cluster**: the failed and errored results that share one error fingerprint (identity.py);
  results without failure text form one cluster with fingerprint None. **first seen** = the earliest
  run of the project in which a failing result carried that fingerprint (all of history, not only the
  runs asked about).
- **timeline**: the feature's tests are those whose primary mapping names it. A run is good for the
  feature when at least one of its tests passed and none failed or errored, bad when any failed or
  errored, neutral otherwise; a day takes the verdict of its last non-neutral run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from ccdash_tests.errors import UserError
from ccdash_tests.identity import normalise_message
from ccdash_tests.models import BAD_CODES, DTO, Status, TestDefinitionDTO, utcnow
from ccdash_tests.runs import find_run
from ccdash_tests.store import Store
from ccdash_tests.store import forensics_queries as q
from ccdash_tests.store.forensics_queries import BadResult, HistoryRow, Outcome, RunRef
from ccdash_tests.text import first_line

DEFAULT_FLAKY_RUNS = 50
DEFAULT_FLIP_THRESHOLD = 2
MAX_CANDIDATES_SHOWN = 10
MESSAGE_LIMIT = 300

Verdict = bool | None  # True good, False bad, None neutral


def verdict(status: Status) -> Verdict:
    if status is Status.PASSED:
        return True
    if status.is_bad:
        return False
    return None


VERDICTS: dict[Status, Verdict] = {status: verdict(status) for status in Status}


# --- streaks ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Streak:
    """Indexes into a verdict sequence (oldest first) of the first bad and the last good entry."""

    first_bad: int | None
    last_good: int | None
    length: int


def current_streak(verdicts: Sequence[Verdict]) -> Streak:
    """The current failing streak of a verdict sequence, oldest first (see the module docstring)."""
    first_bad: int | None = None
    length = 0
    for index in range(len(verdicts) - 1, -1, -1):
        value = verdicts[index]
        if value is None:
            continue
        if value:
            return Streak(first_bad, index, length)
        first_bad = index
        length += 1
    return Streak(first_bad, None, length)


def message_line(text: str | None) -> str | None:
    """A failure's first line as forensics shows it: at most MESSAGE_LIMIT characters, None if blank."""
    return first_line(text)[:MESSAGE_LIMIT] or None


# --- test resolution --------------------------------------------------------------------------------


class UnknownTestError(UserError):
    """TEST matched no stored test."""


class AmbiguousTestError(UserError):
    """TEST matched several tests; the message lists candidates."""

    def __init__(self, text: str, candidates: Sequence[TestDefinitionDTO], more: bool) -> None:
        self.candidates = list(candidates)
        self.more = more or len(candidates) > MAX_CANDIDATES_SHOWN
        count = f"{len(candidates)}{'+' if more else ''}"
        super().__init__(
            f"{text!r} matches {count} tests; give a test_id or a longer name", self.candidate_lines()
        )

    def candidate_lines(self) -> list[str]:
        """One line per candidate (id and label), then `...` when there are more."""
        lines = [f"{c.test_id}  {c.label}" for c in self.candidates[:MAX_CANDIDATES_SHOWN]]
        return [*lines, "..."] if self.more else lines

    def report_lines(self) -> list[str]:
        first, *candidates = super().report_lines()
        return [f"{first}:", *candidates]


def pick_test(text: str, candidates: Sequence[TestDefinitionDTO], more: bool = False) -> TestDefinitionDTO:
    """One test from search candidates: an exact id, name or label wins; else the only candidate."""
    if not candidates:
        raise UnknownTestError(f"no stored test matches {text!r}")
    for exact in (
        [c for c in candidates if c.test_id == text],
        [c for c in candidates if text in (c.label, f"{c.classname}.{c.name}")],
        [c for c in candidates if c.name == text],
    ):
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            raise AmbiguousTestError(text, exact, False)
    if len(candidates) == 1 and not more:
        return candidates[0]
    raise AmbiguousTestError(text, candidates, more)


def resolve_test(store: Store, project: str, text: str) -> TestDefinitionDTO:
    """TEST as a test_id, a name, `class::name`, `class.name` or a substring that picks one test."""
    text = text.strip()
    if not text:
        raise UserError("TEST: must not be empty")
    limit = 50
    candidates = store.definitions.search(project, text, limit=limit + 1)
    if not candidates and "::" in text:
        candidates = store.definitions.search(project, text.replace("::", "."), limit=limit + 1)
    return pick_test(text, candidates[:limit], more=len(candidates) > limit)


# --- history ----------------------------------------------------------------------------------------

Mark = Literal["first_bad", "last_good"]


class RunResultDoc(DTO):
    """One row of `history`: the run's facts and the test's result in it."""

    run_id: str
    timestamp: datetime
    git_sha: str | None = None
    branch: str | None = None
    agent_session_id: str | None = None
    status: Status
    duration_ms: float | None = None
    attempts: int = 1
    flaky: bool = False
    error_fingerprint: str | None = None
    message: str | None = None
    mark: Mark | None = None


class HistoryReport(DTO):
    test: TestDefinitionDTO
    total_results: int
    status_counts: dict[Status, int]
    current_status: Status | None = None
    failing_streak: int = 0
    first_bad_run: RunResultDoc | None = None
    last_good_run: RunResultDoc | None = None
    runs: list[RunResultDoc] = Field(default_factory=list, description="newest first")


def history_doc(row: HistoryRow, mark: Mark | None = None) -> RunResultDoc:
    return RunResultDoc(
        run_id=row.run.run_id,
        timestamp=row.run.timestamp,
        git_sha=row.run.git_sha,
        branch=row.run.branch,
        agent_session_id=row.run.session,
        status=row.status,
        duration_ms=None if row.duration_us is None else row.duration_us / 1000,
        attempts=row.attempts,
        flaky=row.flaky,
        error_fingerprint=row.fingerprint,
        message=message_line(row.message or row.details),
        mark=mark,
    )


def latest(items: Sequence[tuple[int, Status]], count: int) -> Sequence[tuple[int, Status]]:
    """The last `count` items (none for a count of 0, where a plain [-0:] slice would give all)."""
    return items[max(0, len(items) - count) :]


def history_window(sequence: Sequence[tuple[int, Status]], limit: int) -> tuple[list[int], Streak]:
    """Run keys to read in full (the latest `limit` and the streak's two marks) and the streak."""
    streak = current_streak([VERDICTS[status] for _, status in sequence])
    keys = [run_pk for run_pk, _ in latest(sequence, limit)]
    for index in (streak.first_bad, streak.last_good):
        if index is not None:
            keys.append(sequence[index][0])
    return keys, streak


def build_history(
    test: TestDefinitionDTO,
    sequence: Sequence[tuple[int, Status]],
    rows: Mapping[int, HistoryRow],
    limit: int,
) -> HistoryReport:
    """Pure: the history document from the status sequence (oldest first) and the rows read in full."""
    _, streak = history_window(sequence, limit)
    marks: dict[int, Mark] = {}
    first_bad = last_good = None
    if streak.first_bad is not None:
        key = sequence[streak.first_bad][0]
        marks[key] = "first_bad"
        first_bad = history_doc(rows[key], "first_bad")
    if streak.last_good is not None:
        key = sequence[streak.last_good][0]
        marks[key] = "last_good"
        last_good = history_doc(rows[key], "last_good")
    counts = {status: 0 for status in Status}
    for _, status in sequence:
        counts[status] += 1
    recent = [run_pk for run_pk, _ in latest(sequence, limit)]
    return HistoryReport(
        test=test,
        total_results=len(sequence),
        status_counts=counts,
        current_status=sequence[-1][1] if sequence else None,
        failing_streak=streak.length,
        first_bad_run=first_bad,
        last_good_run=last_good,
        runs=[history_doc(rows[key], marks.get(key)) for key in reversed(recent)],
    )


def history_report(store: Store, project: str, text: str, limit: int = 20) -> HistoryReport:
    """`history TEST`: find the test, read its status sequence, then only the rows shown."""
    test = resolve_test(store, project, text)
    test_pk = q.definition_pk(store.engine, project, test.test_id)
    assert test_pk is not None
    sequence = q.status_sequence(store.engine, test_pk)
    keys, _ = history_window(sequence, limit)
    rows = q.history_rows(store.engine, test_pk, keys)
    return build_history(test, sequence, rows, limit)


# --- flaky ------------------------------------------------------------------------------------------

FlakyReason = Literal["same_sha", "retry", "flips"]


class RunRefDoc(DTO):
    run_id: str
    timestamp: datetime
    git_sha: str | None = None


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


def run_ref_doc(run: RunRef) -> RunRefDoc:
    return RunRefDoc(run_id=run.run_id, timestamp=run.timestamp, git_sha=run.git_sha)


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


# --- failure clusters -------------------------------------------------------------------------------


class ClusterTest(DTO):
    test_id: str
    name: str
    classname: str


class FailureCluster(DTO):
    fingerprint: str | None
    count: int
    test_count: int
    run_count: int
    error_type: str | None = None
    message: str | None = None
    normalised: str | None = None
    first_seen: RunRefDoc | None = None
    last_seen: RunRefDoc | None = None
    tests: list[ClusterTest] = Field(default_factory=list)


class FailuresReport(DTO):
    scope: Literal["run", "all", "since"]
    run: RunRefDoc | None = None
    since: datetime | None = None
    runs: int
    failing_results: int
    clusters: list[FailureCluster] = Field(default_factory=list)


@dataclass
class ClusterDraft:
    """A cluster before names and messages are read: keys only, in first-appearance order."""

    fingerprint: str | None
    count: int
    test_pks: list[int]
    run_pks: list[int]
    error_pk: int | None


def cluster_failures(results: Iterable[BadResult]) -> list[ClusterDraft]:
    """Pure: group failing results by fingerprint; biggest clusters first, then by fingerprint."""
    drafts: dict[str | None, ClusterDraft] = {}
    for result in results:
        draft = drafts.get(result.fingerprint)
        if draft is None:
            draft = drafts[result.fingerprint] = ClusterDraft(result.fingerprint, 0, [], [], None)
        draft.count += 1
        draft.test_pks.append(result.test_pk)
        draft.run_pks.append(result.run_pk)
        if result.error_pk is not None and (draft.error_pk is None or result.error_pk < draft.error_pk):
            draft.error_pk = result.error_pk
    for draft in drafts.values():
        draft.test_pks = list(dict.fromkeys(draft.test_pks))
        draft.run_pks = list(dict.fromkeys(draft.run_pks))
    return sorted(drafts.values(), key=lambda d: (-d.count, -len(d.test_pks), d.fingerprint or "~"))


def build_failures(
    drafts: Sequence[ClusterDraft],
    runs: Sequence[RunRef],
    definitions: Mapping[int, TestDefinitionDTO],
    errors: Mapping[int, q.ErrorInfo],
    seen: Mapping[str, tuple[datetime, str]],
) -> list[FailureCluster]:
    """Pure: clusters with their tests, message and first/last seen runs."""
    run_by_pk = {run.pk: run for run in runs}
    order = {run.pk: index for index, run in enumerate(runs)}
    clusters = []
    for draft in drafts:
        info = errors.get(draft.error_pk) if draft.error_pk is not None else None
        text = (info.message or info.details) if info else None
        first = seen.get(draft.fingerprint) if draft.fingerprint else None
        last = max(draft.run_pks, key=lambda pk: order[pk])
        tests = sorted((definitions[pk] for pk in draft.test_pks), key=lambda d: (d.classname, d.name))
        clusters.append(
            FailureCluster(
                fingerprint=draft.fingerprint,
                count=draft.count,
                test_count=len(draft.test_pks),
                run_count=len(draft.run_pks),
                error_type=info.error_type if info else None,
                message=message_line(text),
                normalised=normalise_message(text) if text else None,
                first_seen=RunRefDoc(run_id=first[1], timestamp=first[0]) if first else None,
                last_seen=run_ref_doc(run_by_pk[last]),
                tests=[ClusterTest(test_id=d.test_id, name=d.name, classname=d.classname) for d in tests],
            )
        )
    return clusters


def failure_clusters(
    store: Store,
    project: str,
    run_id: str | None = None,
    all_runs: bool = False,
    since: datetime | None = None,
) -> FailuresReport:
    """`failures`: the latest run (or RUN, or every run since a time) grouped by fingerprint."""
    engine = store.engine
    run: RunRef | None = None
    if all_runs or since is not None:
        if run_id is not None:
            raise UserError("--run cannot be combined with --all or --since")
        runs = q.runs_since(engine, project, since)
    else:
        run = _pick_run(store, project, run_id)
        runs = [run]
    bad = q.bad_results(engine, [r.pk for r in runs if r.failed_tests])
    drafts = cluster_failures(bad)
    definitions = q.definitions_by_pk(engine, (pk for d in drafts for pk in d.test_pks))
    errors = q.error_infos(engine, (d.error_pk for d in drafts if d.error_pk is not None))
    seen = q.first_seen(engine, project, [d.fingerprint for d in drafts if d.fingerprint])
    scope: Literal["run", "all", "since"] = "run" if run else ("since" if since else "all")
    return FailuresReport(
        scope=scope,
        run=run_ref_doc(run) if run else None,
        since=since,
        runs=len(runs),
        failing_results=len(bad),
        clusters=build_failures(drafts, runs, definitions, errors, seen),
    )


def _pick_run(store: Store, project: str, run_id: str | None) -> RunRef:
    """RUN as a run id or a unique prefix of one (runs.find_run); the latest run when not given."""
    found = find_run(store, project, run_id)
    ref = q.run_by_id(store.engine, project, found.run_id)
    assert ref is not None  # found just now, in the same store
    return ref


# --- feature timeline -------------------------------------------------------------------------------


class TimelineBucket(DTO):
    """One run, or one day, of a feature's tests."""

    key: str
    start: datetime
    runs: int
    verdict: Literal["good", "bad", "neutral"]
    bad_runs: int = 0
    status_counts: dict[Status, int]
    failing_tests: list[str] = Field(default_factory=list)
    marks: list[Mark] = Field(default_factory=list)


class FeatureTimeline(DTO):
    feature: str
    by: Literal["run", "day"]
    days: int
    since: datetime
    tests: int
    runs: int
    first_bad_run: RunRefDoc | None = None
    last_good_run: RunRefDoc | None = None
    failing_streak: int = 0
    buckets: list[TimelineBucket] = Field(default_factory=list, description="oldest first")


def run_verdict(counts: Mapping[Status, int]) -> Verdict:
    if counts.get(Status.FAILED, 0) or counts.get(Status.ERROR, 0):
        return False
    return True if counts.get(Status.PASSED, 0) else None


def _verdict_name(value: Verdict) -> Literal["good", "bad", "neutral"]:
    return "neutral" if value is None else ("good" if value else "bad")


def build_timeline(
    feature: str,
    by: Literal["run", "day"],
    days: int,
    since: datetime,
    tests: Mapping[int, TestDefinitionDTO],
    runs: Sequence[RunRef],
    counts: Mapping[int, Mapping[Status, int]],
    failing: Iterable[tuple[int, int]],
) -> FeatureTimeline:
    """Pure: per-run or per-day buckets of the feature's results, with first bad and last good runs."""
    active = [run for run in runs if run.pk in counts]
    verdicts = [run_verdict(counts[run.pk]) for run in active]
    streak = current_streak(verdicts)
    failing_by_run: dict[int, list[int]] = {}
    for test_pk, run_pk in failing:
        failing_by_run.setdefault(run_pk, []).append(test_pk)
    marks: dict[int, Mark] = {}
    if streak.first_bad is not None:
        marks[active[streak.first_bad].pk] = "first_bad"
    if streak.last_good is not None:
        marks[active[streak.last_good].pk] = "last_good"
    groups: dict[str, list[int]] = {}
    for index, run in enumerate(active):
        key = run.run_id if by == "run" else run.timestamp.date().isoformat()
        groups.setdefault(key, []).append(index)
    buckets = []
    for key, indexes in groups.items():
        total = {status: 0 for status in Status}
        failing_pks: dict[int, None] = {}
        for index in indexes:
            for status, count in counts[active[index].pk].items():
                total[status] += count
            failing_pks.update(dict.fromkeys(failing_by_run.get(active[index].pk, [])))
        decided = [verdicts[i] for i in indexes if verdicts[i] is not None]
        buckets.append(
            TimelineBucket(
                key=key,
                start=active[indexes[0]].timestamp,
                runs=len(indexes),
                verdict=_verdict_name(decided[-1] if decided else None),
                bad_runs=sum(1 for value in decided if value is False),
                status_counts=total,
                failing_tests=sorted(tests[pk].label for pk in failing_pks),
                marks=[marks[active[i].pk] for i in indexes if active[i].pk in marks],
            )
        )
    return FeatureTimeline(
        feature=feature,
        by=by,
        days=days,
        since=since,
        tests=len(tests),
        runs=len(active),
        first_bad_run=run_ref_doc(active[streak.first_bad]) if streak.first_bad is not None else None,
        last_good_run=run_ref_doc(active[streak.last_good]) if streak.last_good is not None else None,
        failing_streak=streak.length,
        buckets=buckets,
    )


def feature_timeline(
    store: Store,
    project: str,
    feature: str,
    days: int = 90,
    by: Literal["run", "day"] = "day",
    now: datetime | None = None,
) -> FeatureTimeline:
    """`timeline --feature X`: the feature's tests over the runs of the last `days` days."""
    engine = store.engine
    test_pks = q.feature_test_pks(engine, project, feature)
    if not test_pks:
        raise UserError(f"no test has feature {feature!r} as its primary mapping in project {project!r}")
    since = (now or utcnow()) - timedelta(days=days)
    runs = q.runs_since(engine, project, since)
    tests = q.definitions_by_pk(engine, test_pks)
    counts = q.status_counts_by_run(engine, test_pks, runs)
    failing = q.bad_pairs(engine, test_pks, runs)
    return build_timeline(feature, by, days, since, tests, runs, counts, failing)
