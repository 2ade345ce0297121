"""Pay: docs/metrics-beyond.md's worked example, exactly, and its closed periods."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpulse.errors import UsageError
from labelpulse.ingest import ingest_records
from labelpulse.metrics.pay import round_cents
from labelpulse.metrics.pay_periods import close, periods
from labelpulse.store import Store
from tests.metrics.org import ev, load, member, run

RATES: list[dict[str, Any]] = [
    {"kind": "rate", "member": "ann", "effective": "2026-01-01", "currency": "EUR",
     "per_hour": 12, "per_accepted": 0.5, "per_region": 0.1},
    {"kind": "rate", "member": "ann", "project": "p2", "effective": "2026-03-10",
     "currency": "EUR", "per_accepted": 1.0},
    {"kind": "rate", "member": "ann", "effective": "2026-03-15", "currency": "EUR",
     "per_hour": 15, "per_accepted": 0.5, "per_region": 0.1},
    {"kind": "rate", "member": "rev", "effective": "2026-03-05", "currency": "USD",
     "per_hour": 20},
]  # fmt: skip
EVENTS = [
    ev("submitted", "03-02 10:00", "ann", "a1", duration=1800, idle=300, regions_added=4),
    ev("accepted", "03-03 09:00", "rev", "a1", duration=120),
    ev("submitted", "03-04 10:00", "ann", "a2", duration=600, regions_added=3),
    ev("rejected", "03-04 11:00", "rev", "a2", duration=60),
    ev("submitted", "03-12 10:00", "ann", "a3", project="p2", duration=900, regions_added=5),
    ev("fixed_and_accepted", "03-13 09:00", "rev", "a3", project="p2", duration=240),
    ev("submitted", "03-16 10:00", "ann", "a4", duration=1200, regions_added=2),
    ev("updated", "03-17 10:00", "ann", "a4", duration=600, regions_added=1),
    ev("accepted", "03-18 09:00", "rev", "a4", duration=190),
]
LATE = [
    {"id": "late1", **ev("submitted", "03-06 10:00", "ann", "a5", duration=360, regions_added=2)},
    {"id": "late2", **ev("accepted", "03-06 11:00", "rev", "a5", duration=30)},
]


@pytest.fixture
def example(store: Store) -> Store:
    load(store, member("ann", "Ann Annotator"), member("rev", "Rev Reviewer", "reviewer"),
         *RATES, *EVENTS)  # fmt: skip
    return store


def rows(data: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["member"], r["project"], r["currency"]): r for r in data["rows"]}


def test_the_worked_example(example: Store) -> None:
    data = run(example, "pay")
    got = rows(data)
    assert set(got) == {
        ("ann", "p1", "EUR"), ("ann", "p2", "EUR"), ("rev", "p1", ""), ("rev", "p1", "USD"),
        ("rev", "p2", "USD"),
    }  # fmt: skip
    ann1 = got["ann", "p1", "EUR"]
    assert (ann1["accepted"], ann1["regions"], ann1["active_hours"]) == (2, 7, 3900 / 3600)
    assert (ann1["earned"], ann1["adjustment"], ann1["amount"]) == ("16.20", "0.00", "16.20")
    assert ann1["member_name"] == "Ann Annotator" and ann1["note"] == ""
    ann2 = got["ann", "p2", "EUR"]
    assert (ann2["accepted"], ann2["regions"], ann2["earned"]) == (1, 5, "1.00")
    unpaid = got["rev", "p1", ""]
    assert (unpaid["active_hours"], unpaid["earned"], unpaid["note"]) == (
        180 / 3600, "0.00", "no rate")  # fmt: skip
    assert got["rev", "p1", "USD"]["earned"] == "1.06"
    assert got["rev", "p2", "USD"]["earned"] == "1.33"
    totals = {t["currency"]: t["amount"] for t in data["currency_totals"]}
    assert totals == {"": "0.00", "EUR": "17.20", "USD": "2.39"}
    assert data["period"] == {"status": "open", "overlaps": []}


def test_the_audit_lines_add_up_to_the_rows(example: Store) -> None:
    lines = run(example, "pay_lines")["rows"]
    ann1 = [r for r in lines if (r["member"], r["project"]) == ("ann", "p1")]
    # 2 accepted + 2 regions lines, and 4 item-days of time (t-a1, t-a2, t-a4 twice)
    assert (
        sorted(r["quantity"] for r in ann1)
        == ["accepted"] * 2 + ["active_hours"] * 4 + ["regions"] * 2
    )
    from decimal import Decimal

    assert round_cents(sum((Decimal(r["amount"]) for r in ann1), Decimal(0))) == Decimal("16.20")
    rev = [r for r in lines if r["member"] == "rev" and r["project"] == "p1"]
    assert {(r["date"], r["note"]) for r in rev} == {
        ("2026-03-03", "no rate"), ("2026-03-04", "no rate"), ("2026-03-18", "")
    }  # fmt: skip
    page = run(example, "pay_lines", paging=_paging(limit=3, offset=2))
    assert len(page["rows"]) == 3 and page["page"]["total_rows"] == len(lines)
    assert page["rows"] == lines[2:5]
    # A page past the end still counts every line (the count rides on the page's rows).
    past = run(example, "pay_lines", paging=_paging(limit=3, offset=len(lines) + 5))
    assert past["rows"] == [] and past["page"]["total_rows"] == len(lines)


def _paging(**kw: Any) -> Any:
    from labelpulse.metrics.paging import make_paging
    from labelpulse.metrics.registry import SPECS

    return make_paging(SPECS["pay_lines"], **kw)


def test_a_closed_period_keeps_its_figures_and_late_events_adjust_the_next(
    example: Store,
) -> None:
    close(example, "2026-03-01", "2026-03-15", "UTC", "own")
    ingest_records(example, LATE)
    kept = run(example, "pay", "2026-03-01", "2026-03-15")
    assert kept["period"]["status"] == "closed" and kept["period"]["closed_by"] == "own"
    got = rows(kept)
    assert got["ann", "p1", "EUR"]["earned"] == "7.90"
    assert got["ann", "p1", "EUR"]["accepted"] == 1
    assert ("rev", "p1", "USD") not in got
    assert got["rev", "p2", "USD"]["amount"] == "1.33"
    overlapping = run(example, "pay", "2026-03-10", "2026-03-20")["period"]
    assert [(p["from"], p["to"]) for p in overlapping["overlaps"]] == [("2026-03-01", "2026-03-15")]
    later = rows(run(example, "pay", "2026-03-16", "2026-03-31"))
    assert [later["ann", "p1", "EUR"][k] for k in ("earned", "adjustment", "amount")] == [
        "8.30", "1.90", "10.20"]  # fmt: skip
    assert [later["rev", "p1", "USD"][k] for k in ("earned", "adjustment", "amount")] == [
        "1.06", "0.17", "1.23"]  # fmt: skip
    # closing the second half pays those adjustments; nothing is pending any more
    close(example, "2026-03-16", "2026-03-31", "UTC", "own")
    second = rows(run(example, "pay", "2026-03-16", "2026-03-31"))
    assert second["ann", "p1", "EUR"]["adjustment"] == "1.90"
    april = run(example, "pay", "2026-04-01", "2026-04-30")
    assert april["rows"] == []
    assert [(p.first.isoformat(), p.last.isoformat()) for p in periods(example)] == [
        ("2026-03-01", "2026-03-15"), ("2026-03-16", "2026-03-31")]  # fmt: skip


def test_closed_periods_may_not_overlap(example: Store) -> None:
    close(example, "2026-03-01", "2026-03-15", "UTC", "own")
    with pytest.raises(UsageError, match=r"overlaps the closed period 2026-03-01\.\.2026-03-15"):
        close(example, "2026-03-15", "2026-03-20", "UTC", "own")
    with pytest.raises(UsageError, match="overlaps"):
        close(example, "2026-02-01", "2026-04-01", "UTC", "own")
    assert len(periods(example)) == 1


def test_a_scope_cuts_kept_figures_and_adjustments(example: Store) -> None:
    close(example, "2026-03-01", "2026-03-15", "UTC", "own")
    ingest_records(example, LATE)
    only_p2 = run(example, "pay", "2026-03-01", "2026-03-15", projects=["p2"])
    assert {r["project"] for r in only_p2["rows"]} == {"p2"}
    only_rev = run(example, "pay", "2026-03-16", "2026-03-31", members=["rev"])
    assert {r["member"] for r in only_rev["rows"]} == {"rev"}
    assert rows(only_rev)["rev", "p1", "USD"]["adjustment"] == "0.17"


def test_money_rounds_half_up_to_cents() -> None:
    from decimal import Decimal
    from fractions import Fraction

    assert round_cents(Fraction(5, 1000)) == Decimal("0.01")
    assert round_cents(Fraction(-5, 1000)) == Decimal("-0.01")
    assert round_cents(Fraction(19, 18)) == Decimal("1.06")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offset=st.integers(0, 24),
    limit=st.integers(1, 9),
    start=st.sampled_from(["2026-03-01", "2026-03-04", "2026-03-13", "2026-03-17"]),
    tz=st.sampled_from(["UTC", "Pacific/Kiritimati"]),
)
def test_every_page_of_the_audit_list_is_its_slice_of_the_whole(
    example: Store, offset: int, limit: int, start: str, tz: str
) -> None:
    """The default order's pages, built from only the days they lie in (counted per day in
    SQL), are the slices of every line sorted in Python, with every line counted; windows that
    start after an item's earlier work (its previous row lies before the window) and a zone
    that moves work to the next date included."""
    # Two rows of one member's item on one date, each an item-day's second row.
    ingest_records(example, [
        {"id": "busy1", **ev("updated", "03-17 15:00", "ann", "a4", duration=300)},
        {"id": "busy2", **ev("submitted", "03-02 18:00", "ann", "a1", duration=60)},
    ])  # fmt: skip
    whole = list(run(example, "pay_lines", start, tz=tz, paging=_paging(stream=True))["rows"])
    page = run(example, "pay_lines", start, tz=tz, paging=_paging(limit=limit, offset=offset))
    assert page["rows"] == whole[offset : offset + limit]
    assert page["page"]["total_rows"] == len(whole)


@pytest.mark.parametrize("changes", [10, 40, 70])
def test_a_rate_that_changes_every_day_prices_each_day_by_its_own(
    store: Store, changes: int
) -> None:
    """SQL sums the days between rate start dates (70 start dates: more than it lists, so
    each day is a stretch of its own); either way each day earns its own rate's price."""
    day_rates = [
        {"kind": "rate", "member": "zed", "currency": "EUR", "per_accepted": i,
         "effective": f"2026-{2 + (i - 1) // 28:02d}-{1 + (i - 1) % 28:02d}"}
        for i in range(1, changes + 1)
    ]  # fmt: skip
    work = [
        ev("submitted", "03-01 10:00", "zed", "z0"), ev("accepted", "03-01 11:00", "rev", "z0"),
        ev("submitted", "03-02 10:00", "zed", "z1"), ev("accepted", "03-02 11:00", "rev", "z1"),
        ev("submitted", "03-09 10:00", "zed", "z2"), ev("accepted", "03-10 11:00", "rev", "z2"),
        ev("submitted", "03-09 12:00", "zed", "z3"), ev("accepted", "03-10 12:00", "rev", "z3"),
    ]  # fmt: skip
    load(store, member("zed", "Zed"), member("rev", "Rev", "reviewer"), *day_rates, *work)
    # 28 February rates, then one a day from 1 March: 1 March is rate 29, 2 March rate 30
    # (the next day, and a start date of its own), 9 March rate 37;
    # with only 10 rates the last (10 February, rate 10) holds all of March; 40 rates are
    # listed in SQL (stretches of days), 70 are not (each day a stretch).
    expected = "40.00" if changes == 10 else "133.00"
    got = rows(run(store, "pay"))["zed", "p1", "EUR"]
    assert (got["accepted"], got["earned"]) == (4, expected)
    lines = run(store, "pay_lines")
    totals = {t["currency"]: t["amount"] for t in lines["currency_totals"]}
    assert totals["EUR"] == f"{expected}0000"


def test_work_either_side_of_a_rate_start_earns_each_side_s_rate(store: Store) -> None:
    """The day before a rate begins and the day it begins are in different stretches."""
    load(store, member("zed", "Zed"), member("rev", "Rev", "reviewer"),
         {"kind": "rate", "member": "zed", "currency": "EUR", "per_accepted": 1,
          "effective": "2026-03-01"},
         {"kind": "rate", "member": "zed", "currency": "EUR", "per_accepted": 5,
          "effective": "2026-03-05"},
         ev("submitted", "03-04 23:00", "zed", "z1"), ev("accepted", "03-05 09:00", "rev", "z1"),
         ev("submitted", "03-05 01:00", "zed", "z2"), ev("accepted", "03-05 09:00", "rev", "z2"),
         ev("submitted", "03-06 01:00", "zed", "z3"),
         ev("accepted", "03-06 09:00", "rev", "z3"))  # fmt: skip
    assert rows(run(store, "pay"))["zed", "p1", "EUR"]["earned"] == "11.00"
