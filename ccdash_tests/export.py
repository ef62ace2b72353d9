"""The export service: one stored run (however many shards and formats built it) as one report's cases."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from ccdash_tests.records import ParsedCase, TestRunDTO
from ccdash_tests.runs import find_run
from ccdash_tests.store import Store
from ccdash_tests.store.queries.export import export_cases


class ExportFormat(enum.StrEnum):
    """What `export --format` writes."""

    JUNIT = "junit"
    CTRF = "ctrf"


@dataclass
class RunExport:
    """The run and its results, streamed from the store while the writer writes them."""

    run: TestRunDTO
    format: ExportFormat
    cases: Iterator[ParsedCase]


def export_run(store: Store, project: str, ref: str | None, fmt: ExportFormat) -> RunExport:
    """RUN (an id, a unique prefix, or the latest run when None) ready to be written as `fmt`."""
    run = find_run(store, project, ref)
    return RunExport(run, fmt, export_cases(store.engine, run.project_id, run.run_id))
