"""supertest's `.expect(status, body)`: an exact body loosened to a pattern accepts more. Each case is a
small real git repository scanned through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


SPEC = """const request = require('supertest')
const app = require('..')

describe('bodyParser.json()', function () {
  it('should 400 on malformed JSON', function (done) {
    request(app)
      .post('/')
      .set('Content-Type', 'application/json')
      .send('{:')
      .expect(400, %s, done)
  })
})
"""
FILE = "test/json.js"


def test_an_exact_body_loosened_to_a_pattern_is_a_weakened_check(cli: Cli, tmp_path: Path) -> None:
    before = {FILE: SPEC % "'[entity.parse.failed] Unexpected token :'"}
    found = scan(cli, tmp_path, before, {FILE: SPEC % "/unexpected token/i"})
    assert kinds(found) == {("assertion_weakened", "bodyParser.json() > should 400 on malformed JSON")}


def test_a_pattern_tightened_to_an_exact_body_weakens_nothing(cli: Cli, tmp_path: Path) -> None:
    before = {FILE: SPEC % "/unexpected token/i"}
    assert scan(cli, tmp_path, before, {FILE: SPEC % "'Unexpected token :'"}) == []


def test_one_pattern_for_another_weakens_nothing(cli: Cli, tmp_path: Path) -> None:
    before = {FILE: SPEC % "/unexpected token/i"}
    assert scan(cli, tmp_path, before, {FILE: SPEC % "/unexpected token ':'/i"}) == []
