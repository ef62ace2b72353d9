"""The ccdash-tests benchmarks: start-up, mapping, ingest vs floor, memory, re-ingest, a year; tables + JSON.

    .venv/bin/python bench/run.py [--quick] [--sizes 1000 10000] [--formats junit] [--pg URL | --no-pg]
                                  [--year cached|rebuild|skip] [--mapping-tests 10000] [--compare REF]

Every process is measured in CPU seconds (user + system of the process, plus on PostgreSQL the CPU of
the server backend it used, through bench/cpu_child.py) beside its wall time: on a shared machine CPU
is what other load distorts least, so the ratios (CLI / floor, command / bare imports) use CPU.
`--compare REF` runs the same start-up and ingest measurements for the git revision REF (exported to a
temporary folder) and for this checkout, alternating, and prints them side by side.
Results go to bench/out/results-<UTC time>.json and bench/out/latest.json; the table goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402  # bench/ is a folder of scripts, not a package
import mapping  # noqa: E402
import year  # noqa: E402

if TYPE_CHECKING:
    from typer.testing import CliRunner

PYTHON = sys.executable
CLI = str(Path(PYTHON).with_name("ccdash-tests"))
GNU_TIME = "/usr/bin/time"  # Debian package "time"
FULL_SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 100_000)
FORMATS = ("junit", "pytest-json")
READ_REPEATS = 3
# Issue 18: CLI / floor in CPU seconds (client + server), by (backend, cases).
GOALS = {("sqlite", 1_000): 3.0, ("sqlite", 100_000): 1.5, ("postgresql", 100_000): 2.5}
MEMORY_GOAL_MB = 150
REINGEST_GOAL = 0.10


@dataclass(frozen=True)
class Child:
    """What one measured child process cost; a timed-out child ran at least `seconds`."""

    seconds: float
    max_rss_mb: float | None
    returncode: int
    stderr: str
    timed_out: bool = False
    cpu_s: float | None = None  # user + system of the process (GNU time)


def run_child(
    argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float | None = None
) -> Child:
    """Run a process to completion (or kill it after `timeout` s); its wall time and its own peak RSS.

    The child is started by GNU time, not by this process: Linux hands a forked child the parent's
    RSS high-water mark, so wait4() on a child of a large parent would report the parent's size.
    """
    with tempfile.NamedTemporaryFile(prefix="bench-rss-", suffix=".txt") as rss_file:
        started = time.perf_counter()
        process = subprocess.Popen(
            [GNU_TIME, "-q", "-f", "%M %U %S", "-o", rss_file.name, *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout kills time AND the child
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
            return Child(time.perf_counter() - started, None, process.returncode, "timed out", True)
        seconds = time.perf_counter() - started
        # GNU time may write a line of its own first ("Command exited with non-zero status 3").
        rss_kib, user, system = Path(rss_file.name).read_text().split()[-3:]
    return Child(
        seconds,
        int(rss_kib) / 1024,
        process.returncode,
        stderr.decode(errors="replace")[-2000:],
        cpu_s=float(user) + float(system),
    )


@dataclass(frozen=True)
class Measured:
    """One measured child run through bench/cpu_child.py: wall, peak memory, its CPU and its server's."""

    child: Child
    cpu_s: float
    server_cpu_s: float

    @property
    def total_cpu_s(self) -> float:
        return self.cpu_s + self.server_cpu_s


def run_measured(
    kind: str,
    args: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    tree: Path = ROOT,
) -> Measured:
    """`ccdash-tests ARGS` (kind "cli") or the floor (kind "floor") of checkout `tree`, measured."""
    with tempfile.NamedTemporaryFile(prefix="bench-cpu-", suffix=".json") as out:
        child_env = {**(env if env is not None else os.environ), "PYTHONPATH": str(tree)}
        argv = [PYTHON, str(BENCH / "cpu_child.py"), out.name, kind, *args]
        child = run_child(argv, cwd, child_env, timeout)
        text = Path(out.name).read_text()
    if child.timed_out or not text:
        return Measured(child, child.cpu_s or child.seconds, 0.0)
    facts = json.loads(text)
    return Measured(child, facts["process_cpu_s"], facts["server_cpu_s"])


def checked(child: Child, what: str) -> Child:
    if child.returncode != 0 and not child.timed_out:
        raise RuntimeError(f"{what} failed with exit code {child.returncode}: {child.stderr}")
    return child


# ---- targets: a fresh SQLite file or a fresh PostgreSQL database per measurement -------------------


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


@contextmanager
def fresh_target(backend: str, work: Path, pg_url: str | None) -> Iterator[str]:
    """A blank store location on `backend`, removed afterwards."""
    if backend == "sqlite":
        path = work / f"bench-{secrets.token_hex(4)}.db"
        try:
            yield str(path)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    assert pg_url is not None
    name = f"ccdash_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(pg_url, name)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def floor_args(fmt: str, report: Path, backend: str, target: str) -> list[str]:
    flag = "--sqlite" if backend == "sqlite" else "--pg"
    return [fmt, str(report), flag, target]


def floor_argv(fmt: str, report: Path, backend: str, target: str) -> list[str]:
    return [PYTHON, str(BENCH / "floor.py"), *floor_args(fmt, report, backend, target)]


def ingest_args(report: Path, target: str, *extra: str) -> list[str]:
    return ["ingest", str(report), "--db", target, "--project", year.PROJECT, *extra]


def cli_argv(report: Path, target: str, *extra: str) -> list[str]:
    return [CLI, *ingest_args(report, target, *extra)]


# ---- ingest ------------------------------------------------------------------------------------------


@dataclass
class IngestRow:
    """One (format, backend, size): floor, first CLI ingest, re-ingest. None: not measured (timeout)."""

    format: str
    backend: str
    cases: int
    report_mb: float
    floor_s: float
    floor_rss_mb: float | None
    cli_s: float
    cli_rss_mb: float | None
    reingest_s: float | None
    reingest_rss_mb: float | None
    cli_timed_out: bool = False
    # CPU seconds: the process, and the PostgreSQL backend it used (0 on SQLite).
    floor_cpu_s: float = 0.0
    floor_server_cpu_s: float = 0.0
    cli_cpu_s: float = 0.0
    cli_server_cpu_s: float = 0.0
    reingest_cpu_s: float | None = None

    @property
    def ratio(self) -> float:
        """CLI / floor in CPU seconds (client + server); with a timed-out CLI, a lower bound."""
        floor = self.floor_cpu_s + self.floor_server_cpu_s
        return (self.cli_cpu_s + self.cli_server_cpu_s) / floor if floor else self.wall_ratio

    @property
    def wall_ratio(self) -> float:
        return self.cli_s / self.floor_s

    @property
    def reingest_fraction(self) -> float | None:
        if self.reingest_cpu_s is None or not self.cli_cpu_s:
            return None if self.reingest_s is None else self.reingest_s / self.cli_s
        return self.reingest_cpu_s / (self.cli_cpu_s + self.cli_server_cpu_s)

    def as_dict(self) -> dict:
        fraction = self.reingest_fraction
        return {
            **asdict(self),
            "ratio": round(self.ratio, 2),
            "wall_ratio": round(self.wall_ratio, 2),
            "reingest_fraction": None if fraction is None else round(fraction, 3),
            "cli_cases_per_s": round(self.cases / self.cli_s),
            "floor_cases_per_s": round(self.cases / self.floor_s),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def measure_ingest(
    fmt: str, backend: str, cases: int, out: Path, pg_url: str | None, timeout: float, tree: Path = ROOT
) -> IngestRow:
    report = generate.report_path(out / "reports", fmt, cases)
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CCDASH_TESTS_PROJECT": year.PROJECT}
    env.pop("CI", None)
    with fresh_target(backend, work, pg_url) as target:
        floor = run_measured("floor", floor_args(fmt, report, backend, target), work, env)
        checked(floor.child, "floor")
    with fresh_target(backend, work, pg_url) as target:
        first = run_measured("cli", ingest_args(report, target), work, env, timeout, tree)
        checked(first.child, "ingest")
        again = None
        if not first.child.timed_out:
            again = run_measured("cli", ingest_args(report, target), work, env, timeout, tree)
            checked(again.child, "re-ingest")
    return IngestRow(
        fmt,
        backend,
        cases,
        round(report.stat().st_size / 1e6, 1),
        round(floor.child.seconds, 3),
        _round(floor.child.max_rss_mb, 1),
        round(first.child.seconds, 3),
        _round(first.child.max_rss_mb, 1),
        None if again is None else round(again.child.seconds, 3),
        None if again is None else _round(again.child.max_rss_mb, 1),
        first.child.timed_out,
        floor_cpu_s=round(floor.cpu_s, 3),
        floor_server_cpu_s=round(floor.server_cpu_s, 3),
        cli_cpu_s=round(first.cpu_s, 3),
        cli_server_cpu_s=round(first.server_cpu_s, 3),
        reingest_cpu_s=None if again is None else round(again.total_cpu_s, 3),
    )


# ---- mapping resolution ------------------------------------------------------------------------------


def measure_mapping(count: int, backends: Sequence[str], work: Path, pg_url: str | None) -> list[dict]:
    """The resolver, then the mapping step of an ingest on each backend, in CPU seconds (bench/mapping.py)."""
    if count <= 0:
        return []
    print(f"mapping {count:,} tests", file=sys.stderr, flush=True)
    rows = [mapping.measure_resolver(count)]
    for backend in backends:
        rows.append(
            mapping.measure_after_ingest(count, backend, lambda b=backend: fresh_target(b, work, pg_url))
        )
    return rows


# ---- a year of history ---------------------------------------------------------------------------


def median_seconds(action: Callable[[], object], repeats: int = READ_REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cli_startup(work: Path) -> dict:
    """`ccdash-tests --help`: the import and start-up cost every command pays before its own work."""
    children = [checked(run_child([CLI, "--help"], work), "--help") for _ in range(READ_REPEATS)]
    return {
        "seconds": round(statistics.median(child.seconds for child in children), 3),
        "max_rss_mb": round(max(child.max_rss_mb for child in children), 1),
    }


# The yardstick of start-up: what any Typer + Rich + Pydantic tool pays to import its libraries.
IMPORTS_ONLY = [PYTHON, "-c", "import typer, rich.console, pydantic"]
STARTUP_COMMANDS = {"--version": ["--version"], "runs list --json": ["runs", "list", "--json"]}
STARTUP_GOALS = {"--version": 1.5, "runs list --json": 2.5}
STARTUP_REPEATS = 9
# A 1,000-case ingest is start-up more than work: its row in the ingest table is one sample a tree,
# so it is also measured here, alternated and repeated like the start-up, against the floor.
SMALL_INGEST = 1_000
SMALL_INGEST_LABEL = f"ingest {SMALL_INGEST:,} JUnit (new SQLite file)"
SMALL_FLOOR_LABEL = f"floor {SMALL_INGEST:,} JUnit (new SQLite file)"


def small_store(work: Path, tree: Path, name: str) -> Path:
    """A SQLite store holding one 200-test run, written by checkout `tree` (each tree its own schema)."""
    db = work / f"startup-{name}.db"
    remove_store(db)
    report = work / "startup.xml"
    generate.write_junit(report, 200)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    checked(run_child(cli_argv(report, str(db)), work, env), f"small store ({name})")
    return db


def remove_store(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def measure_startup(work: Path, trees: dict[str, Path], repeats: int = STARTUP_REPEATS) -> list[dict]:
    """Bare imports, `--version`, `runs list --json` on a small store, and the floor and `ingest` of
    1,000 JUnit cases into a new SQLite file: CPU medians, alternated.

    Each repetition runs every command of every tree once, in turn, so a burst of load elsewhere falls
    on all of them alike. The ingest's ratio is to the floor; the others' to the bare imports.
    """
    stores = {name: small_store(work, tree, name) for name, tree in trees.items()}
    report = work / "startup-ingest.xml"
    generate.write_junit(report, SMALL_INGEST)
    fresh = work / "startup-ingest.db"
    jobs: list[tuple[str, str, list[str], dict[str, str]]] = [
        ("imports only", "-", IMPORTS_ONLY, dict(os.environ)),
        (SMALL_FLOOR_LABEL, "-", floor_argv("junit", report, "sqlite", str(fresh)), dict(os.environ)),
    ]
    for name, tree in trees.items():
        env = {**os.environ, "PYTHONPATH": str(tree), "CCDASH_TESTS_PROJECT": year.PROJECT}
        env["CCDASH_TESTS_DB"] = str(stores[name])
        jobs += [(label, name, [CLI, *args], env) for label, args in STARTUP_COMMANDS.items()]
        jobs.append((SMALL_INGEST_LABEL, name, cli_argv(report, str(fresh)), env))
    cpu: dict[tuple[str, str], list[float]] = {(label, name): [] for label, name, _, _ in jobs}
    wall: dict[tuple[str, str], list[float]] = {(label, name): [] for label, name, _, _ in jobs}
    for _ in range(repeats):
        for label, name, argv, env in jobs:
            remove_store(fresh)
            child = checked(run_child(argv, work, env), label)
            cpu[label, name].append(child.cpu_s or 0.0)
            wall[label, name].append(child.seconds)
    base = {label: statistics.median(cpu[label, "-"]) for label in ("imports only", SMALL_FLOOR_LABEL)}
    goals = {**STARTUP_GOALS, SMALL_INGEST_LABEL: GOALS[("sqlite", SMALL_INGEST)]}
    rows = []
    for label, name, _, _ in jobs:
        median = statistics.median(cpu[label, name])
        against = SMALL_FLOOR_LABEL if label in (SMALL_FLOOR_LABEL, SMALL_INGEST_LABEL) else "imports only"
        rows.append(
            {
                "command": label,
                "tree": name,
                "cpu_s": round(median, 3),
                "wall_s": round(statistics.median(wall[label, name]), 3),
                "ratio": round(median / base[against], 2),
                "against": "floor" if against == SMALL_FLOOR_LABEL else "imports only",
                "goal": goals.get(label),
            }
        )
    return rows


def startup_table(rows: Sequence[dict]) -> str:
    lines = [
        "| start-up (median CPU s, alternated) | tree | CPU s | wall s | ratio | goal |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        goal = "" if row["goal"] is None else f"<= {row['goal']}x: {ok(row['ratio'] <= row['goal'])}"
        lines.append(
            f"| {row['command']} | {row['tree']} | {row['cpu_s']:.3f} | {row['wall_s']:.3f} "
            f"| {row['ratio']:.2f}x {row['against']} | {goal} |"
        )
    return "\n".join(lines)


def export_tree(ref: str, folder: Path) -> Path:
    """The files of git revision `ref` in `folder` (git archive: no worktree, no checkout state)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def compare_table(ref: str, rows: Sequence[tuple[IngestRow, IngestRow]]) -> str:
    lines = [
        f"| ingest (CPU s, client + server) | {ref} | this checkout | this/{ref} "
        f"| floor | {ref}/floor | this/floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for old, new in rows:
        old_cpu = old.cli_cpu_s + old.cli_server_cpu_s
        new_cpu = new.cli_cpu_s + new.cli_server_cpu_s
        floor = new.floor_cpu_s + new.floor_server_cpu_s
        lines.append(
            f"| {new.format} {new.backend} {new.cases:,} | {old_cpu:.2f} | {new_cpu:.2f} "
            f"| {new_cpu / old_cpu:.2f} | {floor:.2f} | {old.ratio:.2f}x | {new.ratio:.2f}x |"
        )
    return "\n".join(lines)


def registered_commands() -> set[str]:
    """Command paths the CLI has right now ("health", "runs list"), so new commands are measured too.

    Read from the click tree, which builds every command (the app itself registers a command only
    when its module is imported, which the CLI does lazily).
    """
    import typer

    from ccdash_tests.cli import app

    names: set[str] = set()

    def walk(group: object, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            names.add(f"{prefix}{name}")
            walk(command, f"{prefix}{name} ")

    walk(typer.main.get_command(app), "")
    return names


def read_commands(test_id: str) -> dict[str, tuple[str, list[str]]]:
    """label -> (command path that must exist, arguments): the issue's five, then other read commands.

    The year lies in 2025, so spans are given in days wide enough to reach back to it.
    """
    return {
        "runs list": ("runs list", ["runs", "list"]),
        "health": ("health", ["health"]),
        "domains": ("domains", ["domains"]),
        "flaky": ("flaky", ["flaky"]),
        "history TEST": ("history", ["history", test_id]),
        "runs show (latest)": ("runs show", ["runs", "show"]),
        "failures (latest run)": ("failures", ["failures"]),
        "failures --all": ("failures", ["failures", "--all"]),
        "timeline --feature F --by day (whole year)": (
            "timeline",
            ["timeline", "--feature", "auth-feature-0", "--days", "3660", "--by", "day"],
        ),
    }


def measure_reads(db: Path, work: Path) -> list[dict]:
    """Each existing read command: in-process (Typer CliRunner) and as a whole CLI process, --json."""
    from typer.testing import CliRunner

    known = registered_commands()
    test_id = year.shapes()[year.BROKEN_TEST].test_id
    rows = []
    runner = CliRunner()
    work.mkdir(parents=True, exist_ok=True)
    for label, (command, argv) in read_commands(test_id).items():
        if command not in known:
            rows.append({"command": label, "exists": False})
            continue
        args = [*argv, "--json", "--db", str(db), "--project", year.PROJECT]
        rows.append(measure_read(runner, label, args, work))
    return rows


def measure_read(runner: CliRunner, label: str, args: list[str], work: Path) -> dict:
    """One command, in-process then as its own process; a failing command is recorded, not raised."""
    from ccdash_tests.cli import app

    probe = runner.invoke(app, args)
    row: dict = {"command": label, "exists": True, "exit_code": probe.exit_code}
    row["json_kb"] = round(len(probe.stdout.encode()) / 1024, 1)
    if probe.exit_code != 0:
        row["error"] = (probe.output or repr(probe.exception))[-300:]
    row["in_process_s"] = round(median_seconds(lambda: runner.invoke(app, args)), 4)
    children = [run_child([CLI, *args], work) for _ in range(READ_REPEATS)]
    row["cli_s"] = round(statistics.median(child.seconds for child in children), 4)
    row["cli_rss_mb"] = round(max(child.max_rss_mb for child in children), 1)
    return row


def measure_repository_reads(db: Path) -> list[dict]:
    """The store calls behind `runs list` and `history`, without Typer or rendering."""
    from ccdash_tests.store import open_store

    test_id = year.shapes()[year.BROKEN_TEST].test_id
    with open_store(str(db)) as store:
        calls = {
            "runs.list_by_project(limit=20)": lambda: store.runs.list_by_project(year.PROJECT, limit=20),
            "runs.latest": lambda: store.runs.latest(year.PROJECT),
            "results.history(test, limit=50)": lambda: store.results.history(year.PROJECT, test_id, limit=50),
            "results.history(test) whole year": lambda: store.results.history(year.PROJECT, test_id),
            "mappings.by_feature": lambda: store.mappings.by_feature(year.PROJECT, "auth-feature-0"),
        }
        return [{"call": name, "seconds": round(median_seconds(call), 4)} for name, call in calls.items()]


def measure_one_more_run(db: Path, out: Path) -> dict:
    """Ingest one more 500-test run into a copy of the year: in-process (ingest_request) and via the CLI."""
    import random

    from ccdash_tests.ingest import ingest_request
    from ccdash_tests.store import open_store

    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "year-copy.db"
    shutil.copyfile(db, copy)
    tests = year.shapes()
    rng = random.Random(99)
    first_new = year.RUNS_PER_DAY * year.DAYS
    requests = [year.run_request(first_new + n, tests, rng) for n in range(5)]
    times = []
    with open_store(str(copy)) as store:
        for request in requests:
            started = time.perf_counter()
            ingest_request(store, request)
            times.append(time.perf_counter() - started)
    report = work / "one-more-run.xml"
    generate.write_junit(report, year.TESTS, seed=4242)
    cli = checked(run_child(cli_argv(report, str(copy)), work), "ingest into the year")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return {
        "ingest_request_median_s": round(statistics.median(times), 4),
        "ingest_request_max_s": round(max(times), 4),
        "cli_500_case_junit_s": round(cli.seconds, 3),
        "cli_rss_mb": round(cli.max_rss_mb, 1),
    }


def measure_year(out: Path, mode: str) -> dict:
    def progress(runs: int, seconds: float) -> None:
        print(f"  year build: {runs:,} runs in {seconds:.0f} s", file=sys.stderr, flush=True)

    db, facts = year.cached(out, rebuild=mode == "rebuild", progress=progress)
    from ccdash_tests.store import open_store

    # Opening migrates: a cached year built before a new migration is measured with that migration applied.
    with open_store(str(db)) as store:
        schema = store.schema_version()
    return {
        **facts,
        "schema": {"migrations": schema[0], "latest": schema[1]},
        "file_mb": round(db.stat().st_size / 1e6, 1),
        "one_more_run": measure_one_more_run(db, out),
        "repository_reads": measure_repository_reads(db),
        "commands": measure_reads(db, out / "work"),
    }


# ---- output ------------------------------------------------------------------------------------------


def ok(flag: bool) -> str:
    return "yes" if flag else "NO"


def show(value: float | None, spec: str, missing: str = "n/a") -> str:
    return missing if value is None else format(value, spec)


def ingest_table(rows: list[IngestRow]) -> str:
    head = (
        "| format | backend | cases | report MB | floor CPU s (server) | CLI CPU s (server) | CLI/floor CPU "
        "| floor wall s | CLI wall s | CLI peak MB | floor peak MB | re-ingest CPU s | re-ingest/first |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for row in rows:
        over = "> " if row.cli_timed_out else ""
        lines.append(
            f"| {row.format} | {row.backend} | {row.cases:,} | {row.report_mb} "
            f"| {row.floor_cpu_s + row.floor_server_cpu_s:.2f} ({row.floor_server_cpu_s:.2f}) "
            f"| {over}{row.cli_cpu_s + row.cli_server_cpu_s:.2f} ({row.cli_server_cpu_s:.2f})"
            f"{' (killed)' if over else ''} | {over}{row.ratio:.2f}x "
            f"| {row.floor_s:.2f} | {row.cli_s:.2f} | {show(row.cli_rss_mb, '.0f')} "
            f"| {show(row.floor_rss_mb, '.0f')} | {show(row.reingest_cpu_s, '.2f')} "
            f"| {show(row.reingest_fraction, '.0%')} |"
        )
    return "\n".join(lines)


def goals_table(
    rows: list[IngestRow],
    year_facts: dict | None,
    mapping_rows: Sequence[dict] = (),
    startup_rows: Sequence[dict] = (),
) -> str:
    lines = ["| goal | measured | met |", "|---|---|---|"]
    for row in startup_rows:
        if row["goal"] is not None and row["tree"] == "this":
            lines.append(
                f"| `{row['command']}` <= {row['goal']}x of {row['against']} (CPU, alternated) "
                f"| {row['ratio']:.2f}x ({row['cpu_s']:.3f} s) | {ok(row['ratio'] <= row['goal'])} |"
            )
    for row in mapping_rows:
        if row["tests"] == 10_000:
            where = "" if row["backend"] == "-" else f" on {row['backend']}"
            lines.append(
                f"| {row['workload']}{where}, 10,000 tests < {mapping.GOAL_CPU_S:.0f} CPU s "
                f"| {row['cpu_s']:.2f} s | {ok(row['cpu_s'] < mapping.GOAL_CPU_S)} |"
            )
    largest = max((row.cases for row in rows), default=0)
    for row in rows:
        goal = GOALS.get((row.backend, row.cases))
        if goal is not None:
            lines.append(
                f"| {row.format} {row.backend} {row.cases:,} cases within {goal}x of floor (CPU) "
                f"| {'> ' if row.cli_timed_out else ''}{row.ratio:.2f}x | {ok(row.ratio <= goal)} |"
            )
    for row in rows:
        if row.cases == largest:
            memory_ok = row.cli_rss_mb is not None and row.cli_rss_mb < MEMORY_GOAL_MB
            lines.append(
                f"| {row.format} {row.backend} {row.cases:,} cases peak RSS < {MEMORY_GOAL_MB} MB "
                f"| {show(row.cli_rss_mb, '.0f', 'killed')} MB | {ok(memory_ok)} |"
            )
    for row in rows:
        if row.cases == largest:
            fraction = row.reingest_fraction
            lines.append(
                f"| {row.format} {row.backend} {row.cases:,} cases re-ingest < 10% of first ingest "
                f"| {show(fraction, '.0%')} | {ok(fraction is not None and fraction < REINGEST_GOAL)} |"
            )
    if year_facts:
        size = year_facts["file_mb"]
        more = year_facts["one_more_run"]["ingest_request_median_s"]
        lines.append(f"| year store file < 200 MB | {size:.0f} MB | {ok(size < 200)} |")
        lines.append(
            f"| one more 500-test run < 50 ms (in-process) | {more * 1000:.0f} ms | {ok(more < 0.05)} |"
        )
    return "\n".join(lines)


def year_tables(facts: dict) -> str:
    more = facts["one_more_run"]
    lines = [
        f"Year: {facts['runs']:,} runs, {facts['results']:,} results, file {facts['file_mb']} MB, "
        f"built in {facts['build_seconds']:,} s. One more run: ingest_request median "
        f"{more['ingest_request_median_s'] * 1000:.1f} ms (max {more['ingest_request_max_s'] * 1000:.1f}), "
        f"CLI 500-case JUnit {more['cli_500_case_junit_s']:.2f} s.",
        "",
        "| read command (--json) | in-process s | CLI process s | CLI peak MB | JSON KB | exit |",
        "|---|---|---|---|---|---|",
    ]
    for row in facts["commands"]:
        if not row["exists"]:
            lines.append(f"| {row['command']} | (command does not exist yet) | | | | |")
            continue
        lines.append(
            f"| {row['command']} | {row['in_process_s']:.3f} | {row['cli_s']:.3f} | {row['cli_rss_mb']:.0f} "
            f"| {row['json_kb']} | {row['exit_code']} |"
        )
    lines += ["", "| store call | s |", "|---|---|"]
    lines += [f"| {row['call']} | {row['seconds']:.4f} |" for row in facts["repository_reads"]]
    return "\n".join(lines)


def machine() -> dict:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "sqlite": __import__("sqlite3").sqlite_version,
        # The machine is shared: a load above the core count means the timings were contended.
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 100,000; no year unless --year")
    parser.add_argument("--sizes", type=int, nargs="+", help="case counts (default 1e3..1e6)")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--pg", default=os.environ.get("CCDASH_TESTS_POSTGRES_URL"), help="admin URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--year", choices=("cached", "rebuild", "skip"), help="default: cached; --quick: skip"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds before a CLI ingest is killed (default 300)"
    )
    parser.add_argument(
        "--mapping-tests", type=int, default=10_000, help="tests in the mapping workloads (0: skip them)"
    )
    parser.add_argument(
        "--compare", metavar="REF", help="also measure git revision REF, alternating with this checkout"
    )
    parser.add_argument("--startup-repeats", type=int, default=STARTUP_REPEATS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.out = args.out.resolve()
    started = machine()
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    year_mode = args.year or ("skip" if args.quick else "cached")
    backends = ["sqlite"] + ([] if args.no_pg or not args.pg else ["postgresql"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "work").mkdir(exist_ok=True)
    startup = cli_startup(args.out / "work")
    trees = {"this": ROOT}
    if args.compare:
        trees = {args.compare: export_tree(args.compare, args.out / "compare" / "tree"), "this": ROOT}
    print("start-up", file=sys.stderr, flush=True)
    startup_rows = measure_startup(args.out / "work", trees, args.startup_repeats)
    mapping_rows = (
        [] if args.compare else measure_mapping(args.mapping_tests, backends, args.out / "work", args.pg)
    )
    rows: list[IngestRow] = []
    pairs: list[tuple[IngestRow, IngestRow]] = []
    for fmt in args.formats:
        for backend in backends:
            for cases in sizes:
                print(f"ingest {fmt} {backend} {cases:,}", file=sys.stderr, flush=True)
                measured = {
                    name: measure_ingest(fmt, backend, cases, args.out, args.pg, args.timeout, tree)
                    for name, tree in trees.items()
                }
                rows.append(measured["this"])
                if args.compare:
                    pairs.append((measured[args.compare], measured["this"]))
                # Kept as it goes, so an interrupted run still leaves what it measured.
                partial = {"machine": started, "ingest": [row.as_dict() for row in rows]}
                (args.out / "partial.json").write_text(json.dumps(partial, indent=2))
    year_facts = None
    if year_mode != "skip" and not args.compare:
        print("year of history", file=sys.stderr, flush=True)
        year_facts = measure_year(args.out, year_mode)
    document = {
        "machine": started,
        "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
        "cli_startup": startup,
        "startup": startup_rows,
        "compare": None
        if not args.compare
        else {"ref": args.compare, "ingest": [[old.as_dict(), new.as_dict()] for old, new in pairs]},
        "mapping": mapping_rows,
        "ingest": [row.as_dict() for row in rows],
        "year": year_facts,
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"results-{stamp}.json", "latest.json"):
        (args.out / name).write_text(json.dumps(document, indent=2))
    print(
        f"{started['date']}, {started['cpus']} CPUs, Python {started['python']}, SQLite {started['sqlite']}, "
        f"load average {started['load_average'][0]} at start, {document['load_average_at_end'][0]} at end; "
        f"CLI start-up (--help) {startup['seconds']:.2f} s, {startup['max_rss_mb']:.0f} MB\n"
    )
    print(startup_table(startup_rows))
    print()
    if mapping_rows:
        print(mapping.table(mapping_rows))
        print()
    print(ingest_table(rows))
    if pairs:
        print()
        print(compare_table(args.compare, pairs))
    print()
    if year_facts:
        print(year_tables(year_facts))
        print()
    print(goals_table(rows, year_facts, mapping_rows, startup_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
