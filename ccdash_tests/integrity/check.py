"""What one integrity check did (`IntegrityCheck`): the ingest summary's line and the JSON of a check.

Its own module, without git or the store, so that an ingest that checks nothing (nothing new stored,
or a run without a commit) loads none of `integrity.service`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccdash_tests.models import TestIntegritySignalDTO

# Why a run without a commit is not checked: there is no change to compare.
NO_SHA = "the run has no git SHA (pass --git-sha)"


@dataclass(frozen=True)
class IntegrityCheck:
    """What one integrity check did: `status` is the line for the ingest summary."""

    checked: bool
    reason: str | None = None
    base_sha: str | None = None
    head_sha: str | None = None
    worktree: bool = False
    previous_run_id: str | None = None
    current_run_id: str | None = None
    signals: list[TestIntegritySignalDTO] = field(default_factory=list)
    new_signals: int = 0
    unparsed_files: list[str] = field(default_factory=list)
    base_used: str | None = None
    fallback: bool = False
    dry_run: bool = False
    resolved: list[TestIntegritySignalDTO] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)

    @classmethod
    def not_checked(cls, reason: str, head_sha: str | None = None) -> IntegrityCheck:
        return cls(checked=False, reason=reason, head_sha=head_sha)

    @property
    def status(self) -> str:
        if not self.checked:
            return f"not checked: {self.reason}"
        count = len(self.signals)
        text = f"checked: {count} signal{'' if count == 1 else 's'}"
        if self.resolved:
            text += f", {len(self.resolved)} resolved"
        # Only a fallback base is worth a word on every ingest: the usual one is the previous run.
        return text + (f" (base: {self.base_used})" if self.fallback and self.base_used else "")

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "status": self.status,
            "reason": self.reason,
            "base_sha": self.base_sha,
            "head_sha": self.head_sha,
            "worktree": self.worktree,
            "previous_run_id": self.previous_run_id,
            "current_run_id": self.current_run_id,
            "signal_count": len(self.signals),
            "new_signals": self.new_signals,
            "signal_ids": [signal.signal_id for signal in self.signals],
            "unparsed_files": self.unparsed_files,
            "skipped_files": self.skipped_files,
            "base": self.base_used,
            "base_fallback": self.fallback,
            "dry_run": self.dry_run,
            "resolved_signal_ids": [signal.signal_id for signal in self.resolved],
        }
