"""pytest --report-log files (JSON Lines, one report per phase), streamed line by line.

Only tests that have started and not finished are kept in memory. A test is finished by its
teardown report; a test still open at the end of the file is yielded with what was seen. Per test:
an error when setup or teardown failed, else the call's outcome, with `wasxfail` telling xfailed
(outcome skipped) and xpassed (outcome passed) apart; a strict XPASS arrives as failed and stays
failed. pytest-rerunfailures reports a failed attempt with outcome "rerun": each rerun adds an
attempt, and a test whose final attempt passed after a rerun is flaky. A failed CollectReport becomes
one error case. Identity is pytest's junitxml mangling of the nodeid (`split_nodeid`), suite "".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import msgspec

from ccdash_tests.parsers.common import (
    ParsedReport,
    ReportError,
    ReportFormat,
    cap_text,
    collection_error,
    json_problem,
    split_nodeid,
)
from ccdash_tests.records import ParsedCase, Status

_PHASE_OUTCOMES = frozenset({"passed", "failed", "skipped", "rerun", "error"})
# The longest line read: a longer one is refused (a line is decoded whole, so memory follows it).
MAX_LINE = 16 * 1024 * 1024


class LogLine(msgspec.Struct, rename={"report_type": "$report_type"}):
    report_type: str
    nodeid: str = ""
    when: str | None = None
    outcome: str | None = None
    longrepr: Any = None
    location: tuple[str, int | None, str] | None = None
    duration: float | None = None
    wasxfail: str | None = None
    pytest_version: str | None = None
    exitstatus: int | None = None


class OpenTest:
    """Phases seen so far for one test in its current attempt.

    Failure texts are kept bounded as they come (the first message; details up to max_text characters),
    so a test reported failed a million times without a teardown costs no more than one.
    """

    __slots__ = (
        "attempts",
        "cut",
        "details",
        "duration",
        "failed_attempt",
        "line",
        "message",
        "outcomes",
        "size",
        "xfail",
    )

    def __init__(self, line: int | None) -> None:
        self.line = line
        self.attempts = 1
        self.failed_attempt = False
        self.outcomes: dict[str, str] = {}
        self.message: str | None = None
        self.details: list[str] = []
        self.size = 0  # characters in details
        self.cut = False
        self.duration = 0.0
        self.xfail = False

    def add_failure(self, message: str | None, details: str | None, max_text: int) -> None:
        if self.message is None:
            self.message = message
        if not details:
            return
        room = max_text - self.size
        if len(details) > room:
            self.cut = True
            details = details[: max(room, 0)]
        if details:
            self.details.append(details)
            self.size += len(details) + 1

    def new_attempt(self) -> None:
        self.attempts += 1
        self.failed_attempt = True
        self.outcomes.clear()
        self.message = None
        self.details = []
        self.size = 0
        self.cut = False
        self.xfail = False


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Start reading a report-log (its first line is checked now; cases are read lazily)."""
    metadata, cases = parse_reportlog(fh, path, max_text)
    return ParsedReport(path, ReportFormat.REPORTLOG, "pytest", metadata, cases)


def parse_reportlog(fh: BinaryIO, path: str, max_text: int) -> tuple[dict[str, str], Iterator[ParsedCase]]:
    """(metadata, lazy cases). The first line is read now, so a file that is not a report-log fails early."""
    metadata: dict[str, str] = {}
    decoder = msgspec.json.Decoder(LogLine)
    try:
        head = fh.readline(MAX_LINE)
        first = _decode(decoder, head, path, 1) if head.strip() else None
    except BaseException:
        fh.close()
        raise
    if first is None:
        fh.close()
        raise ReportError(path, "empty file")
    if first.pytest_version:
        metadata["pytest_version"] = first.pytest_version
        metadata["framework_version"] = first.pytest_version
    return metadata, _iterate(fh, decoder, path, max_text, first, metadata)


def _decode(decoder: msgspec.json.Decoder, raw: bytes, path: str, line: int) -> LogLine:
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as err:
        raise ReportError(path, f"not a pytest report-log line: {err}", line) from None
    except msgspec.DecodeError as err:
        problem, _ = json_problem(err, raw)
        raise ReportError(path, problem, line) from None


def _iterate(
    fh: BinaryIO,
    decoder: msgspec.json.Decoder,
    path: str,
    max_text: int,
    first: LogLine,
    metadata: dict[str, str],
) -> Iterator[ParsedCase]:
    pending: dict[str, OpenTest] = {}
    number = 1
    record: LogLine | None = first
    try:
        while record is not None:
            case = _step(record, pending, path, number, max_text, metadata)
            if case is not None:
                yield case
            record = None
            while record is None:
                raw = fh.readline(MAX_LINE)
                if not raw:
                    break
                number += 1
                if len(raw) >= MAX_LINE and not raw.endswith(b"\n"):
                    raise ReportError(path, f"line longer than {MAX_LINE} bytes", number)
                if raw.strip():
                    record = _decode(decoder, raw, path, number)
        for nodeid, state in pending.items():
            yield _finish(nodeid, state, max_text)
    finally:
        fh.close()


def _step(
    record: LogLine,
    pending: dict[str, OpenTest],
    path: str,
    number: int,
    max_text: int,
    metadata: dict[str, str],
) -> ParsedCase | None:
    kind = record.report_type
    if kind == "CollectReport":
        if record.outcome == "failed" and record.nodeid:
            return _collect_error(record, max_text)
        return None
    if kind == "SessionFinish" and record.exitstatus is not None:
        metadata["exitstatus"] = str(record.exitstatus)
    if kind != "TestReport":
        return None
    outcome, when = record.outcome or "", record.when or ""
    if outcome not in _PHASE_OUTCOMES:
        raise ReportError(path, f"unknown outcome {outcome[:40]!r} for test {record.nodeid[:200]!r}", number)
    if when not in ("setup", "call", "teardown"):
        raise ReportError(path, f"unknown phase {when[:40]!r} for test {record.nodeid[:200]!r}", number)
    state = pending.get(record.nodeid)
    if state is None:
        line = record.location[1] if record.location else None
        state = pending[record.nodeid] = OpenTest(line + 1 if line is not None else None)
    state.outcomes[when] = outcome
    state.duration += record.duration or 0.0
    state.xfail = state.xfail or record.wasxfail is not None
    if outcome in ("failed", "rerun", "error"):
        state.add_failure(*_failure_text(record.longrepr), max_text)
    if when != "teardown":
        return None
    if "rerun" in state.outcomes.values():
        state.new_attempt()
        return None
    del pending[record.nodeid]
    return _finish(record.nodeid, state, max_text)


def _failure_text(longrepr: Any) -> tuple[str | None, str | None]:
    """(message, details) from a serialised longrepr: a string, or pytest's reprcrash/reprtraceback dict."""
    if isinstance(longrepr, str):
        lines = [line for line in longrepr.splitlines() if line.strip()]
        return (lines[-1].strip() if lines else None), longrepr
    if isinstance(longrepr, dict):
        crash = longrepr.get("reprcrash")
        message = crash.get("message") if isinstance(crash, dict) else None
        return (message if isinstance(message, str) else None), _traceback_text(longrepr)
    if isinstance(longrepr, list | tuple) and len(longrepr) == 3:
        return str(longrepr[2]), None
    return None, None


def _traceback_text(longrepr: dict[str, Any]) -> str | None:
    """The text pytest would print for a serialised traceback, as far as the report carries it."""
    parts: list[str] = []
    traceback = longrepr.get("reprtraceback")
    entries = traceback.get("reprentries", []) if isinstance(traceback, dict) else []
    for entry in entries if isinstance(entries, list) else []:
        data = entry.get("data") if isinstance(entry, dict) else None
        lines = data.get("lines") if isinstance(data, dict) else None
        if isinstance(lines, list):
            parts.extend(line for line in lines if isinstance(line, str))
    return "\n".join(parts) or None


def _status(state: OpenTest) -> Status:
    outcomes = state.outcomes
    if outcomes.get("setup") in ("failed", "error") or outcomes.get("teardown") in ("failed", "error"):
        return Status.ERROR
    call = outcomes.get("call")
    if call is None:
        if outcomes.get("setup") == "skipped":
            return Status.XFAILED if state.xfail else Status.SKIPPED
        return Status.ERROR
    if call == "skipped":
        return Status.XFAILED if state.xfail else Status.SKIPPED
    if call == "passed":
        return Status.XPASSED if state.xfail else Status.PASSED
    return Status.FAILED


def _finish(nodeid: str, state: OpenTest, max_text: int) -> ParsedCase:
    status = _status(state)
    message, cut_message = cap_text(state.message, max_text)
    details, cut_details = cap_text("\n".join(state.details) or None, max_text)
    cut_details = cut_details or state.cut
    classname, name, file = split_nodeid(nodeid)
    return ParsedCase(
        suite="",
        classname=classname,
        name=name,
        status=status,
        duration_ms=state.duration * 1000.0,
        file=file,
        line=state.line,
        attempts=state.attempts,
        flaky=state.failed_attempt and status is Status.PASSED,
        message=message,
        details=details,
        truncated=cut_message or cut_details,
        framework="pytest",
    )


def _collect_error(record: LogLine, max_text: int) -> ParsedCase:
    message, details = _failure_text(record.longrepr)
    return collection_error(record.nodeid, message, details, max_text)
