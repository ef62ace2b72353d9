"""`ccdash-tests report --html FILE`: one self-contained HTML report of the project's test health."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    app,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.output.html import render_html, write_report
from ccdash_tests.output.views import report as view
from ccdash_tests.report import collect_report
from ccdash_tests.runs import find_run
from ccdash_tests.store import open_store


def check_target(path: Path) -> None:
    """Refuse before any work a target that cannot be written: a folder, or a file in a missing folder."""
    if path.is_dir():
        raise UserError(f"--html {path}: is a folder; give a file name such as report.html")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"--html {path}: folder {folder} does not exist")


@app.command()
def report(
    html_file: Annotated[Path, typer.Option("--html", help="Write the report to this HTML file.")],
    run_id: Annotated[
        str | None,
        typer.Option("--run", help="Run shown in detail (id or unique prefix). [default: the latest]"),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", min=2, max=500, help="Runs in the trend charts.")] = 20,
    flaky_runs: Annotated[
        int, typer.Option("--flaky-runs", min=1, max=10_000, help="Runs searched for flaky tests.")
    ] = 50,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One self-contained HTML file (no network): a run, domains, feature health, flaky tests, signals."""
    with user_errors():
        check_target(html_file)
        name = resolve_project(project)
        with open_store(db) as store:
            run = find_run(store, name, run_id) if run_id is not None else store.runs.latest(name)
            data = collect_report(store, name, run, trend_runs=runs, flaky_runs=flaky_runs)
        try:
            size = write_report(html_file, render_html(data))
        except OSError as exc:
            raise UserError(f"--html {html_file}: {exc.strerror or exc}") from None
    view.show_written(html_file, size, name, data, json_out)
