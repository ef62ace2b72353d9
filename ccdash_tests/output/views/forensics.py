"""The views of `history`, `flaky`, `failures` and `timeline`: Rich tables, or the report as JSON."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
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
from ccdash_tests.output import terminal
from ccdash_tests.text import format_ms, test_label

MARKS = {"first_bad": ("first bad", "bold red"), "last_good": ("last good", "green")}
VERDICT_STYLE = {"good": "green", "bad": "red", "neutral": "dim"}
TESTS_SHOWN = 3


def mark_text(mark: str | None) -> Text:
    return Text(*MARKS[mark]) if mark else Text("")


def emit(document: DTO) -> None:
    terminal.print_json(document.model_dump(mode="json"))


def run_line(label: str, run: RunRefDoc | RunResultDoc) -> Text:
    text = Text(f"{label}: ", style="dim")
    text.append(terminal.safe(run.run_id))
    text.append(
        f"  {terminal.format_time(run.timestamp)}  sha {terminal.safe(terminal.short_sha(run.git_sha))}"
    )
    return text


def history_tables(console: Console, report: HistoryReport) -> None:
    test = report.test
    console.print(terminal.plain(test.label, style="bold"))
    console.print(
        terminal.plain(f"test_id {test.test_id}" + (f"  path {test.path}" if test.path else ""), "dim")
    )
    table = Table(
        title=f"Last {len(report.runs)} of {report.total_results} runs (newest first)", title_justify="left"
    )
    for column in ("run", "time", "status", "sha", "branch", "session", "duration", "message", "mark"):
        table.add_column(column, overflow="fold" if column == "message" else "ellipsis")
    for row in report.runs:
        status = terminal.status_text(row.status)
        if row.flaky:
            status.append(" (flaky)", style="magenta")
        table.add_row(
            terminal.plain(row.run_id, limit=16),
            terminal.format_time(row.timestamp),
            status,
            terminal.plain(terminal.short_sha(row.git_sha)),
            terminal.plain(row.branch or "-", limit=24),
            terminal.plain(row.agent_session_id or "-", limit=20),
            format_ms(row.duration_ms),
            terminal.plain(row.message or "", limit=120),
            mark_text(row.mark),
        )
    console.print(table)
    if report.first_bad_run is not None:
        console.print(Text(f"Failing for {report.failing_streak} run(s).", style="bold red"))
        console.print(run_line("first bad run", report.first_bad_run))
    elif report.current_status is not None:
        console.print(Text(f"Latest status: {report.current_status.value}.", style="bold"))
    if report.last_good_run is not None:
        console.print(run_line("last good run", report.last_good_run))
    elif report.first_bad_run is not None:
        console.print(Text("No good run on record.", style="dim"))


def flaky_tables(console: Console, report: FlakyReport) -> None:
    if not report.tests:
        console.print(f"No flaky tests in the last {report.runs} run(s) (flip threshold {report.threshold}).")
        return
    table = Table(
        title=f"Flaky tests over the last {report.runs} runs (flip threshold {report.threshold})",
        title_justify="left",
    )
    for column in ("test", "flake rate", "reasons", "flips", "passed", "failed", "retried", "shas", "runs"):
        numeric = column in ("flake rate", "flips", "passed", "failed", "retried")
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for test in report.tests:
        table.add_row(
            terminal.plain(test_label(test.classname, test.name)),
            f"{test.flake_rate:.0%}",
            ", ".join(test.reasons),
            str(test.flips),
            str(test.passed),
            str(test.failed),
            str(test.retried),
            terminal.plain(", ".join(terminal.short_sha(sha) for sha in test.shas) or "-"),
            terminal.plain(abbreviated([e.run_id[:12] for e in test.evidence])),
        )
    console.print(table)


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
        return f"run {report.run.run_id}"
    if report.since is not None:
        return f"{report.runs} runs since {terminal.format_time(report.since)}"
    return f"all {report.runs} runs"


def failures_tables(console: Console, report: FailuresReport) -> None:
    scope = failures_title(report)
    if not report.clusters:
        console.print(terminal.plain(f"No failed or errored results in {scope}."))
        return
    table = Table(
        title=terminal.plain(
            f"{report.failing_results} failing results in {len(report.clusters)} clusters: {scope}"
        ),
        title_justify="left",
    )
    for column in ("count", "tests", "runs", "message", "first seen", "fingerprint"):
        table.add_column(column, justify="right" if column in ("count", "runs") else "left", overflow="fold")
    for cluster in report.clusters:
        names = [test_label(t.classname, t.name) for t in cluster.tests]
        first = cluster.first_seen
        table.add_row(
            str(cluster.count),
            name_lines(names),
            str(cluster.run_count),
            terminal.plain(cluster.message or "(no message)", limit=160),
            terminal.plain(f"{terminal.format_time(first.timestamp)} {first.run_id[:12]}" if first else "-"),
            cluster.fingerprint or "-",
        )
    console.print(table)


def timeline_tables(console: Console, report: FeatureTimeline) -> None:
    heading = (
        f"Feature {report.feature}: {report.tests} tests, {report.runs} runs in the last {report.days} days"
    )
    if not report.buckets:
        console.print(terminal.plain(heading + "; none of its tests ran in that time."))
        return
    table = Table(title=terminal.plain(f"{heading} (by {report.by}, oldest first)"), title_justify="left")
    for column in ("run" if report.by == "run" else "day", "start", "runs", "verdict", "passed", "failed"):
        table.add_column(column, justify="right" if column in ("runs", "passed", "failed") else "left")
    table.add_column("skipped", justify="right")
    table.add_column("failing tests", overflow="fold")
    table.add_column("mark")
    for bucket in report.buckets:
        counts = bucket.status_counts
        failed = counts.get(Status.FAILED, 0) + counts.get(Status.ERROR, 0)
        skipped = (
            counts.get(Status.SKIPPED, 0) + counts.get(Status.XFAILED, 0) + counts.get(Status.XPASSED, 0)
        )
        verdict = Text(bucket.verdict, style=VERDICT_STYLE[bucket.verdict])
        if report.by == "day" and bucket.bad_runs:
            verdict.append(f" ({bucket.bad_runs} bad)", style="dim")
        table.add_row(
            terminal.plain(bucket.key, limit=16),
            terminal.format_time(bucket.start),
            str(bucket.runs),
            verdict,
            str(counts.get(Status.PASSED, 0)),
            str(failed),
            str(skipped),
            name_lines(bucket.failing_tests),
            Text(", ").join(mark_text(mark) for mark in bucket.marks),
        )
    console.print(table)
    if report.first_bad_run is not None:
        console.print(Text(f"Failing for {report.failing_streak} run(s).", style="bold red"))
        console.print(run_line("first bad run", report.first_bad_run))
    if report.last_good_run is not None:
        console.print(run_line("last good run", report.last_good_run))


def show_history(report: HistoryReport, json_out: bool) -> None:
    if json_out:
        emit(report)
    else:
        history_tables(terminal.make_console(), report)


def show_flaky(report: FlakyReport, json_out: bool) -> None:
    if json_out:
        emit(report)
    else:
        flaky_tables(terminal.make_console(), report)


def show_failures(report: FailuresReport, json_out: bool) -> None:
    if json_out:
        emit(report)
    else:
        failures_tables(terminal.make_console(), report)


def show_timeline(report: FeatureTimeline, json_out: bool) -> None:
    if json_out:
        emit(report)
    else:
        timeline_tables(terminal.make_console(), report)
