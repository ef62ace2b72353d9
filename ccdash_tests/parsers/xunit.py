"""xUnit.net v2 XML (`<assemblies>`, what `xunit.console -xml` and `dotnet test --logger xunit` write),
streamed over xmlstream's safe expat driver.

Status of one <test> by `result`: Pass -> passed, Fail -> failed, Skip and NotRun -> skipped; any
other result refuses the file at its line. xUnit.net has no error category for tests; a fixture or
collection that failed outside its tests is written in `<errors><error type=... name=...>`, and each
such error is one `error` case. Message: `<failure><message>` (a skip: `<reason>`), error type: the
failure's `exception-type`, details: `<stack-trace>` then `<output>`; all bounded as they stream in.
Traits (`<traits><trait name value>`) become tags, repeated names joined by ",". xUnit.net v2 has no
retries, so every test has one attempt.

Identity: suite "", classname = `type`, name = `name` without a leading "type." (the default display
name is qualified), parameters kept: "Divide(a: 1, b: 0)"; the same identity as the xUnit.net
adapter's TRX. An <error>: classname = its `name` (the fixture or collection), name = "(<type>)".
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

RESULTS = {"pass": Status.PASSED, "fail": Status.FAILED, "skip": Status.SKIPPED, "notrun": Status.SKIPPED}
_TEXT = frozenset({"message", "stack-trace", "output", "reason"})
MAX_TAGS = 50


class _Item:
    __slots__ = ("attrs", "error_type", "kind", "tags", "texts")

    def __init__(self, kind: str, attrs: dict[str, str]) -> None:
        self.kind = kind  # "test" or "error"
        self.attrs = attrs
        self.texts: dict[str, Capture] = {}
        self.error_type: str | None = None
        self.tags: dict[str, str] = {}


class _Reader:
    def __init__(self, path: str, max_text: int) -> None:
        self.path = path
        self.max_text = max_text
        self.xml: SafeXml | None = None
        self.root_seen = False
        self.item: _Item | None = None
        self.capture: Capture | None = None
        self.out: list[ParsedCase] = []
        self.metadata: dict[str, str] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        assert self.xml is not None
        if self.xml.depth == 1:
            if tag not in ("assemblies", "assembly"):
                raise self.xml.refuse(f"not an xUnit.net v2 report: root <{tag[:80]}>")
            self.root_seen = True
        item = self.item
        if item is None:
            if tag == "test":
                result = attrs.get("result", "").strip().lower()
                if result not in RESULTS:
                    raise self.xml.refuse(f"unknown xUnit.net result {attrs.get('result', '')[:40]!r}")
                self.item = _Item("test", attrs)
            elif tag == "error":
                self.item = _Item("error", attrs)
            elif tag == "assembly":
                self._assembly(attrs)
            return
        if tag in _TEXT:
            self.capture = item.texts.setdefault(tag, Capture(self.max_text))
        elif tag == "failure":
            item.error_type = attrs.get("exception-type") or None
        elif tag == "trait":
            name = attrs.get("name", "")
            if name and len(item.tags) < MAX_TAGS:
                value = attrs.get("value", "")[: self.max_text]
                item.tags[name] = f"{item.tags[name]},{value}" if name in item.tags else value

    def end(self, tag: str) -> None:
        item = self.item
        if tag in _TEXT:
            self.capture = None
        elif item is not None and tag == item.kind:
            self.out.append(self._finish(item))
            self.item = None

    def text(self, data: str) -> None:
        if self.capture is not None:
            self.capture.add(data)

    def _assembly(self, attrs: dict[str, str]) -> None:
        if "timestamp" not in self.metadata and attrs.get("run-date"):
            stamp = normalise_timestamp(f"{attrs['run-date']}T{attrs.get('run-time', '00:00:00')}")
            if stamp:
                self.metadata["timestamp"] = stamp
        framework = attrs.get("test-framework", "")
        if framework and "framework_version" not in self.metadata:
            self.metadata["framework_version"] = framework

    def _finish(self, item: _Item) -> ParsedCase:
        attrs = item.attrs
        if item.kind == "error":
            status = Status.ERROR
            classname = attrs.get("name", "")
            name = f"({attrs.get('type', 'error')})"
        else:
            status = RESULTS[attrs.get("result", "").strip().lower()]
            classname = attrs.get("type", "")
            name = attrs.get("name", "")
            if classname and name.startswith(classname + "."):
                name = name[len(classname) + 1 :]
            if not name:
                raise ReportError(self.path, "a <test> without a name")
        texts = item.texts
        message = details = None
        truncated = False
        if status is not Status.PASSED:
            source = texts.get("message") or texts.get("reason")
            message = source.text().strip() if source else None
            parts = [texts[key].text() for key in ("stack-trace", "output") if key in texts]
            details = "\n".join(part for part in parts if part) or None
            truncated = any(capture.cut for capture in texts.values())
            if details is not None and len(details) > self.max_text:
                details, truncated = details[: self.max_text], True
            if not message and details:
                message = first_line(details)
        return ParsedCase(
            suite="",
            classname=classname,
            name=name,
            status=status,
            duration_ms=parse_seconds(attrs.get("time")),
            message=message or None,
            error_type=item.error_type if status.is_bad else None,
            details=details,
            truncated=truncated,
            properties=item.tags,
            framework="xunit",
        )


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Check the root now (a file that is not xUnit.net v2 fails early); stream the cases."""
    reader = _Reader(path, max_text)
    xml = SafeXml(fh, path, reader.start, reader.end, reader.text)
    reader.xml = xml
    chunks = xml.chunks()
    read_root(fh, path, chunks, lambda: reader.root_seen, "xUnit.net")
    return ParsedReport(
        path, ReportFormat.XUNIT, "xunit", reader.metadata, stream_cases(fh, reader.out, chunks)
    )
