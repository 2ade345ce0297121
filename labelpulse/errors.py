"""The error tree. Every user-facing error has one shape: a code, a message and details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordError:
    """One broken rule of one record: which record, which field, which rule."""

    position: int
    record_id: str | None
    field: str | None
    rule: str
    column: str | None = None
    """The file's column the field was read from, when a column mapping renamed it."""

    def label(self) -> str:
        where = f"record {self.position}"
        if self.record_id is not None:
            where += f' (id "{self.record_id}")'
        return where

    def __str__(self) -> str:
        what = ""
        if self.field:
            column = f' (column "{self.column}")' if self.column is not None else ""
            what = f'field "{self.field}"{column}: '
        return f"{self.label()}: {what}{self.rule}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "position": self.position,
            "id": self.record_id,
            "field": self.field,
            "rule": self.rule,
            "message": str(self),
        }
        if self.column is not None:
            out["column"] = self.column
        return out


@dataclass
class LabelpulseError(Exception):
    """Base of every error labelpulse raises on purpose."""

    message: str
    details: list[dict[str, Any]] = field(default_factory=list)
    code: str = "error"

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


@dataclass
class UsageError(LabelpulseError):
    """The request itself is malformed: bad dates, unknown time zone, missing argument."""

    code: str = "bad_request"


@dataclass
class NotFoundError(LabelpulseError):
    """A named member, project, workspace or file does not exist."""

    code: str = "not_found"


MAX_DETAILS = 100
"""The most problems one error lists: a batch of a million bad records answers in kilobytes."""


@dataclass
class InvalidRecordsError(LabelpulseError):
    """A batch that must be stored whole had bad records; nothing of it was stored.

    Lists the first `MAX_DETAILS` problems; the message says how many there were in all
    (`problems`, when the caller counted more than it collected).
    """

    code: str = "invalid_records"
    problems: int = 0

    def __post_init__(self) -> None:
        total = max(self.problems, len(self.details))
        self.details = self.details[:MAX_DETAILS]
        if total > len(self.details):
            self.message += f" (the first {len(self.details)} of {total} problems are listed)"
        self.problems = total


@dataclass
class StoreError(LabelpulseError):
    """The database could not be opened, migrated or written."""

    code: str = "store_error"


@dataclass
class UnauthorizedError(LabelpulseError):
    """No valid session or token: the asker must sign in (or present a token) first."""

    code: str = "unauthorized"


@dataclass
class ForbiddenError(LabelpulseError):
    """The asker is known but may not see or do this (the access table of metrics.md)."""

    code: str = "forbidden"


@dataclass
class TooLargeError(LabelpulseError):
    """A request body is larger than the server accepts."""

    code: str = "too_large"


@dataclass
class TooManyRequestsError(LabelpulseError):
    """Too many attempts (failed sign-ins): try again after `retry_after` seconds."""

    code: str = "too_many_requests"
    retry_after: int = 1


@dataclass
class BusyError(LabelpulseError):
    """The server is at its limit of this kind of work: try again after `retry_after` seconds."""

    code: str = "busy"
    retry_after: int = 1
