"""The strength scale of checks (exact > bound > truthiness > no-op) per assertion library, and the
`assertion_weakened` signal it drives: a check of the same subject that drops a level is named, a port
to an equal-strength spelling is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factories import Cli, GitRepo

from ccdash_tests.integrity.detectors import cases_of, detect
from ccdash_tests.integrity.units import Strength

EXACT, BOUND, TRUTHY = Strength.EXACT, Strength.BOUND, Strength.TRUTHY

TEMPLATES = {
    "pytest": ("tests/test_a.py", "import pytest\n\n\ndef test_x():\n    value = run()\n{}\n"),
    "unittest": (
        "tests/test_a.py",
        "import unittest\n\n\nclass T(unittest.TestCase):\n"
        "    def test_x(self):\n        value = run()\n{}\n",
    ),
    "jest": ("src/a.test.js", 'test("x", () => {\n  const value = run();\n{}\n});\n'),
    "java": ("src/ATest.java", "class ATest {\n  @Test\n  void x() {\n    int value = run();\n{}\n  }\n}\n"),
    "go": ("a_test.go", "package a\n\nfunc TestX(t *testing.T) {\n\tvalue := run()\n{}\n}\n"),
    "php": (
        "tests/ATest.php",
        "<?php\nclass ATest extends TestCase {\n"
        "  public function testX() {\n    $value = run();\n{}\n  }\n}\n",
    ),
}
INDENT = {"pytest": "    ", "unittest": "        ", "jest": "  ", "java": "    ", "go": "\t", "php": "    "}


def source(library: str, code: str) -> tuple[str, str]:
    path, template = TEMPLATES[library]
    body = "\n".join(INDENT[library] + line for line in code.split("\n"))
    return path, template.replace("{}", body)


# (library, check, its strength): each row fails if the level were any other.
LEVELS = [
    ("pytest", "assert value == 3", EXACT),
    ("pytest", "assert value is None", EXACT),
    ("pytest", "assert len(value) == 2", EXACT),
    ("pytest", "assert value in (1, 2)", BOUND),
    ("pytest", "assert 0 < value < 5", BOUND),
    ("pytest", 'assert value.startswith("a")', BOUND),
    ("pytest", "assert value", TRUTHY),
    ("pytest", "assert value is not None", TRUTHY),
    ("pytest", "assert value != 3", TRUTHY),
    ("pytest", "assert isinstance(value, int)", TRUTHY),
    ("pytest", 'with pytest.raises(ValueError, match="bad"):\n    run()', EXACT),
    ("pytest", "with pytest.raises(ValueError):\n    run()", BOUND),
    ("pytest", "with pytest.raises(Exception):\n    run()", TRUTHY),
    ("unittest", "self.assertEqual(value, 1)", EXACT),
    ("unittest", "self.assertTrue(value == 1)", EXACT),
    ("unittest", 'self.assertRaisesRegex(ValueError, "bad", run)', EXACT),
    ("unittest", "self.assertIn(value, (1, 2))", BOUND),
    ("unittest", "self.assertLess(value, 3)", BOUND),
    ("unittest", "self.assertRaises(ValueError, run)", BOUND),
    ("unittest", "self.assertTrue(value)", TRUTHY),
    ("unittest", "self.assertIsNotNone(value)", TRUTHY),
    ("unittest", "self.assertIsInstance(value, int)", TRUTHY),
    ("unittest", "value.assert_called_once_with(3)", EXACT),
    ("unittest", "value.assert_called()", TRUTHY),
    ("jest", "expect(value).toBe(3);", EXACT),
    ("jest", "expect(value).toStrictEqual({ a: 1 });", EXACT),
    ("jest", "expect(value).toMatchSnapshot();", EXACT),
    ("jest", "expect(value).toHaveLength(3);", EXACT),
    ("jest", "expect(value).not.toHaveBeenCalled();", EXACT),
    ("jest", "expect(value).toContain(3);", BOUND),
    ("jest", "expect(value).toMatch(/a/);", BOUND),
    ("jest", "expect(value).toBeGreaterThan(3);", BOUND),
    ("jest", 'expect(() => run()).toThrow("boom");', BOUND),
    ("jest", "expect(value.includes(3)).toBe(true);", BOUND),
    ("jest", "expect(value).toBeTruthy();", TRUTHY),
    ("jest", "expect(value).toBeDefined();", TRUTHY),
    ("jest", "expect(value).not.toBeNull();", TRUTHY),
    ("jest", "expect(value).toEqual(expect.any(Object));", TRUTHY),
    ("jest", "expect(() => run()).toThrow();", TRUTHY),
    ("jest", "expect(value).to.deep.equal({ a: 1 });", EXACT),  # chai
    ("jest", "expect(value).to.include(3);", BOUND),
    ("jest", "expect(value).to.be.above(3);", BOUND),
    ("jest", "expect(value).to.be.ok;", TRUTHY),
    ("jest", "expect(value).to.exist;", TRUTHY),
    ("jest", "assert.deepStrictEqual(value, [1]);", EXACT),  # node:assert
    ("jest", "assert(value === 3);", EXACT),
    ("jest", "assert.match(value, /a/);", BOUND),
    ("jest", "assert.throws(() => run(), /boom/);", BOUND),
    ("jest", "assert.ok(value);", TRUTHY),
    ("jest", "assert.throws(() => run());", TRUTHY),
    ("jest", "t.is(value, 3);", EXACT),  # AVA
    ("jest", "t.like(value, { a: 1 });", BOUND),
    ("jest", "t.truthy(value);", TRUTHY),
    ("java", "assertEquals(3, value);", EXACT),
    ("java", "assertThrows(IllegalStateException.class, () -> run());", BOUND),
    ("java", "assertTrue(list.contains(value));", BOUND),
    ("java", 'assertTrue(value < 5000, "slow");', BOUND),
    ("java", "assertThrows(Exception.class, () -> run());", TRUTHY),
    ("java", "assertNotNull(value);", TRUTHY),
    ("java", "assertEquals(true, value);", TRUTHY),
    ("java", "assertThat(value).isEqualTo(3);", EXACT),  # Truth / AssertJ
    ("java", "assertThat(list).containsExactly(1, 2);", EXACT),
    ("java", 'assertThat(error).hasMessageThat().isEqualTo("boom");', EXACT),
    ("java", "assertThat(list).contains(1);", BOUND),
    ("java", "assertThat(value).isGreaterThan(3);", BOUND),
    ("java", 'assertThat(error).hasMessageThat().contains("boom");', BOUND),
    ("java", 'assertWithMessage("m").that(list.contains(value)).isTrue();', BOUND),
    ("java", "assertThat(value).isTrue();", TRUTHY),
    ("java", "assertThat(value).isNotNull();", TRUTHY),
    ("java", "assertThat(value, is(3));", EXACT),  # Hamcrest
    ("java", 'assertThat(value, containsString("a"));', BOUND),
    ("java", "assertThat(value, notNullValue());", TRUTHY),
    ("go", 'if value != 3 {\n\tt.Errorf("got %v", value)\n}', EXACT),
    ("go", "if err := run(); err != nil {\n\tt.Fatal(err)\n}", EXACT),
    ("go", 'if !strings.Contains(value, "x") {\n\tt.Error("x")\n}', BOUND),
    ("go", 'if value > limit {\n\tt.Error("slow")\n}', BOUND),
    ("go", 'if err == nil {\n\tt.Fatal("want an error")\n}', TRUTHY),
    ("go", "assert.Equal(t, 3, value)", EXACT),  # testify
    ("go", "require.NoError(t, err)", EXACT),
    ("go", 'assert.Contains(t, value, "x")', BOUND),
    ("go", "assert.Less(t, value, limit)", BOUND),
    ("go", "assert.True(t, value)", TRUTHY),
    ("go", "assert.NotNil(t, value)", TRUTHY),
    ("php", "$this->assertSame(3, $value);", EXACT),
    ("php", "$this->assertCount(3, $value);", EXACT),
    ("php", "$this->assertContains(3, $value);", BOUND),
    ("php", "$this->assertTrue(in_array(3, $value));", BOUND),
    ("php", "$this->expectException(\\RuntimeException::class);", BOUND),
    ("php", "$this->assertTrue($value);", TRUTHY),
    ("php", "$this->assertNotNull($value);", TRUTHY),
    ("php", "$this->expectException(\\Exception::class);", TRUTHY),
]


@pytest.mark.parametrize(("library", "code", "level"), LEVELS, ids=[f"{r[0]}: {r[1]}" for r in LEVELS])
def test_each_check_has_its_strength(library: str, code: str, level: Strength) -> None:
    [case] = cases_of(*source(library, code)) or []
    assert [check.strength for check in case.checks] == [level]


NO_OPS = [
    ("pytest", "assert True"),
    ("pytest", "with pytest.warns(None):\n    run()"),
    ("java", "assertThat(value);"),
]


@pytest.mark.parametrize(("library", "code"), NO_OPS)
def test_a_no_op_is_not_a_check(library: str, code: str) -> None:
    [case] = cases_of(*source(library, code)) or []
    assert case.checks == ()


# (library, before, after, the signal): each row is one way a check changes; None when nothing is lost.
CHANGES = [
    (
        "unittest",
        "self.assertEqual(value, 3)",
        "self.assertIsNotNone(value)",
        ("assertion_weakened", "medium"),
    ),
    ("pytest", "assert value.size == 3", "assert value.size in (3, 4)", ("assertion_weakened", "low")),
    ("pytest", "assert 0 < took < 5", "assert 0 < took", ("assertion_weakened", "low")),
    ("pytest", "assert took > 0\nassert took < 5", "assert took > 0", ("assertion_weakened", "low")),
    (
        "pytest",
        'with pytest.raises(ValueError, match="bad"):\n    run()',
        "with pytest.raises(ValueError):\n    run()",
        ("assertion_weakened", "low"),
    ),
    (
        "pytest",
        "with pytest.raises(ValueError):\n    run()",
        "with pytest.raises(Exception):\n    run()",
        ("assertion_weakened", "medium"),
    ),
    (
        "jest",
        "expect(value.count).toBe(3);",
        "expect(value.count).toBeTruthy();",
        ("assertion_weakened", "medium"),
    ),
    (
        "jest",
        "expect(value).toEqual({ a: 1 });",
        "expect(value).toMatchObject({ a: 1 });",
        ("assertion_weakened", "low"),
    ),
    ("jest", "assert.strictEqual(value, 3);", "assert.ok(value);", ("assertion_weakened", "medium")),
    ("java", "assertEquals(3, value);", "assertNotNull(value);", ("assertion_weakened", "medium")),
    (
        "java",
        "assertThrows(IllegalStateException.class, () -> run());",
        "assertThrows(Exception.class, () -> run());",
        ("assertion_weakened", "medium"),
    ),
    (
        "java",
        'assertThat(value).isEqualTo("a");',
        "assertThat(value).isNotNull();",
        ("assertion_weakened", "medium"),
    ),
    ("go", "assert.Equal(t, 3, value)", "assert.NotNil(t, value)", ("assertion_weakened", "medium")),
    (
        "php",
        "$this->assertSame(3, $value);",
        "$this->assertNotNull($value);",
        ("assertion_weakened", "medium"),
    ),
    # the weaker check reads what holds the lost one's value: still the same subject
    (
        "java",
        'assertEquals("boom", error.getMessage());',
        "assertNotNull(error);",
        ("assertion_weakened", "medium"),
    ),
    (
        "jest",
        "t.is(value.count, 1);",
        "t.true(value.count >= 0 && value.count <= 1);",
        ("assertion_weakened", "low"),
    ),
    # a weaker check of another value is not the lost one accepting more (changed behaviour, a rewrite)
    ("jest", "t.true(took < 10);\nt.is(value, 1);", "t.truthy(timer);\nt.is(value, 1);", None),
    (
        "jest",
        "t.is(error.message, 'boom');\nt.is(value, 1);",
        "t.true(isTimeout(error.cause));\nt.is(value, 1);",
        None,
    ),
    (
        "pytest",
        "assert value.name == 'a'\nassert value.size == 2",
        "assert value.ready\nassert value.size == 2",
        None,
    ),
    # a lost truthiness check weighs less than a lost exact one
    (
        "pytest",
        "assert value.name == 'a'\nassert value.size == 2",
        "assert value.name == 'a'",
        ("assertion_removed", "medium"),
    ),
    (
        "pytest",
        "assert value.name == 'a'\nassert value.ready",
        "assert value.name == 'a'",
        ("assertion_removed", "low"),
    ),
    # equal strength: silent
    ("java", "assertEquals(true, value.isOk());", "assertThat(value.isOk()).isTrue();", None),
    ("java", "assertEquals(true, value);", "assertThat(value).isTrue();", None),
    ("java", "assertTrue(list.contains(value));", "assertThat(list).contains(value);", None),
    ("jest", "expect(value.items.length).toBe(3);", "expect(value.items).toHaveLength(3);", None),
    ("jest", "expect(value.items.includes(3)).toBe(true);", "expect(value.items).toContain(3);", None),
    ("pytest", "assert value.total == 3", "assert value.total == 4", None),
    ("pytest", "assert 0 < took < 5", "assert 0 < took <= 5", None),
    ("go", 'if value != 3 {\n\tt.Errorf("got %v", value)\n}', "assert.Equal(t, 3, value)", None),
    # several checks merged into one exact check of the same subject
    (
        "pytest",
        "assert user.name == 'a'\nassert user.size == 2",
        "assert user == User(name='a', size=2)",
        None,
    ),
    (
        "java",
        "assertEquals(1, items.get(0));\nassertEquals(2, items.get(1));",
        "assertThat(items).containsExactly(1, 2);",
        None,
    ),
    (
        "jest",
        "expect(user.name).toBe('a');\nexpect(user.size).toBe(2);",
        "expect(user).toMatchSnapshot();",
        None,
    ),
    # stronger: silent
    ("pytest", "assert value", "assert value == 3", None),
    ("jest", "expect(value).toBeDefined();", "expect(value).toEqual({ a: 1 });", None),
]


@pytest.mark.parametrize(
    ("library", "before", "after", "expected"), CHANGES, ids=[f"{r[0]}: {r[1]} -> {r[2]}" for r in CHANGES]
)
def test_a_check_that_drops_a_level_is_weakened(
    library: str, before: str, after: str, expected: tuple[str, str] | None
) -> None:
    path, old = source(library, before)
    _, new = source(library, after)
    found = [(c.signal_type.value, c.severity.value) for c in detect(path, old, new)]
    assert found == ([expected] if expected else [])


def test_weakened_evidence_names_both_levels() -> None:
    path, old = source("jest", "expect(value.count).toBe(3);")
    _, new = source("jest", "expect(value.count).toBeTruthy();")
    [signal] = detect(path, old, new)
    assert signal.evidence["strength_before"] == ["exact"]
    assert signal.evidence["strength_after"] == ["truthy"]
    assert signal.evidence["removed"] == ["expect(value.count).toBe(3)"]
    assert signal.evidence["added"] == ["expect(value.count).toBeTruthy()"]


def test_a_dropped_bound_is_named() -> None:
    path, old = source("java", "assertTrue(took > timeout);\nassertTrue(took < timeout * 2);")
    _, new = source("java", "assertTrue(took >= limit - 100);")
    [signal] = detect(path, old, new)
    assert signal.signal_type.value == "assertion_weakened"
    assert signal.evidence["bounds_dropped"] == ["upper bound on took"]


def test_a_removal_that_also_opens_a_bound_names_it() -> None:
    before = (
        "assertTrue(took > timeout);\nassertTrue(took < timeout * 2);\n"
        "assertTrue(threwOnTimeout);\nassertEquals(3, retries);"
    )
    path, old = source("java", before)
    _, new = source("java", 'assertTrue(took >= TimeoutMillis - 100, "Time taken was " + took);')
    [signal] = detect(path, old, new)
    assert (signal.signal_type.value, signal.severity.value) == ("assertion_removed", "medium")
    assert "assertTrue(took < timeout * 2)" in signal.evidence["removed"]
    assert signal.evidence["bounds_dropped"] == ["upper bound on took"]


# ------------------------------------------------------------------- through the CLI, a real git repository


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


def scan(cli: Cli, tmp_path: Path, path: str, before: str, after: str) -> list[Any]:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("before", {path: before})
    head = repo.commit("after", {path: after})
    found = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)
    return [(s["signal_type"], s["test_name"], s["severity"]) for s in found["signals"]]


VITEST = """
import { expect, test } from "vitest";

test("counts the words", () => {
  const counted = count("a b c");
  expect(counted.words).toBe(3);
  expect(counted.text).toContain("a");
});
"""

JUNIT_TIMING = """
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.*;

class TimeoutIT {
  @Test
  void totalTimeout() {
    long took = measure();
    assertTrue(took > TIMEOUT, "too fast");
    assertTrue(took < TIMEOUT * 2, "too slow");
  }
}
"""

TRUTH_PORT_BEFORE = """
import org.junit.Test;
import static org.junit.Assert.assertEquals;

public class ParserTest {
  @Test
  public void parsesLenient() {
    Parser parser = new Parser();
    assertEquals(true, parser.isLenient());
    assertEquals(3, parser.depth());
  }
}
"""

TESTIFY = """
package parse

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParse(t *testing.T) {
	parsed, err := Parse("a=1")
	assert.NoError(t, err)
	assert.Equal(t, 1, parsed.Value)
}
"""


def test_vitest_exact_to_truthiness_is_weakened(cli: Cli, tmp_path: Path) -> None:
    after = VITEST.replace("expect(counted.words).toBe(3);", "expect(counted.words).toBeTruthy();")
    signals = scan(cli, tmp_path, "src/count.test.ts", VITEST, after)
    assert signals == [("assertion_weakened", "counts the words", "medium")]


def test_junit_upper_bound_dropped_is_weakened(cli: Cli, tmp_path: Path) -> None:
    # a Maven Failsafe integration test (`*IT`) is a test file too
    after = JUNIT_TIMING.replace('    assertTrue(took < TIMEOUT * 2, "too slow");\n', "")
    signals = scan(cli, tmp_path, "src/test/java/TimeoutIT.java", JUNIT_TIMING, after)
    assert signals == [("assertion_weakened", "TimeoutIT::totalTimeout", "low")]


def test_junit_to_truth_port_of_equal_strength_is_silent(cli: Cli, tmp_path: Path) -> None:
    after = (
        TRUTH_PORT_BEFORE.replace(
            "import static org.junit.Assert.assertEquals;",
            "import static com.google.common.truth.Truth.assertThat;",
        )
        .replace("assertEquals(true, parser.isLenient());", "assertThat(parser.isLenient()).isTrue();")
        .replace("assertEquals(3, parser.depth());", "assertThat(parser.depth()).isEqualTo(3);")
    )
    assert scan(cli, tmp_path, "src/test/java/ParserTest.java", TRUTH_PORT_BEFORE, after) == []


def test_testify_equal_to_not_nil_is_weakened(cli: Cli, tmp_path: Path) -> None:
    after = TESTIFY.replace("assert.Equal(t, 1, parsed.Value)", "assert.NotNil(t, parsed.Value)")
    signals = scan(cli, tmp_path, "parse_test.go", TESTIFY, after)
    assert signals == [("assertion_weakened", "TestParse", "medium")]


# ------------------------------------------------------------------- look-alikes of a loss, through the CLI

DISABLED_IT = """
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ParserIT {
  @Test
  void parsesLargeFile() {
    assertEquals(3, parse("big").size());
  }

  @Disabled("too slow on CI")
  @Test
  void parsesHugeFile() {
    assertEquals(9, parse("huge").size());
  }
}
"""


def test_deleting_a_test_that_was_disabled_outright_loses_nothing(cli: Cli, tmp_path: Path) -> None:
    start = DISABLED_IT.index('  @Disabled("too slow on CI")')
    after = DISABLED_IT[:start].rstrip() + "\n}\n"
    assert scan(cli, tmp_path, "src/test/java/ParserIT.java", DISABLED_IT, after) == []
    # the enabled one is a loss
    start = DISABLED_IT.index("  @Test\n  void parsesLargeFile")
    end = DISABLED_IT.index('  @Disabled("too slow on CI")')
    signals = scan(
        cli,
        tmp_path / "2",
        "src/test/java/ParserIT.java",
        DISABLED_IT,
        DISABLED_IT[:start] + DISABLED_IT[end:],
    )
    assert signals == [("test_removed", "ParserIT::parsesLargeFile", "medium")]


MOCHA_DUPLICATE = """
var express = require('../');
var request = require('supertest');

describe('res', function(){
  describe('.jsonp(object)', function(){
    it('should not override previous Content-Types with no callback', function(done){
      var app = express();
      app.get('/', function(req, res){ res.type('application/vnd.x+json'); res.jsonp({ hello: 'w' }); });
      request(app)
      .get('/')
      .expect('Content-Type', 'application/vnd.example+json; charset=utf-8')
      .expect(utils.shouldNotHaveHeader('X-Content-Type-Options'))
      .expect(200, '{"hello":"world"}', done);
    })
  })

  it('should not override previous Content-Types', function(done){
    var app = express();
    app.get('/', function(req, res){ res.type('application/vnd.x+json'); res.jsonp({ hello: 'w' }); });
    request(app)
    .get('/')
    .expect('content-type', 'application/vnd.example+json; charset=utf-8')
    .expect(200, '{"hello":"world"}', done)
  })
})
"""


def test_a_removed_duplicate_with_a_stronger_twin_is_silent(cli: Cli, tmp_path: Path) -> None:
    start = MOCHA_DUPLICATE.index("  it('should not override previous Content-Types', function(done){")
    after = MOCHA_DUPLICATE[:start] + "})\n"
    assert scan(cli, tmp_path, "test/res.jsonp.js", MOCHA_DUPLICATE, after) == []


ERROR_CASE = '''
import pytest


def test_instance():
    """Raises TypeError on non-classes."""
    with pytest.raises(TypeError) as e:
        fields(C())
    assert "Passed object must be a class." == e.value.args[0]
'''

ERROR_CASE_MOVED = '''
import pytest


def test_instance():
    """Returns the fields of instances too."""
    assert fields(C()) is fields(C)


def test_handler_non_attrs_instance():
    with pytest.raises(TypeError, match=r"Passed object must be a class or attrs instance"):
        fields(object())
'''


def test_an_error_case_moved_into_its_own_test_is_silent(cli: Cli, tmp_path: Path) -> None:
    assert scan(cli, tmp_path, "tests/test_make.py", ERROR_CASE, ERROR_CASE_MOVED) == []
    # without the new test, the error is no longer expected: the test pins what the call returns now
    # (the behaviour changed and the test follows it), but when it pins nothing the exception check is lost
    alone = ERROR_CASE_MOVED.split("\n\ndef test_handler")[0] + "\n"
    assert scan(cli, tmp_path / "2", "tests/test_make.py", ERROR_CASE, alone) == []
    unpinned = alone.replace("assert fields(C()) is fields(C)", "assert fields(C())")
    signals = scan(cli, tmp_path / "3", "tests/test_make.py", ERROR_CASE, unpinned)
    assert signals == [("assertion_removed", "test_instance", "medium")]


AVA_REWRITE_BEFORE = """
import test from "ava";

test("timeout is cancelled when the request resolves", async t => {
  const start = Date.now();
  await ky(server.url, {timeout: 2000});
  const duration = Date.now() - start;
  t.true(duration < 10);
});
"""

AVA_REWRITE_AFTER = """
import test from "ava";

test("timeout is cancelled when the request resolves", async t => {
  let timerId;
  let cleared = false;
  await withTimers({onSet: id => { timerId = id; }, onClear: id => { cleared = id === timerId; }}, () =>
    ky(server.url, {timeout: 2000}));
  t.truthy(timerId);
  t.true(cleared);
});
"""


def test_a_rewrite_that_checks_other_values_is_not_weakened(cli: Cli, tmp_path: Path) -> None:
    # the duration bound gave way to checks of the timer itself: nothing of the old check came back weaker
    assert scan(cli, tmp_path, "test/main.ts", AVA_REWRITE_BEFORE, AVA_REWRITE_AFTER) == []
    # the same bound loosened to truthiness of the same value is a weakening
    loosened = AVA_REWRITE_BEFORE.replace("t.true(duration < 10);", "t.truthy(duration);")
    signals = scan(cli, tmp_path / "2", "test/main.ts", AVA_REWRITE_BEFORE, loosened)
    assert signals == [("assertion_weakened", "timeout is cancelled when the request resolves", "medium")]
