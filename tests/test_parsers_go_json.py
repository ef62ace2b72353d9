"""go test -json: identities as gotestsum's JUnit, reruns as attempts, crashes, build failures, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import Cli

from ccdash_tests.models import Status
from ccdash_tests.parsers import fold_attempts, parse_report
from ccdash_tests.parsers.go_json import PACKAGE_CASE

DATA = Path(__file__).parent / "data" / "gotestsum"


def events(*items: dict) -> bytes:
    return b"".join(json.dumps({"Time": "2026-12-01T10:00:00Z", **item}).encode() + b"\n" for item in items)


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "go.jsonl"
    path.write_bytes(content)
    return path


def test_rerun_identities_equal_gotestsums_junit_of_the_same_run() -> None:
    """rerun.jsonl and junit.xml come from the same sources and flags: the same folded tests and verdicts."""
    from_json = {
        (c.classname, c.name): (c.status, c.attempts, c.flaky)
        for c in fold_attempts(parse_report(DATA / "rerun.jsonl").cases)
    }
    from_junit = {
        (c.classname, c.name): (c.status, c.attempts, c.flaky)
        for c in fold_attempts(parse_report(DATA / "junit.xml").cases)
    }
    assert from_json == from_junit
    assert from_json[("example.com/sample/calc", "TestFlaky")] == (Status.PASSED, 2, True)


def test_failure_and_skip_texts_come_from_the_tests_output() -> None:
    cases = {(c.classname.rsplit("/", 1)[-1], c.name): c for c in parse_report(DATA / "test.jsonl").cases}
    sub = cases[("calc", "TestTable/wrong_sum")]
    assert sub.message == "calc_test.go:34: 2+2 = 4, want 5"
    assert sub.details is not None and "--- FAIL: TestTable/wrong_sum" in sub.details
    assert cases[("calc", "TestNeedsDatabase")].message == "calc_test.go:41: no database on this machine"
    panic = cases[("crash", "TestPanics")]
    assert panic.message == "panic: assignment to entry in nil map [recovered]"
    assert ("crash", "TestAfter") not in cases


def test_a_crashed_test_and_a_failed_package_are_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        events(
            {"Action": "run", "Package": "p", "Test": "TestHangs"},
            {
                "Action": "output",
                "Package": "p",
                "Test": "TestHangs",
                "Output": "panic: test timed out after 1s\n",
            },
            {"Action": "output", "Package": "p", "Output": "FAIL\tp\t1.0s\n"},
            {"Action": "fail", "Package": "p", "Elapsed": 1.0},
            {"Action": "output", "Package": "q", "Output": "TestMain: no database\n"},
            {"Action": "fail", "Package": "q", "Elapsed": 0.1},
            {
                "ImportPath": "r [r.test]",
                "Action": "build-output",
                "Output": "r/x_test.go:3:1: syntax error\n",
            },
            {"ImportPath": "r [r.test]", "Action": "build-fail"},
            {"Action": "fail", "Package": "r", "Elapsed": 0, "FailedBuild": "r [r.test]"},
        ),
    )
    cases = {(c.classname, c.name): c for c in parse_report(path).cases}
    assert cases[("p", "TestHangs")].status is Status.ERROR
    assert cases[("p", "TestHangs")].message == "panic: test timed out after 1s"
    assert cases[("q", PACKAGE_CASE)].message == "TestMain: no database"
    built = cases[("r", PACKAGE_CASE)]
    assert built.status is Status.ERROR and built.details is not None and "syntax error" in built.details
    assert len(cases) == 3


def test_output_is_bounded_per_test(tmp_path: Path) -> None:
    noise = [
        {"Action": "output", "Package": "p", "Test": "T", "Output": "x" * 1000 + "\n"} for _ in range(100)
    ]
    path = write(
        tmp_path,
        events(
            {"Action": "run", "Package": "p", "Test": "T"},
            *noise,
            {"Action": "fail", "Package": "p", "Test": "T"},
        ),
    )
    [case] = list(parse_report(path, max_text=2000).cases)
    assert case.details is not None and len(case.details) == 2000 and case.truncated


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            events({"Action": "run", "Package": "p", "Test": "T"}, {"Action": "exploded", "Package": "p"}),
            "line 2: unknown go test action 'exploded'",
        ),
        (
            events({"Action": "run", "Package": "p"}) + b'{"Action": "pass", "Elapsed": NaN}\n',
            "line 2: malformed JSON: NaN",
        ),
        (events({"Action": "run", "Package": "p"}) + b'{"Action": "pa', "line 2: malformed JSON"),
        (events({"Action": "run", "Package": "p"}) + b'{"Action": 3}\n', "line 2: not a go test -json event"),
    ],
)
def test_hostile_streams_are_refused_whole_through_the_cli(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = write(tmp_path, content)
    db = tmp_path / "s.db"
    result = Cli(db, "p")("ingest", path)
    assert result.exit_code == 2, result.output
    assert f"{path}: {words}" in result.stderr and "Traceback" not in result.output
    assert Cli(db, "p").json("runs", "list") == []
