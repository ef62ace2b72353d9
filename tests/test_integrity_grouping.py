"""Bulk losses of one kind in one file are one signal: skips and lost checks grouped, judged as one
decision, resolved when every member is back; through the CLI on real git repositories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factories import Cli, GitRepo, edit, junit_case, junit_xml

PROJECT = "bulk"
PATH = "tests/test_calc.py"
NAMES = ("test_one", "test_two", "test_three", "test_four")
CODE = "def add(a, b):\n    return a + b\n"
TESTS = """import sys

import pytest

from calc import add


def test_one():
    assert add(1, 1) == 2


def test_two():
    assert add(1, 2) == 3


def test_three():
    assert add(2, 2) == 4


def test_four():
    assert add(2, 3) == 5
"""
PLAIN = "@pytest.mark.skip"
ON_WINDOWS = '@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")'


def skipped(text: str, markers: dict[str, str]) -> str:
    """`text` with each named test under its marker."""
    return edit(text, *((f"def {name}():", f"{marker}\ndef {name}():") for name, marker in markers.items()))


def unchecked(text: str, *names: str) -> str:
    """`text` with the assert of each named test turned into a bare call."""
    lines = text.splitlines()
    for name in names:
        at = lines.index(f"def {name}():") + 1
        lines[at] = lines[at].replace("assert ", "").split(" ==")[0]
    return "\n".join(lines) + "\n"


def scan_one(cli: Cli, tmp_path: Path, after: str) -> list[dict[str, Any]]:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("calc and its tests", {"calc.py": CODE, PATH: TESTS})
    head = repo.commit("change the tests", {PATH: after})
    found = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)
    return list(found["signals"])


def test_three_tests_skipped_in_one_file_are_one_signal_listing_them(db_url: str, tmp_path: Path) -> None:
    cli = Cli(db_url, PROJECT)
    after = skipped(TESTS, dict.fromkeys(NAMES[:3], PLAIN))
    [signal] = scan_one(cli, tmp_path, after)
    where = (signal["signal_type"], signal["test_name"], signal["file_path"])
    assert where == ("skip_introduced", None, PATH)
    details = signal["details"]
    assert details["tests"] == list(NAMES[:3]) and details["count"] == 3
    assert [member["test"] for member in details["members"]] == list(NAMES[:3])
    assert all(member["marker"] == "pytest.mark.skip" for member in details["members"])
    assert details["lines"] == sorted(details["lines"])


def test_two_tests_skipped_stay_two_signals(db_url: str, tmp_path: Path) -> None:
    cli = Cli(db_url, PROJECT)
    found = scan_one(cli, tmp_path, skipped(TESTS, dict.fromkeys(NAMES[:2], PLAIN)))
    assert {(s["signal_type"], s["test_name"]) for s in found} == {
        ("skip_introduced", "test_one"),
        ("skip_introduced", "test_two"),
    }


def test_checks_lost_by_three_tests_are_one_signal_beside_another_kind(db_url: str, tmp_path: Path) -> None:
    cli = Cli(db_url, PROJECT)
    after = skipped(unchecked(TESTS, *NAMES[:3]), {"test_four": PLAIN})
    found = scan_one(cli, tmp_path, after)
    assert {(s["signal_type"], s["test_name"]) for s in found} == {
        ("assertion_removed", None),
        ("skip_introduced", "test_four"),
    }
    [lost] = [s for s in found if s["signal_type"] == "assertion_removed"]
    assert lost["details"]["tests"] == list(NAMES[:3])
    assert "assert add(1, 1) == 2" in lost["details"]["removed_lines"]


@pytest.mark.parametrize(
    ("markers", "verdict"),
    [
        (dict.fromkeys(NAMES[:3], ON_WINDOWS), "likely_deliberate"),
        ({**dict.fromkeys(NAMES[:2], ON_WINDOWS), NAMES[2]: PLAIN}, "suspicious"),
    ],
    ids=["every-member-explained", "one-member-unexplained"],
)
def test_a_group_is_likely_deliberate_only_when_every_member_is(
    db_url: str, tmp_path: Path, markers: dict[str, str], verdict: str
) -> None:
    cli = Cli(db_url, PROJECT)
    [signal] = scan_one(cli, tmp_path, skipped(TESTS, markers))
    assert signal["details"]["tests"] == list(NAMES[:3])
    assert signal["verdict"] == signal["details"]["verdict"] == verdict


def ingest(cli: Cli, tmp_path: Path, sha: str, hour: int) -> dict[str, Any]:
    """A green run of every test at `sha`, with its integrity check."""
    report = tmp_path / "reports" / f"run-{hour}.xml"
    report.parent.mkdir(exist_ok=True)
    tags = {"feature": "calc", "domain": "math"}
    cases = [
        junit_case(name, "passed", classname="tests.test_calc", file=PATH, line=1, properties=tags)
        for name in NAMES
    ]
    report.write_text(junit_xml(*cases))
    stamp = f"2026-11-01T{hour:02d}:00:00+00:00"
    return cli.json("ingest", report, "--git-sha", sha, "--timestamp", stamp, "--run-id", f"run-{hour}")


def test_a_grouped_skip_is_resolved_when_every_member_runs_again(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "repo")
    first = repo.commit("calc and its tests", {"calc.py": CODE, PATH: TESTS})
    monkeypatch.chdir(repo.root)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0)
    off = repo.commit("skip three", {PATH: skipped(TESTS, dict.fromkeys(NAMES[:3], PLAIN))})
    assert ingest(cli, tmp_path, off, 1)["integrity"]["signal_count"] == 1
    [signal] = cli.json("integrity")["signals"]
    assert signal["details"]["tests"] == list(NAMES[:3])
    assert "3 tests:" in cli("integrity", code=0).stdout
    cli.json("gate", "--fail-on-integrity", "medium", code=1)
    # One row to review, but three tests that no longer run: health counts each member.
    [feature] = cli.json("health")["features"]
    assert feature["open_signals"] == 3
    # Each member finds the group by its stored id too, not only the first.
    member = signal["details"]["test_ids"][2]
    assert [s["signal_id"] for s in cli.json("integrity", "--test", member)["signals"]] == [
        signal["signal_id"]
    ]

    # Two of the three back: the group's loss is still on the branch.
    two_back = repo.commit("unskip two", {PATH: skipped(TESTS, {NAMES[2]: PLAIN})})
    ingest(cli, tmp_path, two_back, 2)
    assert [s["state"] for s in cli.json("integrity")["signals"]] == ["open"]
    cli.json("gate", "--fail-on-integrity", "medium", code=1)

    all_back = repo.commit("unskip the last", {PATH: TESTS})
    assert ingest(cli, tmp_path, all_back, 3)["integrity"]["resolved_signal_ids"] == [signal["signal_id"]]
    assert cli.json("integrity")["signals"] == []
    assert cli.json("gate", "--fail-on-integrity", "low", code=0)["passed"] is True


def test_a_group_of_hundreds_names_every_member_and_keeps_bounded_evidence(
    db_url: str, tmp_path: Path
) -> None:
    cli = Cli(db_url, PROJECT)
    many = "import pytest\n\n" + "".join(f"\ndef test_{n}():\n    assert {n} == {n}\n\n" for n in range(300))
    off = many.replace("\ndef test_", "\n@pytest.mark.skip\ndef test_")
    repo = GitRepo(tmp_path / "repo")
    repo.commit("many tests", {PATH: many})
    head = repo.commit("skip them all", {PATH: off})
    [signal] = cli.json("integrity", "scan", "--repo", repo.root, "--base", f"{head}^", "--head", head)[
        "signals"
    ]
    assert signal["details"]["count"] == 300 and len(signal["details"]["tests"]) == 300
    assert len(signal["details"]["members"]) == 200
