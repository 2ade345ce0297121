"""Label Studio records → labelpulse events: pure functions of a record and what is held.

Every path (JSON export file, sync, webhooks) sees *versions* of annotations: the annotation as
it was when exported, synced or changed. A version's key is `created` for the first version and
its `updated_at` for later ones, and its event id is `ls:{unique_id}:{key}`; an id already held
is never derived again, so the three paths store each version once and never conflict. What a
new version adds to the annotation's lead time is the increase of Label Studio's cumulative
`lead_time` over what is held (see docs/connectors/label-studio.md, "Versions").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from labelpulse.connectors.labelstudio.records import (
    LsAnnotation,
    LsComment,
    LsReview,
    LsUser,
    stamp,
)

# A new annotation's `updated_at` trails its `created_at` by 30-50 µs on 1.23.2 (both are set in
# the one save that creates it); any change is a later request. A version whose `updated_at` is
# within this of `created_at` is the first version. See the docs for why 0.25 s.
UPDATED_AFTER = timedelta(seconds=0.25)
# A deletion is placed at least this long after anything held of the annotation, so that it is
# the annotation's last action even when Label Studio's clock is ahead of ours.
AFTER_LAST = timedelta(milliseconds=1)
TEXT_LIMIT = 10_000

MemberResolver = Callable[[int | None, LsUser | None], str]
"""Label Studio user id (and the user, when the record expands it) → member id; None: a deleted
user nothing else is known of."""


def annotation_id(unique_id: str) -> str:
    return f"ls:{unique_id}"


def derived_key(a: LsAnnotation) -> str:
    """The id of an annotation without a `unique_id`: `ls:p{project}-t{task}-a{id}`. Label
    Studio's annotation id is unique per server; its project and task, which never change, keep
    two servers' annotation 17 apart unless they also share project and task ids."""
    return f"ls:p{a.project}-t{a.task}-a{a.id}"


def annotation_key(a: LsAnnotation) -> str:
    """Our id of an annotation as this record alone tells it: `ls:{unique_id}`, else the
    derived key. `apply` keeps whichever an annotation was first stored under when a later
    record carries the other (docs/connectors/label-studio.md, "Annotation keys")."""
    return derived_key(a) if a.unique_id is None else annotation_id(a.unique_id)


def task_id(task: int) -> str:
    return f"ls-task-{task}"


def project_id(project: int) -> str:
    return f"ls-{project}"


def project_record(project: int, title: str | None) -> dict[str, Any]:
    name = (title or "").strip()[:500] or f"Label Studio project {project}"
    return {"kind": "project", "id": project_id(project), "name": name}


@dataclass(frozen=True)
class Version:
    """One version of an annotation as a path saw it; `action` when a webhook says which."""

    annotation: LsAnnotation
    action: Literal["created", "updated"] | None = None


@dataclass
class Held:
    """What the store holds of one annotation: its `annotation.*` event ids and their summed
    duration (every actor's: Label Studio's lead time is one running total), the `updated_at`
    its first version was stored with, and its state (for deletions, reviews, comments)."""

    ids: set[str] = field(default_factory=set)
    lead_us: int = 0
    created_key: str | None = None
    last: datetime | None = None
    author: str | None = None
    project: str | None = None
    task: str | None = None
    deleted: bool = False

    def add(self, event: dict[str, Any]) -> None:
        """Count an event made from this batch, so a later record of the batch sees it."""
        self.ids.add(str(event["id"]))
        if str(event["type"]).startswith("annotation."):
            self.lead_us += round(float(event.get("duration", 0.0)) * 1_000_000)
        moment = datetime.fromisoformat(str(event["time"]))
        self.last = moment if self.last is None else max(self.last, moment)
        if event["id"].endswith(":created"):
            self.created_key = event.get("meta", {}).get("ls_updated_at")
            self.author = str(event["author"])
            self.project, self.task = str(event["project"]), str(event["task"])
        self.deleted = self.deleted or event["type"] == "annotation.deleted"


def version_events(version: Version, held: Held, member: MemberResolver) -> list[dict[str, Any]]:
    """The events a version adds to what is held: none, one, or (first seen already changed)
    two — the first version and this one."""
    a = version.annotation
    ann = annotation_key(a)
    key = stamp(a.updated_at)
    author = member(a.completed_by, a.completed_by_user)
    editor = author if a.updated_by in (None, a.completed_by) else member(a.updated_by, None)
    fresh = a.updated_at - a.created_at <= UPDATED_AFTER
    increase = max(0, a.lead_us - held.lead_us)
    first = "annotation.skipped" if a.was_cancelled else "annotation.submitted"
    later = "annotation.skipped" if a.was_cancelled else "annotation.updated"
    if f"{ann}:created" not in held.ids:
        if version.action == "created" or (version.action is None and fresh):
            return [_event(a, "created", first, author, author, a.created_at, increase, key)]
        # First seen already changed: the first version (by the author, with the lead time,
        # which is mostly the first session's) and this one, by whoever changed it last.
        return [
            _event(a, "created", first, author, author, a.created_at, increase, None),
            _event(a, key, later, editor, author, a.updated_at, 0, None),
        ]
    if version.action == "created" or key == held.created_key:
        return []
    if held.created_key is None and fresh and version.action is None:
        return []  # the first version, held without its key (it was first seen changed)
    if f"{ann}:{key}" in held.ids:
        return []
    return [_event(a, key, later, editor, author, a.updated_at, increase, None)]


def _event(
    a: LsAnnotation,
    key: str,
    kind: str,
    actor: str,
    author: str,
    moment: datetime,
    duration_us: int,
    created_key: str | None,
) -> dict[str, Any]:
    assert a.project is not None
    meta: dict[str, Any] = {"ls_annotation": a.id, "ls_task": a.task}
    if created_key is not None:
        meta["ls_updated_at"] = created_key
    if a.ground_truth:
        meta["ground_truth"] = True
    return {
        "id": f"{annotation_key(a)}:{key}",
        "type": kind,
        "time": stamp(moment),
        "actor": actor,
        "author": author,
        "project": project_id(a.project),
        "task": task_id(a.task),
        "annotation": annotation_key(a),
        "duration": duration_us / 1_000_000,
        "regions": a.regions,
        "model_assisted": a.parent_prediction is not None,
        "marked_null": not a.was_cancelled and a.regions == 0,
        "meta": meta,
    }


def deleted_event(annotation: str, held: Held, now: datetime) -> dict[str, Any] | None:
    """`annotation.deleted` for a held annotation not deleted yet (None otherwise). Who deleted
    it is not said by Label Studio: the actor is the author."""
    if held.deleted or held.author is None or held.project is None or held.task is None:
        return None
    moment = now if held.last is None else max(now, held.last + AFTER_LAST)
    return {
        "id": f"{annotation}:deleted",
        "type": "annotation.deleted",
        "time": stamp(moment),
        "actor": held.author,
        "project": held.project,
        "task": held.task,
        "annotation": annotation,
    }


def review_kind(review: LsReview) -> str:
    """accepted false → rejected; accepted with a fix (a fixed history item) → fixed and
    accepted; accepted → accepted; no verdict → viewed."""
    if review.accepted is None:
        return "review.viewed"
    if not review.accepted:
        return "review.rejected"
    if review.fixed_annotation_history is not None:
        return "review.fixed_and_accepted"
    return "review.accepted"


def review_event(
    review: LsReview, annotation: str, held: Held, member: MemberResolver, now: datetime
) -> dict[str, Any] | None:
    """One review action; its id names the review and its verdict, so a review changed to
    another verdict is a new action, placed when it changed (`updated_at`, else when it was
    met) and after anything held. None when the annotation is not held."""
    if held.project is None or held.task is None:
        return None
    kind = review_kind(review)
    started = review.started_at
    duration = (review.created_at - started).total_seconds() if started else 0.0
    moment = review.created_at
    if any(i.startswith(f"ls-review:{review.id}:") for i in held.ids):
        moment = max(review.updated_at or now, (held.last or moment) + AFTER_LAST)
        duration = 0.0  # the review's time was counted with its first verdict
    return {
        "id": f"ls-review:{review.id}:{kind.removeprefix('review.')}",
        "type": kind,
        "time": stamp(moment),
        "actor": member(review.created_by, None),
        "project": held.project,
        "task": held.task,
        "annotation": annotation,
        "duration": max(0.0, duration),
        "meta": {"ls_review": review.id},
    }


def comment_event(
    comment: LsComment, annotation: str, held: Held, member: MemberResolver
) -> dict[str, Any] | None:
    """`comment.created`; None for an empty comment or one on an annotation not held."""
    text = (comment.text or "").strip()
    if not text or held.project is None or held.task is None:
        return None
    return {
        "id": f"ls-comment:{comment.id}",
        "type": "comment.created",
        "time": stamp(comment.created_at),
        "actor": member(comment.created_by, comment.created_by_user),
        "project": held.project,
        "task": held.task,
        "annotation": annotation,
        "text": text[:TEXT_LIMIT],
        "meta": {"ls_comment": comment.id},
    }


def utc_now() -> datetime:
    return datetime.now(UTC)
