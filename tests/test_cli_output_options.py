"""Output options CI users expect: NO_COLOR, --quiet, width, completion, --version, Markdown formats."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import Cli, cli, junit_xml, tagged_case
from markdown_it import MarkdownIt
from typer.testing import Result

from ccdash_tests import __version__
from ccdash_tests.health.report import HealthReport
from ccdash_tests.models import (
    FeatureTestHealthDTO,
    SignalSeverity,
    SignalState,
    TestIntegritySignalDTO,
)
from ccdash_tests.output import terminal
from ccdash_tests.output.markdown import MAX_CHARS
from ccdash_tests.output.views.health import health_markdown
from ccdash_tests.output.views.integrity import signals_markdown
from ccdash_tests.store import open_store

PROJECT = "shop"
HOSTILE = "<script>alert(1)</script>|*x*"
COLOUR_CODE = re.compile(r"\x1b\[[0-9;]*3[0-9](;[0-9]+)*m")
CLI = Path(sys.executable).parent / "ccdash-tests"

CASES = {
    "good": ("tests.test_auth", "test_login", "login"),
    "bad": ("tests.test_cart", "test_total", "cart"),
    "half": ("tests.test_cart", "test_tax", "tax"),
    "half_ok": ("tests.test_cart", "test_tax_ok", "tax"),
    "hostile": ("tests.test_cart", HOSTILE, HOSTILE),
}
OUTCOMES = {"good": "passed", "bad": "failed", "half": "failed", "half_ok": "passed", "hostile": "passed"}


def report_xml(outcomes: dict[str, str]) -> str:
    return junit_xml(
        *(tagged_case(*CASES[key], "shop", status, time="0.1") for key, status in outcomes.items())
    )


def ingest(db: str, path: Path, *args: str) -> Result:
    return Cli(db, PROJECT)(
        "ingest", str(path), "--run-id", "r1", "--timestamp", "2026-01-01T00:00:00Z", *args
    )


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "r1.xml"
    path.write_text(report_xml(OUTCOMES), encoding="utf-8")
    return path


@pytest.fixture
def db(db_url: str, report_file: Path) -> str:
    result = ingest(db_url, report_file, "--git-sha", "a" * 10, "--quiet")
    assert result.exit_code == 0, result.output
    assert Cli(db_url, PROJECT)("map", "resolve").exit_code == 0
    return db_url


# --- --quiet on ingest ------------------------------------------------------------------------------


def test_ingest_quiet_prints_nothing_on_success(db_url: str, report_file: Path) -> None:
    result = ingest(db_url, report_file, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""
    runs = json.loads(Cli(db_url, PROJECT)("runs", "list", "--json").stdout)
    assert [run["run_id"] for run in runs] == ["r1"]
    loud = ingest(db_url, report_file)
    assert loud.exit_code == 0 and "Already stored" in loud.stdout


def test_ingest_quiet_still_reports_errors(db_url: str, tmp_path: Path, report_file: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<testsuites><testcase", encoding="utf-8")
    result = ingest(db_url, broken, "-q")
    assert result.exit_code == 2
    assert result.stdout == "" and "broken.xml" in result.stderr
    both = ingest(db_url, report_file, "--quiet", "--json")
    assert both.exit_code == 2 and "--quiet and --json: choose one" in both.stderr


# --- NO_COLOR, width, completion, version -----------------------------------------------------------


def test_make_console_respects_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    console = terminal.make_console()
    with console.capture() as captured:
        console.print(terminal.plain("red text", style="red"))
    assert COLOUR_CODE.search(captured.get())
    monkeypatch.setenv("NO_COLOR", "1")
    console = terminal.make_console()
    assert console.no_color
    with console.capture() as captured:
        console.print(terminal.plain("red text", style="red"))
    assert "red text" in captured.get() and not COLOUR_CODE.search(captured.get())


def test_no_color_through_the_cli(db: str) -> None:
    coloured = Cli(db, PROJECT)("runs", "list", env={"FORCE_COLOR": "1"})
    assert coloured.exit_code == 0 and COLOUR_CODE.search(coloured.stdout)
    plain = Cli(db, PROJECT)("runs", "list", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.exit_code == 0 and "r1" in plain.stdout
    assert not COLOUR_CODE.search(plain.stdout)


@pytest.mark.parametrize("columns", [60, 100, 160])
def test_tables_follow_the_terminal_width(db: str, columns: int) -> None:
    result = Cli(db, PROJECT)("runs", "show", "r1", "--all", env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    widths = [len(line) for line in result.stdout.splitlines()]
    # Nothing is wider than the terminal; the table is as wide as its content, not the terminal.
    assert max(widths) <= columns


def test_version() -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"ccdash-tests {__version__}\n"


def test_bash_completion_script_and_completions() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_CCDASH")}
    # Without this, Typer ignores the "bash" argument and names the shell by the processes above the
    # test (shellingham): started from sh, or from a runner that is no shell, it says "Shell sh not
    # supported." The variable makes --show-completion take the shell it is given.
    env["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"
    shown = subprocess.run(
        [str(CLI), "--show-completion", "bash"], capture_output=True, text=True, env=env, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _ccdash_tests_completion ccdash-tests" in shown.stdout
    assert "_CCDASH_TESTS_COMPLETE=complete_bash" in shown.stdout
    # What the installed script asks for at a TAB: the commands that start with "g" and "--qu".
    completing = {**env, "_CCDASH_TESTS_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    words = subprocess.run(
        [str(CLI)],
        capture_output=True,
        text=True,
        env={**completing, "COMP_WORDS": "ccdash-tests ga"},
        timeout=60,
    )
    assert words.returncode == 0 and words.stdout.split() == ["gate"], words.stderr
    options = subprocess.run(
        [str(CLI)],
        capture_output=True,
        text=True,
        env={**completing, "COMP_WORDS": "ccdash-tests ingest --qu", "COMP_CWORD": "2"},
        timeout=60,
    )
    assert options.stdout.split() == ["--quiet"]


# --- health --format markdown -----------------------------------------------------------------------


def md(text: str) -> str:
    return MarkdownIt("commonmark").enable(["table"]).render(text)


def test_health_markdown_worst_first_with_gate(db: str) -> None:
    result = Cli(db, PROJECT)("health", "--format", "markdown", "--fail-under", "0.9")
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert text.startswith("### Feature health of `shop`: gate 90.0% ❌ failed (2 below)")
    order = [text.index(f"`{name}`") for name in ("cart", "tax", "login")]
    assert order == sorted(order)  # 0%, 50%, 100%
    assert "0.0% ❌" in text and "50.0% ❌" in text
    rendered = md(text)
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    ok = Cli(db, PROJECT)("health", "--format", "markdown", "--fail-under", "0.0")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("### Feature health of `shop`: gate 0.0% ✅ passed\n")


def test_health_markdown_with_tests_and_format_errors(db: str) -> None:
    result = Cli(db, PROJECT)("health", "--feature", "tax", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "#### Tests behind the feature (2)" in result.stdout
    assert result.stdout.index("test_tax`") < result.stdout.index("test_tax_ok`")  # failed first
    both = Cli(db, PROJECT)("health", "--format", "markdown", "--json")
    assert both.exit_code == 2 and "choose one" in both.output
    wrong = Cli(db, PROJECT)("health", "--format", "html")
    assert wrong.exit_code == 2


def feature_row(index: int) -> FeatureTestHealthDTO:
    rate = (index % 100) / 100
    return FeatureTestHealthDTO(
        feature=f"feature-{index:05d}-" + "x" * 200,
        domain_id="domain/" + "d" * 50,
        total_tests=10,
        passed=int(rate * 10),
        failed=10 - int(rate * 10),
        pass_rate=rate,
        trend=[rate] * 10,
        last_good_run_id="r" * 32,
    )


def test_health_markdown_stays_under_the_budget_worst_first() -> None:
    rows = [feature_row(i) for i in range(3000)]
    text = health_markdown(PROJECT, HealthReport(rows, [], 10), fail_under=0.5)
    assert len(text) <= MAX_CHARS
    assert "... and " in text and "more" in text
    shown = re.findall(r"`feature-(\d{5})-", text)
    rates = [int(index) % 100 for index in shown]
    assert rates == sorted(rates) and rates[0] == 0
    assert len(health_markdown(PROJECT, HealthReport(rows, [], 10), None, limit=5000)) <= 5000


# --- integrity --format markdown --------------------------------------------------------------------


def make_signal(signal_id: str, severity: SignalSeverity, name: str = "test_x") -> TestIntegritySignalDTO:
    return TestIntegritySignalDTO(
        signal_id=signal_id,
        project_id=PROJECT,
        git_sha="abcdef1234567890",
        file_path="tests/test_cart.py",
        test_name=name,
        signal_type="assertion_removed",
        severity=severity,
        details={"removed": ["assert total == 3"], "assertions_before": 2, "assertions_after": 1},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_integrity_markdown_most_severe_first_with_gate(db: str) -> None:
    with open_store(db) as store:
        store.signals.insert(make_signal("sig-low", SignalSeverity.LOW))
        store.signals.insert(make_signal("sig-high", SignalSeverity.HIGH, HOSTILE))
        store.signals.insert(make_signal("sig-med", SignalSeverity.MEDIUM))
    result = Cli(db, PROJECT)("integrity", "--format", "markdown", "--fail-on", "medium")
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert text.startswith("### Integrity signals (open) of `shop`: 3 · gate medium ❌ failed (2 open)")
    assert text.index("`sig-high`") < text.index("`sig-med`") < text.index("`sig-low`")
    assert "assert total == 3" in text and "assertions 2 -> 1" in text
    rendered = md(text)
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    high = Cli(db, PROJECT)("integrity", "--format", "markdown", "--fail-on", "high")
    assert high.exit_code == 1 and "gate high ❌ failed (1 open)" in high.stdout
    assert Cli(db, PROJECT)("integrity", "ack", "sig-high", "--reason", "fine").exit_code == 0
    now = Cli(db, PROJECT)("integrity", "--format", "markdown", "--fail-on", "high")
    assert now.exit_code == 0 and "gate high ✅ passed" in now.stdout
    both = Cli(db, PROJECT)("integrity", "--format", "markdown", "--json")
    assert both.exit_code == 2 and "choose one" in both.output


def test_integrity_markdown_stays_under_the_budget() -> None:
    severities = list(SignalSeverity)
    signals = [
        make_signal(f"sig-{i:05d}", severities[i % 3], "test_" + "y" * 250).model_copy(
            update={"state": SignalState.OPEN if i % 2 else SignalState.ACKNOWLEDGED}
        )
        for i in range(3000)
    ]
    text = signals_markdown(PROJECT, signals, "all", None, None)
    assert len(text) <= MAX_CHARS
    assert "... and " in text
    first_rows = [line for line in text.splitlines() if line.startswith("| high")][:3]
    assert first_rows and all("acknowledged" not in row for row in first_rows)  # open before acknowledged
    assert "| low" not in text  # 3,000 rows cannot fit: the least severe are the ones left out
    assert signals_markdown(PROJECT, [], "open", [], SignalSeverity.HIGH).endswith("No integrity signals.\n")
