"""The forecasts' floors (FC, issue 16): `forecast` and `forecast_members` by hand-written DuckDB
SQL, over `events` alone (floor a: each annotation's state derived from its events, then each
task's first done annotation) and over the `task_firsts` table the library maintains (floor b:
each done task's first qualifying annotation, kept with every batch).

A forecast reads all history up to the window's last day (the tasks done so far), and the
`forecast_days` days (default 14) ending there (the daily throughput); `projects` gives the task
counts and deadlines. The finish dates and status are worked out in the SQL too, as
docs/metrics-beyond.md defines them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from benchmarks.floors import SUBMITTED, in_list, offset_case
from benchmarks.floors import raw as raw_sql
from benchmarks.floors.reports import Figures, Question, ReportFloor, _dicts, _keyed
from labelpulse.config import Settings
from labelpulse.metrics import Window, make_window

DAY_US = 86_400_000_000
_EPOCH = dt.date(1970, 1, 1)
FORECAST_DAYS = Settings().forecast_days


def _days(window: Window) -> Window:
    """The throughput days: the last `forecast_days` days of the question's window."""
    start = window.end - dt.timedelta(days=FORECAST_DAYS - 1)
    return make_window(start, window.end, window.tz)


def _raw_states(window: Window) -> str:
    """Every annotation with a completing event before the window's end, its state derived."""
    candidates = (
        f"SELECT annotation FROM events WHERE type IN {in_list(raw_sql.COMPLETING)} "
        f"AND time_us < {window.hi_us}"
    )
    return raw_sql._states(candidates)


def _done(states: str, window: Window) -> str:
    """Per done task: its project, done time and carrier (earliest, ties by annotation)."""
    return f"""SELECT project, task, min(completed_us) AS first_us,
          arg_min(author, (completed_us, annotation)) AS author
        FROM ({states}) s
        WHERE last_action IN {in_list(SUBMITTED)} AND completed_us < {window.hi_us}
        GROUP BY project, task"""


def _maintained(window: Window) -> str:
    """`_done` from the maintained table: a task's earliest completion is before the window's
    end exactly when any of them is, and then it is the same row."""
    return (
        f"SELECT project, task, first_us, author FROM task_firsts WHERE first_us < {window.hi_us}"
    )


def _forecast_sql(done: str, window: Window) -> str:
    """The forecast rows and their total, from the done tasks `done` selects (`_done`)."""
    days = _days(window)
    first_day = (days.start - _EPOCH).days
    as_of = f"DATE '{days.end.isoformat()}'"
    local = f"(first_us + {offset_case('first_us', days)}) // {DAY_US}"

    def finish(rate: str) -> str:
        return f"""CASE WHEN remaining > 0 AND {rate} > 0
            THEN CAST({as_of} + CAST(ceil(remaining / ({rate})) AS INTEGER) AS VARCHAR) END"""

    return f"""WITH done AS ({done}),
      per_day AS (SELECT project, {local} AS day, count(*) AS n FROM done
        WHERE first_us >= {days.lo_us} GROUP BY ALL),
      ids AS (SELECT id AS project FROM projects UNION SELECT project FROM done),
      grid AS (SELECT i.project, coalesce(d.n, 0) AS n
        FROM ids i CROSS JOIN range({first_day}, {first_day + FORECAST_DAYS}) r(day)
        LEFT JOIN per_day d ON d.project = i.project AND d.day = r.day),
      rates AS (SELECT project, sum(n) AS total, avg(n) AS mean, stddev_pop(n) AS spread
        FROM grid GROUP BY project),
      counted AS (SELECT project, count(*) AS done FROM done GROUP BY project),
      base AS (SELECT r.project, p.tasks, nullif(p.deadline, '') AS deadline,
          coalesce(c.done, 0) AS done,
          CASE WHEN p.tasks IS NOT NULL THEN greatest(p.tasks - coalesce(c.done, 0), 0) END
            AS remaining,
          r.total, r.mean, r.spread
        FROM rates r LEFT JOIN projects p ON p.id = r.project
        LEFT JOIN counted c ON c.project = r.project),
      dated AS (SELECT *,
          CASE WHEN remaining > 0 AND total > 0 THEN CAST({as_of}
            + CAST((remaining * {FORECAST_DAYS} + total - 1) // total AS INTEGER) AS VARCHAR)
          END AS expected_finish,
          {finish("mean + spread")} AS earliest_finish,
          {finish("mean - spread")} AS latest_finish
        FROM base),
      forecast AS (SELECT project, tasks, deadline, done, remaining,
          mean AS daily_throughput, spread AS throughput_spread,
          expected_finish, earliest_finish, latest_finish,
          CASE WHEN tasks IS NULL THEN 'no data' WHEN remaining = 0 THEN 'done'
            WHEN deadline IS NULL THEN 'no deadline'
            WHEN earliest_finish IS NULL OR earliest_finish > deadline THEN 'late'
            WHEN latest_finish IS NOT NULL AND latest_finish <= deadline THEN 'on track'
            ELSE 'at risk' END AS status,
          false AS is_total
        FROM dated)
    SELECT * FROM forecast
    UNION ALL
    SELECT NULL, sum(tasks), NULL, sum(done), sum(remaining), sum(daily_throughput),
      NULL, NULL, NULL, NULL, NULL, true FROM forecast"""


def _members_sql(done: str) -> str:
    """The done tasks per project and carrier, and their total, from `done` (`_done`)."""
    return f"""WITH done AS ({done}),
      carried AS (SELECT project, author AS member, count(*) AS done FROM done
        WHERE author IS NOT NULL GROUP BY ALL)
    SELECT project, member, done, done / sum(done) OVER (PARTITION BY project) AS share,
      false AS is_total FROM carried
    UNION ALL
    SELECT NULL, NULL, coalesce(sum(done), 0), CASE WHEN count(*) > 0 THEN 1.0 END, true
    FROM carried"""


class ForecastFloor(ReportFloor):
    report = "forecast"
    keys: ClassVar[tuple[str, ...]] = ("project",)

    def raw(self, q: Question) -> list[raw_sql.Named]:
        done = _done(_raw_states(q.window), q.window)
        return [raw_sql.named(q.con, _forecast_sql(done, q.window))]

    def maintained(self, q: Question) -> Any:
        return [raw_sql.named(q.con, _forecast_sql(_maintained(q.window), q.window))]

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = _dicts(results[0])
        totals = next(r for r in rows if r["is_total"])
        totals = {k: totals[k] for k in ("tasks", "done", "remaining", "daily_throughput")}
        totals["tasks"], totals["remaining"] = totals["tasks"] or 0, totals["remaining"] or 0
        totals["daily_throughput"] = totals["daily_throughput"] or 0
        forecasts = [r for r in rows if not r["is_total"]]
        return _keyed(sorted(forecasts, key=self._order), self.keys, totals)

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        return _keyed(sorted(report["rows"], key=self._order), self.keys, report["totals"])


class ForecastMembersFloor(ForecastFloor):
    report = "forecast_members"
    keys: ClassVar[tuple[str, ...]] = ("project", "member")

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return [raw_sql.named(q.con, _members_sql(_done(_raw_states(q.window), q.window)))]

    def maintained(self, q: Question) -> Any:
        return [raw_sql.named(q.con, _members_sql(_maintained(q.window)))]

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = _dicts(results[0])
        totals = next(r for r in rows if r["is_total"])
        carried = sorted((r for r in rows if not r["is_total"]), key=self._order)
        return _keyed(carried, self.keys, {"done": totals["done"], "share": totals["share"]})


FORECAST_FLOORS: tuple[ReportFloor, ...] = (ForecastFloor(), ForecastMembersFloor())
