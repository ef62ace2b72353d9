"""`history`, `flaky`, `failures` and `timeline` through the real command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import cli, junit_case, junit_xml

from ccdash_tests.forensics import ClusterTest, FailureCluster, FailuresReport
from ccdash_tests.identity import test_id as make_test_id
from ccdash_tests.models import TestFeatureMappingDTO
from ccdash_tests.output.jsonout import print_json
from ccdash_tests.output.views.forensics import emit
from ccdash_tests.store import open_store

P = "cli-proj"
CLS = "pkg.test_calc"
NODE = "pkg/test_calc.py"  # how the tests of CLS are printed: by node id
DAY0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
SHARED_SHA = "3c3c" * 10
ODD_NAME = "test_[bold]markup[/bold]"

# Six runs, eight hours apart. Known answers:
#   test_breaks   passes in runs 1-4, fails in runs 5-6: first bad run-5, last good run-4.
#   test_sha      fails in run 3, passes in run 4; both runs test SHARED_SHA: flaky (same_sha).
#   test_retry    passes after a flaky failure in run 6: flaky (retry).
#   test_db_a/b   error in run 6 with one cause reported at different line numbers: one cluster.
DB_ERROR = "ConnectionError: connection refused (db.py line {})"


def xml_case(name: str, status: str = "passed", message: str = "") -> str:
    """A case of pkg/test_calc.py; a failure's text is a traceback ending in its message."""
    text = f"Traceback (most recent call last): {message}" if status in ("failed", "error") else ""
    return junit_case(
        name, status, classname=CLS, file="pkg/test_calc.py", time="0.25", message=message, text=text
    )


def run_report(n: int) -> str:
    def outcome(bad: bool, status: str, message: str) -> tuple[str, str]:
        return (status, message) if bad else ("passed", "")

    return junit_xml(
        xml_case("test_breaks", *outcome(n >= 5, "failed", "AssertionError: assert 3 == 4")),
        xml_case("test_sha", *outcome(n == 3, "failed", "AssertionError: sha differs")),
        xml_case("test_retry", *outcome(n == 6, "flaky", "TimeoutError: slow")),
        xml_case("test_db_a", *outcome(n == 6, "error", DB_ERROR.format(12))),
        xml_case("test_db_b", *outcome(n == 6, "error", DB_ERROR.format(48))),
        xml_case(ODD_NAME),
    )


def sha_of(n: int) -> str:
    return SHARED_SHA if n in (3, 4) else f"{n:02d}" * 20


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    """A store holding the six runs (ingested through the CLI) and a feature mapping."""
    for n in range(1, 7):
        report = tmp_path / f"run{n}.xml"
        report.write_text(run_report(n), encoding="utf-8")
        stamp = (DAY0 + timedelta(hours=8 * (n - 1), minutes=15)).isoformat()
        result = cli(
            "ingest", str(report), "--db", db_url, "--project", P, "--run-id", f"run-{n}",
            "--git-sha", sha_of(n), "--branch", "main", "--session", f"agent-{n}", "--timestamp", stamp,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    with open_store(db_url) as store:
        for name in ("test_breaks", ODD_NAME):
            store.mappings.upsert(
                TestFeatureMappingDTO(
                    project_id=P,
                    test_id=make_test_id(P, "", CLS, name),
                    feature="calculator",
                    provider="test",
                    confidence=1.0,
                    is_primary=True,
                )
            )
    return db_url


def read(db: str, *args: str) -> str:
    result = cli(*args, "--db", db, "--project", P)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def read_json(db: str, *args: str) -> dict:
    return json.loads(read(db, *args, "--json"))


def test_history_table(db: str) -> None:
    out = read(db, "history", "test_breaks")
    assert f"{NODE}::test_breaks" in out
    assert "Last 6 of 6 runs (newest first)" in out
    lines = out.splitlines()
    row5 = next(line for line in lines if line.lstrip("│ ").startswith("run-5"))
    assert "failed" in row5 and "first bad" in row5 and "AssertionError: assert 3 == 4" in row5
    assert "agent-5" in row5 and sha_of(5)[:10] in row5 and "main" in row5 and "250 ms" in row5
    row4 = next(line for line in lines if line.lstrip("│ ").startswith("run-4"))
    assert "passed" in row4 and "last good" in row4
    assert out.index("run-6") < out.index("run-5") < out.index("run-1")
    assert "Failing for 2 runs." in out
    assert "first bad run: run-5" in out and "last good run: run-4" in out


def test_history_json(db: str) -> None:
    document = read_json(db, "history", f"{CLS}::test_breaks", "--limit", "3")
    assert document["test"]["test_id"] == make_test_id(P, "", CLS, "test_breaks")
    assert document["total_results"] == 6 and document["failing_streak"] == 2
    assert document["current_status"] == "failed"
    assert [row["run_id"] for row in document["runs"]] == ["run-6", "run-5", "run-4"]
    assert document["first_bad_run"]["run_id"] == "run-5"
    assert document["first_bad_run"]["git_sha"] == sha_of(5)
    assert document["first_bad_run"]["agent_session_id"] == "agent-5"
    assert document["first_bad_run"]["message"] == "AssertionError: assert 3 == 4"
    assert document["first_bad_run"]["mark"] == "first_bad"
    assert document["last_good_run"]["run_id"] == "run-4" and document["last_good_run"]["status"] == "passed"
    assert document["status_counts"] == {
        "passed": 4, "failed": 2, "error": 0, "skipped": 0, "xfailed": 0, "xpassed": 0,
    }  # fmt: skip
    assert document["runs"][0]["duration_ms"] == pytest.approx(250)


def test_history_names_are_shown_literally(db: str) -> None:
    out = read(db, "history", "markup")
    assert f"{NODE}::{ODD_NAME}" in out
    assert read_json(db, "history", "markup")["test"]["name"] == ODD_NAME


def test_history_ambiguous_and_unknown_tests_exit_2(db: str) -> None:
    result = cli("history", "test_db", "--db", db, "--project", P, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "ccdash-tests: 'test_db' matches 2 tests; give a test_id or a longer name:",
        f"  {make_test_id(P, '', CLS, 'test_db_a')}  {NODE}::test_db_a",
        f"  {make_test_id(P, '', CLS, 'test_db_b')}  {NODE}::test_db_b",
    ]
    assert "Traceback" not in result.stderr
    result = cli("history", "nothing_like_this", "--db", db, "--project", P)
    assert (
        result.exit_code == 2
        and result.stdout == ""
        and "no stored test matches 'nothing_like_this'" in result.stderr
    )


def test_flaky_table_and_json(db: str) -> None:
    out = read(db, "flaky", "--runs", "6")
    assert "Flaky tests over the last 6 runs (flip threshold 2)" in out
    sha_line = next(line for line in out.splitlines() if "test_sha" in line)
    assert "same_sha" in sha_line and SHARED_SHA[:10] in sha_line and "33%" in sha_line
    retry_line = next(line for line in out.splitlines() if "test_retry" in line)
    assert "retry" in retry_line and "run-6" in retry_line
    assert "test_breaks" not in out

    document = read_json(db, "flaky", "--runs", "6", "--threshold", "2")
    assert document["runs"] == 6 and document["threshold"] == 2
    assert document["first_run"]["run_id"] == "run-1" and document["last_run"]["run_id"] == "run-6"
    tests = {t["name"]: t for t in document["tests"]}
    assert set(tests) == {"test_sha", "test_retry"}
    assert tests["test_sha"]["reasons"] == ["same_sha"] and tests["test_sha"]["shas"] == [SHARED_SHA]
    assert [e["run_id"] for e in tests["test_sha"]["evidence"]] == ["run-3", "run-4"]
    assert tests["test_sha"]["flake_rate"] == pytest.approx(2 / 6, abs=1e-4)
    retry = tests["test_retry"]
    assert retry["reasons"] == ["retry"] and retry["retried"] == 1
    assert retry["evidence"] == [
        {
            "run_id": "run-6",
            "timestamp": retry["evidence"][0]["timestamp"],
            "git_sha": sha_of(6),
            "status": "passed",
            "attempts": 2,
            "flaky": True,
            "reasons": ["retry"],
        }
    ]
    # Over the last two runs, nothing passed and failed on one sha; only the retry remains.
    assert [t["name"] for t in read_json(db, "flaky", "--runs", "2")["tests"]] == ["test_retry"]


def test_failures_of_the_latest_run(db: str) -> None:
    out = read(db, "failures")
    assert "3 failing results in 2 clusters: run run-6" in out
    lines = out.splitlines()
    db_row = next(index for index, line in enumerate(lines) if "test_db_a" in line)
    assert lines[db_row].lstrip("│ ").startswith("2") and DB_ERROR.format(12) in lines[db_row]
    assert "test_db_b" in lines[db_row + 1] and "run-6" in lines[db_row]
    assert "AssertionError: assert 3 == 4" in out and DB_ERROR.format(48) not in out

    document = read_json(db, "failures")
    assert document["scope"] == "run" and document["run"]["run_id"] == "run-6"
    assert document["failing_results"] == 3 and document["runs"] == 1
    first, second = document["clusters"]
    assert first["count"] == 2 and first["test_count"] == 2
    assert [t["name"] for t in first["tests"]] == ["test_db_a", "test_db_b"]
    assert first["error_type"] is None and first["message"] == DB_ERROR.format(12)
    assert first["first_seen"]["run_id"] == "run-6"
    assert second["tests"][0]["name"] == "test_breaks" and second["first_seen"]["run_id"] == "run-5"
    assert len(first["fingerprint"]) == 16 and first["fingerprint"] != second["fingerprint"]


def test_failures_of_a_run_and_since(db: str) -> None:
    document = read_json(db, "failures", "--run", "run-3")
    assert [c["tests"][0]["name"] for c in document["clusters"]] == ["test_sha"]
    since = (DAY0 + timedelta(hours=8 * 4)).isoformat()
    document = read_json(db, "failures", "--since", since)
    assert document["scope"] == "since" and document["runs"] == 2
    assert {c["tests"][0]["name"]: c["count"] for c in document["clusters"]} == {
        "test_db_a": 2,
        "test_breaks": 2,
    }
    everything = read_json(db, "failures", "--all")
    assert everything["scope"] == "all" and everything["runs"] == 6 and everything["failing_results"] == 5
    out = read(db, "failures", "--all")
    assert "5 failing results in 3 clusters: all 6 runs" in out
    result = cli("failures", "--since", "last tuesday", "--db", db, "--project", P)
    assert result.exit_code == 2 and result.stdout == "" and "--since" in result.stderr
    result = cli("failures", "--run", "run-9", "--db", db, "--project", P)
    assert result.exit_code == 2 and "no run 'run-9'" in result.stderr


def test_failures_without_failures(db: str) -> None:
    out = read(db, "failures", "--run", "run-1")
    assert "No failed or errored results in run run-1." in out
    assert read_json(db, "failures", "--run", "run-1")["clusters"] == []


def test_timeline_by_day_and_by_run(db: str) -> None:
    out = read(db, "timeline", "--feature", "calculator")
    assert "Feature calculator: 2 tests, 6 runs in the last 90 days (by day, oldest first)" in out
    assert f"{NODE}::test_breaks" in out and "first bad run: run-5" in out and "last good run: run-4" in out
    day2 = (DAY0 + timedelta(days=1)).date().isoformat()
    day2_line = next(line for line in out.splitlines() if line.startswith(day2))
    assert "bad (2 bad)" in day2_line and "last good, first bad" in day2_line

    document = read_json(db, "timeline", "--feature", "calculator", "--by", "run", "--days", "30")
    assert document["by"] == "run" and document["days"] == 30 and document["tests"] == 2
    assert [b["key"] for b in document["buckets"]] == [f"run-{n}" for n in range(1, 7)]
    assert [b["verdict"] for b in document["buckets"]] == ["good"] * 4 + ["bad"] * 2
    assert document["buckets"][4]["failing_tests"] == [f"{NODE}::test_breaks"]
    assert document["buckets"][4]["status_counts"]["failed"] == 1
    assert document["buckets"][4]["status_counts"]["passed"] == 1
    assert [b["marks"] for b in document["buckets"]] == [[], [], [], ["last_good"], ["first_bad"], []]
    assert document["first_bad_run"]["run_id"] == "run-5" and document["last_good_run"]["run_id"] == "run-4"
    assert document["failing_streak"] == 2


def test_timeline_refuses_bad_input(db: str) -> None:
    result = cli("timeline", "--feature", "calculator", "--by", "week", "--db", db, "--project", P)
    assert result.exit_code == 2 and result.stdout == "" and "--by 'week'" in result.stderr
    result = cli("timeline", "--feature", "nope", "--db", db, "--project", P, "--json")
    assert result.exit_code == 2 and result.stdout == "" and "no test has feature 'nope'" in result.stderr


def test_empty_store_answers_plainly(db_url: str) -> None:
    assert read_json(db_url, "flaky")["tests"] == []
    assert "No flaky tests in the last 0 runs" in read(db_url, "flaky")
    result = cli("failures", "--db", db_url, "--project", P)
    assert result.exit_code == 2 and "has no runs yet" in result.stderr


def test_unreachable_store_exits_3(tmp_path: Path) -> None:
    result = cli("history", "x", "--db", str(tmp_path / "missing" / "s.db"), "--project", P)
    assert result.exit_code == 3 and result.stdout == "" and "does not exist" in result.stderr


def test_every_json_report_is_written_as_print_json_writes_it(db: str) -> None:
    """Pydantic writes the reports (views/forensics.emit): the same text as json.dumps with indent."""
    for args in (
        ("history", "markup"),
        ("history", "test_breaks"),
        ("flaky", "--runs", "6"),
        ("failures",),
        ("failures", "--all"),
        ("timeline", "--feature", "calculator", "--by", "run"),
    ):
        out = read(db, *args, "--json")
        assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n", args


def test_report_json_escapes_text_as_print_json_does(capsys: pytest.CaptureFixture[str]) -> None:
    hostile = 'a\x00\x1b\x1f\x7f\u2028 "q" \\ </script> é 中 \U0001f600 \t\n\r\b\f'
    test = ClusterTest(test_id="t" * 64, name=hostile, classname=hostile, label=hostile)
    cluster = FailureCluster(
        fingerprint=hostile, count=3, test_count=1, run_count=2, message=hostile, tests=[test]
    )
    report = FailuresReport(scope="all", runs=2, failing_results=3, clusters=[cluster])
    emit(report)
    written = capsys.readouterr().out
    print_json(report.model_dump(mode="json"))
    assert written == capsys.readouterr().out
    assert json.loads(written)["clusters"][0]["message"] == hostile
