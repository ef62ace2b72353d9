"""The `override` provider: a user's explicit decision that a test proves a feature; always wins.

An override's key is matched exactly against a test's test_id, its name, `classname::name`,
`path::name`, its pytest node id (`tests/a/test_b.py::TestC::test_d`) or its label in its framework's
form (`com.x.FooTest.adds`, `test/a.test.js > suite > test`: text.test_label). A bare name may match
several tests (the same name in two classes): that is allowed and applies to all of them; use the
test_id or the node id to pin one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ccdash_tests.mapping.base import (
    MappingCandidate,
    ProviderName,
    TestRef,
    nodeid,
    normalise_domain,
    normalise_feature,
)

OVERRIDE_CONFIDENCE = 1.0


@dataclass(frozen=True, slots=True)
class Override:
    key: str
    feature: str
    domain: str | None = None


def keys_of(test: TestRef) -> tuple[str, ...]:
    """Every exact key by which an override may name this test."""
    # `path::name` only when it is the test's node id: for a test in a class it would be the node id
    # of a module-level test of the same name.
    keys = [test.test_id, test.name, f"{test.classname}::{test.name}", nodeid(test) or "", test.label]
    return tuple(dict.fromkeys(key for key in keys if key))


class OverrideProvider:
    """User overrides: confidence 1.0, first in precedence."""

    name: str = ProviderName.OVERRIDE.value

    def __init__(self, overrides: Iterable[Override] = ()) -> None:
        self._by_key: dict[str, list[Override]] = {}
        for item in overrides:
            clean = Override(item.key.strip(), normalise_feature(item.feature), normalise_domain(item.domain))
            if clean.key and clean.feature:
                self._by_key.setdefault(clean.key, []).append(clean)

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, str | tuple[str, str | None]]) -> OverrideProvider:
        """From `{key: feature}` or `{key: (feature, domain)}`."""
        items = []
        for key, value in overrides.items():
            feature, domain = (value, None) if isinstance(value, str) else value
            items.append(Override(key, feature, domain))
        return cls(items)

    def map(self, tests: Sequence[TestRef]) -> list[MappingCandidate]:
        candidates: list[MappingCandidate] = []
        if not self._by_key:
            return candidates
        for test in tests:
            seen: set[tuple[str, str | None]] = set()
            for key in keys_of(test):
                for item in self._by_key.get(key, ()):
                    if (item.feature, item.domain) not in seen:
                        seen.add((item.feature, item.domain))
                        candidates.append(
                            MappingCandidate(
                                test.test_id, item.feature, item.domain, self.name, OVERRIDE_CONFIDENCE
                            )
                        )
        return candidates
