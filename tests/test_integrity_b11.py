"""Rules read off the eleventh blind batch (uvicorn, pluggy, pflag, validator, multer, helmet,
commons-compress, junit4), each as a small real git repository scanned through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli, GitRepo, judged
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- TypeScript helpers with typed parameters (helmet)

JEST_WARNINGS = """import { describe, it, expect, jest, beforeEach } from "@jest/globals";

describe("warnings", () => {
  beforeEach(() => {
    jest.spyOn(console, "warn").mockImplementation(() => {});
  });

  it("warns about xPoweredBy options", () => {
    topLevel({ xPoweredBy: { setTo: "x" } });
    expect(console.warn).toHaveBeenCalledTimes(1);
    expect(console.warn).toHaveBeenCalledWith("X-Powered-By does not take options.");
  });
});
"""
NODE_WARNINGS = """import assert from "node:assert/strict";
import { describe, it, type TestContext, type Mock } from "node:test";

describe("warnings", () => {
  const mockWarn = (t: TestContext) => t.mock.method(console, "warn", () => {});

  const assertWarns = (
    { mock }: Mock<() => unknown>,
    message: string,
  ): void => {
    assert.equal(mock.callCount(), 1);
    assert.deepEqual(mock.calls[0]?.arguments, [message]);
  };

  it("warns about xPoweredBy options", (t) => {
    const warn = mockWarn(t);
    topLevel({ xPoweredBy: { setTo: "x" } });
    assertWarns(warn, "X-Powered-By does not take options.");
  });
});
"""


def test_checks_moved_into_a_typed_arrow_helper_are_kept(cli: Cli, tmp_path: Path) -> None:
    path = "test/index.test.ts"
    assert scan(cli, tmp_path, {path: JEST_WARNINGS}, {path: NODE_WARNINGS}) == []
    # The same helper with its checks gone checks nothing: the test lost them.
    checks = (
        "    assert.equal(mock.callCount(), 1);\n    assert.deepEqual(mock.calls[0]?.arguments, [message]);\n"
    )
    hollow = NODE_WARNINGS.replace(checks, "    void mock;\n")
    found = scan(cli, tmp_path / "2", {path: JEST_WARNINGS}, {path: hollow})
    assert kinds(found) == {("assertion_removed", "warnings > warns about xPoweredBy options")}


# ------------------------------------------------- a JUnit 3 launcher is no test (junit4's samples)

LIST_TEST = """package samples;

import java.util.ArrayList;
import java.util.List;
import junit.framework.Test;
import junit.framework.TestCase;
import junit.framework.TestSuite;

public class ListTest extends TestCase {
    private List<Integer> full;

    public static void main(String[] args) {
        junit.textui.TestRunner.run(suite());
    }

    public static Test suite() {
        return new TestSuite(ListTest.class);
    }

    @Override
    protected void setUp() {
        full = new ArrayList<Integer>();
        full.add(1);
    }

    public void testContains() {
        assertTrue(full.contains(1));
    }
}
"""


def test_a_main_that_only_starts_a_junit_runner_is_no_test(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/samples/ListTest.java"
    launcher = (
        "    public static void main(String[] args) {\n"
        "        junit.textui.TestRunner.run(suite());\n"
        "    }\n\n"
    )
    without = LIST_TEST.replace(launcher, "")
    assert without != LIST_TEST
    assert scan(cli, tmp_path, {path: LIST_TEST}, {path: without}) == []
    # Its test methods are still tests: deleting one is a removed test.
    one = "    public void testContains() {\n        assertTrue(full.contains(1));\n    }\n"
    assert kinds(scan(cli, tmp_path / "2", {path: LIST_TEST}, {path: without.replace(one, "")})) == {
        ("test_removed", "ListTest::testContains")
    }


# ------------------------------------------ an issue far down a squash message (commons-compress)

PY_TESTS = "def test_zip64():\n    assert big() == 1\n\n\ndef test_small():\n    assert small() == 1\n"
DISABLED = PY_TESTS.replace("def test_zip64", "@pytest.mark.skip\ndef test_zip64")
SQUASH = "Bump deps and more (#722)\n\n" + "".join(f"* change {n}\n\n" for n in range(30)) + "See pmd#5871\n"
# An ordinary message that ends with its link: every line of it is the commit's own.
CLOSING = "Skip the zip64 test\n\n" + "".join(f"Line {n} of why.\n" for n in range(20)) + "closes #1420\n"


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Skip the zip64 test\n\nSee #5871.", "likely_deliberate"),
        (SQUASH, "suspicious"),
        (CLOSING, "likely_deliberate"),
    ],
    ids=["in-the-opening", "deep-in-a-squash", "at-the-end-of-an-ordinary-message"],
)
def test_an_issue_link_deep_in_a_squash_changelog_explains_no_skip(
    tmp_path: Path, message: str, verdict: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("tests", {"tests/test_zip.py": "import pytest\n\n\n" + PY_TESTS})
    repo.commit(message, {"tests/test_zip.py": "import pytest\n\n\n" + DISABLED})
    assert judged(repo, "skip_introduced", "test_zip64")[0] == verdict


# ------------------------------------------------- a method borrowed through call (multer)

HAS_OWN = """var assert = require('assert')

describe('Fields', function () {
  it('should not process non-multipart POST request', function (done) {
    parser(req, null, function (err) {
      assert.ifError(err)
      assert.equal(req.hasOwnProperty('body'), false)
      assert.equal(req.hasOwnProperty('files'), false)
      done()
    })
  })
})
"""


def test_a_method_borrowed_through_call_checks_as_the_method_does(cli: Cli, tmp_path: Path) -> None:
    path = "test/fields.js"
    borrowed = HAS_OWN.replace(
        "assert.equal(req.hasOwnProperty('body'), false)",
        "assert.strictEqual(Object.prototype.hasOwnProperty.call(req, 'body'), false)",
    ).replace(
        "assert.equal(req.hasOwnProperty('files'), false)",
        "assert.strictEqual(Object.prototype.hasOwnProperty.call(req, 'files'), false)",
    )
    assert scan(cli, tmp_path, {path: HAS_OWN}, {path: borrowed}) == []
    # A truth check of some other call accepts more than a membership check: still a weakening.
    loosened = HAS_OWN.replace("req.hasOwnProperty('files')", "Boolean(req.files)")
    assert kinds(scan(cli, tmp_path / "2", {path: HAS_OWN}, {path: loosened})) == {
        ("assertion_weakened", "Fields > should not process non-multipart POST request")
    }


# ------------------------------------------------- a test's own helper named test (helmet's hsts)

LOCAL_TEST = """var assert = require('assert')

describe('hsts', function () {
  it('throws an error with invalid parameters', function () {
    function test(value) {
      assert.throws(function () {
        hsts(value)
      }, Error)
    }
    test()
    test(null)
    test({})
    test('1234')
    test({ maxAge: -123 })
  })
})
"""


def test_calls_of_a_helper_named_test_inside_a_test_are_no_subtests(cli: Cli, tmp_path: Path) -> None:
    path = "test/hsts.js"
    fewer = LOCAL_TEST.replace("    test()\n    test(null)\n    test({})\n", "")
    assert fewer != LOCAL_TEST
    # Three values no longer throw; no test was removed (the test itself checks fewer values through
    # its helper, which is for the check rules to judge, not a deleted subtest).
    found = kinds(scan(cli, tmp_path, {path: LOCAL_TEST}, {path: fewer}))
    assert found <= {("assertion_removed", "hsts > throws an error with invalid parameters")}
