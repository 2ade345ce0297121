"""Which rate applies (docs/metrics-beyond.md, "Which rate applies"): the worked example's
rates, stored through ingest and read back with load_rates, then asked day by day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from labelpulse.metrics.rates import Rate, RateBook, load_rates, money, rate_on
from labelpulse.store import Store
from tests.metrics.org import load, member, project


def rate(
    member_id: str, effective: str, project_id: str | None = None, **amounts: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": "rate", "member": member_id, "effective": effective}
    record["currency"] = amounts.pop("currency", "EUR")
    if project_id is not None:
        record["project"] = project_id
    return record | amounts


# The worked example of docs/metrics-beyond.md.
EXAMPLE = (
    member("ann", "Ann Annotator"),
    member("bob", "Bob Builder"),
    project("cats", "Cats"),
    project("dogs", "Dogs"),
    rate("ann", "2026-01-01", per_hour=12.5),
    rate("ann", "2026-03-01", per_hour=14, per_accepted=0.1),
    rate("ann", "2026-02-15", "cats", per_accepted=0.3),
    rate("bob", "2026-02-01", "dogs", per_region=0.02, currency="USD"),
)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_load_rates_reads_every_rate_as_decimals(store: Store) -> None:
    load(store, *EXAMPLE)
    rates = load_rates(store)
    # by member, then project (every-project first), then date
    assert [(r.member, r.project, r.effective.isoformat()) for r in rates] == [
        ("ann", None, "2026-01-01"),
        ("ann", None, "2026-03-01"),
        ("ann", "cats", "2026-02-15"),
        ("bob", "dogs", "2026-02-01"),
    ]
    assert rates[0] == Rate("ann", None, day("2026-01-01"), "EUR", per_hour=Decimal("12.5"))
    # 0.1 stored as a double reads back as exactly 0.1; amounts left out are 0
    assert rates[1].per_accepted == Decimal("0.1")
    assert (rates[2].per_hour, rates[2].per_accepted, rates[2].per_region) == (
        Decimal(0),
        Decimal("0.3"),
        Decimal(0),
    )
    assert (rates[3].currency, rates[3].per_region) == ("USD", Decimal("0.02"))


def test_which_rate_applies_day_by_day(store: Store) -> None:
    load(store, *EXAMPLE)
    rates = load_rates(store)

    def amounts(member_id: str, project_id: str | None, on: str) -> tuple[str, str, str] | None:
        found = rate_on(rates, member_id, project_id, day(on))
        if found is None:
            return None
        return (found.effective.isoformat(), found.project or "*", str(found.per_hour))

    # before any rate of ann's: none
    assert amounts("ann", "cats", "2025-12-31") is None
    # ann's general rate from 01-01 holds in cats until cats' own rate starts on 02-15
    assert amounts("ann", "cats", "2026-01-01") == ("2026-01-01", "*", "12.5")
    assert amounts("ann", "cats", "2026-02-14") == ("2026-01-01", "*", "12.5")
    assert amounts("ann", "cats", "2026-02-15") == ("2026-02-15", "cats", "0")
    # from then on cats keeps its own rate, even after the general rate changes on 03-01
    assert amounts("ann", "cats", "2026-03-01") == ("2026-02-15", "cats", "0")
    # dogs (no rate of ann's own) follows the general rate: 12.5 until 02-28, 14 from 03-01
    assert amounts("ann", "dogs", "2026-02-28") == ("2026-01-01", "*", "12.5")
    assert amounts("ann", "dogs", "2026-03-01") == ("2026-03-01", "*", "14")
    # project None asks for the every-project rate only
    assert amounts("ann", None, "2026-02-20") == ("2026-01-01", "*", "12.5")
    # bob has only a dogs rate: nothing in cats, nothing before 02-01
    assert amounts("bob", "cats", "2026-03-01") is None
    assert amounts("bob", "dogs", "2026-01-31") is None
    assert amounts("bob", "dogs", "2026-02-01") == ("2026-02-01", "dogs", "0")
    # someone without rates
    assert amounts("cyd", "dogs", "2026-03-01") is None


def test_a_later_record_for_the_same_key_replaces_the_rate(store: Store) -> None:
    load(store, *EXAMPLE, rate("ann", "2026-01-01", per_hour=13))
    rates = load_rates(store)
    found = rate_on(rates, "ann", "dogs", day("2026-01-10"))
    assert found is not None and found.per_hour == Decimal(13)
    assert len([r for r in rates if r.member == "ann" and r.project is None]) == 2


def test_money_reads_floats_through_their_shortest_text() -> None:
    assert money(None) == Decimal(0)
    assert money(0.1) == Decimal("0.1")
    assert money(3) == Decimal(3)
    assert str(money(14.0)) == "14"
    assert money("2.50") == Decimal("2.50")


DAYS = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 3, 31))
RATES = st.lists(
    st.builds(
        Rate,
        member=st.sampled_from(("ann", "bob")),
        project=st.sampled_from((None, "cats", "dogs")),
        effective=DAYS,
        currency=st.just("EUR"),
        per_hour=st.integers(0, 50).map(Decimal),
    ),
    max_size=8,
    unique_by=lambda r: (r.member, r.project, r.effective),  # the table's key
)


@given(RATES, st.sampled_from(("ann", "bob")), st.sampled_from(("cats", "dogs")), DAYS)
def test_rate_on_picks_the_newest_begun_rate_of_the_most_specific_scope(
    rates: list[Rate], member: str, project: str, on: dt.date
) -> None:
    found = rate_on(rates, member, project, on)
    assert RateBook(rates).on(member, project, on) == found
    begun = [r for r in rates if r.member == member and r.effective <= on]
    own = [r for r in begun if r.project == project]
    every = [r for r in begun if r.project is None]
    if not own and not every:
        assert found is None
        return
    assert found is not None and found.member == member and found.effective <= on
    scope = own or every
    assert found in scope
    assert found.effective == max(r.effective for r in scope)
    # a rate of another project never applies
    assert found.project in (None, project)
