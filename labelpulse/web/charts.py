"""The member report's graphs (seed 000) as plain JSON that static/charts.js draws with plotly.

Each series carries the report's own daily figures unchanged (seconds stay seconds), so what a
chart shows is exactly what the report and its exports say; charts.js only picks display units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

SUBMITTED, SKIPPED, UPDATED = "#3b5bdb", "#adb5bd", "#f59f00"
ACCEPTED, REJECTED, FIXED = "#2f9e44", "#e03131", "#1098ad"


@dataclass(frozen=True)
class Chart:
    """One graph: its container id, title, JSON spec and (optionally) a view toggle."""

    id: str
    title: str
    spec: dict[str, Any]
    help: str = ""
    # (value, label) pairs of a radio toggle choosing which series shows; the first is shown.
    toggle: list[tuple[str, str]] = field(default_factory=list)


def _series(daily: list[dict[str, Any]], key: str, name: str, color: str) -> dict[str, Any]:
    return {"key": key, "name": name, "color": color, "y": [day[key] for day in daily]}


def member_charts(data: dict[str, Any], *, annotations: bool, reviews: bool) -> list[Chart]:
    """The six graphs of the member performance dashboard (four of annotation work, two of
    review work: either group may be left out), from one member report."""
    daily: list[dict[str, Any]] = data["daily"]
    dates = [day["date"] for day in daily]
    a = data["annotations"]
    charts: list[Chart] = []
    if annotations:
        charts += _annotation_charts(daily, dates, a)
    if reviews:
        charts += _review_charts(daily, dates)
    return charts


def _annotation_charts(
    daily: list[dict[str, Any]], dates: list[str], a: dict[str, Any]
) -> list[Chart]:
    return [
        Chart(
            "chart-annotation-summary",
            "Annotation summary",
            {
                "type": "bar",
                "unit": "count",
                "x": ["Submitted", "Skipped", "Updated"],
                "series": [
                    {
                        "key": "summary",
                        "name": "Annotations",
                        "colors": [SUBMITTED, SKIPPED, UPDATED],
                        "y": [a["submitted"], a["skipped"], a["updated"]],
                    }
                ],
            },
            "Every annotation of the window once; updated ones are also in submitted.",
        ),
        Chart(
            "chart-annotations-daily",
            "Annotations per day",
            {
                # Grouped, not stacked: updated annotations are a part of the submitted ones,
                # so stacking the two would count them twice.
                "type": "bar",
                "barmode": "group",
                "unit": "count",
                "x": dates,
                "xaxis": "date",
                "series": [
                    _series(daily, "submitted", "Submitted", SUBMITTED),
                    _series(daily, "skipped", "Skipped", SKIPPED),
                    _series(daily, "updated", "Updated", UPDATED),
                ],
            },
            "By the day each annotation was completed.",
        ),
        Chart(
            "chart-total-time-daily",
            "Total time annotating",
            {
                "type": "bar",
                "unit": "seconds",
                "x": dates,
                "xaxis": "date",
                "series": [
                    _series(daily, "total_time", "Sum of lead times", SUBMITTED),
                    _series(daily, "total_time_median", "Submitted × median", FIXED),
                ],
            },
            "Sum: the lead times added up. Median: submitted annotations × their median time.",
            toggle=[("total_time", "Sum"), ("total_time_median", "Median")],
        ),
        Chart(
            "chart-time-per-annotation",
            "Time per annotation",
            {
                "type": "line",
                "unit": "seconds",
                "x": dates,
                "xaxis": "date",
                "series": [
                    _series(daily, "median_time", "Median", SUBMITTED),
                    _series(daily, "mean_time", "Average", UPDATED),
                ],
            },
            "Per submitted annotation, by the day it was completed; gaps are days without any.",
        ),
    ]


def _review_charts(daily: list[dict[str, Any]], dates: list[str]) -> list[Chart]:
    return [
        Chart(
            "chart-review-time-daily",
            "Review time",
            {
                "type": "bar",
                "unit": "seconds",
                "x": dates,
                "xaxis": "date",
                "series": [_series(daily, "review_time", "Review time", FIXED)],
            },
            "From opening a submitted annotation to acting on it or leaving it.",
        ),
        Chart(
            "chart-reviews-daily",
            "Reviews",
            {
                "type": "bar",
                "barmode": "stack",
                "unit": "count",
                "x": dates,
                "xaxis": "date",
                "series": [
                    _series(daily, "reviews_accepted", "Accepted", ACCEPTED),
                    _series(daily, "reviews_rejected", "Rejected", REJECTED),
                    _series(daily, "reviews_fixed_and_accepted", "Fixed + accepted", FIXED),
                ],
            },
            "Every review action: a reject then an accept of one annotation counts twice.",
        ),
    ]


def every_day(start: str, end: str) -> list[str]:
    """Each date of the window, first to last, as the ISO text the reports use."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def throughput_chart(data: dict[str, Any], start: str, end: str) -> Chart:
    """The overview's daily chart from the throughput report: annotations submitted and review
    actions per day, team-wide. The report leaves out days without work; here they are zeros."""
    dates = every_day(start, end)
    by_date = {row["date"]: row for row in data["rows"]}
    daily = [by_date.get(date, {"submitted": 0, "reviews": 0}) for date in dates]
    return Chart(
        "chart-throughput-daily",
        "Throughput per day",
        {
            "type": "bar",
            "barmode": "group",
            "unit": "count",
            "ytitle": "per day",
            "x": dates,
            "xaxis": "date",
            "series": [
                _series(daily, "submitted", "Annotations submitted", SUBMITTED),
                _series(daily, "reviews", "Reviews", ACCEPTED),
            ],
        },
        "Annotations by the day they were completed; review actions by the day they were taken.",
    )
