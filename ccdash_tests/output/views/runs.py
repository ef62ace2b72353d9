"""The views of `runs list`, `runs show` and `db info`: tables, JSON, and a run's CI forms."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ccdash_tests.output.formats import RunsFormat, ShowFormat
from ccdash_tests.output.jsonout import print_json
from ccdash_tests.runs import CiSummary, Section, run_document

if TYPE_CHECKING:
    from ccdash_tests.records import TestResultDTO, TestRunDTO

# Rich (through terminal), the listings and Markdown are imported by the views that draw with them:
# `runs list --json`, the call CI scripts make most, prints JSON only and loads none of them.


def show_runs(runs: Sequence[TestRunDTO], json_out: bool, fmt: RunsFormat = RunsFormat.TABLE) -> None:
    if json_out:
        print_json([run_document(run) for run in runs])
        return
    if fmt is RunsFormat.CSV:
        from ccdash_tests.output import listings

        sys.stdout.write(listings.runs_csv(runs))
        return
    from ccdash_tests.output import terminal

    console = terminal.make_console()
    if not runs:
        console.print("No runs stored yet. Store one with: ccdash-tests ingest REPORT.xml")
        return
    console.print(terminal.runs_table(runs))


def show_run_json(run: TestRunDTO, results: Iterable[TestResultDTO]) -> None:
    """The contract's document, every result in it, written as the results stream in."""
    out = sys.stdout
    out.write('{\n  "run": ')
    out.write(json.dumps(run_document(run), ensure_ascii=False))
    out.write(',\n  "results": [')
    for index, result in enumerate(results):
        out.write(",\n    " if index else "\n    ")
        out.write(json.dumps(result.to_json(), ensure_ascii=False))
    out.write("\n  ]\n}\n")
    out.flush()


def show_run(run: TestRunDTO, sections: Sequence[Section]) -> None:
    """The run's header and counts, then each listing, streamed, with what it left out and how to see it."""
    from rich.text import Text

    from ccdash_tests.output import terminal

    console = terminal.make_console()
    console.print(terminal.run_header(run))
    console.print(terminal.counts_line(run))
    for section in sections:
        console.print()
        if section.total == 0:
            console.print(Text(f"No {section.title}.", style="dim"))
            continue
        title = Text(f"{section.title[0].upper()}{section.title[1:]} ({section.total:,})", style="bold")
        grid = terminal.Grid(title, terminal.RESULT_COLUMNS)
        if section.cut:
            grid.add_note(terminal.more_note(section.cut, section.rest_command))
        grid.print_streamed(console, map(terminal.result_cells, section.results))


def ci_text(fmt: ShowFormat, summary: CiSummary) -> str:
    """The run as Markdown, GitHub workflow commands or a GitLab Code Quality report (ends with a newline)."""
    from ccdash_tests.output import ci_annotations, markdown  # only the CI forms of `runs show` use them

    if fmt is ShowFormat.MARKDOWN:
        return markdown.run_summary(
            summary.run,
            summary.bad,
            summary.flaky,
            delta=summary.delta,
            links=summary.links,
            places=summary.places(),
            base_branch=summary.base_branch,
        )
    found = ci_annotations.annotations_for(summary.bad, summary.definitions)
    if fmt is ShowFormat.GITHUB:
        return "".join(line + "\n" for line in ci_annotations.github_commands(found))
    return json.dumps(ci_annotations.gitlab_code_quality(found), ensure_ascii=False, indent=2) + "\n"


def show_ci(fmt: ShowFormat, summary: CiSummary) -> None:
    sys.stdout.write(ci_text(fmt, summary))
    if fmt is ShowFormat.GITLAB:
        from ccdash_tests.output import ci_annotations

        left_out = ci_annotations.unplaced(ci_annotations.annotations_for(summary.bad, summary.definitions))
        if left_out:
            from ccdash_tests.output import terminal

            note = terminal.plain(unplaced_note(len(left_out)), style="yellow")
            terminal.make_console(stderr=True).print(note)


def unplaced_note(count: int) -> str:
    """Why the Code Quality report holds fewer failures than the run (on stderr: stdout stays JSON)."""
    which = "1 failure has" if count == 1 else f"{count:,} failures have"
    return (
        f"Note: {which} no file in the repository and {'is' if count == 1 else 'are'} left out of the "
        "Code Quality report (GitLab places each issue in a file); `runs show` lists every failure."
    )


def show_db_info(document: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(document)
        return
    from ccdash_tests.output import terminal

    console = terminal.make_console()
    console.print(terminal.plain(document["location"], style="bold"))
    console.print(f"schema version {document['schema_version']} ({document['latest_migration']})")
    counts = ", ".join(f"{value:,} {key}" for key, value in document["counts"].items())
    console.print(terminal.plain(f"project {document['project']}: {counts}"))
