"""The views of `runs list`, `runs show` and `db info`: tables, JSON, and a run's CI forms."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ccdash_tests.models import TestDefinitionDTO, TestResultDTO, TestRunDTO
from ccdash_tests.output import ci_annotations, markdown, terminal
from ccdash_tests.output.formats import ShowFormat
from ccdash_tests.runs import run_document


def show_runs(runs: Sequence[TestRunDTO], json_out: bool) -> None:
    if json_out:
        terminal.print_json([run_document(run) for run in runs])
        return
    console = terminal.make_console()
    if not runs:
        console.print("No runs stored yet. Store one with: ccdash-tests ingest REPORT.xml")
        return
    console.print(terminal.runs_table(runs))


def show_run(run: TestRunDTO, results: Sequence[TestResultDTO], json_out: bool) -> None:
    """One run and every result: JSON (the contract's document) or a header, counts and a table."""
    if json_out:
        terminal.print_json(
            {"run": run_document(run), "results": [result.model_dump(mode="json") for result in results]}
        )
        return
    console = terminal.make_console()
    console.print(terminal.run_header(run))
    console.print(terminal.counts_line(run))
    console.print(terminal.results_table(sorted(results, key=lambda r: r.status.rank)))


def ci_text(
    fmt: ShowFormat,
    run: TestRunDTO,
    bad: Sequence[TestResultDTO],
    flaky: Sequence[TestResultDTO],
    definitions: Mapping[str, TestDefinitionDTO],
) -> str:
    """The run as Markdown, GitHub workflow commands or a GitLab Code Quality report (ends with a newline)."""
    if fmt is ShowFormat.MARKDOWN:
        return markdown.run_summary(run, bad, flaky)
    found = ci_annotations.annotations_for(bad, definitions)
    if fmt is ShowFormat.GITHUB:
        return "".join(line + "\n" for line in ci_annotations.github_commands(found))
    return json.dumps(ci_annotations.gitlab_code_quality(found), ensure_ascii=False, indent=2) + "\n"


def show_ci(
    fmt: ShowFormat,
    run: TestRunDTO,
    bad: Sequence[TestResultDTO],
    flaky: Sequence[TestResultDTO],
    definitions: Mapping[str, TestDefinitionDTO],
) -> None:
    sys.stdout.write(ci_text(fmt, run, bad, flaky, definitions))


def show_db_info(document: dict[str, Any], json_out: bool) -> None:
    if json_out:
        terminal.print_json(document)
        return
    console = terminal.make_console()
    console.print(terminal.plain(document["location"], style="bold"))
    console.print(f"schema version {document['schema_version']} ({document['latest_migration']})")
    counts = ", ".join(f"{value:,} {key}" for key, value in document["counts"].items())
    console.print(terminal.plain(f"project {document['project']}: {counts}"))
