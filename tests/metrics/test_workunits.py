"""Work by type, per member and per item (metrics.md, seed 003). Times are active times."""

from __future__ import annotations

from labelpulse.store import Store
from tests.metrics.org import ev, load, member, project, row_of, run


def test_default_work_types_and_active_times(store: Store) -> None:
    load(
        store,
        member("ann", "Ann Annotator"),
        # ann labels: draft (20, idle 5) + submit (40, idle 10) on t1; skip t2 (30, idle 10)
        ev("draft", "03-02 09:00", "ann", "a1", task="t1", duration=20, idle=5),
        ev("submitted", "03-02 10:00", "ann", "a1", task="t1", duration=40, idle=10),
        ev("skipped", "03-02 11:00", "ann", "a2", task="t2", duration=30, idle=10),
        # rev reviews: viewed (8) and accepted (12, idle 2) on a1; rejected (5) on a2
        ev("viewed", "03-03 09:00", "rev", "a1", task="t1", duration=8),
        ev("accepted", "03-03 10:00", "rev", "a1", task="t1", duration=12, idle=2),
        ev("rejected", "03-03 11:00", "rev", "a2", task="t2", duration=5),
        # mgr updates ann's annotation: edit by default (actor is not the author)
        ev("updated", "03-04 10:00", "mgr", "a1", task="t1", duration=50, idle=20),
        ev("draft", "03-04 11:00", "mgr", "a2", task="t2", duration=10),
    )
    result = run(store, "work")
    ann = row_of(result, member="ann")
    assert ann["member_name"] == "Ann Annotator"
    # labeled: distinct tasks with a label submit/update/skip: t1, t2 -> 2 (the skip counts)
    # label_time = (20-5) + (40-10) + (30-10) = 15 + 30 + 20 = 65; mean 65 / 2 = 32.5
    assert ann["labeled"] == 2
    assert ann["label_time"] == 65
    assert ann["mean_label_time"] == 32.5
    assert (ann["reviewed"], ann["review_time"], ann["mean_review_time"]) == (0, 0, None)
    assert (ann["edited"], ann["edit_time"], ann["mean_edit_time"]) == (0, 0, None)
    rev = row_of(result, member="rev")
    # reviewed: distinct annotations with an action: a1, a2 -> 2 (viewed is no action)
    # review_time = 8 + (12-2) + 5 = 23 (viewed is review work); mean 23 / 2 = 11.5
    assert rev["reviewed"] == 2
    assert rev["review_time"] == 23
    assert rev["mean_review_time"] == 11.5
    assert rev["labeled"] == 0
    assert rev["mean_label_time"] is None
    mgr = row_of(result, member="mgr")
    # edited: distinct annotations a1, a2 -> 2; edit_time (50-20) + 10 = 40; mean 20
    assert (mgr["edited"], mgr["edit_time"], mgr["mean_edit_time"]) == (2, 40, 20)
    assert mgr["labeled"] == 0
    totals = result["totals"]
    assert (totals["labeled"], totals["label_time"]) == (2, 65)
    assert (totals["reviewed"], totals["review_time"]) == (2, 23)
    assert (totals["edited"], totals["edit_time"]) == (2, 40)


def test_explicit_work_type_overrides_the_default(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        # the author's own change from the samples tab: edit, not label
        ev("updated", "03-03 10:00", "ann", "a1", duration=30, work_type="edit"),
        # a manager working through the labeling queue on someone else's annotation: label
        ev("updated", "03-03 11:00", "mgr", "a2", duration=25, work_type="label"),
        ev("submitted", "03-01 11:00", "bo", "a2", duration=1),
    )
    result = run(store, "work")
    ann = row_of(result, member="ann")
    # label: the submit (10) on t-a1 -> labeled 1, 10; edit: the update (30) on a1
    assert (ann["labeled"], ann["label_time"]) == (1, 10)
    assert (ann["edited"], ann["edit_time"], ann["mean_edit_time"]) == (1, 30, 30)
    mgr = row_of(result, member="mgr")
    # mgr's update is label work on task t-a2: labeled 1, 25; no edit
    assert (mgr["labeled"], mgr["label_time"], mgr["mean_label_time"]) == (1, 25, 25)
    assert (mgr["edited"], mgr["edit_time"]) == (0, 0)


def test_comments_count_toward_nothing_unless_typed(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        ev("comment", "03-03 10:00", "rev", "a1", duration=100),
        ev("comment", "03-03 11:00", "ann", "a1", duration=200),
        ev("comment", "03-03 12:00", "rev", "a1", duration=7, work_type="review"),
    )
    result = run(store, "work")
    ann = row_of(result, member="ann")
    # ann: only the submit; her untyped comment (200) counts nowhere
    assert (ann["labeled"], ann["label_time"], ann["edit_time"], ann["review_time"]) == (
        1,
        10,
        0,
        0,
    )
    assert ann["edited"] == 0
    # rev: the untyped comment (100) counts nowhere; the typed one is 7 s of review time,
    # but a comment is no review action: reviewed 0, so the mean is null
    rev = row_of(result, member="rev")
    assert (rev["review_time"], rev["reviewed"], rev["mean_review_time"]) == (7, 0, None)
    assert (rev["label_time"], rev["edit_time"], rev["edited"]) == (0, 0, 0)
    assert result["totals"]["review_time"] == 7
    assert result["totals"]["label_time"] == 10
    assert result["totals"]["edit_time"] == 0


def test_window_limits_work(store: Store) -> None:
    load(
        store,
        ev("submitted", "02-28 23:59:59", "ann", "a1", duration=10),
        ev("submitted", "03-01 00:00", "ann", "a2", duration=20),
        ev("submitted", "04-01 00:00", "ann", "a3", duration=40),
    )
    ann = row_of(run(store, "work"), member="ann")
    # only a2 is in 03-01 00:00 .. 04-01 00:00 (exclusive)
    assert (ann["labeled"], ann["label_time"]) == (1, 20)


def test_organisation_view_sums_across_projects(store: Store) -> None:
    load(
        store,
        project("p1", "One"),
        project("p2", "Two"),
        ev("submitted", "03-02 10:00", "ann", "a1", project="p1", task="t1", duration=10),
        ev("submitted", "03-02 11:00", "ann", "a2", project="p2", task="t9", duration=30),
    )
    ann = row_of(run(store, "work"), member="ann")
    # one row for ann over both projects: 2 tasks, 40 s, mean 20
    assert (ann["labeled"], ann["label_time"], ann["mean_label_time"]) == (2, 40, 20)
    only_p2 = row_of(run(store, "work", projects=["p2"]), member="ann")
    assert (only_p2["labeled"], only_p2["label_time"]) == (1, 30)


# -- per item ----------------------------------------------------------------------------------
def test_items_times_rejections_frames_and_annotations(store: Store) -> None:
    load(
        store,
        project("p1", "Street scenes"),
        ev("submitted", "03-02 10:00", "ann", "a1", task="t1", duration=40, idle=10, frames=10),
        ev("updated", "03-03 10:00", "ann", "a1", task="t1", duration=20, regions=3, frames=12),
        ev("updated", "03-04 10:00", "ann", "a1", task="t1", duration=5, regions=5),
        ev("rejected", "03-03 09:00", "rev", "a1", task="t1", duration=6),
        ev("rejected", "03-03 12:00", "rev", "a1", task="t1", duration=4),
        ev("accepted", "03-05 12:00", "rev", "a1", task="t1", duration=2),
        # a second annotation on t1, deleted: its regions are not counted
        ev("submitted", "03-02 11:00", "bo", "a2", task="t1", duration=8, regions=4),
        ev("deleted", "03-06 11:00", "bo", "a2", task="t1"),
        # a third: edited by a manager
        ev("submitted", "03-02 12:00", "cy", "a3", task="t1", duration=1, regions=2),
        ev("updated", "03-07 12:00", "mgr", "a3", task="t1", duration=9, idle=4, regions=7),
        # another task: one annotation with 1 region, 3 frames
        ev("submitted", "03-02 12:00", "ann", "a4", task="t2", regions=1, frames=3),
    )
    result = run(store, "items")
    t1 = row_of(result, task="t1")
    assert t1["project"] == "p1"
    assert t1["project_name"] == "Street scenes"
    # label: ann (40-10) + 20 + 5 + bo 8 + deleted 0 + cy 1 = 64
    assert t1["label_time"] == 64
    # review: 6 + 4 + 2 = 12
    assert t1["review_time"] == 12
    # edit: mgr (9 - 4) = 5
    assert t1["edit_time"] == 5
    # two review.rejected events
    assert t1["rejected"] == 2
    # latest frames value: 12 (the later event without frames does not clear it)
    assert t1["frames"] == 12
    # annotations: a1 latest regions 5 + a3 latest 7; a2 is deleted -> 12
    assert t1["annotations"] == 12
    t2 = row_of(result, task="t2")
    assert (t2["frames"], t2["annotations"], t2["rejected"]) == (3, 1, 0)
    totals = result["totals"]
    assert totals["rejected"] == 2
    assert totals["annotations"] == 13
    assert totals["label_time"] == 64
    assert totals["review_time"] == 12
    assert totals["edit_time"] == 5


def test_items_latest_frames_tie_broken_by_id(store: Store) -> None:
    load(
        store,
        {**ev("submitted", "03-02 10:00", "ann", "a1", task="t1", frames=30), "id": "y2"},
        {**ev("submitted", "03-02 10:00", "bo", "a2", task="t1", frames=20), "id": "y1"},
    )
    # same time: the greater id (y2) is the latest -> 30
    assert row_of(run(store, "items"), task="t1")["frames"] == 30
