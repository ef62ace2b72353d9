"""NUnit 2/3 and xUnit.net v2 XML: statuses by result and label, identity as the adapters' TRX, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import Status
from ccdash_tests.parsers import ReportError, parse_report

DATA = Path(__file__).parent / "data"


def test_nunit3_labels_fixture_setup_failures_and_categories() -> None:
    cases = {
        (c.classname.rsplit(".", 1)[-1], c.name): c for c in parse_report(DATA / "nunit" / "nunit3.xml").cases
    }
    assert cases[("CalculatorTests", "Divide_ByZero")].status is Status.ERROR  # Failed + label Error
    assert cases[("CalculatorTests", "Sub")].status is Status.FAILED
    assert (
        cases[("CalculatorTests", "Sub")].message == "Expected: 3\n  But was:  2"
    )  # not repeated by <assertions>
    assert (
        cases[("CalculatorTests", "Sub")].details is not None
        and "subtracting 5 - 3" in cases[("CalculatorTests", "Sub")].details
    )
    setup = cases[("SaveTests", "Add")]
    assert (setup.status, setup.message) == (Status.ERROR, "OneTimeSetUp: System.IO.IOException : disk full")
    assert cases[("CalculatorTests", "Rounding_Warns")].status is Status.PASSED  # Warning
    assert cases[("CalculatorTests", "Pow_Large")].message == "too slow for CI"
    assert cases[("CalculatorTests", "Add")].properties == {"Category": "Smoke,feature:calc"}
    assert {name for _, name in cases} >= {"Mul(2,3)", "Mul(4,5)"}


def test_nunit2_and_nunit3_give_the_same_identities_for_the_same_tests() -> None:
    two = {(c.classname, c.name) for c in parse_report(DATA / "nunit" / "nunit2.xml").cases}
    three = {(c.classname, c.name) for c in parse_report(DATA / "nunit" / "nunit3.xml").cases}
    shared = {("Calc.Tests.CalculatorTests", name) for name in ("Add", "Sub", "Mul(2,3)", "Mul(4,5)")}
    assert shared <= two and shared <= three
    cases = {c.name: c for c in parse_report(DATA / "nunit" / "nunit2.xml").cases}
    assert cases["BadSignature"].status is Status.ERROR  # NotRunnable
    assert cases["Add"].properties == {"Category": "Smoke", "Owner": "payments"}


def test_xunit_v2_errors_traits_and_display_names() -> None:
    cases = {(c.classname, c.name): c for c in parse_report(DATA / "xunit" / "xunit.xml").cases}
    cleanup = cases[("Calc.Tests.DatabaseTests", "(test-class-cleanup)")]
    assert cleanup.status is Status.ERROR and cleanup.error_type == "System.InvalidOperationException"
    divide = cases[("Calc.Tests.CalculatorTests", "Divide(a: 1, b: 0, expected: 0)")]
    assert divide.error_type == "System.DivideByZeroException"
    assert cases[("Calc.Tests.CalculatorTests", "Add_ReturnsSum")].properties == {
        "Category": "Smoke,feature:calc"
    }
    assert ("Calc.Tests.Parsing.ParserTests", "Parsing an empty string gives zero") in cases
    # the same identities as the xUnit.net adapter's TRX of the same tests
    trx = {(c.classname, c.name) for c in parse_report(DATA / "trx" / "xunit.trx").cases}
    assert ("Calc.Tests.CalculatorTests", "Divide(a: 1, b: 0, expected: 0)") in trx


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            b'<test-run><test-case name="a" classname="C" result="Exploded"/></test-run>',
            "line 1: unknown NUnit result 'exploded'",
        ),
        (
            b'<assemblies><assembly><collection><test name="a" type="C" result="Boom"/>'
            b"</collection></assembly></assemblies>",
            "unknown xUnit.net result 'Boom'",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE test-run [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<test-run/>',
            "DTD not allowed",
        ),
        (
            b'<test-results><test-suite type="Assembly" name="a"><results>'
            b'<test-case name="A.b" result="Success">',
            "truncated",
        ),
    ],
)
def test_hostile_files_are_refused_whole_through_the_cli(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "r.xml"
    path.write_bytes(content)
    db = tmp_path / "s.db"
    result = Cli(db, "p")("ingest", path)
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr and words in result.stderr and "Traceback" not in result.output
    assert Cli(db, "p").json("runs", "list") == []


@pytest.mark.parametrize(
    ("fmt", "words"), [("nunit", "not an NUnit report"), ("xunit", "not an xUnit.net v2 report")]
)
def test_a_junit_file_forced_as_another_xml_format_is_refused(tmp_path: Path, fmt: str, words: str) -> None:
    path = tmp_path / "j.xml"
    path.write_bytes(b"<testsuites/>")
    with pytest.raises(ReportError, match=words):
        parse_report(path, fmt)


def test_texts_are_bounded(tmp_path: Path) -> None:
    big = "x" * 10_000
    path = tmp_path / "n.xml"
    path.write_text(
        f'<test-run><test-case name="t" classname="C" result="Failed"><failure><message>{big}</message>'
        f"<stack-trace>{big}</stack-trace></failure><output>{big}</output></test-case></test-run>"
    )
    [case] = list(parse_report(path, max_text=500).cases)
    assert case.message is not None and len(case.message) == 500
    assert case.details is not None and len(case.details) == 500 and case.truncated
