"""TRX (dotnet test --logger trx): data rows, reruns, identity per adapter, bounded texts, hostile files."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import Status
from ccdash_tests.parsers import ReportError, fold_attempts, parse_report
from ccdash_tests.parsers.trx import OUTCOMES, timespan_ms

DATA = Path(__file__).parent / "data" / "trx"
NS = 'xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"'


def trx(results: str, definitions: str = "") -> bytes:
    """A TRX document around the given <Results> and <TestDefinitions> content."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<TestRun id="r" name="n" {NS}>\n'
        f"<Results>\n{results}\n</Results>\n<TestDefinitions>{definitions}</TestDefinitions>\n</TestRun>\n"
    ).encode()


def result(name: str, outcome: str, test: str = "t1", inner: str = "") -> str:
    body = f"<Output>{inner}</Output>" if inner else ""
    attrs = f'executionId="e-{name}" testId="{test}" testName="{name}" outcome="{outcome}"'
    return f"<UnitTestResult {attrs}>{body}</UnitTestResult>"


def definition(test: str, classname: str, adapter: str = "executor://mstestadapter/v2") -> str:
    return (
        f'<UnitTest name="x" id="{test}"><Execution id="e"/>'
        f'<TestMethod adapterTypeName="{adapter}" className="{classname}" name="x"/></UnitTest>'
    )


def write(tmp_path: Path, content: bytes, name: str = "r.trx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_data_rows_replace_their_parent() -> None:
    cases = list(parse_report(DATA / "mstest.trx").cases)
    rounding = [(c.name, c.status) for c in cases if c.name.startswith("Rounding")]
    assert rounding == [
        ("Rounding (1.005,1.01)", Status.PASSED),
        ("Rounding (2.5,3)", Status.FAILED),
        ("Rounding (0,0)", Status.PASSED),
    ]
    assert {c.classname for c in cases} == {"Shop.Tests.CartTests", "Shop.Tests.PriceTests"}


def test_failure_text_skip_reason_and_categories() -> None:
    cases = parse_report(DATA / "mstest.trx").cases
    by_name = {c.name: c for c in cases if c.classname.endswith("CartTests")}
    failed = by_name["Discount_Applies"]
    assert failed.message == "Assert.AreEqual failed. Expected:<90>. Actual:<100>. discount not applied"
    assert failed.details is not None and "CartTests.cs:line 31" in failed.details
    assert "applying SUMMER10" in failed.details  # StdOut follows the stack trace
    assert by_name["Legacy_Export"].status is Status.SKIPPED
    assert by_name["Legacy_Export"].message == "export moved to the reporting service"
    assert by_name["Slow_Checkout"].status is Status.ERROR
    assert by_name["Total_SumsPrices"].properties == {"tags": "feature:cart,smoke"}
    assert by_name["Total_SumsPrices"].message is None and by_name["Total_SumsPrices"].details is None
    assert by_name["Slow_Checkout"].duration_ms == pytest.approx(2000.0)


def test_xunit_names_lose_their_class_prefix_and_a_rerun_folds_flaky() -> None:
    report = parse_report(DATA / "xunit.trx")
    assert report.framework == "xunit"
    assert report.metadata["timestamp"] == "2026-11-30T10:02:39.102000+00:00"
    folded = {c.name: c for c in fold_attempts(report.cases)}
    assert "Divide(a: 1, b: 0, expected: 0)" in folded
    rerun = folded["Parse_Number"]
    assert (rerun.classname, rerun.status, rerun.attempts, rerun.flaky) == (
        "Calc.Tests.Parsing.ParserTests",
        Status.PASSED,
        2,
        True,
    )


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("Passed", "passed"), ("Failed", "failed"), ("Aborted", "error"), ("NotRunnable", "skipped")],
)
def test_each_outcome_maps_to_one_status(tmp_path: Path, outcome: str, status: str) -> None:
    path = write(tmp_path, trx(result("T", outcome), definition("t1", "A.B")))
    [case] = list(parse_report(path).cases)
    assert case.status == status and case.classname == "A.B"
    assert set(OUTCOMES.values()) <= set(Status)


def test_an_unknown_outcome_is_refused_before_any_case(tmp_path: Path) -> None:
    path = write(tmp_path, trx(result("Ok", "Passed") + "\n" + result("T", "Exploded")))
    with pytest.raises(ReportError, match=r"line 5: unknown TRX outcome 'Exploded'"):
        parse_report(path)


def test_texts_are_bounded_by_max_text(tmp_path: Path) -> None:
    huge = "x" * 50_000
    inner = f"<ErrorInfo><Message>{huge}</Message><StackTrace>{huge}</StackTrace></ErrorInfo>"
    path = write(tmp_path, trx(result("T", "Failed", inner=inner)))
    [case] = list(parse_report(path, max_text=1000).cases)
    assert case.message is not None and len(case.message) == 1000
    assert case.details is not None and len(case.details) == 1000
    assert case.truncated


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (trx(result("T", "Passed"))[:-30], "truncated"),
        (b'<?xml version="1.0"?><!DOCTYPE TestRun [<!ENTITY x "y">]><TestRun/>', "DTD not allowed"),
        (trx('<UnitTestResult testId="a" outcome="Passed"/>'), "without a testName"),
        (trx(result("T", "Passed")).replace(b"testName", b"testName", 1) + b"<junk/>", "malformed XML"),
    ],
)
def test_hostile_files_are_refused_whole_through_the_cli(tmp_path: Path, content: bytes, words: str) -> None:
    path = write(tmp_path, content)
    db = tmp_path / "s.db"
    result = Cli(db, "p")("ingest", path)
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr and words in result.stderr
    assert "Traceback" not in result.output
    assert Cli(db, "p").json("runs", "list") == []


def test_a_junit_file_forced_as_trx_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b'<testsuites><testsuite name="s"/></testsuites>')
    with pytest.raises(ReportError, match=r"not a TRX report: root <testsuites>"):
        parse_report(path, "trx")


def test_timespans() -> None:
    assert timespan_ms("00:00:01.5000000") == pytest.approx(1500.0)
    assert timespan_ms("1.00:00:00") == pytest.approx(86_400_000.0)
    assert timespan_ms("soon") is None and timespan_ms(None) is None
