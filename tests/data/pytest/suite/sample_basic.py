"""Sample tests that produce every pytest outcome, for the parser's real-report fixtures."""

import os
import pathlib

import pytest


def test_pass():
    assert 1 + 1 == 2


def test_fail():
    assert [1, 2, 3] == [1, 2, 4], "lists differ"


def test_raises_error_in_body():
    raise ValueError("bad value 42 at 0xdeadbeef")


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup exploded")


@pytest.fixture
def broken_teardown():
    yield 1
    raise RuntimeError("teardown exploded")


def test_setup_error(broken_setup):
    assert broken_setup


def test_teardown_error_after_pass(broken_teardown):
    assert broken_teardown == 1


def test_teardown_error_after_fail(broken_teardown):
    assert broken_teardown == 2


def test_skip():
    pytest.skip("not on this machine")


@pytest.mark.skipif(True, reason="always skipped by marker")
def test_skipif_marker():
    pass


@pytest.mark.xfail(reason="known bug 123")
def test_xfail():
    assert False


def test_xfail_imperative():
    pytest.xfail("imperative xfail")


@pytest.mark.xfail(reason="fixed already?")
def test_xpass_non_strict():
    assert True


@pytest.mark.xfail(reason="must fail", strict=True)
def test_xpass_strict():
    assert True


@pytest.mark.parametrize("value, expected", [(1, 2), (2, 4), (3, 7)])
def test_double(value, expected):
    assert value * 2 == expected


@pytest.mark.parametrize("text", ["a/b", "x::y", "ünï"])
def test_odd_params(text):
    assert text


class TestAlpha:
    def test_same(self):
        assert True

    def test_only_alpha(self):
        assert "alpha"


class TestBeta:
    def test_same(self):
        assert False, "beta differs"


def test_flaky_passes_on_rerun():
    counter = pathlib.Path(os.environ.get("SAMPLE_COUNTER", "/tmp/ccdash_sample_counter"))
    tries = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(tries + 1))
    assert tries >= 1, f"attempt {tries + 1} fails"
