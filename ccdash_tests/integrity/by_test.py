"""Signals of one test, named in any form the tool prints: a signal's own place or a stored test's name."""

from __future__ import annotations

from collections.abc import Sequence

from ccdash_tests.models import TestDefinitionDTO, TestIntegritySignalDTO
from ccdash_tests.text import signal_place


def places(signal: TestIntegritySignalDTO) -> list[str]:
    """Every way `integrity`, `gate` and ingest print where a signal points: `file::test`, and for a
    grouped signal each listed test on its own."""
    named = [signal.test_name] if signal.test_name else []
    named += [str(test) for test in signal.details.get("tests", []) or []]
    return [signal_place(signal.file_path, test) for test in named] or [signal.file_path]


def by_place(signals: Sequence[TestIntegritySignalDTO], text: str) -> list[TestIntegritySignalDTO]:
    """Signals whose printed place is `text`, else those whose place holds it (a test's own name)."""
    exact = [s for s in signals if text in places(s)]
    return exact or [s for s in signals if any(text in place for place in places(s))]


def of_definition(
    signals: Sequence[TestIntegritySignalDTO], test: TestDefinitionDTO
) -> list[TestIntegritySignalDTO]:
    """Signals linked to a stored test: by its test_id, or (for a scan that found no stored test) by
    its file and its name as the source writes it."""

    def names_it(signal: TestIntegritySignalDTO) -> bool:
        if signal.test_id is not None:
            return test.test_id in signal.linked_test_ids
        if not test.path or signal.file_path != test.path:
            return False
        written = [signal.test_name or "", *(str(t) for t in signal.details.get("tests", []) or [])]
        return any(
            name == test.name or name.endswith(("::" + test.name, " > " + test.name)) for name in written
        )

    return [s for s in signals if names_it(s)]
