"""What tests build inputs with: the CLI in-process, JUnit reports, mapping workloads, sources, git repos."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from typer.testing import CliRunner, Result

from ccdash_tests.cli import app
from ccdash_tests.mapping import ImportedProvider, MappingCandidate, TestRef, default_providers
from ccdash_tests.mapping.imported import parse_rules
from ccdash_tests.models import ParsedCase, Status

# ---- the command line, in-process ------------------------------------------------------------------

# Rich wraps tables to the terminal; one fixed width keeps every assertion on a table line stable.
WIDTH = 160


class Cli:
    """`ccdash-tests ARGS` through Typer's CliRunner at a fixed width; every call returns the Result.

    A Cli made with a store and a project appends `--db` and `--project` to each call. Given `code`, a call
    asserts the exit code (`assert result.exit_code == code, result.output`); `json()` adds `--json`,
    expects exit 0 unless told otherwise, and decodes stdout.
    """

    def __init__(self, db: str | Path | None = None, project: str | None = None) -> None:
        self.db = None if db is None else str(db)
        self.project = project

    def __call__(
        self,
        *args: str | Path,
        input: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        code: int | None = None,
    ) -> Result:
        argv = [str(arg) for arg in args]
        if self.db is not None:
            argv += ["--db", self.db]
        if self.project is not None:
            argv += ["--project", self.project]
        width = {"COLUMNS": str(WIDTH), **(env or {})}
        result = CliRunner().invoke(app, argv, input=input, env=width, terminal_width=WIDTH)
        if code is not None:
            assert result.exit_code == code, result.output
        return result

    def json(self, *args: str | Path, code: int = 0, **options: Any) -> Any:
        return json.loads(self(*args, "--json", code=code, **options).stdout)


cli = Cli()


# ---- JUnit XML -------------------------------------------------------------------------------------

# status -> (element, message, text) of the child a <testcase> gets; "passed" has none.
OUTCOMES = {
    "failed": ("failure", "assert 1 == 2", "assert 1 == 2"),
    "error": ("error", "fixture broke", "fixture broke"),
    "skipped": ("skipped", "later", ""),
    "flaky": ("flakyFailure", "timeout", "timeout"),
}


def xml_attr(value: str) -> str:
    """A quoted attribute value that XML reads back verbatim (newlines and tabs too)."""
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def junit_case(
    name: str,
    status: str = "passed",
    *,
    classname: str = "",
    file: str | None = None,
    line: int | None = None,
    time: str | None = "0.01",
    properties: Mapping[str, str] | None = None,
    message: str | None = None,
    text: str | None = None,
    kind: str | None = None,
) -> str:
    """One <testcase>. `status` is passed or a key of OUTCOMES, whose element's message and text can be
    replaced and given a `type` (`kind`)."""
    attrs = f"classname={xml_attr(classname)} name={xml_attr(name)}"
    if file is not None:
        attrs += f" file={xml_attr(file)}"
    if line is not None:
        attrs += f' line="{line}"'
    if time is not None:
        attrs += f" time={xml_attr(time)}"
    inner = ""
    if properties:
        inner += "<properties>"
        inner += "".join(f"<property name={xml_attr(k)} value={xml_attr(v)}/>" for k, v in properties.items())
        inner += "</properties>"
    if status != "passed":
        tag, default_message, default_text = OUTCOMES[status]
        words = default_text if text is None else text
        kind_attr = "" if kind is None else f" type={xml_attr(kind)}"
        inner += f"<{tag}{kind_attr} message={xml_attr(default_message if message is None else message)}"
        inner += f">{xml_text(words)}</{tag}>" if words else "/>"
    return f"<testcase {attrs}>{inner}</testcase>" if inner else f"<testcase {attrs}/>"


def module_case(path: str, name: str, status: str = "passed", **options: Any) -> str:
    """A case as pytest's JUnit XML writes it for a test function in `path` (classname = dotted module)."""
    classname = path.removesuffix(".py").replace("/", ".")
    return junit_case(name, status, classname=classname, file=path, **options)


def tagged_case(
    where: str, name: str, feature: str, domain: str, status: str = "passed", **options: Any
) -> str:
    """A case carrying `feature` and `domain` properties; `where` is a test file (….py) or a classname."""
    options["properties"] = {"feature": feature, "domain": domain}
    if where.endswith(".py"):
        return module_case(where, name, status, **options)
    return junit_case(name, status, classname=where, **options)


def _suite_head(suite: str, timestamp: str | None) -> str:
    stamp = f" timestamp={xml_attr(timestamp)}" if timestamp else ""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name={xml_attr(suite)}{stamp}>\n'


SUITE_TAIL = "\n</testsuite></testsuites>\n"


def junit_xml(*cases: str, suite: str = "pytest", timestamp: str | None = None) -> str:
    """A JUnit report: one <testsuite> holding the given <testcase> elements, one a line."""
    return _suite_head(suite, timestamp) + "\n".join(cases) + SUITE_TAIL


def junit_text(cases: Iterable[tuple[str, str, str]], suite: str = "suite") -> str:
    """A JUnit report from (classname, name, status) triples; failures say "boom" with a "trace"."""
    failure = {"message": "boom", "text": "trace"}
    return junit_xml(
        *(
            junit_case(name, status, classname=classname, **(failure if status == "failed" else {}))
            for classname, name, status in cases
        ),
        suite=suite,
    )


def write_junit(path: Path, cases: Iterable[str], suite: str = "big") -> Path:
    """A JUnit report written case by case, so a large one never sits in memory."""
    with path.open("w", encoding="utf-8") as out:
        out.write(_suite_head(suite, None))
        for index, case in enumerate(cases):
            out.write(f"\n{case}" if index else case)
        out.write(SUITE_TAIL)
    return path


def write_big_junit(path: Path, count: int, prefix: str = "test", fail_every: int = 50) -> Path:
    """`count` cases over 100 classes, every `fail_every`-th one failing ("boom N", "trace N")."""
    return write_junit(
        path,
        (
            junit_case(
                f"{prefix}_{i}",
                "failed" if fail_every and i % fail_every == 0 else "passed",
                classname=f"pkg.mod{i % 100}.TestC",
                time="0.001",
                message=f"boom {i}",
                text=f"trace {i}",
            )
            for i in range(count)
        ),
    )


def write_report(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


# ---- mapping workloads (bench/run.py measures the same ones) ----------------------------------------


def tagged_cases(count: int) -> list[ParsedCase]:
    """Passing pytest cases over 40 areas and 400 modules; every second one tags a feature of its area."""
    return [
        ParsedCase(
            suite="",
            classname=f"tests.area{i % 40}.test_mod{i % 400}",
            name=f"test_{i}",
            status=Status.PASSED,
            file=f"tests/area{i % 40}/test_mod{i % 400}.py",
            properties={"feature": f"feat{i % 300}", "domain": f"area{i % 40}"} if i % 2 else {},
        )
        for i in range(count)
    ]


def area_tests(count: int) -> list[TestRef]:
    """Tests under tests/<area>/<sub>/ over five areas; every third one carries a feature tag."""
    areas = ["billing", "cart", "auth", "search", "catalog"]
    tests = []
    for i in range(count):
        area, sub = areas[i % 5], f"sub{i % 7}"
        tags = {"feature": f"feat{i % 11}"} if i % 3 == 0 else {}
        tests.append(
            TestRef(
                f"id{i}",
                classname=f"tests.{area}.{sub}.test_m{i % 50}",
                name=f"test_{i}",
                path=f"tests/{area}/{sub}/test_m{i % 50}.py",
                tags=tags,
            )
        )
    return tests


def area_candidates(tests: list[TestRef]) -> list[MappingCandidate]:
    """What the default providers and an imported rule per billing and cart area propose for `tests`."""
    rules = parse_rules(
        [{"pattern": f"tests/{area}/*", "feature": area} for area in ("billing", "cart")], "inline"
    )
    providers = [*default_providers(), ImportedProvider(rules)]
    return [candidate for provider in providers for candidate in provider.map(tests)]


# ---- test sources ----------------------------------------------------------------------------------


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """`text` with each (old, new) replaced once, in order; an `old` that is not there fails the test."""
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


# A pytest module over a small calc library, in blocks; python_tests() puts the chosen ones together.
PYTHON_TESTS = {
    "test_add": """\
def test_add():
    assert add(1, 2) == 3
    assert add(-1, 1) == 0
""",
    "test_div": """\
def test_div():
    with pytest.raises(ZeroDivisionError):
        div(1, 0)
""",
    "TestParse": """\
class TestParse:
    def test_number(self):
        assert parse("1") == 1

    def test_words(self):
        result = parse("one")
        assert result == 1
""",
    "test_param": """\
@pytest.mark.parametrize("x", [1, 2])
def test_param(x):
    assert square(x) == x * x
""",
    "CalcCase": """\
class CalcCase(unittest.TestCase):
    def test_mul(self):
        self.assertEqual(add(2, 2), 4)

    def test_mock(self):
        m = mock.Mock()
        m(3)
        m.assert_called_once_with(3)
""",
    "test_legacy": """\
def test_legacy():
    total = add(0, 0)
    assert total == 0
""",
}


def python_tests(*blocks: str) -> str:
    """The named PYTHON_TESTS blocks as one module, with the imports they use."""
    head = "import unittest\nfrom unittest import mock\n\n" if "CalcCase" in blocks else ""
    names = ["add", "div", "parse", *(["square"] if "test_param" in blocks else [])]
    imports = f"{head}import pytest\n\nfrom calc import {', '.join(names)}\n"
    return "\n\n".join([imports, *(PYTHON_TESTS[block] for block in blocks)])


# ---- git -------------------------------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


class GitRepo:
    """A throwaway repository driven through the real git binary."""

    def __init__(
        self,
        root: Path,
        branch: str = "main",
        author: tuple[str, str] = ("Agent Smith", "agent@example.com"),
    ) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "user.name", author[0])
        self.git("config", "user.email", author[1])
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def remove(self, path: str) -> None:
        (self.root / path).unlink()

    def commit(
        self, message: str, files: Mapping[str, str | None] | None = None, allow_empty: bool = False
    ) -> str:
        """Write (or, for None, delete) `files`, commit everything, and return the new commit's sha."""
        for path, text in (files or {}).items():
            if text is None:
                self.remove(path)
            else:
                self.write(path, text)
        self.git("add", "-A")
        self.git("commit", "-q", *(["--allow-empty"] if allow_empty else []), "-m", message)
        return self.git("rev-parse", "HEAD")


def scan_change(
    cli: Cli, tmp_path: Path, before: dict[str, str | None], after: dict[str, str | None]
) -> list[Any]:
    """Commit `before`, then `after` on top, and return the signals of scanning the second commit."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("before", before)
    head = repo.commit("after", after)
    found = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)
    return list(found["signals"])


def judged(repo: GitRepo, kind: str, test: str) -> tuple[str, list[str]]:
    """The verdict and its evidence on the one `kind` signal of `test` in the repository's last commit,
    scanned and judged in-process as the CLI does."""
    from ccdash_tests.integrity.scan import scan_change as scan_commit
    from ccdash_tests.integrity.service import verdict_of

    report = scan_commit(repo.root)
    found = [c for c in report.candidates if (c.signal_type.value, c.test_name) == (kind, test)]
    assert len(found) == 1, [(c.signal_type.value, c.test_name) for c in report.candidates]
    verdict = verdict_of(found[0], report.context)
    return verdict.verdict, list(verdict.because)


def signal_kinds(signals: list[Any]) -> set[tuple[str, str]]:
    """Each signal as (signal type, test name)."""
    return {(s["signal_type"], s["test_name"]) for s in signals}
