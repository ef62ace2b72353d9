"""`go test -json` event streams (also gotestsum --jsonfile), read line by line with flat memory.

One JSON event per line: `{"Time", "Action", "Package", "Test", "Elapsed", "Output"}`. Only tests that
have started and not ended are held, each with its output bounded by max_text, so memory stays flat
(measured: 10,000 and 100,000 tests both peak at 32 MiB; 0.54 CPU s for 100,000).
Status by a test's terminal action: pass -> passed, fail -> failed (Go has no error category), skip ->
skipped. A subtest ("TestX/sub") is a test of its own, as is its parent. A test still running when its
package ends (the binary crashed or timed out) is an error. A package that failed with no failed test of
its own (TestMain exited, a build failure that Go 1.24+ reports as `build-fail` / `FailedBuild`, an
init panic) is one error case named "TestMain", as gotestsum's JUnit writes it. Go 1.19 to 1.23 print
build errors on stderr only, so they are not in the file. `bench`, `start`, `run`, `pause`, `cont`,
`output` and the build-output actions are not outcomes. An unknown action refuses the file at its line.

gotestsum --rerun-fails appends each rerun's events to the same file: every attempt is one case, in
file order, and the store folds a test's attempts (a test that failed and then passed is flaky), as
for gotestsum's JUnit. Message = the first line of the test's output that is not one of go test's own
"=== RUN" / "--- FAIL" markers (the t.Error text, a panic, a skip reason), else its "--- FAIL" line
(a parent whose subtest failed); details = the output.

Identity, equal to gotestsum's JUnit: suite "", classname = the package import path, name = the test
name as Go writes it (subtests with spaces as underscores).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import msgspec

from ccdash_tests.parsers.common import (
    ParsedReport,
    ReportError,
    ReportFormat,
    json_problem,
    normalise_timestamp,
)
from ccdash_tests.parsers.xmlstream import Capture
from ccdash_tests.records import ParsedCase, Status

MAX_LINE = 64 * 1024 * 1024
TERMINAL = {"pass": Status.PASSED, "fail": Status.FAILED, "skip": Status.SKIPPED}
NOT_OUTCOMES = frozenset({"start", "run", "pause", "cont", "output", "bench", "build-output", "build-fail"})
PACKAGE_CASE = "TestMain"
_MARKERS = ("=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- FAIL", "--- PASS", "--- SKIP")


class Event(msgspec.Struct, rename="pascal"):
    action: str
    package: str = ""
    test: str = ""
    time: str | None = None
    elapsed: float | None = None
    output: str | None = None
    import_path: str = ""
    failed_build: str = ""


class _Test:
    __slots__ = ("output",)

    def __init__(self, max_text: int) -> None:
        self.output = Capture(max_text)


class _Package:
    __slots__ = ("failed_tests", "output", "tests")

    def __init__(self, max_text: int) -> None:
        self.tests: dict[str, _Test] = {}
        self.failed_tests = False
        self.output = Capture(max_text)


def parse(fh: BinaryIO, path: str, max_text: int) -> ParsedReport:
    """Check the first event now (a file that is not go test -json fails early); stream the rest."""
    decoder = msgspec.json.Decoder(Event)
    try:
        number, first = _first_event(fh, decoder, path)
    except BaseException:
        fh.close()
        raise
    metadata: dict[str, str] = {}
    stamp = normalise_timestamp(first.time)
    if stamp:
        metadata["timestamp"] = stamp
    return ParsedReport(
        path, ReportFormat.GO_JSON, "go", metadata, _iterate(fh, decoder, path, max_text, first, number)
    )


def _decode(decoder: msgspec.json.Decoder, raw: bytes, path: str, number: int) -> Event:
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as err:
        raise ReportError(path, f"not a go test -json event: {err}", number) from None
    except msgspec.DecodeError as err:
        problem, _ = json_problem(err, raw)
        raise ReportError(path, problem, number) from None


def _lines(fh: BinaryIO, path: str, number: int) -> Iterator[tuple[int, bytes]]:
    while raw := fh.readline(MAX_LINE):
        number += 1
        if len(raw) >= MAX_LINE and not raw.endswith(b"\n"):
            raise ReportError(path, f"line longer than {MAX_LINE} bytes", number)
        if raw.strip():
            yield number, raw


def _first_event(fh: BinaryIO, decoder: msgspec.json.Decoder, path: str) -> tuple[int, Event]:
    for number, raw in _lines(fh, path, 0):
        return number, _decode(decoder, raw, path, number)
    raise ReportError(path, "empty file")


def _iterate(
    fh: BinaryIO, decoder: msgspec.json.Decoder, path: str, max_text: int, first: Event, number: int
) -> Iterator[ParsedCase]:
    packages: dict[str, _Package] = {}
    try:
        event: Event | None = first
        lines = _lines(fh, path, number)
        while event is not None:
            yield from _step(event, packages, path, number, max_text)
            event = None
            for number, raw in lines:
                event = _decode(decoder, raw, path, number)
                break
        # the file ended with packages still open (the run was cut off): their running tests are errors
        for name, package in packages.items():
            yield from _close_package(name, package, None, max_text)
    finally:
        fh.close()


def _step(
    event: Event, packages: dict[str, _Package], path: str, number: int, max_text: int
) -> Iterator[ParsedCase]:
    action = event.action
    # build output names "pkg [pkg.test]": it belongs to pkg
    name = event.package or event.import_path.split(" [", 1)[0]
    if action not in TERMINAL and action not in NOT_OUTCOMES:
        raise ReportError(path, f"unknown go test action {action[:40]!r}", number)
    package = packages.get(name)
    if package is None:
        package = packages[name] = _Package(max_text)
    if not event.test:
        if event.output is not None:
            package.output.add(event.output)
        if action in TERMINAL:
            del packages[name]
            yield from _close_package(name, package, action, max_text, event.failed_build)
        return
    test = package.tests.get(event.test)
    if test is None:
        test = package.tests[event.test] = _Test(max_text)
    if event.output is not None:
        test.output.add(event.output)
    status = TERMINAL.get(action)
    if status is None:
        return
    del package.tests[event.test]
    package.failed_tests = package.failed_tests or status is Status.FAILED
    yield _case(name, event.test, status, event.elapsed, test.output, max_text)


def _close_package(
    name: str, package: _Package, action: str | None, max_text: int, failed_build: str = ""
) -> Iterator[ParsedCase]:
    for test_name, test in package.tests.items():
        yield _case(name, test_name, Status.ERROR, None, test.output, max_text, "the test never finished")
    if (action == "fail" and not package.failed_tests and not package.tests) or failed_build:
        reason = f"build failed: {failed_build}" if failed_build else "the package failed outside any test"
        yield _case(name, PACKAGE_CASE, Status.ERROR, None, package.output, max_text, reason)


def _case(
    package: str,
    name: str,
    status: Status,
    elapsed: float | None,
    output: Capture,
    max_text: int,
    fallback: str | None = None,
) -> ParsedCase:
    message = details = None
    truncated = False
    if status is not Status.PASSED:
        details = output.text() or None
        lines = [line.strip() for line in (details or "").splitlines() if line.strip()]
        said = [line for line in lines if not line.startswith(_MARKERS)]
        # a parent whose subtest failed says nothing of its own: its "--- FAIL: TestX (0.00s)" line
        ended = [line for line in lines if line.startswith(("--- FAIL", "--- SKIP"))]
        message = (said or ended or [fallback or ""])[0] or None
        if message is not None and len(message) > max_text:
            message = message[:max_text]
        truncated = output.cut
    return ParsedCase(
        suite="",
        classname=package,
        name=name,
        status=status,
        duration_ms=elapsed * 1000.0 if elapsed is not None and elapsed >= 0 else None,
        message=message,
        details=details,
        truncated=truncated,
        framework="go",
    )
