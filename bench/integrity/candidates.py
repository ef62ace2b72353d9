"""Labelling aid: sample a project's newest test-touching commits; print the diff lines a labeller must read.

    python bench/integrity/candidates.py sample --repo DIR --tests REGEX --count 50 [--head REV]
    python bench/integrity/candidates.py show --repo DIR --tests REGEX SHA [SHA ...]

The filter is deliberately permissive and knows nothing of the detectors: every hunk of a test file
with a removed line that mentions a check, a skip or a handler, every hunk that adds a skip, an xfail,
a handler, an early return or a focus, and every test function whose definition disappears. It only
decides what is printed; the labeller decides what is a weakening by reading it.
For a merge it prints only what no parent had (a file whose merged text equals one parent's brought
nothing new; otherwise the combined diff), because the weakenings a merge replays belong to the
commits it merges.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REMOVED_WORDS = re.compile(
    r"assert|expect|check|verify|should|skip|xfail|ignore|disabled|assum|except|catch|fail|raise|throw"
    r"|\bt\.(error|fatal)|require\.|mark\.|snapshot|\bis\(|equal|match",
    re.IGNORECASE,
)
ADDED_WORDS = re.compile(
    r"skip|xfail|@ignore|@disabled|assum|\bexcept\b|\bcatch\b|recover\(\)|\breturn\b|\.only\b|\.todo\b|\bfixme\b|\bpass\b"
    r"|if\s*\(?\s*(false|0)\b|testing\.short|importorskip|pytestmark|\.failing\b|\.fails\b"
    r"|\bx(?:it|describe|test)\s*\(|\bf(?:it|describe)\s*\(",
    re.IGNORECASE,
)
TEST_DEFINITIONS = (
    re.compile(r"^\s*(?:async\s+)?def\s+(test\w*)"),
    re.compile(r"^\s*class\s+(Test\w*)"),
    re.compile(r"^\s*func\s+(Test\w+|Fuzz\w+|Benchmark\w+|Example\w*)\s*\("),
    re.compile(r"""^\s*(?:it|test|describe|context|specify)(?:\.\w+)*\s*\(\s*(['"`])(.*?)\1"""),
    re.compile(r"^\s*(?:public\s+|protected\s+|private\s+)?(?:static\s+)?void\s+(\w+)\s*\("),
)
MAX_FILE_LINES = 400
# Words and operators that carry a check; a hunk whose removed lines' words all come back in its added
# lines (a refactor, a rename, a rewrap) is summarised in one line instead of printed.
CHECK_WORDS = re.compile(
    r"\b(?:assert\w*|expect\w*|is[A-Z]\w*|has[A-Z]\w*|contains\w*|to[A-Z]\w*|not|should\w*|check\w*"
    r"|verify\w*|fail\w*|\w*Error\w*|\w*Exception|Fatal\w*|raises|warns|match\w*|throws?\w*|equal\w*|same\w*)\b"
    r"|==|!=|<=|>=|\bin\b|\bis\b"
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True)
    return done.stdout.decode("utf-8", "replace")


def blob(repo: Path, sha: str, path: str) -> str | None:
    """The blob id of `path` in `sha`, None when absent."""
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "-q", "--verify", f"{sha}:{path}"], capture_output=True
    )
    return done.stdout.decode().strip() or None


@dataclass
class Commit:
    sha: str
    parents: list[str]
    files: list[str] = field(default_factory=list)


def walk(repo: Path, head: str) -> Iterator[Commit]:
    """Every ancestor of `head`, newest first (topological), with the files changed against its 1st parent."""
    raw = git(
        repo, "log", "--topo-order", "--diff-merges=first-parent", "--name-only", "--format=@@%H %P", head
    )
    commit: Commit | None = None
    for line in raw.splitlines():
        if line.startswith("@@"):
            if commit is not None:
                yield commit
            sha, *parents = line[2:].split()
            commit = Commit(sha, parents)
        elif line.strip() and commit is not None:
            commit.files.append(line.strip())
    if commit is not None:
        yield commit


def sample(repo: Path, head: str, tests: re.Pattern[str], count: int) -> list[Commit]:
    """The newest `count` non-root commits whose change against the first parent touches a test file."""
    found = []
    for commit in walk(repo, head):
        if commit.parents and any(tests.search(path) for path in commit.files):
            found.append(commit)
            if len(found) == count:
                break
    return found


def definition(line: str) -> str | None:
    for pattern in TEST_DEFINITIONS:
        match = pattern.match(line)
        if match:
            return match.group(match.lastindex or 1)
    return None


def hunks(diff: str) -> Iterator[list[str]]:
    current: list[str] = []
    for line in diff.splitlines():
        if line.startswith("@@"):
            if current:
                yield current
            current = [line]
        elif current:
            current.append(line)
    if current:
        yield current


def interesting(hunk: list[str]) -> bool:
    for line in hunk[1:]:
        if line.startswith("-") and REMOVED_WORDS.search(line):
            return True
        if line.startswith("+") and ADDED_WORDS.search(line):
            return True
        if line.startswith("-") and definition(line[1:]):
            return True
    return False


def additions(hunk: list[str]) -> list[str]:
    """A hunk that only adds lines: its header, the markers it adds and the definitions they sit on."""
    keep = [hunk[0]]
    for line in hunk[1:]:
        if line.startswith("+") and (ADDED_WORDS.search(line) or definition(line[1:])):
            keep.append(line)
    return keep


def balanced(hunk: list[str]) -> bool:
    """Every check word the hunk removes comes back in what it adds, and it adds no marker."""
    removed: Counter[str] = Counter()
    added: Counter[str] = Counter()
    for line in hunk[1:]:
        if line.startswith("-"):
            removed.update(CHECK_WORDS.findall(line[1:]))
            if definition(line[1:]):
                return False
        elif line.startswith("+"):
            added.update(CHECK_WORDS.findall(line[1:]))
            if ADDED_WORDS.search(line):
                return False
    return not (removed - added)


def file_changes(repo: Path, commit: Commit, tests: re.Pattern[str]) -> list[tuple[str, str, str]]:
    """(status, old path, new path) of the test files the commit changes against its first parent."""
    raw = git(repo, "diff", "--name-status", "-M", commit.parents[0], commit.sha)
    rows = []
    for line in raw.splitlines():
        status, *paths = line.split("\t")
        old, new = paths[0], paths[-1]
        if tests.search(old) or tests.search(new):
            rows.append((status[0], old, new))
    return rows


def merge_diff(repo: Path, commit: Commit, path: str) -> str | None:
    """The combined diff of a merged file, or None when the merged text equals one parent's."""
    if blob(repo, commit.sha, path) in {blob(repo, parent, path) for parent in commit.parents}:
        return None
    return git(repo, "show", "--format=", "--cc", commit.sha, "--", path)


def discarded_diff(repo: Path, commit: Commit, old: str, new: str) -> str | None:
    """The first parent's own changes to a file (since the merge base) that the merge threw away by
    taking another parent's text, as a diff from the first parent to the merge result; None if none."""
    if len(commit.parents) != 2:
        return None
    first, second = commit.parents
    base = git(repo, "merge-base", first, second).strip()
    mine, theirs = blob(repo, commit.sha, new), blob(repo, first, old)
    if mine == theirs or theirs == blob(repo, base, old):
        return None
    return git(repo, "diff", "-M", "-U2", first, commit.sha, "--", old, new)


def show(repo: Path, sha: str, tests: re.Pattern[str], out: list[str]) -> None:
    parents = git(repo, "rev-list", "--parents", "-n1", sha).split()[1:]
    commit = Commit(git(repo, "rev-parse", sha).strip(), parents)
    meta = git(repo, "show", "-s", "--format=%h %ad %an%n%s%n%b", "--date=short", sha).strip().splitlines()
    kind = f"MERGE of {len(parents)}" if len(parents) > 1 else "commit"
    out.append(f"\n######## {commit.sha} {kind}: {meta[0]}")
    out.extend("    " + line for line in meta[1:8] if line.strip())
    removed_defs: list[tuple[str, str]] = []
    added_defs: set[str] = set()
    for status, old, new in file_changes(repo, commit, tests):
        if len(parents) > 1:
            diff = merge_diff(repo, commit, new)
            if diff is not None:
                # A combined diff has two marker columns; only its hunks differ from every parent.
                body = diff.splitlines()[:MAX_FILE_LINES]
                out.append(f"  == {status} {new}: differs from every parent; combined diff:")
                out.extend("    " + line for line in body if not line.startswith(("diff --cc", "index ")))
                continue
            if diff is None:
                discarded = discarded_diff(repo, commit, old, new)
                if not discarded:
                    out.append(f"  {status} {new}: same as a parent (replayed)")
                    continue
                out.append(f"  {status} {new}: takes a later parent's text, DISCARDING first-parent changes:")
                diff = discarded
        else:
            diff = git(repo, "diff", "-M", "-U2", commit.parents[0], commit.sha, "--", old, new)
        lines = diff.splitlines()
        plus = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
        minus = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
        label = f"{old} -> {new}" if old != new else new
        out.append(f"  == {status} {label} (+{plus} -{minus})")
        shown = 0
        for hunk in hunks(diff):
            for line in hunk[1:]:
                name = definition(line[1:]) if line[:1] in "+-" else None
                if name and line.startswith("-"):
                    removed_defs.append((old, name))
                elif name:
                    added_defs.add(name)
            if status == "D":
                continue
            if interesting(hunk) and shown < MAX_FILE_LINES:
                body = hunk if any(line.startswith("-") for line in hunk) else additions(hunk)
                if body is hunk and balanced(hunk):
                    body = [f"{hunk[0]}  [balanced: every removed check word is re-added]"]
                out.extend("    " + line for line in body)
                shown += len(body)
        if shown >= MAX_FILE_LINES:
            out.append("    ... (clipped)")
    gone = [(path, name) for path, name in removed_defs if name not in added_defs]
    if gone:
        out.append("  definitions removed and not re-added: " + "; ".join(f"{p}:{n}" for p, n in gone[:80]))
        if len(gone) > 80:
            out.append(f"  ... and {len(gone) - 80} more")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["sample", "show"])
    parser.add_argument("shas", nargs="*")
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--tests", required=True, help="regex of the project's test file paths")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_intermixed_args(argv)
    tests = re.compile(args.tests)
    if args.command == "sample":
        for commit in sample(args.repo, args.head, tests, args.count):
            print(commit.sha, "merge" if len(commit.parents) > 1 else "")
        return 0
    out: list[str] = []
    for sha in args.shas:
        show(args.repo, sha, tests, out)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
