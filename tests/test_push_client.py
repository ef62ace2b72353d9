"""The HTTP edge against a real server: retries with the same body, final answers, timeouts, credentials."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator

import pytest
from ccdash_standin import StandIn

from ccdash_tests.push.client import (
    BACKOFF_CAP_S,
    CCDashClient,
    CCDashRefused,
    CCDashUnavailable,
    backoff_delay,
    parse_url,
)

BODY = (
    b'{"run_id":"r1","project_id":"p","timestamp":"2026-11-30T12:00:00.000000+00:00","git_sha":"",'
    b'"branch":"","agent_session_id":"","env_fingerprint":"","trigger":"local","test_definitions":[],'
    b'"metadata":{},"test_results":[{"test_id":"t1","path":"a.py","name":"test_a","framework":"pytest",'
    b'"status":"passed","duration_ms":3,"error_message":"","error_fingerprint":"","artifact_refs":[],'
    b'"stdout_ref":"","stderr_ref":"","tags":[],"owner":""},{"test_id":"t2","path":"a.py","name":"test_b",'
    b'"framework":"pytest","status":"failed","duration_ms":4,"error_message":"boom","error_fingerprint":"f",'
    b'"artifact_refs":[],"stdout_ref":"","stderr_ref":"","tags":[],"owner":""}]}'
)


def client(url: str, sleeps: list[float] | None = None, **options: object) -> CCDashClient:
    waits = sleeps if sleeps is not None else []
    return CCDashClient(parse_url(url), sleep=waits.append, **options)  # type: ignore[arg-type]


def test_a_500_is_retried_with_the_same_body_and_completes_the_run(ccdash: StandIn) -> None:
    ccdash.fail_next = [500]
    sleeps: list[float] = []
    answer = client(ccdash.url, sleeps).post_ingest(BODY)
    posts = ccdash.ingest_posts()
    assert [post.status for post in posts] == [500, 200]
    assert posts[0].body == posts[1].body == BODY
    assert answer.retries == 1 and len(sleeps) == 1
    # The failed attempt wrote half the rows (as CCDash's mid-ingest 500 does); the retry adds the rest.
    assert (answer.response.test_results_inserted, answer.response.test_results_skipped) == (1, 1)
    assert ccdash.runs["r1"]["status"] == "failed" and ccdash.runs["r1"]["total_tests"] == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_that_keeps_failing_gives_up_after_the_retries(ccdash: StandIn, status: int) -> None:
    ccdash.fail_next = [status] * 10
    sleeps: list[float] = []
    with pytest.raises(CCDashUnavailable, match=rf"HTTP {status}.*gave up after 3 attempts"):
        client(ccdash.url, sleeps, retries=2).post_ingest(BODY)
    assert len(ccdash.ingest_posts()) == 3
    assert len(sleeps) == 2 and all(0 < wait <= BACKOFF_CAP_S for wait in sleeps)


def test_a_disabled_test_visualizer_is_final_and_not_retried(ccdash: StandIn) -> None:
    ccdash.disabled = True
    with pytest.raises(CCDashUnavailable, match=r"feature_disabled Test Visualizer is not enabled.*HTTP 503"):
        client(ccdash.url).post_ingest(BODY)
    assert len(ccdash.ingest_posts()) == 1


def test_a_refused_body_carries_the_servers_validation_errors(ccdash: StandIn) -> None:
    ccdash.refuse_with = [
        {"type": "string_type", "loc": ["body", "git_sha"], "msg": "Input should be a valid string"},
        {"type": "missing", "loc": ["timestamp"], "msg": "Field required"},
    ]
    with pytest.raises(CCDashRefused) as refused:
        client(ccdash.url).post_ingest(BODY)
    assert refused.value.errors == ["git_sha: Input should be a valid string", "timestamp: Field required"]
    assert "HTTP 400" in str(refused.value)
    assert len(ccdash.ingest_posts()) == 1


def test_the_token_is_sent_as_a_bearer_token(ccdash: StandIn) -> None:
    ccdash.token = "tok-123"
    with pytest.raises(CCDashRefused, match=r"HTTP 401.*--token") as refused:
        client(ccdash.url).post_ingest(BODY)
    assert "tok-123" not in str(refused.value)
    assert client(ccdash.url, token="tok-123").post_ingest(BODY).response.status == "created"
    assert ccdash.ingest_posts()[-1].headers["Authorization"] == "Bearer tok-123"


def test_user_and_password_in_the_url_are_basic_auth_and_never_shown(ccdash: StandIn) -> None:
    url = ccdash.url.replace("http://", "http://ci:p%40ss@")
    endpoint = parse_url(url)
    assert "p%40ss" not in endpoint.shown and "p@ss" not in endpoint.shown
    assert endpoint.shown.startswith("http://ci:***@127.0.0.1:")
    ccdash.fail_next = [500]
    client(url).post_ingest(BODY)
    expected = "Basic " + base64.b64encode(b"ci:p@ss").decode()
    assert {post.headers["Authorization"] for post in ccdash.ingest_posts()} == {expected}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_nothing_listening_is_retried_then_reported() -> None:
    sleeps: list[float] = []
    with pytest.raises(CCDashUnavailable, match=r"connection refused.*gave up after 3 attempts"):
        client(f"http://127.0.0.1:{free_port()}", sleeps, retries=2).post_ingest(BODY)
    assert len(sleeps) == 2


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_server_that_never_answers_times_out(silent_server: str) -> None:
    with pytest.raises(CCDashUnavailable, match=r"no answer within 0.3 s \(gave up after 2 attempts\)"):
        client(silent_server, timeout=0.3, retries=1).post_ingest(BODY)


def test_an_answer_that_is_not_ccdashs_is_reported(ccdash: StandIn) -> None:
    ccdash.fail_next = [418]
    with pytest.raises(CCDashRefused, match="answered HTTP 418"):
        client(ccdash.url).post_ingest(BODY)


def test_a_wrong_path_is_a_usage_error(ccdash: StandIn) -> None:
    with pytest.raises(CCDashRefused, match="no ingest endpoint there"):
        client(ccdash.url + "/not-ccdash").post_ingest(BODY)


def test_urls_are_checked_and_a_pasted_endpoint_is_accepted() -> None:
    assert parse_url("http://h:8000/api/tests/ingest").base_path == ""
    assert parse_url("https://h/ccdash/").base_path == "/ccdash"
    for bad in ("ftp://h", "h:8000", "http://", "http://h:99999"):
        with pytest.raises(Exception, match="--ccdash-url"):
            parse_url(bad)


def test_backoff_doubles_within_its_cap_and_honours_retry_after() -> None:
    for attempt in range(12):
        full = min(BACKOFF_CAP_S, 0.5 * 2**attempt)
        assert full / 2 <= backoff_delay(attempt) <= full
    assert backoff_delay(0, "7") == 7
    assert backoff_delay(0, "3600") == BACKOFF_CAP_S
    assert backoff_delay(0, "soon") <= 0.5
