"""`timeline`: a feature's tests day by day or run by run, with its first bad and last good runs."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Literal

from pydantic import Field

from ccdash_tests.errors import UserError
from ccdash_tests.forensics.common import Mark, RunRefDoc, Verdict, current_streak
from ccdash_tests.models import DTO, Status, TestDefinitionDTO, utcnow
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


def _run_verdict(results: int, unpassed: Mapping[Status, int] | None, bad: bool) -> Verdict:
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
    """Per run key: the feature's results, those that did not pass by status, the failing tests."""

    present: Mapping[int, int]
    odd: Mapping[int, Mapping[Status, int]]
    failing: Mapping[int, Sequence[int]]


def tally(present: Mapping[int, int], unpassed: Iterable[tuple[int, int, Status]]) -> Counts:
    odd: dict[int, dict[Status, int]] = {}
    failing: dict[int, list[int]] = {}
    for test_pk, run_pk, status in unpassed:
        per_run = odd.setdefault(run_pk, {})
        per_run[status] = per_run.get(status, 0) + 1
        if status.is_bad:
            failing.setdefault(run_pk, []).append(test_pk)
    return Counts(present, odd, failing)


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
    active = [run for run in runs if present.get(run.pk)]
    verdicts = [_run_verdict(present[run.pk], odd.get(run.pk), run.pk in failing) for run in active]
    streak = current_streak(verdicts)
    marks: dict[int, Mark] = {}
    if streak.first_bad is not None:
        marks[active[streak.first_bad].pk] = "first_bad"
    if streak.last_good is not None:
        marks[active[streak.last_good].pk] = "last_good"
    named = names([run.pk for run in active] if by == "run" else list(marks))
    groups: dict[str, list[int]] = {}
    for index, run in enumerate(active):
        groups.setdefault(named[run.pk].run_id if by == "run" else _day(run.stamp), []).append(index)
    buckets = [
        _bucket(key, [active[i] for i in indexes], [verdicts[i] for i in indexes], counts, tests, marks)
        for key, indexes in groups.items()
    ]

    def ref(index: int | None) -> RunRefDoc | None:
        if index is None:
            return None
        run = active[index]
        name = named[run.pk]
        return RunRefDoc(
            run_id=name.run_id, timestamp=datetime.fromisoformat(run.stamp), git_sha=name.git_sha
        )

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
        buckets=buckets,
    )


def _bucket(
    key: str,
    runs: Sequence[RunStamp],
    verdicts: Sequence[Verdict],
    counts: Counts,
    tests: Mapping[int, TestDefinitionDTO],
    marks: Mapping[int, Mark],
) -> TimelineBucket:
    """One bucket's counts and verdict (a day takes the verdict of its last run that had one)."""
    total = {status: 0 for status in Status}
    total[Status.PASSED] = sum(counts.present[run.pk] for run in runs)
    for run in runs:
        for status, count in counts.odd.get(run.pk, {}).items():
            total[status] += count
            total[Status.PASSED] -= count
    failing = dict.fromkeys(pk for run in runs for pk in counts.failing.get(run.pk, ()))
    decided = [value for value in verdicts if value is not None]
    return TimelineBucket(
        key=key,
        start=datetime.fromisoformat(runs[0].stamp),
        runs=len(runs),
        verdict=_verdict_name(decided[-1] if decided else None),
        bad_runs=sum(1 for value in decided if value is False),
        status_counts=total,
        failing_tests=sorted(tests[pk].label for pk in failing),
        marks=[marks[run.pk] for run in runs if run.pk in marks],
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
    unpassed: list[tuple[int, int, Status]] = []
    if present:
        wanted = set(present)
        low, high = min(wanted), max(wanted)
        unpassed = [row for row in q.unpassed_results(engine, test_pks, low, high) if row[1] in wanted]
    counts = tally(present, unpassed)
    return build_timeline(feature, by, days, since, tests, runs, counts, lambda pks: q.run_names(engine, pks))
