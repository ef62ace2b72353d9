"""Score `integrity scan` on real history against hand labels: precision, high precision, recall, timing.

    .venv/bin/python bench/integrity/run.py --repos /work/ext/ib            # scan every labelled commit
    .venv/bin/python bench/integrity/run.py --repos DIR --only click --only gson
    .venv/bin/python bench/integrity/run.py --repos DIR --save-signals out.json   # keep what scans printed
    .venv/bin/python bench/integrity/run.py --signals out.json                    # rescore without scanning
    .venv/bin/python bench/integrity/run.py --signals out.json --repos DIR --reverdict  # new verdict rules

Each labelled commit C is scanned as a user would: `ccdash-tests integrity scan --base C^ --head C
--json --db <temp store> --repo DIR/<repository>`, run with the ccdash_tests package of the checkout
this file sits in (so it measures whatever that checkout is at). See bench/integrity/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import reformat  # noqa: E402
import score  # noqa: E402

DEFAULT_LABELS = HERE / "labels.json"
TIMED_COMMITS = 150
SETS = ("dev", "held-out")


@dataclass
class Scan:
    """What one `integrity scan` printed, with its cost."""

    repository: str
    commit: str
    signals: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    cpu: float = 0.0
    wall: float = 0.0


def cli_argv() -> list[str]:
    return [sys.executable, "-m", "ccdash_tests"]


def cli_env() -> dict[str, str]:
    """The checkout's package first on the path, whatever is installed in the interpreter."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("CCDASH_TESTS_DB", None)
    return env


def run_timed(argv: Sequence[str], cwd: Path) -> tuple[int, bytes, bytes, float, float]:
    """Exit code, stdout, stderr, CPU seconds (user + system, from wait4: this child only), wall seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=cwd, stdout=out, stderr=err, env=cli_env())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return process.returncode, out.read(), err.read(), usage.ru_utime + usage.ru_stime, wall


def scan_commit(repository: str, commit: str, clone: Path, store: Path) -> Scan:
    argv = [
        *cli_argv(),
        "integrity", "scan", "--base", f"{commit}^", "--head", commit, "--json",
        "--db", str(store), "--project", repository, "--repo", str(clone),
    ]  # fmt: skip
    code, out, err, cpu, wall = run_timed(argv, clone)
    scan = Scan(repository, commit, cpu=cpu, wall=wall)
    text = err.decode("utf-8", "replace").strip()
    if code != 0 or "Traceback" in text:
        scan.error = f"exit {code}: " + (" | ".join(text.splitlines()[-2:]) or "(no message)")
        return scan
    try:
        scan.signals = list(json.loads(out)["signals"])
    except (ValueError, KeyError, TypeError) as exc:
        scan.error = f"unreadable JSON ({exc})"
    return scan


def scan_all(commits: Sequence[Mapping[str, Any]], repos: Path, jobs: int) -> list[Scan]:
    """Scan every commit; one store per repository, repositories in parallel when `jobs` > 1."""
    by_repo: dict[str, list[Mapping[str, Any]]] = {}
    for entry in commits:
        by_repo.setdefault(entry["repository"], []).append(entry)
    with tempfile.TemporaryDirectory(prefix="integrity-bench-") as work:

        def one_repository(name: str) -> list[Scan]:
            clone, store = repos / name, Path(work) / f"{name}.db"
            scans = []
            for number, entry in enumerate(by_repo[name], 1):
                scans.append(scan_commit(name, entry["commit"], clone, store))
                print(f"  {name}: {number}/{len(by_repo[name])}", end="\r", file=sys.stderr, flush=True)
            return scans

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            done = {
                name: scans for name, scans in zip(by_repo, pool.map(one_repository, by_repo), strict=True)
            }
    print(" " * 40, end="\r", file=sys.stderr)
    order = {(entry["repository"], entry["commit"]): index for index, entry in enumerate(commits)}
    return sorted(
        (scan for scans in done.values() for scan in scans), key=lambda s: order[(s.repository, s.commit)]
    )


def reverdict(scans: Sequence[Scan], repos: Path) -> None:
    """Judge each saved signal again with this checkout's verdict rules (deliberate.py), in place.

    Detection stays what the saved scan printed; the verdict is a pure function of a signal's
    evidence and its commit (message and code diff, read again from the clone), so this gives what a
    new scan would print, in seconds instead of a full run. A severity capped for a deliberate
    verdict is uncapped or capped again to match the new verdict, as build_signal does."""
    sys.path.insert(0, str(ROOT))
    from ccdash_tests.integrity import git
    from ccdash_tests.integrity.deliberate import DELIBERATE, classify
    from ccdash_tests.integrity.scan import change_context

    for saved in scans:
        if not saved.signals:
            continue
        clone = repos / saved.repository
        base = git.first_parent(clone, saved.commit)
        if base is None:
            continue
        files = git.changed_files(clone, base, saved.commit)
        context = change_context(clone, base, saved.commit, files, git.commit_info(clone, saved.commit))
        for document in saved.signals:
            details = document.setdefault("details", {})
            names = [str(n) for n in details.get("tests", [])] or [str(document.get("test_name") or "")]
            kind, path = str(document.get("signal_type")), str(document.get("file_path"))
            verdict = classify(kind, path, names, details, context)
            details["verdict"], details["verdict_evidence"] = verdict.verdict, list(verdict.because)
            if "verdict" in document:
                document["verdict"] = verdict.verdict
            severity = "high" if details.pop("severity_capped", None) else document.get("severity")
            if severity == "high" and verdict.verdict == DELIBERATE:
                severity, details["severity_capped"] = "medium", "high -> medium: likely deliberate"
            document["severity"] = severity


def check_clones(
    repositories: Mapping[str, Any], commits: Iterable[Mapping[str, Any]], repos: Path
) -> list[str]:
    """Problems that would make every scan of a repository fail, stated once."""
    problems, seen = [], set()
    for entry in commits:
        name = entry["repository"]
        clone = repos / name
        if name in seen:
            continue
        if not (clone / ".git").exists():
            url = repositories.get(name, {}).get("url", "?")
            problems.append(f"{clone}: no clone of {name} (git clone {url} {clone})")
            seen.add(name)
            continue
        probe = subprocess.run(
            ["git", "-C", str(clone), "cat-file", "-e", f"{entry['commit']}^{{commit}}"], capture_output=True
        )
        if probe.returncode != 0:
            problems.append(f"{clone}: commit {entry['commit']} missing (git -C {clone} fetch origin)")
            seen.add(name)
    return problems


def score_scans(document: Mapping[str, Any], scans: Sequence[Scan]) -> list[score.CommitResult]:
    labels, _ = score.labels_from_document(document)
    by_commit: dict[tuple[str, str], list[score.Label]] = {}
    for label in labels:
        by_commit.setdefault((label.repository, label.commit), []).append(label)
    repositories = document["repositories"]
    results = []
    for scan in scans:
        language = repositories[scan.repository]["language"]
        signals = [score.signal_from_document(scan.repository, scan.commit, raw) for raw in scan.signals]
        results.append(
            score.score_commit(
                scan.repository,
                scan.commit,
                language,
                by_commit.get((scan.repository, scan.commit), []),
                signals,
                scan.error,
            )
        )
    return results


def groups(document: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for name, repository in document["repositories"].items():
        out[f"{name}:set"] = repository["set"]
        out[f"{name}:language"] = repository["language"]
    return out


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def fraction(part: int, whole: int, value: float | None) -> str:
    return f"{fmt(value)} ({part}/{whole})"


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def tally_row(name: str, tally: score.Tally, commits: bool = True) -> list[str]:
    row = [
        name,
        str(tally.signals),
        fraction(tally.true, tally.signals, tally.precision),
        fraction(tally.high_true, tally.high, tally.high_precision),
        fraction(tally.labels_found, tally.labels, tally.recall),
    ]
    if commits:
        row.append(fraction(tally.weak_commits_found, tally.weak_commits, tally.commit_recall))
    row.append(
        fraction(tally.verdicts_agree, tally.verdicts, tally.verdict_agreement) if tally.verdicts else "-"
    )
    return row


def sorted_keys(keys: Iterable[str]) -> list[str]:
    """Each value with its sets beside it: "removed", "dev/removed", "held-out/removed", ..."""
    rank = {"dev": 1, "held-out": 2}

    def order(key: str) -> tuple[str, int]:
        subset, _, value = key.rpartition("/")
        if key in ("all", *rank):
            return ("", 0 if key == "all" else rank[key])
        return (value, rank.get(subset, 0))

    return sorted(keys, key=order)


def summary(document: Mapping[str, Any], results: Sequence[score.CommitResult]) -> list[str]:
    """The report: headline, by set, by type and by language (each split dev/held-out)."""
    group = groups(document)
    header = [
        "",
        "signals",
        "precision",
        "high precision",
        "recall (labels)",
        "recall (commits)",
        "verdicts agree",
    ]
    lines: list[str] = []
    overall = score.tally_results(results, group, "all") | score.tally_results(results, group, "set")
    rows = [tally_row(key, overall[key]) for key in sorted_keys(overall)]
    lines += ["### Overall", "", *table(rows, header), ""]
    for by, title in (("type", "signal type (family)"), ("language", "language")):
        split = score.tally_results(results, group, by) | score.tally_results(results, group, f"set/{by}")
        with_commits = by != "type"
        cols = header if with_commits else [c for c in header if c != "recall (commits)"]
        rows = [tally_row(key, split[key], with_commits) for key in sorted_keys(split)]
        lines += [f"### By {title}", "", *table(rows, cols), ""]
    everything = overall["all"] if "all" in overall else score.Tally()
    lines.append(
        f"True signals a reviewer should act on (true and not deliberate): {everything.actionable_true} of "
        f"{everything.signals} signals; duplicates (a second signal for an already found weakening): "
        f"{everything.duplicates}; unscored signals ({', '.join(sorted(score.UNSCORED_TYPES))}): "
        f"{sum(r.unscored for r in results)}."
    )
    verdicts = score.verdict_table(results)
    if any(not key.endswith("/none") for key in verdicts):
        lines.append(
            "Verdicts (true|false / verdict): " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items()))
        )
    lines.append(disagreement_line(score.verdict_disagreements(results)))
    errors = [r for r in results if r.error]
    lines.append(f"Scan errors: {len(errors)} of {len(results)} commits.")
    lines += [f"  {r.repository}@{r.commit[:10]}: {r.error}" for r in errors]
    return lines


def disagreement_line(disagreements: Sequence[score.Disagreement]) -> str:
    hidden = sum(one.hidden for one in disagreements)
    return (
        f"Verdicts against the labels: {len(disagreements)} (called likely_deliberate, labels say look: "
        f"{hidden}; called suspicious, labels say deliberate: {len(disagreements) - hidden})."
    )


def disagreement_lines(disagreements: Sequence[score.Disagreement]) -> list[str]:
    """Both directions listed, the hidden weakenings (the worse error) first."""
    hidden = [one.line() for one in disagreements if one.hidden]
    loud = [one.line() for one in disagreements if not one.hidden]
    return [
        f"### Called likely_deliberate, labels say look ({len(hidden)})",
        "",
        *[f"- {line}" for line in hidden],
        "",
        f"### Called suspicious, labels say deliberate ({len(loud)})",
        "",
        *[f"- {line}" for line in loud],
    ]


def details_lines(results: Sequence[score.CommitResult]) -> list[str]:
    """Every false signal and every missed label, for review (and relabelling, if the label was wrong)."""
    false = [j for r in results for j in r.judged if not j.true]
    missed = [label for r in results for label in r.missed]
    lines = [f"### False signals ({len(false)})", ""]
    for judged in false:
        note = ""
        if judged.resembles is not None:
            note = f"  <- labelled harmless: {judged.resembles.reason}"
        elif judged.signal.tests is not None:
            note = f"  <- {judged.grouped_true} of {len(judged.signal.tests)} listed tests are true"
        lines.append(f"- {judged.signal.key()}{note}")
    lines += ["", f"### Missed labels ({len(missed)})", ""]
    lines += [f"- {label.key()}: {label.reason}" for label in missed]
    return [*lines, "", *disagreement_lines(score.verdict_disagreements(results))]


def timing_lines(
    scans: Sequence[Scan], reformat_scan: Scan | None, reformat_signals: int | None, saved: bool = False
) -> list[str]:
    lines = ["### Timing" + (" (as measured when the saved scans ran)" if saved else ""), ""]
    if scans:
        first = scans[:TIMED_COMMITS]
        lines.append(
            f"Scan of the first {len(first)} labelled commits: CPU {sum(s.cpu for s in first):.1f} s, "
            f"wall {sum(s.wall for s in first):.1f} s (each a whole CLI process; "
            f"mean {sum(s.wall for s in first) / len(first):.2f} s wall per commit)."
        )
        cpu, wall = sum(s.cpu for s in scans), sum(s.wall for s in scans)
        lines.append(f"All {len(scans)} commits: CPU {cpu:.1f} s, wall {wall:.1f} s.")
    if reformat_scan is not None:
        outcome = reformat_scan.error or f"{reformat_signals} signals (all false: layout only)"
        lines.append(
            f"Reformat of {4 * reformat.FILES_PER_LANGUAGE} test files in one commit: CPU "
            f"{reformat_scan.cpu:.2f} s, wall {reformat_scan.wall:.2f} s, {outcome}."
        )
    return lines


def time_reformat() -> tuple[Scan, int]:
    with tempfile.TemporaryDirectory(prefix="integrity-reformat-") as work:
        root = Path(work) / "repo"
        head = reformat.build(root)
        result = scan_commit("reformat", head, root, Path(work) / "store.db")
    return result, len(result.signals)


def load_signals(path: Path) -> list[Scan]:
    raw = json.loads(path.read_text())
    return [Scan(**entry) for entry in raw["scans"]]


def save_signals(path: Path, scans: Sequence[Scan]) -> None:
    payload = {"checkout": checkout_id(), "scans": [vars(scan) for scan in scans]}
    path.write_text(json.dumps(payload, indent=1))


def checkout_id() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True)
    return done.stdout.decode().strip() or "unknown"


def select(
    document: Mapping[str, Any], only: Sequence[str], subset: str | None, limit: int | None
) -> list[dict]:
    repositories = document["repositories"]
    unknown = [name for name in only if name not in repositories]
    if unknown:
        raise SystemExit(f"--only {', '.join(unknown)}: not in the labels file ({', '.join(repositories)})")
    chosen = [
        entry
        for entry in document["commits"]
        if (not only or entry["repository"] in only)
        and (subset is None or repositories[entry["repository"]]["set"] == subset)
    ]
    return chosen[:limit] if limit else chosen


def headline(document: Mapping[str, Any], commits: Sequence[Mapping[str, Any]]) -> list[str]:
    repositories = document["repositories"]
    counts: dict[str, int] = {}
    weak: dict[str, int] = {}
    for entry in commits:
        counts[entry["repository"]] = counts.get(entry["repository"], 0) + 1
        truths = [label for label in entry.get("labels", []) if label.get("weakening", True)]
        weak[entry["repository"]] = weak.get(entry["repository"], 0) + bool(truths)
    rows = [
        [name, repositories[name]["language"], repositories[name]["set"], str(counts[name]), str(weak[name])]
        for name in counts
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"## Integrity bench, {stamp}, checkout {checkout_id()}",
        "",
        *table(rows, ["repository", "language", "set", "commits", "weakening commits"]),
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--repos", type=Path, help="folder with one clone per repository name")
    parser.add_argument("--only", action="append", default=[], help="repository name (repeatable)")
    parser.add_argument("--set", choices=SETS, dest="subset")
    parser.add_argument("--limit", type=int, help="first N selected commits only")
    parser.add_argument("--jobs", type=int, default=1, help="repositories scanned in parallel (default 1)")
    parser.add_argument("--signals", type=Path, help="rescore the scans saved by --save-signals; no scanning")
    parser.add_argument(
        "--reverdict",
        action="store_true",
        help="with --signals and --repos: judge the saved signals again with this checkout's verdict rules",
    )
    parser.add_argument("--save-signals", type=Path)
    parser.add_argument("--json", type=Path, dest="json_out", help="write the scores as JSON too")
    parser.add_argument(
        "--no-reformat", action="store_true", help="skip the synthetic 200-file reformat scan"
    )
    parser.add_argument("--brief", action="store_true", help="no list of false signals and missed labels")
    args = parser.parse_args(argv)

    document = json.loads(args.labels.read_text())
    commits = select(document, args.only, args.subset, args.limit)
    if args.signals is not None:
        wanted = {(entry["repository"], entry["commit"]) for entry in commits}
        scans = [scan for scan in load_signals(args.signals) if (scan.repository, scan.commit) in wanted]
        if args.reverdict:
            if args.repos is None:
                parser.error("--reverdict reads each commit again: give --repos DIR too")
            problems = check_clones(document["repositories"], commits, args.repos)
            if problems:
                print("\n".join(problems), file=sys.stderr)
                return 2
            reverdict(scans, args.repos)
    elif args.repos is None:
        parser.error("give --repos DIR (one clone per repository) or --signals FILE")
    else:
        problems = check_clones(document["repositories"], commits, args.repos)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 2
        scans = scan_all(commits, args.repos, args.jobs)
    if args.save_signals is not None:
        save_signals(args.save_signals, scans)
    results = score_scans(document, scans)
    reformat_scan, reformat_signals = (None, None) if args.no_reformat or args.signals else time_reformat()
    lines = [*headline(document, commits), *summary(document, results), ""]
    lines += timing_lines(scans, reformat_scan, reformat_signals, saved=args.signals is not None)
    if not args.brief:
        lines += ["", *details_lines(results)]
    print("\n".join(lines))
    if args.json_out is not None:
        group = groups(document)
        disagreements = score.verdict_disagreements(results)
        tallies = {
            by: score.tally_results(results, group, by)
            for by in ("all", "set", "type", "language", "set/type", "set/language")
        }
        payload = {
            "checkout": checkout_id(),
            "tallies": {by: {key: t.as_dict() for key, t in rows.items()} for by, rows in tallies.items()},
            "false_signals": [j.signal.key() for r in results for j in r.judged if not j.true],
            "missed_labels": [label.key() for r in results for label in r.missed],
            "verdict_disagreements": {
                "deliberate_but_look": [one.line() for one in disagreements if one.hidden],
                "suspicious_but_deliberate": [one.line() for one in disagreements if not one.hidden],
            },
            "errors": {f"{r.repository}@{r.commit}": r.error for r in results if r.error},
        }
        args.json_out.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
