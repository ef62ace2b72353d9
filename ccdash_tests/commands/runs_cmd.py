"""`ccdash-tests runs list|show` and `db info`: what the store holds."""

from __future__ import annotations

import enum
import json
import sys
from typing import Annotated

import typer

from ccdash_tests import annotations, markdown, render
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    db_app,
    resolve_project,
    runs_app,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.models import BAD_STATUSES, TestRunDTO
from ccdash_tests.runs import find_run, run_document
from ccdash_tests.store import Store, open_store
from ccdash_tests.store.writer import project_counts


@runs_app.command("list")
def runs_list(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many runs.")] = 20,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Recent runs, newest first."""
    with user_errors(), open_store(db) as store:
        runs = store.runs.list_by_project(resolve_project(project), limit=limit)
        if json_out:
            render.print_json([run_document(run) for run in runs])
            return
        console = render.make_console()
        if not runs:
            console.print("No runs stored yet. Store one with: ccdash-tests ingest REPORT.xml")
            return
        console.print(render.runs_table(runs))


class ShowFormat(enum.StrEnum):
    TABLE = "table"
    MARKDOWN = "markdown"
    GITHUB = "github"
    GITLAB = "gitlab"


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
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One run with its results."""
    with user_errors(), open_store(db) as store:
        if json_out and fmt is not ShowFormat.TABLE:
            raise UserError(f"--json and --format {fmt.value}: choose one")
        name = resolve_project(project)
        run = find_run(store, name, run_id)
        if fmt is not ShowFormat.TABLE:
            sys.stdout.write(ci_output(store, run, fmt))
            return
        results = store.results.by_run(name, run.run_id)
        if json_out:
            render.print_json(
                {"run": run_document(run), "results": [result.model_dump(mode="json") for result in results]}
            )
            return
        console = render.make_console()
        console.print(render.run_header(run))
        console.print(render.counts_line(run))
        console.print(render.results_table(sorted(results, key=lambda r: r.status.rank)))


def ci_output(store: Store, run: TestRunDTO, fmt: ShowFormat) -> str:
    """The run as Markdown, GitHub workflow commands or a GitLab Code Quality report (ends with a newline)."""
    bad = store.results.by_run(run.project_id, run.run_id, statuses=BAD_STATUSES)
    if fmt is ShowFormat.MARKDOWN:
        flaky = store.results.by_run(run.project_id, run.run_id, flaky_only=True)
        return markdown.run_summary(run, bad, flaky)
    definitions = {}
    for result in bad:
        definition = store.definitions.get(run.project_id, result.test_id)
        if definition is not None:
            definitions[result.test_id] = definition
    found = annotations.annotations_for(bad, definitions)
    if fmt is ShowFormat.GITHUB:
        return "".join(line + "\n" for line in annotations.github_commands(found))
    return json.dumps(annotations.gitlab_code_quality(found), ensure_ascii=False, indent=2) + "\n"


@db_app.command("info")
def db_info(
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Where the store is, its schema version, and how much it holds for the project."""
    with user_errors(), open_store(db) as store:
        name = resolve_project(project)
        version, latest = store.schema_version()
        counts = project_counts(store.engine, name)
        document = {
            "backend": store.engine.dialect,
            "location": store.description,
            "schema_version": version,
            "latest_migration": latest,
            "project": name,
            "counts": counts,
        }
        if json_out:
            render.print_json(document)
            return
        console = render.make_console()
        console.print(render.plain(store.description, style="bold"))
        console.print(f"schema version {version} ({latest})")
        console.print(render.plain(f"project {name}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())))
