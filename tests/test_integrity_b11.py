"""Rules read off the eleventh blind batch (uvicorn, pluggy, pflag, validator, multer, helmet,
commons-compress, junit4), each as a small real git repository scanned through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- TypeScript helpers with typed parameters (helmet)

JEST_WARNINGS = """import { describe, it, expect, jest, beforeEach } from "@jest/globals";

describe("warnings", () => {
  beforeEach(() => {
    jest.spyOn(console, "warn").mockImplementation(() => {});
  });

  it("warns about xPoweredBy options", () => {
    topLevel({ xPoweredBy: { setTo: "x" } });
    expect(console.warn).toHaveBeenCalledTimes(1);
    expect(console.warn).toHaveBeenCalledWith("X-Powered-By does not take options.");
  });
});
"""
NODE_WARNINGS = """import assert from "node:assert/strict";
import { describe, it, type TestContext, type Mock } from "node:test";

describe("warnings", () => {
  const mockWarn = (t: TestContext) => t.mock.method(console, "warn", () => {});

  const assertWarns = (
    { mock }: Mock<() => unknown>,
    message: string,
  ): void => {
    assert.equal(mock.callCount(), 1);
    assert.deepEqual(mock.calls[0]?.arguments, [message]);
  };

  it("warns about xPoweredBy options", (t) => {
    const warn = mockWarn(t);
    topLevel({ xPoweredBy: { setTo: "x" } });
    assertWarns(warn, "X-Powered-By does not take options.");
  });
});
"""


def test_checks_moved_into_a_typed_arrow_helper_are_kept(cli: Cli, tmp_path: Path) -> None:
    path = "test/index.test.ts"
    assert scan(cli, tmp_path, {path: JEST_WARNINGS}, {path: NODE_WARNINGS}) == []
    # The same helper with its checks gone checks nothing: the test lost them.
    checks = (
        "    assert.equal(mock.callCount(), 1);\n    assert.deepEqual(mock.calls[0]?.arguments, [message]);\n"
    )
    hollow = NODE_WARNINGS.replace(checks, "    void mock;\n")
    found = scan(cli, tmp_path / "2", {path: JEST_WARNINGS}, {path: hollow})
    assert kinds(found) == {("assertion_removed", "warnings > warns about xPoweredBy options")}
