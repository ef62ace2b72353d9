"""`ccdash-tests ingest`: one run from one or more reports."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ccdash_tests import render, runmeta
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    app,
    resolve_project,
    user_errors,
)
from ccdash_tests.commands.push_cmd import RetriesOption, TimeoutOption, TokenOption, make_client
from ccdash_tests.errors import UserError
from ccdash_tests.ingest import (
    IngestOutcome,
    RunOptions,
    build_request,
    expand_inputs,
    plan_ingest,
    run_ingest,
)
from ccdash_tests.integrity.service import IntegrityCheck, check_after_ingest
from ccdash_tests.mapping.service import resolve_after_ingest
from ccdash_tests.models import BAD_STATUSES, Trigger, utcnow
from ccdash_tests.store import Store, open_store, resolve_location
from ccdash_tests.times import parse_timestamp

if TYPE_CHECKING:
    from ccdash_tests.push.client import CCDashClient


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
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing on success; errors still go to stderr.")
    ] = False,
    push: Annotated[
        bool,
        typer.Option("--push", help="Then send the run to CCDash (--ccdash-url, else $CCDASH_URL)."),
    ] = False,
    ccdash_url: Annotated[
        str | None,
        typer.Option(
            "--ccdash-url", help="CCDash server to push the run to (implies --push).", show_default=False
        ),
    ] = None,
    token: TokenOption = None,
    timeout: TimeoutOption = 120.0,
    retries: RetriesOption = 4,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Store one run from one or more test reports (JUnit XML, pytest JSON, pytest report-log).

    With --push the stored run is then sent to CCDash; if the server is down the run stays stored
    (exit 3) and `ccdash-tests push RUN_ID` sends it later.
    """
    with user_errors(), tempfile.TemporaryDirectory(prefix="ccdash-") as tmp:
        if fmt not in ("auto", "junit", "pytest-json", "reportlog"):
            raise UserError(f"--format {fmt!r}: choose auto, junit, pytest-json or reportlog")
        if quiet and json_out:
            raise UserError("--quiet and --json: choose one")
        # The server is checked for form before anything is read, so a bad URL writes nothing.
        client = None
        if push or ccdash_url:
            client = make_client(ccdash_url or os.environ.get("CCDASH_URL"), token, timeout, retries)
        options = RunOptions(run_id, git_sha, branch, session, trigger, parse_timestamp(timestamp))
        name = resolve_project(project)
        files = expand_inputs(reports, tmp=Path(tmp))
        request = build_request(
            name, files, options, runmeta.detect_ci(os.environ), runmeta.detect_git(Path.cwd()), utcnow()
        )
        with no_new_store_on_refusal(db), open_store(db) as store:
            plan = plan_ingest(store, request, files, timestamp_given=options.timestamp is not None)
            show_progress = (
                not json_out
                and not quiet
                and sys.stderr.isatty()
                and sum(f.size for f in plan.files) > 5_000_000
            )
            with progress_counter(show_progress) as tick:
                outcome = run_ingest(store, plan, fmt, on_case=tick)  # type: ignore[arg-type]
            mapping = map_new_tests(store, name, outcome)
            integrity = check_integrity(store, outcome)
            if not json_out and not quiet:
                show_ingest_summary(store, outcome, mapping, integrity)
            pushed = push_stored_run(store, outcome, client, json_out, quiet)
            if json_out:
                document = {
                    **outcome.to_json_dict(),
                    "mapping": mapping,
                    "integrity": integrity.to_json_dict(),
                }
                render.print_json({**document, **({"push": pushed.document} if client else {})})
            pushed.finish()


@dataclass
class PushAfterIngest:
    """What `ingest --push` did after storing: CCDash's answer, or the error to end with (exit 3 or 2)."""

    document: dict
    error: Exception | None = None

    def finish(self) -> None:
        if self.error is not None:
            raise self.error


def push_stored_run(
    store: Store, outcome: IngestOutcome, client: CCDashClient | None, json_out: bool, quiet: bool
) -> PushAfterIngest:
    """Send the run just stored. It is committed already: a failure here loses nothing locally."""
    if client is None:
        return PushAfterIngest({})
    from ccdash_tests.commands.push_cmd import refusal_check
    from ccdash_tests.output.views import push as view
    from ccdash_tests.push.client import CCDashUnavailable
    from ccdash_tests.push.service import push_runs

    run_id = outcome.run.run_id
    try:
        outcomes = push_runs(store, [outcome.run], client)
    except CCDashUnavailable as exc:
        error = CCDashUnavailable(
            f"run {run_id} is stored ({store.description}) but not pushed: {exc}; "
            f"send it later with: ccdash-tests push {run_id}"
        )
        return PushAfterIngest({"ccdash_url": client.shown_url, "error": str(error)}, error)
    if not json_out:
        view.show(client.shown_url, outcomes, quiet=quiet)
    try:
        refusal_check(outcomes)
    except UserError as refused:
        return PushAfterIngest(view.document(client.shown_url, outcomes), refused)
    return PushAfterIngest(view.document(client.shown_url, outcomes))


@contextlib.contextmanager
def no_new_store_on_refusal(db: str | None) -> Iterator[None]:
    """A refused report leaves nothing behind: not even the SQLite file this ingest would have created."""
    location = resolve_location(db)
    created = location.backend == "sqlite" and not Path(location.target).exists()
    try:
        yield
    except UserError:  # a refused report (ReportError) included
        if created:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(location.target + suffix).unlink(missing_ok=True)
        raise


def map_new_tests(store: Store, project: str, outcome: IngestOutcome) -> dict:
    """Map the tests this ingest added, outside its transaction: a failure here leaves the run stored,
    and the next ingest or `map resolve` maps what this one did not."""
    if outcome.new_results == 0:
        return {"resolved": False, "reason": "nothing new was stored"}
    result = resolve_after_ingest(store, project)
    if isinstance(result, int):
        reason = f"{result:,} tests are not mapped yet; run `ccdash-tests map resolve`"
        return {"resolved": False, "reason": reason, "unmapped_tests": result}
    return {"resolved": True, "tests_mapped": result.tests_resolved, "version": result.version}


def check_integrity(store: Store, outcome: IngestOutcome) -> IntegrityCheck:
    """Look for weakened tests in the change behind a run that brought new results."""
    if outcome.new_results == 0:
        return IntegrityCheck.not_checked("nothing new was stored")
    return check_after_ingest(store, outcome.run, Path.cwd())


def show_ingest_summary(
    store: Store, outcome: IngestOutcome, mapping: dict, integrity: IntegrityCheck
) -> None:
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
    bad = store.results.by_run(run.project_id, run.run_id, statuses=BAD_STATUSES, limit=20)
    if bad:
        console.print(render.results_table(bad, title=f"Failures ({run.failed_tests})"))
    flaky = store.results.by_run(run.project_id, run.run_id, limit=20, flaky_only=True)
    if flaky:
        console.print(render.results_table(flaky, title=f"Flaky ({run.flaky_tests})"))
    if "unmapped_tests" in mapping:
        console.print(render.plain(f"Mapping: {mapping['reason']}", style="yellow"))
    style = "bold red" if integrity.signals else "dim"
    console.print(render.plain(f"Integrity {integrity.status}", style=style))
    console.print(render.plain(f"Stored in {store.description}", style="dim"))
