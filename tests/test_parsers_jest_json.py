"""Jest --json and Vitest --reporter=json: identities as their JUnit reporters give, retries, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import Status
from ccdash_tests.parsers import ReportError, parse_report
from ccdash_tests.parsers.jest_json import FAILED_TO_RUN
from ccdash_tests.parsers.jsondoc import relative_file

DATA = Path(__file__).parent / "data"


def identities(path: Path) -> set[tuple[str, str, str]]:
    return {(c.suite, c.classname, c.name) for c in parse_report(path).cases if c.name != FAILED_TO_RUN}


@pytest.mark.parametrize("tool", ["jest", "vitest"])
def test_json_identities_equal_the_junit_reporters_of_the_same_suites(tool: str) -> None:
    """report.json ran the JUnit sample's suites plus extra files: each JUnit test has the same identity."""
    junit = identities(DATA / tool / "junit.xml")
    from_json = identities(DATA / tool / "report.json")
    assert junit and junit <= from_json


def test_jest_retries_are_attempts_and_a_suite_that_failed_to_run_is_an_error() -> None:
    cases = {c.name: c for c in parse_report(DATA / "jest" / "report.json").cases}
    flaky = cases["Retry passes on the second attempt"]
    assert (flaky.status, flaky.attempts, flaky.flaky) == (Status.PASSED, 2, True)
    always = cases["Retry fails every attempt"]
    assert (always.status, always.attempts, always.flaky) == (Status.FAILED, 3, False)
    assert always.message == "Error: expect(received).toBe(expected) // Object.is equality"
    assert always.details is not None and 'Received: "always"' in always.details
    broken = cases[FAILED_TO_RUN]
    assert (broken.status, broken.classname) == (Status.ERROR, "__tests__/broken.test.js")
    assert broken.message is not None and broken.message.startswith("Cannot find module './does-not-exist'")
    assert cases["Retry retries with a backoff"].status is Status.SKIPPED  # todo


def test_vitest_retry_leaves_a_failure_message_on_a_passed_test() -> None:
    cases = {c.name: c for c in parse_report(DATA / "vitest" / "report.json").cases}
    retried = cases["math > passes on the second attempt"]
    assert (retried.status, retried.attempts, retried.flaky) == (Status.PASSED, 2, True)
    assert retried.message is None  # a pass carries no failure text
    assert cases["math > mul > is known to be wrong for NaN"].status is Status.PASSED  # test.fails


def doc(status: str = "passed", messages: list[str] | None = None, **extra: object) -> dict:
    test = {"title": "t", "status": status, "ancestorTitles": ["d"], "failureMessages": messages or []}
    return {
        "numTotalTests": 1,
        "openHandles": [],
        "testResults": [{"name": "/x/a.test.js", "assertionResults": [test]}],
        **extra,
    }


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "r.json"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


def test_an_unknown_status_refuses_the_file_whole_through_the_cli(tmp_path: Path) -> None:
    path = write(tmp_path, doc("exploded"))
    result = Cli(tmp_path / "s.db", "p")("ingest", path)
    assert result.exit_code == 2
    assert f"{path}: unknown status 'exploded' for test 't'" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            b'{"numTotalTests": 1, "testResults": [{"name": "a", "assertionResults": [{"title": NaN}]}]}',
            "NaN",
        ),
        (b'{"numTotalTests": 1, "testResults": {"name": "a"}}', "not a Jest/Vitest JSON report"),
        (b'{"numTotalTests": 1, "testResults": [', "truncated"),
    ],
)
def test_malformed_files_are_refused_with_the_format_named(
    tmp_path: Path, content: bytes, words: str
) -> None:
    with pytest.raises(ReportError, match=words):
        list(parse_report(write(tmp_path, content)).cases)


def test_failure_text_is_bounded_and_ansi_free(tmp_path: Path) -> None:
    text = "\x1b[31mError: boom\x1b[39m\n" + "y" * 10_000
    [case] = list(parse_report(write(tmp_path, doc("failed", [text, text])), max_text=500).cases)
    assert case.message == "Error: boom"
    assert case.details is not None and len(case.details) == 500 and "\x1b" not in case.details
    assert case.truncated


def test_absolute_paths_become_relative_to_the_working_directory() -> None:
    assert relative_file("/ci/repo/test/a.test.js", "/ci/repo") == "test/a.test.js"
    assert relative_file("/elsewhere/a.test.js", "/ci/repo") == "/elsewhere/a.test.js"
    assert relative_file(None) is None
