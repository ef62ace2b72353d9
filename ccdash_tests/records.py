"""The ingest path's data without Pydantic: statuses, parsed cases, runs, results, sources, requests.

The `ingest` command imports this module and never Pydantic (its import and first validator were a
quarter of a small ingest: bench/README.md, "Ingest without Pydantic"). The classes are hand-written
with `__slots__`, not dataclasses: a class costs 0.01 ms to create against about 1 ms for a frozen
slotted dataclass, whose generated code is compiled at every start-up. They are immutable (assignment
raises AttributeError; a changed copy comes from `replace`) and compare field by field, as the
Pydantic models did. Values are checked where data enters: `IngestRunRequest` checks what a caller of
the API hands it, the run and result classes coerce their enums (the store's rows hold their text),
and `to_json` writes exactly what Pydantic's `model_dump(mode="json")` wrote (tests/test_records.py
compares both).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ccdash_tests.text import class_name_label, test_label


class Status(enum.StrEnum):
    """Outcome of one test in one run (DESIGN.md §3, contract)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"

    @property
    def code(self) -> int:
        return STATUS_CODES[self]

    @classmethod
    def from_code(cls, code: int) -> Status:
        return STATUS_BY_CODE[code]

    @property
    def is_bad(self) -> bool:
        """Failed or errored: what breaks a build."""
        return self in BAD_STATUSES

    @property
    def rank(self) -> int:
        """Position in the one worst-first order every listing uses (STATUS_ORDER)."""
        return STATUS_RANK[self]


# Small integer codes keep the results table compact (DESIGN.md §10). Append-only: never renumber.
STATUS_CODES: dict[Status, int] = {
    Status.PASSED: 0,
    Status.FAILED: 1,
    Status.ERROR: 2,
    Status.SKIPPED: 3,
    Status.XFAILED: 4,
    Status.XPASSED: 5,
}
STATUS_BY_CODE: dict[int, Status] = {code: status for status, code in STATUS_CODES.items()}

# What breaks a build: failed or errored (DESIGN.md §3). Listed in the order they are shown.
BAD_STATUSES: tuple[Status, ...] = (Status.ERROR, Status.FAILED)
BAD_CODES: tuple[int, ...] = tuple(STATUS_CODES[status] for status in BAD_STATUSES)
# Worst first: what needs attention, then passes, then what did not count.
STATUS_ORDER: tuple[Status, ...] = (
    Status.ERROR,
    Status.FAILED,
    Status.XPASSED,
    Status.PASSED,
    Status.XFAILED,
    Status.SKIPPED,
)
STATUS_RANK: dict[Status, int] = {status: rank for rank, status in enumerate(STATUS_ORDER)}


class Trigger(enum.StrEnum):
    LOCAL = "local"
    CI = "ci"


class RunStatus(enum.StrEnum):
    """Overall verdict of a run: failed when any result failed or errored."""

    PASSED = "passed"
    FAILED = "failed"
    EMPTY = "empty"


class SignalSeverity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SignalState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    # A later commit on the branch restored what was lost (`resolved_sha` names it).
    RESOLVED = "resolved"


class SignalVerdict(enum.StrEnum):
    """Whether the change explains a signal (integrity/deliberate.py decides)."""

    SUSPICIOUS = "suspicious"
    LIKELY_DELIBERATE = "likely_deliberate"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ParsedCase:
    """One test case as a parser read it: cheap to build a million of, no validation on the hot path.

    `suite` is the identity scope the parser chose (see identity.py); `classname` and `name` are
    stored as the report wrote them (after the dialect fixes documented in the parser).
    """

    suite: str
    classname: str
    name: str
    status: Status
    duration_ms: float | None = None
    file: str | None = None
    line: int | None = None
    attempts: int = 1
    flaky: bool = False
    message: str | None = None
    error_type: str | None = None
    details: str | None = None
    truncated: bool = False
    properties: dict[str, str] = field(default_factory=dict)
    framework: str | None = None


@dataclass(frozen=True, slots=True)
class LatestResult:
    """A test's most recent result and the run it came from."""

    test_id: str
    status: Status
    flaky: bool = False
    run_id: str | None = None
    run_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """One result in the history: what a test did in one run."""

    run_id: str
    run_at: datetime
    test_id: str
    status: Status
    flaky: bool = False


def json_time(value: datetime) -> str:
    """A datetime as Pydantic writes one in JSON: ISO 8601, `Z` for UTC (the store's times are UTC)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def jsonable(value: Any) -> Any:
    """`value` as Pydantic's `model_dump(mode="json")` writes a field typed `Any`: containers copied,
    tuples and sets as lists, keys as text, enums by value, times as `json_time`, NaN and infinities as
    null (the metadata of a run is JSON read back from the store, so these are the cases that occur)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_key(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime):
        return json_time(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, bytes):
        return value.decode()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _key(key: Any) -> str:
    if isinstance(key, enum.Enum):
        return str(key.value)
    return key if isinstance(key, str) else str(jsonable(key))


class Record:
    """Base of the plain records: immutable slots, equality and repr by field, `replace` for a copy."""

    # In the order of the JSON document and the constructor.
    __slots__ = ()
    FIELDS: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: use replace()")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.FIELDS)

    # Like Pydantic's frozen models: hashable by value (a run's dict fields make its hash fail, as there).
    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.FIELDS))

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__name__}({body})"

    def as_dict(self) -> dict[str, Any]:
        """The fields by name (values as they are, not copied)."""
        return {name: getattr(self, name) for name in self.FIELDS}

    def replace(self, **changes: Any) -> Any:
        """A copy with `changes` (through the constructor, so they are checked as a new record is)."""
        return type(self)(**{**self.as_dict(), **changes})


_set = object.__setattr__


class TestRunDTO(Record):
    """One run as stored: identity, provenance and the totals recounted from its results."""

    __test__ = False
    # In the order of the constructor and of the JSON document.
    FIELDS = (
        "run_id", "project_id", "timestamp", "git_sha", "branch", "agent_session_id", "env_fingerprint",
        "trigger", "status", "total_tests", "passed_tests", "failed_tests", "skipped_tests", "duration_ms",
        "metadata", "status_counts", "flaky_tests",
    )  # fmt: skip
    __slots__ = FIELDS

    run_id: str
    project_id: str
    timestamp: datetime
    git_sha: str | None
    branch: str | None
    agent_session_id: str | None
    env_fingerprint: str | None
    trigger: Trigger
    status: RunStatus
    total_tests: int
    passed_tests: int
    failed_tests: int
    skipped_tests: int
    duration_ms: float | None
    metadata: dict[str, Any]
    status_counts: dict[Status, int]
    flaky_tests: int

    def __init__(
        self,
        run_id: str,
        project_id: str,
        timestamp: datetime,
        git_sha: str | None = None,
        branch: str | None = None,
        agent_session_id: str | None = None,
        env_fingerprint: str | None = None,
        trigger: Trigger | str = Trigger.LOCAL,
        status: RunStatus | str = RunStatus.EMPTY,
        total_tests: int = 0,
        passed_tests: int = 0,
        failed_tests: int = 0,
        skipped_tests: int = 0,
        duration_ms: float | None = None,
        metadata: dict[str, Any] | None = None,
        status_counts: dict[Status, int] | None = None,
        flaky_tests: int = 0,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "project_id", project_id)
        _set(self, "timestamp", timestamp)
        _set(self, "git_sha", git_sha)
        _set(self, "branch", branch)
        _set(self, "agent_session_id", agent_session_id)
        _set(self, "env_fingerprint", env_fingerprint)
        # The store's rows hold the enums' text; Pydantic coerced it, so do these.
        _set(self, "trigger", trigger if trigger.__class__ is Trigger else Trigger(trigger))
        _set(self, "status", status if status.__class__ is RunStatus else RunStatus(status))
        _set(self, "total_tests", total_tests)
        _set(self, "passed_tests", passed_tests)
        _set(self, "failed_tests", failed_tests)
        _set(self, "skipped_tests", skipped_tests)
        # A float in JSON even when a driver hands back a whole number (`12.0`, never `12`).
        _set(self, "duration_ms", None if duration_ms is None else float(duration_ms))
        _set(self, "metadata", {} if metadata is None else metadata)
        _set(self, "status_counts", {} if status_counts is None else status_counts)
        _set(self, "flaky_tests", flaky_tests)

    def to_json(self) -> dict[str, Any]:
        """The run as `model_dump(mode="json")` of the Pydantic model wrote it, key for key."""
        return {
            "run_id": self.run_id,
            "project_id": self.project_id,
            "timestamp": json_time(self.timestamp),
            "git_sha": self.git_sha,
            "branch": self.branch,
            "agent_session_id": self.agent_session_id,
            "env_fingerprint": self.env_fingerprint,
            "trigger": self.trigger.value,
            "status": self.status.value,
            "total_tests": self.total_tests,
            "passed_tests": self.passed_tests,
            "failed_tests": self.failed_tests,
            "skipped_tests": self.skipped_tests,
            "duration_ms": self.duration_ms,
            "metadata": jsonable(self.metadata),
            "status_counts": {Status(key).value: count for key, count in self.status_counts.items()},
            "flaky_tests": self.flaky_tests,
        }


class TestResultDTO(Record):
    """One test's result in one run, with its definition's names joined in so it can be shown alone."""

    __test__ = False
    # In the order of the JSON document and the constructor.
    FIELDS = (
        "run_id", "test_id", "status", "duration_ms", "attempts", "flaky", "error_fingerprint",
        "error_message", "error_details", "error_truncated", "artifact_refs", "name", "classname", "path",
        "framework",
    )  # fmt: skip
    __slots__ = FIELDS

    run_id: str
    test_id: str
    status: Status
    duration_ms: float | None
    attempts: int
    flaky: bool
    error_fingerprint: str | None
    error_message: str | None
    error_details: str | None
    error_truncated: bool
    artifact_refs: list[str]
    name: str | None
    classname: str | None
    path: str | None
    framework: str | None

    def __init__(
        self,
        run_id: str,
        test_id: str,
        status: Status | str,
        duration_ms: float | None = None,
        attempts: int = 1,
        flaky: bool = False,
        error_fingerprint: str | None = None,
        error_message: str | None = None,
        error_details: str | None = None,
        error_truncated: bool = False,
        artifact_refs: list[str] | None = None,
        name: str | None = None,
        classname: str | None = None,
        path: str | None = None,
        framework: str | None = None,
    ) -> None:
        _set(self, "run_id", run_id)
        _set(self, "test_id", test_id)
        # An enum call costs more than the rest of the constructor: only text is converted.
        _set(self, "status", status if status.__class__ is Status else Status(status))
        _set(self, "duration_ms", None if duration_ms is None else float(duration_ms))
        _set(self, "attempts", attempts)
        _set(self, "flaky", flaky)
        _set(self, "error_fingerprint", error_fingerprint)
        _set(self, "error_message", error_message)
        _set(self, "error_details", error_details)
        _set(self, "error_truncated", error_truncated)
        _set(self, "artifact_refs", [] if artifact_refs is None else artifact_refs)
        _set(self, "name", name)
        _set(self, "classname", classname)
        _set(self, "path", path)
        _set(self, "framework", framework)

    @property
    def nodeid(self) -> str:
        """A pytest node id, else `class::name` (text.class_name_label), whatever the framework."""
        return class_name_label(self.classname, self.name, self.test_id, self.path)

    @property
    def label(self) -> str:
        """The test as every output names it, in its framework's form (text.test_label)."""
        return test_label(self.classname, self.name, self.test_id, self.path, self.framework)

    def to_json(self) -> dict[str, Any]:
        """The result as `model_dump(mode="json")` of the Pydantic model wrote it (with `nodeid` and
        `label`, its computed fields, last)."""
        return {
            "run_id": self.run_id,
            "test_id": self.test_id,
            "status": self.status.value,
            "duration_ms": self.duration_ms,
            "attempts": self.attempts,
            "flaky": self.flaky,
            "error_fingerprint": self.error_fingerprint,
            "error_message": self.error_message,
            "error_details": self.error_details,
            "error_truncated": self.error_truncated,
            "artifact_refs": list(self.artifact_refs),
            "name": self.name,
            "classname": self.classname,
            "path": self.path,
            "framework": self.framework,
            "nodeid": self.nodeid,
            "label": self.label,
        }


class SourceFile(Record):
    """One report file that fed a run: its name as given and the digest that makes ingest idempotent."""

    # In the order of the JSON document and the constructor.
    FIELDS = ("name", "sha256", "format", "cases")
    __slots__ = FIELDS

    name: str
    sha256: str
    format: str
    cases: int

    def __init__(self, name: str, sha256: str, format: str, cases: int = 0) -> None:
        _set(self, "name", name)
        _set(self, "sha256", sha256)
        _set(self, "format", format)
        _set(self, "cases", cases)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "format": self.format, "cases": self.cases}


def _text(label: str, value: object, optional: bool = True) -> None:
    if not (isinstance(value, str) or (optional and value is None)):
        raise ValueError(f"{label}: expected text, got {type(value).__name__}")


class IngestRunRequest(Record):
    """Everything needed to store one run. `results` may be empty when cases are streamed separately.

    Checked as it is built, as the Pydantic model checked it: text where text is asked for, a datetime,
    a known trigger, a metadata object, and lists of SourceFile and ParsedCase (a tuple or other
    iterable is taken as a list). The command line's values are checked before (ingest.validate_options),
    and every case is made to fit the store later (parsers/bounds.py), whoever built it.
    """

    # In the order of the constructor and of the JSON document.
    FIELDS = (
        "project_id", "run_id", "timestamp", "git_sha", "branch", "agent_session_id", "env_fingerprint",
        "trigger", "metadata", "sources", "results",
    )  # fmt: skip
    __slots__ = FIELDS

    project_id: str
    run_id: str
    timestamp: datetime
    git_sha: str | None
    branch: str | None
    agent_session_id: str | None
    env_fingerprint: str | None
    trigger: Trigger
    metadata: dict[str, Any]
    sources: list[SourceFile]
    results: list[ParsedCase]

    def __init__(
        self,
        project_id: str,
        run_id: str,
        timestamp: datetime,
        git_sha: str | None = None,
        branch: str | None = None,
        agent_session_id: str | None = None,
        env_fingerprint: str | None = None,
        trigger: Trigger | str = Trigger.LOCAL,
        metadata: dict[str, Any] | None = None,
        sources: Iterable[SourceFile] = (),
        results: Iterable[ParsedCase] = (),
    ) -> None:
        _text("project_id", project_id, optional=False)
        _text("run_id", run_id, optional=False)
        if not isinstance(timestamp, datetime):
            raise ValueError(f"timestamp: expected a datetime, got {type(timestamp).__name__}")
        for label, value in (
            ("git_sha", git_sha),
            ("branch", branch),
            ("agent_session_id", agent_session_id),
            ("env_fingerprint", env_fingerprint),
        ):
            _text(label, value)
        if metadata is not None and not isinstance(metadata, dict):
            raise ValueError(f"metadata: expected an object, got {type(metadata).__name__}")
        source_list = list(sources)
        if not all(type(item) is SourceFile for item in source_list):
            raise ValueError("sources: expected SourceFile items")
        case_list = results if type(results) is list else list(results)
        if not all(type(item) is ParsedCase for item in case_list):
            raise ValueError("results: expected ParsedCase items")
        _set(self, "project_id", project_id)
        _set(self, "run_id", run_id)
        _set(self, "timestamp", timestamp)
        _set(self, "git_sha", git_sha)
        _set(self, "branch", branch)
        _set(self, "agent_session_id", agent_session_id)
        _set(self, "env_fingerprint", env_fingerprint)
        _set(self, "trigger", trigger if trigger.__class__ is Trigger else Trigger(trigger))
        _set(self, "metadata", {} if metadata is None else metadata)
        _set(self, "sources", source_list)
        _set(self, "results", case_list)


def failures_worst_first(results: Iterable[TestResultDTO]) -> list[TestResultDTO]:
    """The failed and errored results: errors, then failures; longest first within a status; then by name."""
    bad = [r for r in results if r.status.is_bad]
    return sorted(bad, key=lambda r: (r.status.rank, -(r.duration_ms or 0.0), r.label))
