"""`export RUN --format junit|ctrf`: a run built from several shards and formats, written back and ingested
again on each backend, gives the same results (JUnit loses only what its reader cannot carry)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from factories import Cli, junit_case, junit_xml

from ccdash_tests.models import Status
from ccdash_tests.parsers import parse_report

DATA = Path(__file__).parent / "data"
# One run from six formats: TRX, Jest JSON, go test -json with reruns, Mocha JSON, pytest's JUnit and
# JSON (xfailed and xpassed included), so the export carries every status, attempts, flaky, tags.
SHARDS = [
    DATA / "trx" / "mstest.trx",
    DATA / "jest" / "report.json",
    DATA / "gotestsum" / "rerun.jsonl",
    DATA / "mocha" / "report.json",
    DATA / "pytest" / "pytest.json",
    DATA / "ctrf" / "ctrf-report.json",
]
KEPT = ("status", "duration_ms", "attempts", "flaky", "error_message", "error_details", "error_fingerprint")


def results(cli: Cli) -> dict[str, dict[str, Any]]:
    document = cli.json("runs", "show", "r1")
    return {result["test_id"]: result for result in document["results"]}


def stored_run(db_url: str) -> dict[str, dict[str, Any]]:
    cli = Cli(db_url, "p")
    cli("ingest", *SHARDS, "--run-id", "r1", code=0)
    return results(cli)


def reingest(tmp_path: Path, exported: Path) -> dict[str, dict[str, Any]]:
    again = Cli(tmp_path / "again.db", "p")
    again("ingest", exported, "--run-id", "r1", code=0)
    return results(again)


def test_ctrf_export_ingests_with_the_same_results(db_url: str, tmp_path: Path) -> None:
    before = stored_run(db_url)
    target = tmp_path / "run.ctrf.json"
    written = Cli(db_url, "p")("export", "r1", "--format", "ctrf", "-o", target, code=0)
    assert f"{len(before):,} results of run r1 as ctrf" in written.stderr
    assert parse_report(target).format == "ctrf"
    after = reingest(tmp_path, target)
    assert after.keys() == before.keys()  # the same test ids: suite, classname and name came back
    for test_id, result in before.items():
        assert {k: after[test_id][k] for k in KEPT} == {k: result[k] for k in KEPT}, result["name"]
    assert {r["status"] for r in before.values()} == {s.value for s in Status}


def test_junit_export_ingests_with_the_same_results_but_what_junit_cannot_carry(
    db_url: str, tmp_path: Path
) -> None:
    before = stored_run(db_url)
    target = tmp_path / "run.xml"
    Cli(db_url, "p")("export", "r1", "--format", "junit", "-o", target, code=0)
    assert parse_report(target).format == "junit"
    after = reingest(tmp_path, target)
    assert after.keys() == before.keys()
    lost = 0
    for test_id, result in before.items():
        again = after[test_id]
        expected = {k: result[k] for k in KEPT}
        if result["status"] == "xpassed":  # JUnit has no xpassed: written and read back as passed
            expected["status"] = "passed"
        if result["status"] in ("passed", "xpassed", "skipped", "xfailed"):
            # the JUnit reader keeps no text of a skip, nor of a flaky test's earlier failed attempt
            for key in ("error_details", "error_fingerprint", "error_message"):
                if result[key] != again[key]:
                    expected[key] = again[key]
                    lost += 1
            if result["status"] in ("skipped", "xfailed"):
                assert again["error_message"] == result["error_message"]  # the skip reason is kept
        assert {k: again[k] for k in KEPT} == expected, result["name"]
    assert any(r["status"] == "xpassed" for r in before.values()) and lost > 0


def test_export_to_stdout_is_the_report_alone(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "s.db", "p")
    cli("ingest", DATA / "trx" / "xunit.trx", "--run-id", "r1", code=0)
    result = cli("export", "--format", "ctrf", code=0)  # the latest run
    document = json.loads(result.stdout)
    assert document["results"]["summary"]["tests"] == 5 and document["results"]["tool"]["name"] == "xunit"
    flaky = [t for t in document["results"]["tests"] if t["flaky"]]
    assert [(t["name"], t["retries"]) for t in flaky] == [("Parse_Number", 1)]
    xml = cli("export", "r1", code=0).stdout
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ccdash-tests export"')


@pytest.mark.parametrize("fmt", ["junit", "ctrf"])
def test_bidi_and_invisible_characters_leave_as_references_and_come_back(tmp_path: Path, fmt: str) -> None:
    names = ["test_\u202eevil", "zero\u200bwidth", "line\u2028sep"]
    report = tmp_path / "names.xml"
    report.write_text(junit_xml(*(junit_case(name, "failed", classname="k", message=name) for name in names)))
    cli = Cli(tmp_path / "s.db", "p")
    cli("ingest", report, "--run-id", "r1", code=0)
    exported = cli("export", "r1", "--format", fmt, code=0).stdout
    assert not any(char in exported for char in "\u202e\u200b\u2028"), exported
    target = tmp_path / f"export.{fmt}"
    target.write_text(exported)
    again = reingest(tmp_path, target)
    assert sorted(r["name"] for r in again.values()) == sorted(names)
    assert sorted(r["error_message"] for r in again.values()) == sorted(names)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("export", "nope"), "no run 'nope' in project 'p'"),
        (("export", "r1", "--format", "tap"), "--format"),
        (("export", "r1", "-o", "."), "is a folder"),
    ],
)
def test_bad_requests_are_refused_in_one_line(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    cli = Cli(tmp_path / "s.db", "p")
    cli("ingest", DATA / "trx" / "xunit.trx", "--run-id", "r1", code=0)
    result = cli(*args)
    assert result.exit_code == 2 and words in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2 and "Traceback" not in result.output
