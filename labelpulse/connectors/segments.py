"""Segments.ai workunits become events; the mapping is docs/connectors/segments.md.

A workunit is one stretch of one person's work on one sample. Each becomes one event whose id is
the workunit's uuid and whose content comes from that workunit alone, so importing or syncing
the same workunits again, in any order or grouping, stores nothing new and changes no figure.
`import_workunits` reads a JSON file; `sync_workunits` needs the `segments-ai` SDK
(`pip install 'labelpulse[segments]'`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from labelpulse.connectors.jsonfile import read_json
from labelpulse.connectors.people import People
from labelpulse.connectors.registry import ImportOptions, SyncOptions, SyncOutcome, SyncProgress
from labelpulse.errors import LabelpulseError, NotFoundError, RecordError, UsageError
from labelpulse.ingest import (
    IngestSummary,
    Rejected,
    as_source_error,
    default_rejects,
    ingest_records,
    record_problems,
    write_rejects,
)
from labelpulse.ingest.files import Progress
from labelpulse.ingest.invalid import invalid_batch, record_errors
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory

SOURCE = "segments"
DEFAULT_API_URL = "https://api.segments.ai/"
# Work saved in the labeling interface goes to the default label set (Segments' main concepts).
LABELSET = "ground-truth"
WORK_TYPES: dict[str, str] = {"label": "label", "review": "review", "normal": "edit"}
_VERDICTS = {
    "REVIEWED": "review.accepted",
    "VERIFIED": "review.accepted",
    "REJECTED": "review.rejected",
}
_ANNOTATION_TYPES = {
    "LABELED": "annotation.submitted",
    "SKIPPED": "annotation.skipped",
    "PRELABELED": "annotation.deleted",
    "UNLABELED": "annotation.deleted",
}
# Every value of the SDK's `segments.typing.LabelStatus`: those above and the two saves.
LABEL_STATUSES: tuple[str, ...] = (
    *_ANNOTATION_TYPES,
    *_VERDICTS,
    "LABELING_IN_PROGRESS",
    "REVIEWING_IN_PROGRESS",
)
_DATASET = re.compile(r"[^/\s]+/[^/\s]+")


class SdkWorkunit(Protocol):
    """What is read of the SDK's `segments.typing.Workunit` (a Pydantic model)."""

    def model_dump(self) -> dict[str, Any]: ...


def event_type(work_type: str, status: str | None) -> str:
    """The event a workunit is: the label status it left, read in the workflow it was done in.

    A verdict status is a review action whoever set it; any other work in the review workflow
    is review time without a verdict; `LABELED` saved from the samples tab changes an existing
    label; a status that puts the sample back in the label queue withdraws the label.
    """
    if status in _VERDICTS:
        return _VERDICTS[status]
    if work_type == "review":
        return "review.viewed"
    if status == "LABELED" and work_type == "normal":
        return "annotation.updated"
    return _ANNOTATION_TYPES.get(status or "", "annotation.draft")


class _Workunit(BaseModel):
    """The fields of `segments.typing.Workunit` read here, checked; other fields are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)
    uuid: str | None = Field(default=None, min_length=1)
    created_at: str
    created_by: str = Field(min_length=1)
    work_type: Literal["label", "review", "normal"]
    next_label_status: str | None = None
    time: int = Field(ge=0)
    inactive_time: int = Field(ge=0)
    sample_uuid: str = Field(min_length=1)
    sample_name: str
    label_rating: int | None = None

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: str) -> str:
        try:
            moment = datetime.fromisoformat(value)
            utc = moment.astimezone(UTC) if moment.tzinfo is not None else None
        except (ValueError, OverflowError):
            raise ValueError(
                "must be an ISO 8601 timestamp such as 2026-03-02T10:00:00.000000Z"
            ) from None
        if utc is None:
            raise ValueError("must have an offset (Z or +02:00): a time without one is not guessed")
        return utc.isoformat().replace("+00:00", "Z")

    @field_validator("next_label_status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in LABEL_STATUSES:
            raise ValueError(f"must be one of {', '.join(LABEL_STATUSES)}, or null")
        return value


def workunit_records(
    workunits: Iterable[Mapping[str, Any] | SdkWorkunit], *, dataset: str, people: People
) -> list[dict[str, Any]]:
    """One event per workunit of `dataset` (in their order), then the directory records needed.

    `workunits` are the SDK's `Workunit` objects or their JSON. Every workunit is checked before
    anyone is resolved: InvalidRecordsError names each bad one by position (from 1), uuid and
    field. The directory records are the members `people` made and, when the directory does
    not know it yet, the dataset's project. (`people` stores each new user's alias at once.)
    """
    check_dataset(dataset)
    return _records(_parse(workunits), dataset, people)


def _records(parsed: list[_Workunit], dataset: str, people: People) -> list[dict[str, Any]]:
    events = [_event(w, dataset, people.resolve(w.created_by, name=w.created_by)) for w in parsed]
    directory: list[dict[str, Any]] = list(people.new_members)
    if dataset not in Directory.load(people.store).projects:
        directory.append({"kind": "project", "id": dataset, "name": dataset})
    return events + directory


def import_workunits(
    store: Store, path: Path, *, dataset: str | None = None, rejects: Path | None = None
) -> IngestSummary:
    """Import a JSON file of workunits: the good ones are stored, and each bad one is written
    with its reasons to `rejects` (default: FILE.rejects.ndjson beside the file).

    The file is a JSON array of workunits as the SDK returns them (`model_dump()` of each, or
    the API's response), or `{"dataset": "owner/name", "workunits": [...]}`. `dataset` must be
    given when the file does not name it, and must agree with it when it does. A workunit is
    bad when Segments' record is (`_Workunit`), or when the event made of it breaks one of
    labelpulse's rules (checked before anything is stored).
    """
    workunits, named = _read(path)
    if dataset is not None and named is not None and dataset != named:
        raise UsageError(f"{path} holds workunits of {named!r}, not of {dataset!r}")
    chosen = dataset or named
    if chosen is None:
        raise UsageError(f"{path} does not name its dataset: give it as owner/name (--dataset)")
    check_dataset(chosen)
    parsed, errors = _parse_each(workunits)
    events = {i: _event(w, chosen, f"{SOURCE}-{w.created_by}") for i, w in parsed.items()}
    ordered = sorted(events)
    for at, problems in record_problems([events[i] for i in ordered]).items():
        index = ordered[at - 1]
        uuid = parsed.pop(index).uuid
        errors[index] = [as_source_error(e, index, uuid) for e in problems]
    people = People(store, SOURCE)
    records = _records(list(parsed.values()), chosen, people) if parsed else []
    summary = _store(store, records, people)
    rejected = [Rejected(errors[i], workunits[i - 1]) for i in sorted(errors)]
    write_rejects(summary, rejected, rejects or default_rejects(path))
    return summary


def sync_workunits(
    store: Store,
    *,
    api_key: str,
    dataset: str,
    api_url: str | None = None,
    progress: Progress | None = None,
    per_page: int = 1000,
) -> IngestSummary:
    """Fetch every workunit of `dataset` through the SDK, page by page, and store them whole.

    `progress` is called with the number of workunits each page brought. Segments' errors
    become labelpulse's: a refused key a UsageError, an unknown dataset a NotFoundError.
    """
    check_dataset(dataset)
    if not api_key:
        raise UsageError("a Segments.ai API key is required (your account page on segments.ai)")
    if per_page < 1:
        raise UsageError("per_page must be at least 1")
    workunits = _fetch(api_key, dataset, api_url or DEFAULT_API_URL, progress, per_page)
    people = People(store, SOURCE)
    return _store(store, workunit_records(workunits, dataset=dataset, people=people), people)


def import_file(store: Store, path: Path, options: ImportOptions) -> IngestSummary:
    """`labelpulse import segments`: `import_workunits` with the command's options."""
    return import_workunits(store, path, dataset=options.dataset, rejects=options.rejects)


def sync(store: Store, options: SyncOptions, progress: SyncProgress | None) -> SyncOutcome:
    """`labelpulse sync segments`: `sync_workunits`, with the workunits fetched so far as
    progress."""
    if options.dataset is None:
        raise UsageError("syncing Segments.ai needs the --dataset, owner/name")
    seen = 0

    def fetched(count: int) -> None:
        nonlocal seen
        seen += count
        if progress is not None:
            progress("workunits", seen, None)

    summary = sync_workunits(
        store,
        api_key=options.api_key or "",
        dataset=options.dataset,
        api_url=options.api_url,
        progress=fetched,
    )
    return SyncOutcome(f"Segments.ai · {options.dataset}", summary)


def check_dataset(dataset: str) -> None:
    """A Segments dataset identifier is `owner/name`, as the SDK takes it."""
    if not _DATASET.fullmatch(dataset):
        raise UsageError(f"{dataset!r} is not a Segments.ai dataset identifier: use owner/name")


def _parse(workunits: Iterable[Mapping[str, Any] | SdkWorkunit]) -> list[_Workunit]:
    """Every workunit, checked; InvalidRecordsError names each bad one."""
    items = list(workunits)
    parsed, errors = _parse_each(items)
    if errors:
        raise invalid_batch(
            [e for p in sorted(errors) for e in errors[p]], len(items), "workunit(s)"
        )
    return list(parsed.values())


def _parse_each(
    items: list[Mapping[str, Any] | SdkWorkunit],
) -> tuple[dict[int, _Workunit], dict[int, list[RecordError]]]:
    """The good workunits and the bad ones' errors, each by position (from 1)."""
    parsed: dict[int, _Workunit] = {}
    errors: dict[int, list[RecordError]] = {}
    for position, item in enumerate(items, start=1):
        data = item if isinstance(item, Mapping) else getattr(item, "model_dump", lambda: None)()
        if not isinstance(data, Mapping):
            rule = "must be a workunit (a JSON object)"
            errors[position] = [RecordError(position, None, None, rule)]
            continue
        uuid = data.get("uuid") if isinstance(data.get("uuid"), str) else None
        try:
            parsed[position] = _Workunit.model_validate(dict(data))
        except ValidationError as exc:
            errors[position] = record_errors(exc, position, uuid)
    return parsed, errors


def _event(w: _Workunit, dataset: str, member: str) -> dict[str, Any]:
    kind = event_type(w.work_type, w.next_label_status)
    meta: dict[str, Any] = {"sample_name": w.sample_name}
    if w.next_label_status is not None:
        meta["label_status"] = w.next_label_status
    if w.label_rating is not None:
        meta["label_rating"] = w.label_rating
    event: dict[str, Any] = {
        "id": f"{SOURCE}:{w.uuid or _content_key(w)}",
        "type": kind,
        "time": w.created_at,
        "actor": member,
        "project": dataset,
        "task": w.sample_uuid,
        "annotation": f"{dataset}:{w.sample_uuid}:{LABELSET}",
        "duration": (w.time + w.inactive_time) / 1000,
        "idle": w.inactive_time / 1000,
        "work_type": WORK_TYPES[w.work_type],
        "meta": meta,
    }
    if w.work_type == "label" and kind.startswith("annotation."):
        # Whoever works on the sample in the labeling workflow is the label's author, even
        # when a manager opened it from the samples tab first.
        event["author"] = member
    return event


def _content_key(w: _Workunit) -> str:
    """An id for a workunit without a uuid (the SDK allows it): a digest of what it says."""
    said = [w.created_at, w.created_by, w.work_type, w.next_label_status, w.time, w.inactive_time]
    said.append(w.sample_uuid)
    return "sha256-" + hashlib.sha256(json.dumps(said).encode()).hexdigest()[:32]


def _read(path: Path) -> tuple[list[Any], str | None]:
    data = read_json(path)
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get("workunits"), list):
        named = data.get("dataset")
        if named is not None and not isinstance(named, str):
            raise UsageError(f'{path}: "dataset" must be a string, owner/name')
        return data["workunits"], named
    raise UsageError(
        f'{path}: expected a JSON array of workunits, or an object with a "workunits" array'
    )


def _store(store: Store, records: list[dict[str, Any]], people: People) -> IngestSummary:
    """Ingest whole; the new members' aliases are saved only once the batch is stored."""
    summary = ingest_records(store, records)
    people.save()
    return summary


def _fetch(
    api_key: str, dataset: str, url: str, progress: Progress | None, per_page: int
) -> list[Any]:
    try:
        from segments import SegmentsClient
        from segments.exceptions import NotFoundError as SegmentsNotFound
        from segments.exceptions import SegmentsError
    except ImportError as exc:
        raise UsageError(
            "syncing from Segments.ai needs its SDK: pip install 'labelpulse[segments]'"
        ) from exc
    try:
        client = SegmentsClient(api_key, api_url=url)
    except (SegmentsError, AttributeError) as exc:
        # segments-ai 1.33's constructor raises AttributeError when the URL is unreachable
        cause = exc if isinstance(exc, SegmentsError) else exc.__context__
        if not isinstance(cause, SegmentsError):
            raise
        raise _upstream_error(cause, dataset, url) from exc
    found: list[Any] = []
    with client:
        page = 1
        while True:
            # Oldest first: workunits saved while paging are added at the end, never shifting
            # a page not read yet.
            try:
                batch = client.get_workunits(dataset, direction="asc", per_page=per_page, page=page)
            except SegmentsError as exc:
                if isinstance(exc, SegmentsNotFound) and page > 1 and "invalid page" in str(exc):
                    break  # the page before was full, and the last
                raise _upstream_error(exc, dataset, url) from exc
            found.extend(batch)
            if progress is not None and batch:
                progress(len(batch))
            if len(batch) < per_page:
                break
            page += 1
    return found


def _upstream_error(exc: Exception, dataset: str, url: str) -> LabelpulseError:
    from segments.exceptions import AuthenticationError, AuthorizationError
    from segments.exceptions import NotFoundError as SegmentsNotFound

    response = getattr(getattr(exc, "cause", None), "response", None)
    status = getattr(response, "status_code", None)
    said = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, AuthenticationError | AuthorizationError) or status in (401, 403):
        return UsageError(f"Segments.ai ({url}) refused the API key: {said}")
    if isinstance(exc, SegmentsNotFound) or status == 404:
        return NotFoundError(f"Segments.ai ({url}) has no dataset {dataset!r} this API key can see")
    return LabelpulseError(f"Segments.ai ({url}) could not be read: {said}", code="upstream_error")
