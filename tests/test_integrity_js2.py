"""JS/TS classes of real commits (AVA boolean assertions, platform blocks), each as a small real git
repository scanned through the CLI: the look-alikes raise nothing, the real losses do."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


BOOL_BEFORE = """
import test from 'ava';
test('cache flag', async t => {
  const response = await get();
  t.is(response.isFromCache, false);
  t.is(Object.isFrozen(response.options), true);
});
test('no connect', async t => {
  socket.on('connect', () => { t.fail('connect fired'); });
  await run();
});
"""

BOOL_AFTER = """
import test from 'ava';
test('cache flag', async t => {
  const response = await get();
  t.false(response.isFromCache);
  t.true(Object.isFrozen(response.options));
});
test('no connect', async t => {
  let fired = false;
  socket.on('connect', () => { fired = true; });
  await run();
  t.false(fired, 'connect fired');
});
"""


def test_equality_to_a_boolean_rewritten_as_a_boolean_assertion_raises_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    files = "test/cache.ts"
    assert scan(cli, tmp_path, {files: BOOL_BEFORE}, {files: BOOL_AFTER}) == []


def test_an_exact_value_turned_into_a_truth_check_is_still_weakened(cli: Cli, tmp_path: Path) -> None:
    before = "import test from 'ava';\ntest('count', t => {\n  t.is(count(), 3);\n});\n"
    after = "import test from 'ava';\ntest('count', t => {\n  t.true(Boolean(count()));\n});\n"
    signals = scan(cli, tmp_path, {"test/count.ts": before}, {"test/count.ts": after})
    assert kinds(signals) == {("assertion_weakened", "count")}


PLATFORM = """
import test from 'ava';
{helper}
if (process.platform !== 'win32') {{
  test('works', async t => {{
    t.is(await get('/'), 'ok');
  }});
}}
"""
NESTED_RETURN = "  function url(path) {\n    return 'http://unix:' + path;\n  }\n"


def test_a_return_inside_a_helper_of_a_platform_block_skips_nothing(cli: Cli, tmp_path: Path) -> None:
    before = PLATFORM.format(helper="")
    after = PLATFORM.replace(
        "{{\n  test", "{{\n" + NESTED_RETURN.replace("{", "{{").replace("}", "}}") + "  test"
    )
    assert scan(cli, tmp_path, {"test/unix.ts": before}, {"test/unix.ts": after.format(helper="")}) == []


PLAIN = """
import test from 'ava';
test('expired certificate', async t => {
  await t.throwsAsync(get(), {code: 'CERT_HAS_EXPIRED'});
});
"""
WRAPPED = """
import test from 'ava';
if (process.platform !== 'darwin') {
  test('expired certificate', async t => {
    await t.throwsAsync(get(), {code: 'CERT_HAS_EXPIRED'});
  });
}
"""
ALIASED = """
import test from 'ava';
{
  const testFn = process.platform === 'darwin' ? test.skip : test;
  testFn('expired certificate', async t => {
    await t.throwsAsync(get(), {code: 'CERT_HAS_EXPIRED'});
  });
}
"""


def test_a_test_newly_defined_only_off_one_platform_is_skipped(cli: Cli, tmp_path: Path) -> None:
    signals = scan(cli, tmp_path, {"test/https.ts": PLAIN}, {"test/https.ts": WRAPPED})
    assert kinds(signals) == {("skip_introduced", "expired certificate")}


def test_a_platform_block_turned_into_a_skip_alias_raises_nothing(cli: Cli, tmp_path: Path) -> None:
    assert scan(cli, tmp_path, {"test/https.ts": WRAPPED}, {"test/https.ts": ALIASED}) == []
