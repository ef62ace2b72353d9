"""pytest-json-report files: one decode into typed msgspec Structs, then cases yielded one by one.

Status of a test: an error when its setup or teardown failed (pytest-json-report's own rule, and
the one the JUnit and report-log parsers follow), else the test's outcome (passed, failed,
skipped, xfailed, xpassed; a strict XPASS is already "failed"). pytest-rerunfailures leaves the
outcome "rerun" on a test whose final attempt passed: that is read as passed, 2 attempts, flaky
(the file keeps only the last attempt, so earlier attempts of tests that never passed are not
visible). Collectors that failed (import errors) become one error case each. Identity follows
pytest's junitxml mangling of the nodeid (see `split_nodeid`), suite "".

The whole file is decoded at once (msgspec has no incremental decoder); its memory is about a third
of the stdlib json's for the same file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

import msgspec

from ccdash_tests.models import ParsedCase, Status
from ccdash_tests.parsers.common import (
    ParsedReport,
    ReportError,
    ReportFormat,
    cap_text,
    collection_error,
    json_problem,
    split_nodeid,
)

OUTCOMES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "error": Status.ERROR,
    "skipped": Status.SKIPPED,
    "xfailed": Status.XFAILED,
    "xpassed": Status.XPASSED,
}


class Crash(msgspec.Struct):
    message: str = ""
    path: str | None = None
    lineno: int | None = None


class Stage(msgspec.Struct):
    outcome: str
    duration: float | None = None
    crash: Crash | None = None
    longrepr: str | None = None


class JsonTest(msgspec.Struct):
    nodeid: str
    outcome: str
    lineno: int | None = None
    setup: Stage | None = None
    call: Stage | None = None
    teardown: Stage | None = None


class Collector(msgspec.Struct):
    nodeid: str
    outcome: str
    longrepr: str | None = None


class JsonReport(msgspec.Struct):
    tests: list[JsonTest]
    created: float | None = None
    duration: float | None = None
    exitcode: int | None = None
    root: str | None = None
    environment: dict[str, Any] = {}
    summary: dict[str, int] = {}
    collectors: list[Collector] = []


# pytest JSON is decoded whole; anything larger is not a pytest-json-report a CI job writes.
MAX_JSON_BYTES = 2 * 1024 * 1024 * 1024


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Read a pytest-json-report file (decoded whole: the whole file is checked now)."""
    with fh:
        data = fh.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ReportError(path, "pytest JSON report larger than 2 GiB")
    report = decode_report(data, path)
    del data
    return ParsedReport(
        path, ReportFormat.PYTEST_JSON, "pytest", metadata_of(report), iter_cases(report, path, max_text)
    )


def decode_report(data: bytes, path: str) -> JsonReport:
    """The typed report, or ReportError naming what is wrong (malformed JSON, NaN, wrong shape)."""
    try:
        return msgspec.json.decode(data, type=JsonReport)
    except msgspec.ValidationError as err:
        raise ReportError(path, f"not a pytest-json-report file: {err}") from None
    except msgspec.DecodeError as err:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
            raise ReportError(path, "malformed JSON: pytest JSON must be UTF-8") from None
        problem, line = json_problem(err, data)
        raise ReportError(path, problem, line) from None


def metadata_of(report: JsonReport) -> dict[str, str]:
    """Header facts worth keeping as run metadata."""
    metadata: dict[str, str] = {}
    if report.root:
        metadata["root"] = report.root
    if report.created is not None:
        metadata["created"] = str(report.created)
        with contextlib.suppress(OverflowError, OSError, ValueError):
            metadata["timestamp"] = datetime.fromtimestamp(report.created, UTC).isoformat()
    if report.exitcode is not None:
        metadata["exitcode"] = str(report.exitcode)
    for key, value in report.environment.items():
        if isinstance(value, str | int | float):
            metadata[f"environment.{key}"] = str(value)
    return metadata


def iter_cases(report: JsonReport, path: str, max_text: int) -> Iterator[ParsedCase]:
    """One case per test, then one error case per failed collector."""
    for test in report.tests:
        yield _case(test, path, max_text)
    for collector in report.collectors:
        if collector.outcome == "failed" and collector.nodeid:
            longrepr = collector.longrepr
            yield collection_error(collector.nodeid, _last_line(longrepr), longrepr, max_text)


def _last_line(text: str | None) -> str | None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else None


def _case(test: JsonTest, path: str, max_text: int) -> ParsedCase:
    stages = [stage for stage in (test.setup, test.call, test.teardown) if stage is not None]
    attempts, flaky = 1, False
    if test.outcome == "rerun":
        attempts, flaky = 2, True
        status = Status.PASSED
        if any(stage.outcome not in ("passed", "rerun") for stage in stages):
            status, flaky = Status.FAILED, False
    elif test.outcome in OUTCOMES:
        status = OUTCOMES[test.outcome]
    else:
        raise ReportError(path, f"unknown outcome {test.outcome[:40]!r} for test {test.nodeid[:200]!r}")
    if any(stage is not test.call and stage.outcome == "failed" for stage in stages):
        status = Status.ERROR
    failing = [stage for stage in stages if stage.outcome == "failed"]
    message = None
    if failing:
        crash = failing[0].crash
        message = crash.message if crash is not None else _last_line(failing[0].longrepr)
    details = "\n".join(stage.longrepr for stage in failing if stage.longrepr) or None
    message, cut_message = cap_text(message, max_text)
    details, cut_details = cap_text(details, max_text)
    durations = [stage.duration for stage in stages if stage.duration is not None]
    classname, name, file = split_nodeid(test.nodeid)
    return ParsedCase(
        suite="",
        classname=classname,
        name=name,
        status=status,
        duration_ms=sum(durations) * 1000.0 if durations else None,
        file=file,
        line=test.lineno + 1 if test.lineno is not None else None,
        attempts=attempts,
        flaky=flaky,
        message=message,
        details=details,
        truncated=cut_message or cut_details,
        framework="pytest",
    )
