"""`failures`: failed and errored results grouped by error fingerprint, one cluster per root cause."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field

from ccdash_tests.errors import UserError
from ccdash_tests.forensics.common import RunRefDoc, message_line, run_ref_doc
from ccdash_tests.identity import normalise_message
from ccdash_tests.models import DTO, TestDefinitionDTO
from ccdash_tests.runs import find_run
from ccdash_tests.store import Store, causes
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.queries import forensics as q
from ccdash_tests.store.queries.forensics import BadResult, RunRef


class ClusterTest(DTO):
    test_id: str
    name: str
    classname: str
    path: str | None = None
    nodeid: str = ""
    label: str  # the test in its framework's form (text.test_label)


class FailureCluster(DTO):
    fingerprint: str | None
    count: int
    test_count: int
    run_count: int
    error_type: str | None = None
    message: str | None = None
    normalised: str | None = None
    first_seen: RunRefDoc | None = None
    last_seen: RunRefDoc | None = None
    tests: list[ClusterTest] = Field(default_factory=list)


class FailuresReport(DTO):
    scope: Literal["run", "all", "since"]
    run: RunRefDoc | None = None
    since: datetime | None = None
    runs: int
    failing_results: int
    clusters: list[FailureCluster] = Field(default_factory=list)


@dataclass
class ClusterDraft:
    """A cluster before names and messages are read: keys only, in first-appearance order.

    Drafts made from the stored cause counts carry no run keys, only how many runs and the latest.
    """

    fingerprint: str | None
    count: int
    test_pks: list[int]
    run_pks: list[int]
    error_pk: int | None
    run_count: int | None = None
    last_run_pk: int | None = None


def cluster_failures(results: Iterable[BadResult]) -> list[ClusterDraft]:
    """Pure: group failing results by fingerprint; biggest clusters first, then by fingerprint."""
    drafts: dict[str | None, ClusterDraft] = {}
    for result in results:
        draft = drafts.get(result.fingerprint)
        if draft is None:
            draft = drafts[result.fingerprint] = ClusterDraft(result.fingerprint, 0, [], [], None)
        draft.count += 1
        draft.test_pks.append(result.test_pk)
        draft.run_pks.append(result.run_pk)
        if result.error_pk is not None and (draft.error_pk is None or result.error_pk < draft.error_pk):
            draft.error_pk = result.error_pk
    for draft in drafts.values():
        draft.test_pks = list(dict.fromkeys(draft.test_pks))
        draft.run_pks = list(dict.fromkeys(draft.run_pks))
    return sorted(drafts.values(), key=lambda d: (-d.count, -len(d.test_pks), d.fingerprint or "~"))


def build_failures(
    drafts: Sequence[ClusterDraft],
    runs: Sequence[RunRef],
    definitions: Mapping[int, TestDefinitionDTO],
    errors: Mapping[int, q.ErrorInfo],
    seen: Mapping[str, tuple[datetime, str]],
) -> list[FailureCluster]:
    """Pure: clusters with their tests, message and first/last seen runs."""
    run_by_pk = {run.pk: run for run in runs}
    order = {run.pk: index for index, run in enumerate(runs)}
    # One document per test, shared by every cluster it is in: its label and node id are computed
    # once (a year's `failures --all` lists 500 tests 6,172 times).
    documents: dict[int, ClusterTest] = {}

    def document(pk: int) -> ClusterTest:
        found = documents.get(pk)
        if found is None:
            found = documents[pk] = cluster_test(definitions[pk])
        return found

    clusters = []
    for draft in drafts:
        info = errors.get(draft.error_pk) if draft.error_pk is not None else None
        text = (info.message or info.details) if info else None
        first = seen.get(draft.fingerprint) if draft.fingerprint else None
        last = draft.last_run_pk
        if last is None:
            last = max(draft.run_pks, key=lambda pk: order[pk])
        tests = sorted(draft.test_pks, key=lambda pk: (definitions[pk].classname, definitions[pk].name))
        clusters.append(
            FailureCluster(
                fingerprint=draft.fingerprint,
                count=draft.count,
                test_count=len(draft.test_pks),
                run_count=len(draft.run_pks) if draft.run_count is None else draft.run_count,
                error_type=info.error_type if info else None,
                message=message_line(text),
                normalised=normalise_message(text) if text else None,
                first_seen=RunRefDoc(run_id=first[1], timestamp=first[0]) if first else None,
                last_seen=run_ref_doc(run_by_pk[last]),
                tests=[document(pk) for pk in tests],
            )
        )
    return clusters


def cluster_test(definition: TestDefinitionDTO) -> ClusterTest:
    return ClusterTest(
        test_id=definition.test_id,
        name=definition.name,
        classname=definition.classname,
        path=definition.path,
        nodeid=definition.nodeid,
        label=definition.label,
    )


def failure_clusters(
    store: Store,
    project: str,
    run_id: str | None = None,
    all_runs: bool = False,
    since: datetime | None = None,
) -> FailuresReport:
    """`failures`: the latest run (or RUN, or every run since a time) grouped by fingerprint."""
    engine = store.engine
    run: RunRef | None = None
    if all_runs and since is None and run_id is None:
        return _all_failures(engine, project)
    if all_runs or since is not None:
        if run_id is not None:
            raise UserError("--run cannot be combined with --all or --since")
        runs = q.runs_since(engine, project, since)
    else:
        run = _pick_run(store, project, run_id)
        runs = [run]
    bad = q.bad_results(engine, [r.pk for r in runs if r.failed_tests])
    drafts = cluster_failures(bad)
    definitions = q.definitions_by_pk(engine, (pk for d in drafts for pk in d.test_pks))
    errors = q.error_infos(engine, (d.error_pk for d in drafts if d.error_pk is not None))
    seen = q.first_seen(engine, project, [d.fingerprint for d in drafts if d.fingerprint])
    scope: Literal["run", "all", "since"] = "run" if run else ("since" if since else "all")
    return FailuresReport(
        scope=scope,
        run=run_ref_doc(run) if run else None,
        since=since,
        runs=len(runs),
        failing_results=len(bad),
        clusters=build_failures(drafts, runs, definitions, errors, seen),
    )


def _all_failures(engine: Engine, project: str) -> FailuresReport:
    """`failures --all` from the cause counts kept at ingest (store/causes.py), no result is read."""
    totals = causes.project_causes(engine, project)
    tests = causes.project_cause_tests(engine, project)
    drafts = sorted(
        (
            ClusterDraft(
                t.fingerprint, t.results, tests.get(t.fingerprint, []), [], t.error_pk, t.runs, t.last_run_pk
            )
            for t in totals
        ),
        key=lambda d: (-d.count, -len(d.test_pks), d.fingerprint or "~"),
    )
    definitions = q.definitions_by_pk(engine, (pk for d in drafts for pk in d.test_pks))
    errors = q.error_infos(engine, (d.error_pk for d in drafts if d.error_pk is not None))
    seen = {t.fingerprint: _first_key(t.first_seen) for t in totals if t.fingerprint is not None}
    last_runs = q.runs_by_pk(engine, [t.last_run_pk for t in totals])
    return FailuresReport(
        scope="all",
        runs=q.run_count(engine, project),
        failing_results=sum(t.results for t in totals),
        clusters=build_failures(drafts, last_runs, definitions, errors, seen),
    )


def _first_key(key: str) -> tuple[datetime, str]:
    stamp, _, run_id = key.partition(" ")
    return datetime.fromisoformat(stamp), run_id


def _pick_run(store: Store, project: str, run_id: str | None) -> RunRef:
    """RUN as a run id or a unique prefix of one (runs.find_run); the latest run when not given."""
    found = find_run(store, project, run_id)
    ref = q.run_by_id(store.engine, project, found.run_id)
    assert ref is not None  # found just now, in the same store
    return ref
