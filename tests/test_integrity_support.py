"""Skips decided outside the tests, in a Java support class of the test tree: small real git repositories
scanned through the CLI (`integrity scan --base C^ --head C`), the widening beside the narrowing."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan

HELPER = "src/test/java/org/example/LocaleProblems.java"
TEST = "src/test/java/org/example/ParserTest.java"

PROBLEMS = """
package org.example;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.*;

public class LocaleProblems {
    private static final Map<Integer, List<String>> UNSUPPORTED = new HashMap<>();

    static {
        // "cv" fails to parse on Java 26
        UNSUPPORTED.put(26, Arrays.asList("cv", "cv_RU"));
    }

    public static void assumeLocaleSupported(final Locale locale, final int javaVersion) {
        final List<String> names = UNSUPPORTED.getOrDefault(javaVersion, Collections.emptyList());
        assumeFalse(names.contains(locale.toString()), "unsupported: " + locale);
    }
}
"""

PARSER_TEST = """
package org.example;

import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ParserTest {
    @Test
    void parsesEveryLocale() {
        for (Locale locale : Locale.getAvailableLocales()) {
            LocaleProblems.assumeLocaleSupported(locale, Runtime.version().feature());
            assertEquals(locale, Parser.parse(locale.toString()));
        }
    }
}
"""

WIDER = PROBLEMS.replace(
    '        UNSUPPORTED.put(26, Arrays.asList("cv", "cv_RU"));\n',
    '        UNSUPPORTED.put(26, Arrays.asList("cv", "cv_RU"));\n'
    '        UNSUPPORTED.put(27, Arrays.asList("cv", "cv_RU"));\n',
)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


def test_an_entry_added_to_a_support_class_that_assumes_is_a_skip(cli: Cli, tmp_path: Path) -> None:
    # The tests that call it are not in the change: the signal names the helper, no test.
    before = {HELPER: PROBLEMS, TEST: PARSER_TEST}
    [signal] = scan(cli, tmp_path, before, {HELPER: WIDER})
    assert (signal["signal_type"], signal["file_path"], signal["test_name"]) == (
        "skip_introduced",
        HELPER,
        None,
    )
    assert signal["details"]["added_lines"] == ['UNSUPPORTED.put(27, Arrays.asList("cv", "cv_RU"));']


def test_a_support_class_that_skips_less_or_assumes_nothing_is_silent(cli: Cli, tmp_path: Path) -> None:
    before = {HELPER: WIDER, TEST: PARSER_TEST}
    assert scan(cli, tmp_path, before, {HELPER: PROBLEMS}) == []  # an entry removed: it skips less
    plain = PROBLEMS.replace("assumeFalse(", "check(")
    grown = WIDER.replace("assumeFalse(", "check(")
    assert scan(cli, tmp_path / "plain", {HELPER: plain}, {HELPER: grown}) == []
    commented = PROBLEMS.replace('// "cv" fails', '// "cv" and "cv_RU" fail')
    assert scan(cli, tmp_path / "comment", {HELPER: PROBLEMS}, {HELPER: commented}) == []
