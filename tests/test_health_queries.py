"""Health queries and mapping persistence on both backends, over runs stored through the real ingest path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import tagged_cases

from ccdash_tests.health import UNASSIGNED, RunResult
from ccdash_tests.health.report import all_feature_health, domain_report, health_report
from ccdash_tests.ingest import ingest_request
from ccdash_tests.mapping.service import (
    domain_nodes,
    resolve_after_ingest,
    resolve_mappings,
    snapshot_at,
    snapshot_versions,
)
from ccdash_tests.models import (
    DomainHealthRollupDTO,
    IngestRunRequest,
    ParsedCase,
    SignalSeverity,
    SignalState,
    Status,
    TestIntegritySignalDTO,
)
from ccdash_tests.store import Store
from ccdash_tests.store.queries.health import (
    last_good_run,
    latest_results,
    open_signal_counts,
    recent_results,
)

PROJECT = "shop"
P, F, E, S = Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED
DAY = [datetime(2026, 1, day, 12, tzinfo=UTC) for day in (1, 2, 3)]

# key -> (classname, name, file, tags)
TESTS = {
    "A": ("tests.billing.test_invoices", "test_total", {"feature": "totals", "domain": "billing/invoices"}),
    "B": ("tests.billing.test_invoices", "test_tax", {"feature": "totals", "domain": "billing/invoices"}),
    "C": ("tests.billing.test_refunds", "test_refund", {"feature": "refunds", "domain": "billing"}),
    "D": ("tests.auth.test_login", "test_login", {"feature": "login", "domain": "auth"}),
    "E": ("tests.misc.test_misc", "test_other", {}),
}
# run -> key -> (status, flaky); a missing key did not run
RUNS = {
    "r1": {"A": (P, False), "B": (P, False), "C": (P, False), "D": (P, False), "E": (P, False)},
    "r2": {"A": (P, False), "B": (F, False), "C": (P, True), "D": (S, False), "E": (P, False)},
    "r3": {"A": (P, False), "B": (F, False), "C": (E, False), "E": (F, False)},
}


def case(key: str, status: Status, flaky: bool) -> ParsedCase:
    classname, name, tags = TESTS[key]
    return ParsedCase(
        suite="",
        classname=classname,
        name=name,
        status=status,
        file=classname.replace(".", "/") + ".py",
        attempts=2 if flaky else 1,
        flaky=flaky,
        message="assert False" if status.is_bad else None,
        properties=dict(tags),
    )


def ingest_run(store: Store, run_id: str, at: datetime, outcomes: dict[str, tuple[Status, bool]]) -> None:
    request = IngestRunRequest(
        project_id=PROJECT,
        run_id=run_id,
        timestamp=at,
        results=[case(key, status, flaky) for key, (status, flaky) in outcomes.items()],
    )
    ingest_request(store, request)


def tid(store: Store, key: str) -> str:
    classname, name, _ = TESTS[key]
    found = [d for d in store.definitions.all(PROJECT) if d.classname == classname and d.name == name]
    assert len(found) == 1
    return found[0].test_id


def signal(
    store: Store, signal_id: str, key: str | None, severity: SignalSeverity, state: SignalState
) -> None:
    store.signals.insert(
        TestIntegritySignalDTO(
            signal_id=signal_id,
            project_id=PROJECT,
            git_sha="abc1234",
            file_path="tests/x.py",
            test_id=tid(store, key) if key else None,
            signal_type="assertion_removed",
            severity=severity,
            state=state,
        )
    )


@pytest.fixture
def shop(store: Store) -> Store:
    for (run_id, outcomes), at in zip(RUNS.items(), DAY, strict=True):
        ingest_run(store, run_id, at, outcomes)
        resolve_after_ingest(store, PROJECT)
    signal(store, "s1", "B", SignalSeverity.HIGH, SignalState.OPEN)
    signal(store, "s2", "A", SignalSeverity.HIGH, SignalState.ACKNOWLEDGED)
    signal(store, "s3", "C", SignalSeverity.LOW, SignalState.OPEN)
    signal(store, "s4", None, SignalSeverity.MEDIUM, SignalState.OPEN)
    return store


def test_recent_results_reads_only_the_last_runs(shop: Store) -> None:
    rows = recent_results(shop.engine, PROJECT, 2)
    assert {row.run_id for row in rows} == {"r2", "r3"}
    assert len(rows) == len(RUNS["r2"]) + len(RUNS["r3"])
    flaky = [row for row in rows if row.flaky]
    assert [(row.run_id, row.test_id, row.status) for row in flaky] == [("r2", tid(shop, "C"), P)]
    assert recent_results(shop.engine, "other-project", 5) == []


def test_latest_results_look_back_for_tests_that_did_not_run_recently(shop: Store) -> None:
    only_last = recent_results(shop.engine, PROJECT, 1)
    latest = latest_results(shop.engine, PROJECT, only_last)
    expected = {"A": (P, "r3"), "B": (F, "r3"), "C": (E, "r3"), "D": (S, "r2"), "E": (F, "r3")}
    assert {key: (latest[tid(shop, key)].status, latest[tid(shop, key)].run_id) for key in TESTS} == (
        expected
    )
    assert latest[tid(shop, "D")].run_at == DAY[1]
    assert latest_results(shop.engine, PROJECT) == latest


def test_open_signal_counts_skip_acknowledged_and_untied_signals(shop: Store) -> None:
    assert open_signal_counts(shop.engine, PROJECT) == {
        tid(shop, "B"): {SignalSeverity.HIGH: 1},
        tid(shop, "C"): {SignalSeverity.LOW: 1},
    }


def test_last_good_run_searches_the_whole_history(shop: Store) -> None:
    totals = [tid(shop, "A"), tid(shop, "B")]
    assert last_good_run(shop.engine, PROJECT, totals) == ("r1", DAY[0])
    assert last_good_run(shop.engine, PROJECT, [tid(shop, "C")]) == ("r2", DAY[1])
    assert last_good_run(shop.engine, PROJECT, [tid(shop, "E"), tid(shop, "B")]) == (
        "r1",
        DAY[0],
    )
    assert last_good_run(shop.engine, PROJECT, []) is None


def _flatten(nodes: list[DomainHealthRollupDTO]) -> dict[str, DomainHealthRollupDTO]:
    found: dict[str, DomainHealthRollupDTO] = {}
    for node in nodes:
        found[node.domain_id] = node
        found.update(_flatten(node.children))
    return found


def _node(nodes: list[DomainHealthRollupDTO], node_id: str) -> DomainHealthRollupDTO:
    return _flatten(nodes)[node_id]


def figures(node: DomainHealthRollupDTO) -> tuple:
    return (
        node.kind,
        node.total_tests,
        node.passed,
        node.failed,
        node.skipped,
        node.flaky_count,
        node.open_signals,
    )


def test_domain_report_rolls_up_to_parents(shop: Store) -> None:
    roots, _ = domain_report(shop.engine, PROJECT)
    assert [root.domain_id for root in roots] == ["auth", "billing", UNASSIGNED]
    billing = _node(roots, "billing")
    assert [child.domain_id for child in billing.children] == ["billing/invoices", "billing::refunds"]
    assert figures(billing) == ("domain", 3, 1, 2, 0, 0, 2)
    assert billing.pass_rate == pytest.approx(1 / 3)
    assert billing.last_run_at == DAY[2]
    assert figures(_node(roots, "billing/invoices")) == ("subdomain", 2, 1, 1, 0, 0, 1)
    assert figures(_node(roots, "billing/invoices::totals")) == ("feature", 2, 1, 1, 0, 0, 1)
    assert figures(_node(roots, "billing::refunds")) == ("feature", 1, 0, 1, 0, 0, 1)
    auth = _node(roots, "auth::login")
    assert figures(auth) == ("feature", 1, 0, 0, 1, 0, 0)
    assert auth.pass_rate is None and auth.last_run_at == DAY[1]
    assert figures(_node(roots, UNASSIGNED)) == ("domain", 1, 0, 1, 0, 0, 0)


def test_feature_health_trend_flake_integrity_and_last_good(shop: Store) -> None:
    rows = {row.feature: row for row in all_feature_health(shop.engine, PROJECT, trend_runs=3)}
    assert sorted(rows) == ["login", "refunds", "totals"]
    totals, refunds, login = rows["totals"], rows["refunds"], rows["login"]
    assert (totals.domain_id, totals.total_tests, totals.passed, totals.failed) == (
        "billing/invoices",
        2,
        1,
        1,
    )
    assert totals.pass_rate == 0.5
    assert totals.trend == [1.0, 0.5, 0.5]
    assert totals.flake_rate == 0.0
    assert totals.integrity_score == 0.5  # one open high signal over two tests
    assert (totals.open_signals, totals.last_run_id, totals.last_good_run_id) == (1, "r3", "r1")
    assert refunds.trend == [1.0, 1.0, 0.0]
    assert refunds.flake_rate == pytest.approx(1 / 3)
    assert refunds.integrity_score == 0.8  # one low signal (weight 0.2) over one test
    assert refunds.last_good_run_id == "r2"
    assert login.trend == [1.0, None, None]
    assert (login.pass_rate, login.last_run_id, login.last_good_run_id) == (None, "r2", "r1")


def test_last_good_run_beyond_the_trend_window_comes_from_the_full_history(shop: Store) -> None:
    rows = {
        row.feature: row for row in all_feature_health(shop.engine, PROJECT, trend_runs=1, flake_window=1)
    }
    assert rows["totals"].trend == [0.5]
    assert rows["totals"].last_good_run_id == "r1"
    assert rows["refunds"].last_good_run_id == "r2"
    assert rows["refunds"].flake_rate == 0.0


def test_health_report_selects_one_feature_with_its_tests(shop: Store) -> None:
    report = health_report(shop.engine, PROJECT, feature="TOTALS")
    assert [row.feature for row in report.features] == ["totals"]
    assert [(test.name, test.status) for test in report.tests] == [("test_tax", F), ("test_total", P)]
    by_domain = health_report(shop.engine, PROJECT, domain="billing")
    assert [row.feature for row in by_domain.features] == ["refunds", "totals"]
    assert by_domain.tests == []


def test_resolve_after_ingest_leaves_a_huge_batch_to_map_resolve(store: Store) -> None:
    ingest_run(store, "r1", DAY[0], {"A": (P, False), "E": (P, False)})
    assert resolve_after_ingest(store, PROJECT, limit=1) == 2, "two new tests, over the limit of one"
    assert snapshot_at(store.engine, PROJECT) is None
    outcome = resolve_after_ingest(store, PROJECT, limit=2)
    assert not isinstance(outcome, int) and outcome.tests_resolved == 2


def test_resolve_after_ingest_maps_new_definitions_and_versions_snapshots(store: Store) -> None:
    ingest_run(store, "r1", DAY[0], {"A": (P, False), "E": (P, False)})
    first = resolve_after_ingest(store, PROJECT)
    assert (first.tests_resolved, first.version, first.new_version) == (2, 1, True)
    again = resolve_after_ingest(store, PROJECT)
    assert (again.tests_resolved, again.version, again.new_version) == (0, 1, False)
    before_second = snapshot_at(store.engine, PROJECT)
    assert before_second is not None
    ingest_run(store, "r2", DAY[1], {"A": (P, False), "D": (P, False)})
    second = resolve_after_ingest(store, PROJECT)
    assert (second.tests_resolved, second.version, second.new_version) == (1, 2, True)
    # A full resolution of the same inputs gives the same snapshot: no new version.
    full = resolve_mappings(store, PROJECT)
    assert (full.tests_resolved, full.version, full.new_version, full.rows_written) == (3, 2, False, 0)
    assert full.snapshot_hash == second.snapshot_hash
    versions = snapshot_versions(store.engine, PROJECT)
    assert [v for v, _, _ in versions] == [1, 2]
    old = snapshot_at(store.engine, PROJECT, versions[0][2] + timedelta(microseconds=1))
    assert old is not None and old.version == 1
    assert {m.test_id for m in old.mappings} == {tid(store, "A"), tid(store, "E")}
    assert snapshot_at(store.engine, PROJECT, versions[0][2] - timedelta(seconds=1)) is None
    latest = snapshot_at(store.engine, PROJECT)
    assert latest is not None and tid(store, "D") in {m.test_id for m in latest.mappings}
    primary = store.mappings.primary_for(PROJECT, tid(store, "D"))
    assert primary is not None
    assert (primary.feature, primary.domain_id, primary.provider, primary.version) == (
        "login",
        "auth",
        "metadata",
        2,
    )
    # E has only a paths guess (0.6): stored, but not primary.
    [guess] = store.mappings.by_test(PROJECT, tid(store, "E"))
    assert (guess.feature, guess.domain_id, guess.provider, guess.is_primary) == (
        "misc",
        "misc",
        "paths",
        False,
    )


def test_resolution_writes_the_domain_catalogue(shop: Store) -> None:
    kinds = {d.domain_id: (d.kind, d.parent_id) for d in shop.domains.tree(PROJECT)}
    assert kinds["billing"] == ("domain", None)
    assert kinds["billing/invoices"] == ("subdomain", "billing")
    assert kinds["billing/invoices::totals"] == ("feature", "billing/invoices")
    assert kinds["billing::refunds"] == ("feature", "billing")
    assert kinds["auth::login"] == ("feature", "auth")
    assert domain_nodes(None, "x") == [
        (UNASSIGNED, UNASSIGNED, None, "domain"),
        (f"{UNASSIGNED}::x", "x", UNASSIGNED, "feature"),
    ]


def test_ten_thousand_tests_resolve_and_persist(store: Store) -> None:
    """The correctness half of the 10,000-test workload; bench/run.py measures its CPU time."""
    request = IngestRunRequest(
        project_id=PROJECT, run_id="big", timestamp=DAY[0], results=tagged_cases(10_000)
    )
    ingest_request(store, request)
    outcome = resolve_after_ingest(store, PROJECT)
    assert outcome.tests_resolved == 10_000
    assert outcome.mapped_tests == 5_000
    history: list[RunResult] = recent_results(store.engine, PROJECT, 5)
    assert len(history) == 10_000
