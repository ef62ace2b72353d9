"""Repository contracts, one per entity: what the rest of the program may ask of a store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ccdash_tests.records import Status, TestResultDTO, TestRunDTO

if TYPE_CHECKING:
    # Pydantic models, in annotations only: the ingest path imports no Pydantic (records.py).
    from ccdash_tests.models import (
        TestDefinitionDTO,
        TestDomainDTO,
        TestFeatureMappingDTO,
        TestIntegritySignalDTO,
    )

# Bulk forms, as tuples: a resolution writes up to one row per test, and DTOs would cost more than the SQL.
# (domain_id, name, parent_id, kind)
DomainNode = tuple[str, str, str | None, str]
# The parameters of rows.UPSERT_MAPPING, in MAPPING_COLUMNS order (rows.mapping_params builds one from a DTO).
MappingRow = tuple[str, str, str, str | None, str, float, int, str | None, int, str]
# (project_id, test_id, feature, provider)
MappingKey = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One test's result in one run, with the run it belongs to."""

    run: TestRunDTO
    result: TestResultDTO


@runtime_checkable
class RunRepository(Protocol):
    def upsert(self, run: TestRunDTO) -> TestRunDTO: ...

    def get(self, project_id: str, run_id: str) -> TestRunDTO | None: ...

    def latest(self, project_id: str) -> TestRunDTO | None: ...

    def list_by_project(self, project_id: str, limit: int = 20) -> list[TestRunDTO]: ...

    def with_prefix(self, project_id: str, prefix: str, limit: int) -> list[TestRunDTO]: ...

    def list_by_session(self, project_id: str, agent_session_id: str) -> list[TestRunDTO]: ...

    def latest_for_feature(self, project_id: str, feature: str) -> TestRunDTO | None: ...


@runtime_checkable
class DefinitionRepository(Protocol):
    def upsert(self, definition: TestDefinitionDTO) -> TestDefinitionDTO: ...

    def get(self, project_id: str, test_id: str) -> TestDefinitionDTO | None: ...

    def all(self, project_id: str) -> list[TestDefinitionDTO]: ...

    def get_or_create(self, definition: TestDefinitionDTO) -> TestDefinitionDTO: ...

    def search(self, project_id: str, text: str, limit: int = 50) -> list[TestDefinitionDTO]: ...


@runtime_checkable
class ResultRepository(Protocol):
    def append(self, project_id: str, results: Sequence[TestResultDTO]) -> int: ...

    def by_run(
        self,
        project_id: str,
        run_id: str,
        statuses: Sequence[Status] | None = None,
        limit: int | None = None,
        flaky_only: bool = False,
    ) -> list[TestResultDTO]: ...

    def history(self, project_id: str, test_id: str, limit: int | None = None) -> list[HistoryEntry]: ...

    def latest_status(self, project_id: str, test_id: str) -> Status | None: ...


@runtime_checkable
class DomainRepository(Protocol):
    def upsert(self, domain: TestDomainDTO) -> TestDomainDTO: ...

    def get(self, project_id: str, domain_id: str) -> TestDomainDTO | None: ...

    def tree(self, project_id: str) -> list[TestDomainDTO]: ...

    def get_or_create(
        self, project_id: str, name: str, parent_id: str | None = None, kind: str = "domain"
    ) -> TestDomainDTO: ...

    def add_missing(self, project_id: str, nodes: Sequence[DomainNode]) -> int: ...


@runtime_checkable
class MappingRepository(Protocol):
    def upsert(self, mapping: TestFeatureMappingDTO) -> TestFeatureMappingDTO: ...

    def by_test(self, project_id: str, test_id: str) -> list[TestFeatureMappingDTO]: ...

    def by_feature(self, project_id: str, feature: str) -> list[TestFeatureMappingDTO]: ...

    def by_domain(self, project_id: str, domain_id: str) -> list[TestFeatureMappingDTO]: ...

    def primary_for(self, project_id: str, test_id: str) -> TestFeatureMappingDTO | None: ...

    def write_rows(self, upserts: Sequence[MappingRow], removals: Sequence[MappingKey]) -> None: ...


@runtime_checkable
class SignalRepository(Protocol):
    def insert(self, signal: TestIntegritySignalDTO) -> bool: ...

    def by_project(self, project_id: str, state: str | None = None) -> list[TestIntegritySignalDTO]: ...

    def by_sha(self, project_id: str, git_sha: str) -> list[TestIntegritySignalDTO]: ...

    def since(self, project_id: str, since: datetime) -> list[TestIntegritySignalDTO]: ...

    def acknowledge(self, project_id: str, signal_id: str, reason: str) -> bool: ...

    def resolve(self, project_id: str, signal_id: str, resolved_sha: str, at: datetime) -> bool: ...
