"""`push` against a real CCDash server, when $CCDASH_TESTS_CCDASH_URL names one (README: "Pushing to CCDash").

Each test uses a project of its own, so run ids and test ids (global keys in CCDash) are new every time
and the suite can run again against the same server. $CCDASH_TESTS_CCDASH_DISABLED_URL may name a second
CCDash started with CCDASH_TEST_VISUALIZER_ENABLED=false, for the disabled case.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import socket
import urllib.request
from pathlib import Path

import pytest
from factories import Cli, cli
from typer.testing import Result

# Read at import: the autouse fixture in conftest.py clears CCDash variables from each test's environment.
CCDASH_URL = os.environ.get("CCDASH_TESTS_CCDASH_URL", "").strip().rstrip("/")
DISABLED_URL = os.environ.get("CCDASH_TESTS_CCDASH_DISABLED_URL", "").strip().rstrip("/")
pytestmark = pytest.mark.skipif(
    not CCDASH_URL, reason="no real CCDash: set CCDASH_TESTS_CCDASH_URL (README: Pushing to CCDash)"
)

DATA = Path(__file__).parent / "data"
REPORTS = {
    "pytest-json": [DATA / "pytest" / "pytest.json"],
    "pytest-xunit1": [DATA / "pytest" / "xunit1.xml"],
    "surefire": sorted((DATA / "surefire" / "reports").glob("*.xml")),
    "jest": [DATA / "jest" / "junit.xml"],
    "gotestsum": [DATA / "gotestsum" / "junit.xml"],
}


@pytest.fixture
def project() -> str:
    return f"ccdash-tests-{secrets.token_hex(6)}"


def ingest(db: str, project: str, reports: list[Path]) -> dict:
    return Cli(db, project).json("ingest", *reports)


def push(db: str, project: str, url: str, *args: str) -> Result:
    return Cli(db, project)("push", *args, "--ccdash-url", url, "--json")


def server_run(run_id: str) -> dict:
    with urllib.request.urlopen(f"{CCDASH_URL}/api/tests/runs/{run_id}", timeout=60) as answer:
        return json.loads(answer.read())


def stored(db: str, project: str, run_id: str) -> dict:
    return Cli(db, project).json("runs", "show", run_id)


def compare(db: str, project: str, run_id: str) -> dict:
    """Assert the server's run holds our tests with the same statuses, paths, names and durations."""
    ours = stored(db, project, run_id)
    theirs = server_run(run_id)
    by_id = {row["test_id"]: row for row in theirs["results"]}
    assert set(by_id) == {row["test_id"] for row in ours["results"]}
    for result in ours["results"]:
        row, definition = by_id[result["test_id"]], theirs["definitions"][result["test_id"]]
        assert row["status"] == result["status"]
        assert row["duration_ms"] == math.floor((result["duration_ms"] or 0) + 0.5)
        label = f"{result['classname']}::{result['name']}" if result["classname"] else result["name"]
        assert definition["name"] == label.strip()  # CCDash strips the text it stores
        assert definition["path"] and definition["framework"]
        if result["path"] or result["classname"]:
            assert definition["path"] == (result["path"] or result["classname"]).strip()
    counts = ours["run"]["status_counts"]
    failed = counts["failed"] + counts["error"] + counts["xpassed"]
    skipped = counts["skipped"] + counts["xfailed"]
    total = sum(counts.values())
    run = theirs["run"]
    assert (run["total_tests"], run["failed_tests"], run["skipped_tests"], run["passed_tests"]) == (
        total,
        failed,
        skipped,
        total - failed - skipped,
    )
    assert run["project_id"] == project
    assert run["metadata"]["tool"]["name"] == "ccdash-tests"
    return theirs


@pytest.mark.parametrize("producer", sorted(REPORTS))
def test_a_run_pushed_to_ccdash_reads_back_the_same(tmp_path: Path, project: str, producer: str) -> None:
    db = str(tmp_path / "store.db")
    run = ingest(db, project, REPORTS[producer])
    result = push(db, project, CCDASH_URL)
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)["runs"][0]
    assert (first["status"], first["test_results_inserted"]) == ("created", run["total_tests"])
    theirs = compare(db, project, run["run_id"])
    # One post: CCDash's run duration is the sum of the posted rows' whole milliseconds.
    assert theirs["run"]["duration_ms"] == sum(row["duration_ms"] for row in theirs["results"])
    result = push(db, project, CCDASH_URL)
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)["runs"][0]
    assert (again["status"], again["test_results_inserted"]) == ("skipped", 0)
    assert server_run(run["run_id"])["results"] == theirs["results"]


def test_a_run_in_several_posts_is_whole_on_ccdash(tmp_path: Path, project: str) -> None:
    db = str(tmp_path / "store.db")
    run = ingest(db, project, REPORTS["pytest-json"])
    result = push(db, project, CCDASH_URL, "--batch-size", "7")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)["runs"][0]
    assert (outcome["status"], outcome["posts"], outcome["test_results_inserted"]) == ("created", 5, 30)
    compare(db, project, run["run_id"])
    result = push(db, project, CCDASH_URL, "--batch-size", "7")
    assert result.exit_code == 0 and json.loads(result.stdout)["runs"][0]["status"] == "skipped"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_ingest_push_to_a_down_server_keeps_the_run_then_push_sends_it(tmp_path: Path, project: str) -> None:
    db = str(tmp_path / "store.db")
    down = f"http://127.0.0.1:{free_port()}"
    reports = [str(path) for path in REPORTS["gotestsum"]]
    result = cli("ingest", *reports, "--db", db, "--project", project, "--ccdash-url", down,
                 "--retries", "1", "--quiet")  # fmt: skip
    assert result.exit_code == 3 and result.stderr.count("\n") == 1 and "connection refused" in result.stderr
    runs = json.loads(Cli(db, project)("runs", "list", "--json").stdout)
    assert len(runs) == 1 and runs[0]["total_tests"] > 0
    result = push(db, project, CCDASH_URL)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"][0]["status"] == "created"
    compare(db, project, runs[0]["run_id"])


@pytest.mark.skipif(not DISABLED_URL, reason="set CCDASH_TESTS_CCDASH_DISABLED_URL to a disabled CCDash")
def test_a_disabled_ccdash_exits_3_and_the_store_stays(tmp_path: Path, project: str) -> None:
    db = str(tmp_path / "store.db")
    run = ingest(db, project, REPORTS["jest"])
    result = push(db, project, DISABLED_URL)
    assert result.exit_code == 3 and result.stdout == ""
    assert (
        result.stderr.count("\n") == 1 and "feature_disabled" in result.stderr and "HTTP 503" in result.stderr
    )
    assert len(stored(db, project, run["run_id"])["results"]) == run["total_tests"]
