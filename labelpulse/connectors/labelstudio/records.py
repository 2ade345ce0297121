"""Label Studio's records as read here: annotations, users, reviews and comments, checked.

Only the fields the mapping uses are declared; every other field is ignored (so a newer server
that adds fields still parses). Timestamps must carry an offset and are kept as UTC datetimes;
`stamp` writes one back in the one form every event id and time here uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from labelpulse.connectors.labelstudio.regions import count_regions
from labelpulse.errors import RecordError
from labelpulse.ingest import Rejected
from labelpulse.ingest.invalid import invalid_batch, record_errors

SOURCE = "label-studio"
Parsed = TypeVar("Parsed")


def parse_time(value: str) -> datetime:
    """An ISO 8601 timestamp with an offset, as UTC; ValueError otherwise."""
    try:
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise ValueError("must be an ISO 8601 timestamp: 2026-03-02T10:00:00.000000Z") from None
    if moment.tzinfo is None:
        raise ValueError("must have an offset (Z or +02:00): a time without one is not guessed")
    return moment.astimezone(UTC)


def stamp(moment: datetime) -> str:
    """`2026-11-25T21:55:03.437672Z`: microseconds always written, so two paths that saw the
    same instant (written `...03Z` by one serializer, `...03.000000Z` by another) agree."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _user_id(value: Any) -> Any:
    """`completed_by` and friends: a plain id (1.23 exports, API, webhooks) or a user object
    (some exports and Enterprise answers); the object's id is the id."""
    if isinstance(value, Mapping):
        return value.get("id")
    return value


class LsUser(_Record):
    """A user of GET /api/users/ (or an expanded `completed_by`)."""

    id: int
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None

    @property
    def name(self) -> str | None:
        full = " ".join(p for p in (self.first_name, self.last_name) if p and p.strip()).strip()
        return full or (self.username or "").strip() or None


class LsAnnotation(_Record):
    """An annotation as the JSON export, the sync's export and webhook bodies carry it.

    `unique_id` is absent from annotations made before Label Studio added it (migration
    `0034_annotation_unique_id`, end of 2022: nullable, older rows keep null), from the SDK's
    Annotation type and from the webhook reference's payloads: `mapping.annotation_key` then
    derives the key. `completed_by` is null once its user was deleted (`on_delete=SET_NULL`),
    and absent from some real exports (the SDK's 2025 COCO test data, which has `updated_by`):
    both are read alike, and `apply` says whom the annotation is then credited to."""

    id: int
    unique_id: str | None = Field(default=None, min_length=1, max_length=100)
    task: int
    project: int | None = None
    completed_by: int | None = None
    completed_by_user: LsUser | None = None
    updated_by: int | None = None
    was_cancelled: bool = False
    ground_truth: bool = False
    created_at: datetime
    updated_at: datetime
    lead_time: float | None = None
    result: list[Any] | None = None
    result_count: int | None = None
    parent_prediction: int | None = None

    @field_validator("created_at", "updated_at", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return parse_time(value) if isinstance(value, str) else value

    @field_validator("completed_by", "updated_by", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _user_id(value)

    @classmethod
    def read(cls, data: Mapping[str, Any], project: int | None = None) -> LsAnnotation:
        """Parse one annotation; `project` fills in a record that does not name it."""
        return cls.model_validate(_fields(data, "completed_by", "project", project))

    @property
    def lead_us(self) -> int:
        """`lead_time` in whole microseconds (null or negative: 0): cumulative or one session's
        time, depending on the server (`mapping.lead_reading`)."""
        return max(0, round((self.lead_time or 0.0) * 1_000_000))

    @property
    def regions(self) -> int:
        """Distinct regions of the result, as Label Studio counts them (`regions.count_regions`);
        `result_count` only when the record has no result: older servers wrote 0 there."""
        if self.result is not None:
            return count_regions(self.result)
        return max(0, self.result_count or 0)


class LsReview(_Record):
    """An Enterprise annotation review (GET /api/annotation-reviews/, REVIEW_* webhooks, and
    `annotations[].reviews` of an Enterprise JSON export, whose `created_by` is the user)."""

    id: int
    annotation: int
    created_by: int
    created_by_user: LsUser | None = None
    accepted: bool | None = None
    fixed_annotation_history: int | None = None
    created_at: datetime
    updated_at: datetime | None = None
    started_at: datetime | None = None

    @field_validator("created_at", "updated_at", "started_at", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return parse_time(value) if isinstance(value, str) else value

    @field_validator("created_by", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _user_id(value)

    @classmethod
    def read(cls, data: Mapping[str, Any], annotation: int | None = None) -> LsReview:
        """Parse one review; `annotation` fills in a review that does not name its annotation
        (one embedded in it)."""
        return cls.model_validate(_fields(data, "created_by", "annotation", annotation))


class LsComment(_Record):
    """An Enterprise comment (GET /api/comments/): on an annotation, or on a draft (skipped)."""

    id: int
    annotation: int | None = None
    task: int | None = None
    created_by: int
    created_by_user: LsUser | None = None
    text: str | None = None
    created_at: datetime

    @field_validator("created_at", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return parse_time(value) if isinstance(value, str) else value

    @field_validator("created_by", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _user_id(value)

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> LsComment:
        return cls.model_validate(_fields(data, "created_by"))


def _fields(
    data: Mapping[str, Any], user: str, missing: str | None = None, value: int | None = None
) -> dict[str, Any]:
    """A record's fields with its `user` field's object, when the record expands the user, kept
    beside the id as `{user}_user`, and `missing` set to `value` when the record leaves it out."""
    fields = dict(data)
    if isinstance(data.get(user), Mapping):
        fields[f"{user}_user"] = data[user]
    if missing is not None and fields.get(missing) is None:
        fields[missing] = value
    return fields


def read_each(
    items: Iterable[Any],
    parse: Callable[[Any], Parsed],
    what: str,
    *,
    not_object: str | None = "must be a JSON object",
) -> list[Parsed]:
    """Every item parsed, or InvalidRecordsError naming each bad one by its position (from 1)
    and id: all are checked before any is used (API answers and webhook bodies, stored whole).
    `not_object` is the rule an item that is not a JSON object breaks (None: `parse` judges
    it)."""
    listed = list(items)
    found, rejected = read_valid(listed, parse, not_object=not_object)
    if rejected:
        raise invalid_batch([e for r in rejected for e in r.errors], len(listed), what)
    return found


def read_valid(
    items: Iterable[Any],
    parse: Callable[[Any], Parsed],
    *,
    not_object: str | None = "must be a JSON object",
) -> tuple[list[Parsed], list[Rejected]]:
    """The items that parse, and each that does not with its errors (by position from 1 and
    id) and the item as given: for a file, whose good records are stored and bad ones
    rejected (`labelpulse.ingest.write_rejects`)."""
    found: list[Parsed] = []
    rejected: list[Rejected] = []
    for position, item in enumerate(items, start=1):
        is_object = isinstance(item, Mapping)
        if not is_object and not_object is not None:
            rejected.append(Rejected([RecordError(position, None, None, not_object)], item))
            continue
        try:
            found.append(parse(item))
        except ValidationError as exc:
            label = str(item.get("id")) if is_object and "id" in item else None
            rejected.append(Rejected(record_errors(exc, position, label), item))
    return found, rejected


def read_users(users: Iterable[Any]) -> list[LsUser]:
    """GET /api/users/ (a plain list), checked: InvalidRecordsError names every bad user."""
    return read_each(
        users, LsUser.model_validate, "user(s)", not_object="must be a user (a JSON object)"
    )
