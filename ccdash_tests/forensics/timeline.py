"""`timeline`: a feature's tests day by day or run by run, with its first bad and last good runs."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate, groupby, pairwise, repeat
from operator import itemgetter, methodcaller
from typing import Literal

from pydantic import Field

from ccdash_tests.errors import UserError
from ccdash_tests.forensics.common import Mark, RunRefDoc, Streak, Verdict, current_streak
from ccdash_tests.models import BAD_CODES, DTO, Status, TestDefinitionDTO, utcnow
from ccdash_tests.store import Store
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.features import COUNTED
from ccdash_tests.store.queries import forensics as q
from ccdash_tests.store.queries.forensics import RunName
from ccdash_tests.store.rows import db_time


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


def _day(stamp: str) -> str:
    """The UTC day of a stored run time (rows.db_time writes UTC: its first ten characters)."""
    return stamp[:10] if stamp.endswith("+00:00") else datetime.fromisoformat(stamp).date().isoformat()


_CODES = [(status, status.code) for status in Status]  # `code` is a property: looked up once
Names = Callable[[Sequence[int]], Mapping[int, RunName]]


@dataclass(frozen=True, slots=True)
class Counts:
    """Per run key: how many of the feature's tests have a result in it, how many of those did not
    pass, which tests failed or errored, and per status code that is not a pass, how many results
    had it (code -> run key -> results). `columns`, when set, holds the last two as lists in the order
    of `order` (the runs' keys), which is how the kept counts arrive: no dictionary is built for them."""

    present: Mapping[int, int]
    unpassed: Mapping[int, int]
    failing: Mapping[int, Sequence[int]]
    codes: Mapping[int, Mapping[int, int]]
    order: Sequence[int] = ()
    columns: Mapping[int, Sequence[int]] | None = None  # status code -> results, then -1 -> unpassed

    def in_order(self, pks: Sequence[int]) -> tuple[list[int], dict[int, list[int]]]:
        """The unpassed results of each of these runs, and per status code its results, as lists."""
        if self.columns is None:
            by_code = {code: list(map(per_run.get, pks, repeat(0))) for code, per_run in self.codes.items()}
            return list(map(self.unpassed.get, pks, repeat(0))), by_code
        if pks == self.order:
            lists = {code: list(column) for code, column in self.columns.items()}
        else:  # other runs, or in another order: each column by run key
            lists = {
                code: list(map(dict(zip(self.order, column, strict=True)).get, pks, repeat(0)))
                for code, column in self.columns.items()
            }
        return lists.pop(UNPASSED), lists


UNPASSED = -1  # the key of the unpassed column in Counts.columns (status codes are 0 and up)


def _failing_by_run(pairs: Iterable[tuple[int, int]], runs: Container[int]) -> dict[int, list[int]]:
    """Run key -> the tests that failed or errored there, of the (test, run) pairs whose run is in `runs`."""
    by_run = groupby(sorted(pairs, key=itemgetter(1)), itemgetter(1))
    return {run_pk: [test_pk for test_pk, _ in group] for run_pk, group in by_run if run_pk in runs}


def tally(present: Mapping[int, int], unpassed: Iterable[tuple[int, int, int]]) -> Counts:
    """Counts from the runs' result counts and the (test, run, status code) rows that did not pass;
    rows of runs outside `present` are left out (what the counts kept at write time are checked by)."""
    rows = [row for row in unpassed if row[1] in present]
    codes: dict[int, Counter[int]] = {}
    for _, run_pk, code in rows:
        codes.setdefault(code, Counter())[run_pk] += 1
    failing = _failing_by_run(
        ((test_pk, run_pk) for test_pk, run_pk, code in rows if code in BAD_CODES), present
    )
    unpassed_runs = Counter(run_pk for _, run_pk, _ in rows)
    return Counts(present, unpassed_runs, failing, codes)


def counted(
    runs: Sequence[tuple[int, str, int, int, int, int, int, int]], failing: Iterable[tuple[int, int]]
) -> Counts:
    """Counts from the rows kept per run and feature (queries.forensics.feature_run_counts: key, time,
    results, then one count per status of COUNTED) and the failed or errored (test, run) pairs; pairs
    of runs outside `runs` are left out. Built column by column (C loops: a year is 18,250 runs)."""
    if not runs:
        return Counts({}, {}, {}, {})
    pks, _, results, *columns = zip(*runs, strict=True)
    present = dict(zip(pks, results, strict=True))
    aligned: dict[int, Sequence[int]] = {s.code: column for s, column in zip(COUNTED, columns, strict=True)}
    aligned[UNPASSED] = list(map(sum, zip(*columns, strict=True)))
    return Counts(present, {}, _failing_by_run(failing, present), {}, list(pks), aligned)


def _verdicts(
    pks: Sequence[int], results: Sequence[int], unpassed: Sequence[int], failing: Mapping[int, Sequence[int]]
) -> list[Verdict]:
    """Per run, bad when one of the feature's results failed or errored, good when one passed, else None."""
    return [
        False if pk in failing else (True if n > odd else None)
        for pk, n, odd in zip(pks, results, unpassed, strict=True)
    ]


def _streak_marks(streak: Streak) -> dict[int, Mark]:
    """The current streak's last good and first bad run, by their index in the verdicts, with their marks."""
    marked: dict[int, Mark] = {}
    if streak.last_good is not None:
        marked[streak.last_good] = "last_good"
    if streak.first_bad is not None:
        marked[streak.first_bad] = "first_bad"
    return marked


def _run_ref(run: tuple[int, str], named: Mapping[int, RunName]) -> RunRefDoc:
    """A run (key, stored time) as the timeline names it."""
    pk, stamp = run
    run_id, sha = named[pk]
    return RunRefDoc(run_id=run_id, timestamp=datetime.fromisoformat(stamp), git_sha=sha)


def _days(stamps: Sequence[str]) -> list[str]:
    """The UTC day of each stored run time (UTC as rows.db_time writes it: its first ten characters)."""
    if all(map(methodcaller("endswith", "+00:00"), stamps)):
        return [stamp[:10] for stamp in stamps]
    return list(map(_day, stamps))


def _group(keys: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """Bucket key -> the [start, end) slices of consecutive runs with that key, in first-seen order
    (a day's runs are consecutive, as runs are in time order; a run id is one run)."""
    groups: dict[str, list[tuple[int, int]]] = {}
    begin = 0
    for key, members in groupby(keys):
        end = begin + len(list(members))
        groups.setdefault(key, []).append((begin, end))
        begin = end
    return groups


def build_timeline(
    feature: str,
    by: Literal["run", "day"],
    days: int,
    since: datetime,
    tests: Mapping[int, TestDefinitionDTO],
    runs: Sequence[tuple[int, str]],
    counts: Counts,
    names: Names,
) -> FeatureTimeline:
    """Per-run or per-day buckets of the feature's results, with first bad and last good runs.

    Pure but for `names`, asked once for the run ids and commits it shows: every run's (by run), only
    the first bad and the last good run's (by day). Runs where none of the feature's tests has a result
    are left out; passes are the difference of the results and those that did not pass. A run is bad
    when one of them failed or errored, good when one passed, else neutral (the package docstring's
    rule); a bucket takes the verdict of its last run that has one.
    """
    present, failing = counts.present, counts.failing
    every = [pk for pk, _ in runs]
    # All present when the runs came with the counts (one row per run that has a result): no filter.
    active = runs if all(map(present.__contains__, every)) else [run for run in runs if run[0] in present]
    pks = every if active is runs else [pk for pk, _ in active]
    results = list(map(present.__getitem__, pks))
    unpassed, columns = counts.in_order(pks)
    verdicts = _verdicts(pks, results, unpassed, failing)
    streak = current_streak(verdicts)
    marked = _streak_marks(streak)
    named = names(pks if by == "run" else [pks[index] for index in marked])
    keys = [named[pk].run_id for pk in pks] if by == "run" else _days([stamp for _, stamp in active])
    groups = _group(keys)
    # `columns`: per status code, the results of each active run in order; a bucket's is a sum of slices.
    labels = {pk: test.label for pk, test in tests.items()}  # a property: computed once, not per day
    failing_at = list(map(failing.get, pks))  # None where no test failed: filter() skips those in C
    buckets = []
    for key, spans in groups.items():
        verdict: Verdict = None
        for a, b in spans:
            verdict = next((v for v in reversed(verdicts[a:b]) if v is not None), verdict)
        totals = {
            status: sum(sum(columns[code][a:b]) for a, b in spans) if code in columns else 0
            for status, code in _CODES
        }
        totals[Status.PASSED] = sum(sum(results[a:b]) for a, b in spans) - sum(totals.values())
        failing_tests = {test for a, b in spans for run in filter(None, failing_at[a:b]) for test in run}
        buckets.append(
            TimelineBucket(
                key=key,
                start=datetime.fromisoformat(active[spans[0][0]][1]),
                runs=sum(b - a for a, b in spans),
                verdict=_verdict_name(verdict),
                bad_runs=sum(verdicts[a:b].count(False) for a, b in spans),
                status_counts=totals,
                failing_tests=sorted(labels[pk] for pk in failing_tests),
                marks=[marked[i] for a, b in spans for i in sorted(marked) if a <= i < b],
            )
        )

    def ref(index: int | None) -> RunRefDoc | None:
        return None if index is None else _run_ref(active[index], named)

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


def feature_present(
    engine: Engine,
    project: str,
    test_pks: Sequence[int],
    runs: Sequence[tuple[int, str]],
    *,
    by_spans: bool = True,
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
    order = sorted(pk for pk, _ in runs)
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
    from_counts: bool = True,
    by_spans: bool = True,
) -> FeatureTimeline:
    """`timeline --feature X`: the feature's tests over the runs of the last `days` days.

    Reads the feature's counts of each run kept at write time (store/features.py) and its failed or
    errored results; by day, those counts summed per day in SQL (day_timeline). `from_counts=False`
    reads the results instead: each test's span of the runs and the results that did not pass, or with
    `by_spans=False` every result's run key (the same answer three ways; the tests compare them).
    """
    engine = store.engine
    test_pks = q.feature_test_pks(engine, project, feature)
    if not test_pks:
        raise UserError(f"no test has feature {feature!r} as its primary mapping in project {project!r}")
    since = (now or utcnow()) - timedelta(days=days)
    tests = q.definitions_by_pk(engine, test_pks)
    if from_counts and by == "day":
        summed = day_timeline(engine, project, feature, days, since, tests)
        if summed is not None:
            return summed
    runs: Sequence[tuple[int, str]]
    if from_counts:
        kept = q.feature_run_counts(engine, project, feature, since)
        runs = [row[:2] for row in kept]
        keys = [pk for pk, _ in runs]
        failing = q.failing_results(engine, test_pks, min(keys), max(keys)) if keys else []
        counts = counted(kept, failing)
    else:
        runs = q.run_stamps_since(engine, project, since)
        counts = scanned(engine, project, test_pks, runs, by_spans=by_spans)
    return build_timeline(feature, by, days, since, tests, runs, counts, lambda pks: q.run_names(engine, pks))


def scanned(
    engine: Engine, project: str, test_pks: Sequence[int], runs: Sequence[tuple[int, str]], *, by_spans: bool
) -> Counts:
    """Counts read from the results themselves (the reference the kept counts are checked against)."""
    present = feature_present(engine, project, test_pks, runs, by_spans=by_spans)
    unpassed = q.unpassed_results(engine, test_pks, min(present), max(present)) if present else []
    return tally(present, unpassed)


def day_timeline(
    engine: Engine,
    project: str,
    feature: str,
    days: int,
    since: datetime,
    tests: Mapping[int, TestDefinitionDTO],
) -> FeatureTimeline | None:
    """`timeline --by day` from the kept counts summed per day in SQL: the report build_timeline gives
    by day, with Python handed one row a day, the runs from the last good one on, and each day's
    failing tests. None when a day cannot be told from its sums (a run time not stored in UTC, or a
    last bad and a last good run at one time, which only run keys would order): the per-run path
    answers then."""
    sums = q.feature_day_counts(engine, project, feature, since)
    if any(d.not_utc or (d.last_bad is not None and d.last_bad == d.last_good) for d in sums):
        return None
    failing = _failing_labels(engine, project, feature, tests, sums)
    if failing is None:
        return None
    tail = _streak_runs(engine, project, feature, since, sums)
    streak = current_streak([verdict for _, _, verdict in tail])
    marked = {tail[index][0]: mark for index, mark in _streak_marks(streak).items()}
    marks: dict[str, list[Mark]] = {}
    for pk, stamp, _ in tail:  # in run order, as build_timeline lists a bucket's marks
        if pk in marked:
            marks.setdefault(_day(stamp), []).append(marked[pk])
    named = q.run_names(engine, list(marked))

    def ref(index: int | None) -> RunRefDoc | None:
        return None if index is None else _run_ref(tail[index][:2], named)

    return FeatureTimeline(
        feature=feature,
        by="day",
        days=days,
        since=since,
        tests=len(tests),
        runs=sum(d.runs for d in sums),
        first_bad_run=ref(streak.first_bad),
        last_good_run=ref(streak.last_good),
        failing_streak=streak.length,
        buckets=[_day_bucket(d, failing.get(d.day, []), marks.get(d.day, [])) for d in sums],
    )


def _streak_runs(
    engine: Engine, project: str, feature: str, since: datetime, sums: Sequence[q.DayCounts]
) -> list[tuple[int, str, Verdict]]:
    """The runs from the last good one on (all runs when none was good), with their verdicts: where
    the current failing streak lies. Their keys start at that day's (the days' keys are in order)."""
    if not sums:
        return []
    good = [d for d in sums if d.last_good is not None]
    if not good:
        return q.feature_run_verdicts(engine, project, feature, db_time(since), sums[0].low)
    return q.feature_run_verdicts(engine, project, feature, good[-1].last_good or "", good[-1].low)


def _failing_labels(
    engine: Engine,
    project: str,
    feature: str,
    tests: Mapping[int, TestDefinitionDTO],
    sums: Sequence[q.DayCounts],
) -> dict[str, list[str]] | None:
    """Day -> the labels of the tests that failed or errored in one of its runs, sorted; None when run
    keys do not tell the day.

    The failed or errored (test, run) pairs are read as the per-run path reads them, and each run is
    placed in its day by key: that holds when the days' key ranges follow one another without overlap
    and the feature has no other run keyed inside them (a run stored out of time order would be one).
    """
    if not sums:
        return {}
    lows, high = [d.low for d in sums], sums[-1].high
    ordered = all(before.high < after.low for before, after in pairwise(sums))
    if not ordered or q.feature_runs_between(engine, project, feature, lows[0], high) != sum(
        d.runs for d in sums
    ):
        return None
    labels = {pk: test.label for pk, test in tests.items()}
    by_day: dict[str, set[str]] = {}
    for test_pk, run_pk in q.failing_results(engine, list(tests), lows[0], high):
        by_day.setdefault(sums[bisect_right(lows, run_pk) - 1].day, set()).add(labels[test_pk])
    return {day: sorted(names) for day, names in by_day.items()}


def _day_bucket(day: q.DayCounts, failing_tests: list[str], marks: list[Mark]) -> TimelineBucket:
    """One day's bucket from its sums: its verdict is its last run's that has one (times are distinct)."""
    counts = dict(zip(COUNTED, day[4:9], strict=True))
    totals = {status: counts.get(status, 0) for status in Status}
    totals[Status.PASSED] = day.results - sum(counts.values())
    last_bad, last_good = day.last_bad or "", day.last_good or ""
    verdict: Verdict = None if not (last_bad or last_good) else last_good > last_bad
    return TimelineBucket(
        key=day.day,
        start=datetime.fromisoformat(day.start),
        runs=day.runs,
        verdict=_verdict_name(verdict),
        bad_runs=day.bad_runs,
        status_counts=totals,
        failing_tests=failing_tests,
        marks=marks,
    )
