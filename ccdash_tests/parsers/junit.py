"""Streaming JUnit XML parser over expat: no DTD, no entities, flat memory, dialects normalised at the edge.

Safety. The document is fed to `xml.parsers.expat` in chunks; a DOCTYPE (and so any entity
declaration or external reference) is refused the moment expat reports it, before anything in it
is read, and parameter-entity parsing is off. Nothing but the current suite stack and the case being
read is kept, so memory stays flat whatever the size. Nesting deeper than MAX_DEPTH is refused.
Measured here: expat with Python handlers parses 100,000 cases in ~0.4 s, about 3x stdlib
`ElementTree.iterparse` with clearing; in exchange a failure text is capped as it streams in, so one
huge stack trace cannot grow memory (iterparse holds a whole text node first).

Status of one <testcase>:
  any <error> -> error, else any <failure> -> failed, else <skipped> -> skipped (xfailed when its type is
  "pytest.xfail" or xmlrunner's "XFAIL"), else a status attribute (GoogleTest status="notrun",
  result="suppressed"/"skipped"; CTest status="disabled"/"notrun"; disabled="true") -> skipped,
  CTest status="fail" -> failed, else passed. A failure whose message starts "[XPASS(strict)]" is
  failed (what pytest reports). xmlrunner's <error type="UnexpectedSuccess"> is failed, as pytest
  reports the same unittest case. Surefire/Gradle flakyFailure/flakyError/rerunFailure/rerunError
  count as extra attempts; flaky = a flaky* attempt failed and the final one passed. The message and
  the type come from the element that decided the status (the first <error>, else the first
  <failure>), whose text opens the details; the other elements' texts follow it (at most MAX_RESULTS
  elements are kept per case, each text capped as it streams in).

pytest writes a test whose call failed and whose teardown errored as two consecutive <testcase>
elements (the second holding `<error message="failed on teardown with ...">`): they are merged into
one case with status error, the rule pytest-json-report applies (a setup or teardown failure makes the
test an error) and the one used for the pytest JSON and report-log formats too.

Repeated cases (the same suite, classname and name in one file): pytest-rerunfailures and gotestsum
write each attempt as one more <testcase> (pytest-rerunfailures's failed attempts are empty, passing-
looking elements); these are yielded in document order under one name for the store to fold into
attempts, and a repeat that passed is flaky (a rerun follows a failure). Every other producer writes
one <testcase> per test, so there the k-th same-named case is a test of its own named "<name> #k";
a case with neither name nor classname is "<unnamed>", numbered the same way (`_Handler._place`).

Identity (suite, classname, name) and producer recognition per dialect: see dialects.py.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO
from xml.parsers import expat

from ccdash_tests.parsers import dialects
from ccdash_tests.parsers.common import (
    WALL_TIME_MS,
    ParsedReport,
    ReportError,
    ReportFormat,
    cap_text,
    normalise_timestamp,
    parse_seconds,
    wall_time,
)
from ccdash_tests.records import ParsedCase, Status
from ccdash_tests.text import first_line, plural

_CODES = expat.errors.codes
_CUT_OFF = frozenset(
    {_CODES[expat.errors.XML_ERROR_NO_ELEMENTS], _CODES[expat.errors.XML_ERROR_UNCLOSED_TOKEN]}
)
MAX_DEPTH = 1000
CHUNK = 256 * 1024
MIB = 1024 * 1024
# The longest tag (with its attributes) or comment read. Text nodes are not bounded by it: they stream
# in pieces and are capped as they come. 16 MiB leaves room for a failure message written into an
# attribute; a longer token could only be held whole.
MAX_TOKEN = 16 * MIB
MAX_PROPERTIES = 200
# <failure>/<error> elements kept per case: their texts go to the details, which are capped anyway;
# three million of them in one case must not cost three million records.
MAX_RESULTS = 32

_TEXT_ELEMENTS = frozenset({"failure", "error", "skipped"})
_RETRY_ELEMENTS = frozenset({"flakyFailure", "flakyError", "rerunFailure", "rerunError"})
_SKIP_STATUS = frozenset({"notrun", "disabled", "skipped", "suppressed", "skip", "ignored"})
# How many pytest cases are held back waiting for a teardown twin (bounded memory; xdist interleaves
# a few workers' cases, so a twin arrives well within this many elements of its test).
TWIN_WINDOW = 256
_PASSED, _FAILED, _ERROR = Status.PASSED, Status.FAILED, Status.ERROR
_PYTEST_PHASE = re.compile(r'^failed on (setup|teardown) with "(.*)"$', re.DOTALL)


class _Text:
    """One element's text, kept up to a number of characters (the rest is counted as cut, not kept)."""

    __slots__ = ("cut", "limit", "parts", "size")

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.cut = False

    def add(self, data: str) -> None:
        room = self.limit - self.size
        if len(data) > room:
            self.cut = True
            data = data[: max(room, 0)]
        if data:
            self.parts.append(data)
            self.size += len(data)

    def value(self) -> str:
        return "".join(self.parts)


class _Case:
    """What the child elements of one <testcase> said so far (made at its first child: most cases have
    none, and are read from their attributes alone)."""

    __slots__ = (
        "dropped",
        "failures",
        "has_error",
        "properties",
        "retries",
        "retry_failed",
        "skipped",
        "text",
    )

    def __init__(self) -> None:
        # (element, message, type, text) for failure/error, in document order, at most MAX_RESULTS of
        # them (plus the first <error> when it comes later: it decides the status)
        self.failures: list[tuple[str, str | None, str | None, _Text]] = []
        self.dropped = 0  # result elements beyond MAX_RESULTS, counted only
        self.has_error = False
        self.skipped: tuple[str | None, str | None] | None = None
        self.retries = 0
        self.retry_failed = False
        self.properties: dict[str, str] = {}
        self.text: _Text | None = None


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("true", "1", "yes")


class _Handler:
    """expat callbacks: keep a suite stack, build cases, hand finished ones to `out`."""

    def __init__(
        self,
        parser: expat.XMLParserType,
        path: str,
        max_text: int,
        metadata: dict[str, str],
        warnings: list[str],
    ) -> None:
        self.parser = parser
        self.warnings = warnings
        # Bytes given to expat, and where its latest event began: what lies between is one token still
        # open (a tag with its attributes, a comment), which expat 2.5 scans again on every chunk.
        self.fed = 0
        self.mark = 0
        # The file's own counters (tests, failures + errors): the outermost <testsuite> elements' sum,
        # else the root's; and what the cases themselves give, before any folding.
        self.declared = _Counters()
        self.root_declared = _Counters()
        self.read_cases = 0
        self.read_bad = 0
        self.path = path
        self.max_text = max_text
        self.metadata = metadata
        self.depth = 0
        self.root_seen = False
        self.root_framework: str | None = None
        self.suites: list[tuple[str, str | None]] = []  # (name, framework) per open <testsuite>
        self.top_suites = 0
        self.root_wall = False  # the root <testsuites> stated the session's time
        self.suite_files: list[str | None] = []  # the `file` of each open <testsuite> (Mocha writes it)
        # The open <testcase>'s attributes (None: not in a case), and its children's facts once it has one.
        self.case_attrs: dict[str, str] | None = None
        self.case: _Case | None = None
        self.case_depth = 0
        self.retry_depth = 0
        self.in_suite_properties = False
        self.out: list[ParsedCase] = []
        # pytest: the latest cases, held back to merge a teardown-error twin into its test. Without xdist
        # the twin follows its test at once; with xdist other workers' cases can come in between.
        self.window: dict[tuple[str, str], ParsedCase] = {}
        self.window_keys: deque[tuple[str, str]] = deque()  # the window's keys, oldest first
        self.framework: str | None = None
        # The hash of every (suite, classname, name) met in this file, and how often each repeated one
        # was met: what _place needs, in far less memory than the names themselves.
        self.seen: set[int] = set()
        self.repeats: dict[int, int] = {}

    def refuse(self, problem: str) -> ReportError:
        return ReportError(self.path, problem, self.parser.CurrentLineNumber)

    # ---- expat callbacks -------------------------------------------------------------------------

    def doctype(self, *_: object) -> None:
        raise self.refuse("DTD not allowed (DOCTYPE declarations are refused)")

    def entity(self, *_: object) -> None:
        raise self.refuse("entity declarations are not allowed")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.mark = self.parser.CurrentByteIndex
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.refuse(f"elements nested deeper than {MAX_DEPTH} levels")
        if not self.root_seen:
            self._start_root(tag, attrs)
        if self.case_attrs is not None:
            case = self.case
            if case is None:
                case = self.case = _Case()
            self._start_in_case(case, tag, attrs)
        elif tag == "testcase":
            self.case_attrs = attrs
            self.case_depth = self.depth
        elif tag == "testsuite":
            self._start_suite(attrs)
        elif tag == "properties" and self.suites:
            self.in_suite_properties = True
        elif tag == "property" and self.in_suite_properties:
            self._suite_property(attrs)

    def end(self, tag: str) -> None:
        self.mark = self.parser.CurrentByteIndex
        self.depth -= 1
        attrs = self.case_attrs
        if attrs is not None:
            case = self.case
            if self.depth < self.case_depth:
                self.case_attrs = self.case = None
                if case is None:
                    self._plain_case(attrs)
                    return
                teardown_error = bool(case.failures) and _is_teardown_error(case)
                self._emit(self._finish(attrs, case), teardown_error)
                return
            assert case is not None  # a child element ended, so the case holds its facts
            if tag in _RETRY_ELEMENTS:
                self.retry_depth = 0
            elif case.text is not None and tag in _TEXT_ELEMENTS and not self.retry_depth:
                case.text = None
        elif tag == "testsuite" and self.suites:
            self.suites.pop()
            self.suite_files.pop()
        elif tag == "properties":
            self.in_suite_properties = False

    def chars(self, data: str) -> None:
        self.mark = self.parser.CurrentByteIndex
        text = self.case.text if self.case is not None else None
        if text is not None:
            text.add(data)

    # ---- structure ------------------------------------------------------------------------------

    def _start_root(self, tag: str, attrs: dict[str, str]) -> None:
        self.root_seen = True
        if tag not in ("testsuites", "testsuite"):
            raise self.refuse(f"not a JUnit report: root <{tag[:80]}>")
        if tag == "testsuites":
            self.root_declared.add(attrs)
        name = attrs.get("name", "")
        self.root_framework = dialects.root_framework(name)
        self.framework = self.root_framework
        if name:
            self.metadata.setdefault("name", name)
        if tag == "testsuites":
            self.root_wall = self._set_wall_time(attrs.get("time"))

    def _set_wall_time(self, seconds: str | None) -> bool:
        stated = wall_time(parse_seconds(seconds))
        if stated is not None:
            self.metadata[WALL_TIME_MS] = stated
        return stated is not None

    def _start_suite(self, attrs: dict[str, str]) -> None:
        if not self.suites:
            self.declared.add(attrs)
            # The session's wall time: the root's `time`, else that of the file's only top-level suite
            # (pytest writes one); several top-level suites may have run in parallel, so none is taken.
            self.top_suites += 1
            if not self.root_wall and self.top_suites == 1:
                self._set_wall_time(attrs.get("time"))
            elif not self.root_wall:
                self.metadata.pop(WALL_TIME_MS, None)
        name = attrs.get("name", "")
        framework = dialects.suite_framework(
            name, attrs, self.suites[-1][1] if self.suites else self.root_framework
        )
        self.suites.append((name, framework))
        self.suite_files.append(attrs.get("file") or (self.suite_files[-1] if self.suite_files else None))
        if framework and not self.framework:
            self.framework = framework
        for key in ("hostname", "timestamp"):
            value = attrs.get(key)
            if value and key not in self.metadata:
                self.metadata[key] = (normalise_timestamp(value) or value) if key == "timestamp" else value

    def _suite_property(self, attrs: dict[str, str]) -> None:
        name = attrs.get("name")
        if not name or len(self.metadata) >= MAX_PROPERTIES:
            return
        value = attrs.get("value", "")
        self.metadata.setdefault(f"property.{name}", value[: self.max_text])
        if name == "go.version":
            suite_name, _ = self.suites[-1]
            self.suites[-1] = (suite_name, "gotestsum")
            self.framework = self.framework or "gotestsum"

    def _start_in_case(self, case: _Case, tag: str, attrs: dict[str, str]) -> None:
        if self.retry_depth:
            return
        if tag in _RETRY_ELEMENTS:
            case.retries += 1
            case.retry_failed = case.retry_failed or tag.startswith("flaky")
            self.retry_depth = self.depth
        elif tag in ("failure", "error"):
            first_error = tag == "error" and not case.has_error
            case.has_error = case.has_error or first_error
            if len(case.failures) >= MAX_RESULTS and not first_error:
                case.dropped += 1
                return
            text = _Text(self.max_text)
            case.failures.append((tag, attrs.get("message"), attrs.get("type"), text))
            case.text = text
        elif tag == "skipped" and case.skipped is None:
            case.skipped = (attrs.get("message"), attrs.get("type"))
        elif tag == "property" and len(case.properties) < MAX_PROPERTIES:
            name = attrs.get("name")
            if name:
                case.properties[name] = attrs.get("value", "")[: self.max_text]

    # ---- one case -------------------------------------------------------------------------------

    def _finish(self, attrs: dict[str, str], case: _Case | None) -> ParsedCase:
        """The parsed case of one <testcase>: its attributes, and what its children said (None: it had
        none, the common case, read without the children's rules)."""
        get = attrs.get
        classname = get("classname", "")
        name = get("name", "")
        suite_name, framework = self.suites[-1] if self.suites else ("", self.root_framework)
        file = get("file") or (self.suite_files[-1] if self.suite_files else None)
        if framework is None:
            framework = dialects.case_framework(attrs, classname, name, file)
            if self.framework is None:
                self.framework = framework
        line_text = get("line")
        line = None if line_text is None else _int_or_none(line_text)
        if framework == "pytest" and line is not None:
            line += 1  # pytest's junitxml writes the 0-based line of the definition
        if framework == "pytest" and "$" not in classname:
            suite = ""
        else:
            classname, name, suite, file = dialects.identity(framework, classname, name, suite_name, file)
        time = get("time")
        try:
            # the common case, a plain number, without the slower general reader
            duration = float(time) * 1000.0 if time is not None else None
            if duration is not None and not 0.0 <= duration < math.inf:
                duration = None
        except ValueError:
            duration = parse_seconds(time)
        if case is None:
            status = _attribute_status(attrs)
            framework = framework or "junit"
            return ParsedCase(suite, classname, name, status, duration, file, line, framework=framework)
        status, message, error_type, details = _status(case, attrs, framework)
        truncated = False
        if case.failures:
            truncated = bool(case.dropped) or any(text.cut for _, _, _, text in case.failures)
            message, cut_message = cap_text(message, self.max_text)
            details, cut_details = cap_text(details, self.max_text)
            truncated = truncated or cut_message or cut_details
        elif message is not None and len(message) > self.max_text:
            message, truncated = message[: self.max_text], True
        retries = case.retries
        return ParsedCase(
            suite,
            classname,
            name,
            status,
            duration,
            file,
            line,
            1 + retries,
            retries > 0 and case.retry_failed and status is Status.PASSED,
            message,
            error_type,
            details,
            truncated,
            case.properties,
            framework or "junit",
        )

    def _plain_case(self, attrs: dict[str, str]) -> None:
        """A <testcase> with no child element (most of any report): `_finish`, `_place` and `_emit` in
        one call, in the same order and with the same rules, for what such a case can be (no failure
        text, one attempt, never a teardown twin). A tenth of a large ingest's CPU was these three
        calls' overhead: attribute look-ups, a second key and a look-up of the twin window per case."""
        get = attrs.get
        classname = get("classname", "")
        name = get("name", "")
        suites = self.suites
        if suites:
            suite_name, framework = suites[-1]
            file = get("file") or self.suite_files[-1]
        else:
            suite_name, framework = "", self.root_framework
            file = get("file")
        if framework is None:
            framework = dialects.case_framework(attrs, classname, name, file)
            if self.framework is None:
                self.framework = framework
        line_text = get("line")
        line = None if line_text is None else _int_or_none(line_text)
        if framework == "pytest" and line is not None:
            line += 1  # pytest's junitxml writes the 0-based line of the definition
        if framework == "pytest" and "$" not in classname:
            suite = ""
        else:
            classname, name, suite, file = dialects.identity(framework, classname, name, suite_name, file)
        time = get("time")
        try:
            duration = float(time) * 1000.0 if time is not None else None
            if duration is not None and not 0.0 <= duration < math.inf:
                duration = None
        except ValueError:
            duration = parse_seconds(time)
        if "status" in attrs or "result" in attrs or "disabled" in attrs:
            status = _attribute_status(attrs)
            if status is _FAILED or status is _ERROR:
                self.read_bad += 1
        else:
            status = _PASSED
        self.read_cases += 1
        framework = framework or "junit"
        # _place
        flaky = False
        nameless = not name and not classname
        if nameless:
            name = dialects.UNNAMED
        key = hash((suite, classname, name))
        seen = self.seen
        if key not in seen:
            seen.add(key)
        elif not nameless and framework in dialects.REPEATS_ARE_ATTEMPTS:
            flaky = status is _PASSED
        else:
            number = self.repeats.get(key, 1) + 1
            self.repeats[key] = number
            name = f"{name} #{number}"
        # every field by position: a keyword and the defaults cost a third more per case
        case = ParsedCase(
            suite, classname, name, status, duration, file, line, 1, flaky, None, None, None, False, {},
            framework,
        )  # fmt: skip
        # _emit, without the twin look-up: a case with no child is not a teardown error
        window = self.window
        if framework != "pytest":
            if window:
                self.flush()
            self.out.append(case)
            return
        window_key = (classname, name)
        if window_key in window:
            self.flush()  # a second report of the same test (a rerun): keep document order
        window[window_key] = case
        self.window_keys.append(window_key)
        if len(window) > TWIN_WINDOW:
            self.out.append(window.pop(self.window_keys.popleft()))

    def _emit(self, case: ParsedCase, teardown_error: bool) -> None:
        self.read_cases += 1
        status = case.status
        if status is Status.FAILED or status is Status.ERROR:
            self.read_bad += 1
        if case.framework != "pytest":
            self._place(case)
            if self.window:
                self.flush()
            self.out.append(case)
            return
        window = self.window
        # pytest writes a teardown error as a second <testcase> only after a failed call (a passed call
        # takes the <error> into its own element), so only a failed case has a twin.
        held = window.get((case.classname, case.name)) if teardown_error else None
        if held is not None and held.status is Status.FAILED:
            _merge_teardown(held, case, self.max_text)
            return
        self._place(case)
        key = (case.classname, case.name)
        if key in window:
            # A second report of the same test (a rerun): keep document order.
            self.flush()
        window[key] = case
        self.window_keys.append(key)
        if len(window) > TWIN_WINDOW:
            self.out.append(window.pop(self.window_keys.popleft()))

    def _place(self, case: ParsedCase) -> None:
        """Give a repeated case its identity: an attempt of the same test, or a test of its own.

        Where the producer writes each attempt as a repeated case (dialects.REPEATS_ARE_ATTEMPTS), a
        repeat keeps its name, so the store folds it into the same test, and it is marked flaky when
        it passed: such a producer reruns only what failed. Elsewhere the k-th case of one (suite,
        classname, name) in the file is named "<name> #k" (k >= 2), a test of its own, so that two
        tests titled alike never fold into one, nor a failure into a pass. A case with neither name
        nor classname is named "<unnamed>" first and numbered the same way, whatever the producer.
        """
        nameless = not case.name and not case.classname
        if nameless:
            case.name = dialects.UNNAMED
        # Python's 64-bit hash of the key: two distinct keys of one file share it with odds of about
        # 1 in 10^8 for a million names (a digest would cost a sixth of the whole parse).
        key = hash((case.suite, case.classname, case.name))
        if key not in self.seen:
            self.seen.add(key)
            return
        if not nameless and case.framework in dialects.REPEATS_ARE_ATTEMPTS:
            case.flaky = case.flaky or case.status is Status.PASSED
            return
        number = self.repeats.get(key, 1) + 1
        self.repeats[key] = number
        case.name = f"{case.name} #{number}"

    def flush(self) -> None:
        self.out.extend(self.window.values())
        self.window.clear()
        self.window_keys.clear()

    def check_counters(self) -> None:
        """At the end: say so when the file's counters promise more tests, or failures, than it holds.

        Only shortfalls are reported: producers count differently above what they write (pytest counts
        a teardown error besides the failure it follows, Jest leaves todo tests out of its counters),
        but a report that declares failures and holds no failing case would otherwise store a pass.
        """
        declared = self.declared if self.declared.seen else self.root_declared
        if not declared.seen:
            return
        fewer = declared.tests is not None and declared.tests > self.read_cases
        if not fewer and not (declared.bad and not self.read_bad):
            return
        said = plural(declared.tests, "test") + ", " if declared.tests is not None else ""
        self.warnings.append(
            f"its counters say {said}{declared.bad:,} failing, but it holds"
            f" {plural(self.read_cases, 'test case')}, {self.read_bad:,} failing; stored what the cases say"
        )


class _Counters:
    """A JUnit element's declared `tests`, and `failures` + `errors` (None when absent or unreadable)."""

    __slots__ = ("bad", "seen", "tests")

    def __init__(self) -> None:
        self.tests: int | None = None
        self.bad = 0
        self.seen = False

    def add(self, attrs: dict[str, str]) -> None:
        tests = _count(attrs.get("tests"))
        bad = (_count(attrs.get("failures")) or 0) + (_count(attrs.get("errors")) or 0)
        if tests is None and not bad:
            return
        self.seen = True
        if tests is not None:
            self.tests = (self.tests or 0) + tests
        self.bad += bad


def _count(value: str | None) -> int | None:
    """A counter attribute as a small non-negative int (None when absent, unreadable or absurd)."""
    if value is None or len(value) > 12:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _status(
    case: _Case, attrs: dict[str, str], framework: str | None
) -> tuple[Status, str | None, str | None, str | None]:
    """(status, message, error type, details) by the rule in the module docstring.

    The element that decided the status (the first <error>, else the first <failure>) gives the message
    and the type, and its text opens the details; the other elements' texts (or messages) follow it.
    """
    if case.failures:
        decider = next((entry for entry in case.failures if entry[0] == "error"), case.failures[0])
        element, message, error_type, text = decider
        message = message if message and message.strip() else first_line(text.value()) or None
        if framework == "pytest" and message:
            unwrapped = _PYTEST_PHASE.match(message)
            message = unwrapped.group(2) if unwrapped else message
        parts = [text.value()]
        for entry in case.failures:
            if entry is not decider:
                parts.append(entry[3].value() or entry[1] or "")
        details = "\n".join(part for part in parts if part) or None
        if element == "error":
            if error_type == "UnexpectedSuccess" and len(case.failures) == 1:
                return Status.FAILED, message, error_type, details
            return Status.ERROR, message, error_type, details
        return Status.FAILED, message, error_type, details
    if case.skipped is not None:
        message, kind = case.skipped
        if kind in ("pytest.xfail", "XFAIL"):
            return Status.XFAILED, message, None, None
        return Status.SKIPPED, message, None, None
    return _attribute_status(attrs), None, None, None


def _attribute_status(attrs: dict[str, str]) -> Status:
    """The status of a case with no <failure>, <error> or <skipped>: what its status-like attributes say."""
    if "status" not in attrs and "result" not in attrs and "disabled" not in attrs:
        return Status.PASSED
    state = (attrs.get("status") or "").strip().lower()
    result = (attrs.get("result") or "").strip().lower()
    if state in _SKIP_STATUS or result in _SKIP_STATUS or _is_true(attrs.get("disabled")):
        return Status.SKIPPED
    if state in ("fail", "failed", "failure"):
        return Status.FAILED
    if state == "error":
        return Status.ERROR
    return Status.PASSED


def _is_teardown_error(case: _Case) -> bool:
    """pytest tells a teardown error only by the message of a lone <error>."""
    if len(case.failures) != 1:
        return False
    element, message, _, _ = case.failures[0]
    return element == "error" and message is not None and message.startswith("failed on teardown with ")


def _merge_teardown(held: ParsedCase, twin: ParsedCase, max_text: int) -> ParsedCase:
    details, cut = cap_text("\n".join(part for part in (held.details, twin.details) if part), max_text)
    held.status = Status.ERROR
    held.message = held.message or twin.message
    held.error_type = held.error_type or twin.error_type
    held.details = details
    held.truncated = held.truncated or twin.truncated or cut
    return held


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Start reading a JUnit report (the first chunk is checked now; cases are read lazily)."""
    warnings: list[str] = []
    metadata, framework, cases = parse_junit(fh, path, max_text, warnings)
    return ParsedReport(path, ReportFormat.JUNIT, framework, metadata, cases, warnings)


def parse_junit(
    fh: BinaryIO, path: str, max_text: int, warnings: list[str] | None = None
) -> tuple[dict[str, str], str | None, Iterator[ParsedCase]]:
    """Start reading a JUnit file: (metadata, framework, lazy cases). Reads and checks the first chunk now.

    `warnings` receives, once the cases are read, what the file's own counters say that its cases do not.
    """
    metadata: dict[str, str] = {}
    parser = expat.ParserCreate()
    handler = _Handler(parser, path, max_text, metadata, warnings if warnings is not None else [])
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.ordered_attributes = False
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = handler.doctype
    parser.EntityDeclHandler = handler.entity
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.chars
    try:
        first = _feed(parser, handler, fh, path)
    except BaseException:
        fh.close()
        raise
    return metadata, handler.framework or "junit", _iterate(parser, handler, fh, path, first)


def _feed(parser: expat.XMLParserType, handler: _Handler, fh: BinaryIO, path: str) -> bool:
    """Parse one chunk; True when the document is complete.

    A token still open after the last chunk (a tag whose attributes go on) makes the next read as long
    as that token, so expat's rescans of it add up to linear work, not quadratic; a token longer than
    MAX_TOKEN is refused before it is held whole (memory would grow with it).
    """
    pending = handler.fed - max(handler.mark, 0)
    if pending > MAX_TOKEN:
        raise ReportError(
            path,
            f"one XML token (a tag with its attributes, or a comment) longer than {MAX_TOKEN // MIB} MiB,"
            f" from byte {handler.mark}: too large to read",
            parser.CurrentLineNumber,
        )
    # as long as the open token, yet never past MAX_TOKEN (plus one chunk) of it
    chunk = fh.read(max(CHUNK, min(pending, MAX_TOKEN - pending)))
    handler.fed += len(chunk)
    try:
        parser.Parse(chunk, not chunk)
    except expat.ExpatError as err:
        problem = expat.ErrorString(err.code) or "malformed XML"
        if err.code in _CUT_OFF and handler.root_seen:
            problem = "unexpected end of file (the report is truncated)"
        elif err.code == _CODES[expat.errors.XML_ERROR_NO_ELEMENTS]:
            problem = "no XML element found"
        raise ReportError(path, f"malformed XML: {problem}", err.lineno) from None
    except RecursionError:
        raise ReportError(path, "malformed XML: nesting too deep") from None
    except (LookupError, ValueError) as err:
        # expat asks Python for the codec the XML declaration names: an unknown one is a LookupError,
        # a multi-byte one it cannot drive (Shift JIS, UTF-7) a ValueError.
        raise ReportError(path, f"unsupported encoding: {err}") from None
    if not chunk:
        if not handler.root_seen:
            raise ReportError(path, "empty file")
        handler.flush()
        handler.check_counters()
        return True
    return False


def _iterate(
    parser: expat.XMLParserType, handler: _Handler, fh: BinaryIO, path: str, done: bool
) -> Iterator[ParsedCase]:
    try:
        while True:
            if handler.out:
                ready, handler.out = handler.out, []
                yield from ready
            if done:
                return
            done = _feed(parser, handler, fh, path)
    finally:
        fh.close()
