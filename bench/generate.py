"""Deterministic synthetic test reports (JUnit XML as pytest writes it, pytest-json-report) for benchmarks."""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Bump when the output changes, so cached files from an older generator are rebuilt.
GENERATOR_VERSION = 1
TESTS_PER_CLASS = 10
CLASSES_PER_MODULE = 5
FAIL_RATE = 0.02
SKIP_RATE = 0.03
XFAIL_RATE = 0.005

# A few distinct causes: numbers inside vary per case, so the error fingerprint has real work to do.
FAILURE_TEMPLATES = (
    ("AssertionError", "assert {a} == {b}"),
    ("TimeoutError", "operation timed out after {a}s waiting for worker {b}"),
    ("KeyError", "'user_{a}'"),
    ("ConnectionError", "connection refused to 127.0.0.1:{b}"),
)
TRACEBACK = (
    "def test_case(client):\n    response = client.get('/items/{a}')\n"
    ">   {exc_expr}\nE   {type}: {message}\n\n"
    "tests/bench/test_mod.py:{b}: {type}"
)


@dataclass(frozen=True, slots=True)
class Case:
    """One generated test outcome, independent of the report format it will be written in."""

    module: str  # tests/bench/test_mod_00001.py
    cls: str  # TestGroup02
    name: str  # test_case_003[p1]
    outcome: str  # passed | failed | skipped | xfailed
    seconds: float
    error_type: str | None = None
    message: str | None = None
    details: str | None = None

    @property
    def nodeid(self) -> str:
        return f"{self.module}::{self.cls}::{self.name}"

    @property
    def classname(self) -> str:
        return self.module[: -len(".py")].replace("/", ".") + "." + self.cls


def case_names(count: int) -> Iterator[tuple[str, str, str]]:
    """(module path, class, name) of `count` tests, stable for a given index."""
    per_module = TESTS_PER_CLASS * CLASSES_PER_MODULE
    for index in range(count):
        module_no, rest = divmod(index, per_module)
        class_no, test_no = divmod(rest, TESTS_PER_CLASS)
        param = f"[p{test_no % 3}]" if test_no % 4 == 0 else ""
        yield (
            f"tests/bench/test_mod_{module_no:05d}.py",
            f"TestGroup{class_no:02d}",
            f"test_case_{test_no:03d}{param}",
        )


def failure(rng: random.Random) -> tuple[str, str, str]:
    """(exception type, message, traceback text) of one failure."""
    error_type, template = FAILURE_TEMPLATES[rng.randrange(len(FAILURE_TEMPLATES))]
    a, b = rng.randrange(1, 1000), rng.randrange(1, 1000)
    message = template.format(a=a, b=b)
    details = TRACEBACK.format(a=a, b=b, exc_expr="assert result.ok", type=error_type, message=message)
    return error_type, message, details


def cases(count: int, seed: int = 1) -> Iterator[Case]:
    """The outcomes of one run of `count` tests: ~2% failures, 3% skips, 0.5% xfails."""
    rng = random.Random(seed)
    for module, cls, name in case_names(count):
        roll = rng.random()
        seconds = round(rng.expovariate(1 / 0.02), 6)
        if roll < FAIL_RATE:
            error_type, message, details = failure(rng)
            yield Case(module, cls, name, "failed", seconds, error_type, message, details)
        elif roll < FAIL_RATE + SKIP_RATE:
            yield Case(module, cls, name, "skipped", 0.0, None, "needs a GPU", None)
        elif roll < FAIL_RATE + SKIP_RATE + XFAIL_RATE:
            yield Case(module, cls, name, "xfailed", seconds, None, "known bug #123", None)
        else:
            yield Case(module, cls, name, "passed", seconds)


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def junit_case(case: Case) -> str:
    head = f'<testcase classname="{case.classname}" name="{_xml_attr(case.name)}" time="{case.seconds}"'
    if case.outcome == "passed":
        return head + " />\n"
    if case.outcome == "failed":
        body = (
            f'<failure message="{_xml_attr(f"{case.error_type}: {case.message}")}">'
            f"{_xml_text(case.details or '')}</failure>"
        )
    elif case.outcome == "skipped":
        body = f'<skipped type="pytest.skip" message="{_xml_attr(case.message or "")}">skip</skipped>'
    else:
        body = f'<skipped type="pytest.xfail" message="{_xml_attr(case.message or "")}" />'
    return f"{head}>{body}</testcase>\n"


def write_junit(path: Path, count: int, seed: int = 1) -> None:
    """A pytest-style (xunit2) JUnit report; suite counters are left out, as many producers do."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="pytest tests">\n')
        out.write(
            f'<testsuite name="pytest" timestamp="2026-01-01T00:00:{seed % 60:02d}" hostname="bench">\n'
        )
        buffer: list[str] = []
        for case in cases(count, seed):
            buffer.append(junit_case(case))
            if len(buffer) >= 10_000:
                out.write("".join(buffer))
                buffer.clear()
        out.write("".join(buffer))
        out.write("</testsuite>\n</testsuites>\n")


def json_test(case: Case, line: int) -> dict:
    stage = {"duration": 0.0001, "outcome": "passed"}
    test: dict = {"nodeid": case.nodeid, "lineno": line, "outcome": case.outcome, "keywords": [case.name]}
    if case.outcome == "skipped":
        test["setup"] = {
            "duration": 0.0001,
            "outcome": "skipped",
            "longrepr": f"('{case.module}', {line}, 'Skipped: {case.message}')",
        }
        test["teardown"] = stage
        return test
    call: dict = {"duration": case.seconds, "outcome": case.outcome}
    if case.outcome == "failed":
        call["crash"] = {
            "path": case.module,
            "lineno": line + 2,
            "message": f"{case.error_type}: {case.message}",
        }
        call["longrepr"] = case.details
    elif case.outcome == "xfailed":
        call["outcome"] = "skipped"
    test.update(setup=stage, call=call, teardown=stage)
    return test


def write_pytest_json(path: Path, count: int, seed: int = 1) -> None:
    """A pytest-json-report file, written test by test so that a million cases fit in memory."""
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '{"created": 1767225600.0, "duration": 1.0, "exitcode": 1, "root": "/src/bench", '
            '"environment": {"Python": "3.11.2"}, "summary": {"total": ' + str(count) + "}, "
            '"collectors": [], "tests": [\n'
        )
        for index, case in enumerate(cases(count, seed)):
            out.write(("," if index else "") + json.dumps(json_test(case, 10 + index % 500)) + "\n")
        out.write("]}\n")


WRITERS = {"junit": write_junit, "pytest-json": write_pytest_json}
SUFFIX = {"junit": "xml", "pytest-json": "json"}


def report_path(folder: Path, fmt: str, count: int, seed: int = 1) -> Path:
    """The cached report of this shape, generated if missing (or written by an older generator)."""
    path = folder / f"report-v{GENERATOR_VERSION}-{fmt}-{count}-s{seed}.{SUFFIX[fmt]}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        WRITERS[fmt](partial, count, seed)
        partial.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("format", choices=sorted(WRITERS))
    parser.add_argument("count", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    WRITERS[args.format](args.output, args.count, args.seed)


if __name__ == "__main__":
    main()
