"""The member's timeline and the comments they received (metrics.md, Exports)."""

from __future__ import annotations

from labelpulse.store import Store
from tests.metrics.org import ev, load, member, project, run


def test_timeline_every_event_of_the_member_in_window_oldest_first(store: Store) -> None:
    load(
        store,
        project("p1", "Street scenes"),
        # stored out of order on purpose
        ev("submitted", "03-03 10:00", "ann", "a1", duration=90, regions_added=2),
        ev("draft", "03-02 10:00", "ann", "a1", duration=30, idle=4),
        ev(
            "updated",
            "03-04 10:00",
            "ann",
            "a1",
            duration=60,
            started_at="2026-03-04T09:50:00Z",
            regions_removed=1,
            regions_updated=3,
        ),
        ev("comment", "03-03 12:00", "ann", "a1"),
        ev("accepted", "03-03 11:00", "ann", "b1", author="bo"),  # ann reviewing bo's work
        ev("submitted", "02-28 10:00", "ann", "a0", duration=5),  # before W
        ev("submitted", "04-01 00:00", "ann", "a9", duration=5),  # the day after W
        ev("accepted", "03-03 13:00", "rev", "a1"),  # someone else's event
    )
    result = run(store, "timeline", member="ann")
    rows = result["rows"]
    assert [r["type"] for r in rows] == [
        "annotation.draft",
        "annotation.submitted",
        "review.accepted",
        "comment.created",
        "annotation.updated",
    ]
    first = rows[0]
    assert first["time"] == "2026-03-02T10:00:00Z"
    # started_at absent: time - duration = 10:00 - 30 s
    assert first["started_at"] == "2026-03-02T09:59:30Z"
    assert first["duration"] == 30
    assert first["idle"] == 4
    assert first["project"] == "p1"
    assert first["task"] == "t-a1"
    assert first["annotation"] == "a1"
    submitted = rows[1]
    # 10:00 - 90 s = 09:58:30
    assert submitted["started_at"] == "2026-03-03T09:58:30Z"
    assert submitted["idle"] is None
    assert submitted["regions_added"] == 2
    updated = rows[-1]
    # started_at given: kept as given (not time - duration = 09:59)
    assert updated["started_at"] == "2026-03-04T09:50:00Z"
    assert (updated["regions_removed"], updated["regions_updated"]) == (1, 3)
    assert result["member"]["id"] == "ann"


def test_timeline_same_time_ordered_by_id(store: Store) -> None:
    load(
        store,
        {**ev("submitted", "03-02 10:00", "ann", "a1"), "id": "k2"},
        {**ev("submitted", "03-02 10:00", "ann", "a2"), "id": "k1"},
    )
    rows = run(store, "timeline", member="ann")["rows"]
    assert [r["annotation"] for r in rows] == ["a2", "a1"]


def test_comments_received_only_others_on_the_members_annotations_in_window(
    store: Store,
) -> None:
    load(
        store,
        member("ann", "Ann Annotator"),
        member("rev", "Rui Reviewer", "reviewer"),
        ev("submitted", "03-02 10:00", "ann", "a1"),
        ev("submitted", "03-02 10:00", "bo", "b1"),
        ev("comment", "03-04 10:00", "rev", "a1", text="box too loose"),  # yes
        ev("comment", "03-03 10:00", "mgr", "a1", text="see guideline 4"),  # yes, earlier
        ev("comment", "03-04 11:00", "ann", "a1", text="fixed"),  # her own: no
        ev("comment", "03-04 12:00", "rev", "b1", text="for bo"),  # bo's annotation: no
        ev("comment", "04-04 12:00", "rev", "a1", text="late"),  # after W: no
    )
    rows = run(store, "comments", member="ann")["rows"]
    assert [r["text"] for r in rows] == ["see guideline 4", "box too loose"]
    assert rows[1]["from"] == "rev"
    assert rows[1]["from_name"] == "Rui Reviewer"
    assert rows[0]["from"] == "mgr"
    assert rows[0]["from_name"] == "mgr"
    assert rows[1]["time"] == "2026-03-04T10:00:00Z"
    assert (rows[1]["project"], rows[1]["task"], rows[1]["annotation"]) == ("p1", "t-a1", "a1")


def test_comments_on_annotation_whose_author_is_given_on_the_review(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "bot", "a1"),
        ev("comment", "03-03 10:00", "rev", "a1", author="ann", text="nice"),
    )
    # the `author` field makes a1 ann's annotation
    assert [r["text"] for r in run(store, "comments", member="ann")["rows"]] == ["nice"]
    assert run(store, "comments", member="bot")["rows"] == []
