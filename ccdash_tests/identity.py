"""Stable identities: test_id, run_id and the error fingerprint (the hashing contract of DESIGN.md §4).

Canonical forms (version "v1"). Changing any of them changes every stored id, so each change needs a
new version tag, a migration that rewrites ids, and new fixed values in tests/test_identity.py.

test_id
    sha256 over the UTF-8 bytes of
        "ccdash-test:v1" US project US suite US classname US name
    (US = the unit separator U+001F, which no report writes in a name), as the first 32 hex digits.
    `suite` is the identity scope the parser chose: "" for pytest (its suite name is a constant and
    its classname already holds the module path, so JUnit xunit1, xunit2 and pytest JSON agree), the
    enclosing <testsuite> name for dialects whose classname alone does not place the test (Jest,
    Vitest, Mocha). `classname` is the dotted class path ("tests.test_x.TestA"), `name` the case
    name with its parameters ("test_x[a-1]"). Two tests that differ only in class differ in
    `classname`, so they never share an id.

    Tests that share a title (v1 amended: a change of parsing, not of the hash). A producer that writes
    one <testcase> per test (jest-each rows, titles repeated in a describe, mocha loops, TestNG data
    providers) can repeat one (suite, classname, name) in a file. The first keeps its name; the k-th is
    named "<name> #k" (k >= 2) before hashing, so each is a test of its own whose id is stable for as
    long as the producer writes them in the same order. A case with neither name nor classname is
    named "<unnamed>" and numbered the same way. Before this rule such cases were folded into the
    first one's id as attempts; ids of first occurrences (all tests with a unique name) are unchanged.
    Producers that write attempts as repeated cases (pytest-rerunfailures, gotestsum --rerun-fails)
    keep the name, so their attempts share one id.

    Per format beyond JUnit and pytest's (each parser's docstring has the detail):
      TRX: suite "", classname = the TestMethod's className, name = testName without a leading
        "className." (xUnit.net writes it qualified), parameters kept; data rows are tests of their own.
      NUnit 2/3, xUnit.net v2: as the TRX of the same adapter: suite "", classname = the class (NUnit's
        `classname`, or its Namespace and TestFixture suites; xUnit.net's `type`), name without a
        leading "classname.", parameters kept; an xUnit.net <errors> entry is "(<type>)" of its fixture.
      Jest JSON: as jest-junit's defaults (suite = the file's first describe, classname "", name = the
        full title); Vitest JSON: as Vitest's junit reporter (suite = classname = the file path, name =
        titles joined by " > "); so a switch between a tool's JSON and its JUnit keeps every id.
      go test -json: as gotestsum's JUnit (suite "", classname = the package import path, name = the
        test name, "TestX/sub" for subtests); a package that failed outside its tests is "TestMain".
      Mocha JSON: suite = the test file, classname = the describe titles, name = the title; the JSON
        cannot give mocha-junit-reporter's suite (the innermost describe), so these ids differ from it.
      CTRF: suite "", classname = the test's `suite` (its titles joined by " > " when a list), name =
        `name`; a file written by `export --format ctrf` carries the stored suite and classname back.

run_id
    The user's --run-id verbatim; otherwise sha256 over
        "ccdash-run:v1" US project US sorted(sha256 hex of each report file's bytes) joined by US
    as the first 32 hex digits: the same files, in any order, give the same run.

error text hash (the storage key that deduplicates failure texts, not an identity users see)
    sha256 over error type US message US details US "1" if the text was cut else "0", first 32 hex
    digits.

error fingerprint
    sha256 over "ccdash-err:v1" US exception type US normalised first message line, first 16 hex
    digits. Normalising replaces what differs between two occurrences of one cause: hex addresses,
    UUIDs, timestamps, temporary paths, line numbers and other numbers, quoted memory sizes; and it
    folds white space. See `normalise_message`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable

US = "\x1f"
TEST_ID_VERSION = "ccdash-test:v1"
RUN_ID_VERSION = "ccdash-run:v1"
ERROR_VERSION = "ccdash-err:v1"


def canonical_json(value: object) -> str:
    """Sorted keys, no spaces, text kept as is: one string per document, the text stored JSON columns and
    mapping snapshot hashes are taken over."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(parts: Iterable[str], length: int) -> str:
    return hashlib.sha256(US.join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:length]


def test_id(project: str, suite: str, classname: str, name: str) -> str:
    """The stable id of one test case in one project."""
    return _digest((TEST_ID_VERSION, project, suite, classname, name), 32)


test_id.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def test_id_hasher(project: str) -> Callable[[str, str, str], str]:
    """`test_id` with the project bound, for (suite, classname, name): the same ids, with the common
    head joined once (an ingest hashes every case)."""
    head = f"{TEST_ID_VERSION}{US}{project}{US}"
    sha256 = hashlib.sha256

    def hashed(suite: str, classname: str, name: str) -> str:
        text = f"{head}{suite}{US}{classname}{US}{name}"
        return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    return hashed


test_id_hasher.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def run_id(project: str, file_digests: Iterable[str]) -> str:
    """A run id derived from the report contents, independent of file order and names."""
    return _digest((RUN_ID_VERSION, project, *sorted(file_digests)), 32)


def error_text_hash(error_type: str | None, message: str | None, details: str | None, truncated: bool) -> str:
    """The key under which one distinct failure text is stored once (test_errors.text_hash)."""
    return _digest((error_type or "", message or "", details or "", "1" if truncated else "0"), 32)


_BRACKETS = re.compile(r"\[.*\]$", re.DOTALL)


def base_name(name: str) -> str:
    """The name without its parameters: `test_x[a-1]` -> `test_x`; shared by parametrized cases."""
    if "[" not in name:  # most names have no parameters; the pattern needs a bracket to match
        return name
    stripped = _BRACKETS.sub("", name)
    return stripped or name


# Order matters: specific shapes first, so that a UUID is not eaten digit by digit.
_NORMALISERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
        "<uuid>",
    ),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}(\.\d+)?\b"), "<time>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<addr>"),
    (
        re.compile(
            r"(?:[A-Za-z]:)?[/\\](?:tmp|var[/\\]folders|private[/\\]var|temp|Temp|AppData[/\\]Local[/\\]Temp)"
            r"[/\\][^\s'\":,)\]]*"
        ),
        "<tmp>",
    ),
    (re.compile(r"pytest-of-[^/\\\s]+[/\\]pytest-\d+[^\s'\":,)\]]*"), "<tmp>"),
    (re.compile(r"\b[0-9a-f]{12,}\b"), "<hex>"),
    (re.compile(r"(?<![A-Za-z_])[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def normalise_message(message: str) -> str:
    """The first non-empty line of a failure message with its incidental values replaced."""
    first = next((line for line in message.splitlines() if line.strip()), "")
    for pattern, replacement in _NORMALISERS:
        first = pattern.sub(replacement, first)
    return first.strip()[:500]


_EXC_TYPE = re.compile(r"^\s*(?:E\s+)?([A-Za-z_][\w.]*(?:Error|Exception|Failure|Exit|Interrupt|Warning))\b")


def exception_type(message: str, declared_type: str | None = None) -> str:
    """The exception class named by the report, else guessed from the message's first line."""
    if declared_type:
        return declared_type.strip()
    match = _EXC_TYPE.match(message)
    return match.group(1) if match else ""


def error_fingerprint(message: str | None, declared_type: str | None = None) -> str | None:
    """Groups failures that share one cause; None when there is no message and no type."""
    if not message and not declared_type:
        return None
    text = message or ""
    return _digest((ERROR_VERSION, exception_type(text, declared_type), normalise_message(text)), 16)
