"""CTRF JSON: statuses, retries and flaky as written, tags, raw statuses that were failures, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import Status
from ccdash_tests.parsers import ReportError, parse_report

DATA = Path(__file__).parent / "data" / "ctrf"


def ctrf(*tests: dict, tool: str = "playwright") -> dict:
    return {
        "reportFormat": "CTRF",
        "specVersion": "0.0.0",
        "results": {"tool": {"name": tool}, "tests": list(tests)},
    }


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "ctrf.json"
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    return path


def test_the_real_reporters_retries_todo_and_repeats() -> None:
    cases = {c.name: c for c in parse_report(DATA / "ctrf-report.json").cases}
    flaky = cases["Retry passes on the second attempt"]
    assert (flaky.status, flaky.attempts, flaky.flaky, flaky.classname) == (
        Status.PASSED,
        2,
        True,
        "retry.test.js > Retry",
    )
    assert cases["Retry retries with a backoff"].status is Status.SKIPPED  # todo, written as "other"
    assert cases["Retry fails every attempt"].attempts == 3
    assert cases["repeated each row"].status is Status.FAILED
    assert cases["repeated each row #2"].status is Status.PASSED
    failed = cases["Cart totals applies the discount"]
    assert failed.message == "Error: expect(received).toBe(expected) // Object.is equality"
    assert failed.details is not None and "cart.test.js:13:42" in failed.details
    assert failed.file == "__tests__/cart.test.js"


def test_suite_lists_tags_and_failed_raw_statuses(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ctrf(
            {
                "name": "logs in",
                "status": "other",
                "rawStatus": "timedOut",
                "suite": ["auth", "login"],
                "duration": 30000,
            },
            {
                "name": "logs out",
                "status": "passed",
                "tags": ["@smoke", "feature:auth"],
                "line": 12,
                "filePath": "e2e/a.spec.ts",
            },
        ),
    )
    report = parse_report(path)
    timed_out, passed = list(report.cases)
    assert report.framework == "playwright"
    assert (timed_out.status, timed_out.classname) == (Status.ERROR, "auth > login")
    assert passed.properties == {"tags": "@smoke,feature:auth"} and passed.line == 12


def test_an_unknown_status_refuses_the_file_through_the_cli(tmp_path: Path) -> None:
    path = write(tmp_path, ctrf({"name": "t", "status": "passed"}, {"name": "u", "status": "exploded"}))
    result = Cli(tmp_path / "s.db", "p")("ingest", path)
    assert result.exit_code == 2
    assert f"{path}: unknown CTRF status 'exploded' for test 'u'" in result.stderr
    assert Cli(tmp_path / "s.db", "p").json("runs", "list") == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            b'{"results": {"tool": {"name": "x"}, "tests": [{"status": "passed"}]}}',
            "missing required field `name`",
        ),
        (b'{"results": {"tool": {}, "tests": [{"name": "t", "status": "passed", "duration": NaN}]}}', "NaN"),
        (b'{"results": {"tool": {}, "tests": [', "truncated"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, content: bytes, words: str) -> None:
    with pytest.raises(ReportError, match=words):
        parse_report(write(tmp_path, content))


def test_failure_text_is_bounded(tmp_path: Path) -> None:
    path = write(tmp_path, ctrf({"name": "t", "status": "failed", "message": "m" * 900, "trace": "t" * 900}))
    [case] = list(parse_report(path, max_text=300).cases)
    assert case.message is not None and len(case.message) == 300
    assert case.details is not None and len(case.details) == 300 and case.truncated
