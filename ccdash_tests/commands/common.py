"""What every command shares: the Typer app, the --db/--project/--json options, errors and exit codes."""

from __future__ import annotations

import contextlib
import enum
import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.exceptions import BadParameter, MissingParameter, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from ccdash_tests import __version__

# The helpers around a command's body live without Typer (the ingest fast path uses them): re-exported.
from ccdash_tests.commands.running import fail as fail
from ccdash_tests.commands.running import resolve_project as resolve_project
from ccdash_tests.commands.running import user_errors as user_errors
from ccdash_tests.errors import UserError
from ccdash_tests.output.formats import ListFormat, OutputFormat
from ccdash_tests.store import DEFAULT_DB_FILE
from ccdash_tests.text import first_line

if TYPE_CHECKING:
    from ccdash_tests.records import SignalSeverity

# Imported where used, not here: `--version` and every command load this module, and models (pydantic),
# terminal (rich), runmeta and sqlite3 cost more start-up than some commands' whole work.

HELP = f"""Turn test reports into test history, feature health and integrity signals.

The store is an SQLite file, ./{DEFAULT_DB_FILE} unless --db or $CCDASH_TESTS_DB names another
(a path, sqlite:///relative.db, sqlite:////absolute.db, or postgresql://user@host/db).
"""

# --help lists commands in the order a user meets them, not in the order their modules are imported.
COMMAND_ORDER = (
    "ingest", "runs", "history", "flaky", "failures", "timeline", "domains", "health", "map",
    "integrity", "gate", "report", "export", "push", "db",
)  # fmt: skip


# The module of ccdash_tests.commands that registers each command. A command's module (and through it the
# domain modules it uses) is imported only when that command runs or --help lists it: start-up is most
# of what a CI step pays for a read command.
COMMAND_MODULES = {
    "ingest": "ingest_cmd",
    "runs": "runs_cmd",
    "db": "runs_cmd",
    "history": "forensics_cmd",
    "flaky": "forensics_cmd",
    "failures": "forensics_cmd",
    "timeline": "forensics_cmd",
    "domains": "health_cmd",
    "health": "health_cmd",
    "map": "map_cmd",
    "integrity": "integrity_cmd",
    "gate": "gate_cmd",
    "report": "report_cmd",
    "export": "export_cmd",
    "push": "push_cmd",
}


# The end of each command's --help: one or two command lines a newcomer can copy.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "ingest": (
        "ccdash-tests ingest report.xml",
        "pytest --junitxml=report.xml; ccdash-tests ingest report.xml --branch main --trigger ci",
    ),
    "runs list": ("ccdash-tests runs list --limit 5",),
    "runs show": (
        "ccdash-tests runs show                       # the latest run: counts, failures, flaky",
        "ccdash-tests runs show 3f2a9c01b7de --status skipped --all",
    ),
    "history": ("ccdash-tests history test_partial_refund",),
    "flaky": ("ccdash-tests flaky --runs 50",),
    "failures": ("ccdash-tests failures", "ccdash-tests failures --since 7d"),
    "timeline": ("ccdash-tests timeline --feature refunds --by run",),
    "domains": ("ccdash-tests domains",),
    "health": (
        "ccdash-tests health --feature refunds",
        'ccdash-tests health --format markdown >> "$GITHUB_STEP_SUMMARY"',
    ),
    "map import": ("ccdash-tests map import mapping.yaml",),
    "map suggest": ("ccdash-tests map suggest mapping.yaml", "ccdash-tests map suggest - > mapping.yaml"),
    "map set": ("ccdash-tests map set tests/test_refunds.py::test_partial_refund --feature refunds",),
    "map unset": ("ccdash-tests map unset tests/test_refunds.py::test_partial_refund",),
    "map resolve": ("ccdash-tests map resolve",),
    "map conflicts": ("ccdash-tests map conflicts",),
    "map show": ("ccdash-tests map show",),
    "integrity": ("ccdash-tests integrity --fail-on high",),
    "integrity scan": ("ccdash-tests integrity scan --base main",),
    "integrity ack": ('ccdash-tests integrity ack SIGNAL_ID --reason "test moved to test_api.py"',),
    "gate": ("ccdash-tests gate --max-new-failures 0 --fail-on-integrity high --base-branch main",),
    "report": ("ccdash-tests report --html report.html",),
    "export": (
        "ccdash-tests export --format junit -o merged.xml      # the latest run, all shards in one file",
        "ccdash-tests export 3f2a9c01b7de --format ctrf -o run.ctrf.json",
    ),
    "push": ("ccdash-tests push --since 1d --ccdash-url http://localhost:8000",),
    "db info": ("ccdash-tests db info",),
}


class UsageLine(UsageError):
    """A usage error on one line of stderr, exit 2, like every other error of the tool (Click's own
    form is three lines: usage, a hint and the error)."""

    def show(self, file: Any = None) -> None:
        from ccdash_tests.output import terminal

        sys.stderr.write(f"ccdash-tests: {terminal.safe(self.message)}\n")


class _LazyCommands(MutableMapping[str, Any]):
    """The root group's commands: one is built when asked for by name, all of them when listed."""

    def __init__(self, eager: MutableMapping[str, Any]) -> None:
        self._built = dict(eager)
        self._pending = set(COMMAND_MODULES)

    def _load(self, name: str) -> None:
        if name in self._pending:
            self._pending.discard(name)
            importlib.import_module(f"ccdash_tests.commands.{COMMAND_MODULES[name]}")
            command = _click_command(name)
            if command is not None:
                tidy_metavars(command)
                add_examples(command, name)
                self._built[name] = command

    def _load_all(self) -> None:
        for name in sorted(self._pending):
            self._load(name)

    def __getitem__(self, name: str) -> Any:
        self._load(name)
        return self._built[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self._load(name)
        return name in self._built

    def __setitem__(self, name: str, command: Any) -> None:
        self._pending.discard(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._pending.discard(name)
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(dict(self._built))

    def __len__(self) -> int:
        self._load_all()
        return len(self._built)


class CommandsInOrder(TyperGroup):
    """The root group: commands listed in COMMAND_ORDER, each built from its module on first use, with
    usage errors on one line and plain metavars (`N`, `TEXT`, `[a|b]`) and examples in their --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy_metavars(self)  # before the lazy map: walking it would build every command
        # Looked up by name (running a command) builds that command only; listing (--help, "Did you
        # mean", introspection) builds them all.
        self.commands = _LazyCommands(self.commands)

    def list_commands(self, ctx: Any) -> list[str]:  # Any: the Context of the click Typer vendors
        names = super().list_commands(ctx)
        rank = {name: index for index, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with one_line_usage():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with one_line_usage():
            return super().invoke(ctx)


def _click_command(name: str) -> Any:
    """The click command (or group) Typer builds for `name` as registered now on `app`."""
    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    for info in app.registered_commands:
        if info.callback is not None and (info.name or get_command_name(info.callback.__name__)) == name:
            return get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
    for group in app.registered_groups:
        if group.name == name:
            return get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    return None


@contextlib.contextmanager
def one_line_usage() -> Iterator[None]:
    try:
        yield
    except (UsageLine, NoArgsIsHelpError):
        raise
    except UsageError as exc:
        raise UsageLine(usage_message(exc), exc.ctx) from None


def usage_message(exc: UsageError) -> str:
    """What was wrong, naming the option and the values it takes, and where the help is."""
    where = exc.ctx.command_path if exc.ctx is not None else "ccdash-tests"
    param = getattr(exc, "param", None)
    if isinstance(exc, MissingParameter) and param is not None:
        return f"missing {param_name(param)} (see {where} -h)"
    if isinstance(exc, BadParameter) and param is not None:
        allowed = allowed_values(param)
        detail = f"expected {allowed}" if allowed else first_line(exc.message)
        return f"{param_name(param)}: {detail} (see {where} -h)"
    return f"{first_line(exc.message).rstrip('.')} (see {where} -h)"


def param_name(param: Any) -> str:
    opts = [opt for opt in getattr(param, "opts", []) if opt.startswith("--")]
    return opts[0] if opts else str(param.name).upper()


def allowed_values(param: Any) -> str | None:
    """The values an option takes, in words: `one of table, markdown`, `a whole number from 1 to 10,000`."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return None
    if desc.is_choice:
        return "one of " + ", ".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    info = desc.parameter_info
    annotation = desc.annotation
    kind = "a whole number" if annotation is int else "a number" if annotation is float else None
    if kind is None:
        return None
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if low is not None and high is not None:
        return f"{kind} from {low:,} to {high:,}"
    if low is not None:
        return f"{kind} of at least {low:,}"
    if high is not None:
        return f"{kind} of at most {high:,}"
    return kind


def tidy_metavars(command: Any) -> None:
    """Every option and argument of the tree shown as `--limit N`, `--format [table|markdown]`,
    `REPORT...`: no Python types (`<list[str]>`, `<int range>`) in --help."""
    for param in getattr(command, "params", []):
        desc = getattr(param, "type_descriptor", None)
        if desc is None or getattr(param, "is_flag", False) or desc.annotation is bool:
            continue
        if param.metavar is None:
            param.metavar = metavar_for(param, desc)
        if param.param_type_name != "option":
            # An argument is named by its metavar; no type is printed beside it.
            param.display_type_rich = lambda ctx: None
    for sub in getattr(command, "commands", {}).values():
        tidy_metavars(sub)


def add_examples(command: Any, path: str) -> None:
    """EXAMPLES as the epilog of `command` (named `path`) and its subcommands: the end of each --help,
    kept as written (\\b: no re-wrapping)."""
    examples = EXAMPLES.get(path)
    if examples and not command.epilog:
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in examples)
    for name, sub in getattr(command, "commands", {}).items():
        add_examples(sub, f"{path} {name}")


def metavar_for(param: Any, desc: Any) -> str:
    if desc.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
    if param.param_type_name != "option":
        # Click adds the `...` of an argument that takes several values.
        return str(param.name).upper().removesuffix("S") if desc.is_list else str(param.name).upper()
    annotation = desc.annotation
    if annotation is int:
        return "N"
    if annotation is float:
        return "NUMBER"
    if desc.is_path:
        return "PATH"
    return "TEXT"


app = typer.Typer(
    cls=CommandsInOrder,
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
runs_app = typer.Typer(help="Stored runs.", no_args_is_help=True)
db_app = typer.Typer(help="The store itself.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(db_app, name="db")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CCDASH_TESTS_DB",
        help=f"Store: a file path, sqlite:///file.db or postgresql://... [default: ./{DEFAULT_DB_FILE}]",
        show_default=False,
    ),
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        envvar="CCDASH_TESTS_PROJECT",
        help="Project the data belongs to."
        " [default: the origin remote's repository name, else the work tree's folder]",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]


ListFormatOption = Annotated[
    ListFormat,
    typer.Option(
        "--format",
        help="table | markdown (for $GITHUB_STEP_SUMMARY, under 65,000 characters) | csv (a header row, "
        "then one row each).",
    ),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="table | markdown (for $GITHUB_STEP_SUMMARY, under 65,000 characters)."),
]


def one_output(json_out: bool, fmt: enum.Enum) -> None:
    """--json and a --format other than the table are two answers to one question: refuse both."""
    if json_out and fmt.value != "table":
        raise UserError(f"--json and --format {fmt.value}: choose one")


def parse_severity(option: str, value: str | None) -> SignalSeverity | None:
    """A severity option's value (`--fail-on high`), or None when the option was not given."""
    if value is None:
        return None
    from ccdash_tests.records import SignalSeverity

    try:
        return SignalSeverity(value)
    except ValueError:
        raise UserError(f"{option} {value!r}: choose low, medium or high") from None


def version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"ccdash-tests {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Turn test reports into test history, feature health and integrity signals."""
