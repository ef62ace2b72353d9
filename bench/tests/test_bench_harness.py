"""The benchmark harness measures what it claims: deterministic reports, a faithful floor, real RSS."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import run  # noqa: E402
import year  # noqa: E402

from ccdash_tests import identity  # noqa: E402
from ccdash_tests.models import Status  # noqa: E402
from ccdash_tests.parsers import parse_report  # noqa: E402
from ccdash_tests.store import open_store  # noqa: E402


def product_cases(path: Path) -> list:
    return list(parse_report(path).cases)


def test_generator_is_deterministic_and_seeded(tmp_path: Path) -> None:
    for fmt, writer in generate.WRITERS.items():
        one, two, other = tmp_path / f"1.{fmt}", tmp_path / f"2.{fmt}", tmp_path / f"3.{fmt}"
        writer(one, 500, 5)
        writer(two, 500, 5)
        writer(other, 500, 6)
        assert one.read_bytes() == two.read_bytes()
        assert one.read_bytes() != other.read_bytes()


def test_both_formats_carry_the_same_tests_and_outcomes(tmp_path: Path) -> None:
    count = 3000
    generate.write_junit(tmp_path / "r.xml", count)
    generate.write_pytest_json(tmp_path / "r.json", count)
    junit, pyjson = product_cases(tmp_path / "r.xml"), product_cases(tmp_path / "r.json")
    assert len(junit) == len(pyjson) == count

    def keyed(cases: list) -> list[tuple[str, Status]]:
        return [(identity.test_id("bench", c.suite, c.classname, c.name), c.status) for c in cases]

    assert keyed(junit) == keyed(pyjson)
    assert len({key for key, _ in keyed(junit)}) == count
    statuses = Counter(status for _, status in keyed(junit))
    expected = Counter(case.outcome for case in generate.cases(count))
    assert statuses[Status.FAILED] == expected["failed"] > 0.01 * count
    assert statuses[Status.SKIPPED] == expected["skipped"] > 0.02 * count
    assert statuses[Status.XFAILED] == expected["xfailed"] > 0


def test_report_path_caches_by_shape(tmp_path: Path) -> None:
    first = generate.report_path(tmp_path, "junit", 100)
    stamp = first.stat().st_mtime_ns
    assert generate.report_path(tmp_path, "junit", 100) == first
    assert first.stat().st_mtime_ns == stamp
    assert generate.report_path(tmp_path, "junit", 101) != first


@pytest.mark.parametrize("fmt", list(generate.WRITERS))
def test_floor_stores_the_product_test_ids_on_sqlite(tmp_path: Path, fmt: str) -> None:
    report = generate.report_path(tmp_path, fmt, 1000)
    db = tmp_path / "floor.db"
    child = run.run_child(run.floor_argv(fmt, report, "sqlite", str(db)), tmp_path)
    assert child.returncode == 0, child.stderr
    with sqlite3.connect(db) as conn:
        stored = {test_id for (test_id,) in conn.execute("SELECT test_id FROM defs")}
        statuses = Counter(code for (code,) in conn.execute("SELECT status FROM results"))
        texts = conn.execute("SELECT COUNT(*), COUNT(DISTINCT text_hash) FROM texts").fetchone()
        linked = conn.execute("SELECT COUNT(*) FROM results WHERE error_pk IS NOT NULL").fetchone()[0]
        runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    expected = product_cases(report)
    assert stored == {identity.test_id("bench", c.suite, c.classname, c.name) for c in expected}
    assert statuses[Status.FAILED.code] == sum(c.status is Status.FAILED for c in expected)
    # the floor does the product's storage work too: one run row, failure texts stored once each
    assert runs == 1
    assert linked == statuses[Status.FAILED.code] and 0 < texts[0] == texts[1] <= linked


def test_floor_copies_into_postgresql(tmp_path: Path) -> None:
    url = os.environ.get("CCDASH_TESTS_POSTGRES_URL")
    if not url:
        pytest.skip("CCDASH_TESTS_POSTGRES_URL is not set")
    import psycopg

    # 20,000 rows: the backend's CPU is counted in clock ticks (10 ms), and 1,000 rows of COPY could
    # take less than one on an idle server, reading 0.
    report = generate.report_path(tmp_path, "junit", 20_000)
    with run.fresh_target("postgresql", tmp_path, url) as target:
        measured = run.run_measured("floor", run.floor_args("junit", report, "postgresql", target), tmp_path)
        assert measured.child.returncode == 0, measured.child.stderr
        with psycopg.connect(target) as conn:
            assert conn.execute("SELECT COUNT(*) FROM results").fetchone() == (20_000,)
    # the server backend's CPU is read from /proc before the connection closes: it did real work
    assert measured.cpu_s > 0 and measured.server_cpu_s > 0


def test_run_child_reports_that_childs_own_peak_memory(tmp_path: Path) -> None:
    ballast = bytearray(400 * 1024 * 1024)  # a large parent must not inflate its children's figures
    ballast[:: 1 << 12] = b"1" * len(ballast[:: 1 << 12])
    small = run.run_child([sys.executable, "-c", "pass"], tmp_path)
    big = run.run_child(
        [sys.executable, "-c", "x = bytearray(300 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"],
        tmp_path,
    )
    del ballast
    assert small.max_rss_mb < 100
    assert 300 < big.max_rss_mb < 390
    failing = run.run_child([sys.executable, "-c", "raise SystemExit(3)"], tmp_path)
    assert failing.returncode == 3


def test_small_run_writes_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = [
        *("--sizes", "300", "--formats", "junit", "--no-pg", "--year", "skip", "--mapping-tests", "200"),
        *("--startup-repeats", "1"),
    ]
    code = run.main([*small, "--out", str(tmp_path)])
    assert code == 0
    document = json.loads((tmp_path / "latest.json").read_text())
    (row,) = document["ingest"]
    assert (row["format"], row["backend"], row["cases"]) == ("junit", "sqlite", 300)
    assert row["cli_s"] > 0 and row["floor_s"] > 0 and row["reingest_s"] > 0
    assert row["cli_cpu_s"] > 0 and row["floor_cpu_s"] > 0 and row["reingest_cpu_s"] > 0
    assert row["cli_server_cpu_s"] == 0  # SQLite: no server
    assert row["cli_rss_mb"] > 20
    startup = {(r["command"], r["tree"]): r for r in document["startup"]}
    ingest, floor = run.SMALL_INGEST_LABEL, run.SMALL_FLOOR_LABEL
    assert set(startup) == {
        ("imports only", "-"),
        (floor, "-"),
        ("--version", "this"),
        ("runs list --json", "this"),
        (ingest, "this"),
    }
    assert startup["imports only", "-"]["ratio"] == 1.0 and startup["--version", "this"]["cpu_s"] > 0
    # The ingest's ratio is to the floor it alternated with, and it is held to the 1,000-case goal.
    assert startup[floor, "-"]["ratio"] == 1.0 and startup[ingest, "this"]["against"] == "floor"
    assert startup[ingest, "this"]["ratio"] > 1.0 and startup[ingest, "this"]["goal"] == 3.0
    resolver, after_ingest = document["mapping"]
    assert (resolver["tests"], after_ingest["backend"], after_ingest["tests"]) == (200, "sqlite", 200)
    assert resolver["cpu_s"] > 0 and after_ingest["cpu_s"] > 0
    printed = capsys.readouterr().out
    assert "| junit | sqlite | 300 |" in printed
    assert "| resolve_after_ingest (new tests) | sqlite | 200 |" in printed


def test_compare_measures_both_checkouts_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--sizes", "200", "--formats", "junit", "--no-pg", "--year", "skip", "--startup-repeats", "1"]
    assert run.main([*args, "--compare", "HEAD", "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "latest.json").read_text())
    assert document["compare"]["ref"] == "HEAD"
    ((old, new),) = document["compare"]["ingest"]
    assert old["cases"] == new["cases"] == 200 and old["cli_cpu_s"] > 0 and new["cli_cpu_s"] > 0
    assert {r["tree"] for r in document["startup"]} == {"-", "HEAD", "this"}
    assert (tmp_path / "compare" / "tree" / "ccdash_tests" / "cli.py").exists()
    assert "| junit sqlite 200 |" in capsys.readouterr().out


def test_year_build_holds_the_mix_and_is_cached(tmp_path: Path) -> None:
    runs = 3
    path, facts = year.cached(tmp_path, runs=runs)
    assert facts["results"] == runs * year.TESTS
    stamp = path.stat().st_mtime_ns
    assert year.cached(tmp_path, runs=runs)[0].stat().st_mtime_ns == stamp
    with open_store(str(path)) as store:
        stored = store.runs.list_by_project(year.PROJECT, limit=10)
        assert len(stored) == runs
        for stored_run in stored:
            assert stored_run.total_tests == year.TESTS
            assert stored_run.skipped_tests == len(year.SKIPPED_TESTS)
        assert store.mappings.by_feature(year.PROJECT, "auth-feature-0")


def test_year_mix_breaks_one_test_for_a_week() -> None:
    import random

    tests = year.shapes()
    rng = random.Random(1)
    day = year.BROKEN_DAYS[0]
    before = year.run_cases((day - 1) * year.RUNS_PER_DAY, tests, rng)
    during = year.run_cases(day * year.RUNS_PER_DAY, tests, rng)
    assert during[year.BROKEN_TEST].status is Status.FAILED
    assert before[year.BROKEN_TEST].status is not Status.FAILED
    bad = sum(case.status.is_bad for case in during)
    assert 1 <= bad <= 40


def test_run_child_kills_the_whole_child_on_timeout(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    script = f"import time, pathlib; time.sleep(3); pathlib.Path({str(marker)!r}).write_text('x')"
    child = run.run_child([sys.executable, "-c", script], tmp_path, timeout=0.5)
    assert child.timed_out and child.max_rss_mb is None
    assert not marker.exists(), "run_child waited for the child instead of killing it"
    import time

    time.sleep(3.5)  # past the moment a surviving child would write the marker
    assert not marker.exists()


def test_read_commands_are_found_although_the_cli_loads_them_lazily() -> None:
    known = run.registered_commands()
    assert {command for command, _ in run.read_commands("t").values()} <= known


def test_budget_runs_the_real_ingest_and_its_parts_add_up(tmp_path: Path) -> None:
    report = generate.report_path(tmp_path, "junit", 200)
    store = tmp_path / "budget.db"
    done = subprocess.run(
        [sys.executable, str(BENCH / "budget.py"), str(report), str(store), "--project", "p"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    rows = [line.strip("|").split(" | ") for line in done.stdout.splitlines()[2:]]
    spent = {label.strip(): int(ms) for label, ms in rows}
    *parts, (total_label, total) = spent.items()
    assert total_label == "total (this process)"
    # No Typer group: the measured argv takes the fast path (cli.py), which never imports Typer; no Rich
    # group: its summary goes to a pipe, written by output/plain.py, which never imports Rich; no Pydantic
    # group: the ingest path's records are plain classes (records.py).
    labels = [label for label, _ in parts]
    assert labels[:3] == ["interpreter and site", "budget.py: its imports and options", "sqlite3"]
    assert "parse and write" in spent and "summary: print" in spent
    # Rounding each row to a millisecond is the only slack between the parts and the total.
    assert abs(sum(ms for _, ms in parts) - total) <= len(parts)
    # The command really ran: its summary went to stderr and the run is stored.
    assert "200 new results" in done.stderr
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM test_runs WHERE project_id = 'p'").fetchone() == (1,)
