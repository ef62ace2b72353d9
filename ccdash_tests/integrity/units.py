"""What the detectors know about one test's code: its checks, skip/xfail markers and swallowing handlers."""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from ccdash_tests.text import clip


class Strength(enum.IntEnum):
    """How much of a value a check pins down, by kind, weakest first (the table is in DESIGN-NOTES).

    A check of one level replaced by one of a lower level on the same subject accepts more: that is a
    weakening. A no-op is not a check at all (extractors drop it); it names the floor of the scale.
    """

    NOOP = 0  # `assert True`, `pytest.warns(None)`, `assertThat(x)` with no verb
    TRUTHY = 1  # truthiness, not-null, a type, "not equal", any exception at all
    BOUND = 2  # membership, containment, a pattern, a range or a bound, a specific exception type
    EXACT = 3  # equality, identity, null/None, a length, a snapshot, an exception with its message


Bound = tuple[str, str]  # (the bounded expression as written, "upper" | "lower")


def at_level(level: Strength, names: str) -> dict[str, Strength]:
    """A strength table's rows: each space-separated assertion name at `level`."""
    return dict.fromkeys(names.split(), level)


@dataclass(frozen=True, slots=True)
class Check:
    """One assertion, with its `strength` and the bounds it puts on values (`t < 5`: ("t", "upper"))."""

    text: str
    strength: Strength
    line: int
    helper: bool = False  # a call of a helper of the file that checks (it may hold many checks)
    bounds: tuple[Bound, ...] = ()
    # The names behind the locals it reads (`out = collect()` then `assert len(out) == 2`: "collect"):
    # a check of a local checks what the local holds.
    via: tuple[str, ...] = ()

    @property
    def strong(self) -> bool:
        """It constrains the value (a bound or better), rather than accepting almost anything."""
        return self.strength >= Strength.BOUND


@dataclass(frozen=True, slots=True)
class Marker:
    """A skip, an xfail, or an exception handler that swallows failures (`wraps_checks`: it guards checks)."""

    text: str
    line: int
    wraps_checks: bool = False
    # For a mark on one parametrized case (`pytest.param("trio", marks=skip)`): the literals of that
    # case's values, to tell a case new to the test (born skipped) from an old one switched off.
    case: frozenset[str] = frozenset()
    # The mark itself (`pytest.mark.skipif(WIN, reason=...)`), where the text is the decorator holding
    # it (a parametrize with `pytest.param(..., marks=...)`): its condition is read from it.
    mark: str = ""


@dataclass(frozen=True, slots=True)
class CaseCode:
    """One test as written in one version of one file.

    `qualname` is the test's name as its framework reports it ("Class::method" or "function" for
    pytest, "Class::method" for Java and PHP, "describe > it" for JS, "TestX" or "TestX > subtest"
    for Go, a table row as a subtest); `name` is the last part. `fingerprint` changes whenever the
    test's code does (not on reformatting or comments where the language allows telling); `body` is
    text used to recognise a renamed test.
    """

    qualname: str
    name: str
    line: int
    checks: tuple[Check, ...]
    skips: tuple[Marker, ...]
    xfails: tuple[Marker, ...]
    swallows: tuple[Marker, ...]
    fingerprint: str
    body: str
    lines: tuple[str, ...] = ()  # the test's source lines as written (for evidence)
    paths: int | None = None  # checks on the richest path (exclusive branches once); None: len(checks)
    # The values the test feeds and compares (string and number literals, docstrings aside): two tests
    # with the same checks on other data are not duplicates, and data that moves shows a fold.
    data: frozenset[str] = frozenset()
    # Its checks as each parametrized case runs them (`x == expected` with one case's values written
    # in), so that a test folded into a parametrized one is recognised by the checks of its case.
    instances: tuple[Check, ...] = ()
    # Comparisons computed and thrown away (`x == 1` as a statement), each written as the check it
    # would be (`assert x == 1`): a check whose `assert` was dropped still looks like one.
    idle: tuple[str, ...] = ()
    preamble: tuple[str, ...] = ()  # the comment lines right above the test (stripped): often a reason
    # Its if/else chains on the platform or environment: (the first condition as written, the
    # strongest check of the weakest branch, the signatures of the checks inside): what it still checks
    # where the weakest branch runs.
    platforms: tuple[tuple[str, Strength, frozenset[str]], ...] = ()
    # A row of a Go table-driven test (`{name: "x", ...}` run by `t.Run(tc.name, ...)`): its checks are
    # the loop's, with the row's values written in. It is a test of its own only by being there: the
    # loop's checks are compared once, on the enclosing test.
    row: bool = False
    # An AVA macro (`const testX = (t, input) => {...}` named by `test('title', testX, input)`): its
    # checks are its own, but it runs only through its tests, so deleting it loses only what they lose.
    macro: bool = False
    table: str = ""  # a JS table row's loop test (its qualname as written, `works ${x}`)

    @property
    def path_checks(self) -> int:
        return len(self.checks) if self.paths is None else self.paths


LANGUAGES = ("python", "javascript", "java", "go", "php")
_JS_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts")


_TEST_FOLDERS = frozenset({"test", "tests", "__tests__", "spec", "specs"})
# Inputs of tests, not tests: a fixture project's own suite must not be read as this project's.
_NOT_TEST_FOLDERS = frozenset(
    {"fixtures", "fixture", "__fixtures__", "__mocks__", "__snapshots__", "node_modules"}
)


def _in_test_folder(path: str) -> bool:
    """Mocha, AVA, tap and node:test suites live in test/ (or tests/, __tests__/) under any file name."""
    folders = PurePosixPath(path).parts[:-1]
    return any(part in _TEST_FOLDERS for part in folders) and not any(p in _NOT_TEST_FOLDERS for p in folders)


def language_of(path: str) -> str | None:
    """The language of a test file by the conventions of its usual runner, or None for non-test files."""
    name = PurePosixPath(path).name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return None
    if suffix == "py":
        return "python" if stem.startswith("test_") or stem.endswith("_test") else None
    if f".{suffix}" in _JS_SUFFIXES:
        return "javascript" if stem.endswith((".test", ".spec")) or _in_test_folder(path) else None
    if suffix == "java":
        # Maven Failsafe runs `*IT`/`*ITCase` classes as integration tests.
        java_test = stem.endswith(("Test", "Tests", "TestCase", "IT", "ITCase")) or stem.startswith("Test")
        # Gradle's `testFixtures` source set is compiled for other modules' tests, never run: a test
        # class there does not run.
        return "java" if java_test and "testFixtures" not in PurePosixPath(path).parts[:-1] else None
    if suffix == "go":
        return "go" if stem.endswith("_test") else None
    if suffix == "php":
        return "php" if stem.endswith("Test") else None
    return None


# A test file outside the path conventions is recognised by importing its framework. The first two
# are extended regular expressions for `git grep` (a cheap filter over the files a change touches);
# `language_by_imports` then confirms on the text.
JS_FRAMEWORK_GREP = (
    "(from|require[(]|import)[[:space:]]*[(]?[[:space:]]*['\"](node:test|vitest|@jest/globals|mocha|ava"
    "|tap|uvu|chai|bun:test|@playwright/test)(/assert)?['\"]"
)
PY_FRAMEWORK_GREP = "^[[:space:]]*(import|from)[[:space:]]+(pytest|unittest)([[:space:]]|[.]|$)"
_JS_FRAMEWORK = re.compile(JS_FRAMEWORK_GREP.replace("[[:space:]]", r"\s"))
_PY_FRAMEWORK = re.compile(PY_FRAMEWORK_GREP.replace("[[:space:]]", r"\s"), re.MULTILINE)
# Folders of example or documentation code that imports a framework without being this project's suite.
_NOT_SUITE_FOLDERS = _NOT_TEST_FOLDERS | {"doc", "docs", "examples", "example", "example_scripts", "bench"}


def may_import_tests(path: str) -> str | None:
    """The language whose test-framework imports would make `path` a test file ("javascript",
    "python"), or None: already a test by its path, not code, or in a folder of inputs or examples."""
    pure = PurePosixPath(path)
    if language_of(path) is not None or any(part in _NOT_SUITE_FOLDERS for part in pure.parts[:-1]):
        return None
    if pure.suffix in _JS_SUFFIXES:
        return "javascript"
    if pure.suffix == ".py" and pure.name != "conftest.py":
        return "python"
    return None


def language_by_imports(path: str, source: str) -> str | None:
    """The language of a test file recognised by what it imports (`node:test`, `vitest`, `mocha`...;
    pytest or unittest with a top-level `test*` function or `Test*` class), else None."""
    language = may_import_tests(path)
    if language == "javascript" and _JS_FRAMEWORK.search(source):
        return language
    if language == "python" and _PY_FRAMEWORK.search(source) and _defines_tests(source):
        return language
    return None


def _defines_tests(source: str) -> bool:
    """A top-level `test*` function or `Test*` class with `test*` methods, as Python reads it (not a
    line of a docstring, not a source class named `TestCaseFunction`)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    functions = ast.FunctionDef | ast.AsyncFunctionDef
    return any(
        (isinstance(node, functions) and node.name.startswith("test"))
        or (
            isinstance(node, ast.ClassDef)
            and node.name.startswith("Test")
            and any(isinstance(member, functions) and member.name.startswith("test") for member in node.body)
        )
        for node in tree.body
    )


def preamble(above: Iterable[str], prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The comment lines (starting with one of `prefixes`) right above a line, stripped, top first;
    `above` yields the lines above it, nearest first (it is read only as far as the comments go)."""
    found: list[str] = []
    for line in above:
        text = line.strip()
        if not text.startswith(prefixes):
            break
        found.append(text)
    return tuple(reversed(found))


def flat(text: str, limit: int = 200) -> str:
    """Evidence text on one line (whitespace collapsed), bounded."""
    return clip(" ".join(text.split()), limit)
