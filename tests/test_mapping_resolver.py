"""Resolver rules: precedence, agreement, the 0.7 primary rule, conflicts, snapshot hash, 10,000 tests."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from factories import area_candidates, area_tests

from ccdash_tests.mapping import (
    MappingCandidate,
    Override,
    TestRef,
    default_providers,
    load_rules,
    map_tests,
    resolve,
)
from ccdash_tests.mapping.resolver import combined_confidence


def cand(
    feature: str, provider: str, confidence: float, domain: str | None = None, test: str = "t"
) -> MappingCandidate:
    return MappingCandidate(test, feature, domain, provider, confidence)


def primary_of(candidates: list[MappingCandidate], test: str = "t") -> tuple[str, str, float] | None:
    found = resolve(candidates).primary().get(test)
    return (found.feature, found.provider, found.confidence) if found else None


def test_precedence_override_metadata_imported_paths() -> None:
    pool = [
        cand("p", "paths", 0.75),
        cand("i", "imported", 0.8),
        cand("m", "metadata", 0.9),
        cand("o", "override", 1.0),
    ]
    assert primary_of(pool) == ("o", "override", 1.0)
    assert primary_of(pool[:3]) == ("m", "metadata", 0.9)
    assert primary_of(pool[:2]) == ("i", "imported", 0.8)
    assert primary_of(pool[:1]) == ("p", "paths", 0.75)


def test_precedence_beats_confidence_among_eligible_groups() -> None:
    # "y" is backed by two providers (0.91) but the metadata tag ranks first.
    pool = [cand("x", "metadata", 0.9), cand("y", "imported", 0.8), cand("y", "paths", 0.55)]
    resolution = resolve(pool)
    assert primary_of(pool) == ("x", "metadata", 0.9)
    assert {m.feature: m.confidence for m in resolution.mappings} == {"x": 0.9, "y": 0.91}


def test_agreement_raises_confidence_by_noisy_or_capped_below_one() -> None:
    pool = [cand("totals", "paths", 0.6, "billing"), cand("Totals", "imported", 0.8)]
    (mapping,) = resolve(pool).mappings
    assert mapping.confidence == pytest.approx(1 - 0.4 * 0.2)
    assert (mapping.feature, mapping.provider, mapping.providers) == (
        "Totals",
        "imported",
        ("imported", "paths"),
    )
    # The imported rule gave no domain; the paths guess fills it in.
    assert mapping.domain == "billing"
    assert combined_confidence({"metadata": 0.9, "imported": 0.95, "paths": 0.6}) == 0.99
    assert combined_confidence({"override": 1.0, "paths": 0.6}) == 1.0
    # One provider proposing a feature twice is not independent evidence.
    assert resolve([cand("a", "paths", 0.6), cand("a", "paths", 0.5)]).mappings[0].confidence == 0.6


def test_agreement_can_lift_two_weak_guesses_over_the_primary_threshold() -> None:
    assert primary_of([cand("a", "paths", 0.6)]) is None
    assert primary_of([cand("a", "paths", 0.6), cand("a", "imported", 0.3)]) == ("a", "imported", 0.72)


def test_below_threshold_is_never_primary_and_each_test_has_at_most_one_primary() -> None:
    pool = [
        cand("a", "paths", 0.69),
        cand("b", "imported", 0.65, test="u"),
        cand("c", "imported", 0.7, test="u"),
    ]
    resolution = resolve(pool)
    assert "t" not in resolution.primary()
    assert resolution.primary()["u"].feature == "c"
    assert [m.is_primary for m in resolution.mappings if m.test_id == "t"] == [False]
    two_tags = [cand("a", "metadata", 0.9), cand("b", "metadata", 0.9)]
    assert sum(m.is_primary for m in resolve(two_tags).mappings) == 1
    assert primary_of(two_tags) == ("a", "metadata", 0.9)


def test_conflicts_between_providers() -> None:
    resolution = resolve(
        [
            # A confident tag against a confident rule: a conflict.
            cand("x", "metadata", 0.9, test="t1"),
            cand("y", "imported", 0.8, test="t1"),
            # A path guess (below the primary bar) disagreeing is no conflict.
            cand("x", "metadata", 0.9, test="t2"),
            cand("y", "paths", 0.6, test="t2"),
            # Two features from one provider are a test proving two features, not a disagreement.
            cand("x", "metadata", 0.9, test="t3"),
            cand("y", "metadata", 0.9, test="t3"),
            # Providers agreeing is no conflict.
            cand("x", "metadata", 0.9, test="t4"),
            cand("X", "paths", 0.6, test="t4"),
            # The user decided with an override.
            cand("x", "override", 1.0, test="t5"),
            cand("y", "metadata", 0.9, test="t5"),
            # Both weak: neither could be primary, so nothing is decided and nothing conflicts.
            cand("x", "paths", 0.6, test="t6"),
            cand("y", "imported", 0.6, test="t6"),
            # Exactly at the bar on both sides: a conflict; the guess beside them is not listed.
            cand("x", "imported", 0.7, test="t7"),
            cand("y", "metadata", 0.7, test="t7"),
            cand("z", "paths", 0.6, test="t7"),
        ]
    )
    assert [(c.test_id, c.primary_feature, c.proposals) for c in resolution.conflicts] == [
        ("t1", "x", (("metadata", "x", 0.9), ("imported", "y", 0.8))),
        ("t7", "y", (("metadata", "y", 0.7), ("imported", "x", 0.7))),
    ]


def test_snapshot_hash_is_order_independent_and_changes_with_any_mapping() -> None:
    rng = random.Random(7)
    pool = [
        cand(f"f{i % 5}", provider, rng.choice([0.3, 0.55, 0.6, 0.8, 0.9]), f"d{i % 3}", test=f"t{i % 40}")
        for i in range(300)
        for provider in ("paths", "imported", "metadata")
    ]
    first = resolve(pool)
    for _ in range(5):
        shuffled = pool[:]
        rng.shuffle(shuffled)
        again = resolve(shuffled)
        assert again.snapshot_hash == first.snapshot_hash
        assert again.mappings == first.mappings
    assert len(first.snapshot_hash) == 64
    solo = cand("s", "imported", 0.8, "d", test="solo")
    variants = [
        [*pool, solo],
        [*pool, cand("s", "imported", 0.8, "other", test="solo")],
        [*pool, cand("s", "imported", 0.81, "d", test="solo")],
        [*pool, cand("s2", "imported", 0.8, "d", test="solo")],
        [*pool, cand("s", "metadata", 0.8, "d", test="solo")],
        [*pool, solo, cand("s", "paths", 0.6, test="solo")],
    ]
    hashes = {resolve(p).snapshot_hash for p in (pool, *variants)}
    assert len(hashes) == 1 + len(variants)
    assert resolve([]).snapshot_hash == resolve([]).snapshot_hash


def test_map_tests_runs_every_provider_end_to_end(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.json"
    rules_file.write_text('[{"pattern": "tests/billing/*", "feature": "totals"}]', encoding="utf-8")
    tests = [
        TestRef(
            "a", classname="tests.billing.test_totals", name="test_sum", path="tests/billing/test_totals.py"
        ),
        TestRef(
            "b",
            classname="tests.cart.test_add",
            name="test_add",
            tags={"feature": "checkout", "domain": "shop"},
        ),
        TestRef("c", classname="tests.cart.test_add", name="test_remove"),
    ]
    providers = default_providers([rules_file], [Override("test_remove", "cart", "shop/cart")])
    primary = map_tests(tests, providers).primary()
    assert (primary["a"].feature, primary["a"].domain, primary["a"].confidence) == ("totals", "billing", 0.92)
    assert (primary["b"].feature, primary["b"].domain, primary["b"].provider) == (
        "checkout",
        "shop",
        "metadata",
    )
    assert (primary["c"].feature, primary["c"].domain, primary["c"].provider) == (
        "cart",
        "shop/cart",
        "override",
    )
    assert load_rules(rules_file)[0].confidence == 0.8


def test_ten_thousand_tests_resolve() -> None:
    """The correctness half of the 10,000-test workload; bench/run.py measures its CPU time."""
    resolution = resolve(area_candidates(area_tests(10_000)))
    # A test gets a primary from its tag (every third) or a billing/cart rule; paths alone stay at 0.6.
    expected = sum(1 for i in range(10_000) if i % 3 == 0 or i % 5 in (0, 1))
    assert len(resolution.primary()) == expected
    assert len({m.test_id for m in resolution.mappings}) == 10_000
