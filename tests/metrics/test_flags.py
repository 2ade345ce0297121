"""Quality flags (issue 16): the worked examples of docs/metrics-beyond.md, exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpulse.config import Settings
from labelpulse.exports.tabular import COLUMNS
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store, connect
from tests.metrics.org import ev, load, member, project, row_of, run


def _flags(result: dict[str, Any], who: str) -> dict[str, dict[str, Any]]:
    return {row["rule"]: row for row in result["rows"] if row["member"] == who}


def _submitted(who: str, name: str, when: str, seconds: float, **fields: Any) -> dict[str, Any]:
    return ev("submitted", when, who, name, duration=seconds, **fields)


def _too_fast_org(store: Store, fast: int = 2) -> None:
    # p1: ann submits 10 annotations of 100 s, bob 8 of 120 s and 2 of 10 s: 20 annotations,
    # sorted 10, 10, 100 x 10, 120 x 8: the 10th and 11th are 100 and 100, median 100 s.
    # p2: 5 annotations (1 s, 50 s x 4): under 20, so no median is judged there.
    records: list[dict[str, Any]] = [
        member("ann", "Ann"),
        member("bob", "Bob"),
        project("p1", "Cats"),
        project("p2", "Dogs"),
    ]
    records += [_submitted("ann", f"a{i}", f"03-02 10:{i:02d}", 100) for i in range(10)]
    records += [_submitted("bob", f"b{i}", f"03-03 10:{i:02d}", 120) for i in range(10 - fast)]
    records += [_submitted("bob", f"f{i}", f"03-04 10:{i:02d}", 10) for i in range(fast)]
    records += [_submitted("ann", "q0", "03-05 10:00", 1, project="p2")]
    records += [_submitted("bob", f"q{i}", "03-05 11:00", 50, project="p2") for i in range(1, 5)]
    load(store, *records)


def test_too_fast_annotations_against_their_projects_median(store: Store) -> None:
    _too_fast_org(store)
    fast = run(store, "flagged_annotations")
    # bob's f0, f1: 10 s < 0.2 x 100 s = 20 s; ratio 0.1. ann's q0 (1 s) is in p2, which has 5.
    assert [r["annotation"] for r in fast["rows"]] == ["f0", "f1"]
    f0 = row_of(fast, annotation="f0")
    assert (f0["project"], f0["project_name"], f0["member"], f0["member_name"]) == (
        "p1",
        "Cats",
        "bob",
        "Bob",
    )
    assert (f0["time"], f0["project_median"], f0["ratio"], f0["project_annotations"]) == (
        10.0,
        100.0,
        0.1,
        20,
    )
    assert f0["completed_at"] == "2026-03-04T10:00:00Z"
    flags = run(store, "flags")
    bob = _flags(flags, "bob")
    assert set(bob) == {"too_fast"}
    # 2 of bob's 14 submitted annotations (8 + 2 in p1, 4 in p2)
    assert (bob["too_fast"]["value"], bob["too_fast"]["baseline"], bob["too_fast"]["basis"]) == (
        2,
        0.2,
        14,
    )
    assert bob["too_fast"]["reason"].startswith("2 of 14 submitted annotations took under 20")
    # The exports' declared columns are a row's keys (tests/test_exports.py skips these two).
    assert list(flags["rows"][0]) == list(COLUMNS["flags"])
    assert list(fast["rows"][0]) == list(COLUMNS["flagged_annotations"])
    assert _flags(flags, "ann") == {}


def test_one_quick_annotation_is_listed_but_flags_no_member(store: Store) -> None:
    # bob: 9 of 120 s and 1 of 10 s in p1: sorted 10, 100 x 10, 120 x 9, median still 100 s.
    _too_fast_org(store, fast=1)
    assert [r["annotation"] for r in run(store, "flagged_annotations")["rows"]] == ["f0"]
    # 1 too-fast annotation: under FAST_MEMBER_MIN (2), so bob has no too_fast flag.
    assert _flags(run(store, "flags"), "bob") == {}


def test_the_fast_fraction_is_a_setting(store: Store) -> None:
    _too_fast_org(store)
    # At 0.05 (5 s) bob's 10 s annotations are no longer too fast.
    settings = Settings(flag_fast_fraction=0.05)
    fast = report(
        store, "flagged_annotations", start="2026-03-01", end="2026-03-31", settings=settings
    )
    assert fast["rows"] == []
    # At 1.0 everything under the median: bob's two 10 s ones only (ann's are the median).
    settings = Settings(flag_fast_fraction=1.0)
    fast = report(
        store, "flagged_annotations", start="2026-03-01", end="2026-03-31", settings=settings
    )
    assert [r["annotation"] for r in fast["rows"]] == ["f0", "f1"]


def test_a_member_filter_keeps_the_projects_median(store: Store) -> None:
    _too_fast_org(store)
    # Asking for bob alone: the median is still every member's (100 s), so f0, f1 stay.
    fast = run(store, "flagged_annotations", members=["bob"])
    assert [r["annotation"] for r in fast["rows"]] == ["f0", "f1"]
    assert run(store, "flagged_annotations", members=["ann"])["rows"] == []


def _reviewed(who: str, name: str, action: str, day: int) -> list[dict[str, Any]]:
    return [
        _submitted(who, name, f"03-{day:02d} 10:00", 60),
        ev(action, f"03-{day:02d} 12:00", "rev", name, duration=30),
    ]


def test_rejection_and_fix_rates_far_above_the_team(store: Store) -> None:
    records: list[dict[str, Any]] = [member("ann", "Ann"), member("bob", "Bob"), member("cy", "Cy")]
    for i in range(10):
        records += _reviewed("ann", f"a{i}", "accepted", 2)
        records += _reviewed("bob", f"b{i}", "rejected" if i < 4 else "accepted", 3)
        records += _reviewed("cy", f"c{i}", "fixed_and_accepted" if i < 3 else "accepted", 4)
    load(store, *records)
    flags = run(store, "flags")
    # team: 30 reviewed, 4 rejected (13.3%), 3 fixed (10%)
    bob = _flags(flags, "bob")
    assert set(bob) == {"rejection_rate"}
    # bob: 4 of 10 = 40% >= 2 x 13.3% and 26.7 points above
    assert bob["rejection_rate"]["value"] == 0.4
    assert bob["rejection_rate"]["baseline"] == pytest.approx(4 / 30)
    assert bob["rejection_rate"]["basis"] == 10
    assert "4 of 10 reviewed annotations rejected" in bob["rejection_rate"]["reason"]
    cy = _flags(flags, "cy")
    # cy: 3 of 10 = 30% >= 2 x 10% and 20 points above
    assert set(cy) == {"fix_rate"}
    assert (cy["fix_rate"]["value"], cy["fix_rate"]["baseline"]) == (0.3, 0.1)
    assert _flags(flags, "ann") == {}


def test_rates_need_ten_reviewed_and_ten_points(store: Store) -> None:
    records: list[dict[str, Any]] = [member("ann", "Ann"), member("bob", "Bob")]
    for i in range(40):
        records += _reviewed("ann", f"a{i}", "rejected" if i < 4 else "accepted", 2)
    # bob: 9 reviewed, 5 rejected (56%): too few to judge
    for i in range(9):
        records += _reviewed("bob", f"b{i}", "rejected" if i < 5 else "accepted", 3)
    load(store, *records)
    assert run(store, "flags")["rows"] == []


def test_throughput_drop_against_the_previous_window(store: Store) -> None:
    # March (31 days) against Jan 29 – Feb 28: ann 20 then 8 (down 60%); bob 19 then 0 (too few)
    records: list[dict[str, Any]] = [member("ann", "Ann"), member("bob", "Bob")]
    records += [_submitted("ann", f"a{i}", f"02-10 10:{i:02d}", 60) for i in range(20)]
    records += [_submitted("ann", f"n{i}", f"03-10 10:{i:02d}", 60) for i in range(8)]
    records += [_submitted("bob", f"b{i}", f"02-11 10:{i:02d}", 60) for i in range(19)]
    load(store, *records)
    flags = run(store, "flags")
    ann = _flags(flags, "ann")
    assert set(ann) == {"throughput_drop"}
    assert (ann["throughput_drop"]["value"], ann["throughput_drop"]["baseline"]) == (8, 20)
    assert ann["throughput_drop"]["reason"] == (
        "Submitted 8 annotations, down 60% from 20 in the previous window (2026-01-29–2026-02-28)"
    )
    assert _flags(flags, "bob") == {}


def test_score_drop_against_the_previous_window(store: Store) -> None:
    # ann: February's 10 reviews all accepted (1.0); March's 6 accepted, 4 rejected (0.6)
    records: list[dict[str, Any]] = [member("ann", "Ann")]
    for i in range(10):
        records += [
            _submitted("ann", f"a{i}", "02-10 10:00", 60),
            ev("accepted", "02-11 10:00", "rev", f"a{i}", duration=30),
            _submitted("ann", f"n{i}", "03-10 10:00", 60),
            ev("accepted" if i < 6 else "rejected", "03-11 10:00", "rev", f"n{i}", duration=30),
        ]
    load(store, *records)
    ann = _flags(run(store, "flags"), "ann")
    assert set(ann) == {"score_drop"}
    assert ann["score_drop"]["value"] == 0.6
    assert (ann["score_drop"]["baseline"], ann["score_drop"]["basis"]) == (1.0, 10)


def test_a_rubber_stamping_reviewer(store: Store) -> None:
    records: list[dict[str, Any]] = [
        member("rev", "Rex", "reviewer"),
        member("slow", "Sam", "reviewer"),
        member("few", "Fay", "reviewer"),
    ]
    for i in range(20):
        records.append(_submitted("ann", f"a{i}", "03-02 10:00", 60))
        # rev: 20 accepts of 3 s each: 100% with a median of 3 s
        records.append(ev("accepted", "03-03 10:00", "rev", f"a{i}", duration=3))
        # slow: 20 accepts of 30 s each: median 30 s, not in seconds
        records.append(ev("accepted", "03-04 10:00", "slow", f"a{i}", duration=30))
        # few: 19 accepts of 2 s: too few reviews
        if i < 19:
            records.append(ev("accepted", "03-05 10:00", "few", f"a{i}", duration=2))
    load(store, *records)
    flags = run(store, "flags")
    rex = _flags(flags, "rev")
    assert set(rex) == {"rubber_stamp"}
    assert (rex["rubber_stamp"]["value"], rex["rubber_stamp"]["baseline"]) == (1.0, 3.0)
    assert rex["rubber_stamp"]["basis"] == 20
    assert rex["rubber_stamp"]["reason"].startswith("Accepted 20 of 20 review actions (100%)")
    assert _flags(flags, "slow") == {} and _flags(flags, "few") == {}


# ---- arrival order and duplicates never change a flag ------------------------------------------


def _flagged_org() -> list[dict[str, Any]]:
    """Every rule fires at least once: too fast (bob), rejection rate (cy), rubber stamp (rev),
    a throughput drop (ann: 20 in February, 10 in March)."""
    records: list[dict[str, Any]] = [member("rev", "Rex", "reviewer")]
    for i in range(20):
        records.append(_submitted("ann", f"old{i}", f"02-10 10:{i:02d}", 100))
    for i in range(10):
        records.append(_submitted("ann", f"a{i}", f"03-02 10:{i:02d}", 100))
        records.append(ev("accepted", f"03-05 10:{i:02d}", "rev", f"a{i}", duration=3))
        bob_time = 10 if i < 2 else 120
        records.append(_submitted("bob", f"b{i}", f"03-03 10:{i:02d}", bob_time))
        records.append(ev("accepted", f"03-05 11:{i:02d}", "rev", f"b{i}", duration=3))
        records.append(_submitted("cy", f"c{i}", f"03-04 10:{i:02d}", 100))
        records.append(ev("rejected" if i < 6 else "accepted", f"03-06 10:{i:02d}", "lee", f"c{i}"))
    return [{"id": f"e{n:03d}", **r} if "kind" not in r else r for n, r in enumerate(records)]


def _both(store: Store) -> tuple[Any, Any]:
    return run(store, "flags")["rows"], run(store, "flagged_annotations")["rows"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(0, 200), max_size=20),
    cuts=st.lists(st.integers(1, 200), max_size=4),
)
def test_arrival_order_and_duplicates_change_no_flag(
    order: Any, repeats: list[int], cuts: list[int]
) -> None:
    records = _flagged_org()
    with tempfile.TemporaryDirectory() as folder:
        reference = connect(str(Path(folder) / "reference.duckdb"))
        ingest_records(reference, records)
        expected = _both(reference)
        reference.close()
        rules = {(row["member"], row["rule"]) for row in expected[0]}
        assert rules == {
            ("ann", "throughput_drop"),
            ("bob", "too_fast"),
            ("cy", "rejection_rate"),
            ("rev", "rubber_stamp"),
        }
        shuffled = records + [records[i % len(records)] for i in repeats]
        order.shuffle(shuffled)
        other = connect(str(Path(folder) / "other.duckdb"))
        start = 0
        for cut in [*sorted(set(cuts)), len(shuffled)]:
            if cut > start:
                ingest_records(other, shuffled[start:cut])
                start = cut
        assert _both(other) == expected
        other.close()
