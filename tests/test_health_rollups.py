"""Health rollups checked against figures computed by hand from one small project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ccdash_tests.health import (
    UNASSIGNED,
    LatestResult,
    RunResult,
    domain_tree,
    feature_health,
    filter_features,
    integrity_score,
    open_signal_counts,
    pass_rate,
    sparkline,
)
from ccdash_tests.mapping import MappingCandidate, resolve
from ccdash_tests.models import (
    DomainHealthRollupDTO,
    SignalSeverity,
    SignalState,
    Status,
    TestIntegritySignalDTO,
)

T1, T2, T3, T4 = (datetime(2026, 1, day, 12, tzinfo=UTC) for day in (1, 2, 3, 4))
P, F, E, S, XF, XP = (
    Status.PASSED,
    Status.FAILED,
    Status.ERROR,
    Status.SKIPPED,
    Status.XFAILED,
    Status.XPASSED,
)


@dataclass(frozen=True)
class Primary:
    test_id: str
    feature: str
    domain: str | None


MAPPINGS = [
    Primary("t1", "totals", "billing/invoices"),
    Primary("t2", "totals", "billing/invoices"),
    Primary("t3", "pdf", "billing/invoices"),
    Primary("t4", "refunds", "billing/refunds"),
    Primary("t5", "ledger", "billing"),
    Primary("t6", "login", "auth"),
    Primary("t7", "login", "auth"),
    Primary("t9", "totals", "billing/invoices"),  # mapped, never ran
]
LATEST = [
    LatestResult("t1", P, run_id="r3", run_at=T3),
    LatestResult("t2", F, run_id="r3", run_at=T3),
    LatestResult("t3", E, run_id="r3", run_at=T3),
    LatestResult("t4", P, flaky=True, run_id="r3", run_at=T3),
    LatestResult("t5", S, run_id="r2", run_at=T2),
    LatestResult("t6", XP, run_id="r3", run_at=T3),
    LatestResult("t7", XF, run_id="r3", run_at=T3),
    LatestResult("t8", P, run_id="r4", run_at=T4),  # no mapping
]
SIGNALS = {
    "t1": {SignalSeverity.HIGH: 1},
    "t3": {SignalSeverity.MEDIUM: 3},
    "t4": {SignalSeverity.LOW: 1},
    "t8": {SignalSeverity.HIGH: 1},
    "gone": {SignalSeverity.HIGH: 5},  # a test that is neither mapped nor has a result
}
HISTORY = [
    RunResult("r1", T1, "t1", P),
    RunResult("r1", T1, "t2", P),
    RunResult("r1", T1, "t3", P),
    RunResult("r2", T2, "t1", P, flaky=True),
    RunResult("r2", T2, "t2", F),
    RunResult("r2", T2, "t3", S),
    RunResult("r2", T2, "t5", S),
    RunResult("r3", T3, "t1", P),
    RunResult("r3", T3, "t2", F),
    RunResult("r3", T3, "t3", E),
    RunResult("r3", T3, "t4", P, flaky=True),
    RunResult("r3", T3, "t6", XP),
    RunResult("r3", T3, "t7", XF),
    RunResult("r4", T4, "t8", P),
]


def figures(node: DomainHealthRollupDTO) -> tuple:
    return (
        node.kind,
        node.total_tests,
        node.passed,
        node.failed,
        node.skipped,
        node.pass_rate,
        node.flaky_count,
        node.open_signals,
        node.last_run_at,
    )


def by_id(nodes: list[DomainHealthRollupDTO]) -> dict[str, DomainHealthRollupDTO]:
    found: dict[str, DomainHealthRollupDTO] = {}
    for node in nodes:
        found[node.domain_id] = node
        found.update(by_id(node.children))
    return found


def test_domain_tree_figures_at_every_level() -> None:
    tree = domain_tree(LATEST, MAPPINGS, SIGNALS)
    assert [node.name for node in tree] == ["auth", "billing", UNASSIGNED]
    nodes = by_id(tree)
    expected = {
        # kind, tests, passed, failed(+error), skipped(+xfail/xpass), pass rate, flaky, open signals, last run
        "billing/invoices::totals": ("feature", 3, 1, 1, 0, 0.5, 0, 1, T3),
        "billing/invoices::pdf": ("feature", 1, 0, 1, 0, 0.0, 0, 3, T3),
        "billing/invoices": ("subdomain", 4, 1, 2, 0, 1 / 3, 0, 4, T3),
        "billing/refunds::refunds": ("feature", 1, 1, 0, 0, 1.0, 1, 1, T3),
        "billing/refunds": ("subdomain", 1, 1, 0, 0, 1.0, 1, 1, T3),
        "billing::ledger": ("feature", 1, 0, 0, 1, None, 0, 0, T2),
        "billing": ("domain", 6, 2, 2, 1, 0.5, 1, 5, T3),
        "auth::login": ("feature", 2, 0, 0, 2, None, 0, 0, T3),
        "auth": ("domain", 2, 0, 0, 2, None, 0, 0, T3),
        UNASSIGNED: ("domain", 1, 1, 0, 0, 1.0, 0, 1, T4),
    }
    assert {key: figures(nodes[key]) for key in expected} == expected
    assert set(nodes) == set(expected)
    billing = nodes["billing"]
    assert [(child.kind, child.name) for child in billing.children] == [
        ("subdomain", "invoices"),
        ("subdomain", "refunds"),
        ("feature", "ledger"),
    ]
    assert [child.name for child in nodes["billing/invoices"].children] == ["pdf", "totals"]
    assert (nodes["billing/invoices::totals"].parent_id, nodes["billing/invoices"].parent_id) == (
        "billing/invoices",
        "billing",
    )
    assert nodes[UNASSIGNED].children == []


def test_parents_fold_every_figure_of_their_children() -> None:
    for node in by_id(domain_tree(LATEST, MAPPINGS, SIGNALS)).values():
        if node.children:
            for name in ("total_tests", "passed", "failed", "skipped", "flaky_count", "open_signals"):
                assert getattr(node, name) == sum(getattr(child, name) for child in node.children), (
                    node.domain_id,
                    name,
                )


def test_a_test_counts_once_and_only_primary_mappings_are_used() -> None:
    resolution = resolve(
        [
            MappingCandidate("t1", "totals", "billing", "metadata", 0.9),
            MappingCandidate("t1", "pdf", "billing", "paths", 0.6),
            MappingCandidate("t2", "totals", "billing", "imported", 0.8),
        ]
    )
    latest = [LatestResult("t1", F, run_at=T1), LatestResult("t2", P, run_at=T1)]
    (billing,) = domain_tree(latest, resolution.mappings, {"t1": {SignalSeverity.HIGH: 2}})
    assert (billing.total_tests, billing.passed, billing.failed, billing.open_signals) == (2, 1, 1, 2)
    assert [(c.name, c.total_tests) for c in billing.children] == [("totals", 2)]
    with pytest.raises(ValueError, match="more than one primary"):
        domain_tree(latest, [Primary("t1", "a", "x"), Primary("t1", "b", "x")])


def test_feature_health_rows() -> None:
    rows = feature_health(LATEST, MAPPINGS, SIGNALS, HISTORY, trend_runs=3, flake_window=3)
    assert [(row.domain_id, row.feature) for row in rows] == [
        ("auth", "login"),
        ("billing", "ledger"),
        ("billing/invoices", "pdf"),
        ("billing/invoices", "totals"),
        ("billing/refunds", "refunds"),
    ]
    login, ledger, pdf, totals, refunds = rows
    # totals: t1, t2 and t9; runs r2, r3, r4 in the trend; r2..r4 hold 4 totals results, 1 flaky.
    assert (totals.total_tests, totals.passed, totals.failed, totals.pass_rate) == (3, 1, 1, 0.5)
    assert totals.trend == [0.5, 0.5, None]
    assert totals.flake_rate == 0.25
    assert totals.integrity_score == pytest.approx(1 - 1.0 / 3, abs=1e-6)
    assert (totals.open_signals, totals.last_run_id, totals.last_run_at, totals.last_good_run_id) == (
        1,
        "r3",
        T3,
        "r1",
    )
    # pdf: 3 medium signals weigh 1.5 on one test, clamped to 0.
    assert (pdf.pass_rate, pdf.trend, pdf.flake_rate, pdf.integrity_score) == (
        0.0,
        [None, 0.0, None],
        0.0,
        0.0,
    )
    assert (pdf.open_signals, pdf.last_good_run_id) == (3, "r1")
    assert (refunds.pass_rate, refunds.flake_rate, refunds.integrity_score) == (1.0, 1.0, 0.8)
    assert refunds.last_good_run_id == "r3"
    # ledger only ever skipped: no pass rate, and a skip-only run proves nothing, so never good.
    assert (ledger.pass_rate, ledger.skipped, ledger.last_run_id, ledger.last_good_run_id) == (
        None,
        1,
        "r2",
        None,
    )
    # login: an xpass and an xfail count in neither side of the pass rate.
    assert (login.pass_rate, login.skipped, login.trend, login.last_good_run_id) == (
        None,
        2,
        [None] * 3,
        None,
    )
    assert login.integrity_score == 1.0


def test_flake_window_and_trend_length_follow_their_parameters() -> None:
    rows = {row.feature: row for row in feature_health(LATEST, MAPPINGS, SIGNALS, HISTORY, flake_window=2)}
    # r3 and r4 only: two totals results in r3, neither flaky.
    assert rows["totals"].flake_rate == 0.0
    assert rows["totals"].trend == [1.0, 0.5, 0.5, None]  # default 10 runs, only 4 exist
    assert rows["ledger"].flake_rate is None


def test_feature_health_without_history_falls_back_to_latest_results() -> None:
    rows = {row.feature: row for row in feature_health(LATEST, MAPPINGS, SIGNALS)}
    assert (rows["totals"].last_run_id, rows["totals"].last_run_at) == ("r3", T3)
    assert (rows["totals"].trend, rows["totals"].flake_rate, rows["totals"].last_good_run_id) == (
        [],
        None,
        None,
    )


def test_filter_features() -> None:
    rows = feature_health(LATEST, MAPPINGS, SIGNALS, HISTORY)
    assert [r.feature for r in filter_features(rows, domain="billing")] == [
        "ledger",
        "pdf",
        "totals",
        "refunds",
    ]
    assert [r.feature for r in filter_features(rows, domain="Billing/Invoices/")] == ["pdf", "totals"]
    assert filter_features(rows, domain="bill") == []
    assert [r.domain_id for r in filter_features(rows, feature="TOTALS")] == ["billing/invoices"]


def test_pass_rate_and_integrity_definitions() -> None:
    assert pass_rate(0, 0) is None
    assert pass_rate(3, 1) == 0.75
    assert integrity_score(0, 5.0) == 1.0
    assert integrity_score(4, 1.2) == 0.7
    assert integrity_score(1, 3.0) == 0.0


def test_open_signal_counts_from_dtos() -> None:
    def signal(
        sid: str, test: str | None, severity: SignalSeverity, state: SignalState
    ) -> TestIntegritySignalDTO:
        return TestIntegritySignalDTO(
            signal_id=sid,
            project_id="p",
            git_sha="a" * 40,
            file_path="tests/test_x.py",
            test_id=test,
            signal_type="assertion_removed",
            severity=severity,
            state=state,
        )

    counts = open_signal_counts(
        [
            signal("1", "t1", SignalSeverity.HIGH, SignalState.OPEN),
            signal("2", "t1", SignalSeverity.HIGH, SignalState.OPEN),
            signal("3", "t1", SignalSeverity.LOW, SignalState.OPEN),
            signal("4", "t1", SignalSeverity.HIGH, SignalState.ACKNOWLEDGED),
            signal("5", None, SignalSeverity.HIGH, SignalState.OPEN),
        ]
    )
    assert counts == {"t1": {SignalSeverity.HIGH: 2, SignalSeverity.LOW: 1}}
    # A grouped signal counts once for each stored test it lists.
    group = signal("6", "t2", SignalSeverity.MEDIUM, SignalState.OPEN)
    group.details["test_ids"] = ["t2", "t3", "t4"]
    assert open_signal_counts([group]) == {t: {SignalSeverity.MEDIUM: 1} for t in ("t2", "t3", "t4")}


def test_sparkline() -> None:
    assert sparkline([0.0, 0.5, 1.0, None]) == "▁▅█ "
    assert sparkline([1.5, -1.0]) == "█▁"
    assert sparkline([]) == ""
    assert sparkline([5, 10], low=0, high=10) == "▅█"
    with pytest.raises(ValueError):
        sparkline([0.5], low=1.0, high=1.0)
