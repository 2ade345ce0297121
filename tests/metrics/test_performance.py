"""Member performance (metrics.md, seeds 000/001): the member report, members and reviewers tables.

Every expected figure is worked out by hand from the spec text; the arithmetic is in a comment.
"""

from __future__ import annotations

import pytest

from labelpulse.errors import NotFoundError
from labelpulse.store import Store
from tests.metrics.org import day, ev, load, member, row_of, run

ANN = member("ann", "Ann Annotator")
REV = member("rev", "Rui Reviewer", "reviewer")


# -- annotation counts and lead time ----------------------------------------------------------
def test_drafts_and_earlier_skips_add_to_lead_time_once_submitted(store: Store) -> None:
    load(
        store,
        ev("draft", "03-02 09:00", "ann", "a1", duration=10),
        ev("skipped", "03-02 10:00", "ann", "a1", duration=20),
        ev("submitted", "03-03 10:00", "ann", "a1", duration=30),
        # a2: only a draft (never completed), a3: only skipped — neither adds to total_time
        ev("draft", "03-02 11:00", "ann", "a2", duration=500),
        ev("skipped", "03-02 12:00", "ann", "a3", duration=700),
    )
    a = run(store, "member", member="ann")["annotations"]
    # lead time of a1 = 10 (draft) + 20 (skip) + 30 (submit) = 60; a2, a3 are not submitted
    assert a["submitted"] == 1
    assert a["total_time"] == 60
    assert a["mean_time"] == 60
    assert a["median_time"] == 60


def test_skipped_then_submitted_counts_as_submitted_not_skipped(store: Store) -> None:
    load(
        store,
        ev("skipped", "03-02 10:00", "ann", "a1", duration=40),
        ev("submitted", "03-03 10:00", "ann", "a1", duration=60),
    )
    result = run(store, "member", member="ann")
    # last action of a1 is `submitted`; completed at 03-03 (the author's latest submit/skip)
    assert result["annotations"]["submitted"] == 1
    assert result["annotations"]["skipped"] == 0
    assert result["annotations"]["total_time"] == 100  # 40 + 60
    assert day(result, "03-02")["skipped"] == 0
    assert day(result, "03-02")["submitted"] == 0
    assert day(result, "03-03")["submitted"] == 1
    assert day(result, "03-03")["total_time"] == 100


def test_submitted_then_skipped_counts_as_skipped(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=60),
        ev("skipped", "03-03 10:00", "ann", "a1", duration=40),
    )
    a = run(store, "member", member="ann")["annotations"]
    # last action `skipped`: in skipped, not in submitted, no time counted
    assert (a["submitted"], a["skipped"], a["total_time"]) == (0, 1, 0)


def test_each_annotation_counted_once_however_often_updated(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        ev("updated", "03-03 10:00", "ann", "a1", duration=20),
        ev("updated", "03-04 10:00", "ann", "a1", duration=30),
    )
    result = run(store, "member", member="ann")
    a = result["annotations"]
    # one annotation, last action `updated`: submitted 1, updated 1, lead time 10+20+30 = 60
    assert a["submitted"] == 1
    assert a["updated"] == 1
    assert a["total_time"] == 60
    assert a["mean_time"] == 60
    # dated by completion: the author's latest update, 03-04
    assert [d["date"] for d in result["daily"] if d["submitted"]] == ["2026-03-04"]
    assert day(result, "03-04")["updated"] == 1


def test_review_after_window_does_not_move_completion(store: Store) -> None:
    load(
        store,
        ANN,
        REV,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=50),
        ev("accepted", "03-10 10:00", "rev", "a1", duration=5),
    )
    result = run(store, "member", "2026-03-01", "2026-03-05", member="ann")
    a = result["annotations"]
    # completed at 03-02 (review events never complete an annotation), so it is in W;
    # its state is from all events, whatever the window: last action `accepted`.
    assert a["submitted"] == 1
    assert a["accepted"] == 1
    assert a["acceptance_score"] == 1.0  # 1 / (1 + 0 + 0)
    # the review itself is outside W: no review action R in W, so performance_score is null
    assert a["performance_score"] is None
    assert day(result, "03-02")["submitted"] == 1
    # and a window holding only the review date does not count the annotation
    later = run(store, "member", "2026-03-06", "2026-03-31", member="ann")["annotations"]
    assert later["submitted"] == 0
    assert later["performance_score"] == 1.0  # the accept in W: 1/1


def test_update_by_non_author_moves_nothing(store: Store) -> None:
    load(
        store,
        ANN,
        member("mgr", "Mia Manager", "manager"),
        ev("submitted", "03-02 10:00", "ann", "a1", duration=100),
        ev("updated", "03-05 10:00", "mgr", "a1", duration=50),
    )
    result = run(store, "member", "2026-03-01", "2026-03-03", member="ann")
    a = result["annotations"]
    # author = ann (actor of the earliest annotation.* event); completed at ann's latest
    # submit = 03-02, inside 03-01..03-03; lead time is only ann's events = 100 (not 150).
    assert a["submitted"] == 1
    assert a["total_time"] == 100
    # the last action is mgr's `updated`: it is among `updated` (the spec counts by state)
    assert a["updated"] == 1
    assert day(result, "03-02")["submitted"] == 1
    # nothing of it is dated on the manager's day
    after = run(store, "member", "2026-03-04", "2026-03-31", member="ann")["annotations"]
    assert after["submitted"] == 0
    # and the manager authored nothing
    assert run(store, "member", member="mgr")["annotations"]["submitted"] == 0


def test_rejected_is_out_and_back_in_when_fix_accepted(store: Store) -> None:
    load(
        store,
        ANN,
        REV,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=30),
        ev("rejected", "03-03 10:00", "rev", "a1"),
        ev("fixed_and_accepted", "03-04 10:00", "rev", "a1"),
        ev("submitted", "03-02 11:00", "ann", "a2", duration=70),
        ev("rejected", "03-03 11:00", "rev", "a2"),
    )
    a = run(store, "member", member="ann")["annotations"]
    # a1 last action fixed_and_accepted -> submitted; a2 last action rejected -> rejected
    assert a["submitted"] == 1
    assert a["fixed_and_accepted"] == 1
    assert a["rejected"] == 1
    assert a["total_time"] == 30
    # acceptance by current state: (0 + 1) / (0 + 1 + 1) = 0.5
    assert a["acceptance_score"] == 0.5
    # performance: R = reject a1 (0), fix a1 (0.5 default), reject a2 (0) -> 0.5 / 3
    assert a["performance_score"] == pytest.approx(0.5 / 3)


def test_rejected_then_updated_by_author_is_back_in_submitted(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=30),
        ev("rejected", "03-03 10:00", "rev", "a1"),
        ev("updated", "03-04 10:00", "ann", "a1", duration=20),
    )
    a = run(store, "member", member="ann")["annotations"]
    # last action `updated`: submitted 1, updated 1, rejected 0; lead 30 + 20 = 50
    assert (a["submitted"], a["updated"], a["rejected"], a["total_time"]) == (1, 1, 0, 50)
    # nothing is currently reviewed: acceptance null
    assert a["acceptance_score"] is None
    # but the rejection is a review action in W: 0/1
    assert a["performance_score"] == 0.0


def test_deleted_annotations_are_in_no_count(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=30),
        ev("deleted", "03-03 10:00", "ann", "a1"),
        ev("submitted", "03-02 11:00", "ann", "a2", duration=40),
        ev("updated", "03-02 12:00", "ann", "a2", duration=10),
        ev("deleted", "03-04 12:00", "mgr", "a2"),
        ev("skipped", "03-02 13:00", "ann", "a3", duration=5),
        ev("deleted", "03-03 13:00", "ann", "a3"),
        ev("submitted", "03-02 14:00", "ann", "a4", duration=80),
    )
    result = run(store, "member", member="ann")
    a = result["annotations"]
    # only a4 (lead 80) counts; a1, a2, a3 have last action `deleted`
    assert a["submitted"] == 1
    assert a["updated"] == 0
    assert a["skipped"] == 0
    assert a["rejected"] == 0
    assert a["total_time"] == 80
    assert a["active_time"] == 80
    assert a["median_time"] == 80
    assert day(result, "03-02")["submitted"] == 1
    assert day(result, "03-02")["updated"] == 0
    assert day(result, "03-02")["skipped"] == 0


def test_active_time_excludes_idle(store: Store) -> None:
    load(
        store,
        ev("draft", "03-02 09:00", "ann", "a1", duration=50),  # idle unknown -> 0
        ev("submitted", "03-02 10:00", "ann", "a1", duration=100, idle=30),
        ev("submitted", "03-02 11:00", "ann", "a2", duration=20.5, idle=20.5),
    )
    a = run(store, "member", member="ann")["annotations"]
    # lead: a1 = 50 + 100 = 150, a2 = 20.5 -> total 170.5
    # active: a1 = 50 + (100 - 30) = 120, a2 = 20.5 - 20.5 = 0 -> 120
    assert a["total_time"] == 170.5
    assert a["active_time"] == 120


def test_durations_sum_exactly(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=0.1),
        ev("submitted", "03-02 11:00", "ann", "a2", duration=0.2),
    )
    a = run(store, "member", member="ann")["annotations"]
    # 0.1 + 0.2 = 0.3 (durations are kept in whole microseconds, so no 0.30000000000000004)
    assert a["total_time"] == 0.3
    assert a["median_time"] == 0.15


def test_median_mean_and_total_time_median_odd_count(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        ev("submitted", "03-02 11:00", "ann", "a2", duration=20),
        ev("submitted", "03-02 12:00", "ann", "a3", duration=60),
    )
    a = run(store, "member", member="ann")["annotations"]
    # leads 10, 20, 60: median 20, mean 90/3 = 30, total 90, total_time_median 3 × 20 = 60
    assert a["median_time"] == 20
    assert a["mean_time"] == 30
    assert a["total_time"] == 90
    assert a["total_time_median"] == 60


def test_median_of_even_count_is_mean_of_middle_two(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        ev("submitted", "03-02 11:00", "ann", "a2", duration=20),
        ev("submitted", "03-02 12:00", "ann", "a3", duration=60),
        ev("submitted", "03-02 13:00", "ann", "a4", duration=100),
    )
    result = run(store, "member", member="ann")
    a = result["annotations"]
    # leads 10, 20, 60, 100: median (20 + 60) / 2 = 40, mean 190 / 4 = 47.5,
    # total_time_median 4 × 40 = 160
    assert a["median_time"] == 40
    assert a["mean_time"] == 47.5
    assert a["total_time_median"] == 160
    assert day(result, "03-02")["median_time"] == 40
    assert day(result, "03-02")["total_time_median"] == 160


def test_mean_and_median_of_nothing_are_null(store: Store) -> None:
    load(store, ev("skipped", "03-02 10:00", "ann", "a1", duration=10))
    a = run(store, "member", member="ann")["annotations"]
    # no submitted annotation: no lead time to average
    assert a["submitted"] == 0
    assert a["median_time"] is None
    assert a["mean_time"] is None
    assert a["total_time"] == 0
    assert a["performance_score"] is None
    assert a["acceptance_score"] is None


# -- scores ------------------------------------------------------------------------------------
SCORED = (
    ev("submitted", "02-20 10:00", "ann", "a1", duration=10),
    ev("submitted", "03-02 10:00", "ann", "a2", duration=10),
    ev("submitted", "03-02 11:00", "ann", "a3", duration=10),
    ev("submitted", "03-02 12:00", "ann", "a4", duration=10),
    ev("submitted", "03-02 13:00", "ann", "a5", duration=10),
    ev("accepted", "02-25 10:00", "rev", "a1"),  # before W: not in R
    ev("accepted", "03-03 10:00", "rev", "a1"),  # a repeated accept: each counts
    ev("accepted", "03-04 10:00", "rev", "a1"),
    ev("fixed_and_accepted", "03-03 11:00", "rev", "a2", agreement=0.9),
    ev("fixed_and_accepted", "03-03 12:00", "rev", "a3"),  # no agreement: the setting
    ev("rejected", "03-03 13:00", "rev", "a4"),
    ev("viewed", "03-03 14:00", "rev", "a5", duration=7),  # not a review action
    ev("accepted", "03-03 15:00", "rev", "zz", author="bob"),  # someone else's annotation
)


def test_performance_score_counts_every_review_action_in_window(store: Store) -> None:
    load(store, *SCORED)
    a = run(store, "member", member="ann")["annotations"]
    # R = accept a1, accept a1, fix a2 (0.9), fix a3 (default credit 0.5), reject a4
    # (1 + 1 + 0.9 + 0.5 + 0) / 5 = 3.4 / 5 = 0.68
    assert a["performance_score"] == pytest.approx(0.68)


def test_performance_score_uses_fix_accept_credit_setting(store: Store) -> None:
    load(store, *SCORED)
    a = run(store, "member", member="ann", credit=0.8)["annotations"]
    # as above with fix_accept_credit 0.8 for a3 (a2 keeps its agreement 0.9):
    # (1 + 1 + 0.9 + 0.8 + 0) / 5 = 3.7 / 5 = 0.74
    assert a["performance_score"] == pytest.approx(0.74)


def test_agreement_zero_is_used_not_replaced_by_credit(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1"),
        ev("fixed_and_accepted", "03-03 10:00", "rev", "a1", agreement=0),
    )
    a = run(store, "member", member="ann", credit=0.8)["annotations"]
    # agreement 0 is given, so s = 0 (not the 0.8 credit): 0 / 1
    assert a["performance_score"] == 0.0


def test_agreement_is_only_used_on_fixed_and_accepted(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1"),
        ev("accepted", "03-03 10:00", "rev", "a1", agreement=0.2),
        ev("rejected", "03-03 11:00", "rev", "a1", agreement=0.9),
    )
    a = run(store, "member", member="ann")["annotations"]
    # s(accepted) = 1 and s(rejected) = 0 whatever their agreement: (1 + 0) / 2
    assert a["performance_score"] == 0.5


def test_members_table_uses_fix_accept_credit_setting(store: Store) -> None:
    load(store, *SCORED)
    ann = row_of(run(store, "members", credit=0.8), member="ann")
    # the same review actions as above: 3.7 / 5
    assert ann["performance_score"] == pytest.approx(0.74)


def test_acceptance_score_by_current_state(store: Store) -> None:
    load(store, *SCORED)
    a = run(store, "member", member="ann")["annotations"]
    # completed in W: a2..a5 (a1 was completed 02-20). Current state: a2, a3 fixed_and_accepted,
    # a4 rejected, a5 submitted (viewed does not change it) -> (0 + 2) / (0 + 2 + 1) = 2/3
    assert a["submitted"] == 3  # a2, a3, a5
    assert a["fixed_and_accepted"] == 2
    assert a["accepted"] == 0
    assert a["rejected"] == 1
    assert a["acceptance_score"] == pytest.approx(2 / 3)


def test_author_field_on_review_overrides_actor_derived_author(store: Store) -> None:
    load(
        store,
        # the submit comes from an import account; the review names the real author
        ev("submitted", "03-02 10:00", "bot", "a1", duration=10),
        ev("accepted", "03-03 10:00", "rev", "a1", author="ann"),
    )
    # author of a1 is `ann`: her performance score has the accept (1/1), bot's has nothing
    assert run(store, "member", member="ann")["annotations"]["performance_score"] == 1.0
    bot = run(store, "member", member="bot")["annotations"]
    assert bot["performance_score"] is None
    assert bot["submitted"] == 0


def test_ties_in_time_are_broken_by_id(store: Store) -> None:
    load(
        store,
        # a1: submit and reject at the same moment; the reject has the greater id -> latest
        {**ev("submitted", "03-02 10:00", "ann", "a1", duration=10), "id": "x1"},
        {**ev("rejected", "03-02 10:00", "rev", "a1"), "id": "x2"},
        # a2: the same moment, but the submit has the greater id -> it is the latest
        {**ev("rejected", "03-02 11:00", "rev", "a2"), "id": "x3"},
        {**ev("submitted", "03-02 11:00", "ann", "a2", duration=20), "id": "x4"},
    )
    a = run(store, "member", member="ann")["annotations"]
    # a1 last action rejected, a2 last action submitted
    assert a["rejected"] == 1
    assert a["submitted"] == 1
    assert a["total_time"] == 20


# -- reviews by the member ---------------------------------------------------------------------
def test_reviews_of_a_reviewer_include_viewed_time_but_not_in_total(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-01 09:00", "ann", "a1"),
        ev("submitted", "03-01 09:00", "ann", "a2"),
        ev("submitted", "03-01 09:00", "ann", "a3"),
        ev("rejected", "03-02 10:00", "rev", "a1", duration=20),
        ev("accepted", "03-03 10:00", "rev", "a1", duration=10),
        ev("viewed", "03-03 11:00", "rev", "a2", duration=5),
        ev("fixed_and_accepted", "03-03 12:00", "rev", "a3", duration=15),
        ev("accepted", "02-27 12:00", "rev", "a3", duration=1000),  # before W
        ev("accepted", "03-03 12:00", "other", "a2", duration=99),  # another reviewer
    )
    result = run(store, "member", member="rev")
    r = result["reviews"]
    # actions by rev in W: reject a1, accept a1, fix a3 -> total 3 (viewed is not an action)
    assert r["total"] == 3
    assert (r["accepted"], r["rejected"], r["fixed_and_accepted"]) == (1, 1, 1)
    # review_time = 20 + 10 + 5 + 15 = 50 (viewed included)
    assert r["review_time"] == 50
    # per annotation: a1 20 + 10 = 30, a2 5, a3 15 -> mean 50 / 3, median 15
    assert r["mean_review_time"] == pytest.approx(50 / 3)
    assert r["median_review_time"] == 15
    assert day(result, "03-02")["reviews_rejected"] == 1
    assert day(result, "03-02")["review_time"] == 20
    assert day(result, "03-03")["reviews_accepted"] == 1
    assert day(result, "03-03")["reviews_fixed_and_accepted"] == 1
    assert day(result, "03-03")["review_time"] == 30  # 10 + 5 + 15


def test_reviews_of_nobody_are_zero_and_null(store: Store) -> None:
    load(store, ev("submitted", "03-02 10:00", "ann", "a1"))
    r = run(store, "member", member="ann")["reviews"]
    assert r["total"] == 0
    assert r["review_time"] == 0
    assert r["mean_review_time"] is None
    assert r["median_review_time"] is None


# -- daily series ------------------------------------------------------------------------------
def test_daily_lists_every_date_with_zeros_on_empty_days(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        ev("accepted", "03-05 10:00", "ann", "zz", author="bob", duration=4),
    )
    result = run(store, "member", "2026-03-01", "2026-03-07", member="ann")
    dates = [row["date"] for row in result["daily"]]
    assert dates == [f"2026-03-0{d}" for d in range(1, 8)]
    empty = day(result, "03-04")
    for name in (
        "submitted",
        "updated",
        "skipped",
        "total_time",
        "reviews_accepted",
        "reviews_rejected",
        "reviews_fixed_and_accepted",
        "review_time",
    ):
        assert empty[name] == 0, name
    assert empty["median_time"] is None
    assert empty["mean_time"] is None
    assert day(result, "03-02")["submitted"] == 1
    assert day(result, "03-05")["reviews_accepted"] == 1
    assert day(result, "03-05")["review_time"] == 4


def test_daily_median_and_mean_per_date(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        ev("submitted", "03-02 11:00", "ann", "a2", duration=30),
        ev("submitted", "03-02 12:00", "ann", "a3", duration=80),
        ev("submitted", "03-03 12:00", "ann", "a4", duration=7),
    )
    result = run(store, "member", "2026-03-01", "2026-03-03", member="ann")
    d2 = day(result, "03-02")
    # 03-02: 10, 30, 80 -> median 30, mean 40, total 120, total_time_median 3 × 30 = 90
    assert (d2["submitted"], d2["total_time"], d2["median_time"]) == (3, 120, 30)
    assert d2["mean_time"] == 40
    assert d2["total_time_median"] == 90
    d3 = day(result, "03-03")
    assert (d3["submitted"], d3["median_time"], d3["mean_time"]) == (1, 7, 7)


def test_member_block_names_the_member(store: Store) -> None:
    load(
        store,
        ANN,
        ev("submitted", "03-02 10:00", "ann", "a1"),
        ev("accepted", "03-03 10:00", "x", "b"),
    )
    result = run(store, "member", member="ann")
    assert result["member"]["id"] == "ann"
    assert result["member"]["name"] == "Ann Annotator"
    assert result["window"] == {"from": "2026-03-01", "to": "2026-03-31", "tz": "UTC"}
    # a member known only from events is shown under the id
    assert run(store, "member", member="x")["member"]["name"] == "x"


def test_unknown_member_is_not_found(store: Store) -> None:
    load(store, ANN, ev("submitted", "03-02 10:00", "ann", "a1"))
    with pytest.raises(NotFoundError):
        run(store, "member", member="nobody")


# -- members table -----------------------------------------------------------------------------
def test_members_table_rows_last_active_names_and_totals(store: Store) -> None:
    load(
        store,
        ANN,
        REV,
        member("cy", "Cy Idle"),  # no events at all: no row
        ev("submitted", "03-02 10:00", "ann", "a1", duration=10),
        ev("submitted", "03-03 10:00", "ann", "a2", duration=30),
        ev("accepted", "03-04 10:00", "rev", "a1", duration=2),
        ev("rejected", "03-04 11:00", "rev", "a2", duration=3),
        ev("draft", "04-10 10:00", "ann", "a9", duration=1),  # after W: shows in last_active
        ev("submitted", "03-05 10:00", "guest", "g1", duration=50),  # not in the directory
        ev("submitted", "02-05 10:00", "old", "o1", duration=50),  # no event in W: no row
    )
    result = run(store, "members", "2026-03-01", "2026-03-31")
    assert sorted(r["member"] for r in result["rows"]) == ["ann", "guest", "rev"]
    ann = row_of(result, member="ann")
    assert ann["member_name"] == "Ann Annotator"
    # ann: a1 accepted (10), a2 rejected (30, out of submitted)
    assert (ann["submitted"], ann["accepted"], ann["rejected"]) == (1, 1, 1)
    assert ann["total_time"] == 10
    assert ann["mean_time"] == 10
    assert ann["median_time"] == 10
    assert ann["acceptance_score"] == 0.5  # 1 / (1 + 0 + 1)
    assert ann["performance_score"] == 0.5  # (1 + 0) / 2
    # latest event of ann in scope, any window: the 04-10 draft
    assert ann["last_active"] == "2026-04-10T10:00:00Z"
    rev = row_of(result, member="rev")
    assert rev["member_name"] == "Rui Reviewer"
    assert rev["submitted"] == 0
    assert rev["median_time"] is None
    assert rev["mean_time"] is None
    assert rev["performance_score"] is None
    assert rev["last_active"] == "2026-03-04T11:00:00Z"
    guest = row_of(result, member="guest")
    assert guest["member_name"] == "guest"
    assert guest["submitted"] == 1
    # totals over all submitted annotations in scope: a1 (10) and g1 (50)
    totals = result["totals"]
    assert totals["submitted"] == 2
    assert totals["total_time"] == 60
    assert totals["mean_time"] == 30  # 60 / 2, not a mean of means
    assert totals["median_time"] == 30  # (10 + 50) / 2
    assert totals["accepted"] == 1
    assert totals["rejected"] == 1
    assert totals["acceptance_score"] == 0.5
    assert totals["performance_score"] == 0.5


def test_members_table_row_needs_an_event_in_window(store: Store) -> None:
    load(
        store,
        ev("submitted", "02-02 10:00", "ann", "a1"),
        ev("accepted", "03-02 10:00", "rev", "a1"),
    )
    result = run(store, "members", "2026-03-01", "2026-03-31")
    # only rev acted in March
    assert [r["member"] for r in result["rows"]] == ["rev"]


# -- reviewers table ---------------------------------------------------------------------------
def test_reviewers_table_rows_and_totals(store: Store) -> None:
    load(
        store,
        REV,
        ev("submitted", "03-01 09:00", "ann", "a1"),
        ev("submitted", "03-01 09:00", "ann", "a2"),
        ev("rejected", "03-02 10:00", "rev", "a1", duration=20),
        ev("accepted", "03-03 10:00", "rev", "a1", duration=10),
        ev("fixed_and_accepted", "03-03 11:00", "rev", "a2", duration=30),
        ev("accepted", "03-04 10:00", "sam", "a2", duration=6),
        ev("viewed", "03-04 11:00", "sam", "a1", duration=4),
        ev("accepted", "04-04 11:00", "sam", "a1", duration=400),  # after W
    )
    result = run(store, "reviewers", "2026-03-01", "2026-03-31")
    rev = row_of(result, member="rev")
    assert rev["member_name"] == "Rui Reviewer"
    # rev: reject + accept on a1, fix on a2 -> total 3; time 60; per annotation a1 30, a2 30
    assert (rev["total"], rev["accepted"], rev["rejected"], rev["fixed_and_accepted"]) == (
        3,
        1,
        1,
        1,
    )
    assert rev["review_time"] == 60
    assert rev["mean_review_time"] == 30
    assert rev["median_review_time"] == 30
    sam = row_of(result, member="sam")
    assert sam["member_name"] == "sam"
    # sam: accept a2 (6), view a1 (4): total 1, time 10, per annotation 6 and 4 -> mean 5
    assert (sam["total"], sam["accepted"], sam["review_time"]) == (1, 1, 10)
    assert sam["mean_review_time"] == 5
    assert sam["median_review_time"] == 5
    totals = result["totals"]
    # totals: 4 actions (2 accepted, 1 rejected, 1 fixed); time 60 + 10 = 70
    assert (totals["total"], totals["accepted"], totals["rejected"]) == (4, 2, 1)
    assert totals["fixed_and_accepted"] == 1
    assert totals["review_time"] == 70
