"""The `ccdash-tests` command line: the Typer app; each command's module is imported when it runs.

This module imports nothing heavy at its top, so that `main` owns Ctrl-C from the first moment: while
the command line starts, an interrupt prints one line and exits 130 (errors.exit_on_interrupt), as it
does later inside a command (commands/running.py: user_errors), never a traceback.

`ingest REPORT... [options]` that commands/ingest_run.py fully understands runs without Typer (it costs
a small ingest more than its work); every other argv, and any ingest it does not, goes to the Typer app.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ccdash_tests.errors import exit_on_interrupt

if TYPE_CHECKING:
    from ccdash_tests.commands.common import app

__all__ = ["app", "main"]


def main() -> None:
    exit_on_interrupt()
    if sys.argv[1:2] == ["ingest"]:
        from ccdash_tests.commands import ingest_run

        values = ingest_run.parse_fast(sys.argv[2:])
        if values is not None:
            ingest_run.run(**values)
            sys.exit(0)
    from ccdash_tests.commands.common import app

    app(prog_name="ccdash-tests")


def __getattr__(name: str) -> Any:
    """`cli.app` for callers that run the app themselves (tests, `python -m`), imported on first use."""
    if name == "app":
        from ccdash_tests.commands.common import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
