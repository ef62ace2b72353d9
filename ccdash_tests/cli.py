"""The `ccdash-tests` command line: the Typer app with every command module registered."""

from __future__ import annotations

from ccdash_tests.commands import (  # noqa: F401  # importing registers the commands
    forensics_cmd,
    gate_cmd,
    health_cmd,
    ingest_cmd,
    integrity_cmd,
    map_cmd,
    push_cmd,
    report_cmd,
    runs_cmd,
)
from ccdash_tests.commands.common import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="ccdash-tests")
