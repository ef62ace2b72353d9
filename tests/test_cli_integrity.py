"""Integrity signals end to end: real git repositories, real JUnit reports ingested, signals stored, gated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import GitRepo, cli, edit, junit_case, junit_xml, python_tests

from ccdash_tests.errors import UserError
from ccdash_tests.integrity.detectors import SignalType
from ccdash_tests.integrity.link import StoredTest, StoredTestIndex
from ccdash_tests.integrity.scan import SignalCandidate
from ccdash_tests.integrity.service import check_after_ingest, signal_id
from ccdash_tests.models import SignalSeverity, SignalState, TestIntegritySignalDTO, TestRunDTO
from ccdash_tests.store import Store, open_store
from ccdash_tests.times import parse_since

PROJECT = "demo"
PATH = "tests/test_calc.py"
MODULE = "tests.test_calc"
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


BEFORE = python_tests("test_add", "test_div", "TestParse", "test_param", "test_legacy")

# Every weakening at once, in the commit that "made CI green".
WEAKENED = edit(
    BEFORE,
    ("    assert add(-1, 1) == 0\n", ""),  # one of two asserts goes
    ("def test_div():", '@pytest.mark.skip(reason="flaky")\ndef test_div():'),  # a failing test skipped
    ('        assert parse("1") == 1\n', '        parse("1")\n'),  # its only assert goes
    (  # a failing assert wrapped in `except Exception`
        '        result = parse("one")\n        assert result == 1\n',
        "        try:\n"
        '            result = parse("one")\n'
        "            assert result == 1\n"
        "        except Exception:\n"
        "            pass\n",
    ),
    ("x * x", "x ** 2"),  # edited while failing, then green
    ("\n\ndef test_legacy():\n    total = add(0, 0)\n    assert total == 0\n", ""),  # deleted
)

# Same tests, same strength: names, layout and comments change only.
REFACTORED = edit(
    WEAKENED,
    (
        "    assert add(1, 2) == 3\n",
        "    # nothing is skipped here\n    assert add(\n        1, 2\n    ) == 3\n",
    ),
    ("            result = parse", "            value = parse"),
    ("assert result == 1", "assert value == 1"),
    ("    assert square(x) == x ** 2\n", "    expected = x ** 2\n    assert square(x) == expected\n"),
)

P, F, S = "passed", "failed", "skipped"
RUN1 = {
    ("", "test_add"): P,
    ("", "test_div"): F,
    ("TestParse", "test_number"): P,
    ("TestParse", "test_words"): F,
    ("", "test_param[1]"): P,
    ("", "test_param[2]"): F,
    ("", "test_legacy"): P,
}
RUN2 = {
    ("", "test_add"): P,
    ("", "test_div"): S,
    ("TestParse", "test_number"): P,
    ("TestParse", "test_words"): P,
    ("", "test_param[1]"): P,
    ("", "test_param[2]"): P,
}

EXPECTED = {
    ("assertion_removed", "test_add", "medium"),
    ("skip_introduced", "test_div", "high"),
    ("assertion_removed", "TestParse::test_number", "high"),
    ("broad_exception", "TestParse::test_words", "high"),  # failed before, green after: one row
    ("edited_before_green", "test_param", "low"),
    ("test_removed", "test_legacy", "medium"),
}


def junit(results: dict[tuple[str, str], str]) -> str:
    """A pytest-style (xunit1) JUnit report: classname is the dotted module plus class."""
    outcomes = {
        F: {"text": "AssertionError"},
        S: {"message": "flaky", "text": "skipped", "kind": "pytest.skip"},
    }
    return junit_xml(
        *(
            junit_case(
                name,
                status,
                classname=f"{MODULE}.{cls}" if cls else MODULE,
                file=PATH,
                line=1,
                **outcomes.get(status, {}),
            )
            for (cls, name), status in results.items()
        )
    )


def ingest(
    tmp_path: Path,
    db: str,
    results: dict[tuple[str, str], str],
    sha: str,
    hour: int,
    branch: str = "main",
    session: str = "agent-1",
) -> TestRunDTO:
    report = tmp_path / "reports" / f"run-{hour}.xml"
    report.parent.mkdir(exist_ok=True)
    report.write_text(junit(results))
    stamp = (START + timedelta(hours=hour)).isoformat()
    result = cli(
        "ingest", str(report), "--git-sha", sha, "--branch", branch, "--session", session,
        "--timestamp", stamp, "--run-id", f"run-{hour}", "--db", db, "--project", PROJECT, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with open_store(db) as store:
        run = store.runs.get(PROJECT, f"run-{hour}")
    assert run is not None
    return run


def kinds(signals: list) -> set[tuple[str, str | None, str]]:
    return {(s.signal_type, s.test_name, s.severity.value) for s in signals}


def definition_ids(store: Store) -> dict[tuple[str, str], str]:
    return {(d.classname, d.name): d.test_id for d in store.definitions.all(PROJECT)}


@pytest.fixture
def history(tmp_path: Path, db_url: str) -> tuple[GitRepo, str, str, TestRunDTO, TestRunDTO]:
    """Commit 1 with failing tests, run 1; commit 2 weakens them, run 2 is green."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("calc.py", "def add(a, b):\n    return a + b\n")
    c1 = repo.commit("tests", {PATH: BEFORE})
    run1 = ingest(tmp_path, db_url, RUN1, c1, 0)
    c2 = repo.commit("make CI green", {PATH: WEAKENED})
    run2 = ingest(tmp_path, db_url, RUN2, c2, 1)
    return repo, c1, c2, run1, run2


# -------------------------------------------------------------------------------- ingest hook


def test_check_after_ingest_stores_linked_signals(history, db_url: str) -> None:
    repo, c1, c2, run1, run2 = history
    with open_store(db_url) as store:
        first = check_after_ingest(store, run1, repo.root)
        assert not first.checked
        assert first.status == "not checked: no earlier run of branch 'main' at another commit"

        check = check_after_ingest(store, run2, repo.root)
        assert check.checked, check.reason
        assert check.status == "checked: 6 signals"
        assert (check.base_sha, check.head_sha, check.previous_run_id) == (c1, c2, "run-0")
        assert check.new_signals == 6
        stored = store.signals.by_project(PROJECT)
        assert kinds(stored) == EXPECTED

        ids = definition_ids(store)
        by_key = {(s.signal_type, s.test_name): s for s in stored}
        assert by_key["test_removed", "test_legacy"].test_id == ids[MODULE, "test_legacy"]
        assert (
            by_key["assertion_removed", "TestParse::test_number"].test_id
            == ids[f"{MODULE}.TestParse", "test_number"]
        )
        param = by_key["edited_before_green", "test_param"]
        param_ids = sorted([ids[MODULE, "test_param[1]"], ids[MODULE, "test_param[2]"]])
        assert param.test_id == param_ids[0]
        assert param.details["test_ids"] == param_ids
        for signal in stored:
            assert signal.git_sha == c2
            assert signal.linked_run_ids == ["run-1", "run-0"]
            assert signal.agent_session_id == "agent-1"
            assert signal.state is SignalState.OPEN
            assert signal.details["base_sha"] == c1
            assert signal.details["commit"]["subject"] == "make CI green"
            assert signal.signal_id == signal_id(
                PROJECT, c2, signal.file_path, signal.test_name or "", signal.signal_type
            )
        assert by_key["skip_introduced", "test_div"].details["failed_before"] is True
        folded = by_key["broad_exception", "TestParse::test_words"].details
        assert folded["edited_before_green"]["previous_status"] == ["failed"]
        assert folded["failed_before"] is True
        assert ("edited_before_green", "TestParse::test_words") not in by_key
        removed = by_key["assertion_removed", "test_add"].details
        assert removed["removed"] == ["assert add(-1, 1) == 0"]

        # Checking again, or re-ingesting the same report, never duplicates a signal.
        again = check_after_ingest(store, run2, repo.root)
        assert again.new_signals == 0
        assert {s.signal_id for s in again.signals} == {s.signal_id for s in check.signals}
        assert len(store.signals.by_project(PROJECT)) == 6


def test_refactor_only_commit_raises_nothing(history, tmp_path: Path, db_url: str) -> None:
    repo, _, c2, _, run2 = history
    green = {**RUN2}
    c3 = repo.commit("tidy tests", {PATH: REFACTORED})
    run3 = ingest(tmp_path, db_url, green, c3, 2)
    with open_store(db_url) as store:
        check = check_after_ingest(store, run3, repo.root)
        assert check.checked
        assert (check.base_sha, check.previous_run_id) == (c2, run2.run_id)
        assert check.status == "checked: 0 signals"
        assert store.signals.by_project(PROJECT) == []


def test_new_branch_compares_with_its_branch_point(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    c1 = repo.commit("tests", {PATH: BEFORE})
    ingest(tmp_path, db_url, RUN1, c1, 0, branch="main")
    repo.git("checkout", "-q", "-b", "agent/fix")
    c2 = repo.commit("drop legacy", {PATH: BEFORE.split("\n\ndef test_legacy")[0] + "\n"})
    run2 = ingest(
        tmp_path, db_url, {k: v for k, v in RUN1.items() if k[1] != "test_legacy"}, c2, 1, "agent/fix"
    )
    with open_store(db_url) as store:
        check = check_after_ingest(store, run2, repo.root)
        assert check.checked, check.reason
        assert (check.base_sha, check.previous_run_id) == (c1, "run-0")
        assert kinds(check.signals) == {("test_removed", "test_legacy", "medium")}


def test_explicit_base(history, db_url: str) -> None:
    repo, _, c2, _, run2 = history
    with open_store(db_url) as store:
        same = check_after_ingest(store, run2, repo.root, base=c2)
        assert same.checked and same.signals == []
        bad = check_after_ingest(store, run2, repo.root, base="--output=x")
        assert not bad.checked and "refused git revision" in bad.status


def test_not_checked_without_git_or_sha(history, tmp_path: Path, db_url: str) -> None:
    repo, _, _, _, run2 = history
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    with open_store(db_url) as store:
        no_repo = check_after_ingest(store, run2, elsewhere)
        assert no_repo.status.startswith("not checked: ") and "not inside a git repository" in no_repo.status
        no_sha = check_after_ingest(store, run2.replace(git_sha=None), repo.root)
        assert no_sha.status == "not checked: the run has no git SHA (pass --git-sha)"
        unknown = check_after_ingest(store, run2.replace(git_sha="ab" * 20), repo.root)
        assert unknown.status == f"not checked: unknown git revision {'ab' * 20!r}"
        assert store.signals.by_project(PROJECT) == []
        document = no_repo.to_json_dict()
        assert document["checked"] is False and document["signal_count"] == 0


def test_previous_commit_missing_from_git_falls_back_to_the_parent(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    c1 = repo.commit("tests", {PATH: BEFORE})
    ingest(tmp_path, db_url, RUN1, "cd" * 20, 0)  # a commit this clone does not have
    c2 = repo.commit(
        "make CI green", {PATH: edit(BEFORE, ('        assert parse("1") == 1\n', '        parse("1")\n'))}
    )
    run2 = ingest(tmp_path, db_url, RUN1, c2, 1)
    with open_store(db_url) as store:
        check = check_after_ingest(store, run2, repo.root)
    assert check.checked and check.fallback
    assert check.base_sha == c1
    assert check.status == (
        f"checked: 1 signal (base: the parent commit {c1[:12]} (the commit cdcdcdcdcdcd of run run-0 "
        "is not in this checkout))"
    )
    assert kinds(check.signals) == {("assertion_removed", "TestParse::test_number", "high")}


# ------------------------------------------------------------------------------------ commands


def test_integrity_list_gate_and_ack(history, db_url: str) -> None:
    repo, c1, c2, _, run2 = history
    with open_store(db_url) as store:
        check_after_ingest(store, run2, repo.root)
    common = ("--db", db_url, "--project", PROJECT)

    listed = cli("integrity", "--json", *common)
    assert listed.exit_code == 0, listed.output
    document = json.loads(listed.stdout)
    assert {(s["signal_type"], s["test_name"], s["severity"]) for s in document["signals"]} == EXPECTED
    assert document["open"] == 6 and document["gate"] is None
    # An agent session leans suspicious, whatever else the change says.
    assert {s["verdict"] for s in document["signals"]} == {"suspicious"}
    assert document["open_suspicious"] == 6
    assert all(s["git_sha"] == c2 and s["agent_session_id"] == "agent-1" for s in document["signals"])

    table = cli("integrity", *common)
    assert table.exit_code == 0, table.output
    for text in ("TestParse::test_number", "- assert add(-1, 1) == 0", "make CI green", "agent-1", c2[:10]):
        assert text in table.stdout

    gate = cli("integrity", "--fail-on", "high", *common)
    assert gate.exit_code == 1, gate.output
    assert "integrity gate failed: 3 open suspicious signals of severity high or higher" in gate.stderr

    gate_json = cli("integrity", "--fail-on", "high", "--json", *common)
    assert gate_json.exit_code == 1
    gate_doc = json.loads(gate_json.stdout)
    assert gate_doc["gate"]["failed"] is True and len(gate_doc["gate"]["failing_signal_ids"]) == 3

    for signal_id_ in gate_doc["gate"]["failing_signal_ids"]:
        acked = cli("integrity", "ack", signal_id_[:10], "--reason", "reviewed: intended", *common)
        assert acked.exit_code == 0, acked.output
        assert "Acknowledged" in acked.stdout
    assert cli("integrity", "--fail-on", "high", *common).exit_code == 0
    assert cli("integrity", "--fail-on", "medium", *common).exit_code == 1

    acknowledged = json.loads(cli("integrity", "--state", "acknowledged", "--json", *common).stdout)
    assert len(acknowledged["signals"]) == 3
    assert {s["ack_reason"] for s in acknowledged["signals"]} == {"reviewed: intended"}
    assert len(json.loads(cli("integrity", "--state", "all", "--json", *common).stdout)["signals"]) == 6
    with open_store(db_url) as store:
        open_now = store.signals.by_project(PROJECT, SignalState.OPEN.value)
        assert {s.severity for s in open_now} == {SignalSeverity.MEDIUM, SignalSeverity.LOW}

    by_sha = json.loads(cli("integrity", "--sha", c2[:8], "--state", "all", "--json", *common).stdout)
    assert len(by_sha["signals"]) == 6
    other = json.loads(cli("integrity", "--sha", c1[:8], "--state", "all", "--json", *common).stdout)
    assert other["signals"] == []
    future = json.loads(cli("integrity", "--since", "2999-01-01", "--json", *common).stdout)
    assert future["signals"] == []
    recent = json.loads(cli("integrity", "--since", "1h", "--state", "all", "--json", *common).stdout)
    assert len(recent["signals"]) == 6


def test_ack_and_list_errors(history, db_url: str) -> None:
    repo, _, _, _, run2 = history
    with open_store(db_url) as store:
        check_after_ingest(store, run2, repo.root)
    common = ("--db", db_url, "--project", PROJECT)
    unknown = cli("integrity", "ack", "ffffffffffff", "--reason", "x", *common)
    assert unknown.exit_code == 2
    assert "no integrity signal 'ffffffffffff'" in unknown.stderr
    empty_reason = cli("integrity", "ack", "a", "--reason", "  ", *common)
    assert empty_reason.exit_code == 2
    for args in (("--state", "closed"), ("--fail-on", "urgent"), ("--sha", "xyz!"), ("--since", "soon")):
        result = cli("integrity", *args, *common)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_ids_by_unique_prefix(store: Store, db_url: str) -> None:
    for suffix in ("1", "2"):
        store.signals.insert(
            TestIntegritySignalDTO(
                signal_id=f"abc{suffix}" + "0" * 28,
                project_id=PROJECT,
                git_sha="a" * 40,
                file_path=PATH,
                test_name=f"test_{suffix}",
                signal_type="test_removed",
                severity=SignalSeverity.MEDIUM,
            )
        )
    common = ("--db", db_url, "--project", PROJECT)
    ambiguous = cli("integrity", "ack", "ABC", "--reason", "x", *common)
    assert ambiguous.exit_code == 2
    assert "is ambiguous: abc100000000, abc200000000" in ambiguous.stderr
    unique = cli("integrity", "ack", "abc2", "--reason", "renamed upstream", "--json", *common)
    assert unique.exit_code == 0, unique.output
    assert json.loads(unique.stdout)["state"] == "acknowledged"
    assert [s.test_name for s in store.signals.by_project(PROJECT, "open")] == ["test_1"]


def test_scan_command_stores_and_dedupes(history, db_url: str) -> None:
    repo, c1, c2, _, run2 = history
    common = ("--db", db_url, "--project", PROJECT)
    scanned = cli("integrity", "scan", "--repo", str(repo.root), "--json", *common)
    assert scanned.exit_code == 0, scanned.output
    document = json.loads(scanned.stdout)
    assert (document["base_sha"], document["head_sha"]) == (c1, c2)
    assert document["current_run_id"] == "run-1" and document["previous_run_id"] == "run-0"
    assert {(s["signal_type"], s["test_name"], s["severity"]) for s in document["signals"]} == EXPECTED
    assert document["new_signals"] == 6

    with open_store(db_url) as store:
        after_ingest = check_after_ingest(store, run2, repo.root)
    assert after_ingest.new_signals == 0  # the ingest hook and the scan agree on every id

    table = cli("integrity", "scan", "--repo", str(repo.root), "--base", c1, "--head", c2, *common)
    assert table.exit_code == 0, table.output
    assert f"Scanned {c1[:10]}..{c2[:10]}: checked: 6 signals (0 new)" in table.stdout


def test_scan_worktree_signals_carry_head_sha(history, db_url: str) -> None:
    repo, _, c2, _, _ = history
    repo.write(PATH, WEAKENED.replace("    assert add(1, 2) == 3\n", "    add(1, 2)\n"))
    common = ("--db", db_url, "--project", PROJECT)
    result = cli("integrity", "scan", "--worktree", "--store", "--repo", str(repo.root), "--json", *common)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["worktree"] is True and document["current_run_id"] is None
    assert document["dry_run"] is False and document["new_signals"] == 1
    assert document["previous_run_id"] == "run-1"
    [signal] = document["signals"]
    assert (signal["signal_type"], signal["test_name"], signal["severity"]) == (
        "assertion_removed",
        "test_add",
        "high",
    )
    assert signal["git_sha"] == c2 and signal["details"]["worktree"] is True
    assert signal["signal_id"] == signal_id(PROJECT, c2, PATH, "test_add", "assertion_removed", worktree=True)
    again = json.loads(
        cli("integrity", "scan", "--worktree", "--store", "--repo", str(repo.root), "--json", *common).stdout
    )
    assert again["new_signals"] == 0


def test_scan_git_problems_exit_2(tmp_path: Path, db_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("tests", {PATH: BEFORE})
    common = ("--db", db_url, "--project", PROJECT)
    bad_rev = cli("integrity", "scan", "--repo", str(repo.root), "--base", "-x", *common)
    assert bad_rev.exit_code == 2 and "refused git revision" in bad_rev.stderr
    unknown = cli("integrity", "scan", "--repo", str(repo.root), "--base", "nosuchbranch", *common)
    assert unknown.exit_code == 2 and "unknown git revision" in unknown.stderr
    (tmp_path / "plain").mkdir()
    no_repo = cli("integrity", "scan", "--repo", str(tmp_path / "plain"), *common)
    assert no_repo.exit_code == 2 and "not inside a git repository" in no_repo.stderr
    root_only = cli("integrity", "scan", "--repo", str(repo.root), "--json", *common)
    assert root_only.exit_code == 0, root_only.output
    assert json.loads(root_only.stdout)["signal_count"] == 0


# ------------------------------------------------------------------------------- pure helpers


def test_linking_index_matches_like_candidate_matches() -> None:
    tests = [
        StoredTest("a", MODULE, "test_x[1]", PATH),
        StoredTest("b", MODULE, "test_x[2]", PATH),
        StoredTest("c", "other.test_calc", "test_x", "other/test_calc.py"),
        StoredTest("d", f"{MODULE}.TestA", "test_x", PATH),
        StoredTest("e", "calc", "TestAdd/small", None),
        StoredTest("f", "com.acme.CalcTest", "adds(int)", None),
    ]
    index = StoredTestIndex(tests)

    def candidate(name: str, language: str = "python", path: str = PATH) -> SignalCandidate:
        return SignalCandidate(SignalType.TEST_REMOVED, SignalSeverity.MEDIUM, path, name, 1, language)

    assert [t.test_id for t in index.matches(candidate("test_x"))] == ["a", "b"]
    assert [t.test_id for t in index.matches(candidate("TestA::test_x"))] == ["d"]
    assert [t.test_id for t in index.matches(candidate("TestAdd", "go", "calc/calc_test.go"))] == ["e"]
    assert [t.test_id for t in index.matches(candidate("TestAdd > small", "go", "calc/calc_test.go"))] == [
        "e"
    ]
    java = candidate("CalcTest::adds", "java", "src/test/java/com/acme/CalcTest.java")
    assert [t.test_id for t in index.matches(java)] == ["f"]
    assert index.matches(candidate("test_y")) == []


def test_signal_id_is_fixed_and_worktree_distinct() -> None:
    plain = signal_id("demo", "a" * 40, PATH, "test_add", "assertion_removed")
    assert plain == signal_id("demo", "a" * 40, PATH, "test_add", "assertion_removed")
    assert len(plain) == 32
    assert plain != signal_id("demo", "a" * 40, PATH, "test_add", "assertion_removed", worktree=True)
    assert plain != signal_id("demo", "b" * 40, PATH, "test_add", "assertion_removed")
    assert plain != signal_id("other", "a" * 40, PATH, "test_add", "assertion_removed")


def test_parse_since() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    assert parse_since("2026-11-01T00:00:00Z", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since(None, now) is None
    with pytest.raises(UserError):
        parse_since("yesterday", now)


def test_integrity_listing_of_one_test_takes_every_printed_form(history, db_url: str) -> None:
    # `--test` takes the place integrity prints (file::test), a part of it, and whatever history takes
    # (a test_id, the stored test's label); a name that is none of them is a usage error.
    repo, _, _, _, run2 = history
    with open_store(db_url) as store:
        check_after_ingest(store, run2, repo.root)
        stored = {d.name: d for d in store.definitions.all(PROJECT)}
    common = ("--db", db_url, "--project", PROJECT, "--state", "all", "--json")

    def listed(test: str) -> set[tuple[str, str]]:
        result = cli("integrity", "--test", test, *common)
        assert result.exit_code == 0, result.output
        return {(s["signal_type"], s["test_name"]) for s in json.loads(result.stdout)["signals"]}

    number = {("assertion_removed", "TestParse::test_number")}
    assert listed(f"{PATH}::TestParse::test_number") == number
    assert listed("TestParse::test_number") == number
    assert listed(stored["test_add"].test_id) == {("assertion_removed", "test_add")}
    assert listed(stored["test_div"].label) == {("skip_introduced", "test_div")}
    unknown = cli("integrity", "--test", "no_such_test_anywhere", *common)
    assert unknown.exit_code == 2 and "no stored test matches" in unknown.stderr
    assert "Traceback" not in unknown.output
