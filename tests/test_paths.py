"""File paths recovered at ingest: real pytest runs of a small project in a git checkout, and the real
Surefire, gotestsum, Mocha and Jest reports against their sources."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA
from factories import Cli, GitRepo

from ccdash_tests.store import open_store

PROJECT_TESTS = {
    "tests/__init__.py": "",
    "tests/shop/__init__.py": "",
    "tests/shop/test_cart.py": """import pytest


def test_total():
    assert 2 + 2 == 4


class TestDiscount:
    def test_applies(self):
        assert 10 * 0.9 == 8

    @pytest.mark.parametrize("rate", [0, 5])
    def test_rates(self, rate):
        assert rate >= 0
""",
    "tests/test_top.py": "def test_alone():\n    pass\n",
}
# What pytest's xunit1 writes, read from a real run: the node id parts, file and 1-based line.
EXPECTED = {
    ("tests.shop.test_cart", "test_total"): ("tests/shop/test_cart.py", 4),
    ("tests.shop.test_cart.TestDiscount", "test_applies"): ("tests/shop/test_cart.py", 9),
    ("tests.shop.test_cart.TestDiscount", "test_rates[0]"): ("tests/shop/test_cart.py", 12),
    ("tests.shop.test_cart.TestDiscount", "test_rates[5]"): ("tests/shop/test_cart.py", 12),
    ("tests.test_top", "test_alone"): ("tests/test_top.py", 1),
}


def run_pytest(folder: Path, *args: str) -> None:
    """A real pytest run of the project (it has a failing test on purpose)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr


def definitions(
    db: Path | str, project: str | None = None
) -> dict[tuple[str, str], tuple[str | None, int | None]]:
    """(classname, name) -> (path, line) of every stored definition of the project."""
    with open_store(str(db)) as store:
        if project is None:
            project = store.engine.query("SELECT DISTINCT project_id FROM test_definitions")[0][0]
        found = store.definitions.all(project)
    return {(d.classname, d.name): (d.path, d.line) for d in found}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = GitRepo(tmp_path / "proj")
    repo.commit("tests", PROJECT_TESTS)
    return repo.root


def test_xunit2_from_the_checkout_gets_the_paths_and_lines_xunit1_writes(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_pytest(checkout, "--junitxml=report.xml")
    run_pytest(checkout, "-o", "junit_family=xunit1", "--junitxml=xunit1.xml")
    assert "file=" not in (checkout / "report.xml").read_text()
    monkeypatch.chdir(checkout)
    Cli(tmp_path / "x2.db", "proj")("ingest", "report.xml", code=0)
    Cli(tmp_path / "x1.db", "proj")("ingest", "xunit1.xml", code=0)
    assert definitions(tmp_path / "x2.db") == EXPECTED
    assert definitions(tmp_path / "x1.db") == EXPECTED


def test_root_option_and_the_annotations_on_the_right_file_and_line(checkout: Path, tmp_path: Path) -> None:
    run_pytest(checkout, "--junitxml=report.xml")
    cli = Cli(tmp_path / "s.db", "proj")
    result = cli("ingest", checkout / "report.xml", "--root", checkout, code=0)
    assert "no file path" not in result.output
    github = cli("runs", "show", "--format", "github", code=0).stdout
    assert "::error file=tests/shop/test_cart.py,line=9," in github
    gitlab = json.loads(cli("runs", "show", "--format", "gitlab", code=0).stdout)
    assert [issue["location"] for issue in gitlab] == [
        {"path": "tests/shop/test_cart.py", "lines": {"begin": 9}}
    ]


def test_a_path_rule_matches_tests_from_pytests_default_junit(checkout: Path, tmp_path: Path) -> None:
    run_pytest(checkout, "--junitxml=report.xml")
    rules = tmp_path / "rules.yaml"
    rules.write_text('rules:\n  - pattern: "tests/shop/*"\n    feature: cart\n    domain: shop\n')
    cli = Cli(tmp_path / "s.db", "proj")
    cli("ingest", checkout / "report.xml", "--root", checkout, code=0)
    cli("map", "import", rules, code=0)
    health = cli.json("health")
    assert {(row["feature"], row["total_tests"]) for row in health["features"]} >= {("cart", 4)}


def test_no_checkout_warns_once_and_a_later_report_backfills(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_pytest(checkout, "--junitxml=report.xml")
    run_pytest(checkout, "--json-report", "--json-report-file=report.json")
    run_pytest(checkout, "--report-log=log.jsonl")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    db = tmp_path / "s.db"
    cli = Cli(db, "proj")
    result = cli("ingest", checkout / "report.xml", code=0)
    assert result.output.count("5 tests have no file path") == 1
    assert "junit_family=xunit1" in result.output
    assert set(definitions(db).values()) == {(None, None)}
    # A JSON report of the same tests knows the file (and, from pytest, the line): the definitions get it.
    result = cli("ingest", checkout / "report.json", code=0)
    assert "no file path" not in result.output
    assert definitions(db) == EXPECTED


@pytest.mark.parametrize("second", ["log.jsonl", "plugin", "xunit1.xml"])
def test_every_pytest_report_with_a_path_backfills_it(
    second: str, checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    db = db_url
    run_pytest(checkout, "--junitxml=report.xml")
    monkeypatch.chdir(tmp_path)
    Cli(db, "proj")("ingest", checkout / "report.xml", code=0)
    if second == "plugin":
        run_pytest(checkout, "--ccdash", f"--ccdash-db={db}", "--ccdash-project=proj")
    elif second == "log.jsonl":
        run_pytest(checkout, "--report-log=log.jsonl")
        Cli(db, "proj")("ingest", checkout / second, code=0)
    else:
        run_pytest(checkout, "-o", "junit_family=xunit1", "--junitxml=xunit1.xml")
        Cli(db, "proj")("ingest", checkout / second, code=0)
    if second == "xunit1.xml":
        assert definitions(db, "proj") == EXPECTED
    paths = {key: path for key, (path, _) in definitions(db, "proj").items()}
    assert paths == {key: path for key, (path, _) in EXPECTED.items()}


def test_surefire_classnames_resolve_under_src_test_java(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "s.db", "java")
    cli("ingest", *sorted((DATA / "surefire/reports").glob("*.xml")), "--root", DATA / "surefire", code=0)
    found = definitions(tmp_path / "s.db")
    source = "src/test/java/com/example/CalculatorTest.java"
    lines = (DATA / "surefire" / source).read_text().splitlines()
    assert found[("com.example.CalculatorTest", "addsNumbers")] == (source, 16)
    assert "void addsNumbers()" in lines[15]
    # The nested class's test of the same name is the one after `class Division`.
    nested = found[("com.example.CalculatorTest.Division", "addsNumbers")]
    assert nested[0] == source and "void addsNumbers()" in lines[nested[1] - 1]
    assert nested[1] > next(i for i, text in enumerate(lines) if "class Division" in text)
    assert all(path for path, _ in found.values())


def test_go_packages_resolve_to_the_test_function(tmp_path: Path) -> None:
    root = tmp_path / "go"
    shutil.copytree(DATA / "gotestsum/src", root)
    cli = Cli(tmp_path / "s.db", "go")
    cli("ingest", DATA / "gotestsum/junit.xml", "--root", root, code=0)
    found = definitions(tmp_path / "s.db")
    path, line = found[("example.com/sample/calc", "TestSub")]
    assert path == "calc/calc_test.go"
    assert (root / path).read_text().splitlines()[line - 1].startswith("func TestSub(")
    assert found[("example.com/sample/calc", "TestTable/wrong_sum")][0] == "calc/calc_test.go"


def test_mocha_suite_files_and_jest_stacks_from_another_machine(tmp_path: Path) -> None:
    root = tmp_path / "js"
    (root / "test").mkdir(parents=True)
    (root / "__tests__").mkdir()
    for source in (DATA / "mocha/src").iterdir():
        shutil.copy(source, root / "test" / source.name)
    for source in (DATA / "jest/src").iterdir():
        shutil.copy(source, root / "__tests__" / source.name)
    db = tmp_path / "s.db"
    Cli(db, "mocha")("ingest", DATA / "mocha/junit.xml", "--root", root, code=0)
    found = definitions(db)
    # Written as /tmp/producers/mocha/test/queue.spec.js on the machine that ran mocha.
    assert found[("Queue push", "keeps order")] == ("test/queue.spec.js", 6)
    assert found[("Queue pop", "keeps order")] == ("test/queue.spec.js", 16)
    result = Cli(db, "jest")("ingest", DATA / "jest/junit.xml", "--root", root, code=0)
    # jest-junit writes no file by default: failures are placed by their stack, the rest are counted.
    assert found != definitions(db)
    assert definitions(db)[("", "Cart totals applies the discount")] == ("__tests__/cart.test.js", 13)
    missing = sum(path is None for path, _ in definitions(db, "jest").values())
    assert missing and f"{missing} tests have no file path" in result.output


def test_classnames_below_missing_folders_files_and_symlinks_resolve_as_the_filesystem_says(
    tmp_path: Path,
) -> None:
    """The finder remembers which folders exist (paths.py); its answers stay the filesystem's: a module
    under a symlinked folder, a module where a folder is looked for, classes of a module that does not
    exist, each asked many times."""
    from ccdash_tests.models import ParsedCase, Status
    from ccdash_tests.paths import PathFinder

    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "pkg" / "deep").mkdir(parents=True)
    (tmp_path / "pkg" / "deep" / "test_d.py").write_text(
        "class TestD:\n    def test_x(self):\n        pass\n"
    )
    (tmp_path / "pkg" / "test_m.py").write_text("def test_y():\n    pass\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "test_s.py").write_text("def test_z():\n    pass\n")
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    finder = PathFinder(tmp_path, cwd=tmp_path)
    expected = {
        "pkg.deep.test_d.TestD": ("pkg/deep/test_d.py", 2),
        "pkg.test_m": ("pkg/test_m.py", 1),
        "pkg.test_m.sub.TestQ": ("pkg/test_m.py", None),  # test_m is a file, not a folder
        "linked.test_s": ("linked/test_s.py", 1),
        "pkg.missing.test_n.TestN": (None, None),
        "nowhere.at.all.TestN": (None, None),
    }
    names = {"pkg.deep.test_d.TestD": "test_x", "pkg.test_m": "test_y", "linked.test_s": "test_z"}
    for _ in range(3):
        for classname, (file, line) in expected.items():
            case = ParsedCase(
                "s", classname, names.get(classname, "test_q"), Status.PASSED, framework="pytest"
            )
            finder.locate(case)
            assert (case.file, case.line) == (file, line), classname
