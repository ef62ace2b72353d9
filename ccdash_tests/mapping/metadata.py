"""The `metadata` provider: features and domains that the test itself declares in tags or properties.

Accepted, with keys compared case-insensitively:

- a property or tag named `feature` / `ccdash_feature` whose value is the feature (several may be
  given, separated by commas or semicolons), and `domain` / `ccdash_domain` for its domain path;
  this is how `@pytest.mark.feature("x")` (recorded with `record_property`) and JUnit
  `<property name="feature" value="x"/>` arrive;
- keys written as `feature:x` or `feature=x` (and `domain:...`, `ccdash_feature:...`), the form of a
  bare marker or keyword such as a JUnit 5 `@Tag("feature:x")`; their value is ignored;
- the same `feature:x` items inside the value of a `tags`, `tag`, `labels`, `markers` or `keywords`
  property, separated by commas, semicolons or white space.

A `feature` or `domain` key whose value is empty or a bare flag ("1", "true", "yes") is a marker name
seen without its argument (a keyword list turned into a dict) and is ignored. A domain given
without any feature proposes nothing: a candidate always names a feature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ccdash_tests.mapping.base import (
    MappingCandidate,
    ProviderName,
    TestRef,
    feature_key,
    normalise_domain,
    normalise_feature,
)

FEATURE_KEYS = frozenset({"feature", "ccdash_feature"})
DOMAIN_KEYS = frozenset({"domain", "ccdash_domain"})
LIST_KEYS = frozenset({"tags", "tag", "labels", "markers", "keywords"})
METADATA_CONFIDENCE = 0.9
FLAG_VALUES = frozenset({"", "1", "true", "yes", "on"})

_VALUE_SEPARATORS = re.compile(r"[,;]")
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
_INLINE = re.compile(r"^\s*(ccdash_feature|ccdash_domain|feature|domain)\s*[:=]\s*(.+?)\s*$", re.IGNORECASE)


def declared(tags: Mapping[str, str]) -> tuple[list[str], str | None]:
    """The features (in order, without repeats) and the domain a test's tags declare."""
    features: list[str] = []
    domain: str | None = None

    def take(kind: str, value: str) -> None:
        nonlocal domain
        if value.strip().lower() in FLAG_VALUES:
            return
        if kind in FEATURE_KEYS:
            features.extend(part for part in _VALUE_SEPARATORS.split(value) if part.strip())
        elif domain is None:
            domain = normalise_domain(value)

    for raw_key, raw_value in tags.items():
        key = raw_key.strip().lower()
        value = "" if raw_value is None else str(raw_value)
        if key in FEATURE_KEYS or key in DOMAIN_KEYS:
            take(key, value)
        elif inline := _INLINE.match(raw_key):
            take(inline.group(1).lower(), inline.group(2))
        elif key in LIST_KEYS:
            for item in _LIST_SEPARATORS.split(value):
                if inline := _INLINE.match(item):
                    take(inline.group(1).lower(), inline.group(2))
    return _unique(features), domain


def _unique(features: list[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for feature in features:
        clean = normalise_feature(feature)
        if clean and feature_key(clean) not in seen:
            seen.add(feature_key(clean))
            kept.append(clean)
    return kept


class MetadataProvider:
    """High-confidence mappings that the test's author wrote next to the test."""

    name: str = ProviderName.METADATA.value

    def map(self, tests: Sequence[TestRef]) -> list[MappingCandidate]:
        candidates: list[MappingCandidate] = []
        for test in tests:
            if not test.tags:
                continue
            features, domain = declared(test.tags)
            candidates.extend(
                MappingCandidate(test.test_id, feature, domain, self.name, METADATA_CONFIDENCE)
                for feature in features
            )
        return candidates
