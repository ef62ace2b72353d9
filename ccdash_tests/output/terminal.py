"""Terminal and JSON output. Every name from a report is data: shown literally, never as markup or escapes."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ccdash_tests.models import Status, TestResultDTO, TestRunDTO
from ccdash_tests.text import clip, first_line, format_ms

# C0 and C1 control characters (ESC starts terminal escape sequences), DEL, and the bidi overrides that
# can make a name read differently from what it is.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

STATUS_STYLE: dict[Status, str] = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.ERROR: "bold red",
    Status.SKIPPED: "yellow",
    Status.XFAILED: "cyan",
    Status.XPASSED: "magenta",
}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(
        char, f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"
    )


def safe(value: object, limit: int | None = None) -> str:
    """Text safe for a terminal: control characters shown as escapes, optionally cut to `limit`."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(_visible, clip(text, limit))


def plain(value: object, style: str = "", limit: int | None = None) -> Text:
    """A Rich Text that never interprets markup: `[bold]` in a test name stays `[bold]`."""
    return Text(safe(value, limit), style=style)


def make_console(stderr: bool = False, width: int | None = None) -> Console:
    # highlight=False: Rich's auto-highlighter would colour numbers and paths inside report names.
    return Console(stderr=stderr, highlight=False, width=width, soft_wrap=False)


def print_json(document: Any) -> None:
    """Exactly one JSON document on stdout, nothing else (the --json contract)."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n")
    sys.stdout.flush()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def status_text(status: Status) -> Text:
    return Text(status.value, style=STATUS_STYLE[status])


def format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def short_sha(sha: str | None) -> str:
    return sha[:10] if sha else "-"


def counts_line(run: TestRunDTO) -> Text:
    line = Text()
    for status in Status:
        count = run.status_counts.get(status, 0)
        if count or status in (Status.PASSED, Status.FAILED):
            if line:
                line.append("  ")
            line.append(f"{count} {status.value}", style=STATUS_STYLE[status] if count else "dim")
    if run.flaky_tests:
        line.append(f"  {run.flaky_tests} flaky", style="magenta")
    return line


def runs_table(runs: Sequence[TestRunDTO]) -> Table:
    table = Table(title="Runs (newest first)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run", no_wrap=True, overflow="ellipsis", min_width=12, max_width=34)
    table.add_column("time (UTC)", no_wrap=True, min_width=16)
    table.add_column("status", no_wrap=True, min_width=6)
    for column in ("pass", "fail", "skip", "flaky"):
        table.add_column(column, justify="right", no_wrap=True, min_width=5)
    table.add_column("sha", no_wrap=True, min_width=7)
    table.add_column("branch", overflow="ellipsis", max_width=24)
    for run in runs:
        table.add_row(
            plain(run.run_id),
            run.timestamp.strftime("%Y-%m-%d %H:%M"),
            Text(run.status.value, style="red" if run.status.value == "failed" else "green"),
            str(run.passed_tests),
            str(run.failed_tests),
            str(run.skipped_tests),
            str(run.flaky_tests),
            short_sha(run.git_sha)[:7],
            plain(run.branch or "-"),
        )
    return table


def run_header(run: TestRunDTO) -> Text:
    text = Text()
    text.append("run ", style="bold")
    text.append(safe(run.run_id))
    text.append(f"  {format_time(run.timestamp)}  ")
    text.append(run.status.value, style="bold red" if run.status.value == "failed" else "bold green")
    details = [
        ("sha", short_sha(run.git_sha) if run.git_sha else None),
        ("branch", run.branch),
        ("session", run.agent_session_id),
        ("trigger", run.trigger.value),
        ("duration", format_ms(run.duration_ms) if run.duration_ms is not None else None),
    ]
    for label, value in details:
        if value:
            text.append(f"\n  {label}: ", style="dim")
            text.append(safe(value))
    return text


def results_table(results: Iterable[TestResultDTO], title: str = "Results") -> Table:
    table = Table(title=title, title_justify="left", expand=True, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("test", overflow="fold", ratio=3)
    table.add_column("status", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("tries", justify="right", no_wrap=True)
    table.add_column("message", overflow="fold", ratio=2)
    for result in results:
        status = status_text(result.status)
        if result.flaky:
            status.append(" flaky", style="magenta")
        table.add_row(
            plain(result.label),
            status,
            format_ms(result.duration_ms),
            str(result.attempts),
            plain(first_line(result.error_message or result.error_details), limit=160),
        )
    return table
