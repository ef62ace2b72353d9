"""The view of `export`: the report written to a file (whole or not at all) or to stdout, and one line."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from ccdash_tests.errors import UserError
from ccdash_tests.export import ExportFormat, RunExport
from ccdash_tests.output import terminal
from ccdash_tests.output.export import write_ctrf, write_junit
from ccdash_tests.records import ParsedCase, TestRunDTO

Writer = Callable[[TestRunDTO, Iterable[ParsedCase], TextIO], int]
WRITERS: dict[ExportFormat, Writer] = {ExportFormat.JUNIT: write_junit, ExportFormat.CTRF: write_ctrf}


def show_export(export: RunExport, target: Path | None) -> None:
    """Write the run; to a file, a temporary file beside it renamed when complete."""
    writer = WRITERS[export.format]
    if target is None:
        writer(export.run, export.cases, sys.stdout)
        return
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise UserError(f"-o {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            count = writer(export.run, export.cases, out)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    terminal.make_console(stderr=True).print(
        terminal.plain(
            f"Wrote {target}: {count:,} results of run {export.run.run_id} as {export.format.value}"
        )
    )
