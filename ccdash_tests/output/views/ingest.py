"""The views of `ingest`: the progress counter on a terminal, the run's summary, the JSON document.

Where no style would be shown (a CI log, a pipe, a file), the summary and the warnings are written as
plain lines laid out as Rich lays them out (output/plain.py), without importing Rich; anywhere else,
or for anything plain.py leaves to Rich, Rich prints them (output/terminal.py).
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING

from ccdash_tests.ingest import AfterIngest, IngestOutcome
from ccdash_tests.output import plain
from ccdash_tests.output.layout import RESULT_COLUMNS
from ccdash_tests.records import SignalSeverity, Status, TestResultDTO, TestRunDTO
from ccdash_tests.text import first_line, format_ms, plural, short_run_id, signal_place

if TYPE_CHECKING:
    from rich.console import Console

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

    from ccdash_tests.output import terminal

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
    """The stored run's summary on stdout: its header and counts, its first failures and flaky tests,
    then what mapping, the warnings and the integrity check said, and where it was stored."""
    width = plain.plain_width(sys.stdout)
    lines = None if width is None else plain_summary(width, where, outcome, after, bad, flaky)
    if lines is None:
        rich_summary(where, outcome, after, bad, flaky)
    else:
        _write(sys.stdout, lines)


def _write(stream: IO[str], lines: Sequence[str]) -> None:
    stream.write("".join(f"{line}\n" for line in lines))
    stream.flush()  # as Rich flushes each print, so the warnings on stderr come after it


def _listings(
    outcome: IngestOutcome, bad: Sequence[TestResultDTO], flaky: Sequence[TestResultDTO]
) -> Iterator[tuple[Sequence[TestResultDTO], int, str, str]]:
    """The summary's two listings: (rows, how many there are in all, title, the command for the rest)."""
    run = outcome.run
    ref = shlex.quote(short_run_id(run.run_id))
    failing = run.status_counts.get(Status.FAILED, 0) + run.status_counts.get(Status.ERROR, 0)
    yield bad, failing, "Failures", f"ccdash-tests failures --run {ref}"
    yield flaky, run.flaky_tests, "Flaky", f"ccdash-tests runs show {ref} --status flaky --all"


def _stored_line(outcome: IngestOutcome) -> str:
    if outcome.new_results == 0 and outcome.already_stored:
        return f"Already stored: {outcome.already_stored:,} results; nothing new was written."
    return f"{outcome.new_results:,} new results, {outcome.already_stored:,} already stored."


def plain_summary(
    width: int,
    where: str,
    outcome: IngestOutcome,
    after: AfterIngest,
    bad: Sequence[TestResultDTO],
    flaky: Sequence[TestResultDTO],
) -> list[str] | None:
    """The summary's lines as Rich prints them at `width` with no style shown; None when part of it
    is Rich's to lay out (integrity signals, a stacked table, a character not one cell wide)."""
    if after.integrity.signals:
        return None
    run = outcome.run
    texts = [
        "".join(text for text, _ in plain.run_header_pieces(run)),
        "".join(text for text, _ in plain.counts_pieces(run)),
        _stored_line(outcome),
    ]
    lines: list[str] = []
    for text in texts:
        if (laid := plain.text_lines(text, width)) is None:
            return None
        lines += laid
    for rows, total, title, rest in _listings(outcome, bad, flaky):
        if not rows:
            continue
        cells = [_plain_cells(result) for result in rows]
        if (table := plain.table(f"{title} ({total:,})", RESULT_COLUMNS, cells, width)) is None:
            return None
        lines += table
        if total > len(rows):
            if (note := plain.text_lines(_more(total - len(rows), rest), width)) is None:
                return None
            lines += note
    tail = [f"Mapping: {after.mapping['reason']}"] if "unmapped_tests" in after.mapping else []
    tail += [f"Warning: {said}" for said in outcome.warnings]
    tail += [f"Integrity {after.integrity.status}", f"Stored in {where}"]
    for text in tail:
        if (laid := plain.text_lines(plain.safe(text), width)) is None:
            return None
        lines += laid
    return lines


def _plain_cells(result: TestResultDTO) -> list[str]:
    """terminal.result_cells without their styles."""
    return [
        plain.safe(result.label),
        result.status.value + (" flaky" if result.flaky else ""),
        format_ms(result.duration_ms),
        str(result.attempts),
        plain.safe(first_line(result.error_message or result.error_details), limit=160),
    ]


def _more(count: int, command: str) -> str:
    """terminal.more_note's words."""
    return f"and {count:,} more: {plain.safe(command)}"


def rich_summary(
    where: str,
    outcome: IngestOutcome,
    after: AfterIngest,
    bad: Sequence[TestResultDTO],
    flaky: Sequence[TestResultDTO],
) -> None:
    """The summary printed by Rich: on a terminal (in colour), and whatever plain_summary leaves to it."""
    from rich.text import Text

    from ccdash_tests.output import terminal

    console = terminal.make_console()
    run = outcome.run
    console.print(terminal.run_header(run))
    console.print(terminal.counts_line(run))
    console.print(_stored_line(outcome), style="dim")
    for rows, total, title, rest in _listings(outcome, bad, flaky):
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
    from rich.text import Text

    from ccdash_tests.output import terminal

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
    _warn(
        f"Warning: the report is from {plain.format_time(run.timestamp)} UTC, before commit "
        f"{plain.short_sha(run.git_sha)} ({plain.format_time(committed_at)} UTC) it is stored "
        "against; if it tested another commit, ingest it again with --git-sha."
    )


def path_warning(outcome: IngestOutcome) -> None:
    """Once per ingest, on stderr: how many tests have no file path, and how to give them one."""
    if not outcome.without_path:
        return
    frameworks = outcome.run.metadata.get("frameworks") or {}
    hint = "run from the checkout or pass --root"
    hint += ", or use -o junit_family=xunit1" if "pytest" in frameworks else ""
    count = plural(outcome.without_path, "test")
    _warn(
        f"Warning: {count} {'has' if outcome.without_path == 1 else 'have'} no file path: "
        f"path rules and annotations need them; {hint}."
    )


def _warn(text: str) -> None:
    """A warning on stderr: yellow on a terminal (Rich), plain lines elsewhere."""
    width = plain.plain_width(sys.stderr)
    lines = None if width is None else plain.text_lines(plain.safe(text), width)
    if lines is not None:
        _write(sys.stderr, lines)
        return
    from ccdash_tests.output import terminal

    terminal.make_console(stderr=True).print(terminal.plain(text, style="yellow"))


def ingest_document(outcome: IngestOutcome, after: AfterIngest) -> dict:
    """The `ingest --json` document: the stored run (DESIGN.md §6), then what followed the ingest."""
    return {
        **outcome.to_json_dict(),
        "tests_without_path": outcome.without_path,
        "warnings": outcome.warnings,
        "mapping": after.mapping,
        "integrity": after.integrity.to_json_dict(),
    }
