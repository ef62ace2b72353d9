"""Markdown output: escaping checked by a real CommonMark+GFM-table parser, the length budget, `runs show`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import Cli
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import IngestRunRequest, ParsedCase, Status
from ccdash_tests.output.markdown import MAX_CHARS, Document, Table, code, escape, more_line, one_line
from ccdash_tests.store import Store, open_store

HOSTILE = [
    "<script>alert(1)</script>",
    "a|b",
    "*bold* _em_ **x**",
    "`tick` ``two``",
    "# heading",
    "1. item",
    "- bullet",
    "> quote",
    "[link](http://example.com)",
    "![img](x.png)",
    "~~gone~~",
    "a\\|b\\",
    "&amp; &lt; &#65;",
    "line one\nline two\r\nthree",
    "===",
    "---",
    "$x^2$",
    "<!-- comment",
    "null\x00byte",
]


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def inline_text(token: Token) -> str:
    """The literal text an inline token renders; markup of any kind shows as <type> so tests see it."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append("\n")
        else:
            parts.append(f"<{child.type}>")
    return "".join(parts)


def table_cells(markdown: str) -> list[list[str]]:
    """Rows of cell texts of every table in the document (header rows included)."""
    rows: list[list[str]] = []
    for token in parser().parse(markdown):
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows and token.level >= 3:
            rows[-1].append(inline_text(token))
    return rows


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_render_literally_in_table_cells(name: str) -> None:
    table = Table(["code", "text"])
    markdown = table.head() + "\n" + table.row([code(name), escape(name)])
    assert table_cells(markdown) == [["code", "text"], [one_line(name), one_line(name)]]
    assert "<script>" not in parser().render(markdown)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_stays_one_literal_paragraph(name: str) -> None:
    tokens = parser().parse(escape(name))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert inline_text(tokens[1]) == one_line(name)


TEXT = st.text(
    alphabet=st.sampled_from([*"ab1 \t\n|\\`*_[]()<>&#;!~-+.=:$@^{}'\"", "é", "中", "\x00", "\x1b"]),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_renders_literally(text: str) -> None:
    table = Table(["c", "t"])
    assert table_cells(table.head() + "\n" + table.row([code(text), escape(text)]))[1] == [one_line(text)] * 2
    if one_line(text):
        tokens = parser().parse(escape(text))
        assert inline_text(tokens[1]) == one_line(text)


def test_one_line_folds_breaks_drops_controls_and_cuts() -> None:
    assert one_line("a\r\n  b\nc\x1b[31m") == "a b c[31m"
    assert one_line("x" * 10, limit=5) == "xxxx…"
    assert one_line(None) == ""


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=40, max_value=6000))
def test_tables_never_exceed_the_budget_and_count_what_they_leave_out(rows: int, limit: int) -> None:
    doc = Document(limit)
    doc.heading(2, "Results")
    cells = [[code(f"tests.test_mod::test_{i}"), escape(f"message {i} | with *markup*")] for i in range(rows)]
    written = doc.table(Table(["test", "message"]), cells)
    rendered = doc.render()
    assert len(rendered) <= limit
    assert len(rendered) == doc.used
    assert 0 <= written <= rows
    if written < rows:
        assert rendered.endswith(more_line(rows - written) + "\n")
    else:
        assert "more" not in rendered
    body = [row for row in table_cells(rendered) if row[0].startswith("tests.")]
    assert len(body) == written


def test_total_counts_rows_not_given() -> None:
    doc = Document()
    written = doc.table(Table(["n"]), [["1"], ["2"]], total=10)
    assert written == 2
    assert doc.render().endswith("... and 8 more\n")


def test_a_block_that_does_not_fit_is_left_out_whole() -> None:
    doc = Document(20)
    assert doc.add("short")
    assert not doc.add("x" * 30)
    assert doc.render() == "short\n"


def test_row_width_must_match_the_header() -> None:
    with pytest.raises(ValueError, match="2 cells"):
        Table(["one"]).row(["a", "b"])


# --- runs show --format markdown --------------------------------------------------------------------------

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def case(name: str, status: Status, classname: str = "tests.test_mod", **extra: object) -> ParsedCase:
    return ParsedCase("", classname, name, status, file="tests/test_mod.py", **extra)  # type: ignore[arg-type]


def store_run(store: Store, cases: list[ParsedCase], run_id: str = "run-1") -> None:
    request = IngestRunRequest(project_id="demo", run_id=run_id, timestamp=NOW, branch="main")
    ingest_request(store, request.replace(results=cases))


def show(db: str, *args: str) -> str:
    return Cli(db, "demo")("runs", "show", *args, code=0).stdout


def test_run_summary_on_both_backends(store: Store, db_url: str) -> None:
    store_run(
        store,
        [
            case("test_ok", Status.PASSED, duration_ms=3.0),
            case(
                "test_<script>|*x*", Status.FAILED, message="AssertionError: 1 | 2 <b>\nmore", duration_ms=5.0
            ),
            case("test_setup", Status.ERROR, message="RuntimeError: broke"),
            case("test_flaky", Status.PASSED, attempts=2, flaky=True),
            case("test_skip", Status.SKIPPED),
        ],
    )
    markdown = show(db_url, "--format", "markdown")
    assert markdown.startswith("### Test run `run-1` ❌ failed\n")
    rows = table_cells(markdown)
    assert ["project", "time (UTC)", "branch", "trigger", "test time"] in rows
    assert ["demo", "2026-11-30 12:00:00", "main", "local", "8 ms (sum)"] in rows
    counts = rows[
        rows.index(["passed", "failed", "error", "skipped", "xfailed", "xpassed", "flaky", "total"]) + 1
    ]
    assert counts == ["2", "1", "1", "1", "0", "0", "1", "5"]
    failures = rows[rows.index(["test", "status", "message"]) + 1 :][:2]
    assert failures == [
        ["tests/test_mod.py::test_setup", "error", "RuntimeError: broke"],
        ["tests/test_mod.py::test_<script>|*x*", "failed", "AssertionError: 1 | 2 <b>"],
    ]
    assert ["tests/test_mod.py::test_flaky", "2", "-"] in rows
    assert "<script>" not in parser().render(markdown)


def test_passing_run_has_no_failure_section(store: Store, db_url: str) -> None:
    store_run(store, [case("test_ok", Status.PASSED)])
    markdown = show(db_url, "--format", "markdown")
    assert "✅ passed" in markdown
    assert "Failures" not in markdown and "Flaky" not in markdown


def test_twenty_thousand_test_run_stays_under_the_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "big.db")
    cases = []
    for i in range(20_000):
        if i % 4 == 0:
            cases.append(case(f"test_pass_{i:05d}", Status.PASSED))
        elif i % 4 == 3 and i % 8 == 3:
            cases.append(case(f"test_flaky_{i:05d}[<b>|{i}]", Status.PASSED, attempts=3, flaky=True))
        else:
            status = Status.ERROR if i % 10 == 1 else Status.FAILED
            message = f"AssertionError: value {i} | <i>not</i> *ok*\n" + "detail " * 50
            cases.append(
                case(f"test_fail_{i:05d}[{'x' * 60}|*]", status, message=message, duration_ms=i / 10)
            )
    with open_store(db) as store:
        store_run(store, cases, run_id="big")
    markdown = show(db, "--format", "markdown")
    assert len(markdown) <= MAX_CHARS
    failures = sum(1 for c in cases if c.status.is_bad)
    flaky = sum(1 for c in cases if c.flaky)
    rows = table_cells(markdown)
    failure_rows = [r for r in rows if len(r) == 3 and r[1] in ("failed", "error")]
    flaky_rows = [r for r in rows if r[0].startswith("tests/test_mod.py::test_flaky_")]
    assert failure_rows and flaky_rows
    assert f"... and {failures - len(failure_rows):,} more" in markdown
    assert f"... and {flaky - len(flaky_rows):,} more" in markdown
    assert f"#### Failures ({failures:,})" in markdown
    # Worst first: every error before any failure, and the cells kept their literal names.
    statuses = [r[1] for r in failure_rows]
    assert statuses == sorted(statuses, key=lambda s: s != "error")
    assert all(r[0].endswith("|*]") for r in failure_rows)
    # The flaky list keeps its share of the budget however many failures there are.
    assert len(flaky_rows) > 50


@pytest.mark.parametrize(
    "args",
    [["--format", "markdown", "--json"], ["--format", "html"]],
    ids=["json-and-format", "unknown-format"],
)
def test_format_usage_errors_exit_2(tmp_path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "s.db")
    with open_store(db) as store:
        store_run(store, [case("test_ok", Status.PASSED)])
    result = Cli(db, "demo")("runs", "show", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
