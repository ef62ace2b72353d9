"""The --json contract: exactly one JSON document on stdout (no Rich: `runs list --json` loads none)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any


def print_json(document: Any) -> None:
    """Exactly one JSON document on stdout, nothing else (the --json contract)."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n")
    sys.stdout.flush()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
