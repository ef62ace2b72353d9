"""Deliberate or suspicious: whether the change itself explains a weakening, and the evidence that decided.

Pure: the caller (scan.py, service.py) gathers a `ChangeContext` from git and the store. A signal is
`likely_deliberate` when the change explains the loss and nothing points the other way:

- the commit is a revert;
- the code under test went in the same commit: a code file named like the test file was deleted, or a
  function, class or message the lost check (or the removed test) names was removed from the code
  (from a title in prose only its code-like words count), or the commit message says it removes a
  name (`remove usingPromise`) the lost check or test names;
- a skip or xfail is conditioned on a platform, an interpreter, engine or language version, a build
  (free-threaded), an environment variable, an optional dependency or a fixture that may be missing
  (`skipif(sys.version_info ...)`, `@EnabledOnOs`, `importorskip`, `existsSync`), or links an issue;
- the commit message links an issue ("fixes #12", an issue URL, JIRA-style keys) or gives the reason
  in its opening lines (a deprecation, dropped support, "Drop Python 3.9", a redundant test), or, for a
  dropped or loosened check, says it fixes a flaky test or widens a tolerance, or a comment added with
  the check says so ("slow CI"), or the looser check is conditioned on a platform the message names;
  for a removed test, the message says where it moved ("move flaky perf test to codspeed").

A check kept but made to accept more (`assertion_weakened`) is explained only by what loosened it: a
revert, code that changed, a flaky or platform-only bound; an issue link or a deprecation in the
message says why the commit exists, not why the check got looser.

It is `suspicious` when nothing explains it, and whatever else is true when it was recorded in an agent
session, when the test failed before and the same change made it pass, or when a skip says it is
temporary ("for now", "flaky", "TODO") with neither a condition nor an issue link. A squash merge's
"(#123)" suffix alone is not an explanation: it is on every commit of such a project; nor is "remove
unused tests", nor a reason deep in a long squash message (it speaks for one of its many commits).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

SUSPICIOUS = "suspicious"
DELIBERATE = "likely_deliberate"
VERDICTS = (SUSPICIOUS, DELIBERATE)

_REVERT = re.compile(r"^\s*revert\b|\bthis reverts commit [0-9a-f]{7,}", re.IGNORECASE | re.MULTILINE)
# "Oops, revert.": a subject line that ends by calling the commit a revert.
_REVERT_SUBJECT = re.compile(r"\brevert(?:ed|ing)?\W*$", re.IGNORECASE)
_CONDITION = re.compile(
    r"sys\.version_info|sys\.platform|platform\.(?:system|python_implementation|machine|release)|"
    r"\bos\.name\b|\bIS_PYPY\b|\bPYPY\b|\bpypy\b|\bWIN(?:DOWS)?\b|\bwin32\b|\bdarwin\b|\bmacos\b|"
    r"\bis_windows\b|\bON_WINDOWS\b|\bPY\d{1,3}\b|\bPY_?3\d*\b|python_version|"
    r"(?:Enabled|Disabled)(?:On(?:Os|Jre)|ForJreRange|If(?:SystemProperty|EnvironmentVariable)?)\b|"
    r"\bJRE_\d+|\bJAVA_\d+|SystemUtils\.IS_|runtime\.GOOS|runtime\.GOARCH|runtime\.Version|"
    r"process\.platform|process\.version|process\.arch|importorskip|find_spec|shutil\.which|"
    # A build, an engine or an environment: free-threaded CPython, a browser, an env variable, a
    # fixture or tool that may be missing.
    r"sysconfig\.get_config_var|Py_GIL_DISABLED|_is_gil_enabled|\btypeof\s+(?:window|document|navigator|"
    r"process|Deno|Bun|Promise)\b|\bos\.environ\b|\bos\.getenv\b|process\.env\b|System\.getenv|"
    r"os\.Getenv|os\.LookupEnv|\b(?i:is_?windows)\b|\bexistsSync\(|os\.path\.exists\(|Files\.exists\(|"
    r"\bnot\s+HAS_\w+|\bHAS_\w+|\bhas_\w+\(|\brequires_\w+|\bnot\s+\w+_AVAILABLE\b|"
    # A flag, option or property the run is configured with (a build profile runs the suite with
    # bytecode generation off: `assumeTrue(InternalFlags.isBytecodeGenEnabled())`), or a file or
    # folder a fixture needs (`new File(BUILD_DIR).isDirectory()`).
    r"\b\w*Flags\s*\.\s*\w+|\bis[A-Z]\w*Enabled\s*\(|\bget\w*Option\s*\(|System\.getProperty\b|"
    r"\bBoolean\.getBoolean\b|\.\s*(?:exists|isDirectory|isFile)\s*\(\s*\)|"
    r"\bFiles\s*\.\s*(?:isDirectory|isRegularFile|isReadable)\s*\(|"
    # A capability of the machine, named in JS style: `{ skip: isIPv6Missing }`, `supportsColor`.
    r"\bis[A-Z]\w*(?:Missing|Unavailable|Unsupported|Available|Supported)\b|\b(?:has|supports)[A-Z]\w*\b|"
    # A version compared with a number, however it is read: `getMajorVersion(v) < 22`, `nodeVersion >= 18`.
    r"\b\w*(?i:version)\w*[\w.()\[\]'\"]*\s*(?:[<>]=?|[!=]==?)\s*v?['\"]?\d",
)
_ISSUE = re.compile(
    r"https?://[^\s'\"()<>]*(?:/issues/|/pull/|/bugs?/|jira|bugzilla|/-/issues/)[^\s'\"()<>]*|"
    r"\b(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|see|refs?|issue|bug|gh|related(?: to)?|part of)[\s:-]*#\d+|"
    r"\bGH-\d+\b|"
    # GitHub's reference to another repository's issue: `databind#4435`, `jackson-core#1397`.
    r"\b[A-Za-z][\w.-]{2,}#\d{1,6}\b",
    re.IGNORECASE,
)
# A tracker key such as PROJ-123 (case-sensitive), but not a standard's name such as UTF-8 or SHA-256.
_TRACKER_KEY = re.compile(
    r"\b(?!(?:UTF|SHA|ISO|RFC|PEP|HTTP|TLS|SSL|AES|MD|UCS|ES|ECMA|X)-)[A-Z][A-Z0-9]{1,14}-\d{2,6}\b"
)
# Reasons in a commit message that explain a lost check.
_REASON = re.compile(
    r"\bdeprecat\w*|\bno longer\b|\bdrop(?:s|ped|ping)? (?:the )?support\b|\bobsolete\b|\bunsupported\b|"
    r"\boutdated\b|\bout[- ]of[- ]date\b|\bsuperseded\b|"
    # "Remove unused tests" names no reason: a test is not code that something else uses.
    r"\bend[ -]of[ -]life\b|\bremov(?:e|es|ed|ing) (?:the )?(?:deprecated|legacy|unused|dead)\b(?! tests?\b)|"
    r"\bunne\w*ary\b|\bredundant\b|\bsuperfluous\b|"
    # "preserveTimestamps: false behavior is OS-dependent": what the test pinned is not the code's to promise.
    r"\b(?:os|platform|system|environment)[- ]dependent\b|"
    r"\b(?:drop|remov)\w*\b[^.\n]{0,30}?\b(?:python|py|node(?:\.?js)?|java|jdk|jre|go|php|ruby)"
    r"\s*(?:versions?\s*)?v?\d+(?:\.\d+)*|"
    # Tests that were wrong, or checks a static analyser rejects (int-misc4): "tests that build on
    # unfulfilled assumptions", "assertions that trigger nullness static analysis".
    r"\b(?:unfulfilled|invalid|wrong|incorrect|faulty|false|mistaken) assumptions?\b|"
    r"\b(?:trigger|trip|upset|confus|break)\w*\s+(?:the\s+)?(?:nullness|static analysis|static checks?|"
    r"null ?checks?|nullaway|error ?prone|checker framework)\b",
    re.IGNORECASE,
)
# A commit that fixes a flaky test explains a loosened or dropped check (its tolerance), not a skip.
_FLAKY_FIX = re.compile(
    r"\bflak(?:y|iness)\b|\bintermittent(?:ly)?\b|\bfix(?:es|ed)? (?:the )?ci\b|"
    r"\bslow(?:er)? (?:ci|machines?|runners?)\b|"
    r"\btolerance\b|\bfloat(?:ing[- ]point)? comparison\b",
    re.IGNORECASE,
)
# "remove `name`" in a commit message: what the change takes out of the code (an API, an option).
_REMOVES = re.compile(
    r"\b(?:remov(?:e|es|ed|ing)|drop(?:s|ped|ping)?|delet(?:e|es|ed|ing))\s+(?:the\s+|support for\s+)?"
    r"`?(?P<name>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)`?(?:\s+(?:and|,)\s+`?(?P<other>[A-Za-z_$][\w$]*)`?)?",
    re.IGNORECASE,
)
# A platform, engine or version a commit message may name as the reason for a platform-only check.
_PLATFORM_WORD = re.compile(
    r"\b(?:windows|win32|macos|darwin|linux|freebsd|browsers?|pypy|jython|graalvm|free-threaded|tinygo|wasm|"
    r"(?:32|64)[- ]?bit|"
    r"(?:python|node(?:\.?js)?|java|jdk|jre|go)\s*v?\d+)\b",
    re.IGNORECASE,
)
# "Move flaky perf test to codspeed": the commit says where the removed test went (one the scan could
# not pair, in a benchmark, another suite or another repository).
_MOVED = re.compile(
    r"\bmov(?:e|es|ed|ing)\b[^.\n]{0,40}?\btests?\b[^.\n]{0,40}?\b(?:to|into|under)\b", re.IGNORECASE
)
# "disable flaky test", "Disable the integration test. ... only on some machines", "disable test - returns
# different error under Windows": the commit says it turns a test off and why.
_DISABLES_TEST = re.compile(r"\bdisabl\w*\b[^.\n]{0,30}?\btests?\b", re.IGNORECASE)
_WHY_DISABLED = re.compile(r"\bon some machines\b|\bnon-?deterministic\w*", re.IGNORECASE)
# "Remove backpressure support from the adapters": a feature the code stops having.
_REMOVES_SUPPORT = re.compile(
    r"\b(?:remov|drop)\w*\s+(?:the\s+)?(?P<name>[A-Za-z][\w-]{3,})\s+support\b", re.IGNORECASE
)
# "Remove broken "bad dict" tests", "remove outdated instance path test", "Remove tests which result in
# an overflow error on 32 bit architectures", "removes the writable test because it's fake": the message
# says what was wrong with the tests it takes out. "Remove unused tests" says nothing: a test is not code
# that something else uses.
_REMOVAL_WHY = re.compile(
    r"\b(?:remov|delet|drop)\w*\s+(?:the\s+|an?\s+|some\s+|all\s+|these\s+)?"
    r"(?:broken|bunk|bogus|outdated|obsolete|old|stale|failing|flaky|fake|invalid|wrong|incorrect|useless|"
    r"pointless|redundant|duplicated?|superseded|unreliable|accidental(?:ly)?|mistaken(?:ly)?|stray)\b|"
    r"\b(?:remov|delet|drop)\w*\b[^.\n]{0,60}?\btests?\s+(?:which|that|relying|depending)\b|"
    r"\b(?:remov|delet|drop)\w*\b[^.\n]{0,60}?\btests?\b[^.\n]{0,40}?\b(?:because|since|due to|now that)\b",
    re.IGNORECASE,
)
# "Remove lex and parse tests. They are covered by toml-test.": the commit says what still checks it.
# Only a removed test, and only naming what covers it: "parse checked elsewhere" beside a dropped check
# says nothing a reviewer can verify (test_integrity_lifecycle keeps that one suspicious).
_COVERED = re.compile(r"\b(?:covered|tested)\s+(?:already\s+)?by\b", re.IGNORECASE)
# "skip ReportCaller tests on tinygo", "disable flaky test": the commit says it switches tests off.
_SKIPS_TESTS = re.compile(r"\b(?:skip|disabl|ignor)\w*\b[^.\n]{0,40}?\btests?\b", re.IGNORECASE)
# What a skip's own message says beyond that it is a skip, and temporary: "Run once", "TODO bidimap",
# "Fails on GHA?", "this fails non-deterministically under pytest-xdist" say why; "flaky", "TODO",
# "broken for now" do not.
_SKIP_MESSAGE_FILLER = frozenset(
    re.findall(
        r"\S+",
        "a an and the this that these it its is are be been was were to of on in for at by with as or not "
        "now yet still until till later todo fixme wip hack temp temporary temporarily broken fail fails "
        "failing failed flaky flakey flakiness test tests testing skip skipped skipping disable disabled "
        "ignore ignored reason see fix me please",
    )
)
_MESSAGE_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Files whose skip's first string is the test's title (`it.skip("does x")`), not a reason.
_TITLED_SKIPS = frozenset([".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"])
_OPENING_LINES = 12
# A message longer than this is a changelog of squashed commits, not one commit's account of itself.
_SQUASH_LINES = 40
_IDENTIFIER_LIKE = re.compile(r"[a-z][a-z0-9]*[A-Z$]|_|\.|\$")
# A name no English word is: inner capitals (`LinkedTreeMap`, `getFoo`) or an inner underscore (`st_mtime`).
_CODE_NAME = re.compile(r"[a-z0-9][A-Z]|[A-Za-z0-9]_[A-Za-z0-9]")
_TEMPORARY = re.compile(
    r"\bfor now\b|\btemporar\w*|\btodo\b|\bfixme\b|\bflak\w*|\blater\b|\bwip\b|\bhack\b|\bbroken\b|"
    r"\bfails?\b|\bfailing\b|\bdisabled? until\b",
    re.IGNORECASE,
)
# Why a test cannot run, as a comment beside its skip says it: "RC2 is not supported on Node.js 17".
_SKIP_REASON = re.compile(
    r"\b(?:is|are)\s+not\s+supported\b|\bunsupported\b|\bdo(?:es)?(?:n't|\s+not)\s+support\b|"
    r"\bnot\s+available\b|\bbecause\b|\bdue\s+to\b",
    re.IGNORECASE,
)
# Definitions in code (Python, JS/TS, Java/Kotlin/C#, Go, PHP, Ruby, Rust): the name they introduce.
_DEFINITION = re.compile(
    r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:def|class|function\*?|func|fn|interface|enum|struct|"
    r"type|trait|module|record)\s+(?:\([^)]*\)\s*)?(?P<a>[A-Za-z_$][\w$]*)|"
    r"^\s*(?:export\s+)?(?:const|let|var)\s+(?P<b>[A-Za-z_$][\w$]*)\s*=|"
    r"^\s*(?:(?:public|private|protected|static|final|abstract|synchronized|native|override|internal|"
    r"open|suspend)\s+)+[\w<>\[\],.? ]*?\b(?P<c>[A-Za-z_$][\w$]*)\s*\(|"
    r"^\s*(?P<d>[A-Za-z_$][\w$]*)\s*(?::\s*[\w<>\[\]|. ]+)?\s*\([^)]*\)\s*\{\s*$|"
    # A typed method with no modifier (package-private Java, C#): `boolean containsIgnoreCase(String s) {`.
    r"^\s*(?:@\w+\s+)*(?!(?:return|new|throw|else|await|yield|case|do|try|if|for|while|switch|catch)\b)"
    r"[\w<>\[\],.?]+\s+(?P<e>[A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?:throws\s+[\w., ]+)?\{\s*$",
)
_STRING = re.compile(r"\"([^\"\\\n]{6,120})\"|'([^'\\\n]{6,120})'|`([^`\\\n]{6,120})`")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_CAMEL = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_TEST_AFFIXES = re.compile(r"^(?:test_?|Test)|(?:_test|Tests?|TestCase|_spec|Spec)$")
_COMMON = frozenset(
    [
        "self",
        "this",
        "cls",
        "true",
        "false",
        "none",
        "null",
        "undefined",
        "return",
        "assert",
        "expect",
        "equal",
        "equals",
        "value",
        "result",
        "test",
        "tests",
        "name",
        "string",
        "number",
        "error",
        "should",
        "object",
        "array",
        "function",
        "class",
        "type",
        "data",
        "list",
        "dict",
    ]
)
CODE_SUFFIXES = frozenset(
    [
        ".py",
        ".pyi",
        ".js",
        ".jsx",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".mts",
        ".cts",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".groovy",
        ".go",
        ".php",
        ".rb",
        ".rs",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".cs",
        ".swift",
        ".m",
        ".vue",
        ".svelte",
    ]
)


@dataclass(frozen=True)
class ChangeContext:
    """What the change around a signal says about it: the commit message, the code files it changed
    (path -> git status letter) and their removed and added lines, and the agent session if any."""

    message: str = ""
    code_status: Mapping[str, str] = field(default_factory=dict)
    code_removed: Mapping[str, Sequence[str]] = field(default_factory=dict)
    code_added: Mapping[str, Sequence[str]] = field(default_factory=dict)
    session: str | None = None

    @cached_property
    def is_revert(self) -> bool:
        subject = self.message.strip().split("\n", 1)[0]
        return bool(_REVERT.search(self.message) or _REVERT_SUBJECT.search(subject))

    @cached_property
    def removed_definitions(self) -> dict[str, str]:
        """Names defined in removed code lines and defined in no added line -> the file they left."""
        still = {name for lines in self.code_added.values() for name in _definitions(lines)}
        gone: dict[str, str] = {}
        for path, lines in self.code_removed.items():
            for name in _definitions(lines):
                if name not in still and len(name) >= 3 and name.lower() not in _COMMON:
                    gone.setdefault(name, path)
        return gone

    @cached_property
    def dropped_names(self) -> dict[str, str]:
        """Code-like names (`LinkedTreeMap`, `st_mtime`) on removed code lines that no added code line
        uses any more -> the file they left: what the code stopped doing or using."""
        still = {word for lines in self.code_added.values() for line in lines for word in _WORD.findall(line)}
        gone: dict[str, str] = {}
        for path, lines in self.code_removed.items():
            for line in lines:
                for word in _WORD.findall(_STRING.sub('""', line)):
                    if word not in still and len(word) >= 5 and _CODE_NAME.search(word):
                        gone.setdefault(word, path)
        return gone

    @cached_property
    def removed_strings(self) -> dict[str, str]:
        """String literals (6+ characters) in removed code lines that no added code line has."""
        added = "\n".join(line for lines in self.code_added.values() for line in lines)
        gone: dict[str, str] = {}
        for path, lines in self.code_removed.items():
            for line in lines:
                for match in _STRING.finditer(line):
                    text = next(group for group in match.groups() if group)
                    if text.strip() and text not in added:
                        gone.setdefault(text, path)
        return gone

    @cached_property
    def deleted_code_stems(self) -> dict[str, str]:
        """Lower-cased stems of deleted code files -> their path."""
        return {
            _stem(path).lower(): path
            for path, status in self.code_status.items()
            if status == "D" and _stem(path)
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """`verdict` is SUSPICIOUS or DELIBERATE; `because` the evidence, the deciding items first."""

    verdict: str
    because: tuple[str, ...]

    @property
    def deliberate(self) -> bool:
        return self.verdict == DELIBERATE


def _definitions(lines: Sequence[str]) -> set[str]:
    names = set()
    for line in lines:
        match = _DEFINITION.match(line)
        if match:
            name = next(group for group in match.groups() if group)
            if name not in ("if", "for", "while", "switch", "catch", "return", "function", "new"):
                names.add(name)
    return names


def _stem(path: str) -> str:
    name = PurePosixPath(path).name
    stem = name.split(".", 1)[0]
    return _TEST_AFFIXES.sub("", stem) or stem


def _lines(evidence: Mapping[str, Any], *keys: str) -> list[str]:
    for key in keys:
        value = evidence.get(key)
        if isinstance(value, list) and value:
            return [str(item) for item in value]
    return []


def _name_parts(test_name: str) -> set[str]:
    """Words of a test's name that could name the code it tests: test_parse_legacy -> parse_legacy,
    parse, legacy; testParseLegacy -> parseLegacy, ParseLegacy, parse, legacy."""
    leaf = test_name.replace(" > ", "::").rsplit("::", 1)[-1].split("[", 1)[0].split("(", 1)[0]
    core = _TEST_AFFIXES.sub("", leaf).strip("_ ")
    parts = {core, core[:1].lower() + core[1:], core[:1].upper() + core[1:]} if core else set()
    parts.update(piece for piece in re.split(r"[_\W]+", core) if piece)
    parts.update(piece.lower() for piece in _CAMEL.findall(core))
    if " " in core:
        # A title in prose ("wraps long descriptions"): only its code-like words (`addHelpText`,
        # `max_width`) name code; an English word that a removed function happens to share does not.
        parts = {part for part in re.split(r"[^\w$.]+", core) if _IDENTIFIER_LIKE.search(part)}
    return {part for part in parts if len(part) >= 4 and part.lower() not in _COMMON}


def _removed_by_message(
    kind: str, test_names: Sequence[str], evidence: Mapping[str, Any], context: ChangeContext
) -> str | None:
    """The message says it removes a name (`remove usingPromise`) that the lost check or test names."""
    named = set()
    for match in _REMOVES.finditer(context.message):
        for name in (match.group("name"), match.group("other")):
            if name and _IDENTIFIER_LIKE.search(name):
                named.add(name.rsplit(".", 1)[-1])
    if not named:
        return None
    lost = _lines(evidence, "removed_lines", "removed")
    words = {word for line in lost for word in _WORD.findall(line)}
    if kind == "test_removed":
        words |= {word for name in test_names for word in _WORD.findall(name)}
    for name in sorted(named):
        if len(name) >= 4 and name in words:
            return f"the commit message says it removes `{name}`, which the lost check names"
    return None


def _explained_by_code(
    kind: str, file_path: str, test_names: Sequence[str], evidence: Mapping[str, Any], context: ChangeContext
) -> str | None:
    deleted = context.deleted_code_stems.get(_stem(file_path).lower())
    if deleted and kind == "test_removed":
        return f"the code under test {deleted} was deleted in the same commit"
    lost = _lines(evidence, "removed_lines", "removed")
    words = {word for line in lost for word in _WORD.findall(line)}
    if kind == "test_removed":
        for name in test_names:
            words |= _name_parts(name)
    for word in sorted(words):
        path = context.removed_definitions.get(word)
        if path is not None:
            return f"`{word}` was removed from {path} in the same commit"
    # A name the lost check reads that the code stopped using altogether (`isInstanceOf(LinkedTreeMap)`
    # after the default map became a LinkedHashMap): the behaviour it pinned changed in this commit.
    if kind in ("assertion_removed", "test_removed"):
        for word in sorted({w for line in lost for w in _WORD.findall(_STRING.sub('""', line))}):
            path = context.dropped_names.get(word)
            if path is not None:
                return f"the code stopped using `{word}` ({path}) in the same commit"
    # A message or value the test checked, as a string literal on both sides (not a word in passing).
    checked = {next(group for group in m.groups() if group) for line in lost for m in _STRING.finditer(line)}
    for literal, path in context.removed_strings.items():
        if literal in checked:
            return f"the checked text {literal[:60]!r} was removed from {path} in the same commit"
    if deleted:
        return f"the code under test {deleted} was deleted in the same commit"
    return None


def _skip_message(file_path: str, marker: str, added: Sequence[str]) -> str | None:
    """The skip's own message when it says why, beyond "temporary" or "flaky": a string literal of the
    marker (`pytest.mark.skip(reason="...")`) or of the added line that writes it (`@Disabled("...")`)."""
    if PurePosixPath(file_path).suffix.lower() in _TITLED_SKIPS:
        return None
    head = re.split(r"[(\s]", marker.lstrip("@").strip(), maxsplit=1)[0].rsplit(".", 1)[-1]
    texts = [marker, *(line for line in added if head and head in line)] if head else [marker]
    for text in texts:
        for match in _STRING.finditer(text):
            literal = next(group for group in match.groups() if group)
            words = _MESSAGE_WORD.findall(literal)
            if any(word.lower().strip("'-") not in _SKIP_MESSAGE_FILLER for word in words):
                return literal
    return None


def _removal_reasons(opening: str, test_names: Sequence[str]) -> list[str]:
    """Why the commit's opening lines say a test goes: it disables the test for a stated reason (flaky,
    a platform or a version, some machines), or it removes a feature (`backpressure support`) that
    the test's name names."""
    found = []
    disables = _DISABLES_TEST.search(opening)
    why = _FLAKY_FIX.search(opening) or _PLATFORM_WORD.search(opening) or _WHY_DISABLED.search(opening)
    if disables and why:
        found.append(f"the commit message disables the test and says why ({why.group(0)!r})")
    words = {part.lower() for name in test_names for part in _CAMEL.findall(name)}
    for match in _REMOVES_SUPPORT.finditer(opening):
        feature = match.group("name").lower()
        if feature in words or feature in {name.lower() for name in test_names}:
            found.append(f"the commit message says it removes {match.group(0)!r}, which the test names")
            break
    return found


def classify(
    kind: str,
    file_path: str,
    test_names: Sequence[str],
    evidence: Mapping[str, Any],
    context: ChangeContext,
) -> Verdict:
    """The verdict on one signal (`test_names`: its test, or every test of a grouped signal)."""
    explained: list[str] = []
    against: list[str] = []
    message = None
    if context.is_revert:
        explained.append("the commit is a revert")
    if kind in ("skip_introduced", "xfail_added"):
        # The marker and the lines added with it: a reason often spans lines (`@Ignore(\n "..." + "...")`).
        marker = " ".join([str(evidence.get("marker") or ""), *_lines(evidence, "added_lines", "added")])
        condition = _CONDITION.search(marker)
        if condition:
            explained.append(f"the skip is conditioned on {condition.group(0).strip()!r}")
        linked = _ISSUE.search(marker) or _TRACKER_KEY.search(marker)
        if linked:
            explained.append(f"the skip links an issue ({linked.group(0)[:60]})")
        # The comment right above the test speaks for its skip: an issue it links (`// See
        # https://github.com/nodejs/node/issues/35237`), or why it cannot run ("RC2 is not supported on
        # Node.js 17"); a skip "for now" that says why is deliberate.
        comment = " ".join(str(line) for line in evidence.get("comment") or [])
        noted = _ISSUE.search(comment) or _SKIP_REASON.search(comment)
        if noted and not linked:
            explained.append(f"the comment above the test says why ({noted.group(0)[:60]!r})")
        added = _lines(evidence, "added_lines", "added")
        message = _skip_message(file_path, str(evidence.get("marker") or ""), added)
        temporary = _TEMPORARY.search(marker)
        if temporary and not condition and not linked and not noted and not message:
            against.append(f"the skip says {temporary.group(0)!r}, with nothing conditioning it")
    elif kind != "edited_before_green":
        by_code = _explained_by_code(kind, file_path, test_names, evidence, context)
        if by_code:
            explained.append(by_code)
        by_message = _removed_by_message(kind, test_names, evidence, context)
        if by_message:
            explained.append(by_message)
    # In a long squash message (a changelog of many commits) a reason or an issue far down speaks for
    # one of them, not for every loss of the change: only the opening lines count. A message of an
    # ordinary length often ends with its links ("closes #1420"): there every line is the commit's own.
    lines = context.message.splitlines()
    opening = "\n".join(lines[:_OPENING_LINES])
    linking = context.message if len(lines) <= _SQUASH_LINES else opening
    # A check made to accept more is explained by what loosened it (a revert, a flaky or platform-only
    # bound, code that changed), not by the issue the commit is for: that says why the commit exists.
    issue = None
    if kind != "assertion_weakened":
        issue = _ISSUE.search(linking) or _TRACKER_KEY.search(linking)
    if issue:
        explained.append(f"the commit message links an issue ({issue.group(0)[:60]})")
    # A deprecation or a dropped version explains a lost check or test, not one made to accept more.
    reason = _REASON.search(opening) if kind != "assertion_weakened" else None
    if reason:
        explained.append(f"the commit message gives a reason ({reason.group(0)!r})")
    if kind == "test_removed":
        explained += _removal_reasons(opening, test_names)
    if kind in ("test_removed", "assertion_removed"):
        why = _REMOVAL_WHY.search(opening)
        if why:
            explained.append(f"the commit message says why the tests go ({why.group(0)[:60]!r})")
    if kind in ("skip_introduced", "xfail_added"):
        # "skip ReportCaller tests on tinygo": the commit says it switches tests off, and where or why.
        skips = _SKIPS_TESTS.search(opening)
        why = _PLATFORM_WORD.search(opening) or _FLAKY_FIX.search(opening) or _WHY_DISABLED.search(opening)
        if skips and why:
            explained.append(f"the commit message skips the tests and says why ({why.group(0)!r})")
    moved = _MOVED.search(opening) if kind == "test_removed" else None
    if moved:
        explained.append(f"the commit message says where the test went ({moved.group(0)[:60]!r})")
    covered = _COVERED.search(opening) if kind == "test_removed" else None
    if covered:
        explained.append(f"the commit message says what still checks it ({covered.group(0)[:60]!r})")
    if kind in ("assertion_removed", "assertion_weakened"):
        flaky = _FLAKY_FIX.search(context.message)
        if flaky:
            explained.append(f"the commit message says it fixes a {flaky.group(0)!r} test")
        # A check loosened only where the commit says it must be: `if (process.platform === "win32")`
        # in a commit about Windows.
        condition = _CONDITION.search(" ".join(_lines(evidence, "added_lines", "added")))
        platform = _PLATFORM_WORD.search(context.message)
        if condition and platform:
            explained.append(
                f"the change is conditioned on {condition.group(0).strip()!r}, and the commit message "
                f"names {platform.group(0)!r}"
            )
        # A comment added with the loosened check that says why: "slow CI can exhaust the budget".
        said = _FLAKY_FIX.search(" ".join(_lines(evidence, "added_lines", "added")))
        if said and not flaky:
            explained.append(f"a comment added with the check says why ({said.group(0)!r})")
    if message and not explained:
        # The skip's own message says why ("Run once", "Fails on GHA?"): the reason of last resort,
        # so a condition, an issue or the commit's own words speak first.
        explained.append(f"the skip's message says why ({message[:60]!r})")
    if context.session:
        against.append(f"recorded in agent session {context.session}")
    if evidence.get("failed_before") or evidence.get("edited_before_green") or kind == "edited_before_green":
        against.append("the test failed before and the same change made it pass")
    if against or not explained:
        if not explained:
            against.append("nothing in the change explains it")
        changed_code = sorted(path for path, status in context.code_status.items() if status != "D")
        if changed_code and kind in ("assertion_removed", "assertion_weakened"):
            against.append(f"the code under test changed in the same commit ({', '.join(changed_code[:3])})")
        return Verdict(SUSPICIOUS, (*against, *explained))
    return Verdict(DELIBERATE, tuple(explained))


def is_code_file(path: str) -> bool:
    """Whether `path` looks like source code (its suffix), for the code side of a change."""
    return PurePosixPath(path).suffix.lower() in CODE_SUFFIXES
