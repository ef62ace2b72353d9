"""Start-up: each command imports only what it uses (checked on sys.modules of a real process, not timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories import Cli, junit_text
from reliability_support import cli_env

# Domain modules (and the PostgreSQL driver) that the store-listing commands and --version never need.
HEAVY = (
    "ccdash_tests.integrity",
    "ccdash_tests.forensics",
    "ccdash_tests.mapping",
    "ccdash_tests.gate",
    "ccdash_tests.health",
    "ccdash_tests.push",
    "psycopg",
)

RUNS_SHOW_ONLY = (
    "ccdash_tests.store.queries.gate",
    "ccdash_tests.store.queries.forensics",
    "ccdash_tests.output.ci_annotations",
)

PROBE = """
import json, sys
sys.argv = ["ccdash-tests", *json.loads(sys.argv[1])]
from ccdash_tests.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
with open(OUT, "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def loaded_modules(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    """Run `ccdash-tests ARGS` in a fresh interpreter; its exit code and every module it imported."""
    out = tmp_path / "modules.json"
    probe = PROBE.replace("OUT", repr(str(out)))
    subprocess.run(
        [sys.executable, "-c", probe, json.dumps(list(args))],
        env=cli_env(),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    found = json.loads(out.read_text())
    return found["code"], set(found["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(HEAVY))


def pydantic_modules(modules: set[str]) -> list[str]:
    """Pydantic, its core and the modules that define models: `ingest` needs none (records.py)."""
    return sorted(
        m
        for m in modules
        if m.split(".")[0] in ("pydantic", "pydantic_core")
        or m in ("ccdash_tests.models", "ccdash_tests.mapping.rules")
    )


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """A SQLite store holding one run."""
    db = tmp_path / "store.db"
    report = tmp_path / "r.xml"
    report.write_text(junit_text([("pkg.T", "test_a", "passed"), ("pkg.T", "test_b", "failed")]))
    Cli(db, "demo")("ingest", report, code=0)
    return db


def test_version_imports_no_command_module_and_no_store(tmp_path: Path) -> None:
    code, modules = loaded_modules(tmp_path, "--version")
    assert code == 0
    assert heavy(modules) == []
    # common (the app) and running (the helpers around a command's body, which common re-exports) only.
    shared = ("ccdash_tests.commands.common", "ccdash_tests.commands.running")
    assert not any(m.startswith("ccdash_tests.commands.") and m not in shared for m in modules)
    assert "ccdash_tests.models" not in modules and "sqlite3" not in modules and "pydantic" not in modules


@pytest.mark.parametrize("args", [["runs", "list", "--json"], ["runs", "list"], ["db", "info", "--json"]])
def test_store_listing_commands_import_no_domain_module(
    tmp_path: Path, stored: Path, args: list[str]
) -> None:
    code, modules = loaded_modules(tmp_path, *args, "--db", str(stored), "--project", "demo")
    assert code == 0
    assert heavy(modules) == []
    assert "ccdash_tests.commands.runs_cmd" in modules
    # What only `runs show` needs: the base-run and forensics queries, the CI annotations.
    assert sorted(m for m in modules if m.startswith(RUNS_SHOW_ONLY)) == []


# What `runs list --json` (the listing CI scripts read) never needs: Rich and the views that draw with
# it, the CSV and Markdown listings, and, with --project given, the CI environment and git detection.
RUNS_LIST_JSON_NEVER = (
    "rich",
    "ccdash_tests.output.terminal",
    "ccdash_tests.output.listings",
    "ccdash_tests.output.markdown",
    "ccdash_tests.runmeta",
)


def test_runs_list_json_loads_no_rich_and_no_ci_detection(tmp_path: Path, stored: Path) -> None:
    code, modules = loaded_modules(
        tmp_path, "runs", "list", "--json", "--db", str(stored), "--project", "demo"
    )
    assert code == 0
    assert "ccdash_tests.output.jsonout" in modules
    assert (
        sorted(m for m in modules if m.split(".")[0] == "rich" or m.startswith(RUNS_LIST_JSON_NEVER[1:]))
        == []
    )
    # The table draws with Rich; without --project the project's name comes from the folder (runmeta).
    code, modules = loaded_modules(tmp_path, "runs", "list", "--db", str(stored), "--project", "demo")
    assert code == 0 and "ccdash_tests.output.terminal" in modules
    _, modules = loaded_modules(tmp_path, "runs", "list", "--json", "--db", str(stored))
    assert "ccdash_tests.runmeta" in modules


def test_a_command_imports_its_own_domain_modules(tmp_path: Path, stored: Path) -> None:
    # The probe sees imports: `failures` loads forensics (and still nothing of integrity or PostgreSQL).
    code, modules = loaded_modules(tmp_path, "failures", "--json", "--db", str(stored), "--project", "demo")
    assert code == 0
    assert "ccdash_tests.forensics" in modules
    assert [m for m in heavy(modules) if not m.startswith("ccdash_tests.forensics")] == []


# What the integrity hook may load on an ingest that scans nothing (no commit, or no earlier run):
# the git edge and the service, not the detectors, the scanner, linking or the verdict rules.
INTEGRITY_SCAN = tuple(
    f"ccdash_tests.integrity.{m}"
    for m in ("by_test", "deliberate", "detectors", "link", "python_code", "scan", "text_code")
)
# Never needed by an ingest without --push: the other commands' domains and the PostgreSQL driver.
NOT_FOR_INGEST = ("ccdash_tests.forensics", "ccdash_tests.gate", "ccdash_tests.push", "psycopg")


def git_checkout(folder: Path) -> None:
    """A git work tree with one commit, so the ingest's run has a SHA."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    subprocess.run(
        ["git", "-C", str(folder), "commit", "-q", "--allow-empty", "-m", "one"], env=env, check=True
    )


@pytest.mark.parametrize("in_checkout", [False, True], ids=["no-commit", "first-run-of-a-commit"])
def test_an_ingest_that_scans_nothing_loads_no_detector(tmp_path: Path, in_checkout: bool) -> None:
    if in_checkout:
        git_checkout(tmp_path)
    report = tmp_path / "r.xml"
    report.write_text(junit_text([("pkg.T", "test_a", "passed"), ("pkg.T", "test_b", "failed")]))
    db = str(tmp_path / "new.db")
    code, modules = loaded_modules(tmp_path, "ingest", str(report), "--db", db, "--project", "demo", "--json")
    assert code == 0
    [run] = json.loads(Cli(Path(db), "demo")("runs", "list", "--json", code=0).stdout)
    assert (run["git_sha"] is not None) is in_checkout
    assert "ccdash_tests.mapping.service" in modules
    # Without a commit there is nothing to compare: the hook answers before it loads the service and git.
    assert ("ccdash_tests.integrity.service" in modules) is in_checkout
    assert ("ccdash_tests.integrity.git" in modules) is in_checkout
    assert (
        sorted(m for m in modules if m.startswith(INTEGRITY_SCAN + NOT_FOR_INGEST + NOT_FOR_NEW_TESTS)) == []
    )
    # The run, its results and the request are plain records; the Pydantic models are other commands'.
    assert pydantic_modules(modules) == []


# What mapping an ingest's new tests never needs: `map suggest`, test look-up by name, the health
# package, and the live progress display of a long ingest on a terminal.
NOT_FOR_NEW_TESTS = (
    "ccdash_tests.mapping.suggest",
    "ccdash_tests.lookup",
    "ccdash_tests.health",
    "rich.progress",
)


def test_a_re_ingest_loads_no_mapping_and_no_integrity_service(tmp_path: Path) -> None:
    git_checkout(tmp_path)
    report = tmp_path / "r.xml"
    report.write_text(junit_text([("pkg.T", "test_a", "passed"), ("pkg.T", "test_b", "failed")]))
    db = str(tmp_path / "store.db")
    args = ("ingest", str(report), "--db", db, "--project", "demo")
    code, first = loaded_modules(tmp_path, *args)
    assert code == 0 and "ccdash_tests.integrity.service" in first and "ccdash_tests.mapping.service" in first
    code, again = loaded_modules(tmp_path, *args)
    # Nothing new was stored: nothing to map and no change to check, so neither service is imported.
    assert code == 0
    assert pydantic_modules(first) == pydantic_modules(again) == []
    assert sorted(m for m in again if m.startswith(("ccdash_tests.mapping", "ccdash_tests.integrity."))) == [
        "ccdash_tests.integrity.check"
    ]
    [run] = json.loads(Cli(Path(db), "demo")("runs", "list", "--json", code=0).stdout)
    assert run["total_tests"] == 2


def test_the_integrity_package_exports_load_on_first_use() -> None:
    # `scan` is a submodule and the function the package exports: the function, however it is reached.
    probe = (
        "import sys, ccdash_tests.integrity as i; "
        "assert 'ccdash_tests.integrity.detectors' not in sys.modules; "
        "import ccdash_tests.integrity.service, ccdash_tests.integrity.scan; "
        "from ccdash_tests.integrity import scan, git; "
        "assert callable(scan) and scan is i.scan and git is sys.modules['ccdash_tests.integrity.git']; "
        "assert all(getattr(i, n) is getattr(sys.modules[f'ccdash_tests.integrity.{i._EXPORTS[n]}'], n) "
        "for n in i.__all__); assert sorted(i._EXPORTS) == i.__all__; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=cli_env())
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "ok", "")


def test_every_command_is_built_from_the_module_that_registers_it() -> None:
    import importlib

    from typer.main import get_command_name

    from ccdash_tests.commands.common import COMMAND_MODULES, COMMAND_ORDER, app

    for module in set(COMMAND_MODULES.values()):
        importlib.import_module(f"ccdash_tests.commands.{module}")
    registered: dict[str, str] = {}
    for info in app.registered_commands:
        assert info.callback is not None
        registered[info.name or get_command_name(info.callback.__name__)] = info.callback.__module__
    for group in app.registered_groups:
        assert group.name is not None and group.typer_instance is not None
        owners = {c.callback.__module__ for c in group.typer_instance.registered_commands if c.callback}
        assert len(owners) == 1, (group.name, owners)
        registered[group.name] = owners.pop()
    assert registered == {name: f"ccdash_tests.commands.{module}" for name, module in COMMAND_MODULES.items()}
    assert set(COMMAND_ORDER) == set(COMMAND_MODULES)


def test_unknown_command_still_suggests_a_lazily_built_one() -> None:
    result = Cli()("histry")
    assert result.exit_code == 2
    assert "Did you mean 'history'?" in result.stderr


def test_the_command_tree_is_whole_when_walked_in_a_fresh_process() -> None:
    # Introspection (README and --help checks, completion) walks `.commands`: it must see every command.
    probe = (
        "import typer; from ccdash_tests.cli import app; group = typer.main.get_command(app); "
        "print(sorted(group.commands), sorted(group.commands['runs'].commands))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    from ccdash_tests.commands.common import COMMAND_MODULES

    assert done.stdout.strip() == f"{sorted(COMMAND_MODULES)} ['list', 'show']"


# Pydantic models whose validators the commands that do not need them never build (defer_build).
# (The ingest request is a plain record now: records.py.)
DEFERRED = {"mapping.imported": ("MappingRule", "MappingFile")}

BUILT_PROBE = """
import json, sys
deferred = json.loads(sys.argv[2])
sys.argv = ["ccdash-tests", *json.loads(sys.argv[1])]
from ccdash_tests.cli import main
try:
    main()
except SystemExit:
    pass
import ccdash_tests.mapping.imported, ccdash_tests.models
found = {f"{module}.{name}": getattr(sys.modules[f"ccdash_tests.{module}"], name).__pydantic_complete__
         for module, names in deferred.items() for name in names}
with open(OUT, "w") as out:
    json.dump(found, out)
"""


def built_models(tmp_path: Path, *args: str) -> dict[str, bool]:
    """Run `ccdash-tests ARGS` in a fresh interpreter; which of DEFERRED's models had a validator after."""
    out = tmp_path / "built.json"
    probe = BUILT_PROBE.replace("OUT", repr(str(out)))
    subprocess.run(
        [sys.executable, "-c", probe, json.dumps(list(args)), json.dumps(DEFERRED)],
        env=cli_env(),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return json.loads(out.read_text())


def test_validators_are_built_by_the_commands_that_use_them(tmp_path: Path, stored: Path) -> None:
    listing = built_models(tmp_path, "runs", "list", "--json", "--db", str(stored), "--project", "demo")
    assert listing == {
        "mapping.imported.MappingRule": False,
        "mapping.imported.MappingFile": False,
    }
    # An ingest without stored rules reads no rule (and imports no Pydantic: above).
    report = tmp_path / "r.xml"
    report.write_text(junit_text([("pkg.T", "test_c", "passed")]))
    ingest = built_models(tmp_path, "ingest", str(report), "--db", str(stored), "--project", "demo")
    assert ingest == {
        "mapping.imported.MappingRule": False,
        "mapping.imported.MappingFile": False,
    }
    # Importing rules validates them.
    rules = tmp_path / "mapping.yaml"
    rules.write_text("rules:\n  - pattern: 'pkg.*'\n    feature: things\n")
    imported = built_models(tmp_path, "map", "import", str(rules), "--db", str(stored), "--project", "demo")
    assert (
        imported["mapping.imported.MappingRule"] is True and imported["mapping.imported.MappingFile"] is True
    )
    # With stored rules, the ingest of new tests maps them with the rules read back without Pydantic.
    report.write_text(junit_text([("pkg.T", "test_d", "passed")]))
    code, modules = loaded_modules(tmp_path, "ingest", str(report), "--db", str(stored), "--project", "demo")
    assert code == 0 and "ccdash_tests.mapping.service" in modules
    assert pydantic_modules(modules) == []
    mapped = Cli(stored, "demo")("map", "show", "--json", code=0).stdout
    assert "things" in mapped
