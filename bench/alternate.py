"""Alternated whole-process CPU of `ccdash-tests ingest` from two exported trees, as bench/README.md's
start-up sections measure it (issue 18).

    python bench/alternate.py BASE_REV HEAD_REV WORKDIR [--rounds 11] [--big-rounds 5]

Each revision is exported with `git archive` into WORKDIR twice, as source only (run with
`PYTHONDONTWRITEBYTECODE=1`, as the harness runs a checkout) and compiled with `compileall` (as an
installed package runs), and run through `PYTHONPATH` with this interpreter. WORKDIR/work is a git
checkout with one commit (so the run has a SHA and the integrity hook looks for an earlier run) holding
the generated 1,000- and 100,000-case JUnit reports. Each command is `sh -c 'rm -f STORE*; COMMAND'`
(the re-ingest keeps a store per tree holding the 100,000-case run), stdout and stderr to /dev/null,
CI variables and the PostgreSQL URL removed; the figure is the median over the rounds of the child's
user + system CPU (`getrusage(RUSAGE_CHILDREN)`), the two trees alternating which runs first. Prints
one line per command and writes WORKDIR/result-{src,pyc}.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PY = sys.executable
TREES = ("base", "head")


def export(rev: str, into: Path) -> None:
    """`rev` as source only (into-src) and compiled (into-pyc)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    for kind in ("src", "pyc"):
        tree = into.with_name(f"{into.name}-{kind}")
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        if kind == "pyc":
            subprocess.run([PY, "-m", "compileall", "-q", str(tree / "ccdash_tests")], check=True)


def checkout(work: Path) -> None:
    """A git checkout with one commit, holding the two reports."""
    if (work / "r100k.xml").exists():
        return
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    subprocess.run(
        ["git", "-C", str(work), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty",
         "-m", "one"],
        check=True,
    )  # fmt: skip
    for count, name in ((1000, "r1k.xml"), (100_000, "r100k.xml")):
        subprocess.run([PY, str(BENCH / "generate.py"), "junit", str(count), str(work / name)], check=True)


def environment(tree: Path) -> dict[str, str]:
    drop = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "CCDASH_TESTS_POSTGRES_URL", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env["PYTHONPATH"] = str(tree)
    if tree.name.endswith("-src"):
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def cpu(command: str, tree: Path, work: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        ["sh", "-c", command], env=environment(tree), cwd=work, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def measure(root: Path, kind: str, rounds: int, big_rounds: int) -> dict[str, dict[str, float]]:
    work = root / "work"
    trees = {name: root / f"{name}-{kind}" for name in TREES}
    cli = f"{PY} -m ccdash_tests ingest"
    floor = f"{PY} {BENCH / 'floor.py'} junit"
    commands: dict[str, tuple[Callable[[str], str], tuple[str, ...], int]] = {
        "floor 1k": (lambda t: f"rm -f F.db*; {floor} r1k.xml --sqlite F.db", ("head",), rounds),
        "ingest 1k": (
            lambda t: f"rm -f S-{t}.db*; {cli} r1k.xml --db S-{t}.db --project bench",
            TREES,
            rounds,
        ),
        "re-ingest 100k": (lambda t: f"{cli} r100k.xml --db R-{t}.db --project bench", TREES, rounds),
        "floor 100k": (lambda t: f"rm -f F.db*; {floor} r100k.xml --sqlite F.db", ("head",), big_rounds),
        "ingest 100k": (
            lambda t: f"rm -f B-{t}.db*; {cli} r100k.xml --db B-{t}.db --project bench",
            TREES,
            big_rounds,
        ),
    }
    for name in TREES:
        subprocess.run(
            ["sh", "-c", f"rm -f R-{name}.db*; {cli} r100k.xml --db R-{name}.db --project bench"],
            env=environment(trees[name]), cwd=work, check=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
    medians: dict[str, dict[str, float]] = {}
    for label, (command, names, count) in commands.items():
        samples: dict[str, list[float]] = {name: [] for name in names}
        for index in range(count):
            for name in names if index % 2 == 0 else tuple(reversed(names)):
                samples[name].append(cpu(command(name), trees[name], work))
        medians[label] = {name: statistics.median(values) for name, values in samples.items()}
        shown = {name: round(value, 3) for name, value in medians[label].items()}
        print(kind, label, shown, "load", os.getloadavg()[0], flush=True)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("head")
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--big-rounds", type=int, default=5)
    args = parser.parse_args()
    root = args.workdir.resolve()
    checkout(root / "work")
    export(args.base, root / "base")
    export(args.head, root / "head")
    for kind in ("src", "pyc"):
        result = measure(root, kind, args.rounds, args.big_rounds)
        (root / f"result-{kind}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
