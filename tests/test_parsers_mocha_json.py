"""Mocha --reporter json: pending and hook failures as the console counts them, retries, repeats, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import Status
from ccdash_tests.parsers import ReportError, parse_report

DATA = Path(__file__).parent / "data" / "mocha"


def test_a_failed_hook_is_one_failed_case_and_pending_tests_are_skipped() -> None:
    cases = {(c.classname, c.name): c for c in parse_report(DATA / "report.json").cases}
    hook = cases[("Queue drain", '"before each" hook for "empties the queue"')]
    assert hook.status is Status.FAILED and hook.message == "Error: broker unavailable"
    assert ("Queue drain", "empties the queue") not in cases
    pending = [name for (cls, name), c in cases.items() if c.status is Status.SKIPPED]
    assert sorted(pending) == [
        "is pending without a body",
        "is skipped explicitly",
        "skips itself at run time",
    ]


def test_retries_repeats_and_error_classes() -> None:
    cases = {(c.classname, c.name): c for c in parse_report(DATA / "report.json").cases}
    retried = cases[("Retry", "passes on the second attempt")]
    assert (retried.status, retried.attempts, retried.flaky) == (Status.PASSED, 2, True)
    assert [cases[("Repeated", f"loop row{k}")].status for k in ("", " #2", " #3")] == [
        Status.PASSED,
        Status.FAILED,
        Status.PASSED,
    ]
    thrown = cases[("Ünïcödé ✓", "数据 throws a TypeError")]
    assert thrown.message == "TypeError: Cannot read properties of null (reading 'timeout')"
    assert all(c.suite.startswith("test/") and c.suite == c.file for c in cases.values())


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "m.json"
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    return path


def test_an_unknown_state_refuses_the_file_through_the_cli(tmp_path: Path) -> None:
    test = {"title": "t", "fullTitle": "d t", "state": "exploded", "err": {}}
    path = write(
        tmp_path, {"stats": {"tests": 1}, "tests": [test], "pending": [], "failures": [], "passes": []}
    )
    result = Cli(tmp_path / "s.db", "p")("ingest", path)
    assert result.exit_code == 2
    assert (
        f"{path}: unknown state 'exploded' for test 'd t'" in result.stderr
        and "Traceback" not in result.output
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"stats": {}, "tests": {"title": "t"}}', "not a Mocha JSON report"),
        (b'{"stats": {}, "tests": [{"title": "t", "duration": Infinity}]}', "NaN and Infinity"),
        (b'{"stats": {}, "tests": [', "truncated"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, content: bytes, words: str) -> None:
    with pytest.raises(ReportError, match=words):
        parse_report(write(tmp_path, content))


def test_failure_text_is_bounded(tmp_path: Path) -> None:
    err = {"message": "m" * 5000, "stack": "Error: " + "s" * 5000, "name": "Error"}
    test = {"title": "t", "fullTitle": "d t", "err": err}
    path = write(tmp_path, {"stats": {}, "tests": [test], "failures": [test]})
    [case] = list(parse_report(path, max_text=100).cases)
    assert case.message is not None and len(case.message) == 100
    assert case.details is not None and len(case.details) == 100 and case.truncated
