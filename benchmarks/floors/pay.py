"""The pay report's and its audit list's floors (PAY, issue 16): hand-written DuckDB SQL.

Both price in SQL, exactly, in integers: a rate's prices as DECIMAL(18, 6) (the library reads
a stored rate as the decimal its text names; the demo's have at most two places), the hours'
part as `active_us × per_hour / 3.6e9`, rounded half-up by integer division. Floor (a) derives
the accepted annotations from `events` alone (`raw._completed`); floor (b) reads `state` and
`work_events` as the library does. The rate in effect is picked per (member, project, date):
the project's own rate when one has begun, else the every-project one, the latest `effective`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from benchmarks.floors import in_list
from benchmarks.floors import raw as raw_sql
from benchmarks.floors.reports import Figures, Question, ReportFloor, _dicts, _keyed
from labelpulse.metrics import Window
from labelpulse.metrics.registry import Paging

ACCEPTED = ("accepted", "fixed_and_accepted")
HOUR_US = 3_600_000_000
SCALE = 1_000_000  # the prices' six places
LINES_PAGE = 50
_EPOCH = dt.date(1970, 1, 1)


def _accepted(window: Window, maintained: bool) -> str:
    """Per accepted annotation completed in W: member, project, task, annotation, day, regions
    (floor b: the state's own `regions`; floor a: summed from the author's events)."""
    day = raw_sql._local_day("s.completed_us", window)
    if maintained:
        return f"""SELECT author AS member, project, task, annotation,
              {raw_sql._local_day("completed_us", window)} AS day, regions FROM state
            WHERE {raw_sql.within("completed_us", window)} AND author IS NOT NULL
            AND last_action IN {in_list(ACCEPTED)}"""
    states = f"""SELECT annotation, author, project, task, completed_us
        FROM ({raw_sql._completed(window)})
        WHERE author IS NOT NULL AND last_action IN {in_list(ACCEPTED)}"""
    labeled = f"""SELECT e.annotation, sum(e.regions_added) AS regions FROM events e
        JOIN ({states}) s USING (annotation)
        WHERE e.type IN {in_list(raw_sql.LABELING)} AND e.actor = s.author
        GROUP BY e.annotation"""
    return f"""SELECT s.author AS member, s.project, s.task, s.annotation, {day} AS day,
          coalesce(l.regions, 0) AS regions
        FROM ({states}) s LEFT JOIN ({labeled}) l USING (annotation)"""


def _active(window: Window, maintained: bool) -> str:
    """Label, review and edit events in W: member, project, task, day, active_us."""
    if maintained:
        day = raw_sql._local_day("time_us", window)
        return f"""SELECT actor AS member, project, task, {day} AS day, active_us
            FROM work_events WHERE {raw_sql.within("time_us", window)}
            AND kind IN ('label', 'review', 'edit')"""
    typed = raw_sql._typed(window, "e.actor, e.project, e.task, e.time_us")
    day = raw_sql._local_day("time_us", window)
    return f"""SELECT actor AS member, project, task, {day} AS day, active_us FROM ({typed})
        WHERE kind IN ('label', 'review', 'edit')"""


def _rated(source: str) -> str:
    """`source` rows (member, project, day, ...) with the prices of the rate in effect (NULL
    currency: none)."""
    price = "max_by({0}, (r.project <> '', r.effective)) FILTER (WHERE r.member IS NOT NULL)"
    prices = ", ".join(
        price.format(f"{c}::DECIMAL(18, 6)") + f" AS {c}"
        for c in ("per_hour", "per_accepted", "per_region")
    )
    return f"""SELECT d.*, {price.format("r.currency")} AS currency, {prices}
        FROM ({source}) d LEFT JOIN rates r ON r.member = d.member
          AND r.project IN (d.project, '')
          AND r.effective::DATE <= DATE '1970-01-01' + d.day::INTEGER
        GROUP BY ALL"""


def _micro(numerator: str) -> str:
    """A DECIMAL(., 6) amount × 3.6e9 as an integer of its 1e-6 × 3.6e9 units."""
    return f"(({numerator}) * {SCALE})::HUGEINT"


def pay(con: Any, window: Window, maintained: bool) -> list[raw_sql.Named]:
    """Per (member, project, currency): the quantities and the cents earned."""
    a, t = _accepted(window, maintained), _active(window, maintained)
    daily = f"""SELECT member, project, day, sum(accepted) AS accepted,
          sum(regions) AS regions, sum(active_us) AS active_us FROM (
          SELECT member, project, day, count(*) AS accepted, sum(regions) AS regions,
            0 AS active_us FROM ({a}) GROUP BY ALL
          UNION ALL
          SELECT member, project, day, 0, 0, sum(active_us) FROM ({t}) GROUP BY ALL)
        GROUP BY ALL"""
    # Each day's exact amount × 3.6e9, in units of 1e-6: the hours' part needs no division.
    scaled = _micro(
        f"(accepted * coalesce(per_accepted, 0) + regions * coalesce(per_region, 0)) * {HOUR_US}"
        " + active_us * coalesce(per_hour, 0)"
    )
    unit = HOUR_US * SCALE // 100  # one cent
    sql = f"""SELECT member, project, coalesce(currency, '') AS currency,
          sum(accepted)::BIGINT AS accepted, sum(active_us)::DOUBLE / {HOUR_US} AS active_hours,
          sum(regions)::BIGINT AS regions,
          (sum({scaled}) + {unit // 2}) // {unit} AS cents,
          bool_or(currency IS NULL) AS no_rate
        FROM ({_rated(daily)}) GROUP BY ALL"""
    return [raw_sql.named(con, sql)]


def lines(con: Any, window: Window, maintained: bool) -> list[raw_sql.Named]:
    """The first page of the audit list in the library's order, and the number of lines."""
    a, t = _accepted(window, maintained), _active(window, maintained)
    every = f"""SELECT day, member, project, task, annotation, 'accepted' AS quantity,
          1 AS amount_us, 0 AS hour_us FROM ({a})
        UNION ALL
        SELECT day, member, project, task, annotation, 'regions', regions, 0 FROM ({a})
          WHERE regions > 0
        UNION ALL
        SELECT day, member, project, task, '', 'active_hours', 0, sum(active_us) FROM ({t})
          GROUP BY ALL"""
    page = f"""SELECT *, count(*) OVER () AS total_rows FROM ({every})
        ORDER BY strftime(DATE '1970-01-01' + day::INTEGER, '%Y-%m-%d'), member, project, task,
          annotation, quantity
        LIMIT {LINES_PAGE}"""
    price = """CASE quantity WHEN 'accepted' THEN per_accepted WHEN 'regions' THEN per_region
        ELSE per_hour END"""
    scaled = _micro(
        f"amount_us * {HOUR_US} * coalesce({price}, 0) + hour_us * coalesce({price}, 0)"
    )
    unit = HOUR_US  # one millionth of a unit, × 3.6e9 × 1e6 / 1e6
    sql = f"""SELECT day, member, project, task, annotation, quantity,
          CASE quantity WHEN 'active_hours' THEN hour_us::DOUBLE / {HOUR_US} ELSE amount_us END
            AS count,
          {price}::DOUBLE AS rate, coalesce(currency, '') AS currency,
          ({scaled} + {unit // 2}) // {unit} AS micros, currency IS NULL AS no_rate, total_rows
        FROM ({_rated(page)})
        ORDER BY strftime(DATE '1970-01-01' + day::INTEGER, '%Y-%m-%d'), member, project, task,
          annotation, quantity"""
    return [raw_sql.named(con, sql)]


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class PayFloor(ReportFloor):
    report = "pay"
    keys = ("member", "project", "currency")

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return pay(q.con, q.window, maintained=False)

    def maintained(self, q: Question) -> Any:
        return pay(q.con, q.window, maintained=True)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = []
        totals: dict[str, dict[str, Any]] = {}
        for r in _dicts(results[0]):
            earned = _money(int(r.pop("cents")))
            no_rate = r.pop("no_rate")
            row = {**r, "earned": earned, "adjustment": "0.00", "amount": earned,
                   "note": "no rate" if no_rate else ""}  # fmt: skip
            rows.append(row)
            t = totals.setdefault(row["currency"], {"accepted": 0, "regions": 0, "cents": 0,
                                                    "active_hours": 0.0})  # fmt: skip
            t["accepted"] += row["accepted"]
            t["regions"] += row["regions"]
            t["active_hours"] += row["active_hours"]
            t["cents"] += int(Decimal(earned) * 100)
        figures = _keyed(sorted(rows, key=self._order), self.keys, None)
        for currency, t in totals.items():
            cents = t.pop("cents")
            for name, value in t.items():
                figures[f"totals {currency} {name}"] = value
            for name in ("earned", "amount"):
                figures[f"totals {currency} {name}"] = _money(cents)
            figures[f"totals {currency} adjustment"] = "0.00"
        return figures

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        figures = _keyed(sorted(report["rows"], key=self._order), self.keys, None)
        for t in report["currency_totals"]:
            for name, value in t.items():
                if name != "currency":
                    figures[f"totals {t['currency']} {name}"] = value
        return figures


class PayLinesFloor(ReportFloor):
    """The audit list's first page, in the library's order."""

    report = "pay_lines"
    keys = ("date", "member", "project", "task", "annotation", "quantity")

    def library_args(self, q: Question) -> dict[str, Any]:
        return {"paging": Paging(limit=LINES_PAGE)}

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return lines(q.con, q.window, maintained=False)

    def maintained(self, q: Question) -> Any:
        return lines(q.con, q.window, maintained=True)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = _dicts(results[0])
        total = rows[0]["total_rows"] if rows else 0
        shown = []
        for r in rows:
            micros = int(r.pop("micros"))
            rate = r.pop("rate")
            no_rate = r.pop("no_rate")
            r.pop("total_rows")
            day = int(r.pop("day"))
            shown.append(
                {
                    **r,
                    "date": (_EPOCH + dt.timedelta(days=day)).isoformat(),
                    "count": float(r["count"]),
                    "rate": "" if no_rate else _rate_text(rate),
                    "amount": f"{micros // SCALE}.{micros % SCALE:06d}",
                    "note": "no rate" if no_rate else "",
                }
            )
        return {**_keyed(shown, self.keys, None), "total_rows": total}

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        figures = _keyed(report["rows"], self.keys, None)
        return {**figures, "total_rows": report["page"]["total_rows"]}


def _rate_text(value: float | None) -> str:
    exact = Decimal(repr(float(value or 0))).normalize()
    return f"{exact:f}"


FLOORS: tuple[ReportFloor, ...] = (PayFloor(), PayLinesFloor())
