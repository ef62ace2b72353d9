"""Real JUnit XML from non-Python frameworks (tests/data/producers.json) against each tool's own summary."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from factories import Cli
from junitparser import JUnitXml

from ccdash_tests.models import Status

DATA = Path(__file__).parent / "data"
MANIFEST = DATA / "producers.json"
STATUSES = [status.value for status in Status]
EXPECTED_KEYS = {*STATUSES, "flaky", "total"}


def _load_manifest() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


ENTRIES = _load_manifest()


def _params() -> list[Any]:
    return [pytest.param(entry, id=entry["producer"]) for entry in ENTRIES]


def _paths(entry: dict[str, Any]) -> list[Path]:
    return [DATA / name for name in entry["files"]]


def _oracle_keys(path: Path) -> list[tuple[str | None, str | None]]:
    """(classname, name) of every <testcase> in one file, read by junitparser (whole tree, nested suites)."""
    keys: list[tuple[str | None, str | None]] = []
    for suite in JUnitXml.fromfile(str(path)):
        # junitparser's suite iteration already descends into nested suites.
        keys.extend((case.classname, case.name) for case in suite)
    return keys


def test_manifest_covers_every_producer_directory() -> None:
    listed = {name.split("/")[0] for entry in ENTRIES for name in entry["files"]}
    on_disk = {path.parent.name for path in DATA.glob("*/generate.sh")}
    # tests/data/pytest belongs to another manifest; every other producer directory must be listed here.
    assert on_disk - {"pytest", "hostile"} == listed


@pytest.mark.parametrize("entry", _params())
def test_manifest_entry_is_complete(entry: dict[str, Any]) -> None:
    expected = entry["expected"]
    assert set(expected) == EXPECTED_KEYS
    assert sum(expected[status] for status in STATUSES) == expected["total"]
    assert 0 <= expected["flaky"] <= expected["passed"]
    assert entry["framework_version"] and entry["notes"] and entry["summary"]
    for path in _paths(entry):
        assert path.is_file(), path


@pytest.mark.parametrize("entry", _params())
def test_summary_is_what_the_tool_printed(entry: dict[str, Any]) -> None:
    """The manifest's summary lines appear verbatim in the summary.txt that generate.sh captured."""
    directory = DATA / entry["files"][0].split("/")[0]
    printed = {line.strip() for line in (directory / "summary.txt").read_text(encoding="utf-8").splitlines()}
    for line in entry["summary"].splitlines():
        assert line.strip() in printed


@pytest.mark.parametrize("entry", _params())
def test_oracle_counts_match_manifest(entry: dict[str, Any]) -> None:
    """Layer 1, nothing of ours: raw <testcase> count, and distinct (classname, name) = tests in the run.

    Raw counts exceed the total only where the producer repeats a test: gotestsum writes one <testcase>
    per attempt under --rerun-fails, Surefire's @Nested quirk repeats one case in a second file.
    """
    keys = [key for path in _paths(entry) for key in _oracle_keys(path)]
    assert len(keys) == entry["raw_testcases"]
    assert len(set(keys)) == entry["expected"]["total"]
    assert all(name for _, name in keys)


@pytest.mark.parametrize("entry", _params())
def test_ingest_matches_the_tools_own_summary(entry: dict[str, Any], tmp_path: Path) -> None:
    """Layer 2, through the public CLI contract (DESIGN.md §6): all files of one entry form one run."""
    run = Cli(tmp_path / "s.db", "p").json("ingest", *_paths(entry))
    expected = entry["expected"]
    assert run["status_counts"] == {status: expected[status] for status in STATUSES}, entry["notes"]
    assert run["flaky_tests"] == expected["flaky"], entry["notes"]
    assert run["total_tests"] == expected["total"]
    assert run["passed_tests"] == expected["passed"]
    assert run["failed_tests"] == expected["failed"] + expected["error"]
    assert run["skipped_tests"] == expected["skipped"]


@pytest.mark.parametrize("entry", _params())
def test_parser_names_every_case_and_its_framework(entry: dict[str, Any]) -> None:
    """The parser API on each real file: named cases, a framework, and one identity per test of the run."""
    from ccdash_tests.parsers import parse_report

    identities: set[tuple[str, str, str]] = set()
    frameworks: Counter[str] = Counter()
    for path in _paths(entry):
        report = parse_report(str(path))
        cases = list(report.cases)
        assert cases, path
        assert report.framework, path
        for case in cases:
            assert case.name, (path, case)
            assert case.framework, (path, case)
            frameworks[case.framework] += 1
            identities.add((case.suite, case.classname, case.name))
    # One producer per run; repeated attempts and Surefire's duplicate case share one identity.
    assert len(frameworks) == 1, frameworks
    assert len(identities) == entry["expected"]["total"], sorted(identities)
