"""Push stored runs to CCDash: read each run a page at a time, post it in bounded parts, sum the answers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ccdash_tests import __version__
from ccdash_tests.errors import UserError
from ccdash_tests.models import CCDashResultRow, TestRunDTO
from ccdash_tests.push.client import BodyTooLarge, CCDashClient, CCDashRefused, CCDashUnavailable
from ccdash_tests.push.payload import (
    DEFAULT_POST_BYTES,
    DEFAULT_POST_RESULTS,
    Post,
    envelope,
    fallback_framework,
    plan_posts,
    result_row,
)
from ccdash_tests.store import Store
from ccdash_tests.store.queries import push as q
from ccdash_tests.store.writer import known_sources


@dataclass(frozen=True)
class PushLimits:
    """How a run is cut into posts."""

    max_results: int = DEFAULT_POST_RESULTS
    max_bytes: int = DEFAULT_POST_BYTES


@dataclass
class RunPush:
    """What CCDash said about one run, summed over the run's posts.

    `status`: created (the first post made the run), updated (the server knew the run and took new
    results), skipped (it held every result already), refused (it refused a post; `refusal` says why).
    """

    run_id: str
    status: str = "skipped"
    results: int = 0
    posts: int = 0
    inserted: int = 0
    already_there: int = 0
    definitions_upserted: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    refusal: str | None = None

    def add_error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def to_json_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "results_sent": self.results,
            "posts": self.posts,
            "test_results_inserted": self.inserted,
            "test_results_skipped": self.already_there,
            "test_definitions_upserted": self.definitions_upserted,
            "retries": self.retries,
            "errors": self.errors,
            "refusal": self.refusal,
        }


def _rows(store: Store, run: TestRunDTO, framework: str) -> Iterator[CCDashResultRow]:
    for result, definition in q.run_results(store.engine, run.project_id, run.run_id):
        yield result_row(result, definition, framework)


def _send(client: CCDashClient, post: Post, outcome: RunPush) -> None:
    """Post one part; a body over a proxy's limit goes again as two halves (same run id)."""
    try:
        answer = client.post_ingest(post.body)
    except BodyTooLarge:
        if len(post.rows) < 2:
            raise
        for half in post.halves():
            _send(client, half, outcome)
        return
    response = answer.response
    first = outcome.posts == 0
    outcome.posts += 1
    outcome.retries += answer.retries
    outcome.results += len(post.rows)
    outcome.inserted += response.test_results_inserted
    outcome.already_there += response.test_results_skipped
    outcome.definitions_upserted += response.test_definitions_upserted
    for message in response.errors:
        outcome.add_error(message)
    if first and response.status == "created":
        outcome.status = "created"
    elif outcome.status != "created" and response.test_results_inserted:
        outcome.status = "updated"


def push_run(store: Store, run: TestRunDTO, client: CCDashClient, limits: PushLimits) -> RunPush:
    """Send one run. Refusals are recorded in the outcome; an unreachable server raises."""
    sources = sorted(known_sources(store.engine, run.project_id, run.run_id).values(), key=lambda s: s.name)
    head = envelope(run, sources, __version__)
    rows = _rows(store, run, fallback_framework(sources))
    outcome = RunPush(run.run_id)
    try:
        for post in plan_posts(head, rows, limits.max_results, limits.max_bytes):
            _send(client, post, outcome)
    except CCDashRefused as exc:
        outcome.status, outcome.refusal = "refused", str(exc)
    except CCDashUnavailable as exc:
        if outcome.posts:
            raise CCDashUnavailable(
                f"{exc}; run {run.run_id} is partly on the server ({outcome.results:,} results): "
                "push it again to complete it"
            ) from None
        raise
    return outcome


def push_runs(
    store: Store, runs: Sequence[TestRunDTO], client: CCDashClient, limits: PushLimits | None = None
) -> list[RunPush]:
    """Send the runs in order; stop at the first run the server cannot take (it is down, or failing)."""
    outcomes: list[RunPush] = []
    for run in runs:
        try:
            outcomes.append(push_run(store, run, client, limits or PushLimits()))
        except CCDashUnavailable as exc:
            if outcomes:
                raise CCDashUnavailable(f"{exc} ({len(outcomes)} of {len(runs)} runs were pushed)") from None
            raise
    return outcomes


def refusal(outcomes: Sequence[RunPush]) -> UserError | None:
    """The exit-2 error when CCDash refused a run, quoting its validation errors; None when it took all."""
    refused = [outcome for outcome in outcomes if outcome.status == "refused"]
    if not refused:
        return None
    first = refused[0]
    return UserError(f"{len(refused)} of {len(outcomes)} runs refused; run {first.run_id}: {first.refusal}")


@dataclass
class AfterIngest:
    """What `ingest --push` did with the run it had just stored, and the error it must end with."""

    outcomes: list[RunPush]
    error: Exception | None = None


def push_after_ingest(store: Store, run: TestRunDTO, client: CCDashClient) -> AfterIngest:
    """Send the run just stored. It is committed already, so a server that is down loses nothing here:
    the error says so and how to send the run later."""
    try:
        outcomes = push_runs(store, [run], client)
    except CCDashUnavailable as exc:
        message = (
            f"run {run.run_id} is stored ({store.description}) but not pushed: {exc}; "
            f"send it later with: ccdash-tests push {run.run_id}"
        )
        return AfterIngest([], CCDashUnavailable(message))
    return AfterIngest(outcomes, refusal(outcomes))


def select_runs(
    store: Store, project: str, since: datetime | None = None, every: bool = False
) -> list[TestRunDTO]:
    """The runs of a backfill (`--since`, `--all`), oldest first; else the latest run alone."""
    if since is None and not every:
        latest = store.runs.latest(project)
        return [latest] if latest is not None else []
    found = []
    for run_id in q.run_ids(store.engine, project, since):
        run = store.runs.get(project, run_id)
        if run is not None:
            found.append(run)
    return found
