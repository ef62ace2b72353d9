"""Runs as commands name them (the latest, an exact id or a unique prefix) and a run's JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ccdash_tests.errors import UserError
from ccdash_tests.models import BAD_STATUSES, Status, TestDefinitionDTO, TestResultDTO, TestRunDTO
from ccdash_tests.store import Store
from ccdash_tests.store.writer import project_counts

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
