"""SQL of the forensics commands (history, flaky, failures, timeline), written once for both engines.

Every query reaches results through one of the two access paths that stay fast on a year of data:
the primary key (test_pk, run_pk), for one test's or one feature's history, and the partial index
ix_test_results_unusual (run_pk, status) of results that did not simply pass, for the failing
results of chosen runs (its condition, rows.UNUSUAL, is written into those queries). Runs are picked
first (the latest N, or those since a time) from the small runs table, and only then are their results
read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from ccdash_tests.models import BAD_CODES, Status, TestDefinitionDTO
from ccdash_tests.store.engine import Engine, Row
from ccdash_tests.store.rows import (
    ATTEMPTS,
    DECODED,
    DEFINITION_COLUMNS,
    EXTRAS,
    FLAKY,
    UNUSUAL,
    chunks,
    db_time,
    definition_from_row,
    is_flaky,
    marks,
    status_in,
    status_of,
    stored_codes,
    stored_status,
)

BAD_STORED = stored_codes(BAD_CODES)  # failed or errored, flaky or not (rows.FLAKY)
PASSES_NOT = f"NOT {status_in([Status.PASSED])}"

# Well under SQLite's bound-variable limit, and small enough to keep query plans simple.
CHUNK = 500

RUN_REF_COLUMNS = (
    "r.id, r.run_id, r.timestamp, r.git_sha, r.branch, r.agent_session_id, r.failed_tests, r.flaky_tests"
)


@dataclass(frozen=True, slots=True)
class RunRef:
    """The facts about a run that forensics shows, with its integer key."""

    pk: int
    run_id: str
    timestamp: datetime
    git_sha: str | None
    branch: str | None
    session: str | None
    failed_tests: int = 0
    flaky_tests: int = 0


def run_ref_from_row(row: Row) -> RunRef:
    return RunRef(row[0], row[1], datetime.fromisoformat(row[2]), row[3], row[4], row[5], row[6], row[7])


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One test's result in one run, with the run's facts and the failure text's first parts."""

    run: RunRef
    status: Status
    duration_us: int | None
    attempts: int
    flaky: bool
    fingerprint: str | None
    message: str | None
    details: str | None


class Outcome(NamedTuple):
    """One result reduced to what flakiness needs (a tuple: hundreds of thousands are built at once)."""

    test_pk: int
    run_pk: int
    status: Status
    flaky: bool
    attempts: int


@dataclass(frozen=True, slots=True)
class BadResult:
    """One failed or errored result and the fingerprint of its failure text (None: no text)."""

    fingerprint: str | None
    test_pk: int
    run_pk: int
    error_pk: int | None


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    error_type: str | None
    message: str | None
    details: str | None


def chunked(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    return chunks(items, CHUNK)


# --- runs -------------------------------------------------------------------------------------------


def latest_runs(engine: Engine, project: str, limit: int) -> list[RunRef]:
    """The latest `limit` runs of the project, oldest first (run order: timestamp, then key)."""
    rows = engine.query(
        f"SELECT {RUN_REF_COLUMNS} FROM test_runs r WHERE r.project_id = ? "
        "ORDER BY r.timestamp DESC, r.id DESC LIMIT ?",
        (project, limit),
    )
    return [run_ref_from_row(row) for row in reversed(rows)]


def runs_since(engine: Engine, project: str, since: datetime | None) -> list[RunRef]:
    """Every run at or after `since` (all runs when None), oldest first."""
    where, params = ("r.project_id = ?", [project])
    if since is not None:
        where += " AND r.timestamp >= ?"
        params.append(db_time(since))
    rows = engine.query(
        f"SELECT {RUN_REF_COLUMNS} FROM test_runs r WHERE {where} ORDER BY r.timestamp, r.id", params
    )
    return [run_ref_from_row(row) for row in rows]


def run_by_id(engine: Engine, project: str, run_id: str) -> RunRef | None:
    rows = engine.query(
        f"SELECT {RUN_REF_COLUMNS} FROM test_runs r WHERE r.project_id = ? AND r.run_id = ?",
        (project, run_id),
    )
    return run_ref_from_row(rows[0]) if rows else None


def runs_by_pk(engine: Engine, pks: Iterable[int]) -> list[RunRef]:
    """These runs in run order (timestamp, then key)."""
    found: list[RunRef] = []
    for part in chunked(sorted(set(pks))):
        rows = engine.query(
            f"SELECT {RUN_REF_COLUMNS} FROM test_runs r WHERE r.id IN ({marks(len(part))})", part
        )
        found.extend(run_ref_from_row(row) for row in rows)
    return sorted(found, key=lambda run: (run.timestamp, run.pk))


def run_count(engine: Engine, project: str) -> int:
    return int(engine.query("SELECT COUNT(*) FROM test_runs WHERE project_id = ?", (project,))[0][0])


def pk_bounds(runs: Iterable[RunRef]) -> tuple[int, int]:
    """The key range that holds these runs: a range on run_pk rides the (test_pk, run_pk) key."""
    keys = [run.pk for run in runs]
    return min(keys), max(keys)


# --- definitions ------------------------------------------------------------------------------------


def definition_pk(engine: Engine, project: str, test_id: str) -> int | None:
    rows = engine.query(
        "SELECT id FROM test_definitions WHERE project_id = ? AND test_id = ?", (project, test_id)
    )
    return rows[0][0] if rows else None


def definitions_by_pk(engine: Engine, pks: Iterable[int]) -> dict[int, TestDefinitionDTO]:
    wanted = sorted(set(pks))
    found: dict[int, TestDefinitionDTO] = {}
    for part in chunked(wanted):
        rows = engine.query(
            f"SELECT id, {DEFINITION_COLUMNS} FROM test_definitions WHERE id IN ({marks(len(part))})", part
        )
        found.update((row[0], definition_from_row(row[1:])) for row in rows)
    return found


def feature_test_pks(engine: Engine, project: str, feature: str) -> list[int]:
    """Keys of the tests whose primary mapping is `feature`."""
    rows = engine.query(
        """
        SELECT DISTINCT d.id FROM test_feature_mappings m
        JOIN test_definitions d ON d.project_id = m.project_id AND d.test_id = m.test_id
        WHERE m.project_id = ? AND m.feature = ? AND m.is_primary = ?
        ORDER BY d.id
        """,
        (project, feature, 1),
    )
    return [pk for (pk,) in rows]


# --- one test's history -----------------------------------------------------------------------------


def status_sequence(engine: Engine, test_pk: int) -> list[tuple[int, Status]]:
    """Every (run key, status) of one test, oldest run first: the light pass that finds streaks."""
    rows = engine.query(
        """
        SELECT x.run_pk, x.status FROM test_results x JOIN test_runs r ON r.id = x.run_pk
        WHERE x.test_pk = ? ORDER BY r.timestamp, r.id
        """,
        (test_pk,),
    )
    return [(run_pk, status_of(stored)) for run_pk, stored in rows]


def history_rows(engine: Engine, test_pk: int, run_pks: Sequence[int]) -> dict[int, HistoryRow]:
    """The full rows of one test in the given runs, by run key."""
    found: dict[int, HistoryRow] = {}
    for part in chunked(sorted(set(run_pks))):
        rows = engine.query(
            f"""
            SELECT {RUN_REF_COLUMNS}, x.status, x.duration_us, {ATTEMPTS},
                   e.fingerprint, e.message, e.details
            FROM test_results x
            JOIN test_runs r ON r.id = x.run_pk
            LEFT JOIN test_errors e ON e.id = x.error_pk{EXTRAS}
            WHERE x.test_pk = ? AND x.run_pk IN ({marks(len(part))})
            """,
            (test_pk, *part),
        )
        for row in rows:
            run = run_ref_from_row(row[:8])
            found[run.pk] = HistoryRow(
                run, status_of(row[8]), row[9], row[10], is_flaky(row[8]), row[11], row[12], row[13]
            )
    return found


# --- flakiness --------------------------------------------------------------------------------------


def tests_with_status(engine: Engine, run_pks: Sequence[int], codes: Sequence[int]) -> set[int]:
    """Tests with a result of one of these status codes (not passed) in these runs (the partial index
    only)."""
    stored = stored_codes(codes)
    found: set[int] = set()
    for part in chunked(run_pks):
        rows = engine.query(
            f"SELECT DISTINCT x.test_pk FROM test_results x "
            f"WHERE x.run_pk IN ({marks(len(part))}) AND x.status IN ({marks(len(stored))}) AND {UNUSUAL}",
            (*part, *stored),
        )
        found.update(pk for (pk,) in rows)
    return found


def retried_tests(engine: Engine, run_pks: Sequence[int]) -> set[int]:
    """Tests that passed only after a retry in these runs."""
    found: set[int] = set()
    for part in chunked(run_pks):
        rows = engine.query(
            f"SELECT DISTINCT x.test_pk FROM test_results x "
            f"WHERE x.run_pk IN ({marks(len(part))}) AND x.status = ? AND {UNUSUAL}",
            (*part, stored_status(Status.PASSED.code, True)),
        )
        found.update(pk for (pk,) in rows)
    return found


def outcomes(engine: Engine, test_pks: Sequence[int], runs: Sequence[RunRef]) -> list[Outcome]:
    """Results of these tests in these runs, read as key ranges (test_pk, run_pk between bounds)."""
    if not runs or not test_pks:
        return []
    low, high = pk_bounds(runs)
    wanted = {run.pk for run in runs}
    found: list[Outcome] = []
    for part in chunked(sorted(set(test_pks))):
        keys = marks(len(part))
        # Attempts other than 1 are in the extras, one range of them for these runs.
        attempts = {
            (test_pk, run_pk): count
            for run_pk, test_pk, count in engine.query(
                "SELECT run_pk, test_pk, attempts FROM test_result_extras"
                f" WHERE run_pk >= ? AND run_pk <= ? AND test_pk IN ({keys}) AND attempts <> 1",
                (low, high, *part),
            )
        }
        rows = engine.query(
            f"""
            SELECT test_pk, run_pk, status FROM test_results
            WHERE test_pk IN ({keys}) AND run_pk >= ? AND run_pk <= ?
            """,
            (*part, low, high),
        )
        decoded = DECODED
        for test_pk, run_pk, stored in rows:
            if run_pk in wanted:
                status, flaky = decoded[stored]
                tries = attempts.get((test_pk, run_pk), 1) if attempts else 1
                found.append(Outcome(test_pk, run_pk, status, flaky, tries))
    return found


# --- failure clusters -------------------------------------------------------------------------------


def bad_results(engine: Engine, run_pks: Sequence[int]) -> list[BadResult]:
    """Failed and errored results of these runs with their fingerprints."""
    found: list[BadResult] = []
    for part in chunked(run_pks):
        rows = engine.query(
            f"""
            SELECT e.fingerprint, x.test_pk, x.run_pk, x.error_pk FROM test_results x
            LEFT JOIN test_errors e ON e.id = x.error_pk
            WHERE x.run_pk IN ({marks(len(part))}) AND x.status IN ({marks(len(BAD_STORED))}) AND {UNUSUAL}
            """,
            (*part, *BAD_STORED),
        )
        found.extend(BadResult(*row) for row in rows)
    return found


def error_infos(engine: Engine, error_pks: Iterable[int]) -> dict[int, ErrorInfo]:
    wanted = sorted(set(error_pks))
    found: dict[int, ErrorInfo] = {}
    for part in chunked(wanted):
        rows = engine.query(
            f"SELECT id, error_type, message, details FROM test_errors WHERE id IN ({marks(len(part))})", part
        )
        found.update((row[0], ErrorInfo(row[1], row[2], row[3])) for row in rows)
    return found


def first_seen(engine: Engine, project: str, fingerprints: Sequence[str]) -> dict[str, tuple[datetime, str]]:
    """For each fingerprint, the earliest run of the project where a failing result carried it.

    Read from the cause counts (store/causes.py: one row per run and cause, clustered by cause), so its
    cost follows how often the cause occurred, not how big the project is, and no result is read.
    CROSS JOIN fixes that order for SQLite; PostgreSQL treats it as an ordinary join.
    """
    found: dict[str, tuple[datetime, str]] = {}
    for part in chunked(list(fingerprints)):
        rows = engine.query(
            f"""
            SELECT c.fingerprint, MIN(r.timestamp || ' ' || r.run_id)
            FROM test_run_causes c
            CROSS JOIN test_runs r
            WHERE c.fingerprint IN ({marks(len(part))}) AND r.id = c.run_pk AND r.project_id = ?
            GROUP BY c.fingerprint
            """,
            (*part, project),
        )
        for fingerprint, first in rows:
            stamp, _, run_id = first.partition(" ")
            found[fingerprint] = (datetime.fromisoformat(stamp), run_id)
    return found


# --- feature timeline -------------------------------------------------------------------------------
#
# A year holds 18,250 runs and a feature's 25 tests 456,250 results: the timeline reads no result row
# into Python but those that did not pass. How many of the feature's tests ran in each run comes from
# each test's span of runs (its first and last run, and how many results it has between them): a test
# with a result in every run of its span is counted there without reading its rows one by one.


class RunStamp(NamedTuple):
    """A run as the timeline groups it (a tuple: one per run of a year is built at once). `stamp` is
    the stored text (rows.db_time: UTC, fixed width), whose first ten characters are the UTC day."""

    pk: int
    stamp: str


class RunName(NamedTuple):
    run_id: str
    git_sha: str | None


class ResultSpan(NamedTuple):
    """How many results one test has in a range of run keys, and the keys of its first and last."""

    results: int
    first_run: int
    last_run: int


def run_stamps_since(engine: Engine, project: str, since: datetime | None) -> list[RunStamp]:
    """Every run at or after `since` (all runs when None), oldest first: key and time only, both in
    the index on (project, time), so no run row is read."""
    where, params = ("project_id = ?", [project])
    if since is not None:
        where += " AND timestamp >= ?"
        params.append(db_time(since))
    rows = engine.query(f"SELECT id, timestamp FROM test_runs WHERE {where} ORDER BY timestamp, id", params)
    return list(map(RunStamp._make, rows))


def run_names(engine: Engine, pks: Sequence[int]) -> dict[int, RunName]:
    found: dict[int, RunName] = {}
    for part in chunked(sorted(set(pks))):
        rows = engine.query(
            f"SELECT id, run_id, git_sha FROM test_runs WHERE id IN ({marks(len(part))})", part
        )
        found.update((pk, RunName(run_id, sha)) for pk, run_id, sha in rows)
    return found


def project_runs_between(engine: Engine, project: str, low: int, high: int) -> int:
    """How many runs of the project have a key in [low, high]."""
    rows = engine.query(
        "SELECT COUNT(*) FROM test_runs WHERE project_id = ? AND id >= ? AND id <= ?", (project, low, high)
    )
    return int(rows[0][0])


def result_spans(engine: Engine, test_pks: Sequence[int], low: int, high: int) -> dict[int, ResultSpan]:
    """Per test, its results with a run key in [low, high] (tests without one are left out).

    One statement for up to CHUNK tests (one round trip on PostgreSQL), each figure its own subquery on
    the (test_pk, run_pk) key: MIN and MAX alone are one probe each (sharing a statement with COUNT,
    SQLite evaluates them on every row), and COUNT steps the key without handing a row to Python.
    """
    where = "x.test_pk = d.id AND x.run_pk >= ? AND x.run_pk <= ?"
    found: dict[int, ResultSpan] = {}
    for part in chunked(sorted(set(test_pks))):
        rows = engine.query(
            f"""
            SELECT d.id,
                   (SELECT COUNT(*) FROM test_results x WHERE {where}),
                   (SELECT MIN(x.run_pk) FROM test_results x WHERE {where}),
                   (SELECT MAX(x.run_pk) FROM test_results x WHERE {where})
            FROM test_definitions d WHERE d.id IN ({marks(len(part))})
            """,
            (low, high, low, high, low, high, *part),
        )
        found.update((pk, ResultSpan(int(n), int(first), int(last))) for pk, n, first, last in rows if n)
    return found


def result_run_pks(engine: Engine, test_pk: int, low: int, high: int) -> list[int]:
    """The run keys in [low, high] of one test's results (a test with gaps in its span)."""
    rows = engine.query(
        "SELECT run_pk FROM test_results WHERE test_pk = ? AND run_pk >= ? AND run_pk <= ?",
        (test_pk, low, high),
    )
    return [pk for (pk,) in rows]


# A pass is stored as 0 or, after a retry, FLAKY; the flag is taken off the other codes in SQL.
# UNUSUAL (status <> 0) lets SQLite use ix_test_results_unusual_test (its condition, word for word):
# only the results that did not simply pass are stepped, not every result of the tests in the range.
UNPASSED_SQL = f"""
SELECT x.test_pk, x.run_pk, CASE WHEN x.status >= {FLAKY} THEN x.status - {FLAKY} ELSE x.status END
FROM test_results x
WHERE x.test_pk IN ({{keys}}) AND x.run_pk >= ? AND x.run_pk <= ? AND {UNUSUAL} AND {PASSES_NOT}
"""


def unpassed_results(
    engine: Engine, test_pks: Sequence[int], low: int, high: int
) -> list[tuple[int, int, int]]:
    """(test key, run key, status code) of these tests' results in [low, high] that did not pass
    (codes, not Status: a feature with a test skipped in every run has one such row a run)."""
    found: list[tuple[int, int, int]] = []
    for part in chunked(sorted(set(test_pks))):
        found += engine.query(UNPASSED_SQL.format(keys=marks(len(part))), (*part, low, high))
    return found


def results_per_run(engine: Engine, test_pks: Sequence[int], low: int, high: int) -> dict[int, int]:
    """Per run key in [low, high], how many of these tests have a result in it: every result's key is
    read (the general case of feature_present, and what its tests compare the spans with)."""
    counts: dict[int, int] = {}
    for part in chunked(sorted(set(test_pks))):
        rows = engine.query(
            f"""
            SELECT run_pk, COUNT(*) FROM test_results
            WHERE test_pk IN ({marks(len(part))}) AND run_pk >= ? AND run_pk <= ?
            GROUP BY run_pk
            """,
            (*part, low, high),
        )
        for run_pk, count in rows:
            counts[run_pk] = counts.get(run_pk, 0) + count
    return counts


# --- a feature's timeline from the counts kept at write time (store/features.py) --------------------


# One run of a feature: its key and stored time, the feature's results there, and how many of them had
# each status of features.COUNTED (failed, error, skipped, xfailed, xpassed). Plain tuples: a year's
# feature has 18,250 and they are read column by column.
RunCounts = tuple[int, str, int, int, int, int, int, int]


def feature_run_counts(engine: Engine, project: str, feature: str, since: datetime | None) -> list[RunCounts]:
    """The feature's counts of every run at or after `since` where one of its tests has a result, oldest
    first (time, then key): one range of test_run_features, each run's time by its key."""
    where, params = "", [project, feature]
    if since is not None:
        where, params = " AND r.timestamp >= ?", [*params, db_time(since)]
    rows = engine.query(
        f"""
        SELECT c.run_pk, r.timestamp, c.results, c.failed, c.error, c.skipped, c.xfailed, c.xpassed
        FROM test_features f CROSS JOIN test_run_features c CROSS JOIN test_runs r
        WHERE f.project_id = ? AND f.feature = ? AND c.feature_pk = f.id AND r.id = c.run_pk{where}
        """,
        params,
    )
    # Key order is nearly time order: sorting here is one pass (timsort), where SQL would build a B-tree.
    rows.sort(key=itemgetter(1, 0))
    return rows


# Only the failed and errored results, through ix_test_results_unusual_test (UNUSUAL, word for word).
FAILING_SQL = f"""
SELECT x.test_pk, x.run_pk FROM test_results x
WHERE x.test_pk IN ({{keys}}) AND x.run_pk >= ? AND x.run_pk <= ? AND {UNUSUAL} AND {status_in(BAD_CODES)}
"""


def failing_results(engine: Engine, test_pks: Sequence[int], low: int, high: int) -> list[tuple[int, int]]:
    """(test key, run key) of these tests' failed or errored results with a run key in [low, high]."""
    found: list[tuple[int, int]] = []
    for part in chunked(sorted(set(test_pks))):
        found += engine.query(FAILING_SQL.format(keys=marks(len(part))), (*part, low, high))
    return found


# --- a feature's days, summed in SQL from the kept counts (timeline --by day) ------------------------
#
# A day of a year's feature is 50 runs: summing them in the database hands Python 365 rows instead of
# 18,250. The day is the stored time's first ten characters, which is the UTC day when the time is
# stored in UTC (rows.db_time); each day says how many of its times are not, and the caller then takes
# the per-run path instead.

_FEATURE_RUNS = """
FROM test_features f CROSS JOIN test_run_features c CROSS JOIN test_runs r
WHERE f.project_id = ? AND f.feature = ? AND c.feature_pk = f.id AND r.id = c.run_pk AND r.timestamp >= ?"""
_BAD_RUN = "c.failed + c.error > 0"
_GOOD_RUN = "c.failed + c.error = 0 AND c.results > c.failed + c.error + c.skipped + c.xfailed + c.xpassed"


class DayCounts(NamedTuple):
    """One day of a feature: its runs, the first run's time, the results and those of each status of
    features.COUNTED, the bad runs, the times of the last bad and of the last good run (None when the
    day has none), the runs whose time is not stored in UTC, and the day's smallest and largest run key."""

    day: str
    runs: int
    start: str
    results: int
    failed: int
    error: int
    skipped: int
    xfailed: int
    xpassed: int
    bad_runs: int
    last_bad: str | None
    last_good: str | None
    not_utc: int
    low: int
    high: int


def feature_day_counts(engine: Engine, project: str, feature: str, since: datetime) -> list[DayCounts]:
    """The feature's counts summed per day of the stored run times, at or after `since`, oldest first."""
    rows = engine.query(
        f"""
        SELECT substr(r.timestamp, 1, 10), COUNT(*), MIN(r.timestamp), SUM(c.results), SUM(c.failed),
               SUM(c.error), SUM(c.skipped), SUM(c.xfailed), SUM(c.xpassed),
               SUM(CASE WHEN {_BAD_RUN} THEN 1 ELSE 0 END),
               MAX(CASE WHEN {_BAD_RUN} THEN r.timestamp END),
               MAX(CASE WHEN {_GOOD_RUN} THEN r.timestamp END),
               SUM(CASE WHEN r.timestamp LIKE ? THEN 0 ELSE 1 END), MIN(c.run_pk), MAX(c.run_pk)
        {_FEATURE_RUNS}
        GROUP BY substr(r.timestamp, 1, 10)
        """,
        ("%+00:00", project, feature, db_time(since)),  # a parameter: SQL text holds no '%' (engine.py)
    )
    # Sums of INTEGER columns are integers on both engines (PostgreSQL: bigint), never decimals.
    return sorted(map(DayCounts._make, rows))


def feature_run_verdicts(
    engine: Engine, project: str, feature: str, since: str, low: int
) -> list[tuple[int, str, bool | None]]:
    """(run key, stored time, verdict) of the feature's runs keyed from `low` at or after the stored time
    `since`, oldest first: bad (False) when one of its results failed or errored, good (True) when one
    passed, else None."""
    rows = engine.query(
        f"""
        SELECT c.run_pk, r.timestamp, CASE WHEN {_BAD_RUN} THEN 0 WHEN {_GOOD_RUN} THEN 1 ELSE 2 END
        {_FEATURE_RUNS} AND c.run_pk >= ?
        """,
        (project, feature, since, low),
    )
    rows.sort(key=itemgetter(1, 0))
    return [(pk, stamp, (False, True, None)[code]) for pk, stamp, code in rows]


def feature_runs_between(engine: Engine, project: str, feature: str, low: int, high: int) -> int:
    """How many runs keyed in [low, high] have a result of the feature (its kept rows: one range)."""
    rows = engine.query(
        """
        SELECT COUNT(*) FROM test_features f CROSS JOIN test_run_features c
        WHERE f.project_id = ? AND f.feature = ? AND c.feature_pk = f.id AND c.run_pk >= ? AND c.run_pk <= ?
        """,
        (project, feature, low, high),
    )
    return int(rows[0][0])
