"""Classes of real Java commits that misled the integrity detectors, each as a small real git repository
scanned through the CLI (`integrity scan --base C^ --head C`): the look-alikes raise nothing, the real
losses are still named."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- 1. try/fail/catch and its lambda forms check alike

TRY_FAIL_CATCH = """
import org.junit.Test;

public class StackTest {
  @Test
  public void equality_fails() {
    try {
      assertThat(stack.peek()).isEqualTo(other.peek());
      fail("Should have failed.");
    } catch (AssertionError e) {
      assertFailureKeys(e, "expected", "but was");
      assertThat(e).hasMessageThat().contains("differ");
    }
  }

  @Test
  public void size_fails() {
    try {
      assertThat(stack).hasSize(3);
      fail();
    } catch (AssertionError expected) {
      assertFailureValue(expected, "expected", "3");
    }
  }

  @Test
  public void pop_throws() {
    try {
      assertThat(stack.pop()).isNotNull();
      fail();
    } catch (AssertionFailedError expected) {
      assertThat(expected).hasMessageThat().contains("empty");
    }
  }
}
"""

LAMBDA_FORMS = """
import org.junit.Test;

public class StackTest {
  @Test
  public void equality_fails() {
    AssertionError e =
        expectFailure(whenTesting -> whenTesting.that(stack.peek()).isEqualTo(other.peek()));
    assertFailureKeys(e, "expected", "but was");
    assertThat(e).hasMessageThat().contains("differ");
  }

  @Test
  public void size_fails() {
    AssertionError expected =
        ExpectFailure.expectFailureAbout(stacks(), whenTesting -> whenTesting.that(stack).hasSize(3));
    assertFailureValue(expected, "expected", "3");
  }

  @Test
  public void pop_throws() {
    AssertionFailedError expected =
        assertThrows(AssertionFailedError.class, () -> assertThat(stack.pop()).isNotNull());
    assertThat(expected).hasMessageThat().contains("empty");
  }
}
"""


def test_try_fail_catch_becomes_a_failure_expectation(cli: Cli, tmp_path: Path) -> None:
    # The assertion in the try (or the lambda) is the call that must fail, not a check; `fail()` and
    # `expectFailure`/`assertThrows` both say "it fails", and the caught failure's checks stay.
    path = "src/test/java/a/StackTest.java"
    assert scan(cli, tmp_path, {path: TRY_FAIL_CATCH}, {path: LAMBDA_FORMS}) == []


def test_a_check_of_the_caught_failure_lost_in_the_port_is_named(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/StackTest.java"
    after = LAMBDA_FORMS.replace('    assertThat(e).hasMessageThat().contains("differ");\n', "")
    found = scan(cli, tmp_path, {path: TRY_FAIL_CATCH}, {path: after})
    assert kinds(found) == {("assertion_removed", "StackTest::equality_fails")}


def test_a_try_that_catches_no_assertion_failure_keeps_its_checks(cli: Cli, tmp_path: Path) -> None:
    # `catch (IllegalStateException e)` does not catch a failed assertion: the checks in the try are
    # real, and dropping one is a loss.
    path = "src/test/java/a/StackTest.java"
    before = TRY_FAIL_CATCH.replace("AssertionFailedError expected", "IllegalStateException expected")
    after = before.replace("      assertThat(stack.pop()).isNotNull();\n", "      stack.pop();\n")
    found = scan(cli, tmp_path, {path: before}, {path: after})
    assert kinds(found) == {("assertion_removed", "StackTest::pop_throws")}


# ------------------------------------ 2. an exception that became a failure, checked by split successors

TOLERANCE_THROWS = """
import org.junit.Test;

public class ToleranceTest {
  @Test
  public void infiniteTolerances() {
    IllegalArgumentException iae =
        assertThrows(IllegalArgumentException.class, () -> assertThat(1.0).isWithin(INFINITY).of(1.0));
    assertThat(iae).hasMessageThat().isEqualTo("tolerance cannot be infinite");
  }
}
"""

TOLERANCE_FAILS = """
import org.junit.Test;

public class ToleranceTest {
  @Test
  public void positiveInfinityTolerances() {
    AssertionError e = expectFailure(whenTesting -> whenTesting.that(1.0).isWithin(INFINITY).of(1.0));
    assertFailureKeys(e, "tolerance is not finite", "expected", "was");
  }

  @Test
  public void negativeInfinityTolerances() {
    AssertionError e = expectFailure(whenTesting -> whenTesting.that(1.0).isWithin(-INFINITY).of(1.0));
    assertFailureKeys(e, "tolerance is not finite", "expected", "was");
  }
}
"""


def test_a_test_of_an_exception_split_into_tests_of_the_failure_that_replaced_it(
    cli: Cli, tmp_path: Path
) -> None:
    # The call now fails instead of throwing: the closely named successors expect the failure and
    # check its facts (by a helper whose strength is unknown) where the old test checked a message.
    path = "src/test/java/a/ToleranceTest.java"
    assert scan(cli, tmp_path, {path: TOLERANCE_THROWS}, {path: TOLERANCE_FAILS}) == []


def test_a_successor_that_expects_the_failure_but_checks_nothing_of_it_does_not_replace(
    cli: Cli, tmp_path: Path
) -> None:
    path = "src/test/java/a/ToleranceTest.java"
    facts = '    assertFailureKeys(e, "tolerance is not finite", "expected", "was");\n'
    after = TOLERANCE_FAILS.replace("AssertionError e = ", "").replace(facts, "")
    found = scan(cli, tmp_path, {path: TOLERANCE_THROWS}, {path: after})
    assert kinds(found) == {("test_removed", "ToleranceTest::infiniteTolerances")}


# ------------------------------------------------------------- 3. a cast dropped from a renamed test

CAST_BEFORE = """
import org.junit.Test;

public final class CallbackTest {
  @Test
  public void testExpectFailureAbout() {
    expectFailureAbout(
        StringSubject::new,
        (SimpleSubjectBuilderCallback<StringSubject, String>)
            whenTesting -> whenTesting.that("foo").contains("bar"));
  }
}
"""

CAST_AFTER = """
import org.junit.Test;

public final class CallbackTest {
  @Test
  public void subjectFactory() {
    expectFailureAbout(StringSubject::new, whenTesting -> whenTesting.that("foo").contains("bar"));
  }
}
"""


def test_a_renamed_test_that_drops_a_needless_cast_lives_on(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/CallbackTest.java"
    assert scan(cli, tmp_path, {path: CAST_BEFORE}, {path: CAST_AFTER}) == []


# ------------------------------- 4. expected= on the annotation, an anonymous callable, isEqualTo(true)

EXPECTED_BEFORE = """
import org.junit.Test;

public class VerifyTest {
  @Test(expected = AssertionError.class)
  public void fails_on_other_argument() {
    mock.take("not null");
    verify(mock).take(eq(null));
  }

  @Test
  public void fails_on_method_argument() {
    verify(mock).clear();
    assertThatThrownBy(
            new ThrowingCallable() {
              @Override
              public void call() {
                verify(mock).add("bar");
              }
            })
        .isInstanceOf(ArgumentsAreDifferent.class);
  }

  @Test
  public void injects_by_constructor() {
    assertThat(holder.initializedWithConstructor).isEqualTo(true);
  }

  @Test
  public void reads_booleans() {
    assertThat(gson.fromJson("1", Boolean.class)).isEqualTo(Boolean.TRUE);
  }

  @Test(expected = IllegalStateException.class)
  public void reports_its_own_failure() {
    mock.take("x");
    throw new IllegalStateException("hey!");
  }
}
"""

EXPECTED_AFTER = """
import org.junit.Test;

public class VerifyTest {
  @Test
  public void fails_on_other_argument() {
    mock.take("not null");
    assertThatThrownBy(() -> verify(mock).take(eq(null)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Argument(s) are different!");
  }

  @Test
  public void fails_on_method_argument() {
    verify(mock).clear();
    assertThatThrownBy(() -> verify(mock).add("bar")).isInstanceOf(ArgumentsAreDifferent.class);
  }

  @Test
  public void injects_by_constructor() {
    assertThat(holder.initializedWithConstructor).isTrue();
  }

  @Test
  public void reads_booleans() {
    assertThat(gson.fromJson("1", Boolean.class)).isEqualTo(true);
  }

  @Test(expected = IllegalStateException.class)
  public void reports_its_own_failure() {
    mock.take("x");
    throw new IllegalStateException("hey!");
  }
}
"""


def test_ports_off_expected_and_anonymous_callables_keep_their_checks(cli: Cli, tmp_path: Path) -> None:
    # `@Test(expected = AssertionError.class)` is the failure expectation that `assertThatThrownBy(...)
    # .isInstanceOf(AssertionError.class)` spells out; the anonymous class's `call() {` is no call of a
    # helper; `isEqualTo(true)` says what `isTrue()` and `isEqualTo(Boolean.TRUE)` say.
    path = "src/test/java/a/VerifyTest.java"
    assert scan(cli, tmp_path, {path: EXPECTED_BEFORE}, {path: EXPECTED_AFTER}) == []


def test_an_expected_exception_dropped_with_the_failure_it_expected_is_named(
    cli: Cli, tmp_path: Path
) -> None:
    path = "src/test/java/a/VerifyTest.java"
    after = EXPECTED_AFTER.replace("@Test(expected = IllegalStateException.class)", "@Test").replace(
        '    throw new IllegalStateException("hey!");\n', ""
    )
    found = scan(cli, tmp_path, {path: EXPECTED_BEFORE}, {path: after})
    assert {(s["signal_type"], s["test_name"], s["severity"]) for s in found} == {
        ("assertion_removed", "VerifyTest::reports_its_own_failure", "high")
    }


# ------------------------------------------------ 5. a skip decided in a helper of the file moves inline

SKIP_HELPER_BEFORE = """
import org.junit.Test;

public class ValuesTest {
  @Test
  public void returns_empty_duration() throws Exception {
    Class<?> type = getClassOrSkipTest("java.time.Duration");
    assertEquals(Duration.ZERO, values.returnValueFor(type));
  }

  @Test
  public void returns_empty_stream() throws Exception {
    verifyEmptyStream("java.util.stream.Stream");
  }

  private void verifyEmptyStream(String name) throws Exception {
    Class<?> type = getClassOrSkipTest(name);
    assertEquals(0, ((Stream<?>) values.returnValueFor(type)).count());
  }

  private Class<?> getClassOrSkipTest(String className) {
    try {
      return Class.forName(className);
    } catch (ClassNotFoundException e) {
      Assume.assumeNoException("JVM does not support " + className, e);
      return null;
    }
  }
}
"""

SKIP_HELPER_AFTER = """
import org.junit.Test;

public class ValuesTest {
  @Test
  public void returns_empty_duration() throws Exception {
    assumeThat("JDK 8+ required", isJavaVersionAtLeast(8), is(true));
    Class<?> type = Class.forName("java.time.Duration");
    assertEquals(Duration.ZERO, values.returnValueFor(type));
  }

  @Test
  public void returns_empty_stream() throws Exception {
    verifyEmptyStream("java.util.stream.Stream");
  }

  private void verifyEmptyStream(String name) throws Exception {
    assumeThat("JDK 8+ required", isJavaVersionAtLeast(8), is(true));
    Class<?> type = Class.forName(name);
    assertEquals(0, ((Stream<?>) values.returnValueFor(type)).count());
  }

  private static boolean isJavaVersionAtLeast(int version) {
    return Runtime.version().feature() >= version;
  }
}
"""


def test_a_skip_helper_of_the_file_becoming_an_inline_assumption_is_no_new_skip(
    cli: Cli, tmp_path: Path
) -> None:
    path = "src/test/java/a/ValuesTest.java"
    assert scan(cli, tmp_path, {path: SKIP_HELPER_BEFORE}, {path: SKIP_HELPER_AFTER}) == []


def test_a_test_that_newly_calls_a_skip_helper_is_newly_skipped(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/ValuesTest.java"
    before = SKIP_HELPER_BEFORE.replace(
        'Class<?> type = getClassOrSkipTest("java.time.Duration");', "Class<?> type = Duration.class;"
    )
    found = scan(cli, tmp_path, {path: before}, {path: SKIP_HELPER_BEFORE})
    assert kinds(found) == {("skip_introduced", "ValuesTest::returns_empty_duration")}


# ------------------------------------- 6. Mockito's verifyNoInteractions and kin are checks of their own

INTERACTIONS = """
import org.junit.Test;

public class ResetTest {
  @Test
  public void stubbing_is_no_interaction() {
    when(mock.simpleMethod("one")).thenThrow(new RuntimeException());
    reset(mock);
    verifyZeroInteractions(mock);
  }

  @Test
  public void stubbing_is_no_interaction_verify_no_interactions() {
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
}
"""


def test_a_deleted_test_of_verify_zero_interactions_is_not_kept_alive_by_its_no_interactions_twin(
    cli: Cli, tmp_path: Path
) -> None:
    # verifyZeroInteractions fails the test: it is the check, and the twin checks another call.
    path = "src/test/java/a/ResetTest.java"
    start = INTERACTIONS.index("  @Test\n  public void stubbing_is_no_interaction() {")
    end = INTERACTIONS.index("  @Test\n  public void stubbing_is_no_interaction_verify")
    after = INTERACTIONS[:start] + INTERACTIONS[end:]
    found = scan(cli, tmp_path, {path: INTERACTIONS}, {path: after})
    assert kinds(found) == {("test_removed", "ResetTest::stubbing_is_no_interaction")}


# ------------------------------------------- 7. a test class moved into Gradle's testFixtures stops running

LOADER_TEST = """
import org.junit.Test;

public class ClassLoadersTest {
  @Test
  public void isolates_classes() {
    assertThat(isolated().loadClass("a.B")).isNotSameAs(B.class);
  }
}
"""


def test_a_test_class_moved_into_test_fixtures_no_longer_runs(cli: Cli, tmp_path: Path) -> None:
    # The testFixtures source set is compiled for other modules' tests and never run itself.
    old, new = (
        "core/src/test/java/u/ClassLoadersTest.java",
        "core/src/testFixtures/java/u/ClassLoadersTest.java",
    )
    found = scan(cli, tmp_path, {old: LOADER_TEST}, {old: None, new: LOADER_TEST})
    assert kinds(found) == {("test_removed", "ClassLoadersTest::isolates_classes")}
    # Moved within the test source set, it still runs.
    moved = "core/src/test/java/v/ClassLoadersTest.java"
    assert scan(cli, tmp_path / "moved", {old: LOADER_TEST}, {old: None, moved: LOADER_TEST}) == []
