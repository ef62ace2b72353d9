"""Forensics logic: streaks, test picking, flakiness, failure clusters and timelines, on both backends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
from schema_support import copy_to_schema_before

from ccdash_tests import forensics
from ccdash_tests.errors import UserError
from ccdash_tests.forensics import AmbiguousTestError, UnknownTestError, current_streak
from ccdash_tests.forensics.timeline import feature_present
from ccdash_tests.identity import test_id as make_test_id
from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import IngestRunRequest, ParsedCase, Status, TestDefinitionDTO, TestFeatureMappingDTO
from ccdash_tests.store import Store, migrations, open_store
from ccdash_tests.store.queries import forensics as q
from ccdash_tests.store.queries.forensics import BadResult, Outcome, RunRef
from ccdash_tests.store.rows import DECODED
from ccdash_tests.times import parse_since

P = "proj"
CLS = "tests.test_calc"
# Midnight five days ago: ten runs six hours apart fall on three known days and inside --days 90.
DAY0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=5)
SHARED_SHA = "5a5a" * 10

P_, F_, E_, S_ = Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED


# --- pure: streaks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdicts", "first_bad", "last_good", "length"),
    [
        ([], None, None, 0),
        ([True, True], None, 1, 0),
        ([True, False, False], 1, 0, 2),
        ([True, False, None, False], 1, 0, 2),
        ([False, False], 0, None, 2),
        ([True, False, True, None], None, 2, 0),
        ([None, None], None, None, 0),
        ([False, True, False, None], 2, 1, 1),
    ],
)
def test_current_streak(
    verdicts: list[bool | None], first_bad: int | None, last_good: int | None, length: int
) -> None:
    streak = current_streak(verdicts)
    assert (streak.first_bad, streak.last_good, streak.length) == (first_bad, last_good, length)


def test_verdict_treats_skips_and_expected_failures_as_neutral() -> None:
    assert [forensics.verdict(s) for s in Status] == [True, False, False, None, None, None]


# --- pure: picking one test -------------------------------------------------------------------------


def definition(name: str, classname: str = CLS) -> TestDefinitionDTO:
    return TestDefinitionDTO(
        test_id=make_test_id(P, "", classname, name),
        project_id=P,
        classname=classname,
        name=name,
        base_name=name,
    )


def test_pick_test_prefers_exact_id_then_label_then_name() -> None:
    a, b, c = definition("test_x"), definition("test_x", "tests.test_other"), definition("test_x_more")
    assert forensics.pick_test(a.test_id, [a, b, c]) == a
    assert forensics.pick_test("tests.test_other::test_x", [a, b, c]) == b
    assert forensics.pick_test("tests.test_other.test_x", [a, b, c]) == b
    assert forensics.pick_test("test_x_more", [a, b, c]) == c
    assert forensics.pick_test("more", [c]) == c


def test_pick_test_refuses_ambiguity_and_absence() -> None:
    a, b = definition("test_x"), definition("test_x", "tests.test_other")
    with pytest.raises(AmbiguousTestError) as info:
        forensics.pick_test("test_x", [a, b])
    assert str(info.value) == "'test_x' matches 2 tests; give a test_id or a longer name"
    assert info.value.candidate_lines() == [
        f"{a.test_id}  {CLS}::test_x",
        f"{b.test_id}  tests.test_other::test_x",
    ]
    assert isinstance(info.value, UserError)
    with pytest.raises(AmbiguousTestError):
        forensics.pick_test("x", [definition("test_x_a"), definition("test_x_b")])
    with pytest.raises(AmbiguousTestError, match="matches 1\\+ tests") as info:
        forensics.pick_test("x", [definition("test_x_a")], more=True)
    assert info.value.candidate_lines()[-1] == "..."
    with pytest.raises(UnknownTestError, match="no stored test matches 'nope'"):
        forensics.pick_test("nope", [])


# --- pure: flakiness and clusters -------------------------------------------------------------------


def refs(*shas: str | None) -> list[RunRef]:
    return [RunRef(i, f"r{i}", DAY0 + timedelta(hours=i), sha, None, None) for i, sha in enumerate(shas, 1)]


def outcomes(*statuses: Status | tuple[Status, bool]) -> dict[int, Outcome]:
    found = {}
    for index, value in enumerate(statuses, 1):
        status, flaky = value if isinstance(value, tuple) else (value, False)
        found[index] = Outcome(7, index, status, flaky, 2 if flaky else 1)
    return found


def test_assess_flaky_same_sha() -> None:
    runs = refs("a1", "b2", "b2", "c3")
    verdict = forensics.assess_flaky(runs, outcomes(P_, F_, P_, P_), threshold=2)
    assert verdict is not None
    assert verdict.reasons == ["same_sha"] and verdict.shas == ["b2"]
    assert verdict.flips == 2 and verdict.counted == 4 and (verdict.passed, verdict.failed) == (3, 1)
    assert verdict.flake_rate == pytest.approx(2 / 4)
    assert verdict.evidence == {2: ["same_sha"], 3: ["same_sha"]}


def test_assess_flaky_retry_flips_and_steady_breakage() -> None:
    retry = forensics.assess_flaky(refs("a", "b", "c"), outcomes(P_, (P_, True), P_), threshold=2)
    assert retry is not None and retry.reasons == ["retry"] and retry.retried == 1
    assert retry.flake_rate == pytest.approx(1 / 3) and retry.evidence == {2: ["retry"]}
    flips = forensics.assess_flaky(refs("a", "b", "c", "d", "e"), outcomes(P_, F_, P_, E_, S_), threshold=2)
    assert flips is not None and flips.reasons == ["flips"] and flips.flips == 3
    assert sorted(flips.evidence) == [2, 3, 4]
    # At the threshold is not over it; a test that broke once and stayed broken is not flaky.
    assert (
        forensics.assess_flaky(refs("a", "b", "c", "d", "e"), outcomes(P_, F_, P_, E_, S_), threshold=3)
        is None
    )
    assert forensics.assess_flaky(refs("a", "b", "c", "d"), outcomes(P_, P_, F_, F_), threshold=0) is not None
    assert forensics.assess_flaky(refs("a", "b", "c", "d"), outcomes(P_, P_, F_, F_), threshold=2) is None
    # No sha recorded: no same-sha evidence can be claimed.
    assert forensics.assess_flaky(refs(None, None), outcomes(P_, F_), threshold=2) is None


def test_cluster_failures_groups_by_fingerprint_biggest_first() -> None:
    rows = [
        BadResult("fp-a", 1, 10, 100),
        BadResult("fp-b", 2, 10, 200),
        BadResult("fp-a", 3, 10, 101),
        BadResult(None, 4, 10, None),
        BadResult("fp-a", 1, 11, 99),
    ]
    drafts = forensics.cluster_failures(rows)
    assert [(d.fingerprint, d.count, d.test_pks, d.run_pks, d.error_pk) for d in drafts] == [
        ("fp-a", 3, [1, 3], [10, 11], 99),
        ("fp-b", 1, [2], [10], 200),
        (None, 1, [4], [10], None),
    ]


def test_parse_since() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert parse_since("30d", now) == now - timedelta(days=30)
    assert parse_since("2w", now) == now - timedelta(days=14)
    assert parse_since("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T10:00:00+02:00") == datetime(2026, 11, 1, 8, tzinfo=UTC)
    with pytest.raises(UserError, match="--since"):
        parse_since("yesterday")


# --- a store with known answers ---------------------------------------------------------------------

# Ten runs, six hours apart. Expected answers:
#   test_breaks   passes in runs 1-6, fails from run 7 on (skipped in run 9): first bad 7, last good 6.
#   test_sha      fails in run 4 and passes in run 5, both on SHARED_SHA: flaky (same_sha).
#   test_retry    passes after a retry in run 8: flaky (retry).
#   test_flipper  alternates pass/fail: 9 flips, flaky (flips).
#   test_db_a/b   fail in run 10 with one cause whose messages differ only in line numbers.
#   test_steady   always passes.
FLIP = [P_, F_] * 5
DB_ERROR = "ConnectionError: connection refused at db.py line {}"


def case(name: str, status: Status, message: str | None = None, flaky: bool = False) -> ParsedCase:
    if status.is_bad and message is None:
        message = f"AssertionError: {name} expected 3 but got 4"
    return ParsedCase(
        suite="",
        classname=CLS,
        name=name,
        status=status,
        duration_ms=12.5,
        file="tests/test_calc.py",
        attempts=2 if flaky else 1,
        flaky=flaky,
        message=message,
    )


def run_cases(n: int) -> list[ParsedCase]:
    cases = [
        case("test_breaks", S_ if n == 9 else (F_ if n >= 7 else P_)),
        case("test_sha", F_ if n == 4 else P_),
        case("test_retry", P_, flaky=n == 8),
        case("test_flipper", FLIP[n - 1]),
        case("test_steady", P_),
    ]
    if n == 10:
        cases += [case("test_db_a", E_, DB_ERROR.format(12)), case("test_db_b", E_, DB_ERROR.format(48))]
    else:
        cases += [case("test_db_a", P_), case("test_db_b", P_)]
    return cases


def run_sha(n: int) -> str:
    return SHARED_SHA if n in (4, 5) else f"{n:02d}" * 20


def build_history_store(store: Store, runs: int = 10) -> None:
    for n in range(1, runs + 1):
        ingest_request(
            store,
            IngestRunRequest(
                project_id=P,
                run_id=f"run-{n:02d}",
                timestamp=DAY0 + timedelta(hours=6 * (n - 1), minutes=30),
                git_sha=run_sha(n),
                branch="main",
                agent_session_id=f"sess-{(n + 1) // 2}",
                results=run_cases(n),
            ),
        )


def map_feature(store: Store, feature: str, *names: str) -> None:
    for name in names:
        store.mappings.upsert(
            TestFeatureMappingDTO(
                project_id=P,
                test_id=make_test_id(P, "", CLS, name),
                feature=feature,
                domain_id="calc",
                provider="test",
                confidence=1.0,
                is_primary=True,
            )
        )


@pytest.fixture
def history_store(store: Store) -> Store:
    build_history_store(store)
    return store


def test_history_finds_first_bad_and_last_good(history_store: Store) -> None:
    report = forensics.history_report(history_store, P, "test_breaks", limit=20)
    assert report.test.name == "test_breaks"
    assert report.total_results == 10
    assert [row.run_id for row in report.runs] == [f"run-{n:02d}" for n in range(10, 0, -1)]
    assert report.current_status is Status.FAILED
    assert report.failing_streak == 3  # runs 7, 8 and 10: the skip in run 9 neither breaks nor extends it
    assert report.first_bad_run is not None and report.first_bad_run.run_id == "run-07"
    assert report.last_good_run is not None and report.last_good_run.run_id == "run-06"
    assert report.first_bad_run.message == "AssertionError: test_breaks expected 3 but got 4"
    assert report.first_bad_run.git_sha == run_sha(7) and report.first_bad_run.agent_session_id == "sess-4"
    assert report.first_bad_run.duration_ms == pytest.approx(12.5)
    assert {row.run_id: row.mark for row in report.runs if row.mark} == {
        "run-07": "first_bad",
        "run-06": "last_good",
    }
    assert report.status_counts[Status.PASSED] == 6 and report.status_counts[Status.SKIPPED] == 1


def test_history_limit_keeps_marks_outside_the_window(history_store: Store) -> None:
    report = forensics.history_report(history_store, P, "test_breaks", limit=2)
    assert [row.run_id for row in report.runs] == ["run-10", "run-09"]
    assert report.runs[1].status is Status.SKIPPED and report.runs[1].message is None
    assert report.first_bad_run is not None and report.first_bad_run.run_id == "run-07"
    assert report.last_good_run is not None and report.last_good_run.run_id == "run-06"


def test_history_of_a_passing_test_has_no_streak(history_store: Store) -> None:
    report = forensics.history_report(history_store, P, f"{CLS}::test_steady")
    assert report.first_bad_run is None and report.failing_streak == 0
    assert report.last_good_run is not None and report.last_good_run.run_id == "run-10"


def test_history_resolution_errors(history_store: Store) -> None:
    with pytest.raises(AmbiguousTestError, match="'test_db' matches 2 tests"):
        forensics.history_report(history_store, P, "test_db")
    with pytest.raises(UnknownTestError):
        forensics.history_report(history_store, P, "no_such_test")
    with pytest.raises(UnknownTestError):
        forensics.history_report(history_store, "other-project", "test_breaks")
    tid = make_test_id(P, "", CLS, "test_sha")
    assert forensics.history_report(history_store, P, tid).test.name == "test_sha"


def test_flaky_finds_each_kind_with_evidence(history_store: Store) -> None:
    report = forensics.flaky_tests(history_store, P, runs=10, threshold=2)
    assert report.runs == 10 and report.first_run is not None and report.first_run.run_id == "run-01"
    by_name = {test.name: test for test in report.tests}
    assert set(by_name) == {"test_sha", "test_retry", "test_flipper"}
    flipper, sha, retry = by_name["test_flipper"], by_name["test_sha"], by_name["test_retry"]
    assert (
        flipper.reasons == ["same_sha", "flips"] and flipper.flips == 9
    )  # runs 4 and 5 share a sha and flipper.flake_rate == pytest.approx(0.9)
    assert sha.reasons == ["same_sha"] and sha.shas == [SHARED_SHA]
    assert [(e.run_id, e.status) for e in sha.evidence] == [
        ("run-04", Status.FAILED),
        ("run-05", Status.PASSED),
    ]
    assert sha.flake_rate == pytest.approx(0.2)
    assert retry.reasons == ["retry"] and retry.retried == 1 and retry.flake_rate == pytest.approx(0.1)
    assert [(e.run_id, e.attempts, e.flaky) for e in retry.evidence] == [("run-08", 2, True)]
    assert [t.name for t in report.tests] == ["test_flipper", "test_sha", "test_retry"]


def test_flaky_window_and_threshold(history_store: Store) -> None:
    # The last three runs: flipper flips twice (not over 2), the retry in run 8 is still inside.
    names = {t.name for t in forensics.flaky_tests(history_store, P, runs=3, threshold=2).tests}
    assert names == {"test_retry"}
    names = {t.name for t in forensics.flaky_tests(history_store, P, runs=3, threshold=1).tests}
    assert names == {"test_retry", "test_flipper"}
    names = {t.name for t in forensics.flaky_tests(history_store, P, runs=2, threshold=2).tests}
    assert names == set()
    assert forensics.flaky_tests(history_store, "other-project").tests == []


def test_failures_cluster_the_latest_run_by_cause(history_store: Store) -> None:
    report = forensics.failure_clusters(history_store, P)
    assert report.scope == "run" and report.run is not None and report.run.run_id == "run-10"
    assert report.failing_results == 4 and report.runs == 1
    db, *others = report.clusters
    assert db.count == 2 and [t.name for t in db.tests] == ["test_db_a", "test_db_b"]
    assert db.message == DB_ERROR.format(12)  # the first stored text of the cause
    assert db.first_seen is not None and db.first_seen.run_id == "run-10"
    assert db.last_seen is not None and db.last_seen.run_id == "run-10"
    assert sorted((c.count, c.tests[0].name) for c in others) == [(1, "test_breaks"), (1, "test_flipper")]
    breaks = next(c for c in others if c.tests[0].name == "test_breaks")
    assert breaks.first_seen is not None and breaks.first_seen.run_id == "run-07"


def test_failures_of_one_run_all_runs_and_since(history_store: Store) -> None:
    run4 = forensics.failure_clusters(history_store, P, run_id="run-04")
    assert sorted((c.count, c.tests[0].name) for c in run4.clusters) == [(1, "test_flipper"), (1, "test_sha")]
    everything = forensics.failure_clusters(history_store, P, all_runs=True)
    assert everything.scope == "all" and everything.runs == 10
    counts = {c.tests[0].name: c.count for c in everything.clusters}
    assert counts == {"test_flipper": 5, "test_breaks": 3, "test_db_a": 2, "test_sha": 1}
    flipper = next(c for c in everything.clusters if c.tests[0].name == "test_flipper")
    assert flipper.run_count == 5 and flipper.first_seen is not None and flipper.first_seen.run_id == "run-02"
    assert flipper.last_seen is not None and flipper.last_seen.run_id == "run-10"
    recent = forensics.failure_clusters(history_store, P, since=DAY0 + timedelta(hours=6 * 8))
    assert recent.scope == "since" and recent.runs == 2
    assert {c.tests[0].name: c.count for c in recent.clusters} == {
        "test_db_a": 2,
        "test_breaks": 1,
        "test_flipper": 1,
    }
    with pytest.raises(UserError, match="--run cannot be combined"):
        forensics.failure_clusters(history_store, P, run_id="run-04", all_runs=True)
    with pytest.raises(UserError, match="no run"):
        forensics.failure_clusters(history_store, P, run_id="nope")


def test_timeline_by_run_and_by_day(history_store: Store) -> None:
    map_feature(history_store, "calc", "test_breaks", "test_steady")
    by_run = forensics.feature_timeline(history_store, P, "calc", days=90, by="run")
    assert by_run.tests == 2 and by_run.runs == 10
    assert [b.verdict for b in by_run.buckets] == ["good"] * 6 + ["bad", "bad", "good", "bad"]
    assert by_run.first_bad_run is not None and by_run.first_bad_run.run_id == "run-10"
    assert by_run.last_good_run is not None and by_run.last_good_run.run_id == "run-09"
    assert by_run.buckets[6].failing_tests == ["tests/test_calc.py::test_breaks"]
    assert by_run.buckets[8].status_counts[Status.SKIPPED] == 1
    by_day = forensics.feature_timeline(history_store, P, "calc", days=90, by="day")
    assert [(b.key, b.runs, b.verdict, b.bad_runs) for b in by_day.buckets] == [
        (DAY0.date().isoformat(), 4, "good", 0),
        ((DAY0 + timedelta(days=1)).date().isoformat(), 4, "bad", 2),
        ((DAY0 + timedelta(days=2)).date().isoformat(), 2, "bad", 1),
    ]
    assert [b.marks for b in by_day.buckets] == [[], [], ["last_good", "first_bad"]]  # runs 9 and 10
    with pytest.raises(UserError, match="no test has feature 'nope'"):
        forensics.feature_timeline(history_store, P, "nope")


def test_timeline_window_excludes_old_runs(history_store: Store) -> None:
    map_feature(history_store, "calc", "test_breaks")
    now = DAY0 + timedelta(days=3)
    report = forensics.feature_timeline(history_store, P, "calc", days=1, by="run", now=now)
    assert [b.key for b in report.buckets] == ["run-09", "run-10"]
    assert report.first_bad_run is not None and report.first_bad_run.run_id == "run-10"
    assert report.last_good_run is None  # run 9 skipped it: nothing good inside the window


def test_failures_run_by_unique_prefix(history_store: Store) -> None:
    report = forensics.failure_clusters(history_store, P, run_id="run-1")
    assert report.run is not None and report.run.run_id == "run-10"
    with pytest.raises(UserError, match="'run-0' is ambiguous: run-09, run-08"):
        forensics.failure_clusters(history_store, P, run_id="run-0")


def test_history_window_reads_the_latest_rows_and_both_marks() -> None:
    sequence = [(10, P_), (11, F_), (12, S_), (13, F_), (14, F_)]
    keys, streak = forensics.history_window(sequence, 2)
    assert keys == [13, 14, 11, 10] and (streak.first_bad, streak.last_good, streak.length) == (1, 0, 3)
    assert forensics.history_window(sequence, 0)[0] == [11, 10]


# --- timeline: counting from each test's span of runs reads the same as reading every result ---------

SPAN_TESTS = [f"test_span_{i}" for i in range(7)]


def span_cases(n: int, rng: random.Random) -> list[ParsedCase]:
    """Run n's results: test 4 joins at run 10, test 5 leaves after run 20, test 6 runs every third
    run only (gaps in its span), run 15 skips every test (a neutral run) and failures fall at random."""
    cases = []
    for i, name in enumerate(SPAN_TESTS):
        if (i == 4 and n < 10) or (i == 5 and n > 20) or (i == 6 and n % 3):
            continue
        roll = rng.random()
        status = S_ if n == 15 else F_ if roll < 0.15 else E_ if roll < 0.2 else S_ if roll < 0.25 else P_
        cases.append(case(name, status))
    return cases


def span_store(store: Store) -> None:
    """30 runs of P, eight hours apart, with runs of another project between them (keys inside P's
    range that hold none of P's results), and run 31 stored after run 20 with a time of run 2's day: a
    window that starts after it has a key range that holds it without asking for it."""
    rng = random.Random(18)
    stamps = {n: DAY0 - timedelta(days=4) + timedelta(hours=8 * n) for n in range(1, 31)}
    stamps[31] = stamps[2] + timedelta(minutes=5)
    for n in [*range(1, 21), 31, *range(21, 31)]:
        request = IngestRunRequest(
            project_id=P, run_id=f"span-{n:02d}", timestamp=stamps[n], results=span_cases(n, rng)
        )
        ingest_request(store, request)
        if n % 4 == 0:
            other = IngestRunRequest(
                project_id="other", run_id=f"o-{n}", timestamp=stamps[n], results=span_cases(n, rng)
            )
            ingest_request(store, other)
    map_feature(store, "spans", *SPAN_TESTS)


@pytest.mark.parametrize("by", ["run", "day"])
def test_timeline_from_spans_equals_reading_every_result(store: Store, by: Literal["run", "day"]) -> None:
    span_store(store)
    now = DAY0 + timedelta(days=7)
    for days in (1, 3, 5, 8, 12, 90):
        kept = forensics.feature_timeline(store, P, "spans", days, by, now=now)
        fast = forensics.feature_timeline(store, P, "spans", days, by, now=now, from_counts=False)
        full = forensics.feature_timeline(
            store, P, "spans", days, by, now=now, from_counts=False, by_spans=False
        )
        assert kept.model_dump() == fast.model_dump() == full.model_dump(), days
    whole = forensics.feature_timeline(store, P, "spans", 90, by, now=now)
    assert whole.runs == 31 and whole.tests == len(SPAN_TESTS)
    assert sum(b.status_counts[S_] for b in whole.buckets) >= 6  # run 15 skipped every test it ran


def test_unpassed_results_are_every_result_that_did_not_pass(store: Store) -> None:
    span_store(store)
    # A pass after a retry passed; a failure flagged flaky and an xfail did not.
    retried = [case(SPAN_TESTS[0], P_, flaky=True), case(SPAN_TESTS[1], F_, flaky=True)]
    retried += [case(SPAN_TESTS[2], Status.XFAILED), case(SPAN_TESTS[3], P_)]
    ingest_request(
        store, IngestRunRequest(project_id=P, run_id="span-retry", timestamp=DAY0, results=retried)
    )
    engine = store.engine
    pks = q.feature_test_pks(engine, P, "spans")
    every = q.run_stamps_since(engine, P, None)
    low, high = min(r.pk for r in every), max(r.pk for r in every)
    rows = engine.query("SELECT test_pk, run_pk, status FROM test_results")
    decoded = [(test_pk, run_pk, DECODED[stored][0]) for test_pk, run_pk, stored in rows]
    expected = sorted(
        (test_pk, run_pk, status.code)
        for test_pk, run_pk, status in decoded
        if test_pk in pks and low <= run_pk <= high and status is not P_
    )
    assert sorted(q.unpassed_results(engine, pks, low, high)) == expected
    retry_pk = max(r.pk for r in every)
    assert {(t, c) for t, r, c in expected if r == retry_pk} == {
        (pks[1], F_.code),
        (pks[2], Status.XFAILED.code),
    }
    # A narrower key range leaves the results outside it out.
    middle = sorted(r.pk for r in every)[5:15]
    inside = [row for row in expected if middle[0] <= row[1] <= middle[-1]]
    assert sorted(q.unpassed_results(engine, pks, middle[0], middle[-1])) == inside


def test_sqlite_reads_the_unpassed_results_by_test_through_their_index(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "plan.db")) as store:
        span_store(store)
        plan = store.engine.query("EXPLAIN QUERY PLAN " + q.UNPASSED_SQL.format(keys="?, ?"), (1, 2, 1, 99))
        steps = " | ".join(row[-1] for row in plan)
    assert "USING COVERING INDEX ix_test_results_unusual_test (test_pk=? AND run_pk>? AND run_pk<?)" in steps


def test_postgresql_can_read_the_unpassed_results_by_test_through_their_index(
    postgres_schema_url: str,
) -> None:
    # PostgreSQL uses a partial index only when it can prove that the query's WHERE implies the index's
    # condition; with sequential scans priced out it picks this index, and without that proof the
    # primary key (checked by hand: a query without the status conditions reads test_results_narrow_pkey).
    with open_store(postgres_schema_url) as store:
        span_store(store)
        with store.engine.transaction():
            store.engine.execute("SET LOCAL enable_seqscan = off")
            plan = store.engine.query("EXPLAIN " + q.UNPASSED_SQL.format(keys="?, ?"), (1, 2, 1, 99))
    steps = " | ".join(row[0] for row in plan)
    assert f"Index Only Scan using {BY_TEST_INDEX} on test_results" in steps


def test_a_store_from_before_0009_gains_the_index_by_test(db_url: str, other_db_url: str) -> None:
    now = DAY0 + timedelta(days=7)
    with open_store(db_url) as source:
        span_store(source)
        before = [forensics.feature_timeline(source, P, "spans", 90, by, now=now) for by in ("run", "day")]
        copy_to_schema_before(source, other_db_url, BY_TEST_MIGRATION)
    with open_store(other_db_url) as store:
        assert BY_TEST_MIGRATION in migrations.applied_migrations(store.engine)
        assert BY_TEST_INDEX in index_names(store)
        after = [forensics.feature_timeline(store, P, "spans", 90, by, now=now) for by in ("run", "day")]
        full = [
            forensics.feature_timeline(store, P, "spans", 90, by, now=now, from_counts=False, by_spans=False)
            for by in ("run", "day")
        ]
    assert (
        [t.model_dump() for t in after] == [t.model_dump() for t in before] == [t.model_dump() for t in full]
    )
    assert sum(b.status_counts[F_] for b in after[0].buckets) > 0


BY_TEST_MIGRATION = "0009_results_unusual_by_test"
BY_TEST_INDEX = "ix_test_results_unusual_test"


def index_names(store: Store) -> set[str]:
    if store.engine.dialect == "sqlite":
        rows = store.engine.query("SELECT name FROM sqlite_master WHERE type = 'index'")
    else:
        rows = store.engine.query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    return {name for (name,) in rows}


def test_timeline_spans_count_gaps_late_and_leaving_tests(store: Store) -> None:
    span_store(store)
    engine = store.engine
    pks = q.feature_test_pks(engine, P, "spans")
    every = q.run_stamps_since(engine, P, None)
    low, high = min(r.pk for r in every), max(r.pk for r in every)
    # Every run of P: the spans hold (no run of P in the key range is left out).
    assert q.project_runs_between(engine, P, low, high) == len(every) == 31
    present = feature_present(engine, P, pks, every)
    assert present == q.results_per_run(engine, pks, low, high)
    assert len(q.result_spans(engine, pks, low, high)) == len(SPAN_TESTS)
    # 5 to 7 tests a run: test 4 joins at run 10, test 5 leaves after run 20, test 6 every third run.
    assert sorted(set(present.values())) == [5, 6, 7]
    # From run 10 on: run 31 (stored after run 20, with an older time) is in the key range, not asked
    # for, so every result's run key is read instead; the same answer.
    later = q.run_stamps_since(engine, P, DAY0 - timedelta(days=1))
    low = min(r.pk for r in later)
    assert q.project_runs_between(engine, P, low, high) == len(later) + 1
    assert feature_present(engine, P, pks, later) == {r.pk: present[r.pk] for r in later}
