"""`history`: one test across runs, with the first bad run of its failing streak and the last good run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import Field

from ccdash_tests.forensics.common import VERDICTS, Mark, Streak, current_streak, message_line
from ccdash_tests.lookup import resolve_test
from ccdash_tests.models import DTO, Status, TestDefinitionDTO
from ccdash_tests.store import Store
from ccdash_tests.store.queries import forensics as q
from ccdash_tests.store.queries.forensics import HistoryRow


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
