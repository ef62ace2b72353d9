"""output/plain.py writes what Rich writes when it shows no style: the same bytes, or it leaves it to Rich.

Three proofs: its word wrap and its results table against Rich's own rendering of the same Text and
Grid (generated texts and rows, every width from 20 up); its choice of width and of "no style" against
a Rich Console built on the same stream and environment; and real `ingest` processes printing the
summary and the warnings through it and through Rich, on a pipe at several widths, in colour
(FORCE_COLOR) and on a pseudo-terminal, byte for byte.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from factories import junit_case, junit_xml
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_support import cli_env
from rich.console import Console
from rich.text import Text

from ccdash_tests.output import plain, terminal
from ccdash_tests.output.layout import RESULT_COLUMNS

# Letters, digits, the punctuation of test names and messages, and runs of spaces (where Rich breaks).
WORDS = st.text(alphabet="abcdefghij0123456789:/._-[]()'=  ", max_size=240)


def rich_lines(renderable: object, width: int) -> str:
    """What the tool's console prints for `renderable` on a stream that takes no style."""
    out = io.StringIO()
    console = terminal._Console(file=out, width=width, highlight=False, soft_wrap=False, color_system=None)
    console.print(renderable)
    return out.getvalue()


def joined(lines: list[str] | None) -> str:
    assert lines is not None
    return "".join(f"{line}\n" for line in lines)


@settings(max_examples=400, deadline=None)
@given(text=WORDS, more=st.none() | WORDS, width=st.integers(20, 140))
def test_text_wraps_as_rich_wraps_it(text: str, more: str | None, width: int) -> None:
    text = text if more is None else f"{text}\n{more}"
    assert joined(plain.text_lines(text, width)) == rich_lines(Text(text, style="dim"), width)


def test_the_wrap_folds_a_word_longer_than_the_line_and_keeps_trailing_spaces() -> None:
    text = "need them; " + "x" * 50 + " tail   end"
    assert joined(plain.text_lines(text, 20)) == rich_lines(Text(text), 20)
    assert plain.text_lines("a" * 45, 20) == ["a" * 20, "a" * 20, "a" * 5]


ROW = st.tuples(
    WORDS.map(lambda s: s.replace("  ", "_")[:90]),
    st.sampled_from(["failed", "error", "failed flaky", "passed flaky"]),
    st.sampled_from(["0 ms", "12 ms", "1.50 s", "3 min 5 s", "-"]),
    st.sampled_from(["1", "2", "10"]),
    WORDS.map(lambda s: s[:160]),
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(ROW, max_size=6), total=st.integers(1, 10**7), width=st.integers(20, 220))
def test_the_results_table_is_the_grid_rich_prints(
    rows: list[tuple[str, ...]], total: int, width: int
) -> None:
    title = f"Failures ({total:,})"
    grid = terminal.Grid(Text(title, style="bold"), RESULT_COLUMNS)
    for row in rows:
        grid.add_row(*row)
    lines = plain.table(title, RESULT_COLUMNS, [list(row) for row in rows], width)
    if lines is None:  # only when Rich would stack the grid: below its minimum width
        assert grid.fitted_widths(width) is None
        return
    assert joined(lines) == rich_lines(grid, width)


def test_cells_wider_or_narrower_than_one_cell_are_left_to_rich() -> None:
    for odd in ("名前", "e\u0301", "\U0001f600"):
        assert plain.table("Failures (1)", RESULT_COLUMNS, [[odd, "failed", "1 ms", "1", "x"]], 120) is None
        assert plain.text_lines(f"Warning: {odd}", 80) is None
    assert plain.text_lines("cut\u2026", 80) == ["cut\u2026"]  # the tool's own ellipsis is one cell


ENVIRONMENTS = [
    {},
    {"COLUMNS": "100"},
    {"COLUMNS": "33"},
    {"COLUMNS": "12"},
    {"COLUMNS": "wide"},
    {"FORCE_COLOR": "1"},
    {"FORCE_COLOR": ""},
    {"NO_COLOR": "1"},
    {"TTY_COMPATIBLE": "1"},
    {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
    {"TERM": "dumb"},
]


@pytest.mark.parametrize("environ", ENVIRONMENTS, ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()))
@pytest.mark.parametrize("on_tty", [False, True], ids=["pipe", "tty"])
def test_the_width_and_the_choice_of_no_style_are_richs(environ: dict[str, str], on_tty: bool) -> None:
    primary, secondary = pty.openpty() if on_tty else os.pipe()
    with open(primary if on_tty else secondary, "w", encoding="utf-8", closefd=False) as stream:
        try:
            console = Console(file=stream, _environ=environ)
            width = plain.plain_width(stream, environ)
            if console.is_terminal or console.width < plain.MIN_WIDTH:
                assert width is None  # Rich may style it (a dumb terminal too): Rich prints it
            else:
                assert console.color_system is None and width == console.width
        finally:
            os.close(primary)
            os.close(secondary)


def test_a_stream_not_in_utf_8_is_left_to_rich() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    assert plain.plain_width(stream, {}) is None
    assert plain.plain_width(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), {}) == (
        Console(file=stream, _environ={}).width
    )


# The same `ingest` in a real process, with plain.py told to leave everything to Rich.
THROUGH_RICH = """
import sys
from ccdash_tests.output import plain
plain.plain_width = lambda *args, **kwargs: None
sys.argv = ["ccdash-tests", *sys.argv[1:]]
from ccdash_tests.cli import main
main()
"""
# The same `ingest` as it runs, saying at its end (on stderr's last line) whether Rich was imported.
THROUGH_PLAIN = """
import atexit, sys
atexit.register(lambda: print("rich" in sys.modules, file=sys.stderr))
sys.argv = ["ccdash-tests", *sys.argv[1:]]
from ccdash_tests.cli import main
main()
"""


def summary_report(folder: Path) -> Path:
    """A report with more failures than the summary lists, flaky tests, long and odd messages."""
    cases = [junit_case(f"test_ok_{i}", classname="tests.test_api.TestOk") for i in range(30)]
    cases += [
        junit_case(
            f"test_broken_{i}[{'param-' * (i % 4)}{i}]",
            "failed" if i % 3 else "error",
            classname=f"tests.{'deep.' * (i % 5)}test_mod{i}.TestCase",
            time=f"{i * 0.37:.2f}",
            message=f"AssertionError: expected {i} got {i * 7} while waiting for worker {'w' * (i * 3)}  x",
        )
        for i in range(26)
    ]
    cases += [junit_case(f"test_flaky_{i}", "flaky", classname="tests.test_net.TestNet") for i in range(23)]
    cases += [
        junit_case("test_skip", "skipped"),
        junit_case("test_markup", "failed", message="[bold]not markup[/bold] :smile:"),
    ]
    path = folder / "report.xml"
    path.write_text(junit_xml(*cases, timestamp="2026-01-02T03:04:05"), encoding="utf-8")
    return path


def run_both(
    tmp_path: Path, args: list[str], env: dict[str, str], tty: bool = False, fresh: bool = True
) -> dict[str, tuple[int, bytes, bytes]]:
    """`ingest` through plain.py and through Rich, one after the other in one folder (a message may
    name it), each into a new store unless `fresh` is False."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    report = summary_report(tmp_path)
    seen: dict[str, tuple[int, bytes, bytes]] = {}
    for name, code in (("plain", THROUGH_PLAIN), ("rich", THROUGH_RICH)):
        if fresh:
            for stale in tmp_path.glob("s.db*"):
                stale.unlink()
        argv = [sys.executable, "-c", code, "ingest", report.name, "--db", "s.db", "--project", "p", *args]
        if tty:
            primary, secondary = pty.openpty()
            done = subprocess.run(argv, cwd=tmp_path, env=env, stdout=secondary, stderr=subprocess.PIPE)
            os.close(secondary)
            out = b""
            while True:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # the terminal's other end is closed: all was read
                    break
                if not chunk:
                    break
                out += chunk
            os.close(primary)
        else:
            done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True)
            out = done.stdout
        seen[name] = (done.returncode, out, done.stderr)
    return seen


def without_probe(err: bytes) -> tuple[bytes, bytes]:
    *lines, probe = err.split(b"\n")[:-1]
    return b"".join(line + b"\n" for line in lines), probe


@pytest.mark.parametrize("columns", [None, "80", "97", "132", "200", "64", "30"])
def test_an_ingest_on_a_pipe_prints_what_rich_prints(tmp_path: Path, columns: str | None) -> None:
    env = cli_env(**({"COLUMNS": columns} if columns else {}))
    if columns is None:
        env.pop("COLUMNS", None)
    for extra in ([], ["--git-sha", "0" * 40]):
        seen = run_both(tmp_path / f"run{len(extra)}", extra, env)
        (code, out, err), (rich_code, rich_out, rich_err) = seen["plain"], seen["rich"]
        err, probe = without_probe(err)
        assert (code, out, err) == (rich_code, rich_out, rich_err)
        assert (
            code == 0
            and b"Failures (27)" in out
            and b"Flaky (23)" in out
            and b"and 3 more" in out
            and b"\x1b" not in out
        )
        assert b"and 7 more:" in out and b"no file" in err
        # Only a table Rich would stack (below its minimum width) needs Rich.
        assert probe == (b"True" if columns in ("64", "30") else b"False")


def test_a_re_ingest_on_a_pipe_prints_what_rich_prints(tmp_path: Path) -> None:
    env = cli_env(COLUMNS="90")
    run_both(tmp_path, [], env)
    seen = run_both(tmp_path, [], env, fresh=False)
    (code, out, err), rich = seen["plain"], seen["rich"]
    assert (code, out, without_probe(err)[0]) == rich
    assert b"Already stored: 81 results; nothing new was written." in out


@pytest.mark.parametrize(
    "colour", [{"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}, {"NO_COLOR": "1", "FORCE_COLOR": "1"}]
)
def test_colour_is_richs_and_prints_the_same(tmp_path: Path, colour: dict[str, str]) -> None:
    seen = run_both(tmp_path, [], cli_env(COLUMNS="120", **colour))
    (code, out, err), rich = seen["plain"], seen["rich"]
    err, probe = without_probe(err)
    assert (code, out, err) == rich and probe == b"True"
    assert b"\x1b[" in out


@pytest.mark.parametrize("columns", ["80", "150"])
def test_a_terminal_is_richs_and_prints_the_same(tmp_path: Path, columns: str) -> None:
    env = cli_env(COLUMNS=columns, TERM="xterm-256color")
    env.pop("FORCE_COLOR", None)
    env.pop("NO_COLOR", None)
    seen = run_both(tmp_path, [], env, tty=True)
    (code, out, err), rich = seen["plain"], seen["rich"]
    err, probe = without_probe(err)
    assert (code, out, err) == rich and probe == b"True"
    assert b"\x1b[" in out and b"Failures (27)" in out
