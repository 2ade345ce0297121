"""Pay: what each member earned per project in a period, priced by their rates (PAY, issue 16).

The definitions are docs/metrics-beyond.md's (Pay). In short, per member and project, on each
local date of the period (the organisation's time zone):

- accepted annotations: the member's annotations whose completed-at falls on that date and
  whose last action is `review.accepted` or `.fixed_and_accepted` (metrics.md's
  `annotations.accepted + annotations.fixed_and_accepted`), from the `state` table;
- regions: the `regions_added` of the author's own `annotation.submitted` and `.updated`
  events on those accepted annotations (the state's `regions`), earned on the same date;
- active time: the member's active time (`duration - idle`) of their label, review and edit
  events on that date (the Work report's three times), from `work_events`.

SQL groups these per (member, project, stretch of days in which no rate begins) — or per
annotation and per (member, project, item, date) for the audit list — and Python prices each
group with the rate in effect on its days, exactly (`Fraction`), rounding half-up to cents once
per report row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.metrics.query import Params, run
from labelpulse.metrics.rates import Rate, RateBook
from labelpulse.metrics.rates import load_rates as stored_rates
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import (
    Scope,
    Window,
    day_number,
    in_scope,
    in_window,
    local_day,
    make_window,
)
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory
from labelpulse.store.work import PAID_KINDS

HOUR_US = 3_600_000_000
CENT = Decimal("0.01")
ACCEPTED = ("accepted", "fixed_and_accepted")
LABELING = ("annotation.submitted", "annotation.updated")
NO_RATE = "no rate"
_EPOCH = dt.date(1970, 1, 1)


def round_cents(value: Fraction | Decimal | int) -> Decimal:
    """An amount rounded half-up to cents."""
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        # 28 significant digits: far more than any amount's cents need.
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def text(amount: Decimal) -> str:
    """An amount as JSON and CSV carry it: a decimal string with two places ("12.50")."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def _decimal(value: Fraction) -> str:
    return f"{(Decimal(value.numerator) / Decimal(value.denominator)).normalize():f}"


# Which rate applies is `labelpulse.metrics.rates`' rule (a project rate once it has begun,
# else the member's every-project rate): pay asks its `RateBook`, never a rule of its own.
Rates = RateBook


def load_rates(store: Store) -> Rates:
    """Every stored rate, indexed for many questions (`RateBook.on`)."""
    return RateBook(stored_rates(store))


# ---- what SQL groups -------------------------------------------------------------------------


def _accepted(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    """The accepted annotations completed in the window and scope, with their regions (the
    state's: what the author added in their own submits and updates) and the local date they
    were completed on."""
    s = con.table("state")
    s = s.filter(in_window(s.completed_us, p), s.last_action.isin(ACCEPTED), s.author.notnull())
    s = in_scope(s, scope, p, member_column="author")
    return s.select(
        member=s.author,
        project=s.project,
        task=s.task,
        annotation=s.annotation,
        day=local_day(s.completed_us, window, p),
        regions=s.regions,
    )


def _active(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    """The member's label, review and edit events in the window and scope, with local dates
    and the time of the member's previous such row of the item (`work_events.pay_prev_us`)."""
    e = con.table("work_events")
    e = e.filter(in_window(e.time_us, p), e.kind.isin(PAID_KINDS))
    e = in_scope(e, scope, p, member_column="actor")
    return e.select(
        member=e.actor,
        project=e.project,
        task=e.task,
        day=local_day(e.time_us, window, p),
        active_us=e.active_us,
        prev_us=e.pay_prev_us,
    )


# At most this many rate start dates split the days into stretches in SQL; past it, each day
# is a stretch of its own (priced alike, with more rows for Python to price).
MAX_STARTS = 64


def _stretch(day: Any, p: Params, starts: int) -> Any:
    """The number of the stretch of days `day` lies in, between the rate start dates given as
    parameters `start_0` < `start_1` < ... (day numbers): -1 before the first; the day itself
    when there are too many dates to list."""
    if starts > MAX_STARTS:
        return day
    found: Any = ibis.literal(-1).cast("int64")
    for i in range(starts):
        found = ibis.ifelse(day >= p.integer(f"start_{i}"), i, found)
    return found


def _tally(rows: ir.BooleanColumn) -> ir.IntegerScalar:
    """The rows of a group for which `rows` is true, as a sum of 64-bit ones: ClickHouse's
    count() is unsigned, and a union of it with a signed column is a Variant its SUM refuses
    (Ibis drops a cast between integer types it thinks the same)."""
    return ibis.ifelse(rows, 1, 0).cast("int64").sum()


def _with_starts(values: dict[str, Any], rates: Rates) -> int:
    """The rates' start dates as `_stretch`'s parameters, put into `values`; their number."""
    starts = [day_number(day) for day in rates.starts()]
    if len(starts) <= MAX_STARTS:
        values.update({f"start_{i}": day for i, day in enumerate(starts)})
    return len(starts)


def _daily(con: Any, p: Params, window: Window, scope: Scope, starts: int) -> ir.Table:
    """Per (member, project, stretch of days with one rate): the accepted annotations, their
    regions and the active time, and the stretch's first day with work (`day`), which names
    the rate. One statement, so one round trip and one plan; grouped per day first (the
    stretch is found once a day, not once an event)."""
    a = _accepted(con, p, window, scope)
    a = a.group_by("member", "project", "day").aggregate(
        accepted=_tally(a.annotation.notnull()), regions=a.regions.sum()
    )
    e = _active(con, p, window, scope)
    e = e.group_by("member", "project", "day").aggregate(active_us=e.active_us.sum())
    zero = ibis.literal(0).cast("int64")

    def part(t: ir.Table, accepted: Any, regions: Any, active_us: Any) -> ir.Table:
        return t.select(
            member=t.member.cast("string"),
            project=t.project.cast("string"),
            day=t.day.cast("int64"),
            accepted=accepted.cast("int64"),
            regions=regions.cast("int64"),
            active_us=active_us.cast("int64"),
        )

    u = ibis.union(part(a, a.accepted, a.regions, zero), part(e, zero, zero, e.active_us))
    u = u.mutate(stretch=_stretch(u.day, p, starts))
    return u.group_by("member", "project", "stretch").aggregate(
        day=u.day.min(),
        accepted=u.accepted.sum().cast("int64"),
        regions=u.regions.sum().cast("int64"),
        active_us=u.active_us.sum().cast("int64"),
    )


def _item_active(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    e = _active(con, p, window, scope)
    return e.group_by("member", "project", "task", "day").aggregate(active_us=e.active_us.sum())


def _values(window: Window, scope: Scope) -> dict[str, Any]:
    return {**window.values(), **scope.values()}


def _shape(window: Window, scope: Scope) -> tuple[Any, ...]:
    return (window.shape, scope.shape)


def _date(day: Any) -> dt.date:
    return _day(int(day))


@lru_cache(maxsize=8192)
def _day(days: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=days)


@dataclass
class Quantities:
    accepted: int = 0
    active_us: int = 0
    regions: int = 0


Key = tuple[str, str, dt.date]  # member, project, date


def daily_quantities(
    store: Store, window: Window, scope: Scope, rates: Rates | None = None
) -> dict[Key, Quantities]:
    """What the window and scope earned, per (member, project, day): summed over each stretch
    of days in which no rate begins (`rates`' start dates), and keyed by the stretch's first
    day with work. Priced by that day's rate, each sum earns what its days would one by one."""
    values: dict[str, Any] = _values(window, scope)
    count = _with_starts(values, rates or load_rates(store))
    shape = (_shape(window, scope), min(count, MAX_STARTS + 1))
    out: dict[Key, Quantities] = {}
    daily = run(
        store, ("pay", "daily", shape), lambda c, p: _daily(c, p, window, scope, count), values
    )
    for row in daily:
        key = (row["member"], row["project"], _date(row["day"]))
        out[key] = Quantities(
            accepted=int(row["accepted"] or 0),
            regions=int(row["regions"] or 0),
            active_us=int(row["active_us"] or 0),
        )
    return out


# ---- pricing ---------------------------------------------------------------------------------

RowKey = tuple[str, str, str]  # member, project, currency ("" when no rate applies)


@dataclass
class Figures:
    """One report row's figures: quantities and the exact amount they earned."""

    accepted: int = 0
    active_us: int = 0
    regions: int = 0
    exact: Fraction = field(default_factory=Fraction)
    no_rate: bool = False

    @property
    def amount(self) -> Decimal:
        return round_cents(self.exact)


def earned(quantities: Mapping[Key, Quantities], rates: Rates) -> dict[RowKey, Figures]:
    """The quantities priced day by day, summed per (member, project, currency).

    The days' quantities are first summed per rate (integers), then each sum priced once:
    the same exact amount as pricing each day, with a few multiplications instead of one per
    day."""
    out: dict[RowKey, Figures] = {}
    # Keyed by the rate's identity: hashing a Rate hashes its Decimals, slow per day.
    per_rate: dict[tuple[RowKey, int], tuple[Rate, Quantities]] = {}
    for (member, project, day), q in quantities.items():
        rate = rates.on(member, project, day)
        currency = rate.currency if rate else ""
        key = (member, project, currency)
        f = out.get(key)
        if f is None:
            f = out[key] = Figures()
        f.accepted += q.accepted
        f.active_us += q.active_us
        f.regions += q.regions
        if rate is None:
            f.no_rate = True
            continue
        found = per_rate.get((key, id(rate)))
        if found is None:
            found = per_rate[(key, id(rate))] = (rate, Quantities())
        summed = found[1]
        summed.accepted += q.accepted
        summed.active_us += q.active_us
        summed.regions += q.regions
    for (key, _), (rate, q) in per_rate.items():
        out[key].exact += (
            q.accepted * Fraction(rate.per_accepted)
            + q.regions * Fraction(rate.per_region)
            + Fraction(q.active_us, HOUR_US) * Fraction(rate.per_hour)
        )
    return out


def period_figures(
    store: Store, window: Window, scope: Scope, rates: Rates | None = None
) -> dict[RowKey, Figures]:
    """What the window earned now, per (member, project, currency)."""
    rates = rates or load_rates(store)
    return earned(daily_quantities(store, window, scope, rates), rates)


def in_cut(scope: Scope, member: str, project: str) -> bool:
    """Whether a kept row (member, project) lies in the scope."""
    if scope.projects is not None and project not in scope.projects:
        return False
    return scope.members is None or member in scope.members


# ---- the report ------------------------------------------------------------------------------


def pay_row(key: RowKey, f: Figures, adjustment: Decimal, directory: Directory) -> dict[str, Any]:
    member, project, currency = key
    amount = f.amount
    return {
        **directory.member_columns(member),
        **directory.project_columns(project),
        "currency": currency,
        "accepted": f.accepted,
        "active_hours": f.active_us / HOUR_US,
        "regions": f.regions,
        "earned": text(amount),
        "adjustment": text(adjustment),
        "amount": text(amount + adjustment),
        "note": NO_RATE if f.no_rate else "",
    }


def currency_totals(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per currency ("" for work with no rate): the sums of the rows' figures. Two currencies
    are never added together."""
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        t = sums.setdefault(
            row["currency"],
            {
                "currency": row["currency"],
                "accepted": 0,
                "active_hours": 0.0,
                "regions": 0,
                "earned": Decimal(0),
                "adjustment": Decimal(0),
                "amount": Decimal(0),
            },
        )
        t["accepted"] += row["accepted"]
        t["active_hours"] += row["active_hours"]
        t["regions"] += row["regions"]
        for name in ("earned", "adjustment", "amount"):
            t[name] += Decimal(row[name])
    return [
        {**t, **{n: text(t[n]) for n in ("earned", "adjustment", "amount")}}
        for _, t in sorted(sums.items())
    ]


# ---- the audit list --------------------------------------------------------------------------

# One line before it is priced: date, member, project, task, annotation, quantity, count.
Line = tuple[dt.date, str, str, str, str, str, Fraction]
PRICE_OF = {"accepted": "per_accepted", "regions": "per_region", "active_hours": "per_hour"}
AUDIT_ORDER = ("date", "member", "project", "task", "annotation", "quantity")
# Sort keys known before a line is priced or named: the rest need every line priced.
_CHEAP_SORTS = (*AUDIT_ORDER, "count")


def audit_lines(store: Store, window: Window, scope: Scope) -> list[Line]:
    """Every annotation and every item-day of active time that earned the window's amounts,
    not yet priced (`priced_line` prices one)."""
    values, shape = _values(window, scope), _shape(window, scope)
    lines: list[Line] = []
    accepted = run(
        store, ("pay", "audit_accepted", shape), lambda c, p: _accepted(c, p, window, scope), values
    )
    for row in accepted:
        day = _date(row["day"])
        who, project, task, annotation = (
            row["member"],
            row["project"],
            row["task"],
            row["annotation"],
        )
        lines.append((day, who, project, task, annotation, "accepted", Fraction(1)))
        if int(row["regions"] or 0):
            regions = Fraction(int(row["regions"]))
            lines.append((day, who, project, task, annotation, "regions", regions))
    active = run(
        store,
        ("pay", "audit_active", shape),
        lambda c, p: _item_active(c, p, window, scope),
        values,
    )
    for row in active:
        hours = Fraction(int(row["active_us"] or 0), HOUR_US)
        lines.append((_date(row["day"]), row["member"], row["project"], row["task"], "",
                      "active_hours", hours))  # fmt: skip
    return lines


def priced_line(line: Line, rates: Rates, directory: Directory) -> dict[str, Any]:
    """One audit line as the report shows it: named, with its rate and exact amount."""
    day, member, project, task, annotation, quantity, count = line
    rate = rates.on(member, project, day)
    each = Fraction(getattr(rate, PRICE_OF[quantity])) if rate else Fraction(0)
    return {
        "date": day.isoformat(),
        **directory.member_columns(member),
        **directory.project_columns(project),
        "task": task,
        "annotation": annotation,
        "quantity": quantity,
        "count": float(count),
        "rate": _decimal(each) if rate else "",
        "currency": rate.currency if rate else "",
        "amount": _exact(count * each),
        "note": "" if rate else NO_RATE,
    }


def _exact(value: Fraction) -> str:
    """A line's amount to six places: a line is not rounded to cents, its report row is."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{exact.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP):f}"


def _line_union(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    """Every audit line as (day, member, project, task, annotation, quantity, n): n is 1, the
    regions, or the active microseconds."""

    def part(t: ir.Table, annotation: Any, quantity: str, n: Any) -> ir.Table:
        return t.select(
            day=t.day.cast("int64"),
            member=t.member.cast("string"),
            project=t.project.cast("string"),
            task=t.task.cast("string"),
            annotation=annotation.cast("string"),
            quantity=ibis.literal(quantity).cast("string"),
            n=n.cast("int64"),
        )

    a = _accepted(con, p, window, scope)
    withr = a.filter(a.regions > 0)
    t = _item_active(con, p, window, scope)
    return ibis.union(
        part(a, a.annotation, "accepted", ibis.literal(1)),
        part(withr, withr.annotation, "regions", withr.regions),
        part(t, ibis.literal(""), "active_hours", t.active_us),
    )


def _day_lines(con: Any, p: Params, window: Window, scope: Scope, starts: int) -> ir.Table:
    """Per day of the window, the number of audit lines (`lines`; other columns null); and
    per (member, project, quantity, stretch of days with one rate, as `_daily`'s), the
    quantity summed (`n`) and the stretch's first day with work (`day`). The lines are
    counted without being grouped: an item-day of active time at its first row (its
    `work_events.pay_prev_us`, the same member's previous row of the item, lies on an earlier
    local date or before the window)."""
    a = _accepted(con, p, window, scope)
    every = _tally(a.annotation.notnull())
    accepted = a.group_by("day", "member", "project").aggregate(n=every, lines=every)
    withr = a.filter(a.regions > 0)
    regions = withr.group_by("day", "member", "project").aggregate(
        n=withr.regions.sum(), lines=_tally(withr.annotation.notnull())
    )
    e = _active(con, p, window, scope)
    lo = p.integer("lo")
    # A previous row before the window is on an earlier date than any in it: the last
    # microsecond before the window stands for it (no date is computed far outside it).
    previous = ibis.ifelse(e.prev_us < lo, lo - 1, e.prev_us)
    e = e.mutate(starts=local_day(previous, window, p) < e.day)
    active = e.group_by("day", "member", "project").aggregate(
        n=e.active_us.sum(), lines=_tally(e.starts)
    )

    def part(t: ir.Table, quantity: str) -> ir.Table:
        return t.select(
            day=t.day.cast("int64"),
            member=t.member.cast("string"),
            project=t.project.cast("string"),
            quantity=ibis.literal(quantity).cast("string"),
            n=t.n.cast("int64"),
            lines=t.lines.cast("int64"),
        )

    u = ibis.union(
        part(accepted, "accepted"), part(regions, "regions"), part(active, "active_hours")
    )
    # Two small answers from those rows: the lines per day (where the page lies), and each
    # quantity per stretch of days with one rate (the totals, priced as the pay report's).
    days = u.group_by("day").aggregate(lines=u.lines.sum())
    u = u.mutate(stretch=_stretch(u.day, p, starts))
    sums = u.group_by("member", "project", "quantity", "stretch").aggregate(
        day=u.day.min(), n=u.n.sum()
    )
    none = ibis.literal(None).cast("string")
    return ibis.union(
        days.select(
            day=days.day, member=none, project=none, quantity=none,
            n=ibis.literal(None).cast("int64"), lines=days.lines.cast("int64"),
        ),
        sums.select(
            day=sums.day, member=sums.member, project=sums.project, quantity=sums.quantity,
            n=sums.n.cast("int64"), lines=ibis.literal(None).cast("int64"),
        ),
    )  # fmt: skip


def _page_days(per_day: Mapping[int, int], offset: int, limit: int | None, descending: bool
               ) -> tuple[int, int, int] | None:  # fmt: skip
    """The first and last day (day numbers, in the list's order) whose lines hold the page,
    and how many lines of the list come before the first; None when the page is empty."""
    before, first = 0, None
    for day in sorted(per_day, reverse=descending):
        count = per_day[day]
        if first is None:
            if before + count <= offset:
                before += count
                continue
            first, seen = day, before
        before += count
        if limit is not None and before >= offset + limit:
            return first, day, seen
    return None if first is None else (first, day, seen)


def _sql_page(q: ReportInput, rates: Rates) -> tuple[list[Line], int, dict[Key, Quantities]]:
    """The default order's page of lines, sorted and cut in SQL, the number of lines, and the
    quantities of every line as `daily_quantities` gives them (per stretch of days with one
    rate). One statement counts the window's lines per day and sums its quantities; a second
    builds the lines of only the days the page lies in."""
    store, window, scope, paging = q.store, q.window, q.scope, q.paging
    values: dict[str, Any] = _values(window, scope)
    count = _with_starts(values, rates)
    got = run(
        store,
        ("pay", "day_lines", _shape(window, scope), min(count, MAX_STARTS + 1)),
        lambda c, p: _day_lines(c, p, window, scope, count),
        values,
    )
    daily: dict[Key, Quantities] = {}
    per_day: dict[int, int] = {}
    for row in got:
        if row["lines"] is not None:
            per_day[int(row["day"])] = int(row["lines"])
            continue
        key = (row["member"], row["project"], _date(row["day"]))
        day_q = daily.get(key)
        if day_q is None:
            day_q = daily[key] = Quantities()
        n = int(row["n"] or 0)
        if row["quantity"] == "accepted":
            day_q.accepted += n
        elif row["quantity"] == "regions":
            day_q.regions += n
        else:
            day_q.active_us += n
    total = sum(per_day.values())
    found = _page_days(per_day, paging.offset, paging.limit, paging.descending)
    lines: list[Line] = []
    if found is None:
        return lines, total, daily
    first, last, before = found
    days = make_window(_date(min(first, last)), _date(max(first, last)), window.tz)
    values = _values(days, scope)
    limited, skipped = paging.limit is not None, paging.offset > before
    if limited:
        values["limit"] = paging.limit
    if skipped:
        values["offset"] = paging.offset - before
    order = ("day", "member", "project", "task", "annotation", "quantity")

    def page(c: Any, p: Params) -> ir.Table:
        u = _line_union(c, p, days, scope)
        shown = u.order_by([ibis.desc(u[k]) if paging.descending else u[k] for k in order])
        if limited or skipped:
            shown = shown.limit(
                p.literal("limit") if limited else None,
                offset=p.literal("offset") if skipped else 0,
            )
        return shown

    query = ("pay", "lines", days.shape, scope.shape, limited, skipped, paging.descending)
    for row in run(store, query, page, values):
        n = int(row["n"] or 0)
        amount = Fraction(n, HOUR_US) if row["quantity"] == "active_hours" else Fraction(n)
        lines.append((_date(row["day"]), row["member"], row["project"], row["task"],
                      row["annotation"], row["quantity"], amount))  # fmt: skip
    return lines, total, daily


def pay_lines_table(q: ReportInput) -> dict[str, Any]:
    """The audit list: every line that earned the pay report's amounts, sorted and paged.

    Lines are sorted and cut to the page before they are priced and named (unless the sort or
    the search needs names or prices); the totals per currency are the exact sums of every
    line, from the same daily groups as the pay report (to six places)."""
    store, window, scope, directory, paging = q.store, q.window, q.scope, q.directory, q.paging
    rates = load_rates(store)
    sort = paging.sort or "date"
    in_sql = paging.sort is None and paging.search is None and not paging.stream
    daily: dict[Key, Quantities] | None = None
    if in_sql:
        lines, total_rows, daily = _sql_page(q, rates)
    else:
        lines, total_rows = audit_lines(store, window, scope), 0
    lines.sort(
        key=lambda line: (line[0].isoformat(), *line[1:6]), reverse=in_sql and paging.descending
    )
    named = paging.search is not None or sort not in _CHEAP_SORTS
    rows: list[dict[str, Any]] | None = None
    if in_sql:
        rows = [priced_line(line, rates, directory) for line in lines]
    elif named:
        rows = [priced_line(line, rates, directory) for line in lines]
        if paging.search:
            needle = paging.search.lower()
            words = ("member_name", "project_name", "task", "annotation", "member", "project")
            rows = [r for r in rows if any(needle in str(r[w]).lower() for w in words)]
        if paging.sort:
            rows.sort(key=lambda r: _sortable(r[sort]), reverse=paging.descending)
        elif paging.descending:
            rows.reverse()
        total_rows = len(rows)
    else:
        if paging.sort:
            at = {k: i for i, k in enumerate(_CHEAP_SORTS)}[sort]
            lines.sort(key=lambda line: _sortable(line[at]), reverse=paging.descending)
        elif paging.descending:
            lines.reverse()
        total_rows = len(lines)
    end = None if paging.limit is None else paging.offset + paging.limit
    if in_sql:
        page = rows or []
    elif rows is None:
        page = [priced_line(line, rates, directory) for line in lines[paging.offset : end]]
    else:
        page = rows[paging.offset : end]
    if paging.search:
        totals = _line_totals(rows or [])
    else:
        exact: dict[str, Fraction] = {}
        if daily is None:
            daily = daily_quantities(store, window, scope, rates)
        for (_, _, currency), f in earned(daily, rates).items():
            exact[currency] = exact.get(currency, Fraction(0)) + f.exact
        totals = [{"currency": c, "amount": _exact(v)} for c, v in sorted(exact.items())]
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": iter(page) if paging.stream else page,
        "currency_totals": totals,
        "page": {
            "total_rows": total_rows,
            "limit": paging.limit,
            "offset": paging.offset,
            "sort": f"{sort}:{'desc' if paging.descending else 'asc'}",
            "search": paging.search,
        },
    }


def _sortable(value: Any) -> tuple[int, Any]:
    if isinstance(value, dt.date):
        return (1, value.isoformat())
    if isinstance(value, Fraction | int | float):
        return (0, value)
    try:
        return (0, Fraction(Decimal(str(value))))
    except ArithmeticError:
        return (1, str(value))


def _line_totals(lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    sums: dict[str, Decimal] = {}
    for line in lines:
        sums[line["currency"]] = sums.get(line["currency"], Decimal(0)) + Decimal(line["amount"])
    return [{"currency": c, "amount": _exact(Fraction(v))} for c, v in sorted(sums.items())]
