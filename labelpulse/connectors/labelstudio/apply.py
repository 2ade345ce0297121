"""A batch of what a path saw of Label Studio → stored events, in one locked step.

Every path (file import, sync page, webhook delivery) builds a `Batch` and hands it to an
`Applier`. Under the applier's lock it reads what the store holds of the batch's annotations
(three queries for the whole batch: Label Studio's numeric ids, the annotations' state, their
stored events), derives only the versions not held yet, stores them whole (`ingest_records`),
and then keeps the new aliases: Label Studio user ids (`People.save`) and annotation, task and
project ids (`external_ids`). The lock makes "read what is held, then store" one step when
webhook deliveries and a sync run in the same process, provided they share the applier: its
owner is whoever owns the store (the web app holds one for its webhook route and its periodic
sync). Across processes see the docs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from labelpulse.connectors.labelstudio.mapping import (
    Held,
    MemberResolver,
    Version,
    annotation_key,
    comment_event,
    deleted_event,
    derived_key,
    project_id,
    project_record,
    review_event,
    task_id,
    utc_now,
    version_events,
)
from labelpulse.connectors.labelstudio.records import (
    SOURCE,
    LsComment,
    LsReview,
    LsUser,
)
from labelpulse.connectors.people import People
from labelpulse.ingest import IngestSummary, ingest_records
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory


@dataclass
class Batch:
    """What one step saw: versions, deletions (by our annotation id, Label Studio annotation
    id, or Label Studio task id: a deleted task takes its annotations with it), reviews,
    comments, projects (id → title; None keeps a known name) and users."""

    versions: list[Version] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    gone_ls_annotations: list[int] = field(default_factory=list)
    gone_ls_tasks: list[int] = field(default_factory=list)
    reviews: list[LsReview] = field(default_factory=list)
    comments: list[LsComment] = field(default_factory=list)
    projects: dict[int, str | None] = field(default_factory=dict)
    users: list[LsUser] = field(default_factory=list)
    # FC: the projects' task counts (Label Studio's `task_number`), where the step read them.
    project_tasks: dict[int, int] = field(default_factory=dict)


# The member a version is credited to when its `completed_by` is null (the user was deleted)
# and nothing else names them: one for the whole server, kept as the alias of this key.
DELETED_USER = "deleted"
DELETED_USER_NAME = "Deleted Label Studio user"


@dataclass
class Applied:
    """What a step stored, how many deletions and reviews/comments it could not place, and the
    ids its versions' annotations are held under (`apply` decides them: see `_first_keys`)."""

    summary: IngestSummary
    deleted: int = 0
    unplaced: int = 0
    annotations: set[str] = field(default_factory=set)


class Applier:
    """Label Studio's writes into one store, one step at a time.

    Made by whoever owns the store and shared by every path that writes Label Studio's data
    into it from this process: the web app makes one for its webhook route and its periodic
    sync, which would otherwise interleave their reads and writes. A command alone in its
    process may pass just the store: it then gets an applier of its own (`Applier.of`).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()

    @classmethod
    def of(cls, target: Store | Applier) -> Applier:
        """`target` itself when it is an applier; else a new one over that store."""
        return target if isinstance(target, Applier) else cls(target)

    def apply(self, batch: Batch, people: People, now: datetime | None = None) -> Applied:
        """Store what `batch` adds to what is held, whole or not at all."""
        store = self.store
        with self._lock:
            batch = replace(batch, versions=_first_keys(store, batch.versions))
            numeric = _numeric_ids(store, batch)
            held = _held(store, batch, numeric)
            found = _records(store, batch, people, numeric, held, now)
            records, deleted, unplaced, already, same, merged = found
            summary = ingest_records(store, records) if records else IngestSummary()
            summary.duplicates += already
            summary.directory_unchanged += same
            summary.directory_stored += merged
            people.save()
            _remember_ids(store, batch)
        keys = {annotation_key(v.annotation) for v in batch.versions}
        return Applied(summary, deleted, unplaced, keys)


def apply(
    target: Store | Applier, batch: Batch, people: People, now: datetime | None = None
) -> Applied:
    """Store what `batch` adds to what is held, whole or not at all (`Applier.apply`)."""
    return Applier.of(target).apply(batch, people, now)


def held_annotations(store: Store, project: int) -> dict[str, str]:
    """The annotations of a Label Studio project held and not deleted: our id → our task id."""
    rows = store.get_in(
        "state", "project", [project_id(project)], columns=("annotation", "task", "last_action")
    )
    return {
        str(r["annotation"]): str(r["task"])
        for r in rows
        if str(r["annotation"]).startswith("ls:") and r["last_action"] != "deleted"
    }


def _first_keys(store: Store, versions: list[Version]) -> list[Version]:
    """Each version under the key its annotation was first stored with.

    A record with a `unique_id` is held as `ls:{unique_id}`, one without as the derived key
    (`mapping.annotation_key`); the same annotation can come both ways (an old export, then a
    sync after Label Studio filled it in; a webhook payload without it, then an export with it).
    Label Studio's numeric annotation id, remembered with the first key it was stored under,
    joins the two: a record whose own key differs from that first key takes it when it is
    surely the same annotation — the first key is its derived key (same project, task and
    id), or it lacks a `unique_id` and the held annotation is on its project and task. Any
    other record (another server's annotation with the same number) keeps its own key."""
    wanted = sorted({str(v.annotation.id) for v in versions})
    if not wanted:
        return versions
    rows = store.get_in(
        "external_ids", "external_id", wanted,
        columns=("external_id", "internal_id"), source=SOURCE, kind="annotation",
    )  # fmt: skip
    first = {int(r["external_id"]): str(r["internal_id"]) for r in rows}
    differing = {
        first[v.annotation.id]
        for v in versions
        if v.annotation.id in first and first[v.annotation.id] != annotation_key(v.annotation)
    }
    if not differing:
        return versions
    state = {
        str(r["annotation"]): (r["project"], r["task"])
        for r in store.get_in(
            "state", "annotation", sorted(differing), columns=("annotation", "project", "task")
        )
    }
    met: list[Version] = []
    for version in versions:
        a = version.annotation
        held = first.get(a.id)
        if held is None or held == annotation_key(a):
            met.append(version)
        elif held == derived_key(a):
            met.append(replace(version, annotation=a.model_copy(update={"unique_id": None})))
        elif (
            a.unique_id is None
            and a.project is not None
            and state.get(held) == (project_id(a.project), task_id(a.task))
        ):
            uid = held.removeprefix("ls:")
            met.append(replace(version, annotation=a.model_copy(update={"unique_id": uid})))
        else:
            met.append(version)
    return met


def _numeric_ids(store: Store, batch: Batch) -> dict[int, str]:
    """Label Studio annotation id → ours, for every numeric id the batch names."""
    known = {v.annotation.id: annotation_key(v.annotation) for v in batch.versions}
    wanted = {*batch.gone_ls_annotations, *(r.annotation for r in batch.reviews)}
    wanted |= {c.annotation for c in batch.comments if c.annotation is not None}
    wanted -= set(known)
    if wanted:
        rows = store.get_in(
            "external_ids", "external_id", sorted(str(n) for n in wanted),
            columns=("external_id", "internal_id"), source=SOURCE, kind="annotation",
        )  # fmt: skip
        known.update({int(r["external_id"]): str(r["internal_id"]) for r in rows})
    return known


def _held(store: Store, batch: Batch, numeric: dict[int, str]) -> dict[str, Held]:
    """What is held of every annotation the batch touches, including a deleted task's."""
    ours = {annotation_key(v.annotation) for v in batch.versions} | set(batch.gone)
    ours |= {numeric[n] for n in batch.gone_ls_annotations if n in numeric}
    ours |= {numeric[r.annotation] for r in batch.reviews if r.annotation in numeric}
    ours |= {numeric[c.annotation] for c in batch.comments if c.annotation in numeric}
    tasks = sorted(task_id(t) for t in batch.gone_ls_tasks)
    held: dict[str, Held] = {}
    if not ours and not tasks:
        return held
    state_columns = ("annotation", "project", "task", "author", "last_action")
    for row in [
        *store.get_in("state", "annotation", sorted(ours), columns=state_columns),
        *store.get_in("state", "task", tasks, columns=state_columns),
    ]:
        held[str(row["annotation"])] = Held(
            author=row["author"],
            project=row["project"],
            task=row["task"],
            deleted=row["last_action"] == "deleted",
        )
    # Every stored event of these annotations: the one id check of the whole batch.
    event_columns = ("annotation", "id", "type", "actor", "duration_us", "time_us", "meta")
    for row in store.get_in("events", "annotation", sorted(held), columns=event_columns):
        item = held[str(row["annotation"])]
        moment = datetime.fromtimestamp(int(row["time_us"]) / 1_000_000, UTC)
        kind, event = str(row["type"]), str(row["id"])
        item.note(event, kind, str(row["actor"]), moment, int(row["duration_us"]))
        if kind.startswith("annotation."):
            meta = json.loads(row["meta"]) if row["meta"] else {}
            item.note_lead(moment, meta)
            if event.endswith(":created"):
                item.created_key = meta.get("ls_updated_at")
    return held


def _records(
    store: Store,
    batch: Batch,
    people: People,
    numeric: dict[int, str],
    held: dict[str, Held],
    now: datetime | None,
) -> tuple[list[dict[str, Any]], int, int, int, int, int]:
    """The records to store, the deletions and the reviews/comments not placed, how many
    events the batch stands for that are held already (its duplicates: not derived again, so
    the store never sees them to count them), and how many of its users and projects are held
    as they are (not sent again, so likewise counted here as the directory's "same"), and how
    many members were merged (`_users`: changed, though no record says so)."""
    directory = Directory.load(store)
    members, same, merged = _users(batch.users, people, directory)
    # A record's expanded user brings an email too: merged before any event names the member.
    listed = {u.id for u in batch.users}
    expanded = {u.id: u for u in _expanded(batch) if u.email and u.id not in listed}
    more, _, merged_too = _users(list(expanded.values()), people, directory)
    members += more
    merged += merged_too

    def member(user: int | None, expanded: LsUser | None) -> str:
        if user is None:
            return people.resolve(DELETED_USER, name=DELETED_USER_NAME)
        if expanded is not None:
            return people.resolve(user, email=expanded.email, name=expanded.name)
        return people.resolve(user)

    events: list[dict[str, Any]] = []

    def add(ann: str, made: Iterable[dict[str, Any]]) -> None:
        for event in made:
            events.append(event)
            held.setdefault(ann, Held()).add(event)

    already = 0
    for version in batch.versions:
        ann = annotation_key(version.annotation)
        item = held.setdefault(ann, Held())
        attributed = _attributed(version, item, people)
        made = version_events(attributed, item, member)
        already += max(0, len(version_events(attributed, Held(), member)) - len(made))
        add(ann, made)
    moment = now or utc_now()
    gone = [*batch.gone, *(numeric[n] for n in batch.gone_ls_annotations if n in numeric)]
    gone_tasks = {task_id(t) for t in batch.gone_ls_tasks}
    gone += sorted(a for a, h in held.items() if h.task in gone_tasks)
    deleted = 0
    for ann in dict.fromkeys(gone):
        event = deleted_event(ann, held.get(ann, Held()))
        if event is not None:
            add(ann, [event])
            deleted += 1
    placed = _placed(batch.reviews, batch.comments, numeric, held, member, moment)
    unplaced = len(batch.reviews) + len(batch.comments) - len(placed)
    for event in placed:  # a review or comment held already is not derived again
        ann = str(event["annotation"])
        if event["id"] not in held[ann].ids:
            add(ann, [event])
        else:
            already += 1
    projects = [
        project_record(n, title, batch.project_tasks.get(n), directory.projects.get(project_id(n)))
        for n, title in sorted(batch.projects.items())
        if title is not None or project_id(n) not in directory.projects
    ]
    same += len(batch.projects) - len(projects)
    records = [*events, *members, *people.new_members, *projects]
    return records, deleted, unplaced, already, same, merged


def _attributed(version: Version, held: Held, people: People) -> Version:
    """A version whose `completed_by` is null (its user was deleted in Label Studio) credited
    to the member the annotation was first stored with, else to who changed it last
    (`updated_by`); with neither, `completed_by` stays null: the deleted-user member."""
    a = version.annotation
    if a.completed_by is not None:
        return version
    author = a.updated_by
    if held.author is not None:  # as first stored: a user id, or the deleted-user member
        ids = [int(k) for k, m in people.aliases().items() if m == held.author and k.isdigit()]
        author = min(ids) if ids else None
    if author is None:
        return version
    return replace(version, annotation=a.model_copy(update={"completed_by": author}))


def _placed(
    reviews: Sequence[LsReview],
    comments: Sequence[LsComment],
    numeric: dict[int, str],
    held: dict[str, Held],
    member: MemberResolver,
    now: datetime,
) -> list[dict[str, Any]]:
    placed: list[dict[str, Any] | None] = []  # None: the annotation is not held
    for review in reviews:
        ann = numeric.get(review.annotation)
        if ann is not None:
            placed.append(review_event(review, ann, held.get(ann, Held()), member, now))
    for comment in comments:
        ann = numeric.get(comment.annotation) if comment.annotation is not None else None
        if ann is not None:
            placed.append(comment_event(comment, ann, held.get(ann, Held()), member))
    return [p for p in placed if p is not None]


def _users(
    users: Sequence[LsUser], people: People, directory: Directory
) -> tuple[list[dict[str, Any]], int, int]:
    """Resolve every user by email (new members go to `people.new_members`). A member first
    made from a bare Label Studio id (`label-studio-7`, from a webhook or an export before any
    sync) is merged into the member with the user's email, or renamed to the email's id with
    the user's name (`People.merge_on_email`). Also: the member records to store (a renamed
    member's name and email), how many users are held as they are, and how many were merged."""
    records: list[dict[str, Any]] = []
    same = merged = 0
    for user in users:
        kept = people.merge_on_email(user.id, user.email) if user.email else None
        if kept is None:
            member = people.resolve(user.id, email=user.email, name=user.name)
            same += member in directory.members
            continue
        row = directory.members.get(f"{SOURCE}-{user.id}")
        if kept in directory.members or row is None:
            merged += 1
        else:  # renamed: with the user's name and email
            records.append(
                {
                    "kind": "member",
                    "id": kept,
                    "name": user.name or row["name"],
                    "email": (user.email or "").strip(),
                    "role": row["role"],
                }
            )
    return records, same, merged


def _expanded(batch: Batch) -> list[LsUser]:
    """The users the batch's records carry expanded (a `completed_by` or `created_by` object)."""
    users = [v.annotation.completed_by_user for v in batch.versions]
    users += [r.created_by_user for r in batch.reviews]
    users += [c.created_by_user for c in batch.comments]
    return [u for u in users if u is not None]


def _remember_ids(store: Store, batch: Batch) -> None:
    """Label Studio's numeric ids → ours, for webhooks that name only those; new ones only."""
    kinds: dict[str, dict[str, str]] = {"annotation": {}, "task": {}, "project": {}}
    for version in batch.versions:
        a = version.annotation
        kinds["annotation"][str(a.id)] = annotation_key(a)
        kinds["task"][str(a.task)] = task_id(a.task)
        if a.project is not None:
            kinds["project"][str(a.project)] = project_id(a.project)
    for project in batch.projects:
        kinds["project"][str(project)] = project_id(project)
    for kind, wanted in kinds.items():
        if not wanted:
            continue
        known = store.get_in(
            "external_ids", "external_id", sorted(wanted),
            columns=("external_id",), source=SOURCE, kind=kind,
        )  # fmt: skip
        new = set(wanted) - {str(r["external_id"]) for r in known}
        store.put_many(
            "external_ids",
            [
                {"source": SOURCE, "kind": kind, "external_id": n, "internal_id": wanted[n]}
                for n in sorted(new)
            ],
        )
