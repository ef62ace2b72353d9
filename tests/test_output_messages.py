"""Messages people read: usage errors on one line, --help without Python types and with examples,
plurals, no secret and no bidi control ever printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from factories import Cli, GitRepo, cli, junit_case, junit_xml, write_report
from typer.main import get_command

from ccdash_tests.cli import app
from ccdash_tests.commands.common import EXAMPLES, user_errors
from ccdash_tests.errors import CommandExit, GateFailed
from ccdash_tests.text import redact_secrets

USAGE_ERRORS = [
    (("runs", "list", "--limit", "0"), "--limit: expected a whole number from 1 to 10,000"),
    (("runs", "show", "--format", "html"), "--format: expected one of table, markdown, github, gitlab"),
    (("runs", "show", "--status", "broken"), "--status: expected one of passed, failed, error, skipped"),
    (("runs", "show", "--limit", "many"), "--limit: expected a whole number of at least 1"),
    (("history",), "missing TEST"),
    (("runs", "lst"), "No such command 'lst'"),
    (("health", "--bogus"), "No such option: --bogus"),
    (("timeline", "--feature", "x", "--by", "week"), "--by 'week': choose run or day"),
]


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS)
def test_usage_errors_are_one_line_with_exit_2(args: tuple[str, ...], expected: str, tmp_path: Path) -> None:
    result = cli(*args, "--db", str(tmp_path / "s.db")) if args[0] == "timeline" else cli(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ccdash-tests: "), result.stderr
    assert expected in lines[0]
    assert "Input should" not in lines[0] and "Usage:" not in result.stderr


def walk(command: object, path: str = "") -> list[tuple[str, object]]:
    found = []
    for name, sub in getattr(command, "commands", {}).items():
        found.append((f"{path} {name}".strip(), sub))
        found += walk(sub, f"{path} {name}".strip())
    return found


def test_every_command_help_has_plain_metavars_choices_and_examples() -> None:
    commands = walk(get_command(app))
    leaves = [path for path, sub in commands if not getattr(sub, "commands", None)] + ["integrity"]
    assert set(leaves) <= set(EXAMPLES), set(leaves) - set(EXAMPLES)
    for path in leaves:
        result = cli(*path.split(), "-h")
        assert result.exit_code == 0, (path, result.output)
        text = result.stdout
        assert not re.search(r"<(str|int|float|list|path|int range)[^>]*>", text), (path, text)
        # The examples close the help, after the options.
        assert text.rstrip().splitlines()[-1].strip() == EXAMPLES[path][-1], path
        assert text.index("Examples:") > text.index("Options:"), path
    enum_options = [
        (("runs", "show"), "--status [passed|failed|error|skipped|xfailed|xpassed|flaky]"),
        (("integrity",), "--state [open|acknowledged|resolved|all]"),
        (("integrity",), "--fail-on [low|medium|high]"),
        (("gate",), "--fail-on-integrity [low|medium|high]"),
        (("timeline",), "--by [run|day]"),
        (("ingest",), "--trigger [local|ci]"),
    ]
    for command, shown in enum_options:
        assert shown in cli(*command, "--help").stdout, shown


def test_a_message_of_several_lines_prints_as_lines(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CommandExit) as raised, user_errors():
        raise GateFailed("integrity gate failed: 1 open signal\nfirst: abc assertion removed")
    assert raised.value.exit_code == 1
    assert capsys.readouterr().err.splitlines() == [
        "ccdash-tests: integrity gate failed: 1 open signal",
        "first: abc assertion removed",
    ]


@pytest.mark.parametrize(
    "url",
    [
        # an unencoded @ in the password: libpq takes the rest for the host and names it
        "postgresql://postgres:s3cr@t-pass@127.0.0.1:5432/test?password=hunter2-pass",
        # libpq refuses the query parameter and the percent-encoding, repeating what it read
        "postgresql://postgres:pw-secret@127.0.0.1:5432/test?sslpassword=hunter2-pass&bogus=1",
        "postgresql://postgres:p%zzsecret@127.0.0.1:5432/test",
        # a real server refusing a database that does not exist
        "postgresql://postgres:hunter2-pass@127.0.0.1:5432/no_such_database_here",
    ],
)
def test_no_password_is_printed(url: str, postgres_url: str) -> None:
    del postgres_url  # the server these URLs point at must be up
    result = cli("runs", "list", "--db", url)
    assert result.exit_code == 3, result.output
    assert len(result.stderr.splitlines()) == 1 and "***" in result.stderr
    for secret in ("s3cr", "t-pass", "hunter2", "pw-secret", "p%zz", "zzsecret"):
        assert secret not in result.output, result.output


def test_redact_secrets_rules() -> None:
    assert redact_secrets("host=db password='a b' user=u") == "host=db password=*** user=u"
    assert (
        redact_secrets("GET https://ci.example/api?token=abc&x=1")
        == "GET https://ci.example/api?token=***&x=1"
    )
    assert redact_secrets("Authorization: Bearer abc.def-1") == "Authorization: Bearer ***"
    assert redact_secrets("nothing secret: 3 runs") == "nothing secret: 3 runs"


BIDI = "test_\u202eadmin\u2066x\u200by\u2028z\u061c"


def test_bidi_and_invisible_characters_are_shown_escaped(tmp_path: Path) -> None:
    store = Cli(tmp_path / "s.db", "shop")
    message = "expected \u202elanimret\u202c and \u200f"
    report = junit_xml(junit_case(BIDI, "failed", classname="t", file="t.py", line=3, message=message))
    store("ingest", write_report(tmp_path, "r.xml", report), "--run-id", "r1", code=0)
    outputs = {
        "table": store("runs", "show", code=0).stdout,
        "github": store("runs", "show", "--format", "github", code=0).stdout,
        "gitlab": store("runs", "show", "--format", "gitlab", code=0).stdout,
    }
    invisible = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\u061c]")
    for form, out in outputs.items():
        assert not invisible.search(out), form
    assert "\\u202eadmin\\u2066x\\u200by" in outputs["table"]
    assert "\\u202eadmin" in outputs["github"] and "::error " in outputs["github"]
    quality = json.loads(outputs["gitlab"])
    assert "\\u202eadmin\\u2066x\\u200by\\u2028z\\u061c" in quality[0]["description"]


def test_ingest_summary_names_the_signals_and_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "shop")
    cart = "tests/test_cart.py"
    first = repo.commit("cart", {cart: "def test_total():\n    assert 1 + 1 == 2\n    assert 2 * 2 == 4\n"})
    second = repo.commit("make it green", {cart: "def test_total():\n    pass\n"})
    monkeypatch.chdir(repo.root)
    store = Cli(tmp_path / "s.db", "shop")
    failing = [junit_case(f"test_{i:02}", "failed", classname="tests.test_more") for i in range(25)]
    red = junit_xml(junit_case("test_total", "failed", classname="tests.test_cart"), *failing)
    green = junit_xml(junit_case("test_total", classname="tests.test_cart"))
    out = store("ingest", write_report(tmp_path, "1.xml", red), "--git-sha", first, "--run-id", "r1", code=0)
    assert "Failures (26)" in out.stdout and "and 6 more: ccdash-tests failures --run r1" in out.stdout
    assert "test time: " in out.stdout and "(sum of test times)" in out.stdout
    out = store("ingest", write_report(tmp_path, "2.xml", green), "--git-sha", second, code=0).stdout
    assert re.search(r"Integrity: \d+ signals? in this change", out), out  # failed-before folds into one
    assert re.search(r"\n  high\s+assertion_removed  tests/test_cart\.py::test_total\n", out), out
    assert f"see them: ccdash-tests integrity --sha {second[:10]}" in out


def test_an_old_report_stored_against_a_newer_commit_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "shop")
    head = repo.commit("a", {"README": "x\n"})
    monkeypatch.chdir(repo.root)
    store = Cli(tmp_path / "s.db", "shop")
    env = {"CI": "", "GITHUB_ACTIONS": ""}  # the commit comes from the checkout, not a CI variable
    old = junit_xml(junit_case("test_a"), timestamp="2020-01-01T00:00:00")
    result = store("ingest", write_report(tmp_path, "old.xml", old), env=env, code=0)
    assert "Warning: the report is from 2020-01-01 00:00:00 UTC, before commit " + head[:10] in result.stderr
    assert "--git-sha" in result.stderr
    fresh = junit_xml(junit_case("test_b"), timestamp="2099-01-01T00:00:00")
    assert (
        "before commit"
        not in store("ingest", write_report(tmp_path, "new.xml", fresh), env=env, code=0).stderr
    )
    # Told which commit it tested, the tool says nothing.
    given = store(
        "ingest", write_report(tmp_path, "old.xml", old), "--git-sha", head, "--run-id", "x", env=env
    )
    assert given.exit_code == 0 and "before commit" not in given.stderr
