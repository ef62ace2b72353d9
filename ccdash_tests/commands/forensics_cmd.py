"""`ccdash-tests history|flaky|failures|timeline`: when a test broke, what flakes, what fails together."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from ccdash_tests import forensics
from ccdash_tests.commands.common import (
    DbOption,
    FormatOption,
    JsonOption,
    ListFormatOption,
    ProjectOption,
    app,
    one_output,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.output.formats import ListFormat, OutputFormat
from ccdash_tests.output.views import forensics as view
from ccdash_tests.store import open_store
from ccdash_tests.times import parse_since


@app.command("history")
def history(
    test: Annotated[
        str,
        typer.Argument(
            help="Any name the tool prints (node id, Class.method, pkg.TestX/sub, suite > test) or its"
            " tail, a test_id, class::name, a name, or a substring naming one test."
        ),
    ],
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many recent runs.")] = 20,
    fmt: FormatOption = OutputFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One test across runs, newest first; marks the first bad run of the current failing streak."""
    with user_errors(), open_store(db) as store:
        one_output(json_out, fmt)
        report = forensics.history_report(store, resolve_project(project), test, limit)
        view.show_history(report, json_out, fmt)


@app.command("flaky")
def flaky(
    runs: Annotated[int, typer.Option("--runs", min=2, max=1_000, help="Look at the latest N runs.")] = (
        forensics.DEFAULT_FLAKY_RUNS
    ),
    threshold: Annotated[
        int, typer.Option("--threshold", min=0, help="Flaky when good/bad flips exceed this many.")
    ] = forensics.DEFAULT_FLIP_THRESHOLD,
    fmt: ListFormatOption = ListFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Tests that passed and failed on one commit, passed only on retry, or flip too often."""
    with user_errors(), open_store(db) as store:
        one_output(json_out, fmt)
        report = forensics.flaky_tests(store, resolve_project(project), runs, threshold)
        view.show_flaky(report, json_out, fmt)


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
    fmt: ListFormatOption = ListFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Failed and errored results grouped by error fingerprint: one row per root cause."""
    with user_errors(), open_store(db) as store:
        one_output(json_out, fmt)
        start = parse_since(since) if since is not None else None
        report = forensics.failure_clusters(store, resolve_project(project), run, all_runs, start)
        view.show_failures(report, json_out, fmt)


@app.command("timeline")
def timeline(
    feature: Annotated[str, typer.Option("--feature", help="Feature name (primary test mappings).")],
    days: Annotated[int, typer.Option("--days", min=1, max=3_660, help="How far back.")] = 90,
    by: Annotated[str, typer.Option("--by", metavar="[run|day]", help="One row a run or a day.")] = "day",
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
        view.show_timeline(report, json_out)
