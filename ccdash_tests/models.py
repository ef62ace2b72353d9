"""Pydantic DTOs of the Test Visualizer data layer, and the parser's lightweight case record."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from ccdash_tests.text import class_name_label, feature_label, test_label


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


class DTO(BaseModel):
    """Base of every DTO: immutable, JSON round-trippable, no raw rows."""

    # defer_build: a model's validator is built on first use, so a command pays only for the DTOs it uses.
    model_config = ConfigDict(
        frozen=True, use_enum_values=False, ser_json_timedelta="float", defer_build=True
    )


class TestRunDTO(DTO):
    __test__ = False

    run_id: str
    project_id: str
    timestamp: datetime
    git_sha: str | None = None
    branch: str | None = None
    agent_session_id: str | None = None
    env_fingerprint: str | None = None
    trigger: Trigger = Trigger.LOCAL
    status: RunStatus = RunStatus.EMPTY
    total_tests: int = 0
    passed_tests: int = 0
    failed_tests: int = 0
    skipped_tests: int = 0
    duration_ms: float | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    status_counts: dict[Status, int] = Field(default_factory=dict)
    flaky_tests: int = 0


class TestDefinitionDTO(DTO):
    __test__ = False

    test_id: str
    project_id: str
    suite: str = ""
    classname: str = ""
    name: str
    base_name: str
    path: str | None = None
    line: int | None = None
    framework: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    owner: str | None = None
    first_seen: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]  # in --json as `nodeid`, kept for its readers
    @property
    def nodeid(self) -> str:
        """A pytest node id, else `class::name` (text.class_name_label), whatever the framework."""
        return class_name_label(self.classname, self.name, self.test_id, self.path)

    @computed_field  # type: ignore[prop-decorator]  # in --json as `label`, the name users paste back
    @property
    def label(self) -> str:
        """The test as every output names it, in its framework's form (text.test_label)."""
        return test_label(self.classname, self.name, self.test_id, self.path, self.framework)


class TestResultDTO(DTO):
    __test__ = False

    run_id: str
    test_id: str
    status: Status
    duration_ms: float | None = None
    attempts: int = 1
    flaky: bool = False
    error_fingerprint: str | None = None
    error_message: str | None = None
    error_details: str | None = None
    error_truncated: bool = False
    artifact_refs: list[str] = Field(default_factory=list)
    # Definition fields joined in, so that a result can be shown on its own.
    name: str | None = None
    classname: str | None = None
    path: str | None = None
    framework: str | None = None

    @computed_field  # type: ignore[prop-decorator]  # in --json as `nodeid`, kept for its readers
    @property
    def nodeid(self) -> str:
        """A pytest node id, else `class::name` (text.class_name_label), whatever the framework."""
        return class_name_label(self.classname, self.name, self.test_id, self.path)

    @computed_field  # type: ignore[prop-decorator]  # in --json as `label`, the name users paste back
    @property
    def label(self) -> str:
        """The test as every output names it, in its framework's form (text.test_label)."""
        return test_label(self.classname, self.name, self.test_id, self.path, self.framework)


class TestDomainDTO(DTO):
    __test__ = False

    domain_id: str
    project_id: str
    name: str
    parent_id: str | None = None
    kind: str = "domain"  # domain | subdomain | feature
    description: str | None = None


class TestFeatureMappingDTO(DTO):
    __test__ = False

    project_id: str
    test_id: str
    feature: str
    domain_id: str | None = None
    provider: str
    confidence: float = Field(ge=0.0, le=1.0)
    version: int = 1
    snapshot_hash: str | None = None
    is_primary: bool = False
    created_at: datetime | None = None


class TestIntegritySignalDTO(DTO):
    __test__ = False

    signal_id: str
    project_id: str
    git_sha: str
    file_path: str
    test_id: str | None = None
    test_name: str | None = None
    signal_type: str
    severity: SignalSeverity
    details: dict[str, Any] = Field(default_factory=dict)
    linked_run_ids: list[str] = Field(default_factory=list)
    agent_session_id: str | None = None
    state: SignalState = SignalState.OPEN
    ack_reason: str | None = None
    created_at: datetime | None = None
    verdict: SignalVerdict = SignalVerdict.SUSPICIOUS
    resolved_sha: str | None = None
    resolved_at: datetime | None = None


class DomainHealthRollupDTO(DTO):
    domain_id: str
    name: str
    kind: str = "domain"
    parent_id: str | None = None
    total_tests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    pass_rate: float | None = None
    flaky_count: int = 0
    open_signals: int = 0
    last_run_at: datetime | None = None
    children: list[DomainHealthRollupDTO] = Field(default_factory=list)


class FeatureTestHealthDTO(DTO):
    feature: str
    domain_id: str | None = None
    total_tests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    pass_rate: float | None = None
    trend: list[float | None] = Field(default_factory=list)
    flake_rate: float | None = None
    integrity_score: float = 1.0
    open_signals: int = 0
    last_run_id: str | None = None
    last_run_at: datetime | None = None
    last_good_run_id: str | None = None

    @property
    def label(self) -> str:
        """The feature with its domain (text.feature_label)."""
        return feature_label(self.feature, self.domain_id)


class SourceFile(DTO):
    """One report file that fed a run: its name as given and the digest that makes ingest idempotent."""

    name: str
    sha256: str
    format: str
    cases: int = 0


class IngestRunRequest(BaseModel):
    """Everything needed to store one run. `results` may be empty when cases are streamed separately."""

    # defer_build: its validator (over the ParsedCase dataclass) is built when a request is first made,
    # not by every command that imports this module.
    model_config = ConfigDict(arbitrary_types_allowed=False, defer_build=True)

    project_id: str
    run_id: str
    timestamp: datetime
    git_sha: str | None = None
    branch: str | None = None
    agent_session_id: str | None = None
    env_fingerprint: str | None = None
    trigger: Trigger = Trigger.LOCAL
    metadata: dict[str, Any] = Field(default_factory=dict)
    sources: list[SourceFile] = Field(default_factory=list)
    results: list[ParsedCase] = Field(default_factory=list)


# CCDash's wire contract for `POST /api/tests/ingest` (its `backend.models.IngestRunRequest` and
# `IngestRunResponse`), field for field. Our own `IngestRunRequest` above is the parse -> store request
# and carries parsed cases; these carry what CCDash reads. `ccdash_tests/push/payload.py` says which
# field comes from where.


class CCDashResultRow(DTO):
    """One item of `IngestRunRequest.test_results`. CCDash rewrites the test's definition from every row
    (path, name, framework, tags, owner), so every row carries them all."""

    test_id: str = Field(min_length=1)
    path: str
    name: str = Field(min_length=1)
    framework: str = Field(min_length=1)
    status: Status
    duration_ms: int = Field(ge=0)
    error_message: str = ""
    error_fingerprint: str = ""
    artifact_refs: list[str] = Field(default_factory=list)
    stdout_ref: str = ""
    stderr_ref: str = ""
    tags: list[str] = Field(default_factory=list)
    owner: str = ""


class CCDashIngestRunRequest(DTO):
    """CCDash's `IngestRunRequest` without its rows: the envelope every post of one run repeats.

    The rows travel beside it (`push.payload.encode_post`), so a run is cut into posts of bounded size
    without building the whole run as objects. No run-level counts: CCDash computes them.
    """

    run_id: str = Field(min_length=1)
    project_id: str = Field(min_length=1)
    timestamp: str = Field(min_length=1)
    git_sha: str = ""
    branch: str = ""
    agent_session_id: str = ""
    env_fingerprint: str = ""
    trigger: str = "local"
    test_definitions: list[dict[str, Any]] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


class CCDashIngestRunResponse(DTO):
    """CCDash's answer to one post: `created`, `updated` (new results for a known run) or `skipped`."""

    run_id: str
    status: str
    test_definitions_upserted: int = 0
    test_results_inserted: int = 0
    test_results_skipped: int = 0
    mapping_trigger_queued: bool = False
    integrity_check_queued: bool = False
    errors: list[str] = Field(default_factory=list)


def failures_worst_first(results: Iterable[TestResultDTO]) -> list[TestResultDTO]:
    """The failed and errored results: errors, then failures; longest first within a status; then by name."""
    bad = [r for r in results if r.status.is_bad]
    return sorted(bad, key=lambda r: (r.status.rank, -(r.duration_ms or 0.0), r.label))
