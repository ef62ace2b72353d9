"""PostgreSQL going away mid-ingest: exit 3, a clear message, no partial run; the next ingest works."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest
from factories import write_big_junit
from reliability_support import orphan_counts, pg_admin, run_rows, start_ingest

pytestmark = pytest.mark.postgres

CASES = 20_000


def find_backend(admin_url: str, app_name: str, written: bool, timeout: float = 120.0) -> int | None:
    """The server process serving the ingest; with `written`, only once its transaction has written."""
    deadline = time.monotonic() + timeout
    with pg_admin(admin_url) as admin:
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
                + (" AND backend_xid IS NOT NULL" if written else ""),
                (app_name,),
            ).fetchone()
            if row:
                return row[0]
            time.sleep(0.02)
    return None


def assert_clean_store_error(out: bytes, err: bytes) -> None:
    message = err.decode()
    assert out == b""
    assert "Traceback" not in message
    lines = message.strip().splitlines()
    assert 1 <= len(lines) <= 2, message
    assert lines[0].startswith("ccdash-tests: ") and "PostgreSQL" in lines[0], message


@pytest.mark.parametrize("moment", ["while writing", "on connect"])
def test_terminated_backend_mid_ingest(
    postgres_schema_url: str, postgres_url: str, tmp_path: Path, moment: str
) -> None:
    report = write_big_junit(tmp_path / "big.xml", CASES)
    app_name = f"ccdash-outage-{secrets.token_hex(4)}"
    url = f"{postgres_schema_url}&application_name={app_name}"
    # Several moments while writing: the connection may be lost inside a bulk insert or between two.
    delays = [0.05, 0.2, 0.4, 0.7, 1.0, 1.5] if moment == "while writing" else [0.0]
    killed = 0
    for attempt, delay in enumerate(delays):
        proc = start_ingest(report, url, "--run-id", f"outage-{attempt}")
        pid = find_backend(postgres_url, app_name, written=moment == "while writing")
        assert pid is not None, proc.communicate()[1].decode()
        time.sleep(delay)
        with pg_admin(postgres_url) as admin:
            terminated = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        out, err = proc.communicate(timeout=120)
        if not terminated or proc.returncode == 0:
            # The ingest finished before the kill landed (a fast machine, a late delay), or the kill
            # found its connection done with its last statement and only closing: a whole run.
            assert proc.returncode == 0, err.decode()
            assert (f"outage-{attempt}", CASES, CASES) in run_rows(postgres_schema_url)
        else:
            killed += 1
            assert proc.returncode == 3, err.decode()
            assert_clean_store_error(out, err)
        # Absent, or whole when the server committed just before the connection went (the client
        # cannot know: exit 3 then, and a repeated ingest stores nothing new).
        assert all((total, stored) == (CASES, CASES) for _, total, stored in run_rows(postgres_schema_url))
        assert orphan_counts(postgres_schema_url) == {"results_without_run": 0, "duplicate_definitions": 0}
    assert killed >= (len(delays) + 1) // 2, f"only {killed} of {len(delays)} kills landed mid-ingest"

    again = start_ingest(report, url, "--run-id", "outage-0")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err.decode()
    document = json.loads(out)
    assert document["total_tests"] == CASES
    assert document["new_results"] + document["already_stored"] == CASES
    rows = run_rows(postgres_schema_url)
    assert ("outage-0", CASES, CASES) in rows
    assert all((total, stored) == (CASES, CASES) for _, total, stored in rows)
