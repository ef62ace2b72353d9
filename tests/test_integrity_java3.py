"""Java tests of an API that the same commit removes from the code, each as a small real git repository
scanned through the CLI: a check of one alternative dropped while the same check of another stays is
no loss, and a deleted test of the removed API is not kept alive by an older test of the API that stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


MOCKITO = """package a;

public class Mockito {
  public static void verifyNoInteractions(Object... mocks) {
    check(mocks);
  }
%s}
"""
ZERO_INTERACTIONS = """
  public static void verifyZeroInteractions(Object... mocks) {
    check(mocks);
  }
"""
PLUGIN = "package a;\n\npublic interface %s {\n  Object make();\n}\n"

# ---------------------------------------- 1. the check of the removed alternative, beside its kept twin

PLUGINS_TEST = """package a;

import org.junit.Test;

public class PluginsTest {
  @Test
  public void provides_plugins() {
    assertEquals(Maker.class, plugins.getDefaultPlugin(MockMaker.class).getClass());
    assertNotNull(plugins.getDefaultPlugin(InstantiatorProvider.class));
    assertNotNull(plugins.getDefaultPlugin(InstantiatorProvider2.class));
  }

  @Test
  public void detects_unfinished_stubbing() {
    when(mock.simpleMethod());
    detectsAndCleansUp(new OnVerifyZeroInteractions(), UnfinishedStubbingException.class);
    when(mock.simpleMethod());
    detectsAndCleansUp(new OnVerifyNoInteractions(), UnfinishedStubbingException.class);
  }

  private void detectsAndCleansUp(DetectsInvalidState detector, Class<?> expected) {
    try {
      detector.detect(mock);
      fail("no failure");
    } catch (Exception e) {
      assertEquals(expected, e.getClass());
    }
  }
}
"""


def _without(text: str, *lines: str) -> str:
    for line in lines:
        assert line in text
        text = text.replace(line, "", 1)
    return text


def _api_removal(plugins_test_after: str) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The code deletes InstantiatorProvider and verifyZeroInteractions; the test file goes from
    PLUGINS_TEST to `plugins_test_after`."""
    before: dict[str, str | None] = {
        "src/main/java/a/Mockito.java": MOCKITO % ZERO_INTERACTIONS,
        "src/main/java/a/InstantiatorProvider.java": PLUGIN % "InstantiatorProvider",
        "src/main/java/a/InstantiatorProvider2.java": PLUGIN % "InstantiatorProvider2",
        "src/test/java/a/PluginsTest.java": PLUGINS_TEST,
    }
    after: dict[str, str | None] = {
        "src/main/java/a/Mockito.java": MOCKITO % "",
        "src/main/java/a/InstantiatorProvider.java": None,
        "src/test/java/a/PluginsTest.java": plugins_test_after,
    }
    return before, after


DROPPED = _without(
    PLUGINS_TEST,
    "    assertNotNull(plugins.getDefaultPlugin(InstantiatorProvider.class));\n",
    "    when(mock.simpleMethod());\n"
    "    detectsAndCleansUp(new OnVerifyZeroInteractions(), UnfinishedStubbingException.class);\n",
)


def test_a_check_of_a_removed_api_dropped_beside_the_same_check_of_the_kept_one_is_no_loss(
    cli: Cli, tmp_path: Path
) -> None:
    # InstantiatorProvider's file is deleted, verifyZeroInteractions leaves Mockito.java: the checks of
    # them go, while the same checks of InstantiatorProvider2 and verifyNoInteractions stay.
    before, after = _api_removal(DROPPED)
    assert scan(cli, tmp_path, before, after) == []


def test_the_same_checks_dropped_while_the_api_stays_are_still_lost(cli: Cli, tmp_path: Path) -> None:
    # Nothing leaves the code: a kept look-alike check does not make up for the dropped ones.
    before, after = _api_removal(DROPPED)
    after = {"src/test/java/a/PluginsTest.java": DROPPED}
    found = scan(cli, tmp_path, before, after)
    assert kinds(found) == {
        ("assertion_removed", "PluginsTest::provides_plugins"),
        ("assertion_removed", "PluginsTest::detects_unfinished_stubbing"),
    }


def test_a_dropped_check_that_differs_from_the_kept_one_in_more_than_the_removed_name_is_lost(
    cli: Cli, tmp_path: Path
) -> None:
    # The kept check asks for another plugin *and* another thing of it: not the same check.
    test = PLUGINS_TEST.replace(
        "assertNotNull(plugins.getDefaultPlugin(InstantiatorProvider2.class));",
        "assertNotNull(plugins.getDefaultPlugin(InstantiatorProvider2.class).make());",
    )
    dropped = _without(test, "    assertNotNull(plugins.getDefaultPlugin(InstantiatorProvider.class));\n")
    before, after = _api_removal(dropped)
    before["src/test/java/a/PluginsTest.java"] = test
    found = scan(cli, tmp_path, before, after)
    assert kinds(found) == {("assertion_removed", "PluginsTest::provides_plugins")}


# ---------------------------------- 2. a deleted test of the removed API and its older twin of the kept API

RESET_TEST = """package a;

import org.junit.Test;

public class ResetTest {
  @Test
  public void stubbing_is_no_interaction() {
    when(mock.simpleMethod("one")).thenThrow(new RuntimeException());
    reset(mock);
    verifyZeroInteractions(mock);
  }

  @Test
  public void stubbing_is_no_interaction_no_interactions() {
    when(mock.simpleMethod("one")).thenThrow(new RuntimeException());
    reset(mock);
    verifyNoInteractions(mock);
  }

  @Test
  public void removes_all_interactions() {
    mock.simpleMethod(1);
    reset(mock);
    verifyZeroInteractions(mock);
  }

  @Test
  public void accepts_null_in_any_object() {
    when(mock.oneArg((Object) anyObject())).thenReturn("matched");
    assertEquals(null, mock.forObject(null));
  }

  @Test
  public void accepts_null_in_any() {
    when(mock.oneArg((Object) any())).thenReturn("matched");
    assertEquals(null, mock.forObject(null));
  }
}
"""
RESET_AFTER = _without(
    RESET_TEST,
    """  @Test
  public void stubbing_is_no_interaction() {
    when(mock.simpleMethod("one")).thenThrow(new RuntimeException());
    reset(mock);
    verifyZeroInteractions(mock);
  }

""",
    """  @Test
  public void accepts_null_in_any_object() {
    when(mock.oneArg((Object) anyObject())).thenReturn("matched");
    assertEquals(null, mock.forObject(null));
  }

""",
).replace("reset(mock);\n    verifyZeroInteractions(mock);", "reset(mock);\n    verifyNoInteractions(mock);")
ANY_OBJECT = """
  public static Object anyObject() {
    return any();
  }
"""


def test_a_deleted_test_of_a_removed_api_is_not_kept_alive_by_an_older_test_of_the_kept_one(
    cli: Cli, tmp_path: Path
) -> None:
    # The older tests check only that verifyNoInteractions and any() work: the tests of
    # verifyZeroInteractions and anyObject went with them, which the test edited to the kept API
    # (`removes_all_interactions`) and the twin that differs in the alias only do not make up for.
    code = "src/main/java/a/Mockito.java"
    path = "src/test/java/a/ResetTest.java"
    assert "verifyZeroInteractions" not in RESET_AFTER
    # While the code keeps both aliases, the tests of one live on in the tests of the other.
    assert scan(cli, tmp_path / "kept", {path: RESET_TEST}, {path: RESET_AFTER}) == []
    found = scan(
        cli,
        tmp_path / "removed",
        {code: MOCKITO % (ZERO_INTERACTIONS + ANY_OBJECT), path: RESET_TEST},
        {code: MOCKITO % "", path: RESET_AFTER},
    )
    assert kinds(found) == {
        ("test_removed", "ResetTest::stubbing_is_no_interaction"),
        ("test_removed", "ResetTest::accepts_null_in_any_object"),
    }


def test_a_deleted_test_of_a_removed_api_ported_to_a_new_test_lives_on(cli: Cli, tmp_path: Path) -> None:
    # The change itself writes the test of the API that stays: a port, nothing lost.
    code = "src/main/java/a/Mockito.java"
    path = "src/test/java/a/ResetTest.java"
    only_zero = _without(
        RESET_TEST,
        """  @Test
  public void stubbing_is_no_interaction_no_interactions() {
    when(mock.simpleMethod("one")).thenThrow(new RuntimeException());
    reset(mock);
    verifyNoInteractions(mock);
  }
""",
    )
    found = scan(
        cli,
        tmp_path,
        {code: MOCKITO % ZERO_INTERACTIONS, path: only_zero},
        {code: MOCKITO % "", path: RESET_AFTER},
    )
    assert found == []


# ----------------------------------------- 3. a test program: the main of a test class no runner runs

NO_RUNNER_TEST = """package a;

public final class NoJUnitTest {
  public static void main(String[] args) {
    try {
      assertThat("a").isEqualTo("b");
      throw new Error("assertion should have failed");
    } catch (AssertionError expected) {
      assertThat(facts(expected).get(0).getKey()).isEqualTo("expected");
    }
  }

  private NoJUnitTest() {}
}
"""


def test_a_deleted_test_program_of_a_test_class_is_a_removed_test(cli: Cli, tmp_path: Path) -> None:
    # A script runs its main with no JUnit on the class path; deleting it drops what it checked.
    path = "core/src/test/java/a/NoJUnitTest.java"
    found = scan(cli, tmp_path, {path: NO_RUNNER_TEST}, {path: None})
    assert kinds(found) == {("test_removed", "NoJUnitTest::main")}
    # The main of a class not named as a test (a tool, a benchmark launcher) is no test.
    tool = "core/src/test/java/a/NoJUnitTool.java"
    program = NO_RUNNER_TEST.replace("NoJUnitTest", "NoJUnitTool")
    assert scan(cli, tmp_path / "tool", {tool: program}, {tool: None}) == []
    # Beside annotated tests, main is a launcher, not a test: deleting the file drops the tests only.
    annotated = NO_RUNNER_TEST.replace(
        "  private NoJUnitTest() {}",
        '  @Test\n  public void runs() {\n    assertThat("a").isEqualTo("a");\n  }',
    )
    found = scan(cli, tmp_path / "annotated", {path: annotated}, {path: None})
    assert kinds(found) == {("test_removed", "NoJUnitTest::runs")}


# ------------------------------- 4. a test of a refusal replaced by a test of the call now accepted

REFUSAL = """package a;

import org.junit.Test;

public final class TypeSpecTest {
  @Test public void enumConstantsRequired() throws Exception {
    try {
      TypeSpec.enumBuilder("Roshambo")
          .build();
      fail();
    } catch (IllegalArgumentException expected) {
    }
  }

  @Test public void onlyEnumsMayHaveEnumConstants() throws Exception {
    assertThat(TypeSpec.classBuilder("Taco").build().enumConstants).isEmpty();
  }
}
"""
ACCEPTED = """
  @Test public void noEnumConstants() throws Exception {
    TypeSpec roshambo = TypeSpec.enumBuilder("Roshambo")
        .addField(String.class, "NO_ENUM", Modifier.STATIC)
        .build();
    assertThat(toString(roshambo)).isEqualTo("enum Roshambo {\\n  ;\\n  static String NO_ENUM;\\n}\\n");
  }
"""


def _accepting(test: str) -> str:
    start = REFUSAL.index("  @Test public void enumConstantsRequired()")
    end = REFUSAL.index("  @Test public void onlyEnums")
    return REFUSAL[:start] + test.lstrip("\n") + "\n" + REFUSAL[end:]


def test_a_test_of_a_refusal_replaced_by_one_of_the_same_call_now_accepted_is_no_loss(
    cli: Cli, tmp_path: Path
) -> None:
    # Enums without constants become valid: the new test builds the same enum and pins its output.
    path = "src/test/java/a/TypeSpecTest.java"
    assert scan(cli, tmp_path, {path: REFUSAL}, {path: _accepting(ACCEPTED)}) == []


def test_a_test_of_a_refusal_beside_a_new_test_of_other_input_is_lost(cli: Cli, tmp_path: Path) -> None:
    # The new test builds another enum: the refusal of "Roshambo" is checked nowhere any more.
    path = "src/test/java/a/TypeSpecTest.java"
    other = ACCEPTED.replace('enumBuilder("Roshambo")', 'enumBuilder("Taco")')
    found = scan(cli, tmp_path, {path: REFUSAL}, {path: _accepting(other)})
    assert kinds(found) == {("test_removed", "TypeSpecTest::enumConstantsRequired")}
    # A new test that makes the call and pins nothing of what it returns replaces nothing either.
    unpinned = ACCEPTED.replace("assertThat(toString(roshambo)).isEqualTo(", "assertNotNull(").replace(
        '"enum Roshambo {\\n  ;\\n  static String NO_ENUM;\\n}\\n")', "roshambo)"
    )
    assert "assertNotNull(roshambo);" in unpinned
    found = scan(cli, tmp_path / "unpinned", {path: REFUSAL}, {path: _accepting(unpinned)})
    assert kinds(found) == {("test_removed", "TypeSpecTest::enumConstantsRequired")}
