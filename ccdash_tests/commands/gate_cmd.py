"""`ccdash-tests gate`: one pass/fail decision for a pipeline, from explicit rules."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ccdash_tests.commands.common import (
    DbOption,
    FormatOption,
    JsonOption,
    ProjectOption,
    app,
    one_output,
    parse_severity,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.gate import GateOptions, run_gate
from ccdash_tests.output.formats import OutputFormat
from ccdash_tests.output.views import gate as view
from ccdash_tests.runmeta import default_base_branch
from ccdash_tests.runs import find_run, run_delta
from ccdash_tests.store import open_store

RULE_OPTIONS = ("--max-new-failures", "--fail-under", "--fail-on-integrity", "--no-flaky-new")


@app.command()
def gate(
    run_id: Annotated[
        str | None, typer.Option("--run", help="Run to judge (id or unique prefix). [default: the latest]")
    ] = None,
    max_new_failures: Annotated[
        int | None,
        typer.Option(
            "--max-new-failures",
            min=0,
            help="Fail when more than N tests fail in the run that did not fail in the base run.",
        ),
    ] = None,
    base_branch: Annotated[
        str | None,
        typer.Option(
            "--base-branch",
            help="Branch whose latest earlier run is the base. [default: the pull request's target "
            "($GITHUB_BASE_REF, $CI_MERGE_REQUEST_TARGET_BRANCH_NAME, $BUILDKITE_PULL_REQUEST_BASE_BRANCH), "
            "else main]",
            show_default=False,
        ),
    ] = None,
    base_run_id: Annotated[
        str | None,
        typer.Option(
            "--base-run", help="Base run (id or prefix). [default: latest earlier run on the branch]"
        ),
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under", min=0.0, max=1.0, help="Fail when a feature's pass rate is below this (0..1)."
        ),
    ] = None,
    fail_on_integrity: Annotated[
        str | None,
        typer.Option(
            "--fail-on-integrity",
            metavar="[low|medium|high]",
            help="Fail on open suspicious signals this severe or worse.",
        ),
    ] = None,
    include_deliberate: Annotated[
        bool,
        typer.Option(
            "--include-deliberate", help="--fail-on-integrity counts likely deliberate signals too."
        ),
    ] = False,
    no_flaky_new: Annotated[
        bool,
        typer.Option("--no-flaky-new", help="Fail when a test passed after a retry for the first time."),
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Judge a run by the rules given; exit 1 when any of them fails, 0 when all pass."""
    with user_errors():
        one_output(json_out, fmt)
        if base_run_id is not None and max_new_failures is None:
            raise UserError("--base-run only applies with --max-new-failures")
        severity = parse_severity("--fail-on-integrity", fail_on_integrity)
        if include_deliberate and severity is None:
            raise UserError("--include-deliberate only applies with --fail-on-integrity")
        if max_new_failures is None and fail_under is None and severity is None and not no_flaky_new:
            raise UserError(f"no rule given: use {', '.join(RULE_OPTIONS)}")
        name = resolve_project(project)
        with open_store(db) as store:
            run = find_run(store, name, run_id)
            branch = base_branch or default_base_branch(os.environ)
            options = GateOptions(
                max_new_failures=max_new_failures,
                base_branch=branch,
                base_run=find_run(store, name, base_run_id) if base_run_id is not None else None,
                fail_under=fail_under,
                fail_on_integrity=severity,
                include_deliberate=include_deliberate,
                no_flaky_new=no_flaky_new,
            )
            report = run_gate(store, name, run, options)
            delta = run_delta(store, run, branch) if fmt is OutputFormat.MARKDOWN else None
        view.show_gate(report, fmt, json_out, delta)
        if not report.passed:
            raise view.gate_failed(report)
