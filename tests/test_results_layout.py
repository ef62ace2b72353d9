"""The five-column results row (migration 0008), on SQLite and PostgreSQL.

flaky is folded into the status column and attempts, ingest_no and artifacts live in
test_result_extras only for the results that need them. What every read command answers must not
change: a store upgraded from the nine-column layout reads as a store written by today's code, and
keeps taking ingests the same way.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from schema_support import columns, copy_to_schema_before
from typer.testing import CliRunner

from ccdash_tests import ingest
from ccdash_tests.cli import app
from ccdash_tests.identity import test_id as make_test_id
from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import (
    BAD_CODES,
    IngestRunRequest,
    ParsedCase,
    Status,
    TestDefinitionDTO,
    TestFeatureMappingDTO,
    TestResultDTO,
    TestRunDTO,
)
from ccdash_tests.store import Store, migrations, open_store
from ccdash_tests.store.queries import forensics as fq
from ccdash_tests.store.rows import FLAKY, is_flaky, status_of, stored_codes, stored_status

P = "proj"
T0 = datetime(2026, 5, 1, tzinfo=UTC)
CAUSES = ("AssertionError: expected {n}", "TimeoutError: after {n}s")
FEATURES = ("login", "search", "billing")


def case(index: int, status: Status, message: str | None = None, **options) -> ParsedCase:
    return ParsedCase(
        suite="",
        classname=f"tests.test_{FEATURES[index % 3]}",
        name=f"test_{index:02d}",
        status=status,
        duration_ms=options.pop("duration_ms", 1.5 + index),
        file=f"tests/test_{FEATURES[index % 3]}.py",
        message=message,
        **options,
    )


def mixed_cases(rng: random.Random, tests: int = 24) -> list[ParsedCase]:
    """Every shape a result can take: failures with and without text, attempts folded in one report,
    retries that still fail, flaky passes, skips with a reason, a result without a duration."""
    cases = []
    for index in range(tests):
        roll = rng.random()
        if roll < 0.12:
            status = rng.choice((Status.FAILED, Status.ERROR))
            cases.append(case(index, status, rng.choice(CAUSES).format(n=rng.randrange(5))))
        elif roll < 0.16:
            cases.append(case(index, Status.FAILED))
        elif roll < 0.22:
            cases.append(case(index, Status.FAILED, "AssertionError: first attempt"))
            cases.append(case(index, rng.choice((Status.PASSED, Status.ERROR, Status.SKIPPED)), "again"))
        elif roll < 0.26:
            cases.append(case(index, Status.FAILED, "AssertionError: still", attempts=3))
        elif roll < 0.32:
            cases.append(case(index, Status.PASSED, attempts=2, flaky=True))
        elif roll < 0.38:
            cases.append(case(index, Status.SKIPPED, "needs a GPU"))
        elif roll < 0.40:
            cases.append(case(index, Status.XFAILED, "known bug", duration_ms=None))
        else:
            cases.append(case(index, Status.PASSED))
    return cases


def run(store: Store, run_id: str, hours: float, cases: list[ParsedCase], branch: str = "main") -> None:
    ingest_request(
        store,
        IngestRunRequest(
            project_id=P, run_id=run_id, timestamp=T0 + timedelta(hours=hours), branch=branch, results=cases
        ),
    )


def build(store: Store, monkeypatch: pytest.MonkeyPatch, seed: int = 4) -> None:
    rng = random.Random(seed)
    with store.transaction():
        for index in range(30):
            store.mappings.upsert(
                TestFeatureMappingDTO(
                    project_id=P,
                    test_id=make_test_id(P, "", f"tests.test_{FEATURES[index % 3]}", f"test_{index:02d}"),
                    feature=FEATURES[index % 3],
                    provider="test",
                    confidence=1.0,
                    is_primary=True,
                )
            )
    for n in range(8):
        run(store, f"run-{n}", n, mixed_cases(rng), branch="main" if n % 3 else "dev")
    # Attempts split across write batches fold through the store, not in the batch.
    with monkeypatch.context() as patch:
        for dialect in ("sqlite", "postgresql"):
            patch.setitem(ingest.BATCH_SIZES, dialect, 3)
        run(store, "batched", 9, [*mixed_cases(rng, 8), *mixed_cases(rng, 8)])
    # A second ingest into a stored run: new tests, repeats of stored ones (dropped), attempts of new ones.
    run(
        store,
        "run-2",
        2,
        [
            case(26, Status.FAILED, "TimeoutError: after 9s"),
            case(26, Status.PASSED),
            case(27, Status.ERROR),
            case(0, Status.ERROR, "rewritten?"),
        ],
    )
    appended(store)


def appended(store: Store) -> None:
    """Results written one by one through the repository: artifacts, and a failed result flagged
    flaky (no parser writes one; the store must give back what it was given)."""
    store.runs.upsert(TestRunDTO(run_id="api", project_id=P, timestamp=T0 + timedelta(hours=12)))
    ids = [make_test_id(P, "", f"tests.test_{FEATURES[i % 3]}", f"test_{i:02d}") for i in (1, 2, 4)]
    store.results.append(
        P,
        [
            TestResultDTO(run_id="api", test_id=ids[0], status=Status.PASSED, artifact_refs=["log.txt"]),
            TestResultDTO(
                run_id="api",
                test_id=ids[1],
                status=Status.FAILED,
                flaky=True,
                attempts=4,
                error_message="AssertionError: odd",
                error_fingerprint="fp-odd",
            ),
            TestResultDTO(run_id="api", test_id=ids[2], status=Status.SKIPPED, duration_ms=2.25),
        ],
    )


def read_commands(store: Store) -> list[list[str]]:
    runs = [r for (r,) in store.engine.query("SELECT run_id FROM test_runs ORDER BY id")]
    tests = [t for (t,) in store.engine.query("SELECT test_id FROM test_definitions ORDER BY id")]
    commands = [
        ["runs", "list"],
        ["flaky"],
        ["flaky", "--threshold", "0"],
        ["failures"],
        ["failures", "--all"],
        ["failures", "--since", "2000-01-01"],
        ["health"],
        ["domains"],
        *(["timeline", "--feature", feature, "--days", "3660", "--by", "run"] for feature in FEATURES),
    ]
    for run_id in runs:
        commands.append(["runs", "show", run_id, "--all"])
    for run_id in ("run-2", "batched", "api", runs[-1]):
        commands += [
            ["runs", "show", run_id, "--status", "flaky", "--all"],
            ["runs", "show", run_id, "--status", "passed", "--all"],
            ["failures", "--run", run_id],
            ["gate", "--run", run_id, "--no-flaky-new", "--max-new-failures", "0"],
            ["export", run_id, "--format", "ctrf"],
        ]
    commands += [["history", test_id, "--limit", "100"] for test_id in tests[::4]]
    return commands


def scrubbed(document: object) -> object:
    """A JSON document without the time of the call (timeline's `since`)."""
    if isinstance(document, dict):
        document.pop("since", None)
    return document


def answers(url: str, commands: list[list[str]]) -> list[tuple[list[str], int, object]]:
    runner = CliRunner()
    found = []
    for command in commands:
        json_flag = [] if command[0] == "export" else ["--json"]
        result = runner.invoke(app, [*command, *json_flag, "--db", url, "--project", P])
        assert result.exit_code in (0, 1), (command, result.output)
        found.append((command, result.exit_code, scrubbed(json.loads(result.stdout))))
    return found


def contents(store: Store) -> dict[str, list]:
    """Every table but the migration log, sorted: two stores that hold the same compare equal."""
    found = {}
    for table in sorted(store.engine.table_names() - {"ccdash_schema_migrations"}):
        names = ", ".join(columns(store.engine, table))
        found[table] = sorted(map(tuple, store.engine.query(f"SELECT {names} FROM {table}")), key=repr)
    # A feature's key is drawn when it is first mapped by the writers, in one pass by migration 0010:
    # features are compared by name.
    feature = {pk: (project, name) for pk, project, name in found.get("test_features", [])}
    found["test_features"] = sorted(feature.values())
    found["test_run_features"] = sorted(
        (feature[row[0]], *row[1:]) for row in found.get("test_run_features", [])
    )
    return found


def test_an_upgraded_store_reads_as_a_new_one(
    db_url: str, other_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(db_url) as new:
        build(new, monkeypatch)
        commands = read_commands(new)
        copy_to_schema_before(new, other_db_url, "0008_results_narrow_row")
    with open_store(other_db_url) as upgraded:
        assert "0008_results_narrow_row" in migrations.applied_migrations(upgraded.engine)
        assert upgraded.schema_version()[0] == len(migrations.MIGRATIONS)
    with open_store(db_url) as new, open_store(other_db_url) as upgraded:
        assert contents(upgraded) == contents(new)
        extras = new.engine.query("SELECT COUNT(*) FROM test_result_extras")[0][0]
        results = new.engine.query("SELECT COUNT(*) FROM test_results")[0][0]
        assert 0 < extras < results / 3  # only the results that need one
    assert answers(other_db_url, commands) == answers(db_url, commands)
    # Both keep taking ingests the same way: a new run, and one more ingest into a run stored before
    # the upgrade (its results of the first ingest are the upgraded rows).
    for url in (db_url, other_db_url):
        with open_store(url) as store:
            run(store, "after", 20, mixed_cases(random.Random(9)))
            run(store, "run-5", 5, [case(28, Status.PASSED, attempts=2, flaky=True), case(3, Status.FAILED)])
    with open_store(db_url) as new, open_store(other_db_url) as upgraded:
        align_times_of_writing(new, upgraded)
        assert contents(upgraded) == contents(new)
        commands = read_commands(new)
    assert answers(other_db_url, commands) == answers(db_url, commands)


def align_times_of_writing(source: Store, target: Store) -> None:
    """Give `target` the times `source` wrote its runs and definitions at (taken a moment apart)."""
    with target.transaction():
        for table, column in (("test_runs", "created_at"), ("test_definitions", "first_seen")):
            rows = source.engine.query(f"SELECT {column}, id FROM {table}")
            target.engine.executemany(f"UPDATE {table} SET {column} = ? WHERE id = ?", rows)


def test_the_status_column_holds_the_flaky_flag_both_ways() -> None:
    for status in Status:
        for flaky in (False, True):
            stored = stored_status(status.code, flaky)
            assert (status_of(stored), is_flaky(stored)) == (status, flaky)
            assert stored in stored_codes([status])
    assert stored_status(Status.PASSED.code, False) == 0  # a plain pass: no body byte on SQLite
    assert stored_status(Status.PASSED.code, True) == FLAKY


def test_extras_hold_only_results_that_need_them(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    build(store, monkeypatch)
    rows = store.engine.query(
        "SELECT r.run_id, d.test_id, t.attempts, t.ingest_no, t.artifacts FROM test_result_extras t"
        " JOIN test_runs r ON r.id = t.run_pk JOIN test_definitions d ON d.id = t.test_pk"
    )
    extras = {
        (run_id, test_id): (attempts, ingest_no, artifacts)
        for run_id, test_id, attempts, ingest_no, artifacts in rows
    }
    assert extras and all(a != 1 or n != 1 or artifacts for a, n, artifacts in extras.values())
    for run_id in ("run-2", "api", "batched"):
        for result in store.results.by_run(P, run_id):
            attempts, _, artifacts = extras.get((run_id, result.test_id), (1, 1, None))
            assert result.attempts == attempts
            assert result.artifact_refs == (json.loads(artifacts) if artifacts else [])
    # The second ingest's results are told apart by their extras: the two new tests, nothing rewritten.
    assert sum(1 for (run_id, _), (_, n, _) in extras.items() if run_id == "run-2" and n == 2) == 2


def test_a_failed_result_flagged_flaky_reads_back_as_given(store: Store) -> None:
    appended_only(store)
    (odd,) = store.results.by_run(P, "api", statuses=[Status.FAILED])
    assert (odd.status, odd.flaky, odd.attempts, odd.error_fingerprint) == (Status.FAILED, True, 4, "fp-odd")
    assert [r.test_id for r in store.results.by_run(P, "api", flaky_only=True)] == [odd.test_id]
    run_pk = store.engine.query("SELECT id FROM test_runs WHERE run_id = 'api'")[0][0]
    assert [b.fingerprint for b in fq.bad_results(store.engine, [run_pk])] == ["fp-odd"]
    (passed,) = store.results.by_run(P, "api", statuses=[Status.PASSED])
    assert passed.artifact_refs == ["log.txt"] and passed.attempts == 1


def appended_only(store: Store) -> None:
    for index in (1, 2, 4):
        cls, name = f"tests.test_{FEATURES[index % 3]}", f"test_{index:02d}"
        store.definitions.get_or_create(
            TestDefinitionDTO(
                test_id=make_test_id(P, "", cls, name), project_id=P, classname=cls, name=name, base_name=name
            )
        )
    appended(store)


def test_first_seen_from_the_counts_equals_the_failing_results(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(store, monkeypatch)
    codes = ", ".join(map(str, stored_codes(BAD_CODES)))
    scanned = dict(
        store.engine.query(
            f"""
            SELECT e.fingerprint, MIN(r.timestamp || ' ' || r.run_id)
            FROM test_results x JOIN test_errors e ON e.id = x.error_pk JOIN test_runs r ON r.id = x.run_pk
            WHERE x.status IN ({codes}) AND r.project_id = ? AND e.fingerprint IS NOT NULL
            GROUP BY e.fingerprint
            """,
            (P,),
        )
    )
    assert len(scanned) >= 3
    seen = fq.first_seen(store.engine, P, sorted(scanned))
    assert {
        fp: f"{at.isoformat(timespec='microseconds')} {run_id}" for fp, (at, run_id) in seen.items()
    } == scanned
