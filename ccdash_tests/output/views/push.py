"""The views of `push` (and of `ingest --push`): one line per run with CCDash's answer, or JSON."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ccdash_tests.output import terminal
from ccdash_tests.push.service import AfterIngest, RunPush

STATUS_STYLE = {"created": "green", "updated": "cyan", "skipped": "dim", "refused": "bold red"}


def _count(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def run_line(outcome: RunPush) -> Text:
    line = Text()
    line.append(terminal.safe(outcome.run_id))
    line.append(f"  {outcome.status}", style=STATUS_STYLE.get(outcome.status, ""))
    if outcome.refusal:
        line.append(f"  {terminal.safe(outcome.refusal)}")
        return line
    line.append(
        f"  {_count(outcome.results, 'result')} in {_count(outcome.posts, 'post')}: "
        f"{outcome.inserted:,} new, {outcome.already_there:,} already there",
        style="dim",
    )
    if outcome.retries:
        line.append(f", {_count(outcome.retries, 'retry', 'retries')}", style="yellow")
    return line


def show(url: str, outcomes: Sequence[RunPush], quiet: bool = False) -> None:
    """Per run: CCDash's answer, then every message in its errors[] list."""
    if quiet:
        return
    console = terminal.make_console()
    if not outcomes:
        console.print("No runs to push.")
        return
    console.print(terminal.plain(f"CCDash {url}", style="bold"))
    for outcome in outcomes:
        console.print(run_line(outcome))
        for message in outcome.errors:
            console.print(terminal.plain(f"  CCDash: {message}", style="yellow"))


def document(url: str, outcomes: Sequence[RunPush]) -> dict:
    return {"ccdash_url": url, "runs": [outcome.to_json_dict() for outcome in outcomes]}


def after_ingest_document(url: str, after: AfterIngest) -> dict:
    """The `push` member of `ingest --push --json`: CCDash's answers, or the error when it was down."""
    if not after.outcomes and after.error is not None:
        return {"ccdash_url": url, "error": str(after.error)}
    return document(url, after.outcomes)
