"""A synthetic repository whose last commit reformats 200 test files (50 each: Python, Java, TypeScript, Go).

The reformat changes layout only (indentation, quotes, brace and call wrapping, blank lines), so every
signal a scan prints on it is false. Deterministic: the same files every time.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

FILES_PER_LANGUAGE = 50
TESTS_PER_FILE = 8


def _python(index: int, reformatted: bool) -> str:
    quote, indent = ('"', "    ") if reformatted else ("'", "  ")
    lines = ["import pytest", "", ""]
    for test in range(TESTS_PER_FILE):
        name = f"test_case_{index}_{test}"
        lines += [f"def {name}():", f"{indent}value = compute({test}, {quote}k{test}{quote})"]
        if reformatted:
            lines += [f"{indent}assert value == expected(", f"{indent}{indent}{test},", f"{indent})"]
        else:
            lines += [f"{indent}assert value == expected({test})"]
        lines += [f"{indent}with pytest.raises(ValueError):", f"{indent}{indent}compute(-1, {quote}x{quote})"]
        lines += ["", ""] if reformatted else [""]
    lines += ["def compute(n, key):", f"{indent}return n", "", "", "def expected(n):", f"{indent}return n"]
    return "\n".join(lines) + "\n"


def _java(index: int, reformatted: bool) -> str:
    indent = "    " if reformatted else "\t"
    brace = "\n" + indent + "{" if reformatted else " {"
    lines = ["import static org.junit.Assert.assertEquals;", "import org.junit.Test;", ""]
    lines.append(f"public class Gen{index}Test" + ("\n{" if reformatted else " {"))
    for test in range(TESTS_PER_FILE):
        lines += [f"{indent}@Test", f"{indent}public void case{test}(){brace}"]
        if reformatted:
            lines += [f"{indent}{indent}assertEquals(", f"{indent}{indent}{indent}{test},"]
            lines += [f"{indent}{indent}{indent}Integer.valueOf({test}).intValue());"]
        else:
            lines += [f"{indent}{indent}assertEquals({test}, Integer.valueOf({test}).intValue());"]
        lines += [f"{indent}}}", ""]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _typescript(index: int, reformatted: bool) -> str:
    quote, semi, indent = ('"', ";", "  ") if reformatted else ("'", "", "    ")
    lines = [f"import {{ describe, expect, it }} from {quote}vitest{quote}{semi}", ""]
    lines.append(f"describe({quote}gen {index}{quote}, () => {{")
    for test in range(TESTS_PER_FILE):
        lines.append(f"{indent}it({quote}case {test}{quote}, () => {{")
        if reformatted:
            lines += [f"{indent}{indent}expect(", f"{indent}{indent}{indent}[{test}].length,"]
            lines += [f"{indent}{indent}).toBe(1){semi}"]
        else:
            lines.append(f"{indent}{indent}expect([{test}].length).toBe(1){semi}")
        lines.append(f"{indent}{indent}expect(() => JSON.parse({quote}{{{quote})).toThrow(){semi}")
        lines.append(f"{indent}}}){semi}")
    lines.append(f"}}){semi}")
    return "\n".join(lines) + "\n"


def _go(index: int, reformatted: bool) -> str:
    indent, gap = ("\t", " ") if reformatted else ("    ", "  ")
    lines = [f"package gen{index}", "", 'import "testing"', ""]
    for test in range(TESTS_PER_FILE):
        lines += [f"func TestCase{test}(t *testing.T) {{", f"{indent}got := {test} * 1"]
        lines += [
            f"{indent}if got != {test} {{",
            f'{indent}{indent}t.Fatalf("got %d",{gap}got)',
            f"{indent}}}",
        ]
        lines += ["}", ""]
    return "\n".join(lines)


def files(reformatted: bool) -> dict[str, str]:
    """Path -> text of every test file, before or after the reformat."""
    out = {}
    for index in range(FILES_PER_LANGUAGE):
        out[f"tests/test_gen_{index}.py"] = _python(index, reformatted)
        out[f"src/test/java/gen/Gen{index}Test.java"] = _java(index, reformatted)
        out[f"web/gen{index}.test.ts"] = _typescript(index, reformatted)
        out[f"gen{index}/gen_test.go"] = _go(index, reformatted)
    return out


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        check=True,
        capture_output=True,
    )


def build(root: Path) -> str:
    """Create the repository in `root` (two commits); returns the reformat commit's SHA."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    for reformatted, message in ((False, "tests"), (True, "reformat every test file")):
        for path, text in files(reformatted).items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", message)
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, check=True)
    return head.stdout.decode().strip()
