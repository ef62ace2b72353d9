"""Pure integrity rules: edge cases of the detectors, edited_before_green, severity escalation, linking."""

from __future__ import annotations

import pytest

from ccdash_tests.integrity import (
    ChangedTest,
    SignalCandidate,
    SignalType,
    SourceChange,
    apply_previous_status,
    candidate_matches,
    detect,
    detect_changes,
    edited_before_green,
    pytest_classname,
)
from ccdash_tests.integrity.python_code import python_cases
from ccdash_tests.integrity.text_code import javascript_cases, mask, text_cases
from ccdash_tests.integrity.units import language_by_imports, language_of
from ccdash_tests.models import SignalSeverity, Status


def kinds(candidates: list[SignalCandidate]) -> set[tuple[str, str, str]]:
    return {(c.signal_type.value, c.test_name, c.severity.value) for c in candidates}


def candidate(kind: SignalType, path: str, name: str, language: str = "python") -> SignalCandidate:
    return SignalCandidate(kind, SignalSeverity.MEDIUM, path, name, 1, language)


# ------------------------------------------------------------------------------------ Python details


def test_pytest_collection_rules() -> None:
    source = """
import unittest

class TestOuter:
    class TestInner:
        async def test_deep(self):
            assert await f() == 1

    def helper(self):
        assert False

class Checks(unittest.IsolatedAsyncioTestCase):
    def test_case(self):
        self.assertIn(1, [1])

class Helper:
    def test_not_collected(self):
        pass

def test_top():
    pass

def helper_top():
    assert 1 == 2
"""
    cases = python_cases(source)
    assert cases is not None
    assert [c.qualname for c in cases] == ["TestOuter::TestInner::test_deep", "Checks::test_case", "test_top"]
    assert [len(c.checks) for c in cases] == [1, 1, 0]


def test_handlers_that_fail_loudly_or_check_are_not_swallowing() -> None:
    old = "def test_x():\n    f()\n"
    new = """
def test_x():
    try:
        f()
    except Exception:
        raise
    try:
        f()
    except Exception as exc:
        assert "boom" in str(exc)
    try:
        f()
    except ValueError:
        pass
"""
    found = detect("test_m.py", old, new)
    assert SignalType.BROAD_EXCEPTION not in {c.signal_type for c in found}


def test_skip_inside_parametrize_and_skiptest() -> None:
    old = """
import pytest
@pytest.mark.parametrize("x", [1, 2])
def test_p(x):
    assert x
class TestU:
    def test_u(self):
        assert g() == 1
"""
    new = """
import pytest
@pytest.mark.parametrize("x", [1, pytest.param(2, marks=pytest.mark.skip)])
def test_p(x):
    assert x
class TestU:
    def test_u(self):
        self.skipTest("later")
        assert g() == 1
"""
    assert kinds(detect("tests/test_m.py", old, new)) == {
        ("skip_introduced", "test_p", "medium"),
        ("skip_introduced", "TestU::test_u", "medium"),
    }


def test_existing_skip_with_new_reason_is_not_introduced() -> None:
    old = "import pytest\n@pytest.mark.skip(reason='a')\ndef test_s():\n    assert f() == 1\n"
    new = "import pytest\n@pytest.mark.skip(reason='b')\ndef test_s():\n    assert f() == 1\n"
    assert detect("test_s.py", old, new) == []


def test_non_test_files_are_ignored() -> None:
    assert detect("src/calc.py", "def test_x():\n    assert 1 == 1\n", None) == []
    assert detect("tests/conftest.py", "def test_x():\n    assert 1 == 1\n", None) == []


def test_deleted_file_reports_each_test_removed() -> None:
    found = detect(
        "tests/test_gone.py", "def test_a():\n    assert 1 == 1\n\ndef test_b():\n    pass\n", None
    )
    assert kinds(found) == {("test_removed", "test_a", "medium"), ("test_removed", "test_b", "medium")}


def test_moves_are_followed_only_within_one_language() -> None:
    changes = [
        SourceChange("tests/test_a.py", "def test_x():\n    assert 1 == 1\n", ""),
        SourceChange("src/x.test.js", "", "it('test_x', () => { expect(1).toBe(1); });\n"),
    ]
    assert kinds(detect_changes(changes).candidates) == {("test_removed", "test_x", "medium")}


# ------------------------------------------------------------------------------ text languages


def test_mask_keeps_offsets_and_blanks_comments_and_strings() -> None:
    source = "a = 'it(\"x\")'; // expect(1)\n/* t.Skip() */ b = `x\ny`; c = /re'/;\n"
    masked = mask(source, "javascript")
    assert len(masked.bare) == len(masked.code) == len(source)
    assert masked.bare.count("\n") == source.count("\n")
    assert "expect" not in masked.code and "Skip" not in masked.code
    assert "it(" in masked.code and "it(" not in masked.bare
    assert masked.bare.rstrip().endswith("c = /   /;")


def test_php_hash_comment_but_attribute_kept() -> None:
    masked = mask("#[Test]\n# $this->assertTrue(1)\n", "php")
    assert masked.bare.startswith("#[Test]")
    assert "assertTrue" not in masked.bare


def test_js_each_and_runtime_skip() -> None:
    old = "test.each([[1, 2]])('adds %i', (a, b) => {\n  expect(add(a, b)).toBe(3);\n});\n"
    new = (
        "test.each([[1, 2]])('adds %i', function (a, b) {\n"
        "  this.skip();\n  expect(add(a, b)).toBe(3);\n});\n"
    )
    case, row = javascript_cases(old)  # the test, and its one row as a test by its presence
    assert case.qualname == "adds %i" and len(case.checks) == 1
    assert row.qualname == "adds 1" and row.row and row.table == "adds %i"
    assert kinds(detect("a.spec.ts", old, new)) == {("skip_introduced", "adds %i", "medium")}


def test_java_junit3_names_and_class_level_ignore() -> None:
    old = (
        "public class LegacyTest extends TestCase {\n  public void testOne() { assertEquals(1, one()); }\n}\n"
    )
    new = "@Ignore\n" + old
    assert [c.qualname for c in text_cases(old, "java")] == ["LegacyTest::testOne"]
    assert kinds(detect("src/test/java/LegacyTest.java", old, new)) == {
        ("skip_introduced", "LegacyTest::testOne", "high")  # switched off with no reason
    }


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("tests/test_x.py", "python"),
        ("pkg/x_test.py", "python"),
        ("src/x.py", None),
        ("src/a.test.tsx", "javascript"),
        ("e2e/login.spec.mjs", "javascript"),
        ("src/test.js", None),
        ("test/req.query.js", "javascript"),  # Mocha, AVA, node:test: any file in test/
        ("packages/a/__tests__/util.ts", "javascript"),
        ("test/fixtures/app/test/a.js", None),  # a fixture project's suite is input, not a test
        ("src/test/java/a/FooTest.java", "java"),
        ("src/test/java/a/TestFoo.java", "java"),
        ("src/main/java/a/Foo.java", None),
        ("pkg/foo_test.go", "go"),
        ("pkg/foo.go", None),
        ("tests/FooTest.php", "php"),
        ("README", None),
    ],
)
def test_language_of(path: str, language: str | None) -> None:
    assert language_of(path) == language


# --------------------------------------------------------------------- run-aware rules and severity


def test_edited_before_green() -> None:
    changed = [
        ChangedTest("tests/test_a.py", "TestA::test_fixed", 3, "python"),
        ChangedTest("tests/test_a.py", "test_param", 9, "python"),
        ChangedTest("tests/test_a.py", "test_still_red", 12, "python"),
        ChangedTest("tests/test_a.py", "test_was_green", 15, "python"),
        ChangedTest("tests/test_a.py", "test_new_in_store", 18, "python"),
    ]
    previous = {
        "tests/test_a.py::TestA::test_fixed": Status.FAILED,
        "tests/test_a.py::test_param[1]": Status.PASSED,
        "tests/test_a.py::test_param[2]": Status.ERROR,
        "tests/test_a.py::test_still_red": Status.FAILED,
        "tests/test_a.py::test_was_green": Status.PASSED,
    }
    current = {
        "tests/test_a.py::TestA::test_fixed": Status.PASSED,
        "tests/test_a.py::test_param[1]": Status.PASSED,
        "tests/test_a.py::test_param[2]": Status.PASSED,
        "tests/test_a.py::test_still_red": Status.FAILED,
        "tests/test_a.py::test_was_green": Status.PASSED,
        "tests/test_a.py::test_new_in_store": Status.PASSED,
    }
    other = candidate(SignalType.ASSERTION_REMOVED, "tests/test_a.py", "test_param")
    found = edited_before_green(changed, previous, current, others=[other])
    assert kinds(found) == {
        ("edited_before_green", "TestA::test_fixed", "low"),
        ("edited_before_green", "test_param", "medium"),
    }
    fixed = next(c for c in found if c.test_name == "TestA::test_fixed")
    assert fixed.evidence == {"previous_status": ["failed"], "current_status": ["passed"]}


def test_skip_on_a_failing_test_is_high() -> None:
    skip = candidate(SignalType.SKIP_INTRODUCED, "tests/test_a.py", "test_x")
    weakened = candidate(SignalType.ASSERTION_WEAKENED, "tests/test_a.py", "test_x")
    other_skip = candidate(SignalType.SKIP_INTRODUCED, "tests/test_a.py", "test_y")
    previous = {"tests/test_a.py::test_x": Status.FAILED, "tests/test_a.py::test_y": Status.PASSED}
    result = apply_previous_status([skip, weakened, other_skip], previous)
    assert [c.severity for c in result] == [SignalSeverity.HIGH, SignalSeverity.MEDIUM, SignalSeverity.MEDIUM]
    assert result[0].evidence["failed_before"] is True


# ------------------------------------------------------------------------------------------- linking


def test_pytest_classname() -> None:
    assert pytest_classname("tests/unit/test_a.py", "TestA::TestB::test_x") == "tests.unit.test_a.TestA.TestB"
    assert pytest_classname("tests/test_a.py", "test_x") == "tests.test_a"


@pytest.mark.parametrize(
    ("classname", "name", "expected"),
    [
        ("tests.test_a.TestA", "test_x", True),
        ("tests.test_a.TestA", "test_x[1-2]", True),
        ("test_a.TestA", "test_x", True),  # pytest rootdir below the repository root
        ("tests.test_a.TestB", "test_x", False),
        ("tests.test_a", "test_x", False),
        ("tests.test_a.TestA", "test_xy", False),
        ("other.tests.test_a.TestA", "test_x", False),
        ("ts.test_a.TestA", "test_x", False),
    ],
)
def test_candidate_matches_pytest(classname: str, name: str, expected: bool) -> None:
    found = candidate(SignalType.ASSERTION_REMOVED, "tests/test_a.py", "TestA::test_x")
    assert candidate_matches(found, classname, name) is expected


def test_candidate_matches_other_languages() -> None:
    java = candidate(SignalType.SKIP_INTRODUCED, "src/test/java/a/CalcTest.java", "CalcTest::adds", "java")
    assert candidate_matches(java, "a.CalcTest", "adds()")
    assert candidate_matches(java, "a.CalcTest", "adds")
    assert not candidate_matches(java, "a.OtherTest", "adds()")
    go = candidate(SignalType.SKIP_INTRODUCED, "calc/calc_test.go", "TestAdd", "go")
    assert candidate_matches(go, "example.com/calc", "TestAdd/negative")
    assert not candidate_matches(go, "example.com/calc", "TestAddAll")
    subtest = candidate(SignalType.TEST_REMOVED, "calc/calc_test.go", "TestAdd > big negative", "go")
    assert candidate_matches(subtest, "example.com/calc", "TestAdd/big_negative")
    assert not candidate_matches(subtest, "example.com/calc", "TestAdd/small")
    js = candidate(SignalType.SKIP_INTRODUCED, "src/calc.test.js", "Calc > mul > multiplies", "javascript")
    assert candidate_matches(js, "Calc mul multiplies", "Calc mul multiplies")
    assert candidate_matches(js, "src/calc.test.js", "Calc > mul > multiplies")
    assert candidate_matches(js, "Calc mul", "multiplies")
    assert not candidate_matches(js, "Other", "multiplies")
    php = candidate(SignalType.SKIP_INTRODUCED, "tests/CalcTest.php", "CalcTest::testAdds", "php")
    assert candidate_matches(php, "App\\Tests\\CalcTest", "testAdds with data set #0")
    changed = ChangedTest("tests/test_a.py", "TestA::test_x", 3, "python")
    assert candidate_matches(changed, "tests.test_a.TestA", "test_x[0]")


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("lib/parse.check.mjs", "import { test } from 'node:test'\n", "javascript"),
        ("src/a.ts", 'import { it, expect } from "vitest";\n', "javascript"),
        ("src/a.js", "const { expect } = require('chai')\n", "javascript"),
        ("src/a.js", "import test from 'ava'\n", "javascript"),
        ("src/a.js", "// run with node:test\nexport const test = 1\n", None),  # a mention, no import
        ("src/a.js", "import { javascript } from 'java'\n", None),
        ("test/fixtures/a.js", "import { test } from 'node:test'\n", None),  # an input of tests
        ("docs/example.js", "import { test } from 'vitest'\n", None),
        ("checks/check_io.py", "import pytest\n\ndef test_io():\n    assert 1\n", "python"),
        (
            "checks/check_io.py",
            "from unittest import TestCase\n\nclass TestIo(TestCase):\n    def test_io(self):\n        ...\n",
            "python",
        ),
        ("src/pkg/plugin.py", "import pytest\n\ndef helper():\n    assert 1\n", None),  # no test in it
        ("src/pkg/conftest.py", "import pytest\n\ndef test_x():\n    assert 1\n", None),
        ("src/pkg/run.py", "import pytesting\n\ndef test_x():\n    assert 1\n", None),
        # A source class named Test* without test methods, a test in a docstring: not a suite.
        (
            "src/pkg/unit.py",
            "import unittest\n\nclass TestCaseFunction:\n    def runtest(self):\n        pass\n",
            None,
        ),
        ("src/pkg/doc.py", 'import pytest\n\nDOC = """\ndef test_x():\n    assert 1\n"""\n', None),
        ("vitest.config.ts", "import { defineConfig } from 'vitest/config'\n", None),
        ("src/a.js", "import { ok } from 'uvu/assert'\n", "javascript"),
    ],
)
def test_test_files_by_their_imports(path: str, source: str, expected: str | None) -> None:
    assert language_by_imports(path, source) == expected
