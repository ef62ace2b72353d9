"""`ccdash-tests gate`: one pass/fail decision for a pipeline, from explicit rules."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ccdash_tests import render
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    OutputFormat,
    ProjectOption,
    app,
    fail,
    parse_severity,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import EXIT_GATE, UserError
from ccdash_tests.gate import GateOptions, GateReport, RuleResult, gate_markdown, run_gate
from ccdash_tests.runs import find_run
from ccdash_tests.store import open_store

SHOWN_FINDINGS = 20
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
        str, typer.Option("--base-branch", help="Branch whose latest earlier run is the base.")
    ] = "main",
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
        typer.Option("--fail-on-integrity", help="low | medium | high: fail on open signals this severe."),
    ] = None,
    no_flaky_new: Annotated[
        bool,
        typer.Option("--no-flaky-new", help="Fail when a test passed after a retry for the first time."),
    ] = False,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format", help="table | markdown (for $GITHUB_STEP_SUMMARY, under 65,000 characters)."
        ),
    ] = OutputFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Judge a run by the rules given; exit 1 when any of them fails, 0 when all pass."""
    with user_errors():
        if json_out and fmt is not OutputFormat.TABLE:
            raise UserError(f"--json and --format {fmt.value}: choose one")
        if base_run_id is not None and max_new_failures is None:
            raise UserError("--base-run only applies with --max-new-failures")
        severity = parse_severity("--fail-on-integrity", fail_on_integrity)
        if max_new_failures is None and fail_under is None and severity is None and not no_flaky_new:
            raise UserError(f"no rule given: use {', '.join(RULE_OPTIONS)}")
        name = resolve_project(project)
        with open_store(db) as store:
            run = find_run(store, name, run_id)
            options = GateOptions(
                max_new_failures=max_new_failures,
                base_branch=base_branch,
                base_run=find_run(store, name, base_run_id) if base_run_id is not None else None,
                fail_under=fail_under,
                fail_on_integrity=severity,
                no_flaky_new=no_flaky_new,
            )
            report = run_gate(store, name, run, options)
    if json_out:
        render.print_json(report.to_json_dict())
    elif fmt is OutputFormat.MARKDOWN:
        sys.stdout.write(gate_markdown(report))
    else:
        show_gate(render.make_console(), report)
    if not report.passed:
        raise fail(f"gate failed: {', '.join(rule.rule for rule in report.failed_rules)}", EXIT_GATE)


def rules_table(report: GateReport) -> Table:
    verdict = "passed" if report.passed else "FAILED"
    title = Text(f"Gate {verdict} for run ", style="bold green" if report.passed else "bold red")
    title.append(render.safe(report.run.run_id))
    if report.base_run is not None:
        title.append(f" (base {render.safe(report.base_run.run_id)})", style="dim")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("threshold", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("why", overflow="fold")
    for rule in sorted(report.rules, key=lambda r: r.passed):
        table.add_row(
            rule.rule,
            render.plain(rule.threshold),
            Text("pass", style="green") if rule.passed else Text("FAIL", style="bold red"),
            render.plain(rule.summary),
        )
    return table


def findings_table(rule: RuleResult) -> Table:
    table = Table(
        title=f"{rule.rule}: {len(rule.findings):,}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("", overflow="fold", ratio=3)
    table.add_column("why", overflow="fold", ratio=2)
    for finding in rule.findings[:SHOWN_FINDINGS]:
        table.add_row(render.plain(finding.label), render.plain(finding.detail, limit=200))
    if len(rule.findings) > SHOWN_FINDINGS:
        table.add_row(Text(f"... and {len(rule.findings) - SHOWN_FINDINGS:,} more", style="dim"), "")
    return table


def show_gate(console: Console, report: GateReport) -> None:
    console.print(rules_table(report))
    for rule in sorted(report.rules, key=lambda r: r.passed):
        if rule.findings:
            console.print(findings_table(rule))
