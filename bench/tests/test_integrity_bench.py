"""The integrity bench scores right: real scans of a tiny history, exact figures from known signals."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

INTEGRITY = Path(__file__).resolve().parents[1] / "integrity"


def load(name: str) -> ModuleType:
    """bench/integrity modules under names of their own (bench/run.py is `run` for the other bench tests)."""
    spec = importlib.util.spec_from_file_location(f"integrity_{name}", INTEGRITY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = load("run")
score = load("score")
candidates = load("candidates")
reformat = load("reformat")

CALC = """import pytest


def add(a, b):
    return a + b


def test_add():
    assert add(1, 2) == 3
    assert add(0, 0) == 0


def test_negative():
    assert add(-1, -1) == -2


def test_gone():
    assert add(2, 2) == 4
"""
MATH = """import { describe, expect, it } from "vitest";

describe("math", () => {
  it("adds", () => {
    expect(1 + 1).toBe(2);
    expect(2 + 2).toBe(4);
  });
  it("subtracts", () => {
    expect(2 - 1).toBe(1);
  });
});
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        check=True,
        text=True,
    )
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | Path]:
    """Real repositories: `py` (dev: a removal, a deletion, a comment, a skip, a merge), `js` (held-out)."""
    root = tmp_path_factory.mktemp("repos")
    py, js = root / "py", root / "js"
    for repo in (py, js):
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
    shas: dict[str, str | Path] = {"root": root}
    commit(py, {"tests/test_calc.py": CALC}, "tests")
    weakened = CALC.replace("    assert add(0, 0) == 0\n", "").split("\n\ndef test_gone")[0] + "\n"
    shas["weaken"] = commit(py, {"tests/test_calc.py": weakened}, "drop a check and a test")
    commented = weakened.replace("def test_add():", "# the sum\ndef test_add():")
    shas["comment"] = commit(py, {"tests/test_calc.py": commented}, "comment")
    skipped = commented.replace("def test_negative", '@pytest.mark.skip(reason="flaky")\ndef test_negative')
    shas["skip"] = commit(py, {"tests/test_calc.py": skipped}, "skip for now")
    git(py, "checkout", "-q", "-b", "feature")
    commit(py, {"tests/test_more.py": "def test_more():\n    assert 1\n"}, "another test")
    git(py, "checkout", "-q", "main")
    git(py, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    shas["merge"] = git(py, "rev-parse", "HEAD")
    commit(js, {"web/math.test.js": MATH}, "tests")
    shas["js"] = commit(js, {"web/math.test.js": MATH.replace("    expect(2 + 2).toBe(4);\n", "")}, "drop")
    return shas


def lab(test: str, signal: str, **extra: object) -> dict:
    return {"file": "tests/test_calc.py", "test": test, "signal": signal, "reason": "r", **extra}


def labels_document(h: dict[str, str | Path]) -> dict:
    js = {"file": "web/math.test.js", "scope": "math"}
    return {
        "schema": 1,
        "repositories": {
            "py": {"url": "-", "language": "python", "set": "dev", "head": h["merge"]},
            "js": {"url": "-", "language": "javascript", "set": "held-out", "head": h["js"]},
        },
        "commits": [
            {"repository": "py", "commit": h["weaken"], "labels": [
                lab("test_add", "removed", deliberate=False),
                lab("test_gone", "test_removed", deliberate=True),
            ]},
            {"repository": "py", "commit": h["comment"], "labels": [
                lab("test_add", "removed", weakening=False, reason="a comment"),
            ]},
            {"repository": "py", "commit": h["skip"], "labels": [lab("test_negative", "skip")]},
            {"repository": "py", "commit": h["merge"], "merge": True, "labels": []},
            {"repository": "js", "commit": h["js"], "labels": [lab("adds", "removed", **js)]},
        ],
    }  # fmt: skip


def write_labels(tmp_path: Path, h: dict[str, str | Path]) -> Path:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(labels_document(h)))
    return path


def test_real_scans_of_a_tiny_history_score_every_label(
    history: dict[str, str | Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels, saved, out = write_labels(tmp_path, history), tmp_path / "signals.json", tmp_path / "scores.json"
    argv = ["--labels", str(labels), "--repos", str(history["root"]), "--no-reformat"]
    assert bench.main([*argv, "--save-signals", str(saved), "--json", str(out)]) == 0
    tallies = json.loads(out.read_text())["tallies"]
    overall = tallies["all"]["all"]
    # One signal per weakening: the removed check, the deleted test, the skip, the JS removal; the
    # comment-only commit and the merge (which brings one new test) weaken nothing.
    assert (overall["signals"], overall["true"], overall["labels"], overall["labels_found"]) == (4, 4, 4, 4)
    assert (overall["commits"], overall["weak_commits"], overall["weak_commits_found"]) == (5, 3, 3)
    assert overall["errors"] == 0
    assert tallies["set"]["dev"]["signals"] == 3 and tallies["set"]["held-out"]["signals"] == 1
    assert tallies["language"]["javascript"]["labels_found"] == 1
    assert tallies["type"]["test_removed"]["true"] == 1
    printed = capsys.readouterr().out
    assert "| all | 4 | 1.00 (4/4) |" in printed
    assert "Scan errors: 0 of 5 commits." in printed
    scans = json.loads(saved.read_text())["scans"]
    assert all(scan["cpu"] > 0 and scan["wall"] > 0 for scan in scans)


def signal(path: str, name: str, kind: str, severity: str = "medium", **details: object) -> dict:
    return {
        "file_path": path,
        "test_name": name,
        "signal_type": kind,
        "severity": severity,
        "details": details,
    }


def test_scores_of_known_signals_are_exact(
    history: dict[str, str | Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calc, js = "tests/test_calc.py", "web/math.test.js"
    scans = [
        ("py", history["weaken"], [
            signal(calc, "test_add", "assertion_removed", "high"),
            signal(calc, "TestCalc::test_add", "assertion_removed"),  # a duplicate: still true
            signal(calc, "", "test_removed", tests=["test_gone", "test_other"]),  # 1 of 2: false
        ]),
        ("py", history["comment"], [signal(calc, "test_add", "assertion_removed", "high")]),
        ("py", history["skip"], [
            signal(calc, "test_negative[1]", "skip_introduced", verdict="suspicious"),
            signal(calc, "test_negative", "edited_before_green"),  # needs runs: not scored
        ]),
        ("js", history["js"], [
            signal(js, "math > adds", "assertion_removed", verdict="likely_deliberate"),
            signal(js, "math > adds", "assertion_weakened"),  # another family: false
        ]),
    ]  # fmt: skip
    saved = tmp_path / "known.json"
    cost = {"error": None, "cpu": 0.5, "wall": 1.0}
    documents = [{"repository": r, "commit": c, "signals": s, **cost} for r, c, s in scans]
    saved.write_text(json.dumps({"scans": documents}))
    out = tmp_path / "scores.json"
    labels = write_labels(tmp_path, history)
    assert bench.main(["--labels", str(labels), "--signals", str(saved), "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    overall = document["tallies"]["all"]["all"]
    assert (overall["signals"], overall["true"], overall["precision"]) == (7, 4, 4 / 7)
    assert (overall["high"], overall["high_true"]) == (2, 1)
    assert (overall["labels"], overall["labels_found"], overall["duplicates"]) == (4, 4, 1)
    assert (overall["verdicts"], overall["verdicts_agree"]) == (2, 1)
    assert (overall["weak_commits"], overall["weak_commits_found"]) == (3, 3)
    assert overall["actionable_true"] == 4
    sets = document["tallies"]["set"]
    assert (sets["dev"]["signals"], sets["dev"]["true"], sets["held-out"]["true"]) == (5, 3, 1)
    kinds = document["tallies"]["set/type"]
    assert kinds["held-out/weakened"]["signals"] == 1 and kinds["held-out/weakened"]["true"] == 0
    assert kinds["dev/test_removed"]["labels_found"] == 1 and kinds["dev/test_removed"]["true"] == 0
    assert len(document["false_signals"]) == 3 and document["missed_labels"] == []
    printed = capsys.readouterr().out
    assert "labelled harmless: a comment" in printed
    assert "1 of 2 listed tests are true" in printed
    assert "unscored signals (edited_before_green): 1" in printed


def test_verdicts_against_the_labels_are_listed_both_ways(
    history: dict[str, str | Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calc, js = "tests/test_calc.py", "web/math.test.js"
    why = {"verdict_evidence": ["the commit is a revert"]}
    deliberate = "likely_deliberate"
    scans = [
        ("py", history["weaken"], [
            signal(calc, "test_add", "assertion_removed", verdict="suspicious"),  # agrees: look
            signal(calc, "test_gone", "test_removed", verdict="suspicious"),  # labelled deliberate
        ]),
        ("py", history["skip"], [signal(calc, "test_negative", "skip_introduced", verdict="suspicious")]),
        ("py", history["comment"], [signal(calc, "test_add", "assertion_removed", verdict=deliberate)]),
        ("js", history["js"], [signal(js, "math > adds", "assertion_removed", verdict=deliberate, **why)]),
    ]  # fmt: skip
    saved, out = tmp_path / "known.json", tmp_path / "scores.json"
    cost = {"error": None, "cpu": 0.5, "wall": 1.0}
    saved.write_text(
        json.dumps({"scans": [{"repository": r, "commit": c, "signals": s, **cost} for r, c, s in scans]})
    )
    labels = write_labels(tmp_path, history)
    assert bench.main(["--labels", str(labels), "--signals", str(saved), "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["tallies"]["all"]["all"]["verdicts"] == 4
    assert document["tallies"]["all"]["all"]["verdicts_agree"] == 2
    # A false signal's verdict (the comment commit) is no disagreement: it has no label to disagree with.
    hidden = document["verdict_disagreements"]["deliberate_but_look"]
    loud = document["verdict_disagreements"]["suspicious_but_deliberate"]
    assert len(hidden) == 1 and "math > adds" in hidden[0] and "<- the commit is a revert" in hidden[0]
    assert "labels look: r" in hidden[0]
    assert len(loud) == 1 and "test_gone" in loud[0] and "labels deliberate: r" in loud[0]
    printed = capsys.readouterr().out
    assert (
        "called likely_deliberate, labels say look: 1; called suspicious, labels say deliberate: 1" in printed
    )
    assert "### Called likely_deliberate, labels say look (1)" in printed


def test_reverdict_judges_saved_signals_again_from_the_clone(
    history: dict[str, str | Path], tmp_path: Path
) -> None:
    """A saved verdict (and its severity cap) is replaced by what this checkout's rules say of the commit:
    the skip commit ("skip for now", reason "flaky") is suspicious whatever the saved scan said."""
    calc = "tests/test_calc.py"
    wrong = signal(
        calc, "test_negative", "skip_introduced", "medium", verdict="likely_deliberate",
        severity_capped="high -> medium: likely deliberate", marker='@pytest.mark.skip(reason="flaky")',
    )  # fmt: skip
    saved, out = tmp_path / "saved.json", tmp_path / "scores.json"
    entry = {
        "repository": "py",
        "commit": history["skip"],
        "signals": [wrong],
        "error": None,
        "cpu": 0,
        "wall": 0,
    }
    saved.write_text(json.dumps({"scans": [entry]}))
    labels = write_labels(tmp_path, history)
    argv = ["--labels", str(labels), "--signals", str(saved), "--only", "py", "--json", str(out)]
    assert bench.main([*argv, "--repos", str(history["root"]), "--reverdict"]) == 0
    overall = json.loads(out.read_text())["tallies"]["all"]["all"]
    assert (overall["verdicts"], overall["verdicts_agree"], overall["high"]) == (1, 1, 1)
    assert bench.main([*argv, "--repos", str(tmp_path / "none"), "--reverdict"]) == 2


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("describe > inner > it works", "javascript", (("describe", "inner"), "it works")),
        ("Class::method", "java", (("Class",), "method")),
        ("Class.method(int)", "java", (("Class",), "method")),
        ("TestX::test_y[a-b]", "python", (("TestX",), "test_y")),
        ("handles a.b", "javascript", ((), "handles a.b")),
        ("TestCase", "go", ((), "TestCase")),
    ],
)
def test_names_are_cut_into_scope_and_leaf(name: str, language: str, expected: tuple) -> None:
    assert score.split_name(name, language) == expected


def test_matching_rule() -> None:
    def label(test: str, scope: str | None = None, **extra: object) -> score.Label:
        fields = {"repository": "r", "commit": "c", "file": "a.py", "signal": "removed", "weakening": True}
        return score.Label(test=test, scope=scope, deliberate=False, reason="", **{**fields, **extra})

    def hit(one: score.Label, name: str, kind: str = "assertion_removed", path: str = "a.py") -> bool:
        found = score.Signal("r", "c", path, name, kind, "medium", None, None)
        return score.matches(one, found, name, "python")

    assert hit(label("test_x", "Outer > Inner"), "Inner::test_x")
    assert not hit(label("test_x", "Other"), "Inner::test_x")
    assert hit(label("test_x", "Inner"), "test_x")  # only one side has a scope
    assert not hit(label("test_x"), "test_x", "assertion_weakened")
    assert hit(label("test_x", accept=frozenset({"weakened"})), "test_x", "assertion_weakened")
    assert hit(label("*", "TestA", signal="skip"), "TestA::test_q", "skip_introduced")
    assert hit(label("*", "TestA", signal="skip"), "TestA", "skip_introduced")
    assert not hit(label("*", "TestA", signal="skip"), "TestB::test_q", "skip_introduced")
    # Every test in the scope, nested blocks included; a block of the same name elsewhere is not in it.
    block = label("*", "Sandbox > fake XHR", signal="test_removed")
    assert hit(block, "Sandbox > fake XHR > browser > defines server", "test_removed")
    assert hit(block, "Sandbox > fake XHR > defines server", "test_removed")
    assert not hit(block, "Sandbox > clock > fake XHR2 > defines server", "test_removed")
    assert not hit(block, "Sandbox > inject > defines server", "test_removed")
    assert hit(label("test_x", old_file="old.py"), "test_x", path="old.py")
    assert not hit(label("test_x"), "test_x", "some_new_type")
    # A title built at run time, as the detector writes it, matches a label naming one instance.
    assert hit(label("should include QUERY", "m"), "m > should include ${method.toUpperCase()}")
    assert hit(label("send ETag to QUERY request"), "send ETag to ${m.toUpperCase()} request")
    assert not hit(label("send ETag to QUERY"), "send ETag to ${m.toUpperCase()} request")
    assert not hit(label("should include QUERY"), "should include ")


def test_missing_clone_or_commit_is_one_plain_line(history: dict[str, str | Path], tmp_path: Path) -> None:
    labels = write_labels(tmp_path, history)
    done = subprocess.run(
        [sys.executable, str(INTEGRITY / "run.py"), "--labels", str(labels), "--repos", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "no clone of py" in done.stderr and "Traceback" not in done.stderr
    document = labels_document(history)
    document["commits"][0]["commit"] = "0" * 40
    labels.write_text(json.dumps(document))
    assert bench.check_clones(document["repositories"], document["commits"], Path(history["root"])) == [
        f"{history['root']}/py: commit {'0' * 40} missing (git -C {history['root']}/py fetch origin)"
    ]


def test_sampler_takes_merges_and_the_viewer_calls_them_replays(history: dict[str, str | Path]) -> None:
    repo = Path(history["root"]) / "py"
    sampled = candidates.sample(repo, "HEAD", candidates.re.compile(r"^tests/"), 10)
    assert [c.sha for c in sampled][:2] == [history["merge"], git(repo, "rev-parse", "feature")]
    assert len(sampled[0].parents) == 2 and len(sampled) == 5  # the root commit is never sampled
    out: list[str] = []
    candidates.show(repo, str(history["merge"]), candidates.re.compile(r"^tests/"), out)
    assert any("tests/test_more.py: same as a parent (replayed)" in line for line in out)
    out.clear()
    candidates.show(repo, str(history["weaken"]), candidates.re.compile(r"^tests/"), out)
    assert any("-    assert add(0, 0) == 0" in line for line in out)
    assert any("definitions removed and not re-added: tests/test_calc.py:test_gone" in line for line in out)


def test_reformat_commit_changes_200_test_files(tmp_path: Path) -> None:
    head = reformat.build(tmp_path / "repo")
    changed = git(tmp_path / "repo", "diff", "--name-only", f"{head}^", head).splitlines()
    assert len(changed) == 4 * reformat.FILES_PER_LANGUAGE == 200


def test_viewer_prints_what_a_merge_resolution_adds(tmp_path: Path) -> None:
    repo = tmp_path / "m"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"tests/test_m.py": "def test_a():\n    assert 1 == 1\n"}, "base")
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, {"tests/test_m.py": "def test_a():\n    assert 2 == 2\n"}, "side")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"tests/test_m.py": "def test_a():\n    assert 3 == 3\n"}, "main")
    subprocess.run(["git", "-C", str(repo), "merge", "-q", "side"], capture_output=True)
    commit(repo, {"tests/test_m.py": "def test_a():\n    pass\n"}, "resolve by dropping both checks")
    out: list[str] = []
    candidates.show(repo, "HEAD", candidates.re.compile(r"^tests/"), out)
    assert any("differs from every parent; combined diff:" in line for line in out)
    shown = "\n".join(out)
    assert "assert 3 == 3" in shown and "assert 2 == 2" in shown and "++    pass" in shown


def test_the_labels_file_is_well_formed() -> None:
    # labels.json is written by hand (and by labellers' files merged into it): every commit names a
    # known repository by a full SHA once, every label a known family, a file and a test, and every
    # true label says whether it is deliberate; the scorer reads it all without complaint.
    document = json.loads((INTEGRITY / "labels.json").read_text(encoding="utf-8"))
    repositories = document["repositories"]
    assert all(entry["set"] in ("dev", "held-out") for entry in repositories.values())
    assert all(entry["language"] in ("python", "java", "go", "javascript") for entry in repositories.values())
    seen = set()
    for entry in document["commits"]:
        key = (entry["repository"], entry["commit"])
        assert entry["repository"] in repositories, key
        assert len(entry["commit"]) == 40 and set(entry["commit"]) <= set("0123456789abcdef"), key
        assert key not in seen, key
        seen.add(key)
        for label in entry["labels"]:
            assert label["file"] and label["test"] and isinstance(label["weakening"], bool), key
            if label["weakening"]:
                assert isinstance(label["deliberate"], bool), (key, label["test"])
    labels, commits = score.labels_from_document(document)
    assert len(commits) == len(seen) and len(labels) == sum(len(e["labels"]) for e in document["commits"])
