"""Where a test's source file is when its report did not say: its classname or stack against the checkout.

pytest's default JUnit (xunit2), Surefire, gotestsum and Jest write no `file` attribute, and Mocha
writes an absolute one on the suite; path rules and CI annotations need a checkout-relative path. A
`PathFinder` fills `file` (and `line`, when the source shows the definition) in place, trying in turn:

1. the path the report gave, made relative to the root (absolute paths from another machine by their
   longest tail that exists in the checkout);
2. the classname as a module: `tests.a.test_b.TestC` -> `tests/a/test_b.py`, the longest dotted prefix
   that is a file, under the root, the working folder or a pytest rootdir (a folder with pytest.ini,
   pyproject.toml, setup.cfg or tox.ini near the top); Java/Kotlin/Groovy/Scala classnames under each
   build module's `src/<set>/<language>/`; Go import paths under the folder of their `go.mod`;
3. the first `path:line` of the failure text that is a file in the checkout.

Every answer is cached per classname or path, so a run of a million cases costs a few `stat` calls
per test module. Paths are POSIX, relative to the root; nothing outside the root is ever returned.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ccdash_tests.records import ParsedCase

# Folders a rootdir, build module or go.mod is looked for in, below the root (the top is depth 0).
SEARCH_DEPTH = 2
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "target", "build", "dist", "venv"})
_PYTEST_CONFIGS = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")
_BUILD_FILES = ("pom.xml", "build.gradle", "build.gradle.kts", "build.sbt")
_JVM_SOURCES = (("java", ".java"), ("kotlin", ".kt"), ("groovy", ".groovy"), ("scala", ".scala"))
_PYTHON = frozenset({"pytest", "unittest"})
_JVM = frozenset({"surefire", "gradle"})
_DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
# `path:line` in a failure text: pytest's `tests/x.py:12: in test`, a JS stack's `(/abs/a.test.js:3:9)`,
# Python's `File "x.py", line 3` is matched by its own pattern.
_SOURCE_EXT = r"(?:py|js|jsx|mjs|cjs|ts|tsx|mts|cts|java|kt|groovy|scala|go|rb|php|cs|rs|c|cc|cpp|cxx)"
_PATH_LINE = re.compile(r"(?:^|[\s(\"'\[])((?:[A-Za-z]:)?[\w.@+~/\\-]+\." + _SOURCE_EXT + r"):(\d+)")
_PY_FRAME = re.compile(r'File "([^"]+\.py)", line (\d+)')
_JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
_NOT_OURS = ("node_modules/", "site-packages/", "dist-packages/", "node:internal", "<frozen")
# How many source files' lines are kept for finding definitions (test modules, not the whole tree).
MAX_CACHED_SOURCES = 2_000
# How many answers of "is this a file / a folder" are kept (a few MB; cleared, not grown, past it).
MAX_CACHED_PATHS = 50_000
_UNKNOWN = ("", 0)  # not a classname's answer yet (None is an answer: no file)


def _posix(path: str) -> str:
    return path.replace("\\", "/")


class PathFinder:
    """Fills in the file (and line) of parsed cases against one checkout; see the module docstring."""

    def __init__(self, root: Path, cwd: Path | None = None) -> None:
        self.root = root.resolve()
        here = (cwd or Path.cwd()).resolve()
        self.cwd = here if here.is_relative_to(self.root) else self.root
        self._bases: dict[str, list[Path]] = {}
        self._by_class: dict[tuple[str, str], tuple[str, int] | None] = {}
        self._by_path: dict[str, str | None] = {}
        self._lines: dict[str, list[str]] = {}
        self._python: dict[str, _PythonIndex] = {}
        self._other_lines: dict[tuple[str, str, str], int | None] = {}
        self._absolute: dict[str, Path] = {}
        self._go_modules: list[tuple[str, Path]] | None = None
        self._prefixes: dict[str, list[tuple[Path, str, str, str]]] = {}
        # Per kind, a dotted prefix as a stem ("tests/a/test_b") -> the longest of its own prefixes that
        # names a file: shared by every class of one module, so each module's stems are tried once.
        self._stems: dict[str, dict[str, tuple[str, int] | None]] = {}
        self._files: dict[str, bool] = {}
        self._dirs: dict[str, bool] = {}

    # ---- the entry point ------------------------------------------------------------------------

    def locate(self, case: ParsedCase) -> None:
        """Give `case` a root-relative file (and a definition line) when the checkout shows one."""
        if case.file:
            found = self.known_path(case.file)
            if found is not None:
                case.file = found
                if case.line is None:
                    case.line = self._definition_line(found, case)
                return
        framework = case.framework or ""
        key = (framework, case.classname)
        hit = self._by_class.get(key, _UNKNOWN)
        if hit is _UNKNOWN:
            hit = self._by_class[key] = self._from_classname(framework, case.classname)
        if hit is not None:
            case.file = hit[0]
            if case.line is None:
                case.line = self._definition_line(hit[0], case)
            return
        if framework == "gotestsum":
            go = self._go_file(case.classname, case.name)
            if go is not None:
                case.file, case.line = go
                return
        text = case.details or case.message
        frame = self._from_text(text) if text else None
        if frame is not None:
            case.file = frame[0]
            if case.line is None:
                case.line = frame[1]

    # ---- a path the report or the stack gave ----------------------------------------------------

    def known_path(self, given: str) -> str | None:
        """A path as a report or stack wrote it -> root-relative when it is a file of the checkout."""
        if given in self._by_path:
            return self._by_path[given]
        found = self._find_path(_posix(given))
        self._by_path[given] = found
        return found

    def _find_path(self, given: str) -> str | None:
        if not given or any(part in given for part in _NOT_OURS):
            return None
        path = Path(given)
        if not path.is_absolute():
            return self._relative_file(given)
        if path.is_relative_to(self.root) and path.is_file():
            return self._relative_to_base(path)
        # Written on another machine (a CI runner, a container): the longest tail that is a file here.
        parts = path.parts[1:]
        for start in range(len(parts) - 1):
            found = self._relative_file("/".join(parts[start:]))
            if found is not None:
                return found
        return None

    def _relative_file(self, relative: str) -> str | None:
        """`relative` (normalised) when it is a file below the working folder, the root or a rootdir."""
        clean = Path(os.path.normpath(relative))
        if clean.is_absolute() or clean.parts[:1] == ("..",):
            return None
        for base in self.bases("python"):
            if (base / clean).is_file():
                return self._found(clean.as_posix(), base / clean)
        return None

    def _relative_to_base(self, path: Path) -> str:
        """An absolute path inside the root, relative to the innermost base holding it (as pytest's
        rootdir-relative paths are), else to the root."""
        resolved = path.resolve()
        holders = [base for base in self.bases("python") if resolved.is_relative_to(base)]
        base = max(holders, key=lambda folder: len(folder.parts)) if holders else self.root
        return self._found(resolved.relative_to(base).as_posix(), resolved)

    def _found(self, relative: str, absolute: Path) -> str:
        """Remember where a returned path's file is, for reading its definitions."""
        self._absolute.setdefault(relative, absolute)
        return relative

    def _from_text(self, text: str | None) -> tuple[str, int] | None:
        if not text:
            return None
        for pattern in (_PATH_LINE, _PY_FRAME):
            for match in pattern.finditer(text):
                found = self.known_path(match.group(1))
                if found is not None:
                    return found, int(match.group(2))
        return None

    # ---- a classname ----------------------------------------------------------------------------

    def _from_classname(self, framework: str, classname: str) -> tuple[str, int] | None:
        """(file, how many dotted parts named it) for a Python or JVM classname, else None."""
        if not classname or not _DOTTED.match(classname):
            return None
        parts = classname.split(".")
        if framework in _PYTHON or framework in ("", "junit"):
            found = self._longest_prefix(parts, "python")
            if found is not None:
                return found
        if framework in _JVM or framework in ("", "junit"):
            return self._longest_prefix(parts, "jvm")
        return None

    def _longest_prefix(self, parts: list[str], kind: str) -> tuple[str, int] | None:
        """The file the longest dotted prefix of `parts` names below a base, relative to that base for
        Python (as pytest writes it) and to the root for the JVM (a build module's `src/...`)."""
        prefixes = self._prefixes.get(kind)
        if prefixes is None:
            prefixes = self._prefixes[kind] = self._candidate_prefixes(kind)
        stems = self._stems.setdefault(kind, {})
        if len(stems) >= MAX_CACHED_PATHS:
            stems.clear()
        tried = []
        found = None
        for count in range(len(parts), 0, -1):
            stem = "/".join(parts[:count])
            if stem in stems:
                found = stems[stem]
                break
            tried.append(stem)
            found = self._stem_file(stem, count, prefixes)
            if found is not None:
                break
        for stem in tried:
            stems[stem] = found
        return found

    def _stem_file(
        self, stem: str, count: int, prefixes: list[tuple[Path, str, str, str]]
    ) -> tuple[str, int] | None:
        """The file one stem names below the first base that holds it, with its count of dotted parts."""
        for base, folder, prefix, suffix in prefixes:
            if self._is_file(prefix + stem + suffix):
                candidate = base / folder / (stem + suffix)
                anchor = base if suffix == ".py" else self.root
                return self._found(candidate.relative_to(anchor).as_posix(), candidate), count
        return None

    def _candidate_prefixes(self, kind: str) -> list[tuple[Path, str, str, str]]:
        """(base, language folder, "base/folder/" as a POSIX string, suffix) for each place a classname
        may name a file. Candidates are strings, not Paths, and tested through the folder cache: a run
        of 100,000 cases names 10,000 classes, most of whose candidates lie below missing folders."""
        languages = ((".", ".py"),) if kind == "python" else _JVM_SOURCES
        prefixes = []
        for base in self.bases(kind):
            self._dirs[base.as_posix()] = True  # a base is a folder that exists (it was found so)
            for folder, suffix in languages:
                text = base.as_posix().rstrip("/") + "/" + ("" if folder == "." else folder + "/")
                prefixes.append((base, folder, text, suffix))
        return prefixes

    def _is_file(self, path: str) -> bool:
        """os.path.isfile for a POSIX string, not asked below a folder that does not exist, and
        remembered per path whose folder exists (a module file that a thousand classes' candidates
        name is asked about once)."""
        known = self._files.get(path)
        if known is None:
            if not self._is_dir(path.rpartition("/")[0]):
                return False
            known = os.path.isfile(path)
            if len(self._files) >= MAX_CACHED_PATHS:
                self._files.clear()
            self._files[path] = known
        return known

    def _is_dir(self, folder: str) -> bool:
        """os.path.isdir for a POSIX string, asked once per folder, and not below a missing folder."""
        known = self._dirs.get(folder)
        if known is None:
            parent = folder.rpartition("/")[0]
            known = (not parent or self._is_dir(parent)) and os.path.isdir(folder or "/")
            if len(self._dirs) >= MAX_CACHED_PATHS:
                self._dirs.clear()
            self._dirs[folder] = known
        return known

    def bases(self, kind: str) -> list[Path]:
        """Folders a classname is relative to: for Python the working folder, the root and pytest
        rootdirs; for the JVM every build module's `src/<set>/<language>` folder's parent."""
        if kind not in self._bases:
            self._bases[kind] = self._python_bases() if kind == "python" else self._jvm_bases()
        return self._bases[kind]

    def _python_bases(self) -> list[Path]:
        bases = [self.cwd, self.root]
        bases += [f for f in self._folders() if any((f / name).is_file() for name in _PYTEST_CONFIGS)]
        return list(dict.fromkeys(bases))

    def _jvm_bases(self) -> list[Path]:
        modules = [self.cwd, self.root]
        modules += [folder for folder in self._folders() if any((folder / n).is_file() for n in _BUILD_FILES)]
        bases = []
        for module in dict.fromkeys(modules):
            source = module / "src"
            if source.is_dir():
                bases += sorted(child for child in source.iterdir() if child.is_dir())
        return bases

    def _folders(self) -> list[Path]:
        """The root and its folders down to SEARCH_DEPTH, hidden and dependency folders skipped."""
        found = [self.root]
        level = [self.root]
        for _ in range(SEARCH_DEPTH):
            nxt = []
            for folder in level:
                try:
                    children = sorted(os.scandir(folder), key=lambda entry: entry.name)
                except OSError:
                    continue
                nxt += [
                    Path(entry.path)
                    for entry in children
                    if entry.is_dir(follow_symlinks=False)
                    and not entry.name.startswith(".")
                    and entry.name not in _SKIP_DIRS
                ]
            found += nxt
            level = nxt
        return found

    # ---- Go -------------------------------------------------------------------------------------

    def _go_file(self, package: str, name: str) -> tuple[str, int] | None:
        """The `*_test.go` file of `package` that defines the test function (subtests: their parent)."""
        if self._go_modules is None:
            self._go_modules = []
            for folder in self._folders():
                module = _go_module(folder / "go.mod")
                if module:
                    self._go_modules.append((module, folder))
        function = name.split("/", 1)[0]
        definition = re.compile(r"^func\s+" + re.escape(function) + r"\s*\(")
        for module, folder in self._go_modules:
            if package != module and not package.startswith(module + "/"):
                continue
            directory = folder / package[len(module) :].lstrip("/")
            if not directory.is_dir():
                continue
            for source in sorted(directory.glob("*_test.go")):
                relative = source.resolve().relative_to(self.root).as_posix()
                for number, text in enumerate(self._source_lines(relative), 1):
                    if definition.match(text):
                        return relative, number
        return None

    # ---- the definition's line ------------------------------------------------------------------

    def _definition_line(self, file: str, case: ParsedCase) -> int | None:
        """The 1-based line defining the test in `file`, after its class's line when the class is not
        the file's own; Python counts from the first decorator, as pytest does. None when not found."""
        owner = case.classname.rsplit(".", 1)[-1] if case.classname else ""
        if file.endswith(".py"):
            return self._python_index(file).line_of(case.name, owner, Path(file).stem)
        key = (file, case.classname, case.name)
        if key not in self._other_lines:
            self._other_lines[key] = self._scan_definition(file, case, owner)
        return self._other_lines[key]

    def _scan_definition(self, file: str, case: ParsedCase, owner: str) -> int | None:
        lines = self._source_lines(file)
        start = 0
        if file.endswith(_JS_SUFFIXES):
            start = _describe_line(lines, case.classname)
        elif owner and owner != Path(file).stem:
            klass = re.compile(r"^\s*(?:[\w@]+\s+)*class\s+" + re.escape(owner) + r"\b")
            start = next((i + 1 for i, text in enumerate(lines) if klass.match(text)), 0)
        definition = _definition_pattern(file, case.name)
        if definition is None:
            return None
        return next((i + 1 for i in range(start, len(lines)) if definition.search(lines[i])), None)

    def _python_index(self, file: str) -> _PythonIndex:
        """One pass over a Python file: where each class and function is (a module of a thousand tests
        is read once, not once per test)."""
        if file not in self._python:
            if len(self._python) >= MAX_CACHED_SOURCES:
                self._python.clear()
            self._python[file] = _PythonIndex(self._source_lines(file))
        return self._python[file]

    def _source_lines(self, file: str) -> list[str]:
        if file not in self._lines:
            if len(self._lines) >= MAX_CACHED_SOURCES:
                self._lines.clear()
            try:
                where = self._absolute.get(file, self.root / file)
                text = where.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._lines[file] = text.splitlines()
        return self._lines[file]


_PY_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")
_PY_CLASS = re.compile(r"^\s*class\s+(\w+)\b")


class _PythonIndex:
    """The classes and functions of one Python file by name: where a test is defined."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.classes: dict[str, int] = {}
        self.functions: dict[str, list[tuple[int, bool]]] = {}  # name -> (index, indented)
        for index, text in enumerate(lines):
            found = _PY_DEF.match(text)
            if found is not None:
                self.functions.setdefault(found.group(2), []).append((index, bool(found.group(1))))
                continue
            klass = _PY_CLASS.match(text)
            if klass is not None:
                self.classes.setdefault(klass.group(1), index)

    def line_of(self, name: str, owner: str, stem: str) -> int | None:
        """The 1-based line of test `name` (its first decorator's) of class `owner`, or a module-level
        function when `owner` is the module (`stem`) itself."""
        function = name.split("[", 1)[0].strip()
        nested = bool(owner) and owner != stem
        start = self.classes[owner] + 1 if nested and owner in self.classes else 0
        for index, indented in self.functions.get(function, ()):
            if index >= start and indented == nested:
                while index > 0 and self.lines[index - 1].lstrip().startswith("@"):
                    index -= 1
                return index + 1
        return None


def _definition_pattern(file: str, name: str) -> re.Pattern[str] | None:
    """What the line defining test `name` looks like in a JVM or JS file (None: no way to tell)."""
    if file.endswith(_JS_SUFFIXES):
        # Mocha and friends: the test's title as the string argument of it()/test().
        quoted = re.escape(name)
        return re.compile(r"\b(?:it|test|specify)(?:\.\w+)?\(\s*(['\"`])" + quoted + r"\1") if name else None
    function = re.split(r"[\[(/]", name, maxsplit=1)[0].strip()
    if not re.fullmatch(r"[A-Za-z_]\w*", function):
        return None
    return re.compile(r"^\s*(?:[\w<>\[\],?]+\s+)*(?:fun\s+)?" + function + r"\s*\(")


def _describe_line(lines: list[str], path: str) -> int:
    """The line after the innermost `describe('title'` of a describe path ("Queue pop"), else 0."""
    words = path.split()
    for count in range(1, len(words) + 1):
        title = re.escape(" ".join(words[-count:]))
        block = re.compile(r"\b(?:describe|context|suite)(?:\.\w+)?\(\s*(['\"`])" + title + r"\1")
        found = next((i + 1 for i, text in enumerate(lines) if block.search(text)), None)
        if found is not None:
            return found
    return 0


def _go_module(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("module "):
                    return line.split()[1].strip('"')
    except OSError:
        return None
    return None
