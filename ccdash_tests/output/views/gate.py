"""The views of `gate`: the rules and their findings as Rich tables, Markdown for CI summaries, JSON."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from ccdash_tests.errors import GateFailed
from ccdash_tests.gate import MESSAGE_LIMIT, GateReport, RuleResult
from ccdash_tests.output import markdown, terminal
from ccdash_tests.output.formats import OutputFormat
from ccdash_tests.text import plural, short_run_id

if TYPE_CHECKING:
    from ccdash_tests.runs import RunDelta

SHOWN_FINDINGS = 20
NAME_LIMIT = 300


def gate_markdown(report: GateReport, limit: int = markdown.MAX_CHARS, delta: RunDelta | None = None) -> str:
    """The gate for $GITHUB_STEP_SUMMARY: verdict, one row per rule (failed first), then what failed each."""
    doc = markdown.Document(limit)
    verdict = "✅ passed" if report.passed else "❌ failed"
    doc.add(f"### Test gate {verdict} for run {markdown.code(report.run.run_id, in_table=False)}")
    base = markdown.code(report.base_run.run_id) if report.base_run else "none"
    doc.paragraph(
        f"project {markdown.code(report.project, in_table=False)} · "
        f"{report.run.timestamp.strftime('%Y-%m-%d %H:%M:%S')} UTC · base run {base}"
    )
    ordered = sorted(report.rules, key=lambda rule: rule.passed)
    doc.table(
        markdown.Table(["rule", "threshold", "result", "why"]),
        [
            [
                markdown.code(rule.rule),
                markdown.escape(rule.threshold),
                "✅ pass" if rule.passed else "❌ fail",
                markdown.escape(rule.summary),
            ]
            for rule in ordered
        ],
    )
    if delta is not None:
        markdown.delta_tables(doc, report.run, delta)
    failed = [rule for rule in ordered if rule.findings]
    for index, rule in enumerate(failed):
        # An equal share of what is left for each failed rule, so one flood of failures hides no rule.
        share = doc.remaining // (len(failed) - index)
        if not doc.heading(4, f"{rule.rule}: {plural(len(rule.findings), 'finding')}"):
            break
        doc.table(
            markdown.Table(["", "why"]),
            [
                [markdown.code(f.label, NAME_LIMIT), markdown.escape(f.detail, MESSAGE_LIMIT)]
                for f in rule.findings
            ],
            budget=share,
        )
    return doc.render()


def rules_table(report: GateReport) -> terminal.Grid:
    verdict = "passed" if report.passed else "FAILED"
    title = Text(f"Gate {verdict} for run ", style="bold green" if report.passed else "bold red")
    title.append(terminal.safe(short_run_id(report.run.run_id)))
    if report.base_run is not None:
        title.append(f" (base {terminal.safe(short_run_id(report.base_run.run_id))})", style="dim")
    grid = terminal.Grid(
        title,
        [
            terminal.Col("rule"),
            terminal.Col("result"),
            terminal.Col("threshold", "text", min=10),
            terminal.Col("why", "text", min=20),
        ],
    )
    for rule in sorted(report.rules, key=lambda r: r.passed):
        grid.add_row(
            rule.rule,
            Text("pass", style="green") if rule.passed else Text("FAIL", style="bold red"),
            terminal.plain(rule.threshold),
            terminal.plain(rule.summary),
        )
    return grid


def findings_table(rule: RuleResult) -> terminal.Grid:
    grid = terminal.Grid(
        Text(f"{rule.rule}: {plural(len(rule.findings), 'finding')}", style="bold"),
        [terminal.Col("", "name", min=24), terminal.Col("why", "text", min=20)],
    )
    for finding in rule.findings[:SHOWN_FINDINGS]:
        grid.add_row(terminal.plain(finding.label), terminal.plain(finding.detail, limit=200))
    if len(rule.findings) > SHOWN_FINDINGS:
        grid.add_note(
            terminal.more_note(
                len(rule.findings) - SHOWN_FINDINGS, "ccdash-tests gate --json (every finding)"
            )
        )
    return grid


def gate_tables(console: Console, report: GateReport) -> None:
    console.print(rules_table(report))
    for rule in sorted(report.rules, key=lambda r: r.passed):
        if rule.findings:
            console.print(findings_table(rule))


def show_gate(report: GateReport, fmt: OutputFormat, json_out: bool, delta: RunDelta | None = None) -> None:
    if json_out:
        terminal.print_json(report.to_json_dict())
    elif fmt is OutputFormat.MARKDOWN:
        sys.stdout.write(gate_markdown(report, delta=delta))
    else:
        gate_tables(terminal.make_console(), report)


def gate_failed(report: GateReport) -> GateFailed:
    return GateFailed(f"gate failed: {', '.join(rule.rule for rule in report.failed_rules)}")
