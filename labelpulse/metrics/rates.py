"""Pay rates as the pay report reads them: which rate a member earns on a day, in a project.

A rate record (`kind: rate`, labelpulse/events.py) holds from its `effective` date (in the
organisation's time zone) until the member's next rate of the same scope. A member's rate for
one project wins over their every-project rate (`project` None) whenever one of the project's
rates has begun by that day, even if the every-project rate began later
(docs/metrics-beyond.md, "Which rate applies").

Amounts are `Decimal`s (money): the stored doubles are read through their shortest text
(`repr`), so a rate written as 12.5 or 0.1 is exactly Decimal("12.5") or Decimal("0.1").
An amount the record left out is 0.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from labelpulse.store.base import EVERY_PROJECT, Store
from labelpulse.store.directory import Directory

ZERO = Decimal(0)
RATES_SQL = (
    "SELECT member, project, effective, currency, per_hour, per_accepted, per_region "
    "FROM rates ORDER BY member, project, effective"
)


@dataclass(frozen=True)
class Rate:
    """One rate: `project` None is the member's rate in every project without one of its own."""

    member: str
    project: str | None
    effective: dt.date
    currency: str
    per_hour: Decimal = ZERO
    per_accepted: Decimal = ZERO
    per_region: Decimal = ZERO


def money(value: float | int | str | Decimal | None) -> Decimal:
    """An amount as a Decimal: None is 0; a float goes through its shortest text (a whole
    one without a fraction: 14.0 is Decimal(14))."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    return Decimal(value)


def rate_from_row(row: Mapping[str, Any]) -> Rate:
    """A `rates` row (or a rate record's fields) as a Rate."""
    project = row.get("project")
    effective = row["effective"]
    return Rate(
        member=str(row["member"]),
        project=None if project in (None, EVERY_PROJECT) else str(project),
        effective=effective if isinstance(effective, dt.date) else dt.date.fromisoformat(effective),
        currency=str(row["currency"]),
        per_hour=money(row.get("per_hour")),
        per_accepted=money(row.get("per_accepted")),
        per_region=money(row.get("per_region")),
    )


def load_rates(store: Store) -> list[Rate]:
    """Every stored rate, by member, then project (every-project first), then date."""
    rates = [rate_from_row(row) for row in store.rows(RATES_SQL)]
    return sorted(rates, key=lambda rate: (rate.member, rate.project or "", rate.effective))


def _latest(rates: Iterable[Rate], day: dt.date) -> Rate | None:
    begun = [rate for rate in rates if rate.effective <= day]
    return max(begun, key=lambda rate: rate.effective) if begun else None


def rate_on(rates: Iterable[Rate], member: str, project: str | None, day: dt.date) -> Rate | None:
    """The rate `member` earns on `day` in `project`: their rate for that project with the
    latest `effective` on or before `day`, else their every-project rate likewise, else None.
    `project` None asks for the every-project rate only."""
    own = [rate for rate in rates if rate.member == member]
    if project is not None:
        found = _latest((rate for rate in own if rate.project == project), day)
        if found is not None:
            return found
    return _latest((rate for rate in own if rate.project is None), day)


class RateBook:
    """`rate_on` for many questions: the rates indexed by (member, project), each scope's
    dates sorted, so a question costs a dictionary look-up and a binary search."""

    def __init__(self, rates: Iterable[Rate]) -> None:
        scopes: dict[tuple[str, str | None], list[Rate]] = {}
        for rate in rates:
            scopes.setdefault((rate.member, rate.project), []).append(rate)
        self._rates = {key: sorted(held, key=lambda r: r.effective) for key, held in scopes.items()}
        self._days = {key: [r.effective for r in held] for key, held in self._rates.items()}

    def _latest(self, key: tuple[str, str | None], day: dt.date) -> Rate | None:
        days = self._days.get(key)
        if not days:
            return None
        index = bisect.bisect_right(days, day)
        return self._rates[key][index - 1] if index else None

    def starts(self) -> list[dt.date]:
        """Every date on which some rate begins, ascending: between two of them (and before
        the first) no one's rate changes, in any project."""
        return sorted({day for days in self._days.values() for day in days})

    def on(self, member: str, project: str | None, day: dt.date) -> Rate | None:
        """What `rate_on(rates, member, project, day)` answers."""
        found = self._latest((member, project), day) if project is not None else None
        return found if found is not None else self._latest((member, None), day)


# The columns of the rates table (page, API, CSV/XLSX, CLI): ids and names side by side.
RATE_COLUMNS = ("member", "member_name", "project", "project_name", "effective", "currency",
                "per_hour", "per_accepted", "per_region")  # fmt: skip
EVERY_PROJECT_NAME = "every project"


def rate_rows(rates: Iterable[Rate], directory: Directory) -> list[dict[str, Any]]:
    """The rates as table rows with the member's and project's names (an every-project rate:
    project None, named `every project`), by member name, project name, then date."""
    rows = []
    for rate in rates:
        project_name = (
            EVERY_PROJECT_NAME if rate.project is None else directory.project_name(rate.project)
        )
        rows.append(
            {
                "member": rate.member,
                "member_name": directory.member_name(rate.member),
                "project": rate.project,
                "project_name": project_name,
                "effective": rate.effective.isoformat(),
                "currency": rate.currency,
                "per_hour": rate.per_hour,
                "per_accepted": rate.per_accepted,
                "per_region": rate.per_region,
            }
        )
    rows.sort(
        key=lambda r: (
            str(r["member_name"]).casefold(),
            r["project"] is not None,
            str(r["project_name"]).casefold(),
            r["effective"],
        )
    )
    return rows
