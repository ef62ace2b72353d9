"""Mapping resolution in CPU seconds: the resolver alone, and the mapping step of an ingest per backend.

The workloads are the ones the tests check for correctness (tests/factories.py: `area_tests`,
`area_candidates`, `tagged_cases`), so a figure here is the cost of exactly what those tests prove right.
CPU time is this process's user + system time (`time.process_time`); on PostgreSQL the server's own work
is not in it, so the wall time is given beside it.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import factories  # the tests' own workload builders

from ccdash_tests.ingest import ingest_request
from ccdash_tests.mapping import resolve
from ccdash_tests.mapping.service import resolve_after_ingest
from ccdash_tests.models import IngestRunRequest
from ccdash_tests.store import open_store

PROJECT = "bench-mapping"
REPEATS = 3
GOAL_CPU_S = 1.0  # at 10,000 tests, for both; the bounds the tests used to assert came from this goal


def cpu_and_wall(action: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def medians(samples: list[tuple[float, float]]) -> dict:
    return {
        "cpu_s": round(statistics.median(cpu for cpu, _ in samples), 3),
        "wall_s": round(statistics.median(wall for _, wall in samples), 3),
    }


def measure_resolver(count: int) -> dict:
    """`resolve()` over what the providers propose for `count` tests (the candidates are built first)."""
    candidates = factories.area_candidates(factories.area_tests(count))
    samples = [cpu_and_wall(lambda: resolve(candidates)) for _ in range(REPEATS)]
    return {
        "workload": "resolve() of the providers' candidates",
        "backend": "-",
        "tests": count,
        **medians(samples),
    }


def measure_after_ingest(count: int, backend: str, target: Callable[[], AbstractContextManager[str]]) -> dict:
    """`resolve_after_ingest` on a store that has just stored `count` new tests (a fresh store per repeat);
    `target()` gives a blank store location (run.fresh_target)."""
    samples = []
    for _ in range(REPEATS):
        with target() as url, open_store(url) as store:
            request = IngestRunRequest(
                project_id=PROJECT,
                run_id="mapping",
                timestamp=datetime(2026, 1, 1, tzinfo=UTC),
                results=factories.tagged_cases(count),
            )
            ingest_request(store, request)
            outcome: object = None

            def step() -> None:
                nonlocal outcome
                outcome = resolve_after_ingest(store, PROJECT)

            samples.append(cpu_and_wall(step))
            if getattr(outcome, "tests_resolved", None) != count:
                raise RuntimeError(f"resolve_after_ingest mapped {outcome!r}, not {count} tests")
    return {
        "workload": "resolve_after_ingest (new tests)",
        "backend": backend,
        "tests": count,
        **medians(samples),
    }


def table(rows: list[dict]) -> str:
    lines = [
        f"| mapping step (median of {REPEATS}) | backend | tests | CPU s | wall s |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['workload']} | {row['backend']} | {row['tests']:,} "
            f"| {row['cpu_s']:.3f} | {row['wall_s']:.3f} |"
        )
    return "\n".join(lines)
