"""Failure causes counted at ingest (store/causes.py) and the partial run index, on SQLite and PostgreSQL.

`failures --all` is answered from the counts; `failures --since` (before every run) still reads the
failing results themselves, so the two must agree on every shape of history: attempts folded in one
ingest, a second ingest into a run, failures without a text, runs stored out of time order, results
appended one by one. The upgrade test starts from a store of the schema before the counts
(schema_support.copy_to_schema_before).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from schema_support import copy_to_schema_before

from ccdash_tests import forensics
from ccdash_tests.identity import test_id as make_test_id
from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import (
    IngestRunRequest,
    ParsedCase,
    Status,
    TestDefinitionDTO,
    TestResultDTO,
    TestRunDTO,
)
from ccdash_tests.store import Store, migrations, open_store
from ccdash_tests.store.causes import refresh_run_causes
from ccdash_tests.store.rows import RESULT_COLUMNS_SQL, run_results_filter

P = "proj"
CLS = "tests.test_mix"
T0 = datetime(2026, 3, 1, tzinfo=UTC)
CAUSES = ("AssertionError: expected {n}", "TimeoutError: after {n}s", "KeyError: 'k{n}'")
BEFORE_EVERYTHING = datetime(2000, 1, 1, tzinfo=UTC)


def case(index: int, status: Status, message: str | None = None, flaky: bool = False) -> ParsedCase:
    return ParsedCase(
        suite="",
        classname=CLS,
        name=f"test_{index:02d}",
        status=status,
        duration_ms=5.0,
        file="tests/test_mix.py",
        attempts=2 if flaky else 1,
        flaky=flaky,
        message=message,
    )


def random_cases(rng: random.Random, tests: int = 30) -> list[ParsedCase]:
    cases = []
    for index in range(tests):
        roll = rng.random()
        if roll < 0.15:
            message = rng.choice(CAUSES).format(n=rng.randrange(100))
            cases.append(case(index, rng.choice((Status.FAILED, Status.ERROR)), message))
        elif roll < 0.18:
            cases.append(case(index, Status.FAILED))  # no text: the cluster without a fingerprint
        elif roll < 0.22:
            # Two attempts in one report: the first fails, the last decides (folded into one result).
            cases.append(case(index, Status.FAILED, "AssertionError: first attempt"))
            cases.append(case(index, rng.choice((Status.PASSED, Status.ERROR)), "KeyError: 'again'"))
        elif roll < 0.26:
            cases.append(case(index, Status.SKIPPED, "later"))
        elif roll < 0.28:
            cases.append(case(index, Status.PASSED, flaky=True))
        else:
            cases.append(case(index, Status.PASSED))
    return cases


def ingest(store: Store, run_id: str, hours: float, cases: list[ParsedCase]) -> None:
    ingest_request(
        store,
        IngestRunRequest(
            project_id=P, run_id=run_id, timestamp=T0 + timedelta(hours=hours), branch="main", results=cases
        ),
    )


def build_history(store: Store, seed: int = 3) -> None:
    rng = random.Random(seed)
    for n in range(12):
        ingest(store, f"run-{n:02d}", n, random_cases(rng))
    ingest(store, "late-but-old", -5, random_cases(rng))  # stored last, earliest in time
    ingest(store, "same-time", 11, random_cases(rng))  # ties with run-11: run order falls to the key
    # A second ingest into a stored run: new tests fail in it, the stored results stay as they were.
    ingest(store, "run-03", 3, [case(40, Status.ERROR, "TimeoutError: after 9s"), case(41, Status.FAILED)])


def comparable(report: forensics.FailuresReport) -> dict:
    return report.model_dump(mode="json", exclude={"scope", "since"})


def assert_counts_agree_with_results(store: Store) -> None:
    counted = forensics.failure_clusters(store, P, all_runs=True)
    scanned = forensics.failure_clusters(store, P, since=BEFORE_EVERYTHING)
    assert counted.scope == "all" and scanned.scope == "since"
    assert comparable(counted) == comparable(scanned)


def test_failures_all_from_counts_equals_reading_every_failing_result(store: Store) -> None:
    build_history(store)
    report = forensics.failure_clusters(store, P, all_runs=True)
    assert report.runs == 14 and report.failing_results > 20
    assert None in {c.fingerprint for c in report.clusters}  # failures without text are counted too
    assert_counts_agree_with_results(store)


def test_counts_follow_results_appended_one_by_one(store: Store) -> None:
    build_history(store, seed=5)
    store.runs.upsert(
        TestRunDTO(run_id="api", project_id=P, timestamp=T0 + timedelta(days=2), failed_tests=2)
    )
    names = ("test_api_a", "test_api_b")
    for name in names:
        store.definitions.get_or_create(
            TestDefinitionDTO(
                test_id=make_test_id(P, "", CLS, name), project_id=P, classname=CLS, name=name, base_name=name
            )
        )
    store.results.append(
        P,
        [
            TestResultDTO(
                run_id="api",
                test_id=make_test_id(P, "", CLS, name),
                status=Status.ERROR,
                error_message="TimeoutError: after 1s",
                error_fingerprint="fp-api",
            )
            for name in names
        ],
    )
    report = forensics.failure_clusters(store, P, all_runs=True)
    api = next(c for c in report.clusters if c.fingerprint == "fp-api")
    assert (api.count, api.test_count, api.run_count) == (2, 2, 1)
    assert api.last_seen is not None and api.last_seen.run_id == "api"
    assert_counts_agree_with_results(store)


def test_a_store_of_the_previous_schema_upgrades_with_its_counts(
    db_url: str, other_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store of the schema before 0006 (no counts, results indexed by run) holding this history.
    with open_store(db_url) as source:
        build_history(source, seed=11)
        copy_to_schema_before(source, other_db_url, "0006_results_partial_run_index")
    previous = [m.name for m in migrations.MIGRATIONS].index("0006_results_partial_run_index")
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:previous])
    with open_store(other_db_url) as store:
        assert "ix_test_results_run" in index_names(store)
        assert "test_run_causes" not in store.engine.table_names()
    monkeypatch.undo()
    with open_store(other_db_url) as store:
        applied = migrations.applied_migrations(store.engine)
        assert applied[previous : previous + 2] == [
            "0006_results_partial_run_index",
            "0007_failure_cause_counts",
        ]
        names = index_names(store)
        assert "ix_test_results_run" not in names and "ix_test_results_unusual" in names
        assert store.engine.query("SELECT COUNT(*) FROM test_run_causes")[0][0] > 0
        assert_counts_agree_with_results(store)
        # The counts the migration made are those the writer keeps.
        before = sorted(store.engine.query("SELECT * FROM test_run_causes"))
        with store.transaction():
            refresh_run_causes(store.engine, [pk for (pk,) in store.engine.query("SELECT id FROM test_runs")])
        assert sorted(store.engine.query("SELECT * FROM test_run_causes")) == before


def index_names(store: Store) -> set[str]:
    if store.engine.dialect == "sqlite":
        rows = store.engine.query("SELECT name FROM sqlite_master WHERE type = 'index'")
    else:
        rows = store.engine.query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    return {name for (name,) in rows}


def test_per_run_reads_keep_every_result(store: Store) -> None:
    build_history(store, seed=7)
    cases = random_cases(random.Random(1))
    ingest(store, "checked", 30, cases)
    last = {c.name: c for c in cases}  # attempts fold: the last case of a test decides
    results = store.results.by_run(P, "checked")
    assert sorted(r.name for r in results) == sorted(last)
    assert {r.name: r.status for r in results} == {name: c.status for name, c in last.items()}
    skipped = store.results.by_run(P, "checked", statuses=[Status.SKIPPED])
    assert {r.name for r in skipped} == {n for n, c in last.items() if c.status is Status.SKIPPED}
    stored = store.runs.get(P, "checked")
    assert stored is not None and stored.total_tests == len(last)


def test_sqlite_plans_use_the_partial_index_and_the_key(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "plan.db")) as store:
        build_history(store, seed=2)
        engine = store.engine

        def plan(sql: str, params: list) -> str:
            return " | ".join(row[-1] for row in engine.query("EXPLAIN QUERY PLAN " + sql, params))

        where, params = run_results_filter(P, "run-01", [Status.FAILED, Status.ERROR], False)
        assert "ix_test_results_unusual" in plan(RESULT_COLUMNS_SQL + where, params)
        where, params = run_results_filter(P, "run-01", None, False)
        every = plan(RESULT_COLUMNS_SQL + where, params)
        assert "SEARCH x USING PRIMARY KEY (test_pk=? AND run_pk=?)" in every
        assert "SCAN x" not in every
