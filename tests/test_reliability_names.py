"""Names are data: markup, escape sequences, SQL and odd text are stored verbatim and printed literally."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from factories import cli, junit_text
from typer.testing import Result

from ccdash_tests.cli import app
from ccdash_tests.parsers.bounds import bounded_name

MARKUP = "[bold]x[/]"
LINK = "[link=file:///etc/passwd]x[/link]"
SQL = "x'); DROP TABLE test_results; --"
EMOJI = "test_🚀_ünïcode_✓"
NEWLINE = "first\nsecond"
LONG = "t" * 5000
# Names past the store's bound are cut and keep a digest of the whole (parsers/bounds.py), the same
# in every run; every shorter name arrives unchanged.
STORED = {LONG: bounded_name(LONG)}
ANSI = "\x1b[31mred\x1b[0m"
OSC8 = "\x1b]8;;file:///etc/passwd\x07click\x1b]8;;\x07"
BIDI = "test_\u202eevil"
SCRIPT = "<script>alert(1)</script>"
# Every name fails, so that it appears in every table that lists failures.
NAMES = [MARKUP, LINK, SQL, EMOJI, NEWLINE, LONG, ANSI, OSC8, BIDI, SCRIPT]
MESSAGE = "[red]boom[/red] \x1b[2J cleared"
CLASS = "tests.test_names.TestK"
# What a reader must see for a name that holds markup: the brackets, literally.
LITERAL = [MARKUP, LINK, SQL, "[red]boom[/red]"]
# Commands that change the store, write a file (map suggest) or need a git work tree; the rest only read.
WRITERS = {"ingest", "scan", "ack", "import", "set", "unset", "resolve", "suggest"}


def pytest_json(names: list[str]) -> str:
    tests = [
        {
            "nodeid": f"tests/test_names.py::TestK::{name}",
            "outcome": "failed",
            "call": {
                "outcome": "failed",
                "duration": 0.01,
                "crash": {"message": MESSAGE},
                "longrepr": MESSAGE,
            },
        }
        for name in names
    ]
    return json.dumps({"created": 1.0, "duration": 1.0, "exitcode": 1, "root": "/r", "tests": tests})


def assert_clean(result: Result) -> str:
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "\x1b" not in output, repr(output[:400])
    assert "\x07" not in output
    assert "\u202e" not in output
    return output


@pytest.fixture
def store_with_names(tmp_path: Path) -> tuple[str, dict]:
    db = str(tmp_path / "names.db")
    report = tmp_path / "names.json"
    report.write_text(pytest_json(NAMES))
    result = cli(
        "ingest", str(report), "--db", db, "--project", "p", "--run-id", f"run{MARKUP}", "--branch", ANSI
    )
    assert result.exit_code == 0, result.output
    assert_clean(result)
    for literal in (*LITERAL[:3], "\\x1b[31mred\\x1b[0m"):
        assert literal in result.stdout, literal
    shown = cli("runs", "show", "--db", db, "--project", "p", "--json")
    assert shown.exit_code == 0, shown.output
    return db, json.loads(shown.stdout)


def test_names_are_stored_verbatim(store_with_names: tuple[str, dict]) -> None:
    _, document = store_with_names
    assert document["run"]["run_id"] == f"run{MARKUP}"
    assert document["run"]["branch"] == ANSI
    results = document["results"]
    assert sorted(r["name"] for r in results) == sorted(STORED.get(name, name) for name in NAMES)
    assert {r["classname"] for r in results} == {CLASS}
    assert {r["error_message"] for r in results} == {MESSAGE}
    assert len({r["test_id"] for r in results}) == len(NAMES)


def test_sql_in_names_is_only_data(store_with_names: tuple[str, dict]) -> None:
    db, _ = store_with_names
    info = cli("db", "info", "--db", db, "--project", "p", "--json")
    assert info.exit_code == 0, info.output
    assert json.loads(info.stdout)["counts"]["results"] == len(NAMES)


def test_junit_names_are_stored_verbatim_and_shown_literally(tmp_path: Path) -> None:
    """XML cannot carry ESC; everything else it can carry arrives unchanged."""
    names = [MARKUP, LINK, SQL, EMOJI, NEWLINE, LONG, " padded ", "a&b<c>\"'"]
    report = tmp_path / "names.xml"
    report.write_text(junit_text([(f"{MARKUP}.Cls", name, "failed") for name in names]))
    db = str(tmp_path / "junit.db")
    ingested = cli("ingest", str(report), "--db", db, "--project", "p")
    assert ingested.exit_code == 0, ingested.output
    output = assert_clean(ingested)
    assert f"{MARKUP}.Cls.{LINK}" in output  # a JUnit test as `Class.method`
    shown = cli("runs", "show", "--db", db, "--project", "p", "--json")
    results = json.loads(shown.stdout)["results"]
    assert sorted(r["name"] for r in results) == sorted(STORED.get(name, name) for name in names)
    assert {r["classname"] for r in results} == {f"{MARKUP}.Cls"}


def test_every_table_shows_names_literally(store_with_names: tuple[str, dict]) -> None:
    db, document = store_with_names
    base = ("--db", db, "--project", "p")
    by_name = {r["name"]: r["test_id"] for r in document["results"]}
    outputs = {
        "runs list": cli("runs", "list", *base),
        "runs show": cli("runs", "show", *base),
        "history": cli("history", by_name[LINK], *base),
        "failures": cli("failures", *base),
    }
    for command, result in outputs.items():
        assert result.exit_code == 0, (command, result.output)
        output = assert_clean(result)
        if command == "runs list":
            assert "run[bold]x[/]" in output and "\\x1b[31mred" in output
            continue
        assert LINK in output or command == "failures", (command, output)
        assert "[red]boom[/red]" in output, (command, output)
    show = outputs["runs show"].stdout
    for literal in (MARKUP, LINK, SQL, EMOJI, "first\\nsecond", "\\x1b[31mred\\x1b[0m", "\\u202eevil"):
        assert literal in show, literal
    assert "\\x1b]8;;file:///etc/passwd\\x07click" in show


def test_feature_and_domain_names_are_shown_literally(store_with_names: tuple[str, dict]) -> None:
    db, document = store_with_names
    base = ("--db", db, "--project", "p")
    test_id = document["results"][0]["test_id"]
    mapped = cli(
        "map", "set", test_id, "--feature", f"feat{MARKUP}", "--domain", "dom[link=x]y[/link]", *base
    )
    assert mapped.exit_code == 0, mapped.output
    for args in (("health",), ("domains",), ("timeline", "--feature", f"feat{MARKUP}"), ("map", "show")):
        result = cli(*args, *base)
        assert result.exit_code in (0, 1), (args, result.output)
        output = assert_clean(result)
        assert f"feat{MARKUP}" in output or "dom[link=x]y[/link]" in output, (args, output)


def _read_commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every read-only command of the app (typer vendors click, so groups are told apart by shape)."""
    found: list[tuple[tuple[str, ...], Any]] = []
    for name, command in group.commands.items():
        if name in WRITERS:
            continue
        if hasattr(command, "commands"):
            if command.invoke_without_command:
                found.append(((*prefix, name), command))
            found.extend(_read_commands(command, (*prefix, name)))
        else:
            found.append(((*prefix, name), command))
    return found


def test_every_read_command_prints_no_escape_bytes(store_with_names: tuple[str, dict]) -> None:
    """Whatever commands exist now: each, with the arguments it requires, prints names safely."""
    db, document = store_with_names
    test_id = next(r["test_id"] for r in document["results"] if r["name"] == ANSI)
    commands = _read_commands(typer.main.get_command(app))
    assert {"runs list", "runs show", "history"} <= {" ".join(path) for path, _ in commands}
    for path, command in commands:
        args = list(path)
        required = [p for p in command.params if p.required]
        if any(p.param_type_name == "option" for p in required):
            continue
        args += [test_id for p in required if p.param_type_name == "argument"]
        for json_flag in ((), ("--json",)):
            result = cli(*args, *json_flag, "--db", db, "--project", "p")
            assert result.exit_code in (0, 1, 2), (args, result.output)
            if not json_flag:
                assert_clean(result)
            assert "\x1b" not in result.stdout + result.stderr and "Traceback" not in result.output
            takes_json = any(getattr(p, "name", "") == "json_out" for p in command.params)
            if json_flag and takes_json and result.exit_code in (0, 1):
                assert isinstance(json.loads(result.stdout), dict | list), (args, result.stdout)


def test_hostile_project_name_is_shown_literally(tmp_path: Path) -> None:
    db = str(tmp_path / "proj.db")
    report = tmp_path / "one.xml"
    report.write_text(junit_text([("c", "t", "passed")]))
    project = f"{LINK}\x1b[31m"
    assert cli("ingest", str(report), "--db", db, "--project", project).exit_code == 0
    info = cli("db", "info", "--db", db, "--project", project)
    assert info.exit_code == 0, info.output
    assert LINK in assert_clean(info)
    missing = cli("runs", "show", "nope", "--db", db, "--project", project)
    assert missing.exit_code == 2
    assert LINK in assert_clean(missing)


def test_gate_and_html_report_show_names_safely(store_with_names: tuple[str, dict], tmp_path: Path) -> None:
    db, _ = store_with_names
    base = ("--db", db, "--project", "p")
    for fmt in ("table", "markdown"):
        gate = cli("gate", "--max-new-failures", "0", "--format", fmt, *base)
        assert gate.exit_code in (0, 1), gate.output
        assert_clean(gate)
    html = tmp_path / "report.html"
    made = cli("report", "--html", str(html), *base)
    assert made.exit_code == 0, made.output
    assert_clean(made)
    page = html.read_text(encoding="utf-8")
    assert SCRIPT not in page
    assert "\x1b" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
