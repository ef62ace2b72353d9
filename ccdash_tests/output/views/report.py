"""The view of `report --html`: what was written, as one line or JSON."""

from __future__ import annotations

from pathlib import Path

from ccdash_tests.output import terminal
from ccdash_tests.report import ReportData


def show_written(path: Path, size: int, project: str, data: ReportData, json_out: bool) -> None:
    document = {
        "path": str(path),
        "bytes": size,
        "project": project,
        "run_id": data.run.run_id if data.run else None,
        "features": len(data.features),
        "flaky_tests": len(data.flaky),
        "open_signals": len(data.signals),
    }
    if json_out:
        terminal.print_json(document)
        return
    terminal.make_console().print(
        terminal.plain(
            f"Wrote {path} ({size:,} bytes): run {document['run_id'] or '-'}, "
            f"{len(data.features)} features, {len(data.flaky)} flaky tests, {len(data.signals)} open signals"
        )
    )
