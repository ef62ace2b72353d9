"""JS/TS rules of what a test is and which of its checks it waits for (node:test and tap subtests,
event handlers a test no longer waits for, tsd and TSTyche type checks), each as a small real git
repository scanned through the CLI: the losses of each shape raise their signal, the look-alikes none."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


NODE_TEST = "const { test } = require('node:test')\n"
SUBTESTS = """
test('server', async t => {
  const app = await start()
  t.assert.ok(app)
  await t.test('status', async t => {
    const res = await get(app, '/')
    t.assert.strictEqual(res.status, 200)
    t.assert.strictEqual(res.type, 'text/plain')
  })
  await t.test('body', async t => {
    t.assert.deepStrictEqual(await text(app, '/'), 'hello')
  })
})

test('client', async t => {
  t.assert.ok(await connect())
  await t.test('status', async t => {
    t.assert.strictEqual((await call()).status, 200)
  })
})
"""


def test_a_subtest_weakened_is_named_by_its_parent_and_itself(cli: Cli, tmp_path: Path) -> None:
    after = SUBTESTS.replace("t.assert.strictEqual(res.status, 200)", "t.assert.ok(res.ok)")
    signals = scan(
        cli, tmp_path, {"test/a.test.js": NODE_TEST + SUBTESTS}, {"test/a.test.js": NODE_TEST + after}
    )
    assert {name for _, name in kinds(signals)} == {"server > status"}


def test_a_subtest_removed_is_that_subtest_lost_not_its_parent_weakened(cli: Cli, tmp_path: Path) -> None:
    start = SUBTESTS.index("  await t.test('body'")
    after = SUBTESTS[:start] + SUBTESTS[SUBTESTS.index("})\n", start) + 3 :]
    signals = scan(
        cli, tmp_path, {"test/a.test.js": NODE_TEST + SUBTESTS}, {"test/a.test.js": NODE_TEST + after}
    )
    assert kinds(signals) == {("test_removed", "server > body")}


def test_a_parent_removed_takes_its_subtests_with_it(cli: Cli, tmp_path: Path) -> None:
    after = SUBTESTS[: SUBTESTS.index("test('client'")]
    signals = scan(
        cli, tmp_path, {"test/a.test.js": NODE_TEST + SUBTESTS}, {"test/a.test.js": NODE_TEST + after}
    )
    assert kinds(signals) == {("test_removed", "client")}


def test_subtests_ported_unchanged_raise_nothing(cli: Cli, tmp_path: Path) -> None:
    after = SUBTESTS.replace("async t => {\n    const res", "async (t) => {\n    const res")
    assert (
        scan(cli, tmp_path, {"test/a.test.js": NODE_TEST + SUBTESTS}, {"test/a.test.js": NODE_TEST + after})
        == []
    )


MOCHA = "const assert = require('node:assert')\n"
DONE = """
describe('app', () => {
  it('reports the error', (done) => {
    app.on('error', (err) => {
      assert.strictEqual(err.message, 'boom')
      done()
    })
    request(app).get('/').end(() => {})
  })
})
"""


def test_a_done_test_made_async_without_waiting_for_its_event_loses_the_handlers_checks(
    cli: Cli, tmp_path: Path
) -> None:
    after = DONE.replace("(done) =>", "async () =>").replace("      done()\n", "")
    after = after.replace("request(app).get('/').end(() => {})", "await request(app).get('/')")
    signals = scan(cli, tmp_path, {"test/app.js": MOCHA + DONE}, {"test/app.js": MOCHA + after})
    assert kinds(signals) == {("assertion_removed", "app > reports the error")}


def test_a_done_test_made_async_that_awaits_its_event_loses_nothing(cli: Cli, tmp_path: Path) -> None:
    after = """
describe('app', () => {
  it('reports the error', async () => {
    await new Promise((resolve) => {
      app.on('error', (err) => {
        assert.strictEqual(err.message, 'boom')
        resolve()
      })
      request(app).get('/').end(() => {})
    })
  })
})
"""
    assert scan(cli, tmp_path, {"test/app.js": MOCHA + DONE}, {"test/app.js": MOCHA + after}) == []


def test_a_handler_whose_run_the_test_checks_afterwards_is_waited_for(cli: Cli, tmp_path: Path) -> None:
    after = """
describe('app', () => {
  it('reports the error', async () => {
    let seen = 0
    app.on('error', (err) => {
      assert.strictEqual(err.message, 'boom')
      seen++
    })
    await request(app).get('/')
    assert.strictEqual(seen, 1)
  })
})
"""
    assert scan(cli, tmp_path, {"test/app.js": MOCHA + DONE}, {"test/app.js": MOCHA + after}) == []


def test_done_moved_out_of_the_handler_loses_the_handlers_checks(cli: Cli, tmp_path: Path) -> None:
    after = DONE.replace("      done()\n", "").replace(".end(() => {})", ".end(() => done())")
    signals = scan(cli, tmp_path, {"test/app.js": MOCHA + DONE}, {"test/app.js": MOCHA + after})
    assert kinds(signals) == {("assertion_removed", "app > reports the error")}


TSD = """import { expectType, expectAssignable, expectError } from 'tsd'
import { server, Handler } from '..'

expectType<string[]>(server.methods)
expectAssignable<Handler>(server.handler)
expectError(server.route(42))
"""


def test_a_top_level_type_check_removed_is_a_loss_of_the_file(cli: Cli, tmp_path: Path) -> None:
    after = TSD.replace("expectError(server.route(42))\n", "")
    signals = scan(cli, tmp_path, {"test/types/index.test-d.ts": TSD}, {"test/types/index.test-d.ts": after})
    assert kinds(signals) == {("assertion_removed", "(top level)")}


def test_assignable_to_unknown_is_a_weakened_type_check(cli: Cli, tmp_path: Path) -> None:
    after = TSD.replace("expectAssignable<Handler>", "expectAssignable<unknown>")
    signals = scan(cli, tmp_path, {"test/types/index.test-d.ts": TSD}, {"test/types/index.test-d.ts": after})
    assert kinds(signals) == {("assertion_weakened", "(top level)")}


TSTYCHE = """import { expect } from 'tstyche'
import { server, Handler } from '..'

expect(server.methods).type.toBe<string[]>()
expect<Handler>().type.toBeAssignableWith(server.handler)
expect(server.route).type.not.toBeCallableWith(42)
"""


def test_tstyche_type_checks_count_where_they_stand(cli: Cli, tmp_path: Path) -> None:
    after = TSTYCHE.replace("expect<Handler>().type.toBeAssignableWith(server.handler)\n", "")
    signals = scan(cli, tmp_path, {"test/types/index.tst.ts": TSTYCHE}, {"test/types/index.tst.ts": after})
    assert kinds(signals) == {("assertion_removed", "(top level)")}


def test_type_checks_reordered_raise_nothing(cli: Cli, tmp_path: Path) -> None:
    lines = TSTYCHE.splitlines(keepends=True)
    after = "".join([*lines[:3], lines[5], lines[4], lines[3]])
    assert scan(cli, tmp_path, {"test/types/index.tst.ts": TSTYCHE}, {"test/types/index.tst.ts": after}) == []


AVA = "import test from 'ava';\n"
MESSAGE = """
test('reports a closed channel', async t => {
  const {message} = await t.throwsAsync(send());
  t.true(message.includes('Error: send() cannot be used: the channel is closed'));
  t.is(count(), 1);
});
"""


def test_a_contained_literal_cut_to_a_part_of_itself_is_weakened(cli: Cli, tmp_path: Path) -> None:
    after = MESSAGE.replace("'Error: send() cannot be used: the channel is closed'", "'Error: send()'")
    signals = scan(cli, tmp_path, {"test/send.js": AVA + MESSAGE}, {"test/send.js": AVA + after})
    assert kinds(signals) == {("assertion_weakened", "reports a closed channel")}


def test_a_contained_literal_reworded_is_no_weakening(cli: Cli, tmp_path: Path) -> None:
    after = MESSAGE.replace("the channel is closed", "the channel was closed")
    assert scan(cli, tmp_path, {"test/send.js": AVA + MESSAGE}, {"test/send.js": AVA + after}) == []


def test_an_expected_value_cut_short_is_a_new_value_not_a_weakening(cli: Cli, tmp_path: Path) -> None:
    before = MESSAGE.replace("t.true(message.includes(", "t.is(message, (")
    after = before.replace("'Error: send() cannot be used: the channel is closed'", "'Error: send()'")
    assert scan(cli, tmp_path, {"test/send.js": AVA + before}, {"test/send.js": AVA + after}) == []


TAP = """const { test } = require('tap')

test('levels', ({ test, end }) => {
  test('debug is enabled', async ({ equal }) => {
    equal(pino({ level: 'debug' }).isLevelEnabled('debug'), true)
  })
  test('trace is disabled', async ({ equal }) => {
    equal(pino({ level: 'error' }).isLevelEnabled('trace'), false)
  })
  end()
})
"""
NODE_SUITE = """const { describe, test } = require('node:test')
const assert = require('node:assert')

describe('levels', () => {
  test('debug is enabled', async () => {
    assert.equal(pino({ level: 'debug' }).isLevelEnabled('debug'), true)
  })
  test('trace is disabled', async () => {
    assert.equal(pino({ level: 'error' }).isLevelEnabled('trace'), false)
  })
})
"""


def test_tap_tests_nested_in_a_grouping_test_ported_to_describe_lose_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    assert scan(cli, tmp_path, {"test/levels.test.js": TAP}, {"test/levels.test.js": NODE_SUITE}) == []


def test_a_nested_tap_test_losing_its_destructured_check_is_a_loss(cli: Cli, tmp_path: Path) -> None:
    after = TAP.replace(
        "    equal(pino({ level: 'error' }).isLevelEnabled('trace'), false)\n", "    pino()\n"
    )
    signals = scan(cli, tmp_path, {"test/levels.test.js": TAP}, {"test/levels.test.js": after})
    assert kinds(signals) == {("assertion_removed", "levels > trace is disabled")}


THROWS = """const { test } = require('tap')

test('add throws if not a stream', function (t) {
  try {
    multistream().add({})
  } catch (_) {
    t.end()
  }
})
"""


def test_a_test_ending_only_in_a_catch_made_async_loses_its_expectation_of_the_raise(
    cli: Cli, tmp_path: Path
) -> None:
    after = THROWS.replace("function (t)", "async ()").replace("    t.end()\n", "")
    signals = scan(cli, tmp_path, {"test/multi.test.js": THROWS}, {"test/multi.test.js": after})
    assert kinds(signals) == {("assertion_removed", "add throws if not a stream")}


def test_a_test_ending_in_a_catch_ported_to_assert_throws_loses_nothing(cli: Cli, tmp_path: Path) -> None:
    after = """const { test } = require('node:test')
const assert = require('node:assert')

test('add throws if not a stream', () => {
  assert.throws(() => multistream().add({}))
})
"""
    assert scan(cli, tmp_path, {"test/multi.test.js": THROWS}, {"test/multi.test.js": after}) == []


EMPTY = """
test('json() of an empty body', async t => {
  const result = await ky(server.url).json();
  t.is(result, undefined);
});
"""


def test_a_value_check_given_up_for_an_expected_failure_is_changed_behaviour(
    cli: Cli, tmp_path: Path
) -> None:
    after = """
test('json() of an empty body', async t => {
  await t.throwsAsync(ky(server.url).json(), {message: /Unexpected end of JSON input/});
});
"""
    assert scan(cli, tmp_path, {"test/main.js": AVA + EMPTY}, {"test/main.js": AVA + after}) == []


def test_a_value_check_weakened_beside_the_same_value_is_still_weakened(cli: Cli, tmp_path: Path) -> None:
    after = EMPTY.replace("t.is(result, undefined);", "t.falsy(result);")
    signals = scan(cli, tmp_path, {"test/main.js": AVA + EMPTY}, {"test/main.js": AVA + after})
    assert kinds(signals) == {("assertion_weakened", "json() of an empty body")}


TAP_MATCH = """const { test } = require('tap')
const { sink, once } = require('./helper')

test('level formatter', async ({ match }) => {
  const stream = sink()
  const o = once(stream, 'data')
  pino(stream).info('hello')
  match(await o, { level: 'info' })
})
"""


def test_a_tap_assertion_kept_as_a_helper_of_that_name_is_still_a_check(cli: Cli, tmp_path: Path) -> None:
    after = TAP_MATCH.replace("require('tap')", "require('node:test')").replace(
        "async ({ match })", "async ()"
    )
    after = after.replace("const { sink, once }", "const { sink, match, once }")
    assert scan(cli, tmp_path, {"test/f.test.js": TAP_MATCH}, {"test/f.test.js": after}) == []


def test_a_handler_under_a_planned_count_is_waited_for(cli: Cli, tmp_path: Path) -> None:
    before = """const { test } = require('tap')

test('flushes', function (t) {
  stream.on('ready', () => {
    t.equal(read(), 2)
    t.end()
  })
})
"""
    after = """const { test } = require('node:test')
const tspl = require('@matteo.collina/tspl')

test('flushes', async (t) => {
  const plan = tspl(t, { plan: 1 })
  stream.on('ready', () => {
    plan.equal(read(), 2)
  })
  await plan
})
"""
    assert scan(cli, tmp_path, {"test/f.test.js": before}, {"test/f.test.js": after}) == []


def test_a_tsd_rejection_ported_to_tstyche_weakens_nothing(cli: Cli, tmp_path: Path) -> None:
    after = TSD.replace(
        "import { expectType, expectAssignable, expectError } from 'tsd'", "import { expect } from 'tstyche'"
    )
    after = after.replace(
        "expectError(server.route(42))", "expect(server.route).type.not.toBeCallableWith(42)"
    )
    assert (
        scan(cli, tmp_path, {"test/types/index.test-d.ts": TSD}, {"test/types/index.test-d.ts": after}) == []
    )


SUBTEST_WARNING = """
  await t.test('improper regex NAME', (t, done) => {
    t.plan(2)
    process.on('warning', onWarning)
    function onWarning (warning) {
      t.assert.strictEqual(warning.name, 'FastifySecurity')
      t.assert.strictEqual(warning.code, 'FSTSEC001')
      done()
    }
    register(/NAME/)
  })
"""
SPIED = """
  await t.test('improper regex NAME', async (t) => {
    t.plan(2)
    const spy = spyWarning(FSTSEC001)
    register(/NAME/)
    t.assert.deepStrictEqual(spy.calls, [{ arguments: ['NAME'], result: true }])
    t.assert.deepEqual(spy.callCount(), 1)
  })
"""
WARNING = (
    "test('warns', async t => {"
    + SUBTEST_WARNING.replace("NAME", "text")
    + SUBTEST_WARNING.replace("NAME", "json")
    + "})\n"
)


def test_a_helper_declared_in_a_test_is_no_call_of_it(cli: Cli, tmp_path: Path) -> None:
    after = (
        "test('warns', async t => {" + SPIED.replace("NAME", "text") + SPIED.replace("NAME", "json") + "})\n"
    )
    assert (
        scan(cli, tmp_path, {"test/w.test.js": NODE_TEST + WARNING}, {"test/w.test.js": NODE_TEST + after})
        == []
    )
