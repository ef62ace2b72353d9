"""`ingest`, `runs` and `db info` through the real command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from factories import Cli, GitRepo, cli, junit_case, junit_xml
from factories import write_report as write

from ccdash_tests.store import open_engine, open_store, resolve_location
from ccdash_tests.store.migrations import discard_new_store

DATA = Path(__file__).parent / "data"
PYTEST_DATA = DATA / "pytest"
RUN_KEYS = {
    "run_id", "project_id", "timestamp", "git_sha", "branch", "agent_session_id", "env_fingerprint",
    "trigger",
    "status", "total_tests", "passed_tests", "failed_tests", "skipped_tests", "duration_ms", "metadata",
    "status_counts", "flaky_tests",
}  # fmt: skip
STATUSES = {"passed", "failed", "error", "skipped", "xfailed", "xpassed"}


# This module's cases fail with "AssertionError: boom 42" and error in setup.
MESSAGES = {
    "failed": ("AssertionError: boom 42", "Traceback: boom"),
    "error": ("RuntimeError: setup", "trace"),
}


def junit(*cases: str, suite: str = "suite", timestamp: str | None = None) -> str:
    return junit_xml(*cases, suite=suite, timestamp=timestamp)


def case(name: str, outcome: str = "passed", classname: str = "pkg.test_mod", time: str = "0.5") -> str:
    message, text = MESSAGES.get(outcome, (None, None))
    return junit_case(name, outcome, classname=classname, time=time, message=message, text=text)


def ingest_json(db: str, *args: str) -> dict:
    return Cli(db, "p").json("ingest", *args)


def test_ingest_json_contract(db_url: str, tmp_path: Path) -> None:
    report = write(
        tmp_path, "r.xml", junit(case("a"), case("b", "failed"), case("c", "skipped"), case("d", "error"))
    )
    document = ingest_json(db_url, str(report))
    extra = {"new_results", "already_stored", "tests_without_path", "warnings", "mapping", "integrity"}
    assert RUN_KEYS | extra == set(document)
    assert document["warnings"] == []
    assert document["tests_without_path"] == 4  # no pkg/test_mod.py in the working folder
    assert document["mapping"]["resolved"] is True
    assert document["integrity"]["checked"] is False
    assert set(document["status_counts"]) == STATUSES
    assert document["status_counts"] == {
        "passed": 1,
        "failed": 1,
        "error": 1,
        "skipped": 1,
        "xfailed": 0,
        "xpassed": 0,
    }
    assert (document["total_tests"], document["passed_tests"], document["failed_tests"]) == (4, 1, 2)
    assert document["skipped_tests"] == 1
    assert document["status"] == "failed"
    assert document["new_results"] == 4 and document["already_stored"] == 0
    assert document["duration_ms"] == pytest.approx(2000)
    assert document["project_id"] == "p"
    assert len(document["run_id"]) == 32


def test_ingest_twice_stores_nothing_new(db_url: str, tmp_path: Path) -> None:
    report = write(tmp_path, "r.xml", junit(case("a"), case("b", "failed")))
    first = ingest_json(db_url, str(report))
    second = ingest_json(db_url, str(report))
    assert second["run_id"] == first["run_id"]
    assert (second["new_results"], second["already_stored"]) == (0, 2)
    with open_store(db_url) as store:
        assert len(store.runs.list_by_project("p")) == 1
        assert len(store.results.by_run("p", first["run_id"])) == 2
    result = cli("ingest", str(report), "--db", db_url, "--project", "p")
    assert result.exit_code == 0
    assert "nothing new was written" in result.stdout


def test_same_run_id_adds_only_new_tests_and_never_rewrites(db_url: str, tmp_path: Path) -> None:
    shard1 = write(tmp_path, "shard1.xml", junit(case("a", "failed"), case("b")))
    shard2 = write(tmp_path, "shard2.xml", junit(case("a", "passed"), case("c")))
    ingest_json(db_url, str(shard1), "--run-id", "build-7")
    document = ingest_json(db_url, str(shard2), "--run-id", "build-7")
    assert (document["new_results"], document["already_stored"]) == (1, 1)
    assert document["total_tests"] == 3
    result = cli("runs", "show", "build-7", "--db", db_url, "--project", "p", "--json")
    assert result.exit_code == 0, result.output
    results = {r["name"]: r for r in json.loads(result.stdout)["results"]}
    assert results["a"]["status"] == "failed", "a stored result is never rewritten"
    assert results["a"]["attempts"] == 1


def test_all_files_form_one_run_with_globs_and_mixed_formats(db_url: str, tmp_path: Path) -> None:
    write(tmp_path, "TEST-a.xml", junit(case("a1"), case("a2"), suite="A"))
    write(tmp_path, "TEST-b.xml", junit(case("b1", "failed", classname="pkg.B"), suite="B"))
    document = ingest_json(db_url, str(tmp_path / "TEST-*.xml"), str(PYTEST_DATA / "pytest.json"))
    assert document["total_tests"] == 3 + 30
    assert document["metadata"]["frameworks"]["pytest"] is not None


def test_stdin_is_a_report(db_url: str, tmp_path: Path) -> None:
    content = junit(case("from_stdin")).encode()
    result = cli("ingest", "-", "--db", db_url, "--project", "p", "--json", input=content)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total_tests"] == 1
    bad = b"<testsuites><testsuite><testcase name='x'>"
    result = cli("ingest", "-", "--db", db_url, "--project", "p", input=bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("ccdash-tests: <stdin>:"), result.stderr


def test_run_options_are_stored(db_url: str, tmp_path: Path) -> None:
    report = write(tmp_path, "r.xml", junit(case("a")))
    document = ingest_json(
        db_url,
        str(report),
        "--run-id", "ci-123",
        "--git-sha", "0123456789abcdef0123456789abcdef01234567",
        "--branch", "feature/x",
        "--session", "agent-42",
        "--trigger", "ci",
        "--timestamp", "2026-05-01T10:00:00Z",
    )  # fmt: skip
    assert document["run_id"] == "ci-123"
    assert document["git_sha"] == "0123456789abcdef0123456789abcdef01234567"
    assert document["branch"] == "feature/x"
    assert document["agent_session_id"] == "agent-42"
    assert document["trigger"] == "ci"
    assert document["timestamp"].startswith("2026-05-01T10:00:00")


def test_report_timestamp_is_the_default_run_time(tmp_path: Path) -> None:
    report = write(tmp_path, "r.xml", junit(case("a"), timestamp="2025-03-04T05:06:07"))
    document = ingest_json(str(tmp_path / "s.db"), str(report))
    assert document["timestamp"].startswith("2025-03-04T05:06:07")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--git-sha", "not-a-sha"], "--git-sha"),
        (["--timestamp", "yesterday"], "--timestamp"),
        (["--format", "csv"], "--format"),
        (["--run-id", " "], "--run-id"),
        (["--trigger", "cron"], "trigger"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    report = write(tmp_path, "r.xml", junit(case("a")))
    db = tmp_path / "s.db"
    result = cli("ingest", str(report), "--db", str(db), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    ("target", "message"),
    [("missing.xml", "no such file"), ("nothing-*.xml", "no file matches"), (".", "is a folder")],
)
def test_missing_inputs_exit_2(tmp_path: Path, target: str, message: str) -> None:
    db = tmp_path / "s.db"
    result = cli("ingest", str(tmp_path / target), "--db", str(db))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert not db.exists()


def test_forced_format_mismatch_is_refused(tmp_path: Path) -> None:
    result = cli(
        "ingest", str(PYTEST_DATA / "pytest.json"), "--format", "junit", "--db", str(tmp_path / "s.db")
    )
    assert result.exit_code == 2
    assert "pytest.json" in result.stderr


def test_refused_file_among_good_ones_stores_nothing(db_url: str, tmp_path: Path) -> None:
    good = write(tmp_path, "good.xml", junit(case("a"), case("b")))
    bad = write(tmp_path, "bad.xml", junit(case("c")).replace("</testsuites>", ""))
    result = cli("ingest", str(good), str(bad), "--db", db_url, "--project", "p")
    assert result.exit_code == 2
    assert "bad.xml" in result.stderr and "line" in result.stderr
    with open_store(db_url) as store:
        assert store.runs.list_by_project("p") == []
        assert store.definitions.all("p") == []


def test_unopenable_store_exits_3(tmp_path: Path) -> None:
    report = write(tmp_path, "r.xml", junit(case("a")))
    result = cli("ingest", str(report), "--db", str(tmp_path / "no" / "such" / "dir" / "s.db"))
    assert result.exit_code == 3
    assert "does not exist" in result.stderr
    result = cli("runs", "list", "--db", "postgresql://nobody@127.0.0.1:1/x")
    assert result.exit_code == 3
    assert "cannot connect" in result.stderr


def test_duplicate_testcases_fold_into_one_flaky_result(db_url: str, tmp_path: Path) -> None:
    # pytest (suite "pytest") writes each rerun as one more <testcase>: these are attempts of one test.
    report = write(
        tmp_path,
        "rerun.xml",
        junit(
            case("t", "failed"),
            case("t", "failed"),
            case("t", "passed"),
            case("u", "failed"),
            case("u", "failed"),
            suite="pytest",
        ),
    )
    db = db_url
    document = ingest_json(db, str(report))
    assert document["total_tests"] == 2
    assert document["flaky_tests"] == 1
    assert document["status_counts"]["passed"] == 1 and document["status_counts"]["failed"] == 1
    result = cli("runs", "show", "--db", db, "--project", "p", "--json")
    results = {r["name"]: r for r in json.loads(result.stdout)["results"]}
    assert (results["t"]["attempts"], results["t"]["flaky"]) == (3, True)
    assert (results["u"]["attempts"], results["u"]["flaky"]) == (2, False)
    assert results["t"]["error_message"] == "AssertionError: boom 42"


def test_ci_environment_fills_metadata_and_options_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_SHA", "a" * 40)
    monkeypatch.setenv("GITHUB_REF", "refs/heads/main")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_RUN_ID", "99")
    report = write(tmp_path, "r.xml", junit(case("a")))
    document = ingest_json(str(tmp_path / "s.db"), str(report))
    assert (document["trigger"], document["git_sha"], document["branch"]) == ("ci", "a" * 40, "main")
    assert document["metadata"]["ci"] == {
        "provider": "github-actions",
        "build_url": "https://github.example/acme/shop/actions/runs/99",
    }
    other = write(tmp_path, "r2.xml", junit(case("b")))
    document = ingest_json(str(tmp_path / "s.db"), str(other), "--branch", "mine", "--trigger", "local")
    assert (document["branch"], document["trigger"]) == ("mine", "local")


def test_git_checkout_fills_sha_branch_and_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "shop-repo"
    sha = GitRepo(repo, branch="trunk", author=("t", "t@e")).commit("init", allow_empty=True)
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    report = write(tmp_path, "r.xml", junit(case("a")))
    result = cli("ingest", str(report), "--db", str(tmp_path / "s.db"), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["git_sha"], document["branch"], document["project_id"]) == (sha, "trunk", "shop-repo")
    assert document["trigger"] == "local"


def test_project_from_environment_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "plain-folder"
    folder.mkdir()
    monkeypatch.chdir(folder)
    report = write(tmp_path, "r.xml", junit(case("a")))
    result = cli("ingest", str(report), "--json")
    assert json.loads(result.stdout)["project_id"] == "plain-folder"
    assert (folder / "ccdash-tests.db").exists(), "the default store is a file in the working directory"
    monkeypatch.setenv("CCDASH_TESTS_PROJECT", "from-env")
    monkeypatch.setenv("CCDASH_TESTS_DB", "sqlite:///env.db")
    result = cli("ingest", str(report), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["project_id"] == "from-env"
    assert (folder / "env.db").exists()


def test_runs_list_and_show(db_url: str, tmp_path: Path) -> None:
    first = write(tmp_path, "1.xml", junit(case("a"), case("b", "failed")))
    second = write(tmp_path, "2.xml", junit(case("a"), case("b")))
    ingest_json(db_url, str(first), "--run-id", "run-one", "--timestamp", "2026-01-01T00:00:00Z")
    ingest_json(db_url, str(second), "--run-id", "run-two", "--timestamp", "2026-01-02T00:00:00Z")
    result = cli("runs", "list", "--db", db_url, "--project", "p", "--json")
    assert result.exit_code == 0
    runs = json.loads(result.stdout)
    assert [r["run_id"] for r in runs] == ["run-two", "run-one"]
    assert set(runs[0]) == RUN_KEYS
    result = cli("runs", "list", "--limit", "1", "--db", db_url, "--project", "p")
    assert result.exit_code == 0 and "run-two" in result.stdout and "run-one" not in result.stdout
    result = cli("runs", "show", "--db", db_url, "--project", "p", "--json")
    shown = json.loads(result.stdout)
    assert shown["run"]["run_id"] == "run-two"
    for result in shown["results"]:
        assert {"test_id", "name", "classname", "path", "status", "duration_ms", "attempts", "flaky",
                "error_fingerprint", "error_message"} <= set(result)  # fmt: skip
    result = cli("runs", "show", "run-o", "--db", db_url, "--project", "p")
    assert result.exit_code == 0 and "run-one" in result.stdout and "AssertionError: boom 42" in result.stdout
    result = cli("runs", "show", "run-", "--db", db_url, "--project", "p")
    assert result.exit_code == 2 and "ambiguous" in result.stderr
    result = cli("runs", "show", "nope", "--db", db_url, "--project", "p")
    assert result.exit_code == 2 and "no run" in result.stderr


def test_error_fingerprint_groups_same_cause(tmp_path: Path) -> None:
    report = write(
        tmp_path,
        "r.xml",
        junit(
            junit_case(
                "x", "failed", classname="m", time=None, message="ValueError: id 17 at 0x7f3a", text=""
            ),
            junit_case(
                "y", "failed", classname="m", time=None, message="ValueError: id 99 at 0x1b2c", text=""
            ),
        ),
    )
    db = str(tmp_path / "s.db")
    ingest_json(db, str(report))
    result = cli("runs", "show", "--db", db, "--project", "p", "--json")
    prints = {r["error_fingerprint"] for r in json.loads(result.stdout)["results"]}
    assert len(prints) == 1 and None not in prints


def test_db_info(db_url: str, tmp_path: Path) -> None:
    ingest_json(db_url, str(write(tmp_path, "r.xml", junit(case("a"), case("b")))))
    result = cli("db", "info", "--db", db_url, "--project", "p", "--json")
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert info["schema_version"] >= 1
    assert info["counts"] == {"runs": 1, "definitions": 2, "results": 2}
    assert info["backend"] in ("sqlite", "postgresql")


def test_empty_store_reads_kindly(tmp_path: Path) -> None:
    result = cli("runs", "list", "--db", str(tmp_path / "s.db"), "--project", "p")
    assert result.exit_code == 0 and "No runs stored yet" in result.stdout
    result = cli("runs", "show", "--db", str(tmp_path / "s.db"), "--project", "p")
    assert result.exit_code == 2 and "has no runs" in result.stderr


def test_module_entry_point_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "ccdash_tests", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("ccdash-tests ")
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("ingest", "runs", "db"):
        assert command in result.stdout


def test_framework_versions_feed_the_environment_fingerprint(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    from_log = ingest_json(db, str(PYTEST_DATA / "reportlog.jsonl"))
    version = from_log["metadata"]["frameworks"]["pytest"]
    assert version and version[0].isdigit()
    assert from_log["metadata"]["env"]["framework.pytest"] == version
    from_xml = ingest_json(db, str(PYTEST_DATA / "xunit2.xml"))
    assert from_xml["env_fingerprint"] != from_log["env_fingerprint"], "pytest's version is only in the log"


def test_pytest_json_creation_time_is_the_run_time(tmp_path: Path) -> None:
    document = ingest_json(str(tmp_path / "s.db"), str(PYTEST_DATA / "pytest.json"))
    created = json.loads((PYTEST_DATA / "pytest.json").read_text())["created"]
    assert datetime.fromisoformat(document["timestamp"]).timestamp() == pytest.approx(created, abs=0.001)


def test_ingest_checks_integrity_of_the_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "shop", author=("t", "t@e"))
    cart = "tests/test_cart.py"
    first = repo.commit(
        "cart tests", {cart: "def test_total():\n    assert 1 + 1 == 2\n    assert 2 * 2 == 4\n"}
    )
    second = repo.commit("make it green", {cart: "def test_total():\n    pass\n"})
    monkeypatch.chdir(repo.root)
    db = str(tmp_path / "s.db")
    report = junit(case("test_total", "failed", classname="tests.test_cart"))
    write(tmp_path, "1.xml", report)
    write(tmp_path, "2.xml", junit(case("test_total", classname="tests.test_cart")))
    before = ingest_json(db, str(tmp_path / "1.xml"), "--git-sha", first, "--session", "agent-1")
    assert before["integrity"]["checked"] is False
    after = ingest_json(db, str(tmp_path / "2.xml"), "--git-sha", second, "--session", "agent-2")
    assert after["integrity"]["checked"] is True, after["integrity"]
    result = cli("integrity", "--db", db, "--project", "p", "--json")
    assert result.exit_code == 0
    signals = json.loads(result.stdout)
    signals = signals["signals"] if isinstance(signals, dict) else signals
    # Failed before and green after the edit: one signal, strengthened, not a second row.
    [signal] = signals
    assert signal["signal_type"] == "assertion_removed"
    assert signal["details"]["edited_before_green"]["previous_status"] == ["failed"]
    assert signal["agent_session_id"] == "agent-2"
    again = ingest_json(db, str(tmp_path / "2.xml"), "--git-sha", second)
    assert again["integrity"]["checked"] is False, "a run already stored is not scanned again"


def test_refused_report_creates_no_store_file(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.xml", junit(case("a"), case("b")).replace("</testsuites>", ""))
    db = tmp_path / "new.db"
    result = cli("ingest", str(bad), "--db", str(db))
    assert result.exit_code == 2, result.stderr
    assert not any(tmp_path.glob("new.db*")), "nothing written: not even an empty store"
    existing = tmp_path / "old.db"
    ingest_json(str(existing), str(write(tmp_path, "ok.xml", junit(case("a")))))
    result = cli("ingest", str(bad), "--db", str(existing))
    assert result.exit_code == 2
    assert existing.exists(), "an existing store is never removed"


def test_the_same_bytes_twice_are_read_once(tmp_path: Path) -> None:
    content = junit(case("a"), case("b", "failed"))
    first = write(tmp_path, "first.xml", content)
    (tmp_path / "artifacts").mkdir()
    copy = write(tmp_path / "artifacts", "first.xml", content)
    document = ingest_json(str(tmp_path / "s.db"), str(first), str(copy), str(first))
    assert document["total_tests"] == 2
    result = cli("runs", "show", "--db", str(tmp_path / "s.db"), "--project", "p", "--json")
    assert {r["attempts"] for r in json.loads(result.stdout)["results"]} == {1}


def test_refused_first_ingest_leaves_new_postgres_empty(postgres_schema_url: str, tmp_path: Path) -> None:
    engine = open_engine(resolve_location(postgres_schema_url))
    try:
        with engine.transaction():
            engine.execute("CREATE TABLE someone_elses (x INTEGER)")  # shares the schema; never ours to drop
        bad = write(tmp_path, "bad.xml", junit(case("a")).replace("</testsuites>", ""))
        result = cli("ingest", str(bad), "--db", postgres_schema_url)
        assert result.exit_code == 2, result.stderr
        assert "bad.xml" in result.stderr
        assert engine.table_names() == {"someone_elses"}, "nothing written: not even the store's tables"
    finally:
        engine.close()
    # The next good ingest makes the store again, whole.
    ingest_json(postgres_schema_url, str(write(tmp_path, "ok.xml", junit(case("a")))))
    with open_store(postgres_schema_url) as store:
        assert len(store.runs.list_by_project("p")) == 1


def test_a_new_postgres_store_someone_wrote_to_is_kept(postgres_schema_url: str, tmp_path: Path) -> None:
    # Two first ingests race: the refused one must not drop what the other stored meanwhile.
    with open_store(postgres_schema_url) as fresh:
        assert fresh.created
        ingest_json(postgres_schema_url, str(write(tmp_path, "ok.xml", junit(case("a")))))
        assert discard_new_store(fresh.engine) is False
    with open_store(postgres_schema_url) as store:
        assert not store.created
        assert len(store.runs.list_by_project("p")) == 1
        assert discard_new_store(store.engine) is False
