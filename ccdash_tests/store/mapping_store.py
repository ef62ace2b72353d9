"""Mappings in the store: stored rules and overrides, resolution into mapping rows, domains and snapshots.

Where the inputs live: `test_mapping_inputs` holds every imported rule (kind "rules", one row per rule,
`source` = the file's name, so re-importing a file replaces its rules and leaves other files' rules
alone) and every user override (kind "override", `source` = the key that names the test). A
resolution rebuilds the providers from these rows, so later ingests keep using them.

What a resolution writes, in one transaction:

- `test_feature_mappings`: one row per (test, feature), upserted only where it changed, keyed by the
  group's best provider; rows a resolved test no longer has are deleted. `version` and
  `snapshot_hash` say in which snapshot a row was last written.
- `test_domains`: a row for every domain and subdomain path ("billing", "billing/invoices") and every
  feature ("billing/invoices::totals", kind feature; a feature without a domain sits under
  "(unassigned)"), the node ids of the `domains` tree. Domains are a catalogue: never deleted.
- `test_mapping_snapshots`: version n+1 only when the snapshot hash changed. Its `mappings` column is
  the canonical JSON document of the whole resolution (resolver.snapshot_document), whose sha256 is
  the stored hash, so `snapshot_at(time)` can say what the mapping was at any moment.

After an ingest only definitions without any mapping row are resolved (`resolve_after_ingest`); the
snapshot is then the previous one with those tests' mappings added. Providers look at one test at a
time, so this equals a full resolution as long as the rules and overrides did not change, and every
command that changes them runs a full resolution.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ccdash_tests.errors import UserError
from ccdash_tests.health import UNASSIGNED
from ccdash_tests.mapping import (
    ImportedProvider,
    MappingConflict,
    MappingProvider,
    MappingRule,
    MetadataProvider,
    Override,
    OverrideProvider,
    PathsProvider,
    ResolvedMapping,
    TestRef,
    map_tests,
    normalise_domain,
)
from ccdash_tests.mapping.base import normalise_feature
from ccdash_tests.mapping.override import keys_of
from ccdash_tests.mapping.resolver import (
    canonical_json,
    document_hash,
    from_snapshot_document,
    snapshot_document,
)
from ccdash_tests.models import utcnow
from ccdash_tests.store import Store
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.rows import db_time, from_json, py_time, to_json

RULES = "rules"
OVERRIDE = "override"


def _lock(project: str) -> str:
    return f"ccdash-tests:mapping:{project}"


# ---- inputs: rules and overrides -------------------------------------------------------------------


def import_rules(store: Store, project: str, source: str, rules: Sequence[MappingRule]) -> None:
    """Store a rule file's rules under `source`, replacing what an earlier import of it stored."""
    now = db_time(utcnow())
    with store.transaction(lock_key=_lock(project)):
        store.engine.execute(
            "DELETE FROM test_mapping_inputs WHERE project_id = ? AND kind = ? AND source = ?",
            (project, RULES, source),
        )
        store.engine.executemany(
            "INSERT INTO test_mapping_inputs (project_id, kind, source, position, body, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (project, RULES, source, index, to_json(rule.model_dump(mode="json")), now)
                for index, rule in enumerate(rules)
            ],
        )


def set_override(store: Store, project: str, override: Override) -> None:
    """Store (or replace) the user's decision for the tests that `override.key` names."""
    body = to_json({"feature": override.feature, "domain": override.domain})
    with store.transaction(lock_key=_lock(project)):
        store.engine.execute(
            "DELETE FROM test_mapping_inputs WHERE project_id = ? AND kind = ? AND source = ?",
            (project, OVERRIDE, override.key),
        )
        store.engine.execute(
            "INSERT INTO test_mapping_inputs (project_id, kind, source, position, body, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (project, OVERRIDE, override.key, 0, body, db_time(utcnow())),
        )


def remove_override(store: Store, project: str, key: str) -> bool:
    with store.transaction(lock_key=_lock(project)):
        removed = store.engine.execute(
            "DELETE FROM test_mapping_inputs WHERE project_id = ? AND kind = ? AND source = ?",
            (project, OVERRIDE, key),
        )
    return removed > 0


def stored_rules(engine: Engine, project: str) -> list[MappingRule]:
    rows = engine.query(
        "SELECT body FROM test_mapping_inputs WHERE project_id = ? AND kind = ? ORDER BY source, position",
        (project, RULES),
    )
    return [MappingRule.model_validate(json.loads(body)) for (body,) in rows]


def stored_overrides(engine: Engine, project: str) -> list[Override]:
    rows = engine.query(
        "SELECT source, body FROM test_mapping_inputs WHERE project_id = ? AND kind = ? ORDER BY source",
        (project, OVERRIDE),
    )
    overrides = []
    for key, body in rows:
        value = json.loads(body)
        overrides.append(Override(key, value["feature"], value.get("domain")))
    return overrides


def providers_for(engine: Engine, project: str) -> list[MappingProvider]:
    """The four providers in precedence order, built from what the store holds for the project."""
    return [
        OverrideProvider(stored_overrides(engine, project)),
        MetadataProvider(),
        ImportedProvider(stored_rules(engine, project)),
        PathsProvider(),
    ]


def clean_override(key: str, feature: str, domain: str | None) -> Override:
    """An override as it will be stored; UserError when the key or feature is blank."""
    clean = Override(key.strip(), normalise_feature(feature), normalise_domain(domain))
    if not clean.key:
        raise UserError("the test to map must not be blank")
    if not clean.feature:
        raise UserError("--feature must not be blank")
    return clean


# ---- tests as providers see them -------------------------------------------------------------------

_REF_SELECT = (
    "SELECT d.test_id, d.suite, d.classname, d.name, d.path, d.framework, d.tags FROM test_definitions d"
)


def _ref(row: tuple) -> TestRef:
    tags = {} if row[6] == "{}" else from_json(row[6], {})  # most tests carry no tags: skip the parse
    return TestRef(row[0], row[1], row[2], row[3], row[4], row[5], tags)


def test_refs(engine: Engine, project: str, *, unmapped_only: bool = False) -> list[TestRef]:
    """The project's definitions; with `unmapped_only`, those without any mapping row yet."""
    where = " WHERE d.project_id = ?"
    if unmapped_only:
        where += (
            " AND NOT EXISTS (SELECT 1 FROM test_feature_mappings m"
            " WHERE m.project_id = d.project_id AND m.test_id = d.test_id)"
        )
    return [_ref(row) for row in engine.query(_REF_SELECT + where + " ORDER BY d.test_id", (project,))]


test_refs.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def find_tests(engine: Engine, project: str, key: str) -> list[TestRef]:
    """Stored tests that `key` names exactly (test_id, name, class::name, path::name or node id)."""
    return [ref for ref in test_refs(engine, project) if key in keys_of(ref)]


# ---- snapshots --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One stored version of the whole mapping."""

    version: int
    snapshot_hash: str
    created_at: datetime
    mappings: tuple[ResolvedMapping, ...]
    conflicts: tuple[MappingConflict, ...]


def _snapshot(row: tuple) -> Snapshot:
    mappings, conflicts = from_snapshot_document(json.loads(row[2]))
    created = py_time(row[3])
    assert created is not None
    return Snapshot(row[0], row[1], created, mappings, conflicts)


def snapshot_at(engine: Engine, project: str, at: datetime | None = None) -> Snapshot | None:
    """The snapshot in force at `at` (the latest one written at or before it); None before the first."""
    sql = (
        "SELECT version, snapshot_hash, mappings, created_at FROM test_mapping_snapshots WHERE project_id = ?"
    )
    params: list = [project]
    if at is not None:
        sql += " AND created_at <= ?"
        params.append(db_time(at))
    rows = engine.query(sql + " ORDER BY version DESC LIMIT 1", params)
    return _snapshot(rows[0]) if rows else None


def latest_version(engine: Engine, project: str) -> tuple[int, str] | None:
    """(version, hash) of the newest snapshot, without reading its document."""
    rows = engine.query(
        "SELECT version, snapshot_hash FROM test_mapping_snapshots WHERE project_id = ? "
        "ORDER BY version DESC LIMIT 1",
        (project,),
    )
    return (rows[0][0], rows[0][1]) if rows else None


def snapshot_versions(engine: Engine, project: str) -> list[tuple[int, str, datetime]]:
    """(version, hash, created_at) of every stored snapshot, oldest first."""
    rows = engine.query(
        "SELECT version, snapshot_hash, created_at FROM test_mapping_snapshots WHERE project_id = ? "
        "ORDER BY version",
        (project,),
    )
    return [(version, digest, py_time(created)) for version, digest, created in rows]  # type: ignore[misc]


# ---- resolution -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolveOutcome:
    """What one resolution did."""

    tests_resolved: int
    rows_written: int
    rows_removed: int
    version: int
    snapshot_hash: str | None
    new_version: bool
    mapped_tests: int
    conflicts: int | None  # None when nothing was resolved and the snapshot was not read

    def to_json_dict(self) -> dict:
        return {
            "tests_resolved": self.tests_resolved,
            "rows_written": self.rows_written,
            "rows_removed": self.rows_removed,
            "version": self.version,
            "snapshot_hash": self.snapshot_hash,
            "new_version": self.new_version,
            "mapped_tests": self.mapped_tests,
            "conflicts": self.conflicts,
        }


RowKey = tuple[str, str, str]  # (test_id, feature, provider)
RowValue = tuple[str | None, float, bool]  # (domain, confidence, is_primary)


def _existing_rows(engine: Engine, project: str) -> dict[RowKey, RowValue]:
    rows = engine.query(
        "SELECT test_id, feature, provider, domain_id, confidence, is_primary FROM test_feature_mappings "
        "WHERE project_id = ?",
        (project,),
    )
    return {
        (test_id, feature, provider): (domain, float(confidence), bool(primary))
        for test_id, feature, provider, domain, confidence, primary in rows
    }


def _write_rows(
    engine: Engine,
    project: str,
    mappings: Iterable[ResolvedMapping],
    existing: dict[RowKey, RowValue],
    resolved_tests: set[str],
    version: int,
    digest: str,
) -> tuple[int, int]:
    """Upsert changed rows, delete rows the resolved tests no longer have; (written, removed)."""
    desired: dict[RowKey, RowValue] = {
        (m.test_id, m.feature, m.provider): (m.domain, m.confidence, m.is_primary) for m in mappings
    }
    now = db_time(utcnow())
    changed = [
        (project, test_id, feature, value[0], provider, value[1], version, digest, int(value[2]), now)
        for (test_id, feature, provider), value in desired.items()
        if existing.get((test_id, feature, provider)) != value
    ]
    gone = [key for key in existing if key not in desired and key[0] in resolved_tests]
    engine.executemany(
        "DELETE FROM test_feature_mappings "
        "WHERE project_id = ? AND test_id = ? AND feature = ? AND provider = ?",
        [(project, *key) for key in gone],
    )
    engine.executemany(
        """
        INSERT INTO test_feature_mappings (project_id, test_id, feature, domain_id, provider, confidence,
            version, snapshot_hash, is_primary, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (project_id, test_id, feature, provider) DO UPDATE SET
            domain_id = excluded.domain_id, confidence = excluded.confidence, version = excluded.version,
            snapshot_hash = excluded.snapshot_hash, is_primary = excluded.is_primary
        """,
        changed,
    )
    return len(changed), len(gone)


def domain_nodes(domain: str | None, feature: str) -> list[tuple[str, str, str | None, str]]:
    """(domain_id, name, parent_id, kind) of every node from the root down to the feature."""
    segments = [part for part in (domain or UNASSIGNED).split("/") if part] or [UNASSIGNED]
    nodes = []
    parent: str | None = None
    for depth, name in enumerate(segments):
        node_id = "/".join(segments[: depth + 1])
        nodes.append((node_id, name, parent, "domain" if depth == 0 else "subdomain"))
        parent = node_id
    nodes.append((f"{parent}::{feature}", feature, parent, "feature"))
    return nodes


def _write_domains(engine: Engine, project: str, mappings: Iterable[ResolvedMapping]) -> int:
    wanted: dict[str, tuple[str, str | None, str]] = {}
    for mapping in mappings:
        for node_id, name, parent, kind in domain_nodes(mapping.domain, mapping.feature):
            wanted.setdefault(node_id, (name, parent, kind))
    known = {
        row[0] for row in engine.query("SELECT domain_id FROM test_domains WHERE project_id = ?", (project,))
    }
    now = db_time(utcnow())
    missing = [
        (node_id, project, name, parent, kind, now)
        for node_id, (name, parent, kind) in sorted(wanted.items())
        if node_id not in known
    ]
    engine.executemany(
        "INSERT INTO test_domains (domain_id, project_id, name, parent_id, kind, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, domain_id) DO NOTHING",
        missing,
    )
    return len(missing)


def resolve_mappings(store: Store, project: str, *, unmapped_only: bool = False) -> ResolveOutcome:
    """Resolve the project's tests (all, or only those without mapping rows) and persist the result."""
    engine = store.engine
    with store.transaction(lock_key=_lock(project)):
        refs = test_refs(engine, project, unmapped_only=unmapped_only)
        head = latest_version(engine, project)
        if unmapped_only and not refs:
            return _unchanged(engine, project, head)
        resolution = map_tests(refs, providers_for(engine, project))
        resolved_ids = {ref.test_id for ref in refs}
        mappings, conflicts = resolution.mappings, resolution.conflicts
        if unmapped_only and head is not None:
            # Only the merge needs the previous document; a full resolution replaces it whole.
            previous = snapshot_at(engine, project)
            assert previous is not None
            mappings = tuple(m for m in previous.mappings if m.test_id not in resolved_ids) + mappings
            conflicts = tuple(c for c in previous.conflicts if c.test_id not in resolved_ids) + conflicts
        document = snapshot_document(mappings, conflicts)
        digest = document_hash(document)
        new_version = head is None or head[1] != digest
        version = (head[0] if head else 0) + (1 if new_version else 0)
        if new_version:
            engine.execute(
                "INSERT INTO test_mapping_snapshots "
                "(project_id, version, snapshot_hash, mappings, created_at) VALUES (?, ?, ?, ?, ?)",
                (project, version, digest, canonical_json(document), db_time(utcnow())),
            )
        # Tests resolved with unmapped_only have no rows by definition.
        existing = {} if unmapped_only else _existing_rows(engine, project)
        written, removed = _write_rows(
            engine, project, resolution.mappings, existing, resolved_ids, version, digest
        )
        _write_domains(engine, project, resolution.mappings)
    return ResolveOutcome(
        tests_resolved=len(refs),
        rows_written=written,
        rows_removed=removed,
        version=version,
        snapshot_hash=digest,
        new_version=new_version,
        mapped_tests=len({m.test_id for m in mappings if m.is_primary}),
        conflicts=len(conflicts),
    )


def _unchanged(engine: Engine, project: str, head: tuple[int, str] | None) -> ResolveOutcome:
    primaries = engine.query(
        "SELECT COUNT(*) FROM test_feature_mappings WHERE project_id = ? AND is_primary = 1", (project,)
    )[0][0]
    return ResolveOutcome(
        tests_resolved=0,
        rows_written=0,
        rows_removed=0,
        version=head[0] if head else 0,
        snapshot_hash=head[1] if head else None,
        new_version=False,
        mapped_tests=primaries,
        conflicts=None,
    )


# Resolution holds every test it maps (and the merged snapshot) in memory. Past this many new tests an
# ingest leaves mapping to `map resolve`, so that the first ingest of a huge suite stays fast and flat.
AUTO_MAP_LIMIT = 50_000


def count_unmapped(engine: Engine, project: str) -> int:
    return engine.query(
        "SELECT COUNT(*) FROM test_definitions d WHERE d.project_id = ? AND NOT EXISTS ("
        "SELECT 1 FROM test_feature_mappings m WHERE m.project_id = d.project_id AND m.test_id = d.test_id)",
        (project,),
    )[0][0]


def resolve_after_ingest(store: Store, project: str, limit: int = AUTO_MAP_LIMIT) -> ResolveOutcome | int:
    """Map the definitions an ingest added (those without mapping rows); call it after every ingest.

    Returns how many tests were left unmapped instead when there are more than `limit` of them.
    """
    unmapped = count_unmapped(store.engine, project)
    if unmapped > limit:
        return unmapped
    return resolve_mappings(store, project, unmapped_only=True)
