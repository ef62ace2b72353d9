"""NUnit XML results: NUnit 3 (`<test-run>`, what nunit3-console and the NUnit adapter write) and NUnit 2
(`<test-results>`), streamed over xmlstream's safe expat driver (only the open suite chain is held).

Status of one <test-case>.
  NUnit 3, by `result` and `label`: Passed, Warning -> passed; Failed with label Error, Cancelled or
    Invalid (an exception, a cancelled run, a test that cannot run) -> error; other Failed -> failed;
    Skipped (labels Ignored, Explicit, ...) and Inconclusive -> skipped. A fixture whose OneTimeSetUp
    failed reports each of its cases as Failed/Error with site="Parent", so each is an error.
  NUnit 2, by `result`: Success -> passed; Failure -> failed; Error, Cancelled, NotRunnable -> error;
    Ignored, Skipped, Inconclusive -> skipped.
  Any other result refuses the file at its line.
Message: `<failure><message>` (else the skip `<reason><message>`), details: `<stack-trace>` then
`<output>`; all bounded as they stream in. NUnit's [Retry] reruns inside one test case and reports the
last try only, so the file carries no attempts. Properties of a case (NUnit 3 `<property>`, NUnit 2
`<category>` and `<property>`) become its tags: categories joined by "," under `Category`, internal
ones (`_SKIPREASON`, `_JOINTYPE`, ...) left out.

Identity: suite "", classname = the case's `classname` (NUnit 3) or the dotted names of its enclosing
Namespace and TestFixture suites (NUnit 2), name = the case's name without a leading "classname."
(NUnit 2 writes it qualified), parameters kept: "Mul(2,3)"; the same identity as the NUnit adapter's TRX.
"""

from __future__ import annotations

from typing import BinaryIO

from ccdash_tests.parsers.common import (
    ParsedReport,
    ReportError,
    ReportFormat,
    normalise_timestamp,
    parse_seconds,
)
from ccdash_tests.parsers.xmlstream import Capture, SafeXml, read_root, stream_cases
from ccdash_tests.records import ParsedCase, Status
from ccdash_tests.text import first_line

NUNIT3 = {
    "passed": Status.PASSED,
    "warning": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "inconclusive": Status.SKIPPED,
}
NUNIT3_ERROR_LABELS = frozenset({"error", "cancelled", "invalid"})
NUNIT2 = {
    "success": Status.PASSED,
    "failure": Status.FAILED,
    "error": Status.ERROR,
    "cancelled": Status.ERROR,
    "notrunnable": Status.ERROR,
    "ignored": Status.SKIPPED,
    "skipped": Status.SKIPPED,
    "inconclusive": Status.SKIPPED,
}
# NUnit 2 suites whose names make up a class path (an Assembly's name is a file path; a
# ParameterizedTest suite is named after the method)
_CLASS_SUITES = frozenset({"namespace", "testfixture", "genericfixture"})
_TEXT = frozenset({"message", "stack-trace", "output"})
MAX_TAGS = 50


class _Case:
    __slots__ = ("assertions", "attrs", "line", "reason", "tags", "texts")

    def __init__(self, attrs: dict[str, str], line: int) -> None:
        self.attrs = attrs
        self.line = line
        self.texts: dict[str, Capture] = {}
        self.reason = False  # inside <reason> (a skip's message) rather than <failure>
        self.tags: dict[str, str] = {}
        self.assertions = False  # inside <assertions>, which repeats the failure's message


class _Reader:
    def __init__(self, path: str, max_text: int) -> None:
        self.path = path
        self.max_text = max_text
        self.xml: SafeXml | None = None
        self.version = 0
        self.suites: list[tuple[str, str]] = []  # (type, name) per open <test-suite>
        self.case: _Case | None = None
        self.capture: Capture | None = None
        self.out: list[ParsedCase] = []
        self.metadata: dict[str, str] = {}

    def refuse(self, problem: str) -> ReportError:
        assert self.xml is not None
        return self.xml.refuse(problem)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        assert self.xml is not None
        if self.xml.depth == 1:
            self._root(tag, attrs)
            return
        case = self.case
        if case is not None:
            if tag == "assertions":
                case.assertions = True
            elif case.assertions:
                return
            elif tag in _TEXT:
                key = "reason" if tag == "message" and case.reason else tag
                self.capture = case.texts.setdefault(key, Capture(self.max_text))
            elif tag == "reason":
                case.reason = True
            elif tag == "failure":
                case.reason = False
            elif tag in ("property", "category"):
                self._tag(case, tag, attrs)
            return
        if tag == "test-suite":
            self.suites.append((attrs.get("type", "").lower(), attrs.get("name", "")))
        elif tag == "test-case":
            self.case = _Case(attrs, self.xml.line)
            self._status(self.case)  # an unknown result refuses the file here, at its line

    def end(self, tag: str) -> None:
        if tag in _TEXT:
            self.capture = None
        elif tag == "assertions" and self.case is not None:
            self.case.assertions = False
        elif tag == "test-case" and self.case is not None:
            self.out.append(self._finish(self.case))
            self.case = None
        elif tag == "test-suite" and self.suites:
            self.suites.pop()

    def text(self, data: str) -> None:
        if self.capture is not None:
            self.capture.add(data)

    def _root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "test-run":
            self.version = 3
            stamp = normalise_timestamp(attrs.get("start-time"))
            version = attrs.get("engine-version")
        elif tag == "test-results":
            self.version = 2
            stamp = normalise_timestamp(f"{attrs.get('date', '')}T{attrs.get('time', '')}")
            version = None
        else:
            raise self.refuse(f"not an NUnit report: root <{tag[:80]}>")
        if stamp:
            self.metadata["timestamp"] = stamp
        if version:
            self.metadata["framework_version"] = version

    def _tag(self, case: _Case, tag: str, attrs: dict[str, str]) -> None:
        name = attrs.get("name", "")
        if not name or name.startswith("_") or len(case.tags) >= MAX_TAGS:
            return
        key, value = ("Category", name) if tag == "category" else (name, attrs.get("value", ""))
        value = value[: self.max_text]
        case.tags[key] = f"{case.tags[key]},{value}" if key in case.tags else value

    def _status(self, case: _Case) -> Status:
        result = case.attrs.get("result", "").strip().lower()
        table = NUNIT3 if self.version == 3 else NUNIT2
        status = table.get(result)
        if status is None:
            raise ReportError(self.path, f"unknown NUnit result {result[:40]!r}", case.line)
        label = case.attrs.get("label", "").strip().lower()
        if status is Status.FAILED and self.version == 3 and label in NUNIT3_ERROR_LABELS:
            return Status.ERROR
        return status

    def _classname(self, attrs: dict[str, str]) -> str:
        if "classname" in attrs:
            return attrs["classname"]
        return ".".join(name for kind, name in self.suites if kind in _CLASS_SUITES and name)

    def _finish(self, case: _Case) -> ParsedCase:
        attrs = case.attrs
        status = self._status(case)
        classname = self._classname(attrs)
        name = attrs.get("name", "") or attrs.get("fullname", "")
        if classname and name.startswith(classname + "."):
            name = name[len(classname) + 1 :]
        elif not classname and "." in name.split("(", 1)[0]:
            # a qualified NUnit 2 name outside any fixture: split it at its last dot
            head = name.split("(", 1)[0]
            cut = head.rfind(".")
            classname, name = name[:cut], name[cut + 1 :]
        if not name:
            raise ReportError(self.path, "a test-case without a name", case.line)
        texts = case.texts
        message = details = None
        truncated = any(capture.cut for capture in texts.values())
        if status is not Status.PASSED:
            source = texts.get("message") or texts.get("reason")
            message = source.text().strip() if source else None
            parts = [texts[key].text() for key in ("stack-trace", "output") if key in texts]
            details = "\n".join(part for part in parts if part) or None
            if details is not None and len(details) > self.max_text:
                details, truncated = details[: self.max_text], True
            if not message and details:
                message = first_line(details)
        else:
            truncated = False
        seconds = attrs.get("duration") if self.version == 3 else attrs.get("time")
        return ParsedCase(
            suite="",
            classname=classname,
            name=name,
            status=status,
            duration_ms=parse_seconds(seconds),
            message=message or None,
            details=details,
            truncated=truncated,
            properties=case.tags,
            framework="nunit",
        )


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Check the root now (a file that is not NUnit fails early); stream the cases."""
    reader = _Reader(path, max_text)
    xml = SafeXml(fh, path, reader.start, reader.end, reader.text)
    reader.xml = xml
    chunks = xml.chunks()
    read_root(fh, path, chunks, lambda: reader.version != 0, "NUnit")
    return ParsedReport(
        path, ReportFormat.NUNIT, "nunit", reader.metadata, stream_cases(fh, reader.out, chunks)
    )
