"""`timeline`: a feature's tests day by day or run by run, with its first bad and last good runs."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Literal

from pydantic import Field

from ccdash_tests.errors import UserError
from ccdash_tests.forensics.common import Mark, RunRefDoc, Verdict, current_streak
from ccdash_tests.models import BAD_CODES, DTO, Status, TestDefinitionDTO, utcnow
from ccdash_tests.store import Store
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.queries import forensics as q
from ccdash_tests.store.queries.forensics import RunName, RunStamp


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


def _verdict_name(value: Verdict) -> Literal["good", "bad", "neutral"]:
    return "neutral" if value is None else ("good" if value else "bad")


def _run_verdict(results: int, unpassed: Mapping[int, int] | None, bad: bool) -> Verdict:
    """A run where `results` of the feature's tests ran, `unpassed` of them not passing: bad when one
    failed or errored, good when one passed, else neutral (the package docstring's rule)."""
    if bad:
        return False
    return True if results > (sum(unpassed.values()) if unpassed else 0) else None


def _day(stamp: str) -> str:
    """The UTC day of a stored run time (rows.db_time writes UTC: its first ten characters)."""
    return stamp[:10] if stamp.endswith("+00:00") else datetime.fromisoformat(stamp).date().isoformat()


Names = Callable[[Sequence[int]], Mapping[int, RunName]]


@dataclass(frozen=True, slots=True)
class Counts:
    """Per run key: how many of the feature's tests have a result there, how many of those did not
    pass by status code, and which tests failed or errored."""

    present: Mapping[int, int]
    odd: Mapping[int, Mapping[int, int]]
    failing: Mapping[int, Sequence[int]]


def tally(present: Mapping[int, int], unpassed: Iterable[tuple[int, int, int]]) -> Counts:
    """Counts from the runs' result counts and the (test, run, status code) rows that did not pass;
    rows of runs outside `present` are left out."""
    odd: dict[int, dict[int, int]] = {}
    failing: dict[int, list[int]] = {}
    for test_pk, run_pk, code in unpassed:
        if run_pk not in present:
            continue
        per_run = odd.get(run_pk)
        if per_run is None:
            per_run = odd[run_pk] = {}
        per_run[code] = per_run.get(code, 0) + 1
        if code in BAD_CODES:
            failing.setdefault(run_pk, []).append(test_pk)
    return Counts(present, odd, failing)


@dataclass(slots=True)
class _Bucket:
    """One bucket while its runs are added, oldest first."""

    start: str
    runs: int = 0
    results: int = 0
    verdict: Verdict = None
    bad_runs: int = 0
    odd: dict[int, int] = field(default_factory=dict)
    failing: dict[int, None] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)

    def add(self, pk: int, counts: Counts, verdict: Verdict, mark: Mark | None) -> None:
        self.runs += 1
        self.results += counts.present[pk]
        for code, count in counts.odd.get(pk, {}).items():
            self.odd[code] = self.odd.get(code, 0) + count
        if verdict is not None:  # a day takes the verdict of its last run that had one
            self.verdict = verdict
            self.bad_runs += verdict is False
        self.failing.update(dict.fromkeys(counts.failing.get(pk, ())))
        if mark is not None:
            self.marks.append(mark)

    def done(self, key: str, labels: Mapping[int, str]) -> TimelineBucket:
        totals = {status: self.odd.get(status.code, 0) for status in Status}
        totals[Status.PASSED] = self.results - sum(self.odd.values())
        return TimelineBucket(
            key=key,
            start=datetime.fromisoformat(self.start),
            runs=self.runs,
            verdict=_verdict_name(self.verdict),
            bad_runs=self.bad_runs,
            status_counts=totals,
            failing_tests=sorted(labels[pk] for pk in self.failing),
            marks=self.marks,
        )


def build_timeline(
    feature: str,
    by: Literal["run", "day"],
    days: int,
    since: datetime,
    tests: Mapping[int, TestDefinitionDTO],
    runs: Sequence[RunStamp],
    counts: Counts,
    names: Names,
) -> FeatureTimeline:
    """Per-run or per-day buckets of the feature's results, with first bad and last good runs.

    Pure but for `names`, asked once for the run ids and commits it shows: every run's (by run), only
    the first bad and the last good run's (by day). Runs where none of the feature's tests has a result
    are left out; passes are the difference of the results and those that did not pass.
    """
    present, odd, failing = counts.present, counts.odd, counts.failing
    active = [run for run in runs if run.pk in present]
    verdicts = [_run_verdict(present[run.pk], odd.get(run.pk), run.pk in failing) for run in active]
    streak = current_streak(verdicts)
    marks: dict[int, Mark] = {}
    if streak.first_bad is not None:
        marks[active[streak.first_bad].pk] = "first_bad"
    if streak.last_good is not None:
        marks[active[streak.last_good].pk] = "last_good"
    named = names([run.pk for run in active] if by == "run" else list(marks))
    labels = {pk: test.label for pk, test in tests.items()}  # a property: computed once, not per day
    buckets: dict[str, _Bucket] = {}
    for run, verdict in zip(active, verdicts, strict=True):
        key = named[run.pk].run_id if by == "run" else _day(run.stamp)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket(run.stamp)
        bucket.add(run.pk, counts, verdict, marks.get(run.pk))

    def ref(index: int | None) -> RunRefDoc | None:
        if index is None:
            return None
        run = active[index]
        run_id, sha = named[run.pk]
        return RunRefDoc(run_id=run_id, timestamp=datetime.fromisoformat(run.stamp), git_sha=sha)

    return FeatureTimeline(
        feature=feature,
        by=by,
        days=days,
        since=since,
        tests=len(tests),
        runs=len(active),
        first_bad_run=ref(streak.first_bad),
        last_good_run=ref(streak.last_good),
        failing_streak=streak.length,
        buckets=[bucket.done(key, labels) for key, bucket in buckets.items()],
    )


def feature_present(
    engine: Engine, project: str, test_pks: Sequence[int], runs: Sequence[RunStamp], *, by_spans: bool = True
) -> dict[int, int]:
    """Per run key, how many of these tests have a result in it.

    A test with a result in every run of its span (first to last) is counted from the span alone
    (query result_spans); only a test with gaps has its run keys read. The spans hold when the
    project's runs keyed between the first and the last asked run are exactly the asked runs (runs
    stored out of time order break that: then every result's run key is read, as `by_spans=False`
    always does).
    """
    if not runs or not test_pks:
        return {}
    order = sorted(run.pk for run in runs)
    low, high = order[0], order[-1]
    if not by_spans or q.project_runs_between(engine, project, low, high) != len(order):
        wanted = set(order)
        return {pk: n for pk, n in q.results_per_run(engine, test_pks, low, high).items() if pk in wanted}
    steps = [0] * (len(order) + 1)
    gaps: dict[int, int] = {}
    for test_pk, span in q.result_spans(engine, test_pks, low, high).items():
        first, last = bisect_left(order, span.first_run), bisect_right(order, span.last_run)
        if span.results == last - first:
            steps[first] += 1
            steps[last] -= 1
        else:
            for run_pk in q.result_run_pks(engine, test_pk, low, high):
                gaps[run_pk] = gaps.get(run_pk, 0) + 1
    counted = zip(order, accumulate(steps), strict=False)
    present = {pk: n for pk, n in counted if n}
    for run_pk, n in gaps.items():
        present[run_pk] = present.get(run_pk, 0) + n
    return present


def feature_timeline(
    store: Store,
    project: str,
    feature: str,
    days: int = 90,
    by: Literal["run", "day"] = "day",
    now: datetime | None = None,
    *,
    by_spans: bool = True,
) -> FeatureTimeline:
    """`timeline --feature X`: the feature's tests over the runs of the last `days` days.

    Reads the runs, each test's span of them and the results that did not pass; `by_spans=False`
    reads every result's run key instead (the same answer; the tests compare the two).
    """
    engine = store.engine
    test_pks = q.feature_test_pks(engine, project, feature)
    if not test_pks:
        raise UserError(f"no test has feature {feature!r} as its primary mapping in project {project!r}")
    since = (now or utcnow()) - timedelta(days=days)
    runs = q.run_stamps_since(engine, project, since)
    tests = q.definitions_by_pk(engine, test_pks)
    present = feature_present(engine, project, test_pks, runs, by_spans=by_spans)
    unpassed = q.unpassed_results(engine, test_pks, min(present), max(present)) if present else []
    counts = tally(present, unpassed)
    return build_timeline(feature, by, days, since, tests, runs, counts, lambda pks: q.run_names(engine, pks))
