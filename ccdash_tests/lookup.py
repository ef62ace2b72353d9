"""Tests by any name the tool prints or a user types: a node id, a test_id, `class::name`, `class.name`,
`path::name`, a name, or a unique substring of one of them."""

from __future__ import annotations

from collections.abc import Sequence

from ccdash_tests.errors import UserError
from ccdash_tests.models import TestDefinitionDTO
from ccdash_tests.store import Store
from ccdash_tests.text import pytest_nodeid

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


def printed_forms(test: TestDefinitionDTO) -> tuple[str, ...]:
    """Every form in which a test is printed or commonly typed: its node id (the label), `class::name`,
    `class.name` and `path::name`."""
    forms = [test.label, f"{test.classname}::{test.name}", f"{test.classname}.{test.name}"]
    if test.path and pytest_nodeid(test.classname, test.name, test.path) is None:
        # For a pytest test in a class `path::name` is another test's node id, so only its own counts.
        forms.append(f"{test.path}::{test.name}")
    return tuple(dict.fromkeys(form for form in forms if form))


def pick_test(text: str, candidates: Sequence[TestDefinitionDTO], more: bool = False) -> TestDefinitionDTO:
    """One test from search candidates: an exact id, printed form or name wins; else the only candidate."""
    if not candidates:
        raise UnknownTestError(f"no stored test matches {text!r}")
    for exact in (
        [c for c in candidates if c.test_id == text],
        [c for c in candidates if c.label == text],  # before the other forms: a node id is unique
        [c for c in candidates if text in printed_forms(c)],
        [c for c in candidates if c.name == text],
    ):
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            raise AmbiguousTestError(text, exact, False)
    if len(candidates) == 1 and not more:
        return candidates[0]
    raise AmbiguousTestError(text, candidates, more)


# How many tests of one name are read to find the one a node id or `class::name` names.
NAME_CANDIDATES = 2_000


def resolve_test(store: Store, project: str, text: str) -> TestDefinitionDTO:
    """TEST as any printed form (see printed_forms), a test_id, a name, or a substring naming one test."""
    text = text.strip()
    if not text:
        raise UserError("TEST: must not be empty")
    limit = 50
    candidates = store.definitions.search(project, text, limit=limit + 1)
    if not candidates and "::" in text:
        # A node id, `class::name` or `path::name` (whole or a tail of it): the tests of its last
        # part's name whose printed forms hold the text.
        name = text.rsplit("::", 1)[1]
        named = store.definitions.search(project, name, limit=NAME_CANDIDATES)
        candidates = [c for c in named if any(text in form for form in printed_forms(c))][: limit + 1]
    return pick_test(text, candidates[:limit], more=len(candidates) > limit)
