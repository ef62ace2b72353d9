"""Whether a deleted test lives on in another: each class a small real git repository scanned through the
CLI (`integrity scan --base C^ --head C`), the real loss beside its look-alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import Cli
from factories import scan_change as scan
from factories import signal_kinds as kinds

PATH = "tests/test_auth.py"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "store.db", "demo")


# ------------------------------------------------- 1. the same checks on other data are not a duplicate

AUTH = '''
from lib import Client, NetRC


def test_netrc_host_missing():
    """A host missing from the file gets no credentials."""
    client = Client(auth=NetRC("fixtures/.netrc"))
    response = client.get("http://example.org")
    assert response.status_code == 200
    assert response.json() == {"auth": None}


def test_netrc_no_password():
    """An entry without a password sends no credentials either."""
    client = Client(auth=NetRC("fixtures/.netrc-nopassword"))
    response = client.get("http://example.org")
    assert response.status_code == 200
    assert response.json() == {"auth": None}
'''

AUTH_TWICE = (
    AUTH
    + """

def test_netrc_host_missing_again():
    client = Client(auth=NetRC("fixtures/.netrc"))
    response = client.get("http://example.org")
    assert response.status_code == 200
    assert response.json() == {"auth": None}
"""
)


def without(source: str, name: str) -> str:
    """`source` without the top-level function `name` (up to the next blank-line-separated definition)."""
    start = source.index(f"def {name}(")
    end = source.find("\n\n\ndef ", start)
    return source[:start] + (source[end + 3 :] if end >= 0 else "")


def test_a_removed_test_whose_checks_another_makes_on_other_data_is_removed(cli: Cli, tmp_path: Path) -> None:
    after = without(AUTH, "test_netrc_no_password")
    signals = scan(cli, tmp_path, {PATH: AUTH}, {PATH: after})
    assert kinds(signals) == {("test_removed", "test_netrc_no_password")}


def test_a_removed_duplicate_on_the_same_data_is_silent(cli: Cli, tmp_path: Path) -> None:
    after = without(AUTH_TWICE, "test_netrc_host_missing_again")
    assert scan(cli, tmp_path, {PATH: AUTH_TWICE}, {PATH: after}) == []


# ------------------------------------------------- 2. checks an edited test already made take nothing over

PROXIES = """
import pytest
from lib import Client, Transport


@pytest.mark.parametrize(["url", "expected"], [("http://a.example", "http://proxy"), ("http://b", None)])
def test_transport_for_url(url, expected):
    client = Client(proxies={"all://": "http://proxy"})
    transport = client.transport_for(url)
    assert isinstance(transport, Transport)
    assert transport.proxy_url == expected


def test_proxies_parameter():
    url, expected = "https://example.com", "https://10.0.0.1"
    client = Client(proxies={"https://": "https://10.0.0.1", "all://": "http://10.0.0.2"})
    transport = client.transport_for(url)
    assert isinstance(transport, Transport)
    assert transport.proxy_url == expected
"""

PROXIES_PORTED = """
import pytest
from lib import Client, Transport


@pytest.mark.parametrize(["url", "expected"], [("http://a.example", "http://proxy"), ("http://b", None)])
def test_transport_for_url(url, expected):
    mounts = {"all://": Transport(proxy="http://proxy")}
    client = Client(mounts=mounts)
    transport = client.transport_for(url)
    assert isinstance(transport, Transport)
    assert transport.proxy_url == expected
"""

PROXIES_FOLDED = """
import pytest
from lib import Client, Transport


@pytest.mark.parametrize(
    ["url", "proxies", "expected"],
    [
        ("http://a.example", {"all://": "http://proxy"}, "http://proxy"),
        ("http://b", {"all://": "http://proxy"}, None),
        ("https://example.com", {"https://": "https://10.0.0.1", "all://": "http://10.0.0.2"}, "https://10.0.0.1"),
    ],
)
def test_transport_for_url(url, proxies, expected):
    client = Client(proxies=proxies)
    transport = client.transport_for(url)
    assert isinstance(transport, Transport)
    assert transport.proxy_url == expected
"""


def test_checks_an_edited_test_made_before_take_nothing_over(cli: Cli, tmp_path: Path) -> None:
    # The edited test gained lines (a port to mounts=), not the removed test's data: it already
    # checked a transport's proxy beside test_proxies_parameter, so that test's case is gone.
    signals = scan(cli, tmp_path, {PATH: PROXIES}, {PATH: PROXIES_PORTED})
    assert kinds(signals) == {("test_removed", "test_proxies_parameter")}


def test_a_test_whose_data_moves_into_an_edited_test_lives_on(cli: Cli, tmp_path: Path) -> None:
    # Its inputs and expected value became a case of the edited test, run through the same checks.
    assert scan(cli, tmp_path, {PATH: PROXIES}, {PATH: PROXIES_FOLDED}) == []


# ------------------------------------------------- 3. a fold into a parametrized test, cases of any shape

URLS = """
import httpx


def test_path_encoding():
    url = httpx.URL("https://example.com/a b")
    assert url.raw_path == b"/a%20b"
    assert url.path == "/a b"
    assert url.query == b""


def test_query_encoding():
    url = httpx.URL("https://example.com/?a b")
    assert url.raw_path == b"/?a%20b"
    assert url.path == "/"
    assert url.query == b"a%20b"
"""

URLS_FOLDED = """
import httpx
import pytest


@pytest.mark.parametrize(
    "url,raw_path,path,query",
    [
        ("https://example.com/a b", b"/a%20b", "/a b", b""),
        pytest.param("https://example.com/?a b", b"/?a%20b", "/", b"a%20b", id="query"),
    ],
)
def test_url_parts(url, raw_path, path, query):
    url = httpx.URL(url)
    assert url.raw_path == raw_path
    assert url.path == path
    assert url.query == query
"""


def test_tests_folded_into_a_parametrized_test_live_on(cli: Cli, tmp_path: Path) -> None:
    # A tuple case and a pytest.param case: each removed test's checks, with its values, are a case's.
    assert scan(cli, tmp_path, {PATH: URLS}, {PATH: URLS_FOLDED}) == []


def test_a_test_left_out_of_the_fold_is_removed(cli: Cli, tmp_path: Path) -> None:
    folded = URLS_FOLDED.replace(
        '        pytest.param("https://example.com/?a b", b"/?a%20b", "/", b"a%20b", id="query"),\n', ""
    )
    signals = scan(cli, tmp_path, {PATH: URLS}, {PATH: folded})
    assert kinds(signals) == {("test_removed", "test_query_encoding")}


# ---------------------------- a parametrize value that Python 3.11 cannot write back into an f-string

ESCAPES = """
import pytest
from lib import quote


@pytest.mark.parametrize("text", ["a\\\\nb", "tab\\\\there"])
def test_quote(text):
    assert quote(text) == f"<{text}>"


def test_quote_empty():
    assert quote("") == "<>"
"""


def test_a_value_with_a_backslash_written_into_an_f_string_scans(cli: Cli, tmp_path: Path) -> None:
    # The case's value substituted into the f-string's braces is a string with a backslash, which
    # ast.unparse refuses on Python 3.11: the scan must still read the file and find the deletion.
    after = ESCAPES.replace('\n\ndef test_quote_empty():\n    assert quote("") == "<>"\n', "\n")
    assert after != ESCAPES
    signals = scan(cli, tmp_path, {"tests/test_quote.py": ESCAPES}, {"tests/test_quote.py": after})
    assert kinds(signals) == {("test_removed", "test_quote_empty")}
