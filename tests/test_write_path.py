"""The ingest's cheap write path (store/writer.py) on both engines: keys made in the transaction, plain
inserts into a new run, totals counted while writing; each agrees with what the store recounts."""

from __future__ import annotations

from datetime import UTC, datetime

from ccdash_tests import ingest
from ccdash_tests.identity import test_id
from ccdash_tests.ingest import ingest_request
from ccdash_tests.models import IngestRunRequest, ParsedCase, Status, TestDefinitionDTO, TestRunDTO
from ccdash_tests.store import Store
from ccdash_tests.store import writer as w
from ccdash_tests.store.rows import FLAKY

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def case(
    name: str, status: Status, duration_ms: float | None = 1.0, message: str | None = None
) -> ParsedCase:
    return ParsedCase(
        suite="s", classname="pkg.T", name=name, status=status, duration_ms=duration_ms, message=message
    )


def small_batches(monkeypatch, size: int) -> None:
    """Several write batches per run on either engine."""
    for dialect in ("sqlite", "postgresql"):
        monkeypatch.setitem(ingest.BATCH_SIZES, dialect, size)


def stored_totals(store: Store, run: TestRunDTO) -> tuple:
    """What close_run would set from the stored rows alone."""
    pk = store.engine.query("SELECT id FROM test_runs WHERE run_id = ?", (run.run_id,))[0][0]
    counts, flaky, duration_ms = w.run_totals(store.engine, pk)
    return {s: n for s, n in counts.items() if n}, flaky, duration_ms


def as_totals(run: TestRunDTO) -> tuple:
    return {s: n for s, n in run.status_counts.items() if n}, run.flaky_tests, run.duration_ms


def test_new_run_totals_counted_while_writing_match_the_stored_rows(store: Store, monkeypatch) -> None:
    small_batches(monkeypatch, 3)  # several batches, keys made in each
    cases = [case(f"t{i}", [Status.PASSED, Status.FAILED, Status.SKIPPED][i % 3], i + 0.5) for i in range(10)]
    cases.append(case("t_none", Status.PASSED, None, None))
    cases[4] = case("t4", Status.FAILED, 2.0, "boom")
    outcome = ingest_request(
        store, IngestRunRequest(project_id="p", run_id="r1", timestamp=NOW, results=cases)
    )
    assert outcome.new_results == 11
    run = outcome.run
    assert as_totals(run) == stored_totals(store, run)
    assert run.total_tests == 11 and run.failed_tests == 3 and run.passed_tests == 5
    keys = store.engine.query("SELECT id FROM test_definitions WHERE project_id = 'p' ORDER BY id")
    assert len({k for (k,) in keys}) == 11
    # a second run reuses every definition key and makes none
    again = ingest_request(store, IngestRunRequest(project_id="p", run_id="r2", timestamp=NOW, results=cases))
    assert store.engine.query("SELECT COUNT(*) FROM test_definitions")[0][0] == 11
    assert as_totals(again.run) == as_totals(run)


def test_attempts_across_batches_fold_and_totals_are_recounted(store: Store, monkeypatch) -> None:
    small_batches(monkeypatch, 2)
    cases = [
        case("a", Status.FAILED, 1.0, "first try"),
        case("b", Status.PASSED),
        case("c", Status.PASSED),
        case("a", Status.PASSED, 2.0),  # a later batch: the fold upserts it into the same row
    ]
    run = ingest_request(
        store, IngestRunRequest(project_id="p", run_id="r", timestamp=NOW, results=cases)
    ).run
    assert run.total_tests == 3 and run.passed_tests == 3 and run.flaky_tests == 1
    assert as_totals(run) == stored_totals(store, run)
    (row,) = store.engine.query(
        "SELECT x.status, t.attempts, x.duration_us FROM test_results x"
        " JOIN test_definitions d ON d.id = x.test_pk"
        " JOIN test_result_extras t ON t.run_pk = x.run_pk AND t.test_pk = x.test_pk WHERE d.name = 'a'"
    )
    assert row == (Status.PASSED.code + FLAKY, 2, 3000)


def test_a_run_that_exists_without_results_gets_them_through_the_upsert(store: Store) -> None:
    # A run row made through the repository (ingest_count 0), then ingested: not "created" by the ingest.
    store.runs.upsert(TestRunDTO(run_id="r", project_id="p", timestamp=NOW))
    outcome = ingest_request(
        store,
        IngestRunRequest(
            project_id="p",
            run_id="r",
            timestamp=NOW,
            results=[case("a", Status.PASSED), case("b", Status.ERROR)],
        ),
    )
    assert outcome.new_results == 2
    assert as_totals(outcome.run) == stored_totals(store, outcome.run)
    assert outcome.run.failed_tests == 1


def definition(name: str) -> TestDefinitionDTO:
    return TestDefinitionDTO(
        test_id=test_id("p", "s", "pkg.T", name),
        project_id="p",
        suite="s",
        classname="pkg.T",
        name=name,
        base_name=name,
        first_seen=NOW,
    )


def test_keys_made_in_the_transaction_do_not_collide_with_default_keys(store: Store) -> None:
    store.definitions.get_or_create(definition("by_repository"))
    ingest_request(
        store, IngestRunRequest(project_id="p", run_id="r", timestamp=NOW, results=[case("x", Status.PASSED)])
    )
    store.definitions.get_or_create(definition("by_repository_later"))
    rows = store.engine.query("SELECT id, name FROM test_definitions ORDER BY id")
    assert [name for _, name in rows] == ["by_repository", "x", "by_repository_later"]
    assert len({key for key, _ in rows}) == 3


def colliding_names(project: str) -> tuple[str, str]:
    """Two test names whose ids share the first six hex digits: one slot of DefinitionWriter.made."""
    seen: dict[str, str] = {}
    index = 0
    while True:
        name = f"t{index}"
        slot = test_id(project, "s", "pkg.T", name)[:6]
        if slot in seen:
            return seen[slot], name
        seen[slot] = name
        index += 1


def test_a_new_project_looks_up_only_what_it_made_and_a_shared_slot_is_no_match(
    store: Store, monkeypatch
) -> None:
    """Into a project with no definitions, only ids whose slot this ingest marked are looked up: an
    attempt in a later batch finds its key, and an id that only shares a slot gets a definition of its
    own. A second ingest of the project (no longer empty) looks every id up."""
    small_batches(monkeypatch, 2)
    first, second = colliding_names("p")
    cases = [
        case(first, Status.FAILED, 1.0, "boom"),
        case("other", Status.PASSED),
        case(second, Status.PASSED),  # shares first's slot: looked up, not found, made
        case(first, Status.PASSED),  # an attempt of first: looked up and found
    ]
    run = ingest_request(
        store, IngestRunRequest(project_id="p", run_id="r1", timestamp=NOW, results=cases)
    ).run
    rows = store.engine.query("SELECT name, id FROM test_definitions WHERE project_id = 'p'")
    assert sorted(name for name, _ in rows) == sorted([first, second, "other"])
    assert run.total_tests == 3 and run.flaky_tests == 1
    assert as_totals(run) == stored_totals(store, run)
    keys = dict(rows)
    again = ingest_request(
        store,
        IngestRunRequest(
            project_id="p", run_id="r2", timestamp=NOW, results=[*cases, case("new", Status.PASSED)]
        ),
    ).run
    after = dict(store.engine.query("SELECT name, id FROM test_definitions WHERE project_id = 'p'"))
    assert {name: after[name] for name in keys} == keys and len(after) == 4
    assert again.total_tests == 4


def test_tests_without_a_path_counted_while_writing_match_the_stored_definitions(store: Store) -> None:
    """A new run into a new project counts its pathless tests from what it wrote; the count equals the
    store's, through first cases, same-batch repeats (no backfill) and later batches (backfill)."""
    from ccdash_tests.ingest import RunWriter

    def at(name: str, file: str | None) -> ParsedCase:
        return ParsedCase(suite="s", classname="pkg.T", name=name, status=Status.PASSED, file=file)

    batches = [
        [
            at("a", None),
            at("b", "t/b.py"),
            at("c", None),
            at("c", "t/c.py"),
            at("d", None),
            at("e", "t/e.py"),
        ],
        [at("d", "t/d.py"), at("e", None), at("f", None), at("a", None)],
    ]
    # r1 counts a, c (its path came only in the batch that made it) and f; r2 finds the project's
    # definitions stored, so the store counts, and c's path is backfilled then: a and f.
    for run_id, expected in (("r1", 3), ("r2", 2)):
        with store.transaction():
            opened = w.open_run(store.engine, IngestRunRequest(project_id="p", run_id=run_id, timestamp=NOW))
            writer = RunWriter(store, "p", opened)
            for batch in batches:
                writer.write(batch)
            counted = writer.without_path()
            stored = w.count_without_path(store.engine, opened.pk, opened.ingest_no)
        assert counted == stored == expected, run_id


def test_a_batch_that_repeats_a_new_test_makes_its_definition_from_its_first_case(store: Store) -> None:
    """Keys go to new tests in the order of their first case, and a repeated test's definition is that
    first case's (path and line included), into a new project and into one that has definitions."""

    def at(name: str, file: str | None, line: int | None = None) -> ParsedCase:
        return ParsedCase(suite="s", classname="pkg.T", name=name, status=Status.PASSED, file=file, line=line)

    runs = [
        ("r1", [at("x", None), at("y", "t/y.py", 3), at("x", "t/x.py", 7), at("z", None)]),
        (
            "r2",
            [at("x", None), at("w", "t/w.py", 1), at("v", None), at("w", "t/other.py", 9), at("v", "t/v.py")],
        ),
    ]
    for run_id, cases in runs:
        ingest_request(store, IngestRunRequest(project_id="p", run_id=run_id, timestamp=NOW, results=cases))
    rows = store.engine.query(
        "SELECT name, path, line FROM test_definitions WHERE project_id = 'p' ORDER BY id"
    )
    # x's path comes only from a later case of the batch that made it: definitions made in a batch are
    # not backfilled from that batch (ingest.RunWriter.write), so it stays without one, as before.
    assert rows == [
        ("x", None, None),
        ("y", "t/y.py", 3),
        ("z", None, None),
        ("w", "t/w.py", 1),
        ("v", None, None),
    ]
