"""Real JUnit XML from non-Python producers (tests/data/producers.json) against each tool's own summary.

tests/data/producers.json (written with the files) lists, per producer, the files of one run and the
expected counts per status after folding duplicate attempts, as derived from the producer's console.
Three layers check each entry: the manifest against the summary.txt its generate.sh captured; junitparser
alone (nothing of ours) counting the <testcase> elements; then our parser and the CLI's ingest.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from factories import Cli
from junitparser import JUnitXml

from ccdash_tests.identity import test_id
from ccdash_tests.models import ParsedCase, Status
from ccdash_tests.parsers import fold_attempts, parse_report

DATA = Path(__file__).parent / "data"
ENTRIES: list[dict[str, Any]] = json.loads((DATA / "producers.json").read_text(encoding="utf-8"))
STATUSES = [status.value for status in Status]
EXPECTED_KEYS = {*STATUSES, "flaky", "total"}
FRAMEWORKS = {
    "jest": "jest",
    "mocha": "mocha",
    "vitest": "vitest",
    "surefire": "surefire",
    "gotestsum": "gotestsum",
    "ctest": "ctest",
    "googletest": "googletest",
    "phpunit": "phpunit",
}
each_entry = pytest.mark.parametrize("entry", ENTRIES, ids=[entry["producer"] for entry in ENTRIES])


def paths(entry: dict[str, Any]) -> list[Path]:
    return [DATA / name for name in entry["files"]]


def entry_of(producer: str) -> dict[str, Any]:
    [entry] = [entry for entry in ENTRIES if entry["producer"] == producer]
    return entry


def read_run(entry: dict[str, Any]) -> tuple[list[ParsedCase], set[str | None]]:
    cases: list[ParsedCase] = []
    frameworks: set[str | None] = set()
    for path in paths(entry):
        report = parse_report(path)
        assert report.format == "junit"
        cases.extend(report.cases)
        frameworks.add(report.framework)
    return cases, frameworks


def oracle_keys(path: Path) -> list[tuple[str | None, str | None]]:
    """(classname, name) of every <testcase> in one file, read by junitparser (whole tree, nested suites)."""
    keys: list[tuple[str | None, str | None]] = []
    for suite in JUnitXml.fromfile(str(path)):
        # junitparser's suite iteration already descends into nested suites.
        keys.extend((case.classname, case.name) for case in suite)
    return keys


# ---- the manifest -----------------------------------------------------------------------------------


def test_manifest_covers_every_producer_directory() -> None:
    listed = {name.split("/")[0] for entry in ENTRIES for name in entry["files"]}
    on_disk = {path.parent.name for path in DATA.glob("*/generate.sh")}
    # tests/data/pytest and the formats other than JUnit (formats.json) have manifests of their own,
    # lenient/ holds copies of other folders' reports; every other producer directory is listed here.
    others = json.loads((DATA / "formats.json").read_text(encoding="utf-8"))
    of_formats = {name.split("/")[0] for entry in others for name in entry["files"]}
    assert on_disk - {"pytest", "hostile", "lenient"} - (of_formats - listed) == listed


@each_entry
def test_manifest_entry_is_complete(entry: dict[str, Any]) -> None:
    expected = entry["expected"]
    assert set(expected) == EXPECTED_KEYS
    assert sum(expected[status] for status in STATUSES) == expected["total"]
    assert 0 <= expected["flaky"] <= expected["passed"]
    assert entry["framework_version"] and entry["notes"] and entry["summary"]
    for path in paths(entry):
        assert path.is_file(), path


@each_entry
def test_summary_is_what_the_tool_printed(entry: dict[str, Any]) -> None:
    """The manifest's summary lines appear verbatim in the summary.txt that generate.sh captured."""
    directory = DATA / entry["files"][0].split("/")[0]
    printed = {line.strip() for line in (directory / "summary.txt").read_text(encoding="utf-8").splitlines()}
    for line in entry["summary"].splitlines():
        assert line.strip() in printed


# ---- layer 1: junitparser, nothing of ours ----------------------------------------------------------


@each_entry
def test_oracle_counts_match_manifest(entry: dict[str, Any]) -> None:
    """Raw <testcase> count, and distinct (classname, name) = tests in the run.

    Raw counts exceed the total only where the producer repeats a test: gotestsum writes one <testcase>
    per attempt under --rerun-fails, Surefire's @Nested quirk repeats one case in a second file. Distinct
    keys fall short of the total where tests share a title (jest-each rows, mocha loops, TestNG data
    providers): one <testcase> each, so each is a test of its own.
    """
    keys = [key for path in paths(entry) for key in oracle_keys(path)]
    assert len(keys) == entry["raw_testcases"]
    assert len(set(keys)) == entry["distinct_testcases"]
    assert all(name for _, name in keys)


# ---- layer 2: our parser and the CLI ----------------------------------------------------------------


@each_entry
def test_producer_counts_match_its_console(entry: dict[str, Any]) -> None:
    cases, frameworks = read_run(entry)
    assert len(cases) == entry["raw_testcases"]
    folded = fold_attempts(cases)
    counts = Counter(case.status.value for case in folded)
    found = {status: counts[status] for status in STATUSES}
    found["flaky"] = sum(case.flaky for case in folded)
    found["total"] = len(folded)
    assert found == entry["expected"]
    # one id per distinct test: same-named tests in two classes/describes/packages never collide
    assert len({test_id("demo", c.suite, c.classname, c.name) for c in folded}) == len(folded)
    expected_framework = FRAMEWORKS.get(entry["producer"])
    if expected_framework:
        assert frameworks == {expected_framework}


@each_entry
def test_parser_names_every_case_and_its_framework(entry: dict[str, Any]) -> None:
    """The parser API on each real file: named cases, a framework, and one identity per test of the run."""
    identities: set[tuple[str, str, str]] = set()
    frameworks: Counter[str] = Counter()
    for path in paths(entry):
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


@each_entry
def test_ingest_matches_the_tools_own_summary(entry: dict[str, Any], db_url: str) -> None:
    """Through the public CLI contract (DESIGN.md §6), on SQLite and PostgreSQL: one entry is one run."""
    run = Cli(db_url, "p").json("ingest", *paths(entry))
    expected = entry["expected"]
    assert run["status_counts"] == {status: expected[status] for status in STATUSES}, entry["notes"]
    assert run["flaky_tests"] == expected["flaky"], entry["notes"]
    assert run["total_tests"] == expected["total"]
    assert run["passed_tests"] == expected["passed"]
    assert run["failed_tests"] == expected["failed"] + expected["error"]
    assert run["skipped_tests"] == expected["skipped"]


# ---- what each producer writes its own way ----------------------------------------------------------


def test_mocha_name_and_classname_are_swapped_back() -> None:
    cases, _ = read_run(entry_of("mocha"))
    by_name = {(c.classname, c.name): c for c in cases}
    assert ("Queue push", "keeps order") in by_name
    assert ("Queue pop", "keeps order") in by_name
    assert all(c.suite for c in cases)


def test_jest_repeated_title_is_dropped_and_suite_scopes() -> None:
    cases, _ = read_run(entry_of("jest"))
    titled = [c for c in cases if c.name == "Cart totals sums prices"]
    assert [(c.suite, c.classname) for c in titled] == [("Cart", "")]


def test_vitest_classname_is_the_file() -> None:
    cases, _ = read_run(entry_of("vitest"))
    assert all(c.file == c.classname and c.suite for c in cases)


def test_surefire_nested_class_and_flaky_attempts() -> None:
    cases, _ = read_run(entry_of("surefire"))
    assert not any("$" in c.classname for c in cases)
    assert any(c.classname == "com.example.CalculatorTest.Division" for c in cases)
    flaky = [c for c in fold_attempts(cases) if c.flaky]
    assert [(c.name, c.attempts) for c in flaky] == [("passesOnSecondAttempt", 2)]


def test_gotestsum_duplicate_attempts_fold() -> None:
    cases, _ = read_run(entry_of("gotestsum"))
    folded = {c.name: c for c in fold_attempts(cases) if c.classname.endswith("/calc")}
    assert folded["TestFlaky"].flaky and folded["TestFlaky"].attempts == 2
    assert folded["TestSub"].attempts == 3 and not folded["TestSub"].flaky


# ---- repeated cases: attempts of one test, or tests of their own -------------------------------------

# Per producer, the repeated-title cases its sample writes: stored name -> status, in file order. The
# first of each title keeps its name; the k-th is "<name> #k" (a test of its own, never a retry).
REPEATED = {
    "jest": {
        "repeated each row": "failed",
        "repeated each row #2": "passed",
        "repeated same title": "failed",
        "repeated same title #2": "passed",
    },
    "mocha": {
        "same title": "failed",
        "same title #2": "passed",
        "loop row": "passed",
        "loop row #2": "failed",
        "loop row #3": "passed",
    },
    "vitest": {
        "repeated > each row": "failed",
        "repeated > each row #2": "passed",
        "repeated > same title": "failed",
        "repeated > same title #2": "passed",
    },
    "testng": {"sameValue": "passed", "sameValue #2": "failed", "sameValue #3": "passed"},
}


@pytest.mark.parametrize("producer", sorted(REPEATED))
def test_tests_sharing_a_title_stay_tests_of_their_own(producer: str, db_url: str) -> None:
    """jest-junit, mocha-junit-reporter, Vitest and TestNG write one <testcase> per test even when titles
    repeat: a failing first one must stay failed (the run failed), never become one passing flaky test."""
    cli = Cli(db_url, "p")
    run = cli.json("ingest", *paths(entry_of(producer)))
    assert run["status"] == "failed" and run["flaky_tests"] == 0
    results = cli.json("runs", "show", run["run_id"])["results"]
    stored = {r["name"]: (r["status"], r["attempts"], r["flaky"]) for r in results}
    for name, status in REPEATED[producer].items():
        assert stored[name] == (status, 1, False), name
    # the same file again, as a new run: the same tests (the position among same-named cases is stable)
    again = cli.json("ingest", *paths(entry_of(producer)), "--run-id", "again")
    ids = {r["name"]: r["test_id"] for r in results}
    assert {r["name"]: r["test_id"] for r in cli.json("runs", "show", again["run_id"])["results"]} == ids


def test_pytest_rerunfailures_junit_reruns_are_attempts_and_flaky(db_url: str) -> None:
    """pytest-rerunfailures writes each earlier attempt as an empty (passing-looking) <testcase>: a repeated
    pytest node id is a rerun, and a rerun follows a failure, so a test that then passed is flaky."""
    path = DATA / "pytest" / "reruns.xml"
    cli = Cli(db_url, "p")
    run = cli.json("ingest", path)
    results = {r["name"]: r for r in cli.json("runs", "show", run["run_id"])["results"]}
    flaky = results["test_flaky_passes_on_rerun"]
    assert (flaky["status"], flaky["attempts"], flaky["flaky"]) == ("passed", 2, True)
    assert run["flaky_tests"] == 1
    # --reruns 2: every test that kept failing was tried three times, every other test once
    for name, result in results.items():
        expected = 3 if result["status"] in ("failed", "error") else 2 if result["flaky"] else 1
        assert result["attempts"] == expected, name
    after_pass = results["test_teardown_error_after_pass"]
    assert (after_pass["status"], after_pass["attempts"]) == ("error", 3)
    assert run["status"] == "failed"


@each_entry
def test_real_producers_counters_raise_no_warning(entry: dict[str, Any]) -> None:
    """Producers count their own way (pytest counts a teardown error twice, Jest leaves todo out, TestNG
    and gotestsum count attempts), but none of their files promises more tests or failures than it holds."""
    for path in [*paths(entry), *sorted((DATA / "pytest").glob("*.xml"))]:
        report = parse_report(path)
        list(report.cases)
        assert report.warnings == [], path
