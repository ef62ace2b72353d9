"""No commit shape makes `integrity scan` print a traceback: merge, root, rename, binary, non-UTF-8, symlink,
submodule, each a real repository scanned through the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from factories import Cli, GitRepo, edit

PROJECT = "shapes"
PATH = "tests/test_calc.py"
TESTS = """def test_add():
    assert 1 + 2 == 3
    assert 1 + 0 == 1


def test_sub():
    assert 2 - 1 == 1
"""
ONE_CHECK_LESS = ("    assert 1 + 0 == 1\n", "")


def scanned(db_url: str, repo: GitRepo, *args: str) -> dict[str, Any]:
    """`integrity scan --json` of the repository's HEAD (or as `args` say); it must exit 0, cleanly."""
    result = Cli(db_url, PROJECT)("integrity", "scan", "--repo", repo.root, "--json", *args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def kinds(document: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(s["signal_type"], s["test_name"]) for s in document["signals"]}


def test_root_commit(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    root = repo.commit("first", {PATH: TESTS})
    document = scanned(db_url, repo)
    assert (document["base_sha"], document["head_sha"], document["signals"]) == (None, root, [])


def test_merge_commit(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("first", {PATH: TESTS})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("weaken", {PATH: edit(TESTS, ONE_CHECK_LESS)})
    repo.git("checkout", "-q", "main")
    repo.commit("docs", {"README.md": "calc\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side")
    assert scanned(db_url, repo)["signals"] == []
    # An octopus merge of two branches, neither of which changed the tests, is no harder.
    for branch in ("a", "b"):
        repo.git("checkout", "-q", "-b", branch, "main")
        repo.commit(f"{branch} docs", {f"{branch}.md": branch})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "octopus", "a", "b")
    assert scanned(db_url, repo)["signals"] == []


def test_rename_with_a_weakening(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("first", {PATH: TESTS})
    repo.git("mv", PATH, "tests/test_math.py")
    repo.commit("rename and weaken", {"tests/test_math.py": edit(TESTS, ONE_CHECK_LESS)})
    document = scanned(db_url, repo)
    assert kinds(document) == {("assertion_removed", "test_add")}
    assert document["signals"][0]["file_path"] == "tests/test_math.py"


def test_binary_file_named_like_a_test(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("first", {PATH: TESTS})
    (repo.root / "tests" / "test_blob.py").write_bytes(b"\x00\x01\x02\xff\xfe" * 50)
    repo.commit("a blob")
    (repo.root / "tests" / "test_blob.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00" * 40)
    repo.commit("another blob")
    document = scanned(db_url, repo)
    assert document["signals"] == []


def test_non_utf8_file_is_still_read(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    latin = "# coding: latin-1\n# caf\xe9\n" + TESTS
    (repo.root / "tests").mkdir()
    (repo.root / PATH).write_bytes(latin.encode("latin-1"))
    repo.commit("first")
    (repo.root / PATH).write_bytes(edit(latin, ONE_CHECK_LESS).encode("latin-1"))
    repo.commit("weaken")
    assert kinds(scanned(db_url, repo)) == {("assertion_removed", "test_add")}


def test_symlink_to_a_test_file(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("first", {PATH: TESTS})
    os.symlink("test_calc.py", repo.root / "tests" / "test_link.py")
    repo.commit("link")
    # A test file replaced by a symlink (a type change): its "text" is a path, not removed tests.
    (repo.root / PATH).unlink()
    (repo.root / "tests" / "test_real.py").write_text(TESTS)
    os.symlink("test_real.py", repo.root / PATH)
    repo.commit("file becomes a link")
    document = scanned(db_url, repo)
    assert document["signals"] == []
    assert PATH in document["skipped_files"]


def test_submodule(tmp_path: Path, db_url: str) -> None:
    library = GitRepo(tmp_path / "library")
    library.commit("lib", {"tests/test_lib.py": TESTS})
    repo = GitRepo(tmp_path / "repo")
    repo.commit("first", {PATH: TESTS})
    allow = ("-c", "protocol.file.allow=always")
    repo.git(*allow, "submodule", "add", "-q", str(library.root), "tests/test_vendored.py")
    repo.write(PATH, edit(TESTS, ONE_CHECK_LESS))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "vendor a library and weaken")
    document = scanned(db_url, repo)
    assert kinds(document) == {("assertion_removed", "test_add")}
    assert "tests/test_vendored.py" in document["skipped_files"]
    # A work-tree scan sees the submodule as a directory: no traceback either.
    repo.write(PATH, TESTS)
    assert scanned(db_url, repo, "--worktree")["signals"] == []
