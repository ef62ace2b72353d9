"""Python classes of the integrity detectors from the ninth batch's projects, each as a small real git
repository scanned through the CLI: tests generated at run time whose skip code widens, and a subtree
squash commit that holds only a vendored folder of its parent."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli, GitRepo
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------ tests generated from data, skipped by code handed to them

GENERATED = """
from suite import Suite

SUITE = Suite()


def skip(message, **conditions):
    def skipper(case):
        if all(getattr(case, name) == value for name, value in conditions.items()):
            return message
    return skipper


def unsupported_formats(case):
    return skip("not supported yet", subject="format", description="trailing dot")(case)


TestDraft1 = SUITE.to_testcase(
    "draft1",
    skip=lambda case: unsupported_formats(case) or skip("broken", subject="refs")(case),
)
"""

PATH = "tests/test_suite.py"


def test_skip_code_of_generated_tests_that_names_one_more_case_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    widened = GENERATED.replace(
        'description="trailing dot")(case)',
        'description="trailing dot")(case) or skip("not supported yet", description="leading dot")(case)',
    )
    signals = scan(cli, tmp_path, {PATH: GENERATED}, {PATH: widened})
    assert [(s["signal_type"], s["file_path"]) for s in signals] == [("skip_introduced", PATH)]
    assert "'leading dot'" in str(signals[0])


def test_a_new_skip_helper_handed_to_the_generator_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    helper = "\n\ndef slow(case):\n    if case.subject == 'big':\n        return 'too slow'\n"
    widened = GENERATED.replace("\n\nTestDraft1", helper + "\n\nTestDraft1").replace(
        "skip=lambda case: ", "skip=lambda case: slow(case) or "
    )
    assert kinds(scan(cli, tmp_path, {PATH: GENERATED}, {PATH: widened})) == {("skip_introduced", None)}


def test_skip_code_that_loses_a_case_or_renames_one_or_drops_a_repeat_raises_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    renamed = GENERATED.replace('subject="refs"', 'subject="remote refs"')
    repeated = GENERATED.replace(
        "skip=lambda case: unsupported_formats(case)",
        "skip=lambda case: unsupported_formats(case) or unsupported_formats(case)",
    )
    assert scan(cli, tmp_path / "a", {PATH: GENERATED}, {PATH: renamed}) == []
    assert scan(cli, tmp_path / "b", {PATH: repeated}, {PATH: GENERATED}) == []
    narrowed = GENERATED.replace(' or skip("broken", subject="refs")(case)', "")
    assert scan(cli, tmp_path / "c", {PATH: GENERATED}, {PATH: narrowed}) == []


def test_a_test_module_without_generator_skip_code_is_left_to_its_tests(cli: Cli, tmp_path: Path) -> None:
    # A module-level call taking no `skip=` keyword decides no skip: only the tests' own markers count.
    plain = "CASES = load(limit=3)\n\n\ndef test_cases():\n    assert len(CASES) == 3\n"
    grown = plain.replace("limit=3", "limit=3, flags=('x',)")
    assert scan(cli, tmp_path, {PATH: plain}, {PATH: grown}) == []


# ------------------------------------------ a commit whose tree is one vendored folder of its parent

PROJECT_TESTS = "\n\n".join(f"def test_case_{i}():\n    assert run({i}) == {i}" for i in range(4)) + "\n"


def _project(repo: GitRepo) -> None:
    files = {
        "src/demo/core.py": "def run(x):\n    return x\n",
        "tests/test_core.py": PROJECT_TESTS,
        "tests/test_more.py": PROJECT_TESTS.replace("test_case_", "test_more_"),
        "README.md": "demo\n",
    }
    files |= {f"vendor/suite/tests/draft{i}.json": f'[{{"case": {i}}}]\n' for i in range(12)}
    files |= {"vendor/suite/README.md": "the suite\n", "vendor/suite/bin/suite.py": "print('suite')\n"}
    repo.commit("project with a vendored suite", files)


def test_a_subtree_squash_commit_holding_only_the_vendored_folder_removes_no_test(
    cli: Cli, tmp_path: Path
) -> None:
    # `git subtree --squash` writes a commit whose tree is the vendored folder alone, hung from the
    # project's commit: diffed against it, every project file seems deleted.
    repo = GitRepo(tmp_path / "repo")
    _project(repo)
    repo.git("rm", "-q", "-r", "src", "tests", "README.md")
    for name in repo.git("ls-files", "vendor/suite").split("\n"):
        target = name.removeprefix("vendor/suite/")
        (repo.root / target).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", name, target)
    head = repo.commit("Squashed 'vendor/suite/' changes", {"tests/draft3.json": '[{"case": 33}]\n'})
    found = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)
    assert found["signals"] == []


def test_tests_deleted_while_a_folder_moves_up_inside_the_project_are_still_removed(
    cli: Cli, tmp_path: Path
) -> None:
    # Most of the change moves the vendored folder up, but the project's own files stay beside it: a
    # layout change of the project, whose deleted test file is a deleted test file.
    repo = GitRepo(tmp_path / "repo")
    _project(repo)
    repo.git("rm", "-q", "tests/test_more.py", "README.md")
    for name in repo.git("ls-files", "vendor/suite").split("\n"):
        target = name.removeprefix("vendor/suite/")
        (repo.root / target).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", name, target)
    head = repo.commit("un-vendor the suite")
    found = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)
    assert {s["signal_type"] for s in found["signals"]} == {"test_removed"}
    assert {s["file_path"] for s in found["signals"]} == {"tests/test_more.py"}


# ------------------------------------------ a rename that keeps the whole old name and adds a qualifier

SESSION = """
def test_session(app, client):
    @app.route("/get")
    def get():
        assert not flask.session.modified
        return flask.session.get("value", "None")

    assert client.get("/get").data == b"None"
"""

SESSION_ACCESSED = """
def test_session_accessed(app, client):
    @app.get("/")
    def do_get():
        return flask.session.get("value", "None")

    with client:
        rv = client.get()
        assert rv.text == "None"
        assert not request_ctx._session.modified
"""


def test_a_new_test_named_as_the_old_plus_a_qualifier_takes_over(cli: Cli, tmp_path: Path) -> None:
    # `test_session` -> `test_session_accessed` keeps every word of the short name (a ratio of 0.73).
    path = "tests/test_basic.py"
    assert scan(cli, tmp_path, {path: SESSION}, {path: SESSION_ACCESSED}) == []


def test_a_qualified_name_with_weaker_checks_or_another_name_does_not_take_over(
    cli: Cli, tmp_path: Path
) -> None:
    path = "tests/test_basic.py"
    weaker = SESSION_ACCESSED.replace('assert rv.text == "None"', "assert rv.text")
    signals = scan(cli, tmp_path / "a", {path: SESSION}, {path: weaker})
    assert kinds(signals) == {("test_removed", "test_session")}
    other = SESSION_ACCESSED.replace("test_session_accessed", "test_sessions_accessed")
    assert kinds(scan(cli, tmp_path / "b", {path: SESSION}, {path: other})) == {
        ("test_removed", "test_session")
    }


# ------------------------------------------ a test rewritten as a call of a check helper on its data

RENDERING = """
from unittest import TestCase


class TestPathRendering(TestCase):
    def test_str(self):
        error = ValidationError(path=["x"], message="1", validator="foo")
        self.assertEqual(error.json_path, "$.x")

    def test_numeric_str(self):
        error = ValidationError(path=["1"], message="1", validator="foo")
        self.assertEqual(error.json_path, "$['1']")
"""

ON_A_HELPER = """
from unittest import TestCase


class TestPathRendering(TestCase):
    def check_rendering(self, name, expected):
        error = ValidationError(path=[name], message="1", validator="foo")
        self.assertEqual(error.json_path, expected)
        self.assertEqual(reparse(error.json_path), name)

    def test_basic(self):
        self.check_rendering("x", "$.x")

    def test_number(self):
        self.check_rendering("1", "$['1']")
"""


def test_tests_rewritten_as_helper_calls_on_their_own_data_live_on(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_exceptions.py"
    assert scan(cli, tmp_path, {path: RENDERING}, {path: ON_A_HELPER}) == []


def test_a_helper_call_on_other_data_does_not_stand_for_a_removed_test(cli: Cli, tmp_path: Path) -> None:
    # `test_number` now renders "2": the "1" case is no longer checked by anything.
    path = "tests/test_exceptions.py"
    other = ON_A_HELPER.replace(
        """self.check_rendering("1", "$['1']")""", """self.check_rendering("2", "$['2']")"""
    )
    signals = scan(cli, tmp_path, {path: RENDERING}, {path: other})
    assert kinds(signals) == {("test_removed", "TestPathRendering::test_numeric_str")}
