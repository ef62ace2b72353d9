"""Recording integrity signals: link scan candidates to stored tests and runs, judge and store each once.

`check_after_ingest` is the ingest hook: it compares the run's commit with the commit of the previous
run of the same project and branch whose commit this checkout has (else the latest earlier run whose
commit is an ancestor: the branch point; else, when earlier runs exist but none of their commits is
here, the commit's parent; or an explicit base), and never raises for git problems: it returns an
`IntegrityCheck` whose `status` says "checked: N signals" (and which base, when it fell back) or "not
checked: <reason>". `scan_and_record` is the on-demand form (it raises `ScanError`, bad input; a
work-tree scan is a dry run unless asked to store). `select_signals`, `find_signal` and
`gate_failures` read signals back for `integrity`, `integrity ack` and the gates; linking itself is in
link.py, the deliberate/suspicious verdict in deliberate.py.

Each recorded signal is one row per test and kind: a test that failed before and passes now after an
edit strengthens its other signals (one severity up, with that evidence) instead of adding an
`edited_before_green` row, which stays only for a test with nothing else; GROUP_MIN or more tests
of one file with the same kind of loss are one grouped row (grouping.py). Lifecycle: after each
stored check, open signals of earlier commits on the branch are judged again on the branch's net
change (their base to the new head); one whose loss is gone (the check back, the skip gone, the test
back) becomes `resolved`.

Signal ids are deterministic (`signal_id`), so re-ingesting or re-scanning one change stores nothing
new: signals are append-only and `SignalRepository.insert` returns False for a known id. Work-tree
signals carry HEAD's SHA with `details["worktree"] = True`, and "worktree" is part of their id, so
they never collide with a signal of the HEAD commit itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccdash_tests.errors import UserError
from ccdash_tests.identity import US
from ccdash_tests.integrity import git
from ccdash_tests.integrity.check import NO_SHA, IntegrityCheck
from ccdash_tests.records import SignalSeverity, SignalState, SignalVerdict, TestRunDTO, utcnow
from ccdash_tests.store import Store
from ccdash_tests.store.queries import integrity as q

if TYPE_CHECKING:
    from ccdash_tests.integrity.deliberate import ChangeContext, Verdict
    from ccdash_tests.integrity.detectors import ChangedTest, SignalCandidate
    from ccdash_tests.integrity.link import StoredTest, StoredTestIndex
    from ccdash_tests.integrity.scan import LinkableTest, ScanReport

    # The Pydantic model of a signal is imported where one is made: the ingest path imports no Pydantic.
    from ccdash_tests.models import TestIntegritySignalDTO

# The detectors, the scanner, linking and the verdict rules are imported by the functions that use
# them: the ingest hook loads this module on every ingest, and most ingests end before any scan (no
# commit, or no earlier run to compare with).

SIGNAL_ID_VERSION = "ccdash-signal:v1"
SEVERITY_RANK: dict[SignalSeverity, int] = {
    SignalSeverity.LOW: 0,
    SignalSeverity.MEDIUM: 1,
    SignalSeverity.HIGH: 2,
}
# How far back to look for an earlier run whose commit is an ancestor when the branch has no history.
_ANCESTOR_SEARCH = 20
# Open signals judged again for resolution after a check (the newest; older ones wait for a later
# check), and at most this many net scans (one per distinct base) per check, so an ingest stays quick.
_RESOLVE_LIMIT = 200
_RESOLVE_BASES = 20
_STRONGER = {SignalSeverity.LOW: SignalSeverity.MEDIUM, SignalSeverity.MEDIUM: SignalSeverity.HIGH}
_MISSING = (git.UnknownRevision, git.InvalidRevision, git.ShallowHistory)


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


@dataclass(frozen=True, slots=True)
class Base:
    """The commit a run's change is compared from (None: a root commit), the run there if any, and
    how it was chosen; `fallback` when an earlier run's commit was missing from the checkout."""

    sha: str | None
    run: TestRunDTO | None
    how: str
    fallback: bool = False


def _missing_note(missing: Sequence[TestRunDTO]) -> str:
    if not missing:
        return ""
    first = missing[0]
    more = f" nor those of {len(missing) - 1} more" if len(missing) > 1 else ""
    return f"the commit {(first.git_sha or '')[:12]} of run {first.run_id}{more} is not in this checkout"


def comparison_base(store: Store, root: Path, run: TestRunDTO, head: str) -> Base | None:
    """The base to compare `run` with; None when no earlier run exists to compare with.

    The newest earlier run of the same branch whose commit this checkout has wins. Without one, the
    latest earlier run of any branch whose commit is an ancestor of `head` (the branch point). When
    earlier runs exist but none of their commits is here (a made-up `--git-sha`, a rebased-away
    commit), the commit's first parent: an unknown SHA never switches the check off.
    """
    missing: list[TestRunDTO] = []
    for same_branch in (True, False):
        for previous in earlier_runs(store, run, same_branch=same_branch):
            try:
                sha = git.resolve_revision(root, previous.git_sha or "")
            except _MISSING:
                if all(m.run_id != previous.run_id for m in missing):
                    missing.append(previous)
                continue
            if sha == head or not (same_branch or git.is_ancestor(root, sha, head)):
                continue
            note = _missing_note(missing)
            how = ("" if same_branch else "the branch point, ") + f"run {previous.run_id} at {sha[:12]}"
            return Base(sha, previous, how + (f" ({note})" if note else ""), fallback=bool(missing))
    if not missing:
        return None
    parent = git.first_parent(root, head)
    note = _missing_note(missing)
    if parent is None:
        return Base(None, None, f"none, {head[:12]} is a root commit ({note})", fallback=True)
    return Base(parent, None, f"the parent commit {parent[:12]} ({note})", fallback=True)


def _commit_details(commit: git.CommitInfo | None) -> dict[str, Any]:
    if commit is None:
        return {}
    return {
        "commit": {
            "author": f"{commit.author_name} <{commit.author_email}>",
            "authored_at": commit.authored_at.isoformat(),
            "subject": commit.subject,
            "parents": list(commit.parents),
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
    verdict: Verdict | None = None,
) -> TestIntegritySignalDTO:
    """One stored signal from a linked candidate; `runs` are the current run (first) and the previous.

    A grouped candidate (`evidence["tests"]`, an empty `test_name`) is stored with no test name and
    linked to every member found in the store."""
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
    if verdict is not None:
        details["verdict"] = verdict.verdict
        details["verdict_evidence"] = list(verdict.because)
    kind = candidate.signal_type.value
    severity = candidate.severity
    if verdict is not None and verdict.deliberate and severity is SignalSeverity.HIGH:
        # High means a reviewer must look: a loss the change itself explains is at most medium.
        severity = SignalSeverity.MEDIUM
        details["severity_capped"] = "high -> medium: likely deliberate"
    from ccdash_tests.models import TestIntegritySignalDTO  # Pydantic: imported once a scan finds a loss

    return TestIntegritySignalDTO(
        signal_id=signal_id(project, sha, candidate.file_path, candidate.test_name, kind, worktree),
        project_id=project,
        git_sha=sha,
        file_path=candidate.file_path,
        test_id=linked[0].test_id if linked else None,
        test_name=candidate.test_name or None,
        signal_type=kind,
        severity=severity,
        details=details,
        linked_run_ids=[run.run_id for run in runs],
        agent_session_id=next((run.agent_session_id for run in runs if run.agent_session_id), None),
        verdict=SignalVerdict(verdict.verdict) if verdict else SignalVerdict.SUSPICIOUS,
    )


def fold_edited_before_green(
    candidates: Sequence[SignalCandidate], edited: Sequence[SignalCandidate]
) -> list[SignalCandidate]:
    """ "Failed before, passes now" strengthens the test's other signals (one severity up, with that
    evidence) instead of adding a row; alone it stays its own low signal."""
    evidence = {e.nodeid: e.evidence for e in edited}
    result = []
    for candidate in candidates:
        found = evidence.get(candidate.nodeid)
        if found is not None:
            candidate = replace(
                candidate,
                severity=_STRONGER.get(candidate.severity, candidate.severity),
                evidence={**candidate.evidence, "failed_before": True, "edited_before_green": dict(found)},
            )
        result.append(candidate)
    flagged = {candidate.nodeid for candidate in candidates}
    return result + [replace(e, severity=SignalSeverity.LOW) for e in edited if e.nodeid not in flagged]


def run_aware_candidates(
    candidates: Sequence[SignalCandidate],
    changed: Sequence[ChangedTest],
    previous: StoredTestIndex | None,
    current: StoredTestIndex | None,
) -> list[SignalCandidate]:
    """Escalate by the previous run's statuses, and fold in edited_before_green when both runs are known."""
    from ccdash_tests.integrity.detectors import apply_previous_status, edited_before_green
    from ccdash_tests.integrity.link import statuses_by_nodeid

    if previous is None:
        return list(candidates)
    before = statuses_by_nodeid(previous, [*candidates, *changed])
    result = apply_previous_status(candidates, before)
    if current is not None:
        now = statuses_by_nodeid(current, changed)
        result = fold_edited_before_green(result, edited_before_green(changed, before, now, others=result))
    return result


def _linked(definitions: StoredTestIndex, candidate: SignalCandidate) -> list[StoredTest]:
    if candidate.test_name or not candidate.evidence.get("tests"):
        return definitions.matches(candidate)
    found: dict[str, StoredTest] = {}
    for name in candidate.evidence["tests"]:
        for test in definitions.matches(replace(candidate, test_name=str(name))):
            found.setdefault(test.test_id, test)
    return list(found.values())


def verdict_of(candidate: SignalCandidate, context: ChangeContext) -> Verdict:
    """Deliberate or suspicious, for one candidate (all members of a grouped one)."""
    from ccdash_tests.integrity.deliberate import classify

    names = [str(n) for n in candidate.evidence.get("tests", [])] or [candidate.test_name]
    return classify(candidate.signal_type.value, candidate.file_path, names, candidate.evidence, context)


def record_report(
    store: Store,
    project: str,
    report: ScanReport,
    sha: str,
    current: TestRunDTO | None,
    previous: TestRunDTO | None,
    worktree: bool = False,
    dry_run: bool = False,
) -> tuple[list[TestIntegritySignalDTO], int]:
    """Link, escalate, group, judge and store the signals of one scanned change; returns them and how
    many were new (nothing is stored on a `dry_run`)."""
    from ccdash_tests.integrity.grouping import group_losses, group_removals
    from ccdash_tests.integrity.link import load_definitions, load_run_results

    if not report.candidates and not (report.changed_tests and current and previous):
        return [], 0
    wanted: list[LinkableTest] = [*report.candidates, *report.changed_tests]
    previous_results = load_run_results(store, project, previous.run_id, wanted) if previous else None
    current_results = load_run_results(store, project, current.run_id, wanted) if current else None
    candidates = run_aware_candidates(
        report.candidates, report.changed_tests, previous_results, current_results
    )
    candidates = group_removals(candidates, report.deleted_files)
    if not candidates:
        return [], 0
    runs = [run for run in (current, previous) if run is not None]
    session = next((run.agent_session_id for run in runs if run.agent_session_id), None)
    change = replace(report.context, session=session)
    definitions = load_definitions(store, project, wanted)
    context = {"base_sha": report.base_sha, **_commit_details(report.commit)}
    judged = group_losses((c, verdict_of(c, change)) for c in candidates)
    signals = [
        build_signal(project, c, sha, _linked(definitions, c), runs, context, worktree, verdict)
        for c, verdict in judged
    ]
    if dry_run:
        return signals, 0
    with store.transaction(lock_key=f"ccdash-tests:integrity:{project}"):
        new = sum(1 for signal in signals if store.signals.insert(signal))
    return signals, new


# ----------------------------------------------------------------------------------- lifecycle


def _still_lost(signal: TestIntegritySignalDTO, net: Sequence[SignalCandidate]) -> bool:
    """Whether the branch's net change still carries the loss `signal` recorded."""
    members = {str(name) for name in signal.details.get("tests", [])} or {signal.test_name or ""}
    for candidate in net:
        if candidate.signal_type.value != signal.signal_type:
            continue
        names = {str(n) for n in candidate.evidence.get("tests", [])} or {candidate.test_name}
        if names & members:
            return True
    return False


def resolve_restored(
    store: Store, project: str, root: Path, head: str, keep: Iterable[str] = ()
) -> list[TestIntegritySignalDTO]:
    """Resolve the open signals of earlier commits on the branch of `head` whose loss the branch's net
    change (from each signal's base to `head`) no longer carries; returns them, resolved."""
    from ccdash_tests.integrity.detectors import SignalType
    from ccdash_tests.integrity.scan import scan_change

    kept = set(keep)
    waiting = [
        s
        for s in store.signals.by_project(project, SignalState.OPEN.value)
        if s.git_sha != head
        and s.signal_id not in kept
        and not s.details.get("worktree")
        and s.signal_type != SignalType.EDITED_BEFORE_GREEN.value
        and isinstance(s.details.get("base_sha"), str)
    ][-_RESOLVE_LIMIT:]
    on_branch: dict[str, bool] = {}
    by_base: dict[str, list[TestIntegritySignalDTO]] = {}
    for signal in waiting:
        if signal.git_sha not in on_branch:
            try:
                on_branch[signal.git_sha] = git.is_ancestor(root, signal.git_sha, head)
            except git.GitError:
                on_branch[signal.git_sha] = False
        if on_branch[signal.git_sha]:
            by_base.setdefault(signal.details["base_sha"], []).append(signal)
    resolved: list[TestIntegritySignalDTO] = []
    now = utcnow()
    for base, signals in list(by_base.items())[-_RESOLVE_BASES:]:
        try:
            net = scan_change(root, base=base, head=head).candidates
        except git.GitError:
            continue
        for signal in signals:
            if not _still_lost(signal, net) and store.signals.resolve(project, signal.signal_id, head, now):
                update = {"state": SignalState.RESOLVED, "resolved_sha": head, "resolved_at": now}
                resolved.append(signal.model_copy(update=update))
    return resolved


def check_after_ingest(
    store: Store, run: TestRunDTO, repo_dir: Path, base: str | None = None
) -> IntegrityCheck:
    """Scan the change that led to `run`, store its signals and resolve earlier ones its branch fixed;
    git problems become "not checked"."""
    if not run.git_sha:
        return IntegrityCheck.not_checked(NO_SHA)
    try:
        root = git.repo_root(repo_dir)
        head = git.resolve_revision(root, run.git_sha)
        if base is not None:
            found: Base | None = Base(git.resolve_revision(root, base), None, f"--base {base}")
        else:
            found = comparison_base(store, root, run, head)
        if found is None:
            branch = f"branch {run.branch!r}" if run.branch else "this project"
            return IntegrityCheck.not_checked(f"no earlier run of {branch} at another commit", head)
        if found.sha is None:
            return IntegrityCheck(
                checked=True, head_sha=head, current_run_id=run.run_id, base_used=found.how, fallback=True
            )
        from ccdash_tests.integrity.scan import scan_change

        report = scan_change(root, base=found.sha, head=head)
        signals, new = record_report(store, run.project_id, report, head, run, found.run)
        resolved = resolve_restored(store, run.project_id, root, head, keep=[s.signal_id for s in signals])
    except (git.GitError, OSError) as exc:
        return IntegrityCheck.not_checked(str(exc) or type(exc).__name__, run.git_sha)
    return IntegrityCheck(
        checked=True,
        base_sha=found.sha,
        head_sha=head,
        previous_run_id=found.run.run_id if found.run else None,
        current_run_id=run.run_id,
        signals=signals,
        new_signals=new,
        unparsed_files=report.unparsed_files,
        base_used=found.how,
        fallback=found.fallback,
        resolved=resolved,
        skipped_files=report.skipped_files,
    )


def scan_and_record(
    store: Store,
    project: str,
    repo_dir: Path | str,
    base: str | None = None,
    head: str = "HEAD",
    worktree: bool = False,
    keep: bool | None = None,
) -> IntegrityCheck:
    """The on-demand scan: stored runs at the head and base commits, if any, link and escalate signals.

    A commit scan stores its signals and resolves earlier ones the head fixed; a work-tree scan is a
    dry run (a what-if never changes health or the gate) unless `keep` is True. Raises `ScanError` for
    a missing repository, an unknown or refused revision, or a shallow cut.
    """
    from ccdash_tests.integrity.scan import scan_change

    store_them = (not worktree) if keep is None else keep
    try:
        report = scan_change(repo_dir, base=base, head=head, worktree=worktree)
        head_sha = git.resolve_revision(report.repo_root, head)
        current = None if worktree else latest_run_at(store, project, head_sha)
        previous = latest_run_at(store, project, report.base_sha)
        signals, new = record_report(
            store, project, report, head_sha, current, previous, worktree, dry_run=not store_them
        )
        resolved: list[TestIntegritySignalDTO] = []
        if store_them and not worktree:
            kept = [s.signal_id for s in signals]
            resolved = resolve_restored(store, project, report.repo_root, head_sha, keep=kept)
    except git.GitError as exc:
        raise ScanError(f"integrity scan: {exc}") from exc
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
        base_used=base or ("HEAD" if worktree else "the parent commit"),
        dry_run=not store_them,
        resolved=resolved,
        skipped_files=report.skipped_files,
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


def counts(signal: TestIntegritySignalDTO, include_deliberate: bool = False) -> bool:
    """Whether a signal counts against health and the gates: open and suspicious, or open and likely
    deliberate when asked to."""
    if signal.state is not SignalState.OPEN:
        return False
    return include_deliberate or signal.verdict is SignalVerdict.SUSPICIOUS


def gate_failures(
    signals: Iterable[TestIntegritySignalDTO], fail_on: SignalSeverity, include_deliberate: bool = False
) -> list[TestIntegritySignalDTO]:
    """Open signals of at least `fail_on` severity (suspicious ones unless `include_deliberate`): what
    fails `integrity --fail-on`."""
    floor = SEVERITY_RANK[fail_on]
    return [s for s in signals if counts(s, include_deliberate) and SEVERITY_RANK[s.severity] >= floor]
