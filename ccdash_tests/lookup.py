"""Tests by the names a user types: a test_id, a name, `class::name`, `class.name` or a unique substring."""

from __future__ import annotations

from collections.abc import Sequence

from ccdash_tests.errors import UserError
from ccdash_tests.models import TestDefinitionDTO
from ccdash_tests.store import Store

MAX_CANDIDATES_SHOWN = 10


class UnknownTestError(UserError):
    """TEST matched no stored test."""


class AmbiguousTestError(UserError):
    """TEST matched several tests; the message lists candidates."""

    def __init__(self, text: str, candidates: Sequence[TestDefinitionDTO], more: bool) -> None:
        self.candidates = list(candidates)
        self.more = more or len(candidates) > MAX_CANDIDATES_SHOWN
        count = f"{len(candidates)}{'+' if more else ''}"
        super().__init__(
            f"{text!r} matches {count} tests; give a test_id or a longer name", self.candidate_lines()
        )

    def candidate_lines(self) -> list[str]:
        """One line per candidate (id and label), then `...` when there are more."""
        lines = [f"{c.test_id}  {c.label}" for c in self.candidates[:MAX_CANDIDATES_SHOWN]]
        return [*lines, "..."] if self.more else lines

    def report_lines(self) -> list[str]:
        first, *candidates = super().report_lines()
        return [f"{first}:", *candidates]


def pick_test(text: str, candidates: Sequence[TestDefinitionDTO], more: bool = False) -> TestDefinitionDTO:
    """One test from search candidates: an exact id, name or label wins; else the only candidate."""
    if not candidates:
        raise UnknownTestError(f"no stored test matches {text!r}")
    for exact in (
        [c for c in candidates if c.test_id == text],
        [c for c in candidates if text in (c.label, f"{c.classname}.{c.name}")],
        [c for c in candidates if c.name == text],
    ):
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            raise AmbiguousTestError(text, exact, False)
    if len(candidates) == 1 and not more:
        return candidates[0]
    raise AmbiguousTestError(text, candidates, more)


def resolve_test(store: Store, project: str, text: str) -> TestDefinitionDTO:
    """TEST as a test_id, a name, `class::name`, `class.name` or a substring that picks one test."""
    text = text.strip()
    if not text:
        raise UserError("TEST: must not be empty")
    limit = 50
    candidates = store.definitions.search(project, text, limit=limit + 1)
    if not candidates and "::" in text:
        candidates = store.definitions.search(project, text.replace("::", "."), limit=limit + 1)
    return pick_test(text, candidates[:limit], more=len(candidates) > limit)
