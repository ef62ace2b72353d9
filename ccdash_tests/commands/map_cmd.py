"""`ccdash-tests map import|set|unset|resolve|conflicts|show`: which feature each test proves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ccdash_tests import render
from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    app,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.mapping import MappingConflict, ResolvedMapping, TestRef, load_rules
from ccdash_tests.mapping.override import keys_of
from ccdash_tests.mapping.service import (
    ResolveOutcome,
    Snapshot,
    clean_override,
    find_tests,
    import_rules,
    remove_override,
    resolve_mappings,
    set_override,
    snapshot_at,
    test_refs,
)
from ccdash_tests.store import open_store
from ccdash_tests.store.engine import Engine
from ccdash_tests.text import test_label
from ccdash_tests.times import parse_timestamp

map_app = typer.Typer(
    help="Test-to-feature mappings: rules, overrides, resolution, history.", no_args_is_help=True
)
app.add_typer(map_app, name="map")


def _say_outcome(outcome: ResolveOutcome, lead: str) -> None:
    console = render.make_console()
    version = f"snapshot v{outcome.version}" + (" (new)" if outcome.new_version else " (unchanged)")
    console.print(
        render.plain(
            f"{lead}{outcome.tests_resolved:,} tests resolved, "
            f"{outcome.mapped_tests:,} with a primary feature, "
            f"{outcome.conflicts or 0:,} conflicts; {outcome.rows_written:,} mapping rows written, "
            f"{outcome.rows_removed:,} removed; {version}"
        )
    )


@map_app.command("import")
def map_import(
    file: Annotated[
        Path, typer.Argument(help="Rule file, JSON or YAML: a list of {pattern, feature, domain?}.")
    ],
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Store a rule file (re-importing a file of the same name replaces its rules) and re-resolve."""
    with user_errors():
        name = resolve_project(project)
        rules = load_rules(file)
        with open_store(db) as store:
            import_rules(store, name, file.name, rules)
            outcome = resolve_mappings(store, name)
        if json_out:
            render.print_json(
                {"source": file.name, "rules": len(rules), "resolution": outcome.to_json_dict()}
            )
            return
        _say_outcome(outcome, f"Imported {len(rules)} rules from {file.name}. ")


@map_app.command("set")
def map_set(
    test: Annotated[str, typer.Argument(help="test_id, name, class::name, path::name or pytest node id.")],
    feature: Annotated[str, typer.Option("--feature", help="The feature the test proves.")],
    domain: Annotated[
        str | None, typer.Option("--domain", help="Its domain path, e.g. billing/invoices.")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Map a test to a feature yourself: an override always wins and is kept for later resolutions."""
    with user_errors():
        name = resolve_project(project)
        override = clean_override(test, feature, domain)
        with open_store(db) as store:
            matched = find_tests(store.engine, name, override.key)
            if not matched:
                raise UserError(f"no stored test of project {name!r} is named {override.key!r}")
            set_override(store, name, override)
            outcome = resolve_mappings(store, name)
        if json_out:
            render.print_json(
                {
                    "key": override.key,
                    "feature": override.feature,
                    "domain": override.domain,
                    "tests": [ref.test_id for ref in matched],
                    "resolution": outcome.to_json_dict(),
                }
            )
            return
        _say_outcome(outcome, f"{len(matched)} test(s) now prove {override.feature}. ")


@map_app.command("unset")
def map_unset(
    test: Annotated[str, typer.Argument(help="The key given to `map set`.")],
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Remove an override; the other providers decide again."""
    with user_errors():
        name = resolve_project(project)
        with open_store(db) as store:
            if not remove_override(store, name, test.strip()):
                raise UserError(f"no override named {test.strip()!r} in project {name!r}")
            outcome = resolve_mappings(store, name)
        if json_out:
            render.print_json({"key": test.strip(), "resolution": outcome.to_json_dict()})
            return
        _say_outcome(outcome, "Override removed. ")


@map_app.command("resolve")
def map_resolve(
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Resolve every test's mapping again from the stored rules, overrides, tags and paths."""
    with user_errors():
        name = resolve_project(project)
        with open_store(db) as store:
            outcome = resolve_mappings(store, name)
        if json_out:
            render.print_json(outcome.to_json_dict())
            return
        _say_outcome(outcome, "")


def _labels(engine: Engine, project: str) -> dict[str, TestRef]:
    return {ref.test_id: ref for ref in test_refs(engine, project)}


def _label(ref: TestRef | None, test_id: str) -> str:
    if ref is None:
        return test_id
    return test_label(ref.classname, ref.name)


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


@map_app.command("conflicts")
def map_conflicts(
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Tests for which two providers propose different features (as of the latest resolution)."""
    with user_errors():
        name = resolve_project(project)
        with open_store(db) as store:
            snapshot = snapshot_at(store.engine, name)
            labels = _labels(store.engine, name)
        conflicts = snapshot.conflicts if snapshot else ()
        documents = [conflict_document(c, labels.get(c.test_id)) for c in conflicts]
        if json_out:
            render.print_json({"version": snapshot.version if snapshot else 0, "conflicts": documents})
            return
        console = render.make_console()
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
                proposals.append(render.safe(item["feature"]))
                proposals.append(f" ({item['confidence']:.2f})", style="dim")
            table.add_row(
                render.plain(document["test"]), render.plain(document["primary_feature"] or "-"), proposals
            )
        console.print(table)


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


def select_mappings(
    snapshot: Snapshot | None, labels: dict[str, TestRef], test: str | None
) -> list[ResolvedMapping]:
    """The snapshot's mappings, or only those of the tests `test` names exactly."""
    mappings = list(snapshot.mappings) if snapshot else []
    if test is None:
        return mappings
    wanted = {test_id for test_id, ref in labels.items() if test in keys_of(ref)}
    if not wanted:
        raise UserError(f"no stored test is named {test!r}")
    return [m for m in mappings if m.test_id in wanted]


@map_app.command("show")
def map_show(
    test: Annotated[
        str | None, typer.Argument(help="Only this test (test_id, name, class::name, node id).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Show the mapping as it was at this time (ISO-8601).")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """The resolved mapping: every test's features, providers and confidence (now, or --at a time)."""
    with user_errors():
        name = resolve_project(project)
        when = parse_timestamp(at)
        with open_store(db) as store:
            snapshot = snapshot_at(store.engine, name, when)
            labels = _labels(store.engine, name)
        mappings = select_mappings(snapshot, labels, test)
        documents = [mapping_document(m, labels.get(m.test_id)) for m in mappings]
        if json_out:
            render.print_json(
                {
                    "version": snapshot.version if snapshot else 0,
                    "snapshot_hash": snapshot.snapshot_hash if snapshot else None,
                    "created_at": snapshot.created_at.isoformat() if snapshot else None,
                    "mappings": documents,
                }
            )
            return
        console = render.make_console()
        if snapshot is None:
            console.print(
                "No mapping yet" + (" at that time." if when else ". Run: ccdash-tests map resolve")
            )
            return
        title = f"Mapping v{snapshot.version} ({render.format_time(snapshot.created_at)} UTC)"
        table = Table(title=title, title_justify="left")
        for column in ("test", "feature", "domain", "provider", "confidence", "primary"):
            table.add_column(column, overflow="fold", justify="right" if column == "confidence" else "left")
        for document in documents:
            table.add_row(
                render.plain(document["test"]),
                render.plain(document["feature"]),
                render.plain(document["domain"] or "-"),
                render.plain("+".join(document["providers"])),
                f"{document['confidence']:.2f}",
                Text("yes", style="green") if document["is_primary"] else Text("-", style="dim"),
            )
        console.print(table)
