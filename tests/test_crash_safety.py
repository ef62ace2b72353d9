"""Crash safety: an ingest killed (SIGKILL) or interrupted (SIGINT) anywhere leaves whole runs or none."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import write_big_junit
from reliability_support import (
    cli_env,
    kill,
    orphan_counts,
    run_rows,
    start_ingest,
    wait_until_reading,
)

from ccdash_tests.commands.common import user_errors
from ccdash_tests.errors import CommandExit, stored_once_committed
from ccdash_tests.ingest import RunOptions, build_request, expand_inputs, plan_ingest, plan_landed, run_ingest
from ccdash_tests.models import utcnow
from ccdash_tests.runmeta import GitInfo
from ccdash_tests.store import open_store

pytestmark = pytest.mark.slow

# PostgreSQL ingests are ~10x slower per case here (see the report), so its file is smaller.
CASES = {"sqlite": 200_000, "postgresql": 20_000}
KILLS = {"sqlite": 6, "postgresql": 5}


def full_ingest(report: Path, db: str, run_id: str) -> tuple[float, dict]:
    started = time.monotonic()
    proc = start_ingest(report, db, "--run-id", run_id)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - started, json.loads(out)


def assert_store_sound(db: str, backend: str, cases: int) -> list[str]:
    """Integrity holds and every stored run is whole; returns the stored run ids."""
    if backend == "sqlite":
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    rows = run_rows(db)
    for run_id, total, stored in rows:
        assert (total, stored) == (cases, cases), f"run {run_id} is partial: total {total}, stored {stored}"
    assert orphan_counts(db) == {"results_without_run": 0, "duplicate_definitions": 0}
    return [run_id for run_id, _, _ in rows]


def test_sigkill_at_random_moments_leaves_each_run_whole_or_absent(
    backend: str, db_url: str, tmp_path: Path
) -> None:
    cases = CASES[backend]
    report = write_big_junit(tmp_path / "big.xml", cases)
    _, document = full_ingest(report, db_url, "baseline")
    assert document["total_tests"] == cases
    # The first ingest also creates the definitions; later ones, like those killed below, are faster.
    took, _ = full_ingest(report, db_url, "warm")
    rng = random.Random(20261130)
    outcomes = []
    latest = took  # later ingests reuse the definitions and run faster: shrink the window when one finishes
    for attempt in range(KILLS[backend]):
        proc = start_ingest(report, db_url, "--run-id", f"killed-{attempt}")
        time.sleep(rng.uniform(0.05, latest))
        finished = proc.poll() is not None
        kill(proc)
        proc.communicate(timeout=60)
        outcomes.append("finished" if finished else "killed")
        latest = latest * 0.7 if finished else latest
        stored = assert_store_sound(db_url, backend, cases)
        assert {"baseline", "warm"} <= set(stored)
    assert outcomes.count("killed") >= KILLS[backend] // 2, outcomes
    absent = sorted({f"killed-{i}" for i in range(KILLS[backend])} - set(run_rows_ids(db_url)))
    assert absent, "no kill landed before a commit"
    again = absent[0]
    _, document = full_ingest(report, db_url, again)
    assert (document["run_id"], document["total_tests"], document["new_results"]) == (again, cases, cases)
    _, document = full_ingest(report, db_url, "baseline")
    assert (document["new_results"], document["already_stored"]) == (0, cases)
    assert_store_sound(db_url, backend, cases)


def run_rows_ids(db: str) -> list[str]:
    return [run_id for run_id, _, _ in run_rows(db)]


@pytest.fixture
def interruptible() -> Iterator[None]:
    """Ingests that SIGINT interrupts, as Ctrl-C does on a terminal, however this test run was started.

    A runner started in the background by a shell without job control (`nohup make test &`, a CI
    script's `&`) ignores SIGINT, and a child inherits an ignored signal across exec: every "interrupted"
    ingest would then finish. A handled SIGINT is reset to the default by exec instead.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("interruptible")
def test_sigint_mid_ingest_stores_nothing_and_prints_no_traceback(
    backend: str, db_url: str, tmp_path: Path
) -> None:
    cases = CASES[backend] // 2
    report = write_big_junit(tmp_path / "big.xml", cases)
    full_ingest(report, db_url, "baseline")
    took, _ = full_ingest(report, db_url, "warm")
    rng = random.Random(7)
    interrupted = 0
    for attempt in range(3):
        proc = start_ingest(report, db_url, "--run-id", f"interrupted-{attempt}")
        if not wait_until_reading(proc, report):
            assert proc.poll() is not None, "the ingest never opened the report"
        time.sleep(rng.uniform(0.0, took * 0.4))
        kill(proc, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        text = (out + err).decode()
        assert "Traceback" not in text, text
        if proc.returncode == 0:
            continue
        interrupted += 1
        assert proc.returncode == 130, text
        assert_store_sound(db_url, backend, cases)
        if f"interrupted-{attempt}" in run_rows_ids(db_url):
            # Ctrl-C after the commit (during the summary, mapping or integrity check): the run is
            # whole, and the message says it was stored instead of "nothing was written".
            assert err.decode().strip().splitlines()[-1] == (
                f"ccdash-tests: interrupted after run interrupted-{attempt} was stored; "
                f"see it with: ccdash-tests runs show interrupted-{attempt}"
            )
            continue
        assert out == b""
        assert err.decode().strip().splitlines() == ["ccdash-tests: interrupted; nothing was written"]
    assert interrupted >= 2
    _, document = full_ingest(report, db_url, "interrupted-0")
    assert document["total_tests"] == cases


# The child records, as the report is first read, which modules are already loaded, then ingests.
SPY_ON_FIRST_READ = """
import runpy, sys
import ccdash_tests.commands.ingest_run as ingest_run
build = ingest_run.build_request
def spy(*args, **kwargs):
    print("loaded:", " ".join(m for m in ("psycopg", "decimal") if m in sys.modules), file=sys.stderr)
    return build(*args, **kwargs)
ingest_run.build_request = spy
sys.argv = ["ccdash-tests", *sys.argv[1:]]
runpy.run_module("ccdash_tests", run_name="__main__")
"""


def test_the_postgresql_driver_is_loaded_before_the_report_is_read(
    backend: str, db_url: str, tmp_path: Path
) -> None:
    # A Ctrl-C inside psycopg's import of decimal half-initialises the C module: its next import writes
    # a libmpdec warning beside our one-line message (seen once in the SIGINT test above). The driver is
    # imported before the report is opened, where that test's interrupts land; SQLite never loads it.
    report = write_big_junit(tmp_path / "small.xml", 3)
    done = subprocess.run(
        [sys.executable, "-c", SPY_ON_FIRST_READ, "ingest", str(report), "--db", db_url, "--quiet"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.splitlines()[0].split()[1:]
    assert loaded == (["psycopg", "decimal"] if backend == "postgresql" else []), done.stderr


def test_an_interrupt_before_the_commit_mark_says_nothing_was_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(CommandExit) as raised, user_errors(), stored_once_committed():
        raise KeyboardInterrupt
    assert raised.value.exit_code == 130
    assert capsys.readouterr().err.splitlines() == ["ccdash-tests: interrupted; nothing was written"]


def test_an_interrupt_after_the_commit_mark_says_stored_up_to_the_blocks_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The store closes inside the block: Ctrl-C there comes after the COMMIT and must not deny it.
    with pytest.raises(CommandExit) as raised, user_errors(), stored_once_committed() as stored:
        stored.run_id = "r2"
        raise KeyboardInterrupt
    assert raised.value.exit_code == 130
    assert capsys.readouterr().err.splitlines() == [
        "ccdash-tests: interrupted after run r2 was stored; see it with: ccdash-tests runs show r2"
    ]


def test_plan_landed_asks_the_store_whether_the_run_holds_every_file(tmp_path: Path) -> None:
    report = write_big_junit(tmp_path / "small.xml", 20)
    store = open_store(str(tmp_path / "store.db"))
    try:
        files = expand_inputs([str(report)])
        options = RunOptions(run_id="r1")
        request = build_request("p", files, options, None, GitInfo(None, None), utcnow())
        plan = plan_ingest(store, request, files, timestamp_given=False)
        assert not plan_landed(store, plan)  # not written yet: Ctrl-C means nothing was stored
        run_ingest(store, plan)
        assert plan_landed(store, plan)  # committed: Ctrl-C in the COMMIT's last moment kept it
    finally:
        store.close()
    assert not plan_landed(store, plan)  # a store that cannot answer counts as not landed
