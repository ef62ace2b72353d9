"""The body of CCDash's `POST /api/tests/ingest`, built from stored DTOs (pure: no I/O, no clock).

Which field comes from where (CCDash's `IngestRunRequest` <- our store's DTOs):

    run_id, project_id        TestRunDTO.run_id, .project_id (CCDash keys runs by run_id alone)
    timestamp                 TestRunDTO.timestamp as `wire_timestamp` text (CCDash compares it as text)
    git_sha, branch           TestRunDTO.git_sha, .branch ("" when unknown: CCDash refuses null)
    agent_session_id          TestRunDTO.agent_session_id
    env_fingerprint, trigger  TestRunDTO.env_fingerprint, .trigger ("local" | "ci")
    test_definitions          [] : every result row carries its definition, and CCDash lets the row win
    metadata                  TestRunDTO.metadata (env, frameworks, ci) + `ci_provider`, `sources`
                              (the run's report files), `tool` (ccdash-tests and its version) and
                              `ccdash_tests` (our own counts and duration, for comparison)
    test_results[]:
      test_id                 TestResultDTO.test_id (our content hash; it includes the project, so it
                              is unique across projects, as CCDash's global key needs)
      path                    TestDefinitionDTO.path, else where the report places the test (classname,
                              then suite): CCDash blanks a definition's path when a row has none
      name                    "classname::name", or the name without a class (whatever the framework:
                              not the label the terminal shows, so a pushed name never changes)
      framework               TestDefinitionDTO.framework, else the run's report format ("junit")
      status                  TestResultDTO.status (the six statuses are CCDash's six)
      duration_ms             TestResultDTO.duration_ms rounded half up to a whole ms (CCDash reads an
                              int; a fraction would become 0); unknown -> 0
      error_message           message, then details, cut to 12,000 characters as CCDash's parser does
      error_fingerprint       TestResultDTO.error_fingerprint
      artifact_refs           TestResultDTO.artifact_refs
      tags                    TestDefinitionDTO.tags as sorted "key=value" (or "key") strings
      owner                   TestDefinitionDTO.owner
      stdout_ref, stderr_ref  "" (not stored)

CCDash strips surrounding white space from the text it stores (a Jest name " top-level" reads back
as "top-level"); we send the names as stored.

Large runs go as several posts of the same run id (`plan_posts`): CCDash answers the first `created`
and the rest `updated`, and skips results it already holds, so a post that is retried or sent again
changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ccdash_tests.models import (
    CCDashIngestRunRequest,
    CCDashResultRow,
    SourceFile,
    Status,
    TestDefinitionDTO,
    TestResultDTO,
    TestRunDTO,
)

TOOL_NAME = "ccdash-tests"
# CCDash's own JUnit parser keeps this much failure text per result.
MAX_ERROR_MESSAGE = 12_000
# Measured on CCDash's SQLite profile: about 1-2 ms per result (it commits each row), so 5,000 results
# answer in 5-10 s; the byte bound keeps a post of long failure texts under reverse-proxy body limits.
DEFAULT_POST_RESULTS = 5_000
DEFAULT_POST_BYTES = 4 * 1024 * 1024


def wire_timestamp(value: datetime) -> str:
    """One fixed form, `2026-11-30T12:00:00.000000+00:00`: UTC with microseconds always written.

    CCDash orders runs by comparing this text, so every run must use one width and one zone; it is
    the form CCDash's own `datetime.isoformat()` writes for its runs (when microseconds are not 0).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def whole_ms(duration_ms: float | None) -> int:
    """Milliseconds rounded half up (1.5 -> 2, not Python's half-even 2.5 -> 2); unknown -> 0."""
    if duration_ms is None or duration_ms <= 0:
        return 0
    return math.floor(duration_ms + 0.5)


def error_text(result: TestResultDTO) -> str:
    message, details = result.error_message or "", result.error_details or ""
    if message and details and not details.startswith(message):
        text = f"{message}\n{details}"
    else:
        text = details or message
    return text[:MAX_ERROR_MESSAGE]


def test_path(definition: TestDefinitionDTO) -> str:
    return definition.path or definition.classname or definition.suite or ""


test_path.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def test_name(definition: TestDefinitionDTO) -> str:
    if definition.classname:
        return f"{definition.classname}::{definition.name}"
    return definition.name


test_name.__test__ = False  # type: ignore[attr-defined]


def tag_list(tags: dict[str, str]) -> list[str]:
    return [f"{key}={value}" if value else key for key, value in sorted(tags.items())]


def result_row(result: TestResultDTO, definition: TestDefinitionDTO, framework: str) -> CCDashResultRow:
    """One stored result as CCDash's result row; `framework` stands in when the report named none."""
    return CCDashResultRow(
        test_id=result.test_id,
        path=test_path(definition),
        name=test_name(definition),
        framework=definition.framework or framework,
        status=result.status,
        duration_ms=whole_ms(result.duration_ms),
        error_message=error_text(result),
        error_fingerprint=result.error_fingerprint or "",
        artifact_refs=list(result.artifact_refs),
        tags=tag_list(definition.tags),
        owner=definition.owner or "",
    )


def fallback_framework(sources: Sequence[SourceFile]) -> str:
    """The report format when all the run's files share one ("junit", "pytest-json"), else "unknown"."""
    formats = {source.format for source in sources}
    return formats.pop() if len(formats) == 1 else "unknown"


def run_metadata(run: TestRunDTO, sources: Sequence[SourceFile], tool_version: str) -> dict[str, Any]:
    ci = run.metadata.get("ci") if isinstance(run.metadata.get("ci"), dict) else None
    return {
        **run.metadata,
        "ci_provider": ci.get("provider") if ci else None,
        "sources": [
            {"name": s.name, "sha256": s.sha256, "format": s.format, "cases": s.cases}
            for s in sorted(sources, key=lambda s: (s.name, s.sha256))
        ],
        "tool": {"name": TOOL_NAME, "version": tool_version},
        "ccdash_tests": {
            "status_counts": {status.value: run.status_counts.get(status, 0) for status in Status},
            "flaky_tests": run.flaky_tests,
            "duration_ms": run.duration_ms,
        },
    }


def envelope(run: TestRunDTO, sources: Sequence[SourceFile], tool_version: str) -> CCDashIngestRunRequest:
    """The run-level fields, repeated in every post of the run (CCDash rewrites the run on each)."""
    return CCDashIngestRunRequest(
        run_id=run.run_id,
        project_id=run.project_id,
        timestamp=wire_timestamp(run.timestamp),
        git_sha=run.git_sha or "",
        branch=run.branch or "",
        agent_session_id=run.agent_session_id or "",
        env_fingerprint=run.env_fingerprint or "",
        trigger=run.trigger.value,
        test_definitions=[],
        metadata=run_metadata(run, sources, tool_version),
    )


def encode_post(head: CCDashIngestRunRequest, rows: Sequence[bytes]) -> bytes:
    """The envelope's JSON with `test_results` holding the already-encoded rows."""
    envelope_json = head.model_dump_json().encode()
    return envelope_json[:-1] + b',"test_results":[' + b",".join(rows) + b"]}"


@dataclass(frozen=True)
class Post:
    """One request of a run: the run's envelope and its share of the encoded result rows."""

    head: CCDashIngestRunRequest
    rows: list[bytes]

    @property
    def body(self) -> bytes:
        return encode_post(self.head, self.rows)

    def halves(self) -> tuple[Post, Post]:
        """The post split in two, for a server whose body limit it exceeds (it has two rows or more)."""
        middle = len(self.rows) // 2
        return Post(self.head, self.rows[:middle]), Post(self.head, self.rows[middle:])


def plan_posts(
    head: CCDashIngestRunRequest,
    rows: Iterable[CCDashResultRow],
    max_results: int = DEFAULT_POST_RESULTS,
    max_bytes: int = DEFAULT_POST_BYTES,
) -> Iterator[Post]:
    """The run as posts of at most `max_results` rows and about `max_bytes` (a single row larger than
    that still goes, alone). A run without results is one post: CCDash then records an empty run."""
    overhead = len(encode_post(head, []))
    pending: list[bytes] = []
    size = overhead
    sent = False
    for row in rows:
        encoded = row.model_dump_json().encode()
        if pending and (len(pending) >= max_results or size + len(encoded) + 1 > max_bytes):
            yield Post(head, pending)
            sent = True
            pending, size = [], overhead
        pending.append(encoded)
        size += len(encoded) + 1
    if pending or not sent:
        yield Post(head, pending)
