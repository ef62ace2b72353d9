"""GitHub workflow-command and GitLab Code Quality output, and the CI examples that use them."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from factories import Cli
from hypothesis import given
from hypothesis import strategies as st

from ccdash_tests.cli import app
from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import IngestRunRequest, ParsedCase, Status, TestDefinitionDTO, TestResultDTO
from ccdash_tests.output.ci_annotations import (
    Annotation,
    annotations_for,
    escape_data,
    escape_property,
    github_commands,
    gitlab_code_quality,
    unplaced,
)
from ccdash_tests.store import Store

EXAMPLES = Path(__file__).parent.parent / "examples" / "ci"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
COMMAND = re.compile(r"^::error (?P<props>[^:]*)::(?P<data>.*)$")


def unescape(text: str, prop: bool) -> str:
    """The runner's decoding (actions/runner ActionCommand): the escapes, and %25 last."""
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for escaped, raw in pairs:
        text = text.replace(escaped, raw)
    return text.replace("%25", "%")


def read_command(line: str) -> tuple[dict[str, str], str]:
    """Parse one workflow command the way the runner does: properties split on ",", then on the first "="."""
    assert "\n" not in line and "\r" not in line
    match = COMMAND.match(line)
    assert match is not None, line
    props = {}
    for pair in match.group("props").split(","):
        key, _, value = pair.partition("=")
        props[key] = unescape(value, prop=True)
    return props, unescape(match.group("data"), prop=False)


def test_escapes_follow_githubs_toolkit() -> None:
    assert escape_data("100%\r\ndone: a,b") == "100%25%0D%0Adone: a,b"
    assert escape_property("100%\r\ndone: a,b") == "100%25%0D%0Adone%3A a%2Cb"
    assert escape_data("%0A") == "%250A"  # an escape in the text stays text


HOSTILE = st.lists(st.sampled_from([*"ab:,%=\r\n\t ", "::", "%0A", "%25", "é"]), max_size=30).map("".join)


@given(HOSTILE, HOSTILE, HOSTILE)
def test_any_text_round_trips_through_one_command_line(path: str, title: str, message: str) -> None:
    item = Annotation("id", title, title, message or "m", Status.FAILED, path=path or None, line=7)
    [line] = list(github_commands([item]))
    props, data = read_command(line)
    assert data == (message or "m")
    assert props["title"] == title
    if path:
        assert (props["file"], props["line"]) == (path, "7")
    else:
        assert "file" not in props and "line" not in props


def result(
    name: str, status: Status, message: str | None = None, path: str | None = "tests/t.py"
) -> TestResultDTO:
    return TestResultDTO(
        run_id="r",
        test_id=f"id-{name}",
        status=status,
        name=name,
        classname="tests.t",
        path=path,
        error_message=message,
    )


def definition(name: str, line: int | None, path: str | None = "tests/t.py") -> TestDefinitionDTO:
    return TestDefinitionDTO(
        test_id=f"id-{name}", project_id="p", name=name, base_name=name, path=path, line=line
    )


def test_only_failures_and_errors_are_annotated_with_their_place() -> None:
    results = [
        result("test_ok", Status.PASSED),
        result("test_skip", Status.SKIPPED),
        result("test_fail", Status.FAILED, "AssertionError: x\nassert 1 == 2"),
        result("test_err", Status.ERROR, None, path=None),
        result("test_zero_line", Status.FAILED, "E"),
    ]
    defs = {"id-test_fail": definition("test_fail", 12), "id-test_zero_line": definition("test_zero_line", 0)}
    found = annotations_for(results, defs)
    assert [(a.test, a.path, a.line, a.message) for a in found] == [
        ("tests/t.py::test_fail", "tests/t.py", 12, "AssertionError: x\nassert 1 == 2"),
        ("tests.t::test_err", None, None, "test error without a message"),
        ("tests/t.py::test_zero_line", "tests/t.py", None, "E"),
    ]
    lines = list(github_commands(found))
    title = "title=tests/t.py%3A%3Atest_fail failed"
    assert lines[0] == f"::error file=tests/t.py,line=12,{title}::AssertionError: x%0Aassert 1 == 2"
    assert lines[1] == "::error title=tests.t%3A%3Atest_err error::test error without a message"
    assert lines[2] == "::error file=tests/t.py,title=tests/t.py%3A%3Atest_zero_line failed::E"


def test_control_characters_cannot_reach_the_log() -> None:
    [item] = annotations_for([result("test_\x1b[31mred", Status.FAILED, "bell\x07 esc\x1b[0m")], {})
    [line] = list(github_commands([item]))
    assert "\x1b" not in line and "\x07" not in line
    assert read_command(line)[1] == "bell\\x07 esc\\x1b[0m"


# What GitLab's documentation requires of each Code Quality issue; its schema also makes its parser stop
# at the first entry it refuses, so one unplaced entry would hide every failure after it.
GITLAB_REQUIRED = ("description", "check_name", "fingerprint", "severity", "location")
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def assert_gitlab_accepts(report: list[dict]) -> None:
    for issue in report:
        assert all(isinstance(issue[key], str | dict) and issue[key] for key in GITLAB_REQUIRED), issue
        assert issue["severity"] in GITLAB_SEVERITIES
        path = issue["location"]["path"]
        assert isinstance(path, str) and path and not path.startswith(("/", "./")) and "\\" not in path
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1


def test_code_quality_report_shape() -> None:
    found = annotations_for(
        [
            result("test_fail", Status.FAILED, "boom\nmore"),
            result("test_err", Status.ERROR, "E", path="t.py"),
        ],
        {"id-test_fail": definition("test_fail", 3)},
    )
    report = gitlab_code_quality(found)
    assert report[0] == {
        "description": "tests/t.py::test_fail failed: boom",
        "check_name": "ccdash-tests.failed",
        "fingerprint": report[0]["fingerprint"],
        "severity": "major",
        "location": {"path": "tests/t.py", "lines": {"begin": 3}},
    }
    assert report[1]["severity"] == "critical"
    assert report[1]["location"] == {"path": "t.py", "lines": {"begin": 1}}
    assert len({issue["fingerprint"] for issue in report}) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"]) for issue in report)
    assert_gitlab_accepts(report)


@pytest.mark.parametrize(
    ("path", "placed"),
    [
        (None, None),
        ("", None),
        ("/home/ci/build/tests/t.py", None),
        ("C:\\build\\tests\\t.py", None),
        ("\\\\server\\share\\t.py", None),
        ("./tests/t.py", "tests/t.py"),
        ("tests\\t.py", "tests/t.py"),
        ("src/test/java/com/x/FooTest.java", "src/test/java/com/x/FooTest.java"),
    ],
)
def test_a_failure_without_a_repository_file_is_left_out_of_the_code_quality_report(
    path: str | None, placed: str | None
) -> None:
    # Placed at its test's name (as before), GitLab would link a file that does not exist.
    found = annotations_for([result("test_fail", Status.FAILED, "boom", path=path)], {})
    report = gitlab_code_quality(found)
    assert [issue["location"]["path"] for issue in report] == ([placed] if placed else [])
    assert len(unplaced(found)) == (0 if placed else 1)
    assert_gitlab_accepts(report)


# --- runs show --format github|gitlab ---------------------------------------------------------------------


def store_run(store: Store, run_id: str, cases: list[ParsedCase]) -> None:
    request = IngestRunRequest(project_id="demo", run_id=run_id, timestamp=NOW)
    ingest_request(store, request.replace(results=cases))


def cases() -> list[ParsedCase]:
    return [
        ParsedCase("", "tests.test_a", "test_ok", Status.PASSED, file="tests/test_a.py", line=3),
        ParsedCase(
            "",
            "tests.test_a",
            "test_bad[a,b::c%]",
            Status.FAILED,
            file="tests/test_a.py",
            line=10,
            message="AssertionError: 50% off\n::error::injected",
        ),
        ParsedCase(
            "", "tests.test_a", "test_setup", Status.ERROR, file="tests/test_a.py", line=20, message="E"
        ),
    ]


def show(db: str, *args: str) -> str:
    return Cli(db, "demo")("runs", "show", *args, code=0).stdout


def test_github_format_from_the_store(store: Store, db_url: str) -> None:
    store_run(store, "run-1", cases())
    lines = show(db_url, "--format", "github").splitlines()
    assert len(lines) == 2
    parsed = [read_command(line) for line in lines]
    assert parsed[0] == (
        {"file": "tests/test_a.py", "line": "10", "title": "tests/test_a.py::test_bad[a,b::c%] failed"},
        "AssertionError: 50% off\n::error::injected",
    )
    assert parsed[1][0] == {
        "file": "tests/test_a.py",
        "line": "20",
        "title": "tests/test_a.py::test_setup error",
    }


def test_gitlab_format_from_the_store_has_stable_fingerprints(store: Store, db_url: str) -> None:
    store_run(store, "run-1", cases())
    first = json.loads(show(db_url, "--format", "gitlab", "run-1"))
    store_run(store, "run-2", cases())
    second = json.loads(show(db_url, "--format", "gitlab", "run-2"))
    assert first == second
    assert [(i["location"]["path"], i["location"]["lines"]["begin"], i["severity"]) for i in first] == [
        ("tests/test_a.py", 10, "major"),
        ("tests/test_a.py", 20, "critical"),
    ]


def test_gitlab_format_leaves_out_failures_without_a_file_and_says_so(store: Store, db_url: str) -> None:
    placed, *_ = cases()
    unknown = ParsedCase("", "com.x.FooTest", "adds", Status.FAILED, message="expected 2")
    far = ParsedCase("", "Queue push", "keeps order", Status.ERROR, file="/tmp/ci/queue.spec.js")
    store_run(store, "run-1", [placed, *cases()[1:], unknown, far])
    result = Cli(db_url, "demo")("runs", "show", "--format", "gitlab", code=0)
    report = json.loads(result.stdout)
    assert [issue["location"]["path"] for issue in report] == ["tests/test_a.py", "tests/test_a.py"]
    assert_gitlab_accepts(report)
    assert "2 failures have no file in the repository and are left out" in " ".join(result.stderr.split())
    # GitHub's annotations need no file: every failure is there.
    assert len(show(db_url, "--format", "github").splitlines()) == 4


def test_passing_run_gives_no_annotations(store: Store, db_url: str) -> None:
    store_run(store, "run-ok", cases()[:1])
    assert show(db_url, "--format", "github") == ""
    assert json.loads(show(db_url, "--format", "gitlab")) == []


# --- examples/ci ------------------------------------------------------------------------------------------


def cli_lines(text: str) -> list[list[str]]:
    """Every ccdash-tests invocation in a shell snippet, as argv after the program name."""
    found = []
    for line in text.splitlines():
        start = line.find("ccdash-tests ")
        if start < 0 or line.lstrip().startswith("#") or "pip install" in line:
            continue
        words = shlex.split(line[start:], comments=True)
        words = words[
            : next((i for i, w in enumerate(words) if w in (">", ">>", "&&", "||", "|")), len(words))
        ]
        found.append(words[1:])
    return found


def parse_cli(args: list[str]) -> tuple[str, dict[str, Any]]:
    """Parse argv against the real command tree without running anything: unknown options fail here."""
    command: Any = typer.main.get_command(app)
    name, parent = "ccdash-tests", None
    while True:
        ctx = command.make_context(name, list(args), parent=parent)
        rest = [*ctx._protected_args, *ctx.args]
        if not hasattr(command, "resolve_command") or not rest:  # a group may run on its own (integrity)
            return name, ctx.params
        name, command, args = command.resolve_command(ctx, rest)
        parent = ctx


def check_invocations(scripts: list[str]) -> dict[str, dict[str, Any]]:
    parsed = {}
    for script in scripts:
        for args in cli_lines(script):
            name, params = parse_cli(args)
            parsed[" ".join(args[:2]) if name == "show" else name] = params
    return parsed


def test_github_actions_example() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    job = workflow["jobs"]["test"]
    assert job["services"]["postgres"]["image"].startswith("postgres:")
    assert job["env"]["CCDASH_TESTS_DB"].startswith("postgresql://")
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert 'ccdash-tests runs show "$CCDASH_RUN_ID" --format markdown >> "$GITHUB_STEP_SUMMARY"' in runs
    assert "ccdash-tests health --fail-under 0.9" in runs
    assert "ccdash-tests integrity --fail-on high" in runs
    parsed = check_invocations(runs)
    assert parsed["health"]["fail_under"] == pytest.approx(0.9)
    assert str(parsed["integrity"]["fail_on"]) in ("high", "SignalSeverity.HIGH")
    assert {"ingest", "runs show", "health", "integrity"} <= set(parsed)


def test_gitlab_ci_example() -> None:
    config = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())
    job = config["tests"]
    assert job["services"][0]["name"].startswith("postgres:")
    assert job["variables"]["CCDASH_TESTS_DB"].startswith("postgresql://")
    script = job["script"]
    assert "ccdash-tests health --fail-under 0.9" in script
    assert "ccdash-tests integrity --fail-on high" in script
    assert job["artifacts"]["reports"]["codequality"] == "reports/code-quality.json"
    assert any("--format gitlab > reports/code-quality.json" in line for line in script)
    assert script[-1] == 'exit "$status"'
    parsed = check_invocations(script)
    assert {"ingest", "runs show", "health", "integrity"} <= set(parsed)
