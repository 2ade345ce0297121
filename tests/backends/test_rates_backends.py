"""Rates read, written and removed alike on every backend (load_rates, set_rate, remove_rate)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from labelpulse.access.rates import remove_rate, set_rate
from labelpulse.errors import NotFoundError
from labelpulse.events import Rate as RateRecord
from labelpulse.ingest import ingest_records
from labelpulse.metrics.rates import Rate, load_rates, rate_on
from labelpulse.store.base import Store


def test_rates_round_trip(backend_store: Store) -> None:
    ingest_records(
        backend_store,
        [{"kind": "rate", "member": "ann", "effective": "2026-01-01", "currency": "EUR",
          "per_hour": 12.5},
         {"kind": "rate", "member": "ann", "project": "cats", "effective": "2026-02-15",
          "currency": "EUR", "per_accepted": 0.1}],
    )  # fmt: skip
    set_rate(backend_store, RateRecord(member="bob", effective="2026-03-01", currency="USD",
                                       per_region=0.02))  # fmt: skip
    rates = load_rates(backend_store)
    assert rates == [
        Rate("ann", None, dt.date(2026, 1, 1), "EUR", per_hour=Decimal("12.5")),
        Rate("ann", "cats", dt.date(2026, 2, 15), "EUR", per_accepted=Decimal("0.1")),
        Rate("bob", None, dt.date(2026, 3, 1), "USD", per_region=Decimal("0.02")),
    ]
    found = rate_on(rates, "ann", "cats", dt.date(2026, 2, 20))
    assert found is not None and found.project == "cats"
    remove_rate(backend_store, "ann", "cats", "2026-02-15")
    with pytest.raises(NotFoundError):
        remove_rate(backend_store, "ann", "cats", "2026-02-15")
    assert [(r.member, r.project) for r in load_rates(backend_store)] == [
        ("ann", None), ("bob", None)
    ]  # fmt: skip
