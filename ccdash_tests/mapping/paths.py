"""The `paths` provider: guesses domain and feature from where a test lives (file path, package, module).

Rules, in order, for the first source that yields segments:

1. the test's file path (`tests/billing/invoices/test_totals.py`, `src/billing/__tests__/totals.test.ts`,
   `src/test/java/com/acme/billing/TotalsTest.java`, `billing/invoices/totals_test.go`);
2. a classname or suite that is itself a file path (Vitest writes the file as the classname);
3. a Go package path in the classname (`github.com/acme/shop/billing/invoices`): the module path
   (host/org/repo) is dropped and the feature comes from the test function (`TestInvoiceTotals` ->
   `invoice_totals`), so it gets a lower confidence;
4. a dotted classname: pytest xunit2 (`tests.billing.invoices.test_totals.TestX`) or a JUnit class
   (`com.acme.billing.invoices.TotalsTest`, whose reverse-domain prefix `com.acme` is dropped).

Noise segments (NOISE) are dropped wherever they appear; the remaining directories give the domain
(first) and subdomain (second); deeper directories are ignored, because they usually mirror code
layout rather than product areas. The feature is the file (or class, or module) name without test
affixes, in snake_case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ccdash_tests.mapping.base import MappingCandidate, ProviderName, TestRef

NOISE = frozenset(
    {
        "test", "tests", "testing", "src", "source", "__tests__", "__test__", "spec", "specs", "main",
        "java", "kotlin", "scala", "groovy", "python", "py", "js", "ts", "unit", "units", "integration",
        "integration_tests", "unit_tests", "e2e", "functional", "acceptance", "it", "lib", "pkg",
        "internal", "__snapshots__", "__mocks__", "fixtures", "cypress", "playwright",
    }
)  # fmt: skip
REVERSE_DOMAIN_ROOTS = frozenset({"com", "org", "net", "io", "dev", "edu", "gov", "co", "uk", "de", "fr"})
MAX_DOMAIN_DEPTH = 2
PATH_CONFIDENCE = 0.6
DOTTED_CONFIDENCE = 0.55
GO_CONFIDENCE = 0.5

_FILE_EXTENSIONS = re.compile(
    r"\.(py|java|kt|kts|scala|groovy|go|rb|php|cs|js|jsx|ts|tsx|mjs|cjs|mts|cts|vue|svelte|rs|swift|cpp|cc|c)$",
    re.IGNORECASE,
)
_TEST_INFIX = re.compile(r"\.(test|spec|tests|specs|e2e|it|unit|integration)$", re.IGNORECASE)
_AFFIX_FORMS = (
    re.compile(r"^tests?_+(.+)$", re.IGNORECASE),
    re.compile(r"^(.+?)_+(tests?|spec|it)$", re.IGNORECASE),
    re.compile(r"^[Tt]ests?(?=[A-Z0-9])(.+)$"),
    re.compile(r"^(.+?[a-z0-9])(Tests?|Spec|IT|TestCase|Suite)$"),
)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")
_PY_TEST_MODULE = re.compile(r"^(test_.+|.+_tests?)$")


def snake(text: str) -> str:
    """`InvoiceTotals`, `invoice-totals`, `invoiceTotals` -> `invoice_totals`."""
    spaced = _CAMEL_BOUNDARY.sub("_", text)
    return _NON_WORD.sub("_", spaced).strip("_").lower()


def strip_test_affixes(stem: str) -> str:
    """`test_totals`, `totals_test`, `TotalsTest`, `TestTotals` -> the part that names the subject."""
    for form in _AFFIX_FORMS:
        match = form.match(stem)
        if match:
            return match.group(1)
    return stem


def feature_from_file(filename: str) -> str:
    """The feature a test file proves: `test_totals.py`, `totals.test.ts`, `TotalsTest.java` -> `totals`."""
    stem = _FILE_EXTENSIONS.sub("", filename)
    stem = _TEST_INFIX.sub("", stem)
    return snake(strip_test_affixes(stem))


def domain_from_segments(segments: Sequence[str]) -> str | None:
    """The domain path from directory or package segments, without noise and reverse-domain prefixes."""
    kept = [seg.lower() for seg in segments if seg and seg.lower() not in NOISE and not seg.startswith(".")]
    if len(kept) >= 2 and kept[0] in REVERSE_DOMAIN_ROOTS:
        kept = kept[2:]
    kept = [snake(seg) for seg in kept[:MAX_DOMAIN_DEPTH]]
    return "/".join(seg for seg in kept if seg) or None


def looks_like_file(text: str) -> bool:
    """A path ("src/a/totals.test.ts") or a bare file name ("totals.spec.js"), not a dotted module path."""
    if not _FILE_EXTENSIONS.search(text):
        return False
    if "/" in text or "\\" in text:
        return True
    return " " not in text and text.count(".") <= 2


# Many tests share one file or class: cache the parse, it is a pure function of the text.
@lru_cache(maxsize=65536)
def from_file_path(path: str) -> tuple[str | None, str] | None:
    """(domain, feature) from a file path; None when the file name gives no feature."""
    parts = [part for part in re.split(r"[/\\]+", path) if part and part not in (".", "..")]
    if not parts:
        return None
    feature = feature_from_file(parts[-1])
    if not feature:
        return None
    return domain_from_segments(parts[:-1]), feature


def _is_go_package(classname: str) -> bool:
    first = classname.split("/", 1)[0]
    return "/" in classname and "." in first and " " not in classname


def from_go_package(package: str, test_name: str) -> tuple[str | None, str] | None:
    """(domain, feature) from a Go import path and a test function such as `TestTotals/sub_case`."""
    segments = package.split("/")
    # The module path of a hosted Go module is host/org/repo; a bare host (gopkg.in/x) has two parts.
    drop = 3 if len(segments) > 3 else min(len(segments), 2)
    domain = domain_from_segments(segments[drop:])
    function = test_name.split("/", 1)[0]
    feature = snake(strip_test_affixes(function)) if function else ""
    if not feature:
        return None
    return domain, feature


# Many tests share one file or class: cache the parse, it is a pure function of the text.
@lru_cache(maxsize=65536)
def from_dotted(classname: str) -> tuple[str | None, str] | None:
    """(domain, feature) from a pytest module path or a JVM class name."""
    segments = [seg for seg in classname.split(".") if seg]
    if not segments:
        return None
    segments[-1] = segments[-1].split("$", 1)[0]
    unit = _file_unit_index(segments)
    feature = snake(strip_test_affixes(segments[unit]))
    if not feature:
        return None
    return domain_from_segments(segments[:unit]), feature


def _file_unit_index(segments: Sequence[str]) -> int:
    """Which segment is the file: the last pytest test module, else the first class (JVM), else the last."""
    for index in range(len(segments) - 1, -1, -1):
        if _PY_TEST_MODULE.match(segments[index]):
            return index
    for index, seg in enumerate(segments):
        if seg[:1].isupper():
            return index
    return len(segments) - 1


class PathsProvider:
    """Low-confidence guesses from file paths, packages and module names."""

    name: str = ProviderName.PATHS.value

    def map(self, tests: Sequence[TestRef]) -> list[MappingCandidate]:
        candidates: list[MappingCandidate] = []
        for test in tests:
            guess = self.guess(test)
            if guess is not None:
                (domain, feature), confidence = guess
                candidates.append(MappingCandidate(test.test_id, feature, domain, self.name, confidence))
        return candidates

    @staticmethod
    def guess(test: TestRef) -> tuple[tuple[str | None, str], float] | None:
        if test.path:
            found = from_file_path(test.path)
            if found:
                return found, PATH_CONFIDENCE
        for text in (test.classname, test.suite):
            if text and looks_like_file(text):
                found = from_file_path(text)
                if found:
                    return found, PATH_CONFIDENCE
        if test.classname and _is_go_package(test.classname):
            found = from_go_package(test.classname, test.name)
            return (found, GO_CONFIDENCE) if found else None
        if test.classname and "." in test.classname and " " not in test.classname:
            found = from_dotted(test.classname)
            return (found, DOTTED_CONFIDENCE) if found else None
        return None
