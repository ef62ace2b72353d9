"""The rule schema of an imported mapping file (Pydantic): validated rules with errors naming the file.

Kept apart from the `imported` provider (imported.py), which only matches rules: the schema's Pydantic
models are imported when a rules file or a stored rule is read, never by an ingest without rules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ccdash_tests.mapping.base import normalise_domain, normalise_feature
from ccdash_tests.mapping.imported import IMPORTED_CONFIDENCE, REGEX_PREFIX, MappingFileError, compile_pattern
from ccdash_tests.text import error_line


class MappingRule(BaseModel):
    """One rule of an imported mapping file."""

    # defer_build: validators are built when a rule is first read, not by every ingest that maps tests.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    pattern: Annotated[str, Field(min_length=1)]
    feature: Annotated[str, Field(min_length=1)]
    domain: str | None = None
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] = IMPORTED_CONFIDENCE

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        if pattern.startswith(REGEX_PREFIX):
            try:
                re.compile(pattern[len(REGEX_PREFIX) :])
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return pattern

    @field_validator("feature")
    @classmethod
    def _feature_not_blank(cls, feature: str) -> str:
        clean = normalise_feature(feature)
        if not clean:
            raise ValueError("feature must not be blank")
        return clean

    @field_validator("domain")
    @classmethod
    def _domain_canonical(cls, domain: str | None) -> str | None:
        return normalise_domain(domain)

    def compiled(self) -> re.Pattern[str]:
        return compile_pattern(self.pattern)


class MappingFile(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)

    rules: list[MappingRule]


def parse_rules(document: Any, source: str) -> list[MappingRule]:
    """Validated rules from an already decoded document; errors name `source` and the rule index."""
    if isinstance(document, list):
        document = {"rules": document}
    if not isinstance(document, dict):
        raise MappingFileError(f"{source}: expected a list of rules or an object with 'rules'")
    try:
        return MappingFile.model_validate(document).rules
    except ValidationError as exc:
        raise MappingFileError(f"{source}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    """The first few problems as `rules[3].feature: Field required`, one per line."""
    lines = []
    for error in exc.errors()[:5]:
        where = ""
        for part in error["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where or 'document'}: {message}")
    more = exc.error_count() - len(lines)
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)


def load_rules(path: str | Path) -> list[MappingRule]:
    """Read and validate a mapping file; JSON for `.json`, YAML (safe loader) otherwise."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(f"{file}: cannot read mapping file: {exc}") from None
    import yaml  # here, not at import: an ingest maps new tests without ever reading a rules file

    try:
        document = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise MappingFileError(f"{file}: not valid {_format_name(file)}: {error_line(exc)}") from None
    return parse_rules(document, str(file))


def _format_name(file: Path) -> str:
    return "JSON" if file.suffix.lower() == ".json" else "YAML"
