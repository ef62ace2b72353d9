"""Tests by any name the tool prints or a user types: a label in its framework's form (a pytest node id,
`pkg.Class.method`, `pkg.TestX/sub`, `file > describe > test`) or a shorter tail of it, a test_id,
`class::name`, `class.name`, `path::name`, a name, or a unique substring of one of them."""

from __future__ import annotations

from collections.abc import Sequence

from ccdash_tests.errors import UserError
from ccdash_tests.models import TestDefinitionDTO
from ccdash_tests.store import Store
from ccdash_tests.text import CHAIN, CHAINED_FRAMEWORKS, DOTTED_FRAMEWORKS, GO_FRAMEWORKS, pytest_nodeid

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
    """Every form in which a test is printed or commonly typed: its label (text.test_label), its
    `nodeid` (a pytest node id, else `class::name`), `class.name`, `path::name`, and the shorter forms
    a framework's own tools print (framework_tails)."""
    forms = [test.label, test.nodeid, f"{test.classname}::{test.name}", f"{test.classname}.{test.name}"]
    if test.path and pytest_nodeid(test.classname, test.name, test.path) is None:
        # For a pytest test in a class `path::name` is another test's node id, so only its own counts.
        forms.append(f"{test.path}::{test.name}")
    forms += framework_tails(test)
    return tuple(dict.fromkeys(form for form in forms if form))


def framework_tails(test: TestDefinitionDTO) -> list[str]:
    """The label without its outer parts, as the framework's tools print it: `Class.method` and
    `Outer.Inner.method` without the package (Surefire's summary, GoogleTest), `calc.TestX/sub`
    without the module's host (gotestsum), `add > adds integers` without the file or outer describes."""
    name, classname = test.name, test.classname
    if not (name and classname):
        return []
    if test.framework in DOTTED_FRAMEWORKS:
        parts = classname.split(".")
        return [".".join(parts[i:]) + "." + name for i in range(1, len(parts))]
    if test.framework in GO_FRAMEWORKS:
        parts = classname.split("/")
        return ["/".join(parts[i:]) + "." + name for i in range(1, len(parts))]
    if test.framework in CHAINED_FRAMEWORKS:
        parts = test.label.split(CHAIN)
        return [CHAIN.join(parts[i:]) for i in range(1, len(parts))]
    return []


def pick_test(text: str, candidates: Sequence[TestDefinitionDTO], more: bool = False) -> TestDefinitionDTO:
    """One test from search candidates: an exact id, printed form or name wins; else the only candidate."""
    if not candidates:
        raise UnknownTestError(f"no stored test matches {text!r}")
    for exact in (
        [c for c in candidates if c.test_id == text],
        [c for c in candidates if c.label == text],  # before the other forms: a label names one test
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
CANDIDATES = 50
# Where a printed form ends in the test's name (or the end of it): a node id or `class::name`, and a
# JS suite chain. The search by that tail finds the tests whose printed forms hold the whole text.
_NAME_SEPARATORS = ("::", CHAIN)


def typed_variants(text: str) -> list[str]:
    """`text`, then the forms other tools print for the same test: a JVM nested class `Outer$Inner.m`
    (stored `Outer.Inner`, DESIGN.md §8), and Jest's `Cart › totals › sums` (its fullName joins the
    titles with spaces, as jest-junit writes them)."""
    variants = [text, text.replace("$", "."), text.replace(" \u203a ", " ")]
    return list(dict.fromkeys(variants))


def resolve_test(store: Store, project: str, text: str) -> TestDefinitionDTO:
    """TEST as any printed form (see printed_forms), a test_id, a name, or a substring naming one test."""
    text = text.strip()
    if not text:
        raise UserError("TEST: must not be empty")
    for variant in typed_variants(text):
        candidates = _candidates(store, project, variant)
        if candidates:
            return pick_test(variant, candidates[:CANDIDATES], more=len(candidates) > CANDIDATES)
    raise UnknownTestError(f"no stored test matches {text!r}")


def _candidates(store: Store, project: str, text: str) -> list[TestDefinitionDTO]:
    candidates = store.definitions.search(project, text, limit=CANDIDATES + 1)
    if candidates:
        return candidates
    for separator in _NAME_SEPARATORS:
        tail = text.rsplit(separator, 1)[1].strip() if separator in text else ""
        if tail:
            named = store.definitions.search(project, tail, limit=NAME_CANDIDATES)
            found = [c for c in named if any(text in form for form in printed_forms(c))]
            if found:
                return found[: CANDIDATES + 1]
    return []
