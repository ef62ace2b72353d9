"""`domains` and `health` through the CLI on both backends: rollups, trend, gate exit codes, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli, junit_xml, tagged_case

from ccdash_tests.health import below_fail_under
from ccdash_tests.models import FeatureTestHealthDTO, SignalSeverity, TestIntegritySignalDTO
from ccdash_tests.store import open_store

PROJECT = "shop"
TESTS = {
    "total": ("tests/billing/invoices/test_totals.py", "test_total", "totals", "billing/invoices"),
    "tax": ("tests/billing/invoices/test_totals.py", "test_tax", "totals", "billing/invoices"),
    "refund": ("tests/billing/test_refunds.py", "test_refund", "refunds", "billing"),
    "login": ("tests/auth/test_login.py", "test_login", "login", "auth"),
}
RUNS = [
    (
        "r1",
        "2026-01-01T00:00:00Z",
        {"total": "passed", "tax": "passed", "refund": "passed", "login": "passed"},
    ),
    (
        "r2",
        "2026-01-02T00:00:00Z",
        {"total": "passed", "tax": "failed", "refund": "passed", "login": "skipped"},
    ),
    (
        "r3",
        "2026-01-03T00:00:00Z",
        {"total": "passed", "tax": "failed", "refund": "error", "login": "passed"},
    ),
]


def report(outcomes: dict[str, str]) -> str:
    return junit_xml(*(tagged_case(*TESTS[key], status, line=1) for key, status in outcomes.items()))


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    for run_id, stamp, outcomes in RUNS:
        path = tmp_path / f"{run_id}.xml"
        path.write_text(report(outcomes), encoding="utf-8")
        result = Cli(db_url, PROJECT)("ingest", str(path), "--run-id", run_id, "--timestamp", stamp)
        assert result.exit_code == 0, result.output
    result = Cli(db_url, PROJECT)("map", "resolve")
    assert result.exit_code == 0, result.output
    with open_store(db_url) as store:
        tax = next(d for d in store.definitions.all(PROJECT) if d.name == "test_tax")
        store.signals.insert(
            TestIntegritySignalDTO(
                signal_id="sig-1",
                project_id=PROJECT,
                git_sha="abc1234",
                file_path=TESTS["tax"][0],
                test_id=tax.test_id,
                signal_type="assertion_removed",
                severity=SignalSeverity.HIGH,
            )
        )
    return db_url


def run_json(db: str, *args: str, code: int = 0) -> dict:
    return Cli(db, PROJECT).json(*args, code=code)


def flatten(nodes: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for node in nodes:
        found[node["domain_id"]] = node
        found.update(flatten(node["children"]))
    return found


def test_domains_tree_rolls_up_every_level(db: str) -> None:
    document = run_json(db, "domains")
    assert [root["domain_id"] for root in document["domains"]] == ["auth", "billing"]
    nodes = flatten(document["domains"])

    def figures(node_id: str) -> tuple:
        node = nodes[node_id]
        return (
            node["kind"],
            node["total_tests"],
            node["passed"],
            node["failed"],
            node["skipped"],
            node["open_signals"],
        )

    assert figures("billing") == ("domain", 3, 1, 2, 0, 1)
    assert nodes["billing"]["pass_rate"] == pytest.approx(1 / 3)
    assert figures("billing/invoices") == ("subdomain", 2, 1, 1, 0, 1)
    assert figures("billing/invoices::totals") == ("feature", 2, 1, 1, 0, 1)
    assert figures("billing::refunds") == ("feature", 1, 0, 1, 0, 0)
    assert figures("auth::login") == ("feature", 1, 1, 0, 0, 0)
    assert nodes["billing"]["last_run_at"].startswith("2026-01-03T00:00:00")


def test_domains_tree_view(db: str) -> None:
    result = Cli(db, PROJECT)("domains")
    assert result.exit_code == 0, result.output
    output = result.stdout
    # Each node's name, then its numbers on the next line (counts of zero left out).
    lines = [line.lstrip("│├└─ ") for line in output.splitlines()]
    assert (
        lines[lines.index("billing") + 1]
        == "3 tests  33.3%  1 passed  2 failed  1 open signal  last run 2026-01-03 00:00"
    )
    assert lines[lines.index("invoices (subdomain)") + 1].startswith("2 tests  50.0%")
    assert lines[lines.index("totals (feature)") + 1].startswith(
        "2 tests  50.0%  1 passed  1 failed  1 open signal"
    )


def test_health_rows_trend_integrity_and_last_good(db: str) -> None:
    document = run_json(db, "health", "--runs", "3")
    rows = {row["feature"]: row for row in document["features"]}
    assert sorted(rows) == ["login", "refunds", "totals"]
    totals, refunds, login = rows["totals"], rows["refunds"], rows["login"]
    assert (totals["pass_rate"], totals["trend"], totals["sparkline"]) == (0.5, [1.0, 0.5, 0.5], "█▅▅")
    assert (totals["integrity_score"], totals["open_signals"], totals["last_good_run_id"]) == (0.5, 1, "r1")
    assert (refunds["pass_rate"], refunds["sparkline"], refunds["last_good_run_id"]) == (0.0, "██▁", "r2")
    assert (login["pass_rate"], login["trend"], login["sparkline"]) == (1.0, [1.0, None, 1.0], "█ █")
    assert login["last_good_run_id"] == "r3" and login["last_run_id"] == "r3"
    assert totals["flake_rate"] == 0.0
    assert "tests" not in document and "gate" not in document


def test_health_for_one_feature_lists_its_tests(db: str) -> None:
    document = run_json(db, "health", "--feature", "Totals")
    assert [row["feature"] for row in document["features"]] == ["totals"]
    assert [(t["name"], t["status"], t["run_id"]) for t in document["tests"]] == [
        ("test_tax", "failed", "r3"),
        ("test_total", "passed", "r3"),
    ]
    result = Cli(db, PROJECT)("health", "--feature", "totals")
    assert result.exit_code == 0, result.output
    assert "Tests behind the feature" in result.stdout
    assert "test_tax" in result.stdout


def test_health_domain_filter_includes_subdomains(db: str) -> None:
    document = run_json(db, "health", "--domain", "billing")
    assert [(r["domain_id"], r["feature"]) for r in document["features"]] == [
        ("billing", "refunds"),
        ("billing/invoices", "totals"),
    ]


def test_gate_fails_with_exit_1_and_names_the_features(db: str) -> None:
    result = Cli(db, PROJECT)("health", "--fail-under", "0.9")
    assert result.exit_code == 1, result.output
    stderr = result.stderr
    assert "health gate failed: 2 features below 90.0%" in stderr
    assert "billing::refunds (0.0%)" in stderr and "billing/invoices::totals (50.0%)" in stderr
    assert "login" not in stderr
    assert "Feature health" in result.stdout
    document = run_json(db, "health", "--fail-under", "0.5", code=1)
    assert document["gate"] == {"fail_under": 0.5, "passed": False, "failed_features": ["billing::refunds"]}


def test_gate_passes_for_a_healthy_selection(db: str) -> None:
    document = run_json(db, "health", "--feature", "login", "--fail-under", "1.0")
    assert document["gate"]["passed"] is True
    assert Cli(db, PROJECT)("health", "--domain", "auth", "--fail-under", "0.99").exit_code == 0


def test_unknown_feature_or_domain_exits_2(db: str) -> None:
    result = Cli(db, PROJECT)("health", "--feature", "nope")
    assert result.exit_code == 2, result.output
    assert "no mapped tests for feature 'nope'" in result.stderr
    assert "known features: login, refunds, totals" in result.stderr
    assert Cli(db, PROJECT)("health", "--domain", "shipping").exit_code == 2
    assert Cli(db, PROJECT)("health", "--fail-under", "1.5").exit_code == 2


def test_empty_store_prints_a_hint(db_url: str) -> None:
    assert run_json(db_url, "domains") == {"project": PROJECT, "domains": []}
    assert run_json(db_url, "health")["features"] == []
    result = Cli(db_url, PROJECT)("health")
    assert "No feature has a primary mapping yet" in result.stdout
    assert "No tests stored for project" in result.stdout


def test_gate_counts_a_feature_without_evidence_as_failing() -> None:
    rows = [
        FeatureTestHealthDTO(feature="all skipped", total_tests=2, skipped=2, pass_rate=None),
        FeatureTestHealthDTO(feature="exactly", total_tests=1, passed=1, pass_rate=0.9),
        FeatureTestHealthDTO(feature="below", total_tests=10, passed=8, failed=2, pass_rate=0.8),
    ]
    assert [row.feature for row in below_fail_under(rows, 0.9)] == ["all skipped", "below"]
