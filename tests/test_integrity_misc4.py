"""Java equalities made of parts of the values (int-misc4), each as a small real git repository scanned
through the CLI: an equality of two values that both pass through a helper keeping part of them bounds,
and a comparison the old test made twice that comes back once as strong and once weaker accepts more."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


PATH = "src/test/java/a/StoreTest.java"

STORE_TEST = """package a;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

public class StoreTest {
%(helpers)s
  @Test
  public void storesToStream() throws Exception {
    final ByteArrayOutputStream expected = new ByteArrayOutputStream();
    final ByteArrayOutputStream actual = new ByteArrayOutputStream();
    Store.EMPTY.store(actual);
    new Store().store(expected);
    %(first)s;
    expected.reset();
    Store.OTHER.store(expected);
    %(second)s;
  }

  @Test
  public void clears() {
    assertEquals(0, Store.EMPTY.size());
  }
}
"""
BYTES = "assertArrayEquals(expected.toByteArray(), actual.toByteArray())"
HELPERS = """
  private String firstLine(final ByteArrayOutputStream out) {
    return text(out).split("\\\\R", 2)[0];
  }

  private String text(final ByteArrayOutputStream out) {
    return new String(out.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
  }
"""
FIRST_LINES = "assertEquals(firstLine(expected), firstLine(actual))"
TEXTS = "assertEquals(text(expected), text(actual))"


def _store(first: str, second: str, helpers: str = "") -> dict[str, str | None]:
    return {PATH: STORE_TEST % {"helpers": helpers, "first": first, "second": second}}


def test_an_equality_of_parts_of_the_values_is_a_weaker_check(cli: Cli, tmp_path: Path) -> None:
    # The bytes compared whole now compare only their first lines: the rest of the output may differ.
    found = scan(cli, tmp_path, _store(BYTES, BYTES), _store(FIRST_LINES, FIRST_LINES, HELPERS))
    assert kinds(found) == {("assertion_weakened", "StoreTest::storesToStream")}
    assert found[0]["details"]["strength_after"] == ["bound"]


def test_an_equality_of_the_values_converted_whole_is_as_strong(cli: Cli, tmp_path: Path) -> None:
    # Bytes -> the text they decode to: a conversion, not a part.
    assert scan(cli, tmp_path, _store(BYTES, BYTES), _store(TEXTS, TEXTS, HELPERS)) == []


def test_an_equality_through_a_narrowing_helper_on_one_side_only_is_not_read_as_parts(
    cli: Cli, tmp_path: Path
) -> None:
    # `firstLine(actual)` pinned to a literal is still an equality of a value the test states in full.
    pinned = 'assertEquals("# comment", firstLine(actual))'
    before = _store(pinned, pinned, HELPERS)
    after = _store(pinned, f"{pinned};\n    assertEquals(2, actual.size())", HELPERS)
    assert scan(cli, tmp_path, before, after) == []


def test_a_comparison_made_twice_that_comes_back_once_weaker_accepts_more(cli: Cli, tmp_path: Path) -> None:
    # The first copy became a whole-text equality, the second a first-line one: the second output is
    # no longer compared whole, though a check as strong as the old one stands beside it.
    found = scan(cli, tmp_path, _store(BYTES, BYTES), _store(TEXTS, FIRST_LINES, HELPERS))
    assert kinds(found) == {("assertion_weakened", "StoreTest::storesToStream")}
    assert found[0]["details"]["added"] == [FIRST_LINES]


@pytest.mark.parametrize("second", [TEXTS, BYTES])
def test_a_comparison_made_twice_that_comes_back_twice_as_strong_is_no_loss(
    cli: Cli, tmp_path: Path, second: str
) -> None:
    assert scan(cli, tmp_path, _store(BYTES, BYTES), _store(TEXTS, second, HELPERS)) == []


NAMES_TEST = """package a;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import org.junit.Test;

public class NamesTest {
  @Test public void equalsAndHashCode() {
    %(helper)s(Name.get("a"), Name.get("a"));
    %(helper)s(Name.get("b"), Name.get("b"));%(extra)s
  }

  private void %(helper)s(Name a, Name b) {
    assertEquals(a.toString(), b.toString());
    assertEquals(a.hashCode(), b.hashCode());
  }
}
"""
DIFFERS = '\n    assertNotEquals(Name.get("a"), Name.get("b"));'


def _names(helper: str, extra: str = "") -> dict[str, str | None]:
    return {"src/test/java/a/NamesTest.java": NAMES_TEST % {"helper": helper, "extra": extra}}


def test_a_check_dropped_while_the_helper_is_renamed_is_lost(cli: Cli, tmp_path: Path) -> None:
    # The renamed helper's calls are the old ones under a new name: they take no other check's place.
    found = scan(cli, tmp_path, _names("assertSameName", DIFFERS), _names("check"))
    assert kinds(found) == {("assertion_removed", "NamesTest::equalsAndHashCode")}


def test_a_renamed_helper_alone_is_no_loss(cli: Cli, tmp_path: Path) -> None:
    assert scan(cli, tmp_path, _names("assertSameName", DIFFERS), _names("check", DIFFERS)) == []


def test_a_check_moved_into_a_helper_called_with_new_arguments_is_no_loss(cli: Cli, tmp_path: Path) -> None:
    # The new helper call is no repeat of an old one: the dropped check may live in it.
    after = _names("check", '\n    check(Name.get("a"), Name.get("c"));')
    assert scan(cli, tmp_path, _names("assertSameName", DIFFERS), after) == []


FAILS_TEST = """package a;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

public class GetTest {
  @Test
  public void outOfRange() {
%s
  }
}
"""
TRY_FAIL = """    try {
      Util.get(list, %s);
      fail("Expecting IndexOutOfBoundsException.");
    } catch (final IndexOutOfBoundsException e) {
      // expected
    }"""
THROWS = '    assertThrows(%s.class, () -> Util.get(list, %s), "Expecting IndexOutOfBoundsException.");'


def test_fail_after_each_call_ported_to_assert_throws_is_no_lost_copy(cli: Cli, tmp_path: Path) -> None:
    # The same `fail("...")` after two calls, ported to two `assertThrows`: the failure expectations pair
    # by their own rule, however the copies come back.
    before = {"src/test/java/a/GetTest.java": FAILS_TEST % (TRY_FAIL % "-1" + "\n" + TRY_FAIL % "2")}
    after_text = THROWS % ("IndexOutOfBoundsException", "-1") + "\n" + THROWS % ("RuntimeException", "2")
    assert scan(cli, tmp_path, before, {"src/test/java/a/GetTest.java": FAILS_TEST % after_text}) == []


EXTRA = """package a;

public class Extra {
  public static Name get(String text) {
    return Name.get(text + "!");
  }
}
"""


def test_a_removed_three_letter_method_does_not_explain_a_check_of_another_types_overload(
    cli: Cli, tmp_path: Path
) -> None:
    # `Extra.get` leaves the code with its file; the dropped check calls `Name.get`, which stays.
    before = {**_names("assertSameName", DIFFERS), "src/main/java/a/Extra.java": EXTRA}
    after = {**_names("check"), "src/main/java/a/Extra.java": None}
    found = scan(cli, tmp_path, before, after)
    assert kinds(found) == {("assertion_removed", "NamesTest::equalsAndHashCode")}
