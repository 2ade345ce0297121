"""`labelpulse demo`'s project plans (FC, issue 16): task counts and deadlines for the demo's
projects, chosen from the work the demo holds so that its forecasts show every status, one
project at risk.

The generator streams its events, so it cannot know beforehand how much of each project gets
done; `labelpulse demo` calls `plan_projects` once they are stored. Each project, in id order,
takes the next plan of `PLANS`; the task count and deadline are worked out from the project's
own throughput as of `today`, and checked with the forecast itself (`Forecast`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from labelpulse.config import Settings

if TYPE_CHECKING:
    from labelpulse.store.base import Store

# The status words of `labelpulse.metrics.forecast` (imported, with Ibis, only when the demo
# runs: a command module imports no heavy library).
AT_RISK, ON_TRACK, LATE, DONE, NO_DEADLINE = "at risk", "on track", "late", "done", "no deadline"

# The status each project aims at, in turn: at risk first, so that even a demo with one
# project shows one.
PLANS = (AT_RISK, ON_TRACK, LATE, DONE, NO_DEADLINE)


def plan_projects(store: Store, settings: Settings, today: dt.date) -> dict[str, str]:
    """Give every project with work a task count and a deadline; the status each now has."""
    from labelpulse.ingest import ingest_records
    from labelpulse.metrics.forecast import Forecast, forecasts
    from labelpulse.metrics.scope import Scope, make_window
    from labelpulse.store.directory import Directory

    directory = Directory.load(store)
    window = make_window(today, today, settings.timezone)
    found = forecasts(store, window, Scope(), directory, settings.forecast_days)
    records: list[dict[str, Any]] = []
    statuses: dict[str, str] = {}
    busy = sorted(project for project, forecast in found.items() if forecast.done)
    for number, project in enumerate(busy):
        done, days = found[project].done, found[project].daily
        tasks, deadline = _plan(PLANS[number % len(PLANS)], done, days, today)
        known = directory.projects.get(project) or {}
        record: dict[str, Any] = {
            "kind": "project",
            "id": project,
            "name": known.get("name") or project,
            "tasks": tasks,
        }
        if known.get("workspace"):
            record["workspace"] = known["workspace"]
        if deadline is not None:
            record["deadline"] = deadline.isoformat()
        records.append(record)
        forecast = Forecast(tasks, record.get("deadline"), done, days, today)
        statuses[project] = str(forecast.row()["status"])
    if records:
        ingest_records(store, records)
    return statuses


def _plan(
    aim: str, done: int, daily: tuple[int, ...], today: dt.date
) -> tuple[int, dt.date | None]:
    """A task count and deadline that give `aim` (as far as the throughput allows)."""
    from labelpulse.metrics.forecast import Forecast

    per_day = max(sum(daily) / len(daily), 1 / len(daily))
    if aim == DONE:
        return done, today - dt.timedelta(days=3)
    if aim == NO_DEADLINE:
        return done + round(per_day * 20) + 1, None
    if aim == LATE:
        return done + round(per_day * 30) + 1, today + dt.timedelta(days=5)
    tasks = done + round(per_day * 10) + 1
    trial = Forecast(tasks, None, done, daily, today)
    expected = trial.finish_exact() or today + dt.timedelta(days=10)
    if aim == ON_TRACK:
        latest = trial.row()["latest_finish"]
        end = dt.date.fromisoformat(latest) if latest else expected + dt.timedelta(days=60)
        return tasks, end + dt.timedelta(days=7)
    # At risk: the expected day, inside the range unless the range is a single day; then
    # the day before it, which only the fast end could meet.
    for deadline in (expected, expected - dt.timedelta(days=1)):
        if Forecast(tasks, deadline.isoformat(), done, daily, today).row()["status"] == AT_RISK:
            return tasks, deadline
    return tasks, expected
