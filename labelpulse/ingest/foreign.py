"""Another tool's export given to our own importer (`labelpulse import FILE`): refused at once,
naming the command that reads it, instead of rejecting every record for fields it lacks.

Only the first record is looked at (from the file's first MiB): an export is one shape
throughout, and a file of our own records never has a first record like a task.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labelpulse.errors import UsageError

HEAD_BYTES = 1 << 20
# Fields every record of ours has one of; a Label Studio task has none of them.
_OURS = frozenset({"type", "time", "kind"})


def refuse_tool_exports(path: Path) -> None:
    """UsageError when the file's first record is a Label Studio task (an object with
    `annotations` or `data`, and no `type`, `time` or `kind`); nothing otherwise."""
    record = first_record(path)
    if (
        isinstance(record, dict)
        and ("annotations" in record or "data" in record)
        and not _OURS & record.keys()
    ):
        raise UsageError(
            f"{path} is a Label Studio export (tasks with data and annotations), not labelpulse "
            f"records: import it with `labelpulse import label-studio {path}`"
        )


def first_record(path: Path) -> Any:
    """The first JSON value of a JSON array or NDJSON file, or the file's single object; None
    for CSV, an empty file, or a first record that does not end within the first MiB."""
    if path.suffix.lower() in (".csv", ".tsv"):
        return None
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES).decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    start = 0
    if head.startswith("["):
        start = len(head) - len(head[1:].lstrip(" \t\r\n"))
    try:
        value, _ = json.JSONDecoder().raw_decode(head, start)
    except (ValueError, RecursionError):  # not JSON, cut short, or nested too deep: the
        return None  # importer's own reading says what is wrong with it
    return value
