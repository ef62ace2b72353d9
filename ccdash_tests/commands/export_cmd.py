"""`ccdash-tests export RUN --format junit|ctrf [-o FILE]`: a stored run written back as one report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccdash_tests.commands.common import DbOption, ProjectOption, app, resolve_project, user_errors
from ccdash_tests.errors import UserError
from ccdash_tests.export import ExportFormat, export_run
from ccdash_tests.output.views import export as view
from ccdash_tests.store import open_store


@app.command()
def export(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id (or a unique prefix). [default: the latest run]")
    ] = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="junit (JUnit XML) | ctrf (CTRF JSON).")
    ] = ExportFormat.JUNIT,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file. [default: stdout]")
    ] = None,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One stored run (all its shards and formats) as one JUnit XML or CTRF file; ingesting it gives the
    same results."""
    with user_errors():
        if output is not None and output.is_dir():
            raise UserError(f"-o {output}: is a folder; give a file name such as run.xml")
        with open_store(db) as store:
            view.show_export(export_run(store, resolve_project(project), run_id, fmt), output)
