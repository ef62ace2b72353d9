"""Combine candidates into one mapping per (test, feature), choose each test's primary, flag conflicts.

Rules (the README quotes them):

- Candidates of one test are grouped by feature (compared case-insensitively after folding white
  space). A group's providers *agree*; each provider counts once, with its highest confidence.
- Group confidence: 1.0 when an override is in the group; otherwise 1 - Π(1 - c_p) over the agreeing
  providers' confidences c_p, capped at 0.99 (only a user's override is certain) and rounded to 6
  decimals. One provider alone keeps its own confidence; e.g. paths 0.6 + imported 0.8 -> 0.92.
- Feature spelling, provider and domain of a group come from its highest-precedence candidate
  (override > metadata > imported > paths; then higher confidence); the domain is the first one
  given in that order, so a paths guess fills in a domain that a tag left out.
- Primary: among groups with confidence >= 0.7 (PRIMARY_THRESHOLD), the one whose best provider
  ranks first in precedence; ties go to higher confidence, then to the feature name. A test has at
  most one primary, and none when no group reaches 0.7.
- Conflict: a test for which two different providers propose different features, each confident
  enough to be primary on its own (>= 0.7, CONFLICT_THRESHOLD). A path guess (0.6) is never a party:
  a rule that names another feature than the folder is a decision, not a disagreement. Tests with an
  override are never in conflict: the user already decided.
- Snapshot hash: sha256 of a canonical JSON of the sorted mappings and conflicts, so the same
  result from candidates in any order has the same hash, and any change of a mapping changes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import prod

from ccdash_tests.identity import canonical_json
from ccdash_tests.mapping.base import (
    PRECEDENCE,
    MappingCandidate,
    MappingProvider,
    ProviderName,
    TestRef,
    feature_key,
)

PRIMARY_THRESHOLD = 0.7
CONFLICT_THRESHOLD = PRIMARY_THRESHOLD
AGREEMENT_CAP = 0.99
SNAPSHOT_VERSION = "ccdash-mapping:v1"
_UNKNOWN_RANK = len(PRECEDENCE)


@dataclass(frozen=True, slots=True)
class ResolvedMapping:
    """One test mapped to one feature; `providers` lists every provider that agreed, by precedence."""

    test_id: str
    feature: str
    domain: str | None
    provider: str
    providers: tuple[str, ...]
    confidence: float
    is_primary: bool


@dataclass(frozen=True, slots=True)
class MappingConflict:
    """Providers that disagree about one test: (provider, feature, confidence) for each strong proposal."""

    test_id: str
    primary_feature: str | None
    proposals: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True, slots=True)
class Resolution:
    mappings: tuple[ResolvedMapping, ...]
    conflicts: tuple[MappingConflict, ...]
    snapshot_hash: str

    def primary(self) -> dict[str, ResolvedMapping]:
        """test_id -> its primary mapping, for tests that have one."""
        return {mapping.test_id: mapping for mapping in self.mappings if mapping.is_primary}


def rank(provider: str) -> int:
    return PRECEDENCE.get(provider, _UNKNOWN_RANK)


def combined_confidence(by_provider: dict[str, float]) -> float:
    """1.0 with an override, else 1 - Π(1 - c) over providers, capped at AGREEMENT_CAP."""
    if ProviderName.OVERRIDE in by_provider:
        return 1.0
    # Sorted so that float rounding, and hence the snapshot hash, does not depend on input order.
    miss = prod(1.0 - c for c in sorted(by_provider.values()))
    return round(min(AGREEMENT_CAP, 1.0 - miss), 6)


def _candidate_order(candidate: MappingCandidate) -> tuple[int, float, str, str]:
    return (rank(candidate.provider), -candidate.confidence, candidate.feature, candidate.domain or "")


def _resolve_group(test_id: str, group: list[MappingCandidate]) -> ResolvedMapping:
    ordered = sorted(group, key=_candidate_order)
    by_provider: dict[str, float] = {}
    for candidate in ordered:
        by_provider[candidate.provider] = max(by_provider.get(candidate.provider, 0.0), candidate.confidence)
    best = ordered[0]
    domain = next((c.domain for c in ordered if c.domain), None)
    return ResolvedMapping(
        test_id=test_id,
        feature=best.feature,
        domain=domain,
        provider=best.provider,
        providers=tuple(sorted(by_provider, key=lambda name: (rank(name), name))),
        confidence=combined_confidence(by_provider),
        is_primary=False,
    )


def _primary_order(mapping: ResolvedMapping) -> tuple[int, float, str]:
    return (rank(mapping.provider), -mapping.confidence, feature_key(mapping.feature))


def _resolve_test(
    test_id: str, candidates: list[MappingCandidate]
) -> tuple[list[ResolvedMapping], MappingConflict | None]:
    if len(candidates) == 1:
        # The common case (a path guess alone): nothing to group, combine or disagree with.
        (only,) = candidates
        confidence = combined_confidence({only.provider: only.confidence})
        single = ResolvedMapping(
            test_id, only.feature, only.domain, only.provider, (only.provider,), confidence,
            confidence >= PRIMARY_THRESHOLD,
        )  # fmt: skip
        return [single], None
    groups: dict[str, list[MappingCandidate]] = {}
    for candidate in candidates:
        groups.setdefault(feature_key(candidate.feature), []).append(candidate)
    resolved = [_resolve_group(test_id, group) for group in groups.values()]
    eligible = [mapping for mapping in resolved if mapping.confidence >= PRIMARY_THRESHOLD]
    primary = min(eligible, key=_primary_order) if eligible else None
    mappings = [
        ResolvedMapping(m.test_id, m.feature, m.domain, m.provider, m.providers, m.confidence, True)
        if m is primary
        else m
        for m in resolved
    ]
    return mappings, _conflict(test_id, candidates, primary)


def _conflict(
    test_id: str, candidates: list[MappingCandidate], primary: ResolvedMapping | None
) -> MappingConflict | None:
    if any(c.provider == ProviderName.OVERRIDE for c in candidates):
        return None
    strong: dict[tuple[str, str], MappingCandidate] = {}
    for candidate in candidates:
        if candidate.confidence < CONFLICT_THRESHOLD:
            continue
        slot = (candidate.provider, feature_key(candidate.feature))
        held = strong.get(slot)
        if held is None or _candidate_order(candidate) < _candidate_order(held):
            strong[slot] = candidate
    # Two providers and two features among strong proposals always include a cross pair that disagrees.
    if len({provider for provider, _ in strong}) < 2 or len({key for _, key in strong}) < 2:
        return None
    proposals = tuple(
        sorted(((c.provider, c.feature, c.confidence) for c in strong.values()), key=_proposal_order)
    )
    return MappingConflict(test_id, primary.feature if primary else None, proposals)


def _proposal_order(proposal: tuple[str, str, float]) -> tuple[int, str, float, str]:
    provider, feature, confidence = proposal
    return (rank(provider), provider, -confidence, feature)


def resolve(candidates: Iterable[MappingCandidate]) -> Resolution:
    """Resolve every test's candidates; output order is sorted and independent of input order."""
    by_test: dict[str, list[MappingCandidate]] = {}
    for candidate in candidates:
        by_test.setdefault(candidate.test_id, []).append(candidate)
    mappings: list[ResolvedMapping] = []
    conflicts: list[MappingConflict] = []
    for test_id in sorted(by_test):
        resolved, conflict = _resolve_test(test_id, by_test[test_id])
        mappings.extend(sorted(resolved, key=lambda m: (not m.is_primary, feature_key(m.feature))))
        if conflict is not None:
            conflicts.append(conflict)
    return Resolution(tuple(mappings), tuple(conflicts), snapshot_hash(mappings, conflicts))


def map_tests(tests: Sequence[TestRef], providers: Iterable[MappingProvider]) -> Resolution:
    """Run every provider over the tests and resolve what they propose."""
    candidates: list[MappingCandidate] = []
    for provider in providers:
        candidates.extend(provider.map(tests))
    return resolve(candidates)


def snapshot_document(mappings: Iterable[ResolvedMapping], conflicts: Iterable[MappingConflict]) -> dict:
    """The canonical document of a resolution: rows as arrays, sorted, so that it is also what is stored.

    mappings: [test_id, feature, domain, provider, [providers], confidence, is_primary];
    conflicts: [test_id, primary_feature, [[provider, feature, confidence], ...]].
    """
    # (test_id, feature) is unique in a resolution and test_id among conflicts, so sorting never
    # reaches a field where None could meet a str.
    rows = sorted(
        [m.test_id, m.feature, m.domain, m.provider, list(m.providers), m.confidence, m.is_primary]
        for m in mappings
    )
    conflict_rows = sorted([c.test_id, c.primary_feature, [list(p) for p in c.proposals]] for c in conflicts)
    return {"version": SNAPSHOT_VERSION, "mappings": rows, "conflicts": conflict_rows}


def document_hash(document: object) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8", "surrogatepass")).hexdigest()


def snapshot_hash(mappings: Iterable[ResolvedMapping], conflicts: Iterable[MappingConflict]) -> str:
    """sha256 hex of the canonical JSON of a resolution (sorted rows, sorted keys, no spaces)."""
    return document_hash(snapshot_document(mappings, conflicts))


def from_snapshot_document(
    document: dict,
) -> tuple[tuple[ResolvedMapping, ...], tuple[MappingConflict, ...]]:
    """The mappings and conflicts of a stored snapshot document (the inverse of snapshot_document)."""
    mappings = tuple(
        ResolvedMapping(test_id, feature, domain, provider, tuple(providers), confidence, bool(primary))
        for test_id, feature, domain, provider, providers, confidence, primary in document.get("mappings", [])
    )
    conflicts = tuple(
        MappingConflict(test_id, primary, tuple((p, f, c) for p, f, c in proposals))
        for test_id, primary, proposals in document.get("conflicts", [])
    )
    return mappings, conflicts
