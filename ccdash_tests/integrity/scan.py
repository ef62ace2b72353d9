"""The git edge that feeds the pure detectors a change, and the link from candidates to stored tests.

Callers turn any `GitError` from `scan`/`scan_change` into "integrity not checked: <reason>"; the
ingest itself still succeeds.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from ccdash_tests.identity import base_name
from ccdash_tests.integrity import git
from ccdash_tests.integrity.build_excludes import without_unbuilt
from ccdash_tests.integrity.deliberate import ChangeContext, is_code_file
from ccdash_tests.integrity.detectors import (
    ChangedTest,
    Detection,
    SignalCandidate,
    SignalType,
    SourceChange,
    cases_of,
    detect_changes,
    line_diff,
)
from ccdash_tests.integrity.python_code import (
    conftest_skips,
    foreign_modules,
    imported_modules,
    skip_deciders,
)
from ccdash_tests.integrity.text_code import (
    go_build_constraint,
    go_skip_helpers,
    go_test_systems,
    java_assume_lines,
    js_file_skips,
    js_skip_helpers,
)
from ccdash_tests.integrity.twins import without_living_twins
from ccdash_tests.integrity.units import (
    JS_FRAMEWORK_GREP,
    PY_FRAMEWORK_GREP,
    CaseCode,
    language_by_imports,
    language_of,
    may_import_tests,
)
from ccdash_tests.records import SignalSeverity

LinkableTest = SignalCandidate | ChangedTest


@dataclass(frozen=True, slots=True)
class ScanReport:
    """One scanned change. `head_sha` is None when the new side is the uncommitted work tree.

    `merge_parents` are the parents of a merge other than the base: a merge is judged only on what
    none of its parents had. `skipped_files` are test paths that are not regular files on one side (a
    symlink, a submodule); `context` is what the commit says about its signals (deliberate.py).
    """

    repo_root: Path
    base_sha: str | None
    head_sha: str | None
    candidates: list[SignalCandidate]
    changed_tests: list[ChangedTest]
    unparsed_files: list[str]
    commit: git.CommitInfo | None
    context: ChangeContext = field(default_factory=ChangeContext)
    merge_parents: tuple[str, ...] = ()
    skipped_files: list[str] = field(default_factory=list)
    deleted_files: frozenset[str] = frozenset()


def _is_test_change(change: git.FileChange) -> bool:
    return language_of(change.path) is not None or language_of(change.old_path) is not None


def _new_side(root: Path, head: str | None, change: git.FileChange) -> tuple[str, str | None]:
    if change.status == "D":
        return "absent", None
    if head is None:
        kind = git.worktree_kind(root, change.path)
        return kind, git.read_worktree_file(root, change.path) if kind == "file" else None
    return git.read_entry_at(root, head, change.path)


def _by_imports(
    root: Path, base: str, head: str | None, files: Sequence[git.FileChange]
) -> list[git.FileChange]:
    """Files of the change outside the test path conventions that import a test framework on either
    side (one `git grep` per side and language over just these files)."""
    found: set[str] = set()
    for language, pattern in (("javascript", JS_FRAMEWORK_GREP), ("python", PY_FRAMEWORK_GREP)):
        new = [c.path for c in files if c.status != "D" and may_import_tests(c.path) == language]
        old = [c.old_path for c in files if c.status != "A" and may_import_tests(c.old_path) == language]
        found |= git.files_matching(root, head, new, pattern)
        found |= {c.path for c in files if c.old_path in git.files_matching(root, base, old, pattern)}
    return [c for c in files if c.path in found]


def _source_changes(
    root: Path, base: str, head: str | None, files: Sequence[git.FileChange], by_imports: bool = False
) -> tuple[list[SourceChange], list[str]]:
    """The test files of a change as old and new text; files that are not regular on a side (a
    symlink, a submodule) are left out and listed, since their "text" is no test code. With
    `by_imports`, only those whose text on a side imports a test framework are kept."""
    changes, skipped = [], []
    for change in files:
        old_kind, old = (
            ("absent", None) if change.status == "A" else git.read_entry_at(root, base, change.old_path)
        )
        new_kind, new = _new_side(root, head, change)
        if old_kind not in ("absent", "file") or new_kind not in ("absent", "file"):
            skipped.append(change.path)
            continue
        language = None
        if by_imports:
            sides = ((change.path, new), (change.old_path, old))
            language = next(
                (found for p, text in sides if text and (found := language_by_imports(p, text))), None
            )
            if not language:
                continue
        # A copy leaves its source in place: only the new file is compared with it.
        changes.append(
            SourceChange(
                path=change.path, old_source=old, new_source=new, old_path=change.old_path, language=language
            )
        )
    return changes, skipped


def _is_conftest(path: str) -> bool:
    return PurePosixPath(path).name == "conftest.py"


def _new_to_every_parent(root: Path, change: SourceChange, parents: Sequence[str]) -> bool:
    return all(git.read_entry_at(root, parent, change.path)[1] != change.new_source for parent in parents)


def _signal_key(candidate: SignalCandidate) -> tuple[str, str, str]:
    return candidate.signal_type.value, candidate.file_path, candidate.test_name


def _judge_merge(root: Path, changes: list[SourceChange], others: Sequence[str]) -> Detection:
    """A merge brings only what none of its parents had: a file whose merged text equals another
    parent's version came from that parent (its weakenings, if any, belong to the commit that made
    them), and a signal must also hold against every other parent."""
    kept: list[SourceChange] = []
    against: list[list[SourceChange]] = [[] for _ in others]
    for change in changes:
        versions = []
        for parent in others:
            path = change.path
            kind, text = git.read_entry_at(root, parent, path)
            if kind == "absent" and change.old_path and change.old_path != path:
                path = change.old_path
                kind, text = git.read_entry_at(root, parent, path)
            versions.append((path, text if kind == "file" else None, kind))
        if any(kind in ("absent", "file") and text == change.new_source for _, text, kind in versions):
            continue
        kept.append(change)
        for index, (path, text, _) in enumerate(versions):
            against[index].append(SourceChange(change.path, text, change.new_source, path, change.language))
    detection = detect(kept)
    candidates = detection.candidates
    for other in against:
        holds = {_signal_key(candidate) for candidate in detect(other).candidates}
        candidates = [candidate for candidate in candidates if _signal_key(candidate) in holds]
    return Detection(candidates, detection.changed_tests, detection.unparsed_files)


_TOKEN = re.compile(r"[\w$]+|&&|\|\||[^\s\w]")


def _narrowed(old: str, new: str) -> bool:
    """A helper that skips less, not more: `cond` -> `cond && more`, or only entries deleted (a
    version dropped from its list), none of them a negation or an `&&` clause."""
    flat_old, flat_new = "".join(old.split()), "".join(new.split())
    rest = flat_new.replace(flat_old, "", 1) if flat_old in flat_new else None
    if rest is not None and "&&" in rest and "||" not in rest:
        return True
    before, after = _TOKEN.findall(old), _TOKEN.findall(new)
    deleted: list[str] = []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            return False
        if tag == "delete":
            deleted += before[i1:i2]
    return bool(deleted) and not {"&&", "!"} & set(deleted)


_VERSION_LITERAL = re.compile(r"['\"`]v?\d+(?:\.\d+)*['\"`]|\b\d+(?:\.\d+)+\b")
_CHOICE = re.compile(r"\?.*$")
# Which way a version test points: `gte`, `atLeastNode`, `satisfies('>=12')` up; `lt`, `olderThan` down.
_UPWARD = re.compile(r"gte?\b|least|greater|newer|after|above|>", re.IGNORECASE)
_DOWNWARD = re.compile(r"lte?\b|most|less|older|before|below|<", re.IGNORECASE)


def _respelled(old: str, new: str) -> bool:
    """A skip switch whose version test is written with another helper (`semver.gte(process.version,
    '12.9.0') ? describe : describe.skip` -> `atLeastNode('12.9.0') ? ...`): the same versions, the same
    direction, the same choice of runner."""
    versions = _VERSION_LITERAL.findall(old)
    if not versions or versions != _VERSION_LITERAL.findall(new):
        return False
    choice_old, choice_new = _CHOICE.search(old), _CHOICE.search(new)
    if (
        choice_old is None
        or choice_new is None
        or "".join(choice_old.group().split()) != "".join(choice_new.group().split())
    ):
        return False
    test_old, test_new = old[: choice_old.start()], new[: choice_new.start()]
    negated = test_old.count("!") != test_new.count("!")
    direction = [(bool(_UPWARD.search(t)), bool(_DOWNWARD.search(t))) for t in (test_old, test_new)]
    return not negated and direction[0] == direction[1] and any(direction[0])


def _skip_candidate(
    path: str, name: str, line: int | None, evidence: dict[str, Any], language: str = "javascript"
) -> SignalCandidate:
    return SignalCandidate(
        signal_type=SignalType.SKIP_INTRODUCED,
        severity=SignalSeverity.MEDIUM,
        file_path=path,
        test_name=name,
        line=line,
        language=language,
        evidence=evidence,
    )


def conftest_signals(changes: Sequence[SourceChange]) -> list[SignalCandidate]:
    """A skip a conftest.py gained (in a fixture, an autouse fixture or a collection hook): one signal
    per conftest and fixture or hook, for the tests of its folder (all of them, or those using the
    fixture), since its tests live in files the change may not touch."""
    found = []
    for change in changes:
        old = conftest_skips(change.old_source) if change.old_source is not None else []
        new = conftest_skips(change.new_source) if change.new_source is not None else None
        if old is None or not new:
            continue
        before = Counter((name, marker.text) for name, _, marker in old)
        for owner in dict.fromkeys(name for name, _, _ in new):
            markers = [(every, m) for name, every, m in new if name == owner]
            fresh = [m for _, m in markers if before[(owner, m.text)] == 0]
            if not fresh or len(markers) <= sum(n for (name, _), n in before.items() if name == owner):
                continue
            folder = PurePosixPath(change.path).parent.as_posix()
            evidence = {
                "marker": fresh[0].text,
                "added": [m.text for m in fresh],
                "fixture" if not owner.startswith("pytest_") else "hook": owner,
                "applies_to": f"every test under {folder}/"
                if markers[0][0]
                else f"tests under {folder}/ using {owner}",
                "removed_lines": [],
                "added_lines": [m.text for m in fresh],
            }
            found.append(_skip_candidate(change.path, "", fresh[0].line, evidence, "python"))
    return found


def python_decided_skips(changes: Sequence[SourceChange]) -> list[SignalCandidate]:
    """A Python test module whose tests are generated at run time and skipped by code handed to the
    generator (`skip=...`, python_code.skip_deciders) that only gained: a case it names, a condition
    it calls. Each such gain skips more of the generated tests, none of which the source spells out,
    so the signal names the file. A change that also loses some may narrow as well as widen (cases
    renamed after the data, a subject-wide skip split into the few failing cases), and is left alone."""
    found = []
    for change in changes:
        if change.old_source is None or change.new_source is None:
            continue
        if (change.language or language_of(change.path)) != "python":
            continue
        old, new = skip_deciders(change.old_source), skip_deciders(change.new_source)
        if old is None or new is None:
            continue
        gained, lost = new[0] - old[0], old[0] - new[0]
        if lost or not gained:
            continue
        added = sorted(gained)
        evidence = {
            "marker": f"skip decided by the test generator's skip code, which gains {', '.join(added[:5])}",
            "added": added,
            "applies_to": "tests generated in the file",
            "removed_lines": [],
            "added_lines": added[:20],
        }
        found.append(_skip_candidate(change.path, "", new[1], evidence, "python"))
    return found


def _is_java_support(path: str) -> bool:
    """A Java class of a test source tree that is not a test itself (a helper, `LocaleProblems`)."""
    pure = PurePosixPath(path)
    return pure.suffix == ".java" and language_of(path) is None and "test" in pure.parts[:-1]


def java_support_skips(changes: Sequence[SourceChange]) -> list[SignalCandidate]:
    """A Java support class that decides skips (it calls `assume*`) and only gained code: whatever it
    gained (an entry in its table of unsupported platforms, one more condition) skips more of the
    tests that call it, which live in files the change need not touch; it names no test. A change
    that also removes code may narrow as well as widen, and is left to the tests' own signals."""
    found = []
    for change in changes:
        if change.old_source is None or change.new_source is None:
            continue
        old, new = java_assume_lines(change.old_source), java_assume_lines(change.new_source)
        if old is None or new is None:
            continue
        removed, added = line_diff(old, new)
        if removed or not added:
            continue
        evidence = {
            "marker": added[0],
            "added": added,
            "applies_to": f"tests that call {PurePosixPath(change.path).stem}",
            "removed_lines": [],
            "added_lines": added,
        }
        found.append(
            _skip_candidate(change.path, "", _line_of(change.new_source, added[0]), evidence, "java")
        )
    return found


def go_build_skips(changes: Sequence[SourceChange]) -> list[SignalCandidate]:
    """A Go test file that a plain `go test` no longer builds on some common system: its build
    constraint gained a tag nobody sets (`//go:build finder`) or a platform (`!windows`), or its name
    a `_linux` suffix. Every test in it stops running there; the signal names the file."""
    found = []
    for change in changes:
        old_path = change.old_path or change.path
        if change.old_source is None or change.new_source is None:
            continue
        if language_of(change.path) != "go" or language_of(old_path) != "go":
            continue
        before = go_test_systems(old_path, change.old_source)
        after = go_test_systems(change.path, change.new_source)
        if before is None or after is None or not before - after:
            continue
        constraint = go_build_constraint(change.new_source)
        marker = f"//go:build {constraint}" if constraint else PurePosixPath(change.path).name
        lost = sorted(before - after)
        evidence = {
            "marker": marker,
            "applies_to": "every test in the file",
            "no_longer_built_on": lost,
            "removed_lines": [f"//go:build {c}" for c in [go_build_constraint(change.old_source)] if c],
            "added_lines": [marker],
        }
        line = _line_of(change.new_source, constraint) if constraint else 1
        found.append(_skip_candidate(change.path, "", line, evidence, "go"))
    return found


_GO_CALL = re.compile(r"^(\w+)\s*\([^:]*$")


def with_go_skip_helpers(
    changes: Sequence[SourceChange], found: list[SignalCandidate]
) -> list[SignalCandidate]:
    """A Go skip through a helper of another file of the package (`skipWindows(t)` in fs_test.go,
    defined in viper_test.go) written with that helper's code, as a call of the file's own helper is:
    what decides the skip (its `runtime.GOOS`) is there."""
    helpers: dict[tuple[str, str], str] = {}
    for change in changes:
        if change.new_source is not None and language_of(change.path) == "go":
            folder = PurePosixPath(change.path).parent.as_posix()
            for name, code in go_skip_helpers(change.new_source).items():
                helpers[(folder, name)] = code
    if not helpers:
        return found
    kept = []
    for candidate in found:
        marker = str(candidate.evidence.get("marker") or "")
        call = _GO_CALL.match(marker) if candidate.language == "go" else None
        helper = (
            helpers.get((PurePosixPath(candidate.file_path).parent.as_posix(), call.group(1)))
            if call
            else None
        )
        if candidate.signal_type is SignalType.SKIP_INTRODUCED and helper is not None:
            candidate = replace(candidate, evidence={**candidate.evidence, "marker": f"{marker}: {helper}"})
        kept.append(candidate)
    return kept


def _line_of(source: str, text: str) -> int | None:
    at = source.find(text)
    return source.count("\n", 0, at) + 1 if at >= 0 else None


def _runner_skips(change: SourceChange, new_cases: list[CaseCode] | None) -> list[SignalCandidate]:
    """A whole file skipped: a conditional exit added at the top of a runner script (a file with no
    test cases of its own; in a file with cases the exit is a skip of each case after it), or entries
    added to its list of excluded tests."""
    assert change.old_source is not None and change.new_source is not None
    old_exits, old_entries = js_file_skips(change.old_source)
    new_exits, new_entries = js_file_skips(change.new_source)
    found = []
    fresh = [m for m in new_exits if m.text not in {o.text for o in old_exits}]
    if not new_cases and len(new_exits) > len(old_exits) and fresh:
        evidence = {"marker": fresh[0].text, "added": [m.text for m in fresh], "removed_lines": []}
        evidence["added_lines"] = [m.text for m in fresh]
        found.append(_skip_candidate(change.path, "", fresh[0].line, evidence))
    added = list((Counter(new_entries) - Counter(old_entries)).elements())
    if added:
        evidence = {"marker": f"{len(added)} excluded", "skipped": added, "removed_lines": []}
        evidence["added_lines"] = added[:20]
        found.append(_skip_candidate(change.path, "", _line_of(change.new_source, added[0]), evidence))
    return found


def _mentions(case: CaseCode, name: str) -> bool:
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    return bool(word.search(case.body)) or any(word.search(m.text) for m in case.skips)


def file_skips(changes: Sequence[SourceChange], found: Sequence[SignalCandidate]) -> list[SignalCandidate]:
    """Skips no single test's code shows (JS): a runner script's exits and exclusion lists, and a skip
    helper whose condition changed (`=== 21` -> `< 22`), reported on the tests of the change that call
    it, else on the helper itself (its callers are untouched)."""
    extra: list[SignalCandidate] = []
    helpers: list[tuple[SourceChange, str, str, str]] = []
    readable = [
        c
        for c in changes
        if c.old_source is not None
        and c.new_source is not None
        and (c.language or language_of(c.path)) == "javascript"
    ]
    new_cases = {c.path: cases_of(c.path, c.new_source, c.language) for c in readable}
    for change in readable:
        assert change.old_source is not None and change.new_source is not None
        extra += _runner_skips(change, new_cases[change.path])
        before, after = js_skip_helpers(change.old_source), js_skip_helpers(change.new_source)
        helpers += [
            (change, name, before[name], code)
            for name, code in after.items()
            if name in before
            and before[name] != code
            and not _narrowed(before[name], code)
            and not _respelled(before[name], code)
        ]
    skipped = {(c.file_path, c.test_name) for c in found if c.signal_type is SignalType.SKIP_INTRODUCED}
    for change, name, old, new in helpers:
        removed, added = line_diff([old], [new])
        evidence = {
            "marker": f"{name}: {new}",
            "helper": name,
            "removed_lines": removed,
            "added_lines": added,
        }
        callers = [
            (path, case)
            for path, cases in new_cases.items()
            for case in cases or []
            if _mentions(case, name) and (path, case.qualname) not in skipped
        ]
        if not callers:
            assert change.new_source is not None
            extra.append(_skip_candidate(change.path, name, _line_of(change.new_source, name), evidence))
        for path, case in callers:
            skipped.add((path, case.qualname))
            extra.append(_skip_candidate(path, case.qualname, case.line, evidence))
    return extra


def detect(changes: Sequence[SourceChange], removed_api: frozenset[str] = frozenset()) -> Detection:
    """`detect_changes`, plus the skips that live outside any one test (`file_skips`)."""
    detection = detect_changes(changes, removed_api)
    candidates = detection.candidates + file_skips(changes, detection.candidates) + go_build_skips(changes)
    candidates += python_decided_skips(changes)
    candidates = with_go_skip_helpers(changes, candidates)
    return Detection(candidates, detection.changed_tests, detection.unparsed_files, detection.kept_by_older)


def change_context(
    root: Path, base: str, head: str | None, files: Sequence[git.FileChange], commit: git.CommitInfo | None
) -> ChangeContext:
    """The code side of a change (files that are code but not tests) and its commit message."""
    code = [change for change in files if is_code_file(change.path) and not _is_test_change(change)]
    status = {change.path: change.status for change in code}
    for change in code:
        if change.status == "R" and change.old_path != change.path:
            status.setdefault(change.old_path, "R")
    diff = git.code_diff(root, base, head, sorted({c.path for c in code} | {c.old_path for c in code}))
    return ChangeContext(
        message=commit.message if commit else "",
        code_status=status,
        code_removed=diff.removed,
        code_added=diff.added,
    )


# A parameter, option or field declared on a line of its own: `proxies: Proxies | None = None,`,
# `throwHttpErrors?: boolean;`, `verify=True,` (a keyword default, written without spaces).
_DECLARED = re.compile(
    r"^\s*(?:readonly\s+)?(?P<a>[A-Za-z_$][\w$]*)\??\s*:\s*[^\s:=][^=]*(?:=[^=].*)?$|^\s*(?P<b>[A-Za-z_]\w*)=[^=]"
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def removed_api(context: ChangeContext) -> frozenset[str]:
    """Names the change takes out of the code under test: functions, classes, parameters and fields
    defined on its removed lines that none of its added lines mentions any more."""
    mentioned = {
        word for lines in context.code_added.values() for line in lines for word in _IDENTIFIER.findall(line)
    }
    declared = {
        name
        for lines in context.code_removed.values()
        for line in lines
        if (match := _DECLARED.match(line))
        and (name := match.group("a") or match.group("b"))
        and len(name) >= 3
    }
    return frozenset(
        (declared - mentioned) | set(context.removed_definitions) | _deleted_java_types(context, mentioned)
    )


def _deleted_java_types(context: ChangeContext, mentioned: set[str]) -> set[str]:
    """The types of the Java files the change deletes (a file is named after its one public type:
    `plugins/InstantiatorProvider.java`) that no added code line names any more."""
    return {
        stem
        for path, status in context.code_status.items()
        if status == "D"
        and path.endswith(".java")
        and (stem := PurePosixPath(path).stem) not in mentioned
        and _IDENTIFIER.fullmatch(stem)
    }


def _in_tree(module: str, paths: Sequence[str]) -> bool:
    """`a.b` is a module or package of the tree: some `a/b.py`, `a/b.pyi` or `a/b/...` file, under
    any folder (`src/a/b.py`)."""
    folder = "/" + module.replace(".", "/")
    return any(
        f"/{path}".endswith((f"{folder}.py", f"{folder}.pyi")) or f"{folder}/" in f"/{path}" for path in paths
    )


def dependency_tests(
    root: Path, base: str, changes: Sequence[SourceChange], candidates: list[SignalCandidate]
) -> list[SignalCandidate]:
    """The candidates without the removed pytest tests of another package's code: a test that exercises
    only modules of no file of the repository (`from dep.utils import parse`), deleted together with
    its import, took no check of this project's code with it (that package's own suite has it)."""
    sources = {change.old_path or change.path: change for change in changes}
    paths: list[str] | None = None
    kept = []
    for candidate in candidates:
        change = sources.get(candidate.file_path)
        modules = (
            foreign_modules(change.old_source, candidate.test_name)
            if candidate.signal_type is SignalType.TEST_REMOVED
            and candidate.language == "python"
            and change is not None
            and change.old_source is not None
            else None
        )
        if modules and change is not None and not modules & imported_modules(change.new_source or ""):
            paths = git.tree_paths(root, base) if paths is None else paths
            if not any(_in_tree(module, paths) for module in modules):
                continue
        kept.append(candidate)
    return kept


def scan_change(
    repo_dir: Path | str, base: str | None = None, head: str = "HEAD", worktree: bool = False
) -> ScanReport:
    """Detect weakened tests between `base` (default: the first parent of `head`) and `head`.

    With `worktree=True` the new side is the uncommitted work tree (untracked files included) and
    `base` defaults to `head` itself, so the scan covers the work not yet committed. When `head` is a
    merge and `base` one of its parents, only what no parent had is judged.
    """
    for revision in (head, base):
        if revision is not None:
            git.validate_revision(revision)
    root = git.repo_root(repo_dir)
    head_sha = git.resolve_revision(root, head)
    if base is not None:
        base_sha: str | None = git.resolve_revision(root, base)
    elif worktree:
        base_sha = head_sha
    else:
        base_sha = git.first_parent(root, head_sha)
    new_sha = None if worktree else head_sha
    commit = None if worktree else git.commit_info(root, head_sha)
    if base_sha is None:
        # A root commit weakens nothing: there is no earlier version of any test.
        return ScanReport(root, None, new_sha, [], [], [], commit)
    files = git.changed_files(root, base_sha, new_sha)
    folder = _subtree_folder(root, base_sha, new_sha, files) if new_sha is not None else None
    if folder is not None:
        # The commit is one folder of its parent taken out on its own (a `git subtree` split or squash
        # of vendored content): what lay outside the folder is not in this history, not deleted.
        files = [c for c in files if c.status != "D" or c.path.startswith(folder + "/")]
    test_files = [change for change in files if _is_test_change(change)]
    changes, skipped = _source_changes(root, base_sha, new_sha, test_files)
    outside = _by_imports(root, base_sha, new_sha, [c for c in files if not _is_test_change(c)])
    imported, _ = _source_changes(root, base_sha, new_sha, outside, by_imports=True)
    changes += imported
    conftests, _ = _source_changes(root, base_sha, new_sha, [c for c in files if _is_conftest(c.path)])
    support, _ = _source_changes(root, base_sha, new_sha, [c for c in files if _is_java_support(c.path)])
    parents = commit.parents if commit is not None else ()
    others = tuple(parent for parent in parents if parent != base_sha) if base_sha in parents else ()
    detection = _judge_merge(root, changes, others) if others else detect(changes)
    context: ChangeContext | None = None
    if not others and (
        detection.kept_by_older or any(_may_be_of_removed_api(c) for c in detection.candidates)
    ):
        # Rare enough to judge twice: only a lost check, a removed Python test, or a removed test that an
        # older one seemed to stand for, may be one of code that the change removes.
        context = change_context(root, base_sha, new_sha, files, commit)
        gone = removed_api(context)
        if gone:
            detection = detect(changes, gone)
    # A merge's conftest.py is judged like its test files only when no parent had its text.
    judged = [c for c in conftests if not others or _new_to_every_parent(root, c, others)]
    helpers = [c for c in support if not others or _new_to_every_parent(root, c, others)]
    own = dependency_tests(root, base_sha, changes, detection.candidates)
    own = without_living_twins(root, new_sha, changes, own)
    own = without_unbuilt(root, base_sha, own)
    found = own + conftest_signals(judged) + java_support_skips(helpers)
    stamped = [replace(candidate, git_sha=new_sha) for candidate in found]
    if context is None:
        context = change_context(root, base_sha, new_sha, files, commit) if stamped else ChangeContext()
    return ScanReport(
        repo_root=root,
        base_sha=base_sha,
        head_sha=new_sha,
        candidates=stamped,
        changed_tests=detection.changed_tests,
        unparsed_files=detection.unparsed_files,
        commit=commit,
        context=context,
        merge_parents=others,
        skipped_files=skipped,
        deleted_files=frozenset(c.path for c in changes if c.new_source is None),
    )


def _subtree_folder(root: Path, base: str, head: str, files: Sequence[git.FileChange]) -> str | None:
    """The folder `P` of `base` whose files `head` holds at its root (each `P/x` is now `x`), when that
    is what `head` is: most of the change moves files out of `P`, and nearly every file of `head` was
    one of `P` (a `git subtree` split or `--squash` commit, diffed against the project's commit it
    hangs from). None for any other change; the tree listings are read only when the moves dominate."""
    moved: Counter[str] = Counter()
    for change in files:
        if change.status in "RC" and change.old_path.endswith("/" + change.path):
            moved[change.old_path[: -len(change.path) - 1]] += 1
    if not moved:
        return None
    folder, count = moved.most_common(1)[0]
    if count * 2 <= len(files):
        return None
    old_paths = set(git.tree_paths(root, base))
    new_paths = git.tree_paths(root, head)
    inside = sum(1 for path in new_paths if f"{folder}/{path}" in old_paths)
    return folder if inside * 10 >= len(new_paths) * 9 else None


def _may_be_of_removed_api(candidate: SignalCandidate) -> bool:
    """A signal that the code the change removes can explain away (detectors.py: a lost check of it,
    a removed Python test of it replaced by tests of the new behaviour)."""
    return candidate.signal_type is SignalType.ASSERTION_REMOVED or (
        candidate.signal_type is SignalType.TEST_REMOVED and candidate.language == "python"
    )


def scan(
    repo_dir: Path | str, base: str | None = None, head: str = "HEAD", worktree: bool = False
) -> list[SignalCandidate]:
    """The candidates of `scan_change`, each carrying the head commit SHA (None for the work tree)."""
    return scan_change(repo_dir, base, head, worktree).candidates


def pytest_classname(file_path: str, test_name: str) -> str:
    """The JUnit classname pytest writes for a test: module path dotted, plus enclosing classes."""
    module = PurePosixPath(file_path).with_suffix("").as_posix().replace("/", ".")
    classes = test_name.split("::")[:-1]
    return ".".join([module, *classes])


def _dotted_suffix(full: str, written: str) -> bool:
    """`written` is `full` or a dotted tail of it (pytest's rootdir may sit below the repository root)."""
    return bool(written) and (full == written or full.endswith("." + written))


def _matches_python(candidate: LinkableTest, classname: str, name: str) -> bool:
    function = candidate.test_name.rsplit("::", 1)[-1]
    if base_name(name) != function:
        return False
    return _dotted_suffix(pytest_classname(candidate.file_path, candidate.test_name), classname)


def _matches_class_method(candidate: LinkableTest, classname: str, name: str) -> bool:
    owner, _, method = candidate.test_name.rpartition("::")
    # JUnit 5 writes "method()" or "method(int)"; PHPUnit appends " with data set #0".
    written = name.split("(", 1)[0].split(" with data set", 1)[0].strip()
    simple_class = classname.replace("\\", ".").replace("$", ".").rsplit(".", 1)[-1]
    return written == method and simple_class == owner


def _matches_go(candidate: LinkableTest, name: str) -> bool:
    # A subtest `TestX > title` is what go test reports as `TestX/title`, spaces written as `_`.
    test = "/".join(part.replace(" ", "_") for part in candidate.test_name.split(" > "))
    return name == test or name.startswith(test + "/")


def _matches_javascript(candidate: LinkableTest, classname: str, name: str) -> bool:
    titles = candidate.test_name.split(" > ")
    leaf = titles[-1]
    if name == leaf:
        return all(title in f"{classname} {name}" for title in titles[:-1])
    # jest-junit and Vitest write the full title with " " or " > " between describe blocks.
    return name in (" ".join(titles), candidate.test_name)


def candidate_matches(candidate: LinkableTest, classname: str, name: str) -> bool:
    """Whether a stored test definition (classname and name as the report wrote them) is the
    candidate's test (a `SignalCandidate` or a `ChangedTest`). Parametrized cases `name[...]` match
    their function."""
    if candidate.language == "python":
        return _matches_python(candidate, classname, name)
    if candidate.language in ("java", "php"):
        return _matches_class_method(candidate, classname, name)
    if candidate.language == "go":
        return _matches_go(candidate, name)
    return _matches_javascript(candidate, classname, name)
