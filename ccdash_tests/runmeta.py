"""Run metadata found around an ingest: the CI provider's environment, the git checkout, the platform."""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class CiInfo:
    """What a CI provider's environment says about the job (all fields optional)."""

    provider: str
    git_sha: str | None = None
    branch: str | None = None
    build_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _clean_branch(ref: str | None) -> str | None:
    if not ref:
        return None
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def _github(env: Mapping[str, str]) -> CiInfo:
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repo, run = env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    url = f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None
    # On pull_request events GITHUB_REF is refs/pull/N/merge; the head branch is in GITHUB_HEAD_REF.
    branch = env.get("GITHUB_HEAD_REF") or _clean_branch(env.get("GITHUB_REF"))
    return CiInfo("github-actions", env.get("GITHUB_SHA"), branch, url)


def _gitlab(env: Mapping[str, str]) -> CiInfo:
    branch = (
        env.get("CI_COMMIT_BRANCH")
        or env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
        or env.get("CI_COMMIT_REF_NAME")
    )
    return CiInfo(
        "gitlab-ci", env.get("CI_COMMIT_SHA"), branch, env.get("CI_JOB_URL") or env.get("CI_PIPELINE_URL")
    )


def _buildkite(env: Mapping[str, str]) -> CiInfo:
    return CiInfo(
        "buildkite", env.get("BUILDKITE_COMMIT"), env.get("BUILDKITE_BRANCH"), env.get("BUILDKITE_BUILD_URL")
    )


def _circleci(env: Mapping[str, str]) -> CiInfo:
    return CiInfo("circleci", env.get("CIRCLE_SHA1"), env.get("CIRCLE_BRANCH"), env.get("CIRCLE_BUILD_URL"))


def _jenkins(env: Mapping[str, str]) -> CiInfo:
    branch = env.get("BRANCH_NAME") or env.get("GIT_LOCAL_BRANCH") or _clean_branch(env.get("GIT_BRANCH"))
    if branch and branch.startswith("origin/"):
        branch = branch[len("origin/") :]
    return CiInfo("jenkins", env.get("GIT_COMMIT"), branch, env.get("BUILD_URL"))


def _azure(env: Mapping[str, str]) -> CiInfo:
    server = env.get("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "")
    project, build = env.get("SYSTEM_TEAMPROJECT"), env.get("BUILD_BUILDID")
    url = (
        f"{server.rstrip('/')}/{project}/_build/results?buildId={build}"
        if server and project and build
        else None
    )
    branch = _clean_branch(env.get("SYSTEM_PULLREQUEST_SOURCEBRANCH") or env.get("BUILD_SOURCEBRANCH"))
    return CiInfo("azure-pipelines", env.get("BUILD_SOURCEVERSION"), branch, url)


# (variable that identifies the provider, reader). Order: specific providers before the generic CI=true.
_PROVIDERS = (
    ("GITHUB_ACTIONS", _github),
    ("GITLAB_CI", _gitlab),
    ("BUILDKITE", _buildkite),
    ("CIRCLECI", _circleci),
    ("JENKINS_URL", _jenkins),
    ("TF_BUILD", _azure),
)


def detect_ci(env: Mapping[str, str]) -> CiInfo | None:
    """The CI provider running this process, from its environment; None when run locally."""
    for marker, reader in _PROVIDERS:
        if env.get(marker):
            return reader(env)
    if env.get("CI", "").lower() in ("true", "1", "yes"):
        return CiInfo("ci")
    return None


_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True)
class GitInfo:
    sha: str | None
    branch: str | None
    toplevel: Path | None = None  # the work tree's top folder


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def detect_git(cwd: Path) -> GitInfo:
    """HEAD's SHA and branch, and the work tree's top, of the checkout around `cwd`; Nones outside git
    or without git.

    One `git rev-parse` answers all three in a work tree with a commit (an ingest starts one git
    process, not three); an unborn branch, a bare repository or a `.git` folder make it fail, and each
    is then asked on its own, as git answers them separately."""
    found = _git(["rev-parse", "--show-toplevel", "HEAD", "--abbrev-ref", "HEAD", "--"], cwd)
    lines = found.splitlines() if found else []
    if len(lines) == 4 and lines[3] == "--" and _SHA.match(lines[1]):
        top, sha, branch = lines[0], lines[1], lines[2]
        # `--abbrev-ref` says HEAD where `symbolic-ref` fails: a detached HEAD has no branch.
        return GitInfo(sha, None if branch == "HEAD" else branch or None, Path(top) if top else None)
    head = _git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd)
    named = _git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd)
    return GitInfo(head if head and _SHA.match(head) else None, named or None, git_toplevel(cwd))


def commit_time(cwd: Path, sha: str) -> datetime | None:
    """When commit `sha` of the checkout around `cwd` was made (committer time, UTC); None if unknown."""
    if not _SHA.match(sha):
        return None
    stamp = _git(["show", "-s", "--format=%cI", sha, "--"], cwd)
    try:
        return datetime.fromisoformat(stamp).astimezone(UTC) if stamp else None
    except ValueError:
        return None


def git_toplevel(cwd: Path) -> Path | None:
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    return Path(top) if top else None


def repository_name(url: str) -> str | None:
    """The repository's name in a remote URL: `git@github.com:pallets/itsdangerous.git`,
    `https://gitlab.com/group/sub/proj`, `/srv/git/proj.git` -> itsdangerous, proj, proj."""
    tail = url.strip().rstrip("/").removesuffix(".git").rstrip("/")
    name = tail.replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name or None


def default_project(cwd: Path) -> str:
    """The name of the repository the `origin` remote points at, so that a local checkout in any
    folder and the CI checkout share one history; else the enclosing git work tree's folder name,
    else the working directory's (DESIGN.md §5)."""
    origin = _git(["config", "--get", "remote.origin.url"], cwd)
    name = repository_name(origin) if origin else None
    if name:
        return name
    top = git_toplevel(cwd)
    return (top or cwd.resolve()).name or "default"


def environment(frameworks: Mapping[str, str]) -> dict[str, str]:
    """The run's environment: OS, machine, Python, and the framework versions found in the reports."""
    env = {
        "os": platform.system().lower(),
        "machine": platform.machine(),
        "python": ".".join(map(str, sys.version_info[:3])),
    }
    env.update({f"framework.{name}": version for name, version in sorted(frameworks.items())})
    return env


def env_fingerprint(env: Mapping[str, str]) -> str:
    """A short hash of the environment: runs with the same fingerprint ran in the same kind of place."""
    canonical = json.dumps(dict(sorted(env.items())), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# Where each provider names the target branch of the pull/merge request being built.
BASE_BRANCH_VARIABLES = (
    "GITHUB_BASE_REF",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    "BUILDKITE_PULL_REQUEST_BASE_BRANCH",
)


def default_base_branch(env: Mapping[str, str]) -> str:
    """The branch a run is compared with: the pull/merge request's target from the CI environment,
    else `main`."""
    for name in BASE_BRANCH_VARIABLES:
        value = env.get(name, "").strip()
        if value and value != "false":  # Buildkite says "false" outside pull requests
            return value
    return "main"


def ci_links(env: Mapping[str, str], sha: str | None) -> dict[str, str]:
    """Links a CI summary can carry, from the provider's environment: the commit and the CI run."""
    links: dict[str, str] = {}
    github = env.get("GITHUB_SERVER_URL", "").rstrip("/"), env.get("GITHUB_REPOSITORY", "")
    if all(github):
        base = f"{github[0]}/{github[1]}"
        if sha:
            links["commit"] = f"{base}/commit/{sha}"
        if env.get("GITHUB_RUN_ID"):
            links["CI run"] = f"{base}/actions/runs/{env['GITHUB_RUN_ID']}"
    elif env.get("CI_PROJECT_URL"):
        if sha:
            links["commit"] = f"{env['CI_PROJECT_URL'].rstrip('/')}/-/commit/{sha}"
        if env.get("CI_PIPELINE_URL"):
            links["CI run"] = env["CI_PIPELINE_URL"]
    elif env.get("BUILDKITE_BUILD_URL"):
        links["CI run"] = env["BUILDKITE_BUILD_URL"]
    return {name: url for name, url in links.items() if url.startswith(("https://", "http://"))}
