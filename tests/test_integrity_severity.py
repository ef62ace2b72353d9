"""`high` means a loss nothing explains: small real git repositories scanned through the CLI (`integrity scan
--base C^ --head C`), each unexplained loss beside the same loss explained (capped at medium)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factories import Cli, GitRepo

PATH = "tests/test_calc.py"

TESTS = """
import pytest
from calc import add


def test_add():
    assert add(1, 2) == 3
    assert add(2, 2) == 4, "two and two"


def test_negative():
    assert add(-1, -1) == -2
"""

JS_PATH = "test/calc.test.js"
JS_TESTS = """
const { add } = require('../calc')

describe('add', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
  })
})
"""


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


def scanned(
    cli: Cli, tmp_path: Path, before: dict[str, str], after: dict[str, str], message: str
) -> list[Any]:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("before", before)
    head = repo.commit(message, after)
    found = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)
    return [(s["signal_type"], s["test_name"], s["severity"], s["verdict"]) for s in found["signals"]]


@pytest.mark.parametrize(
    ("message", "severity", "verdict"),
    [
        ("tidy the tests", "high", "suspicious"),
        ("Fix add for big numbers (fixes #12)", "medium", "likely_deliberate"),
    ],
)
def test_an_assert_dropped_from_its_comparison_is_high_unless_explained(
    cli: Cli, tmp_path: Path, message: str, severity: str, verdict: str
) -> None:
    # `assert x == 4, "..."` -> `x == 4, "..."`: it still reads as a check and fails nothing.
    after = TESTS.replace('    assert add(2, 2) == 4, "two and two"', '    add(2, 2) == 4, "two and two"')
    signals = scanned(cli, tmp_path, {PATH: TESTS}, {PATH: after}, message)
    assert signals == [("assertion_removed", "test_add", severity, verdict)]


def test_a_check_deleted_beside_others_stays_medium(cli: Cli, tmp_path: Path) -> None:
    after = TESTS.replace('    assert add(2, 2) == 4, "two and two"\n', "")
    signals = scanned(cli, tmp_path, {PATH: TESTS}, {PATH: after}, "tidy the tests")
    assert signals == [("assertion_removed", "test_add", "medium", "suspicious")]


def test_the_only_check_of_a_test_deleted_is_high(cli: Cli, tmp_path: Path) -> None:
    after = TESTS.replace("    assert add(-1, -1) == -2\n", "    add(-1, -1)\n")
    signals = scanned(cli, tmp_path, {PATH: TESTS}, {PATH: after}, "tidy the tests")
    assert signals == [("assertion_removed", "test_negative", "high", "suspicious")]


@pytest.mark.parametrize(
    ("marker", "message", "severity", "verdict"),
    [
        ("@pytest.mark.skip", "make CI green", "high", "suspicious"),
        (
            "@pytest.mark.skip",
            "Skip test_add until the upstream fix, see #1234",
            "medium",
            "likely_deliberate",
        ),
        # The skip's own message says why (labels' rule: "the skip's own message ... gives the
        # reason"): no longer high, and the reason of last resort for the verdict (int-java5).
        ('@pytest.mark.skip(reason="rounding differs")', "make CI green", "medium", "likely_deliberate"),
        ("# rounding differs on arm\n@pytest.mark.skip", "make CI green", "medium", "suspicious"),
        (
            "@pytest.mark.skipif(sys.platform == 'win32', reason='no')",
            "make CI green",
            "medium",
            "likely_deliberate",
        ),
    ],
)
def test_a_test_switched_off_with_no_reason_is_high_unless_explained(
    cli: Cli, tmp_path: Path, marker: str, message: str, severity: str, verdict: str
) -> None:
    after = TESTS.replace("def test_add():", f"{marker}\ndef test_add():")
    signals = scanned(cli, tmp_path, {PATH: TESTS}, {PATH: after}, message)
    assert signals == [("skip_introduced", "test_add", severity, verdict)]


@pytest.mark.parametrize(
    ("skipped", "severity"),
    [
        ("  it.skip('adds', () => {", "high"),
        ("  // flaky on node 20 (timer order)\n  it.skip('adds', () => {", "medium"),
    ],
)
def test_a_js_test_skipped_outright_is_high_without_a_comment(
    cli: Cli, tmp_path: Path, skipped: str, severity: str
) -> None:
    after = JS_TESTS.replace("  it('adds', () => {", skipped)
    signals = scanned(cli, tmp_path, {JS_PATH: JS_TESTS}, {JS_PATH: after}, "make CI green")
    assert [(kind, name, level) for kind, name, level, _ in signals] == [
        ("skip_introduced", "add > adds", severity)
    ]
