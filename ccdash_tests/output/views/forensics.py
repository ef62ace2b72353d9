"""The views of `history`, `flaky`, `failures` and `timeline`: Rich tables, or the report as JSON."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.text import Text

from ccdash_tests.forensics import (
    FailuresReport,
    FeatureTimeline,
    FlakyReport,
    HistoryReport,
    RunRefDoc,
    RunResultDoc,
)
from ccdash_tests.models import DTO, Status
from ccdash_tests.output import listings, terminal
from ccdash_tests.output.formats import ListFormat, OutputFormat
from ccdash_tests.text import format_ms, plural, short_run_id

MARKS = {"first_bad": ("first bad", "bold red"), "last_good": ("last good", "green")}
VERDICT_STYLE = {"good": "green", "bad": "red", "neutral": "dim"}
TESTS_SHOWN = 3


def mark_text(mark: str | None) -> Text:
    return Text(*MARKS[mark]) if mark else Text("")


def emit(document: DTO) -> None:
    """The report as one JSON document (the --json contract), written by Pydantic's serializer.

    The same text as `print_json` of its `model_dump` for every string (escapes, non-ASCII, indent),
    in a tenth of the time: json.dumps with `indent` runs in Python, 60 ms for the 2.4 MB of a year's
    `failures --all`. Floats differ only below 1e-4 (0.00001, not 1e-05), which these reports never
    hold: durations are whole microseconds in ms, flake rates have four decimals.
    """
    sys.stdout.write(document.model_dump_json(indent=2) + "\n")
    sys.stdout.flush()


def run_line(label: str, run: RunRefDoc | RunResultDoc) -> Text:
    text = Text(f"{label}: ", style="dim")
    text.append(terminal.safe(short_run_id(run.run_id)))
    text.append(
        f"  {terminal.format_time(run.timestamp)}  sha {terminal.safe(terminal.short_sha(run.git_sha))}"
    )
    return text


def history_tables(console: Console, report: HistoryReport) -> None:
    test = report.test
    console.print(terminal.fit_line(console, terminal.plain(test.label, style="bold")))
    console.print(terminal.plain(f"test_id {test.test_id}", "dim"))
    if test.path:
        console.print(terminal.fit_line(console, terminal.plain(f"path {test.path}", "dim")))
    grid = terminal.Grid(
        Text(
            f"Last {len(report.runs):,} of {plural(report.total_results, 'run')} (newest first)", style="bold"
        ),
        [
            terminal.Col("run", "id", min=10),
            terminal.Col("time (UTC)"),
            terminal.Col("status"),
            terminal.Col("mark"),
            terminal.Col("sha"),
            terminal.Col("message", "text", min=16),
            terminal.Col("duration", justify="right", optional=True),
            terminal.Col("branch", "id", min=8, optional=True),
            terminal.Col("session", "id", min=10, optional=True),
        ],
    )
    for row in report.runs:
        status = terminal.status_text(row.status)
        if row.flaky:
            status.append(" (flaky)", style="magenta")
        grid.add_row(
            terminal.plain(short_run_id(row.run_id)),
            terminal.format_minute(row.timestamp),
            status,
            mark_text(row.mark),
            terminal.plain(terminal.short_sha(row.git_sha)),
            terminal.plain(row.message or "", limit=120),
            format_ms(row.duration_ms),
            terminal.plain(row.branch or "-"),
            terminal.plain(row.agent_session_id or "-"),
        )
    console.print(grid)
    if report.first_bad_run is not None:
        console.print(Text(f"Failing for {plural(report.failing_streak, 'run')}.", style="bold red"))
        console.print(run_line("first bad run", report.first_bad_run))
    elif report.current_status is not None:
        console.print(Text(f"Latest status: {report.current_status.value}.", style="bold"))
    if report.last_good_run is not None:
        console.print(run_line("last good run", report.last_good_run))
    elif report.first_bad_run is not None:
        console.print(Text("No good run on record.", style="dim"))


def flaky_tables(console: Console, report: FlakyReport) -> None:
    if not report.tests:
        console.print(
            f"No flaky tests in the last {plural(report.runs, 'run')} (flip threshold {report.threshold})."
        )
        return
    grid = terminal.Grid(
        Text(
            f"Flaky tests over the last {report.runs:,} runs (flip threshold {report.threshold})",
            style="bold",
        ),
        [
            terminal.Col("test", "name", min=24),
            terminal.Col("flake rate", justify="right"),
            terminal.Col("flips", justify="right"),
            terminal.Col("passed", justify="right"),
            terminal.Col("failed", justify="right"),
            terminal.Col("retried", justify="right"),
            terminal.Col("reasons", "text", min=12),
            terminal.Col("shas", "id", min=10, optional=True),
            terminal.Col("runs", "id", min=12, optional=True),
        ],
    )
    for test in report.tests:
        grid.add_row(
            terminal.plain(test.label),
            f"{test.flake_rate:.0%}",
            f"{test.flips:,}",
            f"{test.passed:,}",
            f"{test.failed:,}",
            f"{test.retried:,}",
            ", ".join(test.reasons),
            terminal.plain(", ".join(terminal.short_sha(sha) for sha in test.shas) or "-"),
            terminal.plain(abbreviated([short_run_id(e.run_id) for e in test.evidence])),
        )
    console.print(grid)


def abbreviated(items: list[str], shown: int = TESTS_SHOWN) -> str:
    if len(items) <= shown:
        return ", ".join(items)
    return ", ".join(items[:shown]) + f" and {len(items) - shown} more"


def name_lines(names: list[str], shown: int = TESTS_SHOWN) -> Text:
    """One name a line, each shown literally; the rest counted."""
    lines = [terminal.plain(name) for name in names[:shown]]
    if len(names) > shown:
        lines.append(Text(f"and {len(names) - shown} more", style="dim"))
    return Text("\n").join(lines)


def failures_title(report: FailuresReport) -> str:
    if report.run is not None:
        return f"run {short_run_id(report.run.run_id)}"
    if report.since is not None:
        return f"{report.runs} runs since {terminal.format_time(report.since)}"
    return f"all {report.runs} runs"


def failures_tables(console: Console, report: FailuresReport) -> None:
    scope = failures_title(report)
    if not report.clusters:
        console.print(terminal.plain(f"No failed or errored results in {scope}."))
        return
    title = (
        f"{plural(report.failing_results, 'failing result')} in {plural(len(report.clusters), 'cluster')}: "
    )
    grid = terminal.Grid(
        Text(terminal.safe(title + scope), style="bold"),
        [
            terminal.Col("count", justify="right"),
            terminal.Col("tests", "name", min=24),
            terminal.Col("runs", justify="right"),
            terminal.Col("message", "text", min=16),
            terminal.Col("first run", "id", min=10, optional=True),
            terminal.Col("first seen", optional=True),
            terminal.Col("fingerprint", "id", min=12, optional=True),
        ],
    )
    for cluster in report.clusters:
        names = [t.label for t in cluster.tests]
        first = cluster.first_seen
        grid.add_row(
            f"{cluster.count:,}",
            name_lines(names),
            f"{cluster.run_count:,}",
            terminal.plain(cluster.message or "(no message)", limit=160),
            terminal.plain(short_run_id(first.run_id) if first else "-"),
            terminal.format_minute(first.timestamp if first else None),
            cluster.fingerprint or "-",
        )
    console.print(grid)


def timeline_tables(console: Console, report: FeatureTimeline) -> None:
    heading = (
        f"Feature {report.feature}: {plural(report.tests, 'test')}, {plural(report.runs, 'run')} "
        f"in the last {plural(report.days, 'day')}"
    )
    if not report.buckets:
        console.print(terminal.plain(heading + "; none of its tests ran in that time."))
        return
    key_column = "run" if report.by == "run" else "day"
    grid = terminal.Grid(
        Text(terminal.safe(f"{heading} (by {report.by}, oldest first)"), style="bold"),
        [
            terminal.Col(key_column, "id", min=10),
            terminal.Col("verdict"),
            terminal.Col("runs", justify="right"),
            terminal.Col("pass", justify="right"),
            terminal.Col("fail", justify="right"),
            terminal.Col("skip", justify="right"),
            terminal.Col("mark", "text", min=10),
            terminal.Col("failing tests", "name", min=16),
            terminal.Col("start", optional=True),
        ],
    )
    for bucket in report.buckets:
        counts = bucket.status_counts
        failed = counts.get(Status.FAILED, 0) + counts.get(Status.ERROR, 0)
        skipped = (
            counts.get(Status.SKIPPED, 0) + counts.get(Status.XFAILED, 0) + counts.get(Status.XPASSED, 0)
        )
        verdict = Text(bucket.verdict, style=VERDICT_STYLE[bucket.verdict])
        if report.by == "day" and bucket.bad_runs:
            verdict.append(f" ({bucket.bad_runs:,} bad)", style="dim")
        grid.add_row(
            terminal.plain(short_run_id(bucket.key) if report.by == "run" else bucket.key),
            verdict,
            f"{bucket.runs:,}",
            f"{counts.get(Status.PASSED, 0):,}",
            f"{failed:,}",
            f"{skipped:,}",
            Text(", ").join(mark_text(mark) for mark in bucket.marks),
            name_lines(bucket.failing_tests) if bucket.failing_tests else Text("-"),
            terminal.format_minute(bucket.start),
        )
    console.print(grid)
    if report.first_bad_run is not None:
        console.print(Text(f"Failing for {plural(report.failing_streak, 'run')}.", style="bold red"))
        console.print(run_line("first bad run", report.first_bad_run))
    if report.last_good_run is not None:
        console.print(run_line("last good run", report.last_good_run))


def show_history(report: HistoryReport, json_out: bool, fmt: OutputFormat = OutputFormat.TABLE) -> None:
    if json_out:
        emit(report)
    elif fmt is OutputFormat.MARKDOWN:
        sys.stdout.write(listings.history_markdown(report))
    else:
        history_tables(terminal.make_console(), report)


def show_flaky(report: FlakyReport, json_out: bool, fmt: ListFormat = ListFormat.TABLE) -> None:
    if json_out:
        emit(report)
    elif fmt is ListFormat.MARKDOWN:
        sys.stdout.write(listings.flaky_markdown(report))
    elif fmt is ListFormat.CSV:
        sys.stdout.write(listings.flaky_csv(report))
    else:
        flaky_tables(terminal.make_console(), report)


def show_failures(report: FailuresReport, json_out: bool, fmt: ListFormat = ListFormat.TABLE) -> None:
    if json_out:
        emit(report)
    elif fmt is ListFormat.MARKDOWN:
        sys.stdout.write(listings.failures_markdown(report))
    elif fmt is ListFormat.CSV:
        sys.stdout.write(listings.failures_csv(report))
    else:
        failures_tables(terminal.make_console(), report)


def show_timeline(report: FeatureTimeline, json_out: bool) -> None:
    if json_out:
        emit(report)
    else:
        timeline_tables(terminal.make_console(), report)
