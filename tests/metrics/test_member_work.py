"""The member report's `work` section: the member's Work row, with the idle time beside each
time, so the member page can show lead, active and idle time for one member and window."""

from __future__ import annotations

from labelpulse.store import Store
from tests.metrics.org import ev, load, member, row_of, run


def _org(store: Store) -> None:
    load(
        store,
        member("ann", "Ann Annotator"),
        member("rev", "Rico Reviewer", "reviewer"),
        # ann: draft (20, idle 5) + submit (40, idle 10) on a1; skip a2 (30, idle 10);
        # submit a3 (25, idle unknown: all active), later rejected
        ev("draft", "03-02 09:00", "ann", "a1", task="t1", duration=20, idle=5),
        ev("submitted", "03-02 10:00", "ann", "a1", task="t1", duration=40, idle=10),
        ev("skipped", "03-02 11:00", "ann", "a2", task="t2", duration=30, idle=10),
        ev("submitted", "03-02 12:00", "ann", "a3", task="t3", duration=25),
        # rev: viewed (8) and accepted (12, idle 2) a1; rejected (5, idle 1) a3
        ev("viewed", "03-03 09:00", "rev", "a1", task="t1", duration=8),
        ev("accepted", "03-03 10:00", "rev", "a1", task="t1", duration=12, idle=2),
        ev("rejected", "03-03 11:00", "rev", "a3", task="t3", duration=5, idle=1),
    )


def test_an_annotators_lead_active_and_idle_time_by_hand(store: Store) -> None:
    _org(store)
    report = run(store, "member", member="ann")
    a, w = report["annotations"], report["work"]
    # Submitted: a1 only (a2 skipped, a3 rejected). Its lead time 20 + 40 = 60, active
    # (20-5) + (40-10) = 45, so 15 idle.
    assert (a["submitted"], a["total_time"], a["active_time"]) == (1, 60, 45)
    # Work: items t1, t2, t3 labeled; label time (active) 15 + 30 + 20 + 25 = 90, idle
    # 5 + 10 + 10 + 0 = 25: the whole duration 115 = 90 + 25.
    assert (w["labeled"], w["label_time"], w["label_idle_time"]) == (3, 90, 25)
    assert w["mean_label_time"] == 30
    assert (w["reviewed"], w["review_time"], w["review_idle_time"]) == (0, 0, 0)
    assert (w["edited"], w["edit_time"], w["edit_idle_time"]) == (0, 0, 0)
    assert list(report) == ["member", "window", "scope", "annotations", "reviews", "work", "daily"]


def test_a_reviewers_work_time_plus_idle_is_the_reports_review_time(store: Store) -> None:
    _org(store)
    report = run(store, "member", member="rev")
    r, w = report["reviews"], report["work"]
    # Review time (idle included) 8 + 12 + 5 = 25; active (8) + (10) + (4) = 22; idle 3.
    assert r["review_time"] == 25
    assert (w["reviewed"], w["review_time"], w["review_idle_time"]) == (2, 22, 3)
    assert w["review_time"] + w["review_idle_time"] == r["review_time"]
    assert w["mean_review_time"] == 11


def test_the_work_section_is_the_members_row_of_the_work_report(store: Store) -> None:
    _org(store)
    work = run(store, "work")
    for who in ("ann", "rev"):
        row = row_of(work, member=who)
        mine = run(store, "member", member=who)["work"]
        for key in ("labeled", "label_time", "mean_label_time", "reviewed", "review_time"):
            assert mine[key] == row[key], (who, key)
        for key in ("mean_review_time", "edited", "edit_time", "mean_edit_time"):
            assert mine[key] == row[key], (who, key)
    # The same under a window that cuts the work: only 03-03 (rev's day).
    cut = run(store, "member", "2026-03-03", "2026-03-03", member="ann")["work"]
    assert (cut["labeled"], cut["label_time"], cut["label_idle_time"]) == (0, 0, 0)
