"""Provider registry: every ProviderName maps to the class that implements it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ccdash_tests.mapping.base import MappingProvider, ProviderName
from ccdash_tests.mapping.imported import ImportedProvider
from ccdash_tests.mapping.metadata import MetadataProvider
from ccdash_tests.mapping.override import Override, OverrideProvider
from ccdash_tests.mapping.paths import PathsProvider

PROVIDERS: dict[str, type[MappingProvider]] = {
    ProviderName.OVERRIDE: OverrideProvider,
    ProviderName.METADATA: MetadataProvider,
    ProviderName.IMPORTED: ImportedProvider,
    ProviderName.PATHS: PathsProvider,
}


def default_providers(
    mapping_files: Sequence[str | Path] = (), overrides: Iterable[Override] = ()
) -> list[MappingProvider]:
    """All four providers, in precedence order; reading the mapping files may raise MappingFileError."""
    return [
        OverrideProvider(overrides),
        MetadataProvider(),
        ImportedProvider.from_files(mapping_files),
        PathsProvider(),
    ]
