"""The views of `map ...`: what a resolution did, the conflicts, and the mapping as a table or JSON."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.text import Text

from ccdash_tests.mapping import MappingConflict, ResolvedMapping, TestRef
from ccdash_tests.mapping.service import ResolveOutcome, RuleMatches, Snapshot, Suggestion
from ccdash_tests.output import terminal
from ccdash_tests.text import plural


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
    return ref.label


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


def show_import(source: str, matches: Sequence[RuleMatches], outcome: ResolveOutcome, json_out: bool) -> None:
    """`map import`: what each rule matched, a warning per rule that matched nothing, then the resolution."""
    unmatched = [m for m in matches if m.tests == 0]
    if json_out:
        terminal.print_json(
            {
                "source": source,
                "rules": len(matches),
                "rule_matches": [m.to_json_dict() for m in matches],
                "unmatched_rules": len(unmatched),
                "resolution": outcome.to_json_dict(),
            }
        )
        return
    console = terminal.make_console()
    table = terminal.Grid(
        Text(f"Rules of {terminal.safe(source)}", style="bold"),
        [
            terminal.Col("pattern", "name", min=12),
            terminal.Col("feature", "id", min=12),
            terminal.Col("tests", justify="right"),
        ],
    )
    for match in matches:
        style = "yellow" if match.tests == 0 else ""
        table.add_row(
            terminal.plain(match.rule.pattern, style=style),
            terminal.plain(match.rule.feature),
            Text(f"{match.tests:,}", style=style),
        )
    console.print(table)
    _say_outcome(outcome, f"Imported {plural(len(matches), 'rule')} from {source}. ")
    if unmatched:
        errors = terminal.make_console(stderr=True)
        for match in unmatched:
            errors.print(
                terminal.plain(
                    f"Warning: rule {match.rule.pattern!r} ({match.rule.feature}) matched no stored test;"
                    " patterns are tried against each test's path, node id, class::name and test_id"
                    " (`ccdash-tests map show` lists them).",
                    style="yellow",
                )
            )


def show_suggestion(suggestion: Suggestion, json_out: bool) -> None:
    """`map suggest`: the file's text on standard output (`-`), else what was written where."""
    if json_out:
        terminal.print_json(
            {
                "file": str(suggestion.written_to) if suggestion.written_to else None,
                "tests": suggestion.tests,
                "rules": [
                    {"pattern": r.pattern, "feature": r.feature, "domain": r.domain, "tests": r.tests}
                    for r in suggestion.rules
                ],
            }
        )
        return
    if suggestion.written_to is None:
        sys.stdout.write(suggestion.text)
        return
    covered = sum(rule.tests for rule in suggestion.rules)
    rules, tests = plural(len(suggestion.rules), "rule"), plural(suggestion.tests, "test")
    where = suggestion.written_to
    text = f"Wrote {rules} for {covered:,} of {tests} to {where}; edit it and `ccdash-tests map import` it."
    terminal.make_console().print(terminal.plain(text))


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
    table = terminal.Grid(
        Text(f"Mapping conflicts ({len(documents):,})", style="bold"),
        [
            terminal.Col("test", "name", min=16),
            terminal.Col("primary", "id", min=10),
            terminal.Col("proposals", "text", min=16),
        ],
    )
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
    table = terminal.Grid(
        Text(title, style="bold"),
        [
            terminal.Col("test", "name", min=16),
            terminal.Col("feature", "id", min=10),
            terminal.Col("domain", "id", min=8, optional=True),
            terminal.Col("provider", "id", min=8, optional=True),
            terminal.Col("confidence", justify="right"),
            terminal.Col("primary"),
        ],
    )
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
