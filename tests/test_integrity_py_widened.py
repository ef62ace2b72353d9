"""A Python skip or xfail whose condition gains an alternative now switches the test off in more places.
Each case is a small real git repository scanned through the CLI; a narrowed, respelled or merely
re-worded condition raises nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


TESTS = """import sys
import unittest

import pytest

WIN = sys.platform == "win32"
PYPY = hasattr(sys, "pypy_version_info")


@pytest.mark.skipif(%s, reason=%s)
def test_fork():
    assert fork() == 0


@pytest.mark.xfail(%s, reason="zipimporter has no _files", raises=TypeError)
def test_zip_list():
    assert sorted(listing()) == ["a", "b"]


class TestPipes(unittest.TestCase):
    @unittest.skipIf(%s, "no pipes")
    def test_pipe(self):
        self.assertEqual(pipe(), 1)
"""
FILE = "tests/test_os.py"


def version(skip: str = "WIN", reason: str = '"no fork"', xfail: str = "PYPY", skip_if: str = "WIN") -> str:
    return TESTS % (skip, reason, xfail, skip_if)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (version(skip="WIN or PYPY", reason='"no fork here"'), ("skip_introduced", "test_fork")),
        (version(skip="not HAS_FORK or PYPY"), ("skip_introduced", "test_fork")),
        (version(xfail="PYPY or sys.version_info > (3, 13)"), ("xfail_added", "test_zip_list")),
        (version(skip_if="WIN or PYPY"), ("skip_introduced", "TestPipes::test_pipe")),
    ],
    ids=["skipif-or", "not-flag-or", "xfail-or", "unittest-skipIf-or"],
)
def test_a_condition_that_gains_an_alternative_switches_the_test_off_in_more_places(
    cli: Cli, tmp_path: Path, after: str, expected: tuple[str, str]
) -> None:
    before = version(skip="not HAS_FORK") if "HAS_FORK" in after else version()
    assert kinds(scan(cli, tmp_path, {FILE: before}, {FILE: after})) == {expected}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (version(skip="WIN or PYPY"), version()),  # narrowed
        (version(), version(skip="IS_WINDOWS")),  # respelled: not the same skip widened
        (version(), version(reason='"fork is unsupported"')),  # only the reason re-worded
        (version(skip="not (WIN or PYPY)"), version(skip="not (WIN or PYPY or MAC)")),  # runs more
        (version(xfail="PYPY and WIN"), version(xfail="PYPY and WIN and MAC")),  # a requirement: fewer
    ],
    ids=["narrowed", "respelled", "reason-only", "negated-group", "requirement-added"],
)
def test_a_condition_that_does_not_widen_raises_nothing(
    cli: Cli, tmp_path: Path, before: str, after: str
) -> None:
    assert scan(cli, tmp_path, {FILE: before}, {FILE: after}) == []
