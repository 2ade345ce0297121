"""The Insights page by date (a chart and a daily table) and per project (issue 15), on
conftest's organisation: Anna labels a1, a2 in Cars (03-02) and a3 in Signs (03-03), Rico
accepts a1 and rejects a2 (03-03); Bianca labels b1, b2 in Invoices (03-04), Rico fixes and
accepts b1 (03-05)."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.web.conftest import WINDOW
from tests.web.test_pages import SignedIn, api, cell, chart_spec, get_page, query_of, rows_of

DATES = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]


def test_a_daily_table_and_chart_sum_the_insights_per_date(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/insights", WINDOW)
    assert rows_of(doc, "insights_daily") == [*DATES, "totals"]
    assert cell(doc, "insights_daily", "2026-03-02", "items_labeled").text() == "2"
    assert cell(doc, "insights_daily", "2026-03-03", "rejected").text() == "1"
    assert cell(doc, "insights_daily", "2026-03-04", "items_labeled").text() == "2"
    spec = chart_spec(doc, "chart-insights-daily")
    assert spec["x"] == DATES
    by_key = {series["key"]: series["y"] for series in spec["series"]}
    assert by_key == {
        "items_labeled": [2, 1, 2, 0, 0],
        "approved": [0, 1, 0, 1, 0],
        "rejected": [0, 1, 0, 0, 0],
    }
    # The table and the chart are the API's report, whose dates add up to the insights totals.
    daily = api(client, "/api/reports/insights_daily", WINDOW)
    assert [row["items_labeled"] for row in daily["rows"]] == by_key["items_labeled"]
    assert daily["totals"] == api(client, "/api/reports/insights", WINDOW)["totals"]


def test_per_project_subtotals_with_the_rate_from_their_parts(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/insights", WINDOW)
    assert rows_of(doc, "insights_projects") == ["p-cars", "p-inv", "p-signs", "totals"]
    assert cell(doc, "insights_projects", "p-cars", "items_labeled").text() == "2"
    data = api(client, "/api/reports/insights_projects", WINDOW)
    cars = next(row for row in data["rows"] if row["project"] == "p-cars")
    # a1 accepted first time, a2 rejected: 1 of 2.
    assert (cars["approved"], cars["rejected"], cars["approval_rate"]) == (1, 1, 0.5)
    inv = next(row for row in data["rows"] if row["project"] == "p-inv")
    assert (inv["items_labeled"], inv["approval_rate"]) == (2, 1.0)


def test_the_views_are_cut_like_the_insights(signed_in: SignedIn) -> None:
    anna = get_page(signed_in("annotator"), "/insights", WINDOW)
    # Her own work in her project (Cars) only: not Signs, nor Bianca's Invoices.
    assert rows_of(anna, "insights_projects") == ["p-cars", "totals"]
    assert cell(anna, "insights_daily", "2026-03-04", "items_labeled").text() == "0"
    manager = api(signed_in("manager"), "/api/reports/insights_projects", WINDOW)
    assert {row["project"] for row in manager["rows"]} == {"p-cars", "p-signs"}


def test_each_view_exports_its_own_table(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/insights", WINDOW)
    for table in ("insights_daily", "insights_projects"):
        links = doc.one("section", data_table=table).all("a", data_export=None)
        assert [a.attrs["data-export"] for a in links] == ["CSV", "JSON", "Excel"]
        for a in links:
            href = a.attrs["href"]
            assert urlsplit(href).path == f"/api/reports/{table}"
            assert ("from", "2026-03-02") in query_of(href)
            assert client.get(href).status_code == 200, href


def test_a_window_without_work_has_no_chart_and_says_why(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/insights", {"from": "2026-04-01", "to": "2026-04-05"})
    assert not doc.all("div", data_chart=None)
    assert rows_of(doc, "insights_daily") == []
    assert doc.one("p", data_empty="insights_daily").text().startswith("No labeling between")
