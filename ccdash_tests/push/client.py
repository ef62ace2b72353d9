"""The HTTP edge to a CCDash server: one post of an ingest body, with bounded retries and a timeout.

Standard library `http.client`, chosen on measurement: imported after typer, rich and pydantic it costs
about 24 ms here, against 117 ms for requests and 123 ms for httpx; it already gives all we need
(Content-Length bodies, TLS, a socket timeout), and the retry rule below is a dozen lines. `push` imports
this module only when it runs, so no other command pays even that.

Answers, as CCDash gives them (backend/routers/test_visualizer.py, ingest_test_run):
    200                      the ingest answer (created | updated | skipped, counts, errors[])
    500, 502, 503, 504       retried with the same body; CCDash's own 500 under load ("cannot commit
                             transaction - SQL statements in progress") leaves the run `ingesting`
                             until the same run is posted again, which is safe: results are append-only
    503 feature_disabled     the Test Visualizer is off: final, not retried (it does not turn itself on)
    400, 422                 the body was refused: CCDash's validation errors are shown (exit 2)
    401, 403                 an authenticated profile wants a (valid) token (exit 2)
    413                      a proxy's body limit: the caller sends the post in halves
Connection errors and timeouts are retried like a 5xx; when the retries are spent: exit 3, one line.
"""

from __future__ import annotations

import http.client
import json
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from ccdash_tests import __version__
from ccdash_tests.errors import StoreError, UserError
from ccdash_tests.models import CCDashIngestRunResponse
from ccdash_tests.store.engine import redact_url
from ccdash_tests.text import error_line, first_line

INGEST_PATH = "/api/tests/ingest"
RETRY_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_RETRIES = 4
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
MAX_ANSWER_BYTES = 1 << 20
MAX_SHOWN_ERRORS = 5


class CCDashUnavailable(StoreError):
    """The server could not be reached, or kept failing after the retries (exit 3)."""


class CCDashRefused(UserError):
    """The server refused what was sent or who sent it (exit 2). `errors` are its own words."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class BodyTooLarge(CCDashRefused):
    """HTTP 413: something between us and CCDash limits the body size."""


@dataclass(frozen=True)
class Endpoint:
    """Where CCDash listens. `shown` is the URL safe to print: its password replaced by ***."""

    scheme: str
    host: str
    port: int | None
    base_path: str
    username: str | None
    password: str | None
    shown: str


def parse_url(url: str) -> Endpoint:
    """`--ccdash-url`: http(s)://host[:port][/prefix], the server's root (a pasted .../api/tests/ingest
    is accepted too). User and password in the URL are sent as basic authentication."""
    text = url.strip()
    shown = redact_url(text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UserError(f"--ccdash-url {shown!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"--ccdash-url {shown!r}: give the server's address, e.g. http://127.0.0.1:8000")
    base = parts.path.rstrip("/")
    if base.endswith(INGEST_PATH):
        base = base[: -len(INGEST_PATH)]
    return Endpoint(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        base_path=base,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        shown=shown.rstrip("/"),
    )


def backoff_delay(attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based): 0.5, 1, 2, 4 ... capped at 30 s, half of
    it random so that many CI jobs retrying one server spread out; a Retry-After the server sends is
    honoured up to the cap."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)
    delay = delay / 2 + random.uniform(0, delay / 2)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, min(BACKOFF_CAP_S, float(retry_after.strip())))
    return delay


def validation_lines(detail: Any) -> list[str]:
    """CCDash's 400 detail (a pydantic error list, a string, or {error, message, hint}) as short lines."""
    if isinstance(detail, list):
        lines = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(part) for part in item.get("loc", []) if part != "body")
                lines.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", "")))
            else:
                lines.append(str(item))
        return lines
    if isinstance(detail, dict):
        return [" ".join(str(detail[key]) for key in ("error", "message", "hint") if detail.get(key))]
    return [str(detail)] if detail else []


def _detail(data: bytes) -> Any:
    try:
        document = json.loads(data)
    except ValueError:
        return data[:200].decode("utf-8", "replace").strip()
    return document.get("detail", document) if isinstance(document, dict) else document


def summarise(lines: list[str]) -> str:
    shown = "; ".join(first_line(line)[:200] for line in lines[:MAX_SHOWN_ERRORS])
    more = len(lines) - MAX_SHOWN_ERRORS
    return shown + (f" (and {more} more)" if more > 0 else "")


@dataclass(frozen=True)
class Answer:
    """CCDash's answer to one post, and how many retries it took."""

    response: CCDashIngestRunResponse
    retries: int


class CCDashClient:
    """Posts ingest bodies to one CCDash server. The token is sent, never shown."""

    def __init__(
        self,
        endpoint: Endpoint,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
        self._sleep = sleep
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"ccdash-tests/{__version__}",
        }
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif endpoint.username is not None:
            import base64

            pair = f"{endpoint.username}:{endpoint.password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    @property
    def shown_url(self) -> str:
        return self.endpoint.shown

    def _connection(self) -> http.client.HTTPConnection:
        if self.endpoint.scheme == "https":
            return http.client.HTTPSConnection(
                self.endpoint.host,
                self.endpoint.port,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        return http.client.HTTPConnection(self.endpoint.host, self.endpoint.port, timeout=self.timeout)

    def _exchange(self, body: bytes) -> tuple[int, str | None, bytes]:
        """One request on a fresh connection (a post takes seconds on CCDash; reuse would save nothing
        and a kept-alive connection the server has dropped would cost an attempt)."""
        connection = self._connection()
        try:
            connection.request(
                "POST", self.endpoint.base_path + INGEST_PATH, body=body, headers=self._headers
            )
            answer = connection.getresponse()
            data = answer.read(MAX_ANSWER_BYTES)
            return answer.status, answer.getheader("Retry-After"), data
        finally:
            connection.close()

    def post_ingest(self, body: bytes) -> Answer:
        """Post one body; the same bytes on every attempt. Raises CCDashUnavailable or CCDashRefused."""
        url = self.endpoint.shown
        problem = ""
        retry_after: str | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(backoff_delay(attempt - 1, retry_after))
                retry_after = None
            try:
                status, retry_after, data = self._exchange(body)
            except TimeoutError:
                problem = f"no answer within {self.timeout:g} s"
                continue
            except (OSError, http.client.HTTPException) as exc:
                problem = _connection_problem(exc)
                continue
            if status == 200:
                return Answer(_ingest_answer(url, data), attempt)
            detail = _detail(data)
            if status == 503 and isinstance(detail, dict) and detail.get("error") == "feature_disabled":
                raise CCDashUnavailable(f"CCDash at {url}: {summarise(validation_lines(detail))} (HTTP 503)")
            if status in RETRY_STATUSES:
                problem = f"HTTP {status}" + (f": {summarise(validation_lines(detail))}" if detail else "")
                continue
            raise _refusal(url, status, detail)
        attempts = self.retries + 1
        raise CCDashUnavailable(
            f"CCDash at {url}: {problem} (gave up after {attempts} attempt{'s' if attempts != 1 else ''})"
        )


def _connection_problem(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is CCDash running there?)"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    return f"cannot connect: {error_line(exc)}"


def _ingest_answer(url: str, data: bytes) -> CCDashIngestRunResponse:
    try:
        return CCDashIngestRunResponse.model_validate_json(data)
    except ValidationError:
        raise CCDashUnavailable(
            f"CCDash at {url}: answered 200 with something that is not an ingest answer "
            "(is --ccdash-url the CCDash server?)"
        ) from None


def _refusal(url: str, status: int, detail: Any) -> CCDashRefused:
    lines = validation_lines(detail)
    said = f": {summarise(lines)}" if lines else ""
    if status in (400, 422):
        return CCDashRefused(f"CCDash at {url} refused the run (HTTP {status}){said}", lines)
    if status in (401, 403):
        return CCDashRefused(
            f"CCDash at {url} refused the credentials (HTTP {status}): give a valid --token "
            f"or $CCDASH_TOKEN{said}",
            lines,
        )
    if status == 404:
        return CCDashRefused(f"CCDash at {url}: no ingest endpoint there (HTTP 404 for {INGEST_PATH}){said}")
    if status == 413:
        return BodyTooLarge(f"CCDash at {url}: the request body is too large for the server (HTTP 413)")
    return CCDashRefused(f"CCDash at {url} answered HTTP {status}{said}", lines)
