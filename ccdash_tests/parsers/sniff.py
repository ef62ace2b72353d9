"""Tell a report's format from its first bytes, not from its file name.

XML is told by its root element, JSON by its top-level keys (or, for the line-per-event formats, by the
keys of its first line). A file of a known shape that no parser reads (RSpec JSON, Dart's JSON reporter,
TestNG XML, ...) is refused with what it looks like and how to get a format that is read.
"""

from __future__ import annotations

import codecs
import re

from ccdash_tests.parsers.common import ReportError, ReportFormat

SNIFF_BYTES = 8192
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Markup that may come before the root element: declarations, processing instructions, comments.
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.DOTALL)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")

XML_ROOTS: dict[str, ReportFormat] = {
    "testsuites": ReportFormat.JUNIT,
    "testsuite": ReportFormat.JUNIT,
    "TestRun": ReportFormat.TRX,
    "test-run": ReportFormat.NUNIT,
    "test-results": ReportFormat.NUNIT,
    "assemblies": ReportFormat.XUNIT,
    "assembly": ReportFormat.XUNIT,
}
# Roots of other tools' XML, refused by name (what the file is, and what to write instead).
XML_OTHERS: dict[str, str] = {
    "testng-results": "a TestNG report (testng-results.xml); write JUnit XML (TestNG's junitreports)",
    "robot": "a Robot Framework output.xml; write JUnit XML with `robot --xunit FILE`",
    "coverage": "a coverage report (Cobertura), not a test report",
    "report": "a coverage report (JaCoCo), not a test report",
    "checkstyle": "a Checkstyle report, not a test report",
}
# (top-level keys that must all be present, what the file is) for JSON no parser reads.
JSON_OTHERS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"examples", "summary_line"}),
        "RSpec JSON (rspec --format json); write JUnit XML with rspec_junit_formatter",
    ),
    (frozenset({"protocolVersion"}), "Dart's JSON reporter output; write JUnit XML with tojunit"),
    (frozenset({"stats", "results"}), "a mochawesome report; write Mocha JSON or JUnit XML"),
    (frozenset({"config", "suites"}), "a Playwright JSON report; write JUnit XML (--reporter=junit)"),
    (frozenset({"collection", "run"}), "a Newman (Postman) report; write JUnit XML (newman -r junit)"),
)
# Top-level keys of pytest-json-report: JSON with one of them goes to its reader, which names what is wrong.
PYTEST_JSON_KEYS = frozenset(
    {"created", "duration", "exitcode", "root", "environment", "summary", "collectors", "tests", "warnings"}
)
# Top-level keys that tell each JSON format this tool reads (checked in this order).
JSON_FORMATS: tuple[tuple[frozenset[str], ReportFormat], ...] = (
    (frozenset({"testResults", "numTotalTests", "numFailedTestSuites"}), ReportFormat.JEST_JSON),
    (frozenset({"results", "reportFormat"}), ReportFormat.CTRF),
    (frozenset({"stats"}), ReportFormat.MOCHA_JSON),
)
READ = (
    "JUnit XML, TRX, NUnit, xUnit.net, pytest-json-report, pytest report-log, Jest/Vitest JSON,"
    " go test -json, Mocha JSON, CTRF"
)


def _text_head(head: bytes) -> str:
    """The head decoded as far as it goes: BOM-aware, UTF-16 without BOM guessed from NUL bytes."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "replace")
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return head.decode("utf-16-be", "replace")
    if len(head) >= 2 and head[0] != 0 and head[1] == 0:
        return head.decode("utf-16-le", "replace")
    return head.decode("utf-8", "replace")


def top_level_keys(text: str) -> list[str]:
    """The keys of the outermost JSON object in `text`, as far as the text goes (it may be cut off)."""
    keys: list[str] = []
    depth = 0
    index = 0
    size = len(text)
    while index < size:
        char = text[index]
        if char == '"':
            end = index + 1
            while end < size and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= size:
                break
            after = end + 1
            while after < size and text[after] in " \t\r\n":
                after += 1
            if depth == 1 and after < size and text[after] == ":":
                keys.append(text[index + 1 : end])
            index = end + 1
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        index += 1
    return keys


def _xml_format(text: str, path: str) -> ReportFormat:
    position = 0
    while found := _PROLOG.match(text, position):
        if found.end() == position:
            break
        position = found.end()
    root = _ROOT.match(text, position)
    name = root.group(1) if root else ""
    if name in XML_ROOTS:
        return XML_ROOTS[name]
    if name in XML_OTHERS:
        raise ReportError(path, f"not a format this tool reads: the file looks like {XML_OTHERS[name]}")
    return ReportFormat.JUNIT  # JUnit's reader refuses other roots, naming them


def _json_format(text: str, path: str) -> ReportFormat:
    first_line = text.split("\n", 1)[0]
    if '"$report_type"' in first_line:
        return ReportFormat.REPORTLOG
    first_keys = set(top_level_keys(first_line))
    if "Action" in first_keys and first_keys & {"Time", "Package", "ImportPath"}:
        return ReportFormat.GO_JSON
    keys = set(top_level_keys(text))
    for needed, what in JSON_OTHERS:
        if needed <= keys or needed <= first_keys:
            raise ReportError(path, f"not a format this tool reads: the file looks like {what}")
    for markers, fmt in JSON_FORMATS:
        if keys & markers:
            return fmt
    if not keys or keys & PYTEST_JSON_KEYS:
        return ReportFormat.PYTEST_JSON  # JSON, maybe broken: the JSON reader names the problem
    shown = ", ".join(sorted(keys)[:8])
    raise ReportError(
        path, f"not a test report this tool reads: JSON with top-level keys {shown} (it reads {READ})"
    )


def sniff_format(head: bytes, path: str) -> ReportFormat:
    """The format of a report from its first few KB; ReportError naming what it is when it is none of them."""
    if not head:
        raise ReportError(path, "empty file")
    text = _text_head(head[:SNIFF_BYTES]).lstrip()
    if not text:
        raise ReportError(path, "empty file (white space only)")
    if text.startswith("<"):
        return _xml_format(text, path)
    if text.startswith("["):
        if '"keyword"' in text and '"elements"' in text:
            raise ReportError(path, "not a format this tool reads: the file looks like Cucumber JSON")
        return ReportFormat.PYTEST_JSON  # JSON, but of the wrong shape: the JSON reader names the problem
    if text.startswith("{"):
        return _json_format(text, path)
    if "\x00" in text[:64] or "\ufffd" in text[:64]:
        raise ReportError(path, "not a test report: binary content")
    raise ReportError(path, "not a test report: neither XML nor JSON")
