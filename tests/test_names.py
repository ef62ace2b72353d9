"""Names a user can paste: pytest tests are printed by node id, and every printed form is accepted back
by every command that takes a test (a real pytest run of a small project in a git checkout)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from factories import Cli, GitRepo, junit_xml, module_case, write_report

from ccdash_tests.runmeta import default_project, repository_name
from ccdash_tests.text import test_label

SOURCES = {
    "tests/__init__.py": "",
    "tests/shop/__init__.py": "",
    "tests/shop/test_cart.py": """import pytest


def test_total():
    assert 2 + 2 == 5


class TestDiscount:
    def test_applies(self):
        assert 10 * 0.9 == 8

    @pytest.mark.parametrize("rate", [0, 5])
    def test_rates(self, rate):
        assert rate >= 0

    class TestNested:
        def test_total(self):
            pass
""",
}


def pytest_in(folder: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Cli, list[str]]:
    """A store holding one xunit2 run of the project, ingested from its checkout; pytest's node ids."""
    repo = GitRepo(tmp_path / "proj")
    repo.commit("tests", SOURCES)
    pytest_in(repo.root, "-q", "--junitxml=report.xml")
    collected = pytest_in(repo.root, "-q", "--collect-only")
    nodeids = [line for line in collected.splitlines() if "::" in line]
    monkeypatch.chdir(repo.root)
    cli = Cli(tmp_path / "s.db", "proj")
    cli("ingest", "report.xml", code=0)
    return cli, nodeids


def test_pytest_tests_are_printed_by_their_node_id(stored: tuple[Cli, list[str]]) -> None:
    cli, nodeids = stored
    assert len(nodeids) == 5
    results = cli.json("runs", "show")["results"]
    assert sorted(r["nodeid"] for r in results) == sorted(nodeids)
    table = cli("runs", "show", code=0).output
    assert "tests/shop/test_cart.py::TestDiscount::test_applies" in table
    assert "tests/shop/test_cart.py::test_total" in table
    github = cli("runs", "show", "--format", "github", code=0).stdout
    assert "title=tests/shop/test_cart.py%3A%3ATestDiscount%3A%3Atest_applies failed" in github
    markdown = cli("runs", "show", "--format", "markdown", code=0).stdout
    assert "tests/shop/test_cart.py::test_total" in markdown
    failures = cli.json("failures")
    assert {t["nodeid"] for c in failures["clusters"] for t in c["tests"]} == {
        "tests/shop/test_cart.py::test_total",
        "tests/shop/test_cart.py::TestDiscount::test_applies",
    }


def printed_forms(result: dict) -> list[str]:
    """Every name the tool prints or documents for a result: node id, test_id, class::name, class.name,
    and a tail of the node id that names one test."""
    nodeid = result["nodeid"]
    return [
        nodeid,
        result["test_id"],
        f"{result['classname']}::{result['name']}",
        f"{result['classname']}.{result['name']}",
        nodeid.split("/", 1)[1],
    ]


def test_every_printed_form_is_accepted_by_history_and_map(stored: tuple[Cli, list[str]]) -> None:
    cli, _ = stored
    results = cli.json("runs", "show")["results"]
    for result in results:
        for form in printed_forms(result):
            assert cli.json("history", form)["test"]["test_id"] == result["test_id"], form
            shown = cli.json("map", "show", form)
            assert {m["test_id"] for m in shown["mappings"]} <= {result["test_id"]}, form
            done = cli.json("map", "set", form, "--feature", "cart")
            assert done["tests"] == [result["test_id"]], form
            cli("map", "unset", form, code=0)


def test_a_form_naming_two_tests_lists_them_by_node_id(stored: tuple[Cli, list[str]]) -> None:
    cli, _ = stored
    result = cli("history", "tests/shop/test_cart.py::TestDiscount::test_rates", code=2)
    assert "matches 2 tests" in result.output
    assert "tests/shop/test_cart.py::TestDiscount::test_rates[0]" in result.output
    assert "Traceback" not in result.output


def test_labels_without_a_known_framework_keep_class_and_name() -> None:
    assert test_label("tests.a.test_b.TestC", "test_y[p]", path="tests/a/test_b.py") == (
        "tests/a/test_b.py::TestC::test_y[p]"
    )
    assert test_label("tests.a.test_b", "test_y", path="tests/a/test_b.py") == "tests/a/test_b.py::test_y"
    # A path that is not the classname's module (rootdir elsewhere, a Java file) keeps class::name.
    assert test_label("a.test_b", "test_y", path="tests/a/test_b.py") == "a.test_b::test_y"
    assert test_label("com.x.FooTest", "adds", path="src/test/java/com/x/FooTest.java") == (
        "com.x.FooTest::adds"
    )


# ---- the project a store scopes by ------------------------------------------------------------------


def test_checkouts_of_one_remote_share_one_project_whatever_their_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = GitRepo(tmp_path / "upstream")
    upstream.commit("tests", SOURCES)
    bare = tmp_path / "itsdangerous.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(upstream.root), str(bare)], check=True)
    db = tmp_path / "s.db"
    for folder in ("src-local", "ci-build-123"):
        checkout = tmp_path / folder
        subprocess.run(["git", "clone", "-q", str(bare), str(checkout)], check=True)
        pytest_in(checkout, "-q", "--junitxml=report.xml")
        monkeypatch.chdir(checkout)
        Cli(db)("ingest", "report.xml", "--run-id", folder, code=0)
    runs = Cli(db, "itsdangerous").json("runs", "list")
    assert sorted(run["run_id"] for run in runs) == ["ci-build-123", "src-local"]
    # Without a remote, the work tree's folder names the project.
    plain = GitRepo(tmp_path / "plain")
    monkeypatch.chdir(plain.root)
    assert default_project(plain.root) == "plain"


def test_a_misspelt_project_names_the_projects_the_store_has(tmp_path: Path) -> None:
    report = write_report(tmp_path, "r.xml", junit_xml(module_case("tests/test_x.py", "test_x")))
    Cli(tmp_path / "s.db", "itsdangerous")("ingest", report, code=0)
    Cli(tmp_path / "s.db", "shop")("ingest", report, code=0)
    result = Cli(tmp_path / "s.db", "itsdangerus")("runs", "show", code=2)
    assert "project 'itsdangerus' has no runs (did you mean 'itsdangerous'?)" in result.stderr
    assert "itsdangerous, shop" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("git@github.com:pallets/itsdangerous.git", "itsdangerous"),
        ("https://github.com/pallets/itsdangerous", "itsdangerous"),
        ("https://gitlab.com/group/sub/proj.git/", "proj"),
        ("ssh://git@host:2222/team/proj.git", "proj"),
        ("/srv/git/proj.git", "proj"),
        ("C:\\repos\\proj", "proj"),
    ],
)
def test_repository_names_in_remote_urls(url: str, name: str) -> None:
    assert repository_name(url) == name


def test_names_printed_by_integrity_and_timeline_are_accepted_by_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "proj")
    repo.commit("tests", SOURCES)
    monkeypatch.chdir(repo.root)
    cli = Cli(tmp_path / "s.db", "proj")
    pytest_in(repo.root, "-q", "--junitxml=report.xml")
    cli("ingest", "report.xml", code=0)
    cli("map", "set", "tests/shop/test_cart.py::TestDiscount::test_applies", "--feature", "cart", code=0)
    # The failing test is made to pass by deleting its assertion: an integrity signal.
    source = SOURCES["tests/shop/test_cart.py"].replace("assert 10 * 0.9 == 8", "pass")
    repo.commit("make it green", {"tests/shop/test_cart.py": source})
    pytest_in(repo.root, "-q", "--junitxml=report.xml")
    cli("ingest", "report.xml", code=0)
    signals = cli.json("integrity")["signals"]
    weakened = next(s for s in signals if s["test_name"] and s["test_name"].endswith("test_applies"))
    timeline = cli.json("timeline", "--feature", "cart")
    failing = {name for bucket in timeline["buckets"] for name in bucket["failing_tests"]}
    assert failing == {"tests/shop/test_cart.py::TestDiscount::test_applies"}
    for form in (
        f"{weakened['file_path']}::{weakened['test_name']}",
        weakened["test_name"],
        weakened["test_id"],
        *failing,
    ):
        assert cli.json("history", form)["test"]["test_id"] == weakened["test_id"], form
