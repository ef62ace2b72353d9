"""Ingest: report files in, one run stored atomically and idempotently (DESIGN.md §2, §5)."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ccdash_tests import identity, runmeta
from ccdash_tests.errors import UserError
from ccdash_tests.parsers import MAX_TEXT, ParsedReport, ReportError, parse_report
from ccdash_tests.parsers.bounds import CaseBounds
from ccdash_tests.parsers.common import WALL_TIME_MS
from ccdash_tests.paths import PathFinder
from ccdash_tests.records import (
    IngestRunRequest,
    ParsedCase,
    SourceFile,
    TestRunDTO,
    Trigger,
    utcnow,
)
from ccdash_tests.runs import run_document
from ccdash_tests.store import Store
from ccdash_tests.store import writer as w
from ccdash_tests.store.rows import ErrorText, db_time, ingest_lock, to_json
from ccdash_tests.times import parse_iso

if TYPE_CHECKING:
    from ccdash_tests.integrity.check import IntegrityCheck

# Cases per write batch, by engine. SQLite: 2,000 held 6-9 MB less than 10,000 at a million cases for
# the same CPU (bench/README.md, memory). PostgreSQL: each batch is a COPY and its round trips, and 2,000
# cost 21% more CPU (client + server) than 10,000 at 100,000 cases, for a peak well under 150 MB.
BATCH_SIZES = {"sqlite": 2_000, "postgresql": 10_000}
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """A report to read: `name` as the user gave it (for messages), `path` where its bytes are."""

    name: str
    path: Path
    sha256: str
    size: int


@dataclass
class IngestOutcome:
    run: TestRunDTO
    new_results: int
    already_stored: int
    sources: list[SourceFile] = field(default_factory=list)
    skipped_sources: list[SourceFile] = field(default_factory=list)
    # Tests of this ingest whose definition has no file path (path rules and annotations need one).
    without_path: int = 0
    # "<file>: <what>" for what a report said that disagrees with its cases, and for values the ingest
    # cut or dropped to fit the store (parsers/bounds.py); nothing is changed silently.
    warnings: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict:
        """The `ingest --json` document (DESIGN.md §6)."""
        document = run_document(self.run)
        document["new_results"] = self.new_results
        document["already_stored"] = self.already_stored
        return document


def sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def spool_stdin(stream: BinaryIO, folder: Path) -> Path:
    """Copy standard input to a private temporary file, so it can be hashed and then parsed."""
    handle, name = tempfile.mkstemp(prefix="ccdash-stdin-", dir=folder)
    with os.fdopen(handle, "wb") as out:
        shutil.copyfileobj(stream, out, HASH_CHUNK)
    return Path(name)


def expand_inputs(
    patterns: Iterable[str], stdin: BinaryIO | None = None, tmp: Path | None = None
) -> list[InputFile]:
    """Paths, globs and `-` (standard input) -> the distinct files to read, in the order given.

    A file named twice, or two files with the same bytes (a report copied into two artifact folders),
    is read once: its cases would otherwise fold into a second attempt of every test.
    """
    files: list[InputFile] = []
    seen: set[Path] = set()
    digests: set[str] = set()
    for pattern in patterns:
        if pattern == "-":
            source = stdin if stdin is not None else sys.stdin.buffer
            path = spool_stdin(source, tmp or Path(tempfile.gettempdir()))
            candidates = [("<stdin>", path)]
        else:
            candidates = [(str(path), path) for path in _matches(pattern) if path.resolve() not in seen]
            seen.update(path.resolve() for _, path in candidates)
        for name, path in candidates:
            digest, size = sha256_file(path)
            if digest not in digests:
                digests.add(digest)
                files.append(InputFile(name, path, digest, size))
    if not files:
        raise UserError("no report files given")
    return files


def _matches(pattern: str) -> list[Path]:
    path = Path(pattern)
    if path.is_file():
        return [path]
    if path.is_dir():
        raise UserError(f"{pattern}: is a folder, not a report file (pass a glob such as {pattern}/*.xml)")
    if glob.has_magic(pattern):
        found = sorted(Path(match) for match in glob.glob(pattern, recursive=True) if Path(match).is_file())
        if not found:
            raise UserError(f"{pattern}: no file matches this pattern")
        return found
    if path.exists():
        raise UserError(f"{pattern}: not a regular file")
    raise UserError(f"{pattern}: no such file")


def derive_run_id(project: str, files: Iterable[InputFile]) -> str:
    return identity.run_id(project, (item.sha256 for item in files))


def batched(items: Iterable[ParsedCase], size: int) -> Iterator[list[ParsedCase]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _definition_rows(
    project: str,
    batch: list[ParsedCase],
    ids: list[str],
    now: str,
    keys: Sequence[int],
    indexes: Sequence[int],
) -> list[tuple]:
    """The definition rows ("id", *DEFINITION_FIELDS) of batch[index] with its key, for each pair (one
    loop a batch: a new project's ingest builds a row per case, and a call per row cost a tenth of it)."""
    base_name = identity.base_name
    rows = []
    for key, index in zip(keys, indexes, strict=True):
        case = batch[index]
        name = case.name
        rows.append(
            (
                key,
                ids[index],
                project,
                case.suite,
                case.classname,
                name,
                base_name(name) if "[" in name else name,  # base_name's own test, without its call
                case.file,
                case.line,
                case.framework,
                to_json(case.properties) if case.properties else "{}",
                None,
                now,
            )
        )
    return rows


def _error_text(case: ParsedCase) -> ErrorText | None:
    if not (case.message or case.details or case.error_type):
        return None
    text = case.message or case.details or ""
    return ErrorText(
        identity.error_fingerprint(text, case.error_type),
        case.error_type,
        case.message,
        case.details,
        case.truncated,
    )


@dataclass
class RunWriter:
    """Writes one ingest's cases into one run, inside the caller's transaction."""

    store: Store
    project: str
    run: w.OpenedRun
    already: set[int] = field(default_factory=set)
    run_pk: int = field(init=False)
    ingest_no: int = field(init=False)
    results: w.ResultWriter = field(init=False)
    test_id: Callable[[str, str, str], str] = field(init=False)
    definitions: w.DefinitionWriter = field(init=False)
    # One bit per definition key: the test's definition has a path (kept only when every definition
    # of this ingest is one it made: see without_path).
    with_path: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.run_pk, self.ingest_no = self.run.pk, self.run.ingest_no
        self.results = w.ResultWriter(self.store.engine, self.run.pk, self.run.ingest_no, self.run.created)
        self.test_id = identity.test_id_hasher(self.project)
        self.definitions = w.DefinitionWriter(self.store.engine, self.project)

    def write(self, batch: list[ParsedCase]) -> None:
        engine = self.store.engine
        now = db_time(utcnow())
        test_id = self.test_id
        ids = [test_id(c.suite, c.classname, c.name) for c in batch]
        created: set[int] = set()
        # Definition rows are built only for the tests the store does not know yet.
        keys = self.definitions.keys(
            ids, lambda made, indexes: _definition_rows(self.project, batch, ids, now, made, indexes), created
        )
        texts, error_keys = self._error_texts(batch)
        test_pks = [keys[test_id] for test_id in ids]
        self.already |= w.count_already_stored(engine, self.run_pk, self.ingest_no, test_pks)
        self.results.write(batch, test_pks, texts, error_keys)
        # A definition created by this batch was written with the case's path and line already.
        located = [(pk, c.file, c.line) for c, pk in zip(batch, test_pks, strict=True) if pk not in created]
        w.backfill_locations(engine, located)
        if self._paths_counted():
            self._mark_paths(batch, test_pks, created)

    def _paths_counted(self) -> bool:
        """Whether `without_path` can count from what was written: a new run into a project that had no
        definition, so every definition of this ingest's results is one it made."""
        return self.results.new_run and self.definitions.empty

    def _mark_paths(self, batch: list[ParsedCase], test_pks: list[int], created: set[int]) -> None:
        """Set the bit of each test whose definition now has a path: made with its first case's path,
        or given one later by backfill_locations (a case of a later batch that knows it)."""
        bits, inserted = self.with_path, set()
        for case, pk in zip(batch, test_pks, strict=True):
            if pk in created:
                if pk in inserted:  # the definition was written from the batch's first case of it
                    continue
                inserted.add(pk)
            if case.file is not None:
                w.grow_bits(bits, pk)
                bits[pk >> 3] |= 1 << (pk & 7)

    def without_path(self) -> int:
        """How many tests this ingest stored results for whose definition has no file path."""
        if self._paths_counted():
            return self.results.written - int.from_bytes(self.with_path, "little").bit_count()
        return w.count_without_path(self.store.engine, self.run_pk, self.ingest_no)

    def _error_texts(self, batch: list[ParsedCase]) -> tuple[list[str | None], dict[str, int]]:
        """Each case's failure text hash (None: it has none) and the stored key of each hash. A text
        repeated in the batch (one cause failing many tests, one skip reason) is fingerprinted once."""
        hashes: list[str | None] = []
        distinct: dict[tuple, ErrorText] = {}
        by_text: dict[tuple, str] = {}
        for case in batch:
            if not (case.message or case.details or case.error_type):
                hashes.append(None)
                continue
            raw = (case.error_type, case.message, case.details, case.truncated)
            text_hash = by_text.get(raw)
            if text_hash is None:
                text = _error_text(case)
                assert text is not None
                text_hash = by_text[raw] = text.text_hash
                distinct[raw] = text
            hashes.append(text_hash)
        return hashes, w.error_ids(self.store.engine, list(distinct.values()))


@dataclass
class _CountingReport:
    """Wraps a parsed report's cases to count them and to remember report-level facts."""

    report: ParsedReport
    source: InputFile
    count: int = 0
    on_case: Callable[[], None] | None = None
    bounds: CaseBounds = field(default_factory=lambda: CaseBounds(MAX_TEXT))

    def __iter__(self) -> Iterator[ParsedCase]:
        fit = self.bounds.fit
        for case in self.report.cases:
            self.count += 1
            if self.on_case is not None:
                self.on_case()
            yield fit(case)

    def warnings(self) -> list[str]:
        """What this file said that disagrees with its cases, then what was cut to fit (read it after)."""
        return [f"{self.source.name}: {said}" for said in [*self.report.warnings, *self.bounds.warnings()]]

    def source_file(self) -> SourceFile:
        return SourceFile(
            name=self.source.name, sha256=self.source.sha256, format=self.report.format, cases=self.count
        )


def report_timestamp(reports: Iterable[ParsedReport]) -> datetime | None:
    """The earliest timestamp the reports state (a naive one is UTC); None when none does."""
    stamps = []
    for report in reports:
        stamp = parse_iso(report.metadata.get("timestamp") or "")
        if stamp is not None:
            stamps.append(stamp)
    return min(stamps) if stamps else None


@contextlib.contextmanager
def _named(item: InputFile) -> Iterator[None]:
    """Report errors name the file as the user gave it (`<stdin>`, not a temporary path)."""
    try:
        yield
    except ReportError as err:
        if err.path == item.name:
            raise
        raise ReportError(item.name, err.problem, err.line) from None


def report_wall_time(reports: Sequence[ParsedReport]) -> float | None:
    """The session's wall time in ms as a run of one report states it; None for several reports (shards
    may have run side by side, so no sum or maximum would be their wall time) or when it says none."""
    if len(reports) != 1:
        return None
    stated = reports[0].metadata.get(WALL_TIME_MS)
    return float(stated) if stated is not None else None


def report_frameworks(reports: Iterable[ParsedReport]) -> dict[str, str]:
    """Which frameworks wrote the reports, with the version when a report states it ("" otherwise)."""
    frameworks: dict[str, str] = {}
    for report in reports:
        if report.framework:
            version = report.metadata.get("framework_version") or report.metadata.get("property.go.version")
            frameworks[report.framework] = version or frameworks.get(report.framework, "")
    return frameworks


@dataclass
class IngestPlan:
    """The run to write and the files still to read for it."""

    request: IngestRunRequest
    files: list[InputFile]
    skipped: list[SourceFile]
    timestamp_given: bool
    # The checkout the reports' tests live in: paths they lack are looked for there (paths.py).
    root: Path | None = None


def ingest_files(
    store: Store,
    plan: IngestPlan,
    fmt: str = "auto",
    on_case: Callable[[], None] | None = None,
    batch_size: int | None = None,
) -> IngestOutcome:
    """Parse the plan's files and store them as one run, in one transaction."""
    request = plan.request
    with store.transaction(lock_key=ingest_lock(request.project_id)):
        opened = w.open_run(store.engine, request)
        run_pk, ingest_no = opened.pk, opened.ingest_no
        writer = RunWriter(store, request.project_id, opened)
        counted: list[_CountingReport] = []
        finder = PathFinder(plan.root) if plan.root is not None else None
        for item in plan.files:
            with _named(item):
                report = _CountingReport(parse_report(item.path, fmt), item, on_case=on_case)
                counted.append(report)
                for batch in batched(report, batch_size or BATCH_SIZES[store.engine.dialect]):
                    if finder is not None:
                        for case in batch:
                            finder.locate(case)
                    writer.write(batch)
        sources = [report.source_file() for report in counted]
        warnings = [said for report in counted for said in report.warnings()]
        w.record_sources(store.engine, run_pk, sources)
        stamp = None
        if ingest_no == 1 and not plan.timestamp_given:
            stamp = report_timestamp(report.report for report in counted)
        facts: dict = {}
        env_fingerprint = None
        if ingest_no == 1:
            frameworks = report_frameworks(report.report for report in counted)
            env = runmeta.environment(frameworks)
            facts = {"frameworks": frameworks, "env": env}
            stated = report_wall_time([report.report for report in counted])
            if stated is not None:
                facts["report_wall_ms"] = stated
            env_fingerprint = runmeta.env_fingerprint(env)
        run = w.close_run(store.engine, run_pk, stamp, facts, env_fingerprint, writer.results.totals())
        new_results = writer.results.new_results()
        without_path = writer.without_path()
    skipped_cases = sum(source.cases for source in plan.skipped)
    return IngestOutcome(
        run=run,
        new_results=new_results,
        already_stored=len(writer.already) + skipped_cases,
        sources=sources,
        skipped_sources=plan.skipped,
        without_path=without_path,
        warnings=warnings,
    )


def ingest_request(store: Store, request: IngestRunRequest) -> IngestOutcome:
    """Store an IngestRunRequest that carries its results (API callers, the pytest plugin)."""
    with store.transaction(lock_key=ingest_lock(request.project_id)):
        opened = w.open_run(store.engine, request)
        writer = RunWriter(store, request.project_id, opened)
        bounds = CaseBounds(MAX_TEXT)
        for batch in batched(map(bounds.fit, request.results), BATCH_SIZES[store.engine.dialect]):
            writer.write(batch)
        w.record_sources(store.engine, opened.pk, request.sources)
        run = w.close_run(store.engine, opened.pk, None, {}, None, writer.results.totals())
        new_results = writer.results.new_results()
    return IngestOutcome(
        run=run, new_results=new_results, already_stored=len(writer.already), warnings=bounds.warnings()
    )


def already_complete(
    store: Store, project: str, run_id: str, files: list[InputFile]
) -> tuple[list[InputFile], list[SourceFile]]:
    """Split the files into those still to read and those this run already holds (by content)."""
    known = w.known_sources(store.engine, project, run_id)
    todo = [item for item in files if item.sha256 not in known]
    done = [known[item.sha256] for item in files if item.sha256 in known]
    return todo, done


def stored_run_outcome(store: Store, project: str, run_id: str, skipped: list[SourceFile]) -> IngestOutcome:
    run = store.runs.get(project, run_id)
    assert run is not None
    return IngestOutcome(
        run=run, new_results=0, already_stored=sum(s.cases for s in skipped), skipped_sources=skipped
    )


@dataclass(frozen=True)
class RunOptions:
    """What the user said about the run on the command line (None: find it out)."""

    run_id: str | None = None
    git_sha: str | None = None
    branch: str | None = None
    session: str | None = None
    trigger: Trigger | None = None
    timestamp: datetime | None = None


_HEX = frozenset("0123456789abcdef")
MAX_ID_LENGTH = 200


def validate_options(options: RunOptions) -> None:
    """Refuse option values that cannot be right, before anything is read or written."""
    sha = options.git_sha
    if sha is not None and not (4 <= len(sha) <= 64 and set(sha.lower()) <= _HEX):
        raise UserError(f"--git-sha {sha!r}: not a hexadecimal commit SHA")
    for label, value in (
        ("--run-id", options.run_id),
        ("--session", options.session),
        ("--branch", options.branch),
    ):
        if value is not None and not value.strip():
            raise UserError(f"{label}: must not be empty")
        if value is not None and len(value) > MAX_ID_LENGTH:
            raise UserError(f"{label}: longer than {MAX_ID_LENGTH} characters")


def build_request(
    project: str,
    files: list[InputFile],
    options: RunOptions,
    ci: runmeta.CiInfo | None,
    git: runmeta.GitInfo,
    now: datetime,
) -> IngestRunRequest:
    """The run's identity and metadata: explicit options win, then the CI environment, then git."""
    validate_options(options)
    env = runmeta.environment({})
    metadata: dict = {"env": env}
    if ci is not None:
        metadata["ci"] = {"provider": ci.provider, **({"build_url": ci.build_url} if ci.build_url else {})}
    return IngestRunRequest(
        project_id=project,
        run_id=options.run_id or derive_run_id(project, files),
        timestamp=options.timestamp or now,
        git_sha=(options.git_sha or (ci.git_sha if ci else None) or git.sha or None),
        branch=options.branch or (ci.branch if ci else None) or git.branch,
        agent_session_id=options.session,
        env_fingerprint=runmeta.env_fingerprint(env),
        trigger=options.trigger or (Trigger.CI if ci is not None else Trigger.LOCAL),
        metadata=metadata,
    )


def plan_ingest(
    store: Store,
    request: IngestRunRequest,
    files: list[InputFile],
    timestamp_given: bool,
    root: Path | None = None,
) -> IngestPlan:
    todo, done = already_complete(store, request.project_id, request.run_id, files)
    return IngestPlan(request=request, files=todo, skipped=done, timestamp_given=timestamp_given, root=root)


def run_ingest(
    store: Store, plan: IngestPlan, fmt: str = "auto", on_case: Callable[[], None] | None = None
) -> IngestOutcome:
    """Store the plan; a plan whose every file this run already holds writes nothing at all."""
    if not plan.files:
        return stored_run_outcome(store, plan.request.project_id, plan.request.run_id, plan.skipped)
    return ingest_files(store, plan, fmt, on_case=on_case)


def plan_landed(store: Store, plan: IngestPlan) -> bool:
    """Whether the plan's write committed after all: Ctrl-C can land after the store's COMMIT took
    effect and before it returned (on PostgreSQL, while the server's answer is on its way). By then the
    write's transaction is over, so the store shows its own truth: every file of the plan is a source of
    the run. A store that cannot answer (a connection cut by the interrupt) counts as not landed."""
    if not plan.files:
        return False
    try:
        known = w.known_sources(store.engine, plan.request.project_id, plan.request.run_id)
    except Exception:  # the interrupt broke the connection: say what can be known, nothing more
        return False
    return all(item.sha256 in known for item in plan.files)


@dataclass(frozen=True)
class AfterIngest:
    """What followed a committed ingest: were the new tests mapped, was the change checked for weakened
    tests. Both are derived data: a failure in either leaves the run stored."""

    mapping: dict
    integrity: IntegrityCheck


def after_ingest(store: Store, outcome: IngestOutcome, repo_dir: Path) -> AfterIngest:
    """Map the tests this ingest added and check the change behind its run, outside its transaction."""
    return AfterIngest(map_new_tests(store, outcome), check_integrity(store, outcome, repo_dir))


def map_new_tests(store: Store, outcome: IngestOutcome) -> dict:
    """Map the tests this ingest added; the next ingest or `map resolve` maps what this one did not."""
    if outcome.new_results == 0:  # before the import: a re-ingest does not load the mapping modules
        return {"resolved": False, "reason": "nothing new was stored"}
    from ccdash_tests.mapping.service import resolve_after_ingest

    result = resolve_after_ingest(store, outcome.run.project_id)
    if isinstance(result, int):
        reason = f"{result:,} tests are not mapped yet; run `ccdash-tests map resolve`"
        return {"resolved": False, "reason": reason, "unmapped_tests": result}
    return {"resolved": True, "tests_mapped": result.tests_resolved, "version": result.version}


def check_integrity(store: Store, outcome: IngestOutcome, repo_dir: Path) -> IntegrityCheck:
    """Look for weakened tests in the change behind a run that brought new results."""
    from ccdash_tests.integrity.check import NO_SHA, IntegrityCheck

    # Before the service's import: a re-ingest, or a run without a commit, loads no git or scan code.
    if outcome.new_results == 0:
        return IntegrityCheck.not_checked("nothing new was stored")
    if not outcome.run.git_sha:
        return IntegrityCheck.not_checked(NO_SHA)
    from ccdash_tests.integrity.service import check_after_ingest

    return check_after_ingest(store, outcome.run, repo_dir)
