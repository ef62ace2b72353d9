"""`ccdash-tests push`: stored runs sent to a CCDash server. The push modules load only when it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

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
from ccdash_tests.output import terminal
from ccdash_tests.store import open_store

if TYPE_CHECKING:
    from ccdash_tests.push.client import CCDashClient
    from ccdash_tests.records import TestRunDTO
    from ccdash_tests.store import Store

URL_HELP = "CCDash server, e.g. http://127.0.0.1:8000 (its POST /api/tests/ingest takes the runs)."
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="CCDASH_TOKEN",
        help="Bearer token for an authenticated CCDash profile; prefer $CCDASH_TOKEN (a value on the "
        "command line is visible to other users of the machine). Never printed.",
        show_default=False,
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option("--timeout", min=1, max=3600, help="Seconds to wait for CCDash to answer one post."),
]
RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries",
        min=0,
        max=10,
        help="Retries of a post on HTTP 500/502/503/504 or a connection error (same body, backoff).",
    ),
]


def make_client(url: str | None, token: str | None, timeout: float, retries: int) -> CCDashClient:
    from ccdash_tests.push.client import CCDashClient, parse_url

    if not url or not url.strip():
        raise UserError("no CCDash server: give --ccdash-url URL or set $CCDASH_URL")
    return CCDashClient(parse_url(url), token=token or None, timeout=timeout, retries=retries)


def chosen_runs(
    store: Store, project: str, run_ids: list[str], since: str | None, every: bool
) -> list[TestRunDTO]:
    from ccdash_tests.push.service import select_runs
    from ccdash_tests.runs import find_run, no_runs_error
    from ccdash_tests.times import parse_since

    if run_ids and (since or every):
        raise UserError("give run ids, or --since / --all, not both")
    if run_ids:
        return [find_run(store, project, run_id) for run_id in dict.fromkeys(run_ids)]
    runs = select_runs(store, project, parse_since(since) if since else None, every)
    if not runs and not (since or every):
        raise no_runs_error(store, project)
    return runs


@app.command()
def push(
    run_ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[RUN_ID]...",
            help="Runs to push: ids or unique prefixes. [default: the latest run]",
            show_default=False,
        ),
    ] = None,
    ccdash_url: Annotated[
        str | None, typer.Option("--ccdash-url", envvar="CCDASH_URL", help=URL_HELP, show_default=False)
    ] = None,
    token: TokenOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Backfill: every run since an ISO time or a span (7d, 2w), oldest first."
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Backfill: every run of the project, oldest first.")
    ] = False,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", min=1, max=50_000, help="Results per post; a larger run goes as several posts."
        ),
    ] = 5_000,
    timeout: TimeoutOption = 120.0,
    retries: RetriesOption = 4,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Send stored runs to a CCDash server's Test Visualizer; print what it answered per run.

    Pushing a run again changes nothing there (CCDash answers skipped). Exit 3 when the server cannot
    be reached or keeps failing, 2 when it refuses a run.
    """
    with user_errors():
        from ccdash_tests.output.views import push as view
        from ccdash_tests.push.service import PushLimits, push_runs, refusal

        client = make_client(ccdash_url, token, timeout, retries)
        with open_store(db) as store:
            runs = chosen_runs(store, resolve_project(project), run_ids or [], since, every)
            outcomes = push_runs(store, runs, client, PushLimits(max_results=batch_size))
        if json_out:
            terminal.print_json(view.document(client.shown_url, outcomes))
        else:
            view.show(client.shown_url, outcomes)
        refused = refusal(outcomes)
        if refused is not None:
            raise refused
