"""Shared parser pieces: the refusal error, the report record, text bounds, durations and attempt folding."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from ccdash_tests.errors import UserError
from ccdash_tests.parsers.bounds import MAX_DURATION_MS
from ccdash_tests.records import ParsedCase, Status
from ccdash_tests.times import parse_iso


class ReportFormat(enum.StrEnum):
    """Every report format a parser reads; `parsers.PARSERS` maps each to its module's `parse`."""

    JUNIT = "junit"
    PYTEST_JSON = "pytest-json"
    REPORTLOG = "reportlog"
    TRX = "trx"
    JEST_JSON = "jest-json"
    GO_JSON = "go-json"
    MOCHA_JSON = "mocha-json"
    CTRF = "ctrf"
    NUNIT = "nunit"
    XUNIT = "xunit"


FORMATS = tuple(fmt.value for fmt in ReportFormat)
MAX_TEXT = 64 * 1024  # characters kept of one failure message, and of its details


class ReportError(UserError):
    """A report was refused. str(err) is one line: "<path>: line N: <problem>" (line part only when known)."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.problem = " ".join(problem.split())
        self.line = line
        where = f"{path}: line {line}: " if line is not None else f"{path}: "
        super().__init__(where + self.problem)


@dataclass
class ParsedReport:
    """One report file being read: header facts now, cases lazily (the iterator closes the file when done)."""

    path: str
    format: ReportFormat
    framework: str | None
    metadata: dict[str, str]
    cases: Iterator[ParsedCase]
    # What the file said that disagrees with what was read from it (one line each, without the path);
    # complete once `cases` is exhausted. The ingest shows them, it never stores a report's counters.
    warnings: list[str] = field(default_factory=list)


def cap_text(text: str | None, max_text: int) -> tuple[str | None, bool]:
    """The text bounded to max_text characters, and whether it was cut (nothing is appended to a cut text)."""
    if text is None or len(text) <= max_text:
        return text, False
    return text[:max_text], True


_BYTE = re.compile(r"\(byte (\d+)\)")


def json_problem(err: Exception, data: bytes) -> tuple[str, int | None]:
    """A msgspec decode error as (problem, 1-based line within data), naming NaN/Infinity when that is it."""
    text = str(err)
    found = _BYTE.search(text)
    if found is None:
        return f"malformed JSON: {text}", None
    offset = int(found.group(1))
    line = data.count(b"\n", 0, offset) + 1
    if data[offset : offset + 9].lstrip(b"-+").startswith((b"NaN", b"Infinity")):
        return f"malformed JSON: NaN and Infinity are not JSON (byte {offset})", line
    return f"malformed JSON: {text}", line


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?([eE][-+]?\d+)?$")


# ParsedReport.metadata key: the wall time of the whole test session as the report states it, in ms
# (JUnit's root `time`, pytest-json-report's `duration`); a run's own duration is the sum of its tests'.
WALL_TIME_MS = "wall_time_ms"


def wall_time(milliseconds: float | None) -> str | None:
    """A session's stated wall time as metadata text; None when absent or absurd (negative, past 30 hours)."""
    if milliseconds is None or not 0 <= milliseconds <= MAX_DURATION_MS:
        return None
    return f"{milliseconds:.3f}"


def parse_seconds(value: str | None) -> float | None:
    """A `time` attribute in seconds -> milliseconds; None for missing, empty, negative or unreadable values.

    Accepts "1.5", "1,234.5" (thousands separators), "1e-3", and "0,5" (decimal comma, as some
    locales write it).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        seconds = float(text)
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds * 1000.0


def normalise_timestamp(value: str | None) -> str | None:
    """An ISO-8601 timestamp with its zone made explicit: a timestamp without a zone is UTC."""
    if not value or not value.strip():
        return None
    parsed = parse_iso(value)
    return value.strip() if parsed is None else parsed.isoformat()


def split_nodeid(nodeid: str) -> tuple[str, str, str]:
    """A pytest nodeid -> (classname, name, file) exactly as pytest's junitxml derives them.

    The part before the first "[" is split on "::"; the first element is the file path, which
    becomes a dotted module path ("/" -> ".", trailing ".py" dropped); the parameters are put back
    on the last element. classname is all but the last element joined with ".", name the last.
    """
    path, bracket, params = nodeid.partition("[")
    parts = path.split("::")
    file = parts[0]
    module = file.replace("/", ".")
    if module.endswith(".py"):
        module = module[: -len(".py")]
    parts[0] = module
    parts[-1] += bracket + params
    return ".".join(parts[:-1]), parts[-1], file


def fold_attempts(cases: Iterable[ParsedCase]) -> list[ParsedCase]:
    """Fold repeated cases of one test (keyed by suite, classname, name) into one, in first-seen order.

    The last case's fields (status, message, duration, ...) win; attempts add up; the result is flaky
    when the final case passed and an earlier one failed or errored (or was itself already flaky).
    """
    folded: dict[tuple[str, str, str], ParsedCase] = {}
    had_bad: dict[tuple[str, str, str], bool] = {}
    for case in cases:
        key = (case.suite, case.classname, case.name)
        earlier = folded.get(key)
        if earlier is None:
            folded[key] = case
            had_bad[key] = case.status.is_bad or case.flaky
            continue
        bad_before = had_bad[key]
        flaky = case.status is Status.PASSED and (bad_before or case.flaky)
        folded[key] = replace(case, attempts=earlier.attempts + case.attempts, flaky=flaky)
        had_bad[key] = bad_before or case.status.is_bad or case.flaky
    return list(folded.values())


def collection_error(nodeid: str, message: str | None, details: str | None, max_text: int) -> ParsedCase:
    """A pytest collector that failed (an import error in a test module) stored as one `error` case."""
    message, cut_message = cap_text(message, max_text)
    details, cut_details = cap_text(details, max_text)
    classname, name, file = split_nodeid(nodeid)
    return ParsedCase(
        suite="",
        classname=classname,
        name=name,
        status=Status.ERROR,
        file=file,
        message=message,
        details=details,
        truncated=cut_message or cut_details,
        framework="pytest",
    )
