"""Per-item figures tell the item's whole story within the viewer's scope (issue 15).

The viewer's scope (or a member filter) chooses the ITEMS: those its members worked on in the
window. Each chosen item then counts every event on it in the window and the viewer's
projects, whoever acted: the rejections it received, everyone's review time, everyone's
annotations. Worked by hand on a small organisation:

- p1 "Cars" (workspace ws1): item t1 is submitted by ann (60 s, 2 regions) and by bob
  (30 s, 3 regions), rejected by rev (20 s); item t2 is bob's alone (40 s, 1 region).
- p2 "Docs" (workspace ws2): item d1 is ann's (50 s, 4 regions), which only an owner, or
  a member of p2, may see; mgr2 manages ws2 alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from labelpulse.access import add_membership, report_for, viewer_for
from labelpulse.config import Settings
from labelpulse.metrics import Directory
from labelpulse.metrics.paging import make_paging
from labelpulse.metrics.registry import SPECS
from labelpulse.store import Store
from tests.metrics.org import ev, load, member, project, run, workspace

SETTINGS = Settings(timezone="UTC")
ITEMS = SPECS["items"]


def world(store: Store) -> None:
    load(
        store,
        workspace("ws1", "Vision"),
        workspace("ws2", "Papers"),
        project("p1", "Cars", "ws1"),
        project("p2", "Docs", "ws2"),
        member("own", "Olga Owner", "owner"),
        member("ann", "Ann Annotator"),
        member("bob", "Bob Annotator"),
        member("rev", "Rita Reviewer", "reviewer"),
        member("mgr2", "Max Manager", "manager"),
        ev("submitted", "03-02 10:00", "ann", "a1", task="t1", duration=60, regions=2),
        ev("submitted", "03-02 11:00", "bob", "b1", task="t1", duration=30, regions=3),
        ev("rejected", "03-03 09:00", "rev", "a1", task="t1", duration=20),
        ev("submitted", "03-02 12:00", "bob", "b2", task="t2", duration=40, regions=1),
        ev("submitted", "03-04 10:00", "ann", "a9", project="p2", task="d1", duration=50,
           regions=4),
    )  # fmt: skip
    for who, target in (("ann", "p1"), ("bob", "p1"), ("rev", "p1")):
        add_membership(store, who, "project", target)
    add_membership(store, "mgr2", "workspace", "ws2")


def items_for(store: Store, viewer: str, **asked: Any) -> dict[str, Any]:
    directory = Directory.load(store)
    return report_for(
        store,
        viewer_for(directory, viewer),
        "items",
        start="2026-03-01",
        end="2026-03-31",
        tz="UTC",
        settings=SETTINGS,
        **asked,
    )


def by_item(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{row['project']}/{row['task']}": row for row in result["rows"]}


def figures(row: dict[str, Any]) -> tuple[float, float, int, int]:
    return (row["label_time"], row["review_time"], row["rejected"], row["annotations"])


def test_an_annotators_item_shows_the_rejection_and_review_time_it_received(
    store: Store,
) -> None:
    world(store)
    ann = items_for(store, "ann")
    # Her item only (not bob's t2, nor d1 outside her projects), with everyone's work on it.
    assert list(by_item(ann)) == ["p1/t1"]
    assert figures(by_item(ann)["p1/t1"]) == (90.0, 20.0, 1, 5)
    assert ann["totals"]["rejected"] == 1 and ann["totals"]["review_time"] == 20.0
    assert ann["page"]["total_rows"] == 1


def test_a_reviewer_sees_the_annotations_of_the_items_they_reviewed(store: Store) -> None:
    world(store)
    rev = items_for(store, "rev")
    assert list(by_item(rev)) == ["p1/t1"]
    # Annotations and label time by ann and bob, though rev made none.
    assert figures(by_item(rev)["p1/t1"]) == (90.0, 20.0, 1, 5)


def test_a_manager_outside_a_project_sees_nothing_of_it(store: Store) -> None:
    world(store)
    mgr = items_for(store, "mgr2")
    # Only p2 (ws2); ann's d1 with its figures, nothing of p1 though ann worked there too.
    assert list(by_item(mgr)) == ["p2/d1"]
    assert figures(by_item(mgr)["p2/d1"]) == (50.0, 0.0, 0, 4)
    only_ann = items_for(store, "mgr2", members=["ann"])
    assert list(by_item(only_ann)) == ["p2/d1"]
    assert only_ann["totals"]["label_time"] == 50.0


def test_the_member_filter_chooses_items_and_does_not_cut_their_events(store: Store) -> None:
    world(store)
    everything = by_item(items_for(store, "own"))
    assert set(everything) == {"p1/t1", "p1/t2", "p2/d1"}
    for member_id, chosen in (
        ("rev", {"p1/t1"}),
        ("ann", {"p1/t1", "p2/d1"}),
        ("bob", {"p1/t1", "p1/t2"}),
    ):
        cut = items_for(store, "own", members=[member_id])
        assert set(by_item(cut)) == chosen, member_id
        # Each chosen item's figures are the owner's unfiltered ones.
        assert all(by_item(cut)[key] == everything[key] for key in chosen), member_id
        assert cut["totals"]["label_time"] == sum(everything[k]["label_time"] for k in chosen)
    both = items_for(store, "own", members=["rev", "ann"])
    assert set(by_item(both)) == {"p1/t1", "p2/d1"}


@pytest.mark.parametrize("sort", ["project_name", "rejected:desc", "label_time", "annotations"])
def test_paging_sorting_and_search_keep_working_under_a_member_cut(store: Store, sort: str) -> None:
    world(store)
    whole = run(store, "items", members=["bob"], paging=make_paging(ITEMS, sort=sort))
    assert whole["page"]["total_rows"] == 2
    pages = [
        run(store, "items", members=["bob"], paging=make_paging(ITEMS, sort=sort, limit=1,
                                                                offset=offset))
        for offset in (0, 1)
    ]  # fmt: skip
    assert [p["rows"][0] for p in pages] == whole["rows"]
    assert all(p["page"]["total_rows"] == 2 for p in pages)
    searched = run(store, "items", members=["bob"], paging=make_paging(ITEMS, search="T2"))
    assert [r["task"] for r in searched["rows"]] == ["t2"]
    assert searched["totals"]["annotations"] == 1


def test_a_stream_under_a_member_cut_gives_the_same_rows(store: Store) -> None:
    world(store)
    listed = run(store, "items", members=["ann"])
    streamed = run(store, "items", members=["ann"], paging=make_paging(ITEMS, stream=True))
    assert list(streamed["rows"]) == listed["rows"]
    assert streamed["totals"] == listed["totals"]
