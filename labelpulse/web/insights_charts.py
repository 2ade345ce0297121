"""The Insights page's chart by date (issue 15), in the spec format static/charts.js draws.

The series are the `insights_daily` report's own figures, unchanged: what the chart shows is
what its daily table and exports say.
"""

from __future__ import annotations

from typing import Any

from labelpulse.web.charts import ACCEPTED, REJECTED, SUBMITTED, Chart


def _series(rows: list[dict[str, Any]], key: str, name: str, color: str) -> dict[str, Any]:
    return {"key": key, "name": name, "color": color, "y": [row[key] for row in rows]}


def insights_daily_chart(data: dict[str, Any]) -> Chart:
    """Items labeled, approvals and rejections per date of the window, side by side."""
    rows: list[dict[str, Any]] = data["rows"]
    return Chart(
        "chart-insights-daily",
        "Labeling and review outcomes per day",
        {
            "type": "bar",
            "barmode": "group",
            "unit": "count",
            "x": [row["date"] for row in rows],
            "xaxis": "date",
            "series": [
                _series(rows, "items_labeled", "Items labeled", SUBMITTED),
                _series(rows, "approved", "Approved", ACCEPTED),
                _series(rows, "rejected", "Rejected", REJECTED),
            ],
        },
        "Each item or annotation on the day that counts it in the window: an item labeled on "
        "its first labeling, an approval on the first one, every rejection on its own day.",
    )
