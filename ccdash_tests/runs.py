"""Runs as commands name them (the latest, an exact id or a unique prefix) and a run's JSON document."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccdash_tests.errors import UserError
from ccdash_tests.records import BAD_STATUSES, Status, TestResultDTO, TestRunDTO
from ccdash_tests.store import Store
from ccdash_tests.store.queries.runs import count_results, project_names, run_results, run_statuses
from ccdash_tests.text import short_run_id

if TYPE_CHECKING:
    # Pydantic models, in annotations only: the ingest path imports no Pydantic (records.py).
    from ccdash_tests.models import TestDefinitionDTO

# The CI environment (runmeta), the base-run query (queries.gate, and through it the forensics queries),
# the write path (writer, for `db info`'s counts) and difflib are imported by the functions that need
# them: `runs list` uses none of them.

# An ambiguous prefix names this many candidates (and "..." when there are more).
SHOWN_CANDIDATES = 5


# A store with more projects than this names the closest ones only.
PROJECTS_SHOWN = 10


def no_runs_error(store: Store, project: str) -> UserError:
    """`project` has no runs: say which projects the store has (a misspelt --project, or a default
    taken from the folder that differs from the name CI used)."""
    import difflib

    known = [name for name in project_names(store.engine) if name != project]
    if not known:
        return UserError(f"project {project!r} has no runs yet")
    close = difflib.get_close_matches(project, known, n=3, cutoff=0.6)
    shown = list(dict.fromkeys([*close, *known]))[:PROJECTS_SHOWN]
    more = ", ..." if len(known) > len(shown) else ""
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return UserError(
        f"project {project!r} has no runs{hint}; the store has runs of {', '.join(shown)}{more}"
        " (choose one with --project)"
    )


def find_run(store: Store, project: str, ref: str | None) -> TestRunDTO:
    """RUN as given on the command line: None for the latest run, else an exact id or a unique prefix."""
    if ref is None:
        latest = store.runs.latest(project)
        if latest is None:
            raise no_runs_error(store, project)
        return latest
    exact = store.runs.get(project, ref)
    if exact is not None:
        return exact
    matches = store.runs.with_prefix(project, ref, limit=SHOWN_CANDIDATES + 1)
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(match.run_id for match in matches[:SHOWN_CANDIDATES])
        more = ", ..." if len(matches) > SHOWN_CANDIDATES else ""
        raise UserError(f"run {ref!r} is ambiguous: {shown}{more}")
    raise UserError(f"no run {ref!r} in project {project!r}")


def run_document(run: TestRunDTO) -> dict[str, Any]:
    """The run object of `ingest --json` and `runs show --json` (DESIGN.md §6): every status counted."""
    document = run.to_json()
    document["status_counts"] = {status.value: run.status_counts.get(status, 0) for status in Status}
    return document


def failing_and_flaky(
    store: Store, run: TestRunDTO, limit: int | None = None
) -> tuple[list[TestResultDTO], list[TestResultDTO]]:
    """The run's failed and errored results, and its flaky ones (at most `limit` of each): what a summary
    shows."""
    bad = store.results.by_run(run.project_id, run.run_id, statuses=BAD_STATUSES, limit=limit)
    return bad, store.results.by_run(run.project_id, run.run_id, limit=limit, flaky_only=True)


def definitions_of(
    store: Store, project: str, results: Sequence[TestResultDTO]
) -> dict[str, TestDefinitionDTO]:
    """The definitions of these results (paths and lines for CI annotations), by test_id."""
    found = {}
    for result in results:
        definition = store.definitions.get(project, result.test_id)
        if definition is not None:
            found[result.test_id] = definition
    return found


def store_info(store: Store, project: str) -> dict[str, Any]:
    """The `db info` document: where the store is, its schema version, and what the project holds."""
    from ccdash_tests.store import writer  # the write path's module: only `db info` reads through it

    version, latest = store.schema_version()
    return {
        "backend": store.engine.dialect,
        "location": store.description,
        "schema_version": version,
        "latest_migration": latest,
        "project": project,
        "counts": writer.project_counts(store.engine, project),
    }


# `runs show` lists at most this many results a section unless told otherwise.
DEFAULT_SHOWN = 20
FLAKY = "flaky"  # `--status flaky`: not a status, but a set of results a user asks for like one


@dataclass
class Section:
    """One listing of `runs show`: its title, how many results it holds, the first `shown` of them
    (streamed, worst status first), and the command that lists the rest when it is cut."""

    title: str
    total: int
    results: Iterator[TestResultDTO]
    shown: int
    rest_command: str

    @property
    def cut(self) -> int:
        """How many results the listing leaves out."""
        return max(0, self.total - self.shown)


def run_sections(
    store: Store,
    run: TestRunDTO,
    statuses: Sequence[str] = (),
    show_all: bool = False,
    limit: int | None = None,
) -> list[Section]:
    """What `runs show` lists. By default the errors and failures, then the flaky tests, `limit` (20) of
    each; `statuses` (names of statuses, or "flaky") picks the sets; `show_all` lifts the limit and,
    without statuses, lists every result."""
    cap = None if show_all else (limit or DEFAULT_SHOWN)
    ref = shlex.quote(short_ref(store, run))
    if statuses:
        named = tuple(Status(value) for value in dict.fromkeys(statuses) if value != FLAKY)
        sets: list[tuple[str, tuple[Status, ...], bool]] = []
        if named:
            sets.append((" or ".join(status.value for status in named) + " results", named, False))
        if FLAKY in statuses:
            sets.append(("flaky tests", (), True))
    elif show_all:
        sets = [("all results", (), False)]
    else:
        sets = [("errors and failures", BAD_STATUSES, False), ("flaky tests", (), True)]
    sections = []
    for title, chosen, flaky_only in sets:
        total = count_results(store.engine, run.project_id, run.run_id, chosen, flaky_only)
        shown = total if cap is None else min(cap, total)
        picked = ["flaky"] if flaky_only else [status.value for status in chosen]
        rest = " ".join(["ccdash-tests runs show", ref, *(f"--status {value}" for value in picked), "--all"])
        if chosen == BAD_STATUSES and not statuses:
            rest = f"ccdash-tests failures --run {ref}"
        sections.append(
            Section(
                title,
                total,
                run_results(store.engine, run.project_id, run.run_id, chosen, flaky_only, limit=cap),
                shown,
                rest,
            )
        )
    return sections


def all_results(store: Store, run: TestRunDTO) -> Iterator[TestResultDTO]:
    """Every result of the run, streamed (the `runs show --json` document keeps them all)."""
    return run_results(store.engine, run.project_id, run.run_id)


def short_ref(store: Store, run: TestRunDTO) -> str:
    """How a command line names this run: its short form when that prefix is unique, else its id."""
    short = short_run_id(run.run_id)
    if short == run.run_id or len(store.runs.with_prefix(run.project_id, short, limit=2)) == 1:
        return short
    return run.run_id


@dataclass
class RunDelta:
    """A run against its base run (the newest earlier run of the target branch): the changes in its
    counts, and which tests newly fail, were fixed, are gone or are newly skipped (labels, sorted)."""

    base: TestRunDTO
    new_failures: list[str]
    fixed: list[str]
    removed: list[str]
    newly_skipped: list[str]

    def change(self, run: TestRunDTO) -> dict[str, float | None]:
        """This run's figures minus the base run's: tests, passed, failed (with errors), skipped, duration."""
        figures = [
            (run.total_tests, self.base.total_tests),
            (run.passed_tests, self.base.passed_tests),
            (run.failed_tests, self.base.failed_tests),
            (run.skipped_tests, self.base.skipped_tests),
        ]
        change: dict[str, float | None] = {
            name: now - then
            for name, (now, then) in zip(("tests", "passed", "failed", "skipped"), figures, strict=True)
        }
        durations = run.duration_ms, self.base.duration_ms
        change["duration_ms"] = None if None in durations else durations[0] - durations[1]  # type: ignore[operator]
        return change


def run_delta(store: Store, run: TestRunDTO, base_branch: str) -> RunDelta | None:
    """`run` compared with the newest earlier run of `base_branch`; None when there is none."""
    from ccdash_tests.store.queries.gate import base_run_before

    base = base_run_before(store.engine, run.project_id, run, base_branch)
    if base is None:
        return None
    now = run_statuses(store.engine, run.project_id, run.run_id)
    then = run_statuses(store.engine, run.project_id, base.run_id)
    skipped = {Status.SKIPPED, Status.XFAILED}
    new_failures, fixed, newly_skipped = [], [], []
    for test_id, (label, status) in now.items():
        before = then.get(test_id)
        if status.is_bad and (before is None or not before[1].is_bad):
            new_failures.append(label)
        elif before is not None and before[1].is_bad and status is Status.PASSED:
            fixed.append(label)
        if status in skipped and (before is None or before[1] not in skipped):
            newly_skipped.append(label)
    removed = [label for test_id, (label, _) in then.items() if test_id not in now]
    return RunDelta(base, sorted(new_failures), sorted(fixed), sorted(removed), sorted(newly_skipped))


@dataclass
class CiSummary:
    """What the CI forms of a run show: its failures and flaky tests, their definitions (file, line),
    the comparison with the base run (Markdown), and links from the CI environment."""

    run: TestRunDTO
    bad: list[TestResultDTO]
    flaky: list[TestResultDTO]
    definitions: dict[str, TestDefinitionDTO]
    base_branch: str
    delta: RunDelta | None = None
    links: dict[str, str] | None = None

    def places(self) -> dict[str, str]:
        """test_id -> `file:line` (or the file) for the failures whose definition says where they are."""
        found = {}
        for test_id, definition in self.definitions.items():
            if definition.path:
                line = definition.line if definition.line and definition.line > 0 else None
                found[test_id] = f"{definition.path}:{line}" if line else definition.path
        return found


def ci_summary(
    store: Store, run: TestRunDTO, base_branch: str | None, env: Mapping[str, str], compare: bool
) -> CiSummary:
    """The run's CI summary inputs; `compare` reads the base run (of `base_branch`, default: the pull
    request's target from the CI environment, else main) for the deltas."""
    from ccdash_tests.runmeta import ci_links, default_base_branch

    bad, flaky = failing_and_flaky(store, run)
    branch = base_branch or default_base_branch(env)
    return CiSummary(
        run,
        bad,
        flaky,
        definitions_of(store, run.project_id, bad),
        branch,
        run_delta(store, run, branch) if compare else None,
        ci_links(env, run.git_sha),
    )
