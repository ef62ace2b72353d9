"""A skip added to a test whose body was empty (comments at most) loses nothing: the test ran no code
and checked nothing. Each case is a small real git repository scanned through the CLI; a test with a
statement in it, checks or not, still raises its skip."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


PARSER_TEST = """package a;

import org.junit.Test;
%s
public class PosixParserTest extends ParserTestCase {
  @Override%s
  public void testDoubleDash2() throws Exception
  {
%s  }

  @Test
  public void testSimple() throws Exception {
    assertTrue(parser.parse(options, args).hasOption("a"));
  }
}
"""
IGNORE = ("\nimport org.junit.Ignore;\n", ' @Test @Ignore("not supported by the PosixParser")')


def parser_test(body: str, ignored: bool, marks: str = "") -> str:
    """The test class with `body` in testDoubleDash2, `marks` after its @Override (or @Ignore'd)."""
    imports, marks = IGNORE if ignored else ("", marks)
    return PARSER_TEST % (imports, marks, body)


FILE = "src/test/java/a/PosixParserTest.java"


@pytest.mark.parametrize("marks", ["", " @Test"], ids=["override", "annotated"])
def test_an_ignore_on_a_java_test_whose_body_was_only_a_comment_raises_nothing(
    cli: Cli, tmp_path: Path, marks: str
) -> None:
    body = "    // not supported by the PosixParser\n"
    found = scan(cli, tmp_path, {FILE: parser_test(body, False, marks)}, {FILE: parser_test("", True)})
    assert found == []


def test_an_ignore_on_a_java_test_that_ran_code_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    # No assertion, but the call itself was tested (it must not throw): switching it off loses that.
    body = '    parser.parse(options, new String[] {"--", "-b"});\n'
    before = {FILE: parser_test(body, False, " @Test")}
    found = scan(cli, tmp_path, before, {FILE: parser_test(body, True)})
    assert ("skip_introduced", "PosixParserTest::testDoubleDash2") in kinds(found)


GO_TEST = """package a

import "testing"

func TestWindowsPaths(t *testing.T) {
%s}

func TestJoin(t *testing.T) {
\tif Join("a", "b") != "a/b" {
\t\tt.Fatal("join")
\t}
}
"""


def test_a_skip_in_a_go_test_that_was_empty_raises_nothing(cli: Cli, tmp_path: Path) -> None:
    before = {"a_test.go": GO_TEST % "\t// TODO: write it\n"}
    after = {"a_test.go": GO_TEST % '\tt.Skip("not written yet")\n'}
    assert scan(cli, tmp_path, before, after) == []


def test_a_skip_in_a_go_test_that_checked_something_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    before = {"a_test.go": GO_TEST % '\tif Clean(`a\\\\b`) != "a/b" {\n\t\tt.Error("clean")\n\t}\n'}
    after = {
        "a_test.go": GO_TEST
        % '\tt.Skip("flaky")\n\tif Clean(`a\\\\b`) != "a/b" {\n\t\tt.Error("clean")\n\t}\n'
    }
    assert ("skip_introduced", "TestWindowsPaths") in kinds(scan(cli, tmp_path, before, after))
