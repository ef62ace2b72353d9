"""JUnit dialects: which producer wrote a report, and the identity rules each one needs.

Kept apart from the expat reader (junit.py), as test-results-parser keeps compute_name apart from its
reader: the reader finds suites and cases, this module says what they mean per producer.

Identity (suite, classname, name) per dialect:
  pytest (suite name "pytest", or a `file` attribute that is the classname's module): suite "",
    classname/name as written; `line` is 0-based in xunit1 and stored 1-based; the message of a
    setup/teardown error is unwrapped from `failed on setup with "..."` so that it equals pytest JSON's.
  unittest (xmlrunner, suite name "<class>-YYYYMMDDhhmmss"), Surefire, Gradle, GoogleTest, CTest,
    PHPUnit, gotestsum and unknown producers: suite "" when the classname is not empty (it places the
    test), else the enclosing <testsuite> name. JUnit 5 nested classes `Outer$Inner` become
    `Outer.Inner` (DESIGN.md §8), the way the source names them. gotestsum subtests `TestX/sub` are
    kept verbatim (Go reports the parent TestX too).
  jest (root name "jest tests"): jest-junit repeats the title as classname; a classname equal to the
    name is dropped; suite = the enclosing <testsuite> name.
  vitest (root name "vitest tests"): classname is the file (stored in `file` too); suite = <testsuite> name.
  mocha (root name "Mocha Tests"): mocha-junit-reporter writes the full title as name and the test
    title as classname; they are swapped back (name = test title, classname = the describe path);
    suite = the enclosing <testsuite> name.

ccdash-export (root name "ccdash-tests export", what `export --format junit` writes): the stored
identity as written, suite = the enclosing <testsuite> name.

Repeated cases: only REPEATS_ARE_ATTEMPTS producers write attempts as repeated <testcase> elements;
for all others a repeated (suite, classname, name) is another test, numbered by its position in the
file (junit.py's module docstring has the rule).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Producers that write each attempt of a test as one more <testcase> of the same name (pytest with
# pytest-rerunfailures, gotestsum --rerun-fails): there a repeated case is a retry and folds into the
# same test. Every other producer writes one <testcase> per test, so a repeated name is another test
# (jest-each rows, titles repeated in a describe, mocha loops, TestNG data-provider rows).
REPEATS_ARE_ATTEMPTS = frozenset({"pytest", "gotestsum"})
UNNAMED = "<unnamed>"

_CTEST_STATUS = frozenset({"run", "fail", "notrun", "disabled"})
_XMLRUNNER_SUITE = re.compile(r"-\d{14}$")
_JAVA_NAME = re.compile(r"^[\w.$]+$")
_SUITE_SCOPED = frozenset({"jest", "vitest", "mocha"})
# `ccdash-tests export --format junit` writes this root: suite, classname and name are taken as written.
EXPORT_ROOT = "ccdash-tests export"
EXPORT = "ccdash-export"
_ROOT_FRAMEWORKS = {
    EXPORT_ROOT: EXPORT,
    "jest tests": "jest",
    "vitest tests": "vitest",
    "mocha tests": "mocha",
    "alltests": "googletest",
}


def root_framework(name: str) -> str | None:
    """The producer a root element's name gives away (`<testsuites name="jest tests">`)."""
    if name == "pytest tests":
        return "pytest"
    return _ROOT_FRAMEWORKS.get(name.strip().lower())


def suite_framework(name: str, attrs: Mapping[str, str], inherited: str | None) -> str | None:
    """The producer of a <testsuite>: its own tell-tale, else what its parent or root said."""
    if name == "pytest":
        return "pytest"
    if _XMLRUNNER_SUITE.search(name) and "file" in attrs:
        return "unittest"
    if "surefire" in attrs.get("xsi:noNamespaceSchemaLocation", ""):
        return "surefire"
    return inherited


def module_of(file: str) -> str:
    module = file.replace("\\", "/").replace("/", ".")
    return module[:-3] if module.endswith(".py") else module


def case_framework(attrs: Mapping[str, str], classname: str, name: str, file: str | None) -> str | None:
    """Recognise a producer from one case when its suites did not say."""
    if file and classname:
        module = module_of(file)
        if classname == module or classname.startswith(module + "."):
            return "pytest"
    if "assertions" in attrs and "class" in attrs:
        return "phpunit"
    if classname == name and attrs.get("status") in _CTEST_STATUS:
        return "ctest"
    return None


def identity(
    framework: str | None, classname: str, name: str, suite_name: str, file: str | None
) -> tuple[str, str, str, str | None]:
    """(classname, name, suite, file) after the dialect fixes listed in the module docstring."""
    if framework == EXPORT:
        return classname, name, suite_name, file
    if framework == "mocha" and classname and name.endswith(classname):
        classname, name = name[: -len(classname)].rstrip(), classname
    elif framework == "jest" and classname == name:
        classname = ""
    elif framework == "vitest" and classname and file is None:
        file = classname
    if "$" in classname and _JAVA_NAME.match(classname):
        classname = classname.replace("$", ".")
    if framework == "pytest":
        suite = ""
    elif framework in _SUITE_SCOPED or not classname:
        suite = suite_name
    else:
        suite = ""
    return classname, name, suite, file
