"""The views of `ingest`: the progress counter on a terminal, the run's summary, the JSON document."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ccdash_tests.ingest import AfterIngest, IngestOutcome
from ccdash_tests.models import TestResultDTO
from ccdash_tests.output import terminal
from ccdash_tests.text import plural


@contextlib.contextmanager
def progress_counter(enabled: bool) -> Iterator[object]:
    """A live case counter on stderr for long ingests; nothing when stderr is not a terminal."""
    if not enabled:
        yield None
        return
    console = terminal.make_console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.completed:,} cases read"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=None)
        state = {"n": 0}

        def tick() -> None:
            state["n"] += 1
            if state["n"] % 5000 == 0:
                progress.update(task, completed=state["n"])

        yield tick


def ingest_summary(
    where: str,
    outcome: IngestOutcome,
    after: AfterIngest,
    bad: Sequence[TestResultDTO],
    flaky: Sequence[TestResultDTO],
) -> None:
    console = terminal.make_console()
    run = outcome.run
    console.print(terminal.run_header(run))
    console.print(terminal.counts_line(run))
    if outcome.new_results == 0 and outcome.already_stored:
        console.print(
            f"Already stored: {outcome.already_stored:,} results; nothing new was written.", style="dim"
        )
    else:
        console.print(
            f"{outcome.new_results:,} new results, {outcome.already_stored:,} already stored.", style="dim"
        )
    if bad:
        console.print(terminal.results_table(bad, title=f"Failures ({run.failed_tests})"))
    if flaky:
        console.print(terminal.results_table(flaky, title=f"Flaky ({run.flaky_tests})"))
    if "unmapped_tests" in after.mapping:
        console.print(terminal.plain(f"Mapping: {after.mapping['reason']}", style="yellow"))
    for said in outcome.warnings:
        console.print(terminal.plain(f"Warning: {said}", style="yellow"))
    style = "bold red" if after.integrity.signals else "dim"
    console.print(terminal.plain(f"Integrity {after.integrity.status}", style=style))
    console.print(terminal.plain(f"Stored in {where}", style="dim"))


def path_warning(outcome: IngestOutcome) -> None:
    """Once per ingest, on stderr: how many tests have no file path, and how to give them one."""
    if not outcome.without_path:
        return
    frameworks = outcome.run.metadata.get("frameworks") or {}
    hint = "run from the checkout or pass --root"
    hint += ", or use -o junit_family=xunit1" if "pytest" in frameworks else ""
    count = plural(outcome.without_path, "test")
    terminal.make_console(stderr=True).print(
        terminal.plain(
            f"Warning: {count} {'has' if outcome.without_path == 1 else 'have'} no file path: "
            f"path rules and annotations need them; {hint}.",
            style="yellow",
        )
    )


def ingest_document(outcome: IngestOutcome, after: AfterIngest) -> dict:
    """The `ingest --json` document: the stored run (DESIGN.md §6), then what followed the ingest."""
    return {
        **outcome.to_json_dict(),
        "tests_without_path": outcome.without_path,
        "warnings": outcome.warnings,
        "mapping": after.mapping,
        "integrity": after.integrity.to_json_dict(),
    }
