"""Jest `--json` and Vitest `--reporter=json` reports (one shape): `testResults[].assertionResults[]`.

Status of an assertion result: passed -> passed (Vitest's passing `test.fails` included, as its console
counts it), failed -> failed (neither tool separates errors from failures), pending / skipped / todo /
disabled -> skipped, focused -> passed. Any other status refuses the file. A test file that failed to
run (an import error: a failed `testResults[]` entry with no assertion results) is one `error` case.
Attempts: Jest writes `invocations` (jest.retryTimes); Vitest leaves one failure message per failed
try, also on a test that passed on retry. A passed test with more than one attempt is flaky.
Message = the first line of the first failure message, details = all failure messages; both bounded.
Each result is one test (its retries are inside it): the k-th result of one identity in a file is
named "<name> #k", as junit.py names the same tools' repeated <testcase>s.

Identity, chosen to equal what each tool's own JUnit reporter gives (so switching format keeps
history): Jest as jest-junit's defaults: suite = the file's first describe title (jest-junit's
`{title}`), classname "", name = describe titles and title joined by " " (`fullName`, "Cart totals sums
prices"; a test outside any describe keeps jest-junit's leading space). Vitest as its junit reporter:
suite = classname = the file path, name = describe titles and title joined by " > ". File paths are
made relative to the working directory (jsondoc.relative_file). A file that failed to run: suite "",
classname = its path, name "(test file failed to run)".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

import msgspec

from ccdash_tests.parsers.common import ParsedReport, ReportError, ReportFormat, cap_text
from ccdash_tests.parsers.jsondoc import decode_file, plain, relative_file
from ccdash_tests.records import ParsedCase, Status
from ccdash_tests.text import first_line

STATUSES = {
    "passed": Status.PASSED,
    "focused": Status.PASSED,
    "failed": Status.FAILED,
    "pending": Status.SKIPPED,
    "skipped": Status.SKIPPED,
    "todo": Status.SKIPPED,
    "disabled": Status.SKIPPED,
}
FAILED_TO_RUN = "(test file failed to run)"


class Location(msgspec.Struct):
    line: int | None = None
    column: int | None = None


class Assertion(msgspec.Struct, rename="camel"):
    title: str = ""
    status: str = ""
    ancestor_titles: list[str] = []
    duration: float | None = None
    failure_messages: list[str] = []
    invocations: int | None = None
    location: Location | None = None


class FileResult(msgspec.Struct, rename="camel"):
    name: str = ""
    status: str = ""
    message: str = ""
    assertion_results: list[Assertion] = []


class Document(msgspec.Struct, rename="camel"):
    test_results: list[FileResult]
    start_time: float | None = None
    num_total_tests: int | None = None
    # present in Jest's file, absent in Vitest's: how the two are told apart
    num_runtime_error_test_suites: int | None = None
    open_handles: list[object] | None = None
    success: bool | None = None


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Decode the whole file and build every case now (a bad status anywhere refuses the file)."""
    document = decode_file(fh, path, Document, "Jest/Vitest JSON report")
    jest = document.num_runtime_error_test_suites is not None or document.open_handles is not None
    framework = "jest" if jest else "vitest"
    cases = [case for result in document.test_results for case in _cases(result, framework, path, max_text)]
    _number_repeats(cases)
    metadata: dict[str, str] = {}
    if document.start_time is not None:
        with contextlib.suppress(OverflowError, OSError, ValueError):
            metadata["timestamp"] = datetime.fromtimestamp(document.start_time / 1000, UTC).isoformat()
    return ParsedReport(path, ReportFormat.JEST_JSON, framework, metadata, iter(cases))


def _cases(result: FileResult, framework: str, path: str, max_text: int) -> Iterator[ParsedCase]:
    file = relative_file(result.name)
    if not result.assertion_results:
        if result.status == "failed" and result.message:
            yield _failed_to_run(file or result.name, result.message, framework, max_text)
        return
    suite_title = next((a.ancestor_titles[0] for a in result.assertion_results if a.ancestor_titles), "")
    for assertion in result.assertion_results:
        status = STATUSES.get(assertion.status)
        if status is None:
            raise ReportError(
                path, f"unknown status {assertion.status[:40]!r} for test {assertion.title[:200]!r}"
            )
        if framework == "jest":
            suite, classname = suite_title, ""
            # jest-junit's "{classname} {title}": a test outside any describe keeps the leading space
            name = " ".join(assertion.ancestor_titles) + " " + assertion.title
            attempts = max(1, assertion.invocations or 1)
        else:
            suite = classname = file or ""
            name = " > ".join([*assertion.ancestor_titles, assertion.title])
            failures = len(assertion.failure_messages)
            attempts = 1 + failures if status is Status.PASSED else max(1, failures)
        messages = [plain(text) for text in assertion.failure_messages]
        message = details = None
        truncated = False
        if status is not Status.PASSED and messages:
            message, cut_message = cap_text(first_line(messages[0]) or None, max_text)
            details, cut_details = cap_text("\n\n".join(messages), max_text)
            truncated = cut_message or cut_details
        yield ParsedCase(
            suite=suite,
            classname=classname,
            name=name,
            status=status,
            duration_ms=assertion.duration if (assertion.duration or 0) >= 0 else None,
            file=file,
            line=assertion.location.line if assertion.location else None,
            attempts=attempts,
            flaky=status is Status.PASSED and attempts > 1,
            message=message,
            details=details,
            truncated=truncated,
            framework=framework,
        )


def _number_repeats(cases: list[ParsedCase]) -> None:
    """The k-th case of one (suite, classname, name) is named "<name> #k": these tools write one result
    per test (retries are inside it), so a repeated title is another test (jest-each rows, a title
    written twice), the rule junit.py applies to the same tools' JUnit files."""
    seen: dict[tuple[str, str, str], int] = {}
    for case in cases:
        key = (case.suite, case.classname, case.name)
        count = seen[key] = seen.get(key, 0) + 1
        if count > 1:
            case.name = f"{case.name} #{count}"


def _failed_to_run(file: str, text: str, framework: str, max_text: int) -> ParsedCase:
    text = plain(text)
    lines = [line.strip() for line in text.splitlines() if line.strip() and "●" not in line]
    message, cut_message = cap_text(lines[0] if lines else None, max_text)
    details, cut_details = cap_text(text, max_text)
    return ParsedCase(
        suite="",
        classname=file,
        name=FAILED_TO_RUN,
        status=Status.ERROR,
        file=file,
        message=message,
        details=details,
        truncated=cut_message or cut_details,
        framework=framework,
    )
