"""CI providers' environments and the platform fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import GitRepo

from ccdash_tests.runmeta import default_project, detect_ci, detect_git, env_fingerprint, environment

SHA = "0123456789abcdef0123456789abcdef01234567"

CASES = [
    (
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_SHA": SHA,
            "GITHUB_REF": "refs/pull/7/merge",
            "GITHUB_HEAD_REF": "feat",
        },
        ("github-actions", SHA, "feat", None),
    ),
    (
        {
            "GITLAB_CI": "true",
            "CI_COMMIT_SHA": SHA,
            "CI_COMMIT_BRANCH": "main",
            "CI_JOB_URL": "https://gl/j/1",
        },
        ("gitlab-ci", SHA, "main", "https://gl/j/1"),
    ),
    (
        {"BUILDKITE": "true", "BUILDKITE_COMMIT": SHA, "BUILDKITE_BRANCH": "dev", "BUILDKITE_BUILD_URL": "u"},
        ("buildkite", SHA, "dev", "u"),
    ),
    (
        {"CIRCLECI": "true", "CIRCLE_SHA1": SHA, "CIRCLE_BRANCH": "main", "CIRCLE_BUILD_URL": "c"},
        ("circleci", SHA, "main", "c"),
    ),
    (
        {"JENKINS_URL": "https://j", "GIT_COMMIT": SHA, "GIT_BRANCH": "origin/release", "BUILD_URL": "b"},
        ("jenkins", SHA, "release", "b"),
    ),
    (
        {
            "TF_BUILD": "True",
            "BUILD_SOURCEVERSION": SHA,
            "BUILD_SOURCEBRANCH": "refs/heads/main",
            "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": "https://dev.azure.example/org/",
            "SYSTEM_TEAMPROJECT": "shop",
            "BUILD_BUILDID": "12",
        },
        ("azure-pipelines", SHA, "main", "https://dev.azure.example/org/shop/_build/results?buildId=12"),
    ),
    ({"CI": "true"}, ("ci", None, None, None)),
]


@pytest.mark.parametrize(("env", "expected"), CASES, ids=[c[1][0] for c in CASES])
def test_ci_providers(env: dict[str, str], expected: tuple) -> None:
    info = detect_ci(env)
    assert info is not None
    assert (info.provider, info.git_sha, info.branch, info.build_url) == expected


def test_local_run_has_no_ci() -> None:
    assert detect_ci({"HOME": "/root", "CI": "false"}) is None


def test_outside_git(tmp_path: Path) -> None:
    info = detect_git(tmp_path)
    assert (info.sha, info.branch, info.toplevel) == (None, None, None)
    assert default_project(tmp_path) == tmp_path.name


def test_fingerprint_is_stable_and_sensitive() -> None:
    env = environment({"pytest": "8.3.1"})
    assert env["framework.pytest"] == "8.3.1"
    assert env_fingerprint(env) == env_fingerprint(dict(reversed(list(env.items()))))
    assert env_fingerprint(env) != env_fingerprint({**env, "python": "0.0.0"})


def test_git_facts_in_every_state_of_a_checkout(tmp_path: Path) -> None:
    """One git process answers in the usual case; the unborn branch, a detached HEAD, a branch name a
    tag shadows, a file named HEAD and a `.git` folder give what git's separate commands say."""
    repo = GitRepo(tmp_path / "repo", branch="trunk")
    (repo.root / "sub").mkdir()
    top = repo.root.resolve()
    unborn = detect_git(repo.root / "sub")
    assert (unborn.sha, unborn.branch, unborn.toplevel) == (None, "trunk", top)
    sha = repo.commit("first", {"a.txt": "a"})
    assert detect_git(repo.root / "sub") == type(unborn)(sha, "trunk", top)
    repo.write("HEAD", "a file that is named like the ref")
    assert detect_git(repo.root) == type(unborn)(sha, "trunk", top)
    repo.git("tag", "trunk")
    assert detect_git(repo.root).branch == "heads/trunk"  # as `git symbolic-ref --short` says it
    repo.git("checkout", "-q", "--detach")
    assert detect_git(repo.root) == type(unborn)(sha, None, top)
    inside = detect_git(repo.root / ".git")
    assert (inside.sha, inside.branch, inside.toplevel) == (sha, None, None)
