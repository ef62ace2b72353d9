"""Concurrent ingests into one store: every run lands whole, no lock errors, definitions stay unique."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from factories import junit_case, junit_xml
from reliability_support import orphan_counts, run_rows, start_ingest

SHARED = 1500
OWN = 100
PROCESSES = {"sqlite": 8, "postgresql": 16}


def shard_report(folder: Path, index: int) -> Path:
    """Most names shared by every shard, a few of its own; statuses differ between shards."""
    cases = [
        ("pkg.shared.TestS", f"test_{i}", "failed" if (i + index) % 97 == 0 else "passed")
        for i in range(SHARED)
    ]
    cases += [
        (f"pkg.own{index}.TestO", f"test_{i}", "skipped" if i % 10 == 0 else "passed") for i in range(OWN)
    ]
    # Each case names its file, so the ingest has nothing to warn about and stderr must stay empty.
    failure = {"message": "boom", "text": "trace"}
    body = (
        junit_case(
            name,
            status,
            classname=classname,
            file=classname.replace(".", "/") + ".py",
            **(failure if status == "failed" else {}),
        )
        for classname, name, status in cases
    )
    path = folder / f"shard-{index:02d}.xml"
    path.write_text(junit_xml(*body, suite=f"shard {index}"))
    return path


def run_all(procs: list, timeout: float = 300) -> list[tuple[int, bytes, bytes]]:
    deadline = time.monotonic() + timeout
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        done.append((proc.returncode, out, err))
    return done


@pytest.mark.slow
def test_parallel_ingests_of_different_runs_all_land(backend: str, db_url: str, tmp_path: Path) -> None:
    count = PROCESSES[backend]
    reports = [shard_report(tmp_path, i) for i in range(count)]
    procs = [start_ingest(report, db_url) for report in reports]
    results = run_all(procs)
    for code, out, err in results:
        text = err.decode()
        assert code == 0, text
        assert "lock" not in text.lower() and text == "", text
        assert json.loads(out)["total_tests"] == SHARED + OWN
    rows = run_rows(db_url)
    assert len(rows) == count
    assert all((total, stored) == (SHARED + OWN, SHARED + OWN) for _, total, stored in rows)
    assert orphan_counts(db_url) == {"results_without_run": 0, "duplicate_definitions": 0}
    from ccdash_tests.store import open_store

    with open_store(db_url) as store:
        definitions = store.engine.query("SELECT COUNT(*) FROM test_definitions WHERE project_id = ?", ("p",))
        assert definitions[0][0] == SHARED + count * OWN
        per_test = store.engine.query(
            "SELECT COUNT(*), COUNT(DISTINCT run_pk) FROM test_results x "
            "JOIN test_definitions d ON d.id = x.test_pk WHERE d.name = ? AND d.classname = ?",
            ("test_0", "pkg.shared.TestS"),
        )
        assert per_test[0] == (count, count)


def test_two_processes_ingesting_the_same_report_store_one_run(
    backend: str, db_url: str, tmp_path: Path
) -> None:
    report = shard_report(tmp_path, 0)
    for attempt in range(3):
        procs = [start_ingest(report, db_url) for _ in range(2)]
        documents = []
        for code, out, err in run_all(procs):
            assert code == 0, err.decode()
            assert err == b""
            documents.append(json.loads(out))
        assert {d["run_id"] for d in documents} == {documents[0]["run_id"]}
        new = sorted(d["new_results"] for d in documents)
        expected_new = [0, SHARED + OWN] if attempt == 0 else [0, 0]
        assert new == expected_new, documents
        assert all(d["total_tests"] == SHARED + OWN for d in documents)
    rows = run_rows(db_url)
    assert rows == [(documents[0]["run_id"], SHARED + OWN, SHARED + OWN)]
    assert orphan_counts(db_url) == {"results_without_run": 0, "duplicate_definitions": 0}


@pytest.mark.slow
def test_a_new_sqlite_store_opened_by_many_processes_at_once(tmp_path: Path) -> None:
    """CI shards often start together on an empty store: none may fail with "database is locked"."""
    report = shard_report(tmp_path, 0)
    failures = []
    for round_no in range(4):
        db = str(tmp_path / f"fresh-{round_no}.db")
        procs = [start_ingest(report, db) for _ in range(PROCESSES["sqlite"])]
        failures += [err.decode().strip() for code, _, err in run_all(procs) if code != 0]
    assert failures == []
