"""Java tests the Maven build never runs (surefire's <excludes>) lose nothing when edited, skipped or
deleted. The pattern reading is pure; the rule is checked on small real git repositories through the
CLI, including a test moved into an excluded folder (it ran before the change) and a profile's excludes
(the default build still runs those)."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds

from ccdash_tests.integrity.build_excludes import excluded, surefire_excludes

POM = """<project>
  <!-- <plugin><artifactId>maven-surefire-plugin</artifactId>
       <excludes><exclude>**/*.java</exclude></excludes></plugin> -->
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <configuration><excludes><exclude>**/gen/**</exclude></excludes></configuration>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-surefire-plugin</artifactId>
        <configuration>
          <excludes>
            <exclude>com.example.FootprintTest</exclude>
            <exclude>**/failing/**/*.java</exclude>
          </excludes>
        </configuration>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <id>fast</id>
      <build><plugins><plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <configuration><excludes><exclude>**/slow/**</exclude></excludes></configuration>
      </plugin></plugins></build>
    </profile>
  </profiles>
</project>
"""


def test_surefire_excludes_are_read_from_its_own_plugin_outside_profiles_and_comments() -> None:
    assert surefire_excludes(POM) == ["com.example.FootprintTest", "**/failing/**/*.java"]


@pytest.mark.parametrize(
    ("path", "left_out"),
    [
        ("src/test/java/com/example/failing/CyclicRefTest.java", True),
        ("core/src/test/java/com/example/failing/deep/CyclicRefTest.java", True),
        ("src/test/java/com/example/FootprintTest.java", True),
        ("src/test/java/com/example/FootprintTests.java", False),
        ("src/test/java/com/example/MapTest.java", False),
        ("src/test/java/com/example/failing/CyclicRefIT.java", False),  # failsafe runs *IT
        ("test/com/example/failing/CyclicRefTest.java", False),  # not under src/test/java
    ],
)
def test_which_paths_the_excludes_leave_out(path: str, left_out: bool) -> None:
    assert excluded(path, surefire_excludes(POM)) is left_out


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


TEST = """package com.example.%s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

public class CyclicRefTest {
  // A nested abstract class does not make the test class abstract.
  abstract static class Base {}

  @Test
  public void cyclicViaCollection() throws Exception {
    assertEquals("[1]", mapper.writeValueAsString(list));
  }
}
"""
FAILING = "src/test/java/com/example/failing/CyclicRefTest.java"
PLAIN = "src/test/java/com/example/deser/CyclicRefTest.java"


def test_deleting_a_test_surefire_never_runs_removes_nothing(cli: Cli, tmp_path: Path) -> None:
    before = {"pom.xml": POM, FAILING: TEST % "failing"}
    assert scan(cli, tmp_path, before, {FAILING: None}) == []


def test_deleting_a_test_the_build_runs_is_a_test_removed(cli: Cli, tmp_path: Path) -> None:
    before = {"pom.xml": POM, PLAIN: TEST % "deser"}
    assert kinds(scan(cli, tmp_path, before, {PLAIN: None})) == {
        ("test_removed", "CyclicRefTest::cyclicViaCollection")
    }


def test_a_test_only_a_profile_leaves_out_still_runs(cli: Cli, tmp_path: Path) -> None:
    slow = "src/test/java/com/example/slow/CyclicRefTest.java"
    before = {"pom.xml": POM, slow: TEST % "slow"}
    assert kinds(scan(cli, tmp_path, before, {slow: None})) == {
        ("test_removed", "CyclicRefTest::cyclicViaCollection")
    }


def test_a_check_dropped_from_an_excluded_test_weakens_no_run(cli: Cli, tmp_path: Path) -> None:
    before = {"pom.xml": POM, FAILING: TEST % "failing"}
    dropped = (TEST % "failing").replace('    assertEquals("[1]", mapper.writeValueAsString(list));\n', "")
    assert scan(cli, tmp_path, before, {FAILING: dropped}) == []
    # Without the exclude, the same edit loses a check.
    alone = tmp_path / "alone"
    alone.mkdir()
    found = scan(cli, alone, {FAILING: TEST % "failing"}, {FAILING: dropped})
    assert kinds(found) == {("assertion_removed", "CyclicRefTest::cyclicViaCollection")}


def test_a_test_moved_into_an_excluded_folder_ran_before_and_is_judged(cli: Cli, tmp_path: Path) -> None:
    dropped = (TEST % "failing").replace('    assertEquals("[1]", mapper.writeValueAsString(list));\n', "")
    found = scan(cli, tmp_path, {"pom.xml": POM, PLAIN: TEST % "deser"}, {PLAIN: None, FAILING: dropped})
    assert ("assertion_removed", "CyclicRefTest::cyclicViaCollection") in kinds(found)


def test_an_excluded_abstract_test_class_runs_in_its_subclasses(cli: Cli, tmp_path: Path) -> None:
    # commons-collections leaves `**/Abstract*.java` out of surefire: its contract tests run as
    # inherited methods of every implementation's test class, so a skip there switches them all off.
    pom = POM.replace("**/failing/**/*.java", "**/Abstract*.java")
    base = "src/test/java/com/example/AbstractMapTest.java"
    code = (TEST % "x").replace("public class CyclicRefTest", "public abstract class AbstractMapTest")
    skipped = code.replace("  @Test\n", "  @Test\n  @Disabled\n")
    found = scan(cli, tmp_path, {"pom.xml": pom, base: code}, {base: skipped})
    assert kinds(found) == {("skip_introduced", "AbstractMapTest::cyclicViaCollection")}
