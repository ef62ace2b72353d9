"""What runs around a command's body without the command-line library: errors to exit codes, the project.

Kept free of Typer (and of Rich, Pydantic and the store) so that `ingest` can run from its fast path
(commands/ingest_run.py) without loading Typer; commands/common.py re-exports these for the others.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ccdash_tests.errors import (
    EXIT_INTERRUPTED,
    EXIT_PIPE_CLOSED,
    EXIT_STORE,
    CommandExit,
    ReportedError,
    UserError,
    interrupts_ignored,
    interrupts_raise,
)
from ccdash_tests.text import error_line, redact_secrets


def fail(message: str, code: int, detail_lines: Sequence[str] = ()) -> CommandExit:
    """The message on one line of stderr, any detail lines under it; the caller raises the returned exit.

    A message of several lines is its first line and details: each line is escaped on its own, so a
    line break prints as one, not as a literal `\\n`."""
    from ccdash_tests.output import terminal

    first, *more = message.splitlines() or [""]
    sys.stderr.write(f"ccdash-tests: {terminal.safe(redact_secrets(first))}\n")
    for line in [*more, *detail_lines]:
        sys.stderr.write(f"{terminal.safe(redact_secrets(line))}\n")
    return CommandExit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn every expected failure into its message on stderr and the contract's exit code."""
    ours = interrupts_raise()  # from here Ctrl-C is a KeyboardInterrupt, handled below
    try:
        yield
    except ReportedError as exc:  # bad input (2), store (3), a failed gate (1)
        first, *rest = exc.report_lines()
        raise fail(first, exc.exit_code, rest) from None
    except KeyboardInterrupt:
        raise fail("interrupted; nothing was written", EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # The reader left (`| head`): stop quietly, as the shell's own tools do, and keep Python's
        # final flush of stdout from failing again on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise CommandExit(EXIT_PIPE_CLOSED) from None
    except Exception as exc:
        if _is_driver_error(exc, "sqlite3"):
            raise fail(f"store error: {error_line(exc)}", EXIT_STORE) from None
        if _is_driver_error(exc, "psycopg"):
            raise fail(f"store error: PostgreSQL: {error_line(exc)}", EXIT_STORE) from None
        raise
    finally:
        if ours:
            interrupts_ignored()


def _is_driver_error(exc: Exception, driver: str) -> bool:
    """Whether exc is a database driver's error; a driver never imported cannot have raised it."""
    module = sys.modules.get(driver)
    return module is not None and isinstance(exc, module.Error)


def resolve_project(project: str | None) -> str:
    value = (project or "").strip() or _default_project()
    if len(value) > 200:
        raise UserError("--project: longer than 200 characters")
    return value


def _default_project() -> str:
    from ccdash_tests import runmeta  # git and CI detection: only when no --project (or env) names one

    return runmeta.default_project(Path.cwd())
