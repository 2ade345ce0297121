"""Pull a Label Studio server through its REST API, or import a project's JSON export file.

Sync reads the users (members by email), the projects, and each project's tasks a page at a
time: the task ids from `GET /api/tasks/`, then those tasks' JSON export (the only answer with
`unique_id`). Each page is stored as it comes; then annotations held from the project that no
page showed are looked up again, and those Label Studio no longer has become `annotation.deleted`.
Enterprise reviews and comments are read where the server has them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from labelpulse.connectors.jsonfile import read_json
from labelpulse.connectors.labelstudio.apply import Applied, Applier, Batch, held_annotations
from labelpulse.connectors.labelstudio.client import PAGE_SIZE, LabelStudioClient
from labelpulse.connectors.labelstudio.mapping import Held, Version, version_events
from labelpulse.connectors.labelstudio.records import (
    SOURCE,
    LsAnnotation,
    LsComment,
    LsReview,
    read_each,
    read_users,
)
from labelpulse.connectors.people import People
from labelpulse.connectors.registry import LeadTime, SyncProgress
from labelpulse.errors import RecordError, UsageError
from labelpulse.ingest import (
    IngestSummary,
    Rejected,
    as_source_error,
    default_rejects,
    record_problems,
    write_rejects,
)
from labelpulse.ingest.invalid import invalid_batch, record_errors
from labelpulse.store.base import Store

EXPORT_BATCH = 5_000  # annotations of an export file stored per transaction

ImportProgress = Callable[[int], None]
"""Called after each stored batch of an export file with how many annotations it held."""


@dataclass
class SyncResult:
    """What a sync read and stored."""

    summary: IngestSummary = field(default_factory=IngestSummary)
    projects: list[str] = field(default_factory=list)
    users: int = 0
    deleted: int = 0
    unplaced: int = 0
    features: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(("reviews", "comments", "annotation_history"), False)
    )

    def add(self, applied: Applied) -> None:
        total, part = self.summary, applied.summary
        total.stored += part.stored
        total.duplicates += part.duplicates
        total.directory_stored += part.directory_stored
        total.directory_unchanged += part.directory_unchanged
        self.deleted += applied.deleted
        self.unplaced += applied.unplaced


def sync_label_studio(
    target: Store | Applier,
    *,
    url: str,
    token: str,
    projects: Sequence[int] = (),
    progress: SyncProgress | None = None,
    page_size: int = PAGE_SIZE,
    lead_time: LeadTime = LeadTime.auto,
) -> SyncResult:
    """Sync every project the token can see (or those named): users, projects, tasks,
    annotations, deletions; reviews and comments on Enterprise. Safe to run any number of
    times: a second run stores only what changed on the server since. `progress` is called
    after each page: the project's title, its tasks read so far, its tasks in all. `lead_time`:
    how the annotations' `lead_time` is read (`mapping.lead_reading`).

    `target`: the store, or the `Applier` its owner shares with webhook deliveries (the web
    app's periodic sync)."""
    if page_size < 1:
        raise UsageError("page_size must be at least 1")
    client = LabelStudioClient(url, token)
    client.check()
    applier = Applier.of(target)
    result = SyncResult()
    people = People(applier.store, SOURCE)
    users = read_users(client.users())
    result.users = len(users)
    result.add(applier.apply(Batch(users=users), people))
    chosen = [client.project(p) for p in dict.fromkeys(projects)] if projects else client.projects()
    for project in chosen:
        number, title = int(project["id"]), str(project.get("title") or "").strip()
        result.projects.append(title or f"Label Studio project {number}")
        tasks = project.get("task_number")  # FC: the project's task count
        counted = {number: tasks} if isinstance(tasks, int) and tasks >= 0 else {}
        _sync_project(
            applier, client, people, number, title, progress, page_size, result, lead_time, counted
        )
    return result


def _sync_project(
    applier: Applier,
    client: LabelStudioClient,
    people: People,
    project: int,
    title: str,
    progress: SyncProgress | None,
    page_size: int,
    result: SyncResult,
    lead_time: LeadTime,
    counted: dict[int, int],
) -> None:
    result.add(applier.apply(Batch(projects={project: title}, project_tasks=counted), people))
    seen: set[str] = set()
    done = 0
    for ids, total in client.task_pages(project, page_size):
        versions = read_as(read_tasks(client.export(project, ids), project), lead_time)
        applied = applier.apply(Batch(versions=versions), people)
        seen |= applied.annotations
        result.add(applied)
        done += len(ids)
        if progress is not None:
            progress(title, done, max(total, done))
    # Held but on no page: deleted in Label Studio, or moved between pages while they were
    # read (tasks added or deleted meanwhile). Ask again for just their tasks.
    missing = {a: t for a, t in held_annotations(applier.store, project).items() if a not in seen}
    if missing:
        tasks = sorted({int(t.removeprefix("ls-task-")) for t in missing.values()})
        versions = []
        for start in range(0, len(tasks), page_size):
            page = read_tasks(client.export(project, tasks[start : start + page_size]))
            versions += read_as(page, lead_time)
        applied = applier.apply(Batch(versions=versions), people)
        result.add(applied)
        gone = sorted(a for a in missing if a not in applied.annotations)
        if gone:
            result.add(applier.apply(Batch(gone=gone), people))
    _enterprise(applier, client, people, project, result)


def _enterprise(
    applier: Applier, client: LabelStudioClient, people: People, project: int, result: SyncResult
) -> None:
    """Reviews and comments where the server has them; the open-source edition answers 404."""
    by_project: dict[str, str | int] = {"annotation__task__project": project}
    reviews = client.optional_list("/api/annotation-reviews/", by_project)
    comments = client.optional_list("/api/comments/", {"projects": project})
    history = client.optional(f"/api/projects/{project}/annotation-history/", {"page_size": 1})
    result.features["reviews"] |= reviews is not None
    result.features["comments"] |= comments is not None
    result.features["annotation_history"] |= history is not None
    if reviews or comments:
        batch = Batch(
            reviews=read_each(reviews or [], LsReview.read, "review(s)", not_object=None),
            comments=read_each(comments or [], LsComment.read, "comment(s)", not_object=None),
        )
        result.add(applier.apply(batch, people))


def import_export(
    target: Store | Applier,
    path: Path,
    *,
    project_name: str | None = None,
    users: Path | Sequence[Mapping[str, Any]] | None = None,
    progress: ImportProgress | None = None,
    lead_time: LeadTime = LeadTime.auto,
    rejects: Path | None = None,
) -> IngestSummary:
    """Import a project's JSON export (`GET /api/projects/{id}/export?exportType=JSON`).

    Every annotation is checked before anything is stored; the good ones are stored and each
    bad one (or a task that cannot be read) is written with its reasons to `rejects` (default:
    FILE.rejects.ndjson beside the file), which the summary names. The export names users by
    id only: `users` (a file of `GET /api/users/`, or its list) lets members be matched by
    email; without it, users already met by a sync or webhook are recognised and others become
    members named `label-studio-<id>`. An export is a snapshot: an annotation missing from it
    is not taken as deleted (a sync or webhook says so). `target`: the store, or the `Applier`
    its owner shares. An Enterprise export's reviews (`annotations[].reviews`) become the
    review actions a sync makes of them, with the same ids. `lead_time`: how the annotations'
    `lead_time` is read (`mapping.lead_reading`).
    """
    tasks = _read_export(path)
    good, rejected = _partial(tasks)
    versions = read_as(good, lead_time)
    reviews, refused = read_embedded_reviews(tasks, {v.annotation.id for v in good})
    numbers = {v.annotation.project for v in versions}
    numbers |= {
        t["project"] for t in tasks if isinstance(t, Mapping) and isinstance(t.get("project"), int)
    }
    if project_name is not None and len(numbers) > 1:
        raise UsageError(f"{path} holds several projects; --project-name names only one")
    applier = Applier.of(target)
    people = People(applier.store, SOURCE)
    listed = read_users(_user_list(users)) if users is not None else []
    projects: dict[int, str | None] = {n: project_name for n in numbers if n is not None}
    result = SyncResult()
    result.add(applier.apply(Batch(users=listed, projects=projects), people))
    for start in range(0, len(versions), EXPORT_BATCH):
        chunk = versions[start : start + EXPORT_BATCH]
        result.add(applier.apply(Batch(versions=chunk), people))
        if progress is not None:
            progress(len(chunk))
    if reviews:  # after their annotations: a review is placed on an annotation held
        result.add(applier.apply(Batch(reviews=reviews), people))
    found = sorted([*rejected, *refused], key=lambda r: r.errors[0].position)
    write_rejects(result.summary, found, rejects or default_rejects(path))
    return result.summary


def remember_users(target: Store | Applier, users: Iterable[Any]) -> IngestSummary:
    """Members for Label Studio's users (the list `GET /api/users/` answers): matched by email
    across tools, each Label Studio user id kept as an alias for records that name only ids."""
    applier = Applier.of(target)
    return applier.apply(Batch(users=read_users(users)), People(applier.store, SOURCE)).summary


def read_tasks(tasks: Iterable[Any], project: int | None = None) -> list[Version]:
    """Every annotation of a JSON export's tasks, checked; InvalidRecordsError names each bad
    one by its task's position (from 1) and its id."""
    items = list(tasks)
    versions: list[Version] = []
    errors: list[RecordError] = []
    for _, _, read in _annotations(items, project):
        if isinstance(read, Version):
            versions.append(read)
        else:
            errors += read
    if errors:
        raise invalid_batch(errors, len(items), "task(s)")
    return versions


def read_as(versions: list[Version], lead_time: LeadTime) -> list[Version]:
    """The versions, their `lead_time` read as asked."""
    if lead_time is LeadTime.auto:
        return versions
    return [replace(v, lead_time=lead_time) for v in versions]


def read_embedded_reviews(
    tasks: Iterable[Any], annotations: set[int]
) -> tuple[list[LsReview], list[Rejected]]:
    """The reviews an Enterprise JSON export embeds in `annotations` (`reviews`, shaped as
    GET /api/annotation-reviews/ answers, `created_by` expanded to the user), and each bad one
    rejected on its own, named by its task's position (from 1) and its id: its annotation is
    kept. The reviews of an annotation rejected are not read (they could not be placed)."""
    reviews: list[LsReview] = []
    rejected: list[Rejected] = []
    for position, task in enumerate(tasks, start=1):
        if not isinstance(task, Mapping) or not isinstance(task.get("annotations"), list):
            continue  # read_tasks names a task that is not one
        for data in task["annotations"]:
            embedded = data.get("reviews") if isinstance(data, Mapping) else None
            if not isinstance(embedded, list):
                continue
            owner = data.get("id") if isinstance(data.get("id"), int) else None
            if owner not in annotations:
                continue
            for review in embedded:
                label = f"review {review.get('id')}" if isinstance(review, Mapping) else None
                if not isinstance(review, Mapping):
                    error = RecordError(position, label, "reviews", "must be objects")
                    rejected.append(Rejected([error], review))
                    continue
                try:
                    reviews.append(LsReview.read(review, owner))
                except ValidationError as exc:
                    rejected.append(Rejected(record_errors(exc, position, label), review))
    return reviews, rejected


# Why only the JSON export is read, and where to get it: every refusal of a file says it.
_CHOOSE_JSON = (
    "export the project again with Export → JSON in Label Studio (the project's Export "
    "dialog) and import that file. JSON-MIN and CSV exports are not read: they leave out "
    "skipped annotations, the project, and the ids that let labelpulse count each annotation "
    "once"
)


def _annotations(
    tasks: Sequence[Any], project: int | None
) -> Iterator[tuple[int, Any, Version | list[RecordError]]]:
    """(task position from 1, the record as the file has it, its version or what is wrong
    with it) for each annotation of each task; a task that cannot be read (not an object, no
    integer id, annotations not a list) is one record, the whole task, with its errors."""
    for position, task in enumerate(tasks, start=1):
        if not isinstance(task, Mapping) or not isinstance(task.get("annotations", []), list):
            yield (
                position,
                task,
                [RecordError(position, None, None, "must be a task with annotations")],
            )
            continue
        number = task.get("id")
        if not isinstance(number, int) or isinstance(number, bool):
            label = None if number is None else f"task {number}"
            rule = "must be the task's integer id: its annotations cannot be placed without it"
            yield position, task, [RecordError(position, label, "id", rule)]
            continue
        owner = task.get("project") if isinstance(task.get("project"), int) else project
        for index, data in enumerate(task.get("annotations") or [], start=1):
            known = isinstance(data, Mapping) and data.get("id") is not None
            label = f"annotation {data['id']}" if known else f"task {number} annotation {index}"
            if not isinstance(data, Mapping):
                yield (
                    position,
                    data,
                    [RecordError(position, label, "annotations", "must be objects")],
                )
                continue
            try:
                annotation = LsAnnotation.read({"task": number, **data}, owner)
            except ValidationError as exc:
                yield position, data, record_errors(exc, position, label)
                continue
            if annotation.project is None:
                yield position, data, [RecordError(position, label, "project", "is required")]
                continue
            yield position, data, Version(annotation)


def _partial(tasks: Sequence[Any]) -> tuple[list[Version], list[Rejected]]:
    """The annotations of an export file that can be stored, and those that cannot, each with
    its reasons: Label Studio's record broken, or an event made of it refused by labelpulse's
    rules (checked before anything is stored, so a refused annotation stores none of its
    events). The events are made as if nothing were held, with members named by user id: the
    rules they break do not depend on either."""
    good: list[tuple[int, Any, Version]] = []
    rejected: list[Rejected] = []
    for position, data, read in _annotations(tasks, None):
        if isinstance(read, Version):
            good.append((position, data, read))
        else:
            rejected.append(Rejected(read, data))
    events: list[dict[str, Any]] = []
    owner: list[int] = []
    for index, (_, _, version) in enumerate(good):
        made = version_events(version, Held(), lambda user, _: f"{SOURCE}-{user}")
        events += made
        owner += [index] * len(made)
    refused: dict[int, list[RecordError]] = {}
    for event_position, errors in record_problems(events).items():
        refused.setdefault(owner[event_position - 1], []).extend(errors)
    for index in sorted(refused):
        position, data, version = good[index]
        label = f"annotation {version.annotation.id}"
        errors = [as_source_error(e, position, label) for e in refused[index]]
        rejected.append(Rejected(errors, data))
    rejected.sort(key=lambda r: r.errors[0].position)
    return [v for i, (_, _, v) in enumerate(good) if i not in refused], rejected


def _read_export(path: Path) -> list[Any]:
    """The tasks of a JSON export: a JSON array of tasks, or one task object (Label Studio's
    sample task and the docs' example are one; a task always has `data`, which tells it from
    a COCO file's object with its own `annotations`). A CSV export, a JSON-MIN export (a JSON
    array of flat rows, one per annotation: no task has `annotations`) or any other JSON is
    refused with a message that says which export to choose."""
    if path.is_file() and _first_character(path) not in ("[", "{"):
        raise UsageError(f"{path} is not JSON (a CSV export?): {_CHOOSE_JSON}")
    data = read_json(path)
    if isinstance(data, Mapping) and "data" in data:  # a task: its `data` is what was labeled
        return [data]
    if not isinstance(data, list):
        raise UsageError(f"{path} is not Label Studio's JSON export (tasks): {_CHOOSE_JSON}")
    if data and not any(isinstance(t, Mapping) and "annotations" in t for t in data):
        raise UsageError(
            f"{path} has no task with annotations (a JSON-MIN export?): {_CHOOSE_JSON}"
        )
    return data


def _first_character(path: Path) -> str:
    """The file's first character that is not white space or a byte order mark ("" if none)."""
    with path.open("rb") as fh:
        head = fh.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1].decode("ascii", errors="replace")


def _user_list(users: Path | Sequence[Mapping[str, Any]]) -> list[Any]:
    if not isinstance(users, Path):
        return list(users)
    data = read_json(users)
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if not isinstance(data, list):
        raise UsageError(f"{users}: expected the JSON array GET /api/users/ answers")
    return data
