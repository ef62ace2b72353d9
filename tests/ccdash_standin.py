"""A stand-in CCDash for tests: a real HTTP server that checks every request against the ingest contract.

It answers as CCDash's `POST /api/tests/ingest` does (backend/services/test_ingest.py, read from its
sources): runs and test definitions keyed globally by run_id and test_id, results append-only per
(run_id, test_id), `created` / `updated` / `skipped`, run counts computed by the server (failed = failed
+ error + xpassed, skipped = skipped + xfailed, the rest passed), the run's duration summed over the
posted rows. It can be made to fail as CCDash does: a 500 that leaves the run `ingesting` with part of
the rows written, a 503 `feature_disabled`, a 400 with a validation list, a 401 without the token.

The contract is written here from the issue and CCDash's models (and it strips text as CCDash
does: a name " x" is stored as "x"), independently of ccdash_tests.models,
so that a drift in our DTOs fails a test instead of validating against itself. Every request that breaks
it is answered 400 (as CCDash would) and also kept in `violations`, which every test checks is empty.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

STATUSES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
WIRE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$")
DISABLED = {
    "error": "feature_disabled",
    "message": "Test Visualizer is not enabled.",
    "hint": "Set CCDASH_TEST_VISUALIZER_ENABLED=true in environment.",
}


class ResultRow(BaseModel):
    """One result row: every field present (a missing path/name/framework would blank the definition)."""

    model_config = ConfigDict(extra="forbid")

    test_id: StrictStr = Field(min_length=1)
    path: StrictStr
    name: StrictStr = Field(min_length=1)
    framework: StrictStr = Field(min_length=1)
    status: Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
    duration_ms: StrictInt = Field(ge=0)
    error_message: StrictStr
    error_fingerprint: StrictStr
    artifact_refs: list[StrictStr]
    stdout_ref: StrictStr
    stderr_ref: StrictStr
    tags: list[StrictStr]
    owner: StrictStr


class IngestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: StrictStr = Field(min_length=1)
    project_id: StrictStr = Field(min_length=1)
    timestamp: StrictStr
    git_sha: StrictStr
    branch: StrictStr
    agent_session_id: StrictStr
    env_fingerprint: StrictStr
    trigger: Literal["local", "ci"]
    test_definitions: list[dict[str, Any]]
    test_results: list[ResultRow]
    metadata: dict[str, Any]

    @field_validator("timestamp")
    @classmethod
    def one_timestamp_form(cls, value: str) -> str:
        if not WIRE_TIME.match(value):
            raise ValueError("timestamp must be YYYY-MM-DDTHH:MM:SS.ffffff+00:00")
        return value


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class StandIn:
    """State and behaviour switches of one stand-in server."""

    url: str = ""
    token: str | None = None
    disabled: bool = False
    # Statuses to answer, in order, to the next ingest posts (500 writes half the rows first, as CCDash's
    # mid-ingest failure does); None in the list means "answer normally".
    fail_next: list[int | None] = field(default_factory=list)
    refuse_with: list[dict] | None = None
    max_body: int | None = None
    keep_bodies: bool = True
    requests: list[Recorded] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    runs: dict[str, dict] = field(default_factory=dict)
    definitions: dict[str, dict] = field(default_factory=dict)
    results: dict[str, dict[str, dict]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def ingest_posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/api/tests/ingest"]

    def answers(self) -> list[dict]:
        return [json.loads(r.body) for r in self.ingest_posts()]

    def run_detail(self, run_id: str) -> dict:
        rows = list(self.results.get(run_id, {}).values())
        return {
            "run": self.runs[run_id],
            "results": rows,
            "definitions": {row["test_id"]: self.definitions[row["test_id"]] for row in rows},
            "integrity_signals": [],
        }

    # --- CCDash's ingest_run, as its sources do it ---------------------------------------------------

    def ingest(self, body: IngestBody, write_limit: int | None = None) -> dict:
        existing = body.run_id in self.runs
        stored = self.results.setdefault(body.run_id, {})
        rows = [_coerced(row) for row in body.test_results]
        upserted = {row.test_id for row in rows}
        for row in rows:
            self.definitions[row.test_id] = {
                "test_id": row.test_id,
                "project_id": body.project_id,
                "path": row.path,
                "name": row.name,
                "framework": row.framework,
                "tags": row.tags,
                "owner": row.owner,
            }
        run = self.runs.setdefault(body.run_id, {"created_at": "now"})
        run.update(self._run_fields(body), status="ingesting")
        inserted = skipped = 0
        for index, row in enumerate(rows):
            if write_limit is not None and index >= write_limit:
                return {}
            if row.test_id in stored:
                skipped += 1
                continue
            stored[row.test_id] = {
                "run_id": body.run_id,
                "test_id": row.test_id,
                "status": row.status,
                "duration_ms": row.duration_ms,
                "error_fingerprint": row.error_fingerprint,
                "error_message": row.error_message,
                "artifact_refs": row.artifact_refs,
                "stdout_ref": row.stdout_ref,
                "stderr_ref": row.stderr_ref,
            }
            inserted += 1
        run.update(self._counts(body.run_id), duration_ms=sum(row.duration_ms for row in rows))
        errors = []
        if body.agent_session_id:
            errors.append(f"Unknown agent_session_id '{body.agent_session_id}' (ingestion accepted).")
        status = "skipped" if existing and not inserted else "updated" if existing else "created"
        return {
            "run_id": body.run_id,
            "status": status,
            "test_definitions_upserted": len(upserted),
            "test_results_inserted": inserted,
            "test_results_skipped": skipped,
            "mapping_trigger_queued": True,
            "integrity_check_queued": bool(body.git_sha),
            "errors": errors,
        }

    def _run_fields(self, body: IngestBody) -> dict:
        fields = body.model_dump(exclude={"test_definitions", "test_results"})
        return fields

    def _counts(self, run_id: str) -> dict:
        statuses = [row["status"] for row in self.results[run_id].values()]
        failed = sum(status in ("failed", "error", "xpassed") for status in statuses)
        skipped = sum(status in ("skipped", "xfailed") for status in statuses)
        return {
            "status": "failed" if failed else "complete",
            "total_tests": len(statuses),
            "passed_tests": len(statuses) - failed - skipped,
            "failed_tests": failed,
            "skipped_tests": skipped,
        }


def _coerced(row: ResultRow) -> ResultRow:
    """What CCDash's _coerce_test_result_row keeps of a row: text stripped, empty tags and refs dropped."""
    return row.model_copy(
        update={
            key: getattr(row, key).strip()
            for key in ("path", "name", "framework", "error_message", "error_fingerprint", "owner", "test_id")
        }
        | {
            "tags": [tag.strip() for tag in row.tags if tag.strip()],
            "artifact_refs": [ref for ref in row.artifact_refs if ref.strip()],
        }
    )


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # the test output stays clean
            pass

        def _answer(self, status: int, document: Any, body: bytes = b"") -> None:
            data = json.dumps(document).encode() if document is not None else b"Internal Server Error"
            content_type = "application/json" if document is not None else "text/plain; charset=utf-8"
            # Recorded before answering: the client may look at `requests` as soon as it has the answer.
            with state.lock:
                state.requests.append(
                    Recorded(
                        self.command,
                        self.path,
                        dict(self.headers.items()),
                        body if state.keep_bodies else b"",
                        status,
                    )
                )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            match = re.fullmatch(r"/api/tests/runs/([^/?]+)(\?.*)?", self.path)
            if state.disabled:
                return self._answer(503, {"detail": DISABLED})
            if not self._authorised():
                return self._answer(401, {"detail": "Not authenticated"})
            with state.lock:
                if match is None or match.group(1) not in state.runs:
                    return self._answer(404, {"detail": {"error": "run_not_found"}})
                return self._answer(200, state.run_detail(match.group(1)))

        def _authorised(self) -> bool:
            return state.token is None or self.headers.get("Authorization") == f"Bearer {state.token}"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path != "/api/tests/ingest":
                return self._answer(404, {"detail": "Not Found"}, body)
            if state.disabled:
                return self._answer(503, {"detail": DISABLED}, body)
            if state.max_body is not None and length > state.max_body:
                return self._answer(413, {"detail": "Request Entity Too Large"}, body)
            if "application/json" not in (self.headers.get("Content-Type") or ""):
                state.violations.append(f"content type {self.headers.get('Content-Type')!r}")
            try:
                parsed = IngestBody.model_validate_json(body)
            except ValidationError as exc:
                errors = json.loads(exc.json(include_url=False))
                state.violations.append(f"invalid body: {errors[:3]}")
                return self._answer(400, {"detail": errors}, body)
            if not self._authorised():
                return self._answer(401, {"detail": "Not authenticated"}, body)
            if state.refuse_with is not None:
                return self._answer(400, {"detail": state.refuse_with}, body)
            with state.lock:
                scripted = state.fail_next.pop(0) if state.fail_next else None
                if scripted == 500:
                    state.ingest(parsed, write_limit=len(parsed.test_results) // 2)
                    return self._answer(500, None, body)
                if scripted is not None:
                    return self._answer(scripted, {"detail": f"scripted {scripted}"}, body)
                answer = state.ingest(parsed)
            return self._answer(200, answer, body)

    return Handler


@contextlib.contextmanager
def serve() -> Iterator[StandIn]:
    """A stand-in on a free port of 127.0.0.1, stopped on leaving the block."""
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="ccdash-standin", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
