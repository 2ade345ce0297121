"""Deadline forecasts on the pages (FC, issue 16): the overview's Deadlines card, the forecast
columns of the projects list, and a project's forecast tables and chart.

Every figure is the `forecast` or `forecast_members` report as the viewer may see it
(`run_report`), as of the question's last day; this module only words and draws them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from labelpulse.access import Viewer
from labelpulse.metrics.forecast import NEEDS_ATTENTION
from labelpulse.metrics.registry import SPECS
from labelpulse.web.charts import ACCEPTED, REJECTED, SKIPPED, SUBMITTED, Chart
from labelpulse.web.pagekit import (
    TableView,
    export_links,
    scope_params,
    segment,
    table_view,
    url,
)
from labelpulse.web.query import ReportQuery, run_report

# The projected chart runs at most this many days past the as-of day.
CHART_DAYS = 120
FORECAST_COLUMNS = SPECS["forecast"].pick(
    "project_name", "tasks", "deadline", "done", "remaining", "daily_throughput",
    "expected_finish", "earliest_finish", "latest_finish", "status",
)  # fmt: skip
CARRIED_COLUMNS = SPECS["forecast_members"].pick("member_name", "done", "share")


@dataclass(frozen=True)
class Deadline:
    """A project whose deadline is at risk or missed, in words, linking to the project."""

    project: str
    name: str
    href: str
    status: str
    deadline: str
    expected: str
    range: str


def range_words(row: dict[str, Any]) -> str:
    """The finish range of a forecast row: "2026-03-13 to 2026-03-21", an open end, or a dash."""
    earliest, latest = row["earliest_finish"], row["latest_finish"]
    if earliest is None:
        return "no finish at the current pace" if row["remaining"] else "–"
    if latest is None:
        return f"{earliest} or later (open end)"
    return earliest if earliest == latest else f"{earliest} to {latest}"


def project_href(project: str, q: ReportQuery) -> str:
    params = [p for p in scope_params(q) if p[0] not in ("project", "workspace")]
    return url(f"/projects/{segment(project)}/members", params)


def deadlines(request: Request, viewer: Viewer, q: ReportQuery) -> list[Deadline]:
    """The overview's Deadlines card: the projects at risk or late, as of the window's end."""
    _, data = run_report(request, viewer, "forecast", q)
    return [
        Deadline(
            str(row["project"]),
            str(row["project_name"]),
            project_href(str(row["project"]), q),
            str(row["status"]),
            str(row["deadline"]),
            row["expected_finish"] or "not at the current pace",
            range_words(row),
        )
        for row in data["rows"]
        if row["status"] in NEEDS_ATTENTION
    ]


def project_forecasts(request: Request, viewer: Viewer) -> dict[str, dict[str, Any]]:
    """Each visible project's forecast as of today: the projects list's columns."""
    _, data = run_report(request, viewer, "forecast", ReportQuery())
    return {
        str(row["project"]): {**row, "range": range_words(row), "status_key": _key(row)}
        for row in data["rows"]
    }


def _key(row: dict[str, Any]) -> str:
    return str(row["status"]).replace(" ", "-")


def project_tables(
    request: Request, viewer: Viewer, q: ReportQuery
) -> tuple[list[TableView], Chart | None]:
    """A project page's forecast (one row, with its range) and who carried its done tasks."""
    q, forecast = run_report(request, viewer, "forecast", q)
    _, carried = run_report(request, viewer, "forecast_members", q)
    params = q.params()
    note = (
        f"As of {q.end}, from the last {request.app.state.settings.forecast_days} days' "
        "throughput; the range is the mean plus and minus one standard deviation a day."
    )
    views = [
        table_view(
            id="forecast",
            title="Forecast",
            columns=FORECAST_COLUMNS,
            data={"rows": forecast["rows"], "totals": None},
            q=q,
            exports=export_links("/api/reports/forecast", params),
            empty="No forecast: this project has no task count and no done tasks.",
            note=note,
            link_member=False,
        ),
        table_view(
            id="forecast_members",
            title="Who carried the done tasks",
            columns=CARRIED_COLUMNS,
            data=carried,
            q=q,
            exports=export_links("/api/reports/forecast_members", params),
            empty="No task of this project is done yet.",
        ),
    ]
    rows = forecast["rows"]
    assert q.end is not None
    return views, (forecast_chart(rows[0], q.end) if len(rows) == 1 else None)


def forecast_chart(row: dict[str, Any], as_of: str) -> Chart | None:
    """Done tasks projected from the as-of day at the mean, fast and slow paces, against the
    task count, to the later of the deadline and the expected finish (at most `CHART_DAYS`).
    None without a task count, work left or throughput."""
    tasks, done, remaining = row["tasks"], row["done"], row["remaining"]
    if tasks is None or not remaining or not row["daily_throughput"]:
        return None
    mean, spread = float(row["daily_throughput"]), float(row["throughput_spread"])
    start = dt.date.fromisoformat(as_of)
    ends = [row["deadline"], row["expected_finish"]]
    last = max(dt.date.fromisoformat(d) for d in ends if d) if any(ends) else start
    days = min(max((last - start).days, 1), CHART_DAYS)
    dates = [(start + dt.timedelta(days=n)).isoformat() for n in range(days + 1)]

    def pace(rate: float) -> list[float | None]:
        return [min(float(tasks), done + max(rate, 0.0) * n) for n in range(days + 1)]

    return Chart(
        "chart-forecast",
        "Projected done tasks",
        {
            "type": "line",
            "unit": "count",
            "ytitle": "tasks done",
            "x": dates,
            "xaxis": "date",
            "series": [
                {"key": "tasks", "name": "Tasks", "color": SKIPPED, "y": [tasks] * (days + 1)},
                {"key": "fast", "name": "Fast end", "color": ACCEPTED, "y": pace(mean + spread)},
                {"key": "mean", "name": "Mean pace", "color": SUBMITTED, "y": pace(mean)},
                {"key": "slow", "name": "Slow end", "color": REJECTED, "y": pace(mean - spread)},
            ],
        },
        "From the as-of day to the deadline or the expected finish, whichever is later: where "
        "a pace meets the task count is when it finishes.",
    )
