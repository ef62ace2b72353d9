"""Java skips decided outside a test's own annotations, and the verdicts on skips and removals (int-java5),
each on a small real git repository scanned through the CLI or the scanner: an `assume*` in a set-up
method skips the whole class, an early `return` at the top of a test skips it where its condition holds,
an `assumeTrue` that gains a requirement runs in fewer places; a test disabled outright over an emptied
body is one skip, not a skip plus a high "no check left"; a skip's own message, a flag the run is
configured with and a message that says why tests go explain the loss."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli, GitRepo, judged
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


PATH = "src/test/java/a/ProxyTest.java"

PROXY_TEST = """package a;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import org.junit.Before;
import org.junit.Test;

public class ProxyTest {
  private Proxy proxy;

  @Before
  public void setUp() {
%s    proxy = new Proxy();
  }

  @Test
  public void testName() {
%s    assertEquals("Proxy$1", proxy.name());
  }

  @Test
  public void testSize() {
    assumeTrue(%s);
    assertEquals(3, proxy.size());
  }
}
"""


def proxy_test(setup: str = "", early: str = "", assumed: str = "Flags.hasSizes()") -> str:
    return PROXY_TEST % (setup, early, assumed)


# ---------------------------------------- 1. an assumption in a set-up method skips every test


def test_an_assumption_added_to_the_set_up_method_skips_every_test_of_the_class(
    cli: Cli, tmp_path: Path
) -> None:
    after = proxy_test(setup="    assumeTrue(Flags.isBytecodeGenEnabled());\n")
    signals = scan(cli, tmp_path, {PATH: proxy_test()}, {PATH: after})
    assert kinds(signals) == {
        ("skip_introduced", "ProxyTest::testName"),
        ("skip_introduced", "ProxyTest::testSize"),
    }
    assert {s["details"]["marker"] for s in signals} == {"assumeTrue(Flags.isBytecodeGenEnabled())"}


def test_an_assertion_of_the_set_up_method_is_no_skip(cli: Cli, tmp_path: Path) -> None:
    after = proxy_test(setup="    assertEquals(1, Flags.version());\n")
    assert scan(cli, tmp_path, {PATH: proxy_test()}, {PATH: after}) == []


# ---------------------------------------- 2. an early return at the top of a test


def test_an_early_return_at_the_top_of_a_test_skips_it(cli: Cli, tmp_path: Path) -> None:
    after = proxy_test(early="    if (Flags.useMethodHandles()) {\n      return;\n    }\n")
    signals = scan(cli, tmp_path, {PATH: proxy_test()}, {PATH: after})
    assert kinds(signals) == {("skip_introduced", "ProxyTest::testName")}
    assert signals[0]["details"]["marker"] == "if (Flags.useMethodHandles()) { return; }"


def test_an_early_return_after_a_check_is_no_skip(cli: Cli, tmp_path: Path) -> None:
    before = proxy_test()
    after = before.replace(
        '    assertEquals("Proxy$1", proxy.name());\n',
        '    assertEquals("Proxy$1", proxy.name());\n    if (proxy.isEmpty()) return;\n    proxy.clear();\n',
    )
    assert scan(cli, tmp_path, {PATH: before}, {PATH: after}) == []


def test_an_early_return_becoming_an_assumption_is_no_new_skip(cli: Cli, tmp_path: Path) -> None:
    before = proxy_test(early="    if (Flags.child()) {\n      return;\n    }\n")
    after = proxy_test(early="    assumeTrue(!Flags.child());\n")
    assert scan(cli, tmp_path, {PATH: before}, {PATH: after}) == []


def test_an_early_return_whose_condition_gains_an_alternative_skips_more(cli: Cli, tmp_path: Path) -> None:
    before = proxy_test(early="    if (Flags.child()) {\n      return;\n    }\n")
    after = proxy_test(
        early="    if (Flags.child()\n        || Flags.useMethodHandles()) {\n      return;\n    }\n"
    )
    signals = scan(cli, tmp_path, {PATH: before}, {PATH: after})
    assert kinds(signals) == {("skip_introduced", "ProxyTest::testName")}
    assert signals[0]["details"]["widened_from"] == "if (Flags.child()) { return; }"


# ---------------------------------------- 3. an assumption that gains a requirement


def test_an_assumption_that_gains_a_requirement_skips_more(cli: Cli, tmp_path: Path) -> None:
    after = proxy_test(assumed="Flags.isBytecodeGenEnabled()\n        && Flags.hasSizes()")
    signals = scan(cli, tmp_path, {PATH: proxy_test()}, {PATH: after})
    assert kinds(signals) == {("skip_introduced", "ProxyTest::testSize")}
    assert signals[0]["details"]["widened_from"] == "assumeTrue(Flags.hasSizes())"


def test_an_assumption_that_gains_an_alternative_runs_in_more_places(cli: Cli, tmp_path: Path) -> None:
    after = proxy_test(assumed="Flags.isBytecodeGenEnabled() || Flags.hasSizes()")
    assert scan(cli, tmp_path, {PATH: proxy_test()}, {PATH: after}) == []


# ---------------------------------------- 4. disabled outright over an emptied body: one skip

PARSER_PATH = "src/test/java/a/ParserTest.java"
PARSER_TEST = """package a;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

public class ParserTest extends AbstractParserTest {
  @Override
  @Test
%s  public void testQuotes() throws Exception {
%s  }
}
"""
QUOTES_BODY = '    final String[] args = {"-b", "q"};\n    assertEquals("q", parser.parse(args).get("b"));\n'


def test_a_test_disabled_with_its_body_emptied_is_one_skip_not_a_high_loss(cli: Cli, tmp_path: Path) -> None:
    before = PARSER_TEST % ("", QUOTES_BODY)
    after = PARSER_TEST % ('  @Disabled("handled in the parameterized test")\n', "")
    signals = scan(cli, tmp_path, {PARSER_PATH: before}, {PARSER_PATH: after})
    assert kinds(signals) == {("skip_introduced", "ParserTest::testQuotes")}
    assert signals[0]["severity"] == "medium"


def test_an_emptied_body_that_still_runs_keeps_its_high_loss(cli: Cli, tmp_path: Path) -> None:
    before = PARSER_TEST % ("", QUOTES_BODY)
    after = PARSER_TEST % ("", "")
    signals = scan(cli, tmp_path, {PARSER_PATH: before}, {PARSER_PATH: after})
    assert [(s["signal_type"], s["severity"]) for s in signals] == [("assertion_removed", "high")]


# ---------------------------------------- 5. verdicts


@pytest.fixture
def java(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "java")
    repo.commit("start", {PATH: proxy_test()})
    return repo


@pytest.mark.parametrize(
    ("annotation", "verdict"),
    [
        ('@Ignore("Fails on GHA?")', "likely_deliberate"),
        ('@Ignore("TODO bidimap")', "likely_deliberate"),
        ('@Ignore("Run once")', "likely_deliberate"),
        ('@Ignore("flaky, for now")', "suspicious"),
        ('@Ignore("TODO")', "suspicious"),
        ("@Ignore", "suspicious"),
    ],
)
def test_a_skip_whose_own_message_says_why_is_deliberate(
    java: GitRepo, annotation: str, verdict: str
) -> None:
    text = proxy_test().replace(
        "  @Test\n  public void testName", f"  @Test\n  {annotation}\n  public void testName"
    )
    java.commit(
        "Disable a test",
        {PATH: text.replace("import org.junit.Test;", "import org.junit.Test;\nimport org.junit.Ignore;")},
    )
    assert judged(java, "skip_introduced", "ProxyTest::testName")[0] == verdict


@pytest.mark.parametrize(
    "condition",
    ["Flags.isBytecodeGenEnabled()", "new File(BUILD_DIR).isDirectory()", 'System.getProperty("it") != null'],
)
def test_an_assumption_on_a_flag_or_a_file_of_the_run_is_deliberate(java: GitRepo, condition: str) -> None:
    java.commit("Rework the proxy tests", {PATH: proxy_test(setup=f"    assumeTrue({condition});\n")})
    verdict, because = judged(java, "skip_introduced", "ProxyTest::testName")
    assert verdict == "likely_deliberate"
    assert because[0].startswith("the skip is conditioned on")


def test_a_commit_that_says_it_skips_tests_and_where_explains_the_skip(java: GitRepo) -> None:
    java.commit(
        "skip proxy tests on tinygo",
        {PATH: proxy_test(early="    if (Proxies.unsupported()) {\n      return;\n    }\n")},
    )
    assert judged(java, "skip_introduced", "ProxyTest::testName") == (
        "likely_deliberate",
        ["the commit message skips the tests and says why ('tinygo')"],
    )


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("remove outdated proxy size test", "likely_deliberate"),
        ('Remove broken "size" tests', "likely_deliberate"),
        ("Remove tests which overflow on 32 bit architectures", "likely_deliberate"),
        ("removes the size test because it is fake", "likely_deliberate"),
        ("Oops, revert.", "likely_deliberate"),
        ("Remove unused tests", "suspicious"),
        ("Tidy the proxy tests", "suspicious"),
    ],
)
def test_a_message_that_says_why_a_test_goes_explains_its_removal(
    java: GitRepo, message: str, verdict: str
) -> None:
    text = proxy_test()
    start = text.index("  @Test\n  public void testSize")
    java.commit(message, {PATH: text[:start].rstrip() + "\n}\n"})
    assert judged(java, "test_removed", "ProxyTest::testSize")[0] == verdict
