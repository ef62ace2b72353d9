"""The JUnit parser against real files from non-Python producers, with the counts their consoles printed.

tests/data/producers.json (written with the files) lists, per producer, the files of one run and the
expected counts per status after folding duplicate attempts, as derived from the producer's console.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ccdash_tests.identity import test_id
from ccdash_tests.models import ParsedCase
from ccdash_tests.parsers import fold_attempts, parse_report

DATA = Path(__file__).parent / "data"
PRODUCERS = json.loads((DATA / "producers.json").read_text()) if (DATA / "producers.json").exists() else []
STATUSES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
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


def read_run(entry: dict) -> tuple[list[ParsedCase], set[str | None]]:
    cases: list[ParsedCase] = []
    frameworks: set[str | None] = set()
    for name in entry["files"]:
        report = parse_report(DATA / name)
        assert report.format == "junit"
        cases.extend(report.cases)
        frameworks.add(report.framework)
    return cases, frameworks


@pytest.mark.parametrize("entry", PRODUCERS, ids=[entry["producer"] for entry in PRODUCERS])
def test_producer_counts_match_its_console(entry: dict) -> None:
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


def _entry(producer: str) -> dict:
    found = [entry for entry in PRODUCERS if entry["producer"] == producer]
    if not found:
        pytest.skip(f"no {producer} files in tests/data")
    return found[0]


def test_mocha_name_and_classname_are_swapped_back() -> None:
    cases, _ = read_run(_entry("mocha"))
    by_name = {(c.classname, c.name): c for c in cases}
    assert ("Queue push", "keeps order") in by_name
    assert ("Queue pop", "keeps order") in by_name
    assert all(c.suite for c in cases)


def test_jest_repeated_title_is_dropped_and_suite_scopes() -> None:
    cases, _ = read_run(_entry("jest"))
    titled = [c for c in cases if c.name == "Cart totals sums prices"]
    assert [(c.suite, c.classname) for c in titled] == [("Cart", "")]


def test_vitest_classname_is_the_file() -> None:
    cases, _ = read_run(_entry("vitest"))
    assert all(c.file == c.classname and c.suite for c in cases)


def test_surefire_nested_class_and_flaky_attempts() -> None:
    cases, _ = read_run(_entry("surefire"))
    assert not any("$" in c.classname for c in cases)
    assert any(c.classname == "com.example.CalculatorTest.Division" for c in cases)
    flaky = [c for c in fold_attempts(cases) if c.flaky]
    assert [(c.name, c.attempts) for c in flaky] == [("passesOnSecondAttempt", 2)]


def test_gotestsum_duplicate_attempts_fold() -> None:
    cases, _ = read_run(_entry("gotestsum"))
    folded = {c.name: c for c in fold_attempts(cases) if c.classname.endswith("/calc")}
    assert folded["TestFlaky"].flaky and folded["TestFlaky"].attempts == 2
    assert folded["TestSub"].attempts == 3 and not folded["TestSub"].flaky
