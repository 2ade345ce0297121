"""The event schema v1 and directory records: the field table every rule of events.md is read
from, the stored shape of an event, and the directory records' Pydantic models.

Events are checked in bulk against the field table by `labelpulse.validation`; directory records,
few, by the models here. Either way a broken rule becomes a `RecordError` naming the record
(position and id), the field and the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from labelpulse.errors import RecordError

EVENT_TYPES: tuple[str, ...] = (
    "annotation.draft",
    "annotation.submitted",
    "annotation.updated",
    "annotation.skipped",
    "annotation.deleted",
    "review.accepted",
    "review.rejected",
    "review.fixed_and_accepted",
    "review.viewed",
    "comment.created",
)
REVIEW_ACTIONS: tuple[str, ...] = (
    "review.accepted",
    "review.rejected",
    "review.fixed_and_accepted",
)
WORK_TYPES: tuple[str, ...] = ("label", "review", "edit")
ROLES: tuple[str, ...] = ("owner", "admin", "manager", "reviewer", "annotator")
DIRECTORY_KINDS: tuple[str, ...] = ("member", "workspace", "project", "membership", "rate")
FUTURE_LIMIT_SECONDS = 24 * 3600

FieldKind = Literal["id", "text", "timestamp", "number", "count", "boolean", "object"]


@dataclass(frozen=True)
class FieldRule:
    """One field of an event: its kind, whether it is required, and its bounds."""

    name: str
    kind: FieldKind
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()


EVENT_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("id", "id", required=True, max_length=200),
    FieldRule("type", "id", required=True, choices=EVENT_TYPES),
    FieldRule("time", "timestamp", required=True),
    FieldRule("started_at", "timestamp"),
    FieldRule("actor", "id", required=True, max_length=200),
    FieldRule("project", "id", required=True, max_length=200),
    FieldRule("task", "id", required=True, max_length=200),
    FieldRule("annotation", "id", required=True, max_length=200),
    FieldRule("author", "id", max_length=200),
    FieldRule("duration", "number", minimum=0),
    FieldRule("idle", "number", minimum=0),
    FieldRule("regions_added", "count", minimum=0),
    FieldRule("regions_removed", "count", minimum=0),
    FieldRule("regions_updated", "count", minimum=0),
    FieldRule("regions", "count", minimum=0),
    FieldRule("model_assisted", "boolean"),
    FieldRule("marked_null", "boolean"),
    FieldRule("agreement", "number", minimum=0, maximum=1),
    FieldRule("text", "text", max_length=10_000),
    FieldRule("frames", "count", minimum=1),
    FieldRule("work_type", "id", choices=WORK_TYPES),
    FieldRule("meta", "object"),
)
EVENT_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in EVENT_FIELDS)
ALLOWED_EVENT_KEYS: tuple[str, ...] = (*EVENT_FIELD_NAMES, "kind")

ColumnType = Literal["text", "int64", "float64", "boolean"]


@dataclass(frozen=True)
class Column:
    """One stored column: its name, its logical type, and whether it may be NULL. Every
    backend's DDL, the Arrow schema and the metric queries' tables are written from these."""

    name: str
    type: ColumnType
    nullable: bool = False


# The normalised, stored shape of an event. Times are UTC microseconds since the epoch and
# durations whole microseconds, so that sums are exact whatever order events arrive in.
EVENT_COLUMNS: tuple[Column, ...] = (
    Column("id", "text"),
    Column("type", "text"),
    Column("time_us", "int64"),
    Column("started_us", "int64"),
    Column("actor", "text"),
    Column("project", "text"),
    Column("task", "text"),
    Column("annotation", "text"),
    Column("author", "text", nullable=True),
    Column("duration_us", "int64"),
    Column("idle_us", "int64", nullable=True),
    Column("regions_added", "int64"),
    Column("regions_removed", "int64"),
    Column("regions_updated", "int64"),
    Column("regions", "int64", nullable=True),
    Column("model_assisted", "boolean"),
    Column("marked_null", "boolean"),
    Column("agreement", "float64", nullable=True),
    Column("text", "text", nullable=True),
    Column("frames", "int64", nullable=True),
    Column("work_type", "text", nullable=True),
    Column("meta", "text", nullable=True),
)
ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "text": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "boolean": pa.bool_(),
}
# Every Arrow field nullable: validation fills the required ones, and the stores say NOT NULL.
EVENT_SCHEMA = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in EVENT_COLUMNS])

# The event types each rule of metrics.md ("Annotation state") names. Sets, not SQL: the stores
# and the metric queries write their SQL lists and Ibis filters from these.
# The types an annotation's `last_action` is the latest of (not drafts, views or comments):
STATE_ACTIONS: frozenset[str] = frozenset(
    {
        "annotation.submitted",
        "annotation.updated",
        "annotation.skipped",
        "annotation.deleted",
        *REVIEW_ACTIONS,
    }
)
# The types by which the author completes an annotation (`completed_us`, `labeled`):
COMPLETING: frozenset[str] = frozenset(
    {"annotation.submitted", "annotation.updated", "annotation.skipped"}
)


# A calendar date as records write it (a project's deadline, a rate's first day).
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def calendar_date(text: str) -> dt.date:
    """A YYYY-MM-DD date between 1970 and 2100, or a ValueError saying what is wrong."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date (YYYY-MM-DD)") from None
    if not 1970 <= day.year <= 2100:
        raise ValueError(f"{text!r} is outside 1970-2100")
    return day


class Member(BaseModel):
    """A person: `kind: member`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["member"] = "member"
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=500)
    email: str | None = Field(default=None, max_length=500)
    role: Literal["owner", "admin", "manager", "reviewer", "annotator"]


class Workspace(BaseModel):
    """A group of projects: `kind: workspace`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["workspace"] = "workspace"
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=500)


class Project(BaseModel):
    """A labeling project, optionally in a workspace: `kind: project`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["project"] = "project"
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=500)
    workspace: str | None = Field(default=None, min_length=1, max_length=200)
    # The number of tasks the project has to do, and the date it is due (the forecast's
    # inputs, docs/metrics-beyond.md). A record is the whole project: one without them clears
    # them (Label Studio sync carries a stored deadline forward).
    tasks: int | None = Field(default=None, ge=0, le=1_000_000_000)
    deadline: str | None = Field(default=None, pattern=DATE_PATTERN)

    @field_validator("deadline")
    @classmethod
    def _real_deadline(cls, value: str | None) -> str | None:
        if value is not None:
            calendar_date(value)
        return value


class Membership(BaseModel):
    """A member's place in one workspace or one project: `kind: membership`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["membership"] = "membership"
    member: str = Field(min_length=1, max_length=200)
    workspace: str | None = Field(default=None, min_length=1, max_length=200)
    project: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_target(self) -> Membership:
        if (self.workspace is None) == (self.project is None):
            raise ValueError("a membership names exactly one of workspace or project")
        return self


class Rate(BaseModel):
    """What a member is paid from a date on: `kind: rate` (docs/metrics-beyond.md, Pay).

    A rate holds from `effective` (a date in the organisation's time zone) until the member's
    next rate for the same project scope. `project` None is the member's rate in every
    project that has no rate of its own. The amounts are per active hour, per accepted
    annotation and per region added; any of them may be left out (0), not all of them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["rate"] = "rate"
    member: str = Field(min_length=1, max_length=200)
    project: str | None = Field(default=None, min_length=1, max_length=200)
    effective: str = Field(pattern=DATE_PATTERN)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    per_hour: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)
    per_accepted: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)
    per_region: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)

    @field_validator("effective")
    @classmethod
    def _real_day(cls, value: str) -> str:
        calendar_date(value)
        return value

    @model_validator(mode="after")
    def _some_amount(self) -> Rate:
        if self.per_hour is None and self.per_accepted is None and self.per_region is None:
            raise ValueError("a rate needs at least one of per_hour, per_accepted, per_region")
        return self


DirectoryRecord = Member | Workspace | Project | Membership | Rate
_DIRECTORY_MODELS: dict[str, type[BaseModel]] = {
    "member": Member,
    "workspace": Workspace,
    "project": Project,
    "membership": Membership,
    "rate": Rate,
}


def parse_directory_record(data: Any, position: int) -> DirectoryRecord | list[RecordError]:
    """A directory record from a decoded JSON object, or the rules it broke."""
    record_id = data.get("id") if isinstance(data.get("id"), str) else None
    model = _DIRECTORY_MODELS[data["kind"]]
    try:
        record = model.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = ".".join(str(part) for part in err["loc"]) or None
            rule = err["msg"]
            if err["type"] == "extra_forbidden":
                rule = f"is not a field of a {data['kind']} record (unknown fields are rejected)"
            elif err["type"] == "missing":
                rule = "is required"
            elif rule.startswith("Value error, "):
                rule = rule.removeprefix("Value error, ")
            errors.append(RecordError(position, record_id, loc, rule))
        return errors
    assert isinstance(record, Member | Workspace | Project | Membership | Rate)
    return record
