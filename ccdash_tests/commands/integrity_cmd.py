"""`ccdash-tests integrity [scan|ack]`: list, gate on, scan for and acknowledge integrity signals."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ccdash_tests import markdown, render
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    OutputFormat,
    ProjectOption,
    app,
    fail,
    parse_severity,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import EXIT_GATE, UserError
from ccdash_tests.integrity.service import (
    SEVERITY_RANK,
    IntegrityCheck,
    find_signal,
    gate_failures,
    scan_and_record,
    select_signals,
)
from ccdash_tests.models import SignalSeverity, SignalState, TestIntegritySignalDTO, utcnow
from ccdash_tests.store import open_store
from ccdash_tests.text import signal_place
from ccdash_tests.times import parse_since

integrity_app = typer.Typer(
    help="Integrity signals: tests weakened by the change that made them pass.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(integrity_app, name="integrity")

SEVERITY_STYLE = {SignalSeverity.HIGH: "bold red", SignalSeverity.MEDIUM: "yellow", SignalSeverity.LOW: "dim"}
STATES = ("open", "acknowledged", "all")
_HEX = re.compile(r"[0-9a-fA-F]{4,64}")
_EVIDENCE_LINES = 6


def parse_state(value: str) -> SignalState | None:
    if value not in STATES:
        raise UserError(f"--state {value!r}: choose open, acknowledged or all")
    return None if value == "all" else SignalState(value)


def signal_document(signal: TestIntegritySignalDTO) -> dict[str, Any]:
    return signal.model_dump(mode="json")


def evidence_text(signal: TestIntegritySignalDTO) -> Text:
    """The lines a reviewer needs: what was removed and added, or the statuses that changed."""
    details = signal.details
    text = Text()

    def line(prefix: str, body: object, style: str) -> None:
        if text:
            text.append("\n")
        text.append(prefix + render.safe(body, limit=200), style=style)

    for removed in list(details.get("removed", []))[:_EVIDENCE_LINES]:
        line("- ", removed, "red")
    for added in list(details.get("added", []))[:_EVIDENCE_LINES]:
        line("+ ", added, "green")
    if "assertions_before" in details and "assertions_after" in details:
        line("", f"assertions {details['assertions_before']} -> {details['assertions_after']}", "dim")
    if signal.signal_type == "test_removed":
        line("", f"test removed ({details.get('assertions_before', '?')} assertions)", "red")
    if "previous_status" in details:
        before = ",".join(details.get("previous_status", []))
        after = ",".join(details.get("current_status", []))
        line("", f"{before} before, {after} after the edit", "dim")
    if details.get("failed_before"):
        line("", "the test failed in the previous run", "dim")
    for key in ("moved_from", "renamed_from"):
        if key in details:
            line("", f"{key.replace('_', ' ')} {details[key]}", "dim")
    return text


def commit_text(signal: TestIntegritySignalDTO) -> Text:
    text = Text(render.short_sha(signal.git_sha))
    if signal.details.get("worktree"):
        text.append(" +worktree", style="magenta")
    commit = signal.details.get("commit")
    if isinstance(commit, dict) and commit.get("subject"):
        text.append("\n" + render.safe(commit["subject"], limit=60), style="dim")
    return text


def signals_table(signals: Sequence[TestIntegritySignalDTO], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("id")
    table.add_column("severity")
    table.add_column("signal")
    table.add_column("test", overflow="fold")
    table.add_column("commit")
    table.add_column("session")
    table.add_column("evidence", overflow="fold")
    for signal in signals:
        test = Text(render.safe(signal.test_name or "-"))
        location = signal.file_path + (f":{signal.details['line']}" if signal.details.get("line") else "")
        test.append("\n" + render.safe(location), style="dim")
        if signal.test_id is None:
            test.append("\n(not in the store)", style="dim")
        kind = Text(render.safe(signal.signal_type))
        if signal.state is SignalState.ACKNOWLEDGED:
            kind.append("\nacknowledged", style="dim")
        table.add_row(
            Text(signal.signal_id[:12]),
            Text(signal.severity.value, style=SEVERITY_STYLE[signal.severity]),
            kind,
            test,
            commit_text(signal),
            render.plain(signal.agent_session_id or "-", limit=24),
            evidence_text(signal),
        )
    return table


def gate_message(failing: Sequence[TestIntegritySignalDTO], fail_on: SignalSeverity) -> str:
    first = failing[0]
    return (
        f"integrity gate failed: {len(failing)} open signal{'s' if len(failing) != 1 else ''} of severity "
        f"{fail_on.value} or higher\nfirst: {first.signal_id[:12]} {first.signal_type} in "
        f"{first.file_path}::{first.test_name or '-'} ({first.severity.value})"
    )


def worst_signals(signals: Sequence[TestIntegritySignalDTO]) -> list[TestIntegritySignalDTO]:
    """Most severe first, open before acknowledged, newest first."""
    return sorted(
        signals,
        key=lambda s: (
            -SEVERITY_RANK[s.severity],
            s.state is not SignalState.OPEN,
            -(s.created_at.timestamp() if s.created_at else 0.0),
            s.signal_id,
        ),
    )


def evidence_summary(signal: TestIntegritySignalDTO) -> str:
    """One line of evidence for a Markdown cell: the first removed and added lines, or the counts."""
    details = signal.details
    parts = [f"- {line}" for line in list(details.get("removed", []))[:1]]
    parts += [f"+ {line}" for line in list(details.get("added", []))[:1]]
    if "assertions_before" in details and "assertions_after" in details:
        parts.append(f"assertions {details['assertions_before']} -> {details['assertions_after']}")
    return " · ".join(str(part) for part in parts)


def signals_markdown(
    project: str,
    signals: Sequence[TestIntegritySignalDTO],
    state: str,
    failing: Sequence[TestIntegritySignalDTO] | None,
    fail_on: SignalSeverity | None,
    limit: int = markdown.MAX_CHARS,
) -> str:
    """Integrity signals as Markdown, most severe first, never longer than `limit` characters."""
    doc = markdown.Document(limit)
    title = f"### Integrity signals ({state}) of {markdown.code(project, in_table=False)}: {len(signals):,}"
    if fail_on is not None:
        verdict = f"❌ failed ({len(failing or []):,} open)" if failing else "✅ passed"
        title += f" · gate {fail_on.value} {verdict}"
    doc.add(title)
    if not signals:
        doc.paragraph("No integrity signals.")
        return doc.render()
    rows = [
        [
            markdown.escape(s.severity.value + ("" if s.state is SignalState.OPEN else " (acknowledged)")),
            markdown.escape(s.signal_type),
            markdown.code(signal_place(s.file_path, s.test_name), markdown.NAME_LIMIT),
            markdown.code(s.git_sha[:10]),
            markdown.code(s.agent_session_id, 40) if s.agent_session_id else "-",
            markdown.code(evidence_summary(s), markdown.MESSAGE_LIMIT) or "-",
            markdown.code(s.signal_id[:12]),
        ]
        for s in worst_signals(signals)
    ]
    doc.table(markdown.Table(["severity", "signal", "test", "commit", "session", "evidence", "id"]), rows)
    return doc.render()


@integrity_app.callback()
def integrity(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Only signals recorded since: ISO-8601 time or an age (7d).")
    ] = None,
    sha: Annotated[
        str | None, typer.Option("--sha", help="Only signals of this commit (SHA prefix).")
    ] = None,
    state: Annotated[str, typer.Option("--state", help="open | acknowledged | all")] = "open",
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="low | medium | high: exit 1 when an open signal this severe exists."),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", help="table | markdown (for $GITHUB_STEP_SUMMARY, under 65,000 chars)."),
    ] = OutputFormat.TABLE,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """List integrity signals with their evidence; with --fail-on, a CI gate over the open ones."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        if json_out and fmt is not OutputFormat.TABLE:
            raise UserError(f"--json and --format {fmt.value}: choose one")
        wanted_state = parse_state(state)
        floor = parse_severity("--fail-on", fail_on)
        after = parse_since(since, utcnow())
        if sha is not None and not _HEX.fullmatch(sha):
            raise UserError(f"--sha {sha!r}: not a hexadecimal commit SHA (4 to 64 digits)")
        with open_store(db) as store:
            name = resolve_project(project)
            matching = select_signals(store, name, since=after, sha=sha)
    listed = [s for s in matching if wanted_state is None or s.state is wanted_state]
    failing = gate_failures(matching, floor) if floor is not None else []
    if json_out:
        render.print_json(
            {
                "project": name,
                "state": state,
                "signals": [signal_document(s) for s in listed],
                "open": sum(1 for s in matching if s.state is SignalState.OPEN),
                "gate": None
                if floor is None
                else {
                    "fail_on": floor.value,
                    "failed": bool(failing),
                    "failing_signal_ids": [s.signal_id for s in failing],
                },
            }
        )
    elif fmt is OutputFormat.MARKDOWN:
        sys.stdout.write(signals_markdown(name, listed, state, failing, floor))
    else:
        console = render.make_console()
        if listed:
            console.print(signals_table(listed, f"Integrity signals ({state}): {len(listed)}"))
        else:
            console.print("No integrity signals." if state == "all" else f"No {state} integrity signals.")
    if failing and floor is not None:
        raise fail(gate_message(failing, floor), EXIT_GATE)


def scan_summary(check: IntegrityCheck) -> Text:
    base = render.short_sha(check.base_sha) if check.base_sha else "(root)"
    head = "work tree" if check.worktree else render.short_sha(check.head_sha)
    text = Text(f"Scanned {base}..{head}: {check.status}")
    if check.checked:
        text.append(f" ({check.new_signals} new)", style="dim")
    if check.unparsed_files:
        text.append(
            "\nnot parsed: " + render.safe(", ".join(check.unparsed_files), limit=300), style="yellow"
        )
    return text


@integrity_app.command("scan")
def integrity_scan(
    base: Annotated[
        str | None, typer.Option("--base", help="Compare from this revision. [default: HEAD's parent]")
    ] = None,
    head: Annotated[str, typer.Option("--head", help="Compare to this revision.")] = "HEAD",
    worktree: Annotated[
        bool, typer.Option("--worktree", help="Compare to the uncommitted work tree (base: HEAD).")
    ] = False,
    repo: Annotated[
        Path | None, typer.Option("--repo", help="Git repository. [default: the current folder]")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Scan a change for weakened tests now, and store what it finds."""
    with user_errors():
        name = resolve_project(project)
        with open_store(db) as store:
            check = scan_and_record(store, name, repo or Path.cwd(), base, head, worktree)
    if json_out:
        render.print_json({**check.to_json_dict(), "signals": [signal_document(s) for s in check.signals]})
        return
    console = render.make_console()
    console.print(scan_summary(check))
    if check.signals:
        console.print(signals_table(check.signals, "Found"))


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
        if not reason.strip():
            raise UserError("--reason: must not be empty")
        if len(reason) > 2000:
            raise UserError("--reason: longer than 2000 characters")
        name = resolve_project(project)
        with open_store(db) as store:
            found = find_signal(store, name, signal)
            store.signals.acknowledge(name, found.signal_id, reason.strip())
            updated = find_signal(store, name, found.signal_id)
    if json_out:
        render.print_json(signal_document(updated))
        return
    message = (
        f"Acknowledged {updated.signal_id[:12]}: {updated.signal_type} in "
        f"{updated.file_path}::{updated.test_name or '-'} ({updated.severity.value})"
    )
    render.make_console().print(render.plain(message))
