"""`ccdash-tests ingest`: one run from one or more reports."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccdash_tests import runmeta
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    app,
    resolve_project,
    user_errors,
)
from ccdash_tests.commands.push_cmd import RetriesOption, TimeoutOption, TokenOption, make_client
from ccdash_tests.errors import UserError, stored_once_committed
from ccdash_tests.ingest import (
    IngestOutcome,
    RunOptions,
    after_ingest,
    build_request,
    expand_inputs,
    plan_ingest,
    plan_landed,
    run_ingest,
)
from ccdash_tests.models import Trigger, utcnow
from ccdash_tests.output import terminal
from ccdash_tests.output.views import ingest as view
from ccdash_tests.parsers import FORMATS
from ccdash_tests.runs import failing_and_flaky
from ccdash_tests.store import Store, open_store, resolve_location
from ccdash_tests.times import parse_timestamp

# The summary lists at most this many failures and flaky tests.
SUMMARY_ROWS = 20

if TYPE_CHECKING:
    from ccdash_tests.push.client import CCDashClient


@app.command()
def ingest(
    reports: Annotated[
        list[str], typer.Argument(help="Report files, globs, or - for standard input. All form ONE run.")
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar=f"[auto|{'|'.join(FORMATS)}]",
            help="The reports' format; auto sniffs the content.",
        ),
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
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The checkout the tests live in, for file paths the reports lack."
            " [default: the git work tree of the current folder, else the current folder]",
            show_default=False,
        ),
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
    """Store one run from one or more test reports (JUnit XML, pytest JSON and report-log, TRX, NUnit,
    xUnit.net, Jest/Vitest JSON, go test -json, Mocha JSON, CTRF).

    With --push the stored run is then sent to CCDash; if the server is down the run stays stored
    (exit 3) and `ccdash-tests push RUN_ID` sends it later.
    """
    with user_errors(), tempfile.TemporaryDirectory(prefix="ccdash-") as tmp:
        if fmt != "auto" and fmt not in FORMATS:
            raise UserError(f"--format {fmt!r}: choose auto, {', '.join(FORMATS[:-1])} or {FORMATS[-1]}")
        if quiet and json_out:
            raise UserError("--quiet and --json: choose one")
        # The server is checked for form before anything is read, so a bad URL writes nothing.
        client = None
        if push or ccdash_url:
            client = make_client(ccdash_url or os.environ.get("CCDASH_URL"), token, timeout, retries)
        options = RunOptions(run_id, git_sha, branch, session, trigger, parse_timestamp(timestamp))
        if root is not None and not root.is_dir():
            raise UserError(f"--root {root}: no such folder")
        name = resolve_project(project)
        files = expand_inputs(reports, tmp=Path(tmp))
        checkout_git, ci = runmeta.detect_git(Path.cwd()), runmeta.detect_ci(os.environ)
        request = build_request(name, files, options, ci, checkout_git, utcnow())
        # The commit came from the checkout and the time from the report: they may disagree.
        sha_from_checkout = (
            not (options.git_sha or (ci and ci.git_sha)) and request.git_sha == checkout_git.sha
        )
        # Outside the store, so Ctrl-C while the connection closes after the COMMIT still says "stored".
        with stored_once_committed() as stored, store_for_ingest(db) as store:
            checkout = root or checkout_git.toplevel or Path.cwd()
            plan = plan_ingest(
                store, request, files, timestamp_given=options.timestamp is not None, root=checkout
            )
            show_progress = (
                not json_out
                and not quiet
                and sys.stderr.isatty()
                and sum(f.size for f in plan.files) > 5_000_000
            )
            try:
                with view.progress_counter(show_progress) as tick:
                    outcome = run_ingest(store, plan, fmt, on_case=tick)  # type: ignore[arg-type]
                stored.run_id = outcome.run.run_id
            except KeyboardInterrupt:
                # Ctrl-C in the COMMIT's last moment may come after the run was stored: ask the store.
                if plan_landed(store, plan):
                    stored.run_id = plan.request.run_id
                raise
            # The run is committed: an interrupt now cuts short only the summary, mapping or push.
            after = after_ingest(store, outcome, Path.cwd())
            if not json_out and not quiet:
                bad, flaky = failing_and_flaky(store, outcome.run, limit=SUMMARY_ROWS)
                view.ingest_summary(store.description, outcome, after, bad, flaky)
            if not quiet:
                view.path_warning(outcome)
                # Only a new run whose time is the report's own (not now) can predate its commit.
                from_report = outcome.run.timestamp != request.timestamp and options.timestamp is None
                if request.git_sha and sha_from_checkout and from_report and outcome.new_results:
                    committed = runmeta.commit_time(Path.cwd(), request.git_sha)
                    view.stale_report_warning(outcome.run, committed)
            pushed = push_stored_run(store, outcome, client, show=not (json_out or quiet))
            if json_out:
                document = view.ingest_document(outcome, after)
                terminal.print_json({**document, **({"push": pushed[0]} if pushed else {})})
            if pushed and pushed[1] is not None:
                raise pushed[1]


def push_stored_run(
    store: Store, outcome: IngestOutcome, client: CCDashClient | None, show: bool
) -> tuple[dict, Exception | None] | None:
    """`--push`: send the run just stored and show CCDash's answer; (its JSON, the error to end with)."""
    if client is None:
        return None
    from ccdash_tests.output.views import push as push_view
    from ccdash_tests.push.service import push_after_ingest

    pushed = push_after_ingest(store, outcome.run, client)
    if show and pushed.outcomes:
        push_view.show(client.shown_url, pushed.outcomes)
    return push_view.after_ingest_document(client.shown_url, pushed), pushed.error


@contextlib.contextmanager
def store_for_ingest(db: str | None) -> Iterator[Store]:
    """Open the store; a refused report leaves nothing behind, not even the store this ingest created
    (the SQLite file, or the tables in a new PostgreSQL database)."""
    location = resolve_location(db)
    new_file = location.backend == "sqlite" and not Path(location.target).exists()
    try:
        with open_store(db) as store:
            try:
                yield store
            except UserError:  # a refused report (ReportError) included
                if store.created and location.backend == "postgresql":
                    from ccdash_tests.store.migrations import discard_new_store

                    # Best effort: the refusal is what the user must see, not a failed clean-up.
                    with contextlib.suppress(Exception):
                        discard_new_store(store.engine)
                raise
    except UserError:
        if new_file:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(location.target + suffix).unlink(missing_ok=True)
        raise
