"""The failures a user is told about, each with its exit code (DESIGN.md §6): 2 input, 3 store, 1 gate, 130.

Domain errors subclass one of these, so a command never re-wraps an error by hand: the command
line's `user_errors()` prints `report_lines()` on stderr and exits with the class's `exit_code`.
Nothing here imports the rest of the package.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
from collections.abc import Iterator, Sequence

EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_STORE = 3
EXIT_INTERRUPTED = 130
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE: what a tool killed by the closed pipe would report


class CommandExit(SystemExit):
    """The end of a command with its exit code, once its message is on stderr (`running.fail`).

    A SystemExit, not the command-line library's own Exit, so that a command can end without that
    library loaded (the `ingest` fast path, cli.py); under Typer it ends the process the same way."""

    @property
    def exit_code(self) -> int:
        return int(self.code or 0)


class ReportedError(Exception):
    """An error whose message is meant for the user: one line, then optional indented detail lines."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, detail_lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.detail_lines = list(detail_lines)

    def report_lines(self) -> list[str]:
        """What the user reads: the message, then each detail line indented under it."""
        return [str(self), *(f"  {line}" for line in self.detail_lines)]


class UserError(ReportedError):
    """Bad input or usage (a missing file, an unknown test, a malformed option): exit 2, nothing written."""


class StoreError(ReportedError):
    """The store could not be opened or written. The message is one line for the user (exit 3)."""

    exit_code = EXIT_STORE


class StoreDisabledError(StoreError):
    """CCDASH_TEST_VISUALIZER_ENABLED=0 and the store lacks its tables."""


class GateFailed(ReportedError):
    """A gate the user asked for failed (`--fail-under`, `--fail-on`, `gate`): exit 1, reason on stderr."""

    exit_code = EXIT_GATE


class InterruptedAfterStore(ReportedError):
    """Ctrl-C after the run was committed: it is stored whole, only what came after was cut short (130)."""

    exit_code = EXIT_INTERRUPTED


@dataclasses.dataclass
class Commit:
    """The run a write committed, once it has: set by the writer, read when Ctrl-C comes."""

    run_id: str | None = None


@contextlib.contextmanager
def stored_once_committed() -> Iterator[Commit]:
    """Ctrl-C says "stored" from the moment the yielded mark names a run, up to the block's very end.

    The block includes closing the store, so an interrupt while the connection closes after the COMMIT
    (which takes a while on PostgreSQL) still says the run is there.
    """
    mark = Commit()
    try:
        yield mark
    except KeyboardInterrupt:
        if mark.run_id is None:
            raise
        run_id = mark.run_id
        raise InterruptedAfterStore(
            f"interrupted after run {run_id} was stored; see it with: ccdash-tests runs show {run_id}"
        ) from None


def _interrupted_at_start(signum: int, frame: object) -> None:
    """Ctrl-C before any command ran: nothing was read or written, so leave at once, in one line."""
    os.write(2, b"ccdash-tests: interrupted; nothing was written\n")
    os._exit(EXIT_INTERRUPTED)


def exit_on_interrupt() -> None:
    """While the command line starts (imports, building the command), Ctrl-C exits 130 in one line.

    Python would print a KeyboardInterrupt traceback from whatever import it hit, and the command-line
    library an "Aborted!" with exit 1; `interrupts_raise` hands Ctrl-C back once a command runs.
    """
    with contextlib.suppress(ValueError):  # not the main thread: leave interrupts to whoever runs us
        signal.signal(signal.SIGINT, _interrupted_at_start)


def interrupts_raise() -> bool:
    """Ctrl-C raises KeyboardInterrupt again (the command's own handling says what was kept); True when
    this took Ctrl-C over from the start-up handler, i.e. the process is the command line itself."""
    with contextlib.suppress(ValueError):
        if signal.getsignal(signal.SIGINT) is _interrupted_at_start:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            return True
    return False


def interrupts_ignored() -> None:
    """Ctrl-C once the command has answered: nothing is left to interrupt, so the process leaves with
    the command's own exit code instead of dying of the signal (exit -2) on its way out."""
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
