"""Bulk losses as one signal: GROUP_MIN or more tests of one file losing the same kind in one change.

A reviewer reads one row for "12 tests of FooTest newly skipped" or "a suite copy deleted", not twelve:
a bulk change has one cause (a class-wide annotation, a helper, a port, a deleted copy), so it is one
decision to accept or undo. A group has an empty `test_name`; `evidence["tests"]` names every member,
`count` and `lines` say how many and where, and the members' own evidence is kept in `members`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from ccdash_tests.integrity.deliberate import Verdict
from ccdash_tests.integrity.detectors import SignalCandidate, SignalType
from ccdash_tests.records import SignalSeverity

GROUP_MIN = 3
# The lines of evidence a group keeps, over all its members (a group of hundreds stays readable).
_GROUP_LINES = 200
_GROUP_MEMBERS = 200
_RANK = {SignalSeverity.LOW: 0, SignalSeverity.MEDIUM: 1, SignalSeverity.HIGH: 2}


def _by_file(
    candidates: Iterable[SignalCandidate], kinds: frozenset[SignalType], named_only: bool = True
) -> tuple[list[SignalCandidate], dict[tuple[str, SignalType], list[SignalCandidate]]]:
    """The candidates left alone, and those of `kinds` by (file, kind); with `named_only`, only those
    naming one test (a conftest's skip names none, and a group is one already)."""
    rest: list[SignalCandidate] = []
    bulk: dict[tuple[str, SignalType], list[SignalCandidate]] = defaultdict(list)
    for candidate in candidates:
        one = bool(candidate.test_name) and not candidate.evidence.get("tests")
        if candidate.signal_type in kinds and (one or not named_only):
            bulk[(candidate.file_path, candidate.signal_type)].append(candidate)
        else:
            rest.append(candidate)
    return rest, bulk


def _lines(members: Sequence[SignalCandidate], key: str) -> list[Any]:
    return [line for c in members for line in c.evidence.get(key, []) or []][:_GROUP_LINES]


def _group(members: list[SignalCandidate], evidence: dict[str, Any]) -> SignalCandidate:
    """One signal for `members` (sorted by line), at the first one's line and the worst severity."""
    worst = max(members, key=lambda c: _RANK[c.severity])
    evidence = {
        **evidence,
        "tests": [c.test_name for c in members],
        "count": len(members),
        "lines": [c.line for c in members],
    }
    failed = [c.test_name for c in members if c.evidence.get("failed_before")]
    if failed:
        evidence["failed_before"] = True
        evidence["failed_before_tests"] = failed
    return replace(members[0], test_name="", severity=worst.severity, evidence=evidence)


def group_removals(
    candidates: Iterable[SignalCandidate], deleted_files: frozenset[str] = frozenset()
) -> list[SignalCandidate]:
    """Removals of GROUP_MIN or more tests from one file become one signal listing them (a suite
    copy deleted, "remove old tests"), with the assertions they held and whether the file went too.
    They are grouped before the verdict, which reads the removed names together."""
    result, bulk = _by_file(candidates, frozenset({SignalType.TEST_REMOVED}), named_only=False)
    for (path, _), members in bulk.items():
        if len(members) < GROUP_MIN:
            result.extend(members)
            continue
        members.sort(key=lambda c: (c.line or 0, c.test_name))
        evidence: dict[str, Any] = {
            "assertions_before": sum(int(c.evidence.get("assertions_before", 0) or 0) for c in members),
            "file_deleted": path in deleted_files,
        }
        removed_lines = _lines(members, "removed_lines")
        if removed_lines:
            evidence["removed_lines"] = removed_lines
        result.append(_group(members, evidence))
    return result


# Every kind but removals (grouped above, before the verdict) and "failed before, passes now", which
# is about one test's runs, not about what its code lost.
_BULK_KINDS = frozenset(SignalType) - {SignalType.TEST_REMOVED, SignalType.EDITED_BEFORE_GREEN}


def group_losses(judged: Iterable[tuple[SignalCandidate, Verdict]]) -> list[tuple[SignalCandidate, Verdict]]:
    """GROUP_MIN or more tests of one file that lost the same kind of check or were skipped the same
    way in one change become one signal, judged already: it is likely deliberate only when every
    member is (a group is one decision; one unexplained member sends it to a reviewer)."""
    pairs = list(judged)
    verdicts = {id(candidate): verdict for candidate, verdict in pairs}
    rest, bulk = _by_file((candidate for candidate, _ in pairs), _BULK_KINDS)
    result = [(candidate, verdicts[id(candidate)]) for candidate in rest]
    for members in bulk.values():
        if len(members) < GROUP_MIN:
            result.extend((candidate, verdicts[id(candidate)]) for candidate in members)
            continue
        members.sort(key=lambda c: (c.line or 0, c.test_name))
        first = members[0].evidence
        # Every member is named in `tests`; the evidence of each is kept for the first _GROUP_MEMBERS.
        evidence: dict[str, Any] = {**first, "members": [_member(c) for c in members[:_GROUP_MEMBERS]]}
        for key in ("removed_lines", "added_lines", "removed", "added"):
            if first.get(key):
                evidence[key] = _lines(members, key)
        judged_members = [verdicts[id(c)] for c in members]
        verdict = next((v for v in judged_members if not v.deliberate), judged_members[0])
        result.append((_group(members, evidence), verdict))
    return result


def _member(candidate: SignalCandidate) -> dict[str, Any]:
    """What one member of a group lost, compactly: its test, line and a few lines of evidence."""
    shown: dict[str, Any] = {"test": candidate.test_name, "line": candidate.line}
    for key in ("marker", "removed_lines", "added_lines", "removed", "added"):
        value = candidate.evidence.get(key)
        if value:
            shown[key] = value[:5] if isinstance(value, list) else value
    return shown
