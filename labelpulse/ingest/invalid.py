"""A batch refused whole: the record errors that say why, and the one error that carries them.

Every path that stores a batch whole or not at all (`ingest_records`, each connector's checks of
another tool's records) refuses it with the same message, "N of M X are invalid; nothing was
stored", and the same details, so an API client or a CLI user reads one shape whatever sent it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from labelpulse.errors import InvalidRecordsError, RecordError

if TYPE_CHECKING:
    from pydantic import ValidationError


def record_errors(exc: ValidationError, position: int, record_id: str | None) -> list[RecordError]:
    """A Pydantic error as labelpulse's record errors: position, id, field, rule."""
    found = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or None
        rule = "is required" if err["type"] == "missing" else err["msg"]
        found.append(RecordError(position, record_id, where, rule.removeprefix("Value error, ")))
    return found


def invalid_batch(
    errors: Sequence[RecordError],
    total: int,
    what: str,
    *,
    bad: int | None = None,
    problems: int = 0,
) -> InvalidRecordsError:
    """The error refusing a batch of `total` `what` (e.g. "task(s)") for `errors`.

    `bad` is how many records were invalid when the caller counted them (default: the distinct
    positions of `errors`); `problems`, how many problems, when it kept fewer than it found."""
    count = len({e.position for e in errors}) if bad is None else bad
    return InvalidRecordsError(
        f"{count} of {total} {what} are invalid; nothing was stored",
        details=[e.as_dict() for e in errors],
        problems=problems,
    )
