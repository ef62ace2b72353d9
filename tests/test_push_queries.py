"""The store side of `push`, on both backends: a run's results page by page, and the runs of a backfill."""

from __future__ import annotations

from datetime import UTC, datetime

from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import IngestRunRequest, ParsedCase, Status
from ccdash_tests.store import Store
from ccdash_tests.store.queries.push import run_ids, run_results

PROJECT = "shop"


def store_run(store: Store, run_id: str, day: int, names: list[str], project: str = PROJECT) -> None:
    cases = [
        ParsedCase(
            suite="",
            classname=f"tests.test_{name[0]}",
            name=name,
            status=Status.FAILED if name.endswith("9") else Status.PASSED,
            duration_ms=1.25,
            file=f"tests/test_{name[0]}.py",
            message="AssertionError: nine" if name.endswith("9") else None,
            properties={"feature": "cart"},
        )
        for name in names
    ]
    request = IngestRunRequest(
        project_id=project, run_id=run_id, timestamp=datetime(2026, 11, day, tzinfo=UTC), results=cases
    )
    ingest_request(store, request)


def test_every_result_comes_once_with_its_definition(store: Store) -> None:
    names = [f"t{i}" for i in range(23)]
    store_run(store, "r1", 1, names)
    store_run(store, "r2", 2, names[:5])  # another run of the same tests must not leak in
    rows = list(run_results(store.engine, PROJECT, "r1", page=4))
    assert sorted(result.test_id for result, _ in rows) == sorted(
        d.test_id for d in store.definitions.all(PROJECT)
    )
    assert len(rows) == 23
    for result, definition in rows:
        assert result.run_id == "r1"
        assert definition.test_id == result.test_id
        assert definition.path == f"tests/test_{definition.name[0]}.py"
        assert definition.tags == {"feature": "cart"}
        assert result.duration_ms == 1.25
    failed = [result for result, _ in rows if result.status is Status.FAILED]
    assert len(failed) == 2 and all(r.error_fingerprint and r.error_message for r in failed)
    assert len(list(run_results(store.engine, PROJECT, "r2", page=4))) == 5


def test_pages_follow_test_key_order(store: Store) -> None:
    store_run(store, "r1", 1, [f"t{i}" for i in range(9)])
    first = [result.test_id for result, _ in run_results(store.engine, PROJECT, "r1", page=2)]
    again = [result.test_id for result, _ in run_results(store.engine, PROJECT, "r1", page=5)]
    assert first == again


def test_unknown_runs_and_other_projects_yield_nothing(store: Store) -> None:
    store_run(store, "r1", 1, ["a1"], project="other")
    assert list(run_results(store.engine, PROJECT, "r1")) == []
    assert list(run_results(store.engine, PROJECT, "nope")) == []


def test_backfill_runs_are_oldest_first_and_since_is_inclusive(store: Store) -> None:
    store_run(store, "late", 9, ["a1"])
    store_run(store, "early", 1, ["a1"])
    store_run(store, "middle", 5, ["a1"])
    store_run(store, "elsewhere", 6, ["a1"], project="other")
    assert run_ids(store.engine, PROJECT) == ["early", "middle", "late"]
    assert run_ids(store.engine, PROJECT, datetime(2026, 11, 5, tzinfo=UTC)) == ["middle", "late"]
