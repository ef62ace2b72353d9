"""Small text rules every view shares, written once: first lines, clipping, plurals, rates, durations, labels.

Pure functions of plain values; escaping for a terminal, Markdown or HTML stays with each output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

ELLIPSIS = "…"
# Bidi controls (embeddings, overrides, isolates, marks: LRM, RLM, ALM) and invisible characters
# (zero-width space/joiners, word joiner, BOM, soft hyphen, line and paragraph separators): they
# render as nothing, or reorder what follows, so a name can read differently from what it is
# (CVE-2021-42574). A character class body, shared by every output that shows them escaped.
INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff"
# Control characters and the invisible ones never render usefully and can disguise a name.
_CONTROL = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{INVISIBLE}]")
# Run ids the tool generates (32 hex digits) are shown by their first 12, as git shortens commits: a
# prefix `runs show` and `failures --run` accept. `--json` always carries the full id.
RUN_ID_SHOWN = 12
_GENERATED_ID = re.compile(r"[0-9a-f]{32,}")
# Secrets a message can carry: a URL's password (up to the last `@` before the host, as an unencoded
# `@` in a password is common), a secret query parameter or libpq keyword (`?password=`,
# `sslpassword=`, `token=`...), and a bearer token.
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s/]*@", re.IGNORECASE)
_SECRET_PARAM = re.compile(
    r"\b((?:ssl)?password|passwd|pwd|passfile|token|access_token|secret|api[_-]?key)(\s*=\s*)"
    r"('[^']*'|\"[^\"]*\"|[^&\s'\"]*[^&\s'\":,;.])",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(bearer\s+)[\w.~+/-]+=*", re.IGNORECASE)
# libpq, given `user:pa@ss@host`, takes `ss@host` for the host and says so: a host holds no `@`.
_HOST_SPILL = re.compile(r"""(host\s+["'])[^"'\s]*@""", re.IGNORECASE)
LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def first_line(text: str | None) -> str:
    """The first non-blank line, stripped; "" when there is none."""
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def error_line(exc: BaseException, fallback: str | None = None) -> str:
    """An exception's first message line; its class name (or `fallback`) when the message is empty."""
    return first_line(str(exc)) or fallback or type(exc).__name__


def clip(text: str, limit: int | None) -> str:
    """`text` cut to at most `limit` characters, the last one an ellipsis when it was cut."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def one_line(value: object, limit: int | None = None) -> str:
    """Text on one line (line breaks folded to a space), control characters dropped, cut to `limit`."""
    text = _CONTROL.sub("", LINE_BREAKS.sub(" ", "" if value is None else str(value))).strip()
    return clip(text, limit)


def plural(count: int, word: str) -> str:
    """`1 run`, `2 runs`, `1,234 runs`."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def format_rate(rate: float | None) -> str:
    """A rate in 0..1 as a percentage with one decimal; "-" when there is none."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


def format_ms(duration_ms: float | None) -> str:
    """`850 ms`, `12.34 s`, `3 min 5 s`; "-" when unknown."""
    if duration_ms is None:
        return "-"
    if duration_ms < 1000:
        return f"{duration_ms:.0f} ms"
    seconds = duration_ms / 1000
    if seconds < 120:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.0f} s"


def stated_wall_time(run_metadata: Mapping[str, Any]) -> str | None:
    """The test session's wall time as the run's one report stated it, e.g. "12.3 s (as the report states)";
    None when it stated none (a run's own duration is the sum of its tests' times)."""
    stated = run_metadata.get("report_wall_ms")
    if not isinstance(stated, int | float) or isinstance(stated, bool):
        return None
    return f"{format_ms(stated)} (as the report states)"


def pytest_nodeid(classname: str | None, name: str | None, path: str | None) -> str | None:
    """The pytest node id (`tests/a/test_b.py::TestC::test_y[p]`) when `path` is the Python file the
    classname's module names (as pytest and unittest report them); None otherwise."""
    if not (path and name and classname) or not path.endswith(".py"):
        return None
    path = path.replace("\\", "/")
    module = path[: -len(".py")].replace("/", ".")
    if classname == module:
        return f"{path}::{name}"
    if classname.startswith(module + "."):
        return f"{path}::{classname[len(module) + 1 :].replace('.', '::')}::{name}"
    return None


# How each producer's own output names a test, by the framework stored with its definition (the
# parsers set it from the report's dialect: parsers/dialects.py and each format's module).
# `Class.method` with the package as the report gives it: JUnit on the JVM (Surefire, Gradle, TestNG and
# JUnit files of producers not told apart, Robot Framework's `Suite.Test` among them), .NET (NUnit,
# xUnit.net, MSTest: the fully qualified name `dotnet test --filter` takes) and GoogleTest (`Suite.Test`,
# as `--gtest_filter` takes it).
DOTTED_FRAMEWORKS = frozenset(
    {"surefire", "gradle", "junit", "testng", "nunit", "xunit", "mstest", "trx", "googletest"}
)
# Go: the package's import path, a dot and the test with its subtests, as Go's stack traces name a
# function: `example.com/calc.TestTable/wrong_sum`.
GO_FRAMEWORKS = frozenset({"go", "gotestsum"})
# JavaScript: the suite chain as stored, ` > `, the test, as Vitest prints it. Vitest's classname is
# the file and its name the describe chain (`test/math.test.js > math > add > adds integers`); Mocha's
# classname is its describe titles (`Queue push > keeps order`); a Jest test's stored name is already
# its whole title, Jest's `fullName` (`Cart totals sums prices`), which is what jest-junit writes and
# where no boundary between describe titles is kept, so it is shown alone, or after the suite chain
# that CTRF gives.
CHAINED_FRAMEWORKS = frozenset({"jest", "vitest", "mocha"})
CHAIN = " > "


def class_name_label(
    classname: str | None, name: str | None, fallback: str = "", path: str | None = None
) -> str:
    """A pytest test by its node id (given its path), else `classname::name`, the bare name without a
    class, else `fallback`: the `nodeid` field of `--json`, and the label of frameworks without a
    native form."""
    nodeid = pytest_nodeid(classname, name, path)
    if nodeid is not None:
        return nodeid
    if classname and name:
        return f"{classname}::{name}"
    return name or fallback


def test_label(
    classname: str | None,
    name: str | None,
    fallback: str = "",
    path: str | None = None,
    framework: str | None = None,
) -> str:
    """How a test is named on screen, in its framework's own form: pytest by node id, JUnit/.NET/
    GoogleTest `Class.method`, Go `pkg.TestX/sub`, JS `suite > test`; other frameworks (or none known)
    `classname::name` (class_name_label). Every form is accepted back by the commands that take a test
    (lookup.py)."""
    if framework in DOTTED_FRAMEWORKS or framework in GO_FRAMEWORKS:
        return f"{classname}.{name}" if classname and name else name or fallback
    if framework in CHAINED_FRAMEWORKS:
        title = (name or "").strip() if framework == "jest" else name or ""
        return f"{classname}{CHAIN}{title}" if classname and title else title or fallback
    return class_name_label(classname, name, fallback, path)


test_label.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def feature_label(feature: str, domain: str | None) -> str:
    """A feature with its domain: `billing/invoices::totals`, or the bare feature without one."""
    return f"{domain}::{feature}" if domain else feature


def signal_place(file_path: str, test_name: str | None) -> str:
    """Where an integrity signal points: `file::test`, or the file alone for a file-level signal."""
    return f"{file_path}::{test_name}" if test_name else file_path


def short_run_id(run_id: str) -> str:
    """A generated run id by its first 12 hex digits; a run id someone chose (`nightly-42`) whole."""
    return run_id[:RUN_ID_SHOWN] if _GENERATED_ID.fullmatch(run_id) else run_id


def redact_secrets(text: str, known: Iterable[str] = ()) -> str:
    """`text` with every password, secret parameter and bearer token replaced by ***: what every
    message goes through before it is printed (a PostgreSQL URL in --db, libpq's errors repeating it).
    `known` secrets (a URL's own password, see url_secrets) are replaced wherever they appear."""
    for secret in sorted((k for k in known if len(k) >= 3), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _HOST_SPILL.sub(r"\1***@", text)
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _SECRET_PARAM.sub(r"\1\2***", text)
    return _BEARER.sub(r"\1***", text)


def url_secrets(url: str) -> list[str]:
    """The secrets a URL holds: its password (each `@`-separated piece too, as libpq may split an
    unencoded one) and the values of its secret parameters."""
    found: list[str] = []
    match = re.match(r"[a-z][a-z0-9+.-]*://[^\s:/@]*:([^\s/]*)@", url, re.IGNORECASE)
    if match:
        found += [match.group(1), *match.group(1).split("@")]
    found += [value.strip("'\"") for _, _, value in _SECRET_PARAM.findall(url)]
    return [secret for secret in found if secret]
