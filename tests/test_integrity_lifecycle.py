"""Integrity signals over a branch's life, through the CLI on real git repositories: merges judged once,
bulk deletions grouped, unknown SHAs that never switch the check off, deliberate or suspicious, fixes
that resolve signals, and work-tree scans that stay dry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import Cli, GitRepo, edit, junit_case, junit_xml

from ccdash_tests.models import SignalState, SignalVerdict
from ccdash_tests.store import migrations, open_store

PROJECT = "life"
PATH = "tests/test_calc.py"
MODULE = "tests.test_calc"
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

CODE = """def add(a, b):
    return a + b


def parse(text):
    return int(text)


def parse_legacy(text):
    return int(text.strip())
"""

TESTS = """import sys

import pytest

from calc import add, parse, parse_legacy


def test_add():
    assert add(1, 2) == 3
    assert add(-1, 1) == 0


def test_parse():
    assert parse("1") == 1


def test_parse_legacy():
    assert parse_legacy(" 1 ") == 1


def test_other():
    assert add(0, 0) == 0
"""
NAMES = ("test_add", "test_parse", "test_parse_legacy", "test_other")

NO_PARSE_CHECK = ('    assert parse("1") == 1\n', '    parse("1")\n')
SKIP_FOR_NOW = ("def test_add():", '@pytest.mark.skip(reason="flaky, skip for now")\ndef test_add():')


def repo_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[GitRepo, str]:
    """A repository with the code and its tests committed; the current directory is its root (the
    ingest hook reads the checkout it runs in)."""
    repo = GitRepo(tmp_path / "repo")
    first = repo.commit("calc and its tests", {"calc.py": CODE, PATH: TESTS})
    monkeypatch.chdir(repo.root)
    return repo, first


def ingest(
    cli: Cli,
    tmp_path: Path,
    sha: str,
    hour: int,
    session: str | None = None,
    branch: str = "main",
    failed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Ingest a run of every test at `sha` (green but for `failed`); returns the ingest's JSON (with its
    integrity check)."""
    report = tmp_path / "reports" / f"run-{hour}.xml"
    report.parent.mkdir(exist_ok=True)
    tags = {"feature": "calc", "domain": "math"}
    cases = [
        junit_case(
            name,
            "failed" if name in failed else "passed",
            classname=MODULE,
            file=PATH,
            line=1,
            properties=tags,
        )
        for name in NAMES
    ]
    report.write_text(junit_xml(*cases))
    stamp = (START + timedelta(hours=hour)).isoformat()
    args = ["ingest", report, "--git-sha", sha, "--branch", branch, "--timestamp", stamp]
    args += ["--run-id", f"run-{hour}", *(["--session", session] if session else [])]
    return cli.json(*args)


def kinds(signals: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(s["signal_type"], s["test_name"]) for s in signals}


def scan(cli: Cli, repo: GitRepo, *args: str) -> dict[str, Any]:
    return cli.json("integrity", "scan", "--repo", repo.root, *args)


# ------------------------------------------------------------------------------------ unknown SHA


def test_unknown_sha_falls_back_to_the_parent_and_the_gate_fails(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    before = repo.commit("more tests", {PATH: TESTS + "\n\ndef test_more():\n    assert add(2, 2) == 4\n"})
    first = ingest(cli, tmp_path, "deadbeef" * 5, 0)  # a commit this checkout does not have
    assert first["integrity"]["checked"] is False
    weakened = repo.commit("make CI green", {PATH: edit(TESTS, NO_PARSE_CHECK)})
    second = ingest(cli, tmp_path, weakened, 1)["integrity"]
    assert second["checked"] is True and second["base_fallback"] is True
    assert second["base_sha"] == before
    assert "deadbeefdead of run run-0 is not in this checkout" in second["status"]
    assert f"the parent commit {before[:12]}" in second["base"]
    signals = cli.json("integrity")["signals"]
    assert ("assertion_removed", "test_parse") in kinds(signals)
    gate = cli.json("gate", "--fail-on-integrity", "high", code=1)
    assert gate["passed"] is False


def test_unknown_sha_is_skipped_for_the_newest_earlier_run_that_exists(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0)
    ingest(cli, tmp_path, "ab" * 20, 1)  # e.g. a commit rebased away
    weakened = repo.commit("tidy", {PATH: edit(TESTS, NO_PARSE_CHECK)})
    check = ingest(cli, tmp_path, weakened, 2)["integrity"]
    assert check["checked"] is True and check["previous_run_id"] == "run-0"
    assert check["base_sha"] == first
    assert check["status"] == (
        f"checked: 1 signal (base: run run-0 at {first[:12]} (the commit abababababab of run run-1 is "
        "not in this checkout))"
    )


# ------------------------------------------------------------------------------------------ merges


def test_merge_is_judged_only_on_what_no_parent_had(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    repo.git("checkout", "-q", "-b", "feature")
    dropped = repo.commit("drop a check", {PATH: edit(TESTS, ("    assert add(-1, 1) == 0\n", ""))})
    repo.git("checkout", "-q", "main")
    repo.commit("faster add", {"calc.py": CODE.replace("a + b", "b + a")})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = repo.git("rev-parse", "HEAD")

    on_branch = scan(cli, repo, "--base", f"{dropped}^", "--head", dropped)
    assert kinds(on_branch["signals"]) == {("assertion_removed", "test_add")}
    replayed = scan(cli, repo, "--base", f"{merge}^", "--head", merge)
    assert replayed["signals"] == []  # the file equals the feature parent's: nothing new


def test_merge_that_weakens_a_test_itself_is_reported_once(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("drop a check", {PATH: edit(TESTS, ("    assert add(-1, 1) == 0\n", ""))})
    repo.git("checkout", "-q", "main")
    repo.commit("a new test", {PATH: TESTS + "\n\ndef test_new():\n    assert add(3, 3) == 6\n"})
    repo.git("merge", "-q", "--no-commit", "--no-ff", "feature")
    merged = (repo.root / PATH).read_text()
    repo.write(PATH, edit(merged, NO_PARSE_CHECK))  # the merge's own change
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Merge feature")
    merge = repo.git("rev-parse", "HEAD")
    document = scan(cli, repo, "--base", f"{merge}^", "--head", merge)
    # test_add's loss came from the feature parent; only test_parse's is the merge's.
    assert kinds(document["signals"]) == {("assertion_removed", "test_parse")}


# -------------------------------------------------------------------------------- bulk deletions


def test_bulk_deletion_is_one_grouped_signal(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    old = "\n\n".join(f"def test_old_{n}():\n    assert {n} == {n}\n" for n in range(6))
    repo.commit("old suite", {"tests/test_old.py": old})
    gone = repo.commit("remove old tests", {"tests/test_old.py": None})
    document = scan(cli, repo)
    [signal] = document["signals"]
    assert (signal["signal_type"], signal["test_name"], signal["file_path"]) == (
        "test_removed",
        None,
        "tests/test_old.py",
    )
    assert signal["details"]["tests"] == [f"test_old_{n}" for n in range(6)]
    assert signal["details"]["count"] == 6 and signal["details"]["file_deleted"] is True
    assert signal["git_sha"] == gone
    table = cli("integrity", code=0).stdout
    assert "6 tests:" in table and "test_old_0" in table and "6 tests file deleted" in table

    # Two tests removed stay two signals: grouping is for bulk removals only.
    two = repo.commit("drop two", {PATH: TESTS.split("\n\ndef test_parse_legacy")[0] + "\n"})
    pair = scan(cli, repo, "--head", two)
    assert kinds(pair["signals"]) == {("test_removed", "test_parse_legacy"), ("test_removed", "test_other")}


# --------------------------------------------------------------------------- deliberate or suspicious


def verdict_of(document: dict[str, Any], kind: str, test: str | None) -> tuple[str, list[str]]:
    [signal] = [s for s in document["signals"] if (s["signal_type"], s["test_name"]) == (kind, test)]
    assert signal["details"]["verdict"] == signal["verdict"]
    return signal["verdict"], signal["details"]["verdict_evidence"]


def test_a_revert_is_likely_deliberate(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    added = repo.commit(
        "stricter check",
        {
            PATH: edit(
                TESTS,
                ("    assert add(0, 0) == 0\n", "    assert add(0, 0) == 0\n    assert add(0, 1) == 1\n"),
            )
        },
    )
    repo.git("revert", "--no-edit", added)
    verdict, evidence = verdict_of(scan(cli, repo), "assertion_removed", "test_other")
    assert verdict == "likely_deliberate"
    assert evidence == ["the commit is a revert"]


def test_code_under_test_deleted_with_its_test_is_likely_deliberate(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    without = TESTS.replace('\n\ndef test_parse_legacy():\n    assert parse_legacy(" 1 ") == 1\n', "")
    without = without.replace(", parse_legacy", "")
    repo.commit("parse_legacy goes", {PATH: without, "calc.py": CODE.split("\n\ndef parse_legacy")[0] + "\n"})
    verdict, evidence = verdict_of(scan(cli, repo), "test_removed", "test_parse_legacy")
    assert verdict == "likely_deliberate"
    assert evidence == ["`parse_legacy` was removed from calc.py in the same commit"]


def test_a_check_of_a_message_the_code_no_longer_has_is_likely_deliberate(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    code = CODE.replace(
        "    return int(text)\n",
        '    if not text:\n        raise ValueError("empty input text")\n    return int(text)\n',
    )
    checked = TESTS + (
        "\n\ndef test_empty():\n    with pytest.raises(ValueError) as err:\n"
        '        parse("")\n    assert str(err.value) == "empty input text"\n'
    )
    repo.commit("empty input", {"calc.py": code, PATH: checked})
    repo.commit(
        "empty parses as an error of int()",
        {"calc.py": CODE, PATH: edit(checked, ('    assert str(err.value) == "empty input text"\n', ""))},
    )
    verdict, evidence = verdict_of(scan(cli, repo), "assertion_removed", "test_empty")
    assert (verdict, evidence) == (
        "likely_deliberate",
        ["the checked text 'empty input text' was removed from calc.py in the same commit"],
    )


def test_a_test_of_a_dropped_version_is_likely_deliberate(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    repo.commit("old path", {PATH: TESTS + "\n\ndef test_match_pre_310():\n    assert add(3, 1) == 4\n"})
    repo.commit("Drop Python 3.9 (#1603)", {PATH: TESTS})
    verdict, evidence = verdict_of(scan(cli, repo), "test_removed", "test_match_pre_310")
    assert (verdict, evidence) == (
        "likely_deliberate",
        ["the commit message gives a reason ('Drop Python 3.9')"],
    )


def test_assertion_dropped_while_the_code_changed_is_suspicious(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    repo.commit(
        "handle blanks",
        {
            PATH: edit(TESTS, NO_PARSE_CHECK),
            "calc.py": CODE.replace("return int(text)\n", "return int(text or 0)\n"),
        },
    )
    verdict, evidence = verdict_of(scan(cli, repo), "assertion_removed", "test_parse")
    assert verdict == "suspicious"
    assert evidence == [
        "nothing in the change explains it",
        "the code under test changed in the same commit (calc.py)",
    ]


@pytest.mark.parametrize(
    ("marker", "message", "verdict", "because"),
    [
        (
            "@pytest.mark.skipif(sys.version_info < (3, 12), reason='needs 3.12')",
            "skip on old Pythons",
            "likely_deliberate",
            "the skip is conditioned on 'sys.version_info'",
        ),
        (
            "@pytest.mark.skipif(get_major_version(platform_version()) < 22, reason='no QUERY')",
            "skip QUERY tests",
            "likely_deliberate",
            "the skip is conditioned on 'get_major_version(platform_version()) < 2'",
        ),
        (
            '@pytest.mark.skip(reason="flaky, skip for now")',
            "make CI green",
            "suspicious",
            "the skip says 'flaky', with nothing conditioning it",
        ),
        (
            "@pytest.mark.skip(\n    reason='broken for now, see'\n    ' https://github.com/o/r/issues/9'\n)",
            "make CI green",
            "likely_deliberate",
            "the skip links an issue (https://github.com/o/r/issues/9)",
        ),
        (
            "@pytest.mark.skip(reason='upstream bug')",
            "Skip test_add until the upstream fix\n\nSee #1234 for the crash.",
            "likely_deliberate",
            "the commit message links an issue (See #1234)",
        ),
    ],
)
def test_skips_are_judged_by_their_condition_and_reason(
    tmp_path: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    marker: str,
    message: str,
    verdict: str,
    because: str,
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    repo.commit(message, {PATH: edit(TESTS, ("def test_add():", f"{marker}\ndef test_add():"))})
    found, evidence = verdict_of(scan(cli, repo), "skip_introduced", "test_add")
    assert (found, evidence[0]) == (verdict, because)


@pytest.mark.parametrize(
    ("message", "verdict", "severity"),
    [
        ("parse checked elsewhere", "suspicious", "high"),
        ("Remove the deprecated parse path", "likely_deliberate", "medium"),
    ],
)
def test_high_means_a_loss_nothing_explains(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, message: str, verdict: str, severity: str
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    repo.commit(message, {PATH: edit(TESTS, NO_PARSE_CHECK)})
    [signal] = [s for s in scan(cli, repo)["signals"] if s["test_name"] == "test_parse"]
    assert (signal["signal_type"], signal["verdict"], signal["severity"]) == (
        "assertion_removed",
        verdict,
        severity,
    )
    assert ("severity_capped" in signal["details"]) == (verdict == "likely_deliberate")


def test_a_flaky_test_fix_explains_a_loosened_check_not_a_skip(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    loosened = edit(TESTS, ("    assert add(-1, 1) == 0\n", ""))
    repo.commit("Fix flaky test", {PATH: loosened})
    verdict, evidence = verdict_of(scan(cli, repo), "assertion_removed", "test_add")
    assert (verdict, evidence) == ("likely_deliberate", ["the commit message says it fixes a 'flaky' test"])
    repo.commit(
        "Fix flaky test",
        {PATH: edit(loosened, ("def test_parse():", "@pytest.mark.skip\ndef test_parse():"))},
    )
    verdict, _ = verdict_of(scan(cli, repo), "skip_introduced", "test_parse")
    assert verdict == "suspicious"


def test_a_package_private_java_method_deleted_explains_its_removed_test(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "repo")
    code_path, test_path = "src/main/java/p/Reader.java", "src/test/java/p/ReaderTest.java"
    code = (
        "package p;\n\nclass Reader {\n"
        "    boolean containsIgnoreCase(String seq) {\n        return true;\n    }\n}\n"
    )
    tests = (
        "package p;\n\nimport org.junit.jupiter.api.Test;\n"
        "import static org.junit.jupiter.api.Assertions.*;\n\n"
        "class ReaderTest {\n    @Test\n    void keeps() {\n        assertEquals(1, 1);\n    }\n\n"
        "    @Test\n    void containsIgnoreCase() {\n"
        '        assertTrue(new Reader().containsIgnoreCase("a"));\n'
        "    }\n}\n"
    )
    repo.commit("reader", {code_path: code, test_path: tests})
    monkeypatch.chdir(repo.root)
    cli = Cli(db_url, PROJECT)
    kept = tests.split("\n\n    @Test\n    void containsIgnoreCase")[0] + "\n}\n"
    repo.commit("simpler scanning", {code_path: "package p;\n\nclass Reader {\n}\n", test_path: kept})
    verdict, evidence = verdict_of(scan(cli, repo), "test_removed", "ReaderTest::containsIgnoreCase")
    assert (verdict, evidence[0]) == (
        "likely_deliberate",
        f"`containsIgnoreCase` was removed from {code_path} in the same commit",
    )


def test_an_agent_session_leans_suspicious(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0)
    explained = repo.commit("Drop the parse check, see #12", {PATH: edit(TESTS, NO_PARSE_CHECK)})
    ingest(cli, tmp_path, explained, 1)
    restored = repo.commit("restore the parse check", {PATH: TESTS})
    ingest(cli, tmp_path, restored, 2)
    # The same change with the same message, recorded in an agent session.
    again = repo.commit("Drop the parse check, see #12", {PATH: edit(TESTS, NO_PARSE_CHECK)})
    ingest(cli, tmp_path, again, 3, session="agent-7")

    document = cli.json("integrity", "--state", "all")
    by_commit = {s["git_sha"]: s for s in document["signals"]}
    assert set(by_commit) == {explained, again}
    assert by_commit[explained]["verdict"] == "likely_deliberate"
    assert by_commit[explained]["state"] == "resolved"
    assert by_commit[explained]["details"]["verdict_evidence"] == [
        "the commit message links an issue (see #12)"
    ]
    agent = by_commit[again]
    assert (agent["verdict"], agent["state"], agent["agent_session_id"]) == ("suspicious", "open", "agent-7")
    assert agent["details"]["verdict_evidence"] == [
        "recorded in agent session agent-7",
        "the commit message links an issue (see #12)",
    ]


def test_gate_counts_likely_deliberate_only_when_asked(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0)
    without = TESTS.replace('\n\ndef test_parse_legacy():\n    assert parse_legacy(" 1 ") == 1\n', "")
    gone = repo.commit(
        "drop parse_legacy", {PATH: without, "calc.py": CODE.split("\n\ndef parse_legacy")[0] + "\n"}
    )
    ingest(cli, tmp_path, gone, 1)
    [signal] = cli.json("integrity")["signals"]
    assert (signal["signal_type"], signal["verdict"]) == ("test_removed", "likely_deliberate")
    assert cli.json("gate", "--fail-on-integrity", "medium", code=0)["passed"] is True
    counted = cli.json("gate", "--fail-on-integrity", "medium", "--include-deliberate", code=1)
    assert counted["failed_rules"] == ["fail-on-integrity"]
    assert cli("integrity", "--fail-on", "medium", code=0)
    failed = cli("integrity", "--fail-on", "medium", "--include-deliberate", code=1)
    assert "1 open signal of severity medium or higher" in failed.stderr
    assert "likely deliberate" in cli("integrity", code=0).stdout
    # Health's integrity score counts it only when asked to.
    [calm] = cli.json("health")["features"]
    assert (calm["feature"], calm["integrity_score"], calm["open_signals"]) == ("calc", 1.0, 0)
    [counted_row] = cli.json("health", "--include-deliberate")["features"]
    assert counted_row["open_signals"] == 1 and counted_row["integrity_score"] < 1.0


# --------------------------------------------------------------------------------------- lifecycle


def test_failed_before_and_green_after_strengthens_the_signal_of_that_test(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0, failed=("test_add", "test_other"))
    changed = edit(
        TESTS, ("    assert add(-1, 1) == 0\n", ""), ("assert add(0, 0) == 0", "assert 0 == add(0, 0)")
    )
    weakened = repo.commit("make CI green", {PATH: changed})
    ingest(cli, tmp_path, weakened, 1)
    signals = cli.json("integrity")["signals"]
    # test_add: one row, raised from medium to high, with the statuses; test_other (edited, no loss,
    # while failing) stays one low edited_before_green.
    assert {(s["signal_type"], s["test_name"], s["severity"]) for s in signals} == {
        ("assertion_removed", "test_add", "high"),
        ("edited_before_green", "test_other", "low"),
    }
    [add] = [s for s in signals if s["test_name"] == "test_add"]
    assert add["details"]["edited_before_green"] == {
        "previous_status": ["failed"],
        "current_status": ["passed"],
    }
    assert add["details"]["failed_before"] is True
    assert "the test failed before and the same change made it pass" in add["details"]["verdict_evidence"]
    assert "failed before, passed after the edit" in cli("integrity", code=0).stdout


def test_a_fix_resolves_signals_and_the_gate_turns_green_without_ack(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0)
    weakened = repo.commit("make CI green", {PATH: edit(TESTS, NO_PARSE_CHECK, SKIP_FOR_NOW)})
    assert ingest(cli, tmp_path, weakened, 1)["integrity"]["signal_count"] == 2
    assert kinds(cli.json("integrity")["signals"]) == {
        ("assertion_removed", "test_parse"),
        ("skip_introduced", "test_add"),
    }
    cli.json("gate", "--fail-on-integrity", "medium", code=1)

    restored = repo.commit("put the parse check back", {PATH: edit(TESTS, SKIP_FOR_NOW)})
    check = ingest(cli, tmp_path, restored, 2)["integrity"]
    assert check["status"] == "checked: 0 signals, 1 resolved"
    assert kinds(cli.json("integrity")["signals"]) == {("skip_introduced", "test_add")}
    cli.json("gate", "--fail-on-integrity", "medium", code=1)

    unskipped = repo.commit("unskip test_add", {PATH: TESTS})
    assert ingest(cli, tmp_path, unskipped, 3)["integrity"]["resolved_signal_ids"] != []
    assert cli.json("integrity")["signals"] == []
    assert cli.json("gate", "--fail-on-integrity", "low", code=0)["passed"] is True

    resolved = cli.json("integrity", "--state", "resolved")["signals"]
    assert {(s["signal_type"], s["resolved_sha"]) for s in resolved} == {
        ("assertion_removed", restored),
        ("skip_introduced", unskipped),
    }
    assert all(s["state"] == "resolved" and s["ack_reason"] is None for s in resolved)
    table = cli("integrity", "--state", "resolved", code=0).stdout
    assert f"resolved in {restored[:10]}" in table


def test_a_test_deleted_then_brought_back_is_resolved(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0)
    dropped = repo.commit("drop test_other", {PATH: TESTS.split("\n\ndef test_other")[0] + "\n"})
    ingest(cli, tmp_path, dropped, 1)
    assert kinds(cli.json("integrity")["signals"]) == {("test_removed", "test_other")}
    back = repo.commit("bring test_other back", {PATH: TESTS})
    ingest(cli, tmp_path, back, 2)
    assert cli.json("integrity")["signals"] == []


def test_worktree_scan_is_a_dry_run_unless_stored(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = repo_at(tmp_path, monkeypatch)
    cli = Cli(db_url, PROJECT)
    ingest(cli, tmp_path, first, 0)
    repo.write(PATH, edit(TESTS, NO_PARSE_CHECK))
    what_if = scan(cli, repo, "--worktree")
    assert what_if["dry_run"] is True and what_if["new_signals"] == 0
    assert kinds(what_if["signals"]) == {("assertion_removed", "test_parse")}
    assert (
        "dry run: nothing stored"
        in cli("integrity", "scan", "--worktree", "--repo", repo.root, code=0).stdout
    )
    assert cli.json("integrity", "--state", "all")["signals"] == []
    assert cli.json("gate", "--fail-on-integrity", "low", code=0)["passed"] is True

    kept = scan(cli, repo, "--worktree", "--store")
    assert kept["dry_run"] is False and kept["new_signals"] == 1
    cli.json("gate", "--fail-on-integrity", "low", code=1)
    refused = cli("integrity", "scan", "--store", "--repo", repo.root, code=2)
    assert "--store only applies with --worktree" in refused.stderr


# --------------------------------------------------------------------------------------- migration


def test_signals_stored_before_verdicts_existed_stay_suspicious(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])  # a store of the last release
    with open_store(db_url) as store:
        store.engine.execute(
            "INSERT INTO test_integrity_signals (signal_id, project_id, git_sha, file_path, test_name, "
            "signal_type, severity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ("a" * 32, PROJECT, "b" * 40, PATH, "test_add", "assertion_removed", "high", START.isoformat()),
        )
    monkeypatch.undo()
    with open_store(db_url) as store:
        assert "0004_signal_verdict_and_resolution" in migrations.applied_migrations(store.engine)
        [signal] = store.signals.by_project(PROJECT)
    assert (signal.verdict, signal.state, signal.resolved_sha) == (
        SignalVerdict.SUSPICIOUS,
        SignalState.OPEN,
        None,
    )
    failed = Cli(db_url, PROJECT)("integrity", "--fail-on", "high", code=1)
    assert "1 open suspicious signal of severity high" in failed.stderr
