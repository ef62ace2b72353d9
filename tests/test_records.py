"""The plain records write the JSON the Pydantic models wrote, byte for byte, and check what enters them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, computed_field

from ccdash_tests.records import (
    IngestRunRequest,
    ParsedCase,
    RunStatus,
    SourceFile,
    Status,
    TestResultDTO,
    TestRunDTO,
    Trigger,
)
from ccdash_tests.text import class_name_label, test_label

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))


# The Pydantic models these records replaced (models.py before issue 18's perf-dto), kept here as the
# reference of the JSON contract: `runs show --json`, `ingest --json` and the push read these fields.
class _DTO(BaseModel):
    model_config = ConfigDict(frozen=True, use_enum_values=False, ser_json_timedelta="float")


class PydanticRun(_DTO):
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


class PydanticResult(_DTO):
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
    name: str | None = None
    classname: str | None = None
    path: str | None = None
    framework: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def nodeid(self) -> str:
        return class_name_label(self.classname, self.name, self.test_id, self.path)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        return test_label(self.classname, self.name, self.test_id, self.path, self.framework)


class PydanticSource(_DTO):
    name: str
    sha256: str
    format: str
    cases: int = 0


HOSTILE = 'ünï\u202e"\\\n\x00\ud800✓ ' + "x" * 300

RUNS: list[dict[str, Any]] = [
    {"run_id": "r", "project_id": "p", "timestamp": NOW},
    {
        "run_id": HOSTILE, "project_id": "p", "timestamp": datetime(2026, 1, 2, 3, 4, 5, 120, tzinfo=UTC),
        "git_sha": "a" * 40, "branch": HOSTILE, "agent_session_id": "s", "env_fingerprint": "e",
        "trigger": "ci", "status": "failed", "total_tests": 3, "passed_tests": 1, "failed_tests": 2,
        "skipped_tests": 0, "duration_ms": 12, "flaky_tests": 1,
        "metadata": {"env": {"os": "linux"}, "n": [1, 2.5, None, True], "k": {"ü": {"deep": ["x"]}},
                     "nan": float("nan"), "inf": float("-inf"), "tuple": (1, 2), "when": NOW},
        "status_counts": {Status.FAILED: 2, Status.PASSED: 1},
    },
    {"run_id": "r", "project_id": "p", "timestamp": datetime(2026, 1, 2), "duration_ms": 0.1 + 0.2},
    {"run_id": "r", "project_id": "p", "timestamp": datetime(2026, 1, 2, tzinfo=EST),
     "duration_ms": 1e-7, "status_counts": {"passed": 4}},
]  # fmt: skip

RESULTS: list[dict[str, Any]] = [
    {"run_id": "r", "test_id": "t", "status": Status.PASSED},
    {
        "run_id": "r", "test_id": "t" * 64, "status": "failed", "duration_ms": 1.5, "attempts": 2,
        "flaky": True, "error_fingerprint": "f", "error_message": HOSTILE, "error_details": HOSTILE,
        "error_truncated": True, "artifact_refs": ["a.png", HOSTILE], "name": "test_x[1-ü]",
        "classname": "tests.test_a.TestB", "path": "tests/test_a.py", "framework": "pytest",
    },
    {"run_id": "r", "test_id": "t", "status": Status.ERROR, "name": "it works", "classname": "suite",
     "framework": "jest", "duration_ms": 3},
    {"run_id": "r", "test_id": "t", "status": Status.XFAILED, "name": "TestX/sub", "classname": "pkg",
     "framework": "go", "path": "pkg/x_test.go"},
]  # fmt: skip


def dumps(document: dict[str, Any]) -> str:
    """As the commands write it (jsonout and views.runs: ensure_ascii=False, indented and not)."""
    return json.dumps(document, ensure_ascii=False) + json.dumps(document, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("values", RUNS)
def test_a_run_writes_the_json_of_the_pydantic_model(values: dict[str, Any]) -> None:
    assert dumps(TestRunDTO(**values).to_json()) == dumps(PydanticRun(**values).model_dump(mode="json"))


@pytest.mark.parametrize("values", RESULTS)
def test_a_result_writes_the_json_of_the_pydantic_model(values: dict[str, Any]) -> None:
    plain = TestResultDTO(**values)
    assert dumps(plain.to_json()) == dumps(PydanticResult(**values).model_dump(mode="json"))
    assert (plain.nodeid, plain.label) == (plain.to_json()["nodeid"], plain.to_json()["label"])


def test_a_source_writes_the_json_of_the_pydantic_model() -> None:
    values: dict[str, Any] = {"name": HOSTILE, "sha256": "1" * 64, "format": "junit", "cases": 3}
    assert dumps(SourceFile(**values).to_json()) == dumps(PydanticSource(**values).model_dump(mode="json"))


def test_records_are_immutable_and_compare_by_value() -> None:
    run = TestRunDTO(**RUNS[1])
    with pytest.raises(AttributeError):
        run.run_id = "other"
    with pytest.raises(AttributeError):
        del run.branch
    assert run == TestRunDTO(**RUNS[1]) and run != run.replace(branch="other")
    assert run.replace(branch="other").branch == "other" and run.branch == HOSTILE
    # Coerced as the Pydantic model coerced them: the store's rows hold the enums' text.
    assert (run.trigger, run.status, run.duration_ms) == (Trigger.CI, RunStatus.FAILED, 12.0)
    assert type(run.duration_ms) is float
    assert "TestRunDTO(run_id=" in repr(run)
    result = TestResultDTO(**RESULTS[1])
    assert result.status is Status.FAILED and result == TestResultDTO(**RESULTS[1])
    assert hash(SourceFile("a", "1", "junit")) == hash(SourceFile("a", "1", "junit"))


CASE = ParsedCase("", "m.C", "test_y", Status.FAILED, 2.0, message="boom", properties={"k": "v"})


def test_an_ingest_request_checks_what_enters_it() -> None:
    request = IngestRunRequest(
        project_id="p", run_id="r", timestamp=NOW, trigger="ci", results=(CASE,),
        sources=[SourceFile("a.xml", "1" * 64, "junit", 1)],
    )  # fmt: skip
    assert request.trigger is Trigger.CI and request.results == [CASE] and request.metadata == {}
    assert request.replace(results=[]).results == [] and request.results == [CASE]
    bad: list[dict[str, Any]] = [
        {"project_id": None},
        {"run_id": 7},
        {"timestamp": "2026-11-30T12:00:00Z"},
        {"git_sha": b"abc"},
        {"branch": 1},
        {"trigger": "nightly"},
        {"metadata": [("k", "v")]},
        {"sources": [{"name": "a.xml"}]},
        {"results": [{"name": "test_y"}]},
    ]
    for change in bad:
        with pytest.raises(ValueError):
            IngestRunRequest(**{"project_id": "p", "run_id": "r", "timestamp": NOW, **change})
