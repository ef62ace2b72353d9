"""Test-to-feature mapping: providers propose, the resolver decides (see resolver.py for the rules)."""

from ccdash_tests.mapping.base import (
    PRECEDENCE,
    MappingCandidate,
    MappingProvider,
    ProviderName,
    TestRef,
    feature_key,
    normalise_domain,
)
from ccdash_tests.mapping.imported import ImportedProvider, MappingFileError, MappingRule, load_rules
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
