"""Memory and request size of `ccdash-tests push` for a large run, against the stand-in CCDash server.

    .venv/bin/python bench/push.py [--cases 100000] [--batch-sizes 5000 50000]

A generated JUnit report of `--cases` tests is ingested into a fresh SQLite store, then pushed once per
batch size to a stand-in CCDash (tests/ccdash_standin.py: a real HTTP server that validates every body
and answers as CCDash does) that is fresh each time, so every push creates the run. Each push is one
`ccdash-tests push` process started by GNU time: its peak RSS is the figure. Beside it: `runs list`
of the same store (the CLI with the store open and nothing pushed: the floor), the largest request body,
and the size the whole run would be as a single body. Results: bench/out/push-latest.json and stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

import generate  # noqa: E402  # bench/ is a folder of scripts, not a package
from ccdash_standin import serve  # noqa: E402
from run import CLI, checked, run_child  # noqa: E402

OUT = BENCH / "out"


def measure(cases: int, batch_sizes: list[int]) -> dict:
    report = generate.report_path(OUT / "reports", "junit", cases)
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        work = Path(tmp)
        db = str(work / "store.db")
        checked(
            run_child([CLI, "ingest", str(report), "--db", db, "--project", "bench", "-q"], work), "ingest"
        )
        floor = checked(
            run_child([CLI, "runs", "list", "--db", db, "--project", "bench", "--json"], work), "list"
        )
        rows = []
        for size in batch_sizes:
            with serve() as ccdash:
                ccdash.keep_bodies = False
                argv = [CLI, "push", "--db", db, "--project", "bench", "--ccdash-url", ccdash.url]
                child = checked(run_child([*argv, "--batch-size", str(size)], work, timeout=1800), "push")
                lengths = [int(post.headers["Content-Length"]) for post in ccdash.ingest_posts()]
                run = next(iter(ccdash.runs.values()))
                assert run["total_tests"] == cases, run
                assert not ccdash.violations, ccdash.violations[:3]
            rows.append(
                {
                    "batch_size": size,
                    "posts": len(lengths),
                    "seconds": round(child.seconds, 2),
                    "peak_rss_mb": round(child.max_rss_mb or 0, 1),
                    "largest_body_mb": round(max(lengths) / 2**20, 2),
                    "all_bodies_mb": round(sum(lengths) / 2**20, 2),
                }
            )
    return {"cases": cases, "runs_list_peak_rss_mb": round(floor.max_rss_mb or 0, 1), "pushes": rows}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[5_000, 50_000])
    args = parser.parse_args()
    facts = measure(args.cases, args.batch_sizes)
    OUT.mkdir(exist_ok=True)
    (OUT / "push-latest.json").write_text(json.dumps(facts, indent=2) + "\n")
    print(
        f"{facts['cases']:,} tests; `runs list --json` on the same store: {facts['runs_list_peak_rss_mb']} MB"
    )
    print(f"{'batch':>7} {'posts':>6} {'push s':>7} {'peak MB':>8} {'largest body MB':>16} {'all MB':>7}")
    for row in facts["pushes"]:
        print(
            f"{row['batch_size']:>7,} {row['posts']:>6} {row['seconds']:>7} {row['peak_rss_mb']:>8} "
            f"{row['largest_body_mb']:>16} {row['all_bodies_mb']:>7}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
