"""Each class of real commits that misled the integrity detectors, as a small real git repository scanned
through the CLI (`integrity scan --base C^ --head C`): the look-alikes raise nothing, the real losses do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factories import Cli, GitRepo


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


def scan(cli: Cli, tmp_path: Path, before: dict[str, str | None], after: dict[str, str | None]) -> list[Any]:
    """Commit `before`, then `after` on top, and return the signals of scanning the second commit."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("before", before)
    head = repo.commit("after", after)
    found = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)
    return list(found["signals"])


def kinds(signals: list[Any]) -> set[tuple[str, str]]:
    return {(s["signal_type"], s["test_name"]) for s in signals}


# ------------------------------------------------------------------- 1. same-named tests in one file

TWINS_JS = """
import { test, expect } from "vitest";

describe("strict", () => {
  test("constructor key", () => {
    expect(parse({ constructor: 1 })).toEqual({ constructor: 1 });
  });
});

describe("loose", () => {
  test("constructor key", () => {
    expect(loose({ constructor: 1 })).toEqual({});
    expect(loose({})).toEqual({});
  });
});

test("custom path", () => {
  expect(issue(["a"]).path).toEqual(["a"]);
});

test("custom path", () => {
  expect(issue(["b", 1]).path).toEqual(["b", 1]);
  expect(issue([]).path).toEqual([]);
});
"""


def test_same_named_tests_pair_by_scope_and_body(cli: Cli, tmp_path: Path) -> None:
    # A comment and a new test above both twins shift every position; an edit of one twin only.
    edited = TWINS_JS.replace('from "vitest";\n', 'from "vitest";\n// shared\ntest("new", () => {});\n')
    last = "expect(issue([]).path).toEqual([]);"
    edited = edited.replace(last, last + " // empty")
    assert scan(cli, tmp_path, {"src/a.test.ts": TWINS_JS}, {"src/a.test.ts": edited}) == []


def test_a_twin_that_really_loses_its_check_is_named(cli: Cli, tmp_path: Path) -> None:
    edited = TWINS_JS.replace("  expect(issue([]).path).toEqual([]);\n", "")
    signals = scan(cli, tmp_path, {"src/a.test.ts": TWINS_JS}, {"src/a.test.ts": edited})
    assert kinds(signals) == {("assertion_removed", "custom path")}
    [signal] = signals
    assert signal["severity"] == "medium"
    assert signal["details"]["removed_lines"] == ["expect(issue([]).path).toEqual([]);"]
    assert signal["details"]["added_lines"] == []


HELPER_OVERLOADS = """
import org.junit.Test;
import static org.junit.Assert.assertEquals;

public class ReaderTest {
  @Test
  public void testFailWithPosition() {
    testFailWithPosition("Expected value at line 1", "[");
  }

  private static void testFailWithPosition(String message, String json) {
    assertEquals(message, read(json));
  }

  public void testNotATest() {
    assertEquals(1, one());
  }
}
"""


def test_java_helper_overloads_are_not_tests(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/ReaderTest.java"
    edited = HELPER_OVERLOADS.replace("import org.junit.Test;", "import org.junit.Test;\n// reader")
    edited = edited.replace('"["', '"[" /* bracket */')
    assert scan(cli, tmp_path, {path: HELPER_OVERLOADS}, {path: edited}) == []
    # Deleting the helper and the un-annotated method removes no test.
    gone = HELPER_OVERLOADS.split("  private static")[0] + "}\n"
    assert scan(cli, tmp_path / "2", {path: HELPER_OVERLOADS}, {path: gone}) == []


def test_java_junit3_methods_without_annotations_are_tests(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/LegacyTest.java"
    source = (
        "public class LegacyTest extends TestCase {\n"
        "  public void testOne() { assertEquals(1, one()); }\n"
        "  public void testHelper(int x) { assertEquals(x, one()); }\n"
        "  public void testTwo() { assertEquals(2, two()); }\n"
        "}\n"
    )
    edited = source.replace("  public void testTwo() { assertEquals(2, two()); }\n", "")
    found = scan(cli, tmp_path, {path: source}, {path: edited})
    assert kinds(found) == {("test_removed", "LegacyTest::testTwo")}
