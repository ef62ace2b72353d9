"""Where one `ccdash-tests ingest` spends its CPU: import groups, then the command's phases, in one process.

Run it as its own process, the way a CI step starts the CLI (a fresh interpreter, no module imported yet):

    .venv/bin/python bench/budget.py REPORT STORE [--project NAME]

It imports the libraries and the package's modules group by group (each group is charged what it adds
to those before it, so a module shared by two groups counts in the first), then runs `ingest REPORT --db
STORE` through the real command line with the command's steps wrapped in timers, and prints one Markdown
table of CPU milliseconds (`time.process_time`: this process only, not git's child processes). The
command's output goes to standard error. Importing everything first moves no cost: the command imports
the same modules, and finds them loaded.
"""

from __future__ import annotations

import time

START = time.process_time()  # before anything below is imported: the interpreter and site only

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

OWN_IMPORTS = time.process_time() - START  # this script's own imports: charged to its own row

# Import groups in the order the command meets them; the package's own modules last.
# Typer is not among them: `ingest REPORT --db STORE --project NAME` takes the fast path (cli.py), which
# never imports it. Nor is Rich: with its output on a pipe or in a file (as here: the summary goes to
# stderr, redirected) the summary is written by output/plain.py, which does not import it. Nor is
# Pydantic: the run, its results and the request are plain records (ccdash_tests/records.py).
GROUPS: dict[str, tuple[str, ...]] = {
    "sqlite3": ("sqlite3",),
    "ccdash_tests.records (the ingest path's records)": ("ccdash_tests.records",),
    "ccdash_tests: the command, ingest, store, views": ("ccdash_tests.commands.ingest_run",),
    "ccdash_tests: JUnit parser, mapping, integrity": (
        "ccdash_tests.parsers.junit",
        "ccdash_tests.mapping.service",
        "ccdash_tests.integrity.service",
    ),
}

# The command's steps: (module, function, row label).
STEPS = (
    ("ccdash_tests.commands.ingest_run", "build_request", "build the request (git, CI, environment)"),
    ("ccdash_tests.commands.ingest_run", "run_ingest", "parse and write"),
    ("ccdash_tests.ingest", "map_new_tests", "map the new tests"),
    ("ccdash_tests.ingest", "check_integrity", "integrity check"),
    ("ccdash_tests.commands.ingest_run", "failing_and_flaky", "summary: read failures and flaky tests"),
    ("ccdash_tests.output.views.ingest", "ingest_summary", "summary: print"),
)


def import_groups() -> list[tuple[str, float]]:
    rows = []
    for label, names in GROUPS.items():
        before = time.process_time()
        for name in names:
            importlib.import_module(name)
        rows.append((label, time.process_time() - before))
    return rows


def timed(spent: dict[str, float], label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        before = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - before

    return wrapper


def run_ingest(report: str, store: str, project: str) -> list[tuple[str, float]]:
    """The real command line, its steps timed; (label, CPU seconds) rows from the entry point to the end,
    the first of them this script's setup (wrapping the steps, importing the entry point)."""
    setup = time.process_time()
    ingest_run = importlib.import_module("ccdash_tests.commands.ingest_run")
    spent: dict[str, float] = {}
    for module, name, label in STEPS:
        owner = importlib.import_module(module)
        setattr(owner, name, timed(spent, label, getattr(owner, name)))
    body: dict[str, float] = {}
    user_errors = ingest_run.user_errors

    def body_starts() -> contextlib.AbstractContextManager[None]:
        body["start"] = time.process_time()  # the command's first statement: its options are parsed
        return user_errors()

    ingest_run.user_errors = body_starts
    from ccdash_tests.cli import main

    sys.argv = ["ccdash-tests", "ingest", report, "--db", store, "--project", project]
    started = time.process_time()
    with contextlib.redirect_stdout(sys.stderr), contextlib.suppress(SystemExit):
        main()
    ended = time.process_time()
    rest = ended - body["start"] - sum(spent.values())
    return [
        ("budget.py: wrap the steps, import the entry point", started - setup),
        ("the command line: parse the options (the fast path, cli.py)", body["start"] - started),
        *spent.items(),
        ("the rest of the command (open and migrate, plan, warnings, close)", rest),
    ]


def table(rows: list[tuple[str, float]], total: float) -> Iterator[str]:
    yield "| part | CPU ms |"
    yield "|---|---|"
    for label, seconds in rows:
        yield f"| {label} | {seconds * 1000:.0f} |"
    yield f"| total (this process) | {total * 1000:.0f} |"


def main() -> None:
    entered = time.process_time()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("store", help="the store to ingest into (a new file measures a first ingest)")
    parser.add_argument("--project", default="bench")
    args = parser.parse_args()
    own = OWN_IMPORTS + time.process_time() - entered
    # Every row is a span of its own; together they cover the process up to the total, so the parts add
    # up to it (bench/tests hold them to that) whatever the machine's load makes each one cost.
    rows = [("interpreter and site", START), ("budget.py: its imports and options", own), *import_groups()]
    rows += run_ingest(args.report, args.store, args.project)
    print("\n".join(table(rows, time.process_time())))


if __name__ == "__main__":
    main()
