"""JUnit dialect rules, format sniffing and attempt folding, on small report files written per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import ParsedCase, Status
from ccdash_tests.parsers import ReportError, fold_attempts, parse_report, sniff_format, split_nodeid
from ccdash_tests.parsers.common import normalise_timestamp, parse_seconds


def write(tmp_path: Path, body: str, name: str = "report.xml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def cases_of(path: Path, **kwargs: int) -> list[ParsedCase]:
    return list(parse_report(path, **kwargs).cases)


def test_bare_testsuite_root_nested_suites_and_wrong_counters(tmp_path: Path) -> None:
    inner = '<testcase classname="a.B" name="t{}"/>'
    nested = "".join(f'<testsuite name="s{i}" tests="999">' for i in range(60))
    nested += inner.format("deep") + "</testsuite>" * 60
    body = (
        f'<testsuite name="top" tests="1" failures="7">{inner.format(1)}{nested}{inner.format(2)}</testsuite>'
    )
    cases = cases_of(write(tmp_path, body))
    assert [c.name for c in cases] == ["t1", "tdeep", "t2"]
    assert all(c.status is Status.PASSED and c.suite == "" for c in cases)


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("0.5", 500.0),
        ("1,234.5", 1234500.0),
        ("1e-3", 1.0),
        ("2.5E+1", 25000.0),
        ("0,25", 250.0),
        ("abc", None),
        ("-1", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_time_forms(tmp_path: Path, time: str | None, expected: float | None) -> None:
    attr = "" if time is None else f' time="{time}"'
    (case,) = cases_of(
        write(
            tmp_path,
            f'<testsuites><testsuite name="s" time="9"><testcase classname="c" name="n"{attr}/>'
            "</testsuite></testsuites>",
        )
    )
    assert case.duration_ms == pytest.approx(expected) if expected is not None else case.duration_ms is None
    assert parse_seconds(time) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_encodings_keep_names_verbatim(tmp_path: Path, encoding: str) -> None:
    declared = "utf-16" if encoding == "utf-16" else "utf-8"
    body = (
        f'<?xml version="1.0" encoding="{declared}"?>\n<testsuites><testsuite name="s">'
        '<testcase classname="pkg.Ünï" name="grüße «ok» &lt;b&gt; &amp; 日本  " time="1"/>'
        "</testsuite></testsuites>"
    )
    path = write(tmp_path, body, encoding=encoding)
    assert sniff_format(path.read_bytes()[:8192], str(path)) == "junit"
    (case,) = cases_of(path)
    assert (case.classname, case.name) == ("pkg.Ünï", "grüße «ok» <b> & 日本  ")


@pytest.mark.parametrize(
    ("attrs", "child", "status"),
    [
        ('status="notrun"', "", Status.SKIPPED),  # GoogleTest DISABLED_
        ('status="run" result="suppressed"', "", Status.SKIPPED),
        ('status="run" result="skipped"', "", Status.SKIPPED),  # GTEST_SKIP
        ('status="disabled"', "", Status.SKIPPED),  # CTest
        ('disabled="true"', "", Status.SKIPPED),
        ('status="fail"', "", Status.FAILED),
        ('status="run" result="completed"', "", Status.PASSED),
        ("", '<skipped type="pytest.xfail" message="bug"/>', Status.XFAILED),
        ("", '<skipped message="later"/>', Status.SKIPPED),
        ("", '<failure message="[XPASS(strict)] must fail"/>', Status.FAILED),
        ("", '<failure message="a"/><failure message="b"/>', Status.FAILED),
        ("", '<failure message="first">x</failure><error message="second">y</error>', Status.ERROR),
        ("", "<error/>", Status.ERROR),
    ],
)
def test_status_rules(tmp_path: Path, attrs: str, child: str, status: Status) -> None:
    body = f'<testsuite name="s"><testcase classname="c" name="n" {attrs}>{child}</testcase></testsuite>'
    (case,) = cases_of(write(tmp_path, body))
    assert case.status is status


def test_message_and_type_come_from_the_element_that_decided_the_status(tmp_path: Path) -> None:
    """An <error> decides "error", so its message and type are the case's; the <failure> stays in details."""
    body = (
        '<testsuite name="s"><testcase classname="c" name="n"><failure type="AssertionError" message="A">'
        "\n\n  first line of text\nsecond</failure><error message='B' type='RuntimeError'>trace two</error>"
        "</testcase></testsuite>"
    )
    (case,) = cases_of(write(tmp_path, body))
    assert case.status is Status.ERROR
    assert case.message == "B"
    assert case.error_type == "RuntimeError"
    assert case.details == "trace two\n\n\n  first line of text\nsecond"


def test_message_from_the_deciding_elements_text_when_it_has_no_message(tmp_path: Path) -> None:
    body = (
        '<testsuite name="s"><testcase classname="c" name="n"><failure message="A"/>'
        '<failure type="AssertionError" message="">\n\n  first line of text\nsecond</failure>'
        "</testcase></testsuite>"
    )
    (case,) = cases_of(write(tmp_path, body))
    assert case.status is Status.FAILED
    assert case.message == "A"
    assert case.details == "\n\n  first line of text\nsecond"
    body = (
        '<testsuite name="s"><testcase classname="c" name="n"><failure message="A"/>'
        '<error type="E" message="">\n\n  first line of text\nsecond</error></testcase></testsuite>'
    )
    (case,) = cases_of(write(tmp_path, body))
    assert (case.status, case.message, case.error_type) == (Status.ERROR, "first line of text", "E")
    assert case.details == "\n\n  first line of text\nsecond\nA"


def test_surefire_flaky_and_rerun_elements(tmp_path: Path) -> None:
    body = """<testsuite name="com.x.T" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
      xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report.xsd">
      <testcase classname="com.x.T$Inner" name="flaky">
        <flakyFailure message="once" type="X"><stackTrace>s</stackTrace>
        <system-out>o</system-out></flakyFailure></testcase>
      <testcase classname="com.x.T" name="broken"><failure message="always"/><rerunFailure message="r1"/>
        <rerunFailure message="r2"><stackTrace>t</stackTrace></rerunFailure></testcase>
    </testsuite>"""
    report = parse_report(write(tmp_path, body))
    flaky, broken = list(report.cases)
    assert report.framework == "surefire"
    assert (flaky.classname, flaky.status, flaky.attempts, flaky.flaky) == (
        "com.x.T.Inner",
        Status.PASSED,
        2,
        True,
    )
    assert flaky.message is None
    assert (broken.status, broken.attempts, broken.flaky, broken.message) == (
        Status.FAILED,
        3,
        False,
        "always",
    )


def test_dialect_names(tmp_path: Path) -> None:
    mocha = (
        '<testsuites name="Mocha Tests"><testsuite name="push"><testcase name="Queue push keeps order" '
        'classname="keeps order"/></testsuite></testsuites>'
    )
    (case,) = cases_of(write(tmp_path, mocha, "m.xml"))
    assert (case.suite, case.classname, case.name, case.framework) == (
        "push",
        "Queue push",
        "keeps order",
        "mocha",
    )
    jest = (
        '<testsuites name="jest tests"><testsuite name="Cart">'
        '<testcase classname="Cart sums" name="Cart sums"/>'
        "</testsuite></testsuites>"
    )
    (case,) = cases_of(write(tmp_path, jest, "j.xml"))
    assert (case.suite, case.classname, case.name) == ("Cart", "", "Cart sums")
    unknown = '<testsuite name="pkg"><testcase classname="" name="TestX/sub_case"/></testsuite>'
    (case,) = cases_of(write(tmp_path, unknown, "u.xml"))
    assert (case.suite, case.classname, case.name) == ("pkg", "", "TestX/sub_case")


def test_pytest_xunit1_line_is_made_one_based_and_teardown_twin_merged(tmp_path: Path) -> None:
    body = """<testsuites><testsuite name="pytest">
      <testcase classname="t.test_a" name="test_x" file="t/test_a.py" line="0">
        <failure message="assert 1">a</failure></testcase>
      <testcase classname="t.test_a" name="test_x" file="t/test_a.py" line="0">
        <error message='failed on teardown with "E: td"'>b</error></testcase>
      <testcase classname="t.test_a" name="test_y" file="t/test_a.py" line="4"/>
    </testsuite></testsuites>"""
    cases = cases_of(write(tmp_path, body))
    assert [(c.name, c.status, c.line, c.message) for c in cases] == [
        ("test_x", Status.ERROR, 1, "assert 1"),
        ("test_y", Status.PASSED, 5, None),
    ]
    assert cases[0].details == "a\nb"


def test_teardown_twin_separated_by_other_workers_cases_is_merged(tmp_path: Path) -> None:
    # pytest-xdist: another worker's cases come between a test and its teardown-error twin.
    def case(name: str, inner: str = "") -> str:
        return f'<testcase classname="t.test_a" name="{name}" file="t/test_a.py" line="0">{inner}</testcase>'

    others = "".join(case(f"test_other_{index}") for index in range(40))
    body = (
        '<testsuites><testsuite name="pytest">'
        + case("test_x", '<failure message="assert 1">a</failure>')
        + others
        + case("test_x", """<error message='failed on teardown with "E: td"'>b</error>""")
        + case("test_rerun", '<failure message="flaky">r</failure>')
        + case("test_rerun")
        + "</testsuite></testsuites>"
    )
    cases = cases_of(write(tmp_path, body))
    assert len(cases) == 1 + 40 + 2
    assert (cases[0].name, cases[0].status, cases[0].message, cases[0].details) == (
        "test_x", Status.ERROR, "assert 1", "a\nb",
    )  # fmt: skip
    # Reruns stay separate cases in document order, for the ingest to fold into attempts; the rerun that
    # passed says an earlier attempt failed (pytest-rerunfailures reruns only what failed).
    assert [(c.name, c.status, c.flaky) for c in cases[-2:]] == [
        ("test_rerun", Status.FAILED, False),
        ("test_rerun", Status.PASSED, True),
    ]


def test_pytest_rerun_written_as_empty_cases_is_flaky(tmp_path: Path) -> None:
    """pytest-rerunfailures writes the failed attempts as empty <testcase> elements: still attempts, flaky."""
    case = '<testcase classname="t.test_a" name="test_f" file="t/test_a.py" line="3" time="0.1"/>'
    body = f'<testsuites name="pytest tests"><testsuite name="pytest">{case * 3}</testsuite></testsuites>'
    cases = cases_of(write(tmp_path, body))
    expected = [("test_f", Status.PASSED, i > 0) for i in range(3)]
    assert [(c.name, c.status, c.flaky) for c in cases] == expected
    [folded] = fold_attempts(cases)
    assert (folded.status, folded.attempts, folded.flaky) == (Status.PASSED, 3, True)


def test_nameless_cases_are_kept_each_in_its_place() -> None:
    """Cases with neither name nor classname are tests of their own, numbered in their suite."""
    cases = cases_of(Path(__file__).parent / "data" / "crafted" / "nameless.xml")
    assert [(c.suite, c.name, c.status) for c in cases] == [
        ("converted", "<unnamed>", Status.PASSED),
        ("converted", "<unnamed> #2", Status.SKIPPED),
        ("converted", "<unnamed> #3", Status.FAILED),
        ("converted", "<unnamed> #4", Status.ERROR),
    ]
    assert len(fold_attempts(cases)) == 4


def test_nameless_cases_through_the_cli(db_url: str) -> None:
    run = Cli(db_url, "p").json("ingest", Path(__file__).parent / "data" / "crafted" / "nameless.xml")
    assert run["total_tests"] == 4 and run["status"] == "failed"
    assert run["failed_tests"] == 2 and run["skipped_tests"] == 1


@pytest.mark.parametrize("root", ["", ' name="jest tests"', ' name="Mocha Tests"'])
def test_repeated_names_of_other_producers_are_tests_of_their_own(tmp_path: Path, root: str) -> None:
    body = (
        f'<testsuites{root}><testsuite name="s">'
        '<testcase classname="k" name="t"><failure message="first"/></testcase>'
        '<testcase classname="k" name="t"/><testcase classname="k" name="t"/>'
        '<testcase classname="k" name="u"/></testsuite></testsuites>'
    )
    cases = cases_of(write(tmp_path, body))
    assert [(c.status, c.flaky) for c in cases] == [(Status.FAILED, False)] + [(Status.PASSED, False)] * 3
    names = [c.name for c in cases]
    assert names[1] == names[0] + " #2" and names[2] == names[0] + " #3" and names[3] != names[0]
    folded = fold_attempts(cases)
    assert len(folded) == 4 and [c.status for c in folded].count(Status.FAILED) == 1


def test_max_text_cuts_message_and_details_without_adding_anything(tmp_path: Path) -> None:
    long_text = "x" * 300_000 + "TAIL"
    failure = f'<failure message="{"m" * 5000}">{long_text}</failure>'
    body = f'<testsuite name="s"><testcase classname="c" name="n">{failure}</testcase></testsuite>'
    (case,) = cases_of(write(tmp_path, body), max_text=1000)
    assert case.truncated
    assert case.message == "m" * 1000
    assert case.details == "x" * 1000
    (whole,) = cases_of(write(tmp_path, body, "b.xml"), max_text=10_000_000)
    assert not whole.truncated and whole.details == long_text


def test_metadata_from_header(tmp_path: Path) -> None:
    body = (
        '<testsuites name="AllTests"><testsuite name="s" hostname="ci-7" timestamp="2024-03-01T10:00:00">'
        '<properties><property name="go.version" value="go1.22"/></properties>'
        '<testcase classname="c" name="n"/>'
        "</testsuite></testsuites>"
    )
    report = parse_report(write(tmp_path, body))
    assert report.metadata["hostname"] == "ci-7"
    assert report.metadata["timestamp"] == "2024-03-01T10:00:00+00:00"
    assert report.metadata["property.go.version"] == "go1.22"
    assert normalise_timestamp("2024-03-01T10:00:00Z") == "2024-03-01T10:00:00+00:00"
    assert normalise_timestamp("2024-03-01T10:00:00+02:00") == "2024-03-01T10:00:00+02:00"


def test_error_after_the_first_chunk_is_raised_while_iterating_and_closes_the_file(tmp_path: Path) -> None:
    many = "".join(f'<testcase classname="c" name="t{i}"/>\n' for i in range(20_000))
    path = write(tmp_path, f'<testsuites><testsuite name="s">\n{many}<testcase></testsuite></testsuites>')
    report = parse_report(path)
    # the parser's own iterator, inside the one parse_report wraps it in (parsers/opening.py: guarded)
    inner = report.cases.gi_frame.f_locals["cases"]  # type: ignore[attr-defined]
    fh = inner.gi_frame.f_locals["fh"]
    seen = 0
    with pytest.raises(ReportError) as caught:
        for _ in report.cases:
            seen += 1
    assert 10_000 < seen < 20_000  # cases of earlier chunks came out before the refusal
    assert caught.value.line == 20_002 and "mismatched tag" in caught.value.problem
    assert str(caught.value).startswith(f"{path}: line 20002: malformed XML")
    assert fh.closed


def test_forced_and_unknown_formats(tmp_path: Path) -> None:
    path = write(tmp_path, '<testsuite name="s"><testcase classname="c" name="n"/></testsuite>')
    assert parse_report(path, "junit").format == "junit"
    with pytest.raises(ReportError, match="unknown format"):
        parse_report(path, "tap")
    with pytest.raises(ReportError, match="malformed JSON"):
        list(parse_report(path, "reportlog").cases)
    with pytest.raises(ReportError, match="cannot read"):
        parse_report(tmp_path / "missing.xml")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<?xml version="1.0"?><testsuites/>', "junit"),
        (b"\xef\xbb\xbf  <testsuite/>", "junit"),
        ("<testsuite/>".encode("utf-16"), "junit"),
        (b'{"created": 1, "tests": []}', "pytest-json"),
        (b'\n{"pytest_version": "8", "$report_type": "SessionStart"}\n{}', "reportlog"),
    ],
)
def test_sniff_format(head: bytes, expected: str) -> None:
    assert sniff_format(head, "r") == expected


@pytest.mark.parametrize("head", [b"", b" \n", b"TAP version 13\nok 1", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_sniff_refuses(head: bytes) -> None:
    with pytest.raises(ReportError):
        sniff_format(head, "r")


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/test_a.py::test_x", ("tests.test_a", "test_x", "tests/test_a.py")),
        ("tests/test_a.py::TestK::test_x[a-1]", ("tests.test_a.TestK", "test_x[a-1]", "tests/test_a.py")),
        ("t.py::test_p[x::y/z]", ("t", "test_p[x::y/z]", "t.py")),
        ("pkg/mod.py::Outer::Inner::test", ("pkg.mod.Outer.Inner", "test", "pkg/mod.py")),
        ("doc.txt::doc.txt", ("doc.txt", "doc.txt", "doc.txt")),
    ],
)
def test_split_nodeid(nodeid: str, expected: tuple[str, str, str]) -> None:
    assert split_nodeid(nodeid) == expected


def _case(name: str, status: Status, suite: str = "", attempts: int = 1, flaky: bool = False) -> ParsedCase:
    return ParsedCase(suite=suite, classname="c", name=name, status=status, attempts=attempts, flaky=flaky)


def test_fold_attempts() -> None:
    folded = fold_attempts(
        [
            _case("a", Status.FAILED),
            _case("b", Status.PASSED),
            _case("a", Status.ERROR),
            _case("a", Status.PASSED),
            _case("b", Status.FAILED),
            _case("c", Status.PASSED, suite="one"),
            _case("c", Status.FAILED, suite="two"),
            _case("d", Status.PASSED, attempts=2, flaky=True),
            _case("e", Status.SKIPPED),
            _case("e", Status.PASSED),
        ]
    )
    summary = [(c.suite, c.name, c.status, c.attempts, c.flaky) for c in folded]
    assert summary == [
        ("", "a", Status.PASSED, 3, True),
        ("", "b", Status.FAILED, 2, False),
        ("one", "c", Status.PASSED, 1, False),
        ("two", "c", Status.FAILED, 1, False),
        ("", "d", Status.PASSED, 2, True),
        ("", "e", Status.PASSED, 2, False),
    ]
    assert fold_attempts([]) == []


@pytest.mark.parametrize(
    ("suites", "warned"),
    [
        ('<testsuite name="s" tests="6" failures="1"/>', "counters say 6 tests, 1 failing, but it holds 0"),
        ('<testsuite name="s" tests="1" failures="1"><testcase classname="c" name="n"/></testsuite>',
         "counters say 1 test, 1 failing, but it holds 1 test case, 0 failing"),
        ('<testsuite name="a" tests="2"><testcase classname="c" name="n"/></testsuite>'
         '<testsuite name="b" tests="1"><testcase classname="c" name="m"/></testsuite>',
         "counters say 3 tests, 0 failing, but it holds 2 test cases"),
        ('<testsuite name="s" tests="1" errors="2"><testcase classname="c" name="n"><error/></testcase>'
         "</testsuite>", None),
        ('<testsuite name="s" tests="1"><testsuite name="inner" tests="5"/>'
         '<testcase classname="c" name="n"/></testsuite>', None),
        ('<testsuite name="s" tests="x" failures="-1"><testcase classname="c" name="n"/></testsuite>', None),
    ],
)  # fmt: skip
def test_declared_counters_that_promise_more_are_warned(
    tmp_path: Path, suites: str, warned: str | None
) -> None:
    """Only the outermost suites' counters count (nested ones are part of them); only a shortfall is said."""
    report = parse_report(write(tmp_path, f"<testsuites>{suites}</testsuites>"))
    list(report.cases)
    if warned is None:
        assert report.warnings == []
    else:
        [said] = report.warnings
        assert warned in said and said.endswith("stored what the cases say")


def test_root_counters_count_when_no_suite_has_any(tmp_path: Path) -> None:
    body = (
        '<testsuites tests="4" failures="2"><testsuite name="s"><testcase classname="c" name="n"/>'
        "</testsuite></testsuites>"
    )
    report = parse_report(write(tmp_path, body))
    list(report.cases)
    assert report.warnings == [
        "its counters say 4 tests, 2 failing, but it holds 1 test case, 0 failing; stored what the cases say"
    ]


# Childless cases in every shape `_plain_case` branches on: pytest's 0-based lines and its `$`-free
# classnames, a pytest or gotestsum repeat (an attempt) against any other producer's (a " #2" name),
# a nameless case, status attributes (`status`, `result`, `disabled`), odd times, a file taken from
# the suite or the case, a suite with no name, and a childless case between cases with children.
SHORTCUT_SHAPES = {
    "pytest.xml": """<testsuites><testsuite name="pytest" file="tests/test_a.py">
<testcase classname="tests.test_a" name="test_x" file="tests/test_a.py" line="3" time="0.1"/>
<testcase classname="tests.test_a" name="test_x" file="tests/test_a.py" line="3" time="0.2"/>
<testcase classname="tests.test_a.TestB" name="test_y[1-$]" file="tests/test_a.py" line="x" time="abc"/>
<testcase classname="tests.test_a" name="test_f" file="tests/test_a.py" line="9">
<failure message="m">t</failure></testcase>
<testcase classname="tests.test_a" name="test_f" file="tests/test_a.py" line="9" time="-1"/>
<testcase classname="tests.test_a" name="test_z" file="tests/test_a.py" time="1e400"/>
</testsuite></testsuites>""",
    "gotestsum.xml": """<testsuites><testsuite name="example.com/pkg" tests="2">
<testcase classname="example.com/pkg" name="TestA" time="0.01"/>
<testcase classname="example.com/pkg" name="TestA" time="0.02"/>
</testsuite></testsuites>""",
    "surefire.xml": """<testsuite name="a.BTest" file="B.java">
<testcase classname="a.BTest" name="t" time="1,234.5"/><testcase classname="a.BTest" name="t"/>
<testcase/><testcase name="" classname=""/><testcase name="s" status="failed"/>
<testcase name="r" result="skipped"/><testcase name="d" disabled="true"/>
<testcase classname="a.B$Inner" name="t" file="Inner.java"/>
<testsuite name="nested"><testcase classname="c" name="n" time=""/></testsuite>
<testcase classname="a.BTest" name="e"><error message="x"/></testcase>
<testcase classname="a.BTest" name="after"/>
</testsuite>""",
    "bare.xml": """<testsuite><testcase classname="x" name="alone" time="NaN"/></testsuite>""",
}


def _every_xml_report(tmp_path: Path) -> list[Path]:
    for name, text in SHORTCUT_SHAPES.items():
        write(tmp_path, text, name)
    return sorted((Path(__file__).parent / "data").rglob("*.xml")) + sorted(tmp_path.glob("*.xml"))


def _parsed(path: Path) -> object:
    """Every case and warning of `path` read as JUnit, or the refusal (at the header or mid-file)."""
    try:
        report = parse_report(path, "junit")
        return (list(report.cases), list(report.warnings))
    except ReportError as exc:
        return ("refused", str(exc))


def test_the_childless_case_shortcut_reads_every_report_as_the_general_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `_plain_case` repeats `_finish`, `_place` and `_emit` for a <testcase> without children, for
    # speed; every JUnit report of tests/data (each producer's dialect, hostile and odd ones) and the
    # shapes above must read the same through the general path, so the two can never drift apart.
    from ccdash_tests.parsers import junit

    reports = _every_xml_report(tmp_path)
    assert len(reports) > 30
    fast = [_parsed(path) for path in reports]
    monkeypatch.setattr(
        junit._Handler, "_plain_case", lambda self, attrs: self._emit(self._finish(attrs, None), False)
    )
    general = [_parsed(path) for path in reports]
    assert fast == general
