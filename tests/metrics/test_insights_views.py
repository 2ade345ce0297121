"""Insights by date and per project (issue 15): the insights figures summed, worked by hand.

Two annotators in two projects; a1 is rejected on 03-03 and approved on 03-04 (so not a first
pass), a2 approved on 03-03 (first pass), b1 in p2 approved on 03-05 (first pass).
"""

from __future__ import annotations

from typing import Any

import pytest

from labelpulse.store import Store
from tests.metrics.org import ev, load, member, project, row_of, run

FIGURES = (
    "items_labeled", "annotations_added", "annotations_removed", "annotations_updated",
    "net_annotations", "model_assisted", "marked_null", "approved", "rejected", "approval_rate",
)  # fmt: skip


def world(store: Store) -> None:
    load(
        store,
        member("ann", "Ann Annotator"),
        member("bob", "Bob Annotator"),
        member("rev", "Rui Reviewer", "reviewer"),
        project("p1", "Street scenes"),
        project("p2", "Shelves"),
        ev("submitted", "03-02 10:00", "ann", "a1", task="t1", regions_added=5),
        ev("updated", "03-04 09:00", "ann", "a1", task="t1", regions_added=1, regions_removed=2),
        ev("submitted", "03-02 23:30", "bob", "a2", task="t2", regions_added=3,
           model_assisted=True),
        ev("rejected", "03-03 10:00", "rev", "a1", task="t1"),
        ev("accepted", "03-04 10:00", "rev", "a1", task="t1"),
        ev("accepted", "03-03 11:00", "rev", "a2", task="t2"),
        ev("submitted", "03-05 08:00", "ann", "b1", project="p2", task="u1", regions_added=2),
        ev("accepted", "03-05 12:00", "rev", "b1", project="p2", task="u1"),
    )  # fmt: skip


def on(result: dict[str, Any], date: str) -> dict[str, Any]:
    return row_of(result, date=f"2026-{date}")


@pytest.mark.parametrize("projects", [None, ["p1", "p2"]])
def test_a_row_per_date_each_counted_thing_on_the_day_that_counts_it(
    store: Store, projects: list[str] | None
) -> None:
    world(store)
    # A project cut takes the other (events and state) path: the same figures.
    daily = run(store, "insights_daily", "2026-03-01", "2026-03-07", projects=projects)
    assert [r["date"] for r in daily["rows"]] == [f"2026-03-0{d}" for d in range(1, 8)]
    assert on(daily, "03-01") == {"date": "2026-03-01", **dict.fromkeys(FIGURES, 0),
                                  "approval_rate": None}  # fmt: skip
    # 03-02: t1 and t2 labeled, 8 regions added, a2 model assisted.
    assert (on(daily, "03-02")["items_labeled"], on(daily, "03-02")["annotations_added"]) == (2, 8)
    assert on(daily, "03-02")["model_assisted"] == 1
    # 03-03: a1 rejected and a2 approved: both first reviewed that day, a2 passed first time.
    d3 = on(daily, "03-03")
    assert (d3["rejected"], d3["approved"], d3["approval_rate"]) == (1, 1, 0.5)
    # 03-04: a1's update (t1 already labeled on 03-02) and its approval, not a first review.
    d4 = on(daily, "03-04")
    assert (d4["items_labeled"], d4["net_annotations"], d4["approved"]) == (0, -1, 1)
    assert d4["approval_rate"] is None
    assert (on(daily, "03-05")["approved"], on(daily, "03-05")["approval_rate"]) == (1, 1.0)
    # The dates add up to the insights report's totals.
    assert daily["totals"] == run(store, "insights", "2026-03-01", "2026-03-07")["totals"]


def test_dates_are_the_windows_zone(store: Store) -> None:
    world(store)
    # 23:30 UTC on 03-02 is 03-03 in Tokyo: bob's t2 moves a day on.
    tokyo = run(store, "insights_daily", "2026-03-01", "2026-03-07", tz="Asia/Tokyo")
    assert on(tokyo, "03-02")["items_labeled"] == 1
    assert on(tokyo, "03-03")["items_labeled"] == 1


def test_a_row_per_project_is_its_subtotal_with_the_rate_from_its_parts(store: Store) -> None:
    world(store)
    per_project = run(store, "insights_projects", "2026-03-01", "2026-03-07")
    p1 = row_of(per_project, project="p1")
    assert p1["project_name"] == "Street scenes"
    assert (p1["items_labeled"], p1["approved"], p1["rejected"]) == (2, 2, 1)
    # a1 failed its first pass, a2 passed: 1 / 2 (not the mean of ann's 0 and bob's 1 rates).
    assert p1["approval_rate"] == 0.5
    p2 = row_of(per_project, project="p2")
    assert (p2["items_labeled"], p2["approval_rate"]) == (1, 1.0)
    insights = run(store, "insights", "2026-03-01", "2026-03-07")
    assert per_project["totals"] == insights["totals"]
    for key in ("items_labeled", "approved", "rejected", "annotations_added"):
        assert p1[key] == sum(r[key] for r in insights["rows"] if r["project"] == "p1")


def test_a_member_filter_sums_only_those_labelers(store: Store) -> None:
    world(store)
    bob = run(store, "insights_daily", "2026-03-01", "2026-03-07", members=["bob"])
    assert bob["totals"]["items_labeled"] == 1 and bob["totals"]["approval_rate"] == 1.0
    assert row_of(run(store, "insights_projects", members=["bob"]), project="p1")["rejected"] == 0


def test_a_window_without_work_has_no_rows_and_zero_totals(store: Store) -> None:
    world(store)
    quiet = run(store, "insights_daily", "2026-04-01", "2026-04-07")
    assert quiet["rows"] == []
    assert quiet["totals"]["items_labeled"] == 0 and quiet["totals"]["approval_rate"] is None
    assert run(store, "insights_projects", "2026-04-01", "2026-04-07")["rows"] == []
