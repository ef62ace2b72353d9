"""`ccdash-tests history|flaky|failures|timeline`: when a test broke, what flakes, what fails together."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ccdash_tests import forensics, render
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    app,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.forensics import (
    FailuresReport,
    FeatureTimeline,
    FlakyReport,
    HistoryReport,
    RunRefDoc,
    RunResultDoc,
)
from ccdash_tests.models import DTO, Status
from ccdash_tests.store import open_store
from ccdash_tests.text import format_ms, test_label
from ccdash_tests.times import parse_since

MARKS = {"first_bad": ("first bad", "bold red"), "last_good": ("last good", "green")}
VERDICT_STYLE = {"good": "green", "bad": "red", "neutral": "dim"}
TESTS_SHOWN = 3


def mark_text(mark: str | None) -> Text:
    return Text(*MARKS[mark]) if mark else Text("")


def emit(document: DTO) -> None:
    render.print_json(document.model_dump(mode="json"))


@app.command("history")
def history(
    test: Annotated[
        str, typer.Argument(help="A test_id, a name, class::name, or a substring naming one test.")
    ],
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many recent runs.")] = 20,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One test across runs, newest first; marks the first bad run of the current failing streak."""
    with user_errors(), open_store(db) as store:
        report = forensics.history_report(store, resolve_project(project), test, limit)
        if json_out:
            emit(report)
            return
        show_history(render.make_console(), report)


def run_line(label: str, run: RunRefDoc | RunResultDoc) -> Text:
    text = Text(f"{label}: ", style="dim")
    text.append(render.safe(run.run_id))
    text.append(f"  {render.format_time(run.timestamp)}  sha {render.safe(render.short_sha(run.git_sha))}")
    return text


def show_history(console: Console, report: HistoryReport) -> None:
    test = report.test
    console.print(render.plain(test.label, style="bold"))
    console.print(
        render.plain(f"test_id {test.test_id}" + (f"  path {test.path}" if test.path else ""), "dim")
    )
    table = Table(
        title=f"Last {len(report.runs)} of {report.total_results} runs (newest first)", title_justify="left"
    )
    for column in ("run", "time", "status", "sha", "branch", "session", "duration", "message", "mark"):
        table.add_column(column, overflow="fold" if column == "message" else "ellipsis")
    for row in report.runs:
        status = render.status_text(row.status)
        if row.flaky:
            status.append(" (flaky)", style="magenta")
        table.add_row(
            render.plain(row.run_id, limit=16),
            render.format_time(row.timestamp),
            status,
            render.plain(render.short_sha(row.git_sha)),
            render.plain(row.branch or "-", limit=24),
            render.plain(row.agent_session_id or "-", limit=20),
            format_ms(row.duration_ms),
            render.plain(row.message or "", limit=120),
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


@app.command("flaky")
def flaky(
    runs: Annotated[int, typer.Option("--runs", min=2, max=1_000, help="Look at the latest N runs.")] = (
        forensics.DEFAULT_FLAKY_RUNS
    ),
    threshold: Annotated[
        int, typer.Option("--threshold", min=0, help="Flaky when good/bad flips exceed this many.")
    ] = forensics.DEFAULT_FLIP_THRESHOLD,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Tests that passed and failed on one commit, passed only on retry, or flip too often."""
    with user_errors(), open_store(db) as store:
        report = forensics.flaky_tests(store, resolve_project(project), runs, threshold)
        if json_out:
            emit(report)
            return
        show_flaky(render.make_console(), report)


def show_flaky(console: Console, report: FlakyReport) -> None:
    if not report.tests:
        console.print(f"No flaky tests in the last {report.runs} run(s) (flip threshold {report.threshold}).")
        return
    table = Table(
        title=f"Flaky tests over the last {report.runs} runs (flip threshold {report.threshold})",
        title_justify="left",
    )
    for column in ("test", "flake rate", "reasons", "flips", "passed", "failed", "retried", "shas", "runs"):
        justify = "right" if column in ("flake rate", "flips", "passed", "failed", "retried") else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for test in report.tests:
        table.add_row(
            render.plain(test_label(test.classname, test.name)),
            f"{test.flake_rate:.0%}",
            ", ".join(test.reasons),
            str(test.flips),
            str(test.passed),
            str(test.failed),
            str(test.retried),
            render.plain(", ".join(render.short_sha(sha) for sha in test.shas) or "-"),
            render.plain(abbreviated([e.run_id[:12] for e in test.evidence])),
        )
    console.print(table)


def abbreviated(items: list[str], shown: int = TESTS_SHOWN) -> str:
    if len(items) <= shown:
        return ", ".join(items)
    return ", ".join(items[:shown]) + f" and {len(items) - shown} more"


def name_lines(names: list[str], shown: int = TESTS_SHOWN) -> Text:
    """One name a line, each shown literally; the rest counted."""
    lines = [render.plain(name) for name in names[:shown]]
    if len(names) > shown:
        lines.append(Text(f"and {len(names) - shown} more", style="dim"))
    return Text("\n").join(lines)


@app.command("failures")
def failures(
    run: Annotated[
        str | None, typer.Option("--run", help="Run id or unique prefix. [default: latest]")
    ] = None,
    all_runs: Annotated[
        bool, typer.Option("--all", help="Every run (with --since: every run since).")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Runs since an ISO date/time or a span (30d, 2w); implies --all."),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Failed and errored results grouped by error fingerprint: one row per root cause."""
    with user_errors(), open_store(db) as store:
        start = parse_since(since) if since is not None else None
        report = forensics.failure_clusters(store, resolve_project(project), run, all_runs, start)
        if json_out:
            emit(report)
            return
        show_failures(render.make_console(), report)


def failures_title(report: FailuresReport) -> str:
    if report.run is not None:
        return f"run {report.run.run_id}"
    if report.since is not None:
        return f"{report.runs} runs since {render.format_time(report.since)}"
    return f"all {report.runs} runs"


def show_failures(console: Console, report: FailuresReport) -> None:
    scope = failures_title(report)
    if not report.clusters:
        console.print(render.plain(f"No failed or errored results in {scope}."))
        return
    table = Table(
        title=render.plain(
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
            render.plain(cluster.message or "(no message)", limit=160),
            render.plain(f"{render.format_time(first.timestamp)} {first.run_id[:12]}" if first else "-"),
            cluster.fingerprint or "-",
        )
    console.print(table)


@app.command("timeline")
def timeline(
    feature: Annotated[str, typer.Option("--feature", help="Feature name (primary test mappings).")],
    days: Annotated[int, typer.Option("--days", min=1, max=3_660, help="How far back.")] = 90,
    by: Annotated[str, typer.Option("--by", help="run | day")] = "day",
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """A feature's tests run by run or day by day, with its first bad and last good runs."""
    with user_errors(), open_store(db) as store:
        if by not in ("run", "day"):
            raise UserError(f"--by {by!r}: choose run or day")
        grouping: Literal["run", "day"] = "run" if by == "run" else "day"
        report = forensics.feature_timeline(store, resolve_project(project), feature, days, grouping)
        if json_out:
            emit(report)
            return
        show_timeline(render.make_console(), report)


def show_timeline(console: Console, report: FeatureTimeline) -> None:
    heading = (
        f"Feature {report.feature}: {report.tests} tests, {report.runs} runs in the last {report.days} days"
    )
    if not report.buckets:
        console.print(render.plain(heading + "; none of its tests ran in that time."))
        return
    table = Table(title=render.plain(f"{heading} (by {report.by}, oldest first)"), title_justify="left")
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
            render.plain(bucket.key, limit=16),
            render.format_time(bucket.start),
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
