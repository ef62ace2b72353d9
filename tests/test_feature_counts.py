"""Results counted per run and feature at write time (store/features.py), on SQLite and PostgreSQL.

The kept rows must always equal a recount from the results and the primary mappings
(`features.recount_everything`), whatever wrote last: an ingest, a second ingest into a run, attempts
folded in one ingest, results appended one by one, a test mapped after its results were stored, moved
to another feature, demoted, removed, or mapped by a resolution's bulk write; and a store of the
schema before the counts gains them when it opens. `timeline` from the counts must read as it does
from the results.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Literal

import pytest
from schema_support import copy_to_schema_before
from test_cause_counts import CLS, T0, P, build_history, case, ingest, random_cases

from ccdash_tests import forensics
from ccdash_tests.forensics.timeline import day_timeline
from ccdash_tests.identity import test_id as make_test_id
from ccdash_tests.models import Status, TestDefinitionDTO, TestFeatureMappingDTO, TestResultDTO, TestRunDTO
from ccdash_tests.store import Store, migrations, open_store
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.features import recount_everything, refresh_run_features, stored_rows
from ccdash_tests.store.queries import forensics as q

COUNTS_MIGRATION = "0010_run_feature_counts"
NOW = T0 + timedelta(days=30)


def tid(index: int) -> str:
    return make_test_id(P, "", CLS, f"test_{index:02d}")


def mapping(index: int, feature: str, provider: str = "rules", primary: bool = True) -> TestFeatureMappingDTO:
    return TestFeatureMappingDTO(
        project_id=P,
        test_id=tid(index),
        feature=feature,
        domain_id="calc",
        provider=provider,
        confidence=1.0,
        is_primary=primary,
    )


def map_tests(store: Store, feature: str, indexes: range | list[int], **kwargs: object) -> None:
    for index in indexes:
        store.mappings.upsert(mapping(index, feature, **kwargs))  # type: ignore[arg-type]


def assert_kept(store: Store) -> None:
    """The kept rows equal the recount, and the timeline reads the same from them as from the results."""
    assert stored_rows(store.engine, P) == recount_everything(store.engine, P)
    features = {f for (f,) in store.engine.query("SELECT DISTINCT feature FROM test_feature_mappings")}
    for feature in sorted(features):
        if not q.feature_test_pks(store.engine, P, feature):
            continue
        for by in ("run", "day"):
            assert_same_timeline(store, feature, by)


def assert_same_timeline(store: Store, feature: str, by: Literal["run", "day"]) -> None:
    for days in (1, 3, 40):
        kept = forensics.feature_timeline(store, P, feature, days, by, now=NOW)
        scanned = forensics.feature_timeline(store, P, feature, days, by, now=NOW, from_counts=False)
        assert kept.model_dump() == scanned.model_dump(), (feature, by, days)


def test_counts_follow_ingests_and_mappings_made_before_and_after(store: Store) -> None:
    map_tests(store, "early", range(0, 10))  # mapped before any result: the ingests count them
    build_history(store)  # folds attempts, a run stored out of time order, a second ingest into run-03
    assert stored_rows(store.engine, P)
    map_tests(store, "late", range(10, 25))  # mapped after their results: their history is added
    map_tests(store, "late", [40, 41])  # the tests only run-03's second ingest has
    assert_kept(store)
    ingest(store, "after-mapping", 20, random_cases(random.Random(9)))
    assert_kept(store)
    assert {row[0] for row in stored_rows(store.engine, P)} == {
        pk for (pk,) in store.engine.query("SELECT id FROM test_features")
    }


def test_counts_follow_moves_demotions_and_removals(store: Store) -> None:
    build_history(store, seed=4)
    map_tests(store, "a", range(0, 15))
    map_tests(store, "b", range(15, 30))
    assert_kept(store)
    map_tests(store, "b", range(0, 5), provider="override")  # primary elsewhere: moved from a to b
    assert_kept(store)
    map_tests(store, "c", range(5, 8), primary=False)  # not primary: nothing moves
    assert_kept(store)
    # A resolution's bulk write (primaries decided): tests 8-14 leave a for c, 20-22 lose their only mapping.
    row = (P, "", "", "calc", "rules", 1.0, 2, "digest", 1, T0.isoformat())
    demoted = [(P, tid(i), "a", *row[3:8], 0, row[9]) for i in range(8, 15)]
    promoted = [(P, tid(i), "c", *row[3:]) for i in range(8, 15)]
    store.mappings.write_rows([*demoted, *promoted], [(P, tid(i), "b", "rules") for i in range(20, 23)])
    assert_kept(store)
    assert not store.engine.query(
        "SELECT 1 FROM test_run_features WHERE results = 0"
    )  # a feature's run with none of its tests left has no row


def test_counts_follow_results_appended_one_by_one(store: Store) -> None:
    build_history(store, seed=6)
    map_tests(store, "api", range(0, 3))
    store.runs.upsert(TestRunDTO(run_id="api", project_id=P, timestamp=T0 + timedelta(days=2)))
    names = ("test_api_a", "test_api_b")
    for name in names:
        test_id = make_test_id(P, "", CLS, name)
        store.definitions.get_or_create(
            TestDefinitionDTO(test_id=test_id, project_id=P, classname=CLS, name=name, base_name=name)
        )
        store.mappings.upsert(mapping(0, "api").model_copy(update={"test_id": test_id}))
    store.results.append(
        P,
        [
            TestResultDTO(run_id="api", test_id=make_test_id(P, "", CLS, name), status=status)
            for name, status in zip(names, (Status.ERROR, Status.XPASSED), strict=True)
        ],
    )
    assert_kept(store)
    run = forensics.feature_timeline(store, P, "api", 40, "run", now=NOW).buckets[-1]
    assert (
        run.key == "api" and run.status_counts[Status.ERROR] == 1 and run.status_counts[Status.XPASSED] == 1
    )


def test_a_drifted_count_is_seen(store: Store) -> None:
    build_history(store, seed=2)
    map_tests(store, "a", range(0, 30))
    with store.transaction():
        store.engine.execute("UPDATE test_run_features SET skipped = skipped + 1 WHERE run_pk = 1")
    assert stored_rows(store.engine, P) != recount_everything(store.engine, P)
    with store.transaction():
        refresh_run_features(store.engine, P, [1])
    assert stored_rows(store.engine, P) == recount_everything(store.engine, P)


def named_rows(engine: Engine) -> list[tuple]:
    """The kept rows with the feature's name for its key (keys differ between stores)."""
    names = dict(engine.query("SELECT id, feature FROM test_features"))
    return sorted((names[row[0]], *row[1:]) for row in stored_rows(engine, P))


def test_a_store_of_the_schema_before_gains_its_counts(db_url: str, other_db_url: str) -> None:
    with open_store(db_url) as source:
        map_tests(source, "early", range(0, 10))
        build_history(source, seed=8)
        map_tests(source, "late", range(10, 20))
        map_tests(source, "late", range(0, 2), provider="override")
        source.mappings.upsert(mapping(3, "early", provider="other"))  # another provider, same feature
        expected = named_rows(source.engine)
        copy_to_schema_before(source, other_db_url, COUNTS_MIGRATION)
    with open_store(other_db_url) as store:
        assert COUNTS_MIGRATION in migrations.applied_migrations(store.engine)
        migrated = stored_rows(store.engine, P)
        assert migrated == recount_everything(store.engine, P)
        assert named_rows(store.engine) == expected  # what the writers kept in the source store
        # The rows the migration made are those the writer keeps.
        runs = [pk for (pk,) in store.engine.query("SELECT id FROM test_runs")]
        with store.transaction():
            refresh_run_features(store.engine, P, runs)
        assert stored_rows(store.engine, P) == migrated
        assert_kept(store)
        ingest(store, "after-upgrade", 25, [case(i, Status.FAILED, "x") for i in range(12)])
        assert_kept(store)


@pytest.mark.parametrize("by", ["run", "day"])
def test_timeline_of_a_feature_without_runs_in_the_window(store: Store, by: Literal["run", "day"]) -> None:
    build_history(store, seed=1)
    map_tests(store, "a", range(0, 5))
    report = forensics.feature_timeline(store, P, "a", 1, by, now=NOW + timedelta(days=400))
    assert report.runs == 0 and report.buckets == []
    assert_same_timeline(store, "a", by)


def day_sums(store: Store, feature: str, days: int = 40) -> forensics.FeatureTimeline | None:
    engine = store.engine
    tests = q.definitions_by_pk(engine, q.feature_test_pks(engine, P, feature))
    return day_timeline(engine, P, feature, days, NOW - timedelta(days=days), tests)


def test_days_summed_in_sql_read_as_the_runs_do(store: Store) -> None:
    for n in range(40):  # six hours apart: four runs a day, in time order, each time its own
        bad = {n % 30} if n % 3 == 0 else set()  # a failing test in every third run
        skipped = {29} if n % 7 == 0 else set()
        statuses = [
            Status.FAILED if i in bad else Status.SKIPPED if i in skipped else Status.PASSED
            for i in range(30)
        ]
        ingest(store, f"day-{n:02d}", 6 * n, [case(i, status, "e") for i, status in enumerate(statuses)])
    ingest(store, "broken-1", 6 * 40, [case(i, Status.FAILED, "x") for i in range(30)])
    ingest(store, "broken-2", 6 * 41, [case(i, Status.ERROR, "y") for i in range(30)])
    map_tests(store, "a", range(0, 30))
    summed = day_sums(store, "a")
    # run 39 (a failing test: every third run has one), then the two broken runs
    assert summed is not None and summed.failing_streak == 3 and summed.last_good_run is not None
    scanned = forensics.feature_timeline(store, P, "a", 40, "day", now=NOW, from_counts=False)
    assert summed.model_dump() == scanned.model_dump()
    assert_kept(store)
    # A bad and a good run at one time: only their keys order them, so the days are read run by run.
    ingest(store, "tie-bad", 6 * 42, [case(0, Status.FAILED, "z")])
    ingest(store, "tie-good", 6 * 42, [case(1, Status.PASSED)])
    assert day_sums(store, "a") is None
    assert_kept(store)


def test_a_run_stored_out_of_time_order_is_read_run_by_run(store: Store) -> None:
    rng = random.Random(13)
    for n in range(12):
        ingest(store, f"day-{n:02d}", 6 * n, random_cases(rng))
    map_tests(store, "a", range(0, 30))
    assert day_sums(store, "a") is not None
    ingest(store, "late-but-old", 1, random_cases(rng))  # the newest key, inside the first day
    assert day_sums(store, "a") is None
    assert_kept(store)


def test_counts_stay_equal_when_ingests_and_mapping_changes_run_at_once(db_url: str) -> None:
    # Two connections, two threads: one ingests runs while the other moves tests between features.
    # Each write holds the project's lock (SQLite's single writer; PostgreSQL's advisory lock), so
    # neither counts with the other's rows unseen.
    with open_store(db_url) as store:
        build_history(store, seed=21)
        map_tests(store, "a", range(0, 30))
    errors: list[BaseException] = []

    def ingests() -> None:
        with open_store(db_url) as writer:
            rng = random.Random(22)
            for n in range(6):
                ingest(writer, f"busy-{n}", 30 + n, random_cases(rng))

    def moves() -> None:
        with open_store(db_url) as mapper:
            for n in range(12):
                map_tests(mapper, "b" if n % 2 == 0 else "a", range(n, 30, 3), provider=f"p{n % 3}")

    threads = [threading.Thread(target=guarded(errors, job)) for job in (ingests, moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    with open_store(db_url) as store:
        assert_kept(store)


def guarded(errors: list[BaseException], job: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    return run
