"""`ccdash-tests integrity [scan|ack]`: list, gate on, scan for and acknowledge integrity signals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from ccdash_tests.commands.common import (
    DbOption,
    FormatOption,
    JsonOption,
    ProjectOption,
    app,
    one_output,
    parse_severity,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.integrity.service import (
    ack_reason,
    acknowledge,
    gate_failures,
    scan_and_record,
    select_signals,
)
from ccdash_tests.models import SignalState, TestIntegritySignalDTO, utcnow
from ccdash_tests.output.formats import OutputFormat
from ccdash_tests.output.views import integrity as view
from ccdash_tests.store import Store, open_store
from ccdash_tests.times import parse_since

integrity_app = typer.Typer(
    help="Integrity signals: tests weakened by the change that made them pass.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(integrity_app, name="integrity")

STATES = ("open", "acknowledged", "resolved", "all")
_HEX = re.compile(r"[0-9a-fA-F]{4,64}")


def parse_state(value: str) -> SignalState | None:
    if value not in STATES:
        raise UserError(f"--state {value!r}: choose open, acknowledged, resolved or all")
    return None if value == "all" else SignalState(value)


@integrity_app.callback()
def integrity(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Only signals recorded since: ISO-8601 time or an age (7d).")
    ] = None,
    sha: Annotated[
        str | None, typer.Option("--sha", help="Only signals of this commit (SHA prefix).")
    ] = None,
    test: Annotated[
        str | None,
        typer.Option(
            "--test",
            metavar="TEST",
            help="Only signals of this test: as integrity prints it (file::test), or any name history takes.",
        ),
    ] = None,
    state: Annotated[
        str, typer.Option("--state", metavar="[open|acknowledged|resolved|all]", help="Which signals.")
    ] = "open",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="[low|medium|high]",
            help="Exit 1 when an open suspicious signal this severe or worse exists.",
        ),
    ] = None,
    include_deliberate: Annotated[
        bool,
        typer.Option("--include-deliberate", help="--fail-on counts likely deliberate signals too."),
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """List integrity signals with their evidence, verdict and state; with --fail-on, a CI gate over the
    open ones (suspicious ones, unless --include-deliberate)."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        one_output(json_out, fmt)
        wanted_state = parse_state(state)
        floor = parse_severity("--fail-on", fail_on)
        after = parse_since(since, utcnow())
        if sha is not None and not _HEX.fullmatch(sha):
            raise UserError(f"--sha {sha!r}: not a hexadecimal commit SHA (4 to 64 digits)")
        with open_store(db) as store:
            name = resolve_project(project)
            matching = select_signals(store, name, since=after, sha=sha)
            if test is not None:
                matching = signals_of_test(store, name, matching, test)
        listed = [s for s in matching if wanted_state is None or s.state is wanted_state]
        failing = gate_failures(matching, floor, include_deliberate) if floor is not None else []
        view.show_signals(name, state, matching, listed, failing, floor, fmt, json_out, include_deliberate)
        if failing and floor is not None:
            raise view.integrity_gate_failed(failing, floor, include_deliberate)


def signals_of_test(
    store: Store, project: str, signals: list[TestIntegritySignalDTO], text: str
) -> list[TestIntegritySignalDTO]:
    """--test: the signals whose printed place names `text`, else those of the stored test it names
    (a node id, a label, a test_id...); a name that is neither is a usage error."""
    from ccdash_tests.integrity import by_test
    from ccdash_tests.lookup import resolve_test

    text = text.strip()
    if not text:
        raise UserError("--test: must not be empty")
    placed = by_test.by_place(signals, text)
    if placed:
        return placed
    return by_test.of_definition(signals, resolve_test(store, project, text))


@integrity_app.command("scan")
def integrity_scan(
    base: Annotated[
        str | None, typer.Option("--base", help="Compare from this revision. [default: HEAD's parent]")
    ] = None,
    head: Annotated[str, typer.Option("--head", help="Compare to this revision.")] = "HEAD",
    worktree: Annotated[
        bool,
        typer.Option("--worktree", help="Compare to the uncommitted work tree (base: HEAD); a dry run."),
    ] = False,
    keep: Annotated[
        bool,
        typer.Option("--store", help="Store what a --worktree scan finds (it counts in health and gates)."),
    ] = False,
    repo: Annotated[
        Path | None, typer.Option("--repo", help="Git repository. [default: the current folder]")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Scan a change for weakened tests now, store what it finds and resolve earlier signals the head
    fixed. A --worktree scan stores nothing unless --store is given."""
    with user_errors():
        if keep and not worktree:
            raise UserError("--store only applies with --worktree (a commit scan always stores)")
        name = resolve_project(project)
        with open_store(db) as store:
            check = scan_and_record(store, name, repo or Path.cwd(), base, head, worktree, keep or None)
        view.show_scan(check, json_out)


@integrity_app.command("ack")
def integrity_ack(
    signal: Annotated[str, typer.Argument(help="Signal id, or a unique prefix of it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the change is acceptable.")],
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Acknowledge a signal: it stays stored but no longer counts against health or the gate."""
    with user_errors():
        reason = ack_reason(reason)
        name = resolve_project(project)
        with open_store(db) as store:
            updated = acknowledge(store, name, signal, reason)
        view.show_acknowledged(updated, json_out)
