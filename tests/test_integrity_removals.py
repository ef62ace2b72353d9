"""Lost checks and deleted tests judged against the whole change: each class as a small real git repository
scanned through the CLI (`integrity scan --base C^ --head C`), the look-alike beside the real loss."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- 1. a kept test ported off an API the change removes

CLIENT = """
import warnings


class Client:
    def __init__(
        self,
        mounts=None,
        proxies: dict | None = None,
    ):
        if proxies:
            warnings.warn("proxies is deprecated", DeprecationWarning)
        self.mounts = dict(mounts or proxies or {})
"""

CLIENT_WITHOUT_PROXIES = """
class Client:
    def __init__(
        self,
        mounts=None,
    ):
        self.mounts = dict(mounts or {})
"""

TESTS = """
import pytest
from lib.client import Client


def test_mounts_are_kept():
    with pytest.warns(DeprecationWarning):
        client = Client(proxies={"all://": "http://proxy"})
    assert list(client.mounts) == ["all://"]


def test_close():
    with pytest.warns(DeprecationWarning):
        client = Client(proxies={"https://": "http://proxy"})
    client.close()


def test_proxies_parameter():
    with pytest.warns(DeprecationWarning):
        client = Client(proxies={"http://": "http://proxy"})
    assert client.mounts["http://"] == "http://proxy"
"""

PORTED = """
import pytest
from lib.client import Client


def test_mounts_are_kept():
    client = Client(mounts={"all://": "http://proxy"})
    assert list(client.mounts) == ["all://"]


def test_close():
    client = Client(mounts={"https://": "http://proxy"})
    client.close()
"""


def test_checks_of_a_removed_parameter_go_with_it_when_the_test_is_ported(cli: Cli, tmp_path: Path) -> None:
    before = {"lib/client.py": CLIENT, "tests/test_client.py": TESTS}
    after = {"lib/client.py": CLIENT_WITHOUT_PROXIES, "tests/test_client.py": PORTED}
    signals = scan(cli, tmp_path, before, after)
    # The deleted test of the removed parameter is still a loss (a deliberate one: the verdict's).
    assert kinds(signals) == {("test_removed", "test_proxies_parameter")}


def test_a_lost_check_of_code_that_stays_is_still_a_loss(cli: Cli, tmp_path: Path) -> None:
    # The same port, but the code keeps `proxies=`: its deprecation is no longer checked.
    before = {"lib/client.py": CLIENT, "tests/test_client.py": TESTS}
    after = {"lib/client.py": CLIENT + "\n# mounts first\n", "tests/test_client.py": PORTED}
    found = kinds(scan(cli, tmp_path, before, after))
    assert ("assertion_removed", "test_mounts_are_kept") in found
    assert ("assertion_removed", "test_close") in found


def test_a_check_dropped_without_a_port_is_a_loss_even_when_the_code_goes(cli: Cli, tmp_path: Path) -> None:
    # The warning check deleted while the test gained nothing in its place: not a port, a loss.
    unported = TESTS.replace(
        '    with pytest.warns(DeprecationWarning):\n        client = Client(proxies={"all://": "http://proxy"})\n',
        '    client = Client(proxies={"all://": "http://proxy"})\n',
    )
    before = {"lib/client.py": CLIENT, "tests/test_client.py": TESTS}
    after = {"lib/client.py": CLIENT_WITHOUT_PROXIES, "tests/test_client.py": unported}
    assert kinds(scan(cli, tmp_path, before, after)) == {("assertion_removed", "test_mounts_are_kept")}


# ------------------------------------------------- 2. a test that expected an error now pins the result

RETRY = """
import test from 'ava';
import {fetchWithRetry} from '../source/index.js';

test('a body that never ends times out', async t => {
	let count = 0;
	const error = await t.throwsAsync(fetchWithRetry(() => count++));
	t.is(error.name, 'TimeoutError');
	t.is(count, 1);
});
"""

RETRY_SUCCEEDS = """
import test from 'ava';
import {fetchWithRetry} from '../source/index.js';

test('a body that never ends is bounded and the retry proceeds', async t => {
	let count = 0;
	const result = await fetchWithRetry(() => count++);
	t.is(result, 'ok');
	t.is(count, 2);
});
"""


def test_checks_of_an_error_the_test_no_longer_expects_go_with_it(cli: Cli, tmp_path: Path) -> None:
    # The call used to fail and now returns: the test pins the result, the error's checks are moot.
    assert scan(cli, tmp_path, {"test/retry.ts": RETRY}, {"test/retry.ts": RETRY_SUCCEEDS}) == []


@pytest.mark.parametrize(
    "after",
    [
        # the error swallowed and nothing pinned in its place
        RETRY.replace(
            "const error = await t.throwsAsync(fetchWithRetry(() => count++));",
            "await fetchWithRetry(() => count++).catch(() => {});",
        ).replace("\tt.is(error.name, 'TimeoutError');\n", ""),
        # still an error expected, its name no longer checked
        RETRY.replace("\tt.is(error.name, 'TimeoutError');\n", ""),
    ],
)
def test_a_dropped_error_check_with_no_result_pinned_is_a_loss(cli: Cli, tmp_path: Path, after: str) -> None:
    found = kinds(scan(cli, tmp_path, {"test/retry.ts": RETRY}, {"test/retry.ts": after}))
    assert found == {("assertion_removed", "a body that never ends times out")}
