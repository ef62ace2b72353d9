"""Results counted per run and feature at write time, so `timeline` reads counts, not results.

A test counts towards a feature when one of its mappings to that feature is primary (the tests
`queries.forensics.feature_test_pks` lists). Two tables (migration 0010): test_features, one key
per (project, feature) that ever had a primary mapping, and test_run_features, one row per run and
feature with a result there: the results, and how many of them failed, errored, were skipped,
xfailed or xpassed (passes are the rest; a pass after a retry is a pass). Two writes keep them equal
to what the results and the mappings say, each in the transaction of the write that changes them:

- results written into a run (close_run, results.append): the run's rows are recounted from its
  results (refresh_run_features);
- primary mappings changed (mappings.upsert, mappings.write_rows): each test whose set of primary
  features changed has its results taken off the features it left and added to those it joined
  (MappingChange), so a remap costs the moved tests' history, never a whole feature's.

Nothing deletes a run or a result, so nothing else can make them drift. On PostgreSQL both writes
hold the project's ingest lock: a mapping change and an ingest of the same project never interleave
(each would count with the other's rows unseen).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ccdash_tests.records import Status
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import chunks, ingest_lock, marks, stored_codes

# The count columns after `results`, one per status that is not a pass, in this order.
COUNTED: tuple[Status, ...] = (Status.FAILED, Status.ERROR, Status.SKIPPED, Status.XFAILED, Status.XPASSED)
COLUMNS = "feature_pk, run_pk, results, " + ", ".join(status.value for status in COUNTED)


def _sums(weight: str = "1") -> str:
    """COUNT-like sums of x.status per counted status, each result weighted by `weight` (1 or +-1)."""
    return ", ".join(
        f"SUM(CASE WHEN x.status IN ({', '.join(map(str, stored_codes([status])))}) THEN {weight} ELSE 0 END)"
        for status in COUNTED
    )


# The project's tests with a primary mapping, once per (test, feature) even when several providers'
# mappings of it are primary (queries.forensics.feature_test_pks lists the tests the same way).
_PRIMARY = """
    SELECT DISTINCT m.project_id, m.test_id, m.feature FROM test_feature_mappings m
    WHERE m.project_id = ? AND m.is_primary = 1"""

_COUNT = f"""
SELECT f.id, x.run_pk, COUNT(*), {_sums()}
FROM ({_PRIMARY}) m
CROSS JOIN test_features f CROSS JOIN test_definitions d CROSS JOIN test_results x
WHERE f.project_id = m.project_id AND f.feature = m.feature
  AND d.project_id = m.project_id AND d.test_id = m.test_id
  AND x.test_pk = d.id AND x.run_pk IN ({{keys}})
GROUP BY f.id, x.run_pk
"""
_RECOUNT = f"INSERT INTO test_run_features ({COLUMNS})" + _COUNT


def lock_project(engine: Engine, project: str) -> None:
    """Take the project's ingest lock on PostgreSQL (held to the end of the transaction; taken again by
    the same transaction, it is a no-op); SQLite's single writer already serializes every write."""
    if engine.dialect == "postgresql":
        engine.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (ingest_lock(project),))


def project_feature_pks(engine: Engine, project: str) -> list[int]:
    return [pk for (pk,) in engine.query("SELECT id FROM test_features WHERE project_id = ?", (project,))]


def add_features(engine: Engine, project: str, features: Iterable[str]) -> None:
    """Give every named feature of the project its key (kept once made)."""
    engine.executemany(
        "INSERT INTO test_features (project_id, feature) VALUES (?, ?)"
        " ON CONFLICT (project_id, feature) DO NOTHING",
        [(project, feature) for feature in sorted(set(features))],
    )


def refresh_run_features(engine: Engine, project: str, run_pks: Iterable[int]) -> None:
    """Recount the feature rows of these runs of `project` from their results (the caller's transaction)."""
    lock_project(engine, project)
    features = project_feature_pks(engine, project)
    if not features:
        return  # no primary mapping yet: nothing to count (mapping the tests later adds their results)
    for part in chunks(sorted(set(run_pks))):
        for some in chunks(features, 500):
            engine.execute(
                f"DELETE FROM test_run_features WHERE feature_pk IN ({marks(len(some))})"
                f" AND run_pk IN ({marks(len(part))})",
                (*some, *part),
            )
        engine.execute(_RECOUNT.format(keys=marks(len(part))), (project, *part))


def primary_features(engine: Engine, project: str, test_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Test id -> the features it has a primary mapping to (tests with none are left out)."""
    found: dict[str, set[str]] = {}
    for part in chunks(sorted(set(test_ids))):
        rows = engine.query(
            "SELECT test_id, feature FROM test_feature_mappings"
            f" WHERE project_id = ? AND is_primary = 1 AND test_id IN ({marks(len(part))})",
            (project, *part),
        )
        for test_id, feature in rows:
            found.setdefault(test_id, set()).add(feature)
    return {test_id: frozenset(features) for test_id, features in found.items()}


@dataclass(frozen=True, slots=True)
class MappingChange:
    """The primary features of some tests before a mapping write; `apply` moves their counts after it."""

    project: str
    before: dict[str, frozenset[str]]
    test_ids: frozenset[str]

    @classmethod
    def begin(cls, engine: Engine, project: str, test_ids: Iterable[str]) -> MappingChange:
        tests = frozenset(test_ids)
        lock_project(engine, project)  # before reading: no ingest of the project counts in between
        return cls(project, primary_features(engine, project, tests), tests)

    def apply(self, engine: Engine) -> None:
        after = primary_features(engine, self.project, self.test_ids)
        none: frozenset[str] = frozenset()
        moves: list[tuple[str, str, int]] = []
        for test_id in self.test_ids:
            was, now = self.before.get(test_id, none), after.get(test_id, none)
            if was != now:  # most tests of a resolution keep their features: one set comparison each
                moves += [(test_id, feature, -1) for feature in was - now]
                moves += [(test_id, feature, 1) for feature in now - was]
        if moves:
            add_features(engine, self.project, (feature for _, feature, sign in moves if sign > 0))
            move_counts(engine, self.project, moves)


def move_counts(engine: Engine, project: str, moves: Sequence[tuple[str, str, int]]) -> None:
    """Add (sign 1) or take off (-1) every result of each test to or from a feature's run rows."""
    keys: dict[str, int] = dict(
        engine.query("SELECT feature, id FROM test_features WHERE project_id = ?", (project,))
    )
    for part in chunks(moves, 300):
        values = ", ".join("(?, ?, ?)" for _ in part)
        params = [value for test_id, feature, sign in part for value in (test_id, keys[feature], sign)]
        engine.execute(_MOVE.format(values=values), (*params, project))
    gone = sorted({keys[feature] for _, feature, sign in moves if sign < 0})
    for some in chunks(gone):
        engine.execute(
            f"DELETE FROM test_run_features WHERE feature_pk IN ({marks(len(some))}) AND results = 0", some
        )


_ADDED = ", ".join(f"{s.value} = test_run_features.{s.value} + excluded.{s.value}" for s in COUNTED)
_SIGN = "CAST(c.sign AS INTEGER)"  # CAST: PostgreSQL types a VALUES list of parameters as text unless told
_MOVE = f"""
WITH moved (test_id, feature_pk, sign) AS (VALUES {{values}})
INSERT INTO test_run_features ({COLUMNS})
SELECT CAST(c.feature_pk AS BIGINT), x.run_pk, SUM({_SIGN}), {_sums(_SIGN)}
FROM moved c CROSS JOIN test_definitions d CROSS JOIN test_results x
WHERE d.project_id = ? AND d.test_id = c.test_id AND x.test_pk = d.id
GROUP BY CAST(c.feature_pk AS BIGINT), x.run_pk
ON CONFLICT (feature_pk, run_pk) DO UPDATE SET
    results = test_run_features.results + excluded.results, {_ADDED}
"""


def recount_everything(engine: Engine, project: str) -> list[tuple]:
    """Every feature row of the project as the results and mappings say now, sorted (the reference the
    tests compare the kept rows with)."""
    runs = [pk for (pk,) in engine.query("SELECT id FROM test_runs WHERE project_id = ?", (project,))]
    rows: list[tuple] = []
    for part in chunks(runs):
        rows += [tuple(row) for row in engine.query(_COUNT.format(keys=marks(len(part))), (project, *part))]
    return sorted(rows)


def stored_rows(engine: Engine, project: str) -> list[tuple]:
    return sorted(
        tuple(row)
        for row in engine.query(
            f"SELECT {COLUMNS} FROM test_run_features"
            " WHERE feature_pk IN (SELECT id FROM test_features WHERE project_id = ?)",
            (project,),
        )
    )
