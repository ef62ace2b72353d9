"""Reads tests out of JS/TS, Java, Go and PHP source with line rules blind to comments and strings.

`mask` blanks comments (and, in a second copy, string contents) without moving any character, so a
regular expression run on the masked text finds code only, and offsets still index the original
source (names of JS cases are read back from there). Brackets are matched on the masked text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from ccdash_tests.integrity.units import Bound, CaseCode, Check, Marker, Strength, at_level, flat, preamble

_REGEX_PRECEDERS = frozenset("(,=:[!&|?{};+-*%<>~^")
_QUOTES = {"javascript": "'\"`", "java": "'\"", "go": "'\"`", "php": "'\"`"}
_MULTILINE_QUOTES = {"javascript": "`", "java": "", "go": "`", "php": "'\"`"}


@dataclass(frozen=True, slots=True)
class Masked:
    source: str
    code: str  # comments blanked
    bare: str  # comments and string contents blanked

    def line_of(self, offset: int) -> int:
        return self.source.count("\n", 0, offset) + 1


def _blank(chars: list[str], start: int, end: int) -> None:
    for index in range(start, min(end, len(chars))):
        if chars[index] != "\n":
            chars[index] = " "


def _string_end(source: str, start: int, delimiter: str, escapes: bool, multiline: bool) -> int:
    index = start
    while index < len(source):
        char = source[index]
        if escapes and char == "\\":
            index += 2
            continue
        if source.startswith(delimiter, index):
            return index + len(delimiter)
        if char == "\n" and not multiline:
            return index  # unterminated: never let one bad quote swallow the rest of the file
        index += 1
    return len(source)


def _regex_end(source: str, start: int) -> int | None:
    index, in_class = start, False
    while index < len(source):
        char = source[index]
        if char == "\n":
            return None
        if char == "\\":
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            return index + 1
        index += 1
    return None


def mask(source: str, language: str) -> Masked:
    """Comments blanked in `code`; comments and string/regex literal contents blanked in `bare`."""
    code, bare = list(source), list(source)
    quotes, multiline = _QUOTES[language], _MULTILINE_QUOTES[language]
    index, previous = 0, ""
    while index < len(source):
        char, following = source[index], source[index + 1 : index + 2]
        if (char == "/" and following == "/") or (language == "php" and char == "#" and following != "["):
            end = source.find("\n", index)
            end = len(source) if end < 0 else end
        elif char == "/" and following == "*":
            end = source.find("*/", index + 2)
            end = len(source) if end < 0 else end + 2
        else:
            end = -1
        if end >= 0:
            _blank(code, index, end)
            _blank(bare, index, end)
            index = end
            continue
        if char in quotes:
            delimiter = '"""' if language == "java" and source.startswith('"""', index) else char
            escapes = not (language == "go" and char == "`")
            end = _string_end(
                source, index + len(delimiter), delimiter, escapes, char in multiline or len(delimiter) == 3
            )
            _blank(bare, index + len(delimiter), end - len(delimiter))
            index, previous = end, char
            continue
        if language == "javascript" and char == "/" and (previous == "" or previous in _REGEX_PRECEDERS):
            regex_end = _regex_end(source, index + 1)
            if regex_end is not None:
                _blank(bare, index + 1, regex_end - 1)
                index, previous = regex_end, "/"
                continue
        if not char.isspace():
            previous = char
        index += 1
    return Masked(source=source, code="".join(code), bare="".join(bare))


_PAIRS = {"(": ")", "[": "]", "{": "}"}


def match_bracket(text: str, opening: int) -> int:
    """Index just past the bracket that closes `text[opening]`, or len(text) if unbalanced."""
    open_char = text[opening]
    close_char = _PAIRS[open_char]
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == open_char:
            depth += 1
        elif text[index] == close_char:
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


_SPACES = re.compile(r"\s*")


def _statement_tail(bare: str, start: int) -> int:
    """End of the call chain that starts at `start`: the next `;` or line end outside brackets."""
    index = start
    while index < len(bare):
        char = bare[index]
        if char in _PAIRS:
            index = match_bracket(bare, index)
            continue
        if char == "\n":
            following = _SPACES.match(bare, index).end()  # type: ignore[union-attr]
            if following < len(bare) and bare[following] == ".":
                index = following  # a call chain continued on the next line
                continue
            return index
        if char in ";}":
            return index
        index += 1
    return index


def _fingerprint(masked: Masked, start: int, end: int) -> str:
    return " ".join(masked.code[start:end].split())


CheckFinder = Callable[[Masked, int, int], list[Check]]


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    name: str
    skipped: bool = False
    declared: int = -1  # where a class declaration's keyword starts: its annotations precede it


# ---------------------------------------------------------------- checks shared by brace languages

_EXACT, _BOUND, _TRUTHY = Strength.EXACT, Strength.BOUND, Strength.TRUTHY


def _top_level(bare: str, start: int, end: int) -> list[tuple[int, int]]:
    """The comma-separated arguments of a call whose parentheses span [start - 1, end]."""
    pieces, index, begin = [], start, start
    while index < end:
        char = bare[index]
        if char in _PAIRS:
            index = match_bracket(bare, index)
            continue
        if char == ",":
            pieces.append((begin, index))
            begin = index + 1
        index += 1
    if bare[begin:end].strip():
        pieces.append((begin, end))
    return pieces


def _arguments(bare: str, opening: int) -> list[str]:
    """The arguments, as (bare) text, of the call whose `(` is at `opening`."""
    close = match_bracket(bare, opening) - 1
    return [bare[a:b].strip() for a, b in _top_level(bare, opening + 1, close)]


_OPERATOR = re.compile(
    r"&&|\|\||===|!==|==|!=|<=|>=|(?<![<\-=])<(?![<=])|(?<![>\-=])>(?![>=])|\band\b|\bor\b"
)
_INVERSE = {"==": "!=", "===": "!==", "!=": "==", "!==": "===", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_LAST_CALL = re.compile(r"([A-Za-z_$][\w$]*)\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\s*$")
# errors.Is(err, ErrX) is identity with a sentinel error: as exact as `err == ErrX`.
_EXACT_PREDICATE = re.compile(
    r"^(?i:equals\w*|deepequal|isequal\w*|equal\w*|sameas|contentequals|array_equal)$|^Is$"
)
_BOUND_PREDICATE = re.compile(
    r"^(?:contains\w*|Contains\w*|includes|has[A-Z]\w*|Has\w+|startsWith|endsWith|matches|test|is[A-Z]\w*"
    r"|in_array|str_contains|str_starts_with|str_ends_with|preg_match|array_key_exists|MatchString|Match|As)$"
)


def _operators(bare: str) -> list[re.Match[str]]:
    """Operators of `bare` outside brackets."""
    found, index = [], 0
    while index < len(bare):
        if bare[index] in _PAIRS:
            index = match_bracket(bare, index)
            continue
        match = _OPERATOR.match(bare, index)
        if match:
            found.append(match)
            index = match.end()
        else:
            index += 1
    return found


def predicate(bare: str, negated: bool = False) -> tuple[Strength, tuple[Bound, ...]]:
    """The strength of a check that a boolean expression holds (assertTrue(x), expect(x).toBe(true)), and
    the bounds it sets; `negated` for a failure condition (Go's `if got != want { t.Error(...) }`)."""
    text = bare.strip()
    ops = _operators(text)
    joins = [op for op in ops if op.group() in ("&&", "||", "and", "or")]
    if joins:
        parts, begin = [], 0
        for op in joins:
            parts.append(text[begin : op.start()])
            begin = op.end()
        parts.append(text[begin:])
        results = [predicate(part, negated) for part in parts if part.strip()]
        both = (joins[0].group() in ("&&", "and")) != negated  # a failure condition `a || b` asserts both
        levels = [level for level, _ in results]
        # Either of two equalities (`s.equals("a=1, b=2") || s.equals("b=2, a=1")`) accepts each value
        # it names: one of a set, as `isIn(a, b)` or `x in (a, b)`, which bounds and pins nothing.
        level = max(levels) if both else min(*levels, _BOUND) if len(results) > 1 else min(levels)
        return level, tuple(b for _, bounds in results for b in bounds)
    if ops:
        op = ops[0]
        kind = _INVERSE[op.group()] if negated else op.group()
        left, right = text[: op.start()].strip(), text[op.end() :].strip()
        if kind in ("==", "==="):
            return _EXACT, ()
        if kind in ("!=", "!=="):
            return _TRUTHY, ()
        if kind in ("<", "<="):
            return _BOUND, ((left, "upper"), (right, "lower"))
        return _BOUND, ((left, "lower"), (right, "upper"))
    while text.startswith("!"):
        text, negated = text[1:].strip(), not negated
    if text.startswith("(") and match_bracket(text, 0) == len(text):
        return predicate(text[1:-1], negated)
    name = _predicate_name(text)
    if name and _EXACT_PREDICATE.match(name):
        return (_TRUTHY if negated else _EXACT), ()
    if name and _BOUND_PREDICATE.match(name):
        return _BOUND, ()
    return _TRUTHY, ()


# A method borrowed through `call`/`apply` is that method: `Object.prototype.hasOwnProperty.call(req,
# 'body')` is `req.hasOwnProperty('body')`.
_BORROWED = re.compile(r"([A-Za-z_$][\w$]*)\s*\.\s*$")


def _predicate_name(text: str) -> str | None:
    """The name of the call a boolean expression ends in, None when it ends in no call."""
    call = _LAST_CALL.search(text)
    if call is None:
        return None
    if call.group(1) in ("call", "apply"):
        borrowed = _BORROWED.search(text, 0, call.start())
        if borrowed:
            return borrowed.group(1)
    return call.group(1)


# Jest/Vitest `expect(x).<matcher>`: an unknown matcher constrains (BOUND).
_JEST = {
    **at_level(
        _EXACT,
        "toBe toEqual toStrictEqual toMatchSnapshot toMatchInlineSnapshot toThrowErrorMatchingSnapshot"
        " toThrowErrorMatchingInlineSnapshot toMatchFileSnapshot toBeNull toBeUndefined toBeNaN"
        " toHaveBeenCalledWith toHaveBeenCalledTimes toHaveBeenLastCalledWith toHaveBeenNthCalledWith"
        " toHaveReturnedWith toHaveReturnedTimes toHaveLastReturnedWith toHaveNthReturnedWith"
        " toBeCalledWith toBeCalledTimes lastCalledWith nthCalledWith toHaveBeenCalledOnce"
        " toHaveBeenCalledExactlyOnceWith toBeCloseTo toHaveLength toEqualTypeOf toStrictEqualTypeOf",
    ),
    **at_level(
        _BOUND,
        "toContain toContainEqual toMatch toMatchObject toHaveProperty toBeGreaterThan"
        " toBeGreaterThanOrEqual toBeLessThan toBeLessThanOrEqual toThrow toThrowError toSatisfy toBeOneOf"
        " toMatchTypeOf",
    ),
    **at_level(
        _TRUTHY,
        "toBeDefined toBeTruthy toBeFalsy toBeInstanceOf toHaveBeenCalled toBeCalled toBeTypeOf toBeTrue"
        " toBeFalse toHaveReturned toBeVisible toBeInTheDocument",
    ),
}
_JEST_BOUNDS = {
    "toBeLessThan": "upper",
    "toBeLessThanOrEqual": "upper",
    "toBeGreaterThan": "lower",
    "toBeGreaterThanOrEqual": "lower",
}
# chai's `expect(x).to.<words>`: the strongest word of the chain decides.
_CHAI = {
    **at_level(
        _EXACT,
        "equal equals eq eql eqls null undefined NaN empty lengthOf length members ordered closeTo"
        " approximately",
    ),
    **at_level(
        _BOUND,
        "include includes contain contains match matches string property ownProperty keys above gt"
        " greaterThan below lt lessThan least gte most lte within oneOf throw throws Throw satisfy"
        " satisfies",
    ),
    **at_level(_TRUTHY, "ok true false exist exists a an instanceof instanceOf finite"),
}
_CHAI_BOUNDS = {"below": "upper", "lt": "upper", "lessThan": "upper", "most": "upper", "lte": "upper"} | {
    "above": "lower",
    "gt": "lower",
    "greaterThan": "lower",
    "least": "lower",
    "gte": "lower",
}
_BOOLEAN = frozenset({"true", "false"})
_ASYMMETRIC_ANY = re.compile(r"^expect\s*\.\s*(?:any|anything)\s*\(")
_ASYMMETRIC_PART = re.compile(
    r"^expect\s*\.\s*(?:objectContaining|arrayContaining|stringContaining|stringMatching)\b"
)
# node:assert, chai's assert, and the test context's `t.<method>` (node:test, tap, AVA).
_ASSERT_METHODS = {
    **at_level(
        _EXACT,
        "equal equals strictEqual deepEqual deepStrictEqual eql sameMembers sameOrderedMembers"
        " sameDeepMembers sameDeepOrderedMembers isNull isUndefined isNaN closeTo approximately"
        " lengthOf isEmpty is same strictSame snapshot hasAllKeys",
    ),
    **at_level(
        _BOUND,
        "match include includes notInclude property nestedProperty isAbove isBelow isAtLeast isAtMost"
        " throws rejects throwsAsync doesNotMatch notMatch oneOf containsAllKeys partialDeepStrictEqual"
        " includeMembers deepInclude like regex",
    ),
    **at_level(
        _TRUTHY,
        "ok isOk notOk isNotOk isDefined exists isNotNull true isTrue false isFalse truthy falsy notEqual"
        " notStrictEqual notDeepEqual notDeepStrictEqual notSame not isObject isString isArray isFunction"
        " isNumber isBoolean typeOf instanceOf doesNotThrow doesNotReject error ifError isNotEmpty"
        " notExists fail",
    ),
}
# `fail()` says its line is never reached: a truth about the path, the same check as a flag set there
# and asserted false afterwards (`t.false(connectFired)`), not a comparison of a value.
_ASSERT_TRUTH = frozenset({"", "ok", "isOk", "true", "isTrue", "truthy"})
_ASSERT_FALSITY = frozenset({"notOk", "isNotOk", "false", "isFalse", "falsy"})
# Equality to a boolean literal is a truth check of the other side: `t.is(x, false)` is `t.false(x)`,
# `expect(x).to.equal(true)` is `expect(x).to.be.true` (each checks `x` against one boolean).
_ASSERT_EQUALITY = frozenset(
    {"is", "equal", "equals", "strictEqual", "deepEqual", "deepStrictEqual", "same", "strictSame", "eql"}
)
_ASSERT_THROWS = frozenset({"throws", "rejects", "throwsAsync"})
_ASSERT_BOUNDS = {"isBelow": "upper", "isAtMost": "upper", "isAbove": "lower", "isAtLeast": "lower"}
# TypeScript type arguments, nested one level deep (`<Map<string, number>>`, `<() => void>`).
_TYPE_ARGS = r"<(?:[^<>]|=>|<(?:[^<>]|=>)*>)*>"
# `expect(x)`, and TSTyche's `expect<T>()` (a type as its subject).
_EXPECT = re.compile(r"(?<![\w$.])expect\s*(?:" + _TYPE_ARGS + r"\s*)?\(")
# tsd's assertions, which the compiler checks wherever they stand: `expectType<T>(value)` pins the
# exact type, `expectAssignable<T>(value)` a supertype, `expectError(code)` that the code is rejected.
_TSD = re.compile(
    r"(?<![\w$.])(expectType|expectNotType|expectAssignable|expectNotAssignable|expectError"
    r"|expectDeprecated|expectNotDeprecated|expectDocCommentIncludes)\s*(" + _TYPE_ARGS + r")?\s*\("
)
_TSD_STRENGTH = {
    **at_level(Strength.EXACT, "expectType expectDeprecated expectNotDeprecated expectDocCommentIncludes"),
    **at_level(Strength.BOUND, "expectAssignable"),
    # rejected for any reason at all, as TSTyche's `.type.not.toBeCallableWith(...)`: "not" is truthy
    **at_level(Strength.TRUTHY, "expectError expectNotType expectNotAssignable"),
}
# A type every type is assignable to: assignability to it checks only that the code compiles.
_TOP_TYPE = re.compile(r"^<\s*(?:unknown|any)\s*>$")
_ASSIGNABLE_TO_TOP = re.compile(r"\.\s*toBeAssignableTo\s*<\s*(?:unknown|any)\s*>")
_JS_ASSERT = re.compile(r"(?<![\w$.])assert(?:\s*\.\s*(\w+))?\s*\(")
_CHAIN_WORD = re.compile(r"\.\s*([A-Za-z_]\w*)")
_CHAIN_CALL = re.compile(r"\.\s*([A-Za-z_]\w*)\s*(\()?")


def _pins_properties(bare: str, expected: str) -> bool:
    """node:assert's validation object `{ code: 'E', message: 'text' }`: every property compared for
    equality; a regular expression value (`{ message: /text/ }`) only matches."""
    if not (expected.startswith("{") and match_bracket(expected, 0) == len(expected)):
        return False
    values = [expected[a:b].partition(":")[2].strip() for a, b in _top_level(expected, 1, len(expected) - 1)]
    return not any(value.startswith("/") for value in values)


def _truth_check(subject: str, value: str) -> tuple[Strength, tuple[Bound, ...]]:
    """A check that `subject` is the boolean `value`: as strong as the predicate it holds (or fails)."""
    level, bounds = predicate(subject, value == "false")
    return max(level, _TRUTHY), bounds


def _assert_call(bare: str, method: str, opening: int) -> tuple[Strength, tuple[Bound, ...]]:
    """`assert.x(...)`, `t.x(...)` or an imported `x(...)`: by the method, a truth check by its argument."""
    args = _arguments(bare, opening)
    if method in _ASSERT_TRUTH or method in _ASSERT_FALSITY:
        level, bounds = predicate(args[0], method in _ASSERT_FALSITY) if args else (_TRUTHY, ())
        return max(level, _TRUTHY), bounds
    if method in _ASSERT_EQUALITY and len(args) >= 2 and (args[0] in _BOOLEAN or args[1] in _BOOLEAN):
        literal, subject = (args[0], args[1]) if args[0] in _BOOLEAN else (args[1], args[0])
        return _truth_check(subject, literal)
    if method in _ASSERT_THROWS and len(args) < 2:
        return _TRUTHY, ()  # throws(fn) with no expected error accepts any error
    if method in _ASSERT_THROWS and _pins_properties(bare, args[1]):
        return _EXACT, ()  # throws(fn, { code: 'X' }): each property of the error deep-equals its value
    direction = _ASSERT_BOUNDS.get(method)
    bounds = ((args[0], direction),) if direction and args else ()
    return _ASSERT_METHODS.get(method, _BOUND), bounds


def _expect_strength(bare: str, opening: int, tail: int) -> tuple[Strength, tuple[Bound, ...]]:
    """`expect(x)` followed by a Jest/Vitest matcher or a chai chain."""
    subject_end = match_bracket(bare, opening)
    subject = bare[opening + 1 : subject_end - 1]
    calls = [
        (m.group(1), m.end() - 1 if m.group(2) else -1) for m in _CHAIN_CALL.finditer(bare, subject_end, tail)
    ]
    words = [word for word, _ in calls]
    if words[:1] == ["type"] and _ASSIGNABLE_TO_TOP.search(bare, subject_end, tail):
        return _TRUTHY, ()  # TSTyche's `.type.toBeAssignableTo<unknown>()`: any type that compiles passes
    jest = next(((w, at) for w, at in calls if w.startswith("to") and w[2:3].isupper()), None)
    if jest is not None:
        matcher, at = jest
        args = _arguments(bare, at) if at >= 0 else []
        if "not" in words:
            # `not.toHaveBeenCalled()` pins the call count at zero; any other negation accepts almost anything
            exact = matcher in ("toHaveBeenCalled", "toBeCalled")
            return (_EXACT if exact else _TRUTHY), ()
        if matcher in ("toBe", "toEqual", "toStrictEqual") and args and args[0] in _BOOLEAN:
            return _truth_check(subject, args[0])
        if matcher in ("toBeTruthy", "toBeTrue"):
            return _truth_check(subject, "true")
        if matcher in ("toBeFalsy", "toBeFalse"):
            return _truth_check(subject, "false")
        if matcher in ("toThrow", "toThrowError") and not args:
            return _TRUTHY, ()
        if matcher == "toHaveProperty" and len(args) >= 2:
            return _EXACT, ()
        if args and _ASYMMETRIC_ANY.match(args[0]):
            return _TRUTHY, ()
        if args and _JEST.get(matcher) == _EXACT and _ASYMMETRIC_PART.match(args[0]):
            return _BOUND, ()
        direction = _JEST_BOUNDS.get(matcher)
        return _JEST.get(matcher, _BOUND), (((subject.strip(), direction),) if direction else ())
    return _chai_strength(bare, subject, calls)


def _chai_strength(
    bare: str, subject: str, calls: list[tuple[str, int]]
) -> tuple[Strength, tuple[Bound, ...]]:
    """A chai chain after `expect(subject)` or `subject.should`: its strongest word decides."""
    words = [word for word, _ in calls]
    if "not" in words:
        return _TRUTHY, ()
    known = [word for word in words if word in _CHAI]
    if not known:
        return _BOUND, ()
    if set(known) <= {"true", "ok"}:
        return _truth_check(subject, "true")
    if set(known) <= {"false"}:
        return _truth_check(subject, "false")
    equality = [
        (word, at) for word, at in calls if word in ("equal", "equals", "eq", "eql", "eqls") and at >= 0
    ]
    if len(known) == 1 and equality and (value := (_arguments(bare, equality[0][1]) or [""])[0]) in _BOOLEAN:
        return _truth_check(subject, value)
    bounds = tuple((subject.strip(), _CHAI_BOUNDS[w]) for w in known if w in _CHAI_BOUNDS)
    return max(_CHAI[word] for word in known), bounds


# node:test's, tap's and AVA's `t.<assertion>(...)` (tspl too); `t.pass()` and `t.plan()` check nothing.
_T_METHODS = (
    r"(strictEqual|deepStrictEqual|equal|equals|deepEqual|notStrictEqual|notDeepStrictEqual|notEqual|notDeepEqual"
    r"|ok|notOk|true|false|same|notSame|strictSame|match|notMatch|throws|rejects|doesNotThrow|doesNotReject"
    r"|throwsAsync|fail|error|ifError|is|not|like|truthy|falsy|snapshot|regex|partialDeepStrictEqual)\s*\("
)
_TSPL = re.compile(r"([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?tspl\s*\(")
_T_RECEIVERS = ("t", "tt", "st", "ctx", "context", "plan")


@functools.lru_cache(maxsize=16)
def _t_assert(bare: str) -> re.Pattern[str]:
    """`t.x(...)` for the test context and for whatever the file names a `tspl(t)` planner."""
    names = sorted({*_T_RECEIVERS, *_TSPL.findall(bare)})
    receivers = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?<![\w$.])(?:{receivers})\s*\.\s*(?:assert\s*\.\s*)?" + _T_METHODS)


_ASSERT_IMPORT = re.compile(
    r"(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\s*\(\s*['\"](?:node:)?assert(?:/strict)?['\"]\s*\)"
    r"|import\s*\{([^}]*)\}\s*from\s*['\"](?:node:)?assert(?:/strict)?['\"]"
)


@functools.lru_cache(maxsize=16)
def _imported_asserts(code: str) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """`strictEqual(...)` called bare after `const { strictEqual } = require('node:assert')`: the calls'
    pattern and, for each local name, the assertion it imports (`{ strictEqual: eq }`)."""
    names: dict[str, str] = {}
    for match in _ASSERT_IMPORT.finditer(code):
        for item in (match.group(1) or match.group(2) or "").split(","):
            parts = re.split(r"\s*(?::|\bas\b)\s*", item.strip())
            local = parts[-1].strip()
            if re.fullmatch(r"[A-Za-z_$][\w$]*", local) and local not in ("assert", "default"):
                names[local] = parts[0].strip()
    if not names:
        return None
    pattern = re.compile(r"(?<![\w$.])(" + "|".join(sorted(map(re.escape, names))) + r")\s*\(")
    return pattern, names


_SUPERTEST_EXPECT = re.compile(r"(?<=[)\s])\.\s*expect\s*\(")
_REGEX_LITERAL = re.compile(r"^/.*/[a-z]*$", re.DOTALL)  # a regular expression literal, as `bare` keeps it
# chai's should style: `x.should.equal(y)` (the subject before `.should`) and the static forms
# `should.exist(x)`, `should.not.exist(x)`, `should.equal(a, b)` (as node:assert's).
_SHOULD_CHAIN = re.compile(r"(?<=[\w$)\]'\"`])\s*\.\s*should(?![\w$])")
_SHOULD_STATIC = re.compile(r"(?<![\w$.])should\s*\.\s*(not\s*\.\s*)?([A-Za-z_]\w*)\s*\(")
_STATEMENT_BREAK = frozenset(";{}=,")


def _statement_start(bare: str, at: int, floor: int) -> int:
    """Where the expression that ends at `at` starts: back over brackets, names and a chain continued
    on a new line, to the statement's `;`, `{`, `}`, an assignment or an argument's comma."""
    index = at
    while index > floor:
        char = bare[index - 1]
        if char in ")]}" and char != "}":
            opening = _open_before(bare, index - 1, floor)
            if opening < 0:
                return index
            index = opening
            continue
        if char in _STATEMENT_BREAK or char in "([":
            return index
        if char == "\n" and not bare[index:at].lstrip().startswith("."):
            return index
        index -= 1
    return index


def _open_before(bare: str, closing: int, floor: int) -> int:
    """The index of the bracket that `bare[closing]` closes, searching back no further than `floor`."""
    pairs = {")": "(", "]": "["}
    depth, index = 0, closing
    while index >= floor:
        char = bare[index]
        if char in pairs:
            depth += 1
        elif char in "([":
            depth -= 1
            if depth == 0:
                return index
        index -= 1
    return -1


def _should_checks(masked: Masked, start: int, end: int) -> list[Check]:
    bare, found = masked.bare, []
    for match in _SHOULD_CHAIN.finditer(bare, start, end):
        tail = _statement_tail(bare, match.end())
        if tail <= match.end():
            continue
        first = _SPACES.match(bare, _statement_start(bare, match.start(), start)).end()  # type: ignore[union-attr]
        subject = bare[first : match.start()].strip()
        subject = subject.removeprefix("return ").removeprefix("await ").strip()
        calls = [
            (m.group(1), m.end() - 1 if m.group(2) else -1)
            for m in _CHAIN_CALL.finditer(bare, match.end(), tail)
        ]
        if not calls:
            continue
        level, bounds = _chai_strength(bare, subject, calls)
        found.append(Check(flat(masked.code[first:tail]), level, masked.line_of(first), bounds=bounds))
    for match in _SHOULD_STATIC.finditer(bare, start, end):
        call_end = match_bracket(bare, match.end() - 1)
        negated, method = bool(match.group(1)), match.group(2)
        if method in ("exist", "exists"):
            level, bounds = (_EXACT if negated else _TRUTHY), ()  # not.exist pins null or undefined
        elif negated:
            level, bounds = _TRUTHY, ()
        else:
            level, bounds = _assert_call(bare, method, match.end() - 1)
        found.append(
            Check(
                flat(masked.code[match.start() : call_end]),
                level,
                masked.line_of(match.start()),
                bounds=bounds,
            )
        )
    return found


def _tsd_checks(masked: Masked, start: int, end: int) -> list[Check]:
    bare, found = masked.bare, []
    for match in _TSD.finditer(bare, start, end):
        call_end = match_bracket(bare, match.end() - 1)
        level = _TSD_STRENGTH[match.group(1)]
        if match.group(1) == "expectAssignable" and _TOP_TYPE.match(" ".join((match.group(2) or "").split())):
            level = _TRUTHY  # `expectAssignable<unknown>(x)`: any x that compiles passes
        found.append(Check(flat(masked.code[match.start() : call_end]), level, masked.line_of(match.start())))
    return found


def _js_checks(masked: Masked, start: int, end: int) -> list[Check]:
    bare, found = masked.bare, []
    for match in _SUPERTEST_EXPECT.finditer(bare, start, end):
        # supertest's request(app).get('/').expect(200, 'body'): a check of the response
        call_end = match_bracket(bare, match.end() - 1)
        text = flat(masked.code[match.start() : call_end])
        # `.expect(400, /unexpected end/i, done)` matches the body (or a field) by a pattern: a bound,
        # not the equality `.expect(400, 'Unexpected end of input', done)` is. No other argument of
        # supertest's (a status, a field name, a callback) is ever a regular expression.
        args = _arguments(bare, match.end() - 1)
        level = _BOUND if any(_REGEX_LITERAL.match(arg) for arg in args) else _EXACT
        found.append(Check(text, level, masked.line_of(match.start())))
    imported = _imported_asserts(masked.code)
    calls: list[tuple[re.Pattern[str], Callable[[str], str]]] = [(_t_assert(bare), lambda name: name)]
    if imported:
        pattern, names = imported
        calls.insert(0, (pattern, lambda name: names.get(name, name)))
    for pattern, method_of in calls:
        for match in pattern.finditer(bare, start, end):
            call_end = match_bracket(bare, match.end() - 1)
            text = flat(masked.code[match.start() : call_end])
            level, bounds = _assert_call(bare, method_of(match.group(1)), match.end() - 1)
            found.append(Check(text, level, masked.line_of(match.start()), bounds=bounds))
    for match in _EXPECT.finditer(bare, start, end):
        subject_end = match_bracket(bare, match.end() - 1)
        tail = _statement_tail(bare, subject_end)
        level, bounds = _expect_strength(bare, match.end() - 1, tail)
        text = flat(masked.code[match.start() : tail])
        found.append(Check(text, level, masked.line_of(match.start()), bounds=bounds))
    for match in _JS_ASSERT.finditer(bare, start, end):
        call_end = match_bracket(bare, match.end() - 1)
        text = flat(masked.code[match.start() : call_end])
        level, bounds = _assert_call(bare, match.group(1) or "", match.end() - 1)
        found.append(Check(text, level, masked.line_of(match.start()), bounds=bounds))
    if "expect" in bare:
        found += _tsd_checks(masked, start, end)
    if "should" in bare:
        found += _should_checks(masked, start, end)
    return found


_JAVA_CHECK = re.compile(
    r"(?<![\w$])(?:[A-Za-z_]\w*\.)*(assert\w*|fail|verify|verify(?:No|NoMore|Zero)Interactions|expectThrows|expectFailure\w*|whenTesting)\s*\("
)
# Calls that expect the code they are handed to fail (JUnit, TestNG, AssertJ, Truth's ExpectFailure):
# an assertion inside them is the call under test, which must fail, not a check of the test.
_FAILURE_EXPECTATION = re.compile(
    r"^(?:assertThrows\w*|expectThrows|assertThatThrownBy|assertThatExceptionOfType|assertThat\w*Exception"
    r"|expectFailure\w*|whenTesting|catchThrowable\w*)$"
)
_CATCH_THROWABLE = re.compile(r"(?<![\w$])(?:[A-Za-z_]\w*\.)*(catchThrowable\w*)\s*\(")
# What a `catch` must name to catch a failed assertion (JUnit 4/5, opentest4j, Truth, AssertJ).
_ASSERTION_FAILURES = frozenset(
    {"AssertionError", "AssertionFailedError", "ComparisonFailure", "MultipleFailuresError"}
    | {"Error", "Throwable"}
)
_ASSERTION_CLASS = re.compile(r"(?<![\w$])(?:" + "|".join(sorted(_ASSERTION_FAILURES)) + r")\s*\.\s*class\b")
_JAVA_ASSERT_KEYWORD = re.compile(r"(?<![\w$.])assert\s+[^;(]")
# JUnit 4/5 (and Mockito's verify); an unknown `assert*` constrains (BOUND).
_JUNIT = {
    **at_level(
        _EXACT,
        "assertEquals assertArrayEquals assertSame assertNull assertIterableEquals assertLinesMatch fail"
        " verify assertEqualsNoOrder assertEqualsDeep verifyNoInteractions verifyNoMoreInteractions"
        " verifyZeroInteractions",
    ),
    **at_level(
        _BOUND,
        "assertThrows assertThrowsExactly expectThrows assertTimeout assertTimeoutPreemptively",
    ),
    **at_level(_TRUTHY, "assertNotNull assertNotEquals assertNotSame assertDoesNotThrow assertInstanceOf"),
}
_JAVA_BROAD_THROWS = re.compile(
    r"^\s*(?:java\.lang\.)?(?:Exception|Throwable|RuntimeException)\s*\.\s*class\b"
)
# Truth and AssertJ verbs; navigators (`hasMessageThat()`) and plumbing (`as(...)`) are not verbs.
_FLUENT = {
    **at_level(
        _EXACT,
        "isEqualTo containsExactly containsExactlyElementsIn containsExactlyEntriesIn"
        " containsExactlyInAnyOrder containsExactlyInAnyOrderElementsOf containsExactlyEntriesOf"
        " containsOnly containsOnlyKeys isSameInstanceAs isSameAs isNull isEmpty isZero hasSize hasLength"
        " isEqualToIgnoringCase isEqualToIgnoringWhitespace isEqualToNormalizingNewlines"
        " isEqualToNormalizingWhitespace isEqualToComparingFieldByField isEqualByComparingTo hasMessage"
        " hasToString hasValue isCloseTo isNotPresent isAbsent containsExactlyElementsOf hasSameElementsAs"
        " isEqualToIgnoringNewLines"
        # AssertJ: the cause has the given one's type and message (`hasCause`), or is it
        " hasCause hasCauseReference hasRootCause",
    ),
    **at_level(
        _BOUND,
        "contains containsAtLeast containsAtLeastElementsIn containsAnyOf containsAnyIn containsKey"
        " containsKeys containsEntry containsNoneOf containsNoneIn doesNotContain doesNotContainKey"
        " isGreaterThan isLessThan isAtLeast isAtMost isGreaterThanOrEqualTo isLessThanOrEqualTo isIn"
        " isAnyOf isNoneOf isNotIn startsWith endsWith matches containsMatch doesNotMatch isBetween"
        " isStrictlyBetween isPositive isNegative isNotNegative isNotPositive containsIgnoringCase"
        " hasSizeGreaterThan hasSizeLessThan hasSizeBetween allMatch anyMatch noneMatch"
        " hasMessageContaining hasMessageStartingWith hasMessageEndingWith hasMessageMatching isInOrder"
        " isInStrictOrder containsSequence containsSubsequence isWithin hasCauseExactlyInstanceOf"
        " hasRootCauseExactlyInstanceOf",
    ),
    **at_level(
        _TRUTHY,
        "isTrue isFalse isNotNull isNotEmpty isPresent isNotBlank isInstanceOf isNotEqualTo"
        " isNotSameInstanceAs isNotSameAs isExactlyInstanceOf isNotInstanceOf hasCauseInstanceOf"
        " hasRootCauseInstanceOf isNotZero isNotNaN isFinite hasNoCause isNotEmptyString"
        " doesNotThrowAnyException",
    ),
}
_FLUENT_BOUNDS = {"isLessThan": "upper", "isAtMost": "upper", "isLessThanOrEqualTo": "upper"} | {
    "isGreaterThan": "lower",
    "isAtLeast": "lower",
    "isGreaterThanOrEqualTo": "lower",
}
_TRUTH_PLUMBING = frozenset(
    {"as", "that", "withMessage", "about", "describedAs", "overridingErrorMessage", "withFailMessage"}
    | {"hasMessageThat", "hasCauseThat", "extracting", "usingRecursiveComparison", "inOrder", "asList"}
    | {"asString", "isInstanceOfSatisfying", "withFailureMessage", "comparingElementsUsing", "ignoringCase"}
)
_BOOLEAN_FIRST = re.compile(r"\s*(?:true|false|Boolean\.TRUE|Boolean\.FALSE)\s*,")
_HAMCREST_TRUTHY = re.compile(r"\b(notNullValue|anything|instanceOf|isA|any|not)\s*\(")
_HAMCREST_EXACT = re.compile(
    r"\b(equalTo|is|nullValue|sameInstance|contains|containsInAnyOrder|arrayContaining|hasSize|emptyString"
    r"|empty|closeTo|arrayWithSize|emptyIterable|aMapWithSize)\s*\("
)


def _truth_of(bare: str, subject: str, negated: bool = False) -> tuple[Strength, tuple[Bound, ...]]:
    """assertTrue(x) or assertThat(x).isTrue(): as strong as what `x` tests (`list.contains(y)`)."""
    level, bounds = predicate(subject, negated)
    return max(level, _TRUTHY), bounds


def _fluent(
    bare: str, name: str, subject: str, call_end: int, tail: int
) -> tuple[Strength, tuple[Bound, ...]]:
    """Truth/AssertJ: the strongest verb of the chain; `isTrue()` as strong as what its subject tests."""
    chain = [
        (m.group(1), m.end() - 1 if m.group(2) else -1) for m in _CHAIN_CALL.finditer(bare, call_end, tail)
    ]
    if name != "assertThat":
        that = next((at for word, at in chain if word == "that" and at >= 0), None)
        subject = _arguments(bare, that)[0] if that is not None and _arguments(bare, that) else subject
    verbs = [word for word, _ in chain if word not in _TRUTH_PLUMBING]
    if set(verbs) <= {"isTrue", "isFalse"}:
        return _truth_of(bare, subject, negated=verbs == ["isFalse"])
    top = [(word, at) for word, at in _top_chain(bare, call_end, tail) if word not in _TRUTH_PLUMBING]
    if [word for word, _ in top] == ["isEqualTo"] and top[0][1] >= 0:
        # isEqualTo(true) says what isTrue() says: as strong as what its subject tests
        args = _arguments(bare, top[0][1])
        if len(args) == 1 and _BOOLEAN_FIRST.match(args[0] + ","):
            return _truth_of(bare, subject, negated=args[0].strip().endswith(("false", "FALSE")))
    levels = [_FLUENT.get(word, _BOUND) for word in verbs]
    bounds = tuple((subject.strip(), _FLUENT_BOUNDS[w]) for w in verbs if w in _FLUENT_BOUNDS)
    return max(levels), bounds


def _top_chain(bare: str, start: int, end: int) -> list[tuple[str, int]]:
    """The calls chained on a subject (`.isEqualTo(`, with its `(` offset, -1 for a field), not
    those inside their arguments (`isEqualTo(Boolean.TRUE)` chains one call)."""
    found, index = [], start
    while index < end:
        if bare[index] in _PAIRS:
            index = match_bracket(bare, index)
            continue
        match = _CHAIN_CALL.match(bare, index)
        if match is None:
            index += 1
            continue
        found.append((match.group(1), match.end() - 1 if match.group(2) else -1))
        index = match.end() - 1 if match.group(2) else match.end()
    return found


def _junit(bare: str, name: str, opening: int) -> tuple[Strength, tuple[Bound, ...]]:
    args = _arguments(bare, opening)
    if name in ("assertTrue", "assertFalse"):
        results = [_truth_of(bare, arg, negated=name == "assertFalse") for arg in args] or [(_TRUTHY, ())]
        return max(level for level, _ in results), tuple(b for _, bounds in results for b in bounds)
    if name == "assertEquals" and len(args) >= 2 and _BOOLEAN_FIRST.match(args[0] + ","):
        return _truth_of(bare, args[1], negated=args[0].strip().endswith(("false", "FALSE")))
    if (
        name in ("assertThrows", "assertThrowsExactly", "expectThrows")
        and args
        and _JAVA_BROAD_THROWS.match(args[0])
    ):
        return _TRUTHY, ()  # any exception at all
    return _JUNIT.get(name, _EXACT if "Equal" in name else _BOUND), ()


# A cast to a named type (`(Callback<S, T>) w -> ...`, `(Integer) null`): it picks an overload or
# states a type the compiler can infer, and checks nothing, so it is no part of what a check says.
_JAVA_CAST = re.compile(r"\(\s*[A-Z][\w.]*(?:\s*<[^()]*>)?(?:\s*\[\s*\])*\s*\)\s*(?=[\w(\"'])")


def _java_text(masked: Masked, start: int, end: int) -> str:
    """A Java check as written, layout and casts aside."""
    return flat(_JAVA_CAST.sub("", masked.code[start:end]))


def _expected_to_fail(bare: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of code that must fail for the test to pass: what a failure expectation is handed
    (`assertThrows(X.class, () -> ...)`, `expectFailure(w -> w.that(x).isEqualTo(y))`) and the body of
    `try { ...; fail(); } catch (AssertionError e)` up to its `fail()`. The assertions in them are the
    calls under test; the expectation (or the `fail()`) is the check, the same in either spelling."""
    spans = []
    for pattern in (_JAVA_CHECK, _CATCH_THROWABLE):
        for match in pattern.finditer(bare, start, end):
            if not _FAILURE_EXPECTATION.match(match.group(1)):
                continue
            tail = _statement_tail(bare, match_bracket(bare, match.end() - 1))
            # Only a failed assertion makes the assertions inside the call under test: expecting
            # another exception (`assertThrows(X.class, () -> verify(m).f())`), they are checks too.
            if match.group(1).startswith(("expectFailure", "whenTesting")) or _ASSERTION_CLASS.search(
                bare, match.end(), tail
            ):
                spans.append((match.end(), tail))
    for match in _TRY.finditer(bare, start, end):
        body_end = match_bracket(bare, match.end() - 1)
        failing = re.search(r"(?<![\w$])(?:[A-Za-z_]\w*\.)*fail\s*\(", bare[match.end() : body_end])
        if failing is None:
            continue
        position, catches = body_end, []
        while catch := _CATCH.match(bare, position):
            types = (catch.group(1) or "").replace("final ", " ").strip().rsplit(None, 1)[0]
            catches += [part.strip().rsplit(".", 1)[-1] for part in types.split("|")]
            position = match_bracket(bare, catch.end() - 1)
        if _ASSERTION_FAILURES & set(catches):
            spans.append((match.end(), match.end() + failing.start()))
    return spans


def _java_checks(masked: Masked, start: int, end: int) -> list[Check]:
    bare, found = masked.bare, []
    under_test = _expected_to_fail(bare, start, end)
    for match in _JAVA_CHECK.finditer(bare, start, end):
        name = match.group(1)
        if any(a <= match.start() < b for a, b in under_test):
            continue
        call_end = match_bracket(bare, match.end() - 1)
        tail = _statement_tail(bare, call_end)
        subject = bare[match.end() : call_end - 1]
        bounds: tuple[Bound, ...] = ()
        if name in ("assertThat", "assertWithMessage", "assertAbout"):
            chained = [
                word for word in _CHAIN_WORD.findall(bare[call_end:tail]) if word not in _TRUTH_PLUMBING
            ]
            if chained:
                level, bounds = _fluent(bare, name, subject, call_end, tail)
            elif name == "assertThat" and "," not in subject:
                continue  # assertThat(x) with no verb checks nothing
            else:
                matcher = bare[match.end() : call_end]
                level = (
                    _TRUTHY
                    if _HAMCREST_TRUTHY.search(matcher)
                    else _EXACT
                    if _HAMCREST_EXACT.search(matcher)
                    else _BOUND
                )
        else:
            level, bounds = _junit(bare, name, match.end() - 1)
        text = _java_text(masked, match.start(), tail)
        found.append(Check(text, level, masked.line_of(match.start()), bounds=bounds))
    for match in _JAVA_ASSERT_KEYWORD.finditer(bare, start, end):
        if any(a <= match.start() < b for a, b in under_test):
            continue
        tail = _statement_tail(bare, match.start())
        expression = bare[match.start() + len("assert") : tail].split(":")[0]
        level, bounds = _truth_of(bare, expression)
        text = _java_text(masked, match.start(), tail)
        found.append(Check(text, level, masked.line_of(match.start()), bounds=bounds))
    return found


_PHP_CHECK = re.compile(
    r"(?:\$this\s*->\s*|\b(?:self|static|[A-Z]\w*)\s*::\s*)(assert\w*|fail|expectException\w*)\s*\("
)
# PHPUnit; otherwise `assertIs*`/`assertNot*` accept almost anything, an equal/same pins, the rest bound.
_PHPUNIT = {
    **at_level(
        _EXACT,
        "assertNull assertCount assertEmpty assertSameSize fail expectExceptionMessage"
        " expectExceptionCode assertJsonStringEqualsJsonString assertJsonStringEqualsJsonFile"
        " assertXmlStringEqualsXmlString",
    ),
    **at_level(
        _BOUND,
        "assertContains assertStringContainsString assertStringContainsStringIgnoringCase"
        " assertArrayHasKey assertMatchesRegularExpression assertRegExp assertGreaterThan assertLessThan"
        " assertGreaterThanOrEqual assertLessThanOrEqual assertStringStartsWith assertStringEndsWith"
        " assertContainsOnly assertArraySubset assertContainsOnlyInstancesOf assertObjectHasProperty"
        " assertObjectHasAttribute expectException expectExceptionMessageMatches assertStringMatchesFormat"
        " assertNotContains assertArrayNotHasKey assertStringNotContainsString"
        " assertDoesNotMatchRegularExpression assertNotCount",
    ),
    **at_level(
        _TRUTHY,
        "assertNotNull assertNotEmpty assertInstanceOf assertNotSame assertNotEquals assertFileExists",
    ),
}
_PHP_BOUNDS = {"assertLessThan": "upper", "assertLessThanOrEqual": "upper"} | {
    "assertGreaterThan": "lower",
    "assertGreaterThanOrEqual": "lower",
}
_PHP_BROAD_THROWS = re.compile(r"^\s*\\?(?:Exception|Throwable|Error)\s*::\s*class\b")


def _phpunit(bare: str, name: str, opening: int) -> tuple[Strength, tuple[Bound, ...]]:
    args = _arguments(bare, opening)
    if name in ("assertTrue", "assertFalse"):
        level, bounds = predicate(args[0], negated=name == "assertFalse") if args else (_TRUTHY, ())
        return max(level, _TRUTHY), bounds
    if name == "expectException" and args and _PHP_BROAD_THROWS.match(args[0]):
        return _TRUTHY, ()
    direction = _PHP_BOUNDS.get(name)
    bounds = ((args[1], direction),) if direction and len(args) >= 2 else ()
    if name in _PHPUNIT:
        return _PHPUNIT[name], bounds
    if name.startswith(("assertIs", "assertNot")):
        return _TRUTHY, bounds
    return (_EXACT if "Equals" in name or "Same" in name else _BOUND), bounds


def _php_checks(masked: Masked, start: int, end: int) -> list[Check]:
    found = []
    for match in _PHP_CHECK.finditer(masked.bare, start, end):
        call_end = match_bracket(masked.bare, match.end() - 1)
        text = flat(masked.code[match.start() : call_end])
        level, bounds = _phpunit(masked.bare, match.group(1), match.end() - 1)
        found.append(Check(text, level, masked.line_of(match.start()), bounds=bounds))
    return found


_TESTIFY = re.compile(r"(?<![\w.])(?:assert|require)\s*\.\s*(\w+)\s*\(")
# testify, by the name without its `f` suffix; an unknown one constrains (BOUND). JSONEq and YAMLEq
# compare parsed values: they accept every text of the same document (another key order, spacing,
# escapes), so they bound the text where `Equal` on it pins it. InDelta and InEpsilon accept a range
# around the value (a tolerance): `Equal` on a float -> `InDelta` accepts more.
_TESTIFY_LEVELS = {
    **at_level(
        _EXACT,
        "Equal EqualValues Exactly Nil NoError Empty Len Same ElementsMatch EqualError Zero"
        " PanicsWithValue PanicsWithError EqualExportedValues",
    ),
    **at_level(
        _BOUND,
        "InDelta InEpsilon InDeltaSlice InEpsilonSlice InDeltaMapValues JSONEq YAMLEq Contains Subset Regexp"
        " Greater GreaterOrEqual Less LessOrEqual ErrorContains ErrorIs"
        " ErrorAs Positive Negative WithinDuration WithinRange NotContains NotSubset NotRegexp IsIncreasing"
        " IsDecreasing NotErrorIs",
    ),
    **at_level(
        _TRUTHY,
        "True False NotNil NotEmpty NotZero Error NotEqual NotEqualValues NotSame IsType Implements"
        " Panics NotPanics Condition Eventually Never FileExists DirExists",
    ),
}
_TESTIFY_NAMES = "|".join(
    sorted({f"{name}f" for name in _TESTIFY_LEVELS} | set(_TESTIFY_LEVELS), key=lambda n: (-len(n), n))
)
_TESTIFY_BOUNDS = {"Less": "upper", "LessOrEqual": "upper", "Greater": "lower", "GreaterOrEqual": "lower"}
_GO_IF = re.compile(r"\bif\s+(.*)$", re.S)


def _testify(bare: str, name: str, opening: int) -> tuple[Strength, tuple[Bound, ...]]:
    name = name[:-1] if name.endswith("f") and name[:-1] in _TESTIFY_LEVELS else name
    args = _arguments(bare, opening)
    if name in ("True", "False") and len(args) >= 2:
        level, bounds = predicate(args[1], negated=name == "False")
        return max(level, _TRUTHY), bounds
    if name in _TESTIFY_EQUALS and len(args) >= 3 and all(_GO_TYPE_OF.match(arg) for arg in args[1:3]):
        return _TRUTHY, ()  # `Equal(t, reflect.TypeOf(a), reflect.TypeOf(b))` checks a type, as IsType does
    direction = _TESTIFY_BOUNDS.get(name)
    bounds = ((args[1], direction),) if direction and len(args) >= 2 else ()
    return _TESTIFY_LEVELS.get(name, _BOUND), bounds


_TESTIFY_EQUALS = frozenset({"Equal", "EqualValues", "Exactly"})
_GO_TYPE_OF = re.compile(r"^reflect\s*\.\s*TypeOf\s*\(")


def _failure_condition(bare: str, at: int, start: int) -> str | None:
    """The condition of the `if` whose block holds `at` (Go's `if got != want { t.Errorf(...) }`)."""
    depth, index = 0, at
    while index > start:
        index -= 1
        char = bare[index]
        if char == "}":
            depth += 1
        elif char == "{":
            if depth == 0:
                break
            depth -= 1
    else:
        return None
    head_start = max(
        bare.rfind("\n", start, index), bare.rfind("}", start, index), bare.rfind("{", start, index)
    )
    match = _GO_IF.search(bare, head_start + 1, index)
    if match is None:
        return None
    condition = match.group(1)
    pieces = _top_level_semicolons(condition)
    return pieces[-1]


def _top_level_semicolons(text: str) -> list[str]:
    """`err := f(); err != nil` -> its statements, split outside brackets."""
    pieces, index, begin = [], 0, 0
    while index < len(text):
        if text[index] in _PAIRS:
            index = match_bracket(text, index)
            continue
        if text[index] == ";":
            pieces.append(text[begin:index])
            begin = index + 1
        index += 1
    pieces.append(text[begin:])
    return pieces


_TESTIFY_CONTAINS = frozenset({"Contains", "Containsf"})


def _literal(code: str) -> str | None:
    """The raw text inside a Go string literal ("..." or `...`), None for any other expression."""
    text = code.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '"`':
        return text[1:-1]
    return None


def _implied(masked: Masked, calls: list[tuple[int, Check, bool]]) -> list[Check]:
    """The checks, with a `Contains(t, s, "x")` that a sibling `Contains(t, s, "...x...")` on the same
    subject already implies lowered to truthiness: it no longer constrains anything on its own, so a
    check narrowed to part of its sibling's text (an anchor dropped) reads as weakened on `s`.
    `calls`: each check with the offset of its `(` and whether it is a `Contains`."""
    texts: list[tuple[str, str] | None] = []
    for opening, _, contains in calls:
        spans = _top_level(masked.bare, opening + 1, match_bracket(masked.bare, opening) - 1)
        value = _literal(masked.code[slice(*spans[2])]) if contains and len(spans) >= 3 else None
        subject = " ".join(masked.bare[slice(*spans[1])].split()) if value else ""
        texts.append((subject, value) if value else None)
    found = []
    for index, (_, check, _) in enumerate(calls):
        mine = texts[index]
        implied = mine is not None and any(
            other is not None and other[0] == mine[0] and mine[1] in other[1] and mine[1] != other[1]
            for other in texts
        )
        found.append(replace(check, strength=_TRUTHY) if implied else check)
    return found


def _go_checks(masked: Masked, start: int, end: int, receivers: set[str]) -> list[Check]:
    bare, found = masked.bare, []
    names = "|".join(sorted(re.escape(name) for name in receivers))
    native = re.compile(rf"(?<![\w.])(?:{names})\s*\.\s*(Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(")
    for match in native.finditer(bare, start, end):
        call_end = match_bracket(bare, match.end() - 1)
        text = flat(masked.code[match.start() : call_end])
        condition = _failure_condition(bare, match.start(), start)
        # t.Error under `if got != want` checks equality: the check is the negation of the condition.
        level, bounds = predicate(condition, negated=True) if condition else (_BOUND, ())
        found.append(Check(text, max(level, _TRUTHY), masked.line_of(match.start()), bounds=bounds))
    # testify's own package, a dot import, or a project's helper of the same name: `Equal(t, got, want)`,
    # an assertion function called with the test's `t`, checks as `assert.Equal(t, ...)` does.
    unqualified = re.compile(rf"(?<![\w.])({_TESTIFY_NAMES})\s*\(\s*(?:{names})\s*[,)]")
    calls = [(match, match.end() - 1) for match in _TESTIFY.finditer(bare, start, end)] + [
        (match, bare.index("(", match.start())) for match in unqualified.finditer(bare, start, end)
    ]
    made = []
    for match, opening in sorted(calls, key=lambda call: call[1]):
        call_end = match_bracket(bare, opening)
        text = flat(masked.code[match.start() : call_end])
        level, bounds = _testify(bare, match.group(1), opening)
        check = Check(text, level, masked.line_of(match.start()), bounds=bounds)
        made.append((opening, check, match.group(1) in _TESTIFY_CONTAINS))
    return found + _implied(masked, made)


# ---------------------------------------------------------------- swallowing catch blocks

_TRY = re.compile(r"(?<![\w$])try\s*\{")
_CATCH = re.compile(r"\s*catch\s*(?:\(([^)]*)\))?\s*\{")
_JAVA_BROAD = frozenset(
    {"Exception", "Throwable", "RuntimeException", "Error", "AssertionError", "AssertionFailedError"}
)
_PHP_BROAD = frozenset({"Exception", "Throwable", "Error"})
_THROW = re.compile(r"(?<![\w$])throw\b")


def _broad_catch(language: str, declaration: str | None) -> bool:
    if language == "javascript" or declaration is None:
        return True
    types = declaration.replace("final ", " ").strip()
    if language == "java":
        types = types.rsplit(None, 1)[0] if " " in types else types
    else:
        types = re.sub(r"\$\w+", "", types)
    broad = _JAVA_BROAD if language == "java" else _PHP_BROAD
    return any(part.strip().rsplit(".", 1)[-1].rsplit("\\", 1)[-1] in broad for part in types.split("|"))


def _passes_on(bare: str, declaration: str | None, start: int, end: int) -> bool:
    """The handler hands the caught error to a call (`reject(error)`, `done(err)`): it fails the test."""
    names = re.findall(r"[A-Za-z_$][\w$]*", declaration or "")
    if not names:
        return False
    name = re.escape(names[-1])
    return re.search(rf"\(\s*{name}\s*[,)]", bare[start:end]) is not None


def _swallows(masked: Masked, start: int, end: int, language: str, checks: CheckFinder) -> list[Marker]:
    bare, found = masked.bare, []
    for match in _TRY.finditer(bare, start, end):
        body_end = match_bracket(bare, match.end() - 1)
        guarded = bool(checks(masked, match.end(), body_end))
        position = body_end
        while catch := _CATCH.match(bare, position):
            handler_end = match_bracket(bare, catch.end() - 1)
            declaration = catch.group(1)
            loud = (
                _THROW.search(bare, catch.end(), handler_end)
                or checks(masked, catch.end(), handler_end)
                or _passes_on(bare, catch.group(1), catch.end(), handler_end)
            )
            if language == "javascript" and not guarded and checks(masked, handler_end, end):
                # The try wraps no check and the test checks after it: no failing check can be
                # swallowed, the catch takes what the code throws (an expected error, kept or not)
                # and the outcome is still checked.
                loud = True
            if _broad_catch(language, declaration) and not loud:
                head = masked.code[catch.start() : catch.end()].strip()
                found.append(Marker(text=flat(head), line=masked.line_of(catch.end()), wraps_checks=guarded))
            position = handler_end
    return found


# ---------------------------------------------------------------- helpers that check, exclusive branches

_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "synchronized", "function", "return", "else"})
_DEFINITIONS = {
    # An arrow function's parameters may hold parentheses of their own (TypeScript's `Mock<() => T>`),
    # so only their opening is matched here: `_body_opening` finds the rest.
    "javascript": re.compile(
        r"(?<![\w$.])(?:function\s*\*?\s*([A-Za-z_$][\w$]*)\s*\("
        r"|(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?:function\b|\(|[\w$]+\s*=>))"
    ),
    "java": re.compile(r"(?<![\w$.])([A-Za-z_]\w*)\s*\([^()]*\)\s*(?:throws\s+[\w.,\s]+)?\{"),
    "php": re.compile(r"(?<![\w$])function\s+([A-Za-z_]\w*)\s*\("),
    "go": re.compile(r"(?m)^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*\("),
}


# After an arrow function's parameters: a TypeScript return type, the arrow, the body's brace.
_JS_ARROW_TAIL = re.compile(r"\s*(?::\s*[^=;{}()]+?)?\s*=>\s*\{")


def _body_opening(bare: str, language: str, match: re.Match[str]) -> int:
    """Where the body of the function a `_DEFINITIONS` match defines opens, or -1. An arrow function's
    body follows its parameters, which may hold braces (`({ mock }: Mock<() => T>): void => {`); a
    `const x = (a + b)` is no function at all."""
    if language == "javascript" and match.group(2) and bare[match.end() - 1] == "(":
        tail = _JS_ARROW_TAIL.match(bare, match_bracket(bare, match.end() - 1))
        return tail.end() - 1 if tail else -1
    return bare.find("{", match.end() - 1)


def helper_names(masked: Masked, language: str, checks: CheckFinder, tests: set[str]) -> frozenset[str]:
    """Functions of the file, other than its tests, whose body checks: a test that calls one checks."""
    found = set()
    for match in _DEFINITIONS[language].finditer(masked.bare):
        name = next(group for group in match.groups() if group)
        if name in _KEYWORDS or name in found:
            continue
        opening = _body_opening(masked.bare, language, match)
        if opening < 0:
            continue
        end = match_bracket(masked.bare, opening)
        if name in tests and language != "java":
            continue
        if language == "go":
            receivers = set(_GO_T_PARAM.findall(masked.bare, match.start(), end)) or {"t"}
            if _go_checks(masked, opening, end, receivers):
                found.add(name)
        elif checks(masked, opening, end):
            found.add(name)
    return frozenset(found)


# What follows a Java method's parameters where it is defined, not called: `call() {`, an anonymous
# class's method (`new Callable() { public void call() {...} }`) being no call of a helper.
_JAVA_BODY_OPENS = re.compile(r"\s*(?:throws\s+[\w.,\s]+)?\{")
_JS_BODY_OPENS = re.compile(r"\s*(?::\s*[\w$.<>\[\]| ]+)?\{")
# A method called on a receiver with explicit type arguments (`Type.<T>name(`): the `.` sits before them.
_TYPE_ARGUMENTS_BEFORE = re.compile(r"\.\s*<[\w\s.,?<>\[\]]*>\s*$")


def _helper_calls(
    masked: Masked, start: int, end: int, helpers: frozenset[str], language: str = ""
) -> list[Check]:
    if not helpers:
        return []
    names = "|".join(sorted(re.escape(name) for name in helpers))
    pattern = re.compile(rf"(?<![\w$])(?:(?:this|self|static|\$this)\s*(?:\.|::|->)\s*)?({names})\s*\(")
    found = []
    for match in pattern.finditer(masked.bare, start, end):
        if match.start() > 0 and masked.bare[match.start() - 1] == ".":
            continue  # a method of another object that happens to share the name
        if _TYPE_ARGUMENTS_BEFORE.search(masked.bare, max(0, match.start() - 200), match.start()):
            continue  # Java's `CollectionUtils.<Number>union(a, b)`: the same, with explicit type arguments
        call_end = match_bracket(masked.bare, match.end() - 1)
        if language == "java" and _JAVA_BODY_OPENS.match(masked.bare, call_end):
            continue
        if language == "javascript" and _JS_BODY_OPENS.match(masked.bare, call_end):
            continue  # `function onWarning (warning) {` declares the helper, it does not call it
        text = flat(masked.code[match.start() : call_end])
        found.append(Check(text, Strength.EXACT, masked.line_of(match.start()), helper=True))
    return found


_ELSE = re.compile(r"\}\s*else\b")


def _open_of(bare: str, closing: int) -> int:
    """Index of the `{` that `bare[closing]` (a `}`) closes, or -1."""
    depth = 0
    for index in range(closing, -1, -1):
        if bare[index] == "}":
            depth += 1
        elif bare[index] == "{":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _branch_blocks(bare: str, start: int, end: int) -> list[list[tuple[int, int]]]:
    """Top-level if/else chains inside [start, end): each a list of its branches' block spans."""
    chains: list[list[tuple[int, int]]] = []
    for match in _ELSE.finditer(bare, start, end):
        first = _open_of(bare, match.start())
        following = bare.find("{", match.end())
        if first < start or following < 0 or following >= end:
            continue
        if bare[match.end() : following].strip().startswith("if") and "(" in bare[match.end() : following]:
            paren = bare.find("(", match.end())
            following = bare.find("{", match_bracket(bare, paren))
            if following < 0 or following >= end:
                continue
        a, b = (first, match.start() + 1), (following, match_bracket(bare, following))
        chain = next((c for c in chains if c[-1] == a), None)
        if chain is not None:
            chain.append(b)
        else:
            chains.append([a, b])
    outer = [c for c in chains if not any(o is not c and o[0][0] < c[0][0] < o[-1][1] for o in chains)]
    return outer


def _path_count(masked: Masked, start: int, end: int, checks: CheckFinder) -> int:
    """Checks on the richest path: exclusive if/else branches count once, by their richest branch."""
    total = len(checks(masked, start, end))
    for chain in _branch_blocks(masked.bare, start, end):
        counts = [len(checks(masked, a, b)) for a, b in chain]
        total -= sum(counts) - max(counts)
    return total


def _condition_before(masked: Masked, brace: int) -> str:
    """The condition of the `if (...)` whose block opens at `brace`, as written ("" if none)."""
    close = len(masked.bare[:brace].rstrip()) - 1
    if close < 0 or masked.bare[close] != ")":
        return ""
    depth = 0
    for index in range(close, -1, -1):
        depth += {")": 1, "(": -1}.get(masked.bare[index], 0)
        if depth == 0:
            if not masked.bare[:index].rstrip().endswith("if"):
                return ""
            return flat(masked.code[index + 1 : close])
    return ""


def _platform_chains(
    masked: Masked, start: int, end: int, checks: CheckFinder
) -> tuple[tuple[str, Strength, frozenset[str]], ...]:
    """The test's if/else chains on the platform or environment: what the weakest branch still checks."""
    found = []
    for chain in _branch_blocks(masked.bare, start, end):
        condition = _condition_before(masked, chain[0][0])
        if not condition or not _ENVIRONMENT.search(condition):
            continue
        branches = [checks(masked, a, b) for a, b in chain]
        if not any(branches):
            continue
        floor = min(max((c.strength for c in branch), default=Strength.NOOP) for branch in branches)
        inside = frozenset("".join(c.text.split()) for branch in branches for c in branch)
        found.append((condition, floor, inside))
    return tuple(found)


def _case(
    masked: Masked,
    span: _Span,
    qualname: str,
    language: str,
    checks: CheckFinder,
    skips: list[Marker],
    xfails: list[Marker],
    head: int | None = None,
    helpers: frozenset[str] = frozenset(),
) -> CaseCode:
    first = masked.source.rfind("\n", 0, span.start if head is None else head) + 1
    body_open = masked.bare.find("{", span.start, span.end)
    calls_from = body_open if body_open >= 0 else span.start

    def with_helpers(found_in: Masked, start: int, stop: int) -> list[Check]:
        helped = _helper_calls(found_in, max(start, calls_from), stop, helpers, language)
        return checks(found_in, start, stop) + helped

    return CaseCode(
        qualname=qualname,
        name=span.name,
        line=masked.line_of(span.start),
        checks=tuple(with_helpers(masked, span.start, span.end)),
        paths=_path_count(masked, span.start, span.end, with_helpers),
        skips=tuple(skips),
        xfails=tuple(xfails),
        swallows=tuple(
            _swallows(
                masked, span.start, span.end, language, with_helpers if language == "javascript" else checks
            )
        ),
        fingerprint=_fingerprint(masked, span.start, span.end) + "|".join(m.text for m in (*skips, *xfails)),
        body=" ".join(masked.bare[span.start : span.end].split()),
        lines=tuple(masked.source[first : span.end].splitlines()),
        data=_data(masked, calls_from, span.end),
        preamble=preamble(
            _lines_above(masked.source, first), _PHP_COMMENT_STARTS if language == "php" else _COMMENT_STARTS
        ),
        platforms=_platform_chains(masked, span.start, span.end, with_helpers)
        if language == "javascript"
        else (),
    )


_COMMENT_STARTS = ("//", "/*", "*")
_PHP_COMMENT_STARTS = (*_COMMENT_STARTS, "#")


def _lines_above(source: str, first: int) -> Iterator[str]:
    """The lines above the line that starts at offset `first`, nearest first."""
    end = first - 1
    while end > 0:
        start = source.rfind("\n", 0, end) + 1
        yield source[start:end]
        end = start - 1


_STRING_LITERAL = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`")
_NUMBER = re.compile(r"(?<![\w$.])\d[\d_]*(?:\.\d+)?(?![\w$])")


def _data(masked: Masked, start: int, end: int) -> frozenset[str]:
    """The string contents and numbers (0 and 1 aside) a test's code holds, comments aside."""
    strings = {
        next((group for group in match.groups() if group is not None), "")
        for match in _STRING_LITERAL.finditer(masked.code, start, end)
    }
    numbers = {n for n in _NUMBER.findall(masked.bare, start, end) if n not in ("0", "1")}
    return frozenset({*(f"'{text}'" for text in strings), *numbers})


# ---------------------------------------------------------------- JavaScript / TypeScript

_JS_BLOCK = re.compile(
    r"(?<![\w$.])(?P<x>[xf]?)(?P<kind>it|test|specify|describe|context|suite)"
    r"(?P<mods>(?:\s*\.\s*(?:only|skipIf|runIf|skip|todo|failing|concurrent|each|sequential|serial|fixme)"
    r"(?![\w$]))*)\s*\("
)
_JS_KINDS = ("it", "test", "specify", "describe", "context", "suite")
# `const testOrSkipOnWindows = process.platform === 'win32' ? test.skip : test;`: a name the file
# defines tests with, skipped where its condition says.
_JS_RUNNER_ALIAS = re.compile(
    r"(?<![\w$.])(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([^;\n?]+)\?\s*"
    r"(it|test|specify|describe|context|suite)(\s*\.\s*skip)?\s*:\s*"
    r"(it|test|specify|describe|context|suite)(\s*\.\s*skip)?\s*\)?\s*(?=[;\n])"
)


def _runner_aliases(masked: Masked) -> dict[str, tuple[str, str]]:
    """The file's conditional aliases of a test function, by name: (the kind it defines, the
    condition and choice that skip it, as written)."""
    found = {}
    for match in _JS_RUNNER_ALIAS.finditer(masked.bare):
        if bool(match.group(4)) == bool(match.group(6)) or match.group(3) != match.group(5):
            continue  # both sides run (or both skip) the same way, or two kinds: not a skip switch
        found[match.group(1)] = (match.group(3), flat(masked.code[match.start(2) : match.end()]))
    return found


@functools.lru_cache(maxsize=16)
def _js_block(aliases: tuple[str, ...]) -> re.Pattern[str]:
    if not aliases:
        return _JS_BLOCK
    names = "|".join(re.escape(name) for name in sorted(aliases, key=len, reverse=True))
    return re.compile(_JS_BLOCK.pattern.replace("(?P<kind>", f"(?P<kind>{names}|", 1))


_JS_RUNTIME_SKIP = re.compile(r"(?<![\w$])(?:this|ctx|context|t)\s*\.\s*skip\s*\(")


def _argument_end(bare: str, start: int) -> int:
    """End of the call argument that starts at `start`: the next `,` or `)` outside brackets."""
    index = start
    while index < len(bare) and bare[index] not in ",)":
        index = match_bracket(bare, index) if bare[index] in _PAIRS else index + 1
    return index


# A quote or backslash escaped in a title literal is that character: 'doesn\'t' is "doesn't".
_TITLE_ESCAPE = re.compile(r"\\(['\"`\\])")


def _title_parts(masked: Masked, start: int, end: int) -> list[tuple[str, bool]]:
    """The `+`-joined pieces of a title expression: (text, is_literal); a literal's text is its contents."""
    parts: list[tuple[str, bool]] = []
    index = piece = start
    bare = masked.bare
    while index <= end:
        char = bare[index] if index < end else "+"
        if char in "'\"`" and index < end:
            close = _string_end(bare, index + 1, char, True, char == "`")
            index = close
            continue
        if char in _PAIRS and index < end:
            index = match_bracket(bare, index)
            continue
        if char == "+":
            text = masked.source[piece:index].strip()
            if len(text) >= 2 and text[0] in "'\"`" and text[-1] == text[0]:
                parts.append((_TITLE_ESCAPE.sub(r"\1", text[1:-1]), True))
            elif text:
                parts.append((" ".join(text.split()), False))
            piece = index + 1
        index += 1
    return parts


def _js_title(masked: Masked, opening: int) -> str:
    """The title as written: a literal's contents (a template keeps its `${...}`); a title joined with
    `+` at run time ('should include ' + method) written as a template (`should include ${method}`),
    so every test the expression stands for has one stable name; any other expression as written."""
    index = _SPACES.match(masked.bare, opening + 1).end()  # type: ignore[union-attr]
    end = _argument_end(masked.bare, index)
    parts = _title_parts(masked, index, end)
    if len(parts) == 1:
        return parts[0][0]
    if any(literal for _, literal in parts):
        return "".join(text if literal else "${" + text + "}" for text, literal in parts)
    return " ".join(masked.source[index:end].split())


_OPTION_SKIP = re.compile(r"(?<![\w$])(skip|todo)\s*(?::\s*([^,}]*)|(?=[,}]))")


def _second_argument(bare: str, opening: int, end: int) -> int | None:
    """Where the second argument of the call opened at `opening` starts, or None."""
    index = opening + 1
    while index < end:
        char = bare[index]
        if char in _PAIRS:
            index = match_bracket(bare, index)
            continue
        if char == ",":
            return _SPACES.match(bare, index + 1).end()  # type: ignore[union-attr]
        if char == ")":
            return None
        index += 1
    return None


def _options_skip(masked: Masked, opening: int, end: int) -> str:
    """node:test's `test(title, { skip: ... }, fn)` (or `todo`): the option, "" if none or false."""
    second = _second_argument(masked.bare, opening, end)
    if second is None or second >= end or masked.bare[second] != "{":
        return ""
    close = match_bracket(masked.bare, second)
    for option in _OPTION_SKIP.finditer(masked.bare, second + 1, close - 1):
        value = (option.group(2) or "").strip()
        if value in ("false", "undefined", "null", "0", "''", '""'):
            continue
        return flat(masked.code[option.start() : option.end()])
    return ""


_IF = re.compile(r"(?<![\w$.])if\s*\(")
_EXIT = re.compile(r"(?<![\w$.])return\b|(?<![\w$])(?:process\s*\.\s*)?exit\s*\(")
# What a condition that decides whether tests run at all looks at: the platform, the runtime's
# version, the environment, a feature or a skip helper (not the data a loop walks).
_ENVIRONMENT = re.compile(
    r"skip|platform|version|win32|darwin|linux|windows|process\s*\.\s*env|semver|major|support|typeof"
    r"|\bCI\b|\barch\b|\bbun\b|\bdeno\b|exists",
    re.IGNORECASE,
)
_BODY_OPEN = re.compile(r"(?:=>|\))\s*\{")


@dataclass(frozen=True, slots=True)
class _Exit:
    """`if (cond) return` (or `exit(...)`): the tests after it, in its block, may never be defined or run."""

    start: int
    block: int  # where the innermost enclosing `{` opens; -1 at the top level of the file
    environmental: bool
    marker: Marker


def _blocks(bare: str) -> list[tuple[int, int]]:
    pairs, stack = [], []
    for index, char in enumerate(bare):
        if char == "{":
            stack.append(index)
        elif char == "}" and stack:
            pairs.append((stack.pop(), index))
    return sorted(pairs)


def _innermost(blocks: list[tuple[int, int]], position: int) -> int:
    inner = -1
    for opening, closing in blocks:
        if opening >= position:
            break
        if closing > position:
            inner = opening
    return inner


def _conditional_exits(masked: Masked, blocks: list[tuple[int, int]]) -> list[_Exit]:
    bare, found = masked.bare, []
    for match in _IF.finditer(bare):
        condition_end = match_bracket(bare, match.end() - 1)
        following = _SPACES.match(bare, condition_end).end()  # type: ignore[union-attr]
        if bare.startswith("{", following):
            # Only an exit of the block itself: a `return` in a function defined inside it (a helper,
            # a callback) leaves that function, and the tests beside it are defined all the same.
            exit_at = next(
                (
                    found
                    for found in _EXIT.finditer(bare, following, match_bracket(bare, following))
                    if _innermost(blocks, found.start()) == following
                ),
                None,
            )
            if exit_at is None:
                continue
            body = (
                "{ ... " + flat(masked.code[exit_at.start() : _statement_tail(bare, exit_at.start())]) + " }"
            )
        elif _EXIT.match(bare, following):
            body = flat(masked.code[following : _statement_tail(bare, following)])
        else:
            continue
        block = _innermost(blocks, match.start())
        condition = masked.code[match.end() : condition_end - 1]
        text = flat(masked.code[match.start() : condition_end]) + " " + body
        marker = Marker(text=flat(text), line=masked.line_of(match.start()))
        found.append(_Exit(match.start(), block, _ENVIRONMENT.search(condition) is not None, marker))
    return found


def _exits_before(exits: list[_Exit], blocks: list[tuple[int, int]], span: _Span, body: int) -> list[Marker]:
    """Conditional exits that keep a case from being defined or run: at the top level of the file
    before it; on an environment condition in a block around it (a describe or loop callback) before
    it, or at the top of its own body."""
    if not exits:
        return []
    around = {opening for opening, closing in blocks if opening < span.start < closing}
    found = []
    for exit_ in exits:
        if (exit_.start < span.start and exit_.block == -1) or (
            exit_.environmental
            and ((exit_.start < span.start and exit_.block in around) or (body >= 0 and exit_.block == body))
        ):
            found.append(exit_.marker)
    return found


def _environment_blocks(masked: Masked) -> list[tuple[int, int, Marker]]:
    """`if (process.platform !== 'darwin') { test(...) }`: blocks whose tests are defined only where an
    environment condition holds (the platform, the runtime's version, a feature), each with its
    condition as a marker: a test moved into one is skipped everywhere else."""
    bare, found = masked.bare, []
    for match in _IF.finditer(bare):
        condition_end = match_bracket(bare, match.end() - 1)
        following = _SPACES.match(bare, condition_end).end()  # type: ignore[union-attr]
        condition = masked.code[match.end() : condition_end - 1]
        if not bare.startswith("{", following) or _ENVIRONMENT.search(condition) is None:
            continue
        marker = Marker(
            text=flat(masked.code[match.start() : condition_end]), line=masked.line_of(match.start())
        )
        found.append((following, match_bracket(bare, following), marker))
    return found


def _call_after_modifiers(masked: Masked, mods: str, start: int, opening: int) -> tuple[str, int]:
    """`it.each(table)(...)`, `it.skipIf(cond)(...)`: where the call with the title opens (-1: none),
    and the Vitest condition that skips it ("" if none)."""
    conditioned = ""
    for mod in (".each", ".skipIf", ".runIf"):
        if mod not in mods:
            continue
        first_end = match_bracket(masked.bare, opening)
        following = re.compile(r"\s*\(").match(masked.bare, first_end)
        if following is None:
            return "", -1
        if mod != ".each":
            conditioned = flat(masked.code[start:first_end])
        opening = following.end() - 1
    return conditioned, opening


# `const { assertNoWarning } = require('./helper')`, `import { expectValid as valid } from '../util'`:
# names the file takes from a module of the project itself (a relative path).
_LOCAL_IMPORT = re.compile(
    r"(?:(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*require\s*\(\s*|import\s*\{([^{}]*)\}\s*from\s*)['\"]\.\.?/"
)
# A name that says it checks: `assertNoWarning`, `expectError`, `verifyHeaders`, `checkResponse`.
_CHECKER_NAME = re.compile(r"^(?:assert|expect|verify|check)[A-Z0-9_][\w$]*$")


def _imported_checkers(masked: Masked) -> frozenset[str]:
    """Functions the file imports from a module of its project whose names say they check: a shared
    helper of the test suite (its body is in another file, so how strongly it checks is unknown), or
    one named after the assertion it stands in for (`const { match } = require('./helper')`, tap's
    `match` kept when a suite leaves tap)."""
    found = set()
    for match in _LOCAL_IMPORT.finditer(masked.code):
        for part in (match.group(1) or match.group(2) or "").split(","):
            local = re.split(r"\s*(?::|\bas\b)\s*", part.strip())[-1].strip()
            if _CHECKER_NAME.match(local) or local in _ASSERTION_HELPER_NAMES:
                found.add(local)
    return frozenset(found)


_JS_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*")
_JS_TITLE_START = frozenset("'\"`")
# AVA's `const name = test.macro(...)`: a macro made by the runner, its checks in the call.
_AVA_MACRO = re.compile(
    r"(?<![\w$.])(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:test|anyTest)\s*\.\s*macro\s*\("
)


_INLINE_FUNCTION = re.compile(r"\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)")


def _macro_argument(masked: Masked, opening: int, end: int) -> tuple[str, int, int] | None:
    """AVA's `test('title', macro, ...args)` or `test(macro, ...args)`: the implementation is a function
    named, not written, there; its name and the span of the arguments from it on."""
    pieces = _top_level(masked.bare, opening + 1, end - 1)
    if not pieces:
        return None
    first = masked.bare[pieces[0][0] : pieces[0][1]].strip()
    index = 1 if first[:1] in _JS_TITLE_START or "+" in first else 0
    if index >= len(pieces):
        return None
    start, stop = pieces[index]
    name = masked.bare[start:stop].strip()
    if not _JS_NAME.fullmatch(name) or name in ("undefined", "null") or (index == 0 and len(pieces) == 1):
        return None
    if any(_INLINE_FUNCTION.match(masked.bare, a) for a, _ in pieces[index + 1 :]):
        return None  # `test('x', withServer, async (t, server) => {...})`: the body is written here
    return re.sub(r"\s", "", name), start, pieces[-1][1]


def _js_macros(masked: Masked, used: set[str]) -> list[_Span]:
    """The file's macros that its tests name as their implementation: `const testX = async (t, a) =>
    {...}`, `function testX(t, a) {...}` or `const testX = test.macro(...)`, each a span named by it."""
    found: dict[str, _Span] = {}
    for match in _AVA_MACRO.finditer(masked.bare):
        if match.group(1) in used:
            found[match.group(1)] = _Span(
                match.start(), match_bracket(masked.bare, match.end() - 1), match.group(1)
            )
    for match in _DEFINITIONS["javascript"].finditer(masked.bare):
        name = next(group for group in match.groups() if group)
        opening = _body_opening(masked.bare, "javascript", match)
        if name not in used or name in found or opening < 0:
            continue
        found[name] = _Span(match.start(), match_bracket(masked.bare, opening), name)
    return sorted(found.values(), key=lambda span: span.start)


def _with_macro(masked: Masked, case: CaseCode, call: tuple[str, int, int]) -> CaseCode:
    """A test run through a macro checks what the macro checks: one helper check, the macro with this
    test's arguments (a test moving its checks into a macro loses none; the macro's own losses are the
    macro's, named by it as the labels of such suites name it)."""
    name, start, stop = call
    text = flat(masked.code[start:stop])
    helper = Check(
        f"{name}({text.partition(',')[2].strip()})", Strength.EXACT, masked.line_of(start), helper=True
    )
    return replace(case, checks=(*case.checks, helper))


# ---------------------------------------------------------------- JS table-driven tests

_JS_BINDER = r"(\[[^\]]*\]|\{[^}]*\}|[A-Za-z_$][\w$]*)"
_FOR_OF = re.compile(r"(?<![\w$.])for\s*\(\s*(?:const|let|var)\s+" + _JS_BINDER + r"\s+of\s+")
_FOR_EACH = re.compile(
    r"\.\s*forEach\s*\(\s*(?:async\s+)?(?:function\s*[\w$]*\s*\(\s*"
    + _JS_BINDER
    + r"|\(\s*"
    + _JS_BINDER
    + r"|([A-Za-z_$][\w$]*)\s*=>)"
)
_ARRAY_CONST = re.compile(r"(?<![\w$.])(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*\[")
_PRINTF = re.compile(r"%[sdifjopc#%]")
_DOLLAR = re.compile(r"\$([A-Za-z_][\w$]*(?:\.[\w$]+)*)")
_INTERPOLATION = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_MAX_JS_ROWS = 128


@dataclass(frozen=True, slots=True)
class _Table:
    """A loop or `.each` over a literal array, whose tests run once per element (`kind` "loop" reads
    `${...}` in titles, "each" reads printf placeholders and `$name`)."""

    start: int
    end: int
    binder: str
    elements: tuple[tuple[int, int], ...]
    kind: str


def _array_elements(bare: str, opening: int) -> tuple[tuple[int, int], ...]:
    """The top-level elements of the array literal whose `[` is at `opening`."""
    close = match_bracket(bare, opening) - 1
    return tuple((a, b) for a, b in _top_level(bare, opening + 1, close) if bare[a:b].strip())[:_MAX_JS_ROWS]


def _array_at(bare: str, start: int, end: int, arrays: dict[str, int]) -> tuple[tuple[int, int], ...] | None:
    """The elements of the array the expression `bare[start:end]` is: a literal, or a name the file
    binds to one."""
    text = bare[start:end].strip()
    at = start + len(bare[start:end]) - len(bare[start:end].lstrip())
    if text.startswith("[") and match_bracket(bare, at) == at + len(text):
        return _array_elements(bare, at)
    if text in arrays:
        return _array_elements(bare, arrays[text])
    return None


def _js_tables(masked: Masked) -> list[_Table]:
    bare, found = masked.bare, []
    arrays = {m.group(1): m.end() - 1 for m in _ARRAY_CONST.finditer(bare)}
    for match in _FOR_OF.finditer(bare):
        header_open = bare.rfind("(", match.start(), match.end())
        header_end = match_bracket(bare, header_open)
        elements = _array_at(bare, match.end(), header_end - 1, arrays)
        body = _SPACES.match(bare, header_end).end()  # type: ignore[union-attr]
        if elements is None:
            continue
        end = match_bracket(bare, body) if bare.startswith("{", body) else _statement_tail(bare, body)
        found.append(_Table(body, end, match.group(1), elements, "loop"))
    for match in _FOR_EACH.finditer(bare):
        receiver_end = match.start()
        while receiver_end > 0 and bare[receiver_end - 1].isspace():
            receiver_end -= 1
        if bare[receiver_end - 1 : receiver_end] == "]":
            opening = _open_before(bare, receiver_end - 1, 0)
            elements = _array_elements(bare, opening) if opening >= 0 else None
        else:
            name = re.search(r"([A-Za-z_$][\w$]*)$", bare[max(0, receiver_end - 100) : receiver_end])
            elements = (
                _array_elements(bare, arrays[name.group(1)]) if name and name.group(1) in arrays else None
            )
        if not elements:
            continue
        call_open = bare.find("(", match.start())
        binder = next(group for group in match.groups() if group)
        found.append(_Table(call_open, match_bracket(bare, call_open), binder, elements, "loop"))
    return found


def _each_table(masked: Masked, mods: str, start: int, opening: int, span_end: int) -> _Table | None:
    """`test.each([...])(title, fn)` (or `describe.each`): the table of the call opened at `opening`."""
    if ".each" not in mods:
        return None
    pieces = _top_level(masked.bare, opening + 1, match_bracket(masked.bare, opening) - 1)
    if len(pieces) != 1:
        return None
    elements = _array_at(masked.bare, pieces[0][0], pieces[0][1], {})
    return _Table(start, span_end, "", elements, "each") if elements else None


def _literal_text(code: str) -> str:
    """A value as a title shows it: a string literal's contents, anything else as written."""
    text = flat(code)
    if len(text) >= 2 and text[0] in "'\"`" and text[-1] == text[0]:
        return text[1:-1]
    return text


def _row_values(masked: Masked, table: _Table, element: tuple[int, int]) -> dict[str, str]:
    """What each name of the loop's binder holds for one element, as written: `x` -> `'a'`; for a
    destructured `[a, b]` or `{a, b}`, each item or property; for `.each`, `$name`s of an object row."""
    bare, code = masked.bare, masked.code
    start = _SPACES.match(bare, element[0]).end()  # type: ignore[union-attr]
    values: dict[str, str] = {}
    opens = bare[start : start + 1]
    items = _top_level(bare, start + 1, match_bracket(bare, start) - 1) if opens in ("[", "{") else []
    binder = table.binder
    if binder.startswith("[") and opens == "[":
        names = [name.strip() for name in binder[1:-1].split(",")]
        values.update({name: code[a:b] for name, (a, b) in zip(names, items, strict=False) if name})
    elif opens == "{":
        for a, b in items:
            key, colon, value = code[a:b].partition(":")
            key = key.strip().strip("'\"")
            if re.fullmatch(r"[A-Za-z_$][\w$]*", key):
                values[key if not binder or binder.startswith("{") else f"{binder}.{key}"] = (
                    value if colon else key
                )
    if binder and not binder.startswith(("[", "{")):
        values[binder] = code[start : element[1]]
    return values


def _row_title(title: str, table: _Table, masked: Masked, element: tuple[int, int]) -> str | None:
    """The title one element gives the test, or None when the title does not show the element."""
    values = _row_values(masked, table, element)
    if table.kind == "loop":
        shown = [m for m in _INTERPOLATION.finditer(title) if m.group(1) in values]
        if not shown:
            return None
        return _INTERPOLATION.sub(
            lambda m: _literal_text(values[m.group(1)]) if m.group(1) in values else m.group(), title
        )
    bare = masked.bare
    start = _SPACES.match(bare, element[0]).end()  # type: ignore[union-attr]
    items = (
        [masked.code[a:b] for a, b in _top_level(bare, start + 1, match_bracket(bare, start) - 1)]
        if bare.startswith("[", start)
        else [masked.code[start : element[1]]]
    )
    if _PRINTF.search(title):
        queue = iter(items)
        return _PRINTF.sub(
            lambda m: "%" if m.group() == "%%" else _literal_text(next(queue, m.group())), title
        )
    if _DOLLAR.search(title) and values:
        return _DOLLAR.sub(lambda m: _literal_text(values.get(m.group(1), m.group())), title)
    return None


def _js_rows(masked: Masked, case: CaseCode, tables: list[_Table], span: _Span) -> list[CaseCode]:
    """One case per element of the tables the test runs in (innermost table only), named by the title
    the element gives it; a row is a test by its presence (CaseCode.row), its checks the loop's."""
    around = [t for t in tables if t.start <= span.start < t.end]
    if not around:
        return []
    table = max(around, key=lambda t: t.start)
    rows = []
    for element in table.elements:
        title = _row_title(case.qualname, table, masked, element)
        if title is None or title == case.qualname:
            return []
        written = re.sub(r"[\"'`]", "'", flat(masked.code[element[0] : element[1]]))
        rows.append(
            replace(
                case,
                qualname=title,
                name=title.rpartition(" > ")[2],
                line=masked.line_of(element[0]),
                fingerprint=written,
                body=written,
                data=_data(masked, element[0], element[1]),
                skips=(),
                xfails=(),
                swallows=(),
                row=True,
                table=case.qualname,
            )
        )
    return rows


# node:test's and tap's subtests, `t.test(title, [options,] fn)` on the context its test's function
# receives: each a test of its own, reported as "parent > title", whose checks are not the parent's.
_JS_CONTEXT = re.compile(r"\s*(?:async\s+)?(?:function\s*[\w$]*\s*\(\s*|\(\s*)?([A-Za-z_$][\w$]*)")


def _runtime_skips(masked: Masked, start: int, end: int) -> list[Marker]:
    """`this.skip()`, `t.skip()` in [start, end): the test skips itself when the call runs."""
    return [
        Marker(
            text=flat(masked.code[m.start() : match_bracket(masked.bare, m.end() - 1)]),
            line=masked.line_of(m.start()),
        )
        for m in _JS_RUNTIME_SKIP.finditer(masked.bare, start, end)
    ]


def _test_function(masked: Masked, opening: int, end: int) -> int | None:
    """Where the inline function the test call at `opening` is given starts (after its title), or None."""
    pieces = _top_level(masked.bare, opening + 1, end - 1)[1:]
    return next((a for a, _ in pieces if _INLINE_FUNCTION.match(masked.bare, a)), None)


def _js_context(masked: Masked, opening: int, end: int) -> str | None:
    """The first parameter of the inline function the test call at `opening` is given (node:test's and
    tap's `t`), or None (no inline function, or one taking no parameter)."""
    for start, _ in _top_level(masked.bare, opening + 1, end - 1)[1:]:
        if _INLINE_FUNCTION.match(masked.bare, start):
            found = _JS_CONTEXT.match(masked.bare, start)
            return found.group(1) if found and found.group(1) not in ("async", "function") else None
    return None


# Registering an event handler: `app.on('error', (err) => {...})`, `el.addEventListener(...)`.
_LISTENER = re.compile(
    r"\.\s*(?:on|once|addListener|prependListener|prependOnceListener|addEventListener)\s*\("
)
_NEW_PROMISE = re.compile(r"(?<![\w$.])new\s+Promise\s*\(")
# A count of assertions the test must make before it ends: `t.plan(2)`, `tspl(t, { plan: 2 })`.
_PLAN = re.compile(r"\.\s*plan\s*\(|(?<![\w$.])tspl\s*\(")
_FUNCTION_PARAMETERS = re.compile(
    r"\s*(?:async\s+)?(?:function\s*[\w$]*\s*\(([^()]*)\)|\(([^()]*)\)\s*=>|([\w$]+)\s*=>)"
)
# What a handler sets for the test to check afterwards: `called = true`, `count++`, `seen.push(x)`.
_ASSIGNED = re.compile(
    r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?:[-+*/|&]?=(?![=>])|\+\+|--)"
    r"|(?<![\w$.])([A-Za-z_$][\w$]*)\s*\.\s*push\s*\("
)


def _ending_calls(masked: Masked, function: int) -> re.Pattern[str] | None:
    """Calls that end a callback-style test whose function starts at `function`: its callback called
    (`done()`, `done(err)`) or its context ended (`t.end()`); None if it takes no parameter."""
    declared = _FUNCTION_PARAMETERS.match(masked.bare, function)
    listed = next((group for group in declared.groups() if group), "") if declared else ""
    parameters = (re.match(r"\s*([A-Za-z_$][\w$]*)", piece) for piece in listed.split(","))
    names = [p.group(1) for p in parameters if p]
    if not names:
        return None
    return re.compile(rf"(?<![\w$.])(?:{'|'.join(map(re.escape, names))})\s*(?:\.\s*end\s*)?\(")


_CATCH_BLOCK = re.compile(r"(?<![\w$.])catch\s*(?:\([^()]*\))?\s*\{")


def _ends_only_when_thrown(masked: Masked, opening: int, end: int) -> list[tuple[int, Check]]:
    """A callback-style test that ends only inside `catch` blocks (`try { f() } catch { t.end() }`)
    fails by timeout unless the `try` throws: an expectation of the raise, as `assert.throws` is."""
    function = _test_function(masked, opening, end)
    ends = _ending_calls(masked, function) if function is not None else None
    if ends is None or function is None:
        return []
    calls = [m.start() for m in ends.finditer(masked.bare, function, end)]
    bare = masked.bare
    blocks = _CATCH_BLOCK.finditer(bare, function, end)
    catches = [(m.start(), match_bracket(bare, m.end() - 1)) for m in blocks]
    if not calls or not all(any(a < call < b for a, b in catches) for call in calls):
        return []
    return [
        (a, Check(flat(masked.code[a:b]), _BOUND, masked.line_of(a)))
        for a, b in catches
        if any(a < call < b for call in calls)
    ]


def _unawaited_handlers(masked: Masked, opening: int, end: int) -> list[tuple[int, int]]:
    """The event handlers in the test whose call opens at `opening` that nothing makes it wait for:
    registered with `.on(...)` (or `once`, `addEventListener`...) outside any `new Promise(...)`, not
    ending the test (no call of its callback, `done()`, or `t.end()`), setting nothing a check after
    it reads, in a test that plans no count of assertions. The test may end before the event: their
    checks may never run (a `done` test ported to `async` that no longer awaits its event)."""
    bare = masked.bare
    function = _test_function(masked, opening, end)
    if function is None or not _LISTENER.search(bare, function, end) or _PLAN.search(bare, function, end):
        return []
    ends = _ending_calls(masked, function)
    promises = [
        (m.start(), match_bracket(bare, m.end() - 1)) for m in _NEW_PROMISE.finditer(bare, function, end)
    ]
    spans: list[tuple[int, int]] = []
    for call in _LISTENER.finditer(bare, function, end):
        if (spans and call.start() < spans[-1][1]) or any(a < call.start() < b for a, b in promises):
            continue
        close = match_bracket(bare, call.end() - 1)
        arguments = _top_level(bare, call.end(), close - 1)
        handler = next(((a, b) for a, b in arguments if _INLINE_FUNCTION.match(bare, a)), None)
        if handler is None or (ends is not None and ends.search(bare, *handler)):
            continue
        assigned = {name for m in _ASSIGNED.finditer(bare, *handler) for name in m.groups() if name}
        if assigned:
            words = re.compile(rf"(?<![\w$.])(?:{'|'.join(map(re.escape, assigned))})(?![\w$])")
            after = _js_checks(_blanked(masked, [handler]), handler[1], end)
            if any(words.search(check.text) for check in after):
                continue
        spans.append(handler)
    return spans


# tap's context taken apart in the test's parameters: `async ({ equal, same }) => {...}`.
_DESTRUCTURED = re.compile(r"\s*(?:async\s+)?(?:function\s*[\w$]*\s*)?\(\s*\{([^{}()]*)\}")
_T_METHOD_NAMES = frozenset(_T_METHODS[2 : _T_METHODS.index(")")].split("|"))
# Imported from a module of the project under a context assertion's name, a helper is that assertion
# (too generic a name aside: `is`, `not`, `true`, `false`, `error` name other things too).
_ASSERTION_HELPER_NAMES = _T_METHOD_NAMES - {"is", "not", "true", "false", "error"}


def _destructured_asserts(masked: Masked, opening: int, end: int) -> re.Pattern[str] | None:
    """The context's assertion methods the test's function takes by name (`({ equal }) =>`): a call
    `equal(a, b)` in it is `t.equal(a, b)`."""
    function = _test_function(masked, opening, end)
    taken = _DESTRUCTURED.match(masked.bare, function) if function is not None else None
    if taken is None:
        return None
    names = sorted({piece.strip() for piece in taken.group(1).split(",")} & _T_METHOD_NAMES)
    return re.compile(rf"(?<![\w$.])({'|'.join(names)})\s*\(") if names else None


def _awaited_checks(masked: Masked, opening: int, end: int) -> CheckFinder:
    """The checks of the test whose call opens at `opening` that it waits for (`_unawaited_handlers`),
    its destructured context's assertions among them."""
    view = _blanked(masked, _unawaited_handlers(masked, opening, end))
    taken = _destructured_asserts(masked, opening, end)

    thrown = _ends_only_when_thrown(masked, opening, end)

    def found(_found_in: Masked, start: int, stop: int) -> list[Check]:
        checks = _js_checks(view, start, stop) + [c for at, c in thrown if start <= at < stop]
        for match in taken.finditer(view.bare, start, stop) if taken else ():
            call_end = match_bracket(view.bare, match.end() - 1)
            level, bounds = _assert_call(view.bare, match.group(1), match.end() - 1)
            text = flat(view.code[match.start() : call_end])
            checks.append(Check(text, level, view.line_of(match.start()), bounds=bounds))
        return checks

    return found


def _js_subtest_cases(
    masked: Masked,
    opening: int,
    end: int,
    qualname: str,
    skips: list[Marker],
    helpers: frozenset[str],
    local: Sequence[tuple[int, int, str]] = (),
) -> tuple[Masked, list[CaseCode]]:
    """The subtests of the test whose call opens at `opening` (and theirs, named "test > sub > ..."),
    and the test's own view of its code, its subtests blanked: a check in a subtest is the subtest's.
    A subtest is `t.test(...)` on the context the test's function takes, or a test call written inside
    the test's function (tap's and node:test's `({ test }) => { test(...) }`)."""
    function = _test_function(masked, opening, end)
    if function is None:
        return masked, []
    context = _js_context(masked, opening, end)
    receiver = rf"(?P<on>{re.escape(context)}\s*\.\s*)?" if context else ""
    pattern = re.compile(
        rf"(?<![\w$.]){receiver}(?P<x>x?)(?P<name>it|test)(?P<mods>(?:\s*\.\s*(?:only|skip|todo)(?![\w$]))*)\s*\("
    )
    spans: list[tuple[int, int]] = []
    cases: list[CaseCode] = []
    for call in pattern.finditer(masked.bare, function, end):
        if spans and call.start() < spans[-1][1]:
            continue  # a subtest of a subtest: its own subtest's to read
        if not (context and call.group("on")) and _shadowed(local, call.start(), call.group("name")):
            continue  # `function test(value) {...}` in the test: a call of its own helper, no subtest
        sub_open = call.end() - 1
        sub_end = match_bracket(masked.bare, sub_open)
        spans.append((call.start(), sub_end))
        head = flat(masked.code[call.start() : sub_open]) if call.group("x") or call.group("mods") else ""
        option = "" if "only" in head else head or _options_skip(masked, sub_open, sub_end)
        sub_skips = list(skips)
        if option:
            sub_skips.append(Marker(text=option, line=masked.line_of(call.start())))
        span = _Span(start=call.start(), end=sub_end, name=_js_title(masked, sub_open), skipped=bool(option))
        name = f"{qualname} > {span.name}"
        own, inner = _js_subtest_cases(masked, sub_open, sub_end, name, sub_skips, helpers, local)
        sub_skips += _runtime_skips(own, sub_open, sub_end)
        checks = _awaited_checks(own, sub_open, sub_end)
        case = _case(own, span, name, "javascript", checks, sub_skips, [], helpers=helpers)
        cases += [case, *inner] if case.checks or not inner else inner
    return _blanked(masked, spans), cases


_DECLARED = re.compile(r"(?<![\w$.])(?:function\s*\*?\s*(it|test)\s*\(|(?:const|let|var)\s+(it|test)\s*=)")


def _local_runner_names(bare: str, blocks: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """The blocks that declare their own `it` or `test` (`function test(value) {...}` inside a test), as
    (opening, closing, name): in them that name calls the local function, not the test runner. A
    declaration at the top of the file is left alone (a wrapper of the runner is still a test)."""
    closing = dict(blocks)
    found = []
    for match in _DECLARED.finditer(bare):
        opening = _innermost(blocks, match.start())
        if opening >= 0:
            found.append((opening, closing[opening], match.group(1) or match.group(2)))
    return found


def _shadowed(local: Sequence[tuple[int, int, str]], position: int, name: str) -> bool:
    """Whether `name` at `position` calls a function of that name declared in an enclosing block."""
    return any(opening < position < closing and name == declared for opening, closing, declared in local)


# The name of the case that holds a file's type checks outside any test.
TOP_LEVEL = "(top level)"
_TYPE_CHECK = re.compile(r"^(?:expect\w*\s*<|expect\w+\s*\(|expect\s*\((?:.*)\)\s*\.\s*type\s*\.)")


def _top_level_type_checks(masked: Masked, tested: list[tuple[int, int]]) -> list[CaseCode]:
    """tsd's and TSTyche's type checks outside any test (`expectType<T>(x)`, `expect(x).type.toBe<T>()`
    at the top of a `*.test-d.ts`): the compiler checks them where they stand, so they are the file's
    own, one case named TOP_LEVEL (losing one is a loss of the file, not of no test)."""
    own = _blanked(masked, tested)
    checks = [c for c in _js_checks(own, 0, len(own.bare)) if _TYPE_CHECK.match(c.text)]
    if not checks:
        return []
    span = _Span(start=0, end=len(own.bare), name=TOP_LEVEL)

    def type_checks(found_in: Masked, start: int, end: int) -> list[Check]:
        return [c for c in _js_checks(found_in, start, end) if _TYPE_CHECK.match(c.text)]

    case = _case(own, span, TOP_LEVEL, "javascript", type_checks, [], [])
    # A `catch` around type checks catches nothing the compiler checks: no swallow of the file's.
    return [replace(case, line=min(c.line for c in checks), lines=(), swallows=())]


def javascript_cases(source: str) -> list[CaseCode]:
    """`it`/`test` cases (Jest, Vitest, Mocha, Jasmine, Playwright, node:test), named
    "describe > ... > title"."""
    masked = mask(source, "javascript")
    helpers = helper_names(masked, "javascript", _js_checks, set()) | _imported_checkers(masked)
    blocks = _blocks(masked.bare)
    exits = _conditional_exits(masked, blocks) if _IF.search(masked.bare) else []
    guarded = _environment_blocks(masked) if _IF.search(masked.bare) else []
    containers: list[tuple[_Span, str]] = []
    cases: list[CaseCode] = []
    aliases = _runner_aliases(masked)
    used: set[str] = set()
    tested: list[tuple[int, int]] = []
    tables = _js_tables(masked) if "forEach" in masked.bare or _FOR_OF.search(masked.bare) else []
    nested: list[tuple[int, int]] = []  # the tests whose subtests are read with them
    local = _local_runner_names(masked.bare, blocks) if _DECLARED.search(masked.bare) else []
    for match in _js_block(tuple(aliases)).finditer(masked.bare):
        if any(start < match.start() < stop for start, stop in nested):
            continue  # a subtest, read as part of its test
        if _shadowed(local, match.start(), match.group("kind")):
            continue  # a call of a local function named `test`
        opening = match.end() - 1
        mods = re.sub(r"\s", "", match.group("mods"))
        conditioned, opening = _call_after_modifiers(masked, mods, match.start(), opening)
        if opening < 0:
            continue
        end = match_bracket(masked.bare, opening)
        kind, aliased = aliases.get(match.group("kind"), (match.group("kind"), ""))
        skip_text = ""
        if match.group("x") == "x" or re.search(r"\.(?:skip|todo|fixme)(?![\w$])", mods):
            skip_text = flat(masked.code[match.start() : opening])
        else:
            skip_text = conditioned or _options_skip(masked, opening, end) or aliased
        span = _Span(start=match.start(), end=end, name=_js_title(masked, opening), skipped=bool(skip_text))
        enclosing = [(outer, text) for outer, text in containers if outer.start < span.start < outer.end]
        each = _each_table(masked, mods, match.start(), match.end() - 1, end)
        if each is not None:
            tables.append(each)
        if kind in ("describe", "context", "suite"):
            containers.append((span, skip_text))
            continue
        tested.append((span.start, span.end))
        skips = [Marker(text=text, line=masked.line_of(outer.start)) for outer, text in enclosing if text]
        if skip_text:
            skips.append(Marker(text=skip_text, line=masked.line_of(span.start)))
        skips += [marker for brace, close, marker in guarded if brace < span.start < close]
        if exits:
            title_end = _argument_end(masked.bare, opening + 1)
            body = _BODY_OPEN.search(masked.bare, title_end, end)
            skips += _exits_before(exits, blocks, span, body.end() - 1 if body else -1)
        xfails = [Marker(text=flat(masked.code[match.start() : opening]), line=masked.line_of(span.start))]
        xfails = xfails if ".failing" in mods else []
        qualname = " > ".join([outer.name for outer, _ in enclosing] + [span.name])
        own, subtests = _js_subtest_cases(masked, opening, end, qualname, skips, helpers, local)
        if subtests:
            nested.append((span.start, span.end))
        skips += _runtime_skips(own, opening, end)
        checks = _awaited_checks(own, opening, end)
        case = _case(own, span, qualname, "javascript", checks, skips, xfails, helpers=helpers)
        call = _macro_argument(masked, opening, end)
        if call is not None:
            used.add(call[0])
            case = _with_macro(masked, case, call)
        if case.checks or not subtests:  # a test that only runs its subtests is a suite: no case itself
            cases.append(case)
        cases += _js_rows(masked, case, tables, span)
        cases += subtests
    cases += _top_level_type_checks(masked, tested)
    for span in _js_macros(masked, used):
        if not any(c.name == span.name for c in cases):
            scope = [outer.name for outer, _ in containers if outer.start < span.start < outer.end]
            qualname = " > ".join([*scope, span.name])
            macro = _case(masked, span, qualname, "javascript", _js_checks, [], [], helpers=helpers)
            cases.append(replace(macro, macro=True))
    return cases


# ---------------------------------------------------------------- Java and PHP (class-based)

_CLASS = re.compile(r"(?<![\w$])(?:class|enum|record)\s+([A-Za-z_]\w*)[^{;]*\{")
_JAVA_METHOD = re.compile(r"(?<![\w$])void\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*(?:throws\s+[\w.,\s]+)?\{")
_PHP_METHOD = re.compile(r"(?<![\w$])function\s+([A-Za-z_]\w*)\s*\([^)]*\)\s*(?::\s*\??[\w\\]+\s*)?\{")
_ANNOTATION = re.compile(r"@([\w.]+)")
_PHP_ATTRIBUTE = re.compile(r"#\[\s*\\?([\w\\]+)")
_JAVA_TEST_ANNOTATIONS = frozenset({"Test", "ParameterizedTest", "RepeatedTest", "TestTemplate", "Theory"})
_JAVA_SKIP_PREFIXES = ("Disabled", "Ignore")
# JUnit 4 Assume.*, JUnit 5 Assumptions.*: a failed assumption skips the test.
_JAVA_ASSUME = re.compile(
    r"(?<![\w$])(?:(?:org\.junit\.)?(?:Assume|Assumptions)\s*\.\s*)?"
    r"(?:assumeTrue|assumeFalse|assumeThat|assumeNotNull|assumeNoException|assumingThat)\s*\("
)
_PHP_SKIP = re.compile(
    r"(?:\$this\s*->\s*|\b(?:self|static)\s*::\s*)(markTestSkipped|markTestIncomplete)\s*\("
)
# Calls in a test's body that skip it, by language.
_BODY_SKIPS = {"java": _JAVA_ASSUME, "php": _PHP_SKIP}


def _skip_helper_calls(masked: Masked, language: str) -> re.Pattern[str] | None:
    """Calls of the file's methods that skip the calling test (their body calls `assume*` or
    `markTestSkipped`): a skip the test already had, so `getClassOrSkip(x)` becoming an `assumeThat`
    in the test is no new skip."""
    body_skip = _BODY_SKIPS.get(language)
    if body_skip is None:
        return None
    bodies = []
    for match in _DEFINITIONS[language].finditer(masked.bare):
        name = next(group for group in match.groups() if group)
        opening = _body_opening(masked.bare, language, match)
        if name not in _KEYWORDS and opening >= 0:
            bodies.append((name, opening, match_bracket(masked.bare, opening)))
    names = {name for name, start, end in bodies if body_skip.search(masked.bare, start, end)}
    pattern = None
    while names:  # a method that calls one that skips skips too (`verifyX(t)` -> `getClassOrSkip(t)`)
        pattern = re.compile(rf"(?<![\w$.])({'|'.join(sorted(map(re.escape, names)))})\s*\(")
        more = {
            name
            for name, start, end in bodies
            if name not in names and pattern.search(masked.bare, start, end)
        }
        if not more:
            break
        names |= more
    return pattern


def _classes(masked: Masked) -> list[_Span]:
    spans = []
    for match in _CLASS.finditer(masked.bare):
        end = match_bracket(masked.bare, match.end() - 1)
        spans.append(_Span(start=match.end(), end=end, name=match.group(1), declared=match.start()))
    return spans


def _prelude(masked: Masked, start: int) -> int:
    """Start of the declaration's annotations: just after the previous `;`, `{` or `}` outside brackets."""
    index = start - 1
    depth = 0
    while index >= 0:
        char = masked.bare[index]
        if char in ")]":
            depth += 1
        elif char in "([":
            depth -= 1
        elif depth <= 0 and char in ";{}":
            return index + 1
        index -= 1
    return 0


def _class_skips(masked: Masked, klass: _Span, language: str, inert: frozenset[str]) -> list[Marker]:
    return _skip_annotations(masked, _prelude(masked, klass.declared), klass.declared, language, inert)


def _skip_annotations(
    masked: Masked, start: int, end: int, language: str, inert: frozenset[str] = frozenset()
) -> list[Marker]:
    if language != "java":
        return []
    return [
        Marker(text=flat(masked.code[m.start() : m.end()]), line=masked.line_of(m.start()))
        for m in _ANNOTATION.finditer(masked.bare, start, end)
        if m.group(1).rsplit(".", 1)[-1].startswith(_JAVA_SKIP_PREFIXES) and m.group(1) not in inert
    ]


_JUPITER_TEST = re.compile(r"\borg\.junit\.jupiter\.api\.(?:Test\b|\*)")
_JUNIT4_TEST = re.compile(r"\borg\.junit\.(?:Test\b|\*)")
_JUNIT4_IGNORE = re.compile(r"^\s*import\s+org\.junit\.(?:Ignore|\*)\s*;", re.M)
_JUPITER_DISABLED = re.compile(r"^\s*import\s+org\.junit\.jupiter\.api\.(?:Disabled|\*)\s*;", re.M)
# JUnit 5's migration support makes Jupiter honour JUnit 4's @Ignore.
_IGNORE_HONOURED = re.compile(r"\b(?:EnableJUnit4MigrationSupport|IgnoreCondition)\b")


def _inert_skips(masked: Masked) -> frozenset[str]:
    """Skip annotations that the engine running the file's tests does not read: JUnit 4's `@Ignore` on
    Jupiter tests (`org.junit.jupiter.api.Test`), Jupiter's `@Disabled` on JUnit 4 tests. Such a test
    runs; `@Ignore` -> `@Disabled` in a Jupiter class switches it off."""
    code = masked.code
    jupiter, junit4 = bool(_JUPITER_TEST.search(code)), bool(_JUNIT4_TEST.search(code))
    if jupiter == junit4:
        return frozenset()  # neither (a base class's engine is not known here) or both
    if jupiter:
        ignore = _JUNIT4_IGNORE.search(code) and not _IGNORE_HONOURED.search(code)
        return frozenset({"Ignore", "org.junit.Ignore"} if ignore else {"org.junit.Ignore"})
    qualified = "org.junit.jupiter.api.Disabled"
    return frozenset({"Disabled", qualified} if _JUPITER_DISABLED.search(code) else {qualified})


_MAIN_PARAMETERS = re.compile(r"^\s*(?:final\s+)?String\s*(?:\[\s*\]|\.\.\.)\s*\w+\s*$")
# A `main` that hands the class to a JUnit runner launches its tests; it is no test program itself.
_RUNS_JUNIT = re.compile(r"\b(?:TestRunner|JUnitCore|TestSuite)\b|\bsuite\s*\(")


def _java_is_test(
    masked: Masked,
    start: int,
    end: int,
    name: str,
    params: str,
    annotated_file: bool,
    owner: str = "",
    body: str = "",
) -> bool:
    """An annotated test method; without any test annotation in the file, JUnit 3's public no-argument
    `test*` methods, and the `main` of a class named as a test (`NoJUnitTest.main`, a test program a
    script runs without any test runner) unless it only starts a JUnit runner on the class's tests
    (`TestRunner.run(suite())`). A helper overload `private void testX(String s)` is never a test."""
    names = {m.group(1).rsplit(".", 1)[-1] for m in _ANNOTATION.finditer(masked.bare, start, end)}
    if names & _JAVA_TEST_ANNOTATIONS:
        return True
    if annotated_file:
        return False
    modifiers = masked.bare[start:end].split()
    if name == "main" and owner.endswith("Test") and _MAIN_PARAMETERS.match(params):
        return "public" in modifiers and "static" in modifiers and not _RUNS_JUNIT.search(body)
    if not name.startswith("test") or params.strip():
        return False
    return "public" in modifiers and "static" not in modifiers


def _is_declared_test(masked: Masked, start: int, end: int, name: str, language: str) -> bool:
    if name.startswith("test"):
        return True
    attributes = {m.group(1).rsplit("\\", 1)[-1] for m in _PHP_ATTRIBUTE.finditer(masked.bare, start, end)}
    docblock = re.search(r"@test\b", masked.source[start:end]) is not None
    return "Test" in attributes or docblock


_JAVA_WITH_PARAMETERS = re.compile(
    r"(?<![\w$.])([A-Za-z_]\w*)\s*\(([^()]*\S[^()]*)\)\s*(?:throws\s+[\w.,\s]+)?\{"
)

_JAVA_PARAMETER = re.compile(r"[A-Za-z_][\w.]*(?:\s*<[^()]*>)?(?:\s*\[\s*\])*(?:\s*\.\.\.)?\s+[A-Za-z_]\w*")


def _checking_overloads(masked: Masked, checks: CheckFinder) -> frozenset[str]:
    """Names of Java methods with parameters whose body checks: a test `testTouch()` that calls its
    overload `testTouch(toucher)` runs the checks that moved there, as it would a helper of another name."""
    found = set()
    for match in _JAVA_WITH_PARAMETERS.finditer(masked.bare):
        name = match.group(1)
        if name in _KEYWORDS or not _JAVA_PARAMETER.search(match.group(2)):
            continue  # `if (x) {` or a call `f(x) {`: parameters are declared with a type
        end = match_bracket(masked.bare, match.end() - 1)
        if checks(masked, match.end() - 1, end):
            found.add(name)
    return frozenset(found)


# What keeps only part of a value (int-misc4): a line of a split, a substring, a slice of a list.
_NARROWING = re.compile(r"\.\s*(?:split|substring|subList|subSequence|limit)\s*\(")
_JAVA_EQUALITY = re.compile(
    r"(?:[A-Za-z_]\w*\.)*(?:assertEquals|assertArrayEquals|assertIterableEquals)\s*\("
)
_FLUENT_EQUALITY = re.compile(r"(?:[A-Za-z_]\w*\.)*assertThat\s*\((.*)\)\s*\.\s*isEqualTo\s*\((.*)\)\s*;?$")
_CALLED = re.compile(r"^(?:this\s*\.\s*)?([A-Za-z_]\w*)\s*\(")


def _narrowing_helpers(masked: Masked, tests: frozenset[str]) -> frozenset[str]:
    """Methods of a Java file, tests aside, that return part of what they are given: `firstLine(x)`
    splitting `x` into lines and keeping one. An overload that calls a narrowing one narrows too."""
    bodies: dict[str, list[str]] = {}
    for match in _DEFINITIONS["java"].finditer(masked.bare):
        name = match.group(1)
        opening = masked.bare.find("{", match.end() - 1)
        if name in _KEYWORDS or name in tests or opening < 0:
            continue
        bodies.setdefault(name, []).append(masked.bare[opening : match_bracket(masked.bare, opening)])
    found = {name for name, texts in bodies.items() if any(_NARROWING.search(text) for text in texts)}
    for name, texts in bodies.items():
        if name not in found and any(
            re.search(rf"(?<![\w$.]){re.escape(h)}\s*\(", t) for h in found for t in texts
        ):
            found.add(name)
    return frozenset(found)


def _compared(text: str) -> list[str]:
    """The two values a Java equality check compares, as written (message and supplier aside)."""
    fluent = _FLUENT_EQUALITY.match(text)
    if fluent:
        return [fluent.group(1).strip(), fluent.group(2).strip()]
    equality = _JAVA_EQUALITY.match(text)
    if equality is None:
        return []
    bare = mask(text, "java").bare
    args = [
        text[a:b].strip()
        for a, b in _top_level(bare, equality.end(), match_bracket(bare, equality.end() - 1) - 1)
    ]
    # JUnit 4 puts a message first, JUnit 5 last: a string or a supplier, never a call of the helper.
    return args[-2:] if len(args) == 3 and args[0].startswith('"') else args[:2]


def _through_projections(checks: CheckFinder, narrowing: frozenset[str]) -> CheckFinder:
    """An equality of two values that both pass through one narrowing helper of the file
    (`assertEquals(firstLine(expected), firstLine(actual))`) compares parts of them: it bounds."""
    if not narrowing:
        return checks

    def found(masked: Masked, start: int, end: int) -> list[Check]:
        result = []
        for check in checks(masked, start, end):
            sides = (
                [_CALLED.match(side) for side in _compared(check.text)] if check.strength == _EXACT else []
            )
            names = {side.group(1) for side in sides if side is not None}
            if len(sides) == 2 and all(sides) and len(names) == 1 and names <= narrowing:
                check = replace(check, strength=_BOUND)
            result.append(check)
        return result

    return found


def class_cases(source: str, language: str) -> list[CaseCode]:
    """Test methods of Java (JUnit 3/4/5, TestNG) or PHP (PHPUnit) classes, named "Class::method"."""
    masked = mask(source, language)
    method_pattern = _JAVA_METHOD if language == "java" else _PHP_METHOD
    checks: CheckFinder = _java_checks if language == "java" else _php_checks
    classes = _classes(masked)
    annotated_file = any(
        m.group(1).rsplit(".", 1)[-1] in _JAVA_TEST_ANNOTATIONS for m in _ANNOTATION.finditer(masked.bare)
    )
    helpers = helper_names(masked, language, checks, set())
    if language == "java":
        tests = frozenset(m.group(1) for m in method_pattern.finditer(masked.bare))
        checks = _through_projections(checks, _narrowing_helpers(masked, tests))
    overloads = _checking_overloads(masked, checks) if language == "java" else frozenset()
    inert = _inert_skips(masked) if language == "java" else frozenset()
    skipping = _skip_helper_calls(masked, language)
    setup_skips = _java_setup_assumptions(masked, classes) if language == "java" else {}
    cases: list[CaseCode] = []
    for match in method_pattern.finditer(masked.bare):
        owners = [klass for klass in classes if klass.start <= match.start() < klass.end]
        if not owners:
            continue
        owner = max(owners, key=lambda klass: klass.start)
        region_start = max(_prelude(masked, match.start()), owner.start)
        name = match.group(1)
        end = match_bracket(masked.bare, match.end() - 1)
        if language == "java":
            body = masked.bare[match.end() : end]
            if not _java_is_test(
                masked, region_start, match.start(), name, match.group(2), annotated_file, owner.name, body
            ):
                continue
        elif not _is_declared_test(masked, region_start, match.start(), name, language):
            continue
        span = _Span(start=match.start(), end=end, name=name)
        skips = [marker for klass in owners for marker in _class_skips(masked, klass, language, inert)]
        skips += _skip_annotations(masked, region_start, match.start(), language, inert)
        skips += [marker for klass in owners for marker in setup_skips.get(klass.start, [])]
        if language == "java":
            skips += _java_early_returns(masked, match.end() - 1, end, checks)
        body_skip = _BODY_SKIPS.get(language)
        if body_skip is not None:
            skips += [
                Marker(
                    text=flat(masked.code[m.start() : match_bracket(masked.bare, m.end() - 1)]),
                    line=masked.line_of(m.start()),
                )
                for m in body_skip.finditer(masked.bare, match.end(), end)
            ]
        if skipping is not None:
            skips += [
                Marker(
                    text=flat(masked.code[m.start() : match_bracket(masked.bare, m.end() - 1)]),
                    line=masked.line_of(m.start()),
                )
                for m in skipping.finditer(masked.bare, match.end(), end)
                if m.group(1) != name
                and not _JAVA_BODY_OPENS.match(masked.bare, match_bracket(masked.bare, m.end() - 1))
            ]
        head = region_start if masked.bare[region_start : match.start()].strip() else match.start()
        own = helpers if name in overloads else helpers - {name}
        case = _case(masked, span, f"{owner.name}::{name}", language, checks, skips, [], head, own)
        expected = (
            _JAVA_EXPECTED.search(masked.bare, region_start, match.start()) if language == "java" else None
        )
        cases.append(case if expected is None else _expecting(masked, case, expected))
    return cases


# JUnit 4 `@Before`/`@BeforeClass`, Jupiter `@BeforeEach`/`@BeforeAll`, TestNG `@BeforeMethod`/`@BeforeClass`:
# methods run before every test of their class.
_JAVA_SETUP_ANNOTATIONS = frozenset({"Before", "BeforeClass", "BeforeEach", "BeforeAll", "BeforeMethod"})


def _java_setup_assumptions(masked: Masked, classes: list[_Span]) -> dict[int, list[Marker]]:
    """The `assume*` calls of each class's set-up methods (`@Before public void setUp() {
    assumeTrue(flag); ...}`), by the class's start: a failed assumption there skips every test of the
    class (and of the classes nested in it), though no test's own text changed."""
    found: dict[int, list[Marker]] = {}
    for match in _JAVA_METHOD.finditer(masked.bare):
        owners = [klass for klass in classes if klass.start <= match.start() < klass.end]
        if not owners:
            continue
        owner = max(owners, key=lambda klass: klass.start)
        region_start = max(_prelude(masked, match.start()), owner.start)
        annotations = _ANNOTATION.finditer(masked.bare, region_start, match.start())
        if not {m.group(1).rsplit(".", 1)[-1] for m in annotations} & _JAVA_SETUP_ANNOTATIONS:
            continue
        end = match_bracket(masked.bare, match.end() - 1)
        found.setdefault(owner.start, []).extend(
            Marker(
                text=flat(masked.code[m.start() : match_bracket(masked.bare, m.end() - 1)]),
                line=masked.line_of(m.start()),
            )
            for m in _JAVA_ASSUME.finditer(masked.bare, match.end(), end)
        )
    return found


_JAVA_IF = re.compile(r"(?<![\w$.])if\s*\(")
_JAVA_RETURN = re.compile(r"\s*(?:\{\s*return\s*;\s*\}|return\s*;)")


def _java_early_returns(masked: Masked, body: int, end: int, checks: CheckFinder) -> list[Marker]:
    """`if (InternalFlags.useMethodHandles()) { return; }` in a test's body before any of its checks,
    with code after it: where the condition holds the test passes having checked nothing, as if
    skipped (JUnit has no other way to say so before assumptions). Only at the body's own level: a
    `return` inside a loop or a lambda leaves that, not the test."""
    bare, found = masked.bare, []
    for match in _JAVA_IF.finditer(bare, body + 1, end):
        inner = bare[body + 1 : match.start()]
        if inner.count("{") != inner.count("}") or inner.count("(") != inner.count(")"):
            continue
        condition_end = match_bracket(bare, match.end() - 1)
        exit_ = _JAVA_RETURN.match(bare, condition_end)
        if exit_ is None or checks(masked, body, match.start()) or not bare[exit_.end() : end - 1].strip():
            continue  # a check came first (the test already ran), or nothing is left to skip
        if checks(masked, match.start(), condition_end):
            continue  # the condition is itself a check
        found.append(
            Marker(text=flat(masked.code[match.start() : exit_.end()]), line=masked.line_of(match.start()))
        )
    return found


# JUnit 4's `@Test(expected = X.class)`, TestNG's `@Test(expectedExceptions = X.class)`: the test passes
# only if its body throws X.
_JAVA_EXPECTED = re.compile(
    r"@(?:[\w.]+\.)?Test\s*\([^)]*?\bexpected(?:Exceptions)?\s*=\s*\{?\s*([\w.]+)\s*\.\s*class"
)


def _expecting(masked: Masked, case: CaseCode, expected: re.Match[str]) -> CaseCode:
    """A test annotated to expect an exception: the annotation is a check of its own (as an
    `assertThrows` around the body would be). Expecting a failed assertion, every assertion of the
    body is the call under test (any of them failing passes the test), as in `assertThrows(
    AssertionError.class, () -> ...)`."""
    thrown = expected.group(1).rsplit(".", 1)[-1]
    level = _TRUTHY if thrown in ("Exception", "Throwable", "RuntimeException") else _BOUND
    end = match_bracket(masked.bare, masked.bare.index("(", expected.start()))
    check = Check(flat(masked.code[expected.start() : end]), level, masked.line_of(expected.start()))
    if thrown in _ASSERTION_FAILURES:
        return replace(case, checks=(check,), paths=1)
    return replace(case, checks=(check, *case.checks), paths=case.path_checks + 1)


# ---------------------------------------------------------------- Go

_GO_TEST = re.compile(r"(?m)^func\s+(Test\w*)\s*\(\s*(\w+)\s+\*testing\.T\s*\)\s*\{")
_GO_T_PARAM = re.compile(r"(\w+)\s+\*testing\.T\b")
_GO_TEST_NAME = re.compile(r"(?m)^func\s+(Test\w*)\s*\(")
_GO_EXAMPLE = re.compile(r"(?m)^func\s+(Example\w*)\s*\(\s*\)\s*\{")
# go/doc's rule: a line comment starting `Output:` or `Unordered output:`, in any letter case.
_GO_OUTPUT = re.compile(r"(?im)^[ \t]*//[ \t]*(?:unordered[ \t]+)?output:")


def go_cases(source: str) -> list[CaseCode]:
    """Top-level `func TestX(t *testing.T)`, each of its subtests (`t.Run("title", func(t *testing.T)
    {...})`, named `TestX > title`; its checks are its own, not its parent's), each named row of a
    table it runs through `t.Run(tc.name, ...)` (`TestX > row name`), and `func ExampleX()` with an
    output comment."""
    masked = mask(source, "go")
    tests = set(_GO_TEST_NAME.findall(masked.bare))
    helpers = helper_names(masked, "go", lambda m, a, b: [], tests)
    skippers = _go_skip_helpers(masked, tests)
    cases: list[CaseCode] = []
    for match in _GO_TEST.finditer(masked.bare):
        end = match_bracket(masked.bare, match.end() - 1)
        span = _Span(start=match.start(), end=end, name=match.group(1))
        scope = _GoScope(masked, helpers, skippers)
        cases += scope.cases(span, span.name, match.end() - 1, {match.group(2)})
    for match in _GO_EXAMPLE.finditer(masked.bare):
        end = match_bracket(masked.bare, match.end() - 1)
        if _example_output(masked, match.start(), end):
            span = _Span(start=match.start(), end=end, name=match.group(1))
            cases.append(_case(masked, span, span.name, "go", _example_output, [], []))
    return sorted(cases, key=lambda case: case.line)


_GO_T_OR_TB = re.compile(r"(\w+)\s+(?:\*testing\.[TB]|testing\.TB)\b")
# A helper of another file named as a skip (`skipIfShort`, `testutil.SkipOnWindows`, `maybeSkip`), not
# one that tests a skip feature (`testSkipFlag`, `checkSkipped`).
_GO_SKIP_NAME = re.compile(r"^(?:[Ss]kip|(?:maybe|must)Skip)")


def go_skip_helpers(source: str) -> dict[str, str]:
    """The skip helpers of a Go file (see `_go_skip_helpers`), by name, with their code."""
    masked = mask(source, "go")
    return _go_skip_helpers(masked, set(_GO_TEST_NAME.findall(masked.bare)))


def _go_skip_helpers(masked: Masked, tests: set[str]) -> dict[str, str]:
    """Functions of the file, other than its tests, that skip the test they are handed
    (`func skipWindows(t *testing.T) { if runtime.GOOS == "windows" { t.Skip(...) } }`), with their
    code: what decides the skip is there, not at the call."""
    found: dict[str, str] = {}
    for match in _DEFINITIONS["go"].finditer(masked.bare):
        name = match.group(1)
        opening = masked.bare.find("{", match.end() - 1)
        if name in tests or opening < 0:
            continue
        end = match_bracket(masked.bare, opening)
        receivers = set(_GO_T_OR_TB.findall(masked.bare, match.start(), opening))
        if receivers and _go_skip_calls(masked, opening, end, receivers, {}):
            found[name] = flat(masked.code[opening + 1 : end - 1])
    return found


def _go_skip_calls(
    masked: Masked, start: int, end: int, receivers: set[str], skippers: dict[str, str]
) -> list[Marker]:
    """`t.Skip(...)`, and a call that hands the test's `t` to a helper that skips: one of the file
    (`skipWindows(t)`, written with the helper's code) or any whose name starts with a skip
    (`testutil.SkipIfNoDocker(t)`, defined elsewhere)."""
    names = "|".join(sorted(re.escape(name) for name in receivers))
    own = rf"(?<![\w.])(?:{names})\s*\.\s*(?:Skip|Skipf|SkipNow)\s*\("
    handed = rf"(?<![\w.])(?:\w+\s*\.\s*)?(\w+)\s*\(\s*(?:{names})\s*[,)]"
    found = []
    for match in re.compile(f"{own}|{handed}").finditer(masked.bare, start, end):
        called = match.group(1)
        if called is not None and called not in skippers and not _GO_SKIP_NAME.match(called):
            continue
        close = match_bracket(masked.bare, masked.bare.index("(", match.start()))
        text = flat(masked.code[match.start() : close])
        if called in skippers:
            text = flat(f"{text}: {skippers[called]}")
        found.append(Marker(text=text, line=masked.line_of(match.start())))
    return found


_GO_RUN_CLOSURE = re.compile(r"func\s*\(\s*(\w+)\s+\*testing\.T\s*\)\s*\{")
_GO_RANGE = re.compile(r"(?<![\w.])for\s+(\w+)\s*(?:,\s*(\w+)\s*)?:=\s*range\s+")


@dataclass(frozen=True, slots=True)
class _GoRun:
    """One `t.Run(title, func(t *testing.T) {...})` call: `title` as written when it is a literal."""

    start: int
    end: int
    title: str | None
    title_code: str
    receiver: str
    body: int


def _go_runs(masked: Masked, start: int, end: int, receivers: set[str]) -> list[_GoRun]:
    """The outermost `t.Run(...)` calls with a closure in [start, end) (nested ones belong to them)."""
    bare = masked.bare
    names = "|".join(sorted(re.escape(name) for name in receivers))
    pattern = re.compile(rf"(?<![\w.])(?:{names})\s*\.\s*Run\s*\(")
    found: list[_GoRun] = []
    for match in pattern.finditer(bare, start, end):
        if found and match.start() < found[-1].end:
            continue
        close = match_bracket(bare, match.end() - 1)
        args = _top_level(bare, match.end(), close - 1)
        if len(args) != 2:
            continue
        closure = _GO_RUN_CLOSURE.match(bare, _SPACES.match(bare, args[1][0]).end())  # type: ignore[union-attr]
        if closure is None:
            continue
        title_code = masked.code[slice(*args[0])].strip()
        title = _literal(title_code)
        found.append(_GoRun(match.start(), close, title, title_code, closure.group(1), closure.end() - 1))
    return found


def _blanked(masked: Masked, spans: list[tuple[int, int]]) -> Masked:
    """`masked` with the spans blanked (offsets kept): a parent's view of its code, subtests aside."""
    if not spans:
        return masked
    code, bare = list(masked.code), list(masked.bare)
    for start, end in spans:
        _blank(code, start, end)
        _blank(bare, start, end)
    return Masked(source=masked.source, code="".join(code), bare="".join(bare))


@dataclass(frozen=True, slots=True)
class _GoScope:
    """Builds the cases of one Go test: itself, its literal subtests, its table rows."""

    masked: Masked
    helpers: frozenset[str]
    skippers: dict[str, str]

    def cases(self, span: _Span, qualname: str, body: int, receivers: set[str]) -> list[CaseCode]:
        masked = self.masked
        runs = _go_runs(masked, body, span.end, receivers)
        titled = [run for run in runs if run.title is not None]
        own = _blanked(masked, [(run.start, run.end) for run in titled])
        receivers = receivers | set(_GO_T_PARAM.findall(own.bare, body, span.end))

        def checks(found_in: Masked, start: int, stop: int) -> list[Check]:
            found = _go_checks(own, start, stop, receivers)
            return found + _helper_calls(own, max(start, body), stop, self.helpers, "go")

        skips = _go_skip_calls(own, body, span.end, receivers, self.skippers)
        skips += _go_early_returns(own, body, span.end, checks)
        found = [_case(masked, span, qualname, "go", checks, skips, [])]
        for run in runs:
            if run.title is None:
                found += _go_rows(own, qualname, run, body, checks)
        for run in titled:
            assert run.title is not None
            sub = _Span(start=run.start, end=run.end, name=run.title)
            found += self.cases(sub, f"{qualname} > {run.title}", run.body, receivers | {run.receiver})
        return found


def _enclosing_range(masked: Masked, body: int, at: int) -> tuple[re.Match[str], int, int] | None:
    """The innermost `for k, v := range X {` of the scope whose block holds offset `at`: the match,
    where its block opens and where it ends."""
    best = None
    for match in _GO_RANGE.finditer(masked.bare, body, at):
        opening = _block_open(masked.bare, match.end(), at)
        if opening is None:
            continue
        close = match_bracket(masked.bare, opening)
        if opening < at < close:
            best = (match, opening, close)
    return best


def _block_open(bare: str, index: int, limit: int) -> int | None:
    """The `{` that opens the block of a header starting at `index`: braces of a type (`struct {`) or
    of a composite literal (`T{`, `}{`, `]{`) in the header are skipped."""
    while index < limit:
        char = bare[index]
        if char == "{":
            before = bare[:index]
            stripped = before.rstrip()
            literal = stripped.endswith(("}", "]")) or (before[-1:].isalnum() or before[-1:] == "_")
            if literal or re.search(r"(?<![\w.])(?:struct|interface)$", stripped):
                index = match_bracket(bare, index)
                continue
            return index
        if char in "([":
            index = match_bracket(bare, index)
            continue
        if char in ";\n":
            return None
        index += 1
    return None


_GO_TABLE_TYPE = re.compile(r"(\[\]|map\s*\[\s*string\s*\])\s*\*?\s*(?:(struct)\s*\{|([A-Za-z_]\w*)\s*\{)")
_GO_KEYED = re.compile(r"\s*([A-Za-z_]\w*)\s*:(?!=)")
_MAX_ROWS = 256


def _go_rows(masked: Masked, qualname: str, run: _GoRun, body: int, checks: CheckFinder) -> list[CaseCode]:
    """The named rows of the table a `for _, tc := range tests { t.Run(tc.name, ...) }` runs: each a
    row case whose checks are the loop's, the row's values written in where the loop reads them."""
    loop = _enclosing_range(masked, body, run.start)
    if loop is None:
        return []
    match, opening, close = loop
    key, value = match.group(1), match.group(2)
    table = _go_table(masked, body, match.end(), opening)
    if table is None:
        return []
    fields, rows_open, rows_close, keyed_by_map = table
    title = " ".join(run.title_code.split())
    if keyed_by_map:
        field = None if title == key else _field_read(title, value)
        if field is None and title != key:
            return []
    else:
        field = _field_read(title, value or "")
        if field is None or value is None:
            return []
    loop_checks = checks(masked, opening, close)
    switches = _go_skip_fields(masked, opening, close, value) if value else set()
    found = []
    for start, end in _top_level(masked.bare, rows_open + 1, rows_close - 1)[:_MAX_ROWS]:
        row = _go_row(masked, start, end, fields, keyed_by_map)
        if row is None:
            continue
        name_code, values, element = row
        if field is not None:
            name_code = values.get(field, "")
        name = _literal(name_code)
        if not name:
            continue
        line = masked.line_of(element[0])
        skips = [
            Marker(text=f"{field}: {values[field]}", line=line)
            for field in sorted(switches)
            if values.get(field, "false") != "false"
        ]
        values = {f"{value}.{k}": v for k, v in values.items()} if value else {}
        if keyed_by_map:
            values[key] = name_code
        case = _go_row_case(masked, qualname, name, name_code, element, loop_checks, values)
        found.append(replace(case, skips=tuple(skips)))
    return found


def _go_skip_fields(masked: Masked, start: int, end: int, value: str) -> set[str]:
    """The row fields that switch a row off in the loop: `if tc.skip { t.Skip(...) }`."""
    found = set()
    pattern = re.compile(rf"(?<![\w.])if\s+{re.escape(value)}\s*\.\s*(\w+)\s*\{{")
    for match in pattern.finditer(masked.bare, start, end):
        block_end = match_bracket(masked.bare, match.end() - 1)
        if _GO_SKIP_CALL.search(masked.bare, match.end(), block_end):
            found.add(match.group(1))
    return found


_GO_SKIP_CALL = re.compile(r"\.\s*(?:Skip|Skipf|SkipNow)\s*\(")


def _field_read(title: str, value: str) -> str | None:
    """`tc.name` -> "name" for the loop's value `tc`."""
    head, dot, tail = title.partition(".")
    return tail if dot and head == value and tail.isidentifier() else None


def _go_table(masked: Masked, body: int, at: int, limit: int) -> tuple[list[str], int, int, bool] | None:
    """The table a range loop reads: `range tests` declared in the scope (`tests := []struct{...}{...}`,
    `var tests = map[string]struct{...}{...}`) or written in place. Its fields in order, where its rows
    open and close, and whether it is a map keyed by the row's name."""
    bare = masked.bare
    expression = bare[at:limit].strip()
    if expression.isidentifier():
        name = re.escape(expression)
        local = [d.end() for d in re.finditer(rf"(?<![\w.]){name}\s*:?=\s*", bare[:at]) if d.start() >= body]
        package = re.search(rf"(?m)^var\s+{name}\s*=\s*", bare)
        if not local and package is None:
            return None
        position = local[-1] if local else package.end()  # type: ignore[union-attr]
    else:
        position = at
    kind = _GO_TABLE_TYPE.match(bare, position)
    if kind is None:
        return None
    keyed_by_map = kind.group(1).startswith("map")
    if kind.group(2):
        struct_open = kind.end() - 1
        struct_close = match_bracket(bare, struct_open)
        fields = _go_fields(bare[struct_open + 1 : struct_close - 1])
        rows_open = _SPACES.match(bare, struct_close).end()  # type: ignore[union-attr]
    else:
        declaration = re.search(rf"(?m)^\s*type\s+{re.escape(kind.group(3))}\s+struct\s*\{{", bare)
        if declaration is None:
            return None
        struct_close = match_bracket(bare, declaration.end() - 1)
        fields = _go_fields(bare[declaration.end() : struct_close - 1])
        rows_open = kind.end() - 1
    if rows_open >= len(bare) or bare[rows_open] != "{":
        return None
    return fields, rows_open, match_bracket(bare, rows_open), keyed_by_map


def _go_fields(declarations: str) -> list[str]:
    """The field names of a struct body, in order (`in, want string` gives two)."""
    fields: list[str] = []
    for line in re.split(r"[;\n]", declarations):
        words = line.strip()
        if not words:
            continue
        head = re.match(r"^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+\S", words)
        if head is None:
            fields.append(words.split()[0].lstrip("*").rsplit(".", 1)[-1])  # an embedded type
            continue
        fields += [name.strip() for name in head.group(1).split(",")]
    return fields


def _go_row(
    masked: Masked, start: int, end: int, fields: list[str], keyed_by_map: bool
) -> tuple[str, dict[str, str], tuple[int, int]] | None:
    """One element of a table: (its map key as written, its field values as written, its span)."""
    bare = masked.bare
    name_code = ""
    first = _SPACES.match(bare, start).end()  # type: ignore[union-attr]
    if keyed_by_map:
        pieces = _top_level_colon(bare, start, end)
        if pieces is None:
            return None
        name_code = masked.code[start:pieces].strip()
        start = pieces + 1
    opening = _SPACES.match(bare, start).end()  # type: ignore[union-attr]
    if opening >= end or bare[opening] != "{":
        return None
    close = match_bracket(bare, opening)
    values: dict[str, str] = {}
    for index, (a, b) in enumerate(_top_level(bare, opening + 1, close - 1)):
        keyed = _GO_KEYED.match(bare, a, b)
        if keyed:
            values[keyed.group(1)] = flat(masked.code[keyed.end() : b])
        elif index < len(fields):
            values[fields[index]] = flat(masked.code[a:b])
    return name_code, values, (first, close)


def _top_level_colon(bare: str, start: int, end: int) -> int | None:
    index = start
    while index < end:
        if bare[index] in _PAIRS:
            index = match_bracket(bare, index)
            continue
        if bare[index] == ":":
            return index
        index += 1
    return None


def _go_row_case(
    masked: Masked,
    qualname: str,
    name: str,
    name_code: str,
    element: tuple[int, int],
    loop_checks: list[Check],
    values: dict[str, str],
) -> CaseCode:
    """A table row as a case of its own (CaseCode.row)."""
    source = masked.source
    start, end = element
    first = source.rfind("\n", 0, start) + 1
    if values:
        reads = re.compile(
            r"(?<![\w.])("
            + "|".join(re.escape(k) for k in sorted(values, key=len, reverse=True))
            + r")(?![\w])"
        )
        checks = tuple(replace(c, text=reads.sub(lambda m: values[m.group(1)], c.text)) for c in loop_checks)
    else:
        checks = tuple(loop_checks)
    written = flat(masked.code[start:end], limit=100_000)
    return CaseCode(
        qualname=f"{qualname} > {name}",
        name=name,
        line=masked.line_of(start),
        checks=checks,
        skips=(),
        xfails=(),
        swallows=(),
        fingerprint=written,
        # The row's values without its title: a row renamed keeps its body.
        body=written.replace(name_code, "", 1) if name_code else written,
        lines=tuple(source[first:end].splitlines()),
        data=_data(masked, start, end),
        row=True,
    )


_GO_PACKAGE = re.compile(r"(?m)^package\s")
_GO_BUILD = re.compile(r"(?m)^//go:build[ \t]+(.+)$")
_GO_PLUS_BUILD = re.compile(r"(?m)^//[ \t]*\+build[ \t]+(.+)$")
_GO_BUILD_TOKEN = re.compile(r"\s*(\(|\)|!|&&|\|\||[\w.]+)")
# What a plain `go test` on a developer's or CI machine builds with: the three common systems, amd64,
# the gc compiler with cgo, every go1.N release tag; any other tag (`integration`, `finder`) is off.
_GO_RELEASE_TAGS = frozenset({"amd64", "gc", "cgo", *(f"go1.{minor}" for minor in range(1, 40))})
_GO_SYSTEMS = {"linux": {"linux", "unix"}, "darwin": {"darwin", "unix"}, "windows": {"windows"}}
# Toolchains besides gc that projects test with, each on the system it runs on: a constraint that
# gains `!tinygo` stops the file building there as `!windows` does on Windows.
_GO_COMPILERS = {"tinygo": "linux"}
_GO_KNOWN_SYSTEMS = frozenset(
    [
        "aix",
        "android",
        "darwin",
        "dragonfly",
        "freebsd",
        "hurd",
        "illumos",
        "ios",
        "js",
        "linux",
        "netbsd",
        "openbsd",
        "plan9",
        "solaris",
        "wasip1",
        "windows",
        "zos",
    ]
)


def go_build_constraint(source: str) -> str | None:
    """A Go file's build constraint as written: its `//go:build` line, else its `// +build` lines in
    that syntax (lines and-ed, words or-ed, commas and-ed), None without one."""
    package = _GO_PACKAGE.search(source)
    header = source[: package.start() if package else len(source)]
    line = _GO_BUILD.search(header)
    if line:
        return line.group(1).strip()
    old = _GO_PLUS_BUILD.findall(header)
    if not old:
        return None
    ors = [" || ".join(" && ".join(term.split(",")) for term in words.split()) for words in old]
    return " && ".join(f"({part})" for part in ors)


def _go_build_holds(expression: str, tags: frozenset[str]) -> bool | None:
    """Whether a build expression holds with `tags` set (None when it does not parse)."""
    tokens = _GO_BUILD_TOKEN.findall(expression)
    if "".join(tokens) != "".join(expression.split()):
        return None
    position = 0

    def either() -> bool:
        nonlocal position
        value = both()
        while position < len(tokens) and tokens[position] == "||":
            position += 1
            value = both() or value
        return value

    def both() -> bool:
        nonlocal position
        value = single()
        while position < len(tokens) and tokens[position] == "&&":
            position += 1
            value = single() and value
        return value

    def single() -> bool:
        nonlocal position
        if position >= len(tokens):
            raise ValueError(expression)
        token = tokens[position]
        position += 1
        if token == "!":
            return not single()
        if token == "(":
            value = either()
            if position >= len(tokens) or tokens[position] != ")":
                raise ValueError(expression)
            position += 1
            return value
        if token in (")", "&&", "||"):
            raise ValueError(expression)
        return token in tags

    try:
        value = either()
    except ValueError:
        return None
    return value if position == len(tokens) else None


def go_test_systems(path: str, source: str) -> frozenset[str] | None:
    """The common systems (linux, darwin, windows; and tinygo, that compiler on linux) on which a plain
    `go test` builds this test file, by its build constraint and its `_GOOS_test.go` name; None when
    the constraint does not parse."""
    stem = path.rsplit("/", 1)[-1].removesuffix("_test.go")
    named = stem.rsplit("_", 1)[-1] if "_" in stem else ""
    systems = set(_GO_SYSTEMS) & {named} if named in _GO_KNOWN_SYSTEMS else set(_GO_SYSTEMS)
    systems |= {compiler for compiler, system in _GO_COMPILERS.items() if system in systems}
    constraint = go_build_constraint(source)
    if constraint is None:
        return frozenset(systems)
    built = set()
    for system in systems:
        if system in _GO_COMPILERS:  # another compiler than gc, with its own tag, on its system
            tags = (_GO_RELEASE_TAGS - {"gc"}) | {system} | _GO_SYSTEMS[_GO_COMPILERS[system]]
        else:
            tags = _GO_RELEASE_TAGS | _GO_SYSTEMS[system]
        holds = _go_build_holds(constraint, frozenset(tags))
        if holds is None:
            return None
        if holds:
            built.add(system)
    return frozenset(built)


# The block may log why before it returns (`t.Log("SKIP: ...")`: a skip where t.Skip does not stop
# the test, as on TinyGo); string contents are blanked, so a call's parentheses are its own.
_GO_RETURN_GUARD = re.compile(
    r"\bif\s+([^{};]+?)\s*\{\s*(?:\w+\.(?:Log|Logf|Print|Printf|Println)\([^(){};]*\)\s*;?\s*)*return\s*\}"
)
_GO_WORD = re.compile(r"[A-Za-z_]\w*")
_GO_NOT_VALUES = frozenset({"nil", "true", "false", "len", "cap"})


_GO_BLOCK_HEAD = re.compile(r"\b(?:if|else)\b[^;{}]*$")


def _go_exits_test(bare: str, body: int, at: int) -> bool:
    """A `return` at `at` leaves the test itself: every block still open there (after the body's own
    brace at `body`) is an `if`/`else` branch, not a closure (`t.Run("x", func(t *testing.T) {`, whose
    return ends only the subtest) or a loop (whose guard may be meant for one row)."""
    opened: list[int] = []
    for index in range(body + 1, at):
        char = bare[index]
        if char == "{":
            opened.append(index)
        elif char == "}" and opened:
            opened.pop()
    for opener in opened:
        start = max(bare.rfind(c, body + 1, opener) for c in ";{}\n")
        head = bare[start + 1 : opener]
        if not _GO_BLOCK_HEAD.search(head):
            return False
    return True


def _go_early_returns(masked: Masked, body: int, end: int, checks: CheckFinder) -> list[Marker]:
    """`if socketFile == nil { return }` at the top of a test's body with checks after it: on the runs
    where it holds, the rest of the test is skipped. Not when the condition is itself a check
    (`if !assert.NoError(t, err) { return }`) or reads a value an earlier check already demands (after
    `assert.NotNil(t, x)`, `if x == nil { return }` only spares a nil dereference; the test failed)."""
    bare, found = masked.bare, []
    for match in _GO_RETURN_GUARD.finditer(bare, body + 1, end):
        if not _go_exits_test(bare, body, match.start()) or not checks(masked, match.end(), end):
            continue  # inside a closure (a subtest's own exit) or a loop, or nothing left to skip
        condition = match.group(1)
        before = checks(masked, body, match.start())
        read = set(_GO_WORD.findall(condition)) - _GO_NOT_VALUES
        if checks(masked, match.start(), match.start(1) + len(condition)) or any(
            read & set(_GO_WORD.findall(check.text)) for check in before
        ):
            continue
        found.append(
            Marker(text=flat(masked.code[match.start() : match.end()]), line=masked.line_of(match.start()))
        )
    return found


def _example_output(masked: Masked, start: int, end: int) -> list[Check]:
    """The `// Output:` comment of an `ExampleX()`, which `go test` compares with what it prints: an
    example with one is a test whose check is that comment (without one it is only compiled)."""
    found = []
    for match in _GO_OUTPUT.finditer(masked.source, start, end):
        expected = masked.source[match.end() : masked.source.rfind("}", start, end)]
        lines = [line.strip().removeprefix("//").strip() for line in expected.splitlines()]
        text = flat(f"{match.group().strip()} {' '.join(line for line in lines if line)}")
        found.append(Check(text, Strength.EXACT, masked.line_of(match.start())))
    return found[-1:]  # go test reads the last such comment of the body


def text_cases(source: str, language: str) -> list[CaseCode]:
    if language == "javascript":
        return javascript_cases(source)
    if language == "go":
        return go_cases(source)
    return class_cases(source, language)


# ---------------------------------------------------------------- JS skips outside any test

_SKIP_NAME = r"([A-Za-z_$]?[\w$]*[Ss]kip[\w$]*)"
_SKIP_FUNCTION = re.compile(r"(?<![\w$.])function\s+" + _SKIP_NAME + r"\s*\([^)]*\)\s*\{")
_SKIP_ARROW = re.compile(
    r"(?<![\w$.])(?:const|let|var)\s+" + _SKIP_NAME + r"\s*=\s*(?:\([^)]*\)|[\w$]+)\s*=>\s*"
)
_SKIP_ALIAS = re.compile(
    r"(?<![\w$.])(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([^;\n?]+)\?\s*"
    r"((?:it|test|describe)(?:\s*\.\s*skip)?)\s*:\s*((?:it|test|describe)(?:\s*\.\s*skip)?)"
)
_RUNNER_LIST = re.compile(
    r"(?<![\w$.])['\"]?((?:ignored|skipped|excluded|disabled|skip|exclude|ignore|knownFailing)\w*)['\"]?"
    r"\s*[:=]\s*\[",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"(['\"`])((?:(?!\1).)*)\1")


def js_skip_helpers(source: str) -> dict[str, str]:
    """Helpers that decide a skip, by name, with their code (comments and layout aside):
    `function shouldSkipX() {...}`, `const skipX = () => ...`, `const itIfX = cond ? it : it.skip`."""
    masked = mask(source, "javascript")
    found: dict[str, str] = {}
    for match in _SKIP_FUNCTION.finditer(masked.bare):
        end = match_bracket(masked.bare, match.end() - 1)
        found[match.group(1)] = " ".join(masked.code[match.end() : end - 1].split())
    for match in _SKIP_ARROW.finditer(masked.bare):
        end = _statement_tail(masked.bare, match.end())
        found[match.group(1)] = " ".join(masked.code[match.end() : end].split())
    for match in _SKIP_ALIAS.finditer(masked.bare):
        if "skip" in match.group(3) + match.group(4):
            found[match.group(1)] = " ".join(masked.code[match.start(2) : match.end()].split())
    return found


def js_file_skips(source: str) -> tuple[list[Marker], list[str]]:
    """Skips of a whole JS test file or runner script: conditional exits at its top level
    (`if (!existsSync(fixtures)) { ...; exit(0) }`), and the entries of its lists of excluded tests
    (`ignoredTests: [...]`, `const skip = [...]`)."""
    masked = mask(source, "javascript")
    blocks = _blocks(masked.bare)
    exits = [e.marker for e in _conditional_exits(masked, blocks) if e.block == -1]
    entries: list[str] = []
    for match in _RUNNER_LIST.finditer(masked.bare):
        end = match_bracket(masked.bare, match.end() - 1)
        entries += [item.group(2) for item in _LIST_ITEM.finditer(masked.code, match.end(), end - 1)]
    return exits, entries


# ---------------------------------------------------------------- Java skips decided in a support class


def java_assume_lines(source: str) -> list[str] | None:
    """The code lines (comments and layout aside) of a Java test-support class that decides skips: one
    that calls `assume*`/`Assumptions.*`, so what it holds (a table of unsupported locales, a version
    check) decides which tests run. None when it calls no assumption."""
    masked = mask(source, "java")
    if not _JAVA_ASSUME.search(masked.bare):
        return None
    return [" ".join(line.split()) for line in masked.code.splitlines() if line.strip()]
