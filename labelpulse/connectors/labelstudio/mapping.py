"""Label Studio records → labelpulse events: pure functions of a record and what is held.

Every path (JSON export file, sync, webhooks) sees *versions* of annotations: the annotation as
it was when exported, synced or changed. A version's key is `created` for the first version and
its `updated_at` for later ones, and its event id is `ls:{unique_id}:{key}`; an id already held
is never derived again, so the three paths store each version once and never conflict. What a
new version adds to the annotation's lead time is the increase of Label Studio's cumulative
`lead_time` over what is held, or, from servers before April 2022, that version's own session
time (`lead_reading`; see docs/connectors/label-studio.md, "Versions" and "Lead time").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from labelpulse.connectors.registry import LeadTime
from labelpulse.events import COMPLETING

# A new annotation's `updated_at` trails its `created_at` by 30-50 µs on 1.23.2 (both are set in
# the one save that creates it); any change is a later request. A version whose `updated_at` is
# within this of `created_at` is the first version. See the docs for why 0.25 s.
UPDATED_AFTER = timedelta(seconds=0.25)
# A review's changed verdict is placed at least this long after anything held of the annotation,
# so that it is the annotation's last action even when Label Studio's clock is ahead of ours.
AFTER_LAST = timedelta(milliseconds=1)
TEXT_LIMIT = 10_000
SUBMITTED = "annotation.submitted"
# In a version event's meta: the `lead_time` the version carried (seconds), and "session" when
# it was read as one session's time; what the next version of the annotation is compared with.
LEAD_SEEN = "ls_lead_time"
LEAD_READ = "ls_lead"

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


def project_record(
    project: int,
    title: str | None,
    tasks: int | None = None,
    stored: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The project's whole record: Label Studio's title and task count (`task_number`), with
    what only labelpulse holds carried forward from the `stored` row (its workspace and
    deadline, and its task count when the server gave none), so that a sync clears nothing."""
    name = (title or "").strip()[:500] or f"Label Studio project {project}"
    record: dict[str, Any] = {"kind": "project", "id": project_id(project), "name": name}
    kept = stored or {}
    if kept.get("workspace"):
        record["workspace"] = kept["workspace"]
    count = tasks if tasks is not None else kept.get("tasks")
    if count is not None:
        record["tasks"] = int(count)
    if kept.get("deadline"):
        record["deadline"] = kept["deadline"]
    return record


@dataclass(frozen=True)
class Version:
    """One version of an annotation as a path saw it; `action` when a webhook says which;
    `lead_time`, how its `lead_time` is read (`lead_reading`)."""

    annotation: LsAnnotation
    action: Literal["created", "updated"] | None = None
    lead_time: LeadTime = LeadTime.auto


@dataclass
class Held:
    """What the store holds of one annotation: its event ids and their summed `annotation.*`
    duration (every actor's: Label Studio's lead time is one running total), the `updated_at`
    its first version was stored with (and when, and as what type), its state (for
    deletions, reviews, comments), its latest annotation or review event by (time, id) as the
    store orders them (`latest`: when, id, actor, type; where a deletion is placed), when its
    author last completed it (`author_done`: where the lead time another user's change adds is
    credited), and the latest version held that carried a `lead_time`: when, that
    `lead_time`, and whether the annotation's lead times were read per session
    (`lead_reading`)."""

    ids: set[str] = field(default_factory=set)
    lead_us: int = 0
    lead_at: datetime | None = None
    lead_seen_us: int = 0
    per_session: bool = False
    created_key: str | None = None
    last: datetime | None = None
    latest: tuple[datetime, str, str, str] | None = None
    author_done: datetime | None = None
    created_at: datetime | None = None
    created_type: str | None = None
    author: str | None = None
    project: str | None = None
    task: str | None = None
    deleted: bool = False

    def add(self, event: dict[str, Any]) -> None:
        """Count an event made from this batch, so a later record of the batch sees it."""
        meta: Mapping[str, Any] = event.get("meta", {})
        if event["id"].endswith(":created"):
            self.created_key = meta.get("ls_updated_at")
            self.author = str(event["author"])
            self.project, self.task = str(event["project"]), str(event["task"])
        duration_us = round(float(event.get("duration", 0.0)) * 1_000_000)
        moment = datetime.fromisoformat(str(event["time"]))
        self.note(str(event["id"]), str(event["type"]), str(event["actor"]), moment, duration_us)
        if str(event["type"]).startswith("annotation."):
            self.note_lead(moment, meta)

    def note(self, event: str, kind: str, actor: str, moment: datetime, duration_us: int) -> None:
        """Count a held event (from the store or this batch) of the annotation."""
        self.ids.add(event)
        if kind.startswith("annotation."):
            self.lead_us += duration_us
        if event.endswith(":created"):
            self.created_at, self.created_type = moment, kind
        if kind in COMPLETING and actor == self.author:
            self.author_done = moment if self.author_done is None else max(self.author_done, moment)
        self.last = moment if self.last is None else max(self.last, moment)
        work = kind.startswith(("annotation.", "review."))
        if work and (self.latest is None or (moment, event) > self.latest[:2]):
            self.latest = (moment, event, actor, kind)
        self.deleted = self.deleted or kind == "annotation.deleted"

    def note_lead(self, moment: datetime, meta: Mapping[str, Any]) -> None:
        """Keep what a held version event says of its `lead_time` (`LEAD_SEEN`, `LEAD_READ`)."""
        self.per_session = self.per_session or meta.get(LEAD_READ) == LeadTime.session
        seen = meta.get(LEAD_SEEN)
        if isinstance(seen, int | float) and (self.lead_at is None or moment > self.lead_at):
            self.lead_at, self.lead_seen_us = moment, max(0, round(seen * 1_000_000))


def lead_reading(version: Version, held: Held) -> LeadTime:
    """How this version's `lead_time` is read: as asked, or, asked `auto`, per session when the
    annotation's held versions were, or when this version is later than the latest held one
    that carried a `lead_time` and carries a smaller one (a running total never shrinks);
    otherwise cumulative (what every server since April 2022 sends)."""
    if version.lead_time is not LeadTime.auto:
        return version.lead_time
    a = version.annotation
    shrank = (
        held.lead_at is not None
        and a.lead_time is not None
        and a.updated_at > held.lead_at
        and a.lead_us < held.lead_seen_us
    )
    return LeadTime.session if held.per_session or shrank else LeadTime.cumulative


def version_events(version: Version, held: Held, member: MemberResolver) -> list[dict[str, Any]]:
    """The events a version adds to what is held: none, one, or (first seen already changed)
    two — the first version and this one; a change by another user than the author adds the
    author's lead-time credit (`lead_credit`) to its own event."""
    a = version.annotation
    ann = annotation_key(a)
    key = stamp(a.updated_at)
    author = member(a.completed_by, a.completed_by_user)
    editor = author if a.updated_by in (None, a.completed_by) else member(a.updated_by, None)
    fresh = a.updated_at - a.created_at <= UPDATED_AFTER
    session = lead_reading(version, held) is LeadTime.session
    # One session's time is this version's alone; a running total adds what is not held yet.
    increase = a.lead_us if session else max(0, a.lead_us - held.lead_us)
    lead = _lead_meta(a.lead_time, session)
    first = "annotation.skipped" if a.was_cancelled else "annotation.submitted"
    later = "annotation.skipped" if a.was_cancelled else "annotation.updated"
    if f"{ann}:created" not in held.ids:
        if version.action == "created" or (version.action is None and fresh):
            return [_event(a, "created", first, author, author, a.created_at, increase, key, lead)]
        # First seen already changed: the first version (by the author) and this one, by
        # whoever changed it last. The first version counts as submitted, whatever the state
        # (`submitted_first`). The lead time is the author's: a running total goes to the
        # first version (it is mostly the first session's), and so does one session's time
        # when another user made the change; the author's own last session is the change's
        # (the first version's own time is not in the record).
        made, changed = (0, increase) if session and editor == author else (increase, 0)
        unseen = _lead_meta(None, session)
        return [
            _event(a, "created", SUBMITTED, author, author, a.created_at, made, None, unseen),
            _event(a, key, later, editor, author, a.updated_at, changed, None, lead),
        ]
    if version.action == "created" or key == held.created_key:
        return []
    if held.created_key is None and fresh and version.action is None:
        return []  # the first version, held without its key (it was first seen changed)
    if f"{ann}:{key}" in held.ids:
        return []
    submission = submitted_first(a, held, author)
    if editor == author:
        own = _event(a, key, later, author, author, a.updated_at, increase, None, lead)
        return [*submission, own]
    change = _event(a, key, later, editor, author, a.updated_at, 0, None, lead)
    credit = lead_credit(change, increase, held.author_done or a.created_at)
    return [*submission, change] if credit is None else [*submission, change, credit]


def submitted_first(a: LsAnnotation, held: Held, author: str) -> list[dict[str, Any]]:
    """The submission of the first version of a changed annotation held as a skip: none when
    it is held as a submission or has it already.

    Label Studio keeps the latest state only: a fresh sync cannot tell a submission later
    cancelled from a skip later changed, nor a skip later submitted from a submission later
    updated. So the first version of any changed annotation counts as submitted (its item
    labeled, by its author, when it was made); a path that held it as a skip adds this
    submission (`{annotation}:created:submitted`, 0 s, at the first version's time) with the
    first change it sees, and the figures are the same."""
    ann = annotation_key(a)
    if held.created_type != "annotation.skipped" or held.created_at is None:
        return []
    if f"{ann}:created:submitted" in held.ids:
        return []
    return [_event(a, "created:submitted", SUBMITTED, author, author, held.created_at, 0, None, {})]


def lead_credit(
    change: dict[str, Any], duration_us: int, moment: datetime
) -> dict[str, Any] | None:
    """What another user's change adds to the annotation's lead time, credited to its author:
    an `annotation.draft` of the author (work time that is no action: it moves neither the
    last action nor completed-at, labels no item) placed when the author last completed the
    annotation (it moves nobody's last activity), id `{change}:lead`. None when it adds no time."""
    if duration_us <= 0:
        return None
    meta = {k: v for k, v in change["meta"].items() if k in ("ls_annotation", "ls_task")}
    return {
        "id": f"{change['id']}:lead",
        "type": "annotation.draft",
        "time": stamp(moment),
        "actor": change["author"],
        "author": change["author"],
        "project": change["project"],
        "task": change["task"],
        "annotation": change["annotation"],
        "duration": duration_us / 1_000_000,
        "meta": {**meta, "ls_lead_of": change["id"]},
    }


def _lead_meta(lead_time: float | None, session: bool) -> dict[str, Any]:
    """What a version event keeps of the `lead_time` it was read from (`Held.note_lead`)."""
    meta: dict[str, Any] = {}
    if lead_time is not None:
        meta[LEAD_SEEN] = lead_time
    if session:
        meta[LEAD_READ] = str(LeadTime.session)
    return meta


def _event(
    a: LsAnnotation,
    key: str,
    kind: str,
    actor: str,
    author: str,
    moment: datetime,
    duration_us: int,
    created_key: str | None,
    lead: Mapping[str, Any],
) -> dict[str, Any]:
    assert a.project is not None
    meta: dict[str, Any] = {"ls_annotation": a.id, "ls_task": a.task, **lead}
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


def deleted_event(annotation: str, held: Held) -> dict[str, Any] | None:
    """`annotation.deleted` for a held annotation not deleted yet (None otherwise).

    Label Studio records neither who deleted an annotation nor when (the webhook names its id,
    the API no longer has it), and a path learns of it at its own moment. So the deletion only
    changes the state: it is placed at the annotation's latest held action (its id sorts after
    that action's, so it is the last action) and credited to whoever made that action, with
    that action's work type: it adds nobody an action or a moment of activity, and is the same
    whichever path learns of it, and when."""
    if held.deleted or held.latest is None or held.project is None or held.task is None:
        return None
    moment, _, actor, kind = held.latest
    event: dict[str, Any] = {
        "id": f"{annotation}:deleted",
        "type": "annotation.deleted",
        "time": stamp(moment),
        "actor": actor,
        "project": held.project,
        "task": held.task,
        "annotation": annotation,
    }
    if held.author is not None:
        event["author"] = held.author
    if kind.startswith("review."):
        event["work_type"] = "review"  # a reviewer's: no edit of theirs
    return event


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
        "actor": member(review.created_by, review.created_by_user),
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
