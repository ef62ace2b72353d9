"""The views of `integrity`, `integrity scan` and `integrity ack`: signals with their evidence as a Rich
table, Markdown or JSON, and the gate's failure."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from ccdash_tests.errors import GateFailed
from ccdash_tests.integrity.service import SEVERITY_RANK, IntegrityCheck
from ccdash_tests.models import SignalSeverity, SignalState, TestIntegritySignalDTO
from ccdash_tests.output import markdown, terminal
from ccdash_tests.output.formats import OutputFormat
from ccdash_tests.text import signal_place

SEVERITY_STYLE = {SignalSeverity.HIGH: "bold red", SignalSeverity.MEDIUM: "yellow", SignalSeverity.LOW: "dim"}
_EVIDENCE_LINES = 6


def signal_document(signal: TestIntegritySignalDTO) -> dict[str, Any]:
    return signal.model_dump(mode="json")


def evidence_text(signal: TestIntegritySignalDTO) -> Text:
    """The lines a reviewer needs: what was removed and added, or the statuses that changed."""
    details = signal.details
    text = Text()

    def line(prefix: str, body: object, style: str) -> None:
        if text:
            text.append("\n")
        text.append(prefix + terminal.safe(body, limit=200), style=style)

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
    text = Text(terminal.short_sha(signal.git_sha))
    if signal.details.get("worktree"):
        text.append(" +worktree", style="magenta")
    commit = signal.details.get("commit")
    if isinstance(commit, dict) and commit.get("subject"):
        text.append("\n" + terminal.safe(commit["subject"], limit=60), style="dim")
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
        test = Text(terminal.safe(signal.test_name or "-"))
        location = signal.file_path + (f":{signal.details['line']}" if signal.details.get("line") else "")
        test.append("\n" + terminal.safe(location), style="dim")
        if signal.test_id is None:
            test.append("\n(not in the store)", style="dim")
        kind = Text(terminal.safe(signal.signal_type))
        if signal.state is SignalState.ACKNOWLEDGED:
            kind.append("\nacknowledged", style="dim")
        table.add_row(
            Text(signal.signal_id[:12]),
            Text(signal.severity.value, style=SEVERITY_STYLE[signal.severity]),
            kind,
            test,
            commit_text(signal),
            terminal.plain(signal.agent_session_id or "-", limit=24),
            evidence_text(signal),
        )
    return table


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


def scan_summary(check: IntegrityCheck) -> Text:
    base = terminal.short_sha(check.base_sha) if check.base_sha else "(root)"
    head = "work tree" if check.worktree else terminal.short_sha(check.head_sha)
    text = Text(f"Scanned {base}..{head}: {check.status}")
    if check.checked:
        text.append(f" ({check.new_signals} new)", style="dim")
    if check.unparsed_files:
        text.append(
            "\nnot parsed: " + terminal.safe(", ".join(check.unparsed_files), limit=300), style="yellow"
        )
    return text


def integrity_gate_failed(failing: Sequence[TestIntegritySignalDTO], fail_on: SignalSeverity) -> GateFailed:
    """`integrity --fail-on`'s failure: how many open signals, and the first of them."""
    first = failing[0]
    return GateFailed(
        f"integrity gate failed: {len(failing)} open signal{'s' if len(failing) != 1 else ''} of severity "
        f"{fail_on.value} or higher\nfirst: {first.signal_id[:12]} {first.signal_type} in "
        f"{first.file_path}::{first.test_name or '-'} ({first.severity.value})"
    )


def show_signals(
    project: str,
    state: str,
    matching: Sequence[TestIntegritySignalDTO],
    listed: Sequence[TestIntegritySignalDTO],
    failing: Sequence[TestIntegritySignalDTO],
    fail_on: SignalSeverity | None,
    fmt: OutputFormat,
    json_out: bool,
) -> None:
    """`integrity`: the signals of `state` as JSON (with the gate's verdict), Markdown or a table."""
    if json_out:
        terminal.print_json(
            {
                "project": project,
                "state": state,
                "signals": [signal_document(s) for s in listed],
                "open": sum(1 for s in matching if s.state is SignalState.OPEN),
                "gate": None
                if fail_on is None
                else {
                    "fail_on": fail_on.value,
                    "failed": bool(failing),
                    "failing_signal_ids": [s.signal_id for s in failing],
                },
            }
        )
    elif fmt is OutputFormat.MARKDOWN:
        sys.stdout.write(signals_markdown(project, listed, state, failing, fail_on))
    else:
        console = terminal.make_console()
        if listed:
            console.print(signals_table(listed, f"Integrity signals ({state}): {len(listed)}"))
        else:
            console.print("No integrity signals." if state == "all" else f"No {state} integrity signals.")


def show_scan(check: IntegrityCheck, json_out: bool) -> None:
    if json_out:
        terminal.print_json({**check.to_json_dict(), "signals": [signal_document(s) for s in check.signals]})
        return
    console = terminal.make_console()
    console.print(scan_summary(check))
    if check.signals:
        console.print(signals_table(check.signals, "Found"))


def show_acknowledged(signal: TestIntegritySignalDTO, json_out: bool) -> None:
    if json_out:
        terminal.print_json(signal_document(signal))
        return
    message = (
        f"Acknowledged {signal.signal_id[:12]}: {signal.signal_type} in "
        f"{signal.file_path}::{signal.test_name or '-'} ({signal.severity.value})"
    )
    terminal.make_console().print(terminal.plain(message))
