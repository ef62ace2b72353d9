"""`timeline`: a feature's tests day by day or run by run, with its first bad and last good runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from ccdash_tests.errors import UserError
from ccdash_tests.forensics.common import Mark, RunRefDoc, Verdict, current_streak, run_ref_doc
from ccdash_tests.models import DTO, Status, TestDefinitionDTO, utcnow
from ccdash_tests.store import Store
from ccdash_tests.store.queries import forensics as q
from ccdash_tests.store.queries.forensics import RunRef


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
