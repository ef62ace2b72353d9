"""The mapping service: stored rules and overrides, resolution into mapping rows, domains and snapshots.

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

The SQL is in store/queries/mapping.py; mapping rows and domains are written through their repositories.

After an ingest only definitions without any mapping row are resolved (`resolve_after_ingest`); the
snapshot is then the previous one with those tests' mappings added. Providers look at one test at a
time, so this equals a full resolution as long as the rules and overrides did not change, and every
command that changes them runs a full resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ccdash_tests.errors import UserError
from ccdash_tests.mapping.base import (
    PRECEDENCE,
    UNASSIGNED,
    MappingProvider,
    ProviderName,
    TestRef,
    normalise_domain,
    normalise_feature,
)
from ccdash_tests.mapping.imported import ImportedProvider, StoredRule, stored_rule
from ccdash_tests.mapping.metadata import MetadataProvider
from ccdash_tests.mapping.override import Override, OverrideProvider, keys_of
from ccdash_tests.mapping.paths import PathsProvider
from ccdash_tests.mapping.registry import PROVIDERS
from ccdash_tests.mapping.resolver import (
    MappingConflict,
    ResolvedMapping,
    canonical_json,
    document_hash,
    from_snapshot_document,
    map_tests,
    snapshot_document,
)
from ccdash_tests.records import utcnow
from ccdash_tests.store import Store
from ccdash_tests.store.base import DomainNode, MappingRow
from ccdash_tests.store.engine import Engine
from ccdash_tests.store.queries import mapping as q
from ccdash_tests.store.queries.mapping import RowKey, RowValue
from ccdash_tests.store.rows import db_time, from_json, required_time, to_json
from ccdash_tests.text import error_line

if TYPE_CHECKING:
    from ccdash_tests.mapping.rules import MappingRule
    from ccdash_tests.mapping.suggest import SuggestedRule

# `map suggest`, test look-up by name and the health package are imported where used: every ingest that
# stores new tests loads this module to map them, and needs none of them.

RULES = "rules"
OVERRIDE = "override"


def _lock(project: str) -> str:
    return f"ccdash-tests:mapping:{project}"


# ---- inputs: rules and overrides -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleMatches:
    """One imported rule and how many stored tests it matches."""

    rule: MappingRule
    tests: int

    def to_json_dict(self) -> dict:
        return {"pattern": self.rule.pattern, "feature": self.rule.feature, "tests": self.tests}


def import_rules(store: Store, project: str, source: str, rules: Sequence[MappingRule]) -> list[RuleMatches]:
    """Store a rule file's rules under `source`, replacing what an earlier import of it stored; how
    many stored tests each rule matches."""
    with store.transaction(lock_key=_lock(project)):
        q.delete_inputs(store.engine, project, RULES, source)
        q.insert_inputs(
            store.engine, project, RULES, source, [to_json(rule.model_dump(mode="json")) for rule in rules]
        )
    counts = ImportedProvider(rules).match_counts(test_refs(store.engine, project))
    return [RuleMatches(rule, count) for rule, count in zip(rules, counts, strict=True)]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What `map suggest` wrote: the rules and where (None: standard output, `text` to print)."""

    rules: list[SuggestedRule]
    tests: int
    written_to: Path | None
    text: str


def suggest_mapping(store: Store, project: str, output: Path | None, force: bool = False) -> Suggestion:
    """A starter rules file from the tags and path guesses (mapping/suggest.py), written to `output`
    (refused when it exists, unless `force`) or returned for standard output when `output` is None."""
    if output is not None and output.exists() and not force:
        raise UserError(f"{output}: already exists (pass --force to replace it, or - for standard output)")
    from ccdash_tests.mapping.suggest import rules_yaml, suggest_rules

    tests = test_refs(store.engine, project)
    candidates = [*MetadataProvider().map(tests), *PathsProvider().map(tests)]
    rules = suggest_rules(tests, candidates)
    text = rules_yaml(rules, project)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{output}: cannot write: {error_line(exc)}") from None
    return Suggestion(rules, len(tests), output, text)


def set_override(store: Store, project: str, override: Override) -> None:
    """Store (or replace) the user's decision for the tests that `override.key` names."""
    body = to_json({"feature": override.feature, "domain": override.domain})
    with store.transaction(lock_key=_lock(project)):
        q.delete_inputs(store.engine, project, OVERRIDE, override.key)
        q.insert_inputs(store.engine, project, OVERRIDE, override.key, [body])


def remove_override(store: Store, project: str, key: str) -> bool:
    with store.transaction(lock_key=_lock(project)):
        removed = q.delete_inputs(store.engine, project, OVERRIDE, key)
    return removed > 0


def remove_override_named(store: Store, project: str, text: str) -> str | None:
    """Remove the override `text` names: its key, else the node id of the one test `text` names (the
    key `map set` stored for it). The key removed, or None when there was no such override."""
    key = text.strip()
    if remove_override(store, project, key):
        return key
    try:
        key = name_tests(store, project, key)[0]
    except UserError:
        return None
    return key if remove_override(store, project, key) else None


def stored_rules(engine: Engine, project: str) -> list[StoredRule]:
    # Checked without Pydantic (imported.stored_rule): an ingest that maps new tests reads them.
    return [stored_rule(body) for _, body in q.input_bodies(engine, project, RULES)]


def stored_overrides(engine: Engine, project: str) -> list[Override]:
    return [
        Override(key, body["feature"], body.get("domain"))
        for key, body in q.input_bodies(engine, project, OVERRIDE)
    ]


def providers_for(engine: Engine, project: str) -> list[MappingProvider]:
    """The registry's providers in precedence order, the stored ones built from what the store holds."""
    stored: dict[str, MappingProvider] = {
        ProviderName.OVERRIDE: OverrideProvider(stored_overrides(engine, project)),
        ProviderName.IMPORTED: ImportedProvider(stored_rules(engine, project)),
    }
    names = sorted(PROVIDERS, key=PRECEDENCE.__getitem__)
    return [stored[name] if name in stored else PROVIDERS[name]() for name in names]


def clean_override(key: str, feature: str, domain: str | None) -> Override:
    """An override as it will be stored; UserError when the key or feature is blank."""
    clean = Override(key.strip(), normalise_feature(feature), normalise_domain(domain))
    if not clean.key:
        raise UserError("the test to map must not be blank")
    if not clean.feature:
        raise UserError("--feature must not be blank")
    return clean


# ---- tests as providers see them -------------------------------------------------------------------


def test_refs(engine: Engine, project: str, *, unmapped_only: bool = False) -> list[TestRef]:
    """The project's definitions; with `unmapped_only`, those without any mapping row yet."""
    return [TestRef(*row) for row in q.definition_refs(engine, project, unmapped_only=unmapped_only)]


test_refs.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def find_tests(engine: Engine, project: str, key: str) -> list[TestRef]:
    """Stored tests that `key` names exactly (test_id, name, class::name, path::name or node id)."""
    return [ref for ref in test_refs(engine, project) if key in keys_of(ref)]


def name_tests(store: Store, project: str, text: str) -> tuple[str, list[TestRef]]:
    """The override key and tests `text` names: an exact key (which may name several tests, as a name
    does), else any form `history` accepts (a tail of a node id, a substring) naming one test, whose
    node id becomes the key. Raises UserError when nothing or several tests match."""
    key = text.strip()
    matched = find_tests(store.engine, project, key)
    if matched:
        return key, matched
    from ccdash_tests.lookup import resolve_test

    test = resolve_test(store, project, key)
    return test.label, [TestRef.from_definition(test)]


def test_labels(engine: Engine, project: str) -> dict[str, TestRef]:
    """Every stored test by test_id, for naming the tests of a mapping or conflict."""
    return {ref.test_id: ref for ref in test_refs(engine, project)}


def select_mappings(
    snapshot: Snapshot | None, tests: Mapping[str, TestRef], named: Sequence[TestRef] | None
) -> list[ResolvedMapping]:
    """The snapshot's mappings, or only those of the `named` tests (name_tests)."""
    mappings = list(snapshot.mappings) if snapshot else []
    if named is None:
        return mappings
    wanted = {ref.test_id for ref in named}
    return [m for m in mappings if m.test_id in wanted]


# ---- snapshots --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One stored version of the whole mapping."""

    version: int
    snapshot_hash: str
    created_at: datetime
    mappings: tuple[ResolvedMapping, ...]
    conflicts: tuple[MappingConflict, ...]


def snapshot_at(engine: Engine, project: str, at: datetime | None = None) -> Snapshot | None:
    """The snapshot in force at `at` (the latest one written at or before it); None before the first."""
    row = q.snapshot_row(engine, project, at)
    if row is None:
        return None
    version, digest, document, created = row
    mappings, conflicts = from_snapshot_document(from_json(document, {}))
    return Snapshot(version, digest, required_time(created), mappings, conflicts)


def latest_version(engine: Engine, project: str) -> tuple[int, str] | None:
    """(version, hash) of the newest snapshot, without reading its document."""
    return q.latest_version(engine, project)


def snapshot_versions(engine: Engine, project: str) -> list[tuple[int, str, datetime]]:
    """(version, hash, created_at) of every stored snapshot, oldest first."""
    return [
        (version, digest, required_time(created))
        for version, digest, created in q.snapshot_versions(engine, project)
    ]


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


def _write_rows(
    store: Store,
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
    changed: list[MappingRow] = [
        (project, test_id, feature, value[0], provider, value[1], version, digest, int(value[2]), now)
        for (test_id, feature, provider), value in desired.items()
        if existing.get((test_id, feature, provider)) != value
    ]
    gone = [(project, *key) for key in existing if key not in desired and key[0] in resolved_tests]
    store.mappings.write_rows(changed, gone)
    return len(changed), len(gone)


def domain_nodes(domain: str | None, feature: str) -> list[DomainNode]:
    """(domain_id, name, parent_id, kind) of every node from the root down to the feature."""
    segments = [part for part in (domain or UNASSIGNED).split("/") if part] or [UNASSIGNED]
    nodes: list[DomainNode] = []
    parent: str | None = None
    for depth, name in enumerate(segments):
        node_id = "/".join(segments[: depth + 1])
        nodes.append((node_id, name, parent, "domain" if depth == 0 else "subdomain"))
        parent = node_id
    nodes.append((f"{parent}::{feature}", feature, parent, "feature"))
    return nodes


def _write_domains(store: Store, project: str, mappings: Iterable[ResolvedMapping]) -> int:
    wanted: dict[str, DomainNode] = {}
    for mapping in mappings:
        for node in domain_nodes(mapping.domain, mapping.feature):
            wanted.setdefault(node[0], node)
    return store.domains.add_missing(project, list(wanted.values()))


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
            q.insert_snapshot(engine, project, version, digest, canonical_json(document))
        # Tests resolved with unmapped_only have no rows by definition.
        existing = {} if unmapped_only else q.mapping_rows(engine, project)
        written, removed = _write_rows(
            store, project, resolution.mappings, existing, resolved_ids, version, digest
        )
        _write_domains(store, project, resolution.mappings)
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
    primaries = q.count_primaries(engine, project)
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


def resolve_after_ingest(store: Store, project: str, limit: int = AUTO_MAP_LIMIT) -> ResolveOutcome | int:
    """Map the definitions an ingest added (those without mapping rows); call it after every ingest.

    Returns how many tests were left unmapped instead when there are more than `limit` of them.
    """
    unmapped = q.count_unmapped(store.engine, project)
    if unmapped > limit:
        return unmapped
    return resolve_mappings(store, project, unmapped_only=True)
