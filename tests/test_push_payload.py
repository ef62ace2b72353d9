"""The CCDash ingest body, built purely from DTOs: field mapping, whole ms, one time form, bounded posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from ccdash_standin import IngestBody

from ccdash_tests.models import SourceFile, Status, TestDefinitionDTO, TestResultDTO, TestRunDTO, Trigger
from ccdash_tests.push.payload import (
    MAX_ERROR_MESSAGE,
    envelope,
    fallback_framework,
    plan_posts,
    result_row,
    whole_ms,
    wire_timestamp,
)

RUN = TestRunDTO(
    run_id="r1",
    project_id="shop",
    timestamp=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
    git_sha="a" * 40,
    branch="main",
    trigger=Trigger.CI,
    metadata={"ci": {"provider": "github-actions", "build_url": "https://ci/1"}, "env": {"os": "linux"}},
    status_counts={Status.PASSED: 2, Status.FAILED: 1},
    duration_ms=12.5,
)
SOURCES = [
    SourceFile(name="b.xml", sha256="2" * 64, format="junit", cases=2),
    SourceFile(name="a.xml", sha256="1" * 64, format="junit", cases=1),
]


def definition(name: str = "test_x[1]", **fields: object) -> TestDefinitionDTO:
    values: dict = {"test_id": "t" + name, "project_id": "shop", "name": name, "base_name": name}
    values.update(fields)
    return TestDefinitionDTO(**values)


def result(test_id: str = "ttest_x[1]", **fields: object) -> TestResultDTO:
    values: dict = {"run_id": "r1", "test_id": test_id, "status": Status.PASSED}
    values.update(fields)
    return TestResultDTO(**values)


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, 0), (0.0, 0), (0.4999, 0), (0.5, 1), (1.5, 2), (2.5, 3), (15.5, 16), (1234.4, 1234), (-3.0, 0)],
)
def test_durations_are_whole_milliseconds_rounded_half_up(given: float | None, expected: int) -> None:
    assert whole_ms(given) == expected
    assert isinstance(whole_ms(given), int)


def test_every_timestamp_has_one_fixed_utc_form() -> None:
    forms = {
        wire_timestamp(datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        wire_timestamp(datetime(2026, 11, 30, 13, 0, tzinfo=timezone(timedelta(hours=1)))),
        wire_timestamp(datetime(2026, 11, 30, 12, 0)),  # naive: UTC
    }
    assert forms == {"2026-11-30T12:00:00.000000+00:00"}
    assert (
        wire_timestamp(datetime(2026, 11, 30, 12, 0, 0, 7, tzinfo=UTC)) == "2026-11-30T12:00:00.000007+00:00"
    )


def test_a_result_row_carries_its_definition_and_ccdash_types() -> None:
    row = result_row(
        result(
            status=Status.FAILED,
            duration_ms=15.5,
            error_fingerprint="f" * 16,
            error_message="AssertionError: boom",
            error_details="Traceback\n  boom",
            artifact_refs=["s3://x/log.txt"],
        ),
        definition(
            classname="tests.test_cart.TestCart",
            path="tests/test_cart.py",
            framework="pytest",
            tags={"feature": "cart", "slow": ""},
            owner="team-a",
        ),
        framework="junit",
    )
    assert row.model_dump(mode="json") == {
        "test_id": "ttest_x[1]",
        "path": "tests/test_cart.py",
        "name": "tests.test_cart.TestCart::test_x[1]",
        "framework": "pytest",
        "status": "failed",
        "duration_ms": 16,
        "error_message": "AssertionError: boom\nTraceback\n  boom",
        "error_fingerprint": "f" * 16,
        "artifact_refs": ["s3://x/log.txt"],
        "stdout_ref": "",
        "stderr_ref": "",
        "tags": ["feature=cart", "slow"],
        "owner": "team-a",
    }


def test_path_name_and_framework_are_never_left_out() -> None:
    # xunit2 writes no file: the classname places the test; Jest writes no classname: the suite does.
    xunit2 = result_row(result(), definition(classname="pkg.test_mod"), framework="junit")
    jest = result_row(result(), definition("Cart sums", suite="Cart"), framework="junit")
    assert (xunit2.path, xunit2.name, xunit2.framework) == (
        "pkg.test_mod",
        "pkg.test_mod::test_x[1]",
        "junit",
    )
    assert (jest.path, jest.name, jest.framework) == ("Cart", "Cart sums", "junit")


def test_error_text_is_bounded_and_not_repeated() -> None:
    long = result_row(result(error_details="x" * (MAX_ERROR_MESSAGE + 10)), definition(), framework="junit")
    same = result_row(result(error_message="E: one", error_details="E: one\n  at f"), definition(), "junit")
    assert len(long.error_message) == MAX_ERROR_MESSAGE
    assert same.error_message == "E: one\n  at f"


def test_the_envelope_maps_the_run_and_its_metadata() -> None:
    head = envelope(RUN, SOURCES, "9.9.9")
    document = head.model_dump(mode="json")
    assert {
        key: document[key] for key in ("run_id", "project_id", "timestamp", "git_sha", "branch", "trigger")
    } == {
        "run_id": "r1",
        "project_id": "shop",
        "timestamp": "2026-11-30T12:00:00.000000+00:00",
        "git_sha": "a" * 40,
        "branch": "main",
        "trigger": "ci",
    }
    # CCDash refuses null for its string fields: unknown values go as "".
    assert (document["agent_session_id"], document["env_fingerprint"]) == ("", "")
    assert document["test_definitions"] == []
    metadata = document["metadata"]
    assert metadata["ci_provider"] == "github-actions"
    assert metadata["ci"]["build_url"] == "https://ci/1"
    assert [source["name"] for source in metadata["sources"]] == ["a.xml", "b.xml"]
    assert metadata["tool"] == {"name": "ccdash-tests", "version": "9.9.9"}
    assert metadata["ccdash_tests"]["status_counts"]["failed"] == 1
    assert metadata["env"] == {"os": "linux"}


def test_a_local_run_says_it_had_no_ci_provider() -> None:
    local = RUN.replace(metadata={}, trigger=Trigger.LOCAL)
    assert envelope(local, [], "1").metadata["ci_provider"] is None


def test_fallback_framework_is_the_shared_report_format() -> None:
    assert fallback_framework(SOURCES) == "junit"
    mixed = [*SOURCES, SourceFile(name="c.json", sha256="3" * 64, format="pytest-json")]
    assert fallback_framework(mixed) == "unknown"


def rows(n: int, message: str = "") -> list:
    return [
        result_row(result(f"t{i}", error_message=message or None), definition(f"test_{i}"), "junit")
        for i in range(n)
    ]


def test_posts_hold_at_most_the_given_number_of_results() -> None:
    head = envelope(RUN, SOURCES, "1")
    posts = list(plan_posts(head, rows(12), max_results=5))
    assert [len(post.rows) for post in posts] == [5, 5, 2]
    sent = [row["test_id"] for post in posts for row in json.loads(post.body)["test_results"]]
    assert sent == [f"t{i}" for i in range(12)]
    for post in posts:
        body = IngestBody.model_validate_json(post.body)  # the stand-in's copy of CCDash's contract
        assert body.run_id == "r1"
        assert body.metadata == head.metadata


def test_posts_stay_under_the_byte_bound() -> None:
    head = envelope(RUN, SOURCES, "1")
    posts = list(plan_posts(head, rows(40, message="x" * 1000), max_results=1000, max_bytes=8_000))
    assert len(posts) > 5
    assert all(len(post.body) <= 8_000 for post in posts)
    assert sum(len(post.rows) for post in posts) == 40


def test_a_row_larger_than_the_bound_still_goes_alone() -> None:
    posts = list(plan_posts(envelope(RUN, [], "1"), rows(2, message="y" * 5000), max_bytes=1000))
    assert [len(post.rows) for post in posts] == [1, 1]


def test_an_empty_run_is_one_post_without_results() -> None:
    posts = list(plan_posts(envelope(RUN, [], "1"), []))
    assert len(posts) == 1
    assert json.loads(posts[0].body)["test_results"] == []


def test_a_post_splits_in_halves_for_a_body_limit() -> None:
    post = next(plan_posts(envelope(RUN, [], "1"), rows(5)))
    first, second = post.halves()
    assert (len(first.rows), len(second.rows)) == (2, 3)
    assert first.rows + second.rows == post.rows
