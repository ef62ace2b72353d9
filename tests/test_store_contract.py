"""One contract suite for every repository, run on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ccdash_tests.identity import test_id as make_test_id
from ccdash_tests.models import (
    RunStatus,
    SignalSeverity,
    SignalState,
    Status,
    TestDefinitionDTO,
    TestDomainDTO,
    TestFeatureMappingDTO,
    TestIntegritySignalDTO,
    TestResultDTO,
    TestRunDTO,
    Trigger,
)
from ccdash_tests.store import Store
from ccdash_tests.store.base import (
    DefinitionRepository,
    DomainRepository,
    MappingRepository,
    ResultRepository,
    RunRepository,
    SignalRepository,
)

P = "proj"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def run(run_id: str, hours: int = 0, **extra: object) -> TestRunDTO:
    return TestRunDTO(run_id=run_id, project_id=P, timestamp=T0 + timedelta(hours=hours), **extra)


def definition(name: str, classname: str = "tests.test_a") -> TestDefinitionDTO:
    return TestDefinitionDTO(
        test_id=make_test_id(P, "", classname, name),
        project_id=P,
        classname=classname,
        name=name,
        base_name=name.split("[")[0],
        path="tests/test_a.py",
        framework="pytest",
        tags={"feature": "billing"},
    )


def test_repositories_satisfy_their_protocols(store: Store) -> None:
    assert isinstance(store.runs, RunRepository)
    assert isinstance(store.definitions, DefinitionRepository)
    assert isinstance(store.results, ResultRepository)
    assert isinstance(store.domains, DomainRepository)
    assert isinstance(store.mappings, MappingRepository)
    assert isinstance(store.signals, SignalRepository)


def test_run_upsert_get_and_round_trip(store: Store) -> None:
    original = run(
        "r1",
        git_sha="a" * 40,
        branch="main",
        agent_session_id="s-1",
        trigger=Trigger.CI,
        status=RunStatus.FAILED,
        total_tests=3,
        passed_tests=2,
        failed_tests=1,
        metadata={"ci": {"provider": "github-actions"}, "ünïcode": "✓"},
        status_counts={Status.PASSED: 2, Status.FAILED: 1},
    )
    stored = store.runs.upsert(original)
    assert stored == store.runs.get(P, "r1")
    assert stored.as_dict() == original.as_dict()
    assert stored.to_json() == original.to_json()
    # Upsert updates in place, it does not add a second run.
    store.runs.upsert(original.replace(branch="feature/x"))
    assert store.runs.get(P, "r1").branch == "feature/x"  # type: ignore[union-attr]
    assert len(store.runs.list_by_project(P)) == 1
    assert store.runs.get(P, "missing") is None
    assert store.runs.get("other-project", "r1") is None


def test_runs_listed_newest_first_and_by_session(store: Store) -> None:
    for index in range(5):
        store.runs.upsert(run(f"r{index}", hours=index, agent_session_id="s-a" if index % 2 else "s-b"))
    assert [r.run_id for r in store.runs.list_by_project(P, limit=3)] == ["r4", "r3", "r2"]
    assert store.runs.latest(P).run_id == "r4"  # type: ignore[union-attr]
    assert [r.run_id for r in store.runs.list_by_session(P, "s-a")] == ["r3", "r1"]
    assert store.runs.latest("nobody") is None


def test_runs_with_prefix_newest_first_and_literal(store: Store) -> None:
    for index, run_id in enumerate(("gh-10", "gh-11", "gh-2", "gl-1", "g%_1")):
        store.runs.upsert(run(run_id, hours=index))
    assert [r.run_id for r in store.runs.with_prefix(P, "gh-1", limit=5)] == ["gh-11", "gh-10"]
    assert [r.run_id for r in store.runs.with_prefix(P, "g", limit=2)] == ["g%_1", "gl-1"]
    # The prefix is text, not a LIKE pattern.
    assert [r.run_id for r in store.runs.with_prefix(P, "g%", limit=5)] == ["g%_1"]
    assert store.runs.with_prefix("other-project", "gh", limit=5) == []


def test_definitions_upsert_get_list_get_or_create(store: Store) -> None:
    first = store.definitions.get_or_create(definition("test_x[a-1]"))
    again = store.definitions.get_or_create(
        definition("test_x[a-1]").model_copy(update={"path": "elsewhere.py"})
    )
    assert again == first, "get_or_create never rewrites an existing definition"
    updated = store.definitions.upsert(first.model_copy(update={"owner": "team-billing"}))
    assert updated.owner == "team-billing"
    assert updated.first_seen == first.first_seen
    store.definitions.get_or_create(definition("test_y", classname="tests.test_a.TestB"))
    names = [d.name for d in store.definitions.all(P)]
    assert names == ["test_x[a-1]", "test_y"]
    assert store.definitions.get(P, first.test_id) == updated
    assert updated.base_name == "test_x"
    assert updated.tags == {"feature": "billing"}


def test_definition_search_is_literal(store: Store) -> None:
    store.definitions.get_or_create(definition("test_50%_off"))
    store.definitions.get_or_create(definition("test_500_off"))
    store.definitions.get_or_create(definition("test_Upper"))
    assert [d.name for d in store.definitions.search(P, "50%")] == ["test_50%_off"]
    assert [d.name for d in store.definitions.search(P, "upper")] == ["test_Upper"]
    assert {d.name for d in store.definitions.search(P, "tests.test_a.test_5")} == {
        "test_50%_off",
        "test_500_off",
    }
    target = store.definitions.search(P, "test_500_off")[0]
    assert store.definitions.search(P, target.test_id) == [target]


def _seed_results(store: Store) -> tuple[str, str]:
    a = store.definitions.get_or_create(definition("test_a")).test_id
    b = store.definitions.get_or_create(definition("test_b")).test_id
    store.runs.upsert(run("r1", hours=1))
    store.runs.upsert(run("r2", hours=2))
    store.results.append(
        P,
        [
            TestResultDTO(run_id="r1", test_id=a, status=Status.PASSED, duration_ms=1.5),
            TestResultDTO(
                run_id="r1",
                test_id=b,
                status=Status.FAILED,
                duration_ms=2,
                error_message="AssertionError: 1 != 2",
                error_details="Traceback ...",
                error_fingerprint="f1",
            ),
            TestResultDTO(run_id="r2", test_id=a, status=Status.FAILED, attempts=2, error_message="boom"),
            TestResultDTO(run_id="r2", test_id=b, status=Status.PASSED, attempts=2, flaky=True),
        ],
    )
    return a, b


def test_results_append_only_by_run_history_latest(store: Store) -> None:
    a, b = _seed_results(store)
    by_run = store.results.by_run(P, "r1")
    assert [(r.name, r.status) for r in by_run] == [("test_a", Status.PASSED), ("test_b", Status.FAILED)]
    failing = by_run[1]
    assert failing.error_message == "AssertionError: 1 != 2"
    assert failing.error_details == "Traceback ..."
    assert failing.duration_ms == 2
    assert failing.classname == "tests.test_a"
    assert failing.replace() == failing and failing.to_json()["label"] == failing.label
    # Append-only: a second append for the same (run, test) changes nothing.
    inserted = store.results.append(P, [TestResultDTO(run_id="r1", test_id=a, status=Status.FAILED)])
    assert inserted == 0
    assert store.results.by_run(P, "r1")[0].status == Status.PASSED
    history = store.results.history(P, a)
    assert [(h.run.run_id, h.result.status) for h in history] == [
        ("r1", Status.PASSED),
        ("r2", Status.FAILED),
    ]
    assert [h.run.run_id for h in store.results.history(P, a, limit=1)] == ["r2"]
    assert store.results.latest_status(P, a) == Status.FAILED
    assert store.results.latest_status(P, b) == Status.PASSED
    assert store.results.latest_status(P, "unknown") is None
    only_bad = store.results.by_run(P, "r2", statuses=[Status.FAILED])
    assert [r.test_id for r in only_bad] == [a]
    flaky = store.results.by_run(P, "r2", statuses=[Status.PASSED])[0]
    assert flaky.flaky and flaky.attempts == 2


def test_results_reject_unknown_run_or_test(store: Store) -> None:
    store.runs.upsert(run("r1"))
    with pytest.raises(KeyError):
        store.results.append(P, [TestResultDTO(run_id="r1", test_id="nope", status=Status.PASSED)])


def test_failure_text_is_stored_once(store: Store) -> None:
    _, b = _seed_results(store)
    store.runs.upsert(run("r3", hours=3))
    same = dict(status=Status.FAILED, error_message="AssertionError: 1 != 2", error_details="Traceback ...")
    same["error_fingerprint"] = "f1"
    store.results.append(P, [TestResultDTO(run_id="r3", test_id=b, **same)])  # type: ignore[arg-type]
    (count,) = store.engine.query(
        "SELECT COUNT(*) FROM test_errors WHERE message = ?", ("AssertionError: 1 != 2",)
    )[0]
    assert count == 1


def test_domains_upsert_get_tree_get_or_create(store: Store) -> None:
    billing = store.domains.get_or_create(P, "billing")
    invoices = store.domains.get_or_create(P, "invoices", parent_id=billing.domain_id, kind="subdomain")
    assert invoices.domain_id == "billing/invoices"
    assert store.domains.get_or_create(P, "invoices", parent_id="billing", kind="subdomain") == invoices
    described = store.domains.upsert(billing.model_copy(update={"description": "Money in"}))
    assert described.description == "Money in"
    store.domains.get_or_create(P, "auth")
    assert [d.domain_id for d in store.domains.tree(P)] == ["auth", "billing", "billing/invoices"]
    assert store.domains.get(P, "billing/invoices") == invoices
    assert store.domains.get(P, "nope") is None
    assert TestDomainDTO.model_validate_json(invoices.model_dump_json()) == invoices


def test_domains_add_missing_keeps_what_exists(store: Store) -> None:
    described = store.domains.upsert(
        TestDomainDTO(domain_id="billing", project_id=P, name="billing", description="Money in")
    )
    added = store.domains.add_missing(
        P,
        [
            ("billing", "billing", None, "domain"),
            ("billing/invoices", "invoices", "billing", "subdomain"),
            ("billing/invoices::totals", "totals", "billing/invoices", "feature"),
            ("billing/invoices", "invoices", "billing", "subdomain"),
        ],
    )
    assert added == 2
    assert store.domains.get(P, "billing") == described, "an existing domain is never rewritten"
    assert store.domains.get(P, "billing/invoices::totals").kind == "feature"  # type: ignore[union-attr]
    assert store.domains.add_missing(P, [("billing", "billing", None, "domain")]) == 0
    assert store.domains.add_missing("other", [("billing", "billing", None, "domain")]) == 1


def test_mapping_rows_written_and_removed_in_bulk(store: Store) -> None:
    row = ("t1", "totals", "billing", "paths", 0.6, 2, "h2", 0, "2026-01-01T00:00:00.000000+00:00")
    store.mappings.write_rows([(P, *row), (P, "t2", *row[1:])], [])
    assert [m.test_id for m in store.mappings.by_feature(P, "totals")] == ["t1", "t2"]
    # The same key again updates in place; a removal names (project, test, feature, provider).
    store.mappings.write_rows([(P, "t1", "totals", "billing", "paths", 0.65, 3, "h3", 1, row[-1])], [])
    store.mappings.write_rows([], [(P, "t2", "totals", "paths"), (P, "t9", "none", "paths")])
    [kept] = store.mappings.by_feature(P, "totals")
    assert (kept.test_id, kept.confidence, kept.version, kept.is_primary) == ("t1", 0.65, 3, True)


def _mapping(
    test_id: str, feature: str, provider: str, confidence: float, primary: bool, domain: str
) -> TestFeatureMappingDTO:
    return TestFeatureMappingDTO(
        project_id=P,
        test_id=test_id,
        feature=feature,
        domain_id=domain,
        provider=provider,
        confidence=confidence,
        is_primary=primary,
    )


def test_mappings_upsert_queries_and_single_primary(store: Store) -> None:
    store.mappings.upsert(_mapping("t1", "totals", "paths", 0.5, False, "billing/invoices"))
    store.mappings.upsert(_mapping("t1", "totals", "metadata", 0.9, True, "billing/invoices"))
    store.mappings.upsert(_mapping("t2", "login", "metadata", 0.9, True, "auth"))
    store.mappings.upsert(_mapping("t3", "refunds", "paths", 0.8, True, "billing"))
    assert [m.provider for m in store.mappings.by_test(P, "t1")] == ["metadata", "paths"]
    assert {m.test_id for m in store.mappings.by_feature(P, "totals")} == {"t1"}
    assert {m.test_id for m in store.mappings.by_domain(P, "billing")} == {"t1", "t3"}
    assert {m.test_id for m in store.mappings.by_domain(P, "billing/invoices")} == {"t1"}
    assert store.mappings.primary_for(P, "t1").provider == "metadata"  # type: ignore[union-attr]
    # A new primary for the same test demotes the old one: at most one primary per test.
    store.mappings.upsert(_mapping("t1", "discounts", "override", 1.0, True, "billing"))
    assert store.mappings.primary_for(P, "t1").feature == "discounts"  # type: ignore[union-attr]
    assert sum(m.is_primary for m in store.mappings.by_test(P, "t1")) == 1
    assert store.mappings.primary_for(P, "nobody") is None


def test_latest_run_for_feature(store: Store) -> None:
    a, _ = _seed_results(store)
    store.mappings.upsert(_mapping(a, "totals", "metadata", 0.9, True, "billing"))
    assert store.runs.latest_for_feature(P, "totals").run_id == "r2"  # type: ignore[union-attr]
    assert store.runs.latest_for_feature(P, "unmapped") is None


def _signal(signal_id: str, sha: str, when: datetime) -> TestIntegritySignalDTO:
    return TestIntegritySignalDTO(
        signal_id=signal_id,
        project_id=P,
        git_sha=sha,
        file_path="tests/test_a.py",
        test_id="t1",
        test_name="test_a",
        signal_type="assertion_removed",
        severity=SignalSeverity.HIGH,
        details={"removed": ["assert total == 3"]},
        linked_run_ids=["r1", "r2"],
        agent_session_id="s-1",
        created_at=when,
    )


def test_signals_insert_query_since_and_acknowledge(store: Store) -> None:
    assert store.signals.insert(_signal("s1", "a" * 40, T0))
    assert not store.signals.insert(_signal("s1", "a" * 40, T0)), "signals are append-only"
    assert store.signals.insert(_signal("s2", "b" * 40, T0 + timedelta(days=2)))
    assert [s.signal_id for s in store.signals.by_project(P)] == ["s1", "s2"]
    assert [s.signal_id for s in store.signals.by_sha(P, "b" * 40)] == ["s2"]
    assert [s.signal_id for s in store.signals.since(P, T0 + timedelta(days=1))] == ["s2"]
    stored = store.signals.by_project(P)[0]
    assert stored.details == {"removed": ["assert total == 3"]}
    assert stored.linked_run_ids == ["r1", "r2"]
    assert TestIntegritySignalDTO.model_validate_json(stored.model_dump_json()) == stored
    assert store.signals.acknowledge(P, "s1", "intended: feature removed")
    assert not store.signals.acknowledge(P, "missing", "x")
    assert [s.signal_id for s in store.signals.by_project(P, state=SignalState.OPEN.value)] == ["s2"]
    acked = store.signals.by_project(P, state=SignalState.ACKNOWLEDGED.value)[0]
    assert acked.ack_reason == "intended: feature removed"


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.runs.upsert(run("r-rollback"))
        store.definitions.get_or_create(definition("test_rollback"))
        raise RuntimeError("crash in the middle of a run")
    assert store.runs.get(P, "r-rollback") is None
    assert store.definitions.all(P) == []


def test_names_are_bound_as_parameters(store: Store) -> None:
    hostile = "x'); DROP TABLE test_runs; --"
    store.runs.upsert(run(hostile, branch=hostile))
    assert store.runs.get(P, hostile).branch == hostile  # type: ignore[union-attr]
    assert "test_runs" in store.engine.table_names()
