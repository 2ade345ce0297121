"""Closed pay periods: figures kept as they were paid, and adjustments for late events (PAY).

Closing a period P (dates in the organisation's time zone) stores, in `pay_paid`, what P
earned per (member, project, currency) — rows with `for_period` = P — and the adjustments it
paid for every earlier closed period Q (ending before P starts): rows with `for_period` = Q,
each Q's figures recomputed now minus everything paid for Q so far. So for every closed Q,
at any time: Σ paid for Q + Q's pending adjustment = what Q earns now.

An open window shows the pending adjustments of the closed periods ending before it starts.
Closed periods never overlap (`close` refuses).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from labelpulse.errors import UsageError
from labelpulse.metrics.pay import (
    Figures,
    Rates,
    RowKey,
    in_cut,
    load_rates,
    period_figures,
    text,
)
from labelpulse.metrics.scope import Scope, Window, make_window
from labelpulse.store.base import Store


@dataclass(frozen=True)
class Period:
    """A closed period: its first and last dates, the zone its dates are in, who closed it."""

    first: dt.date
    last: dt.date
    tz: str
    closed_us: int
    closed_by: str

    def window(self) -> Window:
        return make_window(self.first, self.last, self.tz)

    def as_dict(self) -> dict[str, Any]:
        closed = dt.datetime.fromtimestamp(self.closed_us / 1_000_000, tz=dt.UTC)
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "tz": self.tz,
            "closed_at": closed.isoformat().replace("+00:00", "Z"),
            "closed_by": self.closed_by,
        }


def periods(store: Store) -> list[Period]:
    """Every closed period, oldest first."""
    rows = store.rows("SELECT first_day, last_day, tz, closed_us, closed_by FROM pay_periods")
    found = [
        Period(
            dt.date.fromisoformat(str(r["first_day"])),
            dt.date.fromisoformat(str(r["last_day"])),
            str(r["tz"]),
            int(r["closed_us"]),
            str(r["closed_by"]),
        )
        for r in rows
    ]
    return sorted(found, key=lambda p: p.first)


def closed_period(store: Store, window: Window) -> Period | None:
    """The closed period that is exactly this window's dates, if any."""
    for period in periods(store):
        if (period.first, period.last) == (window.start, window.end):
            return period
    return None


def _paid_rows(store: Store, where: str, value: str) -> list[dict[str, Any]]:
    return store.rows(
        "SELECT period, for_period, member, project, currency, accepted, active_us, regions, "
        f"amount FROM pay_paid WHERE {where} = $value",
        {"value": value},
    )


def kept(
    store: Store, period: Period, scope: Scope
) -> tuple[dict[RowKey, Figures], dict[RowKey, Decimal]]:
    """A closed period's kept figures and the adjustments its closing paid, in the scope."""
    figures: dict[RowKey, Figures] = {}
    adjustments: dict[RowKey, Decimal] = {}
    own = period.first.isoformat()
    for r in _paid_rows(store, "period", own):
        if not in_cut(scope, r["member"], r["project"]):
            continue
        key = (r["member"], r["project"], r["currency"])
        amount = Decimal(str(r["amount"]))
        if r["for_period"] == own:
            figures[key] = Figures(
                accepted=int(r["accepted"]),
                active_us=int(r["active_us"]),
                regions=int(r["regions"]),
                exact=Fraction(amount),
                no_rate=r["currency"] == "",
            )
        else:
            adjustments[key] = adjustments.get(key, Decimal(0)) + amount
    return figures, adjustments


def paid_for(store: Store, period: Period, scope: Scope) -> dict[RowKey, Decimal]:
    """Everything paid so far for a closed period: its own figures and later adjustments."""
    out: dict[RowKey, Decimal] = {}
    for r in _paid_rows(store, "for_period", period.first.isoformat()):
        if in_cut(scope, r["member"], r["project"]):
            key = (r["member"], r["project"], r["currency"])
            out[key] = out.get(key, Decimal(0)) + Decimal(str(r["amount"]))
    return out


def adjustment_for(
    store: Store, period: Period, scope: Scope, rates: Rates
) -> dict[RowKey, Decimal]:
    """What a closed period earns now minus what was paid for it: nonzero rows only."""
    now = {k: f.amount for k, f in period_figures(store, period.window(), scope, rates).items()}
    paid = paid_for(store, period, scope)
    out: dict[RowKey, Decimal] = {}
    for key in set(now) | set(paid):
        delta = now.get(key, Decimal(0)) - paid.get(key, Decimal(0))
        if delta:
            out[key] = delta
    return out


def pending(store: Store, before: dt.date, scope: Scope) -> dict[RowKey, Decimal]:
    """The adjustments due for every closed period ending before `before`, summed per row."""
    earlier = [p for p in periods(store) if p.last < before]
    if not earlier:
        return {}
    rates = load_rates(store)
    out: dict[RowKey, Decimal] = {}
    for period in earlier:
        for key, delta in adjustment_for(store, period, scope, rates).items():
            out[key] = out.get(key, Decimal(0)) + delta
    return out


def close(store: Store, start: str, end: str, tz: str, by: str) -> Period:
    """Close the period `start`..`end`: keep its figures and the adjustments it pays.

    Refused (UsageError) when it overlaps a closed period."""
    window = make_window(start, end, tz)
    for other in periods(store):
        if other.first <= window.end and window.start <= other.last:
            message = (
                f"the period {window.start}..{window.end} overlaps the closed period "
                f"{other.first}..{other.last}: closed periods may not overlap"
            )
            raise UsageError(message, details=[{"field": "from", "message": message}])
    rates = load_rates(store)
    everything = Scope()
    own = window.start.isoformat()
    rows: list[dict[str, Any]] = []
    for (member, project, currency), f in period_figures(store, window, everything, rates).items():
        rows.append(
            _paid(own, own, member, project, currency, f.accepted, f.active_us, f.regions, f.amount)
        )
    for period in periods(store):
        if period.last >= window.start:
            continue
        for (member, project, currency), delta in adjustment_for(
            store, period, everything, rates
        ).items():
            rows.append(
                _paid(own, period.first.isoformat(), member, project, currency, 0, 0, 0, delta)
            )
    store.remove("pay_paid", period=own)
    if rows:
        store.put_many("pay_paid", rows)
    closed = Period(window.start, window.end, window.tz, int(time.time() * 1_000_000), by)
    store.put(
        "pay_periods",
        {
            "first_day": own,
            "last_day": window.end.isoformat(),
            "tz": window.tz,
            "closed_us": closed.closed_us,
            "closed_by": by,
        },
    )
    return closed


def _paid(
    period: str,
    for_period: str,
    member: str,
    project: str,
    currency: str,
    accepted: int,
    active_us: int,
    regions: int,
    amount: Decimal,
) -> dict[str, Any]:
    return {
        "period": period,
        "for_period": for_period,
        "member": member,
        "project": project,
        "currency": currency,
        "accepted": accepted,
        "active_us": active_us,
        "regions": regions,
        "amount": text(amount),
    }


def periods_report(store: Store) -> dict[str, Any]:
    """The closed periods, for `labelpulse pay periods` and the API."""
    return {"rows": [p.as_dict() for p in periods(store)]}
