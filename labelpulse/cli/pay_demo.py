"""The demo's pay (PAY, issue 16): rates, a closed period, and a late event after it.

Called by `labelpulse demo` once the demo organisation is loaded: every annotator and reviewer
but one gets a rate (one in USD, one with a rate of its own for a project, `ann-15` none, so
the page shows "no rate"), the first two weeks of the demo are closed, and then an annotation
of `ann-01` completed and accepted inside those two weeks arrives late: the next period's pay
report shows it as an adjustment.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI starts without the library (`labelpulse --help` stays fast)
    from labelpulse.metrics.pay_periods import Period
    from labelpulse.store.base import Store
    from labelpulse.store.directory import Directory

UNPAID = "ann-15"
LATE_ANNOTATION = "pay-late-a1"


def demo_rates(directory: Directory, effective: dt.date) -> list[dict[str, Any]]:
    """A rate for each annotator and reviewer (but `UNPAID`), from `effective` on."""
    records: list[dict[str, Any]] = []
    day = effective.isoformat()
    for member, row in sorted(directory.members.items()):
        if member == UNPAID:
            continue
        base: dict[str, Any] = {"kind": "rate", "member": member, "effective": day}
        if row["role"] == "annotator":
            currency = "USD" if member == "ann-02" else "EUR"
            records.append(
                base
                | {
                    "currency": currency,
                    "per_hour": 6.0,
                    "per_accepted": 0.4,
                    "per_region": 0.05,
                }
            )
        elif row["role"] == "reviewer":
            records.append(base | {"currency": "EUR", "per_hour": 18.0})
    projects = sorted(directory.member_projects("ann-01"))
    if projects:  # a project of ann-01's paid more per accepted annotation
        records.append(
            {"kind": "rate", "member": "ann-01", "project": projects[0], "effective": day,
             "currency": "EUR", "per_hour": 6.0, "per_accepted": 0.6, "per_region": 0.05}
        )  # fmt: skip
    return records


def add_demo_pay(store: Store, days: int, tz: str, today: dt.date | None = None) -> Period | None:
    """Rates, the demo's first two weeks closed, then a late accepted annotation in them."""
    from labelpulse.ingest import ingest_records
    from labelpulse.metrics.pay_periods import close
    from labelpulse.store.directory import Directory

    directory = Directory.load(store)
    today = today or dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    ingest_records(store, demo_rates(directory, first - dt.timedelta(days=365)))
    if days < 21:
        return None
    last = first + dt.timedelta(days=13)
    period = close(store, first.isoformat(), last.isoformat(), tz, "owner")
    projects = sorted(directory.member_projects("ann-01"))
    project = projects[0] if projects else "p1"
    when = dt.datetime.combine(first + dt.timedelta(days=3), dt.time(12), tzinfo=dt.UTC)

    def at(minutes: int) -> str:
        return (when + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    common = {"project": project, "task": "pay-late-t1", "annotation": LATE_ANNOTATION}
    ingest_records(
        store,
        [
            {"id": "pay-late-e1", "type": "annotation.submitted", "time": at(0), "actor": "ann-01",
             "duration": 1200, "idle": 60, "regions_added": 6, **common},
            {"id": "pay-late-e2", "type": "review.accepted", "time": at(30), "actor": "rev-01",
             "duration": 90, **common},
        ],
    )  # fmt: skip
    return period
