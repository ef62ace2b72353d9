"""Runs as commands name them (the latest, an exact id or a unique prefix) and a run's JSON document."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ccdash_tests.errors import UserError
from ccdash_tests.models import BAD_STATUSES, Status, TestDefinitionDTO, TestResultDTO, TestRunDTO
from ccdash_tests.store import Store
from ccdash_tests.store.queries.runs import count_results, run_results
from ccdash_tests.store.writer import project_counts
from ccdash_tests.text import short_run_id

# An ambiguous prefix names this many candidates (and "..." when there are more).
SHOWN_CANDIDATES = 5


def find_run(store: Store, project: str, ref: str | None) -> TestRunDTO:
    """RUN as given on the command line: None for the latest run, else an exact id or a unique prefix."""
    if ref is None:
        latest = store.runs.latest(project)
        if latest is None:
            raise UserError(f"project {project!r} has no runs yet")
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
    document = run.model_dump(mode="json")
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
    version, latest = store.schema_version()
    return {
        "backend": store.engine.dialect,
        "location": store.description,
        "schema_version": version,
        "latest_migration": latest,
        "project": project,
        "counts": project_counts(store.engine, project),
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
