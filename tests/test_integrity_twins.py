"""A removed test whose copy lives on in a file the change leaves alone lost nothing: the old suite
deleted after its port, a duplicate class dropped. Each case is a small real git repository scanned
through the CLI; a same-named test that checks something else keeps the removal a signal."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli, GitRepo
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


OLD_SUITE = """from pkg import Environment

env = Environment()
CAPITALIZE = '{{ "foo bar"|capitalize }}'


def test_capitalize():
    assert env.from_string(CAPITALIZE).render() == 'Foo bar'


def test_center():
    tmpl = env.from_string('{{ "foo"|center(9) }}')
    assert tmpl.render() == '   foo   '
"""

# The port: a unittest class in the package, outside the tests/ conventions, the constant inlined.
PORTED = """import unittest

from pkg import Environment

env = Environment()


class FilterTestCase(unittest.TestCase):

    def test_capitalize(self):
        tmpl = env.from_string('{{ "foo bar"|capitalize }}')
        assert tmpl.render() == 'Foo bar'

    def test_center(self):
        tmpl = env.from_string('{{ "foo"|center(9) }}')
        assert tmpl.render() == '   foo   '
"""


def test_deleting_the_old_copy_of_a_ported_python_suite_removes_no_test(cli: Cli, tmp_path: Path) -> None:
    before = {"tests/test_filters.py": OLD_SUITE, "pkg/testsuite/filters.py": PORTED}
    assert scan(cli, tmp_path, before, {"tests/test_filters.py": None}) == []


def test_a_same_named_test_that_checks_something_else_is_no_copy(cli: Cli, tmp_path: Path) -> None:
    other = PORTED.replace("'   foo   '", "'foo'").replace("'Foo bar'", "'FOO BAR'")
    before = {"tests/test_filters.py": OLD_SUITE, "pkg/testsuite/filters.py": other}
    found = scan(cli, tmp_path, before, {"tests/test_filters.py": None})
    assert kinds(found) == {("test_removed", "test_capitalize"), ("test_removed", "test_center")}


def test_a_copy_the_change_also_deletes_keeps_nothing_alive(cli: Cli, tmp_path: Path) -> None:
    before = {"tests/test_filters.py": OLD_SUITE, "pkg/testsuite/filters.py": PORTED}
    found = scan(cli, tmp_path, before, {"tests/test_filters.py": None, "pkg/testsuite/filters.py": None})
    assert ("test_removed", "test_center") in kinds(found)


def test_a_checkless_test_with_little_data_has_no_copy_by_name_alone(cli: Cli, tmp_path: Path) -> None:
    # `return x == '1'` compares nothing a scan can see, and '1' is shared by unrelated tests.
    old = "def test_abs():\n    return render('{{ -1|abs }}') == '1'\n"
    twin = "def test_abs():\n    return other('{{ 1 }}') == '1'\n"
    before = {"tests/test_a.py": old + "\n\ndef test_keep():\n    assert 1\n", "tests/v2/test_a.py": twin}
    found = scan(cli, tmp_path, before, {"tests/test_a.py": "def test_keep():\n    assert 1\n"})
    assert kinds(found) == {("test_removed", "test_abs")}


JAVA = """package a;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

public class %s {
  @Test
  public void objectIdWithInjectables() throws Exception {
    assertEquals("{\\"id\\":1}", mapper.writeValueAsString(new Bean(1)));
  }
}
"""


def test_a_java_duplicate_class_dropped_beside_its_twin_removes_no_test(cli: Cli, tmp_path: Path) -> None:
    twin = "src/test/java/a/ObjectIdWithInjectable639Test.java"
    copy = "src/test/java/a/tofix/ObjectIdWithInjectables639Test.java"
    before = {twin: JAVA % "ObjectIdWithInjectable639Test", copy: JAVA % "ObjectIdWithInjectables639Test"}
    assert scan(cli, tmp_path, before, {copy: None}) == []


GO = """package %s

import "testing"

func TestDecodeTable(t *testing.T) {
\tif got := Decode("[a]\\nb = 1"); got["a"]["b"] != 1 {
\t\tt.Fatalf("decode: %%v", got)
\t}
}
"""


def test_a_go_test_whose_copy_stays_in_the_v2_module_was_not_lost(cli: Cli, tmp_path: Path) -> None:
    before = {"v1/decode_test.go": GO % "toml", "v2/decode_test.go": GO % "toml"}
    assert scan(cli, tmp_path, before, {"v1/decode_test.go": None}) == []
    # Without the copy the same deletion is a test removed.
    alone = tmp_path / "alone"
    alone.mkdir()
    found = scan(cli, alone, {"v1/decode_test.go": GO % "toml"}, {"v1/decode_test.go": None})
    assert kinds(found) == {("test_removed", "TestDecodeTable")}


def test_a_work_tree_scan_finds_the_copy_in_the_work_tree(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("before", {"tests/test_filters.py": OLD_SUITE})
    # The port is not committed yet: the work tree holds it, untracked, and the old suite is gone.
    repo.write("pkg/testsuite/filters.py", PORTED)
    repo.remove("tests/test_filters.py")
    found = cli.json("integrity", "scan", "--repo", repo.root, "--worktree")
    assert found["signals"] == []
