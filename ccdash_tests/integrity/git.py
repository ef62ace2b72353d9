"""Git as a subprocess: fixed argument lists, validated revisions, `--` before paths, typed failures.

Every function here takes the repository directory first and raises a `GitError` subclass whose
`str()` is one plain line the caller can print as "integrity not checked: <reason>":

- `GitUnavailable`   git is not installed or cannot be started
- `NotARepository`   the directory is not inside a git work tree
- `InvalidRevision`  the revision text was refused before git ran (option-like or odd characters)
- `UnknownRevision`  git does not know the revision
- `ShallowHistory`   the revision is missing because the clone is shallow

Public functions: `validate_revision`, `repo_root`, `resolve_revision`, `is_shallow`, `first_parent`,
`parents`, `is_ancestor`, `changed_files`, `changed_test_files`, `read_entry_at`, `read_file_at`,
`read_worktree_file`, `worktree_kind`, `files_matching`, `files_with_words`, `tree_paths`, `code_diff`,
`commit_info`.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ccdash_tests.errors import UserError
from ccdash_tests.integrity.units import language_of
from ccdash_tests.text import first_line

# Branch names, tags, SHAs and ancestry suffixes (HEAD~2, main^, origin/feature-1.x); nothing that a
# shell or git's option parser could read as more than a revision.
_REVISION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/~^-]{0,199}")
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_TIMEOUT_S = 60.0


class GitError(UserError):
    """A git operation could not be done; `str()` is a one-line reason."""


class GitUnavailable(GitError):
    pass


class NotARepository(GitError):
    pass


class InvalidRevision(GitError, ValueError):
    pass


class UnknownRevision(GitError):
    pass


class ShallowHistory(GitError):
    pass


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file changed between two trees; `old_path` differs from `path` on a rename."""

    status: str  # A added, M modified, D deleted, R renamed, C copied, T type change
    path: str
    old_path: str


@dataclass(frozen=True, slots=True)
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    authored_at: datetime
    subject: str
    body: str = ""
    parents: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return f"{self.subject}\n\n{self.body}".strip()


def validate_revision(revision: str) -> str:
    """Return `revision` unchanged if it is safe to hand to git, else raise `InvalidRevision`."""
    if not isinstance(revision, str) or not _REVISION.fullmatch(revision) or ".." in revision:
        raise InvalidRevision(f"refused git revision {revision!r}: expected a SHA, branch or tag name")
    return revision


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    # Messages must be parseable and git must never wait for a password or open a pager.
    env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0"})
    # Paths from a diff are names, never patterns: "*" or ":(glob)" in a file name must not widen a match.
    env["GIT_LITERAL_PATHSPECS"] = "1"
    for inherited in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(inherited, None)
    return env


def _run(repo: Path | str, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "-c", "core.quotepath=off", *args],
            capture_output=True,
            env=_git_env(),
            timeout=_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitUnavailable("git is not installed or not on PATH") from exc
    except OSError as exc:
        raise GitUnavailable(f"git could not be started: {exc.strerror or exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} did not finish within {_TIMEOUT_S:.0f} s") from exc
    if check and done.returncode != 0:
        raise _classify(repo, done.stderr)
    return done


def _classify(repo: Path | str, stderr: bytes) -> GitError:
    line = first_line(stderr.decode("utf-8", "replace")) or "git failed"
    if "not a git repository" in line.lower():
        return NotARepository(f"{repo} is not inside a git repository")
    return GitError(line)


def repo_root(path: Path | str) -> Path:
    """The top directory of the work tree containing `path`."""
    directory = Path(path)
    if not directory.is_dir():
        raise NotARepository(f"{directory} is not a directory")
    done = _run(directory, ["rev-parse", "--show-toplevel"])
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip())


def is_shallow(repo: Path | str) -> bool:
    done = _run(repo, ["rev-parse", "--is-shallow-repository"])
    return done.stdout.strip() == b"true"


def resolve_revision(repo: Path | str, revision: str) -> str:
    """The full commit SHA `revision` names; validated before git runs."""
    validate_revision(revision)
    done = _run(
        repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], check=False
    )
    sha = done.stdout.decode("ascii", "replace").strip()
    if done.returncode == 0 and _FULL_SHA.fullmatch(sha):
        return sha
    if done.returncode != 0 and b"not a git repository" in done.stderr.lower():
        raise NotARepository(f"{repo} is not inside a git repository")
    if is_shallow(repo):
        raise ShallowHistory(f"revision {revision!r} is not in this shallow clone (fetch more history)")
    raise UnknownRevision(f"unknown git revision {revision!r}")


def first_parent(repo: Path | str, sha: str) -> str | None:
    """The first parent of commit `sha`, or None for a root commit; shallow cuts raise."""
    _require_sha(sha)
    done = _run(repo, ["rev-list", "--parents", "-n", "1", "--end-of-options", sha])
    fields = done.stdout.decode("ascii", "replace").split()
    if len(fields) > 1:
        return fields[1]
    if is_shallow(repo) and sha.encode() in _shallow_boundary(repo):
        raise ShallowHistory(f"the parent of {sha[:12]} is not in this shallow clone (fetch more history)")
    return None


def parents(repo: Path | str, sha: str) -> list[str]:
    """Every parent of commit `sha` in order (none for a root commit, two or more for a merge)."""
    _require_sha(sha)
    done = _run(repo, ["rev-list", "--parents", "-n", "1", "--end-of-options", sha])
    return done.stdout.decode("ascii", "replace").split()[1:]


def is_ancestor(repo: Path | str, ancestor: str, descendant: str) -> bool:
    """Whether commit `ancestor` is reachable from commit `descendant` (a commit is its own ancestor)."""
    _require_sha(ancestor)
    _require_sha(descendant)
    done = _run(repo, ["merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant], check=False)
    if done.returncode in (0, 1):
        return done.returncode == 0
    raise _classify(repo, done.stderr)


def _shallow_boundary(repo: Path | str) -> bytes:
    done = _run(repo, ["rev-parse", "--git-path", "shallow"])
    shallow_file = Path(done.stdout.decode("utf-8", "surrogateescape").strip())
    if not shallow_file.is_absolute():
        shallow_file = Path(repo) / shallow_file
    return shallow_file.read_bytes() if shallow_file.exists() else b""


def _require_sha(sha: str) -> None:
    if not _FULL_SHA.fullmatch(sha):
        raise InvalidRevision(f"expected a full commit SHA, got {sha!r}")


def _parse_name_status(raw: bytes) -> list[FileChange]:
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    changes: list[FileChange] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            old, new = fields[index + 1], fields[index + 2]
            index += 3
        else:
            old = new = fields[index + 1]
            index += 2
        changes.append(FileChange(status=status, path=new, old_path=old))
    return changes


def changed_files(repo: Path | str, base: str, head: str | None) -> list[FileChange]:
    """Files changed from commit `base` to commit `head`, or to the work tree when `head` is None.

    Both SHAs must be full SHAs from `resolve_revision`. Renames are detected so that a moved file is
    compared with its former self. With the work tree, untracked (not ignored) files count as added.
    """
    _require_sha(base)
    args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", "--end-of-options", base]
    if head is not None:
        _require_sha(head)
        args.append(head)
    changes = _parse_name_status(_run(repo, [*args, "--"]).stdout)
    if head is None:
        untracked = _run(repo, ["ls-files", "-z", "--others", "--exclude-standard", "--"]).stdout
        for name in untracked.decode("utf-8", "surrogateescape").split("\0"):
            if name:
                changes.append(FileChange(status="A", path=name, old_path=name))
    return changes


def changed_test_files(repo: Path | str, base: str, head: str | None) -> list[FileChange]:
    """`changed_files` narrowed to test files of a known language (on either side of a rename)."""
    return [
        change
        for change in changed_files(repo, base, head)
        if language_of(change.path) is not None or language_of(change.old_path) is not None
    ]


def files_matching(repo: Path | str, sha: str | None, paths: list[str], pattern: str) -> set[str]:
    """Which of `paths` (in commit `sha`, or the work tree when None) hold a line matching the
    extended regular expression `pattern`: one `git grep` for them all, so recognising test files by
    what they import costs one process, not a read of every touched file."""
    if not paths:
        return set()
    return _grep_files(repo, sha, ["-E", "-e", pattern], ["--", *paths])  # pathspecs are literal (_git_env)


def files_with_words(repo: Path | str, sha: str | None, words: list[str]) -> set[str]:
    """Which files of commit `sha` (or of the work tree when None, untracked included) hold one of
    `words` as a whole word, in text files: one `git grep` over the tree, searched only when a change
    removed tests (to find their copies that live on)."""
    if not words:
        return set()
    return _grep_files(repo, sha, ["-F", "-w", *(arg for word in words for arg in ("-e", word))], [])


def _grep_files(repo: Path | str, sha: str | None, patterns: list[str], paths: list[str]) -> set[str]:
    """The names of the text files of commit `sha` (the work tree, untracked files included, when
    None) that `git grep` with `patterns` finds, limited to `paths` ("--" and pathspecs) when given."""
    args = ["grep", "-l", "-z", "-I", *patterns]
    if sha is not None:
        _require_sha(sha)
        args.append(sha)
    else:
        args.append("--untracked")
    result = _run(repo, [*args, *paths], check=False)
    if result.returncode not in (0, 1):
        raise _classify(repo, result.stderr)
    names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    prefix = f"{sha}:" if sha is not None else ""
    return {name.removeprefix(prefix) for name in names if name}


def _tree_entry(repo: Path | str, sha: str, path: str) -> tuple[bytes, bytes, str] | None:
    """(mode, object type, object id) of `path` in commit `sha`, or None when it is absent there."""
    _require_sha(sha)
    listing = _run(repo, ["ls-tree", "-z", "--full-tree", sha, "--", path]).stdout
    if not listing:
        return None
    fields = listing.split(b"\t", 1)[0].split()
    if len(fields) != 3:
        return None
    return fields[0], fields[1], fields[2].decode("ascii")


def tree_paths(repo: Path | str, sha: str) -> list[str]:
    """Every file path in commit `sha` (one `ls-tree`; asked only when a removed test may be one of
    another package's code, so the cost is rare)."""
    _require_sha(sha)
    listing = _run(repo, ["ls-tree", "-r", "-z", "--name-only", "--full-tree", sha]).stdout
    return [name for name in listing.decode("utf-8", "surrogateescape").split("\0") if name]


def read_entry_at(repo: Path | str, sha: str, path: str) -> tuple[str, str | None]:
    """What `path` is in commit `sha` ("absent", "file", "symlink", "submodule" or "other") and, for a
    regular file, its text (bytes that are not UTF-8 are replaced, never fatal)."""
    entry = _tree_entry(repo, sha, path)
    if entry is None:
        return "absent", None
    mode, kind, object_id = entry
    if kind == b"commit":
        return "submodule", None
    if kind != b"blob":
        return "other", None
    if mode == b"120000":
        return "symlink", None
    # "<object id>" alone, never "<rev>:<path>", so a path can never be read as a revision or option.
    blob = _run(repo, ["cat-file", "blob", object_id]).stdout
    return "file", blob.decode("utf-8", "replace")


def read_file_at(repo: Path | str, sha: str, path: str) -> str | None:
    """The text of `path` in commit `sha`, or None when no regular file is there (absent, a symlink,
    a submodule)."""
    return read_entry_at(repo, sha, path)[1]


def read_worktree_file(root: Path | str, path: str) -> str | None:
    """The text of `path` in the work tree under `root`, or None when absent or outside the tree."""
    top = Path(root).resolve()
    target = (top / path).resolve()
    if (top / path).is_symlink() or not target.is_relative_to(top) or not target.is_file():
        return None
    return target.read_bytes().decode("utf-8", "replace")


def worktree_kind(root: Path | str, path: str) -> str:
    """What `path` is in the work tree: "absent", "file", "symlink" or "other" (a directory)."""
    place = Path(root) / path
    if place.is_symlink():
        return "symlink"
    if not place.exists():
        return "absent"
    return "file" if place.is_file() else "other"


# A commit whose code diff is larger than this is not read for identifiers (a vendored tree, a
# generated file): the deliberate/suspicious verdict then goes without that evidence.
_CODE_DIFF_LIMIT = 4_000_000


@dataclass(frozen=True, slots=True)
class CodeDiff:
    """The lines removed and added per file of one change (the files a caller asked for)."""

    removed: dict[str, list[str]]
    added: dict[str, list[str]]
    complete: bool = True


def code_diff(repo: Path | str, base: str, head: str | None, paths: list[str]) -> CodeDiff:
    """Removed and added lines of `paths` from `base` to `head` (the work tree when None), no context."""
    _require_sha(base)
    if not paths:
        return CodeDiff({}, {})
    args = ["diff", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--end-of-options"]
    args.append(base)
    if head is not None:
        _require_sha(head)
        args.append(head)
    raw = _run(repo, [*args, "--", *paths[:500]]).stdout
    if len(raw) > _CODE_DIFF_LIMIT:
        return CodeDiff({}, {}, complete=False)
    removed: dict[str, list[str]] = {}
    added: dict[str, list[str]] = {}
    current = ""
    for line in raw.decode("utf-8", "replace").splitlines():
        if line.startswith("+++ ") or line.startswith("--- "):
            name = line[4:]
            if name != "/dev/null":
                current = name[2:] if name[:2] in ("a/", "b/") else name
            continue
        if line.startswith("-"):
            removed.setdefault(current, []).append(line[1:])
        elif line.startswith("+"):
            added.setdefault(current, []).append(line[1:])
    return CodeDiff(removed, added, complete=len(paths) <= 500)


def commit_info(repo: Path | str, sha: str) -> CommitInfo:
    """Author, author time, subject, body and parents of commit `sha`."""
    _require_sha(sha)
    done = _run(
        repo,
        [
            "show",
            "-s",
            "--no-show-signature",
            "--format=%H%x00%an%x00%ae%x00%aI%x00%P%x00%s%x00%b",
            sha,
            "--",
        ],
    )
    parts = done.stdout.decode("utf-8", "replace").split("\0")
    if len(parts) != 7:
        raise GitError(f"unexpected git show output for {sha[:12]}")
    return CommitInfo(
        sha=parts[0],
        author_name=parts[1],
        author_email=parts[2],
        authored_at=datetime.fromisoformat(parts[3]),
        subject=parts[5].strip(),
        body=parts[6].strip(),
        parents=tuple(parts[4].split()),
    )
