"""Insights by date and per project in a browser (issue 15): Plotly draws the per-day chart
from the daily report's own figures, beside its daily and per-project tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from tests.browser.harness import wait_for_charts
from tests.browser.test_report import check_drawn, plotted


def api_table(page: Page, name: str) -> dict[str, Any]:
    """The JSON API's report for the window the page's form shows."""
    fields = ("from", "to", "tz")
    params = {f: page.input_value(f"form.filters input[name={f}]") for f in fields}
    response = page.request.get(f"/api/reports/{name}?{urlencode(params)}")
    assert response.ok, response.text()
    data: dict[str, Any] = response.json()
    return data


def test_the_daily_chart_and_tables_are_the_reports(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    page.goto("/insights")
    charts = wait_for_charts(page)
    assert [c["chart"] for c in charts] == ["insights-daily"]
    check_drawn(charts)
    daily = api_table(page, "insights_daily")
    traces = {t["name"]: t for t in plotted(page, "insights-daily")}
    assert set(traces) == {"Items labeled", "Approved", "Rejected"}
    assert traces["Items labeled"]["x"] == [row["date"] for row in daily["rows"]]
    assert traces["Items labeled"]["y"] == [row["items_labeled"] for row in daily["rows"]]
    assert sum(traces["Rejected"]["y"]) == daily["totals"]["rejected"] > 0
    rows = page.locator("[data-table=insights_daily] tbody tr")
    expect(rows).to_have_count(len(daily["rows"]))
    projects = api_table(page, "insights_projects")
    shown = page.locator("[data-table=insights_projects] tbody tr")
    expect(shown).to_have_count(len(projects["rows"]))
    # The per-project subtotals add up to the labeler table's totals.
    assert projects["totals"] == api_table(page, "insights")["totals"]
