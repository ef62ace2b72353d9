"""Classes of the eighth labelled batch (fastify, fs-extra, retrofit and verdicts), each as a small real git
repository scanned through the CLI: the look-alikes raise nothing, the real losses of the same shape do."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli, GitRepo
from factories import scan_change as scan
from factories import signal_kinds as kinds

from ccdash_tests.integrity.scan import scan_change
from ccdash_tests.integrity.service import verdict_of


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------------- a callback client ported to `await fetch`

CALLBACK = """
const { test } = require('node:test')
const sget = require('simple-get').concat

test('plain string is sent as text', (t, done) => {
  t.plan(4)
  app.listen({ port: 0 }, err => {
    t.assert.ifError(err)
    sget({ url: 'http://127.0.0.1:' + app.port }, (err, response, body) => {
      t.assert.ifError(err)
      t.assert.strictEqual(response.headers['content-type'], 'text/plain')
      t.assert.deepStrictEqual(body.toString(), 'hello world!')
      done()
    })
  })
})
"""

AWAITED = """
const { test } = require('node:test')

test('plain string is sent as text', async t => {
  t.plan(3)
  const url = await app.listen({ port: 0 })
  const result = await fetch(url)
  t.assert.ok(result.ok)
  t.assert.strictEqual(result.headers.get('content-type'), 'text/plain')
  t.assert.deepStrictEqual(await result.text(), 'hello world!')
})
"""


def test_an_awaited_call_takes_over_the_ifError_of_its_callback(cli: Cli, tmp_path: Path) -> None:
    # The awaited call rejects where the callback got an error: the runner fails the test instead.
    assert scan(cli, tmp_path, {"test/reply.test.js": CALLBACK}, {"test/reply.test.js": AWAITED}) == []


def test_an_ifError_dropped_while_a_callback_still_takes_the_error_is_lost(cli: Cli, tmp_path: Path) -> None:
    half_ported = """
const { test } = require('node:test')
const sget = require('simple-get').concat

test('plain string is sent as text', async t => {
  t.plan(2)
  await app.listen({ port: 0 })
  sget({ url: 'http://127.0.0.1:' + app.port }, (err, response, body) => {
    t.assert.strictEqual(response.headers['content-type'], 'text/plain')
    t.assert.deepStrictEqual(body.toString(), 'hello world!')
  })
})
"""
    signals = scan(cli, tmp_path, {"test/reply.test.js": CALLBACK}, {"test/reply.test.js": half_ported})
    assert kinds(signals) == {("assertion_removed", "plain string is sent as text")}


def test_the_port_that_drops_a_check_of_its_own_is_still_named(cli: Cli, tmp_path: Path) -> None:
    lost_body = AWAITED.replace("  t.assert.deepStrictEqual(await result.text(), 'hello world!')\n", "")
    signals = scan(cli, tmp_path, {"test/reply.test.js": CALLBACK}, {"test/reply.test.js": lost_body})
    assert kinds(signals) == {("assertion_removed", "plain string is sent as text")}


# ------------------------------------------------------- a check moved into a helper of the suite

INLINE_WARNING = """
const { test } = require('node:test')

test('listen works without arguments', async t => {
  const doNotWarn = () => {
    t.assert.fail('should not be deprecated')
  }
  process.on('warning', doNotWarn)
  await app.listen()
  t.assert.ok(app.port > 0)
})
"""

SHARED_WARNING = """
const { test } = require('node:test')
const { assertNoWarning } = require('./helper')

test('listen works without arguments', async t => {
  assertNoWarning(t)
  await app.listen()
  t.assert.ok(app.port > 0)
})
"""


def test_a_check_moved_into_an_imported_checker_of_the_suite_lives_on(cli: Cli, tmp_path: Path) -> None:
    path = "test/listen.test.js"
    assert scan(cli, tmp_path, {path: INLINE_WARNING}, {path: SHARED_WARNING}) == []


def test_a_helper_from_a_package_or_of_another_name_is_no_checker(cli: Cli, tmp_path: Path) -> None:
    path = "test/listen.test.js"
    from_package = SHARED_WARNING.replace("require('./helper')", "require('warnings')")
    signals = scan(cli, tmp_path, {path: INLINE_WARNING}, {path: from_package})
    assert kinds(signals) == {("assertion_removed", "listen works without arguments")}


# ------------------------------------------------------- AssertJ: a wrapped error pinned by its cause

JAVA_SAME = """package demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.Test;

public final class PluginTest {
  @Test public void throwingDeliveredToPlugin() {
    Throwable e = new RuntimeException("boom");
    run(e);
    assertThat(errorRef.get()).isSameAs(e);
  }
}
"""


def test_identity_of_an_error_becomes_its_wrapper_type_and_cause(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/demo/PluginTest.java"
    wrapped = JAVA_SAME.replace(".isSameAs(e);", ".isInstanceOf(UndeliverableException.class).hasCause(e);")
    assert scan(cli, tmp_path, {path: JAVA_SAME}, {path: wrapped}) == []


def test_identity_of_an_error_becomes_only_its_wrapper_type(cli: Cli, tmp_path: Path) -> None:
    path = "src/test/java/demo/PluginTest.java"
    typed = JAVA_SAME.replace(".isSameAs(e);", ".isInstanceOf(UndeliverableException.class);")
    signals = scan(cli, tmp_path, {path: JAVA_SAME}, {path: typed})
    assert kinds(signals) == {("assertion_weakened", "PluginTest::throwingDeliveredToPlugin")}


# ------------------------------------------------------- mocha: `done` dropped, checks left in a timer

TIMED = """
describe('copySync()', () => {
  it('should apply filter to dest', done => {
    setTimeout(() => {
      copySync(src, dest, filter)
      assert(!fs.existsSync(path.join(dest, 'subdir')))
      done()
    }, 1000)
  })
})
"""


def test_a_test_that_drops_done_while_its_checks_wait_in_a_timer(cli: Cli, tmp_path: Path) -> None:
    # mocha ends the test when its body returns, before the timer fires: the check fails nothing.
    detached = TIMED.replace("done => {", "() => {").replace("      done()\n", "")
    signals = scan(cli, tmp_path, {"lib/copy.test.js": TIMED}, {"lib/copy.test.js": detached})
    assert kinds(signals) == {("assertion_weakened", "copySync() > should apply filter to dest")}


def test_dropping_done_from_a_synchronous_test_loses_nothing(cli: Cli, tmp_path: Path) -> None:
    synchronous = """
describe('copySync()', () => {
  it('should apply filter to dest', done => {
    copySync(src, dest, filter)
    assert(!fs.existsSync(path.join(dest, 'subdir')))
    done()
  })
})
"""
    plain = synchronous.replace("done => {", "() => {").replace("    done()\n", "")
    assert scan(cli, tmp_path, {"lib/copy.test.js": synchronous}, {"lib/copy.test.js": plain}) == []


def test_a_timer_the_test_awaits_keeps_its_checks(cli: Cli, tmp_path: Path) -> None:
    awaited = TIMED.replace("done => {", "async () => {").replace(
        "    setTimeout(() => {", "    await new Promise(resolve => setTimeout(() => {"
    )
    awaited = awaited.replace("      done()\n    }, 1000)", "      resolve()\n    }, 1000))")
    assert scan(cli, tmp_path, {"lib/copy.test.js": TIMED}, {"lib/copy.test.js": awaited}) == []


# ------------------------------------------------------- skip conditions that widen or are respelled

EARLY_RETURN = """
describe('ncp / error / dest-permission', () => {
  if (os.platform().indexOf('win') === 0) return

  it('should return an error', done => {
    ncp(src, dest, err => {
      assert.strictEqual(err.code, 'EACCES')
      done()
    })
  })
})
"""


def test_a_skip_whose_condition_gains_an_alternative(cli: Cli, tmp_path: Path) -> None:
    widened = EARLY_RETURN.replace("=== 0) return", "=== 0 || os.userInfo().uid === 0) return")
    signals = scan(cli, tmp_path, {"lib/ncp.test.js": EARLY_RETURN}, {"lib/ncp.test.js": widened})
    assert kinds(signals) == {("skip_introduced", "ncp / error / dest-permission > should return an error")}


def test_a_skip_whose_condition_narrows_is_no_new_skip(cli: Cli, tmp_path: Path) -> None:
    narrowed = EARLY_RETURN.replace("=== 0) return", "=== 0 && !process.env.CI) return")
    assert scan(cli, tmp_path, {"lib/ncp.test.js": EARLY_RETURN}, {"lib/ncp.test.js": narrowed}) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("it.runIf(isLinux)('makes a link'", "it.runIf(isLinux || isMac)('makes a link'"),
        (
            "if (!(isLinux)) return\n  it('makes a link'",
            "if (!(isLinux || isMac)) return\n  it('makes a link'",
        ),
    ],
)
def test_an_alternative_added_to_a_run_condition_runs_more(
    cli: Cli, tmp_path: Path, old: str, new: str
) -> None:
    before = f"""
describe('links', () => {{
  {old}, () => {{
    assert.strictEqual(fs.readlinkSync(link), src)
  }})
}})
"""
    after = before.replace(old, new)
    assert scan(cli, tmp_path, {"lib/link.test.js": before}, {"lib/link.test.js": after}) == []


VERSION_SWITCH = """
const semver = require('semver')
const describeNode12 = semver.gte(process.version, '12.9.0') ? describe : describe.skip

describeNode12('fs.writev()', () => {
  it('works', () => {
    assert.strictEqual(fs.writevSync(fd, bufs), 6)
  })
})
"""


def test_a_version_switch_respelled_with_another_helper(cli: Cli, tmp_path: Path) -> None:
    respelled = VERSION_SWITCH.replace(
        "const semver = require('semver')", "const atLeastNode = require('at-least-node')"
    )
    respelled = respelled.replace("semver.gte(process.version, '12.9.0')", "atLeastNode('12.9.0')")
    assert scan(cli, tmp_path, {"lib/fs.test.js": VERSION_SWITCH}, {"lib/fs.test.js": respelled}) == []


def test_a_version_switch_turned_the_other_way_is_a_new_skip(cli: Cli, tmp_path: Path) -> None:
    flipped = VERSION_SWITCH.replace(
        "semver.gte(process.version, '12.9.0')", "semver.lt(process.version, '12.9.0')"
    )
    signals = scan(cli, tmp_path, {"lib/fs.test.js": VERSION_SWITCH}, {"lib/fs.test.js": flipped})
    assert signals and {s["signal_type"] for s in signals} == {"skip_introduced"}


# ------------------------------------------------------- verdicts: what the message says about a removal

GO_TESTS = """package demo

import "testing"

func TestAdd(t *testing.T) {
	if Add(1, 2) != 3 {
		t.Fatal("add")
	}
}

func TestRetryAfter(t *testing.T) {
	if Retry() != 5 {
		t.Fatal("retry")
	}
}
"""

FEATURE_TESTS = """package demo;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public final class FlowableTest {
  @Test public void bodyRespectsBackpressure() {
    assertEquals(0, server.getRequestCount());
  }

  @Test public void bodyWorks() {
    assertEquals(1, server.getRequestCount());
  }
}
"""


def _verdict(repo: GitRepo, kind: str, test: str) -> str:
    report = scan_change(repo.root)
    found = [c for c in report.candidates if (c.signal_type.value, c.test_name) == (kind, test)]
    assert len(found) == 1, [(c.signal_type.value, c.test_name) for c in report.candidates]
    return verdict_of(found[0], report.context).verdict


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("middleware throttle, disable flaky test", "likely_deliberate"),
        ("disable test - returns different error under Windows", "likely_deliberate"),
        (
            "Disable the integration test.\n\nThread interrupts break it only on some machines.",
            "likely_deliberate",
        ),
        ("disable test", "suspicious"),
        ("clean up flaky helpers", "suspicious"),
    ],
)
def test_a_test_the_message_disables_for_a_stated_reason(tmp_path: Path, message: str, verdict: str) -> None:
    repo = GitRepo(tmp_path / "go")
    repo.commit("start", {"go.mod": "module demo\n", "demo_test.go": GO_TESTS})
    start = GO_TESTS.index("func TestRetryAfter")
    commented = GO_TESTS[:start] + "".join("// " + line + "\n" for line in GO_TESTS[start:].splitlines())
    repo.commit(message, {"demo_test.go": commented})
    assert _verdict(repo, "test_removed", "TestRetryAfter") == verdict


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Remove backpressure support from the adapters", "likely_deliberate"),
        ("Remove streaming support from the adapters", "suspicious"),
    ],
)
def test_a_test_of_a_feature_the_message_removes(tmp_path: Path, message: str, verdict: str) -> None:
    path = "src/test/java/demo/FlowableTest.java"
    repo = GitRepo(tmp_path / "java")
    repo.commit("start", {path: FEATURE_TESTS})
    start = FEATURE_TESTS.index("  @Test public void bodyRespectsBackpressure")
    end = FEATURE_TESTS.index("  @Test public void bodyWorks")
    repo.commit(message, {path: FEATURE_TESTS[:start] + FEATURE_TESTS[end:]})
    assert _verdict(repo, "test_removed", "FlowableTest::bodyRespectsBackpressure") == verdict


NODE_SERVER = """
const { test } = require('node:test')

test('Test for IPV6 port', async t => {
  const address = await app.listen({ port: 0, host: '::1' })
  t.assert.strictEqual(address.family, 'IPv6')
})
"""


@pytest.mark.parametrize(
    ("condition", "verdict"), [("isIPv6Missing", "likely_deliberate"), ("true", "suspicious")]
)
def test_a_skip_on_a_capability_of_the_machine(tmp_path: Path, condition: str, verdict: str) -> None:
    repo = GitRepo(tmp_path / "js")
    repo.commit("start", {"test/server.test.js": NODE_SERVER})
    skipped = NODE_SERVER.replace(
        "test('Test for IPV6 port', async", f"test('Test for IPV6 port', {{ skip: {condition} }}, async"
    )
    repo.commit("test: skip the IPv6 test", {"test/server.test.js": skipped})
    assert _verdict(repo, "skip_introduced", "Test for IPV6 port") == verdict
