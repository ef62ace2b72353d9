"""Every table at 80 and 120 columns (and in a pipe): nothing wider than the terminal, no identifier broken.

An identifier (a run id, a commit, a branch, a test's name, a feature) is either shown whole on one
line or cut behind an ellipsis, never folded across lines or cut without a mark.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from factories import Cli, GitRepo, junit_case, junit_xml, tagged_case, write_report
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ccdash_tests.health import sparkline
from ccdash_tests.output.terminal import RESULT_COLUMNS, Grid
from ccdash_tests.text import INVISIBLE

PROJECT = "checkout"
BRANCH = "feature/very-long-branch-name-for-the-checkout-page-redesign"
SHAS = ["a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567"]
CLASS = "tests.integration.checkout.payment_providers.test_stripe_webhooks"
FLAKY_NAME = "test_refund_is_idempotent_when_the_webhook_is_retried_twice"
BROKEN_NAME = "test_capture_after_authorisation_expired_returns_a_clear_error"
FEATURE = "payment-webhooks"
DOMAIN = "checkout-and-payments"
# Every command whose answer is a table or a tree, with what it must show.
COMMANDS = [
    ("runs", "list"),
    ("runs", "show"),
    ("runs", "show", "--all"),
    ("history", BROKEN_NAME),
    ("flaky",),
    ("failures",),
    ("failures", "--all"),
    ("timeline", "--feature", FEATURE),
    ("timeline", "--feature", FEATURE, "--by", "run"),
    ("domains",),
    ("health",),
    ("health", "--feature", FEATURE),
    ("gate", "--max-new-failures", "0", "--no-flaky-new", "--fail-under", "0.9"),
    ("map", "show"),
    ("map", "conflicts"),
]
# Words of headings and sentences that also occur inside an identifier ("payment_providers").
HEADINGS = {"provider", "providers"}
TOKEN = re.compile(r"[^\s│┃|]+")


def report(run: int) -> str:
    message = "AssertionError: expected HTTP 409 from the capture endpoint, got 500 Internal Server Error"
    return junit_xml(
        tagged_case(CLASS, FLAKY_NAME, FEATURE, DOMAIN, "flaky" if run == 1 else "passed"),
        tagged_case(CLASS, BROKEN_NAME, FEATURE, DOMAIN, "failed" if run else "passed", message=message),
        tagged_case(CLASS, "test_ok", FEATURE, DOMAIN),
        junit_case("test_\u202eevil_name", classname="tests.test_bidi"),
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, list[str]]:
    """Three runs with generated (32-hex) ids on a long branch: green, then a flaky and a failing test."""
    folder = tmp_path_factory.mktemp("terminal")
    cli = Cli(folder / "store.db", PROJECT)
    for run in range(3):
        path = write_report(folder, f"run-{run}.xml", report(run))
        cli(
            "ingest", path, "--branch", BRANCH, "--git-sha", SHAS[run % 2],
            "--timestamp", f"2026-11-2{run}T10:00:00Z", "--session", f"agent-session-{run}-of-a-long-task",
            code=0,
        )  # fmt: skip
    runs = [run["run_id"] for run in cli.json("runs", "list")]
    assert all(re.fullmatch(r"[0-9a-f]{32}", run_id) for run_id in runs)
    return cli, runs


def pieces_are_whole_or_cut(output: str, identifiers: list[str]) -> None:
    """No token of the output is a piece of an identifier unless an ellipsis marks the cut side."""
    for line in output.splitlines():
        for token in TOKEN.findall(line):
            core = token.strip("…")
            if len(core) < 8 or core in identifiers or core in HEADINGS:
                continue
            holders = [ident for ident in identifiers if core in ident]
            # A cut piece may sit inside a longer identifier too (a feature inside `domain::feature`):
            # it is whole when some identifier it belongs to was cut on the marked side.
            cut = any(
                (token.startswith("…") and ident.endswith(core))
                or (token.endswith("…") and ident.startswith(core))
                for ident in holders
            )
            assert not holders or cut, f"{holders[0]!r} broken as {token!r} in line {line!r}"


@pytest.mark.parametrize("columns", [80, 120])
def test_every_table_fits_without_breaking_an_identifier(store: tuple[Cli, list[str]], columns: int) -> None:
    cli, runs = store
    identifiers = [
        *(run_id[:12] for run_id in runs),
        *(sha[:10] for sha in SHAS),
        BRANCH,
        f"{CLASS}::{FLAKY_NAME}",
        f"{CLASS}::{BROKEN_NAME}",
        FLAKY_NAME,
        BROKEN_NAME,
        f"{DOMAIN}::{FEATURE}",
        DOMAIN,
        FEATURE,
        # what the path provider guesses from the test's module (shown by `map show`)
        "stripe_webhooks",
        "checkout/payment_providers",
    ]
    seen = ""
    for command in COMMANDS:
        result = cli(*command, env={"COLUMNS": str(columns)})
        # The gate fails (exit 1): the latest run has a failure. Anything else is a crash.
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert result.exit_code in (0, 1) and not crashed, (command, result.output, result.exception)
        out = result.stdout
        assert out.strip(), command
        too_wide = [line for line in out.splitlines() if cell_len(line) > columns]
        assert not too_wide, (command, too_wide)
        pieces_are_whole_or_cut(out, identifiers)
        assert not re.search(f"[{INVISIBLE}]", out), command
        seen += out
    # Generated run ids are shown by 12 hex digits (a prefix `runs show` accepts); in full only in the
    # header of the run itself (`run <id>  <time>  <status>`), as `git show` does.
    others = "\n".join(line for line in seen.splitlines() if not line.startswith("run "))
    assert all(run_id[:12] in seen and run_id not in others for run_id in runs)
    assert all(sha[:10] in seen and sha not in seen for sha in SHAS)
    assert "test_\\u202eevil_name" in seen  # the bidi override shown escaped, not obeyed


def test_narrow_tables_stack_instead_of_folding(store: tuple[Cli, list[str]]) -> None:
    cli, runs = store
    out = cli("history", BROKEN_NAME, env={"COLUMNS": "50"}, code=0).stdout
    # Too narrow for a table: one record a block, the run on its own line, then `field: value` lines.
    assert runs[0][:12] in out.splitlines()
    assert "  status: failed" in out and "  sha: " + SHAS[0][:10] in out
    assert all(cell_len(line) <= 50 for line in out.splitlines())


def test_json_keeps_full_ids(store: tuple[Cli, list[str]]) -> None:
    cli, runs = store
    document = cli.json("runs", "show", runs[0])
    assert document["run"]["run_id"] == runs[0] and document["run"]["git_sha"] == SHAS[0]
    assert len(document["results"]) == 4  # every result, not the default listing's


def test_runs_show_lists_failures_and_flaky_by_default(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "store.db", PROJECT)
    cases = [junit_case(f"test_{i:03}", "failed" if i < 25 else "passed", classname="t") for i in range(300)]
    cases.append(junit_case("test_retried", "flaky", classname="t"))
    cases.append(junit_case("test_later", "skipped", classname="t"))
    path = write_report(tmp_path, "big.xml", junit_xml(*cases))
    cli("ingest", path, "--run-id", "nightly-7", code=0)

    out = cli("runs", "show", code=0).stdout
    assert "276 passed  25 failed  1 skipped" in out
    assert "Errors and failures (25)" in out and "Flaky tests (1)" in out
    assert "t::test_019" in out and "t::test_020" not in out  # 20 shown, worst first then by name
    assert "and 5 more: ccdash-tests failures --run nightly-7" in out
    assert "t::test_200" not in out and "test_later" not in out  # passed and skipped are not listed

    limited = cli("runs", "show", "--limit", "3", code=0).stdout
    assert "t::test_002" in limited and "t::test_003" not in limited and "and 22 more" in limited

    skipped = cli("runs", "show", "--status", "skipped", code=0).stdout
    assert "Skipped results (1)" in skipped and "t::test_later" in skipped and "test_000" not in skipped

    flaky = cli("runs", "show", "--status", "flaky", code=0).stdout
    assert "Flaky tests (1)" in flaky and "t::test_retried" in flaky

    every = cli("runs", "show", "--all", code=0).stdout
    assert "All results (302)" in every and "more:" not in every
    listed = [line.split()[0] for line in every.splitlines() if line.startswith("t::test_")]
    assert len(listed) == 302 and listed[:25] == [f"t::test_{i:03}" for i in range(25)]

    passed = cli("runs", "show", "--status", "passed", "--limit", "2", code=0).stdout
    assert "and 274 more: ccdash-tests runs show nightly-7 --status passed --all" in passed

    document = json.loads(cli("runs", "show", "--json", code=0).stdout)
    assert len(document["results"]) == 302 and document["run"]["run_id"] == "nightly-7"


def test_sparkline_shows_any_drop() -> None:
    # Only a full pass rate is a full bar: 98% and 99.9% are one bar lower.
    assert sparkline([1.0, 0.98, 0.999, 1.0]) == "█▇▇█"


def _streamed_rows() -> list[list[str | Text]]:
    message = "assert 1 == 2 and a message long enough to wrap"
    rows: list[list[str | Text]] = []
    for i in range(24):
        status = Text("failed" if i % 3 == 0 else "passed", style="red" if i % 3 == 0 else "green")
        if i % 5 == 0:
            status.append(" flaky", style="magenta")
        name = f"pkg.module_{i}.TestSomething::test_case_number_{i}" + ("_and_a_longer_tail" * (i % 2))
        if i % 7 == 0:
            name += " 名前"  # wide characters: cut cell by cell
        rows.append([Text(name), status, f"{i * 7} ms", str(1 + i % 2), Text(message if i % 4 == 0 else "")])
    return rows


def _both_ways(console: Callable[[], Console], width: int) -> tuple[Console, Console]:
    """The rows through a headerless table and through `print_lines`, at the same widths."""
    grid = Grid("Results", RESULT_COLUMNS)
    for row in _streamed_rows():
        grid.add_row(*row)
    widths = grid.fitted_widths(width)
    assert widths is not None
    table, lines = console(), console()
    table.print(grid.table(widths, header=False))
    grid.print_lines(lines, widths)
    return table, lines


@pytest.mark.parametrize("width", [80, 100, 140])
def test_streamed_rows_print_as_the_table_would(width: int) -> None:
    # Rows after the first chunk are laid out directly; they must read exactly as the table's rows,
    # styles included: names cut behind a dim ellipsis, messages wrapped, wide characters.
    table, fast = _both_ways(
        lambda: Console(
            file=io.StringIO(), width=width, record=True, highlight=False, color_system="truecolor"
        ),
        width,
    )

    def lines(console: Console, styles: bool) -> list[str]:
        text = console.export_text(styles=styles, clear=False)
        return [line.rstrip() for line in text.splitlines()]

    assert lines(fast, styles=False) == lines(table, styles=False)
    assert lines(fast, styles=True) == lines(table, styles=True)
    assert any("test_case_number_22" in line for line in lines(fast, styles=False))


def test_streamed_rows_to_a_pipe_read_as_the_table() -> None:
    # With nothing to style (a pipe, a file) the laid-out lines are written as they are.
    table, fast = _both_ways(lambda: Console(file=io.StringIO(), width=80), 80)
    assert fast.color_system is None
    written = fast.file.getvalue()  # type: ignore[attr-defined]
    assert [line.rstrip() for line in written.splitlines()] == [
        line.rstrip()
        for line in table.file.getvalue().splitlines()  # type: ignore[attr-defined]
    ]
    assert "test_case_number_22" in written and "\x1b" not in written


@pytest.mark.parametrize("columns", [80, 120])
def test_integrity_listing_fits_without_breaking_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    repo = GitRepo(tmp_path / "shop")
    path = "tests/integration/checkout/test_payment_provider_webhooks.py"
    name = "test_refund_is_idempotent_when_the_webhook_is_retried_twice"
    body = f"def {name}():\n    assert refund(1) == 'refunded'\n    assert refund(1) == 'already refunded'\n"
    first = repo.commit("webhooks", {path: "from shop import refund\n\n\n" + body})
    weakened = f"def {name}():\n    refund(1)\n    refund(1)\n"  # both checks gone
    second = repo.commit("make the webhook test green", {path: "from shop import refund\n\n\n" + weakened})
    monkeypatch.chdir(repo.root)
    cli = Cli(tmp_path / "s.db", "shop")
    classname = path.removesuffix(".py").replace("/", ".")
    for sha in (first, second):
        report = junit_xml(junit_case(name, classname=classname, file=path))
        cli("ingest", write_report(tmp_path, f"{sha}.xml", report), "--git-sha", sha, "--run-id", sha, code=0)
    out = cli("integrity", env={"COLUMNS": str(columns)}, code=0).stdout
    assert "assertion_removed" in out, out
    assert not [line for line in out.splitlines() if cell_len(line) > columns], out
    pieces_are_whole_or_cut(out, [f"{path}::{name}", name, path, second[:10]])


def _failure_grid() -> Grid:
    from ccdash_tests.output.terminal import Col

    grid = Grid(
        "Failures",
        [
            Col("tests", "name", min=24),
            Col("message", "text", min=16),
            Col("first seen", optional=True),
            Col("fingerprint", "id", min=12, optional=True),
        ],
    )
    grid.add_row(
        "tests/billing/refunds/test_refunds.py::test_partial_refund",
        "TimeoutError: refund service at 127.0.0.1:8002 did not answer in 30s",
        "2026-11-22 09:00",
        "1cef5f8aeb3b82b2",
    )
    return grid


def _printed(grid: Grid, width: int) -> list[str]:
    console = Console(width=width, record=True, highlight=False)
    console.print(grid)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_optional_columns_give_way_before_a_message_is_squeezed() -> None:
    # At 100 columns all four fit only by folding the message word by word; the optional columns go
    # (the last first) and a note names them, so the message and the test stay readable.
    lines = _printed(_failure_grid(), 100)
    assert not any("1cef5f8aeb3b" in line for line in lines)
    assert lines[-1] == "not shown at this width: fingerprint (a wider terminal or --json has them)"
    message_lines = [line for line in lines if "TimeoutError" in line or "did not answer" in line]
    assert len(message_lines) <= 2
    assert any("test_partial_refund" in line for line in lines)


def test_wide_enough_shows_every_column_and_no_note() -> None:
    lines = _printed(_failure_grid(), 200)
    assert any("1cef5f8aeb3b82b2" in line and "2026-11-22 09:00" in line for line in lines)
    assert not any("not shown at this width" in line for line in lines)


@pytest.mark.parametrize("json_out", [False, True])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, json_out: bool) -> None:
    # `ccdash-tests runs show --all | head`: the reader leaves early. One exit code (141, as a tool
    # killed by SIGPIPE), nothing on stderr: no traceback, not even from the results stream's clean-up.
    db = tmp_path / "s.db"
    cases = [junit_case(f"test_{i:05d}", "failed" if i % 9 == 0 else "passed") for i in range(4000)]
    Cli(db, "p")("ingest", str(write_report(tmp_path, "r.xml", junit_xml(*cases))), code=0)
    args = ["runs", "show", "--all", "--db", str(db), "--project", "p", *(["--json"] if json_out else [])]
    reader = subprocess.Popen(
        [sys.executable, "-m", "ccdash_tests", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.read(100)
    reader.stdout.close()
    stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 141, stderr
    assert stderr == ""
