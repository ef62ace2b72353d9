"""Mocha `--reporter json` reports: `stats`, `tests`, `pending`, `failures`, `passes`.

`tests` lists every test that ran or was pending, in order; a failed hook is in `failures` only (its
title is '"before each" hook for "<test>"', and the tests it guarded appear nowhere, as in Mocha's own
console). Status of a test: `state` when the file has it (passed / failed / pending), else failed when
its `err` is not empty, pending when it is listed in `pending`, else passed; pending -> skipped. Each
`failures` entry not matched by a failed test is a hook failure, counted failed as Mocha counts it.
Attempts: `currentRetry` + 1 (this.retries(n)); a passed test with a retry is flaky. Message = the
error's `message` first line, prefixed by its `name` (or taken from the stack's first line, which
names the class, when `name` is missing); details = `stack`.

Identity: suite = the test file (relative to the working directory), classname = the describe titles
(fullTitle without the trailing title), name = the title; the k-th repeat of one identity in the file
(a title in a loop) is "<name> #k", as junit.py names Mocha's repeated <testcase>s. The JSON does not
say where one describe title ends and the next begins, so mocha-junit-reporter's suite (the innermost
describe) cannot be rebuilt: ids differ between Mocha's JSON and its JUnit files.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, BinaryIO

import msgspec

from ccdash_tests.parsers.common import ParsedReport, ReportError, ReportFormat, cap_text, normalise_timestamp
from ccdash_tests.parsers.jsondoc import decode_file, plain, relative_file
from ccdash_tests.records import ParsedCase, Status
from ccdash_tests.text import first_line

STATES = {"passed": Status.PASSED, "failed": Status.FAILED, "pending": Status.SKIPPED}


class MochaTest(msgspec.Struct, rename="camel"):
    title: str = ""
    full_title: str = ""
    file: str | None = None
    duration: float | None = None
    current_retry: int = 0
    state: str | None = None
    err: dict[str, Any] = {}


class Stats(msgspec.Struct):
    start: str | None = None
    tests: int | None = None


class Document(msgspec.Struct):
    stats: Stats
    tests: list[MochaTest]
    pending: list[MochaTest] = []
    failures: list[MochaTest] = []
    passes: list[MochaTest] = []


def _key(test: MochaTest) -> tuple[str | None, str]:
    return test.file, test.full_title


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Decode the whole file and build every case now (a bad state anywhere refuses the file)."""
    document = decode_file(fh, path, Document, "Mocha JSON report")
    pending = Counter(_key(test) for test in document.pending)
    failures = Counter(_key(test) for test in document.failures)
    cases: list[ParsedCase] = []
    for test in document.tests:
        if test.state is not None:
            status = STATES.get(test.state)
            if status is None:
                raise ReportError(
                    path, f"unknown state {test.state[:40]!r} for test {test.full_title[:200]!r}"
                )
        elif test.err:
            status = Status.FAILED
        elif pending[_key(test)] > 0:
            status = Status.SKIPPED
        else:
            status = Status.PASSED
        if status is Status.SKIPPED:
            pending[_key(test)] -= 1
        if status is Status.FAILED:
            failures[_key(test)] -= 1
        cases.append(_case(test, status, max_text))
    for test in document.failures:
        if failures[_key(test)] > 0:  # a hook: in `failures` only
            failures[_key(test)] -= 1
            cases.append(_case(test, Status.FAILED, max_text))
    seen: Counter[tuple[str, str, str]] = Counter()
    for case in cases:
        key = (case.suite, case.classname, case.name)
        seen[key] += 1
        if seen[key] > 1:
            case.name = f"{case.name} #{seen[key]}"
    metadata: dict[str, str] = {}
    stamp = normalise_timestamp(document.stats.start)
    if stamp:
        metadata["timestamp"] = stamp
    return ParsedReport(path, ReportFormat.MOCHA_JSON, "mocha", metadata, iter(cases))


def _case(test: MochaTest, status: Status, max_text: int) -> ParsedCase:
    file = relative_file(test.file)
    title = test.title
    classname = test.full_title
    if title and classname.endswith(title):
        classname = classname[: -len(title)].rstrip()
    message = details = None
    truncated = False
    if status is Status.FAILED:
        err = test.err
        text = plain(str(err.get("message") or ""))
        kind = str(err.get("name") or "")
        stack = plain(str(err.get("stack") or ""))
        line = first_line(text)
        if not kind and line and first_line(stack).endswith(line):
            line = first_line(stack)  # "TypeError: ..." when the error carries no `name`
        elif kind and not line.startswith(kind):
            line = f"{kind}: {line}" if line else kind
        message, cut_message = cap_text(line or None, max_text)
        details, cut_details = cap_text(stack or None, max_text)
        truncated = cut_message or cut_details
    attempts = 1 + max(0, test.current_retry)
    return ParsedCase(
        suite=file or "",
        classname=classname,
        name=title or test.full_title,
        status=status,
        duration_ms=test.duration if test.duration is not None and test.duration >= 0 else None,
        file=file,
        attempts=attempts,
        flaky=status is Status.PASSED and attempts > 1,
        message=message,
        details=details,
        truncated=truncated,
        framework="mocha",
    )
