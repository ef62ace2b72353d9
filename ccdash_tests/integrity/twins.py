"""Removed tests whose twin lives on in a file the change leaves alone: an old copy of a suite deleted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from ccdash_tests.integrity import git
from ccdash_tests.integrity.detectors import SignalCandidate, SignalType, SourceChange, cases_of, signature
from ccdash_tests.integrity.units import CaseCode

# The suffixes a language's tests are written in: a twin may sit in any file of the language, also
# one outside the test-path conventions (a suite ported into the package, `pkg/testsuite/filters.py`).
_SUFFIXES = {
    "python": (".py",),
    "java": (".java",),
    "go": (".go",),
    "javascript": (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"),
}
# Bounds on the search, so a commit deleting thousands of tests costs one `git grep` and a few reads.
_MAX_NAMES = 400
_MAX_FILES = 40
# Values shorter than this in all (`'1'`, `"ok"`) are shared by unrelated tests of one name.
_MIN_DATA = 8


def without_living_twins(
    root: Path, head: str | None, changes: Sequence[SourceChange], candidates: list[SignalCandidate]
) -> list[SignalCandidate]:
    """The candidates without the removed tests that have a twin elsewhere in the new tree.

    A twin is a test of the same name, in a file of the same language that the change does not touch,
    that compares what the removed test compared (`_copies`): the removed test was a copy (the old
    suite deleted after its port, a duplicate class dropped), so no check was lost. The files the
    change touches are the detectors' to judge (renames, moves, folds); here only the untouched rest
    of the tree is asked, and only when tests were removed (the first _MAX_FILES files, by path, that
    name one of them).
    """
    removed = [c for c in candidates if c.signal_type is SignalType.TEST_REMOVED and c.language in _SUFFIXES]
    if not removed:
        return candidates
    old_cases = _old_cases(changes, removed)
    if not old_cases:
        return candidates
    names = sorted({case.name for case in old_cases.values()})[:_MAX_NAMES]
    touched = {path for change in changes for path in (change.path, change.old_path) if path}
    suffixes = tuple({s for c in removed for s in _SUFFIXES[c.language]})
    paths = sorted(
        path
        for path in git.files_with_words(root, head, names)
        if path not in touched and PurePosixPath(path).suffix in suffixes
    )[:_MAX_FILES]
    twins: dict[tuple[str, str], list[CaseCode]] = {}
    for path in paths:
        source = git.read_file_at(root, head, path) if head else git.read_worktree_file(root, path)
        suffix = PurePosixPath(path).suffix
        for language in {c.language for c in removed if suffix in _SUFFIXES[c.language]}:
            for case in cases_of(path, source, language) or []:
                twins.setdefault((language, case.name), []).append(case)
    return [
        candidate
        for candidate in candidates
        if not (
            (old := old_cases.get((candidate.file_path, candidate.test_name))) is not None
            and any(_copies(old, twin) for twin in twins.get((candidate.language, old.name), []))
        )
    ]


def _old_cases(
    changes: Sequence[SourceChange], removed: Sequence[SignalCandidate]
) -> dict[tuple[str, str], CaseCode]:
    """The removed tests as they were written, by (file before the change, qualified name); only
    those that compared or fed something (a test with neither has nothing to tell its copy by)."""
    wanted = {(c.file_path, c.test_name): c.language for c in removed}
    found: dict[tuple[str, str], CaseCode] = {}
    for change in changes:
        path = change.old_path or change.path
        languages = {language for (file, _), language in wanted.items() if file == path}
        for language in languages:
            for case in cases_of(path, change.old_source, language) or []:
                if (path, case.qualname) in wanted and (_compared(case) or case.data):
                    found[(path, case.qualname)] = case
    return found


def _compared(case: CaseCode) -> set[str]:
    """What a test compares, layout aside: its checks, and the comparisons it computes and throws away
    (`return x == 1`), which a copy repeats as they are."""
    return {signature(check) for check in case.checks} | {"".join(idle.split()) for idle in case.idle}


def _copies(old: CaseCode, twin: CaseCode) -> bool:
    """Whether `twin` compares what `old` compared: every comparison as written, or (a port that
    inlined a constant, `render(SORT2)` -> `render('{{ x|sort }}')`) checks at least as many and as
    strong on every value `old` fed and expected, when those values say enough to tell tests apart."""
    if not old.data <= twin.data:
        return False
    compared = _compared(old)
    if compared and compared <= _compared(twin):
        return True
    if sum(len(value) for value in old.data) < _MIN_DATA:
        return False
    strengths = sorted((check.strength for check in twin.checks), reverse=True)
    wanted = sorted((check.strength for check in old.checks), reverse=True)
    # Strongest against strongest: the twin may check more, never fewer or weaker.
    pairs = zip(strengths, wanted, strict=False)
    return len(strengths) >= len(wanted) and all(have >= need for have, need in pairs)
