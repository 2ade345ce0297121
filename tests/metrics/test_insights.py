"""Annotation insights per labeler and project (metrics.md, seed 002), figures worked by hand."""

from __future__ import annotations

import pytest

from labelpulse.store import Store
from tests.metrics.org import ev, load, member, project, row_of, run

DIRECTORY = (
    member("ann", "Ann Annotator"),
    member("rev", "Rui Reviewer", "reviewer"),
    project("p1", "Street scenes"),
    project("p2", "Shelves"),
)


def test_labeling_counts(store: Store) -> None:
    load(
        store,
        *DIRECTORY,
        # t1: submitted then updated (one task), model assisted on the update
        ev("submitted", "03-02 10:00", "ann", "a1", task="t1", regions_added=5),
        ev(
            "updated",
            "03-03 10:00",
            "ann",
            "a1",
            task="t1",
            regions_added=1,
            regions_removed=2,
            regions_updated=3,
            model_assisted=True,
        ),
        # t2: marked null (counts as labeled)
        ev("submitted", "03-02 11:00", "ann", "a2", task="t2", marked_null=True),
        # t3: two annotations by ann on one task, both model assisted: one task
        ev(
            "submitted", "03-02 12:00", "ann", "a3", task="t3", regions_added=4, model_assisted=True
        ),
        ev(
            "submitted", "03-02 13:00", "ann", "a4", task="t3", regions_added=2, model_assisted=True
        ),
        # not labeling: drafts, skips; not in W
        ev("draft", "03-02 14:00", "ann", "a5", task="t5", regions_added=100),
        ev("skipped", "03-02 15:00", "ann", "a6", task="t6", regions_added=100),
        ev("submitted", "04-02 15:00", "ann", "a7", task="t7", regions_added=100),
        # another project: its own row
        ev("submitted", "03-04 10:00", "ann", "b1", project="p2", task="t1", regions_removed=3),
    )
    result = run(store, "insights")
    p1 = row_of(result, member="ann", project="p1")
    assert p1["member_name"] == "Ann Annotator"
    assert p1["project_name"] == "Street scenes"
    # distinct tasks with a submit/update in W: t1, t2, t3 -> 3
    assert p1["items_labeled"] == 3
    # added 5 + 1 + 4 + 2 = 12; removed 2; updated 3; net 12 - 2 = 10
    assert p1["annotations_added"] == 12
    assert p1["annotations_removed"] == 2
    assert p1["annotations_updated"] == 3
    assert p1["net_annotations"] == 10
    # distinct tasks: model assisted t1, t3 -> 2; marked null t2 -> 1
    assert p1["model_assisted"] == 2
    assert p1["marked_null"] == 1
    p2 = row_of(result, member="ann", project="p2")
    # one task; added 0 - removed 3 = -3
    assert (p2["items_labeled"], p2["net_annotations"]) == (1, -3)
    totals = result["totals"]
    assert totals["items_labeled"] == 4
    assert totals["annotations_added"] == 12
    assert totals["annotations_removed"] == 5
    assert totals["net_annotations"] == 7  # 12 - 5
    assert totals["model_assisted"] == 2
    assert totals["marked_null"] == 1


REVIEWED = (
    *DIRECTORY,
    # b1: accepted in W, never rejected -> first pass
    ev("submitted", "03-02 10:00", "ann", "b1"),
    ev("accepted", "03-03 10:00", "rev", "b1"),
    # b2: labeled and rejected before W, accepted in W -> approved, not first pass
    ev("submitted", "02-02 10:00", "ann", "b2"),
    ev("rejected", "02-03 10:00", "rev", "b2"),
    ev("accepted", "03-04 10:00", "rev", "b2"),
    # b3: rejected in W, then fix-accepted in W -> approved, 1 rejection, not first pass
    ev("submitted", "03-02 11:00", "ann", "b3"),
    ev("rejected", "03-05 10:00", "rev", "b3"),
    ev("fixed_and_accepted", "03-06 10:00", "rev", "b3", agreement=0.4),
    # b4: rejected twice in W -> 2 rejection events, no approval
    ev("submitted", "03-02 12:00", "ann", "b4"),
    ev("rejected", "03-05 11:00", "rev", "b4"),
    ev("rejected", "03-07 11:00", "rev", "b4"),
    # b5: accepted in W, rejected after W -> first pass (history up to the end of W)
    ev("submitted", "03-02 13:00", "ann", "b5"),
    ev("accepted", "03-08 10:00", "rev", "b5"),
    ev("rejected", "04-08 10:00", "rev", "b5"),
    # b6: only viewed in W -> not reviewed
    ev("submitted", "03-02 14:00", "ann", "b6"),
    ev("viewed", "03-08 11:00", "rev", "b6"),
)


def test_review_outcomes_and_first_pass_approval_rate(store: Store) -> None:
    load(store, *REVIEWED)
    p1 = row_of(run(store, "insights"), member="ann", project="p1")
    # approved = annotations with an approval in W: b1, b2, b3, b5 -> 4
    assert p1["approved"] == 4
    # rejected = rejection events in W: b3 once, b4 twice -> 3 (b2's is before W, b5's after)
    assert p1["rejected"] == 3
    # reviewed in W: b1..b5 (5); first pass: b1, b5 -> 2 / 5 = 0.4
    assert p1["approval_rate"] == pytest.approx(0.4)


def test_rejection_after_the_window_does_not_spoil_first_pass(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "b1"),
        ev("accepted", "03-08 10:00", "rev", "b1"),
        ev("rejected", "04-08 10:00", "rev", "b1"),
    )
    assert row_of(run(store, "insights"), member="ann")["approval_rate"] == 1.0  # 1 / 1
    april = run(store, "insights", "2026-04-01", "2026-04-30")
    # in April, b1's history up to the end of W has the rejection: 0 / 1, and 1 rejection
    assert row_of(april, member="ann")["approval_rate"] == 0.0
    assert row_of(april, member="ann")["rejected"] == 1


def test_approval_rate_null_when_nothing_reviewed(store: Store) -> None:
    load(store, ev("submitted", "03-02 10:00", "ann", "a1"))
    result = run(store, "insights")
    assert row_of(result, member="ann")["approval_rate"] is None
    assert row_of(result, member="ann")["approved"] == 0
    assert result["totals"]["approval_rate"] is None


def test_totals_row_sums_rows_and_pools_approval_rate(store: Store) -> None:
    load(
        store,
        *REVIEWED,
        member("bo", "Bo Labeler"),
        ev("submitted", "03-02 10:00", "bo", "c1", regions_added=2),
        ev("accepted", "03-03 10:00", "rev", "c1"),
        ev("submitted", "03-02 10:00", "bo", "c2", project="p2", regions_added=1),
        ev("rejected", "03-03 10:00", "rev", "c2", project="p2"),
    )
    result = run(store, "insights")
    bo1 = row_of(result, member="bo", project="p1")
    bo2 = row_of(result, member="bo", project="p2")
    assert (bo1["approved"], bo1["rejected"], bo1["approval_rate"]) == (1, 0, 1.0)
    assert (bo2["approved"], bo2["rejected"], bo2["approval_rate"]) == (0, 1, 0.0)
    totals = result["totals"]
    # ann p1 (approved 4, rejected 3) + bo p1 (1, 0) + bo p2 (0, 1)
    assert totals["approved"] == 5
    assert totals["rejected"] == 4
    # labeled in W: ann b1, b3, b4, b5, b6 (5 tasks) + bo c1, c2 (2) = 7
    assert totals["items_labeled"] == 7
    assert totals["annotations_added"] == 3
    # first pass pooled over reviewed annotations: ann 2 of 5, bo 1 of 2 -> 3 / 7
    assert totals["approval_rate"] == pytest.approx(3 / 7)


def test_members_and_projects_filters(store: Store) -> None:
    load(
        store,
        *DIRECTORY,
        ev("submitted", "03-02 10:00", "ann", "a1"),
        ev("submitted", "03-02 10:00", "ann", "a2", project="p2"),
        ev("submitted", "03-02 10:00", "bo", "a3"),
    )
    only_ann = run(store, "insights", members=["ann"])
    assert sorted((r["member"], r["project"]) for r in only_ann["rows"]) == [
        ("ann", "p1"),
        ("ann", "p2"),
    ]
    assert only_ann["totals"]["items_labeled"] == 2
    only_p1 = run(store, "insights", projects=["p1"])
    assert sorted((r["member"], r["project"]) for r in only_p1["rows"]) == [
        ("ann", "p1"),
        ("bo", "p1"),
    ]


def test_no_row_for_a_member_without_events_in_window(store: Store) -> None:
    load(
        store,
        # all of ann's work and its review happened in February
        ev("submitted", "02-02 10:00", "ann", "a1"),
        ev("rejected", "02-03 10:00", "rev", "a1"),
        # bo labeled in February, but his annotation is approved in March: a row (approved 1)
        ev("submitted", "02-02 10:00", "bo", "b1"),
        ev("accepted", "03-03 10:00", "rev", "b1"),
    )
    result = run(store, "insights")
    # rows are per (member, project) over events with `time` in W: ann has none in March
    assert [(r["member"], r["project"]) for r in result["rows"]] == [("bo", "p1")]
    bo = row_of(result, member="bo")
    # b1 approved in W, never rejected: approved 1, first pass 1/1; labeled nothing in W
    assert (bo["approved"], bo["rejected"], bo["approval_rate"]) == (1, 0, 1.0)
    assert bo["items_labeled"] == 0
    # a window after everything has no rows at all
    assert run(store, "insights", "2026-05-01", "2026-05-31")["rows"] == []
