"""The `ingest` fast path (commands/ingest_run.py) and the Typer command read every argv alike.

Three proofs: INGEST_OPTIONS is what the Typer command declares, option by option; for each option
(given, left to its default, given by environment) the fast path hands `run` exactly the values Typer
hands it; and real processes through the fast path and through Typer print, exit and store the same,
for successes and for errors. Whatever the fast path does not understand it leaves to Typer.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from factories import junit_case, junit_xml
from reliability_support import cli_env
from typer.main import get_command
from typer.testing import CliRunner

from ccdash_tests.commands import ingest_run
from ccdash_tests.commands.common import app
from ccdash_tests.commands.ingest_run import INGEST_OPTIONS, REPORTS_PARAM, parse_fast

KINDS = {bool: "flag", str: "text", int: "int", float: "float"}


def declared(param: Any) -> ingest_run.Opt:
    """One option of the Typer command in INGEST_OPTIONS' terms (Typer 0.29 keeps its type here)."""
    desc = param.type_descriptor
    kind = "choice" if desc.is_choice else "path" if desc.is_path else KINDS[desc.annotation]
    return ingest_run.Opt(
        param.name,
        tuple(param.opts + param.secondary_opts),
        kind,
        param.default,
        param.envvar,
        getattr(desc.parameter_info, "min", None),
        getattr(desc.parameter_info, "max", None),
        tuple(choice.value for choice in desc.choices or ()),
    )


def test_the_options_are_the_ones_typer_declares() -> None:
    command = get_command(app).commands["ingest"]  # the command as Typer builds it for a run
    params = [p for p in command.params if p.name != "help"]
    reports, *options = params
    assert (reports.name, reports.param_type_name, reports.nargs, reports.required) == (
        REPORTS_PARAM,
        "argument",
        -1,
        True,
    )
    assert [declared(p) for p in options] == list(INGEST_OPTIONS)
    flags = [p for p in options if p.is_flag]
    assert {p.name for p in flags} == {o.param for o in INGEST_OPTIONS if o.kind == "flag"}
    assert all(not p.multiple and p.nargs == 1 for p in options)


def typer_values(monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """What the Typer command hands `run` for `ingest ARGS` (run itself replaced by a recorder)."""
    seen: dict[str, Any] = {}

    def record(reports: list[str], **values: Any) -> None:
        seen.update(values, reports=reports)

    monkeypatch.setattr(ingest_run, "run", record)
    clean = {name: None for name in ("CCDASH_TESTS_DB", "CCDASH_TESTS_PROJECT", "CCDASH_TOKEN")}
    result = CliRunner().invoke(app, ["ingest", *args], env={**clean, **env})
    assert result.exit_code == 0, result.output
    return seen


# One value each option takes, as a user writes it (both spellings of a value option are tried).
GIVEN = {
    "fmt": "junit",
    "run_id": "r-1",
    "git_sha": "abc1234",
    "branch": "feature/x",
    "session": "s 1",
    "trigger": "ci",
    "timestamp": "2026-01-02T03:04:05Z",
    "root": "some/folder",
    "ccdash_url": "http://localhost:8000",
    "token": "t0ken",
    "timeout": "7.5",
    "retries": "10",
    "db": "store.db",
    "project": "",
}


def argvs() -> list[list[str]]:
    cases = [["a.xml"], ["a.xml", "b.xml", "-"], ["-"], ["a.xml", "--json", "--push", "-q", "b.xml"]]
    for opt in INGEST_OPTIONS:
        if opt.kind == "flag":
            cases += [[flag, "r.xml"] for flag in opt.flags]
        else:
            value = GIVEN[opt.param]
            cases += [["r.xml", opt.flags[0], value], [f"{opt.flags[0]}={value}", "r.xml"]]
    every = [
        arg
        for o in INGEST_OPTIONS
        for arg in (o.flags[:1] if o.kind == "flag" else (o.flags[0], GIVEN[o.param]))
    ]
    cases += [["r.xml", *every], ["r.xml", "--timeout", "3600", "--retries", "0"], ["r.xml", "--timeout=1"]]
    return cases


@pytest.mark.parametrize("args", argvs(), ids=lambda args: " ".join(args))
def test_the_fast_path_passes_what_typer_passes(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    fast = parse_fast(args, environ={})
    assert fast is not None
    assert fast == typer_values(monkeypatch, args, {})


@pytest.mark.parametrize(
    ("env", "args"),
    [
        ({"CCDASH_TESTS_DB": "env.db", "CCDASH_TESTS_PROJECT": "envp", "CCDASH_TOKEN": "tok"}, ["a.xml"]),
        (
            {"CCDASH_TESTS_DB": "env.db", "CCDASH_TESTS_PROJECT": "envp"},
            ["a.xml", "--db", "x", "--project=y"],
        ),
        ({"CCDASH_TESTS_DB": "", "CCDASH_TESTS_PROJECT": ""}, ["a.xml"]),  # empty: unset, as in Click
    ],
)
def test_the_environment_reads_alike(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], args: list[str]
) -> None:
    assert parse_fast(args, environ=env) == typer_values(monkeypatch, args, env)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["a.xml", "-h"],
        ["a.xml", "--bogus"],
        ["a.xml", "--"],
        ["a.xml", "--json", "--json"],
        ["a.xml", "--db", "x", "--db", "y"],
        ["a.xml", "--db"],
        ["a.xml", "--run-id", "-x"],
        ["a.xml", "--json=yes"],
        ["a.xml", "-q=1"],
        ["a.xml", "-qj"],
        ["a.xml", "--trigger", "CI"],
        ["a.xml", "--timeout", "0"],
        ["a.xml", "--timeout", "1e3"],
        ["a.xml", "--timeout", " 5"],
        ["a.xml", "--retries", "11"],
        ["a.xml", "--retries", "1.0"],
        ["a.xml", "--root", ""],
        ["--format"],
    ],
    ids=lambda args: " ".join(args) or "(nothing)",
)
def test_what_the_fast_path_does_not_understand_goes_to_typer(args: list[str]) -> None:
    assert parse_fast(args, environ={}) is None


def test_shell_completion_goes_to_typer() -> None:
    assert parse_fast(["a.xml"], environ={"_CCDASH_TESTS_COMPLETE": "bash_complete"}) is None
    assert parse_fast(["a.xml"], environ={"CCDASH_TOKEN": "x"}) is not None


# A real process either way: `main()` (the fast path for what it understands) or the Typer app itself.
PROBES = {
    "fast": "import sys; sys.argv[0] = 'ccdash-tests'; from ccdash_tests.cli import main; main()",
    "typer": "from ccdash_tests.cli import app; app(prog_name='ccdash-tests')",
}


def run_cli(path: str, cwd: Path, args: list[str], columns: int) -> tuple[int, str, str]:
    env = cli_env(COLUMNS=str(columns))
    done = subprocess.run(
        [sys.executable, "-c", PROBES[path], "ingest", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def stored(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT run_id, project_id, status, total_tests FROM test_runs").fetchall()
        tests = conn.execute("SELECT test_id FROM test_definitions ORDER BY test_id").fetchall()
    return [*runs, *tests]


def reports(folder: Path) -> dict[str, Path]:
    failing = junit_xml(
        junit_case("test_one", "passed", classname="pkg.TestA"),
        junit_case("test_two", "failed", classname="pkg.TestA", message="boom", text="trace"),
        timestamp="2026-01-01T00:00:00",
    )
    flaky = junit_xml(
        junit_case("test_x", "passed", classname="pkg.TestB", time="0.5"),
        junit_case("test_y", "skipped", classname="pkg.TestB"),
        timestamp="2026-01-01T00:00:00",
    )
    made = {"failing.xml": failing, "other.xml": flaky, "broken.xml": "<testsuites><testsuite>"}
    for name, text in made.items():
        (folder / name).write_text(text)
    return {name: folder / name for name in made}


CASES = [
    ["failing.xml"],
    ["failing.xml", "other.xml", "--run-id", "r1", "--branch", "main", "--trigger", "ci"],
    ["failing.xml", "--json", "--timestamp", "2026-02-03T04:05:06Z"],
    ["other.xml", "-q"],
    ["failing.xml", "--format", "pytest-json"],
    ["failing.xml", "--format", "nope"],
    ["broken.xml"],
    ["missing.xml"],
    ["failing.xml", "--quiet", "--json"],
    ["failing.xml", "--root", "no/such/folder"],
    ["failing.xml", "--git-sha", "xyz"],
    ["failing.xml", "--push", "--ccdash-url", "not a url"],
    ["failing.xml", "--bogus"],
    ["failing.xml", "--help"],
]


@pytest.mark.parametrize("columns", [40, 200])
@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(args))
def test_a_real_ingest_prints_exits_and_stores_the_same_either_way(
    tmp_path: Path, args: list[str], columns: int
) -> None:
    reports(tmp_path)
    seen = {}
    for path in PROBES:
        db = tmp_path / "s.db"  # one name for both: the summary prints it
        printed = run_cli(path, tmp_path, [*args, "--db", "s.db", "--project", "p"], columns)
        seen[path] = (*printed, stored(db))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert seen["fast"] == seen["typer"]
    code, out, err, _ = seen["fast"]
    assert code in (0, 1, 2) and "Traceback" not in err
    if "--json" in args and code == 0:
        assert json.loads(out)["project_id"] == "p"


PROBE_MODULES = """
import sys
sys.argv = ["ccdash-tests", "ingest", "failing.xml", "--db", "s.db", "--project", "p", "--json"]
from ccdash_tests.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
print(code, "typer" in sys.modules, "rich" in sys.modules, file=sys.stderr)
"""


def test_the_common_ingest_does_not_import_typer(tmp_path: Path) -> None:
    reports(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE_MODULES], cwd=tmp_path, env=cli_env(), capture_output=True, text=True
    )
    assert done.stderr.splitlines()[-1].split() == ["0", "False", "False"]  # exit 0, no Typer, no Rich
    assert json.loads(done.stdout)["total_tests"] == 2
