"""Reading another tool's JSON export file: one answer for a missing file or broken JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labelpulse.errors import NotFoundError, UsageError


def read_json(path: Path) -> Any:
    """The decoded content of a JSON file; NotFoundError when there is no such file, UsageError
    when it is not UTF-8 JSON. What shape it must have is the caller's to check."""
    if not path.is_file():
        raise NotFoundError(f"no such file: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from exc
