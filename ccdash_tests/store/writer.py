"""The bulk write path of one ingest: definitions, failure texts and results, a batch at a time.

Everything here runs inside the caller's transaction. Memory stays flat: nothing is kept between
batches but the run's key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from ccdash_tests.records import (
    BAD_CODES,
    STATUS_CODES,
    IngestRunRequest,
    ParsedCase,
    RunStatus,
    SourceFile,
    Status,
    TestRunDTO,
    utcnow,
)
from ccdash_tests.store.causes import refresh_run_causes
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.features import refresh_run_features
from ccdash_tests.store.rows import (
    ATTEMPTS,
    DEFINITION_FIELDS,
    EXTRAS,
    FLAKY,
    INGEST_NO,
    RUN_COLUMNS,
    RUN_RESULTS_BY_KEY,
    ErrorText,
    chunks,
    db_time,
    from_json,
    is_flaky,
    marks,
    run_from_row,
    status_of,
    stored_status,
    to_json,
)

PASSED = STATUS_CODES[Status.PASSED]

# The test ids one ingest made, as bits of a 2 MB map indexed by an id's first six hex digits (a Bloom
# filter with one hash): into a project that had no definition, only an id whose bit is set can be
# stored already, so only those are looked up (at a million new tests, about 6% of them).
MADE_BITS = 1 << 24


def grow_bits(bits: bytearray, index: int) -> None:
    """Make room for bit `index` in a bit map indexed by definition key (half as much again, so a run
    of growing keys extends it a few times, not once per key)."""
    byte = index >> 3
    if byte >= len(bits):
        bits.extend(bytes(byte + 1 - len(bits) + (len(bits) >> 1)))


@dataclass
class DefinitionWriter:
    """Get-or-create of one ingest's definitions, inside its transaction.

    Looks up before inserting: most runs repeat known tests, and a look-up costs less than an insert
    that conflicts. The missing ones get their keys here (engine.new_keys) and are written with a plain
    insert: no conflict handling and no second look-up. That is safe because every writer of
    definitions holds the project's write lock (SQLite: the one writer; PostgreSQL: the ingest's
    advisory lock), so nobody adds the same test between the look-up and the insert; for the same
    reason, in a project that had no definition when the ingest began, every stored definition is one
    this ingest made, and a test whose bit in `made` is clear needs no look-up at all.
    """

    engine: Engine
    project_id: str
    empty: bool = field(init=False)  # the project had no definition when the ingest began
    made: bytearray = field(init=False)

    def __post_init__(self) -> None:
        self.empty = not self.engine.query(
            "SELECT 1 FROM test_definitions WHERE project_id = ? LIMIT 1", (self.project_id,)
        )
        self.made = bytearray(MADE_BITS >> 3) if self.empty else bytearray()

    def keys(
        self,
        test_ids: Sequence[str],
        new_rows: Callable[[Sequence[int], Sequence[int]], list[tuple]],
        created: set[int] | None = None,
    ) -> dict[str, int]:
        """test_id -> key for every id, creating the missing definitions. `new_rows(keys, indexes)`
        builds the rows of the missing tests, the i-th for test_ids[indexes[i]] with key keys[i], shaped
        like ("id", *DEFINITION_FIELDS): asked only for tests that are missing, so a run of known tests
        builds no row. Keys made are added to `created` (such definitions need no path backfill)."""
        first = dict.fromkeys(test_ids)  # the distinct ids, in order of their first case
        slots: list[int] = []
        if self.empty:
            # Each id's slot in `made`, computed once for the look-up and for marking what is made.
            made = self.made
            slots = [int(test_id[:6], 16) for test_id in first]
            ask = [
                test_id
                for test_id, slot in zip(first, slots, strict=True)
                if made[slot >> 3] & (1 << (slot & 7))
            ]
        else:
            ask = list(first)
        found = _definition_keys(self.engine, self.project_id, ask) if ask else {}
        if len(found) == len(first):
            return found
        if len(first) == len(test_ids):  # no id twice in the batch: an id's index is its position
            indexes = [index for index, test_id in enumerate(test_ids) if test_id not in found]
        else:  # a test's first row wins, as ON CONFLICT did
            position = {test_id: index for index, test_id in reversed(list(enumerate(test_ids)))}
            indexes = [position[test_id] for test_id in first if test_id not in found]
        keys = self.engine.new_keys("test_definitions", len(indexes))
        self.engine.insert_rows("test_definitions", ("id", *DEFINITION_FIELDS), new_rows(keys, indexes))
        found.update(zip([test_ids[index] for index in indexes], keys, strict=True))
        if created is not None:
            created.update(keys)
        if self.empty:
            made = self.made
            if len(indexes) == len(slots):  # every distinct id was made: `slots` is theirs, in order
                for slot in slots:
                    made[slot >> 3] |= 1 << (slot & 7)
            else:
                for index in indexes:
                    slot = int(test_ids[index][:6], 16)
                    made[slot >> 3] |= 1 << (slot & 7)
        return found


def _definition_keys(engine: Engine, project_id: str, test_ids: Sequence[str]) -> dict[str, int]:
    # One unique-index probe per id, on both engines. `project_id = ? AND test_id IN (...)` lets
    # PostgreSQL, whose statistics of a table filled in this transaction say "empty", scan every
    # definition of the project per chunk: quadratic on a million new tests.
    found: dict[str, int] = {}
    for part in chunks(test_ids):
        values = ", ".join(["(?)"] * len(part))
        query = (
            "SELECT v.column1, (SELECT d.id FROM test_definitions d"
            f" WHERE d.project_id = ? AND d.test_id = v.column1) FROM (VALUES {values}) AS v"
        )
        found.update(
            (test_id, key) for test_id, key in engine.query(query, (project_id, *part)) if key is not None
        )
    return found


def backfill_locations(engine: Engine, rows: Sequence[tuple[int, str | None, int | None]]) -> None:
    """Give definitions stored without a path or line the ones a later report knows: (key, path, line).

    One statement per chunk; a definition that has both, or a row that knows neither, is not touched.
    """
    for part in chunks([row for row in rows if row[1] is not None or row[2] is not None], 300):
        values = ", ".join(["(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS INTEGER))"] * len(part))
        engine.execute(
            "UPDATE test_definitions SET path = COALESCE(test_definitions.path, v.column2),"
            " line = COALESCE(test_definitions.line, v.column3)"
            f" FROM (VALUES {values}) AS v WHERE test_definitions.id = v.column1"
            " AND ((test_definitions.path IS NULL AND v.column2 IS NOT NULL)"
            " OR (test_definitions.line IS NULL AND v.column3 IS NOT NULL))",
            [value for row in part for value in row],
        )


def error_ids(engine: Engine, texts: Sequence[ErrorText]) -> dict[str, int]:
    """Get-or-create failure texts; text_hash -> key."""
    unique = {text.text_hash: text for text in texts}
    engine.load(
        """
        INSERT INTO test_errors (text_hash, fingerprint, error_type, message, details, truncated)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (text_hash) DO NOTHING
        """,
        [
            (key, text.fingerprint, text.error_type, text.message, text.details, int(text.truncated))
            for key, text in unique.items()
        ],
    )
    found: dict[str, int] = {}
    for part in chunks(list(unique)):
        found.update(
            engine.query(
                f"SELECT text_hash, id FROM test_errors WHERE text_hash IN ({marks(len(part))})", part
            )
        )
    return found


def count_already_stored(engine: Engine, run_pk: int, ingest_no: int, test_pks: Sequence[int]) -> set[int]:
    """Which of these tests already had a result in this run before this ingest."""
    if ingest_no <= 1 or not test_pks:
        return set()
    found: set[int] = set()
    for part in chunks(list(dict.fromkeys(test_pks))):
        rows = engine.query(
            f"SELECT x.test_pk FROM test_results x{EXTRAS} WHERE x.run_pk = ? AND {INGEST_NO} < ? "
            f"AND x.test_pk IN ({marks(len(part))})",
            (run_pk, ingest_no, *part),
        )
        found.update(pk for (pk,) in rows)
    return found


# The rows fold_results takes (ResultWriter makes them from the cases that fold): one case each, in this
# shape; each becomes a results row (RESULT_COLUMNS: flaky folded into status) and, when attempts or
# ingest_no is not 1, an extras row (EXTRA_COLUMNS).
CASE_ROW = ("test_pk", "run_pk", "status", "duration_us", "attempts", "flaky", "error_pk", "ingest_no")
RESULT_COLUMNS = ("test_pk", "run_pk", "status", "duration_us", "error_pk")
EXTRA_COLUMNS = ("run_pk", "test_pk", "attempts", "ingest_no")
MAX_ATTEMPTS = 32_767  # what the SMALLINT column holds


@dataclass
class ResultWriter:
    """The results of one ingest into one run, a batch of cases at a time.

    Into a run this ingest created, a test's first result is a plain insert (COPY on PostgreSQL) and
    the run's totals are counted as the rows go by; only a test seen again in this ingest (an attempt)
    goes through fold_results, after which the totals are read back from the store. Into a run that
    existed, every row goes through fold_results.
    """

    engine: Engine
    run_pk: int
    ingest_no: int
    new_run: bool
    written: int = 0
    counted: bool = True
    counts: dict[int, int] = field(default_factory=dict)
    flaky: int = 0
    duration_us: int | None = None
    # One bit per definition key: which tests already have a result from this ingest (flat memory:
    # 125 KB per million keys, where a set of ints would take ~60 MB).
    seen: bytearray = field(default_factory=bytearray)

    def write(
        self,
        cases: Sequence[ParsedCase],
        test_pks: Sequence[int],
        texts: Sequence[str | None],
        error_keys: dict[str, int],
    ) -> None:
        """Write one batch: cases[i] is the result of test test_pks[i], with the failure text whose hash
        is texts[i] (None: none), stored under error_keys[texts[i]]."""
        run_pk, ingest_no, codes = self.run_pk, self.ingest_no, STATUS_CODES
        if not self.new_run:
            self.counted = False
            rows = [
                (
                    test_pk,
                    run_pk,
                    codes[case.status],
                    None if case.duration_ms is None else round(case.duration_ms * 1000),
                    case.attempts if case.attempts > 1 else 1,
                    1 if case.flaky else 0,
                    None if text is None else error_keys[text],
                    ingest_no,
                )
                for case, test_pk, text in zip(cases, test_pks, texts, strict=True)
            ]
            fold_results(self.engine, rows)
            return
        fresh: list[tuple] = []
        extras: list[tuple] = []
        again: list[tuple] = []
        seen, counts = self.seen, self.counts
        grow_bits(seen, max(test_pks) if test_pks else 0)
        flaky_count, durations, timed = 0, 0, False
        # One pass over the cases: which are a test's first result here, their rows of both tables, and
        # the totals; a CASE_ROW tuple only for a case that folds (not one tuple and one more loop per case).
        for case, key, text in zip(cases, test_pks, texts, strict=True):
            status = codes[case.status]
            duration = None if case.duration_ms is None else round(case.duration_ms * 1000)
            attempts = case.attempts if case.attempts > 1 else 1
            flaky = 1 if case.flaky else 0
            error_pk = None if text is None else error_keys[text]
            byte, bit = key >> 3, 1 << (key & 7)
            if seen[byte] & bit:
                again.append((key, run_pk, status, duration, attempts, flaky, error_pk, ingest_no))
                continue
            seen[byte] |= bit
            fresh.append((key, run_pk, status + FLAKY if flaky else status, duration, error_pk))
            if attempts != 1 or ingest_no != 1:
                extras.append((run_pk, key, attempts, ingest_no))
            counts[status] = counts.get(status, 0) + 1
            flaky_count += flaky
            if duration is not None:
                durations += duration
                timed = True
        self.engine.insert_rows("test_results", RESULT_COLUMNS, fresh)
        self.engine.insert_rows("test_result_extras", EXTRA_COLUMNS, extras)
        self.written += len(fresh)
        self.flaky += flaky_count
        if timed:
            self.duration_us = durations if self.duration_us is None else self.duration_us + durations
        if again:
            self.counted = False  # folding rewrites statuses: the store knows the totals now
            fold_results(self.engine, again)

    def totals(self) -> tuple[dict[Status, int], int, float | None] | None:
        """The run's totals as run_totals would read them, when counting while writing gave them."""
        if not self.counted:
            return None
        counts = {status: self.counts.get(status.code, 0) for status in Status}
        return counts, self.flaky, None if self.duration_us is None else self.duration_us / 1000

    def new_results(self) -> int:
        """How many results this ingest stored (count_new without the scan, when it is known)."""
        if self.new_run:
            return self.written
        return count_new(self.engine, self.run_pk, self.ingest_no)


@dataclass(slots=True)
class _Held:
    """A result as folding sees it: stored already (new False) or first met in this batch."""

    status: int  # the code, without the flaky flag
    flaky: bool
    duration_us: int | None
    attempts: int
    error_pk: int | None
    ingest_no: int
    new: bool

    def result(self, key: tuple[int, int]) -> tuple:
        """Its row of test_results (RESULT_COLUMNS); `key` is (run_pk, test_pk)."""
        return (key[1], key[0], stored_status(self.status, self.flaky), self.duration_us, self.error_pk)

    @property
    def has_extras(self) -> bool:
        return self.attempts != 1 or self.ingest_no != 1

    def extras(self, key: tuple[int, int]) -> tuple:
        """Its row of test_result_extras (EXTRA_COLUMNS)."""
        return (key[0], key[1], self.attempts, self.ingest_no)


def fold_results(engine: Engine, rows: Sequence[tuple]) -> None:
    """Write rows shaped like CASE_ROW where the run may hold some of their tests already.

    Attempts of one test arriving as separate cases in one ingest (gotestsum --rerun-fails, pytest
    reruns written as duplicate <testcase>s) fold into one result, row by row in order: the last status
    wins, attempts (up to MAX_ATTEMPTS) and time add up, and it is flaky when it passed and an earlier
    attempt failed or errored or was flaky itself; the latest failure text wins, artifacts stay. A
    result stored by an earlier ingest is never rewritten (results are append-only): its row is kept
    and the case is dropped.
    """
    held = _stored(engine, rows)
    touched: dict[tuple[int, int], _Held] = {}
    for test_pk, run_pk, status, duration, attempts, flaky, error_pk, ingest_no in rows:
        key = (run_pk, test_pk)
        before = touched.get(key) or held.get(key)
        if before is None:
            touched[key] = _Held(status, bool(flaky), duration, attempts, error_pk, ingest_no, True)
        elif before.ingest_no == ingest_no:
            touched[key] = _Held(
                status,
                status == PASSED and (before.status in BAD_CODES or before.flaky or bool(flaky)),
                None
                if before.duration_us is None and duration is None
                else (before.duration_us or 0) + (duration or 0),
                min(before.attempts + attempts, MAX_ATTEMPTS),
                error_pk if error_pk is not None else before.error_pk,
                ingest_no,
                before.new,
            )
    added = [(key, row) for key, row in touched.items() if row.new]
    changed = [(key, row) for key, row in touched.items() if not row.new]
    engine.insert_rows("test_results", RESULT_COLUMNS, [row.result(key) for key, row in added])
    engine.insert_rows(
        "test_result_extras", EXTRA_COLUMNS, [row.extras(key) for key, row in added if row.has_extras]
    )
    engine.executemany(
        "UPDATE test_results SET status = ?, duration_us = ?, error_pk = ? WHERE test_pk = ? AND run_pk = ?",
        [(*row.result(key)[2:], key[1], key[0]) for key, row in changed],
    )
    # A folded result has two attempts or more: it has an extras row from now on.
    engine.executemany(
        "INSERT INTO test_result_extras (run_pk, test_pk, attempts, ingest_no) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (run_pk, test_pk) DO UPDATE SET attempts = excluded.attempts",
        [row.extras(key) for key, row in changed],
    )


def _stored(engine: Engine, rows: Sequence[tuple]) -> dict[tuple[int, int], _Held]:
    """The stored results of these rows' (run, test) keys, as folding starts from them."""
    by_run: dict[int, list[int]] = {}
    for row in rows:
        by_run.setdefault(row[1], []).append(row[0])
    found: dict[tuple[int, int], _Held] = {}
    for run_pk, test_pks in by_run.items():
        for part in chunks(list(dict.fromkeys(test_pks))):
            for test_pk, stored, duration, error_pk, attempts, ingest_no in engine.query(
                f"SELECT x.test_pk, x.status, x.duration_us, x.error_pk, {ATTEMPTS}, {INGEST_NO}"
                f" FROM test_results x{EXTRAS} WHERE x.run_pk = ? AND x.test_pk IN ({marks(len(part))})",
                (run_pk, *part),
            ):
                code = status_of(stored).code
                found[run_pk, test_pk] = _Held(
                    code, is_flaky(stored), duration, attempts, error_pk, ingest_no, False
                )
    return found


def run_totals(engine: Engine, run_pk: int) -> tuple[dict[Status, int], int, float | None]:
    """Counts per status, flaky count and summed duration (ms) of one run, from stored results."""
    rows = engine.query(
        f"""
        SELECT x.status, COUNT(*), CAST(SUM(x.duration_us) AS BIGINT)
        {RUN_RESULTS_BY_KEY} GROUP BY x.status
        """,
        (run_pk,),
    )
    counts = {status: 0 for status in Status}
    flaky = 0
    duration_us: int | None = None
    for stored, count, duration in rows:
        counts[status_of(stored)] += count
        if is_flaky(stored):
            flaky += count
        if duration is not None:
            duration_us = (duration_us or 0) + duration
    return counts, flaky, None if duration_us is None else duration_us / 1000


# A result of a later ingest (ingest_no > 1) always has an extras row: those of one run are one range of
# test_result_extras. The results of a first ingest are the run's results without such a row.
_RUN_EXTRAS_OF_INGEST = """
    FROM test_result_extras t CROSS JOIN test_definitions d
    WHERE t.run_pk = ? AND t.ingest_no = ? AND d.id = t.test_pk"""
_RUN_RESULTS_OF_FIRST_INGEST = (
    RUN_RESULTS_BY_KEY.replace("CROSS JOIN test_results x", "CROSS JOIN test_results x" + EXTRAS)
    + f" AND {INGEST_NO} = ?"
)


def count_new(engine: Engine, run_pk: int, ingest_no: int) -> int:
    """How many results of this run the ingest numbered `ingest_no` stored."""
    where = _RUN_EXTRAS_OF_INGEST if ingest_no > 1 else _RUN_RESULTS_OF_FIRST_INGEST
    return engine.query(f"SELECT COUNT(*) {where}", (run_pk, ingest_no))[0][0]


def count_without_path(engine: Engine, run_pk: int, ingest_no: int) -> int:
    """How many tests this ingest stored results for whose definition has no file path."""
    where = _RUN_EXTRAS_OF_INGEST if ingest_no > 1 else _RUN_RESULTS_OF_FIRST_INGEST
    return engine.query(f"SELECT COUNT(*) {where} AND d.path IS NULL", (run_pk, ingest_no))[0][0]


class OpenedRun(NamedTuple):
    pk: int
    ingest_no: int
    created: bool  # this ingest made the run row: it holds no result yet


def open_run(engine: Engine, request: IngestRunRequest) -> OpenedRun:
    """Create the run row (or find it) and count this ingest.

    A run that exists keeps its metadata; only facts it lacked (sha, branch, session) are filled in.
    A new run is one plain INSERT. The caller holds the project's write lock, so the run cannot appear
    between the look-up and the insert.
    """
    found = engine.query(
        "SELECT id, ingest_count FROM test_runs WHERE project_id = ? AND run_id = ?",
        (request.project_id, request.run_id),
    )
    if not found:
        rows = engine.query(
            """
            INSERT INTO test_runs (run_id, project_id, timestamp, git_sha, branch, agent_session_id,
                env_fingerprint, trigger, metadata, created_at, ingest_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id
            """,
            (
                request.run_id,
                request.project_id,
                db_time(request.timestamp),
                request.git_sha,
                request.branch,
                request.agent_session_id,
                request.env_fingerprint,
                request.trigger.value,
                to_json(request.metadata),
                db_time(utcnow()),
            ),
        )
        return OpenedRun(rows[0][0], 1, True)
    pk, count = found[0]
    engine.execute(
        """
        UPDATE test_runs SET ingest_count = ingest_count + 1,
            git_sha = COALESCE(git_sha, ?), branch = COALESCE(branch, ?),
            agent_session_id = COALESCE(agent_session_id, ?)
        WHERE id = ?
        """,
        (request.git_sha, request.branch, request.agent_session_id, pk),
    )
    return OpenedRun(pk, count + 1, False)


def record_sources(engine: Engine, run_pk: int, sources: Iterable[SourceFile]) -> None:
    engine.executemany(
        "INSERT INTO test_run_sources (run_pk, sha256, name, format, cases) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (run_pk, sha256) DO NOTHING",
        [(run_pk, s.sha256, s.name, s.format, s.cases) for s in sources],
    )


def known_sources(engine: Engine, project: str, run_id: str) -> dict[str, SourceFile]:
    """The report files (by content digest) a run was already built from."""
    rows = engine.query(
        """
        SELECT s.sha256, s.name, s.format, s.cases
        FROM test_run_sources s JOIN test_runs r ON r.id = s.run_pk
        WHERE r.project_id = ? AND r.run_id = ?
        """,
        (project, run_id),
    )
    return {sha: SourceFile(name=name, sha256=sha, format=fmt, cases=cases) for sha, name, fmt, cases in rows}


def close_run(
    engine: Engine,
    run_pk: int,
    timestamp: datetime | None,
    extra_metadata: dict,
    env_fingerprint: str | None,
    totals: tuple[dict[Status, int], int, float | None] | None = None,
) -> TestRunDTO:
    """Set the run's totals from its stored results (report counters are never trusted): `totals` as
    ResultWriter counted them while writing, else recounted here.

    `timestamp` and `env_fingerprint` replace the stored values when given (first ingest of a run).
    """
    refresh_run_causes(engine, [run_pk])
    project, current_metadata, current_time, current_env = engine.query(
        "SELECT project_id, metadata, timestamp, env_fingerprint FROM test_runs WHERE id = ?", (run_pk,)
    )[0]
    refresh_run_features(engine, project, [run_pk])
    counts, flaky, duration_ms = totals if totals is not None else run_totals(engine, run_pk)
    total = sum(counts.values())
    failed = counts[Status.FAILED] + counts[Status.ERROR]
    status = RunStatus.EMPTY if total == 0 else RunStatus.FAILED if failed else RunStatus.PASSED
    metadata = {**from_json(current_metadata, {}), **extra_metadata}
    engine.execute(
        """
        UPDATE test_runs SET status = ?, total_tests = ?, passed_tests = ?, failed_tests = ?,
            skipped_tests = ?, flaky_tests = ?, duration_ms = ?, status_counts = ?, metadata = ?,
            timestamp = ?, env_fingerprint = ?
        WHERE id = ?
        """,
        (
            status.value,
            total,
            counts[Status.PASSED],
            failed,
            counts[Status.SKIPPED],
            flaky,
            duration_ms,
            to_json({s.value: n for s, n in counts.items()}),
            to_json(metadata),
            db_time(timestamp) if timestamp else current_time,
            env_fingerprint or current_env,
            run_pk,
        ),
    )
    row = engine.query(f"SELECT {RUN_COLUMNS} FROM test_runs WHERE id = ?", (run_pk,))[0]
    return run_from_row(row)


def project_counts(engine: Engine, project: str) -> dict[str, int]:
    """How many runs, definitions and results a project holds."""

    def count(sql: str) -> int:
        return engine.query(sql, (project,))[0][0]

    return {
        "runs": count("SELECT COUNT(*) FROM test_runs WHERE project_id = ?"),
        "definitions": count("SELECT COUNT(*) FROM test_definitions WHERE project_id = ?"),
        "results": count(
            # By the project's tests (the (test_pk, run_pk) key): no index holds results by run.
            "SELECT COUNT(*) FROM test_definitions d CROSS JOIN test_results x"
            " WHERE d.project_id = ? AND x.test_pk = d.id"
        ),
    }
