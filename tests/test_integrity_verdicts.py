"""Deliberate or suspicious on real git history: each verdict rule of deliberate.py on a small repository
built for it, scanned by the real scanner and judged with the evidence it gathered."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import GitRepo, judged

CALC = """def add(a, b):
    return a + b


def parse(text):
    return int(text)
"""

PY_TESTS = """import os
import sys

import pytest

from calc import add, parse


def test_add():
    assert add(1, 2) == 3
    assert add(-1, 1) == 0


def test_parse():
    assert parse("1") == 1


def test_other():
    assert add(0, 0) == 0
"""
PY = "tests/test_calc.py"

JS_TESTS = """const { describe, it } = require("mocha");
const assert = require("assert");
const { wrap, breaks, usingPromise } = require("../lib/help");

describe("help", function () {
  it("wraps long descriptions", function () {
    assert.strictEqual(wrap("a b", 1), "a\\nb");
  });
  it("keeps short descriptions", function () {
    assert.strictEqual(wrap("a", 9), "a");
    assert.strictEqual(typeof usingPromise, "function");
  });
  it("reports the exit code", function () {
    assert.strictEqual(wrap("x", 3).length, 1);
  });
});
"""
JS = "test/help.test.js"
HELP = """function wrap(text, width) {
  return text.split(" ").join(width < 3 ? "\\n" : " ");
}

function breaks(text) {
  return text.split("\\n").length;
}

function usingPromise(promise) {
  return promise;
}

module.exports = { wrap, breaks, usingPromise };
"""


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


@pytest.fixture
def py(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "py")
    repo.commit("start", {"calc.py": CALC, PY: PY_TESTS})
    return repo


@pytest.fixture
def js(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "js")
    repo.commit("start", {"lib/help.js": HELP, JS: JS_TESTS})
    return repo


LOOSER = ("    assert add(1, 2) == 3\n", "    assert add(1, 2)\n")


@pytest.mark.parametrize(
    "message",
    ["Fixes #1800: clearer failure messages", "Deprecate the old adder", "Rework [COLLECTIONS-833]"],
)
def test_an_issue_or_a_reason_for_the_commit_does_not_explain_a_looser_check(
    py: GitRepo, message: str
) -> None:
    py.commit(message, {PY: replaced(PY_TESTS, *LOOSER)})
    verdict, because = judged(py, "assertion_weakened", "test_add")
    assert verdict == "suspicious"
    assert because[0] == "nothing in the change explains it"


def test_the_same_issue_link_still_explains_a_dropped_check(py: GitRepo) -> None:
    py.commit(
        "Fixes #1800: add takes no negatives", {PY: replaced(PY_TESTS, "    assert add(-1, 1) == 0\n", "")}
    )
    assert judged(py, "assertion_removed", "test_add") == (
        "likely_deliberate",
        ["the commit message links an issue (Fixes #1800)"],
    )


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Use a tolerance for the float sum", "likely_deliberate"),
        ("Fix flaky adder test", "likely_deliberate"),
        ("Fix CI", "likely_deliberate"),
        ("Tidy the adder tests", "suspicious"),
    ],
)
def test_a_flaky_fix_or_a_tolerance_explains_a_looser_check(py: GitRepo, message: str, verdict: str) -> None:
    py.commit(message, {PY: replaced(PY_TESTS, *LOOSER)})
    assert judged(py, "assertion_weakened", "test_add")[0] == verdict


def test_a_comment_added_with_the_looser_check_can_say_why(py: GitRepo) -> None:
    loose = "    # slow CI runners can miss the first attempt\n    assert add(1, 2)\n"
    py.commit("Adjust the adder test", {PY: replaced(PY_TESTS, LOOSER[0], loose)})
    assert judged(py, "assertion_weakened", "test_add") == (
        "likely_deliberate",
        ["a comment added with the check says why ('slow CI')"],
    )


def drop_test(text: str, name: str) -> str:
    head, _, rest = text.partition(f"\n\ndef {name}():")
    _, _, tail = rest.partition("\n\n\n")
    return head + ("\n\n\n" + tail if tail else "\n")


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Remove unused tests", "suspicious"),
        ("Remove unused helpers", "likely_deliberate"),
        ("Cleanup unneccessary test case", "likely_deliberate"),
        ("Remove test files for Go versions 1.18 and 1.19", "likely_deliberate"),
    ],
)
def test_what_the_message_calls_unused_or_redundant(py: GitRepo, message: str, verdict: str) -> None:
    py.commit(message, {PY: drop_test(PY_TESTS, "test_other")})
    assert judged(py, "test_removed", "test_other")[0] == verdict


def test_a_reason_deep_in_a_long_squash_message_speaks_for_another_commit(py: GitRepo) -> None:
    body = "\n".join(f"* step {n}" for n in range(20))
    py.commit(
        f"Expand the adder (#12)\n\n{body}\n* Call the old callback, deprecated",
        {PY: drop_test(PY_TESTS, "test_other")},
    )
    assert judged(py, "test_removed", "test_other")[0] == "suspicious"
    py.git("reset", "-q", "--hard", "HEAD^")
    py.commit("Expand the adder, deprecated path dropped (#12)", {PY: drop_test(PY_TESTS, "test_other")})
    assert judged(py, "test_removed", "test_other")[0] == "likely_deliberate"


def test_the_message_naming_what_it_removes_explains_the_checks_of_it(js: GitRepo) -> None:
    """`remove usingPromise` while the code keeps a mention of it (a deprecation stub): the lost check
    names what the message says it removes."""
    tests = replaced(JS_TESTS, '    assert.strictEqual(typeof usingPromise, "function");\n', "")
    js.commit("chore!: remove usingPromise\n\nUse native promises.", {JS: tests})
    assert judged(js, "assertion_removed", "help > keeps short descriptions") == (
        "likely_deliberate",
        ["the commit message says it removes `usingPromise`, which the lost check names"],
    )


SKIP_CONDITIONS = [
    ("@pytest.mark.skipif(bool(os.environ.get('NO_NETWORK')), reason='needs network')", "'os.environ'"),
    (
        "@pytest.mark.skipif(bool(sysconfig.get_config_var('Py_GIL_DISABLED')), reason='aborts')",
        "'sysconfig.get_config_var'",
    ),
    (
        "@pytest.mark.skipif(not os.path.exists('fixtures/big'), reason='fixtures missing')",
        "'os.path.exists('",
    ),
]


@pytest.mark.parametrize(("marker", "condition"), SKIP_CONDITIONS)
def test_a_skip_conditioned_on_the_environment_or_a_build_is_deliberate(
    py: GitRepo, marker: str, condition: str
) -> None:
    py.commit(
        "skip where it cannot run",
        {PY: replaced(PY_TESTS, "def test_parse():", f"{marker}\ndef test_parse():")},
    )
    verdict, because = judged(py, "skip_introduced", "test_parse")
    assert verdict == "likely_deliberate"
    assert because == [f"the skip is conditioned on {condition}"]


def test_a_skip_in_browsers_is_deliberate_and_a_bare_one_is_not(js: GitRepo) -> None:
    browser = '    if (typeof window !== "undefined") {\n      this.skip();\n    }\n'
    opening = '  it("reports the exit code", function () {\n'
    js.commit(
        "fix: skip Node specific tests in browser env", {JS: replaced(JS_TESTS, opening, opening + browser)}
    )
    verdict, because = judged(js, "skip_introduced", "help > reports the exit code")
    assert (verdict, because[0]) == ("likely_deliberate", "the skip is conditioned on 'typeof window'")
    js.git("reset", "-q", "--hard", "HEAD^")
    js.commit("skip for now", {JS: replaced(JS_TESTS, opening, opening + "    this.skip();\n")})
    assert judged(js, "skip_introduced", "help > reports the exit code")[0] == "suspicious"


def test_a_long_tracker_key_is_an_issue_link(py: GitRepo) -> None:
    marker = '@pytest.mark.skip(reason="order differs on hash maps")'
    py.commit(
        "COLLECTIONS-836: hash-ordered maps",
        {PY: replaced(PY_TESTS, "def test_parse():", f"{marker}\ndef test_parse():")},
    )
    assert judged(py, "skip_introduced", "test_parse") == (
        "likely_deliberate",
        ["the commit message links an issue (COLLECTIONS-836)"],
    )


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Fixes or removes tests that build on unfulfilled assumptions.", "likely_deliberate"),
        ("Fix some assertions that trigger nullness static analysis.", "likely_deliberate"),
        ("Add static analysis to the build", "suspicious"),
        ("Check our assumptions", "suspicious"),
    ],
)
def test_a_message_saying_the_test_was_wrong_or_tripped_an_analyser_explains_a_loss(
    py: GitRepo, message: str, verdict: str
) -> None:
    py.commit(message, {PY: drop_test(PY_TESTS, "test_other")})
    assert judged(py, "test_removed", "test_other")[0] == verdict
    py.commit(message, {PY: replaced(drop_test(PY_TESTS, "test_other"), "    assert add(-1, 1) == 0\n", "")})
    assert judged(py, "assertion_removed", "test_add")[0] == verdict


def test_a_wrong_assumption_does_not_explain_a_looser_check(py: GitRepo) -> None:
    py.commit("Fix a test that builds on a wrong assumption", {PY: replaced(PY_TESTS, *LOOSER)})
    assert judged(py, "assertion_weakened", "test_add")[0] == "suspicious"


REMOVED_TEST = ('def test_parse():\n    assert parse("1") == 1\n\n\n', "")


@pytest.mark.parametrize(
    ("message", "because"),
    [
        (
            "Remove the parse tests. They are covered by the conformance suite.",
            "the commit message says what still checks it ('covered by')",
        ),
        (
            "Remove accidentally checked-in WIP test",
            "the commit message says why the tests go ('Remove accidentally')",
        ),
    ],
)
def test_a_message_saying_what_covers_a_removed_test_or_that_it_was_a_mistake_explains_it(
    py: GitRepo, message: str, because: str
) -> None:
    py.commit(message, {PY: replaced(PY_TESTS, *REMOVED_TEST)})
    verdict, reasons = judged(py, "test_removed", "test_parse")
    assert verdict == "likely_deliberate"
    assert because in reasons


def test_removing_a_test_with_a_bare_message_stays_suspicious(py: GitRepo) -> None:
    py.commit("Remove the parse tests", {PY: replaced(PY_TESTS, *REMOVED_TEST)})
    assert judged(py, "test_removed", "test_parse")[0] == "suspicious"


def test_a_skip_linking_another_repositorys_issue_is_explained(py: GitRepo) -> None:
    skipped = replaced(
        PY_TESTS,
        "def test_parse():",
        '@pytest.mark.skip(reason="until parser#4435 is fixed")\ndef test_parse():',
    )
    py.commit("Disable a test", {PY: skipped})
    verdict, reasons = judged(py, "skip_introduced", "test_parse")
    assert verdict == "likely_deliberate"
    assert "the skip links an issue (parser#4435)" in reasons
