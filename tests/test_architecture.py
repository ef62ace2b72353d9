"""The layout's rules, checked on the source: store/ imports nothing above it, SQL lives only in store/,
no import cycle, each shared helper is defined once, commands print only through views."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ccdash_tests"
# What store/ may import from the package: the layers below it.
STORE_MAY_IMPORT = (
    "ccdash_tests.store",
    "ccdash_tests.models",
    "ccdash_tests.records",
    "ccdash_tests.identity",
    "ccdash_tests.errors",
    "ccdash_tests.text",
)
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX))\b",
    re.IGNORECASE | re.DOTALL,
)
# Each of these small rules has one home (issue 13): a second definition anywhere is a copy.
ONE_HOME = {
    "first_line": "text.py",
    "plural": "text.py",
    "format_ms": "text.py",
    "format_rate": "text.py",
    "test_label": "text.py",
    "feature_label": "text.py",
    "signal_place": "text.py",
    "one_line": "text.py",
    "clip": "text.py",
    "parse_since": "times.py",
    "parse_timestamp": "times.py",
    "find_run": "runs.py",
    "run_document": "runs.py",
    "below_fail_under": "health/rollups.py",
    "canonical_json": "identity.py",
}


@functools.cache
def modules() -> tuple[tuple[str, Path, ast.Module], ...]:
    """(dotted name, path, syntax tree) of every module of the package, parsed once per test session."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return tuple(found)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(name: str, path: Path, tree: ast.Module, top_level_only: bool) -> set[str]:
    """Package modules this module imports (module-level statements only, when asked: no lazy imports,
    no TYPE_CHECKING blocks)."""
    found: set[str] = set()
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node, path.name == "__init__.py")
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "ccdash_tests" or m.startswith("ccdash_tests.")}


def test_store_imports_nothing_above_it() -> None:
    offenders = {
        name: sorted(
            m for m in imports(name, path, tree, top_level_only=False) if not m.startswith(STORE_MAY_IMPORT)
        )
        for name, path, tree in modules()
        if name.startswith("ccdash_tests.store")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_sql_outside_store() -> None:
    found = []
    for name, path, tree in modules():
        if name.startswith("ccdash_tests.store"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


def test_no_import_cycle_between_modules() -> None:
    known = {name: (path, tree) for name, path, tree in modules()}
    graph = {
        name: {m for m in imports(name, path, tree, top_level_only=True) if m in known and m != name}
        for name, (path, tree) in known.items()
    }
    # A package's __init__ re-exporting its own modules is not a cycle: drop edges into a parent package.
    graph = {name: {m for m in deps if not name.startswith(m + ".")} for name, deps in graph.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle.extend([*trail[trail.index(dep) :], dep] if dep in trail else [node, dep])
                return True
            if dep not in state and visit(dep, [*trail, dep]):
                return True
        state[node] = 2
        return False

    for start in sorted(graph):
        if start not in state and visit(start, [start]):
            break
    assert cycle == []


def _is_overload(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)


@pytest.mark.parametrize(("helper", "home"), sorted(ONE_HOME.items()))
def test_each_shared_helper_is_defined_once(helper: str, home: str) -> None:
    defined = [
        str(path.relative_to(PACKAGE))
        for _, path, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == helper and not _is_overload(node)
    ]
    assert defined == [home]


def test_commands_print_only_through_views() -> None:
    """A command module builds no Rich table, Markdown document or HTML: that is output/'s job."""
    found = []
    for name, path, tree in modules():
        if not name.startswith("ccdash_tests.commands."):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                ("rich.table", "rich.tree")
            ):
                found.append(f"{path.name}: imports {node.module}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("Document", "Table")
                and isinstance(node.value, ast.Name)
                and node.value.id == "markdown"
            ):
                found.append(f"{path.name}:{node.lineno}: markdown.{node.attr}")
    assert found == []
