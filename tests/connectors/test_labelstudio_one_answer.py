"""One answer per Label Studio state (issue 14): whichever path saw an annotation's versions —
each of them (webhooks), only the last (a fresh sync or an import), or some, in any order — the
figures are those of one fresh sync of the final state. Versions made from the samples of a
real 1.23.2 (tests/labelstudio/samples) and applied as the paths apply them; no server. The
same actions against the real server: tests/labelstudio/test_one_answer.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labelpulse.connectors.labelstudio import remember_users
from labelpulse.connectors.labelstudio.apply import Batch, apply
from labelpulse.connectors.labelstudio.mapping import Held, Version, deleted_event
from labelpulse.connectors.labelstudio.records import SOURCE, LsAnnotation
from labelpulse.connectors.people import People
from labelpulse.connectors.registry import LeadTime
from labelpulse.metrics import report
from labelpulse.store import Store, connect

SAMPLES = Path(__file__).parents[1] / "labelstudio" / "samples"
ADMIN, ANN = "admin@labelpulse.test", "ann@labelpulse.test"
# Reports over the sample's day, and each day alone: a figure placed on the wrong moment shows.
WINDOWS = [("2026-11-25", "2026-11-25"), ("2026-11-24", "2026-11-26")]
TABLES = ("members", "insights", "work", "items")
MADE = "2026-11-25T21:00:00.000000Z"
CHANGED = "2026-11-25T22:00:00.000000Z"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def ann_version(updated_at: str, lead_time: float, **changes: Any) -> LsAnnotation:
    """Ann's (user 2) annotation 1 of the samples, made at MADE, as it is after a save."""
    data = copy.deepcopy(sample("export_json")[0]["annotations"][0])
    data.update(created_at=MADE, updated_at=updated_at, lead_time=lead_time, updated_by=2)
    data.update(changes)
    return LsAnnotation.read(data)


def figures(store: Store) -> dict[str, Any]:
    """Every report a fresh sync must agree with (the timeline lists events: not a figure)."""
    found: dict[str, Any] = {}
    for start, end in WINDOWS:
        for member in (ADMIN, ANN):
            found[f"member {member} {start}"] = report(
                store, "member", member=member, start=start, end=end, tz="UTC"
            )
        for name in TABLES:
            found[f"{name} {start}"] = report(store, name, start=start, end=end, tz="UTC")
    return found


Step = Sequence[Version] | Batch


def apply_steps(store: Store, steps: Sequence[Step]) -> None:
    """Each step a path's batch: versions, or a whole batch (a deletion), applied a day after
    the next (a path learns of a deletion whenever it runs)."""
    remember_users(store, sample("users"))
    for n, step in enumerate(steps):
        batch = step if isinstance(step, Batch) else Batch(versions=list(step))
        apply(store, batch, People(store, SOURCE), now=datetime(2026, 11, 26 + n, tzinfo=UTC))


def paths_agree(tmp_path: Path, final: LsAnnotation, **paths: Sequence[Step]) -> Store:
    """Apply each path into a database of its own; their figures must equal those of one
    fresh sync of `final` (returned, open: the caller checks its figures by hand)."""
    fresh = connect(str(tmp_path / "fresh.duckdb"))
    apply_steps(fresh, [[Version(final)]])
    expected = figures(fresh)
    for name, steps in paths.items():
        other = connect(str(tmp_path / f"{name}.duckdb"))
        try:
            apply_steps(other, steps)
            assert figures(other) == expected, name
            apply_steps(other, [[Version(final)]])  # then a sync: nothing changes
            assert figures(other) == expected, name
        finally:
            other.close()
    return fresh


def annotation_figures(store: Store, member: str) -> dict[str, Any]:
    found: dict[str, Any] = report(
        store, "member", member=member, start="2026-11-25", end="2026-11-25", tz="UTC"
    )["annotations"]
    return {k: found[k] for k in ("submitted", "updated", "skipped", "total_time")}


def last_active(store: Store) -> dict[str, str]:
    rows = report(store, "members", start="2026-11-25", end="2026-11-25", tz="UTC")["rows"]
    return {r["member"]: r["last_active"] for r in rows}


def test_an_edit_by_another_user_leaves_the_lead_time_to_the_author(tmp_path: Path) -> None:
    """The admin PATCHes Ann's annotation, lead_time 25 -> 40 (issue 14's measurement): Ann
    40 s and the admin an edit of 0 s, whether a path saw her first version or not."""
    first = ann_version(MADE, 25.0)
    final = ann_version(CHANGED, 40.0, updated_by=1)
    fresh = paths_agree(
        tmp_path,
        final,
        webhooks=[[Version(first, "created")], [Version(final, "updated")]],
        late_creation=[[Version(final, "updated")], [Version(first, "created")]],
        two_syncs=[[Version(first)], [Version(final)]],
    )
    assert annotation_figures(fresh, ANN) == {
        "submitted": 1, "updated": 1, "skipped": 0, "total_time": 40.0,
    }  # fmt: skip
    assert annotation_figures(fresh, ADMIN)["submitted"] == 0
    work = report(fresh, "work", start="2026-11-25", end="2026-11-25", tz="UTC")["rows"]
    assert {r["member"]: (r["label_time"], r["edit_time"], r["edited"]) for r in work} == {
        ADMIN: (0.0, 0.0, 1),
        ANN: (40.0, 0.0, 0),
    }
    assert last_active(fresh) == {ADMIN: "2026-11-25T22:00:00Z", ANN: "2026-11-25T21:00:00Z"}
    fresh.close()


def test_the_author_s_own_change_is_hers_with_its_time(tmp_path: Path) -> None:
    """Ann changes her own annotation (25 -> 40 s): seen or not, 40 s, completed at the change."""
    first = ann_version(MADE, 25.0)
    final = ann_version(CHANGED, 40.0)
    fresh = paths_agree(
        tmp_path, final, webhooks=[[Version(first, "created")], [Version(final, "updated")]]
    )
    assert annotation_figures(fresh, ANN)["total_time"] == 40.0
    assert last_active(fresh) == {ANN: "2026-11-25T22:00:00Z"}
    fresh.close()


def same_figures(tmp_path: Path, **paths: Sequence[Step]) -> Store:
    """Apply each path into a database of its own; they must give the same figures. The first
    path's database is returned, open."""
    stores = {name: connect(str(tmp_path / f"{name}.duckdb")) for name in paths}
    for name, steps in paths.items():
        apply_steps(stores[name], steps)
    first, *others = stores
    try:
        for name in others:
            assert figures(stores[name]) == figures(stores[first]), name
    finally:
        for name in others:
            stores[name].close()
    return stores[first]


def deleted(store: Store) -> list[tuple[str, str, str]]:
    rows = store.rows("SELECT type, actor, time_us FROM events WHERE type = 'annotation.deleted'")
    return [
        (r["type"], r["actor"], datetime.fromtimestamp(r["time_us"] / 1e6, UTC).isoformat())
        for r in rows
    ]


def test_a_delete_by_another_user_is_no_action_of_the_author(tmp_path: Path) -> None:
    """The admin deletes Ann's annotation: Label Studio records neither who nor when. The
    annotation stops counting; Ann's last activity stays her submission, not the moment a path
    learnt of the delete (a day later here), and the admin gains nothing."""
    made = ann_version(MADE, 25.0)
    gone = Batch(gone_ls_annotations=[1])
    store = same_figures(
        tmp_path,
        webhooks=[[Version(made, "created")], gone],
        syncs=[[Version(made)], gone],
        late=[[Version(made)], [], [], gone],
    )
    assert annotation_figures(store, ANN) == {
        "submitted": 0, "updated": 0, "skipped": 0, "total_time": 0.0,
    }  # fmt: skip
    assert last_active(store) == {ANN: "2026-11-25T21:00:00Z"}
    assert deleted(store) == [("annotation.deleted", ANN, "2026-11-25T21:00:00+00:00")]
    store.close()


def test_a_deleted_annotation_edited_by_another_user(tmp_path: Path) -> None:
    """Changed by the admin, then deleted: the deletion is placed at the admin's change, as
    his, which he already had: nobody's last activity or work changes."""
    first = ann_version(MADE, 25.0)
    final = ann_version(CHANGED, 40.0, updated_by=1)
    gone = Batch(gone_ls_annotations=[1])
    store = same_figures(
        tmp_path,
        webhooks=[[Version(first, "created")], [Version(final, "updated")], gone],
        syncs=[[Version(first)], [Version(final)], gone],
        one_sync=[[Version(final)], gone],
    )
    assert annotation_figures(store, ANN)["submitted"] == 0
    assert last_active(store) == {ADMIN: "2026-11-25T22:00:00Z", ANN: "2026-11-25T21:00:00Z"}
    work = report(store, "work", start="2026-11-25", end="2026-11-25", tz="UTC")["rows"]
    assert {r["member"]: (r["labeled"], r["edited"]) for r in work} == {ADMIN: (0, 1), ANN: (1, 0)}
    assert deleted(store) == [("annotation.deleted", ADMIN, "2026-11-25T22:00:00+00:00")]
    store.close()


def test_a_deletion_after_a_review_is_the_reviewer_s_without_an_edit() -> None:
    """Enterprise: a review is the latest action of a deleted annotation. The deletion is placed
    there, as the reviewer's, and typed as review work, so it counts as no edit of theirs."""
    held = Held(author=ANN, project="ls-1", task="ls-task-1")
    reviewed = datetime(2026, 11, 25, 23, tzinfo=UTC)
    made = datetime(2026, 11, 25, 21, tzinfo=UTC)
    held.note("ls:a:created", "annotation.submitted", ANN, made, 0)
    held.note("ls-review:7:accepted", "review.accepted", ADMIN, reviewed, 0)
    held.note("ls-comment:3", "comment.created", ANN, datetime(2026, 11, 26, tzinfo=UTC), 0)
    event = deleted_event("ls:a", held)
    assert event == {
        "id": "ls:a:deleted", "type": "annotation.deleted", "time": "2026-11-25T23:00:00.000000Z",
        "actor": ADMIN, "author": ANN, "project": "ls-1", "task": "ls-task-1",
        "annotation": "ls:a", "work_type": "review",
    }  # fmt: skip
    held.note(event["id"], event["type"], ADMIN, reviewed, 0)
    assert deleted_event("ls:a", held) is None  # deleted once


def insights(store: Store, day: str) -> dict[str, Any]:
    rows = report(store, "insights", start=day, end=day, tz="UTC")["rows"]
    return {r["member"]: r["items_labeled"] for r in rows}


def test_a_submission_later_cancelled_keeps_its_item_labeled(tmp_path: Path) -> None:
    """Ann submits (25 s), then cancels (30 s): skipped in the end, and her item labeled when
    she submitted it, whether a path saw the submission or only the cancelled state."""
    first = ann_version(MADE, 25.0)
    final = ann_version(CHANGED, 30.0, was_cancelled=True, result=[])
    store = paths_agree(
        tmp_path,
        final,
        webhooks=[[Version(first, "created")], [Version(final, "updated")]],
        two_syncs=[[Version(first)], [Version(final)]],
        late_creation=[[Version(final, "updated")], [Version(first, "created")]],
    )
    assert annotation_figures(store, ANN) == {
        "submitted": 0, "updated": 0, "skipped": 1, "total_time": 0.0,
    }  # fmt: skip
    assert insights(store, "2026-11-25") == {ANN: 1}
    store.close()


def test_a_skip_later_submitted_is_one_answer(tmp_path: Path) -> None:
    """Ann skips (3 s), then submits (12 s in all). A path that saw the skip adds the first
    version's submission a fresh sync gives it."""
    first = ann_version(MADE, 3.0, was_cancelled=True, result=[])
    final = ann_version(CHANGED, 12.0)
    store = paths_agree(
        tmp_path,
        final,
        webhooks=[[Version(first, "created")], [Version(final, "updated")]],
        two_syncs=[[Version(first)], [Version(final)]],
    )
    assert annotation_figures(store, ANN) == {
        "submitted": 1, "updated": 1, "skipped": 0, "total_time": 12.0,
    }  # fmt: skip
    rows = store.rows("SELECT id, type FROM events ORDER BY time_us, id")
    assert [r["type"] for r in rows] == ["annotation.submitted", "annotation.updated"]
    store.close()
    webhooks = connect(str(tmp_path / "webhooks.duckdb"))
    rows = webhooks.rows("SELECT id, type, duration_us FROM events ORDER BY time_us, id")
    key = "ls:849fb788-a0c6-448b-b9e8-1d741e782d53"
    assert [(r["id"], r["type"], r["duration_us"]) for r in rows] == [
        (f"{key}:created", "annotation.skipped", 3_000_000),
        (f"{key}:created:submitted", "annotation.submitted", 0),
        (f"{key}:{CHANGED}", "annotation.updated", 9_000_000),
    ]
    webhooks.close()


def test_a_state_changed_on_another_day_labels_the_first_day_s_item(tmp_path: Path) -> None:
    """The items labeled of the first version's day are one answer too (how a lead time splits
    between days is not: a fresh sync has it all on the first version)."""
    next_day = "2026-11-26T09:00:00.000000Z"
    for name, first, final in (
        ("cancelled", ann_version(MADE, 25.0), ann_version(next_day, 30.0, was_cancelled=True)),
        ("submitted", ann_version(MADE, 3.0, was_cancelled=True), ann_version(next_day, 12.0)),
    ):
        found = []
        for path, steps in (
            ("fresh", [[Version(final)]]),
            ("webhooks", [[Version(first, "created")], [Version(final, "updated")]]),
        ):
            store = connect(str(tmp_path / f"{name}-{path}.duckdb"))
            apply_steps(store, steps)
            found.append((insights(store, "2026-11-25"), insights(store, "2026-11-26")))
            store.close()
        later = {} if name == "cancelled" else {ANN: 1}  # a skip labels nothing: no row
        assert found == [({ANN: 1}, later)] * 2, name


def test_read_per_session_another_user_s_session_is_the_author_s(tmp_path: Path) -> None:
    """`--lead-time session` (a server before April 2022): Ann's session of 25 s, then the
    admin's of 15 s. The same rule: 40 s, all Ann's, whichever path saw her first session —
    the fresh sync has only the last session (15 s), on her first version."""
    session = LeadTime.session
    first = ann_version(MADE, 25.0)
    final = ann_version(CHANGED, 15.0, updated_by=1)
    seen = connect(str(tmp_path / "seen.duckdb"))
    apply_steps(seen, [[Version(first, "created", session)], [Version(final, "updated", session)]])
    assert annotation_figures(seen, ANN)["total_time"] == 40.0
    rows = seen.rows("SELECT type, actor, duration_us FROM events ORDER BY time_us, id")
    assert [(r["type"], r["actor"], r["duration_us"]) for r in rows] == [
        ("annotation.draft", ANN, 15_000_000),  # the admin's session, credited to Ann
        ("annotation.submitted", ANN, 25_000_000),  # at the same moment (ids: "2…" < "c…")
        ("annotation.updated", ADMIN, 0),
    ]
    assert last_active(seen) == {ADMIN: "2026-11-25T22:00:00Z", ANN: "2026-11-25T21:00:00Z"}
    seen.close()
    fresh = connect(str(tmp_path / "fresh.duckdb"))
    apply_steps(fresh, [[Version(final, lead_time=session)]])
    assert annotation_figures(fresh, ANN)["total_time"] == 15.0
    assert last_active(fresh) == {ADMIN: "2026-11-25T22:00:00Z", ANN: "2026-11-25T21:00:00Z"}
    fresh.close()
