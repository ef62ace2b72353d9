"""Recording integrity signals: link scan candidates to stored tests and runs, and store each once.

`check_after_ingest` is the ingest hook: it compares the run's commit with the commit of the previous
run of the same project and branch (else the latest earlier run whose commit is an ancestor, or an
explicit base), and never raises for git problems: it returns an `IntegrityCheck` whose `status` says
"checked: N signals" or "not checked: <reason>". `scan_and_record` is the on-demand form (it raises
`ScanError`, bad input). `select_signals`, `find_signal` and `gate_failures` read signals back for
`integrity`, `integrity ack` and the gates; linking itself is in link.py.

Signal ids are deterministic (`signal_id`), so re-ingesting or re-scanning one change stores nothing
new: signals are append-only and `SignalRepository.insert` returns False for a known id. Work-tree
signals carry HEAD's SHA with `details["worktree"] = True`, and "worktree" is part of their id, so
they never collide with a signal of the HEAD commit itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ccdash_tests.errors import UserError
from ccdash_tests.identity import US
from ccdash_tests.integrity import git
from ccdash_tests.integrity.detectors import (
    ChangedTest,
    SignalCandidate,
    apply_previous_status,
    edited_before_green,
)
from ccdash_tests.integrity.link import (
    StoredTest,
    StoredTestIndex,
    load_definitions,
    load_run_results,
    statuses_by_nodeid,
)
from ccdash_tests.integrity.scan import LinkableTest, ScanReport, scan_change
from ccdash_tests.models import SignalSeverity, SignalState, TestIntegritySignalDTO, TestRunDTO
from ccdash_tests.store import Store
from ccdash_tests.store.queries import integrity as q

SIGNAL_ID_VERSION = "ccdash-signal:v1"
SEVERITY_RANK: dict[SignalSeverity, int] = {
    SignalSeverity.LOW: 0,
    SignalSeverity.MEDIUM: 1,
    SignalSeverity.HIGH: 2,
}
# How far back to look for an earlier run whose commit is an ancestor when the branch has no history.
_ANCESTOR_SEARCH = 20


class ScanError(UserError):
    """`integrity scan` could not read the change; the message names the git problem."""


class SignalLookupError(UserError, LookupError):
    """No signal, or more than one, has the id or prefix given; `str()` is one plain line."""


def signal_id(
    project: str, git_sha: str, file_path: str, test_name: str, signal_type: str, worktree: bool = False
) -> str:
    """sha256 over "ccdash-signal:v1" US project US sha US file US test US type [US "worktree"], 32 hex."""
    parts = [SIGNAL_ID_VERSION, project, git_sha, file_path, test_name, signal_type]
    if worktree:
        parts.append("worktree")
    return hashlib.sha256(US.join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ------------------------------------------------------------------------------------------ runs


def earlier_runs(
    store: Store, run: TestRunDTO, same_branch: bool, limit: int = _ANCESTOR_SEARCH
) -> list[TestRunDTO]:
    """Runs before `run` in run order (timestamp, id), newest first, with a commit other than its own."""
    return q.earlier_runs(store.engine, run, same_branch, limit)


def latest_run_at(store: Store, project: str, sha: str | None) -> TestRunDTO | None:
    """The latest run that tested commit `sha` (stored under its full SHA)."""
    return None if sha is None else q.latest_run_at(store.engine, project, sha)


def comparison_base(store: Store, root: Path, run: TestRunDTO, head: str) -> tuple[TestRunDTO, str] | None:
    """The previous run to compare `run` with, and its resolved commit; None when there is none.

    The previous run of the same branch wins (its commit must be known to git: a missing one is a
    GitError, not a reason to compare with an older commit). Without one, the latest earlier run of
    any branch whose commit is an ancestor of `head` (the branch point of a new branch).
    """
    for previous in earlier_runs(store, run, same_branch=True):
        sha = git.resolve_revision(root, previous.git_sha or "")
        if sha != head:
            return previous, sha
    for previous in earlier_runs(store, run, same_branch=False):
        try:
            sha = git.resolve_revision(root, previous.git_sha or "")
        except (git.UnknownRevision, git.InvalidRevision):
            continue
        if sha != head and git.is_ancestor(root, sha, head):
            return previous, sha
    return None


@dataclass(frozen=True)
class IntegrityCheck:
    """What one integrity check did: `status` is the line for the ingest summary."""

    checked: bool
    reason: str | None = None
    base_sha: str | None = None
    head_sha: str | None = None
    worktree: bool = False
    previous_run_id: str | None = None
    current_run_id: str | None = None
    signals: list[TestIntegritySignalDTO] = field(default_factory=list)
    new_signals: int = 0
    unparsed_files: list[str] = field(default_factory=list)

    @classmethod
    def not_checked(cls, reason: str, head_sha: str | None = None) -> IntegrityCheck:
        return cls(checked=False, reason=reason, head_sha=head_sha)

    @property
    def status(self) -> str:
        if not self.checked:
            return f"not checked: {self.reason}"
        count = len(self.signals)
        return f"checked: {count} signal{'' if count == 1 else 's'}"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "status": self.status,
            "reason": self.reason,
            "base_sha": self.base_sha,
            "head_sha": self.head_sha,
            "worktree": self.worktree,
            "previous_run_id": self.previous_run_id,
            "current_run_id": self.current_run_id,
            "signal_count": len(self.signals),
            "new_signals": self.new_signals,
            "signal_ids": [signal.signal_id for signal in self.signals],
            "unparsed_files": self.unparsed_files,
        }


def _commit_details(commit: git.CommitInfo | None) -> dict[str, Any]:
    if commit is None:
        return {}
    return {
        "commit": {
            "author": f"{commit.author_name} <{commit.author_email}>",
            "authored_at": commit.authored_at.isoformat(),
            "subject": commit.subject,
        }
    }


def build_signal(
    project: str,
    candidate: SignalCandidate,
    sha: str,
    linked: Sequence[StoredTest],
    runs: Sequence[TestRunDTO],
    context: Mapping[str, Any],
    worktree: bool,
) -> TestIntegritySignalDTO:
    """One stored signal from a linked candidate; `runs` are the current run (first) and the previous."""
    details: dict[str, Any] = {
        **candidate.evidence,
        **context,
        "line": candidate.line,
        "language": candidate.language,
    }
    if len(linked) > 1:
        details["test_ids"] = [test.test_id for test in linked]
    if worktree:
        details["worktree"] = True
    kind = candidate.signal_type.value
    return TestIntegritySignalDTO(
        signal_id=signal_id(project, sha, candidate.file_path, candidate.test_name, kind, worktree),
        project_id=project,
        git_sha=sha,
        file_path=candidate.file_path,
        test_id=linked[0].test_id if linked else None,
        test_name=candidate.test_name,
        signal_type=kind,
        severity=candidate.severity,
        details=details,
        linked_run_ids=[run.run_id for run in runs],
        agent_session_id=next((run.agent_session_id for run in runs if run.agent_session_id), None),
    )


def run_aware_candidates(
    candidates: Sequence[SignalCandidate],
    changed: Sequence[ChangedTest],
    previous: StoredTestIndex | None,
    current: StoredTestIndex | None,
) -> list[SignalCandidate]:
    """Escalate by the previous run's statuses, and add edited_before_green when both runs are known."""
    if previous is None:
        return list(candidates)
    before = statuses_by_nodeid(previous, [*candidates, *changed])
    result = apply_previous_status(candidates, before)
    if current is not None:
        now = statuses_by_nodeid(current, changed)
        result += edited_before_green(changed, before, now, others=result)
    return result


def record_report(
    store: Store,
    project: str,
    report: ScanReport,
    sha: str,
    current: TestRunDTO | None,
    previous: TestRunDTO | None,
    worktree: bool = False,
) -> tuple[list[TestIntegritySignalDTO], int]:
    """Link, escalate and store the signals of one scanned change; returns them and how many were new."""
    if not report.candidates and not (report.changed_tests and current and previous):
        return [], 0
    wanted: list[LinkableTest] = [*report.candidates, *report.changed_tests]
    previous_results = load_run_results(store, project, previous.run_id, wanted) if previous else None
    current_results = load_run_results(store, project, current.run_id, wanted) if current else None
    candidates = run_aware_candidates(
        report.candidates, report.changed_tests, previous_results, current_results
    )
    if not candidates:
        return [], 0
    definitions = load_definitions(store, project, candidates)
    runs = [run for run in (current, previous) if run is not None]
    context = {"base_sha": report.base_sha, **_commit_details(report.commit)}
    signals = [
        build_signal(project, c, sha, definitions.matches(c), runs, context, worktree) for c in candidates
    ]
    with store.transaction(lock_key=f"ccdash-tests:integrity:{project}"):
        new = sum(1 for signal in signals if store.signals.insert(signal))
    return signals, new


def check_after_ingest(
    store: Store, run: TestRunDTO, repo_dir: Path, base: str | None = None
) -> IntegrityCheck:
    """Scan the change that led to `run` and store its signals; git problems become "not checked"."""
    if not run.git_sha:
        return IntegrityCheck.not_checked("the run has no git SHA (pass --git-sha)")
    try:
        root = git.repo_root(repo_dir)
        head = git.resolve_revision(root, run.git_sha)
        found = comparison_base(store, root, run, head)
        previous = found[0] if found else None
        if base is not None:
            base_sha = git.resolve_revision(root, base)
        elif found is not None:
            base_sha = found[1]
        else:
            branch = f"branch {run.branch!r}" if run.branch else "this project"
            return IntegrityCheck.not_checked(f"no earlier run of {branch} at another commit", head)
        report = scan_change(root, base=base_sha, head=head)
    except (git.GitError, OSError) as exc:
        return IntegrityCheck.not_checked(str(exc) or type(exc).__name__, run.git_sha)
    signals, new = record_report(store, run.project_id, report, head, run, previous)
    return IntegrityCheck(
        checked=True,
        base_sha=base_sha,
        head_sha=head,
        previous_run_id=previous.run_id if previous else None,
        current_run_id=run.run_id,
        signals=signals,
        new_signals=new,
        unparsed_files=report.unparsed_files,
    )


def scan_and_record(
    store: Store,
    project: str,
    repo_dir: Path | str,
    base: str | None = None,
    head: str = "HEAD",
    worktree: bool = False,
) -> IntegrityCheck:
    """The on-demand scan: stored runs at the head and base commits, if any, link and escalate signals.

    Raises `ScanError` for a missing repository, an unknown or refused revision, or a shallow cut.
    """
    try:
        report = scan_change(repo_dir, base=base, head=head, worktree=worktree)
        head_sha = git.resolve_revision(report.repo_root, head)
    except git.GitError as exc:
        raise ScanError(f"integrity scan: {exc}") from exc
    current = None if worktree else latest_run_at(store, project, head_sha)
    previous = latest_run_at(store, project, report.base_sha)
    signals, new = record_report(store, project, report, head_sha, current, previous, worktree)
    return IntegrityCheck(
        checked=True,
        base_sha=report.base_sha,
        head_sha=head_sha,
        worktree=worktree,
        previous_run_id=previous.run_id if previous else None,
        current_run_id=current.run_id if current else None,
        signals=signals,
        new_signals=new,
        unparsed_files=report.unparsed_files,
    )


# --------------------------------------------------------------------------------- reading back


def find_signal(store: Store, project: str, id_or_prefix: str) -> TestIntegritySignalDTO:
    """The signal whose id is `id_or_prefix`, or the only one that starts with it."""
    wanted = id_or_prefix.strip().lower()
    if not wanted:
        raise SignalLookupError("signal id must not be empty")
    signals = store.signals.by_project(project)
    exact = [s for s in signals if s.signal_id == wanted]
    matches = exact or [s for s in signals if s.signal_id.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(s.signal_id[:12] for s in matches[:5])
        raise SignalLookupError(f"signal id {id_or_prefix!r} is ambiguous: {shown}")
    raise SignalLookupError(f"no integrity signal {id_or_prefix!r} in project {project!r}")


def ack_reason(reason: str) -> str:
    """The reason an acknowledgement is stored with; checked before the store is opened."""
    if not reason.strip():
        raise UserError("--reason: must not be empty")
    if len(reason) > 2000:
        raise UserError("--reason: longer than 2000 characters")
    return reason.strip()


def acknowledge(store: Store, project: str, id_or_prefix: str, reason: str) -> TestIntegritySignalDTO:
    """Acknowledge one signal (it stays stored but stops counting against health and the gates)."""
    found = find_signal(store, project, id_or_prefix)
    store.signals.acknowledge(project, found.signal_id, ack_reason(reason))
    return find_signal(store, project, found.signal_id)


def select_signals(
    store: Store,
    project: str,
    since: datetime | None = None,
    sha: str | None = None,
    state: SignalState | None = None,
) -> list[TestIntegritySignalDTO]:
    """Signals of a project, oldest first; `sha` matches a commit SHA prefix, `state` None means all."""
    signals = (
        store.signals.since(project, since)
        if since is not None
        else store.signals.by_project(project, state.value if state else None)
    )
    prefix = sha.lower() if sha else None
    return [
        s
        for s in signals
        if (state is None or s.state is state) and (prefix is None or s.git_sha.lower().startswith(prefix))
    ]


def gate_failures(
    signals: Iterable[TestIntegritySignalDTO], fail_on: SignalSeverity
) -> list[TestIntegritySignalDTO]:
    """Open signals of at least `fail_on` severity: what fails `integrity --fail-on`."""
    floor = SEVERITY_RANK[fail_on]
    return [s for s in signals if s.state is SignalState.OPEN and SEVERITY_RANK[s.severity] >= floor]
