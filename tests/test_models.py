"""Every Pydantic DTO round-trips through JSON unchanged; status codes are a stable contract.

The plain records (run, result, source, ingest request) are tests/test_records.py's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from ccdash_tests.models import (
    STATUS_BY_CODE,
    STATUS_CODES,
    DomainHealthRollupDTO,
    FeatureTestHealthDTO,
    SignalSeverity,
    Status,
    TestDefinitionDTO,
    TestDomainDTO,
    TestFeatureMappingDTO,
    TestIntegritySignalDTO,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

SAMPLES: list[BaseModel] = [
    TestDefinitionDTO(test_id="t", project_id="p", name="test_x[1]", base_name="test_x", tags={"k": "v"}),
    TestDomainDTO(domain_id="billing/invoices", project_id="p", name="invoices", parent_id="billing"),
    TestFeatureMappingDTO(project_id="p", test_id="t", feature="f", provider="paths", confidence=0.6),
    TestIntegritySignalDTO(
        signal_id="s", project_id="p", git_sha="a" * 40, file_path="t.py", signal_type="assertion_removed",
        severity=SignalSeverity.HIGH, details={"removed": ["assert x"]}, created_at=NOW,
    ),
    DomainHealthRollupDTO(
        domain_id="billing", name="billing", children=[DomainHealthRollupDTO(domain_id="billing/x", name="x")]
    ),
    FeatureTestHealthDTO(feature="f", trend=[1.0, None, 0.5], last_run_at=NOW),
]  # fmt: skip


@pytest.mark.parametrize("dto", SAMPLES, ids=lambda dto: type(dto).__name__)
def test_round_trip(dto: BaseModel) -> None:
    assert type(dto).model_validate_json(dto.model_dump_json()) == dto


def test_status_codes_are_fixed() -> None:
    # Stored rows hold these numbers: renumbering would silently change history.
    assert {s.value: c for s, c in STATUS_CODES.items()} == {
        "passed": 0, "failed": 1, "error": 2, "skipped": 3, "xfailed": 4, "xpassed": 5,
    }  # fmt: skip
    assert all(STATUS_BY_CODE[code] is status for status, code in STATUS_CODES.items())
    assert [s for s in Status if s.is_bad] == [Status.FAILED, Status.ERROR]


def test_dtos_are_immutable() -> None:
    with pytest.raises(ValueError):
        SAMPLES[0].run_id = "other"  # type: ignore[attr-defined,misc]
