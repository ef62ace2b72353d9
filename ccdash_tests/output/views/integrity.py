"""The views of `integrity`, `integrity scan` and `integrity ack`: signals with their evidence as a Rich
table, Markdown or JSON, and the gate's failure."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from rich.text import Text

from ccdash_tests.errors import GateFailed
from ccdash_tests.integrity.check import IntegrityCheck
from ccdash_tests.integrity.service import SEVERITY_RANK
from ccdash_tests.models import SignalSeverity, SignalState, SignalVerdict, TestIntegritySignalDTO
from ccdash_tests.output import markdown, terminal
from ccdash_tests.output.formats import OutputFormat
from ccdash_tests.text import signal_place

SEVERITY_STYLE = {SignalSeverity.HIGH: "bold red", SignalSeverity.MEDIUM: "yellow", SignalSeverity.LOW: "dim"}
_EVIDENCE_LINES = 6


def signal_document(signal: TestIntegritySignalDTO) -> dict[str, Any]:
    return signal.model_dump(mode="json")


def removed_lines(details: dict[str, Any]) -> list[Any]:
    """The lost lines: the detectors' `removed_lines` when present, else their `removed` checks."""
    return list(details.get("removed_lines") or details.get("removed") or [])


def added_lines(details: dict[str, Any]) -> list[Any]:
    return list(details.get("added_lines") or details.get("added") or [])


def grouped_tests(signal: TestIntegritySignalDTO) -> list[str]:
    """The tests a grouped signal lists (empty for a signal of one test)."""
    return [str(name) for name in signal.details.get("tests", []) or []]


def test_title(signal: TestIntegritySignalDTO) -> str:
    tests = grouped_tests(signal)
    if not tests:
        return signal.test_name or "-"
    shown = ", ".join(tests[:_EVIDENCE_LINES]) + (", ..." if len(tests) > _EVIDENCE_LINES else "")
    return f"{len(tests)} tests: {shown}"


def title_lines(signal: TestIntegritySignalDTO) -> list[str]:
    """The test as table lines: a grouped signal's count, then one test a line (each cut on its own)."""
    tests = grouped_tests(signal)
    if not tests:
        return [signal.test_name or "-"]
    more = ["..."] if len(tests) > _EVIDENCE_LINES else []
    return [f"{len(tests)} tests:", *tests[:_EVIDENCE_LINES], *more]


def verdict_label(signal: TestIntegritySignalDTO) -> str:
    return "likely deliberate" if signal.verdict is SignalVerdict.LIKELY_DELIBERATE else "suspicious"


def state_label(signal: TestIntegritySignalDTO) -> str:
    if signal.state is SignalState.RESOLVED and signal.resolved_sha:
        return f"resolved in {terminal.short_sha(signal.resolved_sha)}"
    return signal.state.value


def evidence_text(signal: TestIntegritySignalDTO) -> Text:
    """The lines a reviewer needs: what was removed and added, or the statuses that changed, and why the
    signal looks deliberate or suspicious."""
    details = signal.details
    text = Text()

    def line(prefix: str, body: object, style: str) -> None:
        if text:
            text.append("\n")
        text.append(prefix + terminal.safe(body, limit=200), style=style)

    for removed in removed_lines(details)[:_EVIDENCE_LINES]:
        line("- ", removed, "red")
    for added in added_lines(details)[:_EVIDENCE_LINES]:
        line("+ ", added, "green")
    if "assertions_before" in details and "assertions_after" in details:
        line("", f"assertions {details['assertions_before']} -> {details['assertions_after']}", "dim")
    if signal.signal_type == "test_removed" and grouped_tests(signal):
        where = "file deleted" if details.get("file_deleted") else "removed from the file"
        count = len(grouped_tests(signal))
        line("", f"{count} tests {where} ({details.get('assertions_before', '?')} assertions)", "red")
    elif signal.signal_type == "test_removed":
        line("", f"test removed ({details.get('assertions_before', '?')} assertions)", "red")
    folded = details.get("edited_before_green")
    statuses: dict[str, Any] = folded if isinstance(folded, dict) else details
    if "previous_status" in statuses:
        before = ",".join(statuses.get("previous_status", []))
        after = ",".join(statuses.get("current_status", []))
        line("", f"{before} before, {after} after the edit", "dim")
    if details.get("failed_before"):
        line("", "the test failed in the previous run", "dim")
    for key in ("moved_from", "renamed_from"):
        if key in details:
            line("", f"{key.replace('_', ' ')} {details[key]}", "dim")
    for reason in list(details.get("verdict_evidence", []))[:3]:
        line("why: ", reason, "cyan")
    return text


def commit_text(signal: TestIntegritySignalDTO) -> Text:
    text = Text(terminal.short_sha(signal.git_sha))
    if signal.details.get("worktree"):
        text.append(" +worktree", style="magenta")
    commit = signal.details.get("commit")
    if isinstance(commit, dict) and commit.get("subject"):
        text.append("\n" + terminal.safe(commit["subject"], limit=60), style="dim")
    return text


def signals_table(signals: Sequence[TestIntegritySignalDTO], title: str) -> terminal.Grid:
    # Eight columns of several lines each: at 80 columns the grid lays each signal out as a block.
    table = terminal.Grid(
        Text(title, style="bold"),
        [
            terminal.Col("id"),
            terminal.Col("severity"),
            terminal.Col("signal"),
            terminal.Col("verdict"),
            terminal.Col("test", "name", min=20),
            terminal.Col("commit", "text", min=12),
            terminal.Col("session", "id", min=8, optional=True),
            terminal.Col("evidence", "text", min=20),
        ],
    )
    for signal in signals:
        test = Text("\n".join(terminal.safe(line, limit=300) for line in title_lines(signal)))
        location = signal.file_path + (f":{signal.details['line']}" if signal.details.get("line") else "")
        test.append("\n" + terminal.safe(location), style="dim")
        if signal.test_id is None:
            test.append("\n(not in the store)", style="dim")
        kind = Text(terminal.safe(signal.signal_type))
        if signal.state is not SignalState.OPEN:
            kind.append("\n" + state_label(signal), style="dim")
        deliberate = signal.verdict is SignalVerdict.LIKELY_DELIBERATE
        table.add_row(
            Text(signal.signal_id[:12]),
            Text(signal.severity.value, style=SEVERITY_STYLE[signal.severity]),
            kind,
            Text(verdict_label(signal), style="dim" if deliberate else "bold"),
            test,
            commit_text(signal),
            terminal.plain(signal.agent_session_id or "-", limit=24),
            evidence_text(signal),
        )
    return table


def worst_signals(signals: Sequence[TestIntegritySignalDTO]) -> list[TestIntegritySignalDTO]:
    """Open before the rest, suspicious before likely deliberate, most severe first, newest first."""
    return sorted(
        signals,
        key=lambda s: (
            s.state is not SignalState.OPEN,
            s.verdict is not SignalVerdict.SUSPICIOUS,
            -SEVERITY_RANK[s.severity],
            -(s.created_at.timestamp() if s.created_at else 0.0),
            s.signal_id,
        ),
    )


def evidence_summary(signal: TestIntegritySignalDTO) -> str:
    """One line of evidence for a Markdown cell: the first removed and added lines, or the counts."""
    details = signal.details
    parts = [f"- {line}" for line in removed_lines(details)[:1]]
    parts += [f"+ {line}" for line in added_lines(details)[:1]]
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
            markdown.escape(
                s.severity.value + ("" if s.state is SignalState.OPEN else f" ({state_label(s)})")
            ),
            markdown.escape(s.signal_type),
            markdown.escape(verdict_label(s)),
            markdown.code(signal_place(s.file_path, test_title(s)), markdown.NAME_LIMIT),
            markdown.code(s.git_sha[:10]),
            markdown.code(s.agent_session_id, 40) if s.agent_session_id else "-",
            markdown.code(evidence_summary(s), markdown.MESSAGE_LIMIT) or "-",
            markdown.code(s.signal_id[:12]),
        ]
        for s in worst_signals(signals)
    ]
    doc.table(
        markdown.Table(["severity", "signal", "verdict", "test", "commit", "session", "evidence", "id"]), rows
    )
    return doc.render()


def scan_summary(check: IntegrityCheck) -> Text:
    base = terminal.short_sha(check.base_sha) if check.base_sha else "(root)"
    head = "work tree" if check.worktree else terminal.short_sha(check.head_sha)
    text = Text(f"Scanned {base}..{head}: {check.status}")
    if check.dry_run:
        text.append(" (dry run: nothing stored; --store keeps them)", style="dim")
    elif check.checked:
        text.append(f" ({check.new_signals} new)", style="dim")
    if check.skipped_files:
        text.append(
            "\nnot regular files: " + terminal.safe(", ".join(check.skipped_files), limit=300), style="dim"
        )
    if check.unparsed_files:
        text.append(
            "\nnot parsed: " + terminal.safe(", ".join(check.unparsed_files), limit=300), style="yellow"
        )
    return text


def integrity_gate_failed(
    failing: Sequence[TestIntegritySignalDTO], fail_on: SignalSeverity, include_deliberate: bool = False
) -> GateFailed:
    """`integrity --fail-on`'s failure: how many open signals, and the first of them."""
    first = worst_signals(failing)[0]
    which = "open" if include_deliberate else "open suspicious"
    return GateFailed(
        f"integrity gate failed: {len(failing)} {which} signal{'s' if len(failing) != 1 else ''} of severity "
        f"{fail_on.value} or higher\nfirst: {first.signal_id[:12]} {first.signal_type} in "
        f"{signal_place(first.file_path, test_title(first))} ({first.severity.value}, {verdict_label(first)})"
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
    include_deliberate: bool = False,
) -> None:
    """`integrity`: the signals of `state` as JSON (with the gate's verdict), Markdown or a table."""
    if json_out:
        open_now = [s for s in matching if s.state is SignalState.OPEN]
        terminal.print_json(
            {
                "project": project,
                "state": state,
                "signals": [signal_document(s) for s in listed],
                "open": len(open_now),
                "open_suspicious": sum(1 for s in open_now if s.verdict is SignalVerdict.SUSPICIOUS),
                "gate": None
                if fail_on is None
                else {
                    "fail_on": fail_on.value,
                    "include_deliberate": include_deliberate,
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
            console.print(signals_table(worst_signals(listed), f"Integrity signals ({state}): {len(listed)}"))
        else:
            console.print("No integrity signals." if state == "all" else f"No {state} integrity signals.")


def show_scan(check: IntegrityCheck, json_out: bool) -> None:
    if json_out:
        terminal.print_json(
            {
                **check.to_json_dict(),
                "signals": [signal_document(s) for s in check.signals],
                "resolved": [signal_document(s) for s in check.resolved],
            }
        )
        return
    console = terminal.make_console()
    console.print(scan_summary(check))
    if check.signals:
        console.print(signals_table(worst_signals(check.signals), "Found"))
    if check.resolved:
        console.print(signals_table(check.resolved, "Resolved by this commit"))


def show_acknowledged(signal: TestIntegritySignalDTO, json_out: bool) -> None:
    if json_out:
        terminal.print_json(signal_document(signal))
        return
    message = (
        f"Acknowledged {signal.signal_id[:12]}: {signal.signal_type} in "
        f"{signal.file_path}::{signal.test_name or '-'} ({signal.severity.value})"
    )
    terminal.make_console().print(terminal.plain(message))
