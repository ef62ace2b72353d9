"""Test-to-feature mapping: providers propose, the resolver decides (see resolver.py for the rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ccdash_tests.mapping.base import (
    PRECEDENCE,
    MappingCandidate,
    MappingProvider,
    ProviderName,
    TestRef,
    feature_key,
    normalise_domain,
)
from ccdash_tests.mapping.imported import ImportedProvider, MappingFileError
from ccdash_tests.mapping.metadata import MetadataProvider
from ccdash_tests.mapping.override import Override, OverrideProvider
from ccdash_tests.mapping.paths import PathsProvider
from ccdash_tests.mapping.registry import PROVIDERS, default_providers
from ccdash_tests.mapping.resolver import (
    PRIMARY_THRESHOLD,
    MappingConflict,
    Resolution,
    ResolvedMapping,
    map_tests,
    resolve,
    snapshot_hash,
)

if TYPE_CHECKING:
    from ccdash_tests.mapping.rules import MappingRule, load_rules


def __getattr__(name: str) -> Any:
    # The rule schema is Pydantic (rules.py): imported when a rule is first asked for, so that an
    # ingest mapping its new tests through this package imports no Pydantic.
    if name in ("MappingRule", "load_rules"):
        from ccdash_tests.mapping import rules

        return getattr(rules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PRECEDENCE",
    "PRIMARY_THRESHOLD",
    "PROVIDERS",
    "ImportedProvider",
    "MappingCandidate",
    "MappingConflict",
    "MappingFileError",
    "MappingProvider",
    "MappingRule",
    "MetadataProvider",
    "Override",
    "OverrideProvider",
    "PathsProvider",
    "ProviderName",
    "Resolution",
    "ResolvedMapping",
    "TestRef",
    "default_providers",
    "feature_key",
    "load_rules",
    "map_tests",
    "normalise_domain",
    "resolve",
    "snapshot_hash",
]
