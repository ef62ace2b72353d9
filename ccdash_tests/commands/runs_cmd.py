"""`ccdash-tests runs list|show` and `db info`: what the store holds."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    db_app,
    one_output,
    resolve_project,
    runs_app,
    user_errors,
)
from ccdash_tests.output.formats import RunsFormat, ShowFormat, ShowStatus
from ccdash_tests.output.views import runs as view
from ccdash_tests.runs import (
    DEFAULT_SHOWN,
    all_results,
    ci_summary,
    find_run,
    run_sections,
    store_info,
)
from ccdash_tests.store import open_store


@runs_app.command("list")
def runs_list(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many runs.")] = 20,
    fmt: Annotated[
        RunsFormat, typer.Option("--format", help="table | csv (a header row, then one row a run).")
    ] = RunsFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Recent runs, newest first."""
    with user_errors(), open_store(db) as store:
        one_output(json_out, fmt)
        view.show_runs(store.runs.list_by_project(resolve_project(project), limit=limit), json_out, fmt)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id (or a unique prefix). [default: the latest run]")
    ] = None,
    fmt: Annotated[
        ShowFormat,
        typer.Option(
            "--format",
            help="table | markdown (for $GITHUB_STEP_SUMMARY, under 65,000 characters) | github "
            "(::error annotations) | gitlab (Code Quality JSON).",
        ),
    ] = ShowFormat.TABLE,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every result (or, with --status, every one of those statuses).")
    ] = False,
    status: Annotated[
        list[ShowStatus] | None,
        typer.Option(
            "--status", help="Only results with this status (repeatable); flaky: passed on a retry."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many results a listing.")
    ] = DEFAULT_SHOWN,
    base_branch: Annotated[
        str | None,
        typer.Option(
            "--base-branch",
            help="--format markdown compares with this branch's newest earlier run. [default: the pull "
            "request's target ($GITHUB_BASE_REF, $CI_MERGE_REQUEST_TARGET_BRANCH_NAME, "
            "$BUILDKITE_PULL_REQUEST_BASE_BRANCH), else main]",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One run: its counts, then its errors, failures and flaky tests (--all: every result).

    --json always carries every result.
    """
    with user_errors(), open_store(db) as store:
        one_output(json_out, fmt)
        name = resolve_project(project)
        run = find_run(store, name, run_id)
        if json_out:
            view.show_run_json(run, all_results(store, run))
            return
        if fmt is ShowFormat.TABLE:
            view.show_run(run, run_sections(store, run, [s.value for s in status or ()], show_all, limit))
            return
        summary = ci_summary(store, run, base_branch, os.environ, compare=fmt is ShowFormat.MARKDOWN)
        view.show_ci(fmt, summary)


@db_app.command("info")
def db_info(
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Where the store is, its schema version, and how much it holds for the project."""
    with user_errors(), open_store(db) as store:
        view.show_db_info(store_info(store, resolve_project(project)), json_out)
