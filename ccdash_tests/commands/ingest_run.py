"""`ccdash-tests ingest` without Typer: its options declared once, a fast parser for them, and its body.

Most runs of the tool are a CI step's `ingest REPORT... [options]`. Typer costs that step more than its
work on a small report (importing it and building a Pydantic adapter for each of the 19 options), so
cli.py hands such an argv to `parse_fast`, which understands exactly the options in INGEST_OPTIONS and
answers None for anything else (--help, an unknown or repeated option, a value it would have to judge,
shell completion): Typer then parses it as before and says what is wrong. commands/ingest_cmd.py
declares the Typer command over the same `run` body, and tests/test_cli_ingest_fast.py holds the two
to INGEST_OPTIONS, option by option, so they cannot drift apart.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccdash_tests import runmeta
from ccdash_tests.commands.running import resolve_project, user_errors
from ccdash_tests.errors import UserError, stored_once_committed
from ccdash_tests.ingest import (
    IngestOutcome,
    RunOptions,
    after_ingest,
    build_request,
    expand_inputs,
    plan_ingest,
    plan_landed,
    run_ingest,
)
from ccdash_tests.output.jsonout import print_json
from ccdash_tests.output.views import ingest as view
from ccdash_tests.parsers import FORMATS
from ccdash_tests.records import Trigger, utcnow
from ccdash_tests.runs import failing_and_flaky
from ccdash_tests.store import Store, import_driver, open_store, resolve_location
from ccdash_tests.times import parse_timestamp

if TYPE_CHECKING:
    from ccdash_tests.push.client import CCDashClient

# The summary lists at most this many failures and flaky tests.
SUMMARY_ROWS = 20

# Shell completion asks the command line itself (Click reads this variable): never the fast path.
COMPLETION_VARIABLE = "_CCDASH_TESTS_COMPLETE"


@dataclass(frozen=True)
class Opt:
    """One option of `ingest` as both parsers read it: its parameter, flags, kind, default and bounds.

    kind: "flag" (no value), "text", "path", "int", "float" or "choice"; `envvar` is read when the
    option is not given (an empty value counts as unset, as in Click)."""

    param: str
    flags: tuple[str, ...]
    kind: str
    default: Any = None
    envvar: str | None = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


# Every option of `ingest`, in the order of the command's parameters (the reports come first).
INGEST_OPTIONS: tuple[Opt, ...] = (
    Opt("fmt", ("--format",), "text", "auto"),
    Opt("run_id", ("--run-id",), "text"),
    Opt("git_sha", ("--git-sha",), "text"),
    Opt("branch", ("--branch",), "text"),
    Opt("session", ("--session",), "text"),
    Opt("trigger", ("--trigger",), "choice", choices=("local", "ci")),
    Opt("timestamp", ("--timestamp",), "text"),
    Opt("root", ("--root",), "path"),
    Opt("json_out", ("--json",), "flag", False),
    Opt("quiet", ("--quiet", "-q"), "flag", False),
    Opt("push", ("--push",), "flag", False),
    Opt("ccdash_url", ("--ccdash-url",), "text"),
    Opt("token", ("--token",), "text", envvar="CCDASH_TOKEN"),
    Opt("timeout", ("--timeout",), "float", 120.0, low=1, high=3600),
    Opt("retries", ("--retries",), "int", 4, low=0, high=10),
    Opt("db", ("--db",), "text", envvar="CCDASH_TESTS_DB"),
    Opt("project", ("--project",), "text", envvar="CCDASH_TESTS_PROJECT"),
)
REPORTS_PARAM = "reports"

# Numbers the fast path converts itself; any other spelling (1e3, " 5", 0x10, 1_000) goes to Typer.
_PLAIN_INT = re.compile(r"[0-9]+")
_PLAIN_FLOAT = re.compile(r"[0-9]+(\.[0-9]+)?")


def _value(opt: Opt, text: str) -> Any:
    """The option's value as Typer would hand it to `run`; None when only Typer should judge it."""
    if opt.kind == "text":
        return text
    if opt.kind == "path":
        return Path(text) if text else None
    if opt.kind == "choice":
        if text not in opt.choices:
            return None
        return Trigger(text)  # the one choice option
    pattern = _PLAIN_INT if opt.kind == "int" else _PLAIN_FLOAT
    if not pattern.fullmatch(text):
        return None
    number = int(text) if opt.kind == "int" else float(text)
    if (opt.low is not None and number < opt.low) or (opt.high is not None and number > opt.high):
        return None
    return number


def parse_fast(args: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """`run`'s keyword arguments for `ingest ARGS`, exactly as Typer would pass them; None when ARGS hold
    anything beyond report names and single uses of INGEST_OPTIONS with plain values."""
    env = os.environ if environ is None else environ
    if env.get(COMPLETION_VARIABLE):
        return None
    by_flag = {flag: opt for opt in INGEST_OPTIONS for flag in opt.flags}
    given: dict[str, Any] = {}
    reports: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "-" or not arg.startswith("-"):
            reports.append(arg)
            continue
        name, equals, inline = arg.partition("=")
        opt = by_flag.get(name)
        if opt is None or opt.param in given or (equals and not name.startswith("--")):
            return None  # unknown (--help, --, a typo), repeated, or `-q=...`
        if opt.kind == "flag":
            if equals:
                return None
            given[opt.param] = True
            continue
        if equals:
            text = inline
        elif index < len(args):
            text = args[index]
            index += 1
        else:
            return None  # the value is missing
        if text.startswith("-"):
            return None  # Click's reading of `--run-id -x` is its own to give
        value = _value(opt, text)
        if value is None:
            return None
        given[opt.param] = value
    if not reports:
        return None
    values: dict[str, Any] = {REPORTS_PARAM: reports}
    for opt in INGEST_OPTIONS:
        if opt.param in given:
            values[opt.param] = given[opt.param]
        elif opt.envvar and env.get(opt.envvar):
            value = _value(opt, env[opt.envvar])
            if value is None:
                return None
            values[opt.param] = value
        else:
            values[opt.param] = opt.default
    return values


def run(
    reports: list[str],
    fmt: str = "auto",
    run_id: str | None = None,
    git_sha: str | None = None,
    branch: str | None = None,
    session: str | None = None,
    trigger: Trigger | None = None,
    timestamp: str | None = None,
    root: Path | None = None,
    json_out: bool = False,
    quiet: bool = False,
    push: bool = False,
    ccdash_url: str | None = None,
    token: str | None = None,
    timeout: float = 120.0,
    retries: int = 4,
    db: str | None = None,
    project: str | None = None,
) -> None:
    """The body of `ingest`: store one run from the reports, then print its summary (or its JSON)."""
    with user_errors(), tempfile.TemporaryDirectory(prefix="ccdash-") as tmp:
        if fmt != "auto" and fmt not in FORMATS:
            raise UserError(f"--format {fmt!r}: choose auto, {', '.join(FORMATS[:-1])} or {FORMATS[-1]}")
        if quiet and json_out:
            raise UserError("--quiet and --json: choose one")
        # The server is checked for form before anything is read, so a bad URL writes nothing.
        client = None
        if push or ccdash_url:
            from ccdash_tests.commands.push_cmd import make_client

            client = make_client(ccdash_url or os.environ.get("CCDASH_URL"), token, timeout, retries)
        options = RunOptions(run_id, git_sha, branch, session, trigger, parse_timestamp(timestamp))
        if root is not None and not root.is_dir():
            raise UserError(f"--root {root}: no such folder")
        name = resolve_project(project)
        files = expand_inputs(reports, tmp=Path(tmp))
        checkout_git, ci = runmeta.detect_git(Path.cwd()), runmeta.detect_ci(os.environ)
        import_driver(db)  # before the report is read: a Ctrl-C while reading must not split an import
        request = build_request(name, files, options, ci, checkout_git, utcnow())
        # The commit came from the checkout and the time from the report: they may disagree.
        sha_from_checkout = (
            not (options.git_sha or (ci and ci.git_sha)) and request.git_sha == checkout_git.sha
        )
        # Outside the store, so Ctrl-C while the connection closes after the COMMIT still says "stored".
        with stored_once_committed() as stored, store_for_ingest(db) as store:
            checkout = root or checkout_git.toplevel or Path.cwd()
            plan = plan_ingest(
                store, request, files, timestamp_given=options.timestamp is not None, root=checkout
            )
            show_progress = (
                not json_out
                and not quiet
                and sys.stderr.isatty()
                and sum(f.size for f in plan.files) > 5_000_000
            )
            try:
                with view.progress_counter(show_progress) as tick:
                    outcome = run_ingest(store, plan, fmt, on_case=tick)  # type: ignore[arg-type]
                stored.run_id = outcome.run.run_id
            except KeyboardInterrupt:
                # Ctrl-C in the COMMIT's last moment may come after the run was stored: ask the store.
                if plan_landed(store, plan):
                    stored.run_id = plan.request.run_id
                raise
            # The run is committed: an interrupt now cuts short only the summary, mapping or push.
            after = after_ingest(store, outcome, Path.cwd())
            if not json_out and not quiet:
                bad, flaky = failing_and_flaky(store, outcome.run, limit=SUMMARY_ROWS)
                view.ingest_summary(store.description, outcome, after, bad, flaky)
            if not quiet:
                view.path_warning(outcome)
                # Only a new run whose time is the report's own (not now) can predate its commit.
                from_report = outcome.run.timestamp != request.timestamp and options.timestamp is None
                if request.git_sha and sha_from_checkout and from_report and outcome.new_results:
                    committed = runmeta.commit_time(Path.cwd(), request.git_sha)
                    view.stale_report_warning(outcome.run, committed)
            pushed = push_stored_run(store, outcome, client, show=not (json_out or quiet))
            if json_out:
                document = view.ingest_document(outcome, after)
                print_json({**document, **({"push": pushed[0]} if pushed else {})})
            if pushed and pushed[1] is not None:
                raise pushed[1]


def push_stored_run(
    store: Store, outcome: IngestOutcome, client: CCDashClient | None, show: bool
) -> tuple[dict, Exception | None] | None:
    """`--push`: send the run just stored and show CCDash's answer; (its JSON, the error to end with)."""
    if client is None:
        return None
    from ccdash_tests.output.views import push as push_view
    from ccdash_tests.push.service import push_after_ingest

    pushed = push_after_ingest(store, outcome.run, client)
    if show and pushed.outcomes:
        push_view.show(client.shown_url, pushed.outcomes)
    return push_view.after_ingest_document(client.shown_url, pushed), pushed.error


@contextlib.contextmanager
def store_for_ingest(db: str | None) -> Iterator[Store]:
    """Open the store; a refused report leaves nothing behind, not even the store this ingest created
    (the SQLite file, or the tables in a new PostgreSQL database)."""
    location = resolve_location(db)
    new_file = location.backend == "sqlite" and not Path(location.target).exists()
    try:
        with open_store(db) as store:
            try:
                yield store
            except UserError:  # a refused report (ReportError) included
                if store.created and location.backend == "postgresql":
                    from ccdash_tests.store.migrations import discard_new_store

                    # Best effort: the refusal is what the user must see, not a failed clean-up.
                    with contextlib.suppress(Exception):
                        discard_new_store(store.engine)
                raise
    except UserError:
        if new_file:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(location.target + suffix).unlink(missing_ok=True)
        raise
