"""Java tests the Maven build never runs (surefire's `<excludes>`): no change to them can weaken a run."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ccdash_tests.integrity import git
from ccdash_tests.integrity.detectors import SignalCandidate

_TEST_ROOT = "src/test/java/"
# A pom larger than this is not read (a generated or hostile file); its tests are judged as usual.
_MAX_POM = 512 * 1024
_PROFILES = re.compile(r"<profiles>.*?</profiles>", re.DOTALL)
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_PLUGIN = re.compile(r"<plugin>(.*?)</plugin>", re.DOTALL)
_SUREFIRE = re.compile(r"<artifactId>\s*maven-surefire-plugin\s*</artifactId>")
_EXCLUDES = re.compile(r"<excludes>(.*?)</excludes>", re.DOTALL)
_EXCLUDE = re.compile(r"<exclude>\s*([^<]+?)\s*</exclude>")
# Failsafe runs these by default in the integration phase, whatever surefire leaves out.
_FAILSAFE_NAMES = re.compile(r"^(?:IT\w*|\w*IT|\w*ITCase)\.java$")


def surefire_excludes(pom: str) -> list[str]:
    """The `<exclude>` patterns of surefire's configuration in a pom's text (profiles aside: a
    profile's excludes hold only when it is active, and the default build runs those tests)."""
    text = _PROFILES.sub("", _COMMENTS.sub("", pom))
    patterns = []
    for plugin in _PLUGIN.findall(text):
        if _SUREFIRE.search(plugin):
            for block in _EXCLUDES.findall(plugin):
                patterns += _EXCLUDE.findall(block)
    return patterns


def excluded(path: str, patterns: list[str]) -> bool:
    """Whether the test file at `path` (under `src/test/java/`) is left out by one of `patterns`:
    Ant-style paths relative to the test sources (`**/failing/**/*.java`) or class names
    (`com.example.FootprintTest`, `*` as a wildcard), as surefire reads them."""
    relative = path.split(_TEST_ROOT, 1)[1] if _TEST_ROOT in path else None
    if relative is None or _FAILSAFE_NAMES.match(PurePosixPath(path).name):
        return False
    class_name = relative.removesuffix(".java").replace("/", ".")
    for pattern in patterns:
        if pattern.startswith("%regex["):
            continue  # surefire's own regular-expression syntax: not read, so not trusted
        if "/" in pattern or pattern.endswith(".java"):
            if _ant(pattern)(relative):
                return True
        elif re.fullmatch(pattern.replace(".", r"\.").replace("*", r"[\w.$]*"), class_name):
            return True
    return False


def _ant(pattern: str) -> Callable[[str], bool]:
    """An Ant path pattern as a matcher: `**/` any folders (none too), `*` within one name."""
    out, index = [], 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append(r"(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(r".*")
            index += 2
        elif pattern[index] == "*":
            out.append(r"[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append(r"[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    compiled = re.compile("".join(out))
    return lambda path: compiled.fullmatch(path) is not None


def without_unbuilt(root: Path, base: str, candidates: list[SignalCandidate]) -> list[SignalCandidate]:
    """The candidates without those of Java tests that the module's pom.xml (at `base`, before the
    change) keeps surefire from running: a test that never ran loses nothing by being edited, skipped
    or deleted (jackson-databind's `**/failing/**` tests)."""
    poms: dict[str, list[str]] = {}
    kept = []
    for candidate in candidates:
        if candidate.language == "java" and _TEST_ROOT in candidate.file_path:
            module = candidate.file_path.split(_TEST_ROOT, 1)[0]
            if module not in poms:
                poms[module] = _read_excludes(root, base, f"{module}pom.xml")
            if poms[module] and excluded(candidate.file_path, poms[module]):
                source = git.read_file_at(root, base, candidate.file_path)
                # A file moved into an excluded folder by this very change was run before it, and an
                # abstract class left out (`**/Abstract*.java`) runs in every subclass: judged as usual.
                if source is not None and not _abstract(source, PurePosixPath(candidate.file_path).stem):
                    continue
        kept.append(candidate)
    return kept


def _abstract(source: str, name: str) -> bool:
    """Whether the file's own class `name` is declared abstract (its nested classes say nothing)."""
    return re.search(rf"\babstract\s+(?:\w+\s+)*class\s+{re.escape(name)}\b", source) is not None


def _read_excludes(root: Path, base: str, path: str) -> list[str]:
    text = git.read_file_at(root, base, path)
    if text is None or len(text) > _MAX_POM:
        return []
    return surefire_excludes(text)
