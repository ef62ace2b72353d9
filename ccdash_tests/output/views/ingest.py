"""The views of `ingest`: the progress counter on a terminal, the run's summary, the JSON document."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from ccdash_tests.ingest import AfterIngest, IngestOutcome
from ccdash_tests.models import SignalSeverity, Status, TestResultDTO, TestRunDTO
from ccdash_tests.output import terminal
from ccdash_tests.text import plural, short_run_id, signal_place

if TYPE_CHECKING:
    from ccdash_tests.integrity.check import IntegrityCheck

# The ingest summary names this many signals, most severe first.
SIGNALS_SHOWN = 5
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SignalSeverity)}


@contextlib.contextmanager
def progress_counter(enabled: bool) -> Iterator[object]:
    """A live case counter on stderr for long ingests; nothing when stderr is not a terminal."""
    if not enabled:
        yield None
        return
    # Imported here: only a long ingest on a terminal shows it, and rich.progress pulls in its live display.
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

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
    ref = shlex.quote(short_run_id(run.run_id))
    failing = run.status_counts.get(Status.FAILED, 0) + run.status_counts.get(Status.ERROR, 0)
    for rows, total, title, rest in (
        (bad, failing, "Failures", f"ccdash-tests failures --run {ref}"),
        (flaky, run.flaky_tests, "Flaky", f"ccdash-tests runs show {ref} --status flaky --all"),
    ):
        if rows:
            grid = terminal.results_table(rows, title=Text(f"{title} ({total:,})", style="bold"))
            if total > len(rows):
                grid.add_note(terminal.more_note(total - len(rows), rest))
            console.print(grid)
    if "unmapped_tests" in after.mapping:
        console.print(terminal.plain(f"Mapping: {after.mapping['reason']}", style="yellow"))
    for said in outcome.warnings:
        console.print(terminal.plain(f"Warning: {said}", style="yellow"))
    integrity_lines(console, after.integrity)
    console.print(terminal.plain(f"Stored in {where}", style="dim"))


def integrity_lines(console: Console, check: IntegrityCheck) -> None:
    """The integrity check's verdict; when it found signals, the worst of them and the command to see all."""
    if not check.signals:
        console.print(terminal.plain(f"Integrity {check.status}", style="dim"))
        return
    worst = sorted(check.signals, key=lambda s: (-SEVERITY_RANK[s.severity], s.file_path, s.test_name or ""))
    console.print(
        Text(
            f"Integrity: {plural(len(worst), 'signal')} in this change (tests it weakened)", style="bold red"
        )
    )
    for signal in worst[:SIGNALS_SHOWN]:
        line = Text("  ")
        line.append(
            f"{signal.severity.value:<6}", style="red" if signal.severity.value == "high" else "yellow"
        )
        line.append(f" {terminal.safe(signal.signal_type)}  ")
        line.append_text(terminal.plain(signal_place(signal.file_path, signal.test_name)))
        console.print(terminal.fit_line(console, line, "id"))
    more = f"and {len(worst) - SIGNALS_SHOWN:,} more; " if len(worst) > SIGNALS_SHOWN else ""
    sha = terminal.short_sha(check.head_sha) if check.head_sha else ""
    command = f"ccdash-tests integrity --sha {sha}" if sha else "ccdash-tests integrity"
    console.print(Text(f"  {more}see them: {command}", style="dim"))


def stale_report_warning(run: TestRunDTO, committed_at: datetime | None) -> None:
    """On stderr: the report was written before the commit it is attributed to (an old report ingested
    after new commits gets today's HEAD unless told otherwise)."""
    if committed_at is None or run.git_sha is None or run.timestamp >= committed_at:
        return
    terminal.make_console(stderr=True).print(
        terminal.plain(
            f"Warning: the report is from {terminal.format_time(run.timestamp)} UTC, before commit "
            f"{terminal.short_sha(run.git_sha)} ({terminal.format_time(committed_at)} UTC) it is stored "
            "against; if it tested another commit, ingest it again with --git-sha.",
            style="yellow",
        )
    )


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
