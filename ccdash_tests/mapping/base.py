"""Mapping vocabulary: what a provider reads (TestRef) and proposes (MappingCandidate), and its interface."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ccdash_tests.text import pytest_nodeid, test_label

if TYPE_CHECKING:
    # Pydantic models, in annotations only: the ingest path imports no Pydantic (records.py).
    from ccdash_tests.models import TestDefinitionDTO


class ProviderName(enum.StrEnum):
    """Every mapping provider; the order of PRECEDENCE below decides which one wins."""

    OVERRIDE = "override"
    METADATA = "metadata"
    IMPORTED = "imported"
    PATHS = "paths"


# Lower rank wins: a user's override beats a tag in the test, which beats a rule file, which beats a guess.
# The domain of a feature mapped without one: the root the domain tree (and health's rollups) put it under.
UNASSIGNED = "(unassigned)"

PRECEDENCE: dict[str, int] = {
    ProviderName.OVERRIDE: 0,
    ProviderName.METADATA: 1,
    ProviderName.IMPORTED: 2,
    ProviderName.PATHS: 3,
}


@dataclass(frozen=True, slots=True)
class TestRef:
    """The facts about one test that providers may look at; built from a stored definition."""

    __test__ = False

    test_id: str
    suite: str = ""
    classname: str = ""
    name: str = ""
    path: str | None = None
    framework: str | None = None
    # Excluded from the hash: a dict is unhashable, and test_id already identifies the test.
    tags: dict[str, str] = field(default_factory=dict, hash=False)

    @classmethod
    def from_definition(cls, definition: TestDefinitionDTO) -> TestRef:
        return cls(
            test_id=definition.test_id,
            suite=definition.suite,
            classname=definition.classname,
            name=definition.name,
            path=definition.path,
            framework=definition.framework,
            tags=dict(definition.tags),
        )

    @property
    def label(self) -> str:
        """The test as every output names it, in its framework's form (text.test_label)."""
        return test_label(self.classname, self.name, self.test_id, self.path, self.framework)


@dataclass(frozen=True, slots=True)
class MappingCandidate:
    """One provider's proposal that a test proves a feature, in a domain path such as "billing/invoices"."""

    test_id: str
    feature: str
    domain: str | None
    provider: str
    confidence: float


def nodeid(test: TestRef) -> str | None:
    """The pytest node id ("tests/a/test_b.py::TestC::test_d[x]") when the path and classname allow it.

    Users and generated mapping files name pytest tests this way; the class part is what the dotted
    classname adds after the module path that the file path spells.
    """
    if not test.path or not test.name:
        return None
    path = test.path.replace("\\", "/")
    return pytest_nodeid(test.classname, test.name, path) or f"{path}::{test.name}"


@runtime_checkable
class MappingProvider(Protocol):
    """Proposes features for tests. Pure: no I/O in `map` (files are read when a provider is built)."""

    name: str

    def map(self, tests: Sequence[TestRef]) -> list[MappingCandidate]: ...


_SPACES = re.compile(r"\s+")


def normalise_domain(domain: str | None) -> str | None:
    """A domain path in canonical form: lower case segments joined by "/"; None when empty.

    "Billing / Invoices", "billing.invoices" and "billing/invoices/" all become "billing/invoices", so
    that providers that spell one area differently land on one node of the domain tree.
    """
    if domain is None:
        return None
    segments = [_SPACES.sub(" ", part).strip().lower() for part in re.split(r"[/.>\\]", domain)]
    joined = "/".join(part for part in segments if part)
    return joined or None


def normalise_feature(feature: str) -> str:
    """A feature name with its white space folded; case is kept for display."""
    return _SPACES.sub(" ", feature).strip()


@lru_cache(maxsize=65536)
def feature_key(feature: str) -> str:
    """What two providers must share to be said to agree on a feature."""
    return normalise_feature(feature).casefold()
