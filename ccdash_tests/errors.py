"""The failures a user is told about, each with its exit code (DESIGN.md §6): 2 input, 3 store, 1 gate.

Domain errors subclass one of these, so a command never re-wraps an error by hand: the command
line's `user_errors()` prints `report_lines()` on stderr and exits with the class's `exit_code`.
Nothing here imports the rest of the package.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_STORE = 3
EXIT_INTERRUPTED = 130


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
