"""JS/TS rules of how tests are written (AVA macros, table-driven tests, chai's should style, escaped
titles, same-named twins, callbacks of server helpers), each as a small real git repository scanned
through the CLI: the look-alikes raise nothing, the real losses of the same shape still do."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


AVA = "import test from 'ava';\n"
MACRO = """
const testRun = async (t, input, expected) => {
  t.is(await run(input), expected);
  t.true(ok(input));
};
test('runs x', testRun, 'x', 'y');
test('runs z', testRun, 'z', 'w');
"""
INLINE = """
test('runs x', async t => {
  t.is(await run('x'), 'y');
  t.true(ok('x'));
});
"""


def test_a_macro_losing_a_check_is_that_macro_weakened(cli: Cli, tmp_path: Path) -> None:
    after = MACRO.replace("  t.true(ok(input));\n", "")
    signals = scan(cli, tmp_path, {"test/run.js": AVA + MACRO}, {"test/run.js": AVA + after})
    assert kinds(signals) == {("assertion_removed", "testRun")}


def test_a_test_moving_its_checks_into_a_macro_loses_none(cli: Cli, tmp_path: Path) -> None:
    macro_only = MACRO.replace("test('runs z', testRun, 'z', 'w');\n", "")
    assert scan(cli, tmp_path, {"test/run.js": AVA + INLINE}, {"test/run.js": AVA + macro_only}) == []


def test_a_test_moving_into_an_imported_macro_loses_none(cli: Cli, tmp_path: Path) -> None:
    after = AVA + "import {testRun} from './helpers/run.js';\ntest('runs x', testRun, 'x', 'y');\n"
    helper = (
        "export const testRun = async (t, input, expected) => {\n  t.is(await run(input), expected);\n};\n"
    )
    before = {"test/run.js": AVA + INLINE}
    assert scan(cli, tmp_path, before, {"test/run.js": after, "test/helpers/run.js": helper}) == []


def test_a_macro_test_deleted_is_still_a_removal(cli: Cli, tmp_path: Path) -> None:
    after = MACRO.replace("test('runs z', testRun, 'z', 'w');\n", "")
    signals = scan(cli, tmp_path, {"test/run.js": AVA + MACRO}, {"test/run.js": AVA + after})
    assert kinds(signals) == {("test_removed", "runs z")}


def test_a_runner_made_macro_losing_a_check_is_weakened(cli: Cli, tmp_path: Path) -> None:
    before = AVA + "const m = test.macro(async (t, a) => {\n  t.is(await run(a), 1);\n  t.true(ok(a));\n});\n"
    before += "test('m of a', m, 'a');\n"
    after = before.replace("  t.true(ok(a));\n", "")
    assert kinds(scan(cli, tmp_path, {"test/m.js": before}, {"test/m.js": after})) == {
        ("assertion_removed", "m")
    }


CHAI = "require('chai').should();\n"
SHOULD = """
describe('parse', () => {
  it('reads flags', () => {
    const argv = parse('--x 2');
    argv.x.should.equal(2);
    should.exist(argv._);
    (() => parse('--')).should.throw(/bad/);
  });
});
"""


def test_a_should_check_removed_is_a_removal(cli: Cli, tmp_path: Path) -> None:
    after = SHOULD.replace("    argv.x.should.equal(2);\n", "")
    signals = scan(cli, tmp_path, {"test/p.cjs": CHAI + SHOULD}, {"test/p.cjs": CHAI + after})
    assert kinds(signals) == {("assertion_removed", "parse > reads flags")}


def test_a_should_equality_turned_into_ok_is_weakened(cli: Cli, tmp_path: Path) -> None:
    after = SHOULD.replace("argv.x.should.equal(2)", "argv.x.should.be.ok")
    signals = scan(cli, tmp_path, {"test/p.cjs": CHAI + SHOULD}, {"test/p.cjs": CHAI + after})
    assert kinds(signals) == {("assertion_weakened", "parse > reads flags")}


def test_a_should_check_ported_to_expect_loses_nothing(cli: Cli, tmp_path: Path) -> None:
    after = SHOULD.replace("argv.x.should.equal(2)", "expect(argv.x).to.equal(2)")
    assert scan(cli, tmp_path, {"test/p.cjs": CHAI + SHOULD}, {"test/p.cjs": CHAI + after}) == []


ESCAPED = (
    "const assert = require('assert');\n"
    "it('doesn\\'t fail', () => {\n  assert.strictEqual(f(), 1);\n  assert.ok(g());\n});\n"
)


@pytest.mark.parametrize("title", ['"doesn\'t fail"', "`doesn't fail`"])
def test_a_title_requoted_is_the_same_test(cli: Cli, tmp_path: Path, title: str) -> None:
    # the check lost as well: read as the same test, it is a removed check, never a removed test
    after = ESCAPED.replace("'doesn\\'t fail'", title).replace("  assert.ok(g());\n", "")
    signals = scan(cli, tmp_path, {"test/t.test.js": ESCAPED}, {"test/t.test.js": after})
    assert kinds(signals) == {("assertion_removed", "doesn't fail")}
    assert "renamed_from" not in signals[0]["details"]  # one name, not a rename


TWINS = """const assert = require('assert');
describe('a', () => {
  it('works', () => { assert.strictEqual(f(1), 1); });
  it('works', () => { assert.strictEqual(g(2), 2); assert.ok(h()); });
});
"""


def test_twins_swapped_raise_nothing(cli: Cli, tmp_path: Path) -> None:
    lines = TWINS.splitlines(keepends=True)
    swapped = "".join([*lines[:2], lines[3], lines[2], *lines[4:]])
    assert scan(cli, tmp_path, {"test/w.test.js": TWINS}, {"test/w.test.js": swapped}) == []


def test_a_twin_losing_a_check_is_named_by_its_scope(cli: Cli, tmp_path: Path) -> None:
    after = TWINS.replace(" assert.ok(h());", "")
    assert kinds(scan(cli, tmp_path, {"test/w.test.js": TWINS}, {"test/w.test.js": after})) == {
        ("assertion_removed", "a > works")
    }


SERVER = (
    AVA
    + """
test('gets', withServer, async (t, server, got) => {
  server.get('/', (q, r) => r.end('ok'));
  t.is((await got('')).body, 'ok');
  t.is((await got('')).statusCode, 200);
});
test('posts', async t => {
  await withServer(t, async (t, server) => {
    t.is(await post(server.url), 'ok');
    t.true(done());
  });
});
"""
)


def test_checks_in_a_server_helpers_callback_belong_to_the_test(cli: Cli, tmp_path: Path) -> None:
    after = SERVER.replace("    t.true(done());\n", "").replace(
        "  t.is((await got('')).statusCode, 200);\n", ""
    )
    signals = scan(cli, tmp_path, {"test/s.ts": SERVER}, {"test/s.ts": after})
    assert kinds(signals) == {("assertion_removed", "gets"), ("assertion_removed", "posts")}


def test_a_macro_deleted_with_its_tests_is_lost_only_through_them(cli: Cli, tmp_path: Path) -> None:
    signals = scan(
        cli, tmp_path, {"test/run.js": AVA + MACRO}, {"test/run.js": AVA + "test('other', t => t.pass());\n"}
    )
    assert kinds(signals) == {("test_removed", "runs x"), ("test_removed", "runs z")}


ASSERT = "const assert = require('assert');\n"
LOOP = """describe('m', () => {
  ['a', 'b', 'c'].forEach(x => it(`works ${x}`, () => { assert.strictEqual(f(x), 1); }));
});
"""
EACH = "test.each([['a', 1], ['b', 2], ['c', 3]])('gives %s %d', (x, y) => { expect(f(x)).toBe(y); });\n"


def test_a_row_removed_from_a_loop_table_is_a_test_removed(cli: Cli, tmp_path: Path) -> None:
    after = LOOP.replace("'a', 'b', 'c'", "'a', 'b'")
    signals = scan(cli, tmp_path, {"test/m.test.js": ASSERT + LOOP}, {"test/m.test.js": ASSERT + after})
    assert kinds(signals) == {("test_removed", "m > works c")}


def test_a_row_removed_from_an_each_table_is_a_test_removed(cli: Cli, tmp_path: Path) -> None:
    after = EACH.replace(", ['b', 2]", "")
    assert kinds(scan(cli, tmp_path, {"test/e.test.js": EACH}, {"test/e.test.js": after})) == {
        ("test_removed", "gives b 2")
    }


def test_rows_reordered_or_the_loop_form_changed_raise_nothing(cli: Cli, tmp_path: Path) -> None:
    reordered = LOOP.replace("'a', 'b', 'c'", "'c', 'a', 'b'")
    for_of = (
        "describe('m', () => {\n  for (const x of ['a', 'b', 'c']) {\n"
        "    it(`works ${x}`, () => { assert.strictEqual(f(x), 1); });\n  }\n});\n"
    )
    before = {"test/m.test.js": ASSERT + LOOP}
    assert scan(cli, tmp_path / "1", before, {"test/m.test.js": ASSERT + reordered}) == []
    assert scan(cli, tmp_path / "2", before, {"test/m.test.js": ASSERT + for_of}) == []


def test_a_loop_deleted_is_one_removal_not_one_per_row(cli: Cli, tmp_path: Path) -> None:
    after = "describe('m', () => {\n  it('other', () => { assert.ok(g()); });\n});\n"
    signals = scan(cli, tmp_path, {"test/m.test.js": ASSERT + LOOP}, {"test/m.test.js": ASSERT + after})
    assert kinds(signals) == {("test_removed", "m > works ${x}")}


def test_a_loop_check_weakened_is_one_signal_on_the_loop_test(cli: Cli, tmp_path: Path) -> None:
    after = EACH.replace("toBe(y)", "toBeTruthy()")
    assert kinds(scan(cli, tmp_path, {"test/e.test.js": EACH}, {"test/e.test.js": after})) == {
        ("assertion_weakened", "gives %s %d")
    }


def _verdict(signal: dict[str, object]) -> object:
    details = signal["details"]
    assert isinstance(details, dict)
    return details.get("verdict")


HTTPS = AVA + "{comment}test{mod}('client certificate', async t => {{\n  t.is(await get(), 'ok');\n}});\n"


@pytest.mark.parametrize(
    "comment",
    ["// See https://github.com/nodejs/node/issues/35237\n", "// TODO: RC2 is not supported on Node.js 17\n"],
)
def test_a_skip_whose_comment_says_why_is_deliberate(cli: Cli, tmp_path: Path, comment: str) -> None:
    before = HTTPS.format(comment=comment if "issues" in comment else "", mod="")
    after = HTTPS.format(comment=comment, mod=".skip")
    [signal] = scan(cli, tmp_path, {"test/https.ts": before}, {"test/https.ts": after})
    assert signal["signal_type"] == "skip_introduced" and _verdict(signal) == "likely_deliberate"


def test_a_skip_whose_comment_says_only_todo_is_suspicious(cli: Cli, tmp_path: Path) -> None:
    before = HTTPS.format(comment="", mod="")
    after = HTTPS.format(comment="// TODO: look at this again\n", mod=".skip")
    [signal] = scan(cli, tmp_path, {"test/https.ts": before}, {"test/https.ts": after})
    assert signal["signal_type"] == "skip_introduced" and _verdict(signal) == "suspicious"


def test_a_table_whose_new_titles_hide_the_element_raises_nothing(cli: Cli, tmp_path: Path) -> None:
    before = (
        "describe.each([true, false])('with handler %s', (has) => {\n"
        "  test('runs', () => { expect(f(has)).toBe(1); });\n});\n"
    )
    after = (
        "[false, true].forEach((has) => {\n  describe(`with ${has ? 'a' : 'no'} handler`, () => {\n"
        "    test('runs', () => { expect(f(has)).toBe(1); });\n  });\n});\n"
    )
    signals = scan(cli, tmp_path, {"test/h.test.js": before}, {"test/h.test.js": after})
    assert [
        s
        for s in signals
        if s["signal_type"] == "test_removed" and s["test_name"] != "with handler %s > runs"
    ] == []
