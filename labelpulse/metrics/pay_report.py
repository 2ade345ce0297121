"""The pay report (PAY): a period's figures, kept ones for a closed period, with adjustments.

Apart from `labelpulse.metrics.pay` (what a window earns) and `pay_periods` (what was kept and
paid), which this module puts together.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from labelpulse.metrics import pay_periods
from labelpulse.metrics.pay import Figures, currency_totals, pay_row, period_figures
from labelpulse.metrics.registry import ReportInput


def pay_table(q: ReportInput) -> dict[str, Any]:
    """Per member, project and currency: quantities, earned, adjustment and amount.

    A window that is exactly a closed period shows the figures kept when it was closed; any
    other window is computed now, with the pending adjustments of the closed periods that end
    before it starts (`labelpulse.metrics.pay_periods`)."""
    store, window, scope, directory = q.store, q.window, q.scope, q.directory
    closed = pay_periods.closed_period(store, window)
    if closed is not None:
        figures, adjustments = pay_periods.kept(store, closed, scope)
        status: dict[str, Any] = {"status": "closed", **closed.as_dict()}
    else:
        figures = period_figures(store, window, scope)
        adjustments = pay_periods.pending(store, window.start, scope)
        overlapping = [
            p.as_dict() for p in pay_periods.periods(store)
            if p.first <= window.end and window.start <= p.last
        ]  # fmt: skip
        status = {"status": "open", "overlaps": overlapping}
    keys = set(figures) | set(adjustments)
    rows = [
        pay_row(k, figures.get(k, Figures()), adjustments.get(k, Decimal(0)), directory)
        for k in keys
    ]
    rows.sort(
        key=lambda r: (str(r["member_name"]).lower(), r["member"], r["project"], r["currency"])
    )
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "period": status,
        "rows": rows,
        "currency_totals": currency_totals(rows),
    }
