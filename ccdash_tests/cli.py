"""The `ccdash-tests` command line: thin commands that parse options, call one function and render."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ccdash_tests import __version__, render, runmeta
from ccdash_tests.ingest import (
    IngestOutcome,
    InputError,
    RunOptions,
    build_request,
    expand_inputs,
    plan_ingest,
    run_ingest,
)
from ccdash_tests.models import Status, Trigger, utcnow
from ccdash_tests.parsers import ReportError
from ccdash_tests.store import DEFAULT_DB_FILE, Store, StoreError, open_store
from ccdash_tests.store.engine import first_line
from ccdash_tests.store.writer import project_counts

EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_STORE = 3

HELP = f"""Turn test reports into test history, feature health and integrity signals.

The store is an SQLite file, ./{DEFAULT_DB_FILE} unless --db or $CCDASH_TESTS_DB names another
(a path, sqlite:///relative.db, sqlite:////absolute.db, or postgresql://user@host/db).
"""

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
)
runs_app = typer.Typer(help="Stored runs.", no_args_is_help=True)
db_app = typer.Typer(help="The store itself.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(db_app, name="db")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CCDASH_TESTS_DB",
        help=f"Store: a file path, sqlite:///file.db or postgresql://... [default: ./{DEFAULT_DB_FILE}]",
        show_default=False,
    ),
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        envvar="CCDASH_TESTS_PROJECT",
        help="Project the data belongs to. [default: the git repository's name, else the folder's]",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]


def fail(message: str, code: int) -> typer.Exit:
    """One or two plain lines on stderr; the caller raises the returned Exit."""
    sys.stderr.write(f"ccdash-tests: {render.safe(message)}\n")
    return typer.Exit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn every expected failure into a one-line message and the contract's exit code."""
    try:
        yield
    except (ReportError, InputError) as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except StoreError as exc:
        raise fail(str(exc), EXIT_STORE) from None
    except sqlite3.Error as exc:
        raise fail(f"store error: {first_line(exc)}", EXIT_STORE) from None
    except KeyboardInterrupt:
        raise fail("interrupted; nothing was written", 130) from None
    except Exception as exc:
        if _is_psycopg_error(exc):
            raise fail(f"store error: PostgreSQL: {first_line(exc)}", EXIT_STORE) from None
        raise


def _is_psycopg_error(exc: Exception) -> bool:
    module = sys.modules.get("psycopg")
    return module is not None and isinstance(exc, module.Error)


def resolve_project(project: str | None) -> str:
    value = (project or "").strip() or runmeta.default_project(Path.cwd())
    if len(value) > 200:
        raise InputError("--project: longer than 200 characters")
    return value


def parse_timestamp(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--timestamp {value!r}: not an ISO-8601 time such as 2026-11-30T12:00:00Z"
        ) from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"ccdash-tests {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Turn test reports into test history, feature health and integrity signals."""


@contextlib.contextmanager
def progress_counter(enabled: bool) -> Iterator[object]:
    """A live case counter on stderr for long ingests; nothing when stderr is not a terminal."""
    if not enabled:
        yield None
        return
    console = render.make_console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.completed:,} cases read"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=None)
        state = {"n": 0}

        def tick() -> None:
            state["n"] += 1
            if state["n"] % 5000 == 0:
                progress.update(task, completed=state["n"])

        yield tick


@app.command()
def ingest(
    reports: Annotated[
        list[str], typer.Argument(help="Report files, globs, or - for standard input. All form ONE run.")
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", help="auto | junit | pytest-json | reportlog (auto sniffs the content)."),
    ] = "auto",
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Run id. [default: derived from the reports]")
    ] = None,
    git_sha: Annotated[
        str | None, typer.Option("--git-sha", help="Commit tested. [default: CI env, else git HEAD]")
    ] = None,
    branch: Annotated[
        str | None, typer.Option("--branch", help="Branch. [default: CI env, else git]")
    ] = None,
    session: Annotated[
        str | None, typer.Option("--session", help="Agent session id that produced the change.")
    ] = None,
    trigger: Annotated[
        Trigger | None, typer.Option("--trigger", help="local | ci [default: ci under a CI provider]")
    ] = None,
    timestamp: Annotated[
        str | None, typer.Option("--timestamp", help="Run time, ISO-8601. [default: the report's, else now]")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Store one run from one or more test reports (JUnit XML, pytest JSON, pytest report-log)."""
    with user_errors(), tempfile.TemporaryDirectory(prefix="ccdash-") as tmp:
        if fmt not in ("auto", "junit", "pytest-json", "reportlog"):
            raise InputError(f"--format {fmt!r}: choose auto, junit, pytest-json or reportlog")
        options = RunOptions(run_id, git_sha, branch, session, trigger, parse_timestamp(timestamp))
        name = resolve_project(project)
        files = expand_inputs(reports, tmp=Path(tmp))
        request = build_request(
            name, files, options, runmeta.detect_ci(os.environ), runmeta.detect_git(Path.cwd()), utcnow()
        )
        with open_store(db) as store:
            plan = plan_ingest(store, request, files, timestamp_given=options.timestamp is not None)
            show_progress = (
                not json_out and sys.stderr.isatty() and sum(f.size for f in plan.files) > 5_000_000
            )
            with progress_counter(show_progress) as tick:
                outcome = run_ingest(store, plan, fmt, on_case=tick)  # type: ignore[arg-type]
            if json_out:
                render.print_json(outcome.to_json_dict())
            else:
                show_ingest_summary(store, outcome)


def show_ingest_summary(store: Store, outcome: IngestOutcome) -> None:
    console = render.make_console()
    run = outcome.run
    console.print(render.run_header(run))
    console.print(render.counts_line(run))
    if outcome.new_results == 0 and outcome.already_stored:
        console.print(
            f"Already stored: {outcome.already_stored:,} results; nothing new was written.", style="dim"
        )
    else:
        console.print(
            f"{outcome.new_results:,} new results, {outcome.already_stored:,} already stored.", style="dim"
        )
    bad = store.results.by_run(run.project_id, run.run_id, statuses=[Status.FAILED, Status.ERROR], limit=20)
    if bad:
        console.print(render.results_table(bad, title=f"Failures ({run.failed_tests})"))
    flaky = [r for r in store.results.by_run(run.project_id, run.run_id, statuses=[Status.PASSED]) if r.flaky]
    if flaky:
        console.print(render.results_table(flaky[:20], title=f"Flaky ({run.flaky_tests})"))
    console.print(render.plain(f"Stored in {store.description}", style="dim"))


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


def run_document(run) -> dict:  # type: ignore[no-untyped-def]
    document = run.model_dump(mode="json")
    document["status_counts"] = {status.value: run.status_counts.get(status, 0) for status in Status}
    return document


@runs_app.command("show")
def runs_show(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id (or a unique prefix). [default: the latest run]")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """One run with its results."""
    with user_errors(), open_store(db) as store:
        name = resolve_project(project)
        run = find_run(store, name, run_id)
        results = store.results.by_run(name, run.run_id)
        if json_out:
            render.print_json(
                {"run": run_document(run), "results": [result.model_dump(mode="json") for result in results]}
            )
            return
        console = render.make_console()
        console.print(render.run_header(run))
        console.print(render.counts_line(run))
        order = {
            Status.ERROR: 0,
            Status.FAILED: 1,
            Status.XPASSED: 2,
            Status.PASSED: 3,
            Status.XFAILED: 4,
            Status.SKIPPED: 5,
        }
        console.print(render.results_table(sorted(results, key=lambda r: order[r.status])))


def find_run(store: Store, project: str, run_id: str | None):  # type: ignore[no-untyped-def]
    if run_id is None:
        run = store.runs.latest(project)
        if run is None:
            raise InputError(f"project {project!r} has no runs yet")
        return run
    run = store.runs.get(project, run_id)
    if run is not None:
        return run
    matches = [r for r in store.runs.list_by_project(project, limit=10_000) if r.run_id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(f"run {run_id!r} is ambiguous: {', '.join(m.run_id for m in matches[:5])}")
    raise InputError(f"no run {run_id!r} in project {project!r}")


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


def main() -> None:
    app(prog_name="ccdash-tests")
