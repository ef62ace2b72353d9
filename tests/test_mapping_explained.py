"""Mapping that explains itself: rule match counts, empty states that say why, `map suggest`, and
conflicts only between confident providers (a real pytest run of a small project in a git checkout)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from factories import Cli, GitRepo, junit_xml, module_case, write_report

SOURCES = {
    "tests/__init__.py": "",
    "tests/billing/__init__.py": "",
    "tests/billing/test_invoices.py": "def test_total():\n    pass\n\n\ndef test_tax():\n    pass\n",
    "tests/billing/test_refunds.py": "def test_refund():\n    assert False\n",
    "tests/search/__init__.py": "",
    "tests/search/test_query.py": "class TestQuery:\n    def test_parse(self):\n        pass\n",
}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = GitRepo(tmp_path / "proj")
    repo.commit("tests", SOURCES)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml"],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    return repo.root


def stored(tmp_path: Path, checkout: Path, *root: str | Path) -> Cli:
    cli = Cli(tmp_path / "s.db", "proj")
    cli("ingest", checkout / "report.xml", *root, code=0)
    return cli


def test_map_import_counts_each_rules_matches_and_warns_about_none(tmp_path: Path, checkout: Path) -> None:
    cli = stored(tmp_path, checkout, "--root", checkout)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        '  - {pattern: "tests/billing/*", feature: billing}\n'
        '  - {pattern: "test/search/*", feature: search}\n'  # a typo: the folder is tests/
    )
    result = cli("map", "import", rules, code=0)
    assert "Warning: rule 'test/search/*' (search) matched no stored test" in result.stderr
    assert "tests/billing/*" not in result.stderr
    document = cli.json("map", "import", rules)
    assert document["rule_matches"] == [
        {"pattern": "tests/billing/*", "feature": "billing", "tests": 3},
        {"pattern": "test/search/*", "feature": "search", "tests": 0},
    ]
    assert document["unmatched_rules"] == 1


def test_health_and_domains_say_why_they_are_empty(tmp_path: Path, checkout: Path) -> None:
    cli = stored(tmp_path, checkout, "--root", checkout)
    health = cli("health", code=0).output
    assert "4 tests have only path guesses, which are never primary" in " ".join(health.split())
    assert "map suggest" in health and "Ingest a run" not in health
    domains = " ".join(cli("domains", code=0).output.split())
    assert "4 tests have only path guesses" in domains
    empty = " ".join(Cli(tmp_path / "s.db", "other")("health", code=0).output.split())
    assert "No tests stored for project 'other' yet" in empty


def test_tests_without_paths_are_named_as_the_reason(
    tmp_path: Path, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cli = stored(tmp_path, checkout)
    health = " ".join(cli("health", code=0).output.split())
    assert "4 tests have no file path, so path rules cannot match them" in health


def test_map_suggest_writes_a_starter_file_that_maps_every_test(tmp_path: Path, checkout: Path) -> None:
    cli = stored(tmp_path, checkout, "--root", checkout)
    target = tmp_path / "mapping.yaml"
    result = cli("map", "suggest", target, code=0)
    assert "Wrote 3 rules for 4 of 4 tests" in " ".join(result.output.split())
    text = target.read_text()
    assert text.startswith("# Starter mapping rules for project 'proj'")
    rules = yaml.safe_load(text)["rules"]
    assert {rule["pattern"] for rule in rules} == {
        "tests/billing/test_invoices.py",
        "tests/billing/test_refunds.py",
        "tests/search/test_query.py",
    }
    assert cli("map", "suggest", "-", code=0).stdout == text
    refused = cli("map", "suggest", target, code=2)
    assert "already exists" in refused.output
    cli("map", "import", target, code=0)
    features = cli.json("health")["features"]
    assert sum(row["total_tests"] for row in features) == 4


def test_path_guesses_are_not_conflicts_but_confident_providers_are(tmp_path: Path) -> None:
    cases = [
        module_case("tests/billing/test_invoices.py", "test_total"),
        module_case("tests/billing/test_invoices.py", "test_tagged", properties={"feature": "tax"}),
    ]
    cli = Cli(tmp_path / "s.db", "p")
    cli("ingest", write_report(tmp_path, "r.xml", junit_xml(*cases)), code=0)
    rules = tmp_path / "rules.yaml"
    rules.write_text('rules:\n  - {pattern: "tests/billing/*", feature: money}\n')
    cli("map", "import", rules, code=0)
    conflicts = cli.json("map", "conflicts")["conflicts"]
    # test_total: the path guess (invoices, 0.6) against the rule (money, 0.8) is not a conflict;
    # test_tagged: its tag (tax, 0.9) against the rule (money, 0.8) is.
    assert [c["test"] for c in conflicts] == ["tests/billing/test_invoices.py::test_tagged"]
    assert {p["provider"] for p in conflicts[0]["proposals"]} == {"metadata", "imported"}
