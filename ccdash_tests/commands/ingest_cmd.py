"""`ccdash-tests ingest`: one run from one or more reports (the Typer command; its body is ingest_run.run).

cli.py runs the common argv without Typer (ingest_run.parse_fast); this declaration is what Typer
parses everything else with, and what --help shows. tests/test_cli_ingest_fast.py holds its options
to ingest_run.INGEST_OPTIONS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccdash_tests.commands import ingest_run
from ccdash_tests.commands.common import DbOption, JsonOption, ProjectOption, app
from ccdash_tests.commands.push_cmd import RetriesOption, TimeoutOption, TokenOption
from ccdash_tests.parsers import FORMATS
from ccdash_tests.records import Trigger


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
    ingest_run.run(
        reports,
        fmt=fmt,
        run_id=run_id,
        git_sha=git_sha,
        branch=branch,
        session=session,
        trigger=trigger,
        timestamp=timestamp,
        root=root,
        json_out=json_out,
        quiet=quiet,
        push=push,
        ccdash_url=ccdash_url,
        token=token,
        timeout=timeout,
        retries=retries,
        db=db,
        project=project,
    )
