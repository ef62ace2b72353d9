"""Writers of `export`: a stored run as one JUnit XML or one CTRF file, streamed case by case.

Both are written so that ingesting the file gives the same results (the round trip the tests check):

JUnit XML. The root is `<testsuites name="ccdash-tests export">`, the dialect in which the JUnit reader
takes suite, classname and name as written (dialects.EXPORT); one <testsuite> per stored suite (cases
come grouped by suite). failed -> <failure>, error -> <error>, skipped -> <skipped>, xfailed ->
<skipped type="pytest.xfail">, each with the message, the error type and the details. Attempts are
Surefire's: a flaky test gets attempts-1 <flakyFailure> elements, another repeated test attempts-1
<rerunFailure>. JUnit has no xpassed: an xpassed result is written as passed with the property
`ccdash.status=xpassed`, and so ingests as passed (the one status the JUnit round trip loses).
Characters XML 1.0 cannot hold (control characters other than tab and newlines) become U+FFFD.
Bidi overrides and invisible characters (text.INVISIBLE) are written as character references
(`&#x202e;`, and `\u202e` in CTRF): a parser reads the same name back, and a terminal that shows the
file shows no reordered or hidden text.

CTRF. The test's `suite` is the stored classname; suite, classname, framework, error type, tags and
the truncation flag travel in `extra` (ccdash_*), which the CTRF reader reads back. error -> "failed"
with rawStatus "error", xfailed -> "skipped" / "xfailed", xpassed -> "passed" / "xpassed"; retries =
attempts - 1. The summary and tool are written after the tests, once they are counted.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from ccdash_tests.parsers.dialects import EXPORT_ROOT
from ccdash_tests.records import ParsedCase, Status, TestRunDTO
from ccdash_tests.text import INVISIBLE

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_UNSEEN = re.compile(f"[{INVISIBLE}]")


def _xml_ref(match: re.Match[str]) -> str:
    return f"&#x{ord(match.group()):x};"


def _json_ref(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _attr(value: object) -> str:
    return '"' + _UNSEEN.sub(_xml_ref, _NOT_XML.sub("\ufffd", str(value)).translate(_ATTR)) + '"'


def _text(value: str) -> str:
    return _UNSEEN.sub(_xml_ref, _NOT_XML.sub("\ufffd", value).translate(_TEXT))


def _seconds(duration_ms: float | None) -> str | None:
    # microseconds are what the store keeps: six decimals carry them exactly
    return None if duration_ms is None else f"{duration_ms / 1000:.6f}"


def _junit_case(case: ParsedCase) -> str:
    attrs = f"classname={_attr(case.classname)} name={_attr(case.name)}"
    seconds = _seconds(case.duration_ms)
    if seconds is not None:
        attrs += f' time="{seconds}"'
    if case.file:
        attrs += f" file={_attr(case.file)}"
    if case.line is not None:
        attrs += f' line="{case.line}"'
    inner: list[str] = []
    properties = dict(case.properties)
    if case.status is Status.XPASSED:
        properties["ccdash.status"] = "xpassed"
    if properties:
        inner.append("<properties>")
        inner.extend(f"<property name={_attr(k)} value={_attr(v)}/>" for k, v in properties.items())
        inner.append("</properties>")
    kind = f" type={_attr(case.error_type)}" if case.error_type else ""
    message = f" message={_attr(case.message)}" if case.message is not None else ""
    body = _text(case.details) if case.details else ""
    if case.status in (Status.FAILED, Status.ERROR):
        tag = "failure" if case.status is Status.FAILED else "error"
        inner.append(f"<{tag}{message}{kind}>{body}</{tag}>")
    elif case.status is Status.SKIPPED:
        inner.append(f"<skipped{message}/>")
    elif case.status is Status.XFAILED:
        inner.append(f'<skipped type="pytest.xfail"{message}/>')
    retry = "flakyFailure" if case.flaky else "rerunFailure"
    inner.extend(f"<{retry}/>" for _ in range(max(0, case.attempts - 1)))
    if not inner:
        return f"    <testcase {attrs}/>\n"
    return f"    <testcase {attrs}>{''.join(inner)}</testcase>\n"


def write_junit(run: TestRunDTO, cases: Iterable[ParsedCase], out: TextIO) -> int:
    """The run as JUnit XML on `out`; returns how many cases were written."""
    counts = run.status_counts
    failures = counts.get(Status.FAILED, 0)
    errors = counts.get(Status.ERROR, 0)
    skipped = counts.get(Status.SKIPPED, 0) + counts.get(Status.XFAILED, 0)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        f'<testsuites name={_attr(EXPORT_ROOT)} tests="{run.total_tests}" failures="{failures}"'
        f' errors="{errors}" skipped="{skipped}" timestamp={_attr(run.timestamp.isoformat())}>\n'
    )
    written = 0
    suite: str | None = None
    for case in cases:
        if case.suite != suite:
            if suite is not None:
                out.write("  </testsuite>\n")
            suite = case.suite
            out.write(f"  <testsuite name={_attr(suite)}>\n")
        out.write(_junit_case(case))
        written += 1
    if suite is not None:
        out.write("  </testsuite>\n")
    out.write("</testsuites>\n")
    return written


_CTRF_STATUS = {
    Status.PASSED: ("passed", None),
    Status.FAILED: ("failed", None),
    Status.ERROR: ("failed", "error"),
    Status.SKIPPED: ("skipped", None),
    Status.XFAILED: ("skipped", "xfailed"),
    Status.XPASSED: ("passed", "xpassed"),
}


def _ctrf_test(case: ParsedCase) -> dict[str, object]:
    status, raw = _CTRF_STATUS[case.status]
    test: dict[str, object] = {"name": case.name, "status": status}
    if raw:
        test["rawStatus"] = raw
    if case.duration_ms is not None:
        test["duration"] = case.duration_ms
    test["suite"] = case.classname
    if case.file:
        test["filePath"] = case.file
    if case.line is not None:
        test["line"] = case.line
    test["retries"] = max(0, case.attempts - 1)
    test["flaky"] = case.flaky
    if case.message is not None:
        test["message"] = case.message
    if case.details is not None:
        test["trace"] = case.details
    extra: dict[str, object] = {"ccdash_suite": case.suite, "ccdash_classname": case.classname}
    if case.framework:
        extra["ccdash_framework"] = case.framework
    if case.error_type:
        extra["ccdash_error_type"] = case.error_type
    if case.truncated:
        extra["ccdash_truncated"] = True
    if case.properties:
        extra["ccdash_tags"] = case.properties
    test["extra"] = extra
    return test


def write_ctrf(run: TestRunDTO, cases: Iterable[ParsedCase], out: TextIO) -> int:
    """The run as one CTRF document on `out`; returns how many cases were written."""
    out.write('{"reportFormat": "CTRF", "specVersion": "0.0.0", "generatedBy": "ccdash-tests"')
    out.write(f", {json.dumps('timestamp')}: {json.dumps(run.timestamp.isoformat())}")
    out.write(', "results": {"tests": [\n')
    statuses: Counter[str] = Counter()
    frameworks: set[str | None] = set()
    written = 0
    for case in cases:
        test = _ctrf_test(case)
        statuses[str(test["status"])] += 1
        frameworks.add(case.framework)
        out.write(
            ("" if written == 0 else ",\n") + _UNSEEN.sub(_json_ref, json.dumps(test, ensure_ascii=False))
        )
        written += 1
    [only] = frameworks if len(frameworks) == 1 else [None]
    summary = {
        "tests": written,
        **{name: statuses[name] for name in ("passed", "failed", "skipped", "pending", "other")},
        "start": int(run.timestamp.timestamp() * 1000),
        "stop": int(run.timestamp.timestamp() * 1000 + (run.duration_ms or 0)),
    }
    out.write(
        f'\n], "summary": {json.dumps(summary)}, "tool": {json.dumps({"name": only or "ccdash-tests"})}}}}}\n'
    )
    return written
