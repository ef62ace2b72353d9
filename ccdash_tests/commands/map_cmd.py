"""`ccdash-tests map import|set|unset|resolve|conflicts|show`: which feature each test proves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccdash_tests.commands.common import (
    DbOption,
    JsonOption,
    ProjectOption,
    app,
    resolve_project,
    user_errors,
)
from ccdash_tests.errors import UserError
from ccdash_tests.mapping import load_rules
from ccdash_tests.mapping.service import (
    clean_override,
    import_rules,
    name_tests,
    remove_override_named,
    resolve_mappings,
    select_mappings,
    set_override,
    snapshot_at,
    suggest_mapping,
    test_labels,
)
from ccdash_tests.output.views import mapping as view
from ccdash_tests.store import open_store
from ccdash_tests.text import plural
from ccdash_tests.times import parse_timestamp

map_app = typer.Typer(
    help="Test-to-feature mappings: rules, overrides, resolution, history.", no_args_is_help=True
)
app.add_typer(map_app, name="map")


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
            matches = import_rules(store, name, file.name, rules)
            outcome = resolve_mappings(store, name)
        view.show_import(file.name, matches, outcome, json_out)


@map_app.command("suggest")
def map_suggest(
    output: Annotated[
        str, typer.Argument(help="The rules file to write (YAML), or - for standard output.")
    ] = "ccdash-mapping.yaml",
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
    project: ProjectOption = None,
) -> None:
    """Write a starter rules file from the tests' tags and path guesses: edit it, then `map import` it."""
    with user_errors():
        name = resolve_project(project)
        with open_store(db) as store:
            suggestion = suggest_mapping(store, name, None if output == "-" else Path(output), force)
        view.show_suggestion(suggestion, json_out)


@map_app.command("set")
def map_set(
    test: Annotated[str, typer.Argument(help="Any name history takes (a printed name, its tail, test_id).")],
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
            key, matched = name_tests(store, name, override.key)
            override = clean_override(key, feature, domain)
            set_override(store, name, override)
            outcome = resolve_mappings(store, name)
        document = {
            "key": override.key,
            "feature": override.feature,
            "domain": override.domain,
            "tests": [ref.test_id for ref in matched],
            "resolution": outcome.to_json_dict(),
        }
        proves = "proves" if len(matched) == 1 else "prove"
        lead = f"{plural(len(matched), 'test')} now {proves} {override.feature}. "
        view.show_resolution(outcome, lead, document, json_out)


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
            key = remove_override_named(store, name, test)
            if key is None:
                raise UserError(f"no override named {test.strip()!r} in project {name!r}")
            outcome = resolve_mappings(store, name)
        document = {"key": key, "resolution": outcome.to_json_dict()}
        view.show_resolution(outcome, "Override removed. ", document, json_out)


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
        view.show_resolution(outcome, "", outcome.to_json_dict(), json_out)


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
            labels = test_labels(store.engine, name)
        view.show_conflicts(snapshot, labels, json_out)


@map_app.command("show")
def map_show(
    test: Annotated[str | None, typer.Argument(help="Only this test (any name history takes).")] = None,
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
            labels = test_labels(store.engine, name)
            named = None if test is None else name_tests(store, name, test)[1]
        view.show_mappings(snapshot, select_mappings(snapshot, labels, named), labels, when, json_out)
