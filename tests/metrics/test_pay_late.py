"""Closed periods with late and duplicate events in any arrival order (Hypothesis): what a
closed period kept plus the adjustments due for it is what the period earns with every event."""

from __future__ import annotations

import itertools
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpulse.ingest import ingest_records
from labelpulse.metrics.pay_periods import close
from labelpulse.store import Store, connect
from tests.metrics.org import ev, member, run
from tests.metrics.test_pay import EVENTS, LATE, RATES

EVERY_EVENT = [{"id": f"e{n:03d}", **e} for n, e in enumerate(EVENTS, start=1)] + LATE
FIRST = ("2026-03-01", "2026-03-15")
SECOND = ("2026-03-16", "2026-03-31")
# A few more events, some moving annotations between the halves: a4 updated again on 03-10
# (its completed-at moves into the first half), a1 rejected late (it stops being accepted).
MORE = [
    {"id": "x1", **ev("updated", "03-10 10:00", "ann", "a4", duration=300, regions_added=2)},
    {"id": "x2", **ev("rejected", "03-20 10:00", "rev", "a1", duration=45)},
    {"id": "x3", **ev("submitted", "03-14 23:30", "ann", "a6", project="p2", duration=100)},
    {"id": "x4", **ev("accepted", "03-16 00:10", "rev", "a6", project="p2", duration=20)},
]
POOL = EVERY_EVENT + MORE


def amounts(data: dict[str, Any], column: str) -> dict[tuple[str, str, str], Decimal]:
    out: dict[tuple[str, str, str], Decimal] = {}
    for r in data["rows"]:
        value = Decimal(r[column])
        if value:
            out[r["member"], r["project"], r["currency"]] = value
    return out


def plus(*maps: dict[Any, Decimal]) -> dict[Any, Decimal]:
    out: dict[Any, Decimal] = {}
    for m in maps:
        for k, v in m.items():
            out[k] = out.get(k, Decimal(0)) + v
    return {k: v for k, v in out.items() if v}


def fresh(folder: Path, name: str) -> Store:
    store = connect(str(folder / f"{name}.duckdb"))
    ingest_records(store, [member("ann", "Ann"), member("rev", "Rev", "reviewer"), *RATES])
    return store


def arrive(store: Store, events: list[dict[str, Any]]) -> None:
    for event in events:  # one batch each: every arrival order the store may see
        ingest_records(store, [event])


EVERYTHING_EARNS: dict[str, Any] = {}


def truth() -> tuple[dict[Any, Decimal], dict[Any, Decimal]]:
    """Each half's earnings with every event, in a store that never closed anything."""
    if not EVERYTHING_EARNS:
        with tempfile.TemporaryDirectory() as folder:
            store = fresh(Path(folder), "truth")
            ingest_records(store, POOL)
            EVERYTHING_EARNS["first"] = amounts(run(store, "pay", *FIRST), "earned")
            EVERYTHING_EARNS["second"] = amounts(run(store, "pay", *SECOND), "earned")
            store.close()
    return EVERYTHING_EARNS["first"], EVERYTHING_EARNS["second"]


arrivals = st.permutations(POOL).flatmap(
    lambda order: st.tuples(
        st.just(list(order)),
        st.lists(st.sampled_from(POOL), max_size=4),  # duplicates, re-sent anywhere
        st.integers(min_value=0, max_value=len(POOL)),  # how many arrive before closing
        st.booleans(),  # also close the second half before the last events arrive
    )
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrivals)
def test_closed_figures_plus_adjustments_are_what_the_period_earned(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], int, bool],
) -> None:
    order, duplicates, cut, close_second = case
    sequence = list(order)
    for n, dup in enumerate(duplicates):
        sequence.insert((n * 7) % (len(sequence) + 1), dup)
    first_earned, second_earned = truth()
    with tempfile.TemporaryDirectory() as folder:
        store = fresh(Path(folder), "case")
        arrive(store, sequence[:cut])
        close(store, *FIRST, "UTC", "own")
        rest = sequence[cut:]
        middle = len(rest) // 2 if close_second else len(rest)
        arrive(store, rest[:middle])
        if close_second:
            close(store, *SECOND, "UTC", "own")
        arrive(store, rest[middle:])
        kept_first = run(store, "pay", *FIRST)
        assert kept_first["period"]["status"] == "closed"
        if close_second:
            kept_second = run(store, "pay", *SECOND)
            paid_later = amounts(kept_second, "adjustment")  # adjustments for the first half
            pending = amounts(run(store, "pay", "2026-04-01", "2026-04-30"), "adjustment")
            # what the second closing kept, plus what is pending for it, is its truth too:
            # the April adjustments mix both halves, so check the sum of both halves
            total_kept = plus(amounts(kept_first, "earned"), amounts(kept_second, "earned"))
            assert plus(total_kept, paid_later, pending) == plus(first_earned, second_earned)
        else:
            pending = amounts(run(store, "pay", *SECOND), "adjustment")
            assert plus(amounts(kept_first, "earned"), pending) == first_earned
            assert amounts(run(store, "pay", *SECOND), "earned") == second_earned
        store.close()


def test_duplicates_alone_change_nothing(tmp_path: Path) -> None:
    store = fresh(tmp_path, "dups")
    arrive(store, list(itertools.chain(POOL, POOL[:5])))
    first, second = truth()
    assert amounts(run(store, "pay", *FIRST), "earned") == first
    assert amounts(run(store, "pay", *SECOND), "earned") == second
