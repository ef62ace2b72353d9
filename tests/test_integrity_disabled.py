"""Deleting a test that its first statement already skipped loses nothing: none of it ran. Each case
is a small real git repository scanned through the CLI; a test that skipped only on a condition, or
ran a check before the skip, is still a test removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


KEEP = "\n\ndef test_keep():\n    assert render('a') == 'a'\n"


@pytest.mark.parametrize(
    "first",
    ["raise SkipTest('Behavior will change in 2.3')", "pytest.skip('not ported')"],
    ids=["raise-SkipTest", "pytest.skip"],
)
def test_deleting_a_python_test_skipped_by_its_first_statement_removes_nothing(
    cli: Cli, tmp_path: Path, first: str
) -> None:
    old = f"def test_local_macros_first():\n    {first}\n    assert render('child') == 'CHILD'\n"
    after = {"tests/test_bugs.py": KEEP.lstrip()}
    assert scan(cli, tmp_path, {"tests/test_bugs.py": old + KEEP}, after) == []


def test_a_python_test_skipped_only_on_a_condition_is_a_test_removed(cli: Cli, tmp_path: Path) -> None:
    old = "def test_local_macros_first():\n    if PYPY:\n        pytest.skip('pypy')\n"
    old += "    assert render('child') == 'CHILD'\n"
    found = scan(cli, tmp_path, {"tests/test_bugs.py": old + KEEP}, {"tests/test_bugs.py": KEEP.lstrip()})
    assert kinds(found) == {("test_removed", "test_local_macros_first")}


GO = """package a

import "testing"

func TestBufioReuse(t *testing.T) {
%s\tif got := Reuse(); got != 1 {
\t\tt.Fatalf("reuse: %%d", got)
\t}
}

func TestKeep(t *testing.T) {
\tif Keep() != 1 {
\t\tt.Fatal("keep")
\t}
}
"""
GO_KEPT = GO[: GO.index("func TestBufioReuse")] + GO[GO.index("func TestKeep") :]


def test_deleting_a_go_test_whose_first_statement_skips_removes_nothing(cli: Cli, tmp_path: Path) -> None:
    old = GO % '\tt.Skip("the reuse logic is rewritten")\n'
    assert scan(cli, tmp_path, {"a_test.go": old}, {"a_test.go": GO_KEPT}) == []


def test_a_go_test_that_checked_before_its_skip_is_a_test_removed(cli: Cli, tmp_path: Path) -> None:
    old = GO % '\tif Reuse() == 0 {\n\t\tt.Fatal("zero")\n\t}\n\tt.Skip("rest is slow")\n'
    found = scan(cli, tmp_path, {"a_test.go": old}, {"a_test.go": GO_KEPT})
    assert kinds(found) == {("test_removed", "TestBufioReuse")}
