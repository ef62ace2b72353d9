"""What the forensics features share: good/bad/neutral verdicts, the failing streak, run references."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ccdash_tests.models import DTO, Status
from ccdash_tests.store.queries.forensics import RunRef
from ccdash_tests.text import first_line

MESSAGE_LIMIT = 300

Mark = Literal["first_bad", "last_good"]
Verdict = bool | None  # True good, False bad, None neutral


def verdict(status: Status) -> Verdict:
    if status is Status.PASSED:
        return True
    if status.is_bad:
        return False
    return None


VERDICTS: dict[Status, Verdict] = {status: verdict(status) for status in Status}


# --- streaks ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Streak:
    """Indexes into a verdict sequence (oldest first) of the first bad and the last good entry."""

    first_bad: int | None
    last_good: int | None
    length: int


def current_streak(verdicts: Sequence[Verdict]) -> Streak:
    """The current failing streak of a verdict sequence, oldest first (see the module docstring)."""
    first_bad: int | None = None
    length = 0
    for index in range(len(verdicts) - 1, -1, -1):
        value = verdicts[index]
        if value is None:
            continue
        if value:
            return Streak(first_bad, index, length)
        first_bad = index
        length += 1
    return Streak(first_bad, None, length)


def message_line(text: str | None) -> str | None:
    """A failure's first line as forensics shows it: at most MESSAGE_LIMIT characters, None if blank."""
    return first_line(text)[:MESSAGE_LIMIT] or None


class RunRefDoc(DTO):
    run_id: str
    timestamp: datetime
    git_sha: str | None = None


def run_ref_doc(run: RunRef) -> RunRefDoc:
    return RunRefDoc(run_id=run.run_id, timestamp=run.timestamp, git_sha=run.git_sha)
