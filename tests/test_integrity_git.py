"""The git edge: revisions refused before git runs, typed failures, and reading files and commits."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from factories import GitRepo
from factories import git as run_git

from ccdash_tests.integrity import git, scan
from ccdash_tests.integrity.git import (
    GitUnavailable,
    InvalidRevision,
    NotARepository,
    ShallowHistory,
    UnknownRevision,
)

REAL_GIT = shutil.which("git")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Never let a repository above tmp_path answer for it.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = GitRepo(tmp_path / "repo", author=("Ada Lovelace", "ada@example.com"))
    repo.commit("first", {"tests/test_a.py": "def test_a():\n    assert 1 == 1\n", "README.md": "hello\n"})
    repo.commit(
        "second: more checks",
        {
            "tests/test_a.py": "def test_a():\n    assert 1 == 1\n    assert 2 == 2\n",
            "--help_test.py": "def test_dash():\n    assert True\n",
        },
    )
    return repo.root


@pytest.fixture
def git_spy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `git` first on PATH that logs each call and runs the real git: proves whether git ran."""
    assert REAL_GIT is not None
    bin_dir = tmp_path / "spy-bin"
    bin_dir.mkdir()
    log = tmp_path / "git-calls.log"
    script = bin_dir / "git"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{REAL_GIT}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


HOSTILE = ["--output={out}", "-rf", "HEAD;rm", "$(x)", "HEAD rm", "a..b", "", "`id`", "HEAD\n", "main@{1}"]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_revisions_are_refused_before_git_runs(
    repo: Path, tmp_path: Path, git_spy: Path, template: str
) -> None:
    out = tmp_path / "x-output"
    revision = template.replace("{out}", str(out))
    with pytest.raises(InvalidRevision, match="refused git revision"):
        git.resolve_revision(repo, revision)
    assert not git_spy.exists(), "git must not run for a refused revision"
    assert not out.exists()
    with pytest.raises(InvalidRevision):
        scan(repo, base="HEAD", head=revision)
    with pytest.raises(InvalidRevision):
        scan(repo, base=revision)
    assert not git_spy.exists(), "scan validates revisions before any git call"
    assert not out.exists()


def test_git_revisions_that_look_like_options_are_refused_before_git_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "git-calls.log"
    shim = tmp_path / "bin" / "git"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexit 1\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    target = tmp_path / "x"
    for revision in (f"--output={target}", f"-o{target}", f"HEAD --output={target}", "a..b", "", "x;id", "-"):
        with pytest.raises(InvalidRevision):
            git.resolve_revision(tmp_path, revision)
        with pytest.raises(InvalidRevision):
            git.changed_files(tmp_path, revision, None)
        with pytest.raises(InvalidRevision):
            git.commit_info(tmp_path, revision)
        with pytest.raises(InvalidRevision):
            git.read_file_at(tmp_path, revision, "README.md")
    assert not log.exists(), log.read_text()
    assert not target.exists()


def test_git_spy_sees_calls_for_valid_revisions(repo: Path, git_spy: Path) -> None:
    sha = git.resolve_revision(repo, "HEAD~1")
    assert len(sha) == 40
    assert "rev-parse --verify --quiet --end-of-options HEAD~1^{commit}" in git_spy.read_text()


def test_full_sha_required_where_a_sha_is_expected(repo: Path) -> None:
    with pytest.raises(InvalidRevision):
        git.read_file_at(repo, "HEAD", "tests/test_a.py")
    with pytest.raises(InvalidRevision):
        git.changed_files(repo, "--cached", None)


def test_resolve_and_describe_commits(repo: Path) -> None:
    head = git.resolve_revision(repo, "main")
    parent = git.resolve_revision(repo, "HEAD^")
    assert head == run_git(repo, "rev-parse", "HEAD")
    assert git.first_parent(repo, head) == parent
    assert git.first_parent(repo, parent) is None
    info = git.commit_info(repo, head)
    assert (info.sha, info.author_name, info.author_email, info.subject) == (
        head,
        "Ada Lovelace",
        "ada@example.com",
        "second: more checks",
    )
    assert info.authored_at.tzinfo is not None


def test_changed_files_and_contents_including_a_dash_path(repo: Path) -> None:
    head, parent = git.resolve_revision(repo, "HEAD"), git.resolve_revision(repo, "HEAD~1")
    changes = {change.path: change.status for change in git.changed_files(repo, parent, head)}
    assert changes == {"tests/test_a.py": "M", "--help_test.py": "A"}
    assert git.read_file_at(repo, parent, "tests/test_a.py") == "def test_a():\n    assert 1 == 1\n"
    assert git.read_file_at(repo, head, "--help_test.py") == "def test_dash():\n    assert True\n"
    assert git.read_file_at(repo, parent, "--help_test.py") is None
    assert git.read_file_at(repo, head, "tests") is None  # a tree is not a file
    assert sorted(c.path for c in git.changed_test_files(repo, parent, head)) == [
        "--help_test.py",
        "tests/test_a.py",
    ]


def test_paths_are_literal_not_patterns(repo: Path) -> None:
    head = git.resolve_revision(repo, "HEAD")
    assert git.read_file_at(repo, head, "tests/test_*.py") is None
    assert git.read_file_at(repo, head, ":(glob)tests/*.py") is None


def test_worktree_changes_include_untracked_files(repo: Path) -> None:
    head = git.resolve_revision(repo, "HEAD")
    (repo / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    (repo / "tests" / "test_b.py").write_text("def test_b():\n    pass\n")
    (repo / "README.md").unlink()
    changes = {change.path: change.status for change in git.changed_files(repo, head, None)}
    assert changes == {"tests/test_a.py": "M", "tests/test_b.py": "A", "README.md": "D"}
    assert git.read_worktree_file(repo, "tests/test_b.py") == "def test_b():\n    pass\n"
    assert git.read_worktree_file(repo, "../outside.py") is None
    assert git.read_worktree_file(repo, "README.md") is None


def test_repo_root_from_a_subdirectory(repo: Path) -> None:
    assert git.repo_root(repo / "tests") == repo.resolve()


def test_unknown_revision(repo: Path) -> None:
    with pytest.raises(UnknownRevision, match="unknown git revision 'no-such-branch'"):
        git.resolve_revision(repo, "no-such-branch")
    with pytest.raises(UnknownRevision):
        scan(repo, base="v9.9.9")


def test_not_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotARepository, match="is not inside a git repository"):
        scan(plain)
    with pytest.raises(NotARepository, match="is not a directory"):
        scan(tmp_path / "missing")


def test_missing_git(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitUnavailable, match="git is not installed or not on PATH") as caught:
        scan(repo)
    assert "\n" not in str(caught.value)


def test_shallow_clone(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True, capture_output=True
    )
    assert git.is_shallow(clone)
    with pytest.raises(ShallowHistory, match="shallow clone"):
        scan(clone)
    with pytest.raises(ShallowHistory, match="'HEAD~1' is not in this shallow clone"):
        git.resolve_revision(clone, "HEAD~1")


def test_root_commit_has_nothing_to_compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    single = GitRepo(tmp_path / "single")
    single.commit("only", {"test_x.py": "def test_x():\n    assert 1\n"})
    assert scan(single.root) == []
