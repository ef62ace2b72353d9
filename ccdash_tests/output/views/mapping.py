"""The views of `map ...`: what a resolution did, the conflicts, and the mapping as a table or JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from ccdash_tests.mapping import MappingConflict, ResolvedMapping, TestRef
from ccdash_tests.mapping.service import ResolveOutcome, Snapshot
from ccdash_tests.output import terminal
from ccdash_tests.text import test_label


def _say_outcome(outcome: ResolveOutcome, lead: str) -> None:
    console = terminal.make_console()
    version = f"snapshot v{outcome.version}" + (" (new)" if outcome.new_version else " (unchanged)")
    console.print(
        terminal.plain(
            f"{lead}{outcome.tests_resolved:,} tests resolved, "
            f"{outcome.mapped_tests:,} with a primary feature, "
            f"{outcome.conflicts or 0:,} conflicts; {outcome.rows_written:,} mapping rows written, "
            f"{outcome.rows_removed:,} removed; {version}"
        )
    )


def _label(ref: TestRef | None, test_id: str) -> str:
    if ref is None:
        return test_id
    return test_label(ref.classname, ref.name, path=ref.path)


def conflict_document(conflict: MappingConflict, ref: TestRef | None) -> dict:
    return {
        "test_id": conflict.test_id,
        "test": _label(ref, conflict.test_id),
        "primary_feature": conflict.primary_feature,
        "proposals": [
            {"provider": provider, "feature": feature, "confidence": confidence}
            for provider, feature, confidence in conflict.proposals
        ],
    }


def mapping_document(mapping: ResolvedMapping, ref: TestRef | None) -> dict:
    return {
        "test_id": mapping.test_id,
        "test": _label(ref, mapping.test_id),
        "feature": mapping.feature,
        "domain": mapping.domain,
        "provider": mapping.provider,
        "providers": list(mapping.providers),
        "confidence": mapping.confidence,
        "is_primary": mapping.is_primary,
    }


def show_resolution(outcome: ResolveOutcome, lead: str, document: dict[str, Any], json_out: bool) -> None:
    """What a command that changed the mapping did: `document` as JSON, or one line led by `lead`."""
    if json_out:
        terminal.print_json(document)
    else:
        _say_outcome(outcome, lead)


def show_conflicts(snapshot: Snapshot | None, labels: Mapping[str, TestRef], json_out: bool) -> None:
    conflicts = snapshot.conflicts if snapshot else ()
    documents = [conflict_document(c, labels.get(c.test_id)) for c in conflicts]
    if json_out:
        terminal.print_json({"version": snapshot.version if snapshot else 0, "conflicts": documents})
        return
    console = terminal.make_console()
    if not documents:
        console.print("No conflicts: the providers agree on every test.")
        return
    table = Table(title=f"Mapping conflicts ({len(documents)})", title_justify="left")
    for column in ("test", "primary", "proposals"):
        table.add_column(column, overflow="fold")
    for document in documents:
        proposals = Text()
        for item in document["proposals"]:
            if proposals:
                proposals.append("\n")
            proposals.append(f"{item['provider']}: ", style="dim")
            proposals.append(terminal.safe(item["feature"]))
            proposals.append(f" ({item['confidence']:.2f})", style="dim")
        table.add_row(
            terminal.plain(document["test"]),
            terminal.plain(document["primary_feature"] or "-"),
            proposals,
        )
    console.print(table)


def show_mappings(
    snapshot: Snapshot | None,
    mappings: Sequence[ResolvedMapping],
    labels: Mapping[str, TestRef],
    when: datetime | None,
    json_out: bool,
) -> None:
    documents = [mapping_document(m, labels.get(m.test_id)) for m in mappings]
    if json_out:
        terminal.print_json(
            {
                "version": snapshot.version if snapshot else 0,
                "snapshot_hash": snapshot.snapshot_hash if snapshot else None,
                "created_at": snapshot.created_at.isoformat() if snapshot else None,
                "mappings": documents,
            }
        )
        return
    console = terminal.make_console()
    if snapshot is None:
        console.print("No mapping yet" + (" at that time." if when else ". Run: ccdash-tests map resolve"))
        return
    title = f"Mapping v{snapshot.version} ({terminal.format_time(snapshot.created_at)} UTC)"
    table = Table(title=title, title_justify="left")
    for column in ("test", "feature", "domain", "provider", "confidence", "primary"):
        table.add_column(column, overflow="fold", justify="right" if column == "confidence" else "left")
    for document in documents:
        table.add_row(
            terminal.plain(document["test"]),
            terminal.plain(document["feature"]),
            terminal.plain(document["domain"] or "-"),
            terminal.plain("+".join(document["providers"])),
            f"{document['confidence']:.2f}",
            Text("yes", style="green") if document["is_primary"] else Text("-", style="dim"),
        )
    console.print(table)
