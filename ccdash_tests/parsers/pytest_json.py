"""pytest-json-report files, streamed: the `tests` array is decoded in batches of typed msgspec Structs.

Status of a test: an error when its setup or teardown failed (pytest-json-report's own rule, and
the one the JUnit and report-log parsers follow), else the test's outcome (passed, failed,
skipped, xfailed, xpassed; a strict XPASS is already "failed"). pytest-rerunfailures leaves the
outcome "rerun" on a test whose final attempt passed: that is read as passed, 2 attempts, flaky
(the file keeps only the last attempt, so earlier attempts of tests that never passed are not
visible). Collectors that failed (import errors) become one error case each, after the tests. Identity
follows pytest's junitxml mangling of the nodeid (see `split_nodeid`), suite "".

Streaming, and why this way. The file is read in 1 MiB chunks and never decoded whole, so memory stays
flat (a whole-file decode of 1,000,000 tests needed 1.4 GB). The top-level object is walked key by key;
`tests` and `collectors` are arrays read in batches: the bytes up to the last `}` that is followed by
`, {` or `]` are wrapped in `[...]` and decoded by msgspec into typed Structs in one C call. Such a cut
decodes only if it is a real element boundary (a cut inside an element leaves an object or a string
open, which msgspec refuses), so a wrong cut (`}, {` inside a traceback list or a text) costs one failed
decode, after which the elements up to that point are read one by one: msgspec finds the exact end of
one value (decoding it as `Raw` and reading the offset from its "trailing characters" error), then
decodes it typed. msgspec is the authority on every byte, so the verdicts and error messages are those
of the whole-file decode, with byte offsets, lines and `$.tests[N]` paths made absolute.
Chosen by CPU seconds on 100,000 generated tests (30.9 MB; decode alone): whole-file msgspec 0.20 s;
ijson with its yajl2_c backend 0.39 s for `items()` plus 0.09 s to turn the dicts into Structs;
json-stream (its Python tokenizer; the Rust one is not installable here) ~2.9 s (0.29 s for 10,000).
With these batches the whole parse (cases built) went from 0.62 s and a 134 MB peak to 0.45 s and 38 MB;
on a pytest-written suite copied to 100,000 tests (a third failing, with collectors) 0.92 s and 198 MB to
0.83 s and 38 MB. So msgspec stays, and no dependency is added.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO, TypeVar

import msgspec

from ccdash_tests.parsers.common import (
    WALL_TIME_MS,
    ParsedReport,
    ReportError,
    ReportFormat,
    cap_text,
    collection_error,
    split_nodeid,
    wall_time,
)
from ccdash_tests.records import ParsedCase, Status

# Keys pytest-json-report always writes (its --json-report-omit cannot drop them): a JSON object with a
# `tests` array but without these is some other tool's.
OWN_KEYS = frozenset({"exitcode", "root"})

OUTCOMES = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "error": Status.ERROR,
    "skipped": Status.SKIPPED,
    "xfailed": Status.XFAILED,
    "xpassed": Status.XPASSED,
}


class Crash(msgspec.Struct):
    message: str = ""
    path: str | None = None
    lineno: int | None = None


class Stage(msgspec.Struct):
    outcome: str
    duration: float | None = None
    crash: Crash | None = None
    longrepr: str | None = None


class JsonTest(msgspec.Struct):
    nodeid: str
    outcome: str
    lineno: int | None = None
    setup: Stage | None = None
    call: Stage | None = None
    teardown: Stage | None = None


class Collector(msgspec.Struct):
    nodeid: str
    outcome: str
    longrepr: str | None = None


# The header fields kept as metadata, with the type the whole-file Struct gave each (same messages).
HEADER_TYPES: dict[str, Any] = {
    "created": float | None,
    "duration": float | None,
    "exitcode": int | None,
    "root": str | None,
    "environment": dict[str, Any],
    "summary": dict[str, int],
}

# The longest single JSON value read (one test, the environment): pytest-json-report writes each test
# whole, so a longer one could only be held whole (tests/test_hostile_reports.py, bench/shapes.py).
MAX_VALUE = 16 * 1024 * 1024
CHUNK = 1 << 20
# Wrong cuts tried before reading element by element (a failing test's traceback list holds `}, {`).
CUT_TRIES = 3
CUT_SKIPS = 64  # `}` not followed by `, {` or `]` passed over, looking for a cut
_WS = re.compile(rb"[ \t\r\n]*")
_CUT = re.compile(rb"[ \t\r\n]*(?:,[ \t\r\n]*\{|\])")
_BYTE = re.compile(r"\(byte (\d+)\)")
_COMMA, _CLOSE_ARRAY, _CLOSE_OBJECT, _COLON = ord(","), ord("]"), ord("}"), ord(":")
_OPEN_ARRAY, _OPEN_OBJECT, _QUOTE = ord("["), ord("{"), ord('"')

T = TypeVar("T")


class _Window:
    """The part of the file being read: `buf` holds the bytes from file offset `start`, `pos` reads in it."""

    def __init__(self, fh: BinaryIO, path: str) -> None:
        self.fh = fh
        self.path = path
        self.buf = b""
        self.pos = 0
        self.start = 0
        self.lines = 0  # newlines before buf[0], for the line of an error
        self.eof = False

    def more(self) -> bool:
        """Read on (as much again as is held unread, so one huge value costs linear time); False at EOF."""
        if self.eof:
            return False
        if len(self.buf) - self.pos > MAX_VALUE:
            # One value (a test with its tracebacks, the environment) still open after MAX_VALUE bytes:
            # reading on would hold it whole, so memory would grow with it.
            limit = MAX_VALUE // (1024 * 1024)
            where = self.start + self.pos
            raise ReportError(
                self.path, f"one JSON value longer than {limit} MiB (from byte {where}): too large"
            )
        held = len(self.buf) - self.pos
        # as much again as is held (linear time for a long value), yet never past MAX_VALUE plus a chunk
        chunk = self.fh.read(max(CHUNK, min(held, MAX_VALUE - held)))
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            self.lines += self.buf.count(b"\n", 0, self.pos)
            self.start += self.pos
            self.buf = self.buf[self.pos :] + chunk
            self.pos = 0
        else:
            self.buf += chunk
        return True

    def peek(self) -> int | None:
        """The next byte that is not whitespace (the read point moved onto it); None at the end."""
        while True:
            found = _WS.match(self.buf, self.pos)
            assert found is not None  # the pattern matches the empty string
            self.pos = found.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return None

    def value_end(self, kind: Any = None, where: str = "$") -> int:
        """The index in buf just past the JSON value at the read point (reading on until it is whole).

        On a syntax error the value is decoded as `kind` up to it, so that a wrong type met earlier in
        the value is what is reported, as a whole-file decode would.
        """
        while True:
            try:
                msgspec.json.decode(memoryview(self.buf)[self.pos :], type=msgspec.Raw)
            except msgspec.DecodeError as err:
                text = str(err)
                if "trailing characters" in text:
                    # msgspec counts the trailing byte as read: its offset is one past it.
                    return self.pos + _byte_of(text) - 1
                if _near_end(text, len(self.buf) - self.pos) and self.more():
                    continue
                if kind is not None:
                    self.decode(len(self.buf), kind, where)
                raise self.decode_error(err, self.pos) from None
            # The rest of the buffer is one value; a number could still go on in the next chunk.
            if not self.more():
                return len(self.buf)

    def decode(self, end: int, kind: Any, where: str) -> Any:
        """buf[pos:end] decoded as `kind`; errors name the file, the absolute byte and line, and `where`."""
        try:
            return msgspec.json.decode(memoryview(self.buf)[self.pos : end], type=kind)
        except msgspec.ValidationError as err:
            raise self.shape_error(str(err), where) from None
        except msgspec.DecodeError as err:
            raise self.decode_error(err, self.pos) from None

    def shape_error(self, text: str, where: str) -> ReportError:
        """A validation error with its path made absolute (`$.outcome` of test 3 -> `$.tests[3].outcome`)."""
        if " - at `$" in text:
            text = text.replace(" - at `$", f" - at `{where}", 1)
        elif where != "$":
            text = f"{text} - at `{where}`"
        return ReportError(self.path, f"not a pytest-json-report file: {text}")

    def decode_error(self, err: Exception, base: int) -> ReportError:
        """A msgspec syntax error at buf[base + N] as (problem, line), naming NaN/Infinity when that is it."""
        text = str(err)
        found = _BYTE.search(text)
        if found is None:
            return ReportError(self.path, f"malformed JSON: {text}")
        return self.malformed(text, base + int(found.group(1)))

    def malformed(self, text: str, index: int) -> ReportError:
        """`text` about the byte at buf[index], with the file offset and line put in."""
        offset = self.start + index
        line = self.lines + self.buf.count(b"\n", 0, index) + 1
        if self.buf[index : index + 9].lstrip(b"-+").startswith((b"NaN", b"Infinity")):
            return ReportError(
                self.path, f"malformed JSON: NaN and Infinity are not JSON (byte {offset})", line
            )
        text = _BYTE.sub(f"(byte {offset})", text) if _BYTE.search(text) else f"{text} (byte {offset})"
        return ReportError(self.path, f"malformed JSON: {text}", line)

    def expect(self, byte: int, what: str) -> None:
        """Step over `byte` (after whitespace), or refuse the file as msgspec would."""
        found = self.peek()
        if found is None:
            raise ReportError(self.path, "malformed JSON: Input data was truncated")
        if found != byte:
            raise self.malformed(f"JSON is malformed: expected {what}", self.pos)
        self.pos += 1

    def key(self) -> str:
        """The object key at the read point, and the colon after it."""
        found = self.peek()
        if found != _QUOTE:
            if found == _CLOSE_OBJECT:
                raise self.malformed("JSON is malformed: trailing comma in object", self.pos)
            if found is None:
                raise ReportError(self.path, "malformed JSON: Input data was truncated")
            raise self.malformed("JSON is malformed: object keys must be strings", self.pos)
        end = self.value_end(str)
        key: str = self.decode(end, str, "$")
        self.pos = end
        self.expect(_COLON, "':'")
        return key

    def array(self, kind: type[T], where: str) -> Iterator[list[T]]:
        """The elements of the array at the read point, in batches, checked as `kind`."""
        if self.peek() != _OPEN_ARRAY:
            # Not an array: decode it whole as a list so the message is msgspec's own.
            if self.peek() is None:
                raise ReportError(self.path, "malformed JSON: Input data was truncated")
            self.decode(self.value_end(list[kind], where), list[kind], where)  # type: ignore[valid-type]
            raise self.shape_error("Expected `array`", where)
        self.pos += 1
        if self.peek() == _CLOSE_ARRAY:
            self.pos += 1
            return
        count = 0
        exact_until = -1  # file offset up to which elements are read one by one (a cut failed there)
        while True:
            batch = None
            if self.start + self.pos > exact_until:
                batch, failed_at = self._batch(kind, where, count)
                if batch is None:
                    exact_until = failed_at
            if batch is None:
                item_where = f"{where}[{count}]"
                end = self.value_end(kind, item_where)
                batch = [self.decode(end, kind, item_where)]
                self.pos = end
            count += len(batch)
            yield batch
            separator = self.peek()
            if separator == _COMMA:
                self.pos += 1
                if self.peek() == _CLOSE_ARRAY:
                    raise self.malformed("JSON is malformed: trailing comma in array", self.pos)
                continue
            if separator == _CLOSE_ARRAY:
                self.pos += 1
                return
            if separator is None:
                raise ReportError(self.path, "malformed JSON: Input data was truncated")
            raise self.malformed("JSON is malformed: expected ',' or ']'", self.pos)

    def _batch(self, kind: type[T], where: str, count: int) -> tuple[list[T] | None, int]:
        """Whole elements from the read point to a cut, decoded in one call; (None, file offset) if none."""
        buf, start = self.buf, self.pos
        end, tried, skipped, last_tried = len(buf), 0, 0, -1
        while tried < CUT_TRIES and skipped < CUT_SKIPS:
            cut = buf.rfind(b"}", start, end)
            if cut < 0:
                break
            end = cut
            if _CUT.match(buf, cut + 1) is None:
                skipped += 1
                continue
            tried += 1
            last_tried = max(last_tried, cut)
            try:
                batch = msgspec.json.decode(b"[" + buf[start : cut + 1] + b"]", type=list[kind])  # type: ignore[valid-type]
            except (msgspec.ValidationError, msgspec.DecodeError):
                continue
            self.pos = cut + 1
            return batch, -1
        # No cut decoded: read one by one past the last cut tried (or past this chunk's end).
        return None, self.start + (last_tried if last_tried >= 0 else len(buf))


def _near_end(text: str, size: int) -> bool:
    """Whether a decode error may only mean that the data stops early (a number or literal cut off)."""
    found = _BYTE.search(text)
    return found is None or int(found.group(1)) >= size - 32


def _byte_of(text: str) -> int:
    found = _BYTE.search(text)
    assert found is not None, text
    return int(found.group(1))


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Start reading a pytest-json-report file: the header up to the `tests` array is read now."""
    window = _Window(fh, path)
    metadata: dict[str, str] = {}
    failed: list[ParsedCase] = []
    keys: set[str] = set()
    warnings: list[str] = []
    try:
        _check_start(window)
        found_tests = _read_keys(window, metadata, failed, max_text, keys)
    except BaseException:
        fh.close()
        raise
    return ParsedReport(
        path,
        ReportFormat.PYTEST_JSON,
        "pytest",
        metadata,
        _iter_cases(window, found_tests, metadata, failed, max_text, keys, warnings),
        warnings,
    )


def _check_start(window: _Window) -> None:
    """Refuse UTF-16/32 and anything that is not an object before reading on."""
    window.more()
    head = window.buf[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        raise ReportError(window.path, "malformed JSON: pytest JSON must be UTF-8")
    first = window.peek()
    if first is None:
        raise ReportError(window.path, "malformed JSON: Input data was truncated")
    if first == _OPEN_ARRAY:
        raise window.shape_error("Expected `object`, got `array`", "$")
    if first != _OPEN_OBJECT:
        window.decode(window.value_end(dict[str, Any]), dict[str, Any], "$")
        raise window.shape_error("Expected `object`", "$")
    window.pos += 1


def _read_keys(
    window: _Window, metadata: dict[str, str], failed: list[ParsedCase], max_text: int, keys: set[str]
) -> bool:
    """Read `"key": value` pairs up to the `tests` array (True, read point on it) or the object's end."""
    if window.peek() == _CLOSE_OBJECT:
        window.pos += 1
        return False
    while True:
        key = window.key()
        if key in OWN_KEYS:
            keys.add(key)
        if key == "tests":
            return True
        if key == "collectors":
            for batch in window.array(Collector, "$.collectors"):
                failed.extend(_collector_case(item, max_text) for item in batch if _failed_collector(item))
        else:
            kind = HEADER_TYPES.get(key)
            end = window.value_end(kind, f"$.{key}")
            if kind is not None:
                _add_metadata(metadata, key, window.decode(end, kind, f"$.{key}"))
            window.pos = end
        separator = window.peek()
        if separator == _CLOSE_OBJECT:
            window.pos += 1
            return False
        window.expect(_COMMA, "',' or '}'")


def _iter_cases(
    window: _Window,
    found_tests: bool,
    metadata: dict[str, str],
    failed: list[ParsedCase],
    max_text: int,
    keys: set[str],
    warnings: list[str],
) -> Iterator[ParsedCase]:
    """One case per test, then the keys after `tests` (metadata, collectors), then failed collectors."""
    read, bad = 0, 0
    with window.fh:
        if not found_tests:
            raise window.shape_error("Object missing required field `tests`", "$")
        path = window.path
        for batch in window.array(JsonTest, "$.tests"):
            for test in batch:
                case = _case(test, path, max_text)
                read += 1
                bad += case.status.is_bad
                yield case
        separator = window.peek()
        if separator == _COMMA:
            window.pos += 1
            if _read_keys(window, metadata, failed, max_text, keys):
                raise ReportError(path, "not a pytest-json-report file: two `tests` arrays")
        else:
            window.expect(_CLOSE_OBJECT, "',' or '}'")
        _end_of_file(window)
        if missing := sorted(OWN_KEYS - keys):
            # `{"tests": [...]}` alone is not pytest-json-report's (an empty Mocha JSON report is one):
            # storing it as an empty pytest run would call an unknown file a pass.
            shown = " and ".join(f"`{key}`" for key in missing)
            raise ReportError(
                path, f"not a pytest-json-report file: no {shown} (pytest --json-report writes both)"
            )
        _check_summary(metadata, read + len(failed), bad + len(failed), warnings)
        yield from failed


def _check_summary(metadata: dict[str, str], read: int, bad: int, warnings: list[str]) -> None:
    """Say so when the summary promises more tests, or failures, than the file holds (never a store fact)."""
    total = int(metadata.get("summary.total", "0"))
    declared_bad = int(metadata.get("summary.failed", "0")) + int(metadata.get("summary.error", "0"))
    if total > read or (declared_bad and not bad):
        warnings.append(
            f"its summary says {total:,} tests, {declared_bad:,} failing, but it holds {read:,},"
            f" {bad:,} failing; stored what the tests say"
        )


def _end_of_file(window: _Window) -> None:
    if window.peek() is not None:
        raise window.malformed("JSON is malformed: trailing characters", window.pos)


def _failed_collector(collector: Collector) -> bool:
    return collector.outcome == "failed" and bool(collector.nodeid)


def _collector_case(collector: Collector, max_text: int) -> ParsedCase:
    longrepr = collector.longrepr
    return collection_error(collector.nodeid, _last_line(longrepr), longrepr, max_text)


def _add_metadata(metadata: dict[str, str], key: str, value: Any) -> None:
    """Header facts worth keeping as run metadata."""
    if value is None:
        return
    if key == "root" and value:
        metadata["root"] = value
    elif key == "created":
        metadata["created"] = str(value)
        with contextlib.suppress(OverflowError, OSError, ValueError):
            metadata["timestamp"] = datetime.fromtimestamp(value, UTC).isoformat()
    elif key == "exitcode":
        metadata["exitcode"] = str(value)
    elif key == "duration" and isinstance(value, int | float):
        stated = wall_time(value * 1000)
        if stated is not None:
            metadata[WALL_TIME_MS] = stated
    elif key == "summary":
        for name in ("total", "failed", "error"):
            count = value.get(name)
            if isinstance(count, int) and 0 <= count < 10**12:
                metadata[f"summary.{name}"] = str(count)
    elif key == "environment":
        for name, item in value.items():
            if isinstance(item, str | int | float):
                metadata[f"environment.{name}"] = str(item)


def _last_line(text: str | None) -> str | None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else None


_STAGE_OK = frozenset({"passed", "rerun"})


def _case(test: JsonTest, path: str, max_text: int) -> ParsedCase:
    setup, call, teardown = test.setup, test.call, test.teardown
    outcome = test.outcome
    attempts, flaky = 1, False
    status = OUTCOMES.get(outcome)
    if status is None:
        if outcome != "rerun":
            raise ReportError(path, f"unknown outcome {outcome[:40]!r} for test {test.nodeid[:200]!r}")
        attempts, flaky = 2, True
        status = Status.PASSED
        if any(s is not None and s.outcome not in _STAGE_OK for s in (setup, call, teardown)):
            status, flaky = Status.FAILED, False
    if (setup is not None and setup.outcome == "failed") or (
        teardown is not None and teardown.outcome == "failed"
    ):
        status = Status.ERROR
    message = details = None
    cut = False
    failing = [s for s in (setup, call, teardown) if s is not None and s.outcome == "failed"]
    if failing:
        crash = failing[0].crash
        message = crash.message if crash is not None else _last_line(failing[0].longrepr)
        details = "\n".join(stage.longrepr for stage in failing if stage.longrepr) or None
        message, cut_message = cap_text(message, max_text)
        details, cut_details = cap_text(details, max_text)
        cut = cut_message or cut_details
    duration = _duration(setup, call, teardown)
    classname, name, file = split_nodeid(test.nodeid)
    return ParsedCase(
        suite="",
        classname=classname,
        name=name,
        status=status,
        duration_ms=duration,
        file=file,
        line=test.lineno + 1 if test.lineno is not None else None,
        attempts=attempts,
        flaky=flaky,
        message=message,
        details=details,
        truncated=cut,
        framework="pytest",
    )


def _duration(*stages: Stage | None) -> float | None:
    """The stages' summed duration in milliseconds; None when no stage states one."""
    total = None
    for stage in stages:
        if stage is not None and stage.duration is not None:
            total = stage.duration if total is None else total + stage.duration
    return None if total is None else total * 1000.0
