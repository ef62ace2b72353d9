"""CTRF (Common Test Report Format) JSON: `results.tests[]`, what a growing set of reporters write.

Status of a test by its `status`: passed -> passed, failed -> failed, skipped / pending -> skipped,
other -> skipped, unless its `rawStatus` names a failure the framework had (timedOut, interrupted,
broken, error, errored) -> error; failed with rawStatus "error" -> error, skipped with "xfailed" ->
xfailed, passed with "xpassed" -> xpassed (how `export --format ctrf` writes pytest's statuses).
Any other status refuses the file. Attempts: `retries` + 1; `flaky`
as the file says, on a passed test (or a passed test with retries). Message = the first line of
`message` (else of `trace`); details = `message`, `trace`, then `stdout` / `stderr` lines; bounded.
`tags` become the `tags` property, `filePath` the file, `line` the line. A file from `export` carries
the stored texts, error type, tags and truncation flag in `extra` (ccdash_*): they are taken verbatim.

Identity: suite "", classname = `suite` (a string such as "cart.test.js > Cart > totals", or the
list of titles a newer reporter writes, joined by " > "), name = `name`; the k-th repeat of one
identity (CTRF writes one entry per test, its retries inside) is "<name> #k". `export --format ctrf`
writes suite and classname back so that an export ingests with the same ids.
"""

from __future__ import annotations

from collections import Counter
from typing import BinaryIO

import msgspec

from ccdash_tests.parsers.common import ParsedReport, ReportError, ReportFormat, cap_text, normalise_timestamp
from ccdash_tests.parsers.jsondoc import decode_file, plain, relative_file
from ccdash_tests.records import ParsedCase, Status
from ccdash_tests.text import first_line

STATUSES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "pending": Status.SKIPPED,
    "other": Status.SKIPPED,
}
FAILED_RAW = frozenset({"timedout", "interrupted", "broken", "error", "errored"})
MAX_TAGS = 50
# pytest's two statuses CTRF has no name for, as `export --format ctrf` writes them (rawStatus)
RAW_STATUSES = {"xfailed": Status.XFAILED, "xpassed": Status.XPASSED}
_RAW_BASE = {"xfailed": Status.SKIPPED, "xpassed": Status.PASSED}


class Test(msgspec.Struct, rename="camel"):
    name: str
    status: str
    duration: float | None = None
    raw_status: str | None = None
    suite: str | list[str] | None = None
    file_path: str | None = None
    line: int | None = None
    retries: int = 0
    flaky: bool = False
    message: str | None = None
    trace: str | None = None
    stdout: list[str] = []
    stderr: list[str] = []
    tags: list[str] = []
    # what ccdash-tests' own export adds so that suite and classname survive a round trip
    extra: dict[str, object] = {}


class Tool(msgspec.Struct):
    name: str = ""
    version: str | None = None


class Results(msgspec.Struct):
    tool: Tool
    tests: list[Test]


class Document(msgspec.Struct, rename="camel"):
    results: Results
    timestamp: str | None = None
    report_format: str | None = None


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Decode the whole file and build every case now (a bad status anywhere refuses the file)."""
    document = decode_file(fh, path, Document, "CTRF report")
    tool = document.results.tool
    framework = (tool.name or "ctrf").strip().lower() or "ctrf"
    cases = [_case(test, path, max_text, framework) for test in document.results.tests]
    seen: Counter[tuple[str, str, str]] = Counter()
    for case in cases:
        key = (case.suite, case.classname, case.name)
        seen[key] += 1
        if seen[key] > 1:
            case.name = f"{case.name} #{seen[key]}"
    metadata: dict[str, str] = {}
    if tool.version:
        metadata["framework_version"] = tool.version
    stamp = normalise_timestamp(document.timestamp)
    if stamp:
        metadata["timestamp"] = stamp
    return ParsedReport(path, ReportFormat.CTRF, framework, metadata, iter(cases))


def _case(test: Test, path: str, max_text: int, framework: str) -> ParsedCase:
    status = STATUSES.get(test.status)
    if status is None:
        raise ReportError(path, f"unknown CTRF status {test.status[:40]!r} for test {test.name[:200]!r}")
    raw = (test.raw_status or "").lower()
    if (test.status == "other" and raw in FAILED_RAW) or (test.status == "failed" and raw == "error"):
        status = Status.ERROR
    elif raw in RAW_STATUSES and STATUSES[test.status] is _RAW_BASE[raw]:
        status = RAW_STATUSES[raw]
    suite_field = " > ".join(test.suite) if isinstance(test.suite, list) else (test.suite or "")
    extra = test.extra
    suite = str(extra.get("ccdash_suite", ""))
    classname = str(extra.get("ccdash_classname", suite_field))
    message = details = None
    truncated = False
    exported = "ccdash_classname" in extra
    if exported:  # written by `export --format ctrf`: the stored texts, verbatim
        message, details = test.message, test.trace
        truncated = bool(extra.get("ccdash_truncated", False))
    elif status.is_bad:
        text = plain(test.message or "")
        message, cut_message = cap_text(first_line(text) or first_line(test.trace) or None, max_text)
        parts = [text, plain(test.trace or ""), *test.stdout, *test.stderr]
        details, cut_details = cap_text("\n".join(part for part in parts if part) or None, max_text)
        truncated = cut_message or cut_details
    elif status is Status.SKIPPED and test.message:
        message, truncated = cap_text(first_line(test.message), max_text)
    attempts = 1 + max(0, test.retries)
    tags = [tag for tag in test.tags[:MAX_TAGS] if isinstance(tag, str)]
    properties = {"tags": ",".join(tags)} if tags else {}
    stored_tags = extra.get("ccdash_tags")
    if isinstance(stored_tags, dict):
        properties = {str(key): str(value) for key, value in stored_tags.items()}
    error_type = extra.get("ccdash_error_type")
    return ParsedCase(
        suite=suite,
        classname=classname,
        name=test.name,
        status=status,
        duration_ms=test.duration if test.duration is not None and test.duration >= 0 else None,
        file=relative_file(test.file_path),
        line=test.line,
        attempts=attempts,
        flaky=status is Status.PASSED and (test.flaky or attempts > 1),
        message=message,
        details=details,
        truncated=truncated,
        properties=properties,
        error_type=str(error_type) if error_type else None,
        framework=str(extra.get("ccdash_framework", framework)),
    )
