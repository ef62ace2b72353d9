"""Pydantic DTOs of the Test Visualizer data layer; the ingest path's plain records re-exported.

The run, its results, its sources and the ingest request are plain classes in records.py, so that
`ingest` imports no Pydantic; they are re-exported here for every other reader.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from ccdash_tests.records import (
    BAD_CODES,
    BAD_STATUSES,
    STATUS_BY_CODE,
    STATUS_CODES,
    STATUS_ORDER,
    STATUS_RANK,
    IngestRunRequest,
    LatestResult,
    ParsedCase,
    RunResult,
    RunStatus,
    SignalSeverity,
    SignalState,
    SignalVerdict,
    SourceFile,
    Status,
    TestResultDTO,
    TestRunDTO,
    Trigger,
    failures_worst_first,
    utcnow,
)
from ccdash_tests.text import class_name_label, feature_label, test_label

__all__ = [
    "BAD_CODES",
    "BAD_STATUSES",
    "STATUS_BY_CODE",
    "STATUS_CODES",
    "STATUS_ORDER",
    "STATUS_RANK",
    "CCDashIngestRunRequest",
    "CCDashIngestRunResponse",
    "CCDashResultRow",
    "DomainHealthRollupDTO",
    "FeatureTestHealthDTO",
    "IngestRunRequest",
    "LatestResult",
    "ParsedCase",
    "RunResult",
    "RunStatus",
    "SignalSeverity",
    "SignalState",
    "SignalVerdict",
    "SourceFile",
    "Status",
    "TestDefinitionDTO",
    "TestDomainDTO",
    "TestFeatureMappingDTO",
    "TestIntegritySignalDTO",
    "TestResultDTO",
    "TestRunDTO",
    "Trigger",
    "failures_worst_first",
    "utcnow",
]


class DTO(BaseModel):
    """Base of every DTO: immutable, JSON round-trippable, no raw rows."""

    # defer_build: a model's validator is built on first use, so a command pays only for the DTOs it uses.
    model_config = ConfigDict(
        frozen=True, use_enum_values=False, ser_json_timedelta="float", defer_build=True
    )


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

    @property
    def linked_test_ids(self) -> list[str]:
        """Every stored test the signal names: each member of a grouped signal, else its one test."""
        listed = self.details.get("test_ids")
        if isinstance(listed, list) and listed:
            return [str(test_id) for test_id in listed]
        return [self.test_id] if self.test_id else []


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


# CCDash's wire contract for `POST /api/tests/ingest` (its `backend.models.IngestRunRequest` and
# `IngestRunResponse`), field for field. Our own `IngestRunRequest` (records.py) is the parse -> store request
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
