"""Each class of real commits that misled the integrity detectors, as a small real git repository scanned
through the CLI (`integrity scan --base C^ --head C`): the look-alikes raise nothing, the real losses do."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


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
    # Deleting the helper and the un-annotated method removes no test (the test that called the
    # overload lost the checks it ran there, which is another signal).
    gone = HELPER_OVERLOADS.split("  private static")[0] + "}\n"
    found = scan(cli, tmp_path / "2", {path: HELPER_OVERLOADS}, {path: gone})
    assert kinds(found) == {("assertion_removed", "ReaderTest::testFailWithPosition")}


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


# ------------------------------------------------ 2. renames with a rewrite, splits, folds and moves

TWO_DEPRECATIONS = """
import pytest
import click


@pytest.mark.parametrize("name", ["get_binary_stream", "get_text_stream"])
def test_stream_helper_deprecated(name):
    with pytest.warns(DeprecationWarning, match=name):
        getattr(click, name)


@pytest.mark.parametrize("name", ["LazyFile", "safecall"])
def test_utilities_deprecated(name):
    with pytest.warns(DeprecationWarning, match=name):
        getattr(click.utils, name)
"""

FOLDED = """
import pytest
import click


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (click, "get_binary_stream"),
        (click, "get_text_stream"),
        (click.utils, "LazyFile"),
        (click.utils, "safecall"),
    ],
)
def test_attr_deprecated(module, name):
    with pytest.warns(DeprecationWarning, match=name):
        getattr(module, name)
"""


def test_two_tests_folded_into_one_parametrized_test(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_deprecations.py"
    assert scan(cli, tmp_path, {path: TWO_DEPRECATIONS}, {path: FOLDED}) == []


SPLIT_BEFORE = """
def test_parse():
    assert parse("1") == 1
    assert parse("-2") == -2
    assert parse(" 3 ") == 3
"""

SPLIT_AFTER = """
def test_parse_positive():
    assert parse("1") == 1


def test_parse_strips():
    assert parse(" 3 ") == 3
"""

MOVED_HERE = """
def test_negative_numbers():
    assert parse("-2") == -2
"""


def test_a_test_split_in_two_and_moved_to_another_file(cli: Cli, tmp_path: Path) -> None:
    before = {"tests/test_parse.py": SPLIT_BEFORE}
    after = {"tests/test_parse.py": SPLIT_AFTER, "tests/unit/test_signs.py": MOVED_HERE}
    assert scan(cli, tmp_path, before, after) == []


REPLACED_BEFORE = """
import pytest

def test_empty_parameterset_option_bad_markname(pytester):
    with pytest.raises(pytest.UsageError):
        configure(pytester, "bad")

def test_option_marks(pytester):
    assert configure(pytester, "skip").name == "skip"
"""

REPLACED_AFTER = """
import pytest

def test_option_marks(pytester):
    assert configure(pytester, "skip").name == "skip"

def test_empty_parameterset_option_marks_invalid(pytester):
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
"""


def test_a_test_replaced_by_a_closely_named_new_test(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_mark.py"
    assert scan(cli, tmp_path, {path: REPLACED_BEFORE}, {path: REPLACED_AFTER}) == []


DELETED_BESIDE_NEW = """
import org.junit.Test;

public class MapTest {
  @Test
  public void testStringKeys() {
    Map<?, ?> map = gson.fromJson("{\\"a\\":1}", STRING_MAP);
    assertThat(map).isEqualTo(Collections.singletonMap("a", 1));
  }

  @Test
  public void testSupertypeKeys() {
    Map<?, ?> map = gson.fromJson("{\\"a\\":1}", OBJECT_MAP);
    assertWithMessage("no tree map for supertypes").that(map).isNotInstanceOf(LinkedTreeMap.class);
    assertThat(map).isEqualTo(Collections.singletonMap("a", 1));
  }
}
"""


def test_a_deleted_test_is_not_kept_alive_by_an_unrelated_new_one(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/MapTest.java"
    new_test = (
        "  @Test\n  public void testNullKeyEntries() {\n"
        '    Map<?, ?> map = gson.fromJson("[[null,1]]", STRING_MAP);\n'
        "    assertThat(map.get(null)).isEqualTo(1);\n  }\n}\n"
    )
    after = DELETED_BESIDE_NEW.split("  @Test\n  public void testSupertypeKeys")[0] + new_test
    found = scan(cli, tmp_path, {path: DELETED_BESIDE_NEW}, {path: after})
    assert kinds(found) == {("test_removed", "MapTest::testSupertypeKeys")}
    [signal] = found
    assert "public void testSupertypeKeys() {" in signal["details"]["removed_lines"]


# ------------------------------------------------------- 3. what the assertions check, not how many

HOOKS_BEFORE = """
package cobra

import "testing"

func TestHooks(t *testing.T) {
	got := run("child")
	if got.pre != "one two" {
		t.Errorf("pre: %q", got.pre)
	}
	if got.post != "one two" {
		t.Errorf("post: %q", got.post)
	}
}
"""

HOOKS_AFTER = """
package cobra

import "testing"

func TestHooks(t *testing.T) {
	checkHooks(t, []string{"pre", "post"})
}

func checkHooks(t *testing.T, order []string) {
	got := run("child")
	for i, hook := range order {
		if got.order[i] != hook {
			t.Errorf("hook %d: %q", i, got.order[i])
		}
	}
}
"""


def test_checks_moved_into_a_helper(cli: Cli, tmp_path: Path) -> None:
    assert scan(cli, tmp_path, {"hooks_test.go": HOOKS_BEFORE}, {"hooks_test.go": HOOKS_AFTER}) == []


BRANCHES_BEFORE = """
package cobra

import (
	"runtime"
	"testing"
)

func TestFailWrite(t *testing.T) {
	err := write("/ro/file")
	if runtime.GOOS == "windows" {
		if err.Error() != "Access is denied." {
			t.Errorf("windows: %v", err)
		}
	} else {
		if err.Error() != "permission denied" {
			t.Errorf("unix: %v", err)
		}
	}
}
"""

BRANCHES_AFTER = """
package cobra

import (
	"errors"
	"os"
	"testing"
)

func TestFailWrite(t *testing.T) {
	err := write("/ro/file")
	if !errors.Is(err, os.ErrPermission) {
		t.Errorf("want a permission error: %v", err)
	}
}
"""


def test_checks_in_exclusive_branches_count_per_path(cli: Cli, tmp_path: Path) -> None:
    before, after = {"fish_test.go": BRANCHES_BEFORE}, {"fish_test.go": BRANCHES_AFTER}
    assert scan(cli, tmp_path, before, after) == []


PY_CHECKS = """
import pytest

def test_duplicate_option(runner):
    result = runner.invoke(cli, [])
    assert result.exit_code == 1
    assert isinstance(result.exception, UserWarning)
    assert "used more than once" in str(result.exception)

def test_bad_value():
    with pytest.raises(ValueError) as info:
        parse("x")
    assert "not a number" in str(info.value)

def test_record():
    record = load()
    assert record.name == "a"
    assert record.size == 2
    assert record.size == 2

def test_warning():
    with pytest.warns(DeprecationWarning):
        old()
"""

PY_CHECKS_AFTER = """
import pytest

def test_duplicate_option(runner):
    with pytest.warns(UserWarning, match="used more than once"):
        runner.invoke(cli, [])

def test_bad_value():
    with pytest.raises(ValueError, match="not a number"):
        parse("x")

def test_record():
    record = load()
    assert record == Record(name="a", size=2)

def test_warning():
    with pytest.warns(DeprecationWarning):
        old()
"""


def test_checks_merged_into_stronger_ones(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_checks.py"
    assert scan(cli, tmp_path, {path: PY_CHECKS}, {path: PY_CHECKS_AFTER}) == []


def test_a_no_op_is_not_a_check(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_checks.py"
    after = PY_CHECKS.replace("pytest.warns(DeprecationWarning)", "pytest.warns(None)")
    found = scan(cli, tmp_path, {path: PY_CHECKS}, {path: after})
    assert {(s["signal_type"], s["test_name"], s["severity"]) for s in found} == {
        ("assertion_removed", "test_warning", "high")
    }


JAVA_PORT_BEFORE = """
import org.junit.Test;

public class ListTest {
  @Test
  public void testContains() {
    assertEquals(true, list.contains(one));
    assertThat(list).contains(two);
  }

  @Test
  public void testThrows() {
    try {
      list.get(5);
      fail("expected an exception");
    } catch (IndexOutOfBoundsException expected) {
    }
  }

  @Test
  public void testSize() {
    assertThat(list.size()).isEqualTo(2);
  }
}
"""

JAVA_PORT_AFTER = """
import org.junit.Test;

public class ListTest {
  @Test
  public void testContains() {
    assertThat(list.contains(one)).isTrue();
    assertThat(list.contains(two)).isTrue();
  }

  @Test
  public void testThrows() {
    assertThrows(IndexOutOfBoundsException.class, () -> list.get(5));
  }

  @Test
  public void testSize() {
    assertThat(list.size());
  }
}
"""


def test_java_ports_of_equal_strength(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/ListTest.java"
    found = scan(cli, tmp_path, {path: JAVA_PORT_BEFORE}, {path: JAVA_PORT_AFTER})
    # Only the size check is lost: assertThat(x) with no verb checks nothing.
    assert {(s["signal_type"], s["test_name"], s["severity"]) for s in found} == {
        ("assertion_removed", "ListTest::testSize", "high")
    }


def test_real_losses_are_still_found(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_checks.py"
    after = PY_CHECKS.replace('    assert record.name == "a"\n', "").replace(
        "assert result.exit_code == 1", "assert result.exit_code"
    )
    found = scan(cli, tmp_path, {path: PY_CHECKS}, {path: after})
    assert kinds(found) == {
        ("assertion_removed", "test_record"),
        ("assertion_weakened", "test_duplicate_option"),
    }
    removed = next(s for s in found if s["test_name"] == "test_record")
    assert removed["details"]["removed_lines"] == ['assert record.name == "a"']


# ------------------------------------------------------------------------------ 4. misses

NODE_TEST = """
'use strict'
const { test } = require('node:test')
const { strictEqual } = require('node:assert')
const tspl = require('@matteo.collina/tspl')

test('settles under churn', async (t) => {
  const plan = tspl(t, { plan: 1 })
  plan.strictEqual(await run(), 'done')
})

test('keeps the body', async (t) => {
  strictEqual(await body(), 'asd')
  t.assert.deepStrictEqual(await headers(), { a: '1' })
})

test('reports errors', async (t) => {
  await new Promise((resolve, reject) => {
    request((err) => {
      try {
        t.assert.ok(err instanceof TimeoutError)
        resolve()
      } catch (error) {
        reject(error)
      }
    })
  })
})
"""


def test_node_test_suites_in_test_folders_are_read(cli: Cli, tmp_path: Path) -> None:
    path = "test/http2-churn.js"
    after = NODE_TEST.replace(
        "test('settles under churn', async (t) => {",
        "test('settles under churn', { skip: process.platform === 'linux' && 'node bug' }, async (t) => {",
    ).replace("  t.assert.deepStrictEqual(await headers(), { a: '1' })\n", "")
    found = scan(cli, tmp_path, {path: NODE_TEST}, {path: after})
    assert kinds(found) == {
        ("skip_introduced", "settles under churn"),
        ("assertion_removed", "keeps the body"),
    }
    skip = next(s for s in found if s["signal_type"] == "skip_introduced")
    assert skip["details"]["marker"] == "skip: process.platform === 'linux' && 'node bug'"
    # A handler that hands the error on (reject(error)) swallows nothing; fixtures are not suites.
    edited = NODE_TEST.replace("resolve()\n", "resolve() // settled\n")
    fixture = {"test/fixtures/suite/a.js": NODE_TEST}
    assert (
        scan(
            cli,
            tmp_path / "2",
            {path: NODE_TEST, **fixture},
            {path: edited, "test/fixtures/suite/a.js": None},
        )
        == []
    )


MOCHA = """
var request = require('supertest')

describe('req.query', function () {
  it('should parse the query', function (done) {
    request(createApp('extended')).get('/?a=1').expect(200, '{"a":"1"}', done)
  })

  it('should not access prototype properties', function (done) {
    request(createApp('extended')).get('/?foo=yee').expect(200, /TypeError/, done)
  })
})
"""


def test_a_removed_mocha_test_is_not_kept_alive_by_a_look_alike(cli: Cli, tmp_path: Path) -> None:
    path = "test/req.query.js"
    after = MOCHA.split("\n  it('should not access")[0] + "\n})\n"
    found = scan(cli, tmp_path, {path: MOCHA}, {path: after})
    assert kinds(found) == {("test_removed", "req.query > should not access prototype properties")}


PY_MODULE = """
import pytest

def test_a():
    assert load("a") == 1

def test_b():
    assert load("b") == 2
"""


def test_python_module_level_skips(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_load.py"
    after = PY_MODULE.replace("import pytest\n", "import pytest\n\nyaml = pytest.importorskip('yaml')\n")
    found = scan(cli, tmp_path, {path: PY_MODULE}, {path: after})
    assert kinds(found) == {("skip_introduced", "test_a"), ("skip_introduced", "test_b")}
    assert {s["details"]["marker"] for s in found} == {"pytest.importorskip('yaml')"}
    marked = PY_MODULE.replace("import pytest\n", "import pytest\n\npytestmark = pytest.mark.skip('later')\n")
    assert len(scan(cli, tmp_path / "2", {path: PY_MODULE}, {path: marked})) == 2


JAVA_ASSUME = """
import org.junit.jupiter.api.Test;

class ClockTest {
  @Test
  void ticks() {
    assertEquals(1, clock.tick());
  }
}
"""


def test_java_assumptions_and_class_level_disabled(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/a/ClockTest.java"
    assumed = JAVA_ASSUME.replace("void ticks() {\n", "void ticks() {\n    assumeTrue(isLinux());\n")
    found = scan(cli, tmp_path, {path: JAVA_ASSUME}, {path: assumed})
    assert kinds(found) == {("skip_introduced", "ClockTest::ticks")}
    assert found[0]["details"]["marker"] == "assumeTrue(isLinux())"
    disabled = JAVA_ASSUME.replace("class ClockTest", '@Disabled("flaky")\nclass ClockTest')
    assert kinds(scan(cli, tmp_path / "2", {path: JAVA_ASSUME}, {path: disabled})) == {
        ("skip_introduced", "ClockTest::ticks")
    }


# ------------------------------------------------------------- JS titles and skips built in code

EXPRESS = """
var shouldSkipQuery = require('./support/utils').shouldSkipQuery

describe('app.router', function(){
  describe('methods', function(){
    methods.forEach(function(method){
      if (method === 'connect') return;

      it('should include ' + method.toUpperCase(), function(done){
        request(app)[method]('/foo').expect(200, done)
      })

      it('should send ETag in response to ' + method.toUpperCase() + ' request', function(done){
        request(app)[method]('/').expect('ETag', 'x', done)
      })
    })
  })
})
"""
UTILS = """
exports.shouldSkipQuery = shouldSkipQuery

function shouldSkipQuery(versionString) {
  // QUERY is not supported on Node 21
  return Number(getMajorVersion(versionString)) === 21
}
"""


def test_titles_built_at_run_time_keep_their_expression(cli: Cli, tmp_path: Path) -> None:
    path = "test/app.router.js"
    after = EXPRESS.replace(
        "if (method === 'connect') return;\n",
        "if (method === 'connect') return;\n"
        "      if (method === 'query' && shouldSkipQuery(process.versions.node)) return\n",
    )
    # Two loop-generated tests are two tests, each named as written, never one "should include ".
    found = scan(cli, tmp_path, {path: EXPRESS}, {path: after})
    assert kinds(found) == {
        ("skip_introduced", "app.router > methods > should include ${method.toUpperCase()}"),
        (
            "skip_introduced",
            "app.router > methods > should send ETag in response to ${method.toUpperCase()} request",
        ),
    }
    assert found[0]["details"]["marker"].startswith("if (method === 'query' && shouldSkipQuery(")
    # A loop that skips by its own data (not the platform, a version or a skip helper) is no skip.
    data = EXPRESS.replace("return;\n", "return;\n      if (method === 'head') return\n", 1)
    assert scan(cli, tmp_path / "2", {path: EXPRESS}, {path: data}) == []


def test_a_widened_skip_helper(cli: Cli, tmp_path: Path) -> None:
    utils, widened = "test/support/utils.js", UTILS.replace("=== 21", "< 22")
    # Its callers untouched: the helper itself carries the signal.
    found = scan(cli, tmp_path, {utils: UTILS}, {utils: widened})
    assert kinds(found) == {("skip_introduced", "shouldSkipQuery")}
    assert found[0]["details"]["removed_lines"] == ["return Number(getMajorVersion(versionString)) === 21"]
    # Narrowed (`cond && more`) or only its comment edited: nothing.
    narrowed = UTILS.replace("=== 21", "=== 21 && !process.env.QUERY")
    assert scan(cli, tmp_path / "2", {utils: UTILS}, {utils: narrowed}) == []
    listed = (
        'function shouldSkipQuery(v) {\n  var majors = { "21": true, "22": true }\n  return majors[v]\n}\n'
    )
    dropped = listed.replace('"21": true, ', "")
    assert scan(cli, tmp_path / "2b", {utils: listed}, {utils: dropped}) == []
    reworded = UTILS.replace("is not supported", "is still not supported")
    assert scan(cli, tmp_path / "3", {utils: UTILS}, {utils: reworded}) == []
    # Callers touched by the same change: each test that calls it carries the signal instead.
    path = "test/app.router.js"
    calling = EXPRESS.replace(
        "function(done){\n        request(app)[method]('/foo')",
        "function(done){\n        if (shouldSkipQuery(process.versions.node)) this.skip()\n"
        "        request(app)[method]('/foo')",
    )
    moved = calling.replace(
        "if (shouldSkipQuery(process.versions.node)) this.skip()", "if (shouldSkipQuery(v)) this.skip()"
    )
    found = scan(cli, tmp_path / "4", {utils: UTILS, path: calling}, {utils: widened, path: moved})
    assert kinds(found) == {
        ("skip_introduced", "app.router > methods > should include ${method.toUpperCase()}")
    }
    alias = "const itIfLinux = process.platform === 'linux' ? it : it.skip\n"
    wider = alias.replace("=== 'linux'", "!== 'win32'")
    assert kinds(scan(cli, tmp_path / "5", {utils: alias}, {utils: wider})) == {
        ("skip_introduced", "itIfLinux")
    }


RUNNER = """
import { fork } from 'node:child_process'

const BASE = {
  ignoredTests: [
    'conditional-etag-forward-unquoted',
  ]
}

for (const environment of environments) {
  fork('worker.mjs', { env: { TEST_ENVIRONMENT: JSON.stringify(environment) } })
}
"""


def test_a_runner_script_that_exits_early_or_excludes_more(cli: Cli, tmp_path: Path) -> None:
    path = "test/cache-interceptor/cache-tests.mjs"
    exits = RUNNER.replace(
        "\nconst BASE",
        "\nif (!existsSync(RUNNER)) {\n  console.warn('submodule missing')\n  exit(0)\n}\n\nconst BASE",
    )
    found = scan(cli, tmp_path, {path: RUNNER}, {path: exits})
    assert [(s["signal_type"], s["test_name"], s["details"]["marker"]) for s in found] == [
        ("skip_introduced", None, "if (!existsSync(RUNNER)) { ... exit(0) }")
    ]
    more = RUNNER.replace(
        "    'conditional-etag-forward-unquoted',\n",
        "    'conditional-etag-forward-unquoted',\n    'age-parse-float',\n    'age-parse-dup-0',\n",
    )
    found = scan(cli, tmp_path / "2", {path: RUNNER}, {path: more})
    assert [s["details"]["skipped"] for s in found] == [["age-parse-float", "age-parse-dup-0"]]
    fewer = RUNNER.replace("    'conditional-etag-forward-unquoted',\n", "")
    assert scan(cli, tmp_path / "3", {path: RUNNER}, {path: fewer}) == []


VITEST_ENV = """
import { test, expect } from 'vitest'

test('reads the socket', () => {
  expect(read(socket)).toBe('ok')
})

describe('signals', () => {
  test('handles SIGHUP', () => {
    expect(handle('SIGHUP')).toBe(true)
  })
})
"""


def test_code_conditioned_skips_in_js(cli: Cli, tmp_path: Path) -> None:
    path = "src/io.test.ts"
    skip_if = VITEST_ENV.replace(
        "test('reads the socket'", "test.skipIf(process.platform === 'win32')('reads the socket'"
    )
    early = skip_if.replace(
        "describe('signals', () => {\n",
        "describe('signals', () => {\n  if (process.platform === 'win32') return\n",
    )
    found = scan(cli, tmp_path, {path: VITEST_ENV}, {path: early})
    assert kinds(found) == {
        ("skip_introduced", "reads the socket"),
        ("skip_introduced", "signals > handles SIGHUP"),
    }
    markers = {s["details"]["marker"] for s in found}
    assert markers == {
        "test.skipIf(process.platform === 'win32')",
        "if (process.platform === 'win32') return",
    }
    at_top = VITEST_ENV.replace(
        "  expect(read(socket))",
        "  if (!semver.satisfies(process.version, '>=20')) return\n  expect(read(socket))",
    )
    assert kinds(scan(cli, tmp_path / "2", {path: VITEST_ENV}, {path: at_top})) == {
        ("skip_introduced", "reads the socket")
    }


REWRITE_OLD = """
describe('cache', () => {
  test('stale-if-error on connection error', async () => {
    const client = new Client(origin).compose(interceptors.cache())
    equal(requestsToOrigin, 0)
    const response = await client.request({ origin: 'localhost', path: '/', method: 'GET' })
    equal(requestsToOrigin, 1)
    equal(response.statusCode, 200)
    server.close()
    await rejects(client.request({ origin: 'localhost', path: '/', method: 'GET' }))
  })
})
"""


def test_a_rewrite_does_not_pair_unrelated_names_on_look_alike_bodies(cli: Cli, tmp_path: Path) -> None:
    path = "test/interceptors/cache.js"
    new = REWRITE_OLD.replace(
        "stale-if-error on connection error", "max-age accounts for apparent age"
    ).replace(
        "    server.close()\n"
        "    await rejects(client.request({ origin: 'localhost', path: '/', method: 'GET' }))\n",
        "    clock.tick(1000)\n    await client.close()\n    strictEqual(dateOf(response), date)\n",
    )
    # The bodies are 0.83 alike, as tests of one file are: the old test is removed, not "renamed" into
    # the new one and read as losing its rejects() check.
    found = scan(cli, tmp_path, {path: REWRITE_OLD}, {path: new})
    assert kinds(found) == {("test_removed", "cache > stale-if-error on connection error")}
    renamed = REWRITE_OLD.replace(
        "stale-if-error on connection error", "stale-if-error on a connection error"
    )
    assert scan(cli, tmp_path / "2", {path: REWRITE_OLD}, {path: renamed}) == []


# ------------------------------------------------ test files recognised by their framework's imports

NODE_SUITE = """
import { test } from 'node:test'
import assert from 'node:assert'

test('parses a header', () => {
  assert.strictEqual(parse('a: 1').a, '1')
  assert.deepStrictEqual(parse(''), {})
})
"""
PY_SUITE = """
import pytest

def test_parse():
    assert parse("a") == 1
    assert parse("") == 0
"""


def test_test_files_are_recognised_by_their_framework_imports(cli: Cli, tmp_path: Path) -> None:
    js, py = "lib/parse.node-test.mjs", "checks/check_parse.py"
    weaker_js = NODE_SUITE.replace("  assert.deepStrictEqual(parse(''), {})\n", "")
    weaker_py = PY_SUITE.replace('    assert parse("") == 0\n', "")
    found = scan(cli, tmp_path, {js: NODE_SUITE, py: PY_SUITE}, {js: weaker_js, py: weaker_py})
    assert {(s["signal_type"], s["file_path"], s["test_name"]) for s in found} == {
        ("assertion_removed", js, "parses a header"),
        ("assertion_removed", py, "test_parse"),
    }
    # A source module that only mentions tests, or imports no framework, is never read as a suite.
    module = "lib/testing.js"
    source = "export function test(name) {\n  assert.ok(name)\n  return name\n}\n"
    helper = "src/pkg/testing.py"
    plugin = "import pytest\n\ndef helper():\n    assert check()\n"
    found = scan(
        cli,
        tmp_path / "2",
        {module: source, helper: plugin},
        {
            module: source.replace("  assert.ok(name)\n", ""),
            helper: plugin.replace("    assert check()\n", "    pass\n"),
        },
    )
    assert found == []


# ------------------------------------------------------------ Python skips raised from fixtures

PY_FIXTURES = """
import pytest

@pytest.fixture
def server():
    return start()

@pytest.fixture(autouse=True)
def clean():
    yield

def test_get(server):
    assert server.get("/") == 200

def test_local():
    assert local() == 1

class TestPost:
    def test_post(self, server):
        assert server.post("/") == 201
"""


def test_a_skip_raised_in_a_fixture_skips_the_tests_that_use_it(cli: Cli, tmp_path: Path) -> None:
    path = "tests/test_http.py"
    skipped = PY_FIXTURES.replace(
        "def server():\n    return start()",
        "def server():\n    if not docker():\n        pytest.skip('no docker')\n    return start()",
    )
    found = scan(cli, tmp_path, {path: PY_FIXTURES}, {path: skipped})
    assert kinds(found) == {("skip_introduced", "test_get"), ("skip_introduced", "TestPost::test_post")}
    assert {s["details"]["marker"] for s in found} == {"fixture server: pytest.skip('no docker')"}
    # An autouse fixture reaches every test of the module: three tests skipped by one cause, one signal.
    autouse = PY_FIXTURES.replace(
        "def clean():\n    yield", "def clean():\n    pytest.skip('later')\n    yield"
    )
    [grouped] = scan(cli, tmp_path / "2", {path: PY_FIXTURES}, {path: autouse})
    assert (grouped["signal_type"], grouped["test_name"]) == ("skip_introduced", None)
    assert set(grouped["details"]["tests"]) == {"test_get", "test_local", "TestPost::test_post"}


CONFTEST = """
import pytest

@pytest.fixture
def db():
    return connect()

def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.timeout(10))
"""


def test_a_skip_added_in_a_conftest(cli: Cli, tmp_path: Path) -> None:
    path = "tests/integration/conftest.py"
    hooked = CONFTEST.replace(
        "        item.add_marker(pytest.mark.timeout(10))\n",
        "        item.add_marker(pytest.mark.timeout(10))\n        if 'slow' in item.keywords:\n"
        "            item.add_marker(pytest.mark.skip(reason='too slow'))\n",
    )
    found = scan(cli, tmp_path, {path: CONFTEST}, {path: hooked})
    assert [(s["signal_type"], s["file_path"], s["details"]["hook"]) for s in found] == [
        ("skip_introduced", path, "pytest_collection_modifyitems")
    ]
    assert found[0]["details"]["applies_to"] == "every test under tests/integration/"
    assert found[0]["details"]["marker"] == "item.add_marker(pytest.mark.skip(reason='too slow'))"
    fixture = CONFTEST.replace("    return connect()", "    pytest.skip('no database')")
    found = scan(cli, tmp_path / "2", {path: CONFTEST}, {path: fixture})
    assert [s["details"]["applies_to"] for s in found] == ["tests under tests/integration/ using db"]
    reworded = CONFTEST.replace("timeout(10)", "timeout(20)")
    assert scan(cli, tmp_path / "3", {path: CONFTEST}, {path: reworded}) == []


def _cache_test(name: str, path: str, extra: str) -> str:
    return (
        f"  test('{name}', async () => {{\n"
        f"    const res = await client.request({{ path: '{path}' }})\n"
        "    equal(res.statusCode, 200)\n"
        "    equal(requests, 1)\n"
        f"{extra}"
        "  })\n"
    )


def test_generic_checks_of_a_rewrite_keep_no_dropped_test_alive(cli: Cli, tmp_path: Path) -> None:
    path = "test/interceptors/cache.js"
    kept = [_cache_test(f"max-age {n}", f"/{n}", f"    equal(age(res), {n})\n") for n in range(4)]
    dropped = _cache_test(
        "stale-if-error on connection error", "/e", "    await rejects(client.request({ path: '/e' }))\n"
    )
    fresh = _cache_test("must-revalidate sends a conditional request", "/r", "    equal(revalidations, 1)\n")
    head = "const { equal, rejects } = require('node:assert')\n\ndescribe('cache', () => {\n"
    before = head + "".join(kept) + dropped + "})\n"
    after = head + "".join(kept) + fresh + "})\n"
    # Every test checks the status and the request count: only the dropped test's own check (a
    # request rejected on a connection error) says what it tested, and no test of the change has it.
    assert kinds(scan(cli, tmp_path, {path: before}, {path: after})) == {
        ("test_removed", "cache > stale-if-error on connection error")
    }
    # Its own check taken over by the new test: it lives on.
    taking_over = after.replace(
        "    equal(revalidations, 1)\n", "    await rejects(client.request({ path: '/e' }))\n"
    )
    assert scan(cli, tmp_path / "2", {path: before}, {path: taking_over}) == []
