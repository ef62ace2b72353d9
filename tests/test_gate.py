"""`gate`: each rule pass and fail (pure and through the CLI on both backends), exit codes, JSON, Markdown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import Cli, junit_xml, tagged_case
from markdown_it import MarkdownIt

from ccdash_tests.gate import (
    FEATURES,
    FLAKY_NEW,
    INTEGRITY,
    NEW_FAILURES,
    FailingTest,
    Finding,
    GateReport,
    RetriedTest,
    RuleResult,
    features_rule,
    flaky_new_rule,
    integrity_rule,
    new_failures_rule,
)
from ccdash_tests.models import (
    FeatureTestHealthDTO,
    SignalSeverity,
    SignalState,
    Status,
    TestIntegritySignalDTO,
    TestRunDTO,
)
from ccdash_tests.output.markdown import MAX_CHARS
from ccdash_tests.output.views.gate import gate_markdown
from ccdash_tests.store import open_store

PROJECT = "shop"
HOSTILE = "<script>alert(1)</script>|*x*"

# --- pure rules -------------------------------------------------------------------------------------


def failing(test_id: str, status: Status = Status.FAILED, message: str = "") -> FailingTest:
    return FailingTest(test_id, f"mod::{test_id}", status, message)


def test_new_failures_counts_only_tests_not_failing_in_the_base() -> None:
    current = [failing("a"), failing("b", Status.ERROR, "boom"), failing("c")]
    rule = new_failures_rule(current, base_failing={"c"}, limit=0, base_label="base run r1")
    assert not rule.passed
    # Errors first, then failures; the test that already failed in the base is not new.
    assert [f.id for f in rule.findings] == ["b", "a"]
    assert rule.findings[0].detail == "error: boom"
    assert rule.summary.startswith("2 new failures (not failing in base run r1)")
    assert new_failures_rule(current, base_failing={"c"}, limit=2, base_label="x").passed


def test_new_failures_without_a_base_counts_every_failure() -> None:
    rule = new_failures_rule([failing("a")], base_failing=None, limit=0, base_label="earlier run on 'main'")
    assert not rule.passed and [f.id for f in rule.findings] == ["a"]
    assert "all count" in rule.summary
    assert new_failures_rule([], base_failing=None, limit=0, base_label="x").passed


def feature(name: str, rate: float | None, passed: int = 0, failed: int = 0) -> FeatureTestHealthDTO:
    return FeatureTestHealthDTO(
        feature=name, domain_id="billing", pass_rate=rate, passed=passed, failed=failed
    )


def test_features_rule_lists_features_below_lowest_first() -> None:
    rows = [
        feature("ok", 1.0, 4),
        feature("low", 0.5, 1, 1),
        feature("none", None),
        feature("mid", 0.9, 9, 1),
    ]
    rule = features_rule(rows, 0.95)
    assert not rule.passed
    assert [f.id for f in rule.findings] == ["billing::none", "billing::low", "billing::mid"]
    assert rule.findings[1].detail == "pass rate 50.0% (1 passed, 1 failed)"
    assert rule.summary == "3 of 4 features below 95.0%"
    assert features_rule(rows, 0.5).findings[0].id == "billing::none"
    assert features_rule([feature("ok", 1.0, 4), feature("mid", 0.9, 9, 1)], 0.9).passed


def signal(signal_id: str, severity: SignalSeverity, state: SignalState = SignalState.OPEN):
    return TestIntegritySignalDTO(
        signal_id=signal_id,
        project_id=PROJECT,
        git_sha="abcdef1234567",
        file_path="tests/test_x.py",
        test_name="test_x",
        signal_type="assertion_removed",
        severity=severity,
        state=state,
    )


def test_integrity_rule_takes_open_signals_at_or_above_the_floor() -> None:
    signals = [
        signal("low", SignalSeverity.LOW),
        signal("med", SignalSeverity.MEDIUM),
        signal("high", SignalSeverity.HIGH),
        signal("acked", SignalSeverity.HIGH, SignalState.ACKNOWLEDGED),
    ]
    rule = integrity_rule(signals, SignalSeverity.MEDIUM)
    assert not rule.passed
    assert [f.id for f in rule.findings] == ["high", "med"]
    assert rule.findings[0].label == "tests/test_x.py::test_x"
    assert integrity_rule(signals[:2], SignalSeverity.HIGH).passed


def test_flaky_new_rule_ignores_tests_flaky_before() -> None:
    retried = [RetriedTest("a", "m::a", 2), RetriedTest("b", "m::b", 3)]
    rule = flaky_new_rule(retried, flaky_before={"a"})
    assert not rule.passed
    assert rule.findings == (Finding("b", "m::b", "passed after 3 attempts"),)
    assert flaky_new_rule(retried, flaky_before={"a", "b"}).passed
    assert flaky_new_rule([], set()).passed


# --- Markdown ---------------------------------------------------------------------------------------


def run_dto(run_id: str = "r2") -> TestRunDTO:
    return TestRunDTO(run_id=run_id, project_id=PROJECT, timestamp=datetime(2026, 1, 2, tzinfo=UTC))


def test_gate_markdown_puts_failed_rules_first_and_escapes_names() -> None:
    rules = [
        RuleResult(INTEGRITY, "high", True, "0 open signals"),
        RuleResult(NEW_FAILURES, "0", False, "1 new failure", (Finding("t1", HOSTILE, "failed: <b>"),)),
    ]
    text = gate_markdown(GateReport(PROJECT, run_dto(), None, rules))
    assert text.startswith("### Test gate ❌ failed")
    assert text.index("`max-new-failures` | 0 | ❌ fail") < text.index("`fail-on-integrity` | high | ✅ pass")
    rendered = MarkdownIt("commonmark").enable(["table"]).render(text)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<b>" not in rendered


def test_gate_markdown_stays_under_the_budget_and_keeps_every_failed_rule() -> None:
    many = tuple(Finding(f"t{i}", "x" * 250 + str(i), "failed: " + "y" * 150) for i in range(5000))
    rules = [
        RuleResult(NEW_FAILURES, "0", False, "5000 new failures", many),
        RuleResult(FLAKY_NEW, "on", False, "5000 newly flaky", many),
        RuleResult(FEATURES, "0.9", False, "1 of 1 features below", (Finding("f", "billing::f", "pass 1%"),)),
    ]
    text = gate_markdown(GateReport(PROJECT, run_dto(), run_dto("r1"), rules))
    assert len(text) <= MAX_CHARS
    # A flood under one rule must not crowd the others out of the summary.
    for rule in (NEW_FAILURES, FLAKY_NEW, FEATURES):
        assert f"#### {rule}:" in text
    assert "`billing::f`" in text
    assert "... and " in text
    small = gate_markdown(GateReport(PROJECT, run_dto(), None, rules), limit=3000)
    assert len(small) <= 3000


# --- through the CLI, on both backends -------------------------------------------------------------

CASES = {
    "a": ("tests/test_cart.py", "test_add", "cart"),
    "b": ("tests/test_cart.py", "test_remove", "cart"),
    "c": ("tests/test_pay.py", "test_pay", "payments"),
    "d": ("tests/test_pay.py", HOSTILE, "payments"),
}
# (run id, branch, time, outcomes): r1 is main's base for r2; r3 on main comes after r2 and is no base.
RUNS = [
    ("r1", "main", "2026-01-01T00:00:00Z", {"a": "passed", "b": "failed", "c": "flaky", "d": "passed"}),
    ("r2", "feature", "2026-01-02T00:00:00Z", {"a": "error", "b": "failed", "c": "flaky", "d": "flaky"}),
    ("r3", "main", "2026-01-03T00:00:00Z", {"a": "passed", "b": "passed", "c": "passed", "d": "passed"}),
]


def report(outcomes: dict[str, str]) -> str:
    return junit_xml(*(tagged_case(*CASES[key], "shop", status) for key, status in outcomes.items()))


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    for run_id, branch, stamp, outcomes in RUNS:
        path = tmp_path / f"{run_id}.xml"
        path.write_text(report(outcomes), encoding="utf-8")
        args = ("ingest", str(path), "--run-id", run_id, "--branch", branch, "--timestamp", stamp, "-q")
        # A SHA that no repository holds: the integrity check after ingest is skipped, whatever the cwd.
        args += ("--git-sha", f"{run_id[1]}" * 10)
        result = Cli(db_url, PROJECT)(*args)
        assert result.exit_code == 0, result.output
    assert Cli(db_url, PROJECT)("map", "resolve").exit_code == 0
    return db_url


def gate_json(db: str, *args: str, code: int) -> dict:
    return Cli(db, PROJECT).json("gate", *args, code=code)


def rule_of(document: dict, name: str) -> dict:
    return next(rule for rule in document["rules"] if rule["rule"] == name)


def test_max_new_failures_against_the_latest_earlier_main_run(db: str) -> None:
    document = gate_json(db, "--run", "r2", "--max-new-failures", "0", code=1)
    assert document["base_run_id"] == "r1" and document["run_id"] == "r2"
    rule = rule_of(document, NEW_FAILURES)
    # test_remove failed on main already; test_add is the one new failure (an error).
    assert [f["label"] for f in rule["findings"]] == ["tests/test_cart.py::test_add"]
    assert rule["findings"][0]["detail"] == "error: fixture broke"
    assert document["failed_rules"] == [NEW_FAILURES]
    passed = gate_json(db, "--run", "r2", "--max-new-failures", "1", code=0)
    assert passed["passed"] is True


def test_max_new_failures_with_an_explicit_or_missing_base(db: str) -> None:
    # Against r3 (everything passed) both failures of r2 are new, even though r3 is later.
    document = gate_json(db, "--run", "r2", "--max-new-failures", "1", "--base-run", "r3", code=1)
    assert document["base_run_id"] == "r3"
    assert rule_of(document, NEW_FAILURES)["count"] == 2
    none = gate_json(db, "--run", "r2", "--max-new-failures", "1", "--base-branch", "release", code=1)
    assert none["base_run_id"] is None
    assert "all count" in rule_of(none, NEW_FAILURES)["summary"]
    # The latest run (r3, on main) has no failures: its base is r1 and nothing is new.
    latest = gate_json(db, "--max-new-failures", "0", code=0)
    assert latest["run_id"] == "r3" and latest["base_run_id"] == "r1"


def test_no_flaky_new_flags_only_first_time_flaky_tests(db: str) -> None:
    document = gate_json(db, "--run", "r2", "--no-flaky-new", code=1)
    rule = rule_of(document, FLAKY_NEW)
    # test_pay was already flaky in r1; the hostile-named test is flaky for the first time.
    assert [f["label"] for f in rule["findings"]] == [f"tests/test_pay.py::{HOSTILE}"]
    assert rule["findings"][0]["detail"] == "passed after 2 attempts"
    first = gate_json(db, "--run", "r1", "--no-flaky-new", code=1)
    assert [f["label"] for f in rule_of(first, FLAKY_NEW)["findings"]] == ["tests/test_pay.py::test_pay"]
    assert gate_json(db, "--run", "r3", "--no-flaky-new", code=0)["passed"] is True


def test_fail_under_passes_when_every_feature_is_at_the_rate(db: str) -> None:
    # Latest results (r3): every test passed, so both features are at 100%.
    document = gate_json(db, "--fail-under", "1.0", code=0)
    assert rule_of(document, FEATURES)["summary"] == "0 of 2 features below 100.0%"


def test_fail_under_fails_for_a_feature_below(db: str, tmp_path: Path) -> None:
    path = tmp_path / "r4.xml"
    path.write_text(report({"a": "failed", "b": "passed", "c": "passed", "d": "passed"}), encoding="utf-8")
    ingest = Cli(db, PROJECT)(
        "ingest", str(path), "--run-id", "r4", "--timestamp", "2026-01-04T00:00:00Z", "-q"
    )
    assert ingest.exit_code == 0, ingest.output
    document = gate_json(db, "--fail-under", "0.9", code=1)
    rule = rule_of(document, FEATURES)
    assert [f["label"] for f in rule["findings"]] == ["shop::cart"]
    assert rule["findings"][0]["detail"] == "pass rate 50.0% (1 passed, 1 failed)"
    assert gate_json(db, "--fail-under", "0.5", code=0)["passed"] is True


def test_fail_on_integrity_open_signals(db: str) -> None:
    assert gate_json(db, "--fail-on-integrity", "low", code=0)["passed"] is True
    with open_store(db) as store:
        store.signals.insert(
            signal("sig-medium", SignalSeverity.MEDIUM).model_copy(update={"test_name": HOSTILE})
        )
    failed = gate_json(db, "--fail-on-integrity", "medium", code=1)
    assert [f["id"] for f in rule_of(failed, INTEGRITY)["findings"]] == ["sig-medium"]
    assert gate_json(db, "--fail-on-integrity", "high", code=0)["passed"] is True
    assert Cli(db, PROJECT)("integrity", "ack", "sig-medium", "--reason", "ok").exit_code == 0
    assert gate_json(db, "--fail-on-integrity", "low", code=0)["passed"] is True


def test_every_rule_at_once_in_table_and_markdown(db: str) -> None:
    args = ("gate", "--run", "r2", "--max-new-failures", "0", "--no-flaky-new", "--fail-under", "0.5")
    result = Cli(db, PROJECT)(*args, "--fail-on-integrity", "high")
    assert result.exit_code == 1, result.output
    assert "gate failed: max-new-failures, no-flaky-new" in result.stderr
    assert "Gate FAILED for run r2 (base r1)" in result.stdout
    assert HOSTILE in result.stdout  # Rich printed the name literally, no markup eaten
    markdown_out = Cli(db, PROJECT)(*args, "--format", "markdown")
    assert markdown_out.exit_code == 1
    text = markdown_out.stdout
    assert text.startswith("### Test gate ❌ failed for run `r2`")
    assert len(text) <= MAX_CHARS
    rendered = MarkdownIt("commonmark").enable(["table"]).render(text)
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    passing = Cli(db, PROJECT)("gate", "--run", "r3", "--max-new-failures", "0", "--format", "markdown")
    assert passing.exit_code == 0 and passing.stdout.startswith("### Test gate ✅ passed")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no rule given"),
        (("--fail-on-integrity", "severe"), "choose low, medium or high"),
        (("--max-new-failures", "0", "--json", "--format", "markdown"), "choose one"),
        (("--max-new-failures", "0", "--run", "nope"), "no run 'nope'"),
        (("--no-flaky-new", "--base-run", "r1"), "--base-run only applies"),
        (("--max-new-failures", "-1"), "--max-new-failures"),
    ],
)
def test_bad_usage_exits_2(db: str, args: tuple[str, ...], message: str) -> None:
    result = Cli(db, PROJECT)("gate", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
