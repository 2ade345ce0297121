"""The throughput report (the overview's daily chart): counts per day, worked out by hand."""

from __future__ import annotations

from typing import Any

from labelpulse.store import Store
from tests.metrics.org import ev, load, member, project, run

ORG = (
    member("ann", "Ann Annotator"),
    member("bob", "Bob Builder"),
    member("rev", "Rui Reviewer", "reviewer"),
    project("p1", "One"),
    project("p2", "Two"),
)


def build(store: Store) -> None:
    load(
        store,
        *ORG,
        # 03-02: ann submits a1, a2; bob skips b1 (in p2)
        ev("submitted", "03-02 09:00", "ann", "a1", duration=10),
        ev("submitted", "03-02 10:00", "ann", "a2", duration=10),
        ev("skipped", "03-02 11:00", "bob", "b1", duration=5, project="p2"),
        # 03-03: rev accepts a1 and rejects a2; 23:30 in UTC is 03-04 in Berlin (UTC+1)
        ev("accepted", "03-03 12:00", "rev", "a1", duration=20),
        ev("rejected", "03-03 23:30", "rev", "a2", duration=30),
        # 03-05: ann submits a2 again (still one annotation, completed 03-05 now), rev
        # fix-accepts it; bob submits b2 in p2
        ev("submitted", "03-05 09:00", "ann", "a2", duration=10),
        ev("fixed_and_accepted", "03-05 10:00", "rev", "a2", duration=15),
        ev("submitted", "03-05 11:00", "bob", "b2", duration=8, project="p2"),
        # outside the window
        ev("submitted", "02-27 09:00", "ann", "a0", duration=10),
    )


def test_counts_per_day_and_totals(store: Store) -> None:
    build(store)
    result = run(store, "throughput", "2026-03-01", "2026-03-07")
    # Days without work are left out; a2 counts on 03-05, its last completion in the window.
    by_date = {row["date"]: row for row in result["rows"]}
    assert list(by_date) == ["2026-03-02", "2026-03-03", "2026-03-05"]
    assert by_date["2026-03-02"] == {
        "date": "2026-03-02", "submitted": 1, "skipped": 1, "reviews": 0,
        "reviews_accepted": 0, "reviews_rejected": 0, "reviews_fixed_and_accepted": 0,
    }  # fmt: skip
    # a1 on 03-02 only (a2 moved to 03-05): submitted 1; 03-03: an accept and a reject
    assert (by_date["2026-03-03"]["reviews"], by_date["2026-03-03"]["reviews_rejected"]) == (2, 1)
    assert by_date["2026-03-05"]["submitted"] == 2  # a2 again, b2
    assert by_date["2026-03-05"]["reviews_fixed_and_accepted"] == 1
    # Totals: submitted a1, a2, b2 = 3; skipped b1; reviews 1 + 1 + 1 = 3
    totals = result["totals"]
    assert (totals["submitted"], totals["skipped"], totals["reviews"]) == (3, 1, 3)
    assert sum(row["submitted"] for row in result["rows"]) == totals["submitted"]


def test_days_are_the_windows_zone(store: Store) -> None:
    build(store)
    result = run(store, "throughput", "2026-03-01", "2026-03-07", tz="Europe/Berlin")
    by_date = {row["date"]: row for row in result["rows"]}
    # The 23:30 UTC reject falls on 03-04 in Berlin.
    assert by_date["2026-03-03"]["reviews"] == 1
    assert by_date["2026-03-04"]["reviews_rejected"] == 1


def test_totals_equal_the_members_and_reviewers_tables(store: Store) -> None:
    build(store)
    asked: tuple[dict[str, Any], ...] = ({}, {"projects": ["p2"]}, {"members": ["ann"]})
    for params in asked:
        daily = run(store, "throughput", "2026-03-01", "2026-03-07", **params)["totals"]
        members = run(store, "members", "2026-03-01", "2026-03-07", **params)["totals"]
        reviewers = run(store, "reviewers", "2026-03-01", "2026-03-07", **params)["totals"]
        assert (daily["submitted"], daily["skipped"]) == (members["submitted"], members["skipped"])
        assert daily["reviews"] == reviewers["total"], params


def test_nothing_in_the_window_is_no_rows(store: Store) -> None:
    build(store)
    result = run(store, "throughput", "2026-04-01", "2026-04-07")
    assert result["rows"] == []
    assert result["totals"]["submitted"] == 0
