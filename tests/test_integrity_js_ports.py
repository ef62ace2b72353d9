"""JS/TS classes of real commits (a Jest -> node:test port, platform-conditioned tests), each as a small
real git repository scanned through the CLI: the look-alikes raise nothing, the real losses do."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------------- table-driven tests rewritten as loops

TABLE_JEST = """
const cases = [['program', make('a')], ['command', make('b')]];

test.each(cases)('when add "<arg>" using %s then argument required', (name, cmd) => {
  expect(cmd.args[0]).toEqual({ name: 'explicit', required: true });
});

test.each(cases)('when add "arg" using %s then argument required', (name, cmd) => {
  expect(cmd.args[0]).toEqual({ name: 'implicit', required: true });
});

test.each(cases)('when action via %s and argument supplied then action called', (name, cmd) => {
  cmd.parse(['x']);
  expect(cmd.calls).toEqual(['x']);
});

test.each(cases)('when action via %s and argument not supplied then action not called', (name, cmd) => {
  cmd.parse([]);
  expect(cmd.calls).toEqual([]);
});
"""

TABLE_NODE = """
const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const cases = [['program', make('a')], ['command', make('b')]];

describe('when add "<arg>" then argument required', () => {
  cases.forEach(([name, cmd]) => {
    test(`using ${name}`, () => {
      assert.equal(cmd.args[0].name, 'explicit');
      assert.equal(cmd.args[0].required, true);
    });
  });
});

describe('when add "arg" then argument required', () => {
  cases.forEach(([name, cmd]) => {
    test(`using ${name}`, () => {
      assert.equal(cmd.args[0].name, 'implicit');
      assert.equal(cmd.args[0].required, true);
    });
  });
});

describe('when action and argument supplied then action called', () => {
  cases.forEach(([name, cmd]) => {
    test(`via ${name}`, () => {
      cmd.parse(['x']);
      assert.deepEqual(cmd.calls, ['x']);
    });
  });
});

describe('when action and argument not supplied then action not called', () => {
  cases.forEach(([name, cmd]) => {
    test(`via ${name}`, () => {
      cmd.parse([]);
      assert.deepEqual(cmd.calls, []);
    });
  });
});
"""


def test_a_table_driven_test_rewritten_as_a_loop_of_template_titles_lives_on(
    cli: Cli, tmp_path: Path
) -> None:
    # The printf placeholder and the template interpolation both stand for the case; the words move
    # from the test title into a describe, and the sibling tables ("not supplied") fit less well.
    files = "tests/args.test.js"
    assert scan(cli, tmp_path, {files: TABLE_JEST}, {files: TABLE_NODE}) == []


def test_a_loop_rewrite_that_drops_a_table_is_still_named(cli: Cli, tmp_path: Path) -> None:
    start = TABLE_NODE.index('describe(\'when add "arg"')
    end = TABLE_NODE.index("describe('when action and argument supplied")
    signals = scan(
        cli,
        tmp_path,
        {"tests/args.test.js": TABLE_JEST},
        {"tests/args.test.js": TABLE_NODE[:start] + TABLE_NODE[end:]},
    )
    assert kinds(signals) == {("test_removed", 'when add "arg" using %s then argument required')}


# ------------------------------------------------------- throw expectations ported to node:assert

THROWS_JEST = """
describe('.option()', () => {
  test('when short flag conflicts then throws', () => {
    expect(() => {
      new Command().option('-c, --cheese').option('-c, --conflict');
    }).toThrow('Cannot add option');
  });
});

describe('.addOption()', () => {
  test('when short flags conflict then throws', () => {
    expect(() => {
      new Command().option('-c, --cheese').addOption(new Option('-c, --conflict'));
    }).toThrow('Cannot add option');
  });
});

test('when error called with code then throws with code', () => {
  const code = 'my.code';
  let thrown;
  try {
    new Command().exitOverride().error('Goodbye', { code });
  } catch (err) {
    thrown = err;
  }
  expect(thrown.code).toEqual(code);
});
"""

THROWS_NODE = """
const { test, describe } = require('node:test');
const assert = require('node:assert/strict');

describe('.option()', () => {
  test('when short flag conflicts then throws', () => {
    assert.throws(() => {
      new Command().option('-c, --cheese').option('-c, --conflict');
    }, { message: /Cannot add option/ });
  });
});

describe('.addOption()', () => {
  test('when short flags conflict then throws', () => {
    assert.throws(() => {
      new Command().option('-c, --cheese').addOption(new Option('-c, --conflict'));
    }, /Cannot add option/);
  });
});

test('when error called with code then throws with code', () => {
  const code = 'my.code';
  assert.throws(() => {
    new Command().exitOverride().error('Goodbye', { code });
  }, { code });
});
"""


def test_throw_expectations_ported_to_node_assert_at_equal_strength(cli: Cli, tmp_path: Path) -> None:
    # toThrow('msg') -> throws(fn, /msg/) or { message: /msg/ }; a caught error's code pinned with
    # toEqual -> throws(fn, { code }), whose validation object compares each property for equality.
    path = "tests/clash.test.js"
    assert scan(cli, tmp_path, {path: THROWS_JEST}, {path: THROWS_NODE}) == []


def test_a_message_check_dropped_in_the_port_is_weakened_though_a_sibling_keeps_its_own(
    cli: Cli, tmp_path: Path
) -> None:
    # The `.option()` twin still expects the message: that says nothing for `.addOption()`, which now
    # accepts any throw.
    path = "tests/clash.test.js"
    bare = THROWS_NODE.replace("}, /Cannot add option/);", "});")
    signals = scan(cli, tmp_path, {path: THROWS_JEST}, {path: bare})
    assert kinds(signals) == {("assertion_weakened", ".addOption() > when short flags conflict then throws")}


# ------------------------------------------------------- tests defined through a conditional alias

LOOKUP = """
const childProcess = require('child_process');

test('when subcommand file is symlink then lookup succeeds', (done) => {
  childProcess.exec('node pmlink install', (_error, stdout) => {
    expect(stdout).toBe('install\\n');
    done();
  });
});

describe.each([['SIGINT'], ['SIGTERM']])('when killed with %s', (signal) => {
  test('then the subcommand receives it', () => {
    expect(run(signal)).toBe(signal);
  });
});
"""


def test_a_test_moved_onto_a_skip_on_windows_alias_is_skipped(cli: Cli, tmp_path: Path) -> None:
    # `cond ? test.skip : test` names a test function: the tests it defines are the same tests, now
    # skipped on one platform.
    aliased = (
        "const testOrSkipOnWindows = (process.platform === 'win32') ? test.skip : test;\n"
        "const describeOrSkipOnWindows = process.platform === 'win32' ? describe.skip : describe;\n"
        + LOOKUP.replace("\ntest('when", "\ntestOrSkipOnWindows('when").replace(
            "describe.each(", "describeOrSkipOnWindows.each("
        )
    )
    path = "tests/lookup.test.js"
    signals = scan(cli, tmp_path, {path: LOOKUP}, {path: aliased})
    assert kinds(signals) == {
        ("skip_introduced", "when subcommand file is symlink then lookup succeeds"),
        ("skip_introduced", "when killed with %s > then the subcommand receives it"),
    }
    assert {s["details"]["marker"] for s in signals} == {
        "(process.platform === 'win32') ? test.skip : test",
        "process.platform === 'win32' ? describe.skip : describe",
    }


def test_tests_already_defined_through_the_alias_raise_nothing_when_edited(cli: Cli, tmp_path: Path) -> None:
    aliased = "const itOrSkip = process.env.CI ? it : it.skip;\n" + LOOKUP.replace(
        "\ntest('when", "\nitOrSkip('when"
    )
    path = "tests/lookup.test.js"
    edited = aliased.replace("(_error, stdout) =>", "(error, stdout) =>")
    assert scan(cli, tmp_path, {path: aliased}, {path: edited}) == []


# ------------------------------------------------------- a catch of what the code throws, checks after it

ASTERISK = """
describe(".command('*')", () => {
  test('when no arguments then asterisk action not called', () => {
    const mockAction = jest.fn();
    const program = new commander.Command();
    program.command('*').action(mockAction);
    program.parse(['node', 'test']);
    expect(mockAction).not.toHaveBeenCalled();
  });
});
"""


def test_a_catch_of_an_expected_throw_before_the_kept_check_is_no_swallow(cli: Cli, tmp_path: Path) -> None:
    # exitOverride() turns the help display into a throw; the try wraps no check, and the check that
    # the action was not called still runs after it.
    caught = ASTERISK.replace("program.command('*')", "program.exitOverride().command('*')").replace(
        "    program.parse(['node', 'test']);\n",
        "    try {\n      program.parse(['node', 'test']);\n    } catch (err) {\n      ;\n    }\n",
    )
    path = "tests/asterisk.test.js"
    assert scan(cli, tmp_path, {path: ASTERISK}, {path: caught}) == []


def test_a_catch_around_the_check_itself_still_swallows(cli: Cli, tmp_path: Path) -> None:
    wrapped = ASTERISK.replace(
        "    expect(mockAction).not.toHaveBeenCalled();\n",
        "    try {\n      expect(mockAction).not.toHaveBeenCalled();\n    } catch (err) {\n      ;\n    }\n",
    )
    path = "tests/asterisk.test.js"
    signals = scan(cli, tmp_path, {path: ASTERISK}, {path: wrapped})
    assert kinds(signals) == {
        ("broad_exception", ".command('*') > when no arguments then asterisk action not called")
    }
    assert signals[0]["severity"] == "high"


# ------------------------------------------------------- a platform branch that checks less

MISSING = """
test('when subcommand file missing then error', (done) => {
  childProcess.exec('node pm list', (_error, stdout, stderr) => {
    expect(stderr).toBe('error: pm-list(1) does not exist\\n');
    done();
  });
});
"""

BRANCHED = """
test('when subcommand file missing then error', (done) => {
  childProcess.exec('node pm list', (_error, stdout, stderr) => {
    if (process.platform === 'win32') {
      expect(stderr.length).toBeGreaterThan(0);
    } else {
      expect(stderr).toBe('error: pm-list(1) does not exist\\n');
    }
    done();
  });
});
"""


def test_an_exact_check_kept_only_off_windows_is_weakened_on_windows(cli: Cli, tmp_path: Path) -> None:
    path = "tests/lookup.test.js"
    signals = scan(cli, tmp_path, {path: MISSING}, {path: BRANCHED})
    assert kinds(signals) == {("assertion_weakened", "when subcommand file missing then error")}
    assert signals[0]["details"]["platform"] == "process.platform === 'win32'"
    assert (signals[0]["details"]["strength_before"], signals[0]["details"]["strength_after"]) == (
        ["exact"],
        ["bound"],
    )


def test_a_platform_branch_loosened_further_is_weakened(cli: Cli, tmp_path: Path) -> None:
    path = "tests/lookup.test.js"
    # The promise rework reads the error's stderr on both branches; on Windows only that it is defined.
    looser = (
        BRANCHED.replace("(_error, stdout, stderr) =>", "(err) =>")
        .replace("expect(stderr.length).toBeGreaterThan(0);", "expect(err.stderr).toBeDefined();")
        .replace("expect(stderr).toBe(", "expect(err.stderr).toBe(")
    )
    signals = scan(cli, tmp_path, {path: BRANCHED}, {path: looser})
    assert kinds(signals) == {("assertion_weakened", "when subcommand file missing then error")}
    assert signals[0]["severity"] == "medium"


def test_platform_branches_that_check_alike_raise_nothing(cli: Cli, tmp_path: Path) -> None:
    # Another line ending per platform: each branch pins the text.
    path = "tests/lookup.test.js"
    alike = BRANCHED.replace(
        "expect(stderr.length).toBeGreaterThan(0);",
        "expect(stderr).toBe('error: pm-list(1) does not exist\\r\\n');",
    )
    assert scan(cli, tmp_path, {path: MISSING}, {path: alike}) == []


# ------------------------------------------------------- a shared spy made per-test, its check dropped

SHARED_SPY = """
describe('.exitOverride', () => {
  let writeSpy;
  beforeAll(() => {
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => {});
  });

  test('when specify --help then throw CommanderError', () => {
    const program = new commander.Command().exitOverride();
    const caught = capture(() => program.parse(['node', 'test', '--help']));
    expect(writeSpy).toHaveBeenCalled();
    expect(caught.code).toBe('commander.helpDisplayed');
  });
});
"""

PER_TEST_SPY = """
describe('.exitOverride', () => {
  test('when specify --help then throw CommanderError', () => {
    const writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => {});
    const program = new commander.Command().exitOverride();
    const caught = capture(() => program.parse(['node', 'test', '--help']));
    expect(caught.code).toBe('commander.helpDisplayed');
    writeSpy.mockRestore();
  });
});
"""

HELP_TEXT = """
test('when addHelpText then text written', () => {
  const writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => {});
  new commander.Command().addHelpText('after', 'text').outputHelp();
  expect(writeSpy).toHaveBeenNthCalledWith(2, 'text\\n');
});
"""


def test_a_check_of_a_spy_the_test_now_makes_itself_did_not_move_elsewhere(cli: Cli, tmp_path: Path) -> None:
    # A new test of another file checks its own write spy much alike: that is not where this one went.
    before = {"tests/exit.test.js": SHARED_SPY}
    after = {"tests/exit.test.js": PER_TEST_SPY, "tests/help.test.js": HELP_TEXT}
    signals = scan(cli, tmp_path, before, after)
    assert kinds(signals) == {
        ("assertion_removed", ".exitOverride > when specify --help then throw CommanderError")
    }
    assert signals[0]["details"]["removed"] == ["expect(writeSpy).toHaveBeenCalled()"]


# ------------------------------------------------------- a mocked error routine replaced by the real throw

MOCKED = """
test('when option value not specified then error', () => {
  const mockOptionMissingArgument = jest.fn(() => {
    throw new Error('optionMissingArgument');
  });
  const program = new commander.Command();
  program.optionMissingArgument = mockOptionMissingArgument;
  program.option('--cheese <type>', 'cheese type');
  expect(() => {
    program.parse(['node', 'test', '--cheese']);
  }).toThrow();
  expect(mockOptionMissingArgument).toHaveBeenCalled();
});
"""

UNMOCKED = """
test('when option value not specified then error', () => {
  const program = createTestCommand();
  program.option('--cheese <type>', 'cheese type');
  assert.throws(() => {
    program.parse(['node', 'test', '--cheese']);
  }, { code: 'commander.optionMissingArgument' });
});
"""


def test_checks_of_a_test_double_the_test_no_longer_makes_go_with_it(cli: Cli, tmp_path: Path) -> None:
    path = "tests/required.test.js"
    assert scan(cli, tmp_path, {path: MOCKED}, {path: UNMOCKED}) == []


def test_a_kept_double_whose_check_is_dropped_is_still_removed(cli: Cli, tmp_path: Path) -> None:
    kept = MOCKED.replace("  expect(mockOptionMissingArgument).toHaveBeenCalled();\n", "")
    kept = kept.replace("}).toThrow();", "}).toThrow('optionMissingArgument');")
    path = "tests/required.test.js"
    signals = scan(cli, tmp_path, {path: MOCKED}, {path: kept})
    assert kinds(signals) == {("assertion_removed", "when option value not specified then error")}
