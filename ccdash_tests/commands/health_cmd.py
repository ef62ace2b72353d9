"""`ccdash-tests domains` and `ccdash-tests health`: feature health judged by the tests that prove it."""

from __future__ import annotations

from typing import Annotated

import typer

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
from ccdash_tests.health import below_fail_under
from ccdash_tests.health.report import domain_report, health_report
from ccdash_tests.output.formats import ListFormat, OutputFormat
from ccdash_tests.output.views import health as view
from ccdash_tests.store import open_store


@app.command()
def domains(
    fmt: FormatOption = OutputFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """The domain -> subdomain -> feature tree with each level's test health."""
    with user_errors():
        one_output(json_out, fmt)
        name = resolve_project(project)
        with open_store(db) as store:
            roots, covered = domain_report(store.engine, name)
        view.show_domains(name, roots, covered, json_out, fmt)


@app.command()
def health(
    feature: Annotated[
        str | None, typer.Option("--feature", help="Only this feature (case-insensitive).")
    ] = None,
    domain: Annotated[
        str | None, typer.Option("--domain", help="Only this domain and its subdomains.")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", min=1, max=500, help="Runs in the trend sparkline.")] = 10,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            min=0.0,
            max=1.0,
            help="Exit 1 when a selected feature's pass rate is below this (0..1), e.g. 0.95; "
            "a feature with no passed or failed result fails too.",
        ),
    ] = None,
    include_deliberate: Annotated[
        bool,
        typer.Option(
            "--include-deliberate", help="The integrity score counts likely deliberate signals too."
        ),
    ] = False,
    fmt: ListFormatOption = ListFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One row per feature: pass rate, trend, flake rate, integrity score, open signals, last good run."""
    with user_errors():
        one_output(json_out, fmt)
        name = resolve_project(project)
        with open_store(db) as store:
            report = health_report(
                store.engine,
                name,
                feature=feature,
                domain=domain,
                trend_runs=runs,
                include_deliberate=include_deliberate,
            )
        view.show_health(name, report, fmt, json_out, fail_under, with_tests=feature is not None)
        failed = below_fail_under(report.features, fail_under) if fail_under is not None else []
        if failed:
            raise view.health_gate_failed(failed, fail_under or 0.0)
