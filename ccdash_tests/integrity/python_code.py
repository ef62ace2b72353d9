"""Reads pytest and unittest tests from Python source with `ast`: layout, comments and strings never count."""

from __future__ import annotations

import ast
import builtins
import copy
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ccdash_tests.integrity.units import Bound, CaseCode, Check, Marker, Strength, at_level, flat, preamble

_SKIP_DECORATORS = frozenset({"skip", "skipif", "skipIf", "skipUnless"})
# `pytest.importorskip("pkg")` in a test skips it where the module does not import, as a skip would.
_SKIP_CALLS = frozenset(
    {"pytest.skip", "self.skipTest", "cls.skipTest", "pytest.importorskip", "importorskip"}
)
_SKIP_EXCEPTIONS = frozenset({"SkipTest", "unittest.SkipTest", "pytest.skip.Exception"})
_XFAIL_CALLS = frozenset({"pytest.xfail"})
_FAIL_CALLS = frozenset({"pytest.fail", "self.fail", "fail"})
_RAISES_CALLS = frozenset({"pytest.raises", "pytest.warns", "raises", "warns", "pytest.deprecated_call"})
_BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException", "AssertionError"})


# unittest and mock assertions by strength (units.Strength); an unknown `assert*` constrains (BOUND),
# one whose name says equal pins the value (EXACT).
_UNITTEST_STRENGTH: dict[str, Strength] = {
    **at_level(
        Strength.TRUTHY,
        "assertTrue assertFalse assert_ failUnless failIf assertIsNotNone assertIsInstance"
        " assertNotIsInstance assertNotEqual assertNotEquals assertNotAlmostEqual assertNotAlmostEquals"
        " assertIsNot assert_called assert_awaited",
    ),
    **at_level(
        Strength.BOUND,
        "assertIn assertNotIn assertGreater assertGreaterEqual assertLess assertLessEqual assertRegex"
        " assertRegexpMatches assertNotRegex assertNotRegexpMatches assertDictContainsSubset"
        " assert_any_call assert_called_once assert_awaited_once assertLogs assertNoLogs",
    ),
    **at_level(
        Strength.EXACT,
        "assertIs assertIsNone assertCountEqual assertItemsEqual assert_not_called assert_has_calls"
        " assert_not_awaited assert_has_awaits fail",
    ),
}
_BOUND_ASSERTS = {
    "assertLess": "upper",
    "assertLessEqual": "upper",
    "assertGreater": "lower",
    "assertGreaterEqual": "lower",
}
# Predicates that test containment or a pattern: `assert s.startswith("x")` bounds `s`.
_BOUND_PREDICATES = frozenset(
    {"startswith", "endswith", "match", "search", "fullmatch", "fnmatch", "issubset", "issuperset"}
    | {"isdisjoint", "__contains__", "contains", "has_key", "isin"}
)
# pytester's LineMatcher: each fails the test when the output does not match (or, `no_*`, matches).
_LINE_MATCHERS = frozenset(
    {"fnmatch_lines", "re_match_lines", "fnmatch_lines_random", "re_match_lines_random"}
    | {"no_fnmatch_line", "no_re_match_line"}
)
_EXACT_FUNCS = frozenset({"math.isclose", "isclose", "numpy.array_equal", "np.array_equal"})
_RAISES_NAMES = frozenset({"assertRaises", "assertRaisesRegex", "assertWarns", "assertWarnsRegex"})

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def dotted(node: ast.AST) -> str:
    """`pytest.mark.skip` for the attribute chain, "" when the chain does not end in a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _marker_kind(name: str) -> str | None:
    """ "skip" or "xfail" for a decorator or mark name, else None."""
    head, _, last = name.rpartition(".")
    if last == "xfail" and (head.endswith("mark") or head == ""):
        return "xfail"
    if last == "expectedFailure" and head in ("", "unittest"):
        return "xfail"
    if last in _SKIP_DECORATORS and (head.endswith("mark") or head in ("", "unittest")):
        return "skip"
    return None


def _marks_in(expression: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """Skip/xfail marks anywhere in a decorator or `pytestmark` value (also `pytest.param(marks=...)`)."""
    for node in ast.walk(expression):
        if isinstance(node, ast.Attribute) or (node is expression and isinstance(node, ast.Name)):
            kind = _marker_kind(dotted(node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            kind = _marker_kind(node.func.id)
        else:
            continue
        if kind:
            yield kind, node


def _case_literals(decorator: ast.expr) -> dict[int, frozenset[str]]:
    """For each mark node inside a `pytest.param(*values, marks=...)` case: the literals of its values."""
    found: dict[int, frozenset[str]] = {}
    for node in ast.walk(decorator):
        if not (isinstance(node, ast.Call) and dotted(node.func).rpartition(".")[2] == "param"):
            continue
        literals = frozenset(
            repr(item.value)
            for value in node.args
            for item in ast.walk(value)
            if isinstance(item, ast.Constant) and not isinstance(item.value, bool) and item.value is not None
        ) | frozenset(_value_names(node.args))
        for keyword in node.keywords:
            if keyword.arg == "marks":
                found.update({id(mark): literals for _, mark in _marks_in(keyword.value)})
    return found


def _value_names(values: list[ast.expr]) -> Iterator[str]:
    """The names a parametrized case's values are (`pytest.param(WatchFilesReload, True)`: the class)."""
    for value in values:
        for item in value.elts if isinstance(value, ast.Tuple | ast.List) else [value]:
            name = dotted(item)
            if name:
                yield name


def _marker_variables(body: list[ast.stmt]) -> dict[str, ast.expr]:
    """Module-level names bound to a skip or xfail mark (`skip_non_linux = pytest.mark.skipif(...)`),
    as what they are bound to (the last binding)."""
    found: dict[str, ast.expr] = {}
    for statement in body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id != "pytestmark"
        ):
            name = statement.targets[0].id
            if any(True for _ in _marks_in(statement.value)):
                found[name] = statement.value
            else:
                found.pop(name, None)
    return found


class _MarkerNames(ast.NodeTransformer):
    """Writes the marks module-level names stand for into decorators (`marks=skip_non_linux`,
    `@skip_if_m1`), so that they are read as the marks they are and change when their binding does."""

    def __init__(self, variables: dict[str, ast.expr]) -> None:
        self.variables = variables

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.variables.get(node.id)
        if value is None or not isinstance(node.ctx, ast.Load):
            return node
        return ast.fix_missing_locations(ast.copy_location(copy.deepcopy(value), node))


def _resolve_marker_names(tree: ast.Module) -> None:
    """Every decorator of the module (and `pytestmark` value) with its marker names written in."""
    variables = _marker_variables(tree.body)
    if not variables:
        return
    writer = _MarkerNames(variables)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            node.decorator_list = [writer.visit(decorator) for decorator in node.decorator_list]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            node.value = writer.visit(node.value)


def _decorator_markers(decorators: list[ast.expr]) -> tuple[list[Marker], list[Marker]]:
    skips: list[Marker] = []
    xfails: list[Marker] = []
    for decorator in decorators:
        cases = _case_literals(decorator)
        calls = {id(n.func): n for n in ast.walk(decorator) if isinstance(n, ast.Call)}
        for kind, node in _marks_in(decorator):
            marker = Marker(
                text=flat("@" + _unparse(decorator)),
                line=getattr(node, "lineno", 0),
                case=cases.get(id(node), frozenset()),
                mark=flat(_unparse(calls.get(id(node), node))),
            )
            (skips if kind == "skip" else xfails).append(marker)
    return skips, xfails


def _pytestmark(body: list[ast.stmt]) -> tuple[list[Marker], list[Marker]]:
    values = [
        statement.value
        for statement in body
        if isinstance(statement, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == "pytestmark" for target in statement.targets)
    ]
    skips, xfails = _decorator_markers(values)
    text = [Marker(text=flat("pytestmark = " + m.text[1:]), line=m.line) for m in skips]
    return text, [Marker(text=flat("pytestmark = " + m.text[1:]), line=m.line) for m in xfails]


def _is_broad(handler_type: ast.expr | None) -> bool:
    if handler_type is None:
        return True
    types = handler_type.elts if isinstance(handler_type, ast.Tuple) else [handler_type]
    return any(dotted(item).rpartition(".")[2] in _BROAD_EXCEPTIONS for item in types)


def _raises_broad(call: ast.Call) -> bool:
    return bool(call.args) and _is_broad(call.args[0])


_EXACT_OPS = (ast.Eq, ast.Is)
_BOUND_OPS = (ast.In, ast.NotIn, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _renamed_only(a: ast.AST, b: ast.AST) -> bool:
    """`a` and `b` are the same expression but for the variables they read (`f(before) + t` and
    `f(after) + t`), and read at least one other; constants must agree."""
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return True
    if type(a) is not type(b) or isinstance(a, ast.Name):
        return False
    if isinstance(a, ast.Constant):
        return isinstance(b, ast.Constant) and a.value == b.value and type(a.value) is type(b.value)
    fields_a, fields_b = ast.iter_fields(a), ast.iter_fields(b)
    for (name, x), (_, y) in zip(fields_a, fields_b, strict=True):
        if name == "ctx":
            continue
        if isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y) or not all(_renamed_only(i, j) for i, j in zip(x, y, strict=True)):
                return False
        elif isinstance(x, ast.AST) and isinstance(y, ast.AST):
            if not _renamed_only(x, y):
                return False
        elif x != y:
            return False
    return True


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bracketed(test: ast.Compare, twins: dict[str, str]) -> bool:
    """`f(before) <= x <= f(after)` where `before` and `after` are one expression read twice (a clock
    read just before and just after the call): the value is held to what the call could produce
    between the reads, as tight as a value that depends on when the call ran can be checked (as exact
    as equality to that expression read once, racily, was). `twins`: variable -> the expression it
    was assigned."""
    if len(test.ops) != 2:
        return False
    rising = all(isinstance(op, ast.Lt | ast.LtE) for op in test.ops)
    falling = all(isinstance(op, ast.Gt | ast.GtE) for op in test.ops)
    low, high = test.left, test.comparators[1]
    changed = _reads(low) ^ _reads(high)
    read_twice = len({twins.get(name) for name in changed}) == 1 and all(name in twins for name in changed)
    return (rising or falling) and len(changed) == 2 and read_twice and _renamed_only(low, high)


def _assigned(nodes: list[ast.stmt]) -> dict[str, str]:
    """Variables assigned once, each with the expression assigned (`before = loop.time()`)."""
    seen: dict[str, list[str]] = {}
    for statement in nodes:
        for node in ast.walk(statement):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    seen.setdefault(target.id, []).append(_unparse(node.value))
    return {name: values[0] for name, values in seen.items() if len(values) == 1}


def _compare_strength(test: ast.Compare) -> Strength:
    """`==`/`is` pin the value (`is None` too), `in` and `<` bound it, `!=`/`is not` barely constrain it."""
    levels = [
        Strength.TRUTHY
        if isinstance(op, ast.IsNot | ast.NotEq)
        else Strength.EXACT
        if isinstance(op, _EXACT_OPS)
        else Strength.BOUND
        for op in test.ops
    ]
    return max(levels)


def _compare_bounds(test: ast.Compare) -> tuple[Bound, ...]:
    """`a < b` bounds `a` from above and `b` from below (each pair of a chain on its own)."""
    found: list[Bound] = []
    left = test.left
    for op, right in zip(test.ops, test.comparators, strict=True):
        if isinstance(op, ast.Lt | ast.LtE):
            found += [(_unparse(left), "upper"), (_unparse(right), "lower")]
        elif isinstance(op, ast.Gt | ast.GtE):
            found += [(_unparse(left), "lower"), (_unparse(right), "upper")]
        left = right
    return tuple(found)


def _assert_strength(test: ast.expr) -> Strength | None:
    """The strength of `assert <test>`, None when vacuous (a truthy constant checks nothing)."""
    if isinstance(test, ast.Constant):
        return None if test.value else Strength.EXACT  # `assert False` fails unconditionally
    if isinstance(test, ast.Compare):
        return _compare_strength(test)
    if isinstance(test, ast.BoolOp):
        levels = [_assert_strength(value) or Strength.NOOP for value in test.values]
        # `a and b` holds both; `a or b` accepts either, so it is as weak as its weakest side.
        level = max(levels) if isinstance(test.op, ast.And) else min(levels)
        return level if level > Strength.NOOP else None
    if isinstance(test, ast.Call):
        name = dotted(test.func)
        last = name.rpartition(".")[2]
        if name in ("all", "any") and test.args and isinstance(test.args[0], ast.GeneratorExp | ast.ListComp):
            return _assert_strength(test.args[0].elt)
        if name in _EXACT_FUNCS or last in ("array_equal", "isclose", "allclose"):
            return Strength.EXACT
        if last in _BOUND_PREDICATES:
            return Strength.BOUND
        return Strength.TRUTHY  # the truth of whatever it returns (`path.exists()`, `isinstance(...)`)
    if isinstance(test, ast.Name | ast.Attribute | ast.Subscript | ast.UnaryOp):
        return Strength.TRUTHY
    return Strength.BOUND


def _assert_bounds(test: ast.expr) -> tuple[Bound, ...]:
    if isinstance(test, ast.Compare):
        return _compare_bounds(test)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return tuple(bound for value in test.values for bound in _assert_bounds(value))
    return ()


def _raises_strength(call: ast.Call) -> Strength:
    """raises(E, match=...) pins the error and its message; raises(E) its type; raises(Exception) nothing."""
    matched = any(keyword.arg in ("match", "expected_regex") for keyword in call.keywords)
    matched = matched or (dotted(call.func).endswith("Regex") and len(call.args) >= 2)
    if _raises_broad(call):
        return Strength.BOUND if matched else Strength.TRUTHY
    return Strength.EXACT if matched else Strength.BOUND


def _call_check(call: ast.Call, helpers: frozenset[str] = frozenset()) -> Strength | None:
    """Strength of a call that is a check, None when the call checks nothing."""
    name = dotted(call.func)
    last = call.func.attr if isinstance(call.func, ast.Attribute) else name
    if name in _RAISES_CALLS:
        if call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value is None:
            return None  # pytest.warns(None) checks nothing
        if name == "pytest.deprecated_call":
            return Strength.BOUND
        return _raises_strength(call)
    if last in helpers and (isinstance(call.func, ast.Name) or name.split(".")[0] in ("self", "cls")):
        return Strength.EXACT  # a helper of this module that checks (the checks moved into it)
    if name in _FAIL_CALLS or _snapshot(call):
        return Strength.EXACT
    if last in _LINE_MATCHERS and isinstance(call.func, ast.Attribute):
        return Strength.BOUND  # pytester's `result.stdout.fnmatch_lines([...])` fails on no match
    if not last.startswith("assert"):
        return None
    if last in _RAISES_NAMES:
        return _raises_strength(call)
    if last in ("assertTrue", "assert_", "failUnless") and call.args:
        return max(_assert_strength(call.args[0]) or Strength.TRUTHY, Strength.TRUTHY)
    if last in _UNITTEST_STRENGTH:
        return _UNITTEST_STRENGTH[last]
    return Strength.EXACT if "equal" in last.lower() or last.endswith("_with") else Strength.BOUND


def _call_bounds(call: ast.Call) -> tuple[Bound, ...]:
    last = call.func.attr if isinstance(call.func, ast.Attribute) else dotted(call.func)
    if last in ("assertTrue", "assert_", "failUnless") and call.args:
        return _assert_bounds(call.args[0])
    direction = _BOUND_ASSERTS.get(last)
    if direction and call.args:
        return ((_unparse(call.args[0]), direction),)
    return ()


_SNAPSHOTS = frozenset({"snapshot", "snapshot_json", "json_snapshot", "image_snapshot"})


def _snapshot(node: ast.AST) -> bool:
    """A snapshot or approval check (`assert out == snapshot`, inline-snapshot's `== snapshot(...)`,
    `snapshot.assert_match(out)`, pytest-regressions' `data_regression.check(d)`): it pins the whole
    value against a stored copy, so it stands for every check of the parts it replaces."""
    if isinstance(node, ast.Assert):
        test = node.test
        if not isinstance(test, ast.Compare):
            return False
        sides = [test.left, *test.comparators]
        return any(dotted(side.func if isinstance(side, ast.Call) else side) in _SNAPSHOTS for side in sides)
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    receiver = dotted(node.func.value)
    if receiver.endswith("_regression") and node.func.attr == "check":
        return True
    return receiver in _SNAPSHOTS and node.func.attr.startswith("assert_match")


def _called_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else dotted(call.func)


def _behind(nodes: list[ast.stmt]) -> dict[str, tuple[str, ...]]:
    """Locals assigned once from a call, each with the function it calls (`out = api.collect(x)` ->
    out: ("collect",)): not its receiver or arguments (`new = url.copy_with(...)` is not `url`)."""
    found: dict[str, tuple[str, ...]] = {}
    counts: Counter[str] = Counter()
    for statement in nodes:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                counts[node.id] += 1
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                value = node.value.value if isinstance(node.value, ast.Await) else node.value
                if isinstance(value, ast.Call) and (callee := _called_name(value)):
                    found[node.targets[0].id] = (callee,)
    return {name: words for name, words in found.items() if counts[name] == 1}


def _checks(
    nodes: list[ast.stmt], helpers: frozenset[str] = frozenset(), aliases: bool = False
) -> list[Check]:
    found: list[Check] = []
    twins: dict[str, str] | None = None
    behind = _behind(nodes) if aliases else {}
    for statement in nodes:
        for node in ast.walk(statement):
            strength: Strength | None
            if isinstance(node, ast.Assert):
                strength, bounds = _assert_strength(node.test), _assert_bounds(node.test)
                if isinstance(node.test, ast.Compare) and len(node.test.ops) == 2:
                    twins = _assigned(nodes) if twins is None else twins
                    strength = Strength.EXACT if _bracketed(node.test, twins) else strength
            elif isinstance(node, ast.Call):
                strength, bounds = _call_check(node, helpers), _call_bounds(node)
            else:
                continue
            if strength is not None:
                helper = (isinstance(node, ast.Call) and _called_name(node) in helpers) or _snapshot(node)
                text = flat(_unparse(node))
                via = sorted(
                    {word for n in ast.walk(node) if isinstance(n, ast.Name) for word in behind.get(n.id, ())}
                )
                found.append(Check(text, strength, node.lineno, helper=helper, bounds=bounds, via=tuple(via)))
    return found


def _path_checks(nodes: list[ast.stmt], helpers: frozenset[str]) -> int:
    """Checks on the richest path through `nodes`: exclusive `if`/`else` branches count once, by the
    branch with the most checks, not as their sum."""
    total = 0
    for statement in nodes:
        if isinstance(statement, ast.If):
            total += len(_checks([ast.Expr(statement.test)], helpers))
            total += max(_path_checks(statement.body, helpers), _path_checks(statement.orelse, helpers))
        elif isinstance(statement, ast.Try | ast.TryStar):
            total += _path_checks([*statement.body, *statement.orelse, *statement.finalbody], helpers)
            total += max((_path_checks(h.body, helpers) for h in statement.handlers), default=0)
        elif isinstance(statement, ast.With | ast.AsyncWith):
            heads: list[ast.stmt] = [ast.Expr(item.context_expr) for item in statement.items]
            total += len(_checks(heads, helpers)) + _path_checks(statement.body, helpers)
        elif isinstance(statement, ast.For | ast.AsyncFor | ast.While):
            total += _path_checks([*statement.body, *statement.orelse], helpers)
        elif isinstance(statement, ast.Match):
            total += max((_path_checks(case.body, helpers) for case in statement.cases), default=0)
        else:
            total += len(_checks([statement], helpers))
    return total


def _helpers(tree: ast.Module) -> frozenset[str]:
    """Functions of the module that check something and are not tests, and check helpers it imports
    from the test suite's own modules: a test calling one checks."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("test"):
            continue
        if _checks(node.body):
            found.add(node.name)
    return frozenset(found | _imported_check_helpers(tree))


_CHECK_VERBS = ("check", "verify", "expect", "validate", "ensure")
_SUITE_PARTS = frozenset({"tests", "test", "testing", "conftest", "testutils", "test_utils", "helpers"})


def _of_the_suite(module: str | None) -> bool:
    """A module of the test suite itself: a relative import, or a dotted path through a test folder
    (`tests.lib`, `testing.helpers`)."""
    if module is None:
        return True
    return any(part in _SUITE_PARTS or part.startswith("test_") for part in module.split("."))


def _imported_check_helpers(tree: ast.Module) -> set[str]:
    """Functions imported from the suite's own modules and named as checks (`check_response`,
    `verify_output`): their checks live there, where a test's checks often move (the module is not
    in the change, or not read)."""
    return {
        name
        for name, module in _imports(tree).items()
        if _of_the_suite(module) and any(name == verb or name.startswith(verb + "_") for verb in _CHECK_VERBS)
    }


def _fails_loudly(handler_body: list[ast.stmt]) -> bool:
    """A handler that re-raises, fails or checks the exception does not swallow failures."""
    for statement in handler_body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Raise):
                return True
    return bool(_checks(handler_body))


def _swallows(body: list[ast.stmt]) -> list[Marker]:
    found: list[Marker] = []
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Try | ast.TryStar):
                guarded = bool(_checks(node.body))
                for handler in node.handlers:
                    if _is_broad(handler.type) and not _fails_loudly(handler.body):
                        head = "except:" if handler.type is None else f"except {_unparse(handler.type)}:"
                        found.append(Marker(text=head, line=handler.lineno, wraps_checks=guarded))
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    call = item.context_expr
                    if (
                        isinstance(call, ast.Call)
                        and dotted(call.func).rpartition(".")[2] == "suppress"
                        and any(_is_broad(arg) for arg in call.args)
                    ):
                        text = flat(f"with {_unparse(call)}:")
                        found.append(
                            Marker(text=text, line=node.lineno, wraps_checks=bool(_checks(node.body)))
                        )
    return found


def _body_markers(body: list[ast.stmt]) -> tuple[list[Marker], list[Marker]]:
    skips: list[Marker] = []
    xfails: list[Marker] = []
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                name = dotted(node.func)
                if name in _SKIP_CALLS:
                    skips.append(Marker(text=flat(_unparse(node)), line=node.lineno))
                elif name in _XFAIL_CALLS:
                    xfails.append(Marker(text=flat(_unparse(node)), line=node.lineno))
            elif isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if dotted(raised) in _SKIP_EXCEPTIONS:
                    skips.append(Marker(text=flat(_unparse(node)), line=node.lineno))
    return skips, xfails


def _case(
    function: FunctionNode,
    qualname: str,
    inherited: tuple[list[Marker], list[Marker]],
    source: list[str],
    helpers: frozenset[str],
    fixtures: Fixtures | None = None,
) -> CaseCode:
    decorated_skips, decorated_xfails = _decorator_markers(function.decorator_list)
    body_skips, body_xfails = _body_markers(function.body)
    from_fixtures = fixtures.skips_for(function) if fixtures else []
    skips = (*inherited[0], *decorated_skips, *body_skips, *from_fixtures)
    xfails = (*inherited[1], *decorated_xfails, *body_xfails)
    inherited_text = "|".join(marker.text for marker in (*inherited[0], *inherited[1], *from_fixtures))
    first = min([function.lineno, *(decorator.lineno for decorator in function.decorator_list)])
    return CaseCode(
        qualname=qualname,
        name=function.name,
        line=function.lineno,
        checks=tuple(_checks(function.body, helpers, aliases=True)),
        paths=_path_checks(function.body, helpers),
        skips=skips,
        xfails=xfails,
        swallows=tuple(_swallows(function.body)),
        fingerprint=inherited_text + ast.dump(function),
        body=_unparse(ast.Module(body=function.body, type_ignores=[])),
        lines=tuple(source[first - 1 : function.end_lineno or function.lineno]),
        data=_data(function),
        idle=tuple(_idle(function.body)),
        preamble=preamble((source[i] for i in range(first - 2, -1, -1)), ("#",)),
        instances=tuple(_instances(function, helpers)),
    )


def _idle(body: list[ast.stmt]) -> list[str]:
    """Comparisons made as statements, whose result nothing reads (`x == 1`, `x == 1, "message"`),
    each as the `assert` it would be."""
    found = []
    for statement in body:
        for node in ast.walk(statement):
            if not isinstance(node, ast.Expr):
                continue
            value = node.value
            message = None
            if isinstance(value, ast.Tuple) and len(value.elts) == 2:
                value, message = value.elts
            if isinstance(value, ast.Compare) or (
                isinstance(value, ast.BoolOp) and all(isinstance(v, ast.Compare) for v in value.values)
            ):
                found.append(flat(_unparse(ast.Assert(test=value, msg=message))))
    return found


_TRIVIAL_NUMBERS = frozenset({0, 1, -1})


def _data(function: FunctionNode) -> frozenset[str]:
    """String, bytes and number literals of a test and its decorators (parametrize cases), as written
    by `repr`; its docstring, booleans and 0/1 aside."""
    body = function.body
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        body = body[1:]
    found = set()
    for node in [*body, *function.decorator_list]:
        for item in ast.walk(node):
            if not isinstance(item, ast.Constant) or isinstance(item.value, bool):
                continue
            value = item.value
            if isinstance(value, str | bytes) or (
                isinstance(value, int | float) and value not in _TRIVIAL_NUMBERS
            ):
                found.add(repr(value))
    return frozenset(found)


_MAX_CASES = 64
_MAX_INSTANCES = 512


def _names_of(argnames: ast.expr) -> list[str] | None:
    if isinstance(argnames, ast.Constant) and isinstance(argnames.value, str):
        return [name.strip() for name in argnames.value.split(",") if name.strip()]
    if isinstance(argnames, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in argnames.elts
    ):
        return [str(e.value).strip() for e in argnames.elts if isinstance(e, ast.Constant)]
    return None


def _case_values(value: ast.expr, width: int) -> list[ast.expr] | None:
    """One parametrize case's values: a tuple or list of them, `pytest.param(*values, id=..., marks=...)`,
    or (for one name) the value itself, of any shape."""
    if isinstance(value, ast.Call) and dotted(value.func).rpartition(".")[2] == "param":
        values: list[ast.expr] = list(value.args)
    elif width == 1:
        return [value]
    elif isinstance(value, ast.Tuple | ast.List):
        values = list(value.elts)
    else:
        return None
    if any(isinstance(v, ast.Starred) for v in values) or len(values) != width:
        return None
    return values


def _parametrize_cases(function: FunctionNode) -> list[dict[str, ast.expr]]:
    """Every case of the test's `@pytest.mark.parametrize(names, [values...])` decorators (stacked ones
    multiply), each as name -> value expression; [] when the test is not parametrized by literal lists."""
    cases: list[dict[str, ast.expr]] = [{}]
    for decorator in function.decorator_list:
        if not (isinstance(decorator, ast.Call) and dotted(decorator.func).endswith("parametrize")):
            continue
        keywords = {k.arg: k.value for k in decorator.keywords if k.arg}
        argnames = decorator.args[0] if decorator.args else keywords.get("argnames")
        argvalues = decorator.args[1] if len(decorator.args) > 1 else keywords.get("argvalues")
        names = _names_of(argnames) if argnames is not None else None
        if not names or not isinstance(argvalues, ast.List | ast.Tuple):
            return []
        rows = [_case_values(value, len(names)) for value in argvalues.elts]
        if any(row is None for row in rows):
            return []
        cases = [
            {**case, **dict(zip(names, row, strict=True))}
            for case in cases
            for row in rows
            if row is not None
        ]
        if len(cases) > _MAX_CASES:
            return []
    return [] if cases == [{}] else cases


def _unparse(node: ast.AST) -> str:
    """`ast.unparse`, or the node's dump where Python 3.11 cannot write it back as source (a string
    with a backslash inside an f-string's braces, which a parametrize value written into the test's
    f-string makes): equal nodes still give equal text, so checks still compare."""
    try:
        return ast.unparse(node)
    except ValueError:
        return ast.dump(node, annotate_fields=False)


class _Substitute(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.values.get(node.id)
        return value if value is not None and isinstance(node.ctx, ast.Load) else node


def _instances(function: FunctionNode, helpers: frozenset[str]) -> list[Check]:
    """The test's checks with each parametrize case's values written in for its names (names the
    body reassigns keep theirs: `url = URL(url)` checks the object, not the string)."""
    cases = _parametrize_cases(function)
    if not cases:
        return _resolved(function, helpers)
    assigned = {
        node.id
        for node in ast.walk(ast.Module(body=function.body, type_ignores=[]))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
    found: list[Check] = []
    for case in cases:
        values = {name: value for name, value in case.items() if name not in assigned}
        if not values:
            return []
        body = [_Substitute(values).visit(copy.deepcopy(statement)) for statement in function.body]
        found += _checks(body, helpers)
        if len(found) > _MAX_INSTANCES:
            break
    return found


_DISTINCTIVE = 20  # characters of a literal written in (`'cachy 0.1.0 Cachy package\\n'`): not `''` or `0`


def _literal(value: ast.expr) -> bool:
    """A value written as a literal (a string, a number, a list or dict of them): the same in every run."""
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _resolved(function: FunctionNode, helpers: frozenset[str]) -> list[Check]:
    """The checks of a test that is not parametrized with the literal value of a local written in
    where the check reads it (`expected = "..."` then `assert out == expected`), read in statement order
    (a name assigned again holds its new value). Only checks that compare a distinctive value (a long
    or multi-line literal) are kept: the expected output such a check pins, the same as a case of a
    parametrized test checking it would write."""
    values: dict[str, ast.expr] = {}
    found: list[Check] = []
    for statement in function.body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and _literal(statement.value)
        ):
            values[statement.targets[0].id] = statement.value
            continue
        distinctive = {name: value for name, value in values.items() if len(_unparse(value)) >= _DISTINCTIVE}
        read = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if distinctive.keys() & read:
            plain = {check.text for check in _checks([statement], helpers)}
            written = _checks([_Substitute(distinctive).visit(copy.deepcopy(statement))], helpers)
            found += [check for check in written if check.text not in plain]
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                values.pop(node.id, None)  # assigned otherwise: its value is no longer known
    return found


def _is_test_class(node: ast.ClassDef) -> bool:
    if node.name.startswith("Test"):
        return True
    return any(dotted(base).rpartition(".")[2].endswith("TestCase") for base in node.bases)


def _class_cases(
    node: ast.ClassDef,
    prefix: str,
    inherited: tuple[list[Marker], list[Marker]],
    source: list[str],
    helpers: frozenset[str],
    fixtures: Fixtures,
) -> Iterator[CaseCode]:
    class_skips, class_xfails = _decorator_markers(node.decorator_list)
    mark_skips, mark_xfails = _pytestmark(node.body)
    scope = ([*inherited[0], *class_skips, *mark_skips], [*inherited[1], *class_xfails, *mark_xfails])
    qual = f"{prefix}{node.name}::"
    for member in node.body:
        if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith("test"):
            yield _case(member, qual + member.name, scope, source, helpers, fixtures.within(node))
        elif isinstance(member, ast.ClassDef) and _is_test_class(member):
            yield from _class_cases(member, qual, scope, source, helpers, fixtures.within(node))


_MODULE_SKIP_CALLS = frozenset({"pytest.importorskip", "pytest.skip", "importorskip"})


def _module_skips(body: list[ast.stmt]) -> list[Marker]:
    """`pytest.importorskip(...)` or `pytest.skip(..., allow_module_level=True)` run at import: they skip
    every test of the module."""
    found = []
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and dotted(node.func) in _MODULE_SKIP_CALLS:
                found.append(Marker(text=flat(_unparse(node)), line=node.lineno))
    return found


def python_cases(source: str) -> list[CaseCode] | None:
    """The tests pytest would collect from `source` (functions `test*`, methods of test classes), or None
    when the source does not parse: then nothing about the file can be concluded."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    _resolve_marker_names(tree)
    module_marks = _pytestmark(tree.body)
    module_marks[0].extend(_module_skips(tree.body))
    lines = source.splitlines()
    helpers = _helpers(tree)
    fixtures = Fixtures.of(tree.body)
    cases: list[CaseCode] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            cases.append(_case(node, node.name, module_marks, lines, helpers, fixtures))
        elif isinstance(node, ast.ClassDef) and _is_test_class(node):
            cases.extend(_class_cases(node, "", module_marks, lines, helpers, fixtures))
    return cases


# ------------------------------------------------------------------ skips raised from fixtures


def _fixture_decorator(function: FunctionNode) -> ast.expr | None:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if dotted(target) in ("pytest.fixture", "fixture", "pytest.yield_fixture"):
            return decorator
    return None


def _autouse(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and any(
        k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in decorator.keywords
    )


def _fixture_name(function: FunctionNode, decorator: ast.expr) -> str:
    for keyword in decorator.keywords if isinstance(decorator, ast.Call) else []:
        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return function.name


def _requested(function: FunctionNode) -> list[str]:
    """Fixtures a function asks for: its parameters and `@pytest.mark.usefixtures("name", ...)`."""
    arguments = function.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and dotted(decorator.func).endswith("usefixtures"):
            names += [
                a.value for a in decorator.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
    return [name for name in names if name not in ("self", "cls")]


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    autouse: bool
    requests: tuple[str, ...]
    skips: tuple[Marker, ...]


@dataclass(frozen=True, slots=True)
class Fixtures:
    """The fixtures a scope defines (the module, then each enclosing class): a skip raised in one
    (`pytest.skip(...)`, a skip mark it applies) skips every test that uses it, and an autouse
    fixture is used by every test of its scope."""

    by_name: dict[str, Fixture]

    @staticmethod
    def of(body: list[ast.stmt], outer: dict[str, Fixture] | None = None) -> Fixtures:
        found = dict(outer or {})
        for node in body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            decorator = _fixture_decorator(node)
            if decorator is None:
                continue
            skips, _ = _body_markers(node.body)
            skips += _applied_marks(node.body)
            name = _fixture_name(node, decorator)
            found[name] = Fixture(name, _autouse(decorator), tuple(_requested(node)), tuple(skips))
        return Fixtures(found)

    def within(self, klass: ast.ClassDef) -> Fixtures:
        return Fixtures.of(klass.body, self.by_name)

    def skips_for(self, function: FunctionNode) -> list[Marker]:
        wanted = [f.name for f in self.by_name.values() if f.autouse] + _requested(function)
        seen: set[str] = set()
        found: list[Marker] = []
        while wanted:
            name = wanted.pop()
            fixture = self.by_name.get(name)
            if fixture is None or name in seen:
                continue
            seen.add(name)
            found += [Marker(text=f"fixture {name}: {m.text}", line=m.line) for m in fixture.skips]
            wanted += fixture.requests
        return sorted(found, key=lambda marker: (marker.line, marker.text))


def _applied_marks(body: list[ast.stmt]) -> list[Marker]:
    """`item.add_marker(pytest.mark.skip(...))` or `request.applymarker(pytest.mark.skipif(...))`."""
    found = []
    for statement in body:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("add_marker", "applymarker")
                and any(kind == "skip" for argument in node.args for kind, _ in _marks_in(argument))
            ):
                found.append(Marker(text=flat(_unparse(node)), line=node.lineno))
    return found


_SKIP_HOOKS = frozenset(
    {"pytest_collection_modifyitems", "pytest_runtest_setup", "pytest_runtest_call", "pytest_itemcollected"}
)


def conftest_skips(source: str) -> list[tuple[str, bool, Marker]] | None:
    """Skips a conftest.py raises for the tests under its folder: (fixture or hook, applies to every
    test there, marker). Hooks and autouse fixtures reach every test; other fixtures those using them.
    None when the source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found = []
    for fixture in Fixtures.of(tree.body).by_name.values():
        found += [(fixture.name, fixture.autouse, marker) for marker in fixture.skips]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in _SKIP_HOOKS:
            skips, _ = _body_markers(node.body)
            found += [(node.name, True, marker) for marker in (*skips, *_applied_marks(node.body))]
    return found


def _imports(tree: ast.Module) -> dict[str, str | None]:
    """Module-level import bindings: name -> the absolute module it comes from (None: a relative
    import, this project's own by construction)."""
    bound: dict[str, str | None] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound[alias.asname or alias.name] = node.module if node.level == 0 else None
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.partition(".")[0]] = alias.name
    return bound


def _defined(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


# What a test reads besides the code it checks: the interpreter's own modules and the test runners.
_NOT_A_DEPENDENCY = frozenset(sys.stdlib_module_names) | {"pytest", "_pytest", "mock", "__future__"}


def foreign_modules(source: str, test_name: str) -> frozenset[str] | None:
    """The installed packages' modules a top-level test that takes no fixtures exercises, when it reads
    nothing of its file but builtins and absolute imports (`from dep.utils import parse` ->
    {"dep.utils"}); None when it reads a relative import, a name of the file or no such module (the
    standard library and pytest are not what a test checks). Whether the modules are this project's
    is the caller's to tell, from the repository's tree."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    function = next((n for n in tree.body if isinstance(n, FunctionNode) and n.name == test_name), None)
    if function is None or function.args.args or function.args.kwonlyargs or function.decorator_list:
        return None
    bound, defined = _imports(tree), _defined(tree)
    local = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    modules: set[str] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load) or node.id in local:
            continue
        if node.id in bound:
            module = bound[node.id]
            if module is None:
                return None
            if module.partition(".")[0] not in _NOT_A_DEPENDENCY:
                modules.add(module)
        elif node.id in defined or not hasattr(builtins, node.id):
            return None  # a helper or constant of the file, or a name this reading cannot place
    return frozenset(modules) or None


def imported_modules(source: str) -> frozenset[str]:
    """The absolute modules a file imports at module level (empty when it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    return frozenset(module for module in _imports(tree).values() if module)


def dropped_imports(old_source: str, new_source: str) -> frozenset[str]:
    """Names the old file imported at module level that the new one neither imports nor names anywhere
    (empty when a side does not parse): what its tests stopped calling altogether."""
    try:
        old, new = ast.parse(old_source), ast.parse(new_source)
    except (SyntaxError, ValueError):
        return frozenset()
    named = set(_imports(new)) | {n.id for n in ast.walk(new) if isinstance(n, ast.Name)}
    named |= {n.attr for n in ast.walk(new) if isinstance(n, ast.Attribute)}
    return frozenset(set(_imports(old)) - named)


# ------------------------------------------------------------------ skips decided outside any test

# Keyword arguments that hand a test generator the code deciding which generated tests to skip
# (`Suite.to_unittest_testcase(..., skip=lambda case: ...)`): the tests are built at run time, from
# data, so no test function of the file shows the skip.
_SKIP_KEYWORDS = frozenset({"skip", "skips", "skip_if", "skipif", "skip_unless", "skip_when"})


def skip_deciders(source: str) -> tuple[Counter[str], int] | None:
    """What decides skips outside any one test of a module: the values of `skip=`-like keyword
    arguments in its module-level statements and every function of the module they reach, as the
    multiset of their literals and called names (the cases they name, the conditions they call), with
    the line of the first keyword; None when the source does not parse, or when no such keyword exists
    (tests the module defines carry their own skips)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    roots: list[ast.AST] = [
        node.value
        for statement in tree.body
        if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for node in ast.walk(statement)
        if isinstance(node, ast.keyword) and node.arg in _SKIP_KEYWORDS
    ]
    if not roots:
        return None
    line = getattr(roots[0], "lineno", 0)
    reached: set[str] = set()
    pending = list(roots)
    atoms: Counter[str] = Counter()
    while pending:
        scope: set[str] = set()  # once per skip expression or function: a repeated `or f(test)` adds nothing
        for node in ast.walk(pending.pop()):
            if isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value is not None:
                scope.add(repr(node.value))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                scope.add(node.func.id + "()")
            if isinstance(node, ast.Name) and node.id in functions and node.id not in reached:
                reached.add(node.id)
                pending.append(functions[node.id])
        atoms.update(scope)
    return atoms, line
