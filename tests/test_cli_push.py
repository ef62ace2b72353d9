"""`push` and `ingest --push` through the real command line, against a stand-in CCDash, on both backends."""

from __future__ import annotations

import copy
import json
import math
import os
import socket
import subprocess
import sys
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from ccdash_standin import StandIn
from factories import Cli, cli
from typer.testing import Result

DATA = Path(__file__).parent / "data"
REPORTS = {
    "pytest-json": [DATA / "pytest" / "pytest.json"],
    "surefire": sorted((DATA / "surefire" / "reports").glob("*.xml")),
    "jest": [DATA / "jest" / "junit.xml"],
    "gotestsum": [DATA / "gotestsum" / "junit.xml"],
}
TOKEN = "s3cr3t-token-value"


def ingest(db: str, *reports: Path | str, extra: tuple[str, ...] = ()) -> dict:
    return Cli(db, "shop").json("ingest", *reports, *extra)


def push(db: str, url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return Cli(db, "shop")("push", *args, "--ccdash-url", url, env=env)


def push_json(db: str, url: str, *args: str) -> dict:
    return Cli(db, "shop").json("push", *args, "--ccdash-url", url)


def stored(db: str, run_id: str) -> dict:
    return Cli(db, "shop").json("runs", "show", run_id)


def read_back(ccdash: StandIn, run_id: str) -> dict:
    with urllib.request.urlopen(f"{ccdash.url}/api/tests/runs/{run_id}", timeout=10) as answer:
        return json.loads(answer.read())


def ccdash_counts(status_counts: dict[str, int]) -> dict[str, int]:
    """Our per-status counts bucketed as CCDash counts a run (its test_ingest._load_status_counts)."""
    failed = sum(status_counts[s] for s in ("failed", "error", "xpassed"))
    skipped = sum(status_counts[s] for s in ("skipped", "xfailed"))
    total = sum(status_counts.values())
    return {"total_tests": total, "passed_tests": total - failed - skipped, "failed_tests": failed,
            "skipped_tests": skipped}  # fmt: skip


def assert_same_run(ccdash: StandIn, db: str, run_id: str) -> None:
    """The run on the server holds exactly our tests, statuses, paths, names and whole-ms durations."""
    ours = stored(db, run_id)
    theirs = read_back(ccdash, run_id)
    assert {r["test_id"] for r in theirs["results"]} == {r["test_id"] for r in ours["results"]}
    for result in ours["results"]:
        pushed = next(r for r in theirs["results"] if r["test_id"] == result["test_id"])
        definition = theirs["definitions"][result["test_id"]]
        assert pushed["status"] == result["status"]
        assert pushed["duration_ms"] == math.floor((result["duration_ms"] or 0) + 0.5)
        assert pushed["error_fingerprint"] == (result["error_fingerprint"] or "")
        label = f"{result['classname']}::{result['name']}" if result["classname"] else result["name"]
        assert definition["name"] == label.strip()  # CCDash strips the text it stores
        assert definition["path"] and definition["framework"]
        if result["path"] or result["classname"]:
            assert definition["path"] == (result["path"] or result["classname"]).strip()
    run = theirs["run"]
    assert {key: run[key] for key in ccdash_counts(ours["run"]["status_counts"])} == ccdash_counts(
        ours["run"]["status_counts"]
    )
    # The stand-in checks the one wire form; here the instant is the same as ours.
    assert datetime.fromisoformat(run["timestamp"]) == datetime.fromisoformat(ours["run"]["timestamp"])


@pytest.mark.parametrize("producer", sorted(REPORTS))
def test_a_pushed_run_reads_back_as_stored(db_url: str, ccdash: StandIn, producer: str) -> None:
    run = ingest(db_url, *REPORTS[producer])
    document = push_json(db_url, ccdash.url)
    assert document["runs"][0]["run_id"] == run["run_id"]
    assert document["runs"][0]["status"] == "created"
    assert document["runs"][0]["test_results_inserted"] == run["total_tests"]
    assert_same_run(ccdash, db_url, run["run_id"])
    metadata = ccdash.runs[run["run_id"]]["metadata"]
    assert metadata["tool"]["name"] == "ccdash-tests" and metadata["tool"]["version"]
    assert [s["cases"] for s in metadata["sources"]] and "ci_provider" in metadata


def test_pushing_again_is_skipped_and_changes_nothing(db_url: str, ccdash: StandIn) -> None:
    run = ingest(db_url, *REPORTS["surefire"])
    push_json(db_url, ccdash.url)
    before = copy.deepcopy((ccdash.runs, ccdash.definitions, ccdash.results))
    again = push_json(db_url, ccdash.url, run["run_id"][:8])
    assert again["runs"][0]["status"] == "skipped"
    assert again["runs"][0]["test_results_inserted"] == 0
    assert again["runs"][0]["test_results_skipped"] == run["total_tests"]
    assert (ccdash.runs, ccdash.definitions, ccdash.results) == before
    result = push(db_url, ccdash.url)
    assert result.exit_code == 0 and " skipped " in result.stdout


def test_a_large_run_goes_as_several_posts_of_one_run_id(db_url: str, ccdash: StandIn) -> None:
    run = ingest(db_url, REPORTS["pytest-json"][0])
    document = push_json(db_url, ccdash.url, "--batch-size", "7")
    outcome = document["runs"][0]
    assert (outcome["posts"], outcome["status"], outcome["results_sent"]) == (5, "created", 30)
    answers = [json.loads(post.body) for post in ccdash.ingest_posts()]
    assert {a["run_id"] for a in answers} == {run["run_id"]}
    assert [len(a["test_results"]) for a in answers] == [7, 7, 7, 7, 2]
    assert all(a["metadata"] == answers[0]["metadata"] for a in answers)
    assert_same_run(ccdash, db_url, run["run_id"])
    assert push_json(db_url, ccdash.url, "--batch-size", "7")["runs"][0]["status"] == "skipped"


def test_a_body_over_the_servers_limit_is_sent_in_halves(db_url: str, ccdash: StandIn) -> None:
    run = ingest(db_url, REPORTS["pytest-json"][0])
    ccdash.max_body = 9_000
    outcome = push_json(db_url, ccdash.url)["runs"][0]
    assert outcome["status"] == "created" and outcome["posts"] > 1
    assert_same_run(ccdash, db_url, run["run_id"])


def test_a_500_on_the_first_try_is_retried_with_the_same_body(db_url: str, ccdash: StandIn) -> None:
    run = ingest(db_url, *REPORTS["jest"])
    ccdash.fail_next = [500]
    outcome = push_json(db_url, ccdash.url)["runs"][0]
    posts = ccdash.ingest_posts()
    assert [post.status for post in posts] == [500, 200]
    assert posts[0].body == posts[1].body
    assert outcome["retries"] == 1
    assert ccdash.runs[run["run_id"]]["status"] != "ingesting"
    assert_same_run(ccdash, db_url, run["run_id"])


def test_a_server_failing_mid_run_exits_3_and_a_second_push_completes(db_url: str, ccdash: StandIn) -> None:
    run = ingest(db_url, REPORTS["pytest-json"][0])
    ccdash.fail_next = [None, 502, 502]
    result = push(db_url, ccdash.url, "--batch-size", "10", "--retries", "1")
    assert result.exit_code == 3 and result.stdout == ""
    assert (
        result.stderr.count("\n") == 1
        and "HTTP 502" in result.stderr
        and "gave up after 2 attempts" in result.stderr
    )
    assert "partly on the server (10 results): push it again" in result.stderr
    assert len(ccdash.results[run["run_id"]]) == 10
    outcome = push_json(db_url, ccdash.url, "--batch-size", "10")["runs"][0]
    assert (outcome["status"], outcome["test_results_inserted"], outcome["test_results_skipped"]) == (
        "updated",
        20,
        10,
    )
    assert_same_run(ccdash, db_url, run["run_id"])


def assert_store_intact(db: str, run: dict) -> None:
    kept = stored(db, run["run_id"])
    assert kept["run"]["total_tests"] == run["total_tests"]
    assert len(kept["results"]) == run["total_tests"]


def test_a_disabled_server_exits_3_with_one_line(db_url: str, ccdash: StandIn) -> None:
    run = ingest(db_url, *REPORTS["gotestsum"])
    ccdash.disabled = True
    result = push(db_url, ccdash.url)
    assert result.exit_code == 3
    assert (
        result.stderr.count("\n") == 1
        and "Test Visualizer is not enabled" in result.stderr
        and "HTTP 503" in result.stderr
    )
    assert result.stdout == ""
    assert_store_intact(db_url, run)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_exits_3_with_one_line(db_url: str) -> None:
    run = ingest(db_url, *REPORTS["gotestsum"])
    result = push(db_url, f"http://127.0.0.1:{free_port()}", "--retries", "1")
    assert result.exit_code == 3
    assert (
        result.stderr.count("\n") == 1
        and "connection refused" in result.stderr
        and "gave up after 2 attempts" in result.stderr
    )
    assert_store_intact(db_url, run)


def test_a_refused_body_exits_2_with_the_servers_errors(db_url: str, ccdash: StandIn) -> None:
    ingest(db_url, *REPORTS["gotestsum"])
    ccdash.refuse_with = [
        {
            "type": "int_type",
            "loc": ["body", "test_results", 0, "duration_ms"],
            "msg": "Input should be a valid integer",
        }
    ]
    result = push(db_url, ccdash.url)
    assert result.exit_code == 2
    assert "test_results.0.duration_ms: Input should be a valid integer" in result.stderr
    assert "refused" in result.stdout


def test_the_token_is_sent_and_never_printed(db_url: str, ccdash: StandIn) -> None:
    ingest(db_url, *REPORTS["gotestsum"])
    ccdash.token = TOKEN
    outputs = []
    result = push(db_url, ccdash.url, "--json", env={"CCDASH_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    outputs.append(result.stdout + result.stderr)
    assert ccdash.ingest_posts()[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    for args in (["--token", "wrong-" + TOKEN], ["--token", TOKEN, "--retries", "0"]):
        url = ccdash.url if args[1] != TOKEN else f"http://127.0.0.1:{free_port()}"
        result = push(db_url, url, *args)
        assert result.exit_code in (2, 3)
        outputs.append(result.stdout + result.stderr)
    password_url = ccdash.url.replace("http://", f"http://ci:{TOKEN}@")
    result = push(db_url, password_url)
    outputs.append(result.stdout + result.stderr)
    assert all(TOKEN not in text for text in outputs), outputs


def test_ingest_push_stores_then_pushes(db_url: str, ccdash: StandIn) -> None:
    run = ingest(db_url, *REPORTS["jest"], extra=("--push", "--ccdash-url", ccdash.url))
    assert run["push"]["runs"][0]["status"] == "created"
    assert_same_run(ccdash, db_url, run["run_id"])
    result = cli("ingest", *map(str, REPORTS["jest"]), "--db", db_url, "--project", "shop",
                 "--push", env={"CCDASH_URL": ccdash.url})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Already stored" in result.stdout and " skipped " in result.stdout


def test_ingest_push_keeps_the_run_when_the_server_is_down(db_url: str, ccdash: StandIn) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    result = cli("ingest", *map(str, REPORTS["surefire"]), "--db", db_url, "--project", "shop",
                 "--ccdash-url", down, "--retries", "0", "--json")  # fmt: skip
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert "connection refused" in document["push"]["error"]
    # Surefire writes no file attribute, so the path warning comes first; then one line about the push.
    warning, push_line = result.stderr.splitlines()
    assert warning.startswith("Warning: 15 tests have no file path")
    assert f"ccdash-tests push {document['run_id']}" in push_line
    assert_store_intact(db_url, document)
    ccdash.disabled = True
    result = cli("ingest", *map(str, REPORTS["jest"]), "--db", db_url, "--project", "shop",
                 "--push", "--quiet", env={"CCDASH_URL": ccdash.url})  # fmt: skip
    assert result.exit_code == 3 and "feature_disabled" in result.stderr
    ccdash.disabled = False
    later = push_json(db_url, ccdash.url, "--all")
    assert [r["status"] for r in later["runs"]] == ["created", "created"]
    assert_same_run(ccdash, db_url, document["run_id"])


def test_ingest_push_without_a_server_writes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "never.db")
    result = cli("ingest", str(REPORTS["jest"][0]), "--db", db, "--project", "shop", "--push")
    assert result.exit_code == 2 and "--ccdash-url" in result.stderr
    assert not os.path.exists(db)
    result = cli("ingest", str(REPORTS["jest"][0]), "--db", db, "--ccdash-url", "ftp://x")
    assert result.exit_code == 2 and not os.path.exists(db)


def test_backfill_since_and_all_go_oldest_first(db_url: str, ccdash: StandIn, tmp_path: Path) -> None:
    runs = []
    for day, name in ((1, "jest"), (5, "gotestsum"), (9, "pytest-json")):
        runs.append(ingest(db_url, *REPORTS[name], extra=("--timestamp", f"2026-11-{day:02d}T10:00:00Z")))
    assert [r["run_id"] for r in push_json(db_url, ccdash.url, "--since", "2026-11-04")["runs"]] == [
        runs[1]["run_id"],
        runs[2]["run_id"],
    ]
    document = push_json(db_url, ccdash.url, "--all")
    assert [r["status"] for r in document["runs"]] == ["created", "skipped", "skipped"]
    result = push(db_url, ccdash.url, runs[0]["run_id"], "--all")
    assert result.exit_code == 2 and "not both" in result.stderr
    result = push(db_url, ccdash.url, "no-such-run")
    assert result.exit_code == 2 and "no run" in result.stderr


def test_a_run_with_an_agent_session_shows_the_servers_errors(db_url: str, ccdash: StandIn) -> None:
    ingest(db_url, *REPORTS["gotestsum"], extra=("--session", "sess-42"))
    result = push(db_url, ccdash.url)
    assert result.exit_code == 0, result.output
    assert "CCDash: Unknown agent_session_id 'sess-42' (ingestion accepted)." in result.stdout


def test_nothing_to_push_and_no_server(tmp_path: Path, ccdash: StandIn) -> None:
    db = str(tmp_path / "empty.db")
    result = push(db, ccdash.url)
    assert result.exit_code == 2 and "has no runs yet" in result.stderr
    result = push(db, ccdash.url, "--all")
    assert result.exit_code == 0 and "No runs to push" in result.stdout
    result = cli("push", "--db", db, "--project", "shop")
    assert result.exit_code == 2 and "$CCDASH_URL" in result.stderr


def test_other_commands_do_not_load_the_push_modules() -> None:
    probe = (
        "import sys, ccdash_tests.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('http', 'ccdash_tests.push', 'ssl'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
