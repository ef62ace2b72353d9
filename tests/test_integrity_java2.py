"""More classes of real Java commits that misled the integrity detectors (JUnit 4/5, AssertJ idioms), each
as a small real git repository scanned through the CLI: the look-alikes raise nothing, the real losses
are still named."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


PATH = "src/test/java/a/UtilsTest.java"


def java_class(body: str, imports: str = "import org.junit.jupiter.api.Test;\n") -> str:
    return f"package a;\n\n{imports}\npublic class UtilsTest {{\n{body}}}\n"


# ------------------------------------------ 1. a call with explicit type arguments is not a local helper

TYPED_CALLS = """
  @Test
  public void testUnionIsSymmetric() {
    final Collection<Number> left = CollectionUtils.<Number>union(a, b);
    assertTrue(CollectionUtils.isEqualCollection(left, CollectionUtils.union(b, a)));
  }
"""

UNION_HELPER_NAMED_LIKE_A_TEST = """
  @Test
  public void union() {
    assertEquals(3, CollectionUtils.union(a, b).size());
  }
"""


def test_a_call_with_type_arguments_is_no_call_of_a_same_named_test(cli: Cli, tmp_path: Path) -> None:
    # `CollectionUtils.<Number>union(a, b)` calls the library's union, not the test method `union()`
    # of the file: renaming that test (`union` -> `testUnion`) leaves the other test's checks alone.
    before = java_class(TYPED_CALLS + UNION_HELPER_NAMED_LIKE_A_TEST)
    renamed = UNION_HELPER_NAMED_LIKE_A_TEST.replace("void union()", "void testUnion()")
    after = java_class(TYPED_CALLS + renamed)
    assert scan(cli, tmp_path, {PATH: before}, {PATH: after}) == []


def test_a_check_lost_beside_typed_calls_is_still_named(cli: Cli, tmp_path: Path) -> None:
    before = java_class(TYPED_CALLS + UNION_HELPER_NAMED_LIKE_A_TEST)
    check = "assertTrue(CollectionUtils.isEqualCollection(left, CollectionUtils.union(b, a)));"
    after = before.replace(check, "")
    found = scan(cli, tmp_path, {PATH: before}, {PATH: after})
    assert kinds(found) == {("assertion_removed", "UtilsTest::testUnionIsSymmetric")}


# ------------------------------------------------- 2. a test's checks moved into an overload of its name

TOUCH = """
  @Test
  void testTouch() throws IOException {
    assertThrows(NullPointerException.class, () -> PathUtils.touch(null));
    final Path file = dir.resolve("touch.txt");
    PathUtils.touch(file);
    assertTrue(Files.exists(file), "touch() created file");
    assertEquals(0, Files.size(file));
  }
"""

TOUCH_BY_OVERLOAD = """
  @Test
  void testTouch() throws IOException {
    testTouch(PathUtils::touch);
  }

  private void testTouch(final IOConsumer<Path> toucher) throws IOException {
    assertThrows(NullPointerException.class, () -> PathUtils.touch(null));
    final Path file = dir.resolve("touch.txt");
    toucher.accept(file);
    assertTrue(Files.exists(file), "touch() created file");
    assertEquals(0, Files.size(file));
  }

  @Test
  void testTouchFileTime() throws IOException {
    testTouch(p -> PathUtils.touch(p, FileTimes.now()));
  }
"""


def test_checks_moved_into_an_overload_of_the_test_name_are_kept(cli: Cli, tmp_path: Path) -> None:
    # `testTouch()` -> `testTouch(PathUtils::touch)`: the checks moved into a private overload that
    # both this test and a new one call, as into a helper of any other name.
    assert scan(cli, tmp_path, {PATH: java_class(TOUCH)}, {PATH: java_class(TOUCH_BY_OVERLOAD)}) == []


def test_a_test_that_stops_calling_its_overload_lost_its_checks(cli: Cli, tmp_path: Path) -> None:
    after = TOUCH_BY_OVERLOAD.replace("    testTouch(PathUtils::touch);\n", "    PathUtils.touch(file());\n")
    found = scan(cli, tmp_path, {PATH: java_class(TOUCH)}, {PATH: java_class(after)})
    assert kinds(found) == {("assertion_removed", "UtilsTest::testTouch")}


# ------------------------------------------ 3. a value check of a call became an expectation that it throws

READ_AFTER_CLOSE = """
  @Test
  void testReadAfterClose() throws Exception {
    try (InputStream stream = new NullInputStream()) {
      stream.close();
      assertEquals(0, stream.read(new byte[0], 0, 1));
      assertEquals(0, stream.read(new byte[1], 0, 0));
    }
  }
"""

FIND_TRY_FAIL = """
  @Test
  public void testFind() {
    assertEquals(2, IteratorUtils.find(items.iterator(), two));
    try {
      assertNull(IteratorUtils.find(items.iterator(), null));
      fail("expecting NullPointerException");
    } catch (final NullPointerException npe) {
      // expected
    }
  }
"""


def test_a_value_check_now_expecting_the_call_to_throw_follows_the_code(cli: Cli, tmp_path: Path) -> None:
    # `assertEquals(0, stream.read(b, 0, 1))` -> `assertThrows(IndexOutOfBoundsException.class, () ->
    # stream.read(b, 0, 1))`: the code now validates its arguments, and the test pins the new outcome.
    after = READ_AFTER_CLOSE.replace(
        "assertEquals(0, stream.read(new byte[0], 0, 1));",
        "assertThrows(IndexOutOfBoundsException.class, () -> stream.read(new byte[0], 0, 1));",
    )
    assert scan(cli, tmp_path, {PATH: java_class(READ_AFTER_CLOSE)}, {PATH: java_class(after)}) == []


def test_a_try_fail_catch_around_a_check_ported_to_assert_throws_is_no_loss(cli: Cli, tmp_path: Path) -> None:
    # The assertNull in the try is the call that must throw (`fail()` follows it): the JUnit 5 port
    # `assertThrows(NullPointerException.class, () -> find(...))` expects the same throw.
    after = FIND_TRY_FAIL.replace(
        """    try {
      assertNull(IteratorUtils.find(items.iterator(), null));
      fail("expecting NullPointerException");
    } catch (final NullPointerException npe) {
      // expected
    }
""",
        """    assertThrows(NullPointerException.class, () -> IteratorUtils.find(items.iterator(), null),
        "expecting NullPointerException");
""",
    )
    assert scan(cli, tmp_path, {PATH: java_class(FIND_TRY_FAIL)}, {PATH: java_class(after)}) == []


def test_a_value_check_replaced_by_a_throw_of_other_arguments_is_weakened(cli: Cli, tmp_path: Path) -> None:
    after = READ_AFTER_CLOSE.replace(
        "assertEquals(0, stream.read(new byte[0], 0, 1));",
        "assertThrows(IndexOutOfBoundsException.class, () -> stream.read(new byte[2], 0, 3));",
    )
    found = scan(cli, tmp_path, {PATH: java_class(READ_AFTER_CLOSE)}, {PATH: java_class(after)})
    assert kinds(found) == {("assertion_weakened", "UtilsTest::testReadAfterClose")}


# ------------------------------- 4. the skip annotation of the other JUnit generation is not read

QUEUE = """
  @Test
  @Ignore("Run once")
  public void testCreate() throws Exception {
    writeExternalFormToDisk(makeObject(), "queue.obj");
  }

  @Test
  public void testSize() {
    assertEquals(0, makeObject().size());
  }
"""
JUPITER_WITH_IGNORE = "import org.junit.Ignore;\nimport org.junit.jupiter.api.Test;\n"
JUPITER_WITH_DISABLED = "import org.junit.jupiter.api.Disabled;\nimport org.junit.jupiter.api.Test;\n"


def test_ignore_on_a_jupiter_test_becoming_disabled_is_a_new_skip(cli: Cli, tmp_path: Path) -> None:
    # Jupiter does not read JUnit 4's @Ignore: the test ran until @Disabled switched it off.
    before = java_class(QUEUE, JUPITER_WITH_IGNORE)
    after = java_class(QUEUE.replace("@Ignore(", "@Disabled("), JUPITER_WITH_DISABLED)
    found = scan(cli, tmp_path, {PATH: before}, {PATH: after})
    assert kinds(found) == {("skip_introduced", "UtilsTest::testCreate")}


def test_ignore_becoming_disabled_in_a_junit4_to_5_port_is_no_new_skip(cli: Cli, tmp_path: Path) -> None:
    # Under JUnit 4 the @Ignore was read: porting the class to Jupiter with @Disabled keeps it off.
    before = java_class(QUEUE, "import org.junit.Ignore;\nimport org.junit.Test;\n")
    after = java_class(QUEUE.replace("@Ignore(", "@Disabled("), JUPITER_WITH_DISABLED)
    assert scan(cli, tmp_path, {PATH: before}, {PATH: after}) == []


def test_a_new_ignore_on_a_jupiter_test_skips_nothing(cli: Cli, tmp_path: Path) -> None:
    plain = QUEUE.replace('  @Ignore("Run once")\n', "")
    before = java_class(plain, JUPITER_WITH_IGNORE)
    assert scan(cli, tmp_path, {PATH: before}, {PATH: java_class(QUEUE, JUPITER_WITH_IGNORE)}) == []


def test_a_new_disabled_on_a_jupiter_test_is_named(cli: Cli, tmp_path: Path) -> None:
    plain = QUEUE.replace('  @Ignore("Run once")\n', "")
    after = java_class(QUEUE.replace("@Ignore(", "@Disabled("), JUPITER_WITH_DISABLED)
    found = scan(cli, tmp_path, {PATH: java_class(plain, JUPITER_WITH_DISABLED)}, {PATH: after})
    assert kinds(found) == {("skip_introduced", "UtilsTest::testCreate")}


# ----------------------------------------- 5. either of two exact values accepts more than one of them

TO_STRING = """
  @Test
  public void testToString() {
    map.put("A", "X");
    map.put("B", "U");
    assertEquals("{A=[X], B=[U]}", map.toString());
    assertEquals(2, map.size());
  }
"""


def test_an_equality_loosened_to_either_of_two_values_is_weakened(cli: Cli, tmp_path: Path) -> None:
    # A flaky fix for hash order: the exact text becomes either of two orders.
    after = TO_STRING.replace(
        '    assertEquals("{A=[X], B=[U]}", map.toString());\n',
        '    assertTrue("{A=[X], B=[U]}".equals(map.toString())\n'
        '        || "{B=[U], A=[X]}".equals(map.toString()));\n',
    )
    found = scan(cli, tmp_path, {PATH: java_class(TO_STRING)}, {PATH: java_class(after)})
    assert kinds(found) == {("assertion_weakened", "UtilsTest::testToString")}
    assert found[0]["details"]["strength_after"] == ["bound"]


def test_both_of_two_equalities_still_pin(cli: Cli, tmp_path: Path) -> None:
    after = TO_STRING.replace(
        '    assertEquals("{A=[X], B=[U]}", map.toString());\n',
        '    assertTrue("{A=[X], B=[U]}".equals(map.toString()) && map.size() == 2);\n',
    )
    assert scan(cli, tmp_path, {PATH: java_class(TO_STRING)}, {PATH: java_class(after)}) == []


# ------------------------------------- 6. a check-less test split into one test per call it made

NULL_WRITER = """
  @Test
  void testNull() {
    final char[] chars = { 'A', 'B', 'C' };
    try (NullWriter writer = NullWriter.INSTANCE) {
      writer.write(1);
      writer.write(chars);
      writer.flush();
    }
  }
"""

NULL_WRITER_SPLIT = """
  @Test
  void testWriteInt() {
    try (NullWriter writer = NullWriter.INSTANCE) {
      writer.write(42);
    }
  }

  @Test
  void testWriteCharArray() {
    try (NullWriter writer = NullWriter.INSTANCE) {
      writer.write(TEST_CHARS);
      assertThrows(NullPointerException.class, () -> writer.write((char[]) null));
    }
  }

  @Test
  void testFlush() {
    try (NullWriter writer = NullWriter.INSTANCE) {
      writer.flush();
    }
  }
"""


def test_a_checkless_test_split_into_one_test_per_call_lives_on(cli: Cli, tmp_path: Path) -> None:
    # The old test passed unless a call threw; each call now has a test of its own that fails the same way.
    assert scan(cli, tmp_path, {PATH: java_class(NULL_WRITER)}, {PATH: java_class(NULL_WRITER_SPLIT)}) == []


def test_a_checkless_test_whose_call_no_new_test_makes_is_removed(cli: Cli, tmp_path: Path) -> None:
    after = NULL_WRITER_SPLIT.replace("      writer.flush();\n", "      writer.close();\n")
    found = scan(cli, tmp_path, {PATH: java_class(NULL_WRITER)}, {PATH: java_class(after)})
    assert kinds(found) == {("test_removed", "UtilsTest::testNull")}


# ------------------------------- 7. a value built from parts and compared whole, now its parts checked weaker

FROM_MAP = """
  @Test
  public void testGetFromMap() {
    final Map<String, String> expected = new LinkedHashMap<>();
    expected.put("zeroKey", "zero");
    expected.put("oneKey", "one");
    final Map<String, String> found = new HashMap<>();
    Map.Entry<String, String> entry = CollectionUtils.get(expected, 0);
    found.put(entry.getKey(), entry.getValue());
    entry = CollectionUtils.get(expected, 1);
    found.put(entry.getKey(), entry.getValue());
    assertEquals(expected, found);
  }
"""

EITHER_ENTRY = 'assertTrue(entry.toString().equals("zeroKey=zero") || entry.toString().equals("oneKey=one"));'


def test_a_compared_whole_now_checked_part_by_part_weaker_is_weakened(cli: Cli, tmp_path: Path) -> None:
    # `found` (filled from `entry`) had to equal the map; now each entry need only be one of two.
    after = (
        FROM_MAP.replace("    final Map<String, String> found = new HashMap<>();\n", "")
        .replace("    found.put(entry.getKey(), entry.getValue());\n", f"    {EITHER_ENTRY}\n")
        .replace("    assertEquals(expected, found);\n", "")
    )
    found = scan(cli, tmp_path, {PATH: java_class(FROM_MAP)}, {PATH: java_class(after)})
    assert kinds(found) == {("assertion_weakened", "UtilsTest::testGetFromMap")}


def test_a_compared_whole_now_checked_part_by_part_exactly_is_no_loss(cli: Cli, tmp_path: Path) -> None:
    after = (
        FROM_MAP.replace("    final Map<String, String> found = new HashMap<>();\n", "")
        .replace(
            "    found.put(entry.getKey(), entry.getValue());\n",
            '    assertEquals("zero", entry.getValue());\n',
        )
        .replace("    assertEquals(expected, found);\n", "")
    )
    assert scan(cli, tmp_path, {PATH: java_class(FROM_MAP)}, {PATH: java_class(after)}) == []
