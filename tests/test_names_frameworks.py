"""Tests of every framework are printed in their framework's own form, and every printed form is accepted
back: real reports from tests/data/ ingested into a real store (SQLite and PostgreSQL), each name the
tool prints (and the shorter ones the framework's own tools print) pasted into `history` and `map`."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.output.ci_annotations import escape_property
from ccdash_tests.text import test_label

DATA = Path(__file__).parent / "data"

# family -> (the reports of one run, {a test's label: other forms that name it, as the framework's own
# tools print them}). The labels are written out here, not derived, so that a changed form fails.
FAMILIES: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "surefire": (
        ["surefire/reports/*.xml"],
        {
            "com.example.CalculatorTest.Division.byZero": [
                "CalculatorTest.Division.byZero",
                "Division.byZero",
                "CalculatorTest$Division.byZero",  # Surefire's console summary
                "com.example.CalculatorTest$Division.byZero",
            ],
            "com.example.CalculatorTest.addsPairs(int, int, int)[2]": [
                "CalculatorTest.addsPairs(int, int, int)[2]"
            ],
            "com.example.FlakyTest.addsNumbers": ["FlakyTest.addsNumbers"],
            "com.example.FlakyTest.grüßtÜberall": ["FlakyTest.grüßtÜberall"],
        },
    ),
    "jest": (
        ["jest/junit.xml"],
        {
            "Cart totals sums prices": ["Cart › totals › sums prices"],  # Jest's failure header
            "Übersetzung 🌍 grüßt auf Deutsch — «ß»": ["Übersetzung 🌍 › grüßt auf Deutsch — «ß»"],
            "top-level test without a describe": [],
            "repeated each row #2": [],
        },
    ),
    "jest-json": (
        ["jest/report.json"],
        {
            "Cart checkout charges the card": ["Cart › checkout › charges the card"],
            "__tests__/broken.test.js > (test file failed to run)": [],
        },
    ),
    "vitest": (
        ["vitest/junit.xml"],
        {
            "test/math.test.js > math > add > adds integers": [
                "math > add > adds integers",
                "add > adds integers",
            ],
            "test/math.test.js > math > mul > adds integers": ["mul > adds integers"],
        },
    ),
    "vitest-json": (
        ["vitest/report.json"],
        {
            "test/unicode.test.js > Ελληνικά 🚀 > καλημέρα — «ok»": ["Ελληνικά 🚀 > καλημέρα — «ok»"],
            "test/repeated.test.js > repeated > same title #2": ["repeated > same title #2"],
        },
    ),
    "mocha": (
        ["mocha/junit.xml"],
        {"Queue push > keeps order": ["push > keeps order"], "Queue pop > keeps order": []},
    ),
    "mocha-json": (
        ["mocha/report.json"],
        {
            'Queue drain > "before each" hook for "empties the queue"': [],
            "Ünïcödé ✓ > 数据 throws a TypeError": [],
        },
    ),
    "gotestsum": (
        ["gotestsum/junit.xml"],
        {
            "example.com/sample/calc.TestTable/wrong_sum": [
                "TestTable/wrong_sum",
                "calc.TestTable/wrong_sum",  # gotestsum's testname format
                "sample/calc.TestTable/wrong_sum",
            ],
        },
    ),
    "go-json": (
        ["gotestsum/test.jsonl"],
        {
            "example.com/sample/text.TestUnicode/日本語": ["TestUnicode/日本語", "text.TestUnicode/日本語"],
            "example.com/sample/calc.TestAdd": ["calc.TestAdd"],
            "example.com/sample/text.TestAdd": ["text.TestAdd"],
        },
    ),
    "pytest": (
        ["pytest/xunit1.xml"],
        {
            "pkg/sample_nested.py::TestOuter::TestInner::test_deep": [
                "sample_nested.py::TestOuter::TestInner::test_deep",
                "TestInner::test_deep",
                "pkg.sample_nested.TestOuter.TestInner::test_deep",
            ],
            "sample_basic.py::test_double[3-7]": ["test_double[3-7]"],
        },
    ),
    "nunit": (
        ["nunit/nunit3.xml"],
        {
            "Calc.Tests.CalculatorTests.Mul(2,3)": [
                "CalculatorTests.Mul(2,3)",
                "Tests.CalculatorTests.Mul(2,3)",
            ]
        },
    ),
    "trx": (
        ["trx/xunit.trx"],
        {
            "Calc.Tests.CalculatorTests.Divide(a: 1, b: 0, expected: 0)": [
                "CalculatorTests.Divide(a: 1, b: 0, expected: 0)"
            ],
            "Calc.Tests.Parsing.ParserTests.Parse_Number": ["ParserTests.Parse_Number"],
        },
    ),
    "googletest": (["gtest/report.xml"], {"Calc.Adds": [], "Small/Parity.IsEven/2": []}),
    "ctrf": (
        ["ctrf/ctrf-report.json"],
        {
            "cart.test.js > Cart > totals > Cart totals sums prices": [
                "Cart > totals > Cart totals sums prices",
            ]
        },
    ),
}


def ingested(db_url: str, family: str) -> tuple[Cli, list[dict]]:
    """One run of the family's reports in the store, and its results as `runs show --json` prints them."""
    cli = Cli(db_url, family)
    reports, _ = FAMILIES[family]
    cli("ingest", *(str(DATA / report) for report in reports), "--root", str(DATA), code=0)
    return cli, cli.json("runs", "show")["results"]


def stored_forms(result: dict) -> list[str]:
    """The names `--json` gives a result, and the two forms the docs name for every test."""
    return [
        result["label"],
        result["nodeid"],
        result["test_id"],
        f"{result['classname']}::{result['name']}",
        f"{result['classname']}.{result['name']}",
    ]


# Every family on SQLite; on PostgreSQL the families whose forms differ most (the search runs in SQL).
ON_POSTGRESQL = ("surefire", "jest", "vitest", "mocha", "go-json", "pytest")


@pytest.mark.parametrize(
    ("backend", "family"),
    [("sqlite", family) for family in FAMILIES] + [("postgresql", family) for family in ON_POSTGRESQL],
    indirect=["backend"],
)
def test_every_printed_form_of_every_test_is_accepted_by_history(db_url: str, family: str) -> None:
    cli, results = ingested(db_url, family)
    by_label = {r["label"]: r for r in results}
    _, expected = FAMILIES[family]
    assert set(expected) <= set(by_label), sorted(by_label)
    assert len(by_label) == len(results)  # no two tests of a run share a label
    for result in results:
        forms = stored_forms(result) + expected.get(result["label"], [])
        for form in dict.fromkeys(form for form in forms if form.strip(":.")):
            assert cli.json("history", form)["test"]["test_id"] == result["test_id"], form


@pytest.mark.parametrize("family", ["surefire", "vitest", "mocha", "go-json", "ctrf"])
def test_map_set_show_and_unset_take_every_form(db_url: str, family: str) -> None:
    cli, results = ingested(db_url, family)
    _, expected = FAMILIES[family]
    label = next(iter(expected))
    result = next(r for r in results if r["label"] == label)
    for form in [label, result["nodeid"], *expected[label]]:
        done = cli.json("map", "set", form, "--feature", "proved")
        assert done["tests"] == [result["test_id"]], form
        shown = cli.json("map", "show", form)["mappings"]
        assert {m["test_id"] for m in shown} == {result["test_id"]}, form
        assert [m["feature"] for m in shown if m["provider"] == "override"] == ["proved"], form
        assert {m["test"] for m in shown} == {label}
        behind = cli.json("health", "--feature", "proved")["tests"]
        assert [(t["test_id"], t["label"]) for t in behind] == [(result["test_id"], label)]
        cli("map", "unset", done["key"], code=0)


def test_a_name_two_frameworks_tests_share_lists_both_by_their_labels(db_url: str) -> None:
    cli, _ = ingested(db_url, "go-json")
    result = cli("history", "TestAdd", code=2)
    assert "matches 2 tests" in result.output
    assert "example.com/sample/calc.TestAdd" in result.output
    assert "example.com/sample/text.TestAdd" in result.output


@pytest.mark.parametrize("family", ["surefire", "jest", "vitest", "mocha", "gotestsum", "nunit", "ctrf"])
def test_every_output_prints_the_label(tmp_path: Path, family: str) -> None:
    cli, results = ingested(str(tmp_path / "s.db"), family)
    bad = [r for r in results if r["status"] in ("failed", "error")]
    assert bad
    table = cli("runs", "show", "--all", env={"COLUMNS": "400"}, code=0).stdout
    assert all(r["label"] in table for r in results), table
    markdown = cli("runs", "show", "--format", "markdown", code=0).stdout
    assert all(f"`{r['label']}`" in markdown for r in bad)
    github = cli("runs", "show", "--format", "github", code=0).stdout
    assert all(f"title={escape_property(r['label'])} {r['status']}" in github for r in bad)
    rows = list(csv.DictReader(io.StringIO(cli("failures", "--format", "csv", code=0).stdout)))
    printed = {name for row in rows for name in row["test_names"].split("; ")}
    assert {r["label"] for r in bad} <= printed
    cli("report", "--html", tmp_path / "r.html", code=0)
    page = (tmp_path / "r.html").read_text()
    assert all(html.escape(r["label"]) in page for r in bad[:20])
    clustered = {t["label"] for c in cli.json("failures")["clusters"] for t in c["tests"]}
    assert clustered == {r["label"] for r in bad}


def test_labels_follow_the_stored_framework_not_the_names_shape() -> None:
    # The same stored fields read differently per framework: the framework decides, never the shape.
    assert test_label("com.x.FooTest", "adds", framework="surefire") == "com.x.FooTest.adds"
    assert test_label("com.x.FooTest", "adds", framework="unknown-tool") == "com.x.FooTest::adds"
    assert test_label("com.x.FooTest", "adds") == "com.x.FooTest::adds"
    assert test_label("Calc.Tests.CalculatorTests", "Mul(2,3)", framework="nunit") == (
        "Calc.Tests.CalculatorTests.Mul(2,3)"
    )
    assert test_label("example.com/calc", "TestX/sub", framework="go") == "example.com/calc.TestX/sub"
    assert test_label("t/a.test.js", "a > b", framework="vitest") == "t/a.test.js > a > b"
    assert test_label("Queue push", "keeps order", framework="mocha") == "Queue push > keeps order"
    assert test_label("", " top-level test", framework="jest") == "top-level test"
    assert test_label("", "Cart totals sums", framework="jest") == "Cart totals sums"
    # pytest keeps its node id whatever else is known.
    assert test_label("tests.a.test_b.TestC", "test_y", path="tests/a/test_b.py", framework="pytest") == (
        "tests/a/test_b.py::TestC::test_y"
    )
    assert test_label("", "", "fallback-id", framework="surefire") == "fallback-id"
