"""A year of history (50 runs a day of 500 tests for 365 days) built through the store's own write path.

The mix is deterministic: ~2% failures drawn from a few distinct causes, a handful of flaky tests that
pass on a rerun now and then, permanently skipped tests, one xfail, and one test that is broken for a
week (so `history` has a first bad and a last good run). Domains and feature mappings are stored too,
so that `domains` and `health` have something to roll up.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ccdash_tests import identity
from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import IngestRunRequest, ParsedCase, Status, TestFeatureMappingDTO, Trigger
from ccdash_tests.store import Store, open_store

# 4: counts per run and feature (0010); 3: results indexed by test when not a plain pass (0009);
# 2: the five-column row (0008)
YEAR_VERSION = 4
PROJECT = "bench"
TESTS = 500
RUNS_PER_DAY = 50
DAYS = 365
START = datetime(2025, 1, 1, tzinfo=UTC)
FLAKY_TESTS = frozenset({7, 123, 250, 377, 499})
SKIPPED_TESTS = frozenset(range(480, 495))
XFAIL_TEST = 42
BROKEN_TEST = 100  # fails every run of days 200..206
BROKEN_DAYS = range(200, 207)
DOMAINS = ("auth", "billing", "search", "reports", "admin")
FEATURES_PER_DOMAIN = 4
CAUSES = (
    ("AssertionError", "assert {n} == {m}"),
    ("TimeoutError", "timed out after {n}s"),
    ("KeyError", "'user_{n}'"),
    ("ConnectionError", "connection refused to 127.0.0.1:{m}"),
)


@dataclass(frozen=True, slots=True)
class TestShape:
    """Where one of the 500 tests lives and which feature it proves."""

    __test__ = False

    index: int
    classname: str
    name: str
    file: str
    domain: str
    feature: str

    @property
    def test_id(self) -> str:
        return identity.test_id(PROJECT, "", self.classname, self.name)


def shapes() -> list[TestShape]:
    result = []
    for index in range(TESTS):
        domain = DOMAINS[index % len(DOMAINS)]
        feature = f"{domain}-feature-{(index // len(DOMAINS)) % FEATURES_PER_DOMAIN}"
        module = f"tests/{domain}/test_{feature.replace('-', '_')}.py"
        classname = module[: -len(".py")].replace("/", ".") + f".TestCase{index % 3}"
        result.append(TestShape(index, classname, f"test_{index:03d}", module, domain, feature))
    return result


def run_cases(run_no: int, tests: list[TestShape], rng: random.Random) -> list[ParsedCase]:
    """The 500 results of run `run_no` (0-based across the year)."""
    day = run_no // RUNS_PER_DAY
    cases = []
    for test in tests:
        status, attempts, flaky, message, error_type = Status.PASSED, 1, False, None, None
        roll = rng.random()
        if test.index in SKIPPED_TESTS:
            status, message = Status.SKIPPED, "needs a GPU"
        elif test.index == XFAIL_TEST:
            status, message = Status.XFAILED, "known bug #123"
        elif test.index == BROKEN_TEST and day in BROKEN_DAYS:
            status, error_type, message = Status.FAILED, "AssertionError", "assert 'v2' == 'v1'"
        elif test.index in FLAKY_TESTS and roll < 0.1:
            attempts, flaky = 2, True
        elif roll < 0.02:
            error_type, template = CAUSES[rng.randrange(len(CAUSES))]
            status = Status.FAILED if error_type == "AssertionError" else Status.ERROR
            message = f"{error_type}: " + template.format(n=rng.randrange(1000), m=rng.randrange(1000))
        cases.append(
            ParsedCase(
                suite="",
                classname=test.classname,
                name=test.name,
                status=status,
                duration_ms=round(rng.expovariate(1 / 40), 3),
                file=test.file,
                line=10 + test.index,
                attempts=attempts,
                flaky=flaky,
                message=message,
                error_type=error_type,
                framework="pytest",
            )
        )
    return cases


def run_request(run_no: int, tests: list[TestShape], rng: random.Random) -> IngestRunRequest:
    stamp = START + timedelta(seconds=run_no * 86_400 // RUNS_PER_DAY)
    return IngestRunRequest(
        project_id=PROJECT,
        run_id=f"year-run-{run_no:06d}",
        timestamp=stamp,
        git_sha=f"{rng.getrandbits(160):040x}",
        branch="main",
        trigger=Trigger.CI,
        results=run_cases(run_no, tests, rng),
    )


def store_mappings(store: Store, tests: list[TestShape]) -> None:
    """Domains and one primary mapping per test (provider "bench"), as a mapping import would."""
    with store.transaction():
        for domain in DOMAINS:
            store.domains.get_or_create(PROJECT, domain)
        for test in tests:
            store.mappings.upsert(
                TestFeatureMappingDTO(
                    project_id=PROJECT,
                    test_id=test.test_id,
                    feature=test.feature,
                    domain_id=test.domain,
                    provider="bench",
                    confidence=1.0,
                    is_primary=True,
                )
            )


def requests(runs: int, seed: int = 7) -> Iterator[IngestRunRequest]:
    rng = random.Random(seed)
    tests = shapes()
    for run_no in range(runs):
        yield run_request(run_no, tests, rng)


def build(
    path: Path, runs: int = RUNS_PER_DAY * DAYS, progress: Callable[[int, float], None] | None = None
) -> dict:
    """Build the year into `path` (replaced if present); returns build facts (seconds, runs, results)."""
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    with open_store(str(partial)) as store:
        store_mappings(store, shapes())
        for run_no, request in enumerate(requests(runs), start=1):
            ingest_request(store, request)
            if progress is not None and run_no % 1000 == 0:
                progress(run_no, time.perf_counter() - started)
        store.engine.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    shutil.move(partial, path)
    return {
        "version": YEAR_VERSION,
        "runs": runs,
        "results": runs * TESTS,
        "build_seconds": round(seconds, 1),
    }


def cached(
    folder: Path, runs: int = RUNS_PER_DAY * DAYS, rebuild: bool = False, **kwargs
) -> tuple[Path, dict]:
    """The cached year store (built when missing, stale or asked for) and its build facts."""
    path = folder / f"year-v{YEAR_VERSION}-{runs}.db"
    facts_file = path.with_suffix(".json")
    if rebuild or not path.exists() or not facts_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        facts = build(path, runs, **kwargs)
        facts_file.write_text(json.dumps(facts))
    return path, json.loads(facts_file.read_text())
