"""Deadline forecasts (issue 16, docs/metrics-beyond.md): per project, the tasks done and
remaining, the daily throughput over the last `forecast_days` days, the expected finish date with
a range, and whether the deadline holds; per member, the done tasks they carried.

A task is done when one of its annotations counts as submitted (the members table's
`submitted`: last action submitted, updated, accepted or fixed-and-accepted) and was completed
before the end of the window's last day (the forecast's "today"). Its done date is the earliest
such completion; the member who carried it is that annotation's author.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import Scope, Window, day_number, in_scope, local_day, make_window

if TYPE_CHECKING:
    from labelpulse.store.base import Store
    from labelpulse.store.directory import Directory

# The words of a forecast's `status`.
DONE, ON_TRACK, AT_RISK, LATE = "done", "on track", "at risk", "late"
NO_DEADLINE, NO_DATA = "no deadline", "no data"
STATUSES = (DONE, ON_TRACK, AT_RISK, LATE, NO_DEADLINE, NO_DATA)
# The statuses the overview's Deadlines card lists.
NEEDS_ATTENTION = (AT_RISK, LATE)


def throughput_window(window: Window, days: int) -> Window:
    """The `days` days ending on the window's last day, in its zone: what the rate reads."""
    return make_window(window.end - dt.timedelta(days=days - 1), window.end, window.tz)


def _firsts(con: Any, p: Params, scope: Scope) -> ir.Table:
    """One row per task done by the end of `hi` in the scope's projects: its project, done time
    (`first_us`) and carrier (`author`), cut to the scope's members on the carrier.

    From `task_firsts`, each done task's earliest qualifying annotation over the whole log,
    kept with every batch: a task's earliest completion is before `hi` exactly when any of its
    completions is, and then it is that same row, so one row per task answers every window.
    Grouping the whole state by task at each report cost 334 ms at 10M events.
    """
    f = con.table("task_firsts")
    f = f.filter(f.first_us < p.integer("hi"))
    return in_scope(f, scope, p, member_column="author")


def _done_per_day(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    """Per project: done tasks in all (`day` null) and per day of the throughput window."""
    firsts = _firsts(con, p, scope)
    recent = firsts.filter(firsts.first_us >= p.integer("lo"))
    daily = recent.group_by(
        "project", day=local_day(recent.first_us, window, p).cast("int64")
    ).aggregate(done=recent.count())
    total = firsts.group_by("project").aggregate(done=firsts.count())
    total = total.mutate(day=ibis.null("int64"))
    return daily.union(total.select("project", "day", "done"))


def _done_per_member(con: Any, p: Params, scope: Scope) -> ir.Table:
    firsts = _firsts(con, p, scope)
    firsts = firsts.filter(firsts.author.notnull())
    return firsts.group_by("project", "author").aggregate(done=firsts.count())


@dataclass(frozen=True)
class Forecast:
    """One project's forecast, from its task count, deadline, done count and daily counts."""

    tasks: int | None
    deadline: str | None
    done: int
    daily: tuple[int, ...]  # done tasks per day of the throughput window, oldest first
    as_of: dt.date

    @property
    def remaining(self) -> int | None:
        return None if self.tasks is None else max(self.tasks - self.done, 0)

    @property
    def mean(self) -> Fraction:
        return Fraction(sum(self.daily), len(self.daily))

    @property
    def spread(self) -> float:
        """The population standard deviation of the daily counts."""
        mean = self.mean
        variance = sum((Fraction(n) - mean) ** 2 for n in self.daily) / len(self.daily)
        return math.sqrt(variance)

    def finish(self, rate: float) -> dt.date | None:
        """The day the remaining tasks are done at `rate` a day from the day after `as_of`;
        None at no rate (never)."""
        remaining = self.remaining
        if remaining is None or rate <= 0:
            return None
        return self.as_of + dt.timedelta(days=math.ceil(remaining / rate))

    def row(self) -> dict[str, Any]:
        remaining = self.remaining
        mean, spread = self.mean, self.spread
        expected = self.finish_exact()
        earliest = self.finish(float(mean) + spread)
        latest = self.finish(float(mean) - spread)
        return {
            "tasks": self.tasks,
            "deadline": self.deadline,
            "done": self.done,
            "remaining": remaining,
            "daily_throughput": float(mean),
            "throughput_spread": spread,
            "expected_finish": _iso(None if remaining == 0 else expected),
            "earliest_finish": _iso(None if remaining == 0 else earliest),
            "latest_finish": _iso(None if remaining == 0 else latest),
            "status": self.status(earliest, latest),
        }

    def finish_exact(self) -> dt.date | None:
        """`finish` at the mean rate, by exact fractions (remaining / mean, rounded up)."""
        remaining, mean = self.remaining, self.mean
        if remaining is None or mean <= 0:
            return None
        return self.as_of + dt.timedelta(days=math.ceil(Fraction(remaining) / mean))

    def status(self, earliest: dt.date | None, latest: dt.date | None) -> str:
        if self.remaining is None:
            return NO_DATA
        if self.remaining == 0:
            return DONE
        if self.deadline is None:
            return NO_DEADLINE
        deadline = dt.date.fromisoformat(self.deadline)
        if earliest is None or earliest > deadline:
            return LATE
        if latest is not None and latest <= deadline:
            return ON_TRACK
        return AT_RISK


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _values(window: Window, scope: Scope) -> dict[str, Any]:
    return {**window.values(), **scope.values()}


def _projects(directory: Directory, scope: Scope, found: set[str]) -> list[str]:
    """The projects with a row: the directory's in scope, and any in scope with done tasks."""
    known = set(directory.projects)
    if scope.projects is not None:
        known &= set(scope.projects)
    ids = known | found
    return sorted(ids, key=lambda p: (str(directory.project_name(p)).lower(), p))


def forecasts(
    store: Store, window: Window, scope: Scope, directory: Directory, days: int
) -> dict[str, Forecast]:
    """Each project's forecast as of the window's last day, over `days` throughput days: the
    projects of `_projects`, in their order."""
    throughput = throughput_window(window, days)
    rows = run(
        store,
        ("forecast", "done", throughput.shape, scope.shape),
        lambda c, p: _done_per_day(c, p, throughput, scope),
        _values(throughput, scope),
    )
    totals: dict[str, int] = {}
    per_day: dict[str, dict[int, int]] = {}
    for row in rows:
        if row["day"] is None:
            totals[row["project"]] = int(row["done"])
        else:
            per_day.setdefault(row["project"], {})[int(row["day"])] = int(row["done"])
    out: dict[str, Forecast] = {}
    for project in _projects(directory, scope, set(totals)):
        known = directory.projects.get(project) or {}
        counts = per_day.get(project, {})
        tasks = known.get("tasks")
        out[project] = Forecast(
            tasks=None if tasks is None else int(tasks),
            deadline=known.get("deadline") or None,
            done=totals.get(project, 0),
            daily=tuple(counts.get(day_number(day), 0) for day in throughput.days),
            as_of=throughput.end,
        )
    return out


def forecast_table(q: ReportInput) -> dict[str, Any]:
    """One row per project in scope: done, remaining, throughput, finish dates and status."""
    found = forecasts(q.store, q.window, q.scope, q.directory, q.settings.forecast_days)
    out = [
        {**q.directory.project_columns(project), **forecast.row()}
        for project, forecast in found.items()
    ]
    return {
        "window": q.window.as_dict(),
        "scope": q.scope.as_dict(),
        "rows": out,
        "totals": _totals(out),
    }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counted = [row for row in rows if row["tasks"] is not None]
    return {
        "tasks": sum(row["tasks"] for row in counted),
        "done": sum(row["done"] for row in rows),
        "remaining": sum(row["remaining"] for row in counted),
        "daily_throughput": sum(row["daily_throughput"] for row in rows),
    }


def forecast_members(q: ReportInput) -> dict[str, Any]:
    """Per project and member: the done tasks the member carried and their share of the
    project's done tasks in scope."""
    window = throughput_window(q.window, q.settings.forecast_days)
    rows = run(
        q.store,
        ("forecast_members", "done", q.scope.shape),
        lambda c, p: _done_per_member(c, p, q.scope),
        _values(window, q.scope),
    )
    per_project: dict[str, int] = {}
    for row in rows:
        per_project[row["project"]] = per_project.get(row["project"], 0) + int(row["done"])
    out = [
        {
            **q.directory.project_columns(row["project"]),
            **q.directory.member_columns(row["author"]),
            "done": int(row["done"]),
            "share": int(row["done"]) / per_project[row["project"]],
        }
        for row in rows
    ]
    out.sort(
        key=lambda r: (
            str(r["project_name"]).lower(),
            r["project"],
            -r["done"],
            str(r["member_name"]).lower(),
            r["member"],
        )
    )
    return {
        "window": q.window.as_dict(),
        "scope": q.scope.as_dict(),
        "rows": out,
        "totals": {"done": sum(per_project.values()), "share": 1.0 if out else None},
    }
