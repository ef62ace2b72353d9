"""`map import|set|unset|resolve|conflicts|show` through the CLI on both backends, over ingested JUnit XML."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import Cli, junit_xml, module_case, write_report

PROJECT = "shop"


def pytest_case(path: str, name: str, **extra: Any) -> str:
    return module_case(path, name, line=1, **extra)


CASES = [
    # paths only: tests/billing/invoices/test_totals.py -> billing/invoices, totals (0.6, not primary)
    pytest_case("tests/billing/invoices/test_totals.py", "test_sum"),
    # metadata: a property in the report (0.9, primary)
    pytest_case(
        "tests/auth/test_login.py", "test_ok", properties={"feature": "Sign in", "domain": "Accounts"}
    ),
    # imported rule will claim it; metadata claims another feature -> conflict
    pytest_case("tests/search/test_query.py", "test_rank", properties={"feature": "ranking"}),
    # a name full of markup, shown literally
    pytest_case("tests/misc/test_odd.py", "test_[bold]odd[/bold]"),
]


def ingest(shop: Cli, folder: Path, cases: list[str], run_id: str, timestamp: str) -> None:
    report = write_report(folder, f"{run_id}.xml", junit_xml(*cases))
    shop("ingest", report, "--run-id", run_id, "--timestamp", timestamp, code=0)


@pytest.fixture
def shop(db_url: str, tmp_path: Path) -> Cli:
    """The shop project's store, holding one ingested run of CASES."""
    tool = Cli(db_url, PROJECT)
    ingest(tool, tmp_path, CASES, "r1", "2026-01-01T00:00:00Z")
    return tool


def by_test(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for mapping in document["mappings"]:
        found.setdefault(mapping["test"], []).append(mapping)
    return found


def primary(document: dict, test: str) -> dict | None:
    return next((m for m in by_test(document).get(test, []) if m["is_primary"]), None)


RULES_YAML = """
version: 1
rules:
  - pattern: "tests/search/*"
    feature: search results
    domain: Search
  - pattern: "re:test_sum$"
    feature: totals
    domain: billing/invoices
"""


def test_paths_and_metadata_providers_through_resolve(shop: Cli) -> None:
    # The ingest already resolved the new tests (version 1); resolving again finds nothing new.
    outcome = shop.json("map", "resolve")
    assert (outcome["tests_resolved"], outcome["version"], outcome["new_version"]) == (4, 1, False)
    shown = shop.json("map", "show")
    assert shown["version"] == 1 and len(shown["snapshot_hash"]) == 64
    sum_test = by_test(shown)["tests/billing/invoices/test_totals.py::test_sum"]
    assert [
        (m["feature"], m["domain"], m["provider"], m["confidence"], m["is_primary"]) for m in sum_test
    ] == [("totals", "billing/invoices", "paths", 0.6, False)]
    login = primary(shown, "tests/auth/test_login.py::test_ok")
    assert login is not None
    assert (login["feature"], login["domain"], login["provider"], login["confidence"]) == (
        "Sign in",
        "accounts",
        "metadata",
        0.9,
    )
    # Resolving the same inputs again changes nothing.
    again = shop.json("map", "resolve")
    assert (again["version"], again["new_version"], again["rows_written"]) == (1, False, 0)


def test_imported_rules_are_stored_and_agree_or_conflict(shop: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "mapping.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    imported = shop.json("map", "import", str(rules))
    # Version 1 is what the ingest resolved; the imported rules make version 2.
    assert imported["rules"] == 2 and imported["resolution"]["version"] == 2
    shown = shop.json("map", "show")
    # paths 0.6 + imported 0.8 agree on totals: 1 - 0.4 * 0.2 = 0.92, now primary.
    total = primary(shown, "tests/billing/invoices/test_totals.py::test_sum")
    assert total is not None
    assert (total["feature"], total["provider"], total["providers"], total["confidence"]) == (
        "totals",
        "imported",
        ["imported", "paths"],
        0.92,
    )
    # metadata outranks imported: ranking stays primary, and the disagreement is a conflict.
    rank = primary(shown, "tests/search/test_query.py::test_rank")
    assert rank is not None and (rank["feature"], rank["provider"]) == ("ranking", "metadata")
    conflicts = {c["test"]: c for c in shop.json("map", "conflicts")["conflicts"]}
    # The tag and the path guess disagree on the login test too, but a guess (0.6) is below the
    # primary bar: only confident providers (>= 0.7) are in conflict, and only they are listed.
    assert sorted(conflicts) == ["tests/search/test_query.py::test_rank"]
    ranking = conflicts["tests/search/test_query.py::test_rank"]
    assert [(p["provider"], p["feature"]) for p in ranking["proposals"]] == [
        ("metadata", "ranking"),
        ("imported", "search results"),
    ]
    assert ranking["primary_feature"] == "ranking"
    # A later ingest of new tests keeps using the stored rules.
    ingest(
        shop,
        tmp_path,
        [pytest_case("tests/search/test_filters.py", "test_filter")],
        "r2",
        "2026-01-02T00:00:00Z",
    )
    shop("map", "resolve", code=0)
    later = primary(
        shop.json("map", "show", "tests/search/test_filters.py::test_filter"),
        "tests/search/test_filters.py::test_filter",
    )
    assert later is not None and (later["feature"], later["domain"]) == ("search results", "search")


def test_override_wins_is_stored_and_can_be_removed(shop: Cli, tmp_path: Path) -> None:
    shop("map", "resolve", code=0)
    result = shop.json(
        "map",
        "set",
        "tests/search/test_query.py::test_rank",
        "--feature",
        "Typeahead",
        "--domain",
        "Search/UI",
    )
    assert len(result["tests"]) == 1 and result["resolution"]["new_version"] is True
    shown = shop.json("map", "show", "test_rank")
    rank = primary(shown, "tests/search/test_query.py::test_rank")
    assert rank is not None
    assert (rank["feature"], rank["domain"], rank["provider"], rank["confidence"]) == (
        "Typeahead",
        "search/ui",
        "override",
        1.0,
    )
    # The user decided: no conflict for that test, even with a disagreeing rule file.
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps([{"pattern": "tests/search/*", "feature": "search results"}]), encoding="utf-8"
    )
    shop("map", "import", rules, code=0)
    conflicts = [c["test"] for c in shop.json("map", "conflicts")["conflicts"]]
    assert conflicts == [], "without the override, the tag and the rule disagree on test_rank"
    assert (
        primary(shop.json("map", "show", "test_rank"), "tests/search/test_query.py::test_rank")["feature"]
        == "Typeahead"
    )
    shop("map", "unset", "tests/search/test_query.py::test_rank", code=0)
    back = primary(shop.json("map", "show", "test_rank"), "tests/search/test_query.py::test_rank")
    assert back is not None and back["feature"] == "ranking"


def test_snapshot_versions_and_show_at_a_past_time(shop: Cli) -> None:
    shop("map", "resolve", code=0)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    said = shop("map", "set", "test_sum", "--feature", "grand total", code=0).stdout
    assert said.startswith("1 test now proves grand total. "), said
    now = shop.json("map", "show", "test_sum")
    assert now["version"] == 2, "version 1 was resolved by the ingest"
    assert primary(now, "tests/billing/invoices/test_totals.py::test_sum")["feature"] == "grand total"
    before = shop.json("map", "show", "test_sum", "--at", between)
    assert before["version"] == 1
    assert primary(before, "tests/billing/invoices/test_totals.py::test_sum") is None
    empty = shop.json("map", "show", "--at", "2000-01-01T00:00:00Z")
    assert (empty["version"], empty["mappings"]) == (0, [])


def test_table_output_shows_names_literally(shop: Cli, tmp_path: Path) -> None:
    empty = Cli(tmp_path / "empty.db", PROJECT)
    assert "No conflicts" in empty("map", "conflicts", code=0).stdout
    assert "No mapping yet" in empty("map", "show", code=0).stdout
    shop("map", "resolve", code=0)
    output = shop("map", "show", code=0).stdout
    assert "test_[bold]odd[/bold]" in output
    assert "Mapping v1" in output
    rules = tmp_path / "mapping.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    shop("map", "import", rules, code=0)
    conflicts = shop("map", "conflicts", code=0).stdout
    assert "Mapping conflicts (1)" in conflicts
    assert "metadata: ranking (0.90)" in conflicts


def test_bad_input_exits_2_and_writes_nothing(shop: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - pattern: 'x'\n", encoding="utf-8")
    result = shop("map", "import", bad)
    assert result.exit_code == 2, result.output
    assert "bad.yaml: rules[0].feature: Field required" in result.stderr
    assert "Traceback" not in result.output
    shop("map", "set", "no_such_test", "--feature", "x", code=2)
    shop("map", "set", "test_sum", "--feature", "   ", code=2)
    shop("map", "unset", "never_set", code=2)
    shop("map", "show", "no_such_test", code=2)
    shop("map", "import", tmp_path / "missing.yaml", code=2)
    assert shop.json("map", "show")["version"] == 1, "only the ingest's own resolution is stored"
