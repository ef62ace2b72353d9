"""Fuzz: every registered parser, fed mutated real files: parsed, or refused with ReportError; nothing else.

Each format's real sample (test_parsers_registry.SAMPLES, which must name one for every ReportFormat, so
a new format is fuzzed as soon as it is registered) is mutated by hypothesis: bytes flipped, cut,
repeated, or spliced with hostile tokens (DTDs, NaN, huge numbers, NUL, deep nesting, BOMs, gzip
magic). Each mutant is read with its format forced and sniffed. A case that comes out must then fit
the store once parsers/bounds.py has fitted it; some mutants go through `ingest` into a real SQLite
store, which must exit 0 or 2. Run time is bounded by max_examples, not by a clock.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import Cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parsers_registry import SAMPLES

from ccdash_tests.models import ParsedCase
from ccdash_tests.parsers import PARSERS, ReportError, ReportFormat, parse_report
from ccdash_tests.parsers.bounds import MAX_ATTEMPTS, MAX_DURATION_MS, MAX_LINE, MAX_NAME, CaseBounds

TOKENS = [
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"&a;",
    b"<testcase>",
    b"</testsuite>",
    b'time="1e300"',
    b'line="99999999999999999999999"',
    b"NaN",
    b"-Infinity",
    b"1e400",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x1f\x8b",
    b"[" * 2000,
    b"{" * 2000,
    b'"\\ud800"',
    b'"\\u0000"',
    b"\n",
    b'"tests": []',
    b'"$report_type": "TestReport"',
    b'"Action": "fail"',
    b"}, {",
    b'"',
    b"]]>",
]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(TOKENS)),
    st.tuples(st.just("cut"), st.floats(0, 1), st.floats(0, 1)),
    st.tuples(st.just("repeat"), st.floats(0, 1), st.integers(2, 50)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.none()),
)


def mutate(data: bytes, steps: list[tuple]) -> bytes:
    for kind, where, arg in steps:
        at = int(where * len(data))
        if kind == "flip":
            data = data[:at] + arg + data[at + len(arg) :]
        elif kind == "insert":
            data = data[:at] + arg + data[at:]
        elif kind == "cut":
            end = at + int(arg * min(len(data) - at, 4096))
            data = data[:at] + data[end:]
        elif kind == "repeat":
            piece = data[at : at + 200]
            data = data[:at] + piece * arg + data[at:]
        else:
            data = data[:at]
    return data


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ccdash-fuzz-") as name:
        yield Path(name)


def read_all(path: Path, fmt: str) -> list[ParsedCase] | ReportError:
    """Every case of the file, or the refusal; any other exception fails the test."""
    try:
        report = parse_report(path, fmt)
        return list(report.cases)
    except ReportError as err:
        assert "\n" not in str(err) and str(err).startswith(f"{path}: ")
        return err


def assert_fits_the_store(case: ParsedCase) -> None:
    bounds = CaseBounds(64 * 1024)
    case = bounds.fit(case)
    for text in (case.suite, case.classname, case.name, case.file, case.message, case.details):
        if text is not None:
            text.encode("utf-8")  # no lone surrogate left
            assert "\x00" not in text
    assert len(case.name) <= MAX_NAME and len(case.classname) <= MAX_NAME and len(case.suite) <= MAX_NAME
    assert case.duration_ms is None or 0 <= case.duration_ms <= MAX_DURATION_MS
    assert case.line is None or 0 <= case.line <= MAX_LINE
    assert 1 <= case.attempts <= MAX_ATTEMPTS


@pytest.mark.parametrize("fmt", sorted(PARSERS, key=str))
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(mutation, min_size=1, max_size=6))
def test_a_mutated_report_is_parsed_or_refused(fmt: ReportFormat, steps: list[tuple], folder: Path) -> None:
    sample, _ = SAMPLES[fmt]
    path = folder / f"mutant-{fmt.value}{''.join(sample.suffixes)}"
    path.write_bytes(mutate(sample.read_bytes(), steps))
    for forced in (fmt.value, "auto"):
        outcome = read_all(path, forced)
        if not isinstance(outcome, ReportError):
            for case in outcome:
                assert_fits_the_store(case)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=512))
def test_random_bytes_are_parsed_or_refused_by_every_parser(data: bytes, folder: Path) -> None:
    path = folder / "random.bin"
    path.write_bytes(data)
    for fmt in ["auto", *(fmt.value for fmt in PARSERS)]:
        outcome = read_all(path, fmt)
        if not isinstance(outcome, ReportError):
            for case in outcome:
                assert_fits_the_store(case)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(fmt=st.sampled_from(sorted(PARSERS, key=str)), steps=st.lists(mutation, min_size=1, max_size=4))
def test_ingest_of_a_mutated_report_exits_0_or_2_without_a_traceback(
    fmt: ReportFormat, steps: list[tuple], folder: Path
) -> None:
    """Through the CLI into a real SQLite store: stored (0) or refused in one line (2), nothing else."""
    sample, _ = SAMPLES[fmt]
    path = folder / f"ingest-{fmt.value}{''.join(sample.suffixes)}"
    path.write_bytes(mutate(sample.read_bytes(), steps))
    db = folder / "fuzz.db"
    result = Cli(db, "p")("ingest", path, "--run-id", "fuzz", "--quiet")
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
    for leftover in folder.glob("fuzz.db*"):
        leftover.unlink()
