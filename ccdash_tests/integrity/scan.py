"""The git edge that feeds the pure detectors a change, and the link from candidates to stored tests.

Callers turn any `GitError` from `scan`/`scan_change` into "integrity not checked: <reason>"; the
ingest itself still succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from ccdash_tests.identity import base_name
from ccdash_tests.integrity import git
from ccdash_tests.integrity.detectors import ChangedTest, SignalCandidate, SourceChange, detect_changes

LinkableTest = SignalCandidate | ChangedTest


@dataclass(frozen=True, slots=True)
class ScanReport:
    """One scanned change. `head_sha` is None when the new side is the uncommitted work tree."""

    repo_root: Path
    base_sha: str | None
    head_sha: str | None
    candidates: list[SignalCandidate]
    changed_tests: list[ChangedTest]
    unparsed_files: list[str]
    commit: git.CommitInfo | None


def _source_changes(root: Path, base: str, head: str | None) -> list[SourceChange]:
    changes = []
    for change in git.changed_test_files(root, base, head):
        old = None if change.status == "A" else git.read_file_at(root, base, change.old_path)
        if change.status == "D":
            new = None
        elif head is None:
            new = git.read_worktree_file(root, change.path)
        else:
            new = git.read_file_at(root, head, change.path)
        # A copy leaves its source in place: only the new file is compared with it.
        changes.append(
            SourceChange(path=change.path, old_source=old, new_source=new, old_path=change.old_path)
        )
    return changes


def scan_change(
    repo_dir: Path | str, base: str | None = None, head: str = "HEAD", worktree: bool = False
) -> ScanReport:
    """Detect weakened tests between `base` (default: the first parent of `head`) and `head`.

    With `worktree=True` the new side is the uncommitted work tree (untracked files included) and
    `base` defaults to `head` itself, so the scan covers the work not yet committed.
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
    detection = detect_changes(_source_changes(root, base_sha, new_sha))
    stamped = [replace(candidate, git_sha=new_sha) for candidate in detection.candidates]
    return ScanReport(
        repo_root=root,
        base_sha=base_sha,
        head_sha=new_sha,
        candidates=stamped,
        changed_tests=detection.changed_tests,
        unparsed_files=detection.unparsed_files,
        commit=commit,
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
    return name == candidate.test_name or name.startswith(candidate.test_name + "/")


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
