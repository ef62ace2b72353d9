"""Helpers shared by the reliability tests: the CLI as a real process, and store probes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from ccdash_tests.store import open_store

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "ccdash_tests"]


def cli_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CCDASH_TESTS_DB", "CCDASH_TESTS_PROJECT"))
    }
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def start_ingest(report: Path, db: str, *args: str, project: str = "p") -> subprocess.Popen[bytes]:
    """`ccdash-tests ingest` as a separate process (its own process group, so signals reach only it)."""
    return subprocess.Popen(
        [*CLI, "ingest", str(report), "--db", db, "--project", project, "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
        cwd=report.parent,
        start_new_session=True,
    )


def wait_until_reading(proc: subprocess.Popen[bytes], report: Path, timeout: float = 30.0) -> bool:
    """Wait until the process has the report open (it is past start-up and inside the ingest)."""
    target = str(report.resolve())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            for fd in os.listdir(f"/proc/{proc.pid}/fd"):
                try:
                    if os.readlink(f"/proc/{proc.pid}/fd/{fd}") == target:
                        return True
                except OSError:
                    continue
        except OSError:
            return False
        time.sleep(0.01)
    return False


def kill(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)


def file_state(db: Path) -> dict[str, str | None]:
    """sha256 of the database file and of its -wal companion (None when absent)."""
    state: dict[str, str | None] = {}
    for suffix in ("", "-wal"):
        path = Path(str(db) + suffix)
        state[suffix or "db"] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return state


def run_rows(db: str, project: str = "p") -> list[tuple[str, int, int]]:
    """(run_id, total_tests, results actually stored) for every run of the project."""
    with open_store(db) as store:
        return [
            (run_id, total, stored)
            for run_id, total, stored in store.engine.query(
                """
                SELECT r.run_id, r.total_tests, (SELECT COUNT(*) FROM test_results x WHERE x.run_pk = r.id)
                FROM test_runs r WHERE r.project_id = ? ORDER BY r.run_id
                """,
                (project,),
            )
        ]


def orphan_counts(db: str) -> dict[str, int]:
    """Rows that no committed run explains: results of missing runs, definitions no result uses."""
    with open_store(db) as store:
        query = store.engine.query
        return {
            "results_without_run": query(
                "SELECT COUNT(*) FROM test_results x WHERE NOT EXISTS "
                "(SELECT 1 FROM test_runs r WHERE r.id = x.run_pk)"
            )[0][0],
            "duplicate_definitions": query(
                "SELECT COUNT(*) FROM (SELECT project_id, test_id FROM test_definitions "
                "GROUP BY project_id, test_id HAVING COUNT(*) > 1) d"
            )[0][0],
        }


def pg_admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)
