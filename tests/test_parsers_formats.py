"""Reports in the formats other than JUnit and pytest's (tests/data/formats.json) against their ground truth.

Each entry of tests/data/formats.json names the files of one run, their format, and the counts per
status after folding attempts, as the producer's own console summary gives them (summary.txt next to
the files, captured by generate.sh), or, for the hand-written fixtures of producers that do not install
here (.NET), as the file's own summary element gives them. Each entry is read by the parser API and
ingested through the CLI on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from factories import Cli

from ccdash_tests.identity import test_id
from ccdash_tests.models import Status
from ccdash_tests.parsers import FORMATS, fold_attempts, parse_report, sniff_format

DATA = Path(__file__).parent / "data"
ENTRIES: list[dict[str, Any]] = json.loads((DATA / "formats.json").read_text(encoding="utf-8"))
STATUSES = [status.value for status in Status]
each_entry = pytest.mark.parametrize("entry", ENTRIES, ids=[entry["producer"] for entry in ENTRIES])


def paths(entry: dict[str, Any]) -> list[Path]:
    return [DATA / name for name in entry["files"]]


@each_entry
def test_entry_is_complete_and_its_summary_was_printed(entry: dict[str, Any]) -> None:
    expected = entry["expected"]
    assert set(expected) == {*STATUSES, "flaky", "total"}
    assert sum(expected[status] for status in STATUSES) == expected["total"]
    assert entry["format"] in FORMATS
    assert entry["framework_version"] and entry["notes"]
    # the producer's console (captured by its generate script), else the hand-written file's own summary
    source = DATA / entry["summary_file"] if "summary_file" in entry else paths(entry)[0]
    lines = {line.strip() for line in source.read_text(encoding="utf-8").splitlines()}
    for line in entry["summary"].splitlines():
        assert line.strip() in lines, (source, line)


@each_entry
def test_parser_counts_match_the_ground_truth(entry: dict[str, Any]) -> None:
    cases = []
    for path in paths(entry):
        assert sniff_format(path.read_bytes()[:8192], str(path)) == entry["format"]
        report = parse_report(path)
        assert (report.format, report.framework) == (entry["format"], entry["framework"])
        cases.extend(report.cases)
    assert len(cases) == entry["raw_cases"]
    assert all(case.name and case.framework for case in cases)
    folded = fold_attempts(cases)
    counts = Counter(case.status.value for case in folded)
    found: dict[str, int] = {status: counts[status] for status in STATUSES}
    found["flaky"] = sum(case.flaky for case in folded)
    found["total"] = len(folded)
    assert found == entry["expected"], entry["notes"]
    # one id per distinct test: same-named tests in two classes or describes never collide
    assert len({test_id("p", c.suite, c.classname, c.name) for c in folded}) == len(folded)


@each_entry
def test_ingest_matches_the_ground_truth_on_each_backend(entry: dict[str, Any], db_url: str) -> None:
    run = Cli(db_url, "p").json("ingest", *paths(entry))
    expected = entry["expected"]
    assert run["status_counts"] == {status: expected[status] for status in STATUSES}, entry["notes"]
    assert run["flaky_tests"] == expected["flaky"]
    assert run["total_tests"] == expected["total"]
    forced = Cli(db_url, "p").json("ingest", *paths(entry), "--format", entry["format"], "--run-id", "forced")
    assert forced["status_counts"] == run["status_counts"]


@pytest.mark.parametrize(
    ("head", "looks_like"),
    [
        (b'{"version": "3.12.0", "examples": [], "summary": {}, "summary_line": "0 examples"}', "RSpec JSON"),
        (b'{"protocolVersion":"0.1.1","runnerVersion":"1.24.0","pid":7,"type":"start","time":0}\n', "Dart"),
        (b'{"stats": {"suites": 1}, "results": [{"uuid": "x"}], "meta": {}}', "mochawesome"),
        (b'[{"keyword": "Feature", "elements": [{"keyword": "Scenario"}]}]', "Cucumber JSON"),
        (b'<?xml version="1.0"?>\n<!-- made by TestNG -->\n<testng-results skipped="0">', "TestNG"),
        (b"<robot generator='Robot 7.0'><suite/></robot>", "Robot Framework"),
        (b'{"name": "my-app", "version": "1.0.0", "dependencies": {}}', "top-level keys dependencies, name"),
    ],
)
def test_other_tools_files_are_refused_naming_what_they_look_like(
    head: bytes, looks_like: str, tmp_path: Path
) -> None:
    path = tmp_path / "report"
    path.write_bytes(head)
    result = Cli(tmp_path / "s.db", "p")("ingest", path)
    assert result.exit_code == 2, result.output
    assert f"{path}: " in result.stderr and looks_like in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b'\xef\xbb\xbf<?xml version="1.0"?>\r\n<TestRun id="x" xmlns="http://x">', "trx"),
        (b'{"numFailedTestSuites": 0, "numTotalTests": 3, "testResults": []}', "jest-json"),
        (b'{"numTotalTestSuites": 2, "numTotalTests": 3', "jest-json"),
        (b'{"created": 1, "nested": {"testResults": 1}}', "pytest-json"),
    ],
)
def test_sniffing_by_root_element_and_top_level_keys(head: bytes, fmt: str) -> None:
    assert sniff_format(head, "r") == fmt
