"""Pure detectors: compare each test before and after a change and name the ways it was weakened.

Input is source text only (no git, no store): `detect_changes` takes every changed test file of one
change as (path, old source | None, new source | None, old path) so that a test moved or renamed
across files is followed rather than reported as removed.

Pairing: tests are matched by full name (scope path and title) in the same file, twins sharing a name
by body similarity then position; then by qualified name or, if unique, bare name in another file of
the same language; then by body similarity (a rename, helped by a close name). A test left unpaired is
removed only when nothing lives on for it: no identical twin, no test of its file that still runs all
its checks on its data (a duplicate), no close-named new test with checks as strong, and what it
checked (all of it, or most) is not checked by the tests the change adds or edits (a split, a fold into
a parametrized test, whose cases' values are written into its checks, a move): an edited test takes
over by the checks it gained, or by those it had when the removed test's data moved into it; and only
when it ran and could fail: deleting a test disabled outright, or one that checks only what always
holds (`assert(true)`, `assert True`), loses nothing.

Checks are compared by what they check, not counted, on a strength scale (units.Strength: exact >
bound > truthy > no-op, assigned per library): a lost check is replaced by a gained one of at least its
strength that says nearly the same (a changed value, another library's spelling), by one of at least its
strength on the same subject (several merged into one equality or snapshot), by an exception
expectation (try/fail/catch -> assertThrows, a message check -> raises(match=...)), by a call of a
helper of the file that checks, or by a check another test of the change gained (a split). Exclusive
if/else branches count once, by their richest branch. A no-op (`pytest.warns(None)`, `assertThat(x)`
with no verb) checks nothing.

Signal types and severity (the rule):

=====================  ==========================================================================
assertion_removed      high when the test is left with no check at all, or a check's `assert` was
                       dropped and its comparison left as a statement (`x == 1`); medium when a
                       lost check bounded or pinned a value; low when only truthiness checks were
                       lost. The checks of an error the test no longer expects (it now pins the
                       call's result) are not lost: the behaviour changed and the test follows it
assertion_weakened     a lost check comes back weaker on the same subject (the test holds fewer
                       checks of its level), or a bound is opened on one side while the other stays:
                       medium when what is left accepts almost anything (assertEqual -> assertTrue,
                       toBe(3) -> toBeTruthy(), raises(ValueError) -> raises(Exception)); low when it
                       still bounds (toEqual -> toMatchObject, raises(E, match=) -> raises(E),
                       `1 < t < 5` -> `1 < t`)
skip_introduced        medium; high when the test is switched off outright (`@pytest.mark.skip`,
                       `it.skip`, `@Disabled`) with no reason in what the change added (no new
                       text, no comment above or in it), and after `apply_previous_status` when
                       the test failed before
xfail_added            medium; high after `apply_previous_status` when the test failed before
broad_exception        high when the new swallowing handler guards assertions (they can no longer
                       fail); else medium (it hides errors raised by the code under test)
test_removed           medium; high after `apply_previous_status` when the test failed before
edited_before_green    low; medium when the same test also carries another signal in this change
=====================  ==========================================================================

"Failed before" means failed or error in the previous run (`Status.is_bad`).
"""

from __future__ import annotations

import ast
import difflib
import enum
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ccdash_tests.integrity.python_code import dropped_imports, python_cases
from ccdash_tests.integrity.text_code import text_cases
from ccdash_tests.integrity.units import CaseCode, Check, Marker, Strength, flat, language_of
from ccdash_tests.records import SignalSeverity, Status

_RENAME_SIMILARITY = 0.75
_SAME_FILE_BONUS = 0.05
_CLOSE_NAME_BONUS = 0.15
_MAX_BODY_COMPARISONS = 250_000
_MAX_EVIDENCE_LINES = 20


class SignalType(enum.StrEnum):
    ASSERTION_REMOVED = "assertion_removed"
    ASSERTION_WEAKENED = "assertion_weakened"
    SKIP_INTRODUCED = "skip_introduced"
    XFAIL_ADDED = "xfail_added"
    BROAD_EXCEPTION = "broad_exception"
    TEST_REMOVED = "test_removed"
    EDITED_BEFORE_GREEN = "edited_before_green"


@dataclass(frozen=True, slots=True)
class SignalCandidate:
    """Evidence that one test was weakened; becomes a `test_integrity_signals` row once linked.

    `test_name` is the qualified name ("Class::method" or "function" for pytest); `file_path` the
    file after the change (before it, for a removed test); `line` a line in that file.
    """

    signal_type: SignalType
    severity: SignalSeverity
    file_path: str
    test_name: str
    line: int | None
    language: str
    evidence: dict[str, Any] = field(default_factory=dict)
    git_sha: str | None = None

    @property
    def nodeid(self) -> str:
        return f"{self.file_path}::{self.test_name}"


@dataclass(frozen=True, slots=True)
class SourceChange:
    """One changed test file: None for the side where the file does not exist."""

    path: str
    old_source: str | None
    new_source: str | None
    old_path: str | None = None
    language: str | None = None  # when known from the file's imports, not its path


@dataclass(frozen=True, slots=True)
class ChangedTest:
    """A test whose code differs between the two versions (added tests are not "changed")."""

    file_path: str
    test_name: str
    line: int
    language: str

    @property
    def nodeid(self) -> str:
        return f"{self.file_path}::{self.test_name}"


@dataclass(frozen=True, slots=True)
class Detection:
    candidates: list[SignalCandidate]
    changed_tests: list[ChangedTest]
    unparsed_files: list[str]
    # A removed Java test that a test older than the change keeps alive: whether it tested an API the
    # change removes (so that test stands for another API, not for it) needs the code side.
    kept_by_older: bool = False


def cases_of(path: str, source: str | None, language: str | None = None) -> list[CaseCode] | None:
    """Tests in one version of a file; [] for an absent file; None when it cannot be read as code."""
    language = language or language_of(path)
    if source is None or language is None:
        return []
    if language == "python":
        return python_cases(source)
    return text_cases(source, language)


@dataclass(slots=True)
class _Located:
    path: str
    language: str
    case: CaseCode


def _added(old: Iterable[str], new: Iterable[str]) -> list[str]:
    return list((Counter(new) - Counter(old)).elements())


def signature(check: Check) -> str:
    """What a check says, layout aside: two checks with one signature check the same thing."""
    return "".join(check.text.split())


_CHECK_WORDS = re.compile(r"^(?:assert|expect|to[A-Z]|is[A-Z]|has[A-Z]|contains|require|verify|check)")
_NOT_SUBJECTS = frozenset(
    {"assert", "expect", "self", "this", "t", "pytest", "raises", "match", "not", "is", "in", "and", "or"}
    | {"len"}
    | {"None", "True", "False", "null", "true", "false", "undefined", "nil", "err", "Error", "Errorf"}
    | {"Fatal", "Fatalf", "that", "equal", "equals", "to", "be", "eq", "ok", "new", "get", "value", "result"}
    | {"class", "Test"}  # `X.class` and `@Test(expected = X.class)` in Java: syntax, not a subject
)
_RAISES = re.compile(
    r"(?:\w+\.)*(?:fail\b|assertThrows|assertThatThrownBy|assertThatExceptionOfType|assertThatCode|expectThrows"
    r"|expectFailure\w*\s*\(|whenTesting\s*\(|@(?:\w+\.)*Test\b.*\bexpected(?:Exceptions)?\s*="
    r"|raises|assertRaises\w*|warns|assertWarns\w*|expectException|throws(?:Async)?\s*\(|rejects\s*\()"
    r"|expect\(.*\)\s*\.\s*(?:rejects\.)?toThrow"
)
_WORD = re.compile(r"[A-Za-z_$][\w$]*")


def _subjects(check: Check) -> set[str]:
    """The names a check is about (what it calls or reads), without the check's own vocabulary."""
    return {
        word
        for word in _WORD.findall(check.text)
        if word not in _NOT_SUBJECTS and not _CHECK_WORDS.match(word) and len(word) > 1
    }


def _close(a: str, b: str, floor: float) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor and matcher.ratio() >= floor


def _replaces(gained: Check, lost: Check) -> bool:
    """`gained` takes over `lost`'s place on the strength scale (the same level or above)."""
    return gained.strength >= lost.strength


_FAIL = re.compile(r"(?:\w+\.)*fail\b")


def _raise_level(check: Check) -> Strength:
    """What an exception expectation must keep: a `fail()` after the call expects some specific error."""
    return min(check.strength, Strength.BOUND) if _FAIL.match(check.text) else check.strength


def _ratio(a: str, b: str) -> float:
    """How alike two texts are: difflib's ratio, autojunk off (it skips common characters of long code)."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _roots(check: Check) -> set[str]:
    """The names a check's call chains start from (`writeSpy` of `expect(writeSpy).toHaveBeenCalled()`)."""
    return {chain[0] for chain in _chains(check)}


def _nearest(check: Check, gained: Sequence[Check]) -> Check | None:
    """The gained check whose text is nearest `check`'s, if at least half alike: its rewrite in place."""
    text = signature(check)
    scored = [
        (_ratio(text, signature(g)), index)
        for index, g in enumerate(gained)
        if _close(text, signature(g), _REWRITE)
    ]
    return gained[max(scored)[1]] if scored else None


_REWRITE = 0.5


def _call_arguments(check: Check) -> str:
    """A call's arguments, layout aside: `f(a, b)` -> "a,b"."""
    text = signature(check)
    return text[text.find("(") + 1 : text.rfind(")")] if "(" in text else ""


_PLAIN_CALL = re.compile(r"^[A-Za-z_$][\w$]*\(")


def _renamed_helper_calls(lost: Sequence[Check], gained: Sequence[Check]) -> set[int]:
    """The lost helper calls that the gained helper calls repeat under a new name with the same
    arguments, when every gained helper call is such a repeat: ids of those lost calls (empty otherwise).
    A library assertion folded into a new helper (`assertEquals(a, b)` -> `assertSame(a, b)` of the
    file, checking more) is no rename: its checks are the helper's to say."""
    old = {_call_arguments(c): id(c) for c in lost if c.helper and _PLAIN_CALL.match(signature(c))}
    new = [_call_arguments(g) for g in gained if g.helper]
    if not new or any(not args or args not in old for args in new):
        return set()
    return {old[args] for args in new}


def unreplaced(lost: Sequence[Check], gained: Sequence[Check]) -> list[Check]:
    """Lost checks that no gained check of at least the same strength takes over: one rewritten in
    place (a changed expected value, another library's spelling), or several merged into one check of
    the same subject at least as strong (an equality on the whole object, a snapshot, a helper call)."""
    if any(g.helper for g in gained):
        return []  # the checks moved into a helper that this test now calls
    raises = [g for g in gained if _RAISES.match(g.text)]
    # try/fail/catch -> assertThrows, or a message check folded into raises(match=...)
    pending = [
        check
        for check in lost
        if not (_RAISES.match(check.text) and any(g.strength >= _raise_level(check) for g in raises))
    ]
    # Each rewrite in place pairs with its nearest twin first: in order, a check could take the twin of
    # the next one and leave that one to look lost.
    texts = [signature(g) for g in gained]
    scored = []
    for i, check in enumerate(pending):
        text = signature(check)
        for j, g in enumerate(gained):
            if _replaces(g, check) and _close(text, texts[j], 0.6):
                ratio = _ratio(text, texts[j])
                scored.append((-ratio, i, j))
    paired: dict[int, int] = {}
    for _, i, j in sorted(scored):
        if i not in paired and j not in paired.values():
            paired[i] = j
    left = [check for i, check in enumerate(pending) if i not in paired]
    constraining = [g for g in gained if g.strong]
    # A check rewritten in place into a weaker one (the gained check nearest its text, a lower level)
    # was kept and made to accept more: another check of its subject does not take its place.
    weakened = {
        id(c) for c in left if (near := _nearest(c, gained)) is not None and near.strength < c.strength
    }
    return [
        c
        for c in left
        if id(c) in weakened
        or not any(_replaces(g, c) and (_subjects(c) | set(c.via)) & _subjects(g) for g in constraining)
    ]


# A string literal in any of the three quotes, escapes included: its words are data, not names.
_LITERAL = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`")
_CHAIN = re.compile(r"[A-Za-z_$][\w$]*(?:\s*(?:\.|->|::)\s*[A-Za-z_$][\w$]*)*")
_CHAIN_LINK = re.compile(r"\s*(?:\.|->|::)\s*")
# What no chain is about: a check's own vocabulary, literals and keywords (`result` and `value` are
# subjects here: only whole chains are compared, so a generic name does not relate two checks).
_NOT_CHAIN = frozenset(
    {"assert", "expect", "self", "this", "t", "pytest", "raises", "match", "not", "is", "in", "and", "or"}
    | {"None", "True", "False", "null", "true", "false", "undefined", "nil", "NaN", "len", "that", "to", "be"}
    | {"equal", "equals", "eq", "ok", "Fatal", "Fatalf", "Error", "Errorf", "for", "if", "else", "return"}
    | {"await", "async", "function", "lambda", "new", "typeof", "instanceof", "of", "has", "have", "$this"}
    | {"all", "any", "isinstance", "str", "int", "list", "dict", "set", "tuple", "bool", "type", "sorted"}
)
# Receivers of assertion methods: `assert.Equal(t, ...)`'s `Equal` is the check, not its subject.
_CHECK_RECEIVERS = frozenset({"assert", "require", "t", "Assert", "Assertions"})
_CHECK_VERB = re.compile(
    r"^(?:assert\w*|expect|to[A-Z]\w*|is[A-Z]\w*|has[A-Z]\w*|contains\w*|require|verify\w*)$"
)


def _chains(check: Check) -> set[tuple[str, ...]]:
    """The values a check reads, as whole name chains (`error.message`, `parse(value)`'s `parse` and
    `value`), string literals and the check's own words (`t.is`, `self.assertEqual`, `toBe`) aside."""
    found = set()
    for match in _CHAIN.finditer(_LITERAL.sub(" ", check.text)):
        words = _CHAIN_LINK.split(match.group())
        if len(words) > 1 and words[0] in _CHECK_RECEIVERS:
            words = words[2:]
        while words and (words[0] in _NOT_CHAIN or _CHECK_VERB.match(words[0])):
            words = words[1:]
        while words and (words[-1] in _NOT_CHAIN or _CHECK_VERB.match(words[-1])):
            words = words[:-1]  # a mock's own check: `m.assert_called_once_with` reads `m`
        if words and len("".join(words)) > 1:
            found.add(tuple(words))
    return found


def _related(lost: Check, gained: Check) -> bool:
    """`gained` checks what `lost` checked: both expect a raise, or they read one value, or `gained`
    reads what holds the lost one's value (`e.message` -> `e`), or the reverse. A check of
    `error.message` and one of `isNetworkError(error)` share a word but not a subject; nearly the
    same text decides only where a side names no value."""
    if _RAISES.match(lost.text) and _RAISES.match(gained.text):
        return True
    ours, theirs = _chains(lost), _chains(gained)
    if ours and theirs:
        return any(a[: len(b)] == b or b[: len(a)] == a for a in ours for b in theirs)
    return _close(signature(lost), signature(gained), 0.6)


_CALL_OPEN = re.compile(r"[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*\s*\(")


def _calls(text: str) -> list[str]:
    """The calls a check's text makes (`in.read(buf, 0, 1)`), layout aside, its own verbs aside."""
    bare = _LITERAL.sub(lambda m: m.group()[0] + "_" * (len(m.group()) - 2) + m.group()[0], text)
    found = []
    for match in _CALL_OPEN.finditer(bare):
        depth, index = 0, match.end() - 1
        for index in range(match.end() - 1, len(bare)):
            depth += {"(": 1, ")": -1}.get(bare[index], 0)
            if depth == 0:
                break
        head = _CHAIN_LINK.split(match.group().rstrip("( \t"))
        own = _CHECK_VERB.match(head[-1]) or head[-1] in _NOT_CHAIN or head[0] in _CHECK_RECEIVERS
        if depth == 0 and not own:
            found.append("".join(text[match.start() : index + 1].split()))
    return found


def _now_raises(check: Check, gained: Sequence[Check]) -> bool:
    """A value check of a call replaced by an expectation that the same call raises (`assertEquals(0,
    in.read(b, 0, 1))` -> `assertThrows(E.class, () -> in.read(b, 0, 1))`): the call's outcome changed,
    or a try/fail/catch around the check became `assertThrows` (the check was the call under test)."""
    if _RAISES.match(check.text):
        return False  # an expectation that it raises, made looser or stricter, is the raise rules' to judge
    calls = _calls(check.text)
    if not calls:
        return False
    # The call is what the expectation's closure runs: `() -> call`, `() => call`, `() -> { call; }`.
    run = re.compile(r"(?:->|=>|\{)(?:" + "|".join(map(re.escape, calls)) + r")[),;}]")
    return any(_RAISES.match(g.text) and not _FAIL.match(g.text) and run.search(signature(g)) for g in gained)


def _at_least(checks: Sequence[Check], level: Strength) -> int:
    return sum(1 for check in checks if check.strength >= level)


def _drops(
    missing: Sequence[Check], gained: Sequence[Check], old: CaseCode, new: CaseCode
) -> list[tuple[Check, Check]]:
    """Lost checks that come back weaker: each with the weaker gained check that took its place.

    Only a real loss counts: the test holds fewer checks of the lost one's level than it did."""
    found = []
    for check in missing:
        if check.helper:
            continue  # what a helper checked is not known, so neither is how strong it was
        weaker = [g for g in gained if g.strength < check.strength]
        if not weaker or _at_least(new.checks, check.strength) >= _at_least(old.checks, check.strength):
            continue
        # A weaker check of another value is not this one accepting more: the test checks something
        # else now (changed behaviour, a rewrite), and whether this check is lost is the removal rule's.
        parts = _parts(check, old, new)
        twin = next((g for g in weaker if _related(check, g) or _roots(g) & parts), None)
        if twin is not None:
            found.append((check, twin))
    return found


def _lost_copies(
    lost: Sequence[Check], missing: Sequence[Check], gained: Sequence[Check], old: CaseCode
) -> list[Check]:
    """A check the old test made more than once (the same comparison after each of two calls) whose
    rewrites are fewer as strong and some weaker: one copy came back accepting more, though a twin took
    the other's place (int-misc4). `_drops` still asks for a net loss at its level."""
    counts = Counter(signature(c) for c in old.checks)
    taken = {id(c) for c in missing}
    found = []
    for check in lost:
        text = signature(check)
        if id(check) in taken or counts[text] < 2 or check.helper or _RAISES.match(check.text):
            continue  # failure expectations (`fail()` after each call) pair by their own rule
        near = [g for g in gained if _close(text, signature(g), _REWRITE)]
        as_strong = sum(1 for g in near if g.strength >= check.strength)
        if as_strong < counts[text] and as_strong < len(near):
            found.append(check)
    return found


def _parts(check: Check, old: CaseCode, new: CaseCode) -> set[str]:
    """The locals a value the check read was built from, when the new test no longer builds it: `found`
    filled from `entry` and compared whole, now gone, with `entry` checked itself (a weaker check of
    `entry` is the compared value accepting more)."""
    present = _names(new.lines)
    gone = {root for root in _roots(check) if root not in present}
    if not gone:
        return set()
    own = set(_WORD.findall(check.text))
    feeding = [line for line in _stripped(old.lines) if gone & _names([line])]
    return {
        name
        for name in _names(feeding) - own
        if name[:1].islower() and name not in _NOT_CHAIN and name not in _NOT_SUBJECTS
    }


def _bounded(bounds: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """(name, direction) for each name a bound is about: `took < limit` -> ("took", "upper"), ..."""
    return {
        (word, direction) for text, direction in bounds for word in _subjects(Check(text, Strength.BOUND, 0))
    }


def _dropped_bounds(lost: Sequence[Check], new: CaseCode) -> list[tuple[Check, str]]:
    """Lost checks whose bound on a value is gone while another bound on it stays (`1 < t < 5` ->
    `1 < t`, or `assert t < 5` deleted beside `assert t > 1`): the range was opened on one side."""
    kept = _bounded([bound for check in new.checks for bound in check.bounds])
    pinned = {word for check in new.checks if check.strength >= Strength.EXACT for word in _subjects(check)}
    found = []
    for check in lost:
        for name, direction in sorted(_bounded(check.bounds)):
            other = "lower" if direction == "upper" else "upper"
            if (name, direction) not in kept and (name, other) in kept and name not in pinned:
                found.append((check, f"{direction} bound on {name}"))
                break
    return found


def _raises_elsewhere(lost: Sequence[Check], elsewhere: _Pool) -> list[Check]:
    """Exception expectations of the same exception that other tests of the change gained: an error
    case moved out into a test of its own (often with its message folded into `match=`)."""
    raised = set().union(*(_subjects(c) for c in lost if _RAISES.match(c.text)))
    if not raised:  # most tests lose no exception expectation
        return []
    return [check for check, subjects in elsewhere.raising if subjects & raised]


_MAX_BLOCK_LINES = 40


def _stripped(lines: Sequence[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip()]


def _names(lines: Sequence[str]) -> set[str]:
    """The identifiers of some code lines, string contents aside."""
    return set(_WORD.findall(" ".join(_LITERAL.sub('""', line) for line in lines)))


def _depth(line: str) -> int:
    code = _LITERAL.sub('""', line)
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


def _block(case: CaseCode, check: Check) -> list[str]:
    """The source lines of one check: its statement and the block it opens (`with pytest.warns(...):`,
    `assertThrows(X.class, () -> {...})`), so that what it guards is read with it. [] when unknown."""
    start = next((i for i, line in enumerate(case.lines) if case.name in line), None)
    if start is None:
        return []
    index = start + check.line - case.line
    if not 0 <= index < len(case.lines):
        return []
    first = case.lines[index]
    indent = len(first) - len(first.lstrip())
    opens = first.rstrip().endswith(":")
    taken, depth = [first], _depth(first)
    for line in case.lines[index + 1 : index + _MAX_BLOCK_LINES]:
        if depth <= 0 and not (opens and (not line.strip() or len(line) - len(line.lstrip()) > indent)):
            break
        taken.append(line)
        depth += _depth(line)
    return taken


_DECLARATION = re.compile(r"^(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=")


def _declared(old: CaseCode, new: CaseCode) -> set[str]:
    """The names the new version of a test declares in lines it gained (`const writeSpy = ...`)."""
    return {
        match.group(1)
        for line in _added(_stripped(old.lines), _stripped(new.lines))
        if (match := _DECLARATION.match(line))
    }


_DOUBLE = re.compile(
    r"^(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:jest|vi|sinon|t\s*\.\s*mock|mock)\s*\.\s*"
    r"(?:fn|spyOn|spy|stub|fake|method)\b"
)


def _unmocked(gone: Sequence[Check], gained: Sequence[Check], old: CaseCode, new: CaseCode) -> set[int]:
    """The lost checks of a test double the test made itself (`const m = jest.fn(...)`) and no longer
    has at all, where it gained a check that bounds or pins: it stopped intercepting the call and checks
    what the call does instead (`expect(mockError).toHaveBeenCalled()` -> `throws(fn, { code })`)."""
    if not any(g.strong for g in gained):
        return set()
    doubles = {match.group(1) for line in _stripped(old.lines) if (match := _DOUBLE.match(line))}
    doubles -= _names(new.lines)
    if not doubles:
        return set()
    return {id(check) for check in gone if _roots(check) & doubles}


# A call that passes when its subject contains the literal it is given (or matches it, or throws a
# message containing it): `s.includes('x')`, `toContain('x')`, `toThrow('x')`, `t.regex(s, 'x')`.
_CONTAINMENT_ARGUMENT = re.compile(
    r"(?:includes|include|contains|toContain|toMatch|match|stringContaining|toThrow|toThrowError|regex"
    r"|startsWith|endsWith)\s*\(\s*(?:[^,()]*,\s*)?$"
)


def _now_expects_raise(drops: Sequence[tuple[Check, Check]], old: CaseCode, new: CaseCode) -> set[int]:
    """Value checks the test gave up for an expectation that the call now fails, where it expected no
    failure before (`t.is(result, undefined)` -> `t.throwsAsync(call, {message})`), the value they read
    gone from the test: the behaviour changed and the test follows it (`_outcome_flipped` the other
    way round), not the same check accepting more."""
    if any(_RAISES.match(check.text) for check in old.checks):
        return set()
    present = _names(new.lines)
    return {
        id(check)
        for check, twin in drops
        if _RAISES.match(twin.text) and _roots(check) and not _roots(check) & present
    }


def _shortened_expectations(lost: Sequence[Check], gained: Sequence[Check]) -> list[tuple[Check, Check]]:
    """Checks rewritten in place whose only change is a literal a containment call looks for, cut to a
    part of itself (`message.includes('Error: x cannot be used: gone')` -> `includes('Error: x')`): the
    same check accepting more, at the same level on the scale."""
    found = []
    for check in lost:
        text = signature(check)
        for twin in gained:
            other = signature(twin)
            if twin.strength != check.strength or _LITERAL.sub("''", text) != _LITERAL.sub("''", other):
                continue
            ours, theirs = list(_LITERAL.finditer(text)), list(_LITERAL.finditer(other))
            changed = [(a, b) for a, b in zip(ours, theirs, strict=True) if a.group() != b.group()]
            if len(changed) != 1:
                continue
            a, b = changed[0]
            shorter, longer = b.group()[1:-1], a.group()[1:-1]
            cut = bool(shorter) and len(shorter) < len(longer) and shorter in longer
            if cut and _CONTAINMENT_ARGUMENT.search(other, 0, b.start()):
                found.append((check, twin))
                break
    return found


def _check_signals(
    path: str,
    language: str,
    old: CaseCode,
    new: CaseCode,
    moved: dict[str, Any],
    elsewhere: _Pool,
    removed_api: frozenset[str] = frozenset(),
    unnamed: frozenset[str] = frozenset(),
) -> list[SignalCandidate]:
    before, after = old.path_checks, new.path_checks
    old_by_sig = {signature(c): c for c in old.checks}
    new_by_sig = {signature(c): c for c in new.checks}
    lost = [c for sig, c in old_by_sig.items() if sig not in new_by_sig]
    gained = [c for sig, c in new_by_sig.items() if sig not in old_by_sig]
    base = {**moved, "assertions_before": before, "assertions_after": after}
    # A bound opened on one side is a loss even when a look-alike check stays (`1 < t < 5` -> `1 < t`),
    # unless that very check moved to another test of the change.
    bounds = _dropped_bounds([c for c in lost if signature(c) not in elsewhere.exact], new)
    # Checks that moved to another test of the change (a split) are not lost; one of a value the test
    # now sets up itself (a shared spy made per-test) stayed with the test and was dropped there. The
    # test's own gains are matched below, each to one lost check: taken here too, one could stand in for two.
    own = _declared(old, new)
    lost = [c for c in lost if not elsewhere.covers(c, gained) or _roots(c) & own]
    # A helper renamed (`assertEqualsHashCodeAndToString(a, b)` -> `test(a, b)`): its calls are the old
    # ones under a new name, neither lost nor taking another check's place (int-misc4).
    renamed = _renamed_helper_calls(lost, gained) if language == "java" else set()  # measured on Java only
    if renamed:
        lost = [c for c in lost if id(c) not in renamed]
        gained = [g for g in gained if not g.helper]
    # An error case moved out into a test of its own; one that still expects the raise here kept it,
    # and how strongly it expects it is its own expectation's to say, not a sibling's.
    moved_out = [] if any(_RAISES.match(g.text) for g in gained) else _raises_elsewhere(lost, elsewhere)
    missing = [c for c in unreplaced(lost, gained + moved_out) if not _now_raises(c, gained)]
    if language == "java":  # measured on the Java projects only
        missing += _lost_copies(lost, missing, gained, old)
    drops = _drops(missing, gained, old, new)
    if language == "javascript":  # measured on the JS projects only
        raising = _now_expects_raise(drops, old, new)
        drops = [(c, g) for c, g in drops if id(c) not in raising]
        missing = [c for c in missing if id(c) not in raising]
        taken = {id(check) for check, _ in drops}
        drops += [(c, g) for c, g in _shortened_expectations(lost, gained) if id(c) not in taken]
    weakened = {id(check) for check, _ in drops} | {id(check) for check, _ in bounds}
    gone = [c for c in missing if id(c) not in weakened]
    if removed_api and gone and _added(_stripped(old.lines), _stripped(new.lines)):
        # The test was ported off an API the change removes from the code: a check of that API (or
        # guarding a call of it) cannot stay, and the test now runs the replacement instead.
        # A three-letter Java name (`get`, `add`, `of`) is overloaded on every other type: its removal
        # from one class says nothing about the `ClassName.get(...)` a check calls (int-misc4).
        api = removed_api if language != "java" else frozenset(n for n in removed_api if len(n) > 3)
        gone = [c for c in gone if not _names(_block(old, c)) & api]
    if removed_api and gone and language == "java":
        gone = [c for c in gone if not _variant_of_removed(c, new.checks, removed_api)]
    if unnamed and gone:
        gone = _ported(gone, gained, unnamed)
    if language == "javascript" and gone:
        gone = _not_awaited_errors(gone, old, new)
    dropped = [c for sig, c in old_by_sig.items() if sig not in new_by_sig]
    flipped = _outcome_flipped(gone, dropped, gained, new) | _unmocked(gone, gained, old, new)
    gone = [c for c in gone if id(c) not in flipped]
    # Most lost checks rewritten into stronger ones is a restructuring, not a loss.
    rewritten = any(g.strong for g in gained) and 2 * len(missing) < len(lost)
    if after < before and gone and not rewritten:
        opened = [c for c, _ in bounds if id(c) not in {id(m) for m in missing}]
        removed = [c.text for c in [*missing, *opened]]
        evidence = {**base, "removed": removed, "added": [c.text for c in gained]}
        if bounds:
            evidence["bounds_dropped"] = [what for _, what in bounds]
        severity = _removed_severity([*gone, *(c for c, _ in bounds)], new)
        disarmed = _disarmed(gone, new)
        if disarmed:
            # The check's `assert` was dropped and its comparison left in place: it reads as a check and
            # fails nothing, which no refactoring explains.
            evidence["disarmed"] = disarmed
            severity = SignalSeverity.HIGH
        return [_candidate(SignalType.ASSERTION_REMOVED, severity, path, new, language, evidence)]
    if not drops and not bounds:
        return []
    evidence = {
        **base,
        "strong_before": _at_least(old.checks, Strength.BOUND),
        "strong_after": _at_least(new.checks, Strength.BOUND),
        "strength_before": [_LEVEL_NAMES[c.strength] for c, _ in drops],
        "strength_after": [_LEVEL_NAMES[g.strength] for _, g in drops],
        "removed": [c.text for c, _ in drops] or [c.text for c, _ in bounds],
        "added": [g.text for _, g in drops] or [c.text for c in gained],
    }
    if bounds:
        evidence["bounds_dropped"] = [what for _, what in bounds]
    kept = min((g.strength for _, g in drops), default=Strength.BOUND)
    severity = SignalSeverity.MEDIUM if kept <= Strength.TRUTHY else SignalSeverity.LOW
    line = drops[0][1].line if drops else None
    return [_candidate(SignalType.ASSERTION_WEAKENED, severity, path, new, language, evidence, line)]


_LEVEL_NAMES = {level: level.name.lower() for level in Strength}
_CHECK_TOKEN = re.compile(r"[\w$]+|\S")
_MIN_API_NAME = 6  # shorter removed names (`get`, `run`) sit inside too many unrelated identifiers


def _names_removed(word: str, removed_api: frozenset[str]) -> bool:
    """`word` is a removed name, or a test's own helper named after one (`OnVerifyZeroInteractions`
    runs the removed `verifyZeroInteractions`)."""
    if word in removed_api:
        return True
    folded = word.casefold()
    return any(len(name) >= _MIN_API_NAME and name.casefold() in folded for name in removed_api)


def _variant_of_removed(check: Check, kept: Sequence[Check], removed_api: frozenset[str]) -> bool:
    """A Java check of one API among its alternatives, dropped with that API while the same check of
    another stays: `assertNotNull(plugins.getDefaultPlugin(InstantiatorProvider.class))` beside the
    kept `...(InstantiatorProvider2.class)` once `InstantiatorProvider` is deleted. The two differ in
    that one name only, so what the check tested still holds for every API the code keeps."""
    tokens = _CHECK_TOKEN.findall(check.text)
    for other in kept:
        theirs = _CHECK_TOKEN.findall(other.text)
        if len(theirs) != len(tokens):
            continue
        differing = [(mine, their) for mine, their in zip(tokens, theirs, strict=True) if mine != their]
        if len(differing) == 1 and _names_removed(differing[0][0], removed_api):
            return True
    return False


def _ported(gone: Sequence[Check], gained: Sequence[Check], unnamed: frozenset[str]) -> list[Check]:
    """`gone` without the checks of a function the test's file no longer imports or names at all, when
    the test gained a check as strong as those of another value: it checks that behaviour through
    another API now (a private helper's checks rewritten as one of the public call that uses it)."""
    ported = [c for c in gone if {word for chain in _chains(c) for word in chain} & unnamed]
    if not ported:
        return list(gone)
    level = max(check.strength for check in ported)
    if not any(g.strength >= level for g in gained):
        return list(gone)
    return [c for c in gone if c not in ported]


# `t.assert.ifError(err)`, `assert.ifError(err)`, tap's `t.error(err)`: the check that a callback's
# error argument is empty.
_ERROR_ARGUMENT_CHECK = re.compile(r"^(?:[\w$]+\s*\.\s*)*(?:ifError|error)\s*\(\s*([A-Za-z_$][\w$]*)\s*\)$")


def _callbacks_taking(name: str, lines: Sequence[str]) -> int:
    """How many callbacks of `lines` take `name` as their first parameter (`(err, res) =>`, `err =>`,
    `function (err) {`)."""
    first = re.escape(name)
    pattern = re.compile(
        rf"(?:\(\s*{first}\s*(?:,[^()]*)?\)\s*=>|(?<![\w$.]){first}\s*=>|function\s*[\w$]*\s*\(\s*{first}\s*[,)])"
    )
    return sum(len(pattern.findall(line)) for line in lines)


def _not_awaited_errors(gone: Sequence[Check], old: CaseCode, new: CaseCode) -> list[Check]:
    """`gone` without the checks of a callback's error argument (`t.assert.ifError(err)`) whose
    callbacks the new test all replaced by `await`: an awaited call that fails rejects and fails the
    test, so the error is still checked, by the runner (a port from a callback client to `await fetch`).
    One callback left that takes the error leaves it unchecked there."""
    if not any(re.search(r"(?<![\w$])await\b", line) for line in new.lines):
        return list(gone)
    kept = []
    for check in gone:
        match = _ERROR_ARGUMENT_CHECK.match(signature(check))
        name = match.group(1) if match else ""
        if name and _callbacks_taking(name, old.lines) and not _callbacks_taking(name, new.lines):
            continue
        kept.append(check)
    return kept


def _platform_signals(
    path: str, language: str, old: CaseCode, new: CaseCode, moved: dict[str, Any]
) -> list[SignalCandidate]:
    """A platform branch that checks less than the test did there: `if (win32) { expect(e).toBeDefined() }
    else { exact }` where the branch checked non-empty, or where the exact check ran everywhere."""
    floors = {condition: floor for condition, floor, _ in old.platforms}
    branched = {sig for _, _, inside in old.platforms for sig in inside}
    everywhere = {signature(c): c.strength for c in old.checks if signature(c) not in branched}
    for condition, floor, inside in new.platforms:
        if condition in floors:
            before = floors[condition]
        else:
            before = max((everywhere[sig] for sig in inside if sig in everywhere), default=Strength.NOOP)
        if floor < before:
            evidence = {
                **moved,
                "assertions_before": old.path_checks,
                "assertions_after": new.path_checks,
                "platform": condition,
                "strength_before": [_LEVEL_NAMES[before]],
                "strength_after": [_LEVEL_NAMES[floor]],
            }
            severity = SignalSeverity.MEDIUM if floor <= Strength.TRUTHY else SignalSeverity.LOW
            return [_candidate(SignalType.ASSERTION_WEAKENED, severity, path, new, language, evidence)]
    return []


def _outcome_flipped(
    gone: Sequence[Check], lost: Sequence[Check], gained: Sequence[Check], new: CaseCode
) -> set[int]:
    """The lost checks of an error the test no longer expects: it expected the call to fail (`raises`,
    `throwsAsync`, `assertThrows`) and now pins what the call returns. The behaviour changed and the
    test follows it; the checks of the caught error (`error.name`, a name the new test no longer
    has) go with the error."""
    raising = [check for check in gone if _RAISES.match(check.text)]
    if not any(_RAISES.match(check.text) for check in lost) or any(_RAISES.match(c.text) for c in new.checks):
        return set()
    if not any(check.strength >= Strength.EXACT for check in gained):
        return set()
    present = _names(new.lines)
    found = {id(check) for check in raising}
    for check in gone:
        if _roots(check) - present:
            found.add(id(check))
    return found


def _disarmed(gone: Sequence[Check], new: CaseCode) -> list[str]:
    """Lost checks left in the new test as a bare comparison (`assert x == 1` -> `x == 1`)."""
    idle = {signature(Check(text, Strength.NOOP, 0)) for text in new.idle}
    return [check.text for check in gone if signature(check) in idle]


def _removed_severity(gone: Sequence[Check], new: CaseCode) -> SignalSeverity:
    """High when nothing is left to check; a lost check that pinned or bounded a value weighs more than
    a lost truthiness check."""
    if not new.checks:
        return SignalSeverity.HIGH
    return SignalSeverity.MEDIUM if any(check.strong for check in gone) else SignalSeverity.LOW


def _marker_signal(
    kind: SignalType,
    path: str,
    language: str,
    old: Sequence[Marker],
    new: CaseCode,
    markers: Sequence[Marker],
    moved: dict[str, Any],
    before_data: frozenset[str] = frozenset(),
) -> list[SignalCandidate]:
    # A case the test did not have before (none of its values, literals or names, was in the test),
    # born skipped: a new case that never ran, not an old one switched off.
    markers = [m for m in markers if not m.case or m.case & before_data]
    if len(markers) <= len(old):
        return []
    added = _added((m.text for m in old), (m.text for m in markers))
    fresh = next((m for m in markers if m.text in added), markers[-1])
    evidence = {
        **moved,
        "marker": fresh.text.removeprefix("@") if language == "python" else fresh.text,
        "added": added,
        "before": len(old),
        "after": len(markers),
    }
    if new.preamble:
        evidence["comment"] = list(new.preamble)  # the comment right above the test: often the reason
    line = fresh.line
    return [_candidate(kind, SignalSeverity.MEDIUM, path, new, language, evidence, line)]


def _swallow_signal(
    path: str, language: str, old: CaseCode, new: CaseCode, moved: dict[str, Any]
) -> list[SignalCandidate]:
    if len(new.swallows) <= len(old.swallows):
        return []
    added = _added((m.text for m in old.swallows), (m.text for m in new.swallows))
    fresh = [m for m in new.swallows if m.text in added] or list(new.swallows)
    guards = any(m.wraps_checks for m in fresh)
    severity = SignalSeverity.HIGH if guards else SignalSeverity.MEDIUM
    evidence = {
        **moved,
        "added": added,
        "wraps_assertions": guards,
        "before": len(old.swallows),
        "after": len(new.swallows),
    }
    return [_candidate(SignalType.BROAD_EXCEPTION, severity, path, new, language, evidence, fresh[0].line)]


def _candidate(
    kind: SignalType,
    severity: SignalSeverity,
    path: str,
    case: CaseCode,
    language: str,
    evidence: dict[str, Any],
    line: int | None = None,
) -> SignalCandidate:
    return SignalCandidate(
        signal_type=kind,
        severity=severity,
        file_path=path,
        test_name=case.qualname,
        line=line if line is not None else case.line,
        language=language,
        evidence=evidence,
    )


def _evidence_lines(lines: Iterable[str]) -> list[str]:
    kept = [flat(line) for line in lines if line.strip()]
    return kept[:_MAX_EVIDENCE_LINES]


def line_diff(old: Sequence[str], new: Sequence[str]) -> tuple[list[str], list[str]]:
    """The test's source lines removed and added (stripped, blank lines ignored), at most 20 of each."""
    before = [line.strip() for line in old if line.strip()]
    after = [line.strip() for line in new if line.strip()]
    removed: list[str] = []
    added: list[str] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            removed += before[i1:i2]
        if tag in ("insert", "replace"):
            added += after[j1:j2]
    return _evidence_lines(removed), _evidence_lines(added)


class _Pool:
    """Checks that tests of one change gained (or added tests hold), to recognise checks that moved."""

    def __init__(self, checks: Iterable[Check] = (), fuzzy: bool = True) -> None:
        self.checks = list(checks)
        self.exact = {signature(check) for check in self.checks}
        self.fuzzy = fuzzy and len(self.checks) <= _MAX_POOL_FUZZY
        # Exception expectations with their subjects, read once: every compared test asks for them.
        self.raising = [(check, _subjects(check)) for check in self.checks if _RAISES.match(check.text)]

    def covers(self, check: Check, besides: Sequence[Check] = ()) -> bool:
        """A check of the pool takes `check`'s place; `besides` (the test's own gains) aside."""
        text = signature(check)
        if text in self.exact:
            return True
        own = {id(other) for other in besides}
        return self.fuzzy and any(
            id(other) not in own
            and _replaces(other, check)
            and _close(text, signature(other), _COVERED_CHECK)
            for other in self.checks
        )


def _strict_xfail(text: str) -> bool:
    """`@pytest.mark.xfail(strict=True)` with no condition (a reason or `raises=` aside), or unittest's
    `@expectedFailure` (an unexpected success fails the run): the test must fail on every run."""
    try:
        node = ast.parse(text.removeprefix("@").strip(), mode="eval").body
    except SyntaxError:
        return False
    if (isinstance(node, ast.Name) and node.id == "expectedFailure") or (
        isinstance(node, ast.Attribute)
        and node.attr == "expectedFailure"
        and isinstance(node.value, ast.Name)
        and node.value.id == "unittest"
    ):
        return True
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name != "xfail":
        return False
    conditional = any(not (isinstance(a, ast.Constant) and isinstance(a.value, str)) for a in node.args)
    strict = any(
        k.arg == "strict" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )
    return strict and not conditional and not any(k.arg == "condition" for k in node.keywords)


def compare_case(
    old: _Located,
    new: _Located,
    elsewhere: _Pool | None = None,
    removed_api: frozenset[str] = frozenset(),
    unnamed: frozenset[str] = frozenset(),
) -> list[SignalCandidate]:
    """Signals for one test seen in two versions (possibly in two files or under two names);
    `elsewhere` holds the checks other tests of the change gained; `removed_api` the names (functions,
    parameters, fields) that the change removes from the code under test; `unnamed` the names the
    test's file stops importing and naming at all."""
    moved: dict[str, Any] = {}
    if old.path != new.path:
        moved["moved_from"] = old.path
    if old.case.qualname != new.case.qualname:
        moved["renamed_from"] = old.case.qualname
    path, language, before, after = new.path, new.language, old.case, new.case
    # A table row's checks are its loop's, compared once on the test that runs them; only a row's own
    # switch (`skip: true`) is its own.
    row = before.row or after.row
    # A test strictly expected to fail on every run never passed: the checks it drops together with
    # that mark never held, so they guarded nothing.
    never_passed = any(_strict_xfail(m.text) for m in before.xfails) and not after.xfails
    checked = (
        []
        if never_passed or row
        else _check_signals(path, language, before, after, moved, elsewhere or _Pool(), removed_api, unnamed)
    )
    known = before.data | _written_names(before.lines)  # the literals and names the test had
    found = [
        *(checked or ([] if row else _platform_signals(path, language, before, after, moved))),
        *_marker_signal(
            SignalType.SKIP_INTRODUCED, path, language, before.skips, after, after.skips, moved, known
        ),
        *_marker_signal(
            SignalType.XFAIL_ADDED, path, language, before.xfails, after, after.xfails, moved, known
        ),
        *_swallow_signal(path, language, before, after, moved),
    ]
    if not checked and not row and language == "javascript":
        found += _detached_signal(path, language, before, after, moved)
    if not any(c.signal_type is SignalType.SKIP_INTRODUCED for c in found):
        found += _widened_marker_signal(
            SignalType.SKIP_INTRODUCED, path, language, before.skips, after, after.skips, moved
        )
    if language == "python" and not any(c.signal_type is SignalType.XFAIL_ADDED for c in found):
        found += _widened_marker_signal(
            SignalType.XFAIL_ADDED, path, language, before.xfails, after, after.xfails, moved
        )
    if any(c.signal_type in _SWITCHED_OFF for c in found) and _empty_body(language, before):
        # A test whose body was empty ran nothing and checked nothing: skipping it loses nothing
        # (commons-cli f6af623674 marks such overrides @Ignore("not supported by the parser")).
        found = [c for c in found if c.signal_type not in _SWITCHED_OFF]
    if _disabled(after) and not _disabled(before) and any(c.signal_type in _SWITCHED_OFF for c in found):
        # A test switched off outright in the same change (`@Disabled("now in the parameterized
        # test")` over an emptied body) runs none of its checks: the skip is the one loss to report,
        # and how many checks its body kept says nothing more (commons-cli 3bac60ac56: the emptied
        # bodies were reported as high "no check left" beside their skips).
        found = [c for c in found if c.signal_type not in _CHECK_LOSSES]
    if not found:
        return found
    removed_lines, added_lines = line_diff(before.lines, after.lines)
    lines = {"removed_lines": removed_lines, "added_lines": added_lines}
    found = [replace(c, evidence={**c.evidence, **lines}) for c in found]
    return [
        _unexplained_skip(c, before, after) if c.signal_type is SignalType.SKIP_INTRODUCED else c
        for c in found
    ]


_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def _written_names(lines: Sequence[str]) -> frozenset[str]:
    """The names (`WatchFilesReload`, `module.Thing`) written in a test's lines."""
    return frozenset(_DOTTED_NAME.findall("\n".join(lines)))


_SWITCHED_OFF = frozenset({SignalType.SKIP_INTRODUCED, SignalType.XFAIL_ADDED})
_CHECK_LOSSES = frozenset({SignalType.ASSERTION_REMOVED, SignalType.ASSERTION_WEAKENED})
# Where a method's body opens: after its parameters (and a Java `throws` list) in Java, Go and C#.
_BODY_OPENS = {
    "java": re.compile(r"\)\s*(?:throws\s+[\w.$<>,\s]+?)?\s*\{"),
    "go": re.compile(r"^func\s+(?:\([^)]*\)\s*)?\w+\s*\([^)]*\)\s*\{", re.M),
}
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"//[^\n]*")


def _empty_body(language: str, case: CaseCode) -> bool:
    """The test's body holds no statement, only comments or nothing (`{ // not supported }`)."""
    opens = _BODY_OPENS.get(language)
    if opens is None or case.checks or not case.lines:
        return False
    text = "\n".join(case.lines)
    start = opens.search(text)
    end = text.rfind("}")
    if start is None or end < start.end():
        return False
    inside = _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", text[start.end() : end]))
    return not inside.strip()


# The callback of a JS test: `done => {`, `(done) => {`, `function (done) {`, `async () => {`.
_TEST_CALLBACK = re.compile(
    r",\s*(?:async\s+)?(?:function\s*[\w$]*\s*\(\s*([\w$]*)\s*\)|\(\s*([\w$]*)\s*\)\s*=>|([\w$]+)\s*=>)"
)
_TIMER = re.compile(r"(?<![\w$.])(?:setTimeout|setImmediate|setInterval|process\s*\.\s*nextTick)\s*\(")


def _callback_parameter(case: CaseCode) -> str | None:
    """The parameter of a JS test's callback ("" when it takes none), None when it is not found."""
    match = _TEST_CALLBACK.search(" ".join(case.lines[:3]))
    return None if match is None else next((g for g in match.groups() if g is not None), "")


def _timer_lines(case: CaseCode) -> set[int]:
    """Lines (of the file) inside the callbacks the test hands to a timer (`setTimeout(() => {...}, 100)`)."""
    text = "\n".join(case.lines)
    found: set[int] = set()
    for match in _TIMER.finditer(text):
        depth, index = 0, match.end() - 1
        for index in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[index], 0)
            if depth == 0:
                break
        first = text.count("\n", 0, match.start())
        last = text.count("\n", 0, index)
        found.update(range(case.line + first, case.line + last + 1))
    return found


def _detached_signal(
    path: str, language: str, old: CaseCode, new: CaseCode, moved: dict[str, Any]
) -> list[SignalCandidate]:
    """A JS test that stops taking its `done` callback while its checks still run in a timer: the
    runner ends the test when its body returns, before the timer fires, so a failing check fails
    nothing (nor does the test wait for it)."""
    done, now = _callback_parameter(old), _callback_parameter(new)
    if not done or now != "" or not any(f"{done}(" in line for line in old.lines):
        return []
    if any(re.search(r"(?<![\w$])(?:await|return)\b|new\s+Promise\b", line) for line in new.lines):
        return []  # it waits some other way
    timed = _timer_lines(new)
    detached = [check.text for check in new.checks if check.line in timed]
    if not detached:
        return []
    evidence = {
        **moved,
        "assertions_before": old.path_checks,
        "assertions_after": new.path_checks,
        "done_dropped": done,
        "detached": detached,
        "strength_before": [_LEVEL_NAMES[max(c.strength for c in new.checks)]],
        "strength_after": [_LEVEL_NAMES[Strength.NOOP]],
    }
    return [_candidate(SignalType.ASSERTION_WEAKENED, SignalSeverity.MEDIUM, path, new, language, evidence)]


_CONDITION_TOKEN = re.compile(r"\|\||&&|[\w$]+|\S")


def _widened(old: str, new: str, joiner: str = "||") -> bool:
    """`new` is `old` with alternatives added (`if (win) return` -> `if (win || root) return`): the
    same skip, now taken in more places. Nothing of `old` changed or went. With `joiner` "&&", `new`
    is `old` with requirements added (`assumeTrue(a)` -> `assumeTrue(flag && a)`): a condition to run
    that now holds in fewer places."""
    other = "&&" if joiner == "||" else "||"
    before, after = _CONDITION_TOKEN.findall(old), _CONDITION_TOKEN.findall(new)
    inserted = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            return False
        if tag == "insert":
            # Brackets that group the widened condition (`a ? x : y` -> `(a || b) ? x : y`) say nothing.
            part = [token for token in after[j1:j2] if token not in "()"]
            if part:
                inserted.append(part)
    return bool(inserted) and all(other not in part and joiner in (part[0], part[-1]) for part in inserted)


# Markers whose condition says when to skip (true: skipped), so an alternative added skips more: an
# early exit (`if (win) return`), a switch whose first choice skips (`arch ? describe.skip : describe`),
# `skipIf(...)`, `{ skip: ... }`. A condition that says when to run (`assumeTrue`, `runIf`, `cond ? it :
# it.skip`) runs more with an alternative; a negated group (`!(a || b)`) turns it around.
_SKIPS_WHEN_TRUE = re.compile(
    r"^\s*if\b.*\)\s*\{?\s*return\b|\?\s*[\w$.]*\.\s*skip\b|\bskipIf\s*\(|\bskip\s*:"
)
# JUnit's assumptions: `assumeTrue(c)` runs the test where `c` holds (a requirement added with `&&`
# skips more), `assumeFalse(c)` skips it there (an alternative added with `||` skips more).
_RUNS_WHEN_TRUE = re.compile(r"^(?:(?:Assume|Assumptions)\s*\.\s*)?assumeTrue\s*\(")
_JAVA_SKIPS_WHEN_TRUE = re.compile(r"^(?:(?:Assume|Assumptions)\s*\.\s*)?assumeFalse\s*\(")


def _marker_condition(language: str, text: str) -> tuple[str, str, Callable[[str], str | None]] | None:
    """How a skip or xfail marker's condition widens: (its condition, the joiner that adds to where it
    applies, how to read an earlier marker's condition), or None for a marker without one. A Python
    `skipif`/`xfail` is read by its first argument alone (a re-worded reason says nothing); the others
    by their text: an early exit, `skipIf(...)`, `{ skip: ... }`, JUnit's `assumeFalse` ("||") and
    `assumeTrue` ("&&")."""
    if language == "python":
        condition = _python_condition(text)
        if condition is not None:
            return condition, "||", _python_condition
    if "!(" in "".join(text.split()):
        return None
    java = language == "java"
    if _SKIPS_WHEN_TRUE.search(text) or (java and _JAVA_SKIPS_WHEN_TRUE.match(text)):
        return text, "||", _as_written
    if java and _RUNS_WHEN_TRUE.match(text):
        return text, "&&", _as_written
    return None


def _as_written(text: str) -> str:
    return text


def _widened_marker_signal(
    kind: SignalType,
    path: str,
    language: str,
    before: Sequence[Marker],
    new: CaseCode,
    after: Sequence[Marker],
    moved: dict[str, Any],
) -> list[SignalCandidate]:
    """A skip (or xfail) the test had whose condition gained an alternative (`|| os.userInfo().uid ===
    0`, `skipif(WIN)` -> `skipif(WIN or PYPY)`): as many markers as before, but the test now stops
    running, or is expected to fail, where it ran and passed."""
    kept = {m.text for m in before}
    for marker in after:
        read = None if marker.text in kept else _marker_condition(language, marker.mark or marker.text)
        if read is None:
            continue
        condition, joiner, earlier = read
        widened = next(
            (
                m
                for m in before
                if (c := earlier(m.mark or m.text)) is not None
                and (_widened(c, condition, joiner) or (language == "python" and _python_wider(c, condition)))
            ),
            None,
        )
        if widened is not None:
            evidence = {
                **moved,
                "marker": marker.text,
                "widened_from": widened.text,
                "added": [marker.text],
                "before": len(before),
                "after": len(after),
            }
            return [_candidate(kind, SignalSeverity.MEDIUM, path, new, language, evidence, marker.line)]
    return []


# A Python marker whose first argument says when it applies: `@pytest.mark.skipif(WIN, reason=...)`,
# `@pytest.mark.xfail(PYPY, ...)`, `@unittest.skipIf(...)`.
_PY_CONDITIONAL = re.compile(r"^@?\s*(?:[\w.]+\.)?(?:skipif|skipIf|xfail)\s*\(")


def _python_condition(text: str) -> str | None:
    """The condition of a Python `skipif`/`skipIf`/`xfail` marker, as Python writes it back, with its
    `or`/`and` spelled `||`/`&&` for `_widened`; None for another marker, one without a condition
    (a bare `xfail(reason=...)`), a string condition, or a negated group (`not (a or b)`)."""
    if not _PY_CONDITIONAL.match(text):
        return None
    try:
        call = ast.parse(text.strip().lstrip("@").strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    if not isinstance(call, ast.Call) or not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return None
    condition = ast.unparse(first)
    if "not (" in condition:
        return None
    return re.sub(r"\band\b", "&&", re.sub(r"\bor\b", "||", condition))


_MAX_DISJUNCTS = 16


def _disjuncts(node: ast.expr) -> list[list[ast.expr]] | None:
    """A condition as alternatives, each the requirements that all hold (`a and (b or c)`: [[a, b],
    [a, c]]); None when it has too many."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        found: list[list[ast.expr]] = []
        for value in node.values:
            part = _disjuncts(value)
            if part is None:
                return None
            found += part
    elif isinstance(node, ast.BoolOp):
        found = [[]]
        for value in node.values:
            part = _disjuncts(value)
            if part is None:
                return None
            found = [[*a, *b] for a in found for b in part]
    else:
        found = [[node]]
    return found if len(found) <= _MAX_DISJUNCTS else None


def _membership(node: ast.expr) -> tuple[str, bool, frozenset[str]] | None:
    """`x == v` or `x in (v, w)` as (x, True, {v, w}); `x != v`, `x not in (...)` with False."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    op, right = node.ops[0], node.comparators[0]
    if isinstance(op, ast.Eq | ast.NotEq) and isinstance(right, ast.Constant):
        values = frozenset({repr(right.value)})
    elif isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.Tuple | ast.List | ast.Set):
        if not all(isinstance(e, ast.Constant) for e in right.elts):
            return None
        values = frozenset(repr(e.value) for e in right.elts if isinstance(e, ast.Constant))
    else:
        return None
    return ast.dump(node.left), isinstance(op, ast.Eq | ast.In), values


def _implies(a: ast.expr, b: ast.expr) -> bool:
    """Requirement `a` holding makes `b` hold: the same text, or `x == 'darwin'` then `x in ('darwin',
    'win32')` (and `x not in (...)` of more values then `x != ...` of fewer)."""
    if ast.dump(a) == ast.dump(b):
        return True
    left, right = _membership(a), _membership(b)
    if left is None or right is None or left[:2] != right[:2]:
        return False
    return left[2] <= right[2] if left[1] else right[2] <= left[2]


def _covers(old: list[list[ast.expr]], new: list[list[ast.expr]]) -> bool:
    """Wherever `old` holds, `new` does: each alternative of `old` meets every requirement of one of
    `new`'s."""
    return all(any(all(any(_implies(a, b) for a in part) for b in other) for other in new) for part in old)


def _python_wider(old: str, new: str) -> bool:
    """The Python condition `new` holds wherever `old` does and somewhere more: a requirement dropped
    (`darwin and arm` -> `darwin`), a value added to the ones compared (`== 'darwin'` -> `in ('darwin',
    'win32')`), or both (uvicorn e5f3663925 widened `skip_if_m1` so). Conditions as `_python_condition`
    writes them."""
    try:
        before, after = (
            _disjuncts(ast.parse(text.replace("||", " or ").replace("&&", " and "), mode="eval").body)
            for text in (old, new)
        )
    except (SyntaxError, ValueError):
        return False
    if before is None or after is None:
        return False
    return _covers(before, after) and not _covers(after, before)


_COMMENT = re.compile(r"^(?:#|//|/\*|\*)|\s(?:#|//)\s")


def _unexplained_skip(candidate: SignalCandidate, old: CaseCode, new: CaseCode) -> SignalCandidate:
    """A test switched off outright (`@pytest.mark.skip`, `it.skip`, `@Disabled`, `@Ignore`) with no
    reason anywhere in what the change added to it (no new text, no comment) is high: nothing but the
    change's own explanation, if any (the verdict caps it), tells a reviewer why it no longer runs."""
    marker = str(candidate.evidence.get("marker") or "")
    if not (_OUTRIGHT_SKIP.match(marker) or _OUTRIGHT_SKIP.match("@" + marker)):
        return candidate  # a skip call in the body may sit under a condition its text does not show
    had = set(_LITERAL.findall("\n".join(old.lines)))
    added = [str(line) for line in candidate.evidence.get("added_lines", [])]
    if (
        _LITERAL.search(marker)
        or set(new.preamble) - set(old.preamble)
        or any(_COMMENT.search(line) or set(_LITERAL.findall(line)) - had for line in added)
    ):
        return candidate
    evidence = {**candidate.evidence, "reason_given": False}
    return replace(candidate, severity=SignalSeverity.HIGH, evidence=evidence)


def _similarity(old: CaseCode, new: CaseCode) -> float:
    if old.fingerprint == new.fingerprint:
        return 2.0
    return _ratio(old.body, new.body)


def pair_in_file(
    old_cases: Sequence[CaseCode], new_cases: Sequence[CaseCode]
) -> tuple[list[tuple[CaseCode, CaseCode]], list[CaseCode], list[CaseCode]]:
    """Pair the tests of one file's two versions by full name (scope path and title).

    Twins that share a name (two `it("x")` in one describe, overloads) are paired by body similarity,
    then by position, so an edit of one twin is never read as the other losing its checks.
    Returns the pairs, the old tests left unpaired, and the new tests left unpaired (in source order).
    """
    old_by_name: dict[str, list[int]] = {}
    new_by_name: dict[str, list[int]] = {}
    for index, case in enumerate(old_cases):
        old_by_name.setdefault(case.qualname, []).append(index)
    for index, case in enumerate(new_cases):
        new_by_name.setdefault(case.qualname, []).append(index)
    chosen: dict[int, int] = {}
    for name, olds in old_by_name.items():
        news = new_by_name.get(name, [])
        if not news:
            continue
        if len(olds) == 1 and len(news) == 1:
            chosen[olds[0]] = news[0]
            continue
        scored = sorted(
            (
                (-_similarity(old_cases[i], new_cases[j]), abs(rank_i - rank_j), i, j)
                for rank_i, i in enumerate(olds)
                for rank_j, j in enumerate(news)
            )
        )
        used_old: set[int] = set()
        used_new: set[int] = set()
        for _, _, i, j in scored:
            if i not in used_old and j not in used_new:
                chosen[i] = j
                used_old.add(i)
                used_new.add(j)
    taken = set(chosen.values())
    pairs = [(old_cases[i], new_cases[j]) for i, j in sorted(chosen.items())]
    gone = [case for index, case in enumerate(old_cases) if index not in chosen]
    fresh = [case for index, case in enumerate(new_cases) if index not in taken]
    return pairs, gone, fresh


def _pair_by(
    removed: list[_Located], added: list[_Located], key: Callable[[_Located], str], unique: bool
) -> list[tuple[_Located, _Located]]:
    pairs = []
    for old in list(removed):
        options = [new for new in added if new.language == old.language and key(new) == key(old)]
        if options and (len(options) == 1 or not unique):
            pairs.append((old, options[0]))
            removed.remove(old)
            added.remove(options[0])
    return pairs


# What a title interpolates per case: printf-style (`test.each(...)('when %s', ...)`), Jest's `$name`
# and a template's `${...}`; every spelling stands for "this case's value".
_TITLE_PLACEHOLDER = re.compile(r"%[sdifjopc#]|\$\{[^}]*\}|\$[A-Za-z_][\w.]*")
_TITLE_WORD = re.compile(r"[^\W_]+")
_LOOP_EXTRA_WORDS = 2  # a scope title ("command suggestions") or a joining word the loop adds


def _title_words(case: CaseCode) -> Counter[str]:
    return Counter(_TITLE_WORD.findall(_TITLE_PLACEHOLDER.sub(" ", case.qualname).casefold()))


def _table_distance(old: CaseCode, new: CaseCode) -> int | None:
    """How far `new` is from being `old`'s table of cases rewritten as a loop (None: it is not):
    `test.each(t)('when %s then x')` -> `describe('when then x', () => t.forEach(c => test(`via
    ${c}`)))`. One of the two titles interpolates the case, and the words of the longer full name
    (scopes included, interpolations aside) are the shorter one's plus at most a scope title or a
    joining word; the distance is how many words were added."""
    if not (_TITLE_PLACEHOLDER.search(old.qualname) or _TITLE_PLACEHOLDER.search(new.qualname)):
        return None
    ours, theirs = _title_words(old), _title_words(new)
    short, long = sorted((ours, theirs), key=lambda words: sum(words.values()))
    extra = sum((long - short).values())
    if sum(short.values()) < 3 or short - long or extra > _LOOP_EXTRA_WORDS:
        return None
    return extra


def _written_title_ratio(old: CaseCode, new: CaseCode) -> float:
    """How alike two full names are as written (quotes and brackets kept: `"<arg>"` is not `"arg"`)."""
    a, b = (" ".join(_TITLE_PLACEHOLDER.sub(" ", c.qualname).split()) for c in (old, new))
    return _ratio(a, b)


def _pair_tables(removed: list[_Located], added: list[_Located]) -> list[tuple[_Located, _Located]]:
    """Pair each table-driven test with its loop rewrite in the same file, where one fits best (a
    sibling table `... not supplied then action not called` fits the `... supplied` one less; on a
    tie of words, the name as written decides)."""
    pairs = []
    for old in list(removed):
        options = sorted(
            (distance, -_written_title_ratio(old.case, new.case), index)
            for index, new in enumerate(added)
            if new.path == old.path and (distance := _table_distance(old.case, new.case)) is not None
        )
        if options and (len(options) == 1 or options[0][:2] < options[1][:2]):
            best = added[options[0][2]]
            pairs.append((old, best))
            removed.remove(old)
            added.remove(best)
    return pairs


def _pair_by_body(removed: list[_Located], added: list[_Located]) -> list[tuple[_Located, _Located]]:
    """Pair renamed tests by body similarity, closest pairs first: of two removed tests like one new
    one (two build-tagged variants folded into one untagged test), the nearer is its old self and the
    other is gone. Quadratic, so a bulk rewrite only compares within files."""
    same_file_only = len(removed) * len(added) > _MAX_BODY_COMPARISONS
    scored = []
    for i, old in enumerate(removed):
        best_ratio = _RENAME_SIMILARITY
        for j, new in enumerate(added):
            if new.language != old.language or (same_file_only and new.path != old.path):
                continue
            # A rename in place is the common case; a look-alike test elsewhere needs a closer body.
            bonus = _SAME_FILE_BONUS if new.path == old.path else 0.0
            if _close(_leaf(old.case), _leaf(new.case), _SUCCESSOR_NAME):
                bonus += _CLOSE_NAME_BONUS  # a rename keeps most of the name
            elif not _close(_leaf(old.case), _leaf(new.case), _RELATED):
                # Names that share little: in a rewrite, the bodies of one file look alike anyway.
                bonus -= _UNRELATED_NAME_PENALTY
            matcher = difflib.SequenceMatcher(None, old.case.body, new.case.body, autojunk=False)
            if (
                matcher.real_quick_ratio() + bonus >= best_ratio
                and matcher.quick_ratio() + bonus >= best_ratio
                and (ratio := matcher.ratio() + bonus) >= best_ratio
            ):
                scored.append((-ratio, i, j))
    chosen: dict[int, int] = {}
    for _, i, j in sorted(scored):
        if i not in chosen and j not in chosen.values():
            chosen[i] = j
    pairs = [(removed[i], added[j]) for i, j in sorted(chosen.items())]
    taken = set(chosen.values())
    removed[:] = [old for i, old in enumerate(removed) if i not in chosen]
    added[:] = [new for j, new in enumerate(added) if j not in taken]
    return pairs


_SUCCESSOR_NAME = 0.75
_UNRELATED_NAME_PENALTY = 0.15
_MAX_BODY_RELATED = 3
_COMMON_CHECK = 3  # tests of the change's old side making one check: more is a generic check
_RELATED = 0.5
_TWIN_BODY = 0.9
_COVERED_CHECK = 0.8
_MAX_CHECK_COMPARISONS = 200_000
_MAX_POOL_FUZZY = 400


def _leaf(case: CaseCode) -> str:
    return case.name.lower()


def _successor_name(old: CaseCode, new: CaseCode) -> bool:
    """A new name that keeps most of the old one, or all of it with a qualifier after a `_`
    (`test_session` -> `test_session_accessed`): a short name loses most of its ratio to the
    qualifier, yet the rename keeps every word of it."""
    before, after = _leaf(old), _leaf(new)
    return _close(before, after, _SUCCESSOR_NAME) or after.startswith(before + "_")


def _covered(check: Check, exact: set[str], pool: Sequence[Check], fuzzy: bool) -> bool:
    text = signature(check)
    if text in exact:
        return True
    return fuzzy and any(
        _replaces(other, check) and _close(text, signature(other), _COVERED_CHECK) for other in pool
    )


def _gained_checks(pairs: Sequence[tuple[_Located, _Located]], added: Sequence[_Located]) -> _Pool:
    # A Go test's loop body wrapped in `t.Run(tc.name, ...)` makes new row subtests (`TestX > row`) of checks
    # TestX already made: wrapped, not gained, so they stand in for no other test's lost check (a
    # helper call every table test makes, dropped from one of them while all are wrapped).
    earlier = {(new.path, new.case.qualname): old.case for old, new in pairs if new.language == "go"}

    def wrapped(located: _Located) -> set[str]:
        scopes = located.case.qualname.split(" > ")
        parents = [earlier.get((located.path, " > ".join(scopes[:end]))) for end in range(1, len(scopes))]
        return {signature(check) for parent in parents if parent for check in parent.checks}

    gained: list[Check] = []
    for located in added:
        # Rows only: a titled subtest's checks are not its parent's (the parent's own code is read
        # without them), so moving checks into `t.Run("name", ...)` does move them.
        known = wrapped(located) if located.language == "go" and located.case.row else set()
        gained += [check for check in located.case.checks if signature(check) not in known]
    for old, new in pairs:
        if old.case.fingerprint != new.case.fingerprint:
            before = {signature(check) for check in old.case.checks}
            gained += [check for check in new.case.checks if signature(check) not in before]
    return _Pool(gained)


def _written(case: CaseCode) -> str:
    return " ".join(" ".join(case.lines[1:]).split())


def _folded(data: frozenset[str]) -> frozenset[str]:
    return frozenset(item.casefold() for item in data)


def _taken_over(removed: CaseCode, successor: _Located, before: Mapping[int, CaseCode]) -> list[Check]:
    """The checks by which `successor` (a test the change adds or edits) can take over `removed`'s:
    all of a new test's, each parametrized case's included; of an edited test, those it gained, and
    the ones it already made only when the removed test's data moved into it (its inputs, now run
    through the same checks). A check it made before the change was made beside the removed test,
    not instead of it."""
    case = successor.case
    checks = [*case.checks, *case.instances]
    previous = before.get(id(successor))
    if previous is None:
        return checks
    if removed.data & (case.data - previous.data):
        return checks
    had = {signature(check) for check in (*previous.checks, *previous.instances)}
    return [check for check in checks if signature(check) not in had]


def _expects_failure_alike(old: CaseCode, new: CaseCode) -> bool:
    """Both tests expect a call to fail, the new one as often, with checks of what it caught as many:
    the kind of failure changed (an exception became an assertion failure) and the new test checks the
    new one, whose checks (a helper of the failure's facts) need not read as strong as the old ones."""
    raising = [check for check in old.checks if _RAISES.match(check.text)]
    expecting = [check for check in new.checks if _RAISES.match(check.text)]
    return (
        bool(raising)
        and len(expecting) >= len(raising)
        and len(_of_the_caught(new.checks, expecting)) >= len(_of_the_caught(old.checks, raising))
    )


def _of_the_caught(checks: Sequence[Check], raising: Sequence[Check]) -> list[Check]:
    """The checks beside a test's exception expectations, not inside one (`assertThrows(X.class, () ->
    assertThat(y).isWithin(z))` holds the call under test, whose text is part of the expectation's)."""
    outer = [signature(check) for check in raising]
    return [
        check
        for check in checks
        if not _RAISES.match(check.text) and not any(signature(check) in text for text in outer)
    ]


_CALLED = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*\(")
_NOT_CALLS = frozenset({"if", "for", "while", "switch", "catch", "try", "synchronized", "return", "function"})


def _called(case: CaseCode) -> set[str]:
    """The names a test calls (`write`, `flush`), its own name and the language's keywords aside."""
    return {name for name in _CALLED.findall(case.body) if name not in _NOT_CALLS and name != case.name}


def _calls_split_off(removed: _Located, added: Sequence[_Located]) -> bool:
    """A test with no check (it passes unless a call throws) whose every call is made by the tests the
    change adds to its file: split into one test per call, each failing where it would have failed."""
    calls = _called(removed.case)
    return bool(calls) and bool(added) and calls <= set().union(*(_called(new.case) for new in added))


def _of_removed_api(old: _Located, removed_api: frozenset[str]) -> bool:
    """A removed Java test that calls a method or builds a class the change takes out of the code
    (`verifyZeroInteractions(mock)`, `new JUnitFailureHacker()`)."""
    return old.language == "java" and bool(removed_api) and bool(_called(old.case) & removed_api)


_HELPER_DATA = 2  # literals a one-line helper test passes on: an input and what it must give


def _data_into_helper(removed: _Located, added: Sequence[_Located]) -> bool:
    """A test rewritten as a call of a check helper of its file on its own data (`test_str` building
    an error for `"x"` and checking `"$.x"` -> `test_basic(self): self.check_rendering("x", "$.x")`):
    a new test whose every check is a helper call and whose literals, at least an input and an
    expected value, are all the removed test's. The checks went into the helper; its data stayed."""
    data = removed.case.data
    return any(
        new.case.checks
        and all(check.helper for check in new.case.checks)
        and len(new.case.data) >= _HELPER_DATA
        and new.case.data <= data
        for new in added
    )


def _rejection_now_accepted(removed: _Located, added: Sequence[_Located]) -> bool:
    """A Java test that only expected a call to fail (`try { enumBuilder("Roshambo").build(); fail(); }
    catch ...`), replaced in its file by a new test that makes the same call, with the same literal
    input, and pins what it now returns: the behaviour changed from refusing to accepting, and the
    test of the old behaviour gave way to one of the new."""
    old = removed.case
    if removed.language != "java" or not old.checks or not all(_RAISES.match(c.text) for c in old.checks):
        return False
    under_test = {call for call in _calls(_written(old)) if '"' in call and not _RAISES.match(call)}
    return any(
        new.language == "java"
        and any(check.strong for check in new.case.checks)
        and not any(_RAISES.match(check.text) for check in new.case.checks)
        and any(call in "".join(_written(new.case).split()) for call in under_test)
        for new in added
    )


def _without_successors(
    removed: list[_Located],
    added: list[_Located],
    pairs: Sequence[tuple[_Located, _Located]],
    removed_api: frozenset[str] = frozenset(),
) -> tuple[list[_Located], bool]:
    """The removed tests whose checks live on nowhere else in the change.

    A test lives on when another test of the change (in any file it touches) is its identical twin,
    or when what it checked is checked, together, by the tests this change adds or edits (a split, a
    fold into a parametrized test, a rewrite under a new name), or when a new test with a close name
    takes over with checks at least as strong (a replacement).

    A removed Java test of an API the change removes (`removed_api`) lives on only in a test the
    change adds (a port, a rename): a test older than the change that checks the same through the API
    that stays (`verifyNoInteractions` beside the removed alias `verifyZeroInteractions`) tested that
    other API all along. The second value says whether such an older test kept any removed Java test
    alive, so a caller without `removed_api` knows to ask.
    """
    if not removed:
        return removed, False
    new_side = [new for _, new in pairs] + list(added)
    # An edited test can take over a removed one's checks only if it gained code: a survivor that just
    # lost lines (the same commit weakening it) has taken nothing over, however alike the bodies are.
    before = {
        id(new): old.case
        for old, new in pairs
        if old.case.fingerprint != new.case.fingerprint and _added(old.case.lines, new.case.lines)
    }
    touched = [new for _, new in pairs if id(new) in before] + list(added)
    all_checks = sum(len(located.case.checks) for located in touched)
    fuzzy = sum(len(old.case.checks) for old in removed) * all_checks <= _MAX_CHECK_COMPARISONS
    compare_bodies = len(removed) * len(new_side) <= _MAX_BODY_COMPARISONS
    checked: dict[str, list[tuple[set[str], frozenset[str]]]] = {}
    cases: dict[str, list[set[str]]] = {}
    for new in new_side:
        sigs = {signature(c).casefold() for c in new.case.checks}
        checked.setdefault(new.path, []).append((sigs, _folded(new.case.data)))
        if new.case.instances:
            cases.setdefault(new.path, []).append({signature(c).casefold() for c in new.case.instances})
    old_side = [old.case for old, _ in pairs] + [old.case for old in removed]
    common = Counter(sig for case in old_side for sig in {signature(check) for check in case.checks})
    kept = []
    fresh = {id(new) for new in added}
    for old in removed:
        ported_only = _of_removed_api(old, removed_api)
        same_language = [
            new for new in new_side if new.language == old.language and (not ported_only or id(new) in fresh)
        ]
        # Successors are related by name or by code: in a large rewrite, a generic check
        # (`status == 200`) elsewhere says nothing about what this test checked.
        candidates = [
            new for new in touched if new.language == old.language and (not ported_only or id(new) in fresh)
        ]
        related = [new for new in candidates if _close(_leaf(old.case), _leaf(new.case), _RELATED)]
        if compare_bodies:
            # Related by code: the closest few only. In a rewrite every test of the file is half alike,
            # and their generic checks together would keep any removed test alive.
            alike = [
                (difflib.SequenceMatcher(None, old.case.body, new.case.body, autojunk=False).ratio(), index)
                for index, new in enumerate(candidates)
                if new not in related and _close(old.case.body, new.case.body, _RELATED)
            ]
            related += [candidates[index] for _, index in sorted(alike, reverse=True)[:_MAX_BODY_RELATED]]
        pool = [check for located in related for check in _taken_over(old.case, located, before)]
        exact = {signature(check) for check in pool}
        checks = list({signature(c): c for c in old.case.checks}.values())
        # A check most tests of the suite make (`equal(response.statusCode, 200)`) says nothing about
        # which test took over: judge by the test's own checks when it has any.
        own = [check for check in checks if common[signature(check)] <= _COMMON_CHECK]
        checks = own or checks
        covered = sum(1 for check in checks if _covered(check, exact, pool, fuzzy))
        # All it checked, or most of it, is checked by the tests the change adds or edits.
        if checks and (covered == len(checks) or (covered >= 2 and 2 * covered > len(checks))):
            continue
        # A twin as written (strings included: bodies that differ only in their data are not twins),
        # which checks all the same things: in a short body one changed number is within any ratio.
        if compare_bodies and any(
            _close(old.case.body, new.case.body, _TWIN_BODY)
            and _close(_written(old.case), _written(new.case), _TWIN_BODY)
            and new.case.path_checks >= old.case.path_checks
            and {signature(check) for check in old.case.checks} <= {signature(c) for c in new.case.checks}
            for new in same_language
        ):
            continue
        # A duplicate: a test of the same file still runs every one of its checks (and maybe more), on
        # the same data: the same checks of another input (`.netrc` for `.netrc-nopassword`) test
        # something else. (Letter case aside: `'Content-Type'` and `'content-type'` name one header.)
        signatures = {signature(check).casefold() for check in old.case.checks}
        if (
            not ported_only
            and len(signatures) >= 2
            and any(
                signatures <= twin and _folded(old.case.data) <= data
                for twin, data in checked.get(old.path, ())
            )
        ):
            continue
        if not ported_only and _case_duplicate(old.case, cases.get(old.path, ())):
            continue
        if not old.case.checks and _calls_split_off(old, [new for new in added if new.path == old.path]):
            continue
        if _rejection_now_accepted(old, [new for new in added if new.path == old.path]):
            continue
        same_file = [new for new in added if new.path == old.path]
        if old.language == "python" and _data_into_helper(old, same_file):
            continue
        strongest = max((check.strength for check in old.case.checks), default=Strength.NOOP)
        if any(
            _successor_name(old.case, new.case)
            and new.case.path_checks >= min(1, old.case.path_checks)
            and (
                not strongest
                or any(check.strength >= strongest for check in new.case.checks)
                or _expects_failure_alike(old.case, new.case)
            )
            for new in added
            if new.language == old.language
        ):
            continue
        kept.append(old)
    alive = {id(old) for old in removed} - {id(old) for old in kept}
    return kept, any(old.language == "java" and id(old) in alive for old in removed)


def _scope(case: CaseCode) -> str:
    return case.qualname.rpartition("::")[0]


def _retired(old: _Located, added: Sequence[_Located], removed_api: frozenset[str]) -> bool:
    """A Python test of an API the change removes from the code (it calls or passes a function,
    method or parameter that is gone), where the change adds tests to its test class: a test of
    removed behaviour replaced by tests of the new one. It could not run as written any more. Only
    a class says the new tests test the same unit: beside a module-level test, a new test of the
    file may test anything (a feature dropped, another added)."""
    scope = _scope(old.case)
    if (
        old.language != "python"
        or not scope
        or not removed_api
        or not _names(old.case.lines[1:]) & removed_api
    ):
        return False
    return any(new.path == old.path and _scope(new.case) == scope for new in added)


def _case_duplicate(case: CaseCode, kept: Iterable[set[str]]) -> bool:
    """Every check of `case` that bounds or pins a value, with the value it compares written in (a
    local's distinctive literal, `expected = "cachy 0.1.0 ..."`), is made as written by the cases of
    one test of its file: a duplicate of parametrized cases that check the same output the same way
    (a truthiness check of the setup, `isinstance(locker, TestLocker)`, is not what it tests)."""
    written = {check.line for check in case.instances}
    strong = [check for check in case.checks if check.strong]
    if not strong or any(check.line not in written for check in strong):
        return False
    wanted = {signature(check).casefold() for check in case.instances}
    return any(wanted <= instances for instances in kept)


# Markers that switch a test off on every platform: `@Disabled`/`@Ignore` (not `@DisabledOnOs`),
# `@pytest.mark.skip`/`@unittest.skip` (not `skipif`), `xit`/`it.skip`/`describe.skip`.
_OUTRIGHT_SKIP = re.compile(
    r"^@(?:[\w.]+\.)?(?:Disabled|Ignore)\b(?!On|If|For|When)"
    r"|^@(?:pytest\.mark|unittest)\.skip\b(?!if|If|Unless)"
    r"|^(?:x(?:it|test|describe|specify)\b|(?:it|test|describe|specify|context|suite)\s*\.\s*skip\b)"
)


# A skip as the body's first statement, before anything that can fail: the test never ran its checks.
_SKIP_FIRST = re.compile(
    r"^(?:raise\s+(?:[\w.]+\.)?SkipTest\b|(?:pytest|self)\s*\.\s*(?:skip|skipTest)\s*\("
    r"|t\s*\.\s*Skip(?:Now|f)?\s*\(|this\s*\.\s*skip\s*\(\s*\))"
)


def _disabled(case: CaseCode) -> bool:
    """Whether the test was switched off outright: skipped by its marker, or by a skip that is the
    first statement of its body (`raise SkipTest('...')`, `t.Skip()`), so nothing of it ran."""
    if any(_OUTRIGHT_SKIP.match(marker.text) for marker in case.skips):
        return True
    if not case.skips:
        return False
    start = next((i for i, line in enumerate(case.lines) if case.name in line), None)
    if start is None:
        return False
    first = next((line.strip() for line in case.lines[start + 1 :] if not _INERT.match(line.strip())), "")
    return bool(_SKIP_FIRST.match(first))


# A statement that cannot fail: `assert(true)`, `assert True`, `expect(true).toBe(true)`,
# `assertTrue(true)`, `assert.True(t, true)`, `self.assertTrue(True)`.
_ALWAYS_TRUE = re.compile(
    r"^(?:(?:[\w$]+\s*\.\s*)*(?:assert|assertTrue|assert_true|ok|isTrue|true|True|expect)\s*\(\s*(?:t\s*,\s*)?(?:true|True)\s*\)"
    r"(?:\s*\.\s*(?:toBe|toEqual|toStrictEqual|toBeTruthy)\s*\(\s*(?:true)?\s*\)|\s*\.\s*to\.be\.true)?"
    r"|assert\s+True)\s*;?$"
)
# Lines that run nothing: blank, closing brackets, `pass`, comments, a lone string (a docstring).
_INERT = re.compile(r"^(?:[\s})\];,]*|pass|(?://|#|/\*|\*).*|(?:\"\"\"|\'\'\').*|\"[^\"]*\"|'[^']*')$")


def _placeholder(case: CaseCode) -> bool:
    """The test runs nothing that can fail: past its opening line, only statements that always hold
    (`assert(true)`, `assert True`) and inert lines. Deleting such a placeholder loses no check."""
    start = next((i for i, line in enumerate(case.lines) if case.name in line), None)
    if start is None:
        return False
    body = [line.strip() for line in case.lines[start + 1 :]]
    return (
        bool(body)
        and all(_INERT.match(line) or _ALWAYS_TRUE.match(line) for line in body)
        and any(_ALWAYS_TRUE.match(line) for line in body)
    )


def detect_changes(changes: Iterable[SourceChange], removed_api: frozenset[str] = frozenset()) -> Detection:
    """All signal candidates of one change, plus the tests whose code changed (for edited_before_green).

    `removed_api`: names the change removes from the code (not the tests); a kept test ported off one
    of them has not lost the checks of it."""
    removed: list[_Located] = []
    added: list[_Located] = []
    pairs: list[tuple[_Located, _Located]] = []
    unparsed: list[str] = []
    unnamed: dict[str, frozenset[str]] = {}
    rows: Counter[tuple[str, str, str]] = Counter()  # ("old"/"new", path, table): how many JS rows
    for change in changes:
        language = change.language or language_of(change.path) or language_of(change.old_path or change.path)
        old_path = change.old_path or change.path
        old_cases = cases_of(old_path, change.old_source, change.language)
        new_cases = cases_of(change.path, change.new_source, change.language)
        if language is None:
            continue
        if old_cases is None or new_cases is None:
            # One side does not parse: nothing can be concluded about its tests, so none are "removed".
            unparsed.append(change.path)
            continue
        matched, gone, fresh = pair_in_file(old_cases, new_cases)
        rows.update(("old", old_path, case.table) for case in old_cases if case.table)
        rows.update(("new", change.path, case.table) for case in new_cases if case.table)
        if language == "python" and change.old_source is not None and change.new_source is not None:
            unnamed[change.path] = dropped_imports(change.old_source, change.new_source)
        pairs += [(_Located(old_path, language, a), _Located(change.path, language, b)) for a, b in matched]
        removed += [_Located(old_path, language, case) for case in gone]
        added += [_Located(change.path, language, case) for case in fresh]
    born = list(added)  # new names, before any is paired with a removed test as its rename
    pairs += _pair_by(removed, added, lambda located: located.case.qualname, unique=False)
    pairs += _pair_by(removed, added, lambda located: located.case.name, unique=True)
    pairs += _pair_tables(removed, added)
    pairs += _pair_by_body(removed, added)
    removed = _with_their_subtests(_lost_rows(removed, added, pairs, rows))
    # A test that was disabled outright, or that checks only what always holds, ran nothing that can
    # fail: deleting it loses nothing.
    survivors, kept_by_older = _without_successors(removed, added, pairs, removed_api)
    removed = [
        old
        for old in survivors
        if not _disabled(old.case)
        and not _placeholder(old.case)
        and not old.case.macro
        and not _retired(old, born, removed_api)
    ]
    elsewhere = _gained_checks(pairs, added)
    candidates: list[SignalCandidate] = []
    changed: list[ChangedTest] = []
    for old, new in pairs:
        candidates += compare_case(old, new, elsewhere, removed_api, unnamed.get(new.path, frozenset()))
        if old.case.fingerprint != new.case.fingerprint or old.path != new.path:
            changed.append(ChangedTest(new.path, new.case.qualname, new.case.line, new.language))
    for old in removed:
        evidence = {
            "assertions_before": len(old.case.checks),
            "removed_line": old.case.line,
            "removed_lines": _evidence_lines(old.case.lines),
            "added_lines": [],
        }
        candidates.append(
            _candidate(
                SignalType.TEST_REMOVED, SignalSeverity.MEDIUM, old.path, old.case, old.language, evidence
            )
        )
    return Detection(
        candidates=candidates, changed_tests=changed, unparsed_files=unparsed, kept_by_older=kept_by_older
    )


def _lost_rows(
    removed: list[_Located],
    added: Sequence[_Located],
    pairs: Sequence[tuple[_Located, _Located]],
    rows: Counter[tuple[str, str, str]],
) -> list[_Located]:
    """JS table rows that are tests removed: a row dropped from a table that now has fewer rows. A row
    whose loop test went is lost with it (one removal, the loop's); a table with as many rows as before
    was rewritten (reordered, retitled, its loop form changed), a row whose element an added row
    repeats lives on in it, and a table whose new titles no longer show the element has no rows to
    count (`describe.each([true, false])('x %s')` -> `describe(`${v ? 'has' : 'no'} x`)`)."""
    successors = {(old.path, old.case.qualname): new for old, new in pairs if old.case.table == ""}
    repeated = {(new.path, new.case.fingerprint) for new in added if new.case.row}
    kept = []
    for old in removed:
        table = old.case.table
        if not table:
            kept.append(old)
            continue
        new = successors.get((old.path, table))
        if new is None or (new.path, old.case.fingerprint) in repeated:
            continue
        now = rows["new", new.path, new.case.qualname]
        if 0 < now < rows["old", old.path, table]:
            kept.append(old)  # (a loop whose titles no longer show its elements has rows unknown)
    return kept


def _with_their_subtests(removed: list[_Located]) -> list[_Located]:
    """A removed Go test takes its removed subtests with it (`TestX > title`, `TestX > row`), and so
    does a JS test its node:test or tap subtests (`t.test(title, ...)`, "test > title": a JS
    `describe` is no case, so a removed case named by a removed case's name and more is a subtest):
    one loss, named by the test, whose checks are its own and its subtests' together."""
    languages = ("go", "javascript")
    names = {(old.path, old.case.qualname) for old in removed if old.language in languages}

    def parent(old: _Located) -> str | None:
        if old.language not in languages:
            return None
        scopes = old.case.qualname.split(" > ")
        for end in range(1, len(scopes)):
            if (old.path, " > ".join(scopes[:end])) in names:
                return " > ".join(scopes[:end])
        return None

    owners = {id(old): parent(old) for old in removed}
    kept = []
    for old in removed:
        if owners[id(old)] is not None:
            continue
        inner = [
            other.case
            for other in removed
            if owners[id(other)] == old.case.qualname and other.path == old.path and not other.case.row
        ]
        if inner:
            checks = (*old.case.checks, *(check for case in inner for check in case.checks))
            paths = old.case.path_checks + sum(case.path_checks for case in inner)
            old = _Located(old.path, old.language, replace(old.case, checks=checks, paths=paths))
        kept.append(old)
    return kept


def detect(path: str, old_source: str | None, new_source: str | None) -> list[SignalCandidate]:
    """Signal candidates for one file changed on its own (no moves across files)."""
    return detect_changes([SourceChange(path, old_source, new_source)]).candidates


def _aggregate(statuses: Mapping[str, Status], nodeid: str) -> list[Status]:
    """Statuses of a test, of all its parametrized cases when they were stored one by one."""
    if nodeid in statuses:
        return [statuses[nodeid]]
    return [status for key, status in statuses.items() if key.startswith(nodeid + "[")]


def edited_before_green(
    changed_tests: Iterable[ChangedTest],
    previous_status: Mapping[str, Status],
    current_status: Mapping[str, Status],
    others: Iterable[SignalCandidate] = (),
) -> list[SignalCandidate]:
    """A test failed in the previous run, its code changed in this change, and it passes now.

    Status mappings are keyed by pytest-style node id ("path::Class::test"); parametrized cases
    ("...::test[a]") are folded into their function: it failed before if any case failed, and it
    passes now if every case passed. `others` are this change's other candidates, which raise the
    severity to medium for a test that carries one.
    """
    flagged = {candidate.nodeid for candidate in others}
    found: list[SignalCandidate] = []
    for test in changed_tests:
        before, now = _aggregate(previous_status, test.nodeid), _aggregate(current_status, test.nodeid)
        if not before or not now or not any(s.is_bad for s in before):
            continue
        if not all(s is Status.PASSED for s in now):
            continue
        severity = SignalSeverity.MEDIUM if test.nodeid in flagged else SignalSeverity.LOW
        evidence = {
            "previous_status": sorted({s.value for s in before}),
            "current_status": sorted({s.value for s in now}),
        }
        found.append(
            SignalCandidate(
                signal_type=SignalType.EDITED_BEFORE_GREEN,
                severity=severity,
                file_path=test.file_path,
                test_name=test.test_name,
                line=test.line,
                language=test.language,
                evidence=evidence,
            )
        )
    return found


_ESCALATED_WHEN_FAILED_BEFORE = frozenset(
    {SignalType.SKIP_INTRODUCED, SignalType.XFAIL_ADDED, SignalType.TEST_REMOVED}
)


def apply_previous_status(
    candidates: Iterable[SignalCandidate], previous_status: Mapping[str, Status]
) -> list[SignalCandidate]:
    """Raise skip/xfail/removal candidates to high for tests that failed in the previous run."""
    result = []
    for candidate in candidates:
        before = _aggregate(previous_status, candidate.nodeid)
        if candidate.signal_type in _ESCALATED_WHEN_FAILED_BEFORE and any(s.is_bad for s in before):
            evidence = {**candidate.evidence, "failed_before": True}
            candidate = replace(candidate, severity=SignalSeverity.HIGH, evidence=evidence)
        result.append(candidate)
    return result
